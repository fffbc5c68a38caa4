package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"redline/bench"
)

// Report is every figure of one run.
type Report struct {
	Machine  Machine   `json:"machine"`
	Settings Settings  `json:"settings"`
	Site     SiteInfo  `json:"site"`
	Cycles   []Cycle   `json:"cycles"`
	Daemon   *Daemon   `json:"daemon,omitempty"`
	Wrk      *Wrk      `json:"wrk,omitempty"`
	Latency  *Latency  `json:"latency,omitempty"`
	Ratios   []Ratio   `json:"ratios"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs     int    `json:"nproc"`
	CPU      string `json:"cpu"`
	MemoryGB int    `json:"memory_gb"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	Urlwatch string `json:"urlwatch,omitempty"`
	Wrk      string `json:"wrk,omitempty"`
	Python   string `json:"python,omitempty"`
	// Commit is the redline commit measured ("git describe"-like: the
	// hash, "+dirty" when tracked files outside bench/ differ from it).
	Commit string `json:"commit,omitempty"`
	// RSSFloorMiB is the peak RSS the usage wrapper reports for /bin/true:
	// no peak RSS below it can be measured (see WrapperMain).
	RSSFloorMiB float64 `json:"rss_floor_mib"`
}

// Settings are the knobs of the run.
type Settings struct {
	Pages        int      `json:"pages"`
	Hosts        int      `json:"hosts"`
	Change       float64  `json:"change"`
	Seed         uint64   `json:"seed"`
	DelayMS      float64  `json:"delay_ms"`
	Concurrency  int      `json:"concurrency"`
	Rounds       int      `json:"rounds"`
	WrkDuration  string   `json:"wrk_duration"`
	WrkThreads   int      `json:"wrk_threads"`
	WrkConns     int      `json:"wrk_connections"`
	LatencyPages int      `json:"latency_pages"`
	LatencyEvery string   `json:"latency_every"`
	RedlineEnv   []string `json:"redline_env,omitempty"`
}

// SiteInfo describes the generated site.
type SiteInfo struct {
	Pages        int     `json:"pages"`
	Hosts        int     `json:"hosts"`
	MinPageKB    float64 `json:"min_page_kb"`
	MeanPageKB   float64 `json:"mean_page_kb"`
	MaxPageKB    float64 `json:"max_page_kb"`
	PagesPerHost int     `json:"pages_per_host"`
}

// Dist summarises a distribution in milliseconds.
type Dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Cycle is one run of one tool over every page.
type Cycle struct {
	Tool         string         `json:"tool"`              // redline, urlwatch
	Setting      string         `json:"setting"`           // how the tool was configured
	Compare      bool           `json:"compare,omitempty"` // the row of Config.CompareRepo
	Kind         string         `json:"cycle"`             // see the Cycle* constants
	Round        int            `json:"round,omitempty"`   // measured cycles: the round (see Config.Rounds)
	Pages        int            `json:"pages"`
	PagesChanged int            `json:"pages_changed"` // wording changed on the site before the cycle
	ChangesFound int            `json:"changes_found"` // changes the tool reported
	WallS        float64        `json:"wall_s"`
	PagesPerS    float64        `json:"pages_per_s"`
	UserS        float64        `json:"user_s"`
	SysS         float64        `json:"sys_s"`
	CPUS         float64        `json:"cpu_s"`
	CPUPer1000   float64        `json:"cpu_s_per_1000_checks"`
	MaxRSSMiB    float64        `json:"max_rss_mib"`
	SiteCPUS     float64        `json:"site_cpu_s"` // the harness's own CPU meanwhile (serving the site)
	StealPct     float64        `json:"steal_pct"`  // CPU time the hypervisor gave to other guests meanwhile (/proc/stat)
	Requests     int64          `json:"requests"`
	NotModified  int64          `json:"not_modified"`
	Outcomes     map[string]int `json:"outcomes,omitempty"`
	Fetch        Dist           `json:"fetch"` // redline: capture duration_ms (fetch, waits for the host's turn included)
	Check        Dist           `json:"check"` // redline: request reaching the site -> capture recorded
	DB           *DBGrowth      `json:"db,omitempty"`
}

