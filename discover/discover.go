// Package discover finds the documents a discovery rule points at: it
// fetches the rule's start pages (HTML listings, RSS/Atom/RDF feeds,
// sitemaps, JSON APIs), takes the links on them that pass the rule's
// filters and, up to the rule's depth, fetches those documents to find more.
//
// Start pages are the operator's and are fetched unrestricted. Every other
// page is reached through a link someone else wrote, so it is fetched as a
// crawler.Request with Restricted set and the rule's AllowedDomains: the
// crawler refuses private, loopback and metadata addresses after name
// resolution and on every redirect. Links that fail these checks are
// reported as Refusals, never fetched.
//
// Pages are fetched breadth first, one at a time, in the order their links
// were found; politeness between requests is the Fetcher's business.
// Rule.MaxPages bounds pages fetched plus documents taken; a child sitemap
// of a sitemap index is a listing page (its entries are documents at the
// index's own level), reachable only while its nesting is within Depth.
package discover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"redline"
	"redline/crawler"
)

// Fetcher is what Run needs; *crawler.Fetcher implements it.
type Fetcher interface {
	Fetch(ctx context.Context, req crawler.Request) (*crawler.Response, error)
}

// Document is one link found.
type Document struct {
	URL   string // absolute, fragment removed, scheme and host lower case, default port dropped
	Title string // link text, feed item title, or JSON title field; trimmed, whitespace collapsed, at most 300 runes
	Via   string // the page it was found on
	// PDF: the URL path ends in .pdf, the link says type="application/pdf"
	// (or is a feed enclosure of that type), or Run fetched the document
	// and it was served as application/pdf.
	PDF bool
}

// Result is what one Run found.
type Result struct {
	Documents []Document // in the order found, deduplicated by URL
	Pages     []Page     // every fetch made, start pages first (for the caller to record the listing)
	Truncated bool       // MaxPages was reached with links or pages left to take
	Refused   []Refusal  // links not taken for safety, deduplicated by URL, at most MaxRefusals
	Errors    []error    // pages that could not be fetched or read; each a *PageError
}

// Page is one fetch Run made. Resp is what Fetcher.Fetch returned (non-nil
// for *crawler.Fetcher even on error); Err is its error.
type Page struct {
	URL   string
	Resp  *crawler.Response
	Err   error
	Start bool // one of the rule's start pages
}

// Refusal is a link not taken, or not fetched, for safety.
type Refusal struct {
	URL    string
	Via    string // the page the link was found on
	Reason string // one of the Reason* constants
}

// Reasons of a Refusal.
const (
	ReasonScheme    = "scheme"                  // not http or https
	ReasonOutside   = "outside allowed domains" // the link, or a redirect from it, leaves AllowedDomains
	ReasonForbidden = "forbidden address"       // the host resolved to a loopback, private, metadata... address
)

// MaxRefusals bounds Result.Refused.
const MaxRefusals = 100

// Sentinel errors wrapped by the PageErrors in Result.Errors.
var (
	// ErrStatus: the page answered with a status other than 2xx.
	ErrStatus = errors.New("HTTP error status")
	// ErrBlocked: the page is a CDN or firewall block or challenge page
	// (crawler.Blocked).
	ErrBlocked = errors.New("blocked")
)

// PageError is a start or followed page that could not be fetched or read.
type PageError struct {
	URL   string // the page (password redacted)
	Start bool   // one of the rule's start pages, whose failure leaves the listing incomplete
	Err   error
}

// Error implements error.
func (e *PageError) Error() string {
	msg := e.Err.Error()
	if strings.HasPrefix(msg, "fetch "+e.URL+":") { // the crawler's own wording
		return "discover: " + msg
	}
	return "discover: " + e.URL + ": " + msg
}

// Unwrap returns the cause.
func (e *PageError) Unwrap() error { return e.Err }

// Options tune a Run.
type Options struct {
	Logger *slog.Logger // nil discards
}

// Run fetches the rule's start pages and, up to rule.Depth, the documents
// they link to, and returns the documents found. The rule gets Defaults
// first and must then pass Validate.
//
// A page that cannot be fetched or read is recorded in Result.Errors and
// the run goes on. Run returns an error only for an invalid rule or when
// ctx ends; in the latter case it also returns what was found so far.
func Run(ctx context.Context, f Fetcher, rule redline.DiscoverRule, opt Options) (*Result, error) {
	if f == nil {
		return nil, errors.New("discover: nil Fetcher")
	}
	rule = Defaults(rule)
	if err := Validate(rule); err != nil {
		return nil, err
	}
	r := newRun(f, rule, opt)
	err := r.crawl(ctx)
	return r.result(), err
}

