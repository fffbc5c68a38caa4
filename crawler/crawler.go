// Package crawler fetches pages politely with colly v2: robots.txt honoured,
// one request at a time per host with a delay between requests, an
// identifiable User-Agent, conditional GET, redirects followed, transient
// failures retried with backoff, Retry-After honoured, body size capped.
// It also classifies CDN and firewall block pages (Blocked).
//
// One Fetcher serves many goroutines. Each Fetch clones one base
// colly.Collector, so callbacks never mix responses of concurrent fetches;
// clones share the base's HTTP client and transport.
//
// Facts about colly v2.3.0 this package relies on or works around (read in
// its source, colly.go and http_backend.go):
//   - Clone shares the backend (http.Client, LimitRules) and the robots.txt
//     cache, and copies the Context field, which scrape uses as the parent of
//     every request's context (req.WithContext(context.WithValue(c.Context,
//     ...))). Setting the clone's Context to the Fetch's ctx is therefore
//     what cancels an in-flight request, and how a per-fetch value reaches
//     the transport.
//   - A LimitRule owns one channel for all hosts it matches, so DomainGlob
//     "*" serialises every host together, and its Delay is a time.Sleep in
//     the fetching goroutine after the response, deaf to any context. No
//     LimitRule is installed; the Fetcher keeps its own per-host gates.
//   - robots.txt handling is done here too (see robotsCache for why).
//   - MaxBodySize truncates silently through io.LimitReader; the collector
//     reads one byte more than Options.MaxBodySize and a longer body is
//     ErrTooLarge.
//   - Redirects are followed by the backend's http.Client, whose
//     CheckRedirect calls the handler given to SetRedirectHandler (after
//     colly's own filters, none of which are set here) with the hop's
//     request; its context is the first request's, so the restriction of a
//     Fetch reaches every hop.
//   - NewCollector reads COLLY_* environment variables (COLLY_CACHE_DIR
//     among them); New overrides every setting they could touch, and never
//     sets CacheDir.
package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gocolly/colly/v2"
)

// Defaults applied by New to zero-valued Options fields.
const (
	DefaultDelay          = time.Second
	DefaultParallelism    = 1
	DefaultTimeout        = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultMaxBodySize    = 10 << 20
	DefaultRetries        = 2
	DefaultRetryBackoff   = 2 * time.Second
	DefaultMaxRetryAfter  = 2 * time.Minute
	DefaultRobotsTTL      = 24 * time.Hour
	// MaxRedirects is how many redirects one attempt follows; past that the
	// last 3xx response is returned as it is.
	MaxRedirects = 10
)

// maxBackoff caps one exponential backoff wait.
const maxBackoff = 5 * time.Minute

