package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		ok   bool
	}{
		{"defaults", Options{UserAgent: testUA}, true},
		{"no user agent", Options{}, false},
		{"two-line user agent", Options{UserAgent: "a\r\nX-Evil: 1"}, false},
		{"negative timeout", Options{UserAgent: testUA, Timeout: -1}, false},
		{"negative body size", Options{UserAgent: testUA, MaxBodySize: -1}, false},
		{"negative delay and retries mean none", Options{UserAgent: testUA, Delay: -1, Retries: -1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := New(tt.opt)
			if (err == nil) != tt.ok {
				t.Fatalf("New err = %v, want ok=%v", err, tt.ok)
			}
			if f != nil {
				f.Close()
			}
		})
	}

	o, err := Options{UserAgent: testUA}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Delay != DefaultDelay || o.Parallelism != 1 || o.Timeout != DefaultTimeout ||
		o.ConnectTimeout != DefaultConnectTimeout || o.MaxBodySize != DefaultMaxBodySize ||
		o.Retries != DefaultRetries || o.RetryBackoff != DefaultRetryBackoff ||
		o.MaxRetryAfter != DefaultMaxRetryAfter || o.IgnoreRobots || o.Logger == nil {
		t.Errorf("defaults not applied: %+v", o)
	}
	o, _ = Options{UserAgent: testUA, Delay: -1, Retries: -1}.withDefaults()
	if o.Delay != 0 || o.Retries != 0 {
		t.Errorf("negative Delay/Retries: got %v/%d, want 0/0", o.Delay, o.Retries)
	}
}

// TestFetch covers one request/response exchange per case against a fresh
// server.
func TestFetch(t *testing.T) {
	latin1 := []byte("<html><title>caf\xe9</title></html>") // é in ISO-8859-1
	tests := []struct {
		name    string
		handler http.HandlerFunc
		path    string
		req     Request
		opt     func(*Options)
		check   func(t *testing.T, resp *Response, rec *recorder)
	}{
		{
			name: "user agent sent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "hello")
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if got := rec.pages()[0].Header.Get("User-Agent"); got != testUA {
					t.Errorf("User-Agent = %q, want %q", got, testUA)
				}
				if resp.Status != 200 || string(resp.Body) != "hello" || resp.Attempts != 1 {
					t.Errorf("got status %d body %q attempts %d", resp.Status, resp.Body, resp.Attempts)
				}
				if resp.FetchedAt.Location() != time.UTC || resp.FetchedAt.IsZero() || resp.Duration <= 0 {
					t.Errorf("FetchedAt %v Duration %v", resp.FetchedAt, resp.Duration)
				}
			},
		},
		{
			name: "etag gives 304",
			req:  Request{ETag: `"v1"`},
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") == `"v1"` {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("ETag", `"v1"`)
				fmt.Fprint(w, "body")
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != http.StatusNotModified || len(resp.Body) != 0 {
					t.Errorf("status %d body %q, want 304 and no body", resp.Status, resp.Body)
				}
				// The headers sent are kept for the archive's request records.
				if h := resp.RequestHeader; h.Get("If-None-Match") != `"v1"` || h.Get("User-Agent") != testUA {
					t.Errorf("RequestHeader = %v, want the validator and the User-Agent sent", h)
				}
			},
		},
		{
			name: "last-modified gives 304",
			req:  Request{LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"},
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-Modified-Since") == "Mon, 02 Jan 2006 15:04:05 GMT" && r.Header.Get("If-None-Match") == "" {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				fmt.Fprint(w, "body")
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != http.StatusNotModified {
					t.Errorf("status %d, want 304", resp.Status)
				}
			},
		},
		{
			name: "no validators sent by default",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				fmt.Fprint(w, "body")
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != 200 {
					t.Errorf("status %d, want 200", resp.Status)
				}
			},
		},
		{
			name: "redirect chain gives final URL",
			path: "/a",
			handler: func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/a":
					http.Redirect(w, r, "/b", http.StatusMovedPermanently)
				case "/b":
					http.Redirect(w, r, "/c?x=1", http.StatusFound)
				default:
					fmt.Fprint(w, "final")
				}
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if !strings.HasSuffix(resp.FinalURL, "/c?x=1") || !strings.HasSuffix(resp.URL, "/a") {
					t.Errorf("URL %q FinalURL %q", resp.URL, resp.FinalURL)
				}
				if resp.Status != 200 || string(resp.Body) != "final" || resp.Attempts != 1 {
					t.Errorf("status %d body %q attempts %d", resp.Status, resp.Body, resp.Attempts)
				}
			},
		},
		{
			name: "404 is returned, not retried",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "gone fishing", http.StatusNotFound)
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != 404 || resp.Attempts != 1 || len(rec.pages()) != 1 {
					t.Errorf("status %d attempts %d requests %d", resp.Status, resp.Attempts, len(rec.pages()))
				}
				if !strings.Contains(string(resp.Body), "gone fishing") {
					t.Errorf("error body not returned: %q", resp.Body)
				}
			},
		},
		{
			name:    "500 then 200",
			handler: failFirst(1, http.StatusInternalServerError),
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != 200 || resp.Attempts != 2 || len(rec.pages()) != 2 {
					t.Errorf("status %d attempts %d requests %d", resp.Status, resp.Attempts, len(rec.pages()))
				}
			},
		},
		{
			name:    "502 504 408 then 200",
			handler: failSequence(http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusRequestTimeout),
			opt:     func(o *Options) { o.Retries = 3 },
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != 200 || resp.Attempts != 4 {
					t.Errorf("status %d attempts %d", resp.Status, resp.Attempts)
				}
			},
		},
		{
			name:    "500 forever is returned after retries",
			handler: failFirst(100, http.StatusInternalServerError),
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != 500 || resp.Attempts != 3 || len(rec.pages()) != 3 {
					t.Errorf("status %d attempts %d requests %d", resp.Status, resp.Attempts, len(rec.pages()))
				}
			},
		},
		{
			name:    "no retries when Retries < 0",
			handler: failFirst(100, http.StatusServiceUnavailable),
			opt:     func(o *Options) { o.Retries = -1 },
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if resp.Status != 503 || resp.Attempts != 1 {
					t.Errorf("status %d attempts %d", resp.Status, resp.Attempts)
				}
			},
		},
		{
			name: "raw bytes kept despite non-UTF-8 charset",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
				w.Write(latin1)
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if !bytes.Equal(resp.Body, latin1) {
					t.Errorf("body %q, want the raw %q", resp.Body, latin1)
				}
			},
		},
		{
			name: "body at the cap is fine",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(bytes.Repeat([]byte("x"), 1000))
			},
			opt: func(o *Options) { o.MaxBodySize = 1000 },
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if len(resp.Body) != 1000 {
					t.Errorf("body length %d, want 1000", len(resp.Body))
				}
			},
		},
		{
			name: "cookies live within one fetch only",
			path: "/login",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if _, err := r.Cookie("session"); err != nil {
					http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
					http.Redirect(w, r, r.URL.Path, http.StatusFound)
					return
				}
				fmt.Fprint(w, "welcome")
			},
			check: func(t *testing.T, resp *Response, rec *recorder) {
				if string(resp.Body) != "welcome" {
					t.Errorf("body %q, want welcome after a cookie redirect", resp.Body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, tt.handler)
			o := testOptions()
			if tt.opt != nil {
				tt.opt(&o)
			}
			f := newTestFetcher(t, o)
			req := tt.req
			req.URL = srv.URL + tt.path
			if tt.path == "" {
				req.URL += "/page"
			}
			resp, err := f.Fetch(context.Background(), req)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			tt.check(t, resp, rec)
		})
	}
}

