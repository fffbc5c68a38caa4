package crawler

// SSRF protection for discovered URLs (Request.Restricted).
//
// Where each rule is enforced:
//   - Addresses: in the Control hook of the restricted transport's dialer,
//     i.e. after name resolution and before connect(2), for every address
//     tried, on the first request, every redirect hop and robots.txt alike.
//     A name that resolves (or rebinds) to a forbidden address is refused
//     there; nothing is sent to it.
//   - Domains and schemes: before the first request (Fetch) and in the
//     redirect policies of the page and robots.txt clients, for every hop.
//
// Restricted requests use a transport of their own (see newTransport): its
// pooled connections were all dialed with the check, so a keep-alive
// connection that an unrestricted request opened to the same host:port can
// never carry a restricted one.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// reserved is one range AddressAllowed refuses, with the reason reported.
type reserved struct {
	net    netip.Prefix
	reason string
}

// forbiddenNets lists what a restricted request may not reach; the first
// match names the reason, so single addresses come before their ranges.
var forbiddenNets = []reserved{
	// Cloud metadata and platform services.
	{netip.MustParsePrefix("169.254.169.254/32"), "metadata"}, // AWS, GCP, Azure, OCI, ...
	{netip.MustParsePrefix("169.254.170.2/32"), "metadata"},   // AWS ECS task metadata
	{netip.MustParsePrefix("100.100.100.200/32"), "metadata"}, // Alibaba Cloud
	{netip.MustParsePrefix("168.63.129.16/32"), "metadata"},   // Azure WireServer (a public address)
	{netip.MustParsePrefix("fd00:ec2::254/128"), "metadata"},  // AWS IMDS over IPv6

	// IPv4 special-purpose ranges (IANA registry, RFC 6890 and successors).
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "reserved"}, // 6to4 relay anycast, deprecated
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},

	// IPv6. Anything outside 2000::/3 is refused anyway (see AddressAllowed);
	// these give it a name.
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "private"}, // site-local, deprecated
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
	{netip.MustParsePrefix("2001::/32"), "reserved"}, // Teredo: hides a v4 address
	{netip.MustParsePrefix("2001:2::/48"), "benchmarking"},
	{netip.MustParsePrefix("2001:10::/28"), "reserved"}, // ORCHID, deprecated
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
}

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	nat64          = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052; v4 in the last 32 bits
	sixToFour      = netip.MustParsePrefix("2002::/16")    // RFC 3056; v4 in bits 16-47
)

// AddressAllowed reports whether a restricted request may connect to ip,
// and if not why ("loopback", "private", "link-local", "metadata", ...).
// Addresses in allow are permitted whatever they are. IPv4-mapped IPv6
// addresses are judged as the IPv4 address they carry, and so are NAT64
// (64:ff9b::/96) and 6to4 addresses; IPv6 outside 2000::/3 is refused.
func AddressAllowed(ip netip.Addr, allow []netip.Prefix) (bool, string) {
	if !ip.IsValid() {
		return false, "invalid address"
	}
	ip = ip.WithZone("") // Prefix.Contains never matches a zoned address
	if inPrefixes(ip, allow) {
		return true, ""
	}
	ip = ip.Unmap()
	if inPrefixes(ip, allow) {
		return true, ""
	}
	for _, r := range forbiddenNets {
		if r.net.Contains(ip) {
			return false, r.reason
		}
	}
	if ip.Is4() {
		return true, ""
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		if ok, why := AddressAllowed(netip.AddrFrom4([4]byte(b[12:16])), allow); !ok {
			return false, why + " via NAT64"
		}
		return true, ""
	case sixToFour.Contains(ip):
		if ok, why := AddressAllowed(netip.AddrFrom4([4]byte(b[2:6])), allow); !ok {
			return false, why + " via 6to4"
		}
		return true, ""
	case !globalUnicast6.Contains(ip):
		return false, "reserved"
	}
	return true, ""
}

func inPrefixes(ip netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// addressError is a connection refused by AddressAllowed.
type addressError struct {
	addr   string // host:port dialed
	reason string
}

func (e *addressError) Error() string {
	return fmt.Sprintf("dial %s: %s: %s", e.addr, ErrForbiddenAddress, e.reason)
}

func (e *addressError) Unwrap() error { return ErrForbiddenAddress }

// dialControl returns the net.Dialer Control hook of the restricted
// transport. It runs for every address tried once the name is resolved and
// before connect, so a refused address never sees a packet from us.
func dialControl(allow []netip.Prefix) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &addressError{addr: address, reason: "unparsable address"}
		}
		if ok, why := AddressAllowed(ap.Addr(), allow); !ok {
			return &addressError{addr: address, reason: why}
		}
		return nil
	}
}

