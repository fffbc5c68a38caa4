// Package harness measures redline side by side with urlwatch and wrk on a
// generated site (package bench) served over many loopback addresses: cycle
// wall time, CPU, peak RSS, per-check times, database growth per capture,
// the loopback ceiling, and the alert latency of the daemon. The command
// bench/cmd/redline-bench runs it; BENCHMARKS.md has the figures.
//
// Every tool runs as a subprocess, so its CPU and peak RSS come from the
// kernel's accounting of that process alone: its rusage, taken by a small
// wrapper process (see WrapperMain for why). The site runs inside the
// harness and shares the machine with the tool; its CPU time and the CPU
// steal of the virtual machine during each cycle are reported beside the
// tool's figures. Tools compared run their measured cycles interleaved,
// round by round (Config.Rounds), and ratios are taken per round.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"redline/bench"
)

// Config says what to measure. Zero values mean the defaults of the
// command's flags (see Defaults), except Delay.
type Config struct {
	Pages       int           // pages of the site
	Hosts       int           // loopback host addresses
	Change      float64       // fraction of pages whose wording changes between cycles
	Seed        uint64        // content seed
	Delay       time.Duration // redline's per-host politeness delay for the main row, written as is (0 is "0s")
	Concurrency int           // redline's crawler.concurrency
	Repo        string        // the redline module's directory; "" finds it with "go env GOMOD"
	// CompareRepo, when set, is a second checkout of redline (another
	// commit) built and run as one more row, "redline-compare", with the
	// main row's delay: its measured cycles are interleaved with the
	// others', so a change is measured against its base in the same
	// rounds.
	CompareRepo string
	Out         string // directory for artifacts, kept; "" uses a temporary one, removed

	SkipUrlwatch bool
	SkipWrk      bool
	SkipDaemon   bool // do not measure "redline run" over every page
	SkipCycles   bool // do not run the "redline check" cycles
	Rounds       int  // measured cycles of each tool, interleaved
	// RedlineEnv is added to the environment of every redline process
	// (e.g. GOMEMLIMIT=100MiB), and of no other.
	RedlineEnv []string
	Latency    bool // measure alert latency in daemon mode

	WrkDuration   time.Duration
	WrkThreads    int
	WrkConns      int
	LatencyPages  int
	LatencyRounds int
	LatencyEvery  time.Duration // the daemon's schedule: "@every LatencyEvery"

	Log io.Writer // progress lines; nil discards
}

// Defaults returns the configuration the command starts from.
func Defaults() Config {
	return Config{
		Pages: 1000, Hosts: 50, Change: 0.05, Seed: 1, Delay: 50 * time.Millisecond, Concurrency: 16, Rounds: 3,
		WrkDuration: 10 * time.Second, WrkThreads: 2, WrkConns: 16,
		LatencyPages: 100, LatencyRounds: 10, LatencyEvery: 2 * time.Second,
	}
}

// noDelay is the politeness delay of the "no delay" row. redline's
// configuration reads "delay: 0s" as "the default, 1s" (cmd/redline passes
// 0 to crawler.Options, where zero means the default), so the row asks for
// one nanosecond instead: no measurable wait.
const noDelay = time.Nanosecond

// harness is one run of the benchmark.
type harness struct {
	cfg     Config
	dir     string // artifacts
	redline string // the built binary
	self    string // this executable, run as the usage wrapper
	commit  string // the commit built

	compareBin    string // CompareRepo's build; "" without one
	compareCommit string
	site          *bench.Site
	start         time.Time
}

