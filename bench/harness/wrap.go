package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Why a wrapper: on Linux a child's ru_maxrss is not its own peak alone.
// When a process execs, the kernel folds the high-water RSS of the memory it
// leaves into the process's maxrss; a child that Go starts (clone with
// CLONE_VM|CLONE_VFORK) leaves its parent's memory, so every tool the
// harness started directly reported at least the harness's own peak (the
// site's pages: hundreds of MB). The harness therefore starts each tool
// through a fresh copy of its own executable, small when it execs, which
// starts the tool, waits for it and writes the tool's rusage to a file. Its
// own footprint (WrapperFloorKB) is the floor of every peak RSS reported.

// wrapEnv names the file a wrapper writes its child's usage to; its presence
// makes a process a wrapper.
const wrapEnv = "REDLINE_BENCH_USAGE_FILE"

// wrapped is what a wrapper writes.
type wrapped struct {
	WallNS   int64  `json:"wall_ns"`
	UserNS   int64  `json:"user_ns"`
	SysNS    int64  `json:"sys_ns"`
	MaxRSSKB int64  `json:"max_rss_kib"`
	Exit     int    `json:"exit"`
	Error    string `json:"error,omitempty"`
}

// WrapperMain must be called first thing in the main function of a program
// that calls Run. In a process the harness started as a wrapper it runs the
// command in its arguments, writes its usage and returns the exit code to
// exit with and true; elsewhere it returns false at once.
func WrapperMain() (int, bool) {
	file := os.Getenv(wrapEnv)
	if file == "" {
		return 0, false
	}
	w := wrapped{Exit: 1}
	if len(os.Args) < 2 {
		w.Error = "wrapper: no command"
	} else {
		w = wrapRun(os.Args[1], os.Args[2:])
	}
	b, _ := json.Marshal(w)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "redline-bench wrapper:", err)
		return 1, true
	}
	return w.Exit, true
}

// wrapRun runs one command with the wrapper's standard streams, passing on
// interrupts, and reports its usage.
func wrapRun(name string, args []string) wrapped {
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, wrapEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return wrapped{Exit: 127, Error: err.Error()}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
wait:
	for {
		select {
		case s := <-sig:
			_ = cmd.Process.Signal(s)
		case err = <-done:
			break wait
		}
	}
	w := wrapped{WallNS: time.Since(start).Nanoseconds()}
	if ps := cmd.ProcessState; ps != nil {
		w.UserNS, w.SysNS, w.MaxRSSKB = ps.UserTime().Nanoseconds(), ps.SystemTime().Nanoseconds(), maxRSSKB(ps)
		w.Exit = ps.ExitCode()
		if w.Exit < 0 {
			w.Exit = 1 // killed by a signal
		}
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		w.Error = err.Error()
	}
	return w
}

// wrapCommand returns the command that runs name args under the wrapper
// self, which writes the usage to file. When ctx ends the wrapper is
// interrupted (it passes the signal on), then killed 10 seconds later.
func wrapCommand(ctx context.Context, self, file, name string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, self, append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), wrapEnv+"="+file)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// readWrapped reads what a wrapper wrote.
func readWrapped(file string) (wrapped, error) {
	var w wrapped
	b, err := os.ReadFile(file)
	if err != nil {
		return w, fmt.Errorf("usage of a wrapped process: %w", err)
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return w, fmt.Errorf("usage of a wrapped process: %w", err)
	}
	if w.Error != "" {
		return w, errors.New(w.Error)
	}
	return w, nil
}

// usage converts what a wrapper measured.
func (w wrapped) usage() Usage {
	return Usage{Wall: time.Duration(w.WallNS), User: time.Duration(w.UserNS), Sys: time.Duration(w.SysNS), MaxRSSKB: w.MaxRSSKB}
}
