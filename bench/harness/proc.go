package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Usage is what one finished process used, as the kernel accounted it.
type Usage struct {
	Wall     time.Duration `json:"-"`
	User     time.Duration `json:"-"`
	Sys      time.Duration `json:"-"`
	MaxRSSKB int64         `json:"max_rss_kib"`
}

// CPU is user plus system time.
func (u Usage) CPU() time.Duration { return u.User + u.Sys }

// proc describes one process to run.
type proc struct {
	name    string
	args    []string
	dir     string
	env     []string // added to the harness's environment
	stdout  string   // file for standard output; "" discards it
	stderr  string   // file for standard error; "" keeps the last lines for errors only
	wrapper string   // when set, the executable that runs the process as a wrapper (see WrapperMain)
}

// run runs p to completion and reports its usage. A non-zero exit status is
// an error that quotes the end of its standard error. Under a wrapper the
// usage is the wrapper's account of its child.
func run(ctx context.Context, p proc) (Usage, error) {
	var cmd *exec.Cmd
	var usageFile string
	if p.wrapper != "" {
		f, err := os.CreateTemp("", "redline-bench-usage-*.json")
		if err != nil {
			return Usage{}, err
		}
		usageFile = f.Name()
		f.Close()
		defer os.Remove(usageFile)
		cmd = wrapCommand(ctx, p.wrapper, usageFile, p.name, p.args)
	} else {
		cmd = exec.CommandContext(ctx, p.name, p.args...)
		cmd.Env = os.Environ()
	}
	cmd.Dir = p.dir
	cmd.Env = append(cmd.Env, p.env...)
	var tail tailBuffer
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if p.stdout != "" {
		f, err := os.Create(p.stdout)
		if err != nil {
			return Usage{}, err
		}
		files = append(files, f)
		cmd.Stdout = f
	}
	cmd.Stderr = &tail
	if p.stderr != "" {
		f, err := os.Create(p.stderr)
		if err != nil {
			return Usage{}, err
		}
		files = append(files, f)
		cmd.Stderr = io.MultiWriter(f, &tail)
	}
	start := time.Now()
	err := cmd.Run()
	u := Usage{Wall: time.Since(start)}
	if ps := cmd.ProcessState; ps != nil && p.wrapper == "" {
		u.User, u.Sys, u.MaxRSSKB = ps.UserTime(), ps.SystemTime(), maxRSSKB(ps)
	}
	if err != nil {
		return u, fmt.Errorf("%s %s: %w\n%s", p.name, strings.Join(p.args, " "), err, tail.String())
	}
	if p.wrapper != "" {
		w, err := readWrapped(usageFile)
		if err != nil {
			return u, err
		}
		u = w.usage()
	}
	return u, nil
}

// output runs a short command and returns its standard output.
func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// tailBuffer keeps the last 4 KB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// cpuTimes returns the machine's steal and total CPU time so far, in clock
// ticks, from /proc/stat (zeros where it does not exist): on a virtual
// machine, steal is time the hypervisor gave another guest.
func cpuTimes() (steal, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, f := range fields[1:] {
		var v uint64
		if _, err := fmt.Sscan(f, &v); err != nil {
			return 0, 0
		}
		total += v
		if i == 7 {
			steal = v
		}
	}
	return steal, total
}

// stealPct is the share of CPU time stolen between two cpuTimes readings.
func stealPct(s0, t0, s1, t1 uint64) float64 {
	if t1 <= t0 {
		return 0
	}
	return float64(s1-s0) / float64(t1-t0) * 100
}
