package bench

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSite checks the generator the harness and the micro-benchmarks use:
// page sizes, how many pages a cycle changes and where, the spread over
// hosts, and the conditional GET.
func TestSite(t *testing.T) {
	const pages, hosts = 160, 7
	s, err := NewSite(Options{Pages: pages, Hosts: hosts, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}

	checkSizes := func(when string) {
		t.Helper()
		for i := range pages {
			if n := len(s.Body(i)); n < MinPageSize || n > MaxPageSize {
				t.Errorf("%s: page %d is %d bytes, want %d..%d", when, i, n, MinPageSize, MaxPageSize)
			}
		}
	}
	checkSizes("version 0")

	// Hosts: round robin, distinct loopback addresses.
	seen := map[string]bool{}
	for h := range hosts {
		a := s.HostAddr(h)
		if !a.IsLoopback() || seen[a.String()] {
			t.Errorf("host %d: address %v is not a new loopback address", h, a)
		}
		seen[a.String()] = true
		if n := len(s.HostPages(h)); n < pages/hosts || n > pages/hosts+1 {
			t.Errorf("host %d serves %d pages, want %d or %d", h, n, pages/hosts, pages/hosts+1)
		}
	}
	if got := s.HostAddr(0).String(); got != "127.0.0.2" {
		t.Errorf("host 0 is %s, want 127.0.0.2", got)
	}
	for i := range pages {
		if s.Host(i) != i%hosts {
			t.Fatalf("page %d on host %d, want %d", i, s.Host(i), i%hosts)
		}
	}

	// A cycle changes exactly the fraction asked for, in <main> only, and
	// every page's bytes (the stamps).
	before := make([][]byte, pages)
	mains := make([][]byte, pages)
	for i := range pages {
		before[i], mains[i] = s.Body(i), s.Main(i)
	}
	changed := s.Advance(0.05)
	if len(changed) != 8 {
		t.Fatalf("Advance(0.05) changed %d of %d pages, want 8", len(changed), pages)
	}
	isChanged := map[int]bool{}
	for _, i := range changed {
		isChanged[i] = true
	}
	for i := range pages {
		if bytes.Equal(before[i], s.Body(i)) {
			t.Errorf("page %d: body unchanged by a cycle; its stamps should move", i)
		}
		if got := !bytes.Equal(mains[i], s.Main(i)); got != isChanged[i] {
			t.Errorf("page %d: <main> changed = %v, want %v", i, got, isChanged[i])
		}
	}
	if again := s.Advance(0.05); len(again) != 8 || slicesEqual(again, changed) {
		t.Errorf("second cycle changed %v, want 8 other pages than %v", again, changed)
	}
	for range 3 {
		s.Advance(0.5)
	}
	checkSizes("after 5 cycles")

	// The generator is deterministic.
	s2, err := NewSite(Options{Pages: 3, Hosts: hosts, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s2.Main(2), mains[2]) {
		t.Error("the same seed generated a different page 2")
	}

	// ETag and 304, pages only on their own host.
	h := s.Handler(s.Host(5))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", s.Path(5), nil))
	etag := rec.Header().Get("ETag")
	if rec.Code != 200 || etag == "" || !bytes.Equal(rec.Body.Bytes(), s.Body(5)) {
		t.Fatalf("GET page 5: status %d, ETag %q, %d bytes", rec.Code, etag, rec.Body.Len())
	}
	req := httptest.NewRequest("GET", s.Path(5), nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET: status %d, want 304", rec.Code)
	}
	s.SetValidators(false)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("ETag") != "" {
		t.Errorf("validators off: status %d, ETag %q; want 200 without ETag", rec.Code, rec.Header().Get("ETag"))
	}
	rec = httptest.NewRecorder()
	s.Handler(s.Host(5)+1).ServeHTTP(rec, httptest.NewRequest("GET", s.Path(5), nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("page 5 on another host: status %d, want 404", rec.Code)
	}
}

// TestTextHelpers checks the texts the diff benchmarks use.
func TestTextHelpers(t *testing.T) {
	text := PolicyText(1, 100<<10)
	if n := len(text); n < 100<<10 || n > 110<<10 {
		t.Errorf("PolicyText: %d bytes, want about %d", n, 100<<10)
	}
	changed := ReplaceWords(text, 0.01, 1)
	words, diff := strings.Fields(text), 0
	for i, w := range strings.Fields(changed) {
		if w != words[i] {
			diff++
		}
	}
	if f := float64(diff) / float64(len(words)); f < 0.005 || f > 0.015 {
		t.Errorf("ReplaceWords(0.01) changed %.4f of the words", f)
	}
	if n := len(Page(1, 150<<10)); n < 140<<10 || n > 150<<10 {
		t.Errorf("Page(150 KB) is %d bytes", n)
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
