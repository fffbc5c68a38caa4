package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
)

// slowPage answers after d.
func slowPage(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		fmt.Fprint(w, "ok")
	}
}

// fetchAll runs one Fetch per URL concurrently and fails the test on error.
func fetchAll(t *testing.T, f *Fetcher, urls ...string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(urls))
	for i, u := range urls {
		wg.Go(func() {
			_, errs[i] = f.Fetch(context.Background(), Request{URL: u})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func TestPolitenessSameHost(t *testing.T) {
	t.Parallel()
	const delay = 100 * time.Millisecond
	srv, rec := serve(t, slowPage(50*time.Millisecond))
	o := testOptions()
	o.Delay = delay
	o.IgnoreRobots = true
	f := newTestFetcher(t, o)

	fetchAll(t, f, srv.URL+"/a", srv.URL+"/b", srv.URL+"/a")

	hits := rec.pages()
	if len(hits) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(hits))
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Start.Before(hits[j].Start) })
	for i := 1; i < len(hits); i++ {
		gap := hits[i].Start.Sub(hits[i-1].End)
		if gap < delay {
			t.Errorf("request %d started %v after the previous one ended, want >= %v", i, gap, delay)
		}
	}
}

func TestPolitenessRobotsCountsAsRequest(t *testing.T) {
	t.Parallel()
	const delay = 100 * time.Millisecond
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
	}))
	o := testOptions()
	o.Delay = delay
	f := newTestFetcher(t, o)
	fetchAll(t, f, srv.URL+"/p")
	rec.wantRobotsThenPage(t, delay)
}

func TestPolitenessCrawlDelay(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: redline-test\nCrawl-delay: 0.3\n")
			return
		}
		fmt.Fprint(w, "ok")
	}))
	o := testOptions()
	o.Delay = 10 * time.Millisecond
	f := newTestFetcher(t, o)
	fetchAll(t, f, srv.URL+"/a", srv.URL+"/b")
	hits := rec.pages()
	sort.Slice(hits, func(i, j int) bool { return hits[i].Start.Before(hits[j].Start) })
	if gap := hits[1].Start.Sub(hits[0].End); gap < 300*time.Millisecond {
		t.Errorf("gap %v, want >= robots.txt Crawl-delay 300ms", gap)
	}
}

func TestPolitenessOtherHostsOverlap(t *testing.T) {
	t.Parallel()
	const work = 300 * time.Millisecond
	a, recA := serveOn(t, "127.0.0.1:0", slowPage(work))
	b, recB := serveOn(t, "127.0.0.2:0", slowPage(work))
	o := testOptions()
	o.Delay = time.Second // would show if the hosts shared a gate
	o.IgnoreRobots = true
	f := newTestFetcher(t, o)

	fetchAll(t, f, a.URL+"/x", b.URL+"/x")

	ha, hb := recA.pages(), recB.pages()
	if len(ha) != 1 || len(hb) != 1 {
		t.Fatalf("requests: %d and %d, want 1 and 1", len(ha), len(hb))
	}
	if !(ha[0].Start.Before(hb[0].End) && hb[0].Start.Before(ha[0].End)) {
		t.Errorf("requests to two hosts did not overlap: %v-%v and %v-%v",
			ha[0].Start, ha[0].End, hb[0].Start, hb[0].End)
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name    string
		handler func(t *testing.T) http.HandlerFunc
		setup   func(t *testing.T, f *Fetcher, url string) // runs before the measured Fetch
	}{
		{
			name:    "in-flight request",
			handler: hangPages,
		},
		{
			name: "robots.txt request",
			handler: func(t *testing.T) http.HandlerFunc {
				return hang(t)
			},
		},
		{
			name: "Retry-After wait",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "30")
					http.Error(w, "busy", http.StatusServiceUnavailable)
				}
			},
		},
		{
			name: "backoff wait",
			handler: func(*testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "oops", http.StatusInternalServerError)
				}
			},
		},
		{
			name:    "waiting for the host's turn",
			handler: hangPages,
			setup: func(t *testing.T, f *Fetcher, url string) {
				// Another fetch holds the only slot of the host.
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				go f.Fetch(ctx, Request{URL: url + "/holder"})
				time.Sleep(100 * time.Millisecond)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := serve(t, tt.handler(t))
			o := testOptions()
			o.Timeout = 30 * time.Second
			o.RetryBackoff = 30 * time.Second
			o.MaxRetryAfter = time.Minute
			f := newTestFetcher(t, o)
			if tt.setup != nil {
				tt.setup(t, f, srv.URL)
			}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(150*time.Millisecond, cancel)
			start := time.Now()
			_, err := f.Fetch(ctx, Request{URL: srv.URL + "/p"})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Fetch returned %v after start, want promptly after the 150ms cancel", d)
			}
		})
	}
}