// Options configure a Fetcher. Zero values mean the Default* constants.
type Options struct {
	// UserAgent identifies the crawler, with a contact; required.
	// robots.txt groups are matched against it by prefix, case-insensitively
	// (a group "redline" applies to "redline/1.0 (+https://…)").
	UserAgent string
	// Delay is the minimum gap between the end of one request to a host and
	// the start of the next in the same slot; negative means no delay.
	// A robots.txt Crawl-delay (up to one minute) raises it for that host.
	Delay time.Duration
	// Parallelism is how many requests may run at once per host name.
	Parallelism int
	// Timeout bounds one HTTP attempt: connect, redirects and body.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connect, and separately the TLS handshake.
	ConnectTimeout time.Duration
	// MaxBodySize is the largest body accepted; a larger one is ErrTooLarge.
	MaxBodySize int64
	// Retries is how many times a transient failure is retried; negative
	// means none.
	Retries int
	// RetryBackoff is the first wait before a retry; it doubles for each
	// further retry, with ±50% jitter.
	RetryBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After (on 429 or 503) waited for
	// inside one Fetch; a longer one ends the Fetch with a *RetryAfterError.
	MaxRetryAfter time.Duration
	// IgnoreRobots skips robots.txt. The default honours it.
	IgnoreRobots bool
	// RobotsTTL is how long a fetched robots.txt is trusted.
	RobotsTTL time.Duration
	// Logger receives debug lines per attempt and info lines per retry;
	// nil discards.
	Logger *slog.Logger
	// AllowNetworks are networks a restricted request may reach although
	// they are not public (the operator's choice, e.g. an intranet); nil
	// means none. See AddressAllowed.
	AllowNetworks []netip.Prefix
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	if strings.TrimSpace(o.UserAgent) == "" {
		return o, errors.New("crawler: UserAgent is required")
	}
	if strings.ContainsAny(o.UserAgent, "\r\n") {
		return o, errors.New("crawler: UserAgent must be one line")
	}
	for name, d := range map[string]time.Duration{
		"Timeout": o.Timeout, "ConnectTimeout": o.ConnectTimeout,
		"RetryBackoff": o.RetryBackoff, "MaxRetryAfter": o.MaxRetryAfter,
		"RobotsTTL": o.RobotsTTL,
	} {
		if d < 0 {
			return o, fmt.Errorf("crawler: %s must not be negative", name)
		}
	}
	if o.MaxBodySize < 0 {
		return o, errors.New("crawler: MaxBodySize must not be negative")
	}
	allow := make([]netip.Prefix, 0, len(o.AllowNetworks))
	for _, p := range o.AllowNetworks {
		if !p.IsValid() {
			return o, fmt.Errorf("crawler: AllowNetworks: invalid prefix %v", p)
		}
		allow = append(allow, p.Masked())
	}
	o.AllowNetworks = allow // a private copy
	switch {
	case o.Delay == 0:
		o.Delay = DefaultDelay
	case o.Delay < 0:
		o.Delay = 0
	}
	if o.Parallelism <= 0 {
		o.Parallelism = DefaultParallelism
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.MaxBodySize == 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.RetryBackoff == 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.RobotsTTL == 0 {
		o.RobotsTTL = DefaultRobotsTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Request is one page to fetch. ETag and LastModified are the validators of
// the previous good capture; when set they are sent as If-None-Match and
// If-Modified-Since, and an unchanged page answers 304.
//
// URLs the operator configured are trusted. A URL discovered on a page is
// not: fetch it with Restricted set, and usually AllowedDomains.
type Request struct {
	URL          string
	ETag         string
	LastModified string
	// Restricted marks a discovered URL: every connection, on the first
	// request, each redirect hop and the robots.txt fetch, may only go to a
	// public address (or one in Options.AllowNetworks), checked after name
	// resolution; redirects may only lead to http and https URLs. A refusal
	// is ErrForbiddenAddress and is not retried.
	Restricted bool
	// AllowedDomains, when set, confines every URL of the redirect chain
	// (the first one included, checked before any network activity) to
	// these hosts and their subdomains: "example.gov" allows
	// "www.example.gov". IP literals match exactly. A refusal is
	// ErrOutsideDomains. It is meant for use with Restricted but is
	// enforced on its own too.
	AllowedDomains []string
}

// Response is what one Fetch obtained.
type Response struct {
	URL      string      // as requested
	FinalURL string      // after redirects; empty when no response arrived
	Status   int         // HTTP status; 0 when no response arrived
	Header   http.Header // response headers; nil when no response arrived
	// RequestHeader: the headers set on the last request (the transport
	// adds Host and Accept-Encoding); nil when no response arrived.
	RequestHeader http.Header
	Body          []byte        // raw payload as received (transfer gzip decoded, charset untouched)
	FetchedAt     time.Time     // UTC, start of the first attempt
	Duration      time.Duration // total, retries and waits included
	Attempts      int           // HTTP attempts made, retries included
}

// Blocked applies the package-level Blocked classifier to r.
func (r *Response) Blocked() (bool, string) {
	return Blocked(r.Status, r.Header, r.Body)
}

// Fetcher fetches pages. It is safe for concurrent use; politeness limits
// apply across all its Fetch calls, so a program should have one.
type Fetcher struct {
	opt          Options
	log          *slog.Logger
	base         *colly.Collector
	transport    *http.Transport // unrestricted requests
	restrictedTr *http.Transport // Restricted requests; see newTransport
	robotsClient *http.Client
	robots       *robotsCache
	gates        *gates
}

// New returns a Fetcher configured by opt.
func New(opt Options) (*Fetcher, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	tr := newTransport(opt, false)
	rtr := newTransport(opt, true)
	rt := captureTransport{base: tr, restricted: rtr}

	c := colly.NewCollector()
	// Set every field explicitly: NewCollector applies COLLY_* variables.
	c.UserAgent = opt.UserAgent
	c.Headers = nil
	c.IgnoreRobotsTxt = true // robots.txt is handled by the Fetcher
	c.AllowURLRevisit = true // a re-check must really refetch
	c.ParseHTTPErrorResponse = true
	c.MaxBodySize = 0 // 0 is unlimited in colly
	if opt.MaxBodySize < math.MaxInt-1 {
		c.MaxBodySize = int(opt.MaxBodySize + 1) // one more, to see overflow
	}
	c.CacheDir = "" // never cache checks
	c.DetectCharset = false
	c.CheckHead = false
	c.MaxDepth = 0
	c.MaxRequests = 0
	c.AllowedDomains, c.DisallowedDomains = nil, nil
	c.URLFilters, c.DisallowedURLFilters = nil, nil
	c.TraceHTTP = false
	c.Async = false
	c.DisableCookies() // per-attempt jars live in captureTransport
	c.WithTransport(rt)
	c.SetRequestTimeout(opt.Timeout)
	c.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= MaxRedirects {
			return http.ErrUseLastResponse
		}
		return checkHop(req)
	})

	return &Fetcher{
		opt:          opt,
		log:          opt.Logger,
		base:         c,
		transport:    tr,
		restrictedTr: rtr,
		robotsClient: newRobotsClient(rt, opt.Timeout),
		robots:       newRobotsCache(),
		gates:        newGates(opt.Parallelism),
	}, nil
}

// Close releases idle connections. The Fetcher stays usable.
func (f *Fetcher) Close() {
	f.transport.CloseIdleConnections()
	f.restrictedTr.CloseIdleConnections()
}

// Fetch GETs req.URL, retrying transient failures.
//
// Whenever an HTTP response arrived, Fetch returns it with a nil error,
// whatever its status (304, 404, or a 5xx left after the retries). It returns
// an error when no usable response arrived: network failure or timeout,
// robots.txt refusal (ErrRobots), body over the cap (ErrTooLarge), a
// Retry-After longer than MaxRetryAfter (ErrRetryAfter, see RetryAfter),
// a refusal of req's restrictions (ErrForbiddenAddress, ErrOutsideDomains),
// or ctx ending. The Response is non-nil then too and holds what is known:
// Attempts, Duration, FetchedAt, and Status, Header and FinalURL when the
// last attempt got a response. Body is nil then, except with ErrRetryAfter,
// where it is the 429 or 503 page (useful to Blocked).
//
// ctx bounds the whole call: waits for the host's turn, backoff waits and
// in-flight requests all end promptly when it is done.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	start := time.Now()
	resp := &Response{URL: req.URL, FetchedAt: start.UTC()}
	finish := func(err error) (*Response, error) {
		resp.Duration = time.Since(start)
		return resp, err
	}
	u, err := parseTarget(req.URL)
	if err != nil {
		return finish(err)
	}
	host := strings.ToLower(u.Hostname())
	if r := newRestriction(req); r != nil {
		if err := r.check(u); err != nil {
			return finish(fmt.Errorf("fetch %s: %w", u.Redacted(), err))
		}
		ctx = context.WithValue(ctx, restrictionKey{}, r)
	}

	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return finish(fmt.Errorf("fetch %s: %w", u.Redacted(), err))
		}
		resp.Attempts = attempt
		out, err := f.attempt(ctx, u, host, req)
		// Report this attempt only, never a mix with an earlier one.
		resp.Status, resp.Header, resp.FinalURL, resp.Body = 0, nil, "", nil
		if out != nil && out.status != 0 {
			resp.Status, resp.Header, resp.FinalURL, resp.RequestHeader = out.status, out.header, out.finalURL, out.request
			if err == nil {
				resp.Body = out.body
			}
		}
		log := f.log.With("url", u.Redacted(), "attempt", attempt)

		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return finish(fmt.Errorf("fetch %s: %w", u.Redacted(), ctx.Err()))
		case err != nil && !transient(err):
			log.Debug("fetch failed", "error", err)
			return finish(err)
		case err != nil:
			if attempt > f.opt.Retries {
				return finish(fmt.Errorf("%d attempts: %w", attempt, err))
			}
			wait = f.backoff(attempt)
			log.Info("fetch failed; retrying", "error", err, "wait", wait)
		case !retryableStatus(resp.Status):
			log.Debug("fetched", "status", resp.Status, "final_url", resp.FinalURL)
			return finish(nil)
		default:
			ra, hasRA := time.Duration(0), false
			if resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable {
				ra, hasRA = parseRetryAfter(resp.Header, time.Now())
			}
			if hasRA && ra > f.opt.MaxRetryAfter {
				log.Info("server asks to retry later than allowed", "status", resp.Status, "retry_after", ra)
				return finish(&RetryAfterError{Status: resp.Status, Wait: ra, At: time.Now().Add(ra).UTC()})
			}
			if attempt > f.opt.Retries {
				log.Debug("fetched; retries exhausted", "status", resp.Status)
				return finish(nil)
			}
			wait = f.backoff(attempt)
			if hasRA && ra > 0 {
				wait = ra
			}
			log.Info("transient status; retrying", "status", resp.Status, "wait", wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return finish(fmt.Errorf("fetch %s: %w", u.Redacted(), err))
		}
	}
}

