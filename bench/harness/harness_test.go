package harness

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wrkOutput is what wrk 4.1 prints with --latency.
const wrkOutput = `Running 10s test @ http://127.0.0.2:42557/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.61ms    3.09ms  48.54ms   91.44%
    Req/Sec     6.89k     1.21k    9.60k    70.00%
  Latency Distribution
     50%  790.00us
     75%    1.20ms
     90%    3.10ms
     99%   15.35ms
  137219 requests in 10.01s, 12.71GB read
Requests/sec:  13705.45
Transfer/sec:      1.27GB
`

func TestParseWrk(t *testing.T) {
	w, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6*math.Max(1, want) }
	if !near(w.RequestsPerS, 13705.45) || !near(w.P50MS, 0.79) || !near(w.P99MS, 15.35) || !near(w.TransferMiBs, 1.27*1024) {
		t.Errorf("parseWrk = %+v", w)
	}
	if _, err := parseWrk("connection refused"); err == nil {
		t.Error("parseWrk of an output without figures: no error")
	}
}

func TestSummarize(t *testing.T) {
	var ms []float64
	for i := 100; i >= 1; i-- {
		ms = append(ms, float64(i))
	}
	if d := summarize(ms); d.N != 100 || d.P50 != 50 || d.P99 != 99 || d.Max != 100 {
		t.Errorf("summarize(1..100) = %+v", d)
	}
	if d := summarize(nil); d.N != 0 {
		t.Errorf("summarize(nil) = %+v", d)
	}
}

func TestObjectGroup(t *testing.T) {
	for name, want := range map[string]string{
		"captures": "captures rows", "captures_body": "captures indexes", "blobs": "blobs",
		"sqlite_autoindex_blobs_1": "blobs", "blobs_live": "blobs", "alerts_pending": "changes, alerts", "targets_due": "targets",
		"sqlite_schema": "other",
	} {
		if got := objectGroup(name); got != want {
			t.Errorf("objectGroup(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestRatiosPerRound(t *testing.T) {
	r := &Report{}
	for k, w := range []struct{ red, uw float64 }{{2, 5}, {2, 8}, {4, 6}} {
		r.Cycles = append(r.Cycles,
			Cycle{Tool: "redline", Setting: "s", Kind: CycleMeasured, Round: k + 1, WallS: w.red, CPUPer1000: w.red},
			Cycle{Tool: "urlwatch", Kind: CycleMeasured, Round: k + 1, WallS: w.uw, CPUPer1000: w.uw})
	}
	got := ratios(r)
	if len(got) != 2 || got[0].Value != 2.5 || len(got[0].PerRound) != 3 || got[0].PerRound[1] != 4 {
		t.Errorf("ratios = %+v", got)
	}
	// A comparison build's row is set against the main row, round by round.
	for k, c := range []float64{4, 2, 5} {
		r.Cycles = append(r.Cycles, Cycle{Tool: "redline", Setting: "s, at base", Compare: true, Kind: CycleMeasured,
			Round: k + 1, WallS: c, CPUPer1000: c * 2})
	}
	got = ratios(r)
	if len(got) != 6 || !strings.Contains(got[0].Name, "comparison build") || got[0].Value != 0.8 ||
		!slices.Equal(got[0].PerRound, []float64{0.5, 1, 0.8}) || got[1].Value != 0.4 {
		t.Errorf("ratios with a comparison build = %+v", got)
	}
	// The same cycles with the comparison build's first: still set against
	// this build's row, not against itself.
	n := len(r.Cycles)
	r.Cycles = append(r.Cycles[n-3:n:n], r.Cycles[:n-3]...)
	again := ratios(r)
	i := slices.IndexFunc(again, func(x Ratio) bool { return strings.Contains(x.Name, "comparison build's wall") })
	if len(again) != 6 || i < 0 || again[i].Name != got[0].Name || again[i].Value != 0.8 {
		t.Errorf("ratios with the comparison build's cycles first = %+v", again)
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
}

// TestFreshDirEmptiesARunBefore reuses an artifacts directory: the tool's
// subdirectory starts empty, so no database of the earlier run is measured
// again.
func TestFreshDirEmptiesARunBefore(t *testing.T) {
	h := &harness{dir: t.TempDir()}
	dir, err := h.freshDir("redline")
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "redline.db")
	if err := os.WriteFile(old, []byte("earlier run"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := h.freshDir("redline")
	if err != nil || again != dir {
		t.Fatalf("freshDir again = %q, %v; want %q", again, err, dir)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the earlier run's database is still there: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("directory missing after freshDir: %v", err)
	}
}

// tempRepo is a git repository in a temporary directory, with write
// putting a file in its tree and git running a git command in it.
type tempRepo struct {
	t   *testing.T
	dir string
}

func newTempRepo(t *testing.T) *tempRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git not found")
	}
	r := &tempRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q")
	return r
}

func (r *tempRepo) write(name, text string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *tempRepo) git(args ...string) {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir, "-c", "user.name=t", "-c", "user.email=t@localhost"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestCommitOfIgnoresDocs marks a build dirty when its code differs from
// the commit, not when only Markdown or the harness itself does.
func TestCommitOfIgnoresDocs(t *testing.T) {
	r := newTempRepo(t)
	r.write("main.go", "package main\n")
	r.write("README.md", "# r\n")
	r.write("bench/harness/x.go", "package harness\n")
	r.git("add", ".")
	r.git("commit", "-q", "-m", "c")
	clean := commitOf(t.Context(), r.dir)
	if len(clean) != 12 || strings.HasSuffix(clean, "+dirty") {
		t.Fatalf("commitOf a clean tree = %q", clean)
	}
	r.write("README.md", "# r, with figures\n")
	r.write("bench/harness/x.go", "package harness // edited\n")
	if got := commitOf(t.Context(), r.dir); got != clean {
		t.Errorf("commitOf with docs and harness edited = %q, want %q", got, clean)
	}
	r.write("main.go", "package main // edited\n")
	if got := commitOf(t.Context(), r.dir); got != clean+"+dirty" {
		t.Errorf("commitOf with code edited = %q, want %q", got, clean+"+dirty")
	}
}

// TestBuildCompareRepo builds a module's ./cmd/redline at its checkout and,
// as CompareRepo, at a worktree of an earlier commit: two binaries, each of
// its own commit.
func TestBuildCompareRepo(t *testing.T) {
	r := newTempRepo(t)
	r.write("go.mod", "module redline\n\ngo 1.26\n")
	main := func(says string) string {
		return "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(\"" + says + "\") }\n"
	}
	r.write("cmd/redline/main.go", main("base"))
	r.git("add", ".")
	r.git("commit", "-q", "-m", "base")
	cmp := filepath.Join(t.TempDir(), "base")
	r.git("worktree", "add", "-q", cmp, "HEAD")
	r.write("cmd/redline/main.go", main("change"))
	r.git("commit", "-q", "-am", "change")

	h := &harness{cfg: Config{Repo: r.dir, CompareRepo: cmp}, dir: t.TempDir()}
	if err := h.build(t.Context()); err != nil {
		t.Fatal(err)
	}
	if h.commit == "" || h.compareCommit == "" || h.commit == h.compareCommit {
		t.Errorf("commits built %q and %q, want two", h.commit, h.compareCommit)
	}
	for bin, want := range map[string]string{h.redline: "change", h.compareBin: "base"} {
		out, err := exec.Command(bin).Output()
		if err != nil || string(out) != want {
			t.Errorf("%s says %q (%v), want %q", bin, out, err, want)
		}
	}
}
