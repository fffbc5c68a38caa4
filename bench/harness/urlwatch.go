package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// urlwatchSetting says how urlwatch runs: its defaults, which the report
// states (urlwatch 2.25's worker.py has MAX_WORKERS = 10, a fixed thread
// pool; no per-host limit or delay; no robots.txt; requests.request opens a
// new connection per job).
const urlwatchSetting = "css: main + html2text (re); 10 threads, no delay"

// urlwatchConfig turns every reporter off except stdout, without colour.
const urlwatchConfig = `# written by redline-bench
display:
  new: true
  error: true
  unchanged: false
  empty-diff: true
report:
  text:
    line_length: 75
    details: true
    footer: true
    minimal: false
  stdout:
    enabled: true
    color: false
  email:
    enabled: false
`

// changedRE finds the jobs the text report lists as changed.
var changedRE = regexp.MustCompile(`(?m)CHANGED: (directive-\d+)`)

// urlwatchRun is urlwatch with its jobs, configuration and cache.
type urlwatchRun struct {
	h                      *harness
	dir, urls, conf, cache string
	n                      int // cycles run
}

// newUrlwatch writes one job per page of the site.
func (h *harness) newUrlwatch() (*urlwatchRun, error) {
	dir, err := h.freshDir("urlwatch")
	if err != nil {
		return nil, err
	}
	var jobs strings.Builder
	for i := range h.site.Len() {
		if i > 0 {
			jobs.WriteString("---\n")
		}
		fmt.Fprintf(&jobs, "name: %s\nurl: %s\nfilter:\n  - css: main\n  - html2text\n", h.site.Name(i), h.site.URL(i))
	}
	u := &urlwatchRun{h: h, dir: dir, urls: filepath.Join(dir, "urls.yaml"), conf: filepath.Join(dir, "urlwatch.yaml"),
		cache: filepath.Join(dir, "cache.db")}
	if err := os.WriteFile(u.urls, []byte(jobs.String()), 0o644); err != nil {
		return nil, err
	}
	return u, os.WriteFile(u.conf, []byte(urlwatchConfig), 0o644)
}

// cycle runs urlwatch over every job once and measures it; changed is how
// many pages the site changed the wording of since its previous cycle.
func (u *urlwatchRun) cycle(ctx context.Context, kind string, round, changed int) (Cycle, error) {
	h := u.h
	u.n++
	h.logf("urlwatch: cycle %d (%s), %d pages changed", u.n, kind, changed)
	before, err := measureDB(ctx, u.cache, false)
	if err != nil {
		return Cycle{}, err
	}
	stats0, cpu0 := h.site.Stats(), selfCPU()
	steal0, total0 := cpuTimes()
	base := filepath.Join(u.dir, fmt.Sprintf("cycle%d-%s", u.n, kind))
	usage, err := run(ctx, proc{name: "urlwatch", dir: u.dir,
		args: []string{"--urls", u.urls, "--config", u.conf, "--cache", u.cache, "--hooks", filepath.Join(u.dir, "hooks.py")},
		env: []string{"HOME=" + u.dir, "XDG_CONFIG_HOME=" + filepath.Join(u.dir, ".config"), "XDG_CACHE_HOME=" + filepath.Join(u.dir, ".cache"),
			"PYTHONDONTWRITEBYTECODE=1"},
		stdout: base + ".out", stderr: base + ".log", wrapper: h.self})
	if err != nil {
		return Cycle{}, err
	}
	stats1, cpu1 := h.site.Stats(), selfCPU()
	steal1, total1 := cpuTimes()
	after, err := measureDB(ctx, u.cache, false)
	if err != nil {
		return Cycle{}, err
	}
	c := newCycle("urlwatch", urlwatchSetting, kind, h.site.Len(), changed, usage)
	c.Round = round
	c.SiteCPUS, c.StealPct = (cpu1 - cpu0).Seconds(), stealPct(steal0, total0, steal1, total1)
	c.Requests, c.NotModified = stats1.Requests-stats0.Requests, stats1.NotModified-stats0.NotModified
	report, err := os.ReadFile(base + ".out")
	if err != nil {
		return Cycle{}, err
	}
	found := map[string]bool{}
	for _, m := range changedRE.FindAllStringSubmatch(string(report), -1) {
		found[m[1]] = true
	}
	c.ChangesFound = len(found)
	c.DB = growth(before, after, h.site.Len())
	h.logf("urlwatch: %s in %.1fs, %.1f CPU s, %.0f MiB peak; %d changes reported", kind, c.WallS, c.CPUS, c.MaxRSSMiB, c.ChangesFound)
	return c, nil
}
