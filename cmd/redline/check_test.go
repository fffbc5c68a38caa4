package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"redline"
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
