package crawler

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testUA = "redline-test/1.0 (+mailto:ops@example.org)"

// testOptions keeps every wait short so the package test runs in seconds.
func testOptions() Options {
	return Options{
		UserAgent:      testUA,
		Delay:          -1,
		Timeout:        2 * time.Second,
		ConnectTimeout: time.Second,
		RetryBackoff:   10 * time.Millisecond,
		MaxRetryAfter:  5 * time.Second,
	}
}

func newTestFetcher(t *testing.T, o Options) *Fetcher {
	t.Helper()
	f, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// hit is one request as the test server saw it.
type hit struct {
	Path   string
	Header http.Header
	Start  time.Time
	End    time.Time
}

// recorder counts and times what a test server receives.
type recorder struct {
	mu   sync.Mutex
	hits []hit
}

// wrap records every request, /robots.txt included, around h.
func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Recorded on arrival, so a hanging request counts at once.
		rec.mu.Lock()
		i := len(rec.hits)
		rec.hits = append(rec.hits, hit{Path: r.URL.Path, Header: r.Header.Clone(), Start: time.Now()})
		rec.mu.Unlock()
		h.ServeHTTP(w, r)
		rec.mu.Lock()
		rec.hits[i].End = time.Now()
		rec.mu.Unlock()
	})
}

// pages returns the recorded requests other than /robots.txt.
func (rec *recorder) pages() []hit {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []hit
	for _, h := range rec.hits {
		if h.Path != "/robots.txt" {
			out = append(out, h)
		}
	}
	return out
}

func (rec *recorder) count(path string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, h := range rec.hits {
		if h.Path == path {
			n++
		}
	}
	return n
}

// serve starts a loopback server on 127.0.0.1 that records its requests.
// /robots.txt answers 404 unless h handles it.
// wantRobotsThenPage checks that rec saw robots.txt and then one page,
// requested delay or more after robots.txt was answered.
func (rec *recorder) wantRobotsThenPage(t *testing.T, delay time.Duration) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.hits) != 2 || rec.hits[0].Path != "/robots.txt" {
		t.Fatalf("hits %+v, want robots.txt then a page", rec.hits)
	}
	if gap := rec.hits[1].Start.Sub(rec.hits[0].End); gap < delay {
		t.Errorf("page %s requested %v after robots.txt, want >= %v", rec.hits[1].Path, gap, delay)
	}
}

func serve(t *testing.T, h http.Handler) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	return srv, rec
}

// serveOn is serve on a given loopback address such as "127.0.0.2:0".
func serveOn(t *testing.T, addr string, h http.Handler) (*httptest.Server, *recorder) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(rec.wrap(h))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, rec
}

// hang returns a handler that blocks until the client goes away or the test
// ends, so that httptest.Server.Close does not wait forever.
func hang(t *testing.T) http.HandlerFunc {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		case <-time.After(10 * time.Second): // safety net
		}
	}
}
