package monitor

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"redline"
	"redline/crawler"
	"redline/internal/testsite"
	"redline/storage/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	t     *testing.T
	db    string
	store *sqlite.Store
	site  *testsite.Site
	url   string
	clk   *clock
	fetch *crawler.Fetcher
}

var paras = []string{"## Scope", "The sheriff shall not honor civil detainers without a judicial warrant."}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, db: filepath.Join(t.TempDir(), "redline.db"), site: testsite.New(),
		clk: &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}}
	srv := httptest.NewServer(f.site)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.site.SetHTML("/p", testsite.PolicyPage("Policy", paras, "one"))
	fetch, err := crawler.New(crawler.Options{UserAgent: "redline-test", Delay: -1, Retries: -1, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f.fetch = fetch
	f.open()
	return f
}

// open (re)opens the store, as a restarted process would.
func (f *fixture) open() {
	f.t.Helper()
	st, err := sqlite.Open(context.Background(), f.db)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	f.store = st
}

func (f *fixture) monitor(routes ...Route) *Monitor {
	return &Monitor{Store: f.store, Fetcher: f.fetch, Owner: "test", Now: f.clk.now, Routes: routes}
}

func (f *fixture) sync(targets ...redline.Target) {
	f.t.Helper()
	if err := f.store.SyncTargets(context.Background(), targets, f.clk.now()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) target(name string) redline.Target {
	f.t.Helper()
	t, err := f.store.Target(context.Background(), name)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func (f *fixture) checkDue(m *Monitor) []Result {
	f.t.Helper()
	rs, err := m.CheckDue(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil {
			f.t.Fatalf("check %s: %v", r.Target.Name, r.Err)
		}
	}
	return rs
}

// TestScheduleSurvivesRestart: a restart neither loses nor repeats a check,
// and checks missed while down run once.
func TestScheduleSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	t0 := f.clk.now()
	if rs := f.checkDue(f.monitor()); len(rs) != 1 || rs[0].Capture.Outcome != redline.OutcomeBaseline {
		t.Fatalf("first pass: %+v", rs)
	}
	if got := f.target("p").NextDue; !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextDue = %v, want %v", got, t0.Add(time.Hour))
	}
	f.clk.set(t0.Add(30 * time.Minute))
	if rs := f.checkDue(f.monitor()); len(rs) != 0 {
		t.Fatalf("checked before due: %d", len(rs))
	}

	// Down for five hours, then a new process on the same file.
	f.store.Close()
	f.open()
	f.clk.set(t0.Add(5*time.Hour + 10*time.Minute))
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	if rs := f.checkDue(f.monitor()); len(rs) != 1 {
		t.Fatalf("missed checks should run once, ran %d", len(rs))
	}
	if got, want := f.target("p").NextDue, t0.Add(6*time.Hour); !got.Equal(want) {
		t.Fatalf("NextDue = %v, want %v", got, want)
	}
	f.store.Close()
	f.open()
	if rs := f.checkDue(f.monitor()); len(rs) != 0 {
		t.Fatalf("a restart repeated %d checks", len(rs))
	}
	if hits := f.site.Hits("/p"); hits != 2 {
		t.Fatalf("site saw %d fetches, want 2", hits)
	}
}

func TestBlockedAndNotModified(t *testing.T) {
	f := newFixture(t)
	akamai, err := os.ReadFile("../../shared/corpus/blocked/akamai-access-denied-1.html")
	if err != nil {
		t.Fatal(err)
	}
	f.site.Set("/p", testsite.Page{Status: 403, Body: string(akamai), Header: http.Header{"Server": {"AkamaiGHost"}}})
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly", Tags: []string{"doj"}})
	m := f.monitor(Route{Notifier: "w", Tags: []string{"doj"}}, Route{Notifier: "other", Tags: []string{"ice"}})
	m.Owner = "" // checks without a lease
	ctx := context.Background()
	check := func() Result {
		t.Helper()
		r := m.Check(ctx, f.target("p"))
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return r
	}
	if r := check(); r.Capture.Outcome != redline.OutcomeBlocked || r.Capture.BodySHA256 == "" {
		t.Fatalf("block page: %+v", r.Capture)
	}
	if _, err := f.store.Baseline(ctx, f.target("p").ID); err == nil {
		t.Fatal("a block page became the baseline")
	}
	f.site.SetHTML("/p", testsite.PolicyPage("Policy", paras, "one"))
	base := check()
	if base.Capture.Outcome != redline.OutcomeBaseline {
		t.Fatalf("real page after a block: %s", base.Capture.Outcome)
	}
	r := check()
	if r.Capture.Outcome != redline.OutcomeNotModified || r.Capture.Status != 304 || r.Capture.TextSHA256 != base.Capture.TextSHA256 {
		t.Fatalf("conditional GET: %+v", r.Capture)
	}
	f.site.SetHTML("/p", testsite.PolicyPage("Policy", []string{"## Scope", "The sheriff shall honor civil detainers without a judicial warrant."}, "one"))
	r = check()
	if r.Capture.Outcome != redline.OutcomeChanged || r.Change == nil || r.Change.WordsRemoved != 1 || r.Alerts != 1 {
		t.Fatalf("change: %+v alerts %d", r.Change, r.Alerts)
	}
	if r.Change.FromCaptureID != base.Capture.ID {
		t.Fatalf("change compared with capture %d, want the baseline %d", r.Change.FromCaptureID, base.Capture.ID)
	}
}

// TestSelectorMissing: a selector that matches nothing is its own outcome,
// never a baseline or an empty diff, and raises one selector.missing alert
// after SelectorMissingAfter consecutive misses, not one per check.
func TestSelectorMissing(t *testing.T) {
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly", Select: []string{"#no-such-region"}})
	m := f.monitor(Route{Notifier: "w"})
	m.Owner = ""
	var alerts []int
	for range SelectorMissingAfter + 2 {
		r := m.Check(context.Background(), f.target("p"))
		if r.Err != nil || r.Capture.Outcome != redline.OutcomeSelectorMissing || r.Capture.TextSHA256 != "" || r.Change != nil {
			t.Fatalf("selector miss: %+v, %v", r.Capture, r.Err)
		}
		alerts = append(alerts, r.Alerts)
	}
	want := make([]int, SelectorMissingAfter+2)
	want[SelectorMissingAfter-1] = 1
	if !slices.Equal(alerts, want) {
		t.Fatalf("alerts per check = %v, want %v", alerts, want)
	}
	if _, err := f.store.Baseline(context.Background(), f.target("p").ID); err == nil {
		t.Fatal("a selector miss became the baseline")
	}
}

// TestRunFinishesChecksInFlight: when the daemon's context ends, a check in
// flight still completes and is recorded before Run returns.
func TestRunFinishesChecksInFlight(t *testing.T) {
	f := newFixture(t)
	f.site.Set("/p", testsite.Page{Body: testsite.PolicyPage("Policy", paras, "x"), Delay: 400 * time.Millisecond})
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	m := f.monitor()
	m.Now = nil
	m.Poll = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var mu sync.Mutex
	var results []Result
	go func() {
		done <- m.Run(ctx, func(r Result) { mu.Lock(); results = append(results, r); mu.Unlock() })
	}()
	for f.site.Hits("/p") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results) != 1 || results[0].Err != nil || results[0].Capture.Outcome != redline.OutcomeBaseline {
		t.Fatalf("results: %+v", results)
	}
	caps, err := f.store.Captures(context.Background(), f.target("p").ID, 0, 0)
	if err != nil || len(caps) != 1 {
		t.Fatalf("captures after stop: %d, %v", len(caps), err)
	}
}

