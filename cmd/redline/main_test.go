package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redline/internal/testsite"
)

// emptyEnv is an environment with no variables set, writing to out and
// errb.
func emptyEnv(out, errb *bytes.Buffer) env {
	return env{stdout: out, stderr: errb, getenv: func(string) string { return "" },
		lookupEnv: func(string) (string, bool) { return "", false }}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("targets:\n  - name: a\n    url: https://example.org/a\n    schedule: \"every 6h\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no command", nil, exitUsage, "Usage"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"bad flag", []string{"check", "--nope"}, exitUsage, "flag provided but not defined"},
		{"missing config", []string{"check", "--config", filepath.Join(dir, "none.yaml")}, exitUsage, "none.yaml"},
		{"bad cron spec names file and line", []string{"check", "--config", bad}, exitUsage, "bad.yaml:4"},
		{"version", []string{"version"}, exitOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(context.Background(), c.args, emptyEnv(&out, &errb))
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, c.code, errb.String())
			}
			if !strings.Contains(errb.String(), c.inStderr) {
				t.Fatalf("stderr %q does not mention %q", errb.String(), c.inStderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "redline.db")); !os.IsNotExist(err) {
		t.Fatalf("a bad configuration created the database (err=%v)", err)
	}
}

func TestCheckUnknownTargetIsUsageError(t *testing.T) {
	h := newHarness(t)
	_, errs, code := h.run("check", "no-such-target")
	if code != exitUsage || !strings.Contains(errs, "no-such-target") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestDaemon runs "redline run" with a short schedule: it sends one alert
// for an edit, then stops cleanly when its context ends. A restart picks
// up the persisted schedule without checking everything again at once.
func TestDaemon(t *testing.T) {
	h := newHarness(t)
	cfg, err := os.ReadFile(h.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.config, bytes.Replace(cfg, []byte(`"@every 1h"`), []byte(`"@every 1s"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- Main(ctx, []string{"run", "--config", h.config}, h.env(&out, &errb))
	}()
	deadline := time.Now().Add(20 * time.Second)
	for h.site.Hits("/policy") < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	h.setPolicy(edit(policyText, "Officers shall decline", "Officers must decline"), "Friday")
	for len(h.recv.deliveries()) < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("run exited %d; stderr:\n%s", code, errb.String())
	}
	ds := h.recv.deliveries()
	if len(ds) != 1 {
		t.Fatalf("daemon delivered %d alerts, want 1; stderr:\n%s", len(ds), errb.String())
	}
	if p := verifySigned(t, ds[0]); !strings.Contains(p.Diff.Word, "[-shall-]{+must+}") {
		t.Fatalf("diff.word:\n%s", p.Diff.Word)
	}
	if !strings.Contains(errb.String(), "redline stopped") {
		t.Fatalf("no clean stop in the log:\n%s", errb.String())
	}
}

func TestDemoRunsTheLoop(t *testing.T) {
	var out, errb bytes.Buffer
	e := emptyEnv(&out, &errb)
	code := Main(context.Background(), []string{"demo", "--every", "1s", "--change-every", "2s", "--duration", "7s"}, e)
	if code != exitOK {
		t.Fatalf("demo exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	s := out.String()
	for _, want := range []string{"archive:         http://127.0.0.1:", "county-detainer-policy", "baseline", "ALERT page.changed", "both signatures verified", "[-shall-]{+may+}"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "BAD SIGNATURE") || strings.Contains(s, "ALERT page.changed  county-notice") {
		t.Errorf("demo output:\n%s", s)
	}
}

func TestCheckDueAndNames(t *testing.T) {
	h := newHarness(t)
	out, _, code := h.run("check", "--due")
	if code != 0 || !strings.Contains(out, "baseline") {
		t.Fatalf("first --due run (target new, so due) exited %d:\n%s", code, out)
	}
	out, _, code = h.run("check", "--due")
	if code != 0 || strings.Contains(out, "policy") || h.site.Hits("/policy") != 1 {
		t.Fatalf("second --due run checked a target that is not due (exit %d, %d fetches):\n%s", code, h.site.Hits("/policy"), out)
	}
	out, _, code = h.run("check", h.siteURL+"/policy")
	if code != 0 || !strings.Contains(out, "policy") || h.site.Hits("/policy") != 2 {
		t.Fatalf("check by URL exited %d:\n%s", code, out)
	}
	_, errs, code := h.run("check", "--due", "policy")
	if code != exitUsage || !strings.Contains(errs, "--due") {
		t.Fatalf("--due with names: exit %d, %s", code, errs)
	}
}

func TestLogFormatJSON(t *testing.T) {
	h := newHarness(t)
	h.site.Set("/policy", testsiteError())
	_, errs, code := h.run("check", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	line := strings.SplitN(strings.TrimSpace(errs), "\n", 2)[0]
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] == nil || rec["target"] != "policy" {
		t.Fatalf("log line is not slog JSON with a target: %q (%v)", line, err)
	}
}

func TestSeedsCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"seeds"}, emptyEnv(&out, &errb))
	if code != 0 || !strings.Contains(out.String(), "sanctuary") || !strings.Contains(out.String(), "https://www.justice.gov/") {
		t.Fatalf("seeds exited %d:\n%s%s", code, out.String(), errb.String())
	}
}

func testsiteError() testsite.Page { return testsite.Page{Status: 503, Body: "down for maintenance"} }

func TestEvalCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"eval", "../../../shared/corpus"}, emptyEnv(&out, &errb))
	if code != exitOK || !strings.Contains(out.String(), "precision 1.00  recall 1.00") || !strings.Contains(out.String(), "fema-maria-mojibake") {
		t.Fatalf("eval exited %d:\n%s%s", code, out.String(), errb.String())
	}
	// A corpus whose label is wrong makes eval fail.
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(mustAbs(t, "../../../shared/corpus"), "pairs"), filepath.Join(dir, "pairs")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cases.tsv"), []byte("epa-hfstudy-identical\talert\tmislabelled\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := Main(context.Background(), []string{"eval", dir}, emptyEnv(&out, &errb)); code != exitFail || !strings.Contains(out.String(), "WRONG") {
		t.Fatalf("mislabelled corpus: exit %d\n%s", code, out.String())
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestVolatileCommand(t *testing.T) {
	h := newHarness(t)
	h.check()
	out, _, code := h.run("volatile", "policy")
	if code != 0 || !strings.Contains(out, "no block learned") {
		t.Fatalf("volatile exited %d:\n%s", code, out)
	}
	out, _, code = h.run("volatile", "--reset", "policy")
	if code != 0 || !strings.Contains(out, "forgotten") {
		t.Fatalf("volatile --reset exited %d:\n%s", code, out)
	}
	if _, _, code := h.run("volatile", "nope"); code != exitUsage {
		t.Fatalf("unknown target: exit %d", code)
	}
}

// TestDiffMarksVolatileHunks: "redline diff" names the hunks that sit in a
// block the target learned as volatile, and only those.
