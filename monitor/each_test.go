package monitor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"redline"
	"redline/crawler"
	"redline/internal/testsite"
)

// claimCounter is a store that records how many targets each claim leased
// and how far claims ran ahead of finished checks.
type claimCounter struct {
	redline.Store
	mu       sync.Mutex
	claims   []int
	claimed  int
	finished int
	ahead    int // most targets claimed and not yet finished
}

func (c *claimCounter) note(ts []redline.Target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claims = append(c.claims, len(ts))
	c.claimed += len(ts)
	c.ahead = max(c.ahead, c.claimed-c.finished)
}

func (c *claimCounter) done() { c.mu.Lock(); c.finished++; c.mu.Unlock() }

func (c *claimCounter) ClaimTargets(ctx context.Context, owner string, ids []int64, now time.Time, lease time.Duration) ([]redline.Target, error) {
	ts, err := c.Store.ClaimTargets(ctx, owner, ids, now, lease)
	c.note(ts)
	return ts, err
}

func (c *claimCounter) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]redline.Target, error) {
	ts, err := c.Store.ClaimDue(ctx, owner, now, lease, limit)
	c.note(ts)
	return ts, err
}

// pages serves n policy pages, /p00, /p01..., and returns hourly targets
// for them, named p00, p01...
func (f *fixture) pages(n int) []redline.Target {
	var defs []redline.Target
	for i := range n {
		path := fmt.Sprintf("/p%02d", i)
		f.site.SetHTML(path, testsite.PolicyPage("Policy", paras, "one"))
		defs = append(defs, redline.Target{Name: fmt.Sprintf("p%02d", i), URL: f.url + path, Schedule: "@hourly"})
	}
	return defs
}