// page is a URL to fetch.
type page struct {
	url   string // as fetched: the configured string for start pages, the normalised URL otherwise
	key   string // normalised URL
	via   string // page it was found on; "" for start pages
	start bool
	// level is the page's distance from the start pages: a document found
	// on a start page is at level 1, and so is a sitemap an index lists.
	level int
	// linkLevel is the level of the documents found on the page: level+1,
	// except for a sitemap listed by an index, whose entries take the
	// place of the index's.
	linkLevel int
}

// run is the state of one Run.
type run struct {
	f       Fetcher
	rule    redline.DiscoverRule
	log     *slog.Logger
	follow  []*regexp.Regexp
	match   []string // lower case
	domains []string // normalised AllowedDomains

	res     Result
	queue   []page
	used    int             // pages fetched plus documents taken
	listing map[string]bool // keys of start pages and sitemaps, never documents
	taken   map[string]int  // key of a document → index in res.Documents
	dropped map[int]bool    // indexes of documents refused when fetched
	refused map[string]bool // URLs in res.Refused, or left out past MaxRefusals
	stopped bool            // MaxPages reached
}

func newRun(f Fetcher, rule redline.DiscoverRule, opt Options) *run {
	r := &run{
		f:       f,
		rule:    rule,
		log:     opt.Logger,
		listing: map[string]bool{},
		taken:   map[string]int{},
		dropped: map[int]bool{},
		refused: map[string]bool{},
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	for _, p := range rule.Follow {
		r.follow = append(r.follow, regexp.MustCompile(p)) // checked by Validate
	}
	for _, m := range rule.Match {
		r.match = append(r.match, strings.ToLower(strings.TrimSpace(m)))
	}
	for _, d := range rule.AllowedDomains {
		r.domains = append(r.domains, crawler.NormalizeHost(d))
	}
	return r
}

// crawl fetches the queue breadth first until it is empty, MaxPages is
// reached or ctx ends.
func (r *run) crawl(ctx context.Context) error {
	for _, s := range r.rule.Start {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			continue // Validate refuses it
		}
		k := normalize(u).String()
		if r.listing[k] {
			continue
		}
		r.listing[k] = true
		r.queue = append(r.queue, page{url: s, key: k, start: true, linkLevel: 1})
	}
	for i := 0; i < len(r.queue) && !r.stopped; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !r.spend() {
			break
		}
		if err := r.visit(ctx, r.queue[i]); err != nil {
			return err
		}
	}
	return nil
}

// spend takes one unit of MaxPages, or reports it exhausted (and stops the
// run) when none is left.
func (r *run) spend() bool {
	if r.used >= r.rule.MaxPages {
		if !r.stopped {
			r.stopped = true
			r.res.Truncated = true
			r.log.Warn("discover: max_pages reached; the rest is left for the next run",
				"start", r.rule.Start[0], "max_pages", r.rule.MaxPages,
				"documents", len(r.taken), "pages", len(r.res.Pages))
		}
		return false
	}
	r.used++
	return true
}

// visit fetches p and takes the links on it. It returns an error only when
// ctx ended.
func (r *run) visit(ctx context.Context, p page) error {
	req := crawler.Request{URL: p.url}
	if !p.start {
		req.Restricted = true
		req.AllowedDomains = r.rule.AllowedDomains
	}
	resp, err := r.f.Fetch(ctx, req)
	r.res.Pages = append(r.res.Pages, Page{URL: p.url, Resp: resp, Err: err, Start: p.start})
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, crawler.ErrForbiddenAddress):
		r.refuseFetched(p, ReasonForbidden, err)
		return nil
	case errors.Is(err, crawler.ErrOutsideDomains):
		r.refuseFetched(p, ReasonOutside, err)
		return nil
	case err != nil:
		r.fail(p, err)
		return nil
	case resp == nil:
		r.fail(p, errors.New("no response"))
		return nil
	case resp.Status < 200 || resp.Status > 299:
		r.fail(p, fmt.Errorf("%w %d", ErrStatus, resp.Status))
		return nil
	}
	if blocked, why := resp.Blocked(); blocked {
		r.fail(p, fmt.Errorf("%w: %s", ErrBlocked, why))
		return nil
	}
	base := pageBase(p, resp)
	ls, kind, err := extractLinks(resp, base, p.start, r.rule.LinksPath)
	if kind == kindPDF {
		if i, ok := r.taken[p.key]; ok {
			r.res.Documents[i].PDF = true
		}
	}
	if err != nil {
		r.fail(p, err)
	}
	r.log.Debug("discover: page read", "url", redact(p.url), "kind", kind.String(), "links", len(ls))
	for _, l := range ls {
		if r.stopped {
			break
		}
		r.consider(p, l)
	}
	return nil
}

