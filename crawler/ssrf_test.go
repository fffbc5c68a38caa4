package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestAddressAllowed(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		ip    string
		allow []netip.Prefix
		ok    bool
		why   string // reason wanted when refused
	}{
		// Public.
		{ip: "8.8.8.8", ok: true},
		{ip: "1.1.1.1", ok: true},
		{ip: "172.32.0.1", ok: true},
		{ip: "100.128.0.1", ok: true},
		{ip: "198.20.0.1", ok: true},
		{ip: "2606:4700:4700::1111", ok: true},
		{ip: "2001:4860:4860::8888", ok: true},
		{ip: "::ffff:8.8.8.8", ok: true},
		{ip: "64:ff9b::808:808", ok: true},
		{ip: "2002:808:808::1", ok: true},
		// IPv4 special ranges.
		{ip: "0.0.0.0", why: "unspecified"},
		{ip: "0.1.2.3", why: "unspecified"},
		{ip: "127.0.0.1", why: "loopback"},
		{ip: "127.255.255.254", why: "loopback"},
		{ip: "10.1.2.3", why: "private"},
		{ip: "172.16.0.1", why: "private"},
		{ip: "172.31.255.255", why: "private"},
		{ip: "192.168.1.1", why: "private"},
		{ip: "169.254.169.254", why: "metadata"},
		{ip: "169.254.170.2", why: "metadata"},
		{ip: "169.254.1.1", why: "link-local"},
		{ip: "100.64.0.1", why: "shared address space (CGNAT)"},
		{ip: "100.100.100.200", why: "metadata"},
		{ip: "168.63.129.16", why: "metadata"},
		{ip: "224.0.0.1", why: "multicast"},
		{ip: "239.255.255.250", why: "multicast"},
		{ip: "255.255.255.255", why: "broadcast"},
		{ip: "240.0.0.1", why: "reserved"},
		{ip: "198.18.0.1", why: "benchmarking"},
		{ip: "198.19.255.255", why: "benchmarking"},
		{ip: "192.0.0.8", why: "reserved"},
		{ip: "192.0.2.1", why: "documentation"},
		{ip: "198.51.100.7", why: "documentation"},
		{ip: "203.0.113.5", why: "documentation"},
		// IPv6 special ranges.
		{ip: "::", why: "unspecified"},
		{ip: "::1", why: "loopback"},
		{ip: "fe80::1", why: "link-local"},
		{ip: "fe80::1%eth0", why: "link-local"},
		{ip: "fc00::1", why: "private"},
		{ip: "fd12:3456::1", why: "private"},
		{ip: "fd00:ec2::254", why: "metadata"},
		{ip: "ff02::1", why: "multicast"},
		{ip: "2001:db8::1", why: "documentation"},
		{ip: "2001::1", why: "reserved"}, // Teredo
		{ip: "100::1", why: "reserved"},
		{ip: "::7f00:1", why: "reserved"}, // IPv4-compatible ::127.0.0.1
		{ip: "4000::1", why: "reserved"},  // outside 2000::/3
		// Embedded IPv4.
		{ip: "::ffff:127.0.0.1", why: "loopback"},
		{ip: "::ffff:10.0.0.1", why: "private"},
		{ip: "::ffff:169.254.169.254", why: "metadata"},
		{ip: "64:ff9b::7f00:1", why: "loopback via NAT64"},
		{ip: "64:ff9b::a9fe:a9fe", why: "metadata via NAT64"},
		{ip: "2002:7f00:1::1", why: "loopback via 6to4"},
		// The operator's allow list.
		{ip: "127.0.0.1", allow: []netip.Prefix{p("127.0.0.0/8")}, ok: true},
		{ip: "::ffff:127.0.0.1", allow: []netip.Prefix{p("127.0.0.1/32")}, ok: true},
		{ip: "10.0.0.5", allow: []netip.Prefix{p("10.0.0.0/24")}, ok: true},
		{ip: "10.0.1.5", allow: []netip.Prefix{p("10.0.0.0/24")}, why: "private"},
		{ip: "169.254.169.254", allow: []netip.Prefix{p("169.254.169.254/32")}, ok: true},
		{ip: "fe80::1%eth0", allow: []netip.Prefix{p("fe80::/10")}, ok: true},
		{ip: "64:ff9b::a00:1", allow: []netip.Prefix{p("10.0.0.0/8")}, ok: true},
		{ip: "::1", allow: []netip.Prefix{p("127.0.0.1/32")}, why: "loopback"},
	}
	for _, tt := range tests {
		ok, why := AddressAllowed(netip.MustParseAddr(tt.ip), tt.allow)
		if ok != tt.ok || why != tt.why {
			t.Errorf("AddressAllowed(%s, %v) = %v, %q; want %v, %q", tt.ip, tt.allow, ok, why, tt.ok, tt.why)
		}
	}
	if ok, _ := AddressAllowed(netip.Addr{}, nil); ok {
		t.Error("the zero Addr is allowed")
	}
}

