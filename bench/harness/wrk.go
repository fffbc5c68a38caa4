package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Wrk is the loopback ceiling: how fast the site's pages can be fetched at
// all on this machine, by a C load generator that only reads them.
type Wrk struct {
	Command      string  `json:"command"`
	RequestsPerS float64 `json:"requests_per_s"`
	TransferMiBs float64 `json:"transfer_mib_per_s"`
	P50MS        float64 `json:"latency_p50_ms"`
	P99MS        float64 `json:"latency_p99_ms"`
	Requests     int64   `json:"requests"` // as the site counted them
	SiteCPUS     float64 `json:"site_cpu_s"`
}

// wrk runs wrk against host 0 with a Lua script cycling through that
// host's pages (wrk 4 connects to one address; every host runs the same
// handler, so one host measures the site).
func (h *harness) wrk(ctx context.Context) (*Wrk, error) {
	dir, err := h.freshDir("wrk")
	if err != nil {
		return nil, err
	}
	var lua strings.Builder
	lua.WriteString("-- written by redline-bench: cycle through the pages of one host\npaths = {\n")
	for _, i := range h.site.HostPages(0) {
		fmt.Fprintf(&lua, "  %q,\n", h.site.Path(i))
	}
	lua.WriteString("}\nlocal n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(\"GET\", paths[(n % #paths) + 1])\nend\n")
	script := filepath.Join(dir, "pages.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o644); err != nil {
		return nil, err
	}
	args := []string{fmt.Sprintf("-t%d", h.cfg.WrkThreads), fmt.Sprintf("-c%d", h.cfg.WrkConns),
		fmt.Sprintf("-d%ds", int(h.cfg.WrkDuration/time.Second)), "--latency", "-s", script, h.site.HostURL(0) + "/"}
	h.logf("wrk %s", strings.Join(args, " "))
	stats0, cpu0 := h.site.Stats(), selfCPU()
	out := filepath.Join(dir, "wrk.out")
	if _, err := run(ctx, proc{name: "wrk", args: args, dir: dir, stdout: out}); err != nil {
		return nil, err
	}
	stats1, cpu1 := h.site.Stats(), selfCPU()
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	w, err := parseWrk(string(b))
	if err != nil {
		return nil, err
	}
	w.Command = "wrk " + strings.Join(args[:len(args)-2], " ") + " pages.lua " + h.site.HostURL(0) + "/"
	w.Requests = stats1.Requests - stats0.Requests
	w.SiteCPUS = (cpu1 - cpu0).Seconds()
	h.logf("wrk: %.0f requests/s, %.1f MiB/s", w.RequestsPerS, w.TransferMiBs)
	return w, nil
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkTransfer = regexp.MustCompile(`Transfer/sec:\s+([\d.]+)([KMG]?B)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$`)
)

// parseWrk reads the figures of wrk's report.
func parseWrk(out string) (*Wrk, error) {
	w := &Wrk{}
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("wrk: no Requests/sec in its output:\n%s", out)
	}
	w.RequestsPerS, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkTransfer.FindStringSubmatch(out); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		w.TransferMiBs = v * map[string]float64{"B": 1.0 / (1 << 20), "KB": 1.0 / (1 << 10), "MB": 1, "GB": 1 << 10}[m[2]] // wrk counts in powers of 1024
	}
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		v *= map[string]float64{"us": 1e-3, "ms": 1, "s": 1e3}[m[3]]
		if m[1] == "50" {
			w.P50MS = v
		} else {
			w.P99MS = v
		}
	}
	return w, nil
}
