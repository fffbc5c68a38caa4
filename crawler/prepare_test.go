package crawler

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPrepareFetchesRobotsAhead hands Prepare pages of two hosts: each
// robots.txt is fetched once, before any page, and the checks that follow
// fetch only their pages, honouring what it said.
func TestPrepareFetchesRobotsAhead(t *testing.T) {
	a, recA := serve(t, robotsSite(testRobots))
	b, recB := serve(t, robotsSite(testRobots))
	f := newTestFetcher(t, testOptions())
	var reqs []Request
	for _, u := range []string{a.URL + "/one", a.URL + "/two", b.URL + "/one", "::not a url"} {
		reqs = append(reqs, Request{URL: u})
	}
	<-f.Prepare(t.Context(), reqs)
	for name, rec := range map[string]*recorder{"a": recA, "b": recB} {
		if n, pages := rec.count("/robots.txt"), len(rec.pages()); n != 1 || pages != 0 {
			t.Errorf("host %s after Prepare: %d robots.txt fetches and %d pages, want 1 and 0", name, n, pages)
		}
	}
	if _, err := f.Fetch(t.Context(), Request{URL: a.URL + "/one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Fetch(t.Context(), Request{URL: b.URL + "/secret/x"}); !errors.Is(err, ErrRobots) {
		t.Errorf("disallowed page: err %v, want ErrRobots", err)
	}
	// A second Prepare finds the copies fresh and fetches nothing.
	<-f.Prepare(t.Context(), reqs)
	if n := recA.count("/robots.txt") + recB.count("/robots.txt"); n != 2 {
		t.Errorf("robots.txt fetched %d times in all, want 2", n)
	}
}

// TestPrepareWithoutRobots fetches nothing when robots.txt is ignored or
// the requests are restricted, and returns once its context is done.
func TestPrepareWithoutRobots(t *testing.T) {
	srv, rec := serve(t, robotsSite(testRobots))
	o := testOptions()
	o.IgnoreRobots = true
	<-newTestFetcher(t, o).Prepare(t.Context(), []Request{{URL: srv.URL + "/one"}})
	if n := rec.count("/robots.txt"); n != 0 {
		t.Errorf("robots.txt fetched %d times although ignored", n)
	}
	// Restricted requests fetch robots.txt under their own restriction.
	<-newTestFetcher(t, testOptions()).Prepare(t.Context(), []Request{
		{URL: srv.URL + "/one", Restricted: true}, {URL: srv.URL + "/two", AllowedDomains: []string{"example.org"}}})
	if n := rec.count("/robots.txt"); n != 0 {
		t.Errorf("robots.txt fetched %d times for restricted requests", n)
	}
	// A cancelled context fetches nothing, and the channel still closes.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	<-newTestFetcher(t, testOptions()).Prepare(ctx, []Request{{URL: srv.URL + "/one"}})
	if n := rec.count("/robots.txt"); n != 0 {
		t.Errorf("robots.txt fetched %d times with a cancelled context", n)
	}
}

// TestPrepareKeepsTheHostsTurn fetches robots.txt through Prepare while a
// check of the same host runs: robots.txt waits for the host's turn, and
// the page after it waits out the delay, as if the check had fetched it.
func TestPrepareKeepsTheHostsTurn(t *testing.T) {
	t.Parallel()
	const delay = 100 * time.Millisecond
	srv, rec := serve(t, robotsSite(testRobots))
	o := testOptions()
	o.Delay = delay
	f := newTestFetcher(t, o)
	<-f.Prepare(t.Context(), []Request{{URL: srv.URL + "/one"}})
	if _, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/one"}); err != nil {
		t.Fatal(err)
	}
	rec.wantRobotsThenPage(t, delay)
}