// freshDir returns the artifacts subdirectory name, emptied: a run into
// an -out directory used before must not start from that run's databases.
func (h *harness) freshDir(name string) (string, error) {
	dir := filepath.Join(h.dir, name)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

// logf prints one progress line.
func (h *harness) logf(format string, a ...any) {
	if h.cfg.Log == nil {
		return
	}
	fmt.Fprintf(h.cfg.Log, "[%6.1fs] %s\n", time.Since(h.start).Seconds(), fmt.Sprintf(format, a...))
}

// Run measures everything cfg asks for and returns the report. A tool
// that is missing (urlwatch, wrk) is an error unless skipped. The program
// calling Run must call WrapperMain first thing in its main function.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	def := Defaults()
	for _, f := range []struct{ v, d *int }{{&cfg.Pages, &def.Pages}, {&cfg.Hosts, &def.Hosts},
		{&cfg.Concurrency, &def.Concurrency}, {&cfg.Rounds, &def.Rounds}, {&cfg.WrkThreads, &def.WrkThreads}, {&cfg.WrkConns, &def.WrkConns},
		{&cfg.LatencyPages, &def.LatencyPages}, {&cfg.LatencyRounds, &def.LatencyRounds}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	for _, f := range []struct{ v, d *time.Duration }{{&cfg.WrkDuration, &def.WrkDuration},
		{&cfg.LatencyEvery, &def.LatencyEvery}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	if cfg.Change < 0 || cfg.Change > 1 {
		return nil, fmt.Errorf("change fraction %v: want 0..1", cfg.Change)
	}
	if cfg.Concurrency > 256 {
		return nil, fmt.Errorf("concurrency %d: redline allows 1..256", cfg.Concurrency)
	}
	h := &harness{cfg: cfg, start: time.Now()}
	if err := h.checkTools(); err != nil {
		return nil, err
	}
	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return nil, err
		}
		h.dir = cfg.Out
	} else {
		tmp, err := os.MkdirTemp("", "redline-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		h.dir = tmp
	}
	var err error
	if h.dir, err = filepath.Abs(h.dir); err != nil {
		return nil, err
	}

	rep := &Report{Machine: machineInfo(ctx), Settings: settingsOf(cfg), Started: time.Now().UTC()}
	if rep.Machine.RSSFloorMiB, err = h.checkWrapper(ctx); err != nil {
		return nil, err
	}
	h.logf("building redline")
	if err := h.build(ctx); err != nil {
		return nil, err
	}
	rep.Machine.Commit = h.commit
	h.logf("redline at %s", dash(h.commit))
	h.logf("generating %d pages on %d hosts (seed %d)", cfg.Pages, cfg.Hosts, cfg.Seed)
	site, err := bench.NewSite(bench.Options{Pages: cfg.Pages, Hosts: cfg.Hosts, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	if err := site.Start(); err != nil {
		return nil, err
	}
	defer site.Close()
	h.site = site
	rep.Site = siteInfo(site)

	cs, err := h.cycles(ctx)
	if err != nil {
		return nil, err
	}
	rep.Cycles = cs
	if !cfg.SkipDaemon {
		d, err := h.daemon(ctx)
		if err != nil {
			return nil, err
		}
		rep.Daemon = d
	}
	if !cfg.SkipWrk {
		w, err := h.wrk(ctx)
		if err != nil {
			return nil, err
		}
		rep.Wrk = w
	}
	if cfg.Latency {
		l, err := h.latency(ctx)
		if err != nil {
			return nil, err
		}
		rep.Latency = l
	}
	rep.Ratios = ratios(rep)
	rep.Finished = time.Now().UTC()
	return rep, nil
}

// cycler is a tool run cycle by cycle over the site.
type cycler interface {
	cycle(ctx context.Context, kind string, round, changed int) (Cycle, error)
}

// cycles runs the cycles of "redline check" and urlwatch. redline with the
// politeness delay first runs the database scenarios (baseline,
// identical-304, repeat-304, identical-200, repeat-200, noise); redline without a delay and
// urlwatch take their baseline; then come Rounds rounds in which the site
// moves on one cycle and every tool runs its measured cycle, in an order
// that rotates from round to round, so that tools compared are measured
// minutes apart at most, whatever the machine's speed does meanwhile.
func (h *harness) cycles(ctx context.Context) ([]Cycle, error) {
	cfg, site := h.cfg, h.site
	var out []Cycle
	var tools []cycler
	if !cfg.SkipCycles {
		main, err := h.newRedline("redline", fmt.Sprintf("delay %v, concurrency %d", cfg.Delay, cfg.Concurrency), cfg.Delay)
		if err != nil {
			return nil, err
		}
		steps := []struct {
			kind   string
			before func()
		}{
			{CycleBaseline, func() {}},
			{CycleIdentical304, func() {}},
			{CycleRepeat304, func() {}},
			{CycleIdentical200, func() { site.SetValidators(false) }},
			{CycleRepeat200, func() {}},
			{CycleNoise, func() { site.SetValidators(true); site.Touch() }},
		}
		for _, st := range steps {
			st.before()
			c, err := main.cycle(ctx, st.kind, 0, 0)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		fast, err := h.newRedline("redline-nodelay", fmt.Sprintf("delay 0 (1ns), concurrency %d", cfg.Concurrency), noDelay)
		if err != nil {
			return nil, err
		}
		tools = append(tools, main, fast)
		if h.compareBin != "" {
			cmp, err := h.newRedline("redline-compare", fmt.Sprintf("delay %v, concurrency %d, at %s", cfg.Delay, cfg.Concurrency,
				dash(h.compareCommit)), cfg.Delay)
			if err != nil {
				return nil, err
			}
			cmp.bin, cmp.compare = h.compareBin, true
			tools = append(tools, cmp)
		}
	}
	if !cfg.SkipUrlwatch {
		uw, err := h.newUrlwatch()
		if err != nil {
			return nil, err
		}
		tools = append(tools, uw)
	}
	// Baselines of the tools that have none yet.
	for _, t := range tools {
		if r, ok := t.(*redlineRun); ok && r.n > 0 {
			continue
		}
		c, err := t.cycle(ctx, CycleBaseline, 0, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	for round := 1; round <= cfg.Rounds && len(tools) > 0; round++ {
		changed := len(site.Advance(cfg.Change))
		for k := range tools {
			t := tools[(k+round-1)%len(tools)]
			c, err := t.cycle(ctx, CycleMeasured, round, changed)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// commitOf describes the commit checked out in repo: its short hash, with
// "+dirty" when tracked files outside bench/, other than Markdown, differ
// from it (figures are written into the docs while the code stays put);
// "" outside git.
func commitOf(ctx context.Context, repo string) string {
	hash, err := output(ctx, repo, "git", "rev-parse", "--short=12", "HEAD")
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(hash)
	if st, err := output(ctx, repo, "git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench", ":(exclude,glob)**/*.md"); err == nil && strings.TrimSpace(st) != "" {
		c += "+dirty"
	}
	return c
}

// checkTools fails early when a tool the run needs is missing.
func (h *harness) checkTools() error {
	need := []string{"go"}
	if !h.cfg.SkipUrlwatch {
		need = append(need, "urlwatch")
	}
	if !h.cfg.SkipWrk {
		need = append(need, "wrk")
	}
	var missing []string
	for _, t := range need {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not found: install with \"apt-get update && apt-get install -y urlwatch wrk\" or pass -skip-urlwatch / -skip-wrk",
			strings.Join(missing, ", "))
	}
	return nil
}

// checkWrapper makes sure this executable serves as the usage wrapper and
// returns the peak RSS it reports for a command that uses next to nothing:
// the floor of every peak RSS measured.
func (h *harness) checkWrapper(ctx context.Context) (float64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	h.self = self
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	u, err := run(tctx, proc{name: "true", wrapper: self})
	if err != nil {
		return 0, fmt.Errorf("the program running the harness must call harness.WrapperMain first in main: %w", err)
	}
	return float64(u.MaxRSSKB) / 1024, nil
}

// build compiles redline once into the artifacts directory, and the
// comparison checkout when there is one.
func (h *harness) build(ctx context.Context) error {
	repo := h.cfg.Repo
	if repo == "" {
		gomod, err := output(ctx, "", "go", "env", "GOMOD")
		if err != nil {
			return err
		}
		gomod = strings.TrimSpace(gomod)
		if gomod == "" || gomod == os.DevNull {
			return errors.New("not inside the redline module: run from the repository or pass -repo")
		}
		repo = filepath.Dir(gomod)
	}
	if err := os.MkdirAll(filepath.Join(h.dir, "bin"), 0o755); err != nil {
		return err
	}
	var err error
	h.redline = filepath.Join(h.dir, "bin", "redline")
	if h.commit, err = buildAt(ctx, repo, h.redline); err != nil {
		return err
	}
	if h.cfg.CompareRepo != "" {
		h.compareBin = filepath.Join(h.dir, "bin", "redline-compare")
		if h.compareCommit, err = buildAt(ctx, h.cfg.CompareRepo, h.compareBin); err != nil {
			return err
		}
	}
	return nil
}

// buildAt builds ./cmd/redline of repo into bin and returns the commit
// built (see commitOf).
func buildAt(ctx context.Context, repo, bin string) (string, error) {
	if _, err := output(ctx, repo, "go", "build", "-o", bin, "./cmd/redline"); err != nil {
		return "", fmt.Errorf("build redline in %s: %w", repo, err)
	}
	return commitOf(ctx, repo), nil
}