// restriction is what a Fetch asks of every URL it reaches. It travels in
// the request context (restrictionKey) to captureTransport, which picks the
// restricted transport, and to the redirect policies, which check each hop.
type restriction struct {
	restricted bool     // only public addresses (or Options.AllowNetworks)
	domains    []string // normalised AllowedDomains; nil means any
}

type restrictionKey struct{}

func restrictionFrom(ctx context.Context) *restriction {
	r, _ := ctx.Value(restrictionKey{}).(*restriction)
	return r
}

// newRestriction returns the restriction req asks for, or nil for none.
// AllowedDomains is honoured even without Restricted: a caller that names
// domains gets them enforced.
func newRestriction(req Request) *restriction {
	if !req.Restricted && len(req.AllowedDomains) == 0 {
		return nil
	}
	r := &restriction{restricted: req.Restricted}
	for _, d := range req.AllowedDomains {
		// An entry that normalises to "" matches nothing, so a list of
		// only such entries refuses everything (fails closed).
		r.domains = append(r.domains, NormalizeHost(d))
	}
	return r
}

// NormalizeHost lowercases a host name and drops IPv6 brackets, a trailing
// dot and a leading dot (".example.gov" means the same as "example.gov"),
// the form DomainAllowed compares.
func NormalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	h = strings.TrimSuffix(h, ".")
	return strings.TrimPrefix(h, ".")
}

// DomainAllowed reports whether host is one of domains or a subdomain of
// one; an IP literal host (or entry) matches only the same address. The
// domains must be normalised with NormalizeHost; this is the check
// Request.AllowedDomains applies.
func DomainAllowed(host string, domains []string) bool {
	host = NormalizeHost(host)
	if host == "" {
		return false
	}
	hostIP, hostErr := netip.ParseAddr(host)
	for _, d := range domains {
		if d == "" {
			continue
		}
		dIP, dErr := netip.ParseAddr(d)
		switch {
		case hostErr == nil || dErr == nil:
			if hostErr == nil && dErr == nil && hostIP.WithZone("") == dIP.WithZone("") {
				return true
			}
		case host == d || strings.HasSuffix(host, "."+d):
			return true
		}
	}
	return false
}

// errBadScheme refuses a redirect of a restricted request to a scheme other
// than http or https.
var errBadScheme = errors.New("scheme not allowed")

// check applies the scheme and domain rules to one URL of the chain.
func (r *restriction) check(u *url.URL) error {
	if r.restricted && u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: %q", errBadScheme, u.Scheme)
	}
	if r.domains != nil && !DomainAllowed(u.Hostname(), r.domains) {
		return ErrOutsideDomains
	}
	return nil
}

// checkHop is the redirect policy part shared by the page and robots.txt
// clients: a hop of a restricted request must pass its restriction.
func checkHop(req *http.Request) error {
	r := restrictionFrom(req.Context())
	if r == nil {
		return nil
	}
	if err := r.check(req.URL); err != nil {
		return &hopError{url: req.URL.Redacted(), err: err}
	}
	return nil
}

// hopError says which URL of a redirect chain a refusal concerns.
type hopError struct {
	url string // redacted
	err error  // wraps ErrForbiddenAddress, ErrOutsideDomains or errBadScheme
}

func (e *hopError) Error() string { return e.url + ": " + e.err.Error() }
func (e *hopError) Unwrap() error { return e.err }

// refused reports whether err is a refusal by the restriction rules; such
// an error is final, never retried.
func refused(err error) bool {
	return errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrOutsideDomains) || errors.Is(err, errBadScheme)
}

// refusalError rewrites a refusal met while fetching u (or, when robots is
// set, its robots.txt) as "fetch U: [redirect to H: ]reason", dropping the
// url.Error and net.OpError layers in between. Other errors pass unchanged.
func refusalError(u *url.URL, err error, robots bool) error {
	var he *hopError
	if !errors.As(err, &he) {
		return err
	}
	where := ""
	switch {
	case he.url == u.Redacted():
	case robots && he.url == robotsTarget(u):
		// The robots.txt of u's own origin: same host, same address.
	case robots:
		where = "robots.txt redirect to " + he.url + ": "
	default:
		where = "redirect to " + he.url + ": "
	}
	return fmt.Errorf("fetch %s: %s%w", u.Redacted(), where, he.err)
}

// robotsTarget is the redacted URL fetchRobots requests for u's origin.
func robotsTarget(u *url.URL) string {
	t, err := url.Parse(originOf(u) + "/robots.txt")
	if err != nil {
		return ""
	}
	return t.Redacted()
}

// dialRefusal extracts the addressError from a transport error, so that
// the message says "dial 127.0.0.1:80: address not allowed: loopback" once
// rather than under net.OpError's own "dial tcp ..." prefix.
func dialRefusal(err error) (*addressError, bool) {
	var ae *addressError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}
