package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Cycle kinds.
const (
	CycleBaseline     = "baseline"      // first capture of every page
	CycleIdentical304 = "identical-304" // nothing changed; the site answers If-None-Match with 304
	CycleRepeat304    = "repeat-304"    // a second identical-304: the steady state of a page that answers 304
	CycleIdentical200 = "identical-200" // nothing changed; validators off, the same bytes again with 200
	CycleRepeat200    = "repeat-200"    // a second identical-200: the steady state of a page that answers 200
	CycleNoise        = "noise"         // date stamps changed outside <main>; the text did not
	CycleMeasured     = "measured"      // stamps changed and a fraction of pages changed words in <main>
)

// redlineRun is one redline configuration with its own database.
type redlineRun struct {
	h       *harness
	bin     string // the redline executable
	compare bool   // the row of Config.CompareRepo
	name    string // row name, also the artifacts subdirectory
	setting string // how it is configured, for the report
	dir     string
	config  string
	db      string
	n       int // cycles run
}

// newRedline writes the configuration of a row: every page of the site as
// a target with select: main.
func (h *harness) newRedline(name, setting string, delay time.Duration) (*redlineRun, error) {
	dir, err := h.freshDir(name)
	if err != nil {
		return nil, err
	}
	r := &redlineRun{h: h, bin: h.redline, name: name, setting: setting, dir: dir,
		config: filepath.Join(dir, "redline.yaml"), db: filepath.Join(dir, "redline.db")}
	pages := make([]int, h.site.Len())
	for i := range pages {
		pages[i] = i
	}
	yaml := h.redlineConfig(r.db, delay, "@every 6h", pages, "", "")
	return r, os.WriteFile(r.config, []byte(yaml), 0o644)
}

// redlineConfig renders a configuration tracking pages of the site. The
// notifier and listen address are left out when empty.
func (h *harness) redlineConfig(db string, delay time.Duration, schedule string, pages []int, hook, listen string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# written by redline-bench\nstorage: sqlite:%s\nuser_agent: \"redline-bench (+mailto:bench@localhost)\"\n", db)
	if listen != "" {
		fmt.Fprintf(&b, "listen: %s\n", listen)
	}
	fmt.Fprintf(&b, "crawler:\n  delay: %s\n  concurrency: %d\ndefaults:\n  schedule: %q\n  select: main\ntargets:\n",
		delay, h.cfg.Concurrency, schedule)
	for _, i := range pages {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n", h.site.Name(i), h.site.URL(i))
	}
	if hook != "" {
		fmt.Fprintf(&b, "notifiers:\n  - name: bench\n    url: %s\n    retry_base: 1s\n", hook)
	}
	return b.String()
}

// cycle runs "redline check" over every target once and measures it.
// changed is how many pages the site changed the wording of since the
// previous cycle; round numbers the measured cycles (0 for the others).
func (r *redlineRun) cycle(ctx context.Context, kind string, round, changed int) (Cycle, error) {
	h := r.h
	r.n++
	h.logf("%s: cycle %d (%s), %d pages changed", r.name, r.n, kind, changed)
	before, err := measureDB(ctx, r.db, true)
	if err != nil {
		return Cycle{}, err
	}
	stats0, cpu0 := h.site.Stats(), selfCPU()
	steal0, total0 := cpuTimes()
	since := time.Now().UTC().Add(-time.Millisecond)
	base := filepath.Join(r.dir, fmt.Sprintf("cycle%d-%s", r.n, kind))
	u, err := run(ctx, proc{name: r.bin, dir: r.dir,
		args: []string{"check", "--config", r.config, "-v", "--log-format", "json"},
		env:  h.cfg.RedlineEnv, stdout: base + ".out", stderr: base + ".log", wrapper: h.self})
	if err != nil {
		return Cycle{}, err
	}
	stats1, cpu1 := h.site.Stats(), selfCPU()
	steal1, total1 := cpuTimes()
	after, err := measureDB(ctx, r.db, true)
	if err != nil {
		return Cycle{}, err
	}

	c := newCycle("redline", r.setting, kind, h.site.Len(), changed, u)
	c.Round, c.Compare = round, r.compare
	c.SiteCPUS, c.StealPct = (cpu1 - cpu0).Seconds(), stealPct(steal0, total0, steal1, total1)
	c.Requests, c.NotModified = stats1.Requests-stats0.Requests, stats1.NotModified-stats0.NotModified

	// The captures of this cycle: outcomes and fetch durations.
	export := base + ".captures.ndjson"
	if _, err := run(ctx, proc{name: r.bin, dir: r.dir, stdout: export,
		args: []string{"export", "captures", "--config", r.config, "--since", since.Format(time.RFC3339Nano)}}); err != nil {
		return c, err
	}
	var fetch []float64
	c.Outcomes = map[string]int{}
	if err := eachLine(export, func(line []byte) error {
		var rec struct {
			Outcome    string `json:"outcome"`
			DurationMS int64  `json:"duration_ms"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			return err
		}
		c.Outcomes[rec.Outcome]++
		fetch = append(fetch, float64(rec.DurationMS))
		return nil
	}); err != nil {
		return c, fmt.Errorf("read %s: %w", export, err)
	}
	c.ChangesFound = c.Outcomes["changed"]
	c.Fetch = summarize(fetch)
	c.Check = summarize(r.checkTimes(base + ".log"))
	c.DB = growth(before, after, len(fetch))
	if c.DB.Rows, err = anatomy(ctx, r.db, before.LastID); err != nil {
		return c, err
	}
	h.logf("%s: %s in %.1fs, %.1f CPU s, %.0f MiB peak; outcomes %v; db %+.0f B/capture",
		r.name, kind, c.WallS, c.CPUS, c.MaxRSSMiB, c.Outcomes, c.DB.FilePerCapture)
	return c, nil
}

// checkTimes reads a cycle's JSON log and returns, per check, the
// milliseconds from the request reaching the site to the check's record
// being committed (the log line redline writes after RecordCheck).
func (r *redlineRun) checkTimes(log string) []float64 {
	var out []float64
	_ = eachLine(log, func(line []byte) error {
		var rec struct {
			Time   time.Time `json:"time"`
			Msg    string    `json:"msg"`
			Target string    `json:"target"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Target == "" {
			return nil
		}
		switch rec.Msg {
		case "checked", "wording changed", "check failed":
		default:
			return nil
		}
		num, ok := strings.CutPrefix(rec.Target, "directive-")
		if !ok {
			return nil
		}
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || i >= r.h.site.Len() {
			return nil
		}
		if req := r.h.site.LastRequest(i); !req.IsZero() && !rec.Time.Before(req) {
			out = append(out, float64(rec.Time.Sub(req).Microseconds())/1000)
		}
		return nil
	})
	return out
}

// eachLine calls f with every non-empty line of the file at path.
func eachLine(path string, f func([]byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := f(sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}
