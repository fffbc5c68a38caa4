package bench_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"redline"
	"redline/bench"
	"redline/crawler"
	"redline/diff"
	"redline/extract"
	"redline/monitor"
	"redline/noise"
	"redline/storage/sqlite"
)

const htmlType = "text/html; charset=utf-8"

// BenchmarkExtract measures extraction of a generated 150 KB page: its
// <main> as the harness's targets select it, and the whole body.
func BenchmarkExtract(b *testing.B) {
	body := bench.Page(1, 150<<10)
	for _, c := range []struct {
		name string
		opt  extract.Options
	}{
		{"150KB/select-main", extract.Options{Select: []string{"main"}}},
		{"150KB/whole-body", extract.Options{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := extract.Text(body, htmlType, c.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWordDiff measures diff.Words on 1 MB of policy text with 1% of
// its words replaced. The goal is under 100 ms.
func BenchmarkWordDiff(b *testing.B) {
	old := bench.PolicyText(1, 1<<20)
	new := bench.ReplaceWords(old, 0.01, 2)
	b.SetBytes(int64(len(old)))
	b.ReportAllocs()
	var r diff.Result
	for b.Loop() {
		r = diff.Words(old, new, diff.Options{})
	}
	b.ReportMetric(float64(r.WordsAdded), "words-added")
	b.ReportMetric(float64(len(r.Hunks)), "hunks")
	b.ReportMetric(boolMetric(r.TimedOut), "timed-out")
}

// BenchmarkDiffPathological measures diff.Words and diff.Unified (what a
// check runs on a change it alerts) on 1 MB inputs built to be as hard as
// possible: every line moved, every word of every line moved, and two
// unrelated texts. Each op must end within the diff's time limit
// (diff.DefaultTimeout) plus the work after it; ms/op says by how much.
func BenchmarkDiffPathological(b *testing.B) {
	old := bench.PolicyText(1, 1<<20)
	for _, c := range []struct{ name, new string }{
		{"1MB/lines-shuffled", bench.ShuffleLines(old, 3)},
		{"1MB/words-shuffled", bench.ShuffleWords(old, 4)},
		{"1MB/unrelated", bench.PolicyText(5, 1<<20)},
	} {
		b.Run(c.name+"/words", func(b *testing.B) {
			var r diff.Result
			var worst time.Duration
			for b.Loop() {
				start := time.Now()
				r = diff.Words(old, c.new, diff.Options{})
				worst = max(worst, time.Since(start))
			}
			b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
			b.ReportMetric(float64(diff.DefaultTimeout.Milliseconds()), "limit-ms")
			b.ReportMetric(boolMetric(r.TimedOut), "timed-out")
		})
		b.Run(c.name+"/unified", func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				start := time.Now()
				diff.Unified(old, c.new, "old", "new", 3)
				worst = max(worst, time.Since(start))
			}
			b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
			b.ReportMetric(float64(diff.DefaultTimeout.Milliseconds()), "limit-ms")
		})
	}
}

// BenchmarkJudge measures the CPU of one check past the fetch: block-page
// classification, extraction of <main>, noise rules, and for a change the
// diff, its analysis and the unified diff of the alert; on a generated page
// of about 100 KB. The pathological case scrambles the page's <main>.
func BenchmarkJudge(b *testing.B) {
	site, err := bench.NewSite(bench.Options{Pages: 1, Hosts: 1, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	target := redline.Target{ID: 1, Name: "p", URL: "http://127.0.0.2/policy/directive-00000", Kind: "page", Select: []string{"main"}}
	base := site.Body(0)
	ex, err := extract.Text(base, htmlType, extract.Options{Select: target.Select})
	if err != nil {
		b.Fatal(err)
	}
	prior := &monitor.Prior{Baseline: monitor.Version{CaptureID: 1, FetchedAt: time.Now().UTC(),
		TextSHA256: shaHex([]byte(ex.Text)), Text: ex.Text}}
	header := http.Header{"Content-Type": {htmlType}}

	site.Touch()
	noiseOnly := site.Body(0)
	site.Change(0)
	site.Touch()
	changed := site.Body(0)
	site.Scramble(0)
	scrambled := site.Body(0)
	for _, c := range []struct {
		name string
		body []byte
		want redline.Outcome
	}{
		{"unchanged", noiseOnly, redline.OutcomeUnchanged},
		{"changed", changed, redline.OutcomeChanged},
		{"scrambled", scrambled, redline.OutcomeChanged},
	} {
		b.Run(c.name, func(b *testing.B) {
			j := &monitor.Judge{}
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			var worst time.Duration
			for b.Loop() {
				start := time.Now()
				v := j.Judge(context.Background(), target, prior, &noise.Volatility{},
					monitor.Page{URL: target.URL, FinalURL: target.URL, Status: 200, Header: header, Body: c.body, FetchedAt: time.Now().UTC()})
				if v.Outcome != c.want {
					b.Fatalf("outcome %s (%s), want %s", v.Outcome, v.Error, c.want)
				}
				if v.Changed() {
					diff.Unified(v.Before, v.Compared, "capture 1", "current", 3)
				}
				worst = max(worst, time.Since(start))
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
		})
	}
}

// BenchmarkRecordCheck measures one store.RecordCheck of a capture that
// changed nothing, as a check of an unchanged page records it, and how many
// bytes of pages it adds to the database (B/capture; the goal is under
// 300): a 200 answer with the same body as the baseline, and a 304.
func BenchmarkRecordCheck(b *testing.B) {
	ctx := context.Background()
	site, err := bench.NewSite(bench.Options{Pages: 1, Hosts: 1, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	site.Handler(0).ServeHTTP(rec, httptest.NewRequest("GET", site.Path(0), nil))
	resp := rec.Result()
	resp.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	body := site.Body(0)
	ex, err := extract.Text(body, htmlType, extract.Options{Select: []string{"main"}})
	if err != nil {
		b.Fatal(err)
	}
	bodySHA, textSHA := shaHex(body), shaHex([]byte(ex.Text))
	request := http.Header{"User-Agent": {"redline-bench (+mailto:bench@localhost)"}, "If-None-Match": {resp.Header.Get("ETag")},
		"Accept": {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}}

	for _, c := range []struct {
		name    string
		status  int
		outcome redline.Outcome
		body    []byte
	}{
		{"unchanged-200", 200, redline.OutcomeUnchanged, body},
		{"not-modified-304", 304, redline.OutcomeNotModified, nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			url := "http://127.0.0.2:8080" + site.Path(0)
			if err := st.SyncTargets(ctx, []redline.Target{{Name: "p", URL: url, Kind: "page", Schedule: "@every 6h",
				Select: []string{"main"}, Source: "config"}}, time.Now().UTC()); err != nil {
				b.Fatal(err)
			}
			ts, err := st.Targets(ctx)
			if err != nil {
				b.Fatal(err)
			}
			capture := func(outcome redline.Outcome, status int, body []byte) *redline.CheckRecord {
				now := time.Now().UTC()
				r := &redline.CheckRecord{
					Capture: redline.Capture{TargetID: ts[0].ID, FetchedAt: now, Duration: 3 * time.Millisecond, URL: url, FinalURL: url,
						Status: status, Header: resp.Header, RequestHeader: request, ContentType: "text/html", Outcome: outcome,
						TextSHA256: textSHA, Attempts: 1},
					NextDue: now.Add(6 * time.Hour),
				}
				if body != nil {
					r.Body, r.Capture.BodySHA256, r.Capture.BodySize = body, bodySHA, int64(len(body))
				}
				return r
			}
			first := capture(redline.OutcomeBaseline, 200, body)
			first.Text = []byte(ex.Text)
			if err := st.RecordCheck(ctx, first); err != nil {
				b.Fatal(err)
			}
			used0 := usedBytes(b, st)
			n := 0
			for b.Loop() {
				// As the monitor does: the baseline's blobs are known
				// stored, so the store does not compress them again.
				r := capture(c.outcome, c.status, c.body)
				r.Known = []string{first.Capture.BodySHA256, first.Capture.RequestSHA256}
				if err := st.RecordCheck(ctx, r); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(usedBytes(b, st)-used0)/float64(n), "B/capture")
		})
	}
}

// BenchmarkCheckCycle runs what "redline check" runs, in process so that it
// can be profiled (cmd/redline is a main package): the crawler fetching
// over loopback from a Site of 200 pages on 10 hosts with no politeness
// delay, the monitor with concurrency 16, and the SQLite store. Each op is
// one cycle over every page after the site moved on (5% of the pages
// changed, every page's stamps); ms/check and checks/s are per page, and
// result-KiB/check is what the returned results hold per page.
func BenchmarkCheckCycle(b *testing.B) {
	ctx := context.Background()
	const pages = 200
	site, err := bench.NewSite(bench.Options{Pages: pages, Hosts: 10, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	if err := site.Start(); err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "cycle.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var defs []redline.Target
	for i := range pages {
		defs = append(defs, redline.Target{Name: site.Name(i), URL: site.URL(i), Kind: "page", Schedule: "@every 6h",
			Select: []string{"main"}, Source: "config"})
	}
	if err := st.SyncTargets(ctx, defs, time.Now().UTC()); err != nil {
		b.Fatal(err)
	}
	targets, err := st.Targets(ctx)
	if err != nil {
		b.Fatal(err)
	}
	f, err := crawler.New(crawler.Options{UserAgent: "redline-bench (+mailto:bench@localhost)", Delay: -1})
	if err != nil {
		b.Fatal(err)
	}
	m := &monitor.Monitor{Store: st, Fetcher: f, Owner: "bench", Concurrency: 16}
	var retained int
	cycle := func() {
		res, err := m.CheckTargets(ctx, targets)
		if err != nil {
			b.Fatal(err)
		}
		retained = 0
		for _, r := range res {
			if r.Err != nil || r.Capture.Error != "" {
				b.Fatalf("%s: %v %s", r.Target.Name, r.Err, r.Capture.Error)
			}
			retained += len(r.Verdict.Text) + len(r.Verdict.Compared) + len(r.Verdict.Before)
		}
	}
	cycle() // baseline
	for b.Loop() {
		b.StopTimer()
		site.Advance(0.05)
		b.StartTimer()
		cycle()
	}
	perCheck := b.Elapsed().Seconds() / float64(b.N*pages)
	b.ReportMetric(perCheck*1000, "ms/check")
	b.ReportMetric(1/perCheck, "checks/s")
	// What the results CheckTargets returns hold per check (texts of the
	// verdicts): "redline check" keeps every result until it prints them.
	b.ReportMetric(float64(retained)/pages/1024, "result-KiB/check")
}

// usedBytes returns the bytes of database pages in use.
func usedBytes(b *testing.B, st *sqlite.Store) int64 {
	b.Helper()
	var pages, free, size int64
	for _, q := range []struct {
		pragma string
		dst    *int64
	}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
		if err := st.DB().QueryRow("PRAGMA " + q.pragma).Scan(q.dst); err != nil {
			b.Fatal(err)
		}
	}
	return (pages - free) * size
}

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func boolMetric(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// Example of the text the diff benchmarks compare.
func ExamplePolicyText() {
	text := bench.PolicyText(1, 1<<10)
	fmt.Println(len(text) >= 1<<10)
	// Output: true
}
