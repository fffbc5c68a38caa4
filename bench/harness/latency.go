package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// Latency is how long the daemon takes from a page's wording changing to
// the webhook arriving.
type Latency struct {
	Pages     int       `json:"pages"`
	Schedule  string    `json:"schedule"`
	Delay     string    `json:"delay"`
	SamplesS  []float64 `json:"samples_s"`
	P50S      float64   `json:"p50_s"`
	MaxS      float64   `json:"max_s"`
	CPUS      float64   `json:"daemon_cpu_s"`
	MaxRSSMiB float64   `json:"daemon_max_rss_mib"`
}

// alertSeen is one page.changed webhook received.
type alertSeen struct {
	target string
	at     time.Time
}

// latency starts "redline run" on the first LatencyPages pages with a
// short schedule and a local webhook receiver, changes one page at a time
// and times the webhook. The site's stamps move every second meanwhile, as
// on a real site.
func (h *harness) latency(ctx context.Context) (*Latency, error) {
	dir, err := h.freshDir("latency")
	if err != nil {
		return nil, err
	}
	n := min(h.cfg.LatencyPages, h.site.Len())
	pages := make([]int, n)
	for i := range pages {
		pages[i] = i
	}

	alerts := make(chan alertSeen, 1024)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	recv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var p struct {
			Type   string `json:"type"`
			Target struct {
				Name string `json:"name"`
			} `json:"target"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if p.Type == "page.changed" {
			select {
			case alerts <- alertSeen{p.Target.Name, at}:
			default:
			}
		}
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = recv.Serve(ln) }()
	defer recv.Close()

	schedule := fmt.Sprintf("@every %s", h.cfg.LatencyEvery)
	conf := filepath.Join(dir, "redline.yaml")
	yaml := h.redlineConfig(filepath.Join(dir, "redline.db"), h.cfg.Delay, schedule, pages,
		"http://"+ln.Addr().String()+"/hook", "127.0.0.1:0")
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "run.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	usageFile := filepath.Join(dir, "usage.json")
	cmd := wrapCommand(ctx, h.self, usageFile, h.redline, []string{"run", "--config", conf})
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.Env = append(cmd.Env, h.cfg.RedlineEnv...)
	h.logf("latency: redline run on %d pages, schedule %q", n, schedule)
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
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			return <-done
		}
	}
	defer stop()

	// Noise: the stamps move every second.
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

	// Wait for the baseline and one re-check of every page.
	deadline := time.Now().Add(2*time.Minute + 4*h.cfg.LatencyEvery)
	hits0 := make([]int64, n)
	for i, p := range pages {
		hits0[i] = h.site.Hits(p)
	}
	for {
		ready := true
		for i, p := range pages {
			if h.site.Hits(p)-hits0[i] < 2 {
				ready = false
				break
			}
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			return nil, errors.New("latency: the daemon did not check every page twice within the time allowed (see latency/run.log)")
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
	for len(alerts) > 0 {
		<-alerts
	}

	l := &Latency{Pages: n, Schedule: schedule, Delay: h.cfg.Delay.String()}
	for k := range h.cfg.LatencyRounds {
		p := pages[(k*37+11)%n]
		name := h.site.Name(p)
		t0 := time.Now()
		h.site.Change(p)
		timeout := time.After(time.Minute + 4*h.cfg.LatencyEvery)
	wait:
		for {
			select {
			case a := <-alerts:
				if a.target == name {
					l.SamplesS = append(l.SamplesS, a.at.Sub(t0).Seconds())
					break wait
				}
			case <-timeout:
				return nil, fmt.Errorf("latency: no page.changed webhook for %s within the time allowed (see latency/run.log)", name)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		h.logf("latency: round %d: %s alerted after %.2fs", k+1, name, l.SamplesS[len(l.SamplesS)-1])
		// Start the next round at another phase of the schedule.
		if err := sleepCtx(ctx, time.Duration(k*7%10)*h.cfg.LatencyEvery/10); err != nil {
			return nil, err
		}
	}
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
	l.CPUS, l.MaxRSSMiB = w.usage().CPU().Seconds(), float64(w.MaxRSSKB)/1024
	s := slices.Clone(l.SamplesS)
	slices.Sort(s)
	l.P50S, l.MaxS = percentile(s, 50), s[len(s)-1]
	return l, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