func TestDomainAllowed(t *testing.T) {
	tests := []struct {
		host    string
		domains []string
		ok      bool
	}{
		{"example.gov", []string{"example.gov"}, true},
		{"www.example.gov", []string{"example.gov"}, true},
		{"a.b.example.gov", []string{"example.gov"}, true},
		{"WWW.Example.GOV.", []string{"example.gov"}, true},
		{"www.example.gov", []string{".Example.gov."}, true},
		{"badexample.gov", []string{"example.gov"}, false},
		{"example.gov.evil.com", []string{"example.gov"}, false},
		{"example.gov", []string{"www.example.gov"}, false},
		{"other.org", []string{"example.gov", "other.org"}, true},
		{"other.org", []string{"", " "}, false},
		{"", []string{"example.gov"}, false},
		// IP literals match exactly, never by suffix.
		{"127.0.0.1", []string{"127.0.0.1"}, true},
		{"127.0.0.1", []string{"0.0.1"}, false},
		{"10.127.0.0.1", []string{"127.0.0.1"}, false},
		{"::1", []string{"[::1]"}, true},
		{"::1", []string{"0:0::1"}, true},
		{"127.0.0.2", []string{"127.0.0.1"}, false},
	}
	for _, tt := range tests {
		r := newRestriction(Request{Restricted: true, AllowedDomains: tt.domains})
		if got := DomainAllowed(tt.host, r.domains); got != tt.ok {
			t.Errorf("DomainAllowed(%q, %q) = %v, want %v", tt.host, tt.domains, got, tt.ok)
		}
	}
}

// TestRedirectPolicy drives the redirect policy directly, with names that
// would not resolve offline.
func TestRedirectPolicy(t *testing.T) {
	r := newRestriction(Request{Restricted: true, AllowedDomains: []string{"example.gov"}})
	ctx := context.WithValue(context.Background(), restrictionKey{}, r)
	hop := func(raw string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return checkHop(req)
	}
	for _, ok := range []string{"https://www.example.gov/a", "http://example.gov:8080/b", "https://deep.sub.example.gov/"} {
		if err := hop(ok); err != nil {
			t.Errorf("hop to %s: %v, want allowed", ok, err)
		}
	}
	for _, bad := range []string{"https://example.com/", "https://example.gov.evil.com/", "http://user:pw@evil.com/"} {
		err := hop(bad)
		if !errors.Is(err, ErrOutsideDomains) {
			t.Errorf("hop to %s: %v, want ErrOutsideDomains", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("hop error shows the password: %v", err)
		}
	}
	if err := hop("ftp://www.example.gov/x"); !errors.Is(err, errBadScheme) || transient(err) {
		t.Errorf("hop to ftp: %v, want a final scheme refusal", err)
	}
	// Without a restriction in the context anything goes.
	req, _ := http.NewRequest(http.MethodGet, "http://evil.com/", nil)
	if err := checkHop(req); err != nil {
		t.Errorf("unrestricted hop: %v", err)
	}
}

// countConns starts a loopback server on addr that records requests and
// counts the TCP connections it accepts.
func countConns(t *testing.T, addr string, h http.Handler) (*httptest.Server, *recorder, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	rec := &recorder{}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(rec.wrap(h))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, rec, &conns
}

func okPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	fmt.Fprint(w, "page")
}

