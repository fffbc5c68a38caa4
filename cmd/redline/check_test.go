package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/config"
	"redline/monitor"
)

// TestCheckLinesByName adds results in the order checks finished: the
// table lists them by target name, and counts the one that failed.
func TestCheckLinesByName(t *testing.T) {
	var l checkLines
	for _, name := range []string{"zoning", "alpha", "memo"} {
		r := monitor.Result{Target: redline.Target{Name: name}}
		r.Capture.Outcome = redline.OutcomeUnchanged
		if name == "memo" {
			r.Err = errors.New("disk full")
		}
		l.add(r)
	}
	var b bytes.Buffer
	l.print(&b)
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		names = append(names, strings.Fields(line)[0])
	}
	if strings.Join(names, " ") != "alpha memo zoning" || l.failed != 1 || !strings.Contains(b.String(), "failed") {
		t.Errorf("lines %q (failed %d), want alpha, memo (failed), zoning", b.String(), l.failed)
	}
}

// TestProfilesWritten writes the CPU and heap profiles that
// REDLINE_CPUPROFILE and REDLINE_MEMPROFILE name: pprof's gzip-compressed
// format, nothing when unset, and an error naming the variable when the
// file cannot be made.
func TestProfilesWritten(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	stop, err := startCPUProfile(cpu)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := writeHeapProfile(mem); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, %v; want a gzip-compressed profile", p, len(b), err)
		}
	}
	stop, err = startCPUProfile("")
	if err != nil || stop() != nil || writeHeapProfile("") != nil {
		t.Errorf("unset variables: want no profile and no error")
	}
	missing := filepath.Join(dir, "no-such-dir", "x.pprof")
	if _, err := startCPUProfile(missing); err == nil || !strings.Contains(err.Error(), "REDLINE_CPUPROFILE") {
		t.Errorf("CPU profile into a missing directory: err %v, want one naming REDLINE_CPUPROFILE", err)
	}
	if err := writeHeapProfile(missing); err == nil || !strings.Contains(err.Error(), "REDLINE_MEMPROFILE") {
		t.Errorf("heap profile into a missing directory: err %v, want one naming REDLINE_MEMPROFILE", err)
	}
}

// TestCheckFetchesRobotsWhileSyncing holds the store's write lock, so that
// "redline check" waits to bring the targets up to date: the robots.txt of
// the hosts it is to check is asked for meanwhile, not after, and the check
// goes on once the lock is let go. With names, only their hosts are asked;
// with --due, none is asked ahead.
func TestCheckFetchesRobotsWhileSyncing(t *testing.T) {
	site := func(robots chan struct{}) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				robots <- struct{}{}
				fmt.Fprint(w, "User-agent: *\nAllow: /\n")
				return
			}
			fmt.Fprint(w, "<html><body><main><p>Officers shall decline civil detainers.</p></main></body></html>")
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	robotsA, robotsB := make(chan struct{}, 8), make(chan struct{}, 8)
	a, b := site(robotsA), site(robotsB)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "redline.yaml")
	if err := os.WriteFile(cfg, []byte(`storage: sqlite:redline.db
user_agent: "redline-test/1.0 (+mailto:test@example.org)"
crawler:
  delay: 10ms
targets:
  - name: policy
    url: `+a.URL+`/policy
  - name: memo
    url: `+b.URL+`/memo
`), 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		out  string
	}
	run := func(args ...string) result {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"check", "--config", cfg}, args...), emptyEnv(&out, &errb))
		return result{code, out.String() + errb.String()}
	}
	if r := run(); r.code != 0 {
		t.Fatalf("first check exited %d: %s", r.code, r.out)
	}
	<-robotsA
	<-robotsB

	db, err := sql.Open("sqlite", filepath.Join(dir, "redline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// locked runs check with args while the test holds the write lock,
	// and reports whether robots.txt of host A was asked for within wait.
	locked := func(wait time.Duration, args ...string) (bool, result) {
		if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		done := make(chan result, 1)
		go func() { done <- run(args...) }()
		asked := false
		select {
		case <-robotsA:
			asked = true
		case <-time.After(wait):
		}
		if _, err := conn.ExecContext(t.Context(), "COMMIT"); err != nil {
			t.Fatal(err)
		}
		return asked, <-done
	}

	asked, r := locked(5*time.Second, "policy")
	if !asked {
		t.Error("robots.txt not asked for while the check waited for the store's lock")
	}
	if r.code != 0 || !strings.Contains(r.out, "policy") {
		t.Errorf("check policy exited %d: %s", r.code, r.out)
	}
	if n, m := len(robotsA), len(robotsB); n != 0 || m != 0 {
		t.Errorf("robots.txt asked for %d more times of the checked host and %d times of the other, want none", n, m)
	}

	asked, r = locked(500*time.Millisecond, "--due")
	if asked || len(robotsB) != 0 {
		t.Error("check --due asked for robots.txt ahead")
	}
	if r.code != 0 {
		t.Errorf("check --due exited %d: %s", r.code, r.out)
	}
}

// TestConfiguredByNameOrURL: the targets handed ahead to the fetcher are
// those the arguments name, by name or URL, or all without arguments.
func TestConfiguredByNameOrURL(t *testing.T) {
	a := &app{cfg: &config.Config{Targets: []redline.Target{
		{Name: "memo", URL: "https://a.example/memo"},
		{Name: "policy", URL: "https://b.example/policy"},
		{Name: "order", URL: "https://b.example/order"},
	}}}
	names := func(ts []redline.Target) string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "memo policy order"},
		{[]string{"order", "https://a.example/memo"}, "memo order"},
		{[]string{"missing"}, ""},
	} {
		if got := names(a.configured(tt.args)); got != tt.want {
			t.Errorf("configured(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
	if names(a.cfg.Targets) != "memo policy order" {
		t.Errorf("configured changed the configuration's targets: %q", names(a.cfg.Targets))
	}
}