// TestEachClaimsInBatches: a run over more targets than a batch claims
// them a batch at a time as checks free up, checks each once, skips those
// another process holds, and CheckTargets still returns results in the
// order of the targets.
func TestEachClaimsInBatches(t *testing.T) {
	f := newFixture(t)
	const n = 23 // concurrency 2: batches of 8
	f.sync(f.pages(n)...)
	ctx := context.Background()
	all, err := f.store.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Another process holds p05.
	if _, err := f.store.ClaimTargets(ctx, "other", []int64{all[5].ID}, f.clk.now(), time.Hour); err != nil {
		t.Fatal(err)
	}

	counter := &claimCounter{Store: f.store}
	m := f.monitor()
	m.Store, m.Concurrency = counter, 2
	var names []string
	err = m.EachTarget(ctx, all, func(r Result) {
		counter.done()
		if r.Err != nil {
			t.Errorf("%s: %v", r.Target.Name, r.Err)
		}
		names = append(names, r.Target.Name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != n-1 {
		t.Fatalf("%d results, want %d (all but the one leased elsewhere)", len(names), n-1)
	}
	for i := range n {
		want := 1
		if i == 5 {
			want = 0
		}
		if h := f.site.Hits(fmt.Sprintf("/p%02d", i)); h != want {
			t.Errorf("p%02d fetched %d times, want %d", i, h, want)
		}
	}
	if len(counter.claims) < 3 || counter.ahead > m.batch()+m.concurrency() {
		t.Errorf("claims %v, at most %d claimed ahead of finished checks; want batches of at most %d kept just ahead",
			counter.claims, counter.ahead, m.batch())
	}
	for _, c := range counter.claims {
		if c > m.batch() {
			t.Errorf("a claim of %d targets, want at most %d", c, m.batch())
		}
	}

	// The same through CheckTargets, once they fall due: in target order,
	// although the first pages now answer last.
	for i := range 2 {
		f.site.Set(fmt.Sprintf("/p%02d", i), testsite.Page{Body: testsite.PolicyPage("Policy", paras, "one"), Delay: 200 * time.Millisecond})
	}
	f.clk.set(f.clk.now().Add(2 * time.Hour))
	rs, err := m.CheckTargets(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if i > 0 && r.Target.Name <= rs[i-1].Target.Name {
			t.Fatalf("results out of order: %s after %s", r.Target.Name, rs[i-1].Target.Name)
		}
	}

	// And CheckDue over more due targets than a batch: each once.
	f.clk.set(f.clk.now().Add(2 * time.Hour))
	counter.claims = nil
	due := f.checkDue(m)
	if len(due) != n {
		t.Errorf("CheckDue checked %d targets, want %d", len(due), n)
	}
	if len(counter.claims) < 3 {
		t.Errorf("CheckDue claims %v, want batches of at most %d", counter.claims, m.batch())
	}
	for i := range n {
		if h := f.site.Hits(fmt.Sprintf("/p%02d", i)); h < 2 || h > 3 {
			t.Errorf("p%02d fetched %d times in three runs", i, h)
		}
	}
}

// preparing is the real fetcher, recording what each Prepare was handed
// and how many fetches had begun by then.
type preparing struct {
	*crawler.Fetcher
	mu         sync.Mutex
	calls      [][]string
	fetches    int
	before     []int
	restricted int // requests handed over with their restriction
}

func (p *preparing) Fetch(ctx context.Context, req crawler.Request) (*crawler.Response, error) {
	p.mu.Lock()
	p.fetches++
	p.mu.Unlock()
	return p.Fetcher.Fetch(ctx, req)
}

func (p *preparing) Prepare(ctx context.Context, reqs []crawler.Request) <-chan struct{} {
	p.mu.Lock()
	var urls []string
	for _, r := range reqs {
		urls = append(urls, r.URL)
		if r.AllowedDomains != nil {
			p.restricted++
		}
	}
	p.calls = append(p.calls, urls)
	p.before = append(p.before, p.fetches)
	p.mu.Unlock()
	return p.Fetcher.Prepare(ctx, reqs)
}

// TestEachPreparesEachBatch: every claimed batch is handed to the
// fetcher's Prepare before its checks start, each request with its
// restriction, and robots.txt is fetched once.
func TestEachPreparesEachBatch(t *testing.T) {
	f := newFixture(t)
	defs := f.pages(10) // with concurrency 2, batches of 8
	// p03 is fetched under a restriction.
	defs[3].AllowedDomains = []string{"example.org"}
	f.sync(defs...)
	all, err := f.store.Targets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p := &preparing{Fetcher: f.fetch}
	m := f.monitor()
	m.Fetcher, m.Concurrency = p, 2
	if err := m.EachTarget(t.Context(), all, func(Result) {}); err != nil {
		t.Fatal(err)
	}
	var handed []string
	for _, urls := range p.calls {
		handed = append(handed, urls...)
	}
	var want []string
	for _, d := range defs {
		want = append(want, d.URL)
	}
	slices.Sort(handed)
	if len(p.calls) != 2 || p.before[0] != 0 || !slices.Equal(handed, want) || p.restricted != 1 {
		t.Errorf("Prepare calls %q after %v fetches, %d with a restriction; want 2 batches, the first before any fetch, of %q, one restricted",
			p.calls, p.before, p.restricted, want)
	}
	if h := f.site.Hits("/robots.txt"); h != 1 {
		t.Errorf("robots.txt fetched %d times, want 1", h)
	}
}

// TestBaselineBlobsEmptiedByRetention empties the baseline's body and text
// blobs, as retention does when only pruned captures name them: the next
// check of the same page stores them again from its bytes instead of
// failing.
func TestBaselineBlobsEmptiedByRetention(t *testing.T) {
	f := newFixture(t)
	// The same bytes again with 200: a 304 would carry none to store.
	f.site.Set("/p", testsite.Page{Body: testsite.PolicyPage("Policy", paras, "one"), NoValidator: true})
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	first := f.checkDue(f.monitor())[0].Capture
	db := f.store.DB()
	if _, err := db.ExecContext(t.Context(), `UPDATE blobs SET data = x'', encoding = 'identity', pruned_at = 1
		WHERE sha256 IN (?, ?)`, first.BodySHA256, first.TextSHA256); err != nil {
		t.Fatal(err)
	}
	f.clk.set(f.clk.now().Add(2 * time.Hour))
	again := f.checkDue(f.monitor())[0].Capture
	if again.Outcome != redline.OutcomeUnchanged || again.TextSHA256 != first.TextSHA256 {
		t.Fatalf("re-check: %s, text %s; want unchanged with the same text", again.Outcome, again.TextSHA256)
	}
	for _, sum := range []string{first.BodySHA256, first.TextSHA256} {
		if b, err := f.store.Blob(t.Context(), sum); err != nil || len(b) == 0 {
			t.Errorf("blob %s after the re-check: %d bytes, %v; want it stored again", sum, len(b), err)
		}
	}
}

// TestPrepareABatchAtATime hands Prepare three batches' worth of targets,
// each on a host of its own (127.0.0.2, 127.0.0.3, ...) whose robots.txt
// answers slowly: every robots.txt is fetched, never more than a batch's at
// once.
func TestPrepareABatchAtATime(t *testing.T) {
	var mu sync.Mutex
	inFlight, most, asked := 0, 0, 0
	robots := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		asked++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	})
	m := &Monitor{Concurrency: 2} // batches of 8
	var targets []redline.Target
	for i := range 3 * m.batch() {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+i))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(robots)
		srv.Listener = ln
		srv.Start()
		t.Cleanup(srv.Close)
		targets = append(targets, redline.Target{Name: fmt.Sprintf("p%02d", i), URL: srv.URL + "/p"})
	}
	fetch, err := crawler.New(crawler.Options{UserAgent: "redline-test", Delay: -1, Retries: -1, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m.Fetcher = fetch
	<-m.Prepare(t.Context(), targets)
	mu.Lock()
	defer mu.Unlock()
	if asked != len(targets) || most > m.batch() || most < 2 {
		t.Errorf("%d robots.txt fetched, at most %d at once; want %d, at most a batch (%d) and more than one",
			asked, most, len(targets), m.batch())
	}
}

// recordingStore passes every record on, keeping what the monitor handed
// over (before the store fills anything in).
type recordingStore struct {
	redline.Store
	recs []redline.CheckRecord
}

func (s *recordingStore) RecordCheck(ctx context.Context, rec *redline.CheckRecord) error {
	s.recs = append(s.recs, *rec)
	return s.Store.RecordCheck(ctx, rec)
}

// TestRecordHandsBaselineKnown: a re-check tells the store which blobs its
// baseline has (so that the store need not compress them again), and
// leaves the body's sum to the store, which hashes it as it stores it.
func TestRecordHandsBaselineKnown(t *testing.T) {
	f := newFixture(t)
	f.site.Set("/p", testsite.Page{Body: testsite.PolicyPage("Policy", paras, "one"), NoValidator: true})
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	rs := &recordingStore{Store: f.store}
	m := f.monitor()
	m.Store = rs
	first := f.checkDue(m)[0].Capture
	f.clk.set(f.clk.now().Add(2 * time.Hour))
	f.checkDue(m)
	if len(rs.recs) != 2 {
		t.Fatalf("%d records, want 2", len(rs.recs))
	}
	again := rs.recs[1]
	if !slices.Contains(again.Known, first.BodySHA256) || !slices.Contains(again.Known, first.TextSHA256) {
		t.Errorf("re-check Known %q, want the baseline's body %s and text %s", again.Known, first.BodySHA256, first.TextSHA256)
	}
	if again.Capture.BodySHA256 != "" || len(again.Body) == 0 {
		t.Errorf("re-check handed body sum %q with %d bytes; want no sum, the bytes", again.Capture.BodySHA256, len(again.Body))
	}
	if first.BodySHA256 == "" {
		t.Error("the stored capture has no body sum")
	}
}
