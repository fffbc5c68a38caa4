package monitor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"redline"
	"redline/crawler"
	"redline/discover"
	"redline/notify"
)

// ExcerptRunes is the length of the text excerpt a page.new alert carries.
const ExcerptRunes = 400

// checkDiscover runs a discovery rule: it fetches the rule's pages, records
// the first start page as the rule's own capture (so the listing has a
// history too), stores every new document as a target due at once, and
// notes which known documents are no longer linked.
func (m *Monitor) checkDiscover(ctx context.Context, t redline.Target) Result {
	rule := discover.Defaults(*t.Discover)
	start := m.now()
	found, err := discover.Run(ctx, m.Fetcher, rule, discover.Options{Logger: m.logger().With("rule", t.Name)})
	if err != nil {
		res := m.record(ctx, t, redline.Capture{}, false, start, nil, err)
		if res.Err == nil {
			res.Err = fmt.Errorf("discover %s: %w", t.Name, err)
		}
		return res
	}

	// The rule's capture: its first start page.
	base, berr := m.Store.Baseline(ctx, t.ID)
	hasBase := berr == nil
	if berr != nil && !errors.Is(berr, redline.ErrNotFound) {
		return Result{Target: t, Err: fmt.Errorf("discover %s: load baseline: %w", t.Name, berr)}
	}
	var (
		resp *crawler.Response
		ferr error
	)
	if len(found.Pages) > 0 && found.Pages[0].Start {
		resp, ferr = found.Pages[0].Resp, found.Pages[0].Err
	} else {
		ferr = fmt.Errorf("discover %s: start page not fetched", t.Name)
	}
	res := m.record(ctx, t, base, hasBase, start, resp, ferr)
	if res.Err != nil {
		return res
	}
	for _, e := range found.Errors {
		m.logger().Warn("discovery page failed", "rule", t.Name, "error", e)
	}
	for _, r := range found.Refused {
		m.logger().Warn("discovered link refused", "rule", t.Name, "url", r.URL, "via", r.Via, "reason", r.Reason)
	}
	if found.Truncated {
		m.logger().Warn("discovery stopped at max_pages; more links were there", "rule", t.Name, "max_pages", rule.MaxPages)
	}

	// Only a complete look at the start pages says what is unlisted.
	complete := ferr == nil && len(found.Errors) == 0 && !found.Truncated
	defs := make([]redline.Target, 0, len(found.Documents))
	urls := make([]string, 0, len(found.Documents))
	refused := map[string]string{} // by host: one lookup per host and run, not per link
	for _, d := range found.Documents {
		urls = append(urls, d.URL)
		if why := m.addressRefused(ctx, d.URL, refused); why != "" {
			m.logger().Warn("discovered link refused", "rule", t.Name, "url", d.URL, "via", d.Via, "reason", "forbidden address: "+why)
			continue
		}
		defs = append(defs, documentTarget(t, rule.AllowedDomains, d))
	}
	now := m.now()
	created, err := m.Store.AddDiscovered(ctx, t.Name, defs, now)
	if err != nil {
		res.Err = fmt.Errorf("discover %s: %w", t.Name, err)
		return res
	}
	for _, c := range created {
		m.logger().Info("new document", "rule", t.Name, "target", c.Name, "url", c.URL, "title", c.Title)
	}
	res.Discovered = created
	if complete {
		gone, err := m.Store.MarkListed(ctx, t.Name, urls, now)
		if err != nil {
			res.Err = fmt.Errorf("discover %s: %w", t.Name, err)
			return res
		}
		for _, g := range gone {
			m.logger().Info("document no longer linked", "rule", t.Name, "target", g.Name, "url", g.URL)
		}
	}
	return res
}

// addressRefused says why a document's host may not be tracked: an IP
// literal, or a name resolving now, to a loopback, private, link-local or
// metadata address outside m.AllowNetworks. "" when allowed or unknown
// (every fetch checks again after DNS, so a name that changes its answer
// later is still refused then). Answers are kept in seen, by host.
func (m *Monitor) addressRefused(ctx context.Context, raw string, seen map[string]string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	why, ok := seen[host]
	if !ok {
		why = m.hostRefused(ctx, host)
		seen[host] = why
	}
	return why
}

func (m *Monitor) hostRefused(ctx context.Context, host string) string {
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		ips, _ = net.DefaultResolver.LookupNetIP(lctx, "ip", host)
	}
	for _, ip := range ips {
		if ok, why := crawler.AddressAllowed(ip, m.AllowNetworks); !ok {
			return fmt.Sprintf("%s is %s", ip, why)
		}
	}
	return ""
}

// documentTarget is the target for a document found by rule: it inherits
// the rule's schedule, selectors, noise rules, keywords and tags.
func documentTarget(rule redline.Target, allowed []string, d discover.Document) redline.Target {
	kind := "page"
	if d.PDF {
		kind = "pdf"
	}
	return redline.Target{
		Name:            documentName(rule.Name, d.URL),
		URL:             d.URL,
		Kind:            kind,
		Schedule:        rule.Schedule,
		Select:          rule.Select,
		Exclude:         rule.Exclude,
		Tags:            rule.Tags,
		Ignore:          rule.Ignore,
		Keywords:        rule.Keywords,
		NoDefaultIgnore: rule.NoDefaultIgnore,
		Title:           d.Title,
		Source:          redline.DiscoverSource + rule.Name,
		AllowedDomains:  allowed,
	}
}

// documentName is "<rule>-<slug of the URL's path and query>", at most 100
// characters of [a-z0-9-].
func documentName(rule, raw string) string {
	slug := raw
	if u, err := url.Parse(raw); err == nil {
		slug = strings.Trim(u.Path, "/")
		if u.RawQuery != "" {
			slug += "-" + u.RawQuery
		}
		if slug == "" {
			slug = u.Hostname()
		}
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(slug) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if max := 100 - len(rule) - 1; len(s) > max {
		s = strings.Trim(s[len(s)-max:], "-") // the end of a path says most
	}
	if s == "" {
		s = "document"
	}
	return rule + "-" + s
}

// queueNew raises page.new for the first capture of a discovered document.
func (m *Monitor) queueNew(rec *redline.CheckRecord, t redline.Target, v *Verdict) {
	var routes []Route
	for _, r := range m.Routes {
		if r.matches(t, redline.EventPageNew) {
			routes = append(routes, r)
		}
	}
	if len(routes) == 0 {
		return
	}
	excerpt := excerptOf(v.Text, ExcerptRunes)
	title := t.Title
	if title == "" {
		title = t.URL
	}
	detail := fmt.Sprintf("new document found by %s: %s", strings.TrimPrefix(t.DiscoveredBy, redline.DiscoverSource), title)
	if excerpt != "" {
		detail += "\n" + excerpt
	}
	m.queue(rec, t, redline.EventPageNew, routes, func(a *redline.Alert, c redline.Capture, _ *redline.Change) ([]byte, error) {
		e := notify.NewEvent(a.ID, redline.EventPageNew, t, c, detail)
		e.Rule, e.Title, e.Excerpt = t.DiscoveredBy, t.Title, excerpt
		return notify.Marshal(e)
	})
}

// excerptOf is the start of text, whitespace collapsed, cut at a word
// boundary within n runes.
func excerptOf(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	cut := string([]rune(text)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + " …"
}