func hostPort(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestRestrictedLoopbackRefused(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(okPage))
	addr := hostPort(t, srv)
	f := newTestFetcher(t, testOptions())

	target := srv.URL + "/x"
	resp, err := f.Fetch(context.Background(), Request{URL: target, Restricted: true})
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("err = %v, want ErrForbiddenAddress", err)
	}
	want := fmt.Sprintf("fetch %s: dial %s: address not allowed: loopback", target, addr)
	if err.Error() != want {
		t.Errorf("error %q\nwant     %q", err, want)
	}
	if resp.Attempts != 1 || resp.Status != 0 {
		t.Errorf("attempts %d status %d; want 1 (not retried) and 0", resp.Attempts, resp.Status)
	}
	if n := len(rec.hits); n != 0 {
		t.Errorf("server saw %d requests, want none (robots.txt included)", n)
	}

	// Credentials in the URL are not shown.
	_, err = f.Fetch(context.Background(), Request{URL: "http://user:s3cret@" + addr + "/x", Restricted: true})
	if !errors.Is(err, ErrForbiddenAddress) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v, want ErrForbiddenAddress without the password", err)
	}

	// The same URL, unrestricted (a configured URL), is fetched.
	if resp, err := f.Fetch(context.Background(), Request{URL: target}); err != nil || string(resp.Body) != "page" {
		t.Fatalf("unrestricted: %v", err)
	}

	// The operator may allow the network.
	o := testOptions()
	o.AllowNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	allowed := newTestFetcher(t, o)
	if resp, err := allowed.Fetch(context.Background(), Request{URL: target, Restricted: true}); err != nil || string(resp.Body) != "page" {
		t.Fatalf("restricted with AllowNetworks: %v", err)
	}
}

func TestRestrictedNameResolvedThenRefused(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(okPage))
	_, port, _ := net.SplitHostPort(hostPort(t, srv))
	f := newTestFetcher(t, testOptions())
	target := "http://localhost:" + port + "/x"
	resp, err := f.Fetch(context.Background(), Request{URL: target, Restricted: true})
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v, want ErrForbiddenAddress (loopback)", err)
	}
	// The refusal names the resolved address, proof it came after DNS.
	if !strings.Contains(err.Error(), "dial 127.0.0.1:"+port) && !strings.Contains(err.Error(), "dial [::1]:"+port) {
		t.Errorf("error %q does not name the resolved address", err)
	}
	if len(rec.hits) != 0 || resp.Attempts != 1 {
		t.Errorf("server saw %d requests, attempts %d; want 0 and 1", len(rec.hits), resp.Attempts)
	}
}

// redirector redirects every page to target; robots.txt is a 404.
func redirector(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, target, http.StatusFound)
	}
}

func allow127002() Options {
	o := testOptions()
	o.AllowNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	return o
}

func TestRestrictedRedirectToPrivate(t *testing.T) {
	t.Parallel()
	b, recB := serve(t, http.HandlerFunc(okPage)) // 127.0.0.1
	secret := b.URL + "/secret"
	a, recA := serveOn(t, "127.0.0.2:0", redirector(secret))
	f := newTestFetcher(t, allow127002())

	target := a.URL + "/go"
	resp, err := f.Fetch(context.Background(), Request{URL: target, Restricted: true})
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("err = %v, want ErrForbiddenAddress", err)
	}
	want := fmt.Sprintf("fetch %s: redirect to %s: dial %s: address not allowed: loopback", target, secret, hostPort(t, b))
	if err.Error() != want {
		t.Errorf("error %q\nwant     %q", err, want)
	}
	if len(recB.hits) != 0 {
		t.Errorf("the private server saw %d requests, want none", len(recB.hits))
	}
	if recA.count("/go") != 1 || resp.Attempts != 1 {
		t.Errorf("server A saw /go %d times, attempts %d; want 1 and 1", recA.count("/go"), resp.Attempts)
	}

	// The same chain, unrestricted, is followed.
	resp, err = f.Fetch(context.Background(), Request{URL: target})
	if err != nil || resp.FinalURL != secret {
		t.Fatalf("unrestricted: %v, final URL %q", err, resp.FinalURL)
	}
}