// TestFlappingReportedOnce: a page alternating between two versions is
// reported when it changes and when it first returns, then not again; a new
// version alerts again.
func TestFlappingReportedOnce(t *testing.T) {
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	m := f.monitor(Route{Notifier: "w"})
	m.Owner = ""
	versions := map[string]string{
		"A": "The sheriff shall not honor civil detainers without a judicial warrant.",
		"B": "The sheriff shall honor civil detainers without a judicial warrant.",
		"C": "The sheriff may honor civil detainers with a judicial warrant.",
	}
	var alerts []int
	var reverted []bool
	for i, name := range []string{"A", "B", "A", "B", "A", "C"} {
		// The furniture stamp changes too: flapping is judged on the compared text.
		f.site.SetHTML("/p", testsite.PolicyPage("Policy", []string{"## Scope", versions[name]}, fmt.Sprint("stamp ", i)))
		r := m.Check(context.Background(), f.target("p"))
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		alerts = append(alerts, r.Alerts)
		reverted = append(reverted, r.Change != nil && r.Change.RevertedTo != 0)
	}
	if want := []int{0, 1, 1, 0, 0, 1}; !slices.Equal(alerts, want) {
		t.Fatalf("alerts per check = %v, want %v", alerts, want)
	}
	if want := []bool{false, false, true, true, true, false}; !slices.Equal(reverted, want) {
		t.Fatalf("reverted per check = %v, want %v", reverted, want)
	}
}
