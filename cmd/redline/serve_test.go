package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer that a command's goroutines may write while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// setListen replaces the listen address of the harness's configuration.
func (h *harness) setListen(addr string) {
	h.t.Helper()
	b, err := os.ReadFile(h.config)
	if err != nil {
		h.t.Fatal(err)
	}
	b = regexp.MustCompile(`(?m)^listen: .*$`).ReplaceAll(b, []byte("listen: "+addr))
	if err := os.WriteFile(h.config, b, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// start runs a long-running redline command in-process and returns the
// address its HTTP server logged, and a function that stops the command and
// returns its exit code and log.
func (h *harness) start(args ...string) (string, func() (int, string)) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	lookup := func(k string) (string, bool) {
		if k == "E2E_SECRET" {
			return testSecret, true
		}
		return "", false
	}
	e := env{stdout: &out, stderr: &errb, getenv: func(k string) string { v, _ := lookup(k); return v }, lookupEnv: lookup}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append(args[:1:1], append([]string{"--config", h.config}, args[1:]...)...), e)
	}()
	stop := func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, errb.String()
		case <-time.After(20 * time.Second):
			h.t.Fatalf("%s did not stop; log:\n%s", args[0], errb.String())
		}
		return 0, ""
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(errb.String()); m != nil {
			return m[1], stop
		}
		select {
		case code := <-done:
			h.t.Fatalf("%s exited %d before serving; log:\n%s", args[0], code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	h.t.Fatalf("%s logged no address; log:\n%s", args[0], errb.String())
	return "", nil
}

// getTargets GETs /api/v1/targets from a server and returns the targets'
// names and last outcomes.
func getTargets(t *testing.T, addr string) map[string]string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/targets")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/targets: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var got struct {
		Targets []struct {
			Name        string `json:"name"`
			LastOutcome string `json:"last_outcome"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	out := map[string]string{}
	for _, tg := range got.Targets {
		out[tg.Name] = tg.LastOutcome
	}
	return out
}

func TestServe(t *testing.T) {
	h := newHarness(t)
	h.check()
	h.setListen("127.0.0.1:0")

	addr, stop := h.start("serve")
	if got := getTargets(t, addr); got["policy"] != "baseline" {
		t.Errorf("targets: %v", got)
	}
	// The capture is a memento of the policy page.
	resp, err := http.Get("http://" + addr + "/timemap/link/" + h.siteURL + "/policy")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/link-format" {
		t.Errorf("timemap: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	code, log := stop()
	if code != exitOK || !strings.Contains(log, "http server stopped") {
		t.Fatalf("serve exited %d; log:\n%s", code, log)
	}
	if n := h.site.Hits("/policy"); n != 1 {
		t.Errorf("serve fetched the page (%d fetches in all)", n)
	}

	// --listen overrides the configuration.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	addr, stop = h.start("serve", "--listen", free)
	if addr != free {
		t.Errorf("served on %s, want %s", addr, free)
	}
	getTargets(t, addr)
	if code, log := stop(); code != exitOK {
		t.Fatalf("serve exited %d; log:\n%s", code, log)
	}
}

// TestRunServes: "redline run" serves the API while it checks.
func TestRunServes(t *testing.T) {
	h := newHarness(t)
	h.setListen("127.0.0.1:0")
	addr, stop := h.start("run")
	deadline := time.Now().Add(20 * time.Second)
	for getTargets(t, addr)["policy"] != "baseline" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := getTargets(t, addr); got["policy"] != "baseline" {
		t.Errorf("targets while running: %v", got)
	}
	code, log := stop()
	if code != exitOK || !strings.Contains(log, "http server stopped") || !strings.Contains(log, "redline stopped") {
		t.Fatalf("run exited %d; log:\n%s", code, log)
	}
}

// TestRunFailsWhenAddressTaken: run fails at start, checking nothing, when
// it cannot listen.
func TestRunFailsWhenAddressTaken(t *testing.T) {
	h := newHarness(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h.setListen(ln.Addr().String())
	_, errs, code := h.run("run")
	if code != exitFail || !strings.Contains(errs, "listen on "+ln.Addr().String()) {
		t.Fatalf("run exited %d; stderr:\n%s", code, errs)
	}
	if n := h.site.Hits("/policy"); n != 0 {
		t.Errorf("run checked the page (%d fetches) although it could not listen", n)
	}
	_, errs, code = h.run("serve")
	if code != exitFail || !strings.Contains(errs, "listen on "+ln.Addr().String()) {
		t.Fatalf("serve exited %d; stderr:\n%s", code, errs)
	}
}
