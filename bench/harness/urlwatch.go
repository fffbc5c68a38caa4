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

// urlwatch runs urlwatch over every page: a baseline, then the site moves
// on one cycle and the measured cycle runs.
func (h *harness) urlwatch(ctx context.Context) ([]Cycle, error) {
	dir := filepath.Join(h.dir, "urlwatch")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var jobs strings.Builder
	for i := range h.site.Len() {
		if i > 0 {
			jobs.WriteString("---\n")
		}
		fmt.Fprintf(&jobs, "name: %s\nurl: %s\nfilter:\n  - css: main\n  - html2text\n", h.site.Name(i), h.site.URL(i))
	}
	urls, conf, cache := filepath.Join(dir, "urls.yaml"), filepath.Join(dir, "urlwatch.yaml"), filepath.Join(dir, "cache.db")
	if err := os.WriteFile(urls, []byte(jobs.String()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte(urlwatchConfig), 0o644); err != nil {
		return nil, err
	}
	var out []Cycle
	for n, kind := range []string{CycleBaseline, CycleMeasured} {
		changed := 0
		if kind == CycleMeasured {
			changed = len(h.site.Advance(h.cfg.Change))
		}
		h.logf("urlwatch: cycle %d (%s), %d pages changed", n+1, kind, changed)
		before, err := measureDB(ctx, cache, false)
		if err != nil {
			return nil, err
		}
		stats0, cpu0 := h.site.Stats(), selfCPU()
		base := filepath.Join(dir, fmt.Sprintf("cycle%d-%s", n+1, kind))
		u, err := run(ctx, proc{name: "urlwatch", dir: dir,
			args: []string{"--urls", urls, "--config", conf, "--cache", cache, "--hooks", filepath.Join(dir, "hooks.py")},
			env: []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"), "XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
				"PYTHONDONTWRITEBYTECODE=1"},
			stdout: base + ".out", stderr: base + ".log", wrapper: h.self})
		if err != nil {
			return nil, err
		}
		stats1, cpu1 := h.site.Stats(), selfCPU()
		after, err := measureDB(ctx, cache, false)
		if err != nil {
			return nil, err
		}
		c := newCycle("urlwatch", urlwatchSetting, kind, h.site.Len(), changed, u)
		c.SiteCPUS = (cpu1 - cpu0).Seconds()
		c.Requests, c.NotModified = stats1.Requests-stats0.Requests, stats1.NotModified-stats0.NotModified
		report, err := os.ReadFile(base + ".out")
		if err != nil {
			return nil, err
		}
		found := map[string]bool{}
		for _, m := range changedRE.FindAllStringSubmatch(string(report), -1) {
			found[m[1]] = true
		}
		c.ChangesFound = len(found)
		c.DB = growth(before, after, h.site.Len())
		h.logf("urlwatch: %s in %.1fs, %.1f CPU s, %.0f MiB peak; %d changes reported", kind, c.WallS, c.CPUS, c.MaxRSSMiB, c.ChangesFound)
		out = append(out, c)
	}
	return out, nil
}
