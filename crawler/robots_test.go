package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

const testRobots = `User-agent: *
Disallow: /private

User-agent: redline-test
Disallow: /secret
Disallow: /search?q=
`

func robotsSite(robots string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, robots)
			return
		}
		fmt.Fprint(w, "page")
	}
}

func TestRobots(t *testing.T) {
	tests := []struct {
		name         string
		robots       string
		path         string
		ignoreRobots bool
		wantRobots   bool // want ErrRobots
	}{
		{"allowed path", testRobots, "/public", false, false},
		{"our group disallows", testRobots, "/secret/x", false, true},
		{"disallow with query", testRobots, "/search?q=abc", false, true},
		{"other query allowed", testRobots, "/search?page=2", false, false},
		// Only the most specific group applies: the * rules do not bind us.
		{"star group does not apply", testRobots, "/private", false, false},
		{"star group applies without ours", "User-agent: *\nDisallow: /private\n", "/private", false, true},
		{"disallow all", "User-agent: *\nDisallow: /\n", "/", false, true},
		{"ignore robots", "User-agent: *\nDisallow: /\n", "/x", true, false},
		{"lenient parse: rule before user-agent", "Disallow: /x\nUser-agent: *\nDisallow: /private\n", "/private", false, true},
		{"lenient parse: bad crawl-delay", "User-agent: *\nCrawl-delay: soon\nDisallow: /private\n", "/private", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, robotsSite(tt.robots))
			o := testOptions()
			o.IgnoreRobots = tt.ignoreRobots
			f := newTestFetcher(t, o)
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
			if tt.wantRobots {
				if !errors.Is(err, ErrRobots) {
					t.Fatalf("err = %v, want ErrRobots", err)
				}
				if len(rec.pages()) != 0 || resp.Attempts != 1 || resp.Status != 0 {
					t.Errorf("page requested %d times, attempts %d, status %d", len(rec.pages()), resp.Attempts, resp.Status)
				}
				return
			}
			if err != nil || resp.Status != 200 {
				t.Fatalf("Fetch: status %d, err %v", resp.Status, err)
			}
			if tt.ignoreRobots && rec.count("/robots.txt") != 0 {
				t.Error("robots.txt fetched although ignored")
			}
		})
	}
}

func TestRobotsCached(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, robotsSite(testRobots))
	f := newTestFetcher(t, testOptions())
	for _, p := range []string{"/a", "/b", "/secret", "/a"} {
		f.Fetch(context.Background(), Request{URL: srv.URL + p})
	}
	if n := rec.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want 1", n)
	}
}

func TestRobotsUnreachable(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	broken.Store(true)
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" && broken.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "page")
	}))
	f := newTestFetcher(t, testOptions())
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/p"})
	if err == nil || errors.Is(err, ErrRobots) {
		t.Fatalf("err = %v, want a robots.txt unreachable error (not ErrRobots)", err)
	}
	if resp.Attempts != 3 || len(rec.pages()) != 0 {
		t.Errorf("attempts %d, page requests %d; want 3 and 0", resp.Attempts, len(rec.pages()))
	}
	// A 5xx is not remembered as "disallow all".
	broken.Store(false)
	resp, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/p"})
	if err != nil || resp.Status != 200 {
		t.Fatalf("after recovery: status %d, err %v", resp.Status, err)
	}
}