func TestRestrictedRedirectToMetadata(t *testing.T) {
	t.Parallel()
	meta := "http://169.254.169.254/latest/meta-data/"
	a, _ := serveOn(t, "127.0.0.2:0", redirector(meta))
	o := allow127002()
	o.ConnectTimeout = 5 * time.Second
	o.Timeout = 10 * time.Second
	f := newTestFetcher(t, o)
	start := time.Now()
	_, err := f.Fetch(context.Background(), Request{URL: a.URL + "/latest", Restricted: true})
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "metadata") {
		t.Fatalf("err = %v, want ErrForbiddenAddress naming metadata", err)
	}
	if !strings.Contains(err.Error(), "redirect to "+meta+": dial 169.254.169.254:80: address not allowed: metadata") {
		t.Errorf("error %q does not say where", err)
	}
	// Refused before connect: no connect timeout was waited for.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v; the connection seems to have been attempted", d)
	}
}

func TestAllowedDomainsRedirect(t *testing.T) {
	t.Parallel()
	var srvURL atomic.Value
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/away": // same server, other host name
			http.Redirect(w, r, srvURL.Load().(string)+"/b", http.StatusFound)
		case "/stay":
			http.Redirect(w, r, "/b", http.StatusFound)
		default:
			fmt.Fprint(w, "page")
		}
	}))
	srvURL.Store(srv.URL)
	_, port, _ := net.SplitHostPort(hostPort(t, srv))
	o := testOptions()
	o.AllowNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	f := newTestFetcher(t, o)
	base := "http://localhost:" + port

	resp, err := f.Fetch(context.Background(), Request{URL: base + "/stay", Restricted: true, AllowedDomains: []string{"localhost"}})
	if err != nil || string(resp.Body) != "page" || resp.FinalURL != base+"/b" {
		t.Fatalf("redirect within the domain: %v, final %q", err, resp.FinalURL)
	}

	before := rec.count("/b")
	resp, err = f.Fetch(context.Background(), Request{URL: base + "/away", Restricted: true, AllowedDomains: []string{"localhost"}})
	if !errors.Is(err, ErrOutsideDomains) {
		t.Fatalf("err = %v, want ErrOutsideDomains", err)
	}
	want := fmt.Sprintf("fetch %s/away: redirect to %s/b: outside the allowed domains", base, srv.URL)
	if err.Error() != want {
		t.Errorf("error %q\nwant     %q", err, want)
	}
	if rec.count("/b") != before || resp.Attempts != 1 {
		t.Errorf("the outside URL was requested (%d -> %d) or retried (attempts %d)", before, rec.count("/b"), resp.Attempts)
	}
}

func TestAllowedDomainsInitialURL(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(okPage))
	o := testOptions()
	o.AllowNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	f := newTestFetcher(t, o)
	for _, restricted := range []bool{true, false} {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/x", Restricted: restricted, AllowedDomains: []string{"example.gov"}})
		if !errors.Is(err, ErrOutsideDomains) {
			t.Fatalf("restricted=%v: err = %v, want ErrOutsideDomains", restricted, err)
		}
		if resp.Attempts != 0 {
			t.Errorf("restricted=%v: attempts %d, want 0", restricted, resp.Attempts)
		}
	}
	if len(rec.hits) != 0 {
		t.Errorf("server saw %d requests, want none", len(rec.hits))
	}
}

