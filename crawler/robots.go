package crawler

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// maxRobotsSize is how much of a robots.txt is read (RFC 9309 asks for at
// least 500 KiB).
const maxRobotsSize = 512 << 10

// maxCrawlDelay bounds a robots.txt Crawl-delay so that one odd file cannot
// park every check of a host for hours.
const maxCrawlDelay = time.Minute

// robotsRetryStale is how soon a robots.txt is tried again when its refresh
// failed and an expired copy is used in the meantime.
const robotsRetryStale = time.Hour

// robotsMaxRedirects is how many redirects a robots.txt request follows;
// RFC 9309 asks for at least five, and a file not reached by then counts as
// unavailable (no restrictions).
const robotsMaxRedirects = 5

// newRobotsClient returns the client for robots.txt requests.
func newRobotsClient(rt http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: rt,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= robotsMaxRedirects {
				return http.ErrUseLastResponse
			}
			// A restricted Fetch's robots.txt obeys its restriction too.
			return checkHop(req)
		},
	}
}

// robotsCache holds parsed robots.txt files per origin (scheme://host:port).
//
// colly's own robots.txt support is not used, for reasons found in its
// source (v2.3.0, colly.go checkRobots): the robots.txt request is built
// without a context (cannot be cancelled), bypasses any rate limit, is cached
// for the collector's lifetime with no expiry, a 5xx answer is cached as
// "disallow everything" forever, and a file that does not parse fails every
// later visit of the host.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]*robotsEntry
}

type robotsEntry struct {
	data    *robotstxt.RobotsData
	expires time.Time
}

func newRobotsCache() *robotsCache {
	return &robotsCache{entries: make(map[string]*robotsEntry)}
}

// get returns the entry for origin and whether it is still fresh.
func (c *robotsCache) get(origin string, now time.Time) (*robotsEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[origin]
	return e, e != nil && now.Before(e.expires)
}

func (c *robotsCache) put(origin string, e *robotsEntry) {
	c.mu.Lock()
	c.entries[origin] = e
	c.mu.Unlock()
}

// allowed reports whether agent may fetch u.
func (e *robotsEntry) allowed(u *url.URL, agent string) bool {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return e.data.TestAgent(p, agent)
}

// crawlDelay is the Crawl-delay that applies to agent, bounded.
func (e *robotsEntry) crawlDelay(agent string) time.Duration {
	g := e.data.FindGroup(agent)
	if g == nil {
		return 0
	}
	return min(g.CrawlDelay, maxCrawlDelay)
}

func originOf(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// robotsFor returns the robots.txt rules for u's origin, fetching them
// (through the host's politeness gate) when the cache has no fresh copy.
func (f *Fetcher) robotsFor(ctx context.Context, u *url.URL, host string) (*robotsEntry, error) {
	origin := originOf(u)
	if e, fresh := f.robots.get(origin, time.Now()); fresh {
		return e, nil
	}
	s, err := f.gates.acquire(ctx, host)
	if err != nil {
		return nil, err
	}
	// Another Fetch may have loaded it while we waited for the slot.
	if e, fresh := f.robots.get(origin, time.Now()); fresh {
		s.release(0)
		return e, nil
	}
	data, err := f.fetchRobots(ctx, origin)
	s.release(f.opt.Delay)
	now := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if refused(err) {
			return nil, err // final; an old copy would only hide it
		}
		if stale, _ := f.robots.get(origin, now); stale != nil {
			f.log.Warn("robots.txt refresh failed; using the previous copy",
				"url", origin+"/robots.txt", "error", err)
			e := &robotsEntry{data: stale.data, expires: now.Add(min(f.opt.RobotsTTL, robotsRetryStale))}
			f.robots.put(origin, e)
			return e, nil
		}
		return nil, err
	}
	e := &robotsEntry{data: data, expires: now.Add(f.opt.RobotsTTL)}
	f.robots.put(origin, e)
	return e, nil
}

// fetchRobots GETs origin/robots.txt and interprets it as RFC 9309 says:
// 2xx is parsed, any 4xx means no restrictions, 5xx and network errors mean
// "unreachable" (an error here; the page is not fetched).
func (f *Fetcher) fetchRobots(ctx context.Context, origin string) (*robotstxt.RobotsData, error) {
	target := origin + "/robots.txt"
	// A cookie jar of its own, as for pages: some sites set a cookie and
	// redirect to the same URL. No body is kept in it: this reads its own.
	ctx = context.WithValue(ctx, fetchStateKey{}, newFetchState(0))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", "text/plain, */*;q=0.5")
	resp, err := f.robotsClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRobotsUnreachable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsSize))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errRobotsUnreachable, target, err)
	}
	f.log.Debug("fetched robots.txt", "url", target, "status", resp.StatusCode)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return parseRobots(body), nil
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: %s: status %d", errRobotsUnreachable, target, resp.StatusCode)
	default: // 4xx, or 3xx left after robotsMaxRedirects: "unavailable", no restrictions
		return robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	}
}

// parseRobots parses leniently: robotstxt rejects a whole file for a rule
// before the first User-agent line or a malformed Crawl-delay, so such lines
// are dropped and parsing is tried again; a file that still fails is treated
// as empty (no restrictions).
func parseRobots(body []byte) *robotstxt.RobotsData {
	if data, err := robotstxt.FromBytes(body); err == nil {
		return data
	}
	var kept bytes.Buffer
	seenAgent := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), maxRobotsSize)
	for sc.Scan() {
		line := sc.Text()
		key, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(line)), ":")
		key = strings.TrimSpace(key)
		switch {
		case key == "user-agent":
			seenAgent = true
		case key == "crawl-delay":
			continue
		case !seenAgent && (key == "allow" || key == "disallow"):
			continue
		}
		kept.WriteString(line)
		kept.WriteByte('\n')
	}
	if data, err := robotstxt.FromBytes(kept.Bytes()); err == nil {
		return data
	}
	data, _ := robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	return data
}
