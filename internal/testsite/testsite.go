// Package testsite serves a local web site whose pages change on command.
// Tests, the demo and benchmarks use it in place of the real sites, so
// nothing they do leaves the machine.
package testsite

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Page is what the site answers at one path.
type Page struct {
	Status      int           // 0 means 200
	ContentType string        // "" means text/html; charset=utf-8
	Body        string        //
	Header      http.Header   // extra response headers
	Delay       time.Duration // wait before answering (the request's context ends the wait)
	NoValidator bool          // send no ETag/Last-Modified, ignore conditional requests
}

// Site is an http.Handler. The zero value is not usable; call New.
type Site struct {
	mu       sync.Mutex
	pages    map[string]Page
	modified map[string]time.Time
	hits     map[string]int
	robots   string
	agents   []string
}

// New returns an empty site whose robots.txt allows everything.
func New() *Site {
	return &Site{
		pages:    map[string]Page{},
		modified: map[string]time.Time{},
		hits:     map[string]int{},
		robots:   "User-agent: *\nAllow: /\n",
	}
}

// Set makes path answer p from now on.
func (s *Site) Set(path string, p Page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = p
	s.modified[path] = time.Now().UTC().Truncate(time.Second)
}

// SetHTML makes path answer 200 with an HTML body.
func (s *Site) SetHTML(path, body string) { s.Set(path, Page{Body: body}) }

// SetRobots replaces robots.txt.
func (s *Site) SetRobots(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots = body
}

// Hits returns how many requests path has received.
func (s *Site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// UserAgents returns the User-Agent of every request so far, in order.
func (s *Site) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.agents...)
}

// ServeHTTP answers from the pages set so far; unknown paths are 404.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.agents = append(s.agents, r.UserAgent())
	p, ok := s.pages[r.URL.Path]
	mod := s.modified[r.URL.Path]
	robots := s.robots
	s.mu.Unlock()

	if r.URL.Path == "/robots.txt" && !ok {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, robots)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if p.Delay > 0 {
		select {
		case <-time.After(p.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, vs := range p.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	ct := p.ContentType
	if ct == "" {
		ct = "text/html; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	status := p.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusOK && !p.NoValidator {
		sum := sha256.Sum256([]byte(p.Body))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", mod.Format(http.TimeFormat))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(status)
	fmt.Fprint(w, p.Body)
}

// PolicyPage renders a realistic government policy page: a header with a
// navigation menu, a main region with the title and the given paragraphs,
// a footer and scripts. Stamp goes into the navigation and the footer
// (where real sites put dates and counters) so that callers can vary page
// furniture without touching the policy text.
func PolicyPage(title string, paragraphs []string, stamp string) string {
	var b strings.Builder
	t := html.EscapeString(title)
	st := html.EscapeString(stamp)
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s | Office of Policy</title>
<style>body{font-family:serif} .nav li{display:inline}</style>
<script>window.dataLayer=[{"page":"%s","stamp":"%s"}];</script>
</head><body>
<header><a href="/">Office of Policy</a><nav class="nav"><ul>
<li><a href="/news">News</a></li><li><a href="/about">About</a></li>
<li><a href="/contact">Contact</a></li><li>Updated %s</li></ul></nav></header>
<main id="content"><h1>%s</h1>
`, t, t, st, st, t)
	for _, p := range paragraphs {
		if h, ok := strings.CutPrefix(p, "## "); ok {
			fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(h))
			continue
		}
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
	}
	fmt.Fprintf(&b, `</main>
<aside><h2>Related</h2><ul><li><a href="/a">Another memo</a></li></ul></aside>
<footer><p>Page generated %s. Visitors: %d.</p></footer>
<script src="/static/app.js?v=%s"></script>
</body></html>
`, st, len(stamp)*37, st)
	return b.String()
}