// pageBase is the URL relative links on p resolve against: where the fetch
// ended up after redirects.
func pageBase(p page, resp *crawler.Response) *url.URL {
	for _, s := range []string{resp.FinalURL, p.url} {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.IsAbs() {
			return u
		}
	}
	return &url.URL{}
}

// consider applies the rule's filters to one link found on p and takes it
// as a document, or queues it as a sitemap to read.
func (r *run) consider(p page, l rawLink) {
	u, ok := resolve(l.base, l.href)
	if !ok {
		return
	}
	k := u.String()
	if r.listing[k] {
		return // a start page or a sitemap already queued
	}
	if _, ok := r.taken[k]; ok {
		return
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		r.refuse(k, p.url, ReasonScheme)
		return
	}
	if !crawler.DomainAllowed(u.Hostname(), r.domains) {
		r.refuse(k, p.url, ReasonOutside)
		return
	}
	if l.sitemap {
		if p.level+1 > r.rule.Depth {
			r.log.Debug("discover: sitemap beyond depth", "url", redact(k), "via", redact(p.url))
			return
		}
		r.listing[k] = true
		r.queue = append(r.queue, page{url: k, key: k, via: p.url, level: p.level + 1, linkLevel: p.linkLevel})
		return
	}
	if !r.follows(k) || !r.matches(u, l) {
		return
	}
	if !r.spend() {
		return
	}
	pdf := l.pdf || pdfPath(u)
	r.taken[k] = len(r.res.Documents)
	r.res.Documents = append(r.res.Documents, Document{URL: k, Title: cleanTitle(l.title), Via: p.url, PDF: pdf})
	if !pdf && p.linkLevel < r.rule.Depth {
		r.queue = append(r.queue, page{url: k, key: k, via: p.url, level: p.linkLevel, linkLevel: p.linkLevel + 1})
	}
}

// follows reports whether the URL matches one of the Follow patterns (or
// there are none).
func (r *run) follows(u string) bool {
	if len(r.follow) == 0 {
		return true
	}
	for _, re := range r.follow {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}

// matches reports whether the link's text, title, description or URL
// contains one of the Match terms (or there are none).
func (r *run) matches(u *url.URL, l rawLink) bool {
	if len(r.match) == 0 {
		return true
	}
	hay := []string{l.title, u.String()}
	hay = append(hay, l.extra...)
	if p, err := url.PathUnescape(u.EscapedPath()); err == nil {
		hay = append(hay, p)
	}
	s := strings.ToLower(strings.Join(hay, "\n"))
	for _, m := range r.match {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// refuse records a Refusal once per URL, up to MaxRefusals.
func (r *run) refuse(u, via, reason string) {
	if r.refused[u] {
		return
	}
	r.refused[u] = true
	r.log.Debug("discover: link refused", "url", redact(u), "via", redact(via), "reason", reason)
	if len(r.res.Refused) < MaxRefusals {
		r.res.Refused = append(r.res.Refused, Refusal{URL: u, Via: via, Reason: reason})
	}
}

// refuseFetched records the crawler's refusal to fetch p; a document so
// refused is no longer one.
func (r *run) refuseFetched(p page, reason string, err error) {
	r.log.Info("discover: fetch refused", "url", redact(p.url), "via", redact(p.via), "error", err)
	if i, ok := r.taken[p.key]; ok {
		r.dropped[i] = true
	}
	r.refuse(p.key, p.via, reason)
}

// fail records a page that could not be fetched or read.
func (r *run) fail(p page, err error) {
	r.log.Info("discover: page failed", "url", redact(p.url), "start", p.start, "error", err)
	r.res.Errors = append(r.res.Errors, &PageError{URL: redact(p.url), Start: p.start, Err: err})
}

// result returns the Result, without the documents refused when fetched.
func (r *run) result() *Result {
	res := r.res
	if len(r.dropped) > 0 {
		docs := make([]Document, 0, len(res.Documents)-len(r.dropped))
		for i, d := range res.Documents {
			if !r.dropped[i] {
				docs = append(docs, d)
			}
		}
		res.Documents = docs
	}
	return &res
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.Redacted()
}