// newCycle fills in what a process's usage says.
func newCycle(tool, setting, kind string, pages, changed int, u Usage) Cycle {
	c := Cycle{Tool: tool, Setting: setting, Kind: kind, Pages: pages, PagesChanged: changed,
		WallS: u.Wall.Seconds(), UserS: u.User.Seconds(), SysS: u.Sys.Seconds(), CPUS: u.CPU().Seconds(),
		MaxRSSMiB: float64(u.MaxRSSKB) / 1024}
	if c.WallS > 0 {
		c.PagesPerS = float64(pages) / c.WallS
	}
	if pages > 0 {
		c.CPUPer1000 = c.CPUS / float64(pages) * 1000
	}
	return c
}

// summarize returns the p50, p99 and maximum of ms.
func summarize(ms []float64) Dist {
	if len(ms) == 0 {
		return Dist{}
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	return Dist{N: len(s), P50: percentile(s, 50), P99: percentile(s, 99), Max: s[len(s)-1]}
}

// percentile returns the nearest-rank percentile p of sorted values.
func percentile(sorted []float64, p float64) float64 {
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

// Ratio compares two figures: the median over the rounds, and each round's.
type Ratio struct {
	Name     string    `json:"name"`
	Value    float64   `json:"value"`
	PerRound []float64 `json:"per_round,omitempty"`
	Note     string    `json:"note"`
}

// median returns the median of v (0 when empty).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measured returns the measured cycles of tool with setting, by round.
func measured(r *Report, tool, setting string) map[int]*Cycle {
	out := map[int]*Cycle{}
	for i := range r.Cycles {
		if c := &r.Cycles[i]; c.Tool == tool && c.Kind == CycleMeasured && (setting == "" || c.Setting == setting) {
			out[c.Round] = c
		}
	}
	return out
}

// ratios computes the comparisons the issue asks for, round by round: the
// tools compared ran their measured cycles minutes apart at most.
func ratios(r *Report) []Ratio {
	var out []Ratio
	var settings []string
	var main, cmpSetting string // the first row of this build; the comparison build's row
	for _, c := range r.Cycles {
		if c.Tool == "redline" && c.Kind == CycleMeasured && !slices.Contains(settings, c.Setting) {
			settings = append(settings, c.Setting)
			switch {
			case c.Compare && cmpSetting == "":
				cmpSetting = c.Setting
			case !c.Compare && main == "":
				main = c.Setting
			}
		}
	}
	uw := measured(r, "urlwatch", "")
	// rounds applies f to each round's cycles of a and b, where both ran.
	rounds := func(a, b map[int]*Cycle, f func(a, b *Cycle) float64) []float64 {
		var v []float64
		for k := 1; k <= len(a); k++ {
			if x, y := a[k], b[k]; x != nil && y != nil {
				v = append(v, f(x, y))
			}
		}
		return v
	}
	for _, s := range settings {
		rl := measured(r, "redline", s)
		if s == main && cmpSetting != "" {
			// This build's first row against the comparison build.
			cmp := measured(r, "redline", cmpSetting)
			wall := rounds(rl, cmp, func(red, c *Cycle) float64 { return red.WallS / c.WallS })
			cpu := rounds(rl, cmp, func(red, c *Cycle) float64 { return red.CPUPer1000 / c.CPUPer1000 })
			out = append(out,
				Ratio{"redline wall / comparison build's wall (" + s + ")", median(wall), wall, "< 1: this build is faster"},
				Ratio{"redline CPU per 1000 checks / comparison build's (" + s + ")", median(cpu), cpu, "< 1: this build uses less CPU"})
		}
		if len(uw) > 0 {
			wall := rounds(rl, uw, func(red, u *Cycle) float64 { return u.WallS / red.WallS })
			cpu := rounds(rl, uw, func(red, u *Cycle) float64 { return red.CPUPer1000 / u.CPUPer1000 })
			out = append(out,
				Ratio{"urlwatch wall / redline wall (" + s + ")", median(wall), wall, "≥ 3 is the goal (cycle 3x faster)"},
				Ratio{"redline CPU per 1000 checks / urlwatch (" + s + ")", median(cpu), cpu, "< 1 is the goal (less CPU per check)"})
		}
		if r.Wrk != nil && r.Wrk.RequestsPerS > 0 {
			var pps []float64
			for _, c := range rl {
				pps = append(pps, c.PagesPerS/r.Wrk.RequestsPerS)
			}
			out = append(out, Ratio{"redline pages/s / wrk requests/s (" + s + ")", median(pps), nil, "share of the loopback ceiling (median of the rounds)"})
		}
	}
	if r.Wrk != nil && r.Wrk.RequestsPerS > 0 && len(uw) > 0 {
		var pps []float64
		for _, c := range uw {
			pps = append(pps, c.PagesPerS/r.Wrk.RequestsPerS)
		}
		out = append(out, Ratio{"urlwatch pages/s / wrk requests/s", median(pps), nil, "median of the rounds"})
	}
	return out
}

// machineInfo describes this machine and the tools' versions.
func machineInfo(ctx context.Context) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb int
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				m.MemoryGB = int(math.Round(float64(kb) / (1 << 20)))
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	first := func(s string) string { l, _, _ := strings.Cut(strings.TrimSpace(s), "\n"); return l }
	if out, err := output(ctx, "", "urlwatch", "--version"); err == nil {
		m.Urlwatch = first(out)
	}
	if out, _ := output(ctx, "", "wrk", "--version"); out != "" { // wrk exits 1 after printing its version
		m.Wrk = first(out)
	}
	if out, err := output(ctx, "", "/usr/bin/python3", "--version"); err == nil {
		m.Python = first(out)
	}
	return m
}

func settingsOf(c Config) Settings {
	return Settings{Pages: c.Pages, Hosts: c.Hosts, Change: c.Change, Seed: c.Seed, DelayMS: float64(c.Delay.Microseconds()) / 1000,
		Concurrency: c.Concurrency, Rounds: c.Rounds, WrkDuration: c.WrkDuration.String(), WrkThreads: c.WrkThreads, WrkConns: c.WrkConns,
		LatencyPages: c.LatencyPages, LatencyEvery: c.LatencyEvery.String(), RedlineEnv: c.RedlineEnv}
}

func siteInfo(s *bench.Site) SiteInfo {
	info := SiteInfo{Pages: s.Len(), Hosts: s.Hosts(), MinPageKB: math.Inf(1), PagesPerHost: (s.Len() + s.Hosts() - 1) / s.Hosts()}
	total := 0.0
	for i := range s.Len() {
		kb := float64(len(s.Body(i))) / 1024
		info.MinPageKB = min(info.MinPageKB, kb)
		info.MaxPageKB = max(info.MaxPageKB, kb)
		total += kb
	}
	info.MeanPageKB = total / float64(s.Len())
	return info
}

// WriteMarkdown renders the report as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "### Machine\n\n| nproc | CPU | memory | kernel | Go | urlwatch | wrk | Python | RSS floor | redline commit |\n|---|---|---|---|---|---|---|---|---|---|\n| %d | %s | %d GB | %s | %s | %s | %s | %s | %.1f MiB | %s |\n\n",
		m.CPUs, m.CPU, m.MemoryGB, m.Kernel, m.Go, dash(m.Urlwatch), dash(m.Wrk), dash(m.Python), m.RSSFloorMiB, dash(m.Commit))
	s, st := r.Settings, r.Site
	env := ""
	if len(s.RedlineEnv) > 0 {
		env = ", environment " + strings.Join(s.RedlineEnv, " ")
	}
	fmt.Fprintf(&b, "Site: %d pages on %d hosts (127.0.0.2...; %d pages per host), %.0f–%.0f KB, mean %.0f KB; %.0f%% of pages change words between cycles; seed %d; %d rounds of measured cycles. redline: crawler.concurrency %d, select: main%s.\n\n",
		st.Pages, st.Hosts, st.PagesPerHost, st.MinPageKB, st.MaxPageKB, st.MeanPageKB, s.Change*100, s.Seed, s.Rounds, s.Concurrency, env)

	b.WriteString("### Cycles\n\n| tool | setting | cycle | wall s | pages/s | CPU s (user+sys) | CPU s / 1000 checks | peak RSS MiB | site CPU s | steal % | requests | 304 | changes found / made | fetch p50 / p99 ms | check p50 / p99 ms | DB bytes / capture (file; in use) |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range r.Cycles {
		fetch, check, db := "–", "–", "–"
		if c.Fetch.N > 0 {
			fetch = fmt.Sprintf("%.0f / %.0f", c.Fetch.P50, c.Fetch.P99)
		}
		if c.Check.N > 0 {
			check = fmt.Sprintf("%.0f / %.0f", c.Check.P50, c.Check.P99)
		}
		if c.DB != nil && c.DB.Captures > 0 {
			db = fmt.Sprintf("%.0f; %.0f", c.DB.FilePerCapture, c.DB.UsedPerCapture)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f | %.0f | %.1f (%.1f+%.1f) | %.2f | %.0f | %.1f | %.1f | %d | %d | %d / %d | %s | %s | %s |\n",
			c.Tool, c.Setting, cycleLabel(c), c.WallS, c.PagesPerS, c.CPUS, c.UserS, c.SysS, c.CPUPer1000, c.MaxRSSMiB, c.SiteCPUS, c.StealPct,
			c.Requests, c.NotModified, c.ChangesFound, c.PagesChanged, fetch, check, db)
	}
	b.WriteString("\n")

	b.WriteString("### Database growth per capture (redline)\n\nBytes of pages added per capture, by part of the schema (SQLite's dbstat), and the average size of the values in the new capture rows.\n\n")
	groups := []string{"captures rows", "captures indexes", "blobs", "changes, alerts", "targets", "other"}
	b.WriteString("| setting | cycle | outcomes | file B | in use B | " + strings.Join(groups, " | ") + " | row: header JSON | row: URLs | row: hashes (hex) | row: other text |\n|---|---|---|--:|--:|" +
		strings.Repeat("--:|", len(groups)+4) + "\n")
	for _, c := range r.Cycles {
		if c.Tool != "redline" || c.DB == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.0f |", c.Setting, c.Kind, outcomes(c.Outcomes), c.DB.FilePerCapture, c.DB.UsedPerCapture)
		for _, g := range groups {
			fmt.Fprintf(&b, " %.0f |", c.DB.GroupPerRecord[g])
		}
		if a := c.DB.Rows; a != nil {
			fmt.Fprintf(&b, " %.0f | %.0f | %.0f | %.0f |", a.Header, a.URLs, a.Hashes, a.Other)
		} else {
			b.WriteString(" – | – | – | – |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	if d := r.Daemon; d != nil {
		fmt.Fprintf(&b, "### Daemon over every page (redline run)\n\n| setting | pages | baseline pass s | re-check pass s | re-check pages/s | requests | CPU s | CPU s / 1000 checks | peak RSS MiB |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n| %s | %d | %.1f | %.1f | %.0f | %d | %.1f | %.2f | %.0f |\n\n",
			d.Setting, d.Pages, d.BaselineS, d.RecheckS, d.PagesPerS, d.Requests, d.CPUS, d.CPUPer1000, d.MaxRSSMiB)
	}
	if wr := r.Wrk; wr != nil {
		fmt.Fprintf(&b, "### Loopback ceiling (wrk)\n\n`%s`\n\n| requests/s | transfer MiB/s | latency p50 / p99 ms | requests | site CPU s |\n|--:|--:|--:|--:|--:|\n| %.0f | %.1f | %.2f / %.2f | %d | %.1f |\n\n",
			wr.Command, wr.RequestsPerS, wr.TransferMiBs, wr.P50MS, wr.P99MS, wr.Requests, wr.SiteCPUS)
	}
	if l := r.Latency; l != nil {
		fmt.Fprintf(&b, "### Alert latency (redline run)\n\n%d pages, schedule `%s`, delay %s; a page's wording changes at T0, latency is the webhook's arrival - T0.\n\n| rounds | p50 s | max s | samples s | daemon CPU s | daemon peak RSS MiB |\n|--:|--:|--:|---|--:|--:|\n| %d | %.2f | %.2f | %s | %.1f | %.0f |\n\n",
			l.Pages, l.Schedule, l.Delay, len(l.SamplesS), l.P50S, l.MaxS, floats(l.SamplesS), l.CPUS, l.MaxRSSMiB)
	}
	if len(r.Ratios) > 0 {
		b.WriteString("### Ratios\n\nMedian over the rounds, and each round's value (a round runs every tool's measured cycle one after the other).\n\n| ratio | median | rounds | note |\n|---|--:|---|---|\n")
		for _, x := range r.Ratios {
			per := make([]string, len(x.PerRound))
			for i, v := range x.PerRound {
				per[i] = fmt.Sprintf("%.3g", v)
			}
			fmt.Fprintf(&b, "| %s | %.3g | %s | %s |\n", x.Name, x.Value, strings.Join(per, ", "), x.Note)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cycleLabel names a cycle in the tables: its kind, and its round.
func cycleLabel(c Cycle) string {
	if c.Round > 0 {
		return fmt.Sprintf("%s #%d", c.Kind, c.Round)
	}
	return c.Kind
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func outcomes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func floats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}