// failFirst answers status to the first n page requests, then 200.
func failFirst(n int, status int) http.HandlerFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if int(seen.Add(1)) <= n {
			http.Error(w, http.StatusText(status), status)
			return
		}
		fmt.Fprint(w, "ok")
	}
}

// failSequence answers the given statuses in turn, then 200.
func failSequence(statuses ...int) http.HandlerFunc {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if i := int(seen.Add(1)) - 1; i < len(statuses) {
			http.Error(w, http.StatusText(statuses[i]), statuses[i])
			return
		}
		fmt.Fprint(w, "ok")
	}
}

func TestRefetchHitsServerTwice(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "same")
	}))
	f := newTestFetcher(t, testOptions())
	for i := range 2 {
		if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/p"}); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if n := rec.count("/p"); n != 2 {
		t.Errorf("server saw %d requests for /p, want 2", n)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name  string
		value func(now time.Time) string
	}{
		{"seconds", func(time.Time) string { return "1" }},
		{"http date", func(now time.Time) string { return now.Add(time.Second).UTC().Format(http.TimeFormat) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen atomic.Int32
			srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" {
					http.NotFound(w, r)
					return
				}
				if seen.Add(1) == 1 {
					now := time.Now()
					w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
					w.Header().Set("Retry-After", tt.value(now))
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				fmt.Fprint(w, "ok")
			}))
			f := newTestFetcher(t, testOptions())
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/p"})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.Status != 200 || resp.Attempts != 2 {
				t.Fatalf("status %d attempts %d, want 200 after 2", resp.Status, resp.Attempts)
			}
			hits := rec.pages()
			if gap := hits[1].Start.Sub(hits[0].Start); gap < time.Second {
				t.Errorf("second request %v after the first, want >= 1s (Retry-After)", gap)
			}
		})
	}
}

func TestRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "come back tomorrow", http.StatusTooManyRequests)
	}))
	f := newTestFetcher(t, testOptions())
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/p"})
	if !errors.Is(err, ErrRetryAfter) {
		t.Fatalf("err = %v, want ErrRetryAfter", err)
	}
	if d, ok := RetryAfter(err); !ok || d != time.Hour {
		t.Errorf("RetryAfter = %v, %v; want 1h, true", d, ok)
	}
	if resp == nil || resp.Status != 429 || resp.Attempts != 1 || len(rec.pages()) != 1 {
		t.Errorf("resp %+v, requests %d; want status 429 after one attempt", resp, len(rec.pages()))
	}
	if _, ok := RetryAfter(errors.New("other")); ok {
		t.Error("RetryAfter on an unrelated error reports ok")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value, date string
		want        time.Duration
		ok          bool
	}{
		{"120", "", 2 * time.Minute, true},
		{" 0 ", "", 0, true},
		{"-5", "", 0, false},
		{"soon", "", 0, false},
		{"", "", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), "", 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), "", 0, true},
		// Server clock one hour behind ours: measured against its Date.
		{now.Add(-time.Hour + 30*time.Second).Format(http.TimeFormat), now.Add(-time.Hour).Format(http.TimeFormat), 30 * time.Second, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if tt.date != "" {
			h.Set("Date", tt.date)
		}
		got, ok := parseRetryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q, date %q) = %v, %v; want %v, %v", tt.value, tt.date, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte("y"), 5000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"content-length announced", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			w.Write(big)
		}},
		{"chunked, no length", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 500 {
				w.Write(big[i : i+500])
				w.(http.Flusher).Flush()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, tt.handler)
			o := testOptions()
			o.MaxBodySize = 1000
			f := newTestFetcher(t, o)
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/big"})
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			if resp.Status != 200 || resp.Body != nil || resp.Attempts != 1 || len(rec.pages()) != 1 {
				t.Errorf("status %d body %d bytes attempts %d requests %d", resp.Status, len(resp.Body), resp.Attempts, len(rec.pages()))
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, hangPages(t))
	o := testOptions()
	o.Timeout = 200 * time.Millisecond
	o.Retries = 1
	f := newTestFetcher(t, o)
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/slow"})
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if resp.Status != 0 || resp.Attempts != 2 || len(rec.pages()) != 2 {
		t.Errorf("status %d attempts %d requests %d; want 0, 2, 2", resp.Status, resp.Attempts, len(rec.pages()))
	}
}

// hangPages hangs on every path but /robots.txt, which is a 404.
func hangPages(t *testing.T) http.HandlerFunc {
	h := hang(t)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}
}

func TestConnectFailure(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, ignoreRobots := range []bool{false, true} {
		o := testOptions()
		o.IgnoreRobots = ignoreRobots
		f := newTestFetcher(t, o)
		resp, err := f.Fetch(context.Background(), Request{URL: "http://" + addr + "/p"})
		if err == nil || errors.Is(err, ErrRobots) {
			t.Fatalf("ignoreRobots=%v: err = %v, want a connection error", ignoreRobots, err)
		}
		if resp.Attempts != 3 || resp.Status != 0 {
			t.Errorf("ignoreRobots=%v: attempts %d status %d, want 3 and 0", ignoreRobots, resp.Attempts, resp.Status)
		}
	}
}

func TestBadURL(t *testing.T) {
	f := newTestFetcher(t, testOptions())
	for _, u := range []string{"", "ftp://example.org/x", "/relative", "http://"} {
		resp, err := f.Fetch(context.Background(), Request{URL: u})
		if err == nil || resp == nil || resp.Attempts != 0 {
			t.Errorf("Fetch(%q) = %+v, %v; want an error without attempts", u, resp, err)
		}
	}
}

func TestCookiesNotKeptBetweenFetches(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("session"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
			return
		}
		fmt.Fprint(w, "welcome")
	}))
	f := newTestFetcher(t, testOptions())
	for i := range 2 {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/login"})
		if err != nil || string(resp.Body) != "welcome" {
			t.Fatalf("fetch %d: %v, body %q", i, err, resp.Body)
		}
	}
	var without, with int
	for _, h := range rec.pages() {
		if h.Header.Get("Cookie") == "" {
			without++
		} else {
			with++
		}
	}
	if without != 2 || with != 2 {
		t.Errorf("requests without/with cookie = %d/%d, want 2/2 (each fetch starts clean)", without, with)
	}
}
