package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Daemon is "redline run" over every page of the site: a baseline pass,
// then a pass re-checking every page after the site moved on one cycle,
// with the date stamps moving every second meanwhile.
type Daemon struct {
	Setting    string  `json:"setting"`
	Pages      int     `json:"pages"`
	BaselineS  float64 `json:"baseline_pass_s"` // start to every page checked once
	RecheckS   float64 `json:"recheck_pass_s"`  // then to every page checked twice
	PagesPerS  float64 `json:"recheck_pages_per_s"`
	Requests   int64   `json:"requests"` // page requests the site served during the run
	CPUS       float64 `json:"cpu_s"`    // the daemon's, over the whole run
	CPUPer1000 float64 `json:"cpu_s_per_1000_checks"`
	MaxRSSMiB  float64 `json:"max_rss_mib"`
}

// daemon measures "redline run" on all pages; the schedule is "@every 1s",
// so the daemon re-checks pages as fast as it can.
func (h *harness) daemon(ctx context.Context) (*Daemon, error) {
	dir, err := h.freshDir("daemon")
	if err != nil {
		return nil, err
	}
	n := h.site.Len()
	pages := make([]int, n)
	for i := range pages {
		pages[i] = i
	}
	conf := filepath.Join(dir, "redline.yaml")
	yaml := h.redlineConfig(filepath.Join(dir, "redline.db"), h.cfg.Delay, "@every 1s", pages, "", "127.0.0.1:0")
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "run.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	d := &Daemon{Setting: fmt.Sprintf("run, @every 1s, delay %v, concurrency %d", h.cfg.Delay, h.cfg.Concurrency), Pages: n}
	hits0 := make([]int64, n)
	for i := range pages {
		hits0[i] = h.site.Hits(i)
	}
	stats0 := h.site.Stats()
	usageFile := filepath.Join(dir, "usage.json")
	cmd := wrapCommand(ctx, h.self, usageFile, h.redline, []string{"run", "--config", conf})
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.Env = append(cmd.Env, h.cfg.RedlineEnv...)
	h.logf("daemon: redline run on %d pages until each is checked twice", n)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	waited := false
	stop := func() error {
		if waited {
			return nil
		}
		waited = true
		_ = cmd.Process.Signal(os.Interrupt)
		return cmd.Wait()
	}
	defer stop()

	noiseCtx, cancelNoise := context.WithCancel(ctx)
	defer cancelNoise()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-noiseCtx.Done():
				return
			case <-t.C:
				h.site.Touch()
			}
		}
	}()
	// A pass is over when every page got one more request; a pass may
	// take as long as a cycle of "redline check" with a 1s delay per host.
	limit := time.Duration(n/h.site.Hosts()+1)*(h.cfg.Delay+time.Second) + 10*time.Minute
	waitPass := func(k int64) error {
		deadline := time.Now().Add(limit)
		for i := 0; i < n; {
			if h.site.Hits(i)-hits0[i] >= k {
				i++
				continue
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("daemon: page %d not checked %d times within %v (see daemon/run.log)", i, k, limit)
			}
			if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	}
	if err := waitPass(1); err != nil {
		return nil, err
	}
	d.BaselineS = time.Since(start).Seconds()
	h.site.Advance(h.cfg.Change)
	mid := time.Now()
	if err := waitPass(2); err != nil {
		return nil, err
	}
	d.RecheckS = time.Since(mid).Seconds()
	d.PagesPerS = float64(n) / d.RecheckS
	cancelNoise()
	if err := stop(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return nil, err
		}
	}
	w, err := readWrapped(usageFile)
	if err != nil {
		return nil, err
	}
	d.Requests = h.site.Stats().Requests - stats0.Requests
	d.CPUS, d.MaxRSSMiB = w.usage().CPU().Seconds(), float64(w.MaxRSSKB)/1024
	if d.Requests > 0 {
		d.CPUPer1000 = d.CPUS / float64(d.Requests) * 1000
	}
	h.logf("daemon: baseline pass %.1fs, re-check pass %.1fs, %.1f CPU s, %.0f MiB peak", d.BaselineS, d.RecheckS, d.CPUS, d.MaxRSSMiB)
	return d, nil
}
