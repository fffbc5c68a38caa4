package discover

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"redline"
	"redline/crawler"
)

// listenAddr is where test servers listen: restricted fetches may reach it
// because the test fetcher allows it (AllowNetworks), unlike 127.0.0.1.
const listenAddr = "127.0.0.2:0"

// newFetcher returns a real crawler with short waits, no robots.txt and
// 127.0.0.2 allowed to restricted requests.
func newFetcher(t *testing.T) *crawler.Fetcher {
	t.Helper()
	f, err := crawler.New(crawler.Options{
		UserAgent:      "redline-test/1.0 (+mailto:ops@example.org)",
		Delay:          time.Millisecond,
		Timeout:        3 * time.Second,
		ConnectTimeout: time.Second,
		Retries:        -1,
		IgnoreRobots:   true,
		AllowNetworks:  []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
	})
	if err != nil {
		t.Fatalf("crawler.New: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// counter counts requests per path.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[r.URL.Path]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (c *counter) get(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

// serveOn starts a server on addr (e.g. "127.0.0.2:0") counting requests.
func serveOn(t *testing.T, addr string, h http.Handler) (*httptest.Server, *counter) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	c := &counter{}
	srv := httptest.NewUnstartedServer(c.wrap(h))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, c
}

// pages serves fixed bodies by path, with a content type; others are 404.
type pages map[string]struct{ ctype, body string }

func (p pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pg, ok := p[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", pg.ctype)
	_, _ = w.Write([]byte(pg.body))
}

func htmlPage(body string) struct{ ctype, body string } {
	return struct{ ctype, body string }{"text/html; charset=utf-8", body}
}

func runRule(t *testing.T, rule redline.DiscoverRule) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, newFetcher(t), rule, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func urls(docs []Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.URL
	}
	return out
}

func docByURL(docs []Document, u string) (Document, bool) {
	for _, d := range docs {
		if d.URL == u {
			return d, true
		}
	}
	return Document{}, false
}

func refusal(rs []Refusal, u string) (Refusal, bool) {
	for _, r := range rs {
		if r.URL == u {
			return r, true
		}
	}
	return Refusal{}, false
}