func TestRestrictedRobots(t *testing.T) {
	t.Parallel()
	b, recB := serve(t, http.HandlerFunc(okPage)) // 127.0.0.1

	// A forbidden host: not even robots.txt is fetched.
	f := newTestFetcher(t, allow127002())
	_, err := f.Fetch(context.Background(), Request{URL: b.URL + "/p", Restricted: true})
	want := fmt.Sprintf("fetch %s/p: dial %s: address not allowed: loopback", b.URL, hostPort(t, b))
	if !errors.Is(err, ErrForbiddenAddress) || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if recB.count("/robots.txt") != 0 || len(recB.hits) != 0 {
		t.Errorf("forbidden server saw %d requests, want none", len(recB.hits))
	}

	// An allowed host whose robots.txt redirects to a forbidden one.
	a, recA := serveOn(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Redirect(w, r, b.URL+"/robots.txt", http.StatusMovedPermanently)
			return
		}
		fmt.Fprint(w, "page")
	}))
	resp, err := f.Fetch(context.Background(), Request{URL: a.URL + "/p", Restricted: true})
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "robots.txt redirect to "+b.URL+"/robots.txt") {
		t.Fatalf("err = %v, want ErrForbiddenAddress on the robots.txt redirect", err)
	}
	if len(recB.hits) != 0 || recA.count("/p") != 0 || resp.Attempts != 1 {
		t.Errorf("forbidden server saw %d, page fetched %d times, attempts %d; want 0, 0, 1",
			len(recB.hits), recA.count("/p"), resp.Attempts)
	}
}

func TestRestrictedNotServedByPooledConnection(t *testing.T) {
	t.Parallel()
	srv, rec, conns := countConns(t, "127.0.0.1:0", http.HandlerFunc(okPage))
	f := newTestFetcher(t, testOptions())
	target := srv.URL + "/x"

	if _, err := f.Fetch(context.Background(), Request{URL: target}); err != nil {
		t.Fatalf("unrestricted: %v", err)
	}
	seen := len(rec.hits)
	if _, err := f.Fetch(context.Background(), Request{URL: target, Restricted: true}); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("restricted after keep-alive: err = %v, want ErrForbiddenAddress", err)
	}
	if len(rec.hits) != seen {
		t.Errorf("restricted request reached the server (%d -> %d requests)", seen, len(rec.hits))
	}
	// The pooled connection was there to be (mis)used: the next
	// unrestricted request reuses it.
	if _, err := f.Fetch(context.Background(), Request{URL: target}); err != nil {
		t.Fatalf("unrestricted again: %v", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("server accepted %d connections, want 1 (keep-alive in use)", n)
	}
}

func TestRestrictedKeepAliveAmongThemselves(t *testing.T) {
	t.Parallel()
	srv, rec, conns := countConns(t, "127.0.0.2:0", http.HandlerFunc(okPage))
	f := newTestFetcher(t, allow127002())
	for i := range 3 {
		if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/x", Restricted: true}); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if rec.count("/x") != 3 || conns.Load() != 1 {
		t.Errorf("%d requests over %d connections, want 3 over 1", rec.count("/x"), conns.Load())
	}
}

func TestNewValidatesAllowNetworks(t *testing.T) {
	o := testOptions()
	o.AllowNetworks = []netip.Prefix{{}}
	if _, err := New(o); err == nil {
		t.Error("New accepted an invalid prefix")
	}
	o.AllowNetworks = []netip.Prefix{netip.MustParsePrefix("10.1.2.3/8")}
	f := newTestFetcher(t, o)
	if got := f.opt.AllowNetworks[0]; got != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("prefix kept as %v, want it masked", got)
	}
}

func TestAllowedDomainsRobotsRedirect(t *testing.T) {
	t.Parallel()
	var srvURL atomic.Value
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" && r.Host != srvURL.Load().(string) {
			http.Redirect(w, r, "http://"+srvURL.Load().(string)+"/robots.txt", http.StatusMovedPermanently)
			return
		}
		okPage(w, r)
	}))
	srvURL.Store(hostPort(t, srv))
	_, port, _ := net.SplitHostPort(hostPort(t, srv))
	f := newTestFetcher(t, testOptions())
	base := "http://localhost:" + port
	resp, err := f.Fetch(context.Background(), Request{URL: base + "/p", AllowedDomains: []string{"localhost"}})
	if !errors.Is(err, ErrOutsideDomains) || !strings.Contains(err.Error(), "robots.txt redirect to "+srv.URL+"/robots.txt") {
		t.Fatalf("err = %v, want ErrOutsideDomains on the robots.txt redirect", err)
	}
	if rec.count("/robots.txt") != 1 || rec.count("/p") != 0 || resp.Attempts != 1 {
		t.Errorf("robots.txt requested %d times, page %d, attempts %d; want 1, 0, 1", rec.count("/robots.txt"), rec.count("/p"), resp.Attempts)
	}
}