// parseTarget accepts absolute http and https URLs only.
func parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("fetch %q: not an absolute http(s) URL", raw)
	}
	return u, nil
}

// backoff is the wait before retry number attempt (1-based): RetryBackoff
// doubled per attempt, capped, with ±50% jitter.
func (f *Fetcher) backoff(attempt int) time.Duration {
	d := f.opt.RetryBackoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// outcome is what one attempt got.
type outcome struct {
	status   int
	header   http.Header
	request  http.Header
	finalURL string
	body     []byte
}

// attempt makes one HTTP attempt: robots.txt check, the host's turn, the
// request itself.
func (f *Fetcher) attempt(ctx context.Context, u *url.URL, host string, req Request) (*outcome, error) {
	delay := f.opt.Delay
	if !f.opt.IgnoreRobots {
		rules, err := f.robotsFor(ctx, u, host)
		if err != nil {
			return nil, refusalError(u, err, true)
		}
		if !rules.allowed(u, f.opt.UserAgent) {
			return nil, fmt.Errorf("%w: %s", ErrRobots, u.Redacted())
		}
		delay = max(delay, rules.crawlDelay(f.opt.UserAgent))
	}
	s, err := f.gates.acquire(ctx, host)
	if err != nil {
		return nil, err
	}
	defer s.release(delay)
	return f.visit(ctx, u, req)
}

// visit runs one request through a clone of the base collector.
func (f *Fetcher) visit(ctx context.Context, u *url.URL, req Request) (*outcome, error) {
	limit := f.opt.MaxBodySize
	st := newFetchState(min(limit, math.MaxInt64-1) + 1)
	c := f.base.Clone()
	c.Context = context.WithValue(ctx, fetchStateKey{}, st)

	out := &outcome{}
	tooLarge := false
	c.OnRequest(func(r *colly.Request) {
		if req.ETag != "" {
			r.Headers.Set("If-None-Match", req.ETag)
		}
		if req.LastModified != "" {
			r.Headers.Set("If-Modified-Since", req.LastModified)
		}
	})
	c.OnResponseHeaders(func(r *colly.Response) {
		out.status = r.StatusCode
		out.header = r.Headers.Clone()
		if r.Request.Headers != nil {
			out.request = r.Request.Headers.Clone()
		}
		out.finalURL = r.Request.URL.String()
		if n, err := strconv.ParseInt(r.Headers.Get("Content-Length"), 10, 64); err == nil && n > limit {
			tooLarge = true
			r.Request.Abort() // colly closes the body unread
			return
		}
		if !collyGunzips(*r.Headers, r.Request.URL.Path) {
			st.swallowBody() // nothing here reads colly's copy of it
		}
	})
	c.OnResponse(func(r *colly.Response) {
		out.status = r.StatusCode
		out.finalURL = r.Request.URL.String()
	})

	err := c.Visit(u.String())
	body, overflow := st.result()
	if tooLarge || overflow || int64(len(body)) > limit {
		return out, fmt.Errorf("%w: %s: more than %d bytes", ErrTooLarge, u.Redacted(), limit)
	}
	if err != nil {
		return out, refusalError(u, err, false)
	}
	if out.status == 0 {
		return out, fmt.Errorf("fetch %s: no response", u.Redacted())
	}
	out.body = body
	return out, nil
}
