package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"redline/internal/testsite"
	"redline/notify"
)

const testSecret = "e2e-secret"

// receiver is a webhook receiver that records what it gets and answers
// with a status chosen by the test; "down" drops the connection.
type receiver struct {
	mu     sync.Mutex
	status int
	down   bool
	got    []delivery // every request, answered or not
}

type delivery struct {
	header http.Header
	body   []byte
	status int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(req.Body)
	r.mu.Lock()
	status, down := r.status, r.down
	if status == 0 {
		status = http.StatusOK
	}
	r.got = append(r.got, delivery{header: req.Header.Clone(), body: buf.Bytes(), status: status})
	r.mu.Unlock()
	if down {
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (r *receiver) set(status int, down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.down = status, down
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

type harness struct {
	t       *testing.T
	dir     string
	config  string
	site    *testsite.Site
	siteURL string
	recv    *receiver
}

var policyText = []string{
	"## Section 1. Purpose",
	"This directive sets out how the department cooperates with federal immigration authorities in the county jail and at every field office.",
	"## Section 2. Detainers",
	"Officers shall decline to hold a person solely on the basis of a civil immigration detainer unless a judge has signed a warrant for that person.",
	"Officers shall record every detainer request in the case management system within one business day of receipt.",
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), site: testsite.New(), recv: &receiver{}}
	site := httptest.NewServer(h.site)
	t.Cleanup(site.Close)
	recv := httptest.NewServer(h.recv)
	t.Cleanup(recv.Close)
	h.siteURL = site.URL
	h.setPolicy(policyText, "Monday 1 June")
	h.config = filepath.Join(h.dir, "redline.yaml")
	cfg := `storage: sqlite:redline.db
user_agent: "redline-test/1.0 (+mailto:test@example.org)"
listen: 127.0.0.1:0
crawler:
  delay: 10ms
  timeout: 1s
  retries: 0
defaults:
  schedule: "@every 1h"
targets:
  - name: policy
    url: ` + site.URL + `/policy
    select: main
    tags: [doj]
notifiers:
  - name: watchdog
    url: ` + recv.URL + `/hook
    secret: ${E2E_SECRET}
    retry_base: 10ms
`
	if err := os.WriteFile(h.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) setPolicy(paras []string, stamp string) {
	h.site.SetHTML("/policy", testsite.PolicyPage("Detainer directive", paras, stamp))
}

func (h *harness) env(stdout, stderr *bytes.Buffer) env {
	lookup := func(k string) (string, bool) {
		if k == "E2E_SECRET" {
			return testSecret, true
		}
		return "", false
	}
	return env{stdout: stdout, stderr: stderr, getenv: func(k string) string { v, _ := lookup(k); return v }, lookupEnv: lookup}
}

// run runs one redline command in-process.
func (h *harness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	args = append(args[:1:1], append([]string{"--config", h.config}, args[1:]...)...)
	code := Main(context.Background(), args, h.env(&out, &errb))
	return out.String(), errb.String(), code
}

// check runs "redline check" and fails the test unless it exits 0.
func (h *harness) check() string {
	h.t.Helper()
	out, errs, code := h.run("check")
	if code != 0 {
		h.t.Fatalf("check exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	return out
}

func edit(paras []string, from, to string) []string {
	out := append([]string(nil), paras...)
	for i, p := range out {
		if strings.Contains(p, from) {
			out[i] = strings.Replace(p, from, to, 1)
			return out
		}
	}
	panic("edit: " + from + " not found")
}

func verifySigned(t *testing.T, d delivery) notify.Changed {
	t.Helper()
	key := []byte(testSecret)
	if err := notify.Verify(d.header, key, d.body, time.Now(), 5*time.Minute); err != nil {
		t.Fatalf("Standard Webhooks signature: %v", err)
	}
	if err := notify.VerifyHub(d.header, key, d.body); err != nil {
		t.Fatalf("X-Hub-Signature-256: %v", err)
	}
	if err := notify.Verify(d.header, []byte("wrong"), d.body, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("signature verified with a wrong secret")
	}
	var p notify.Changed
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, d.body)
	}
	return p
}

func TestCoreLoop(t *testing.T) {
	h := newHarness(t)

	// 1. The first check stores a baseline and sends nothing.
	out := h.check()
	if !strings.Contains(out, "policy") || !strings.Contains(out, "baseline") {
		t.Fatalf("first check should report a baseline:\n%s", out)
	}
	if n := len(h.recv.deliveries()); n != 0 {
		t.Fatalf("baseline sent %d webhooks, want 0", n)
	}

	// 2. A one-word edit in the tracked region sends exactly one signed webhook.
	edited := edit(policyText, "Officers shall decline", "Officers may decline")
	h.setPolicy(edited, "Monday 1 June")
	out = h.check()
	if !strings.Contains(out, "changed") || !strings.Contains(out, "+1 -1 words") {
		t.Fatalf("check after edit:\n%s", out)
	}
	ds := h.recv.deliveries()
	if len(ds) != 1 {
		t.Fatalf("got %d webhooks, want 1", len(ds))
	}
	p := verifySigned(t, ds[0])
	if p.Type != "page.changed" || p.Target.Name != "policy" || p.Target.URL != h.siteURL+"/policy" {
		t.Fatalf("payload header fields: %+v", p)
	}
	if len(p.Target.Tags) != 1 || p.Target.Tags[0] != "doj" {
		t.Fatalf("target tags = %v", p.Target.Tags)
	}
	if p.ID == "" || p.ID != ds[0].header.Get("webhook-id") {
		t.Fatalf("payload id %q, webhook-id %q", p.ID, ds[0].header.Get("webhook-id"))
	}
	if !strings.Contains(p.Diff.Word, "[-shall-]{+may+}") {
		t.Fatalf("diff.word does not show the edit:\n%s", p.Diff.Word)
	}
	if strings.Contains(p.Diff.Word, "case management") {
		t.Fatalf("diff.word carries far-away context:\n%s", p.Diff.Word)
	}
	if !strings.Contains(p.Diff.Unified, "-Officers shall decline") || !strings.Contains(p.Diff.Unified, "+Officers may decline") {
		t.Fatalf("diff.unified:\n%s", p.Diff.Unified)
	}
	if p.Stats.WordsAdded != 1 || p.Stats.WordsRemoved != 1 || len(p.Diff.Hunks) != 1 {
		t.Fatalf("stats %+v, %d hunks", p.Stats, len(p.Diff.Hunks))
	}
	if h := p.Diff.Hunks[0].Heading; len(h) == 0 || h[len(h)-1] != "Section 2. Detainers" {
		t.Fatalf("hunk heading path = %q, want it to end with the section", h)
	}
	if p.Significance != "high" || !slices.Contains(p.Signals, "modal") || len(p.Reasons) == 0 {
		t.Fatalf("shall -> may should be a high modal change: %s %v %v", p.Significance, p.Signals, p.Reasons)
	}
	if p.Previous.CaptureID == 0 || p.Current.CaptureID <= p.Previous.CaptureID || p.Current.FetchedAt.Before(p.Previous.FetchedAt) {
		t.Fatalf("captures: previous %+v current %+v", p.Previous, p.Current)
	}

	// 3. Edits only in nav, footer and scripts send nothing.
	h.setPolicy(edited, "Tuesday 2 June 09:14")
	out = h.check()
	if !strings.Contains(out, "unchanged") {
		t.Fatalf("furniture-only edit should be unchanged:\n%s", out)
	}
	if n := len(h.recv.deliveries()); n != 1 {
		t.Fatalf("furniture-only edit sent webhooks: %d deliveries in all", n)
	}

	// 4. A 500 and a timeout send nothing, are recorded, and never become the baseline.
	h.site.Set("/policy", testsite.Page{Status: 500, Body: "<h1>Internal Server Error</h1>"})
	if out = h.check(); !strings.Contains(out, "error") || !strings.Contains(out, "HTTP 500") {
		t.Fatalf("500 should be recorded as an error:\n%s", out)
	}
	h.site.Set("/policy", testsite.Page{Body: testsite.PolicyPage("Detainer directive", edited, "x"), Delay: 3 * time.Second})
	if out = h.check(); !strings.Contains(out, "error") {
		t.Fatalf("timeout should be recorded as an error:\n%s", out)
	}
	h.setPolicy(edited, "Wednesday 3 June")
	if out = h.check(); !strings.Contains(out, "unchanged") {
		t.Fatalf("after errors the page compares with the last good capture:\n%s", out)
	}
	if n := len(h.recv.deliveries()); n != 1 {
		t.Fatalf("errors sent webhooks: %d deliveries in all", n)
	}
	hist, _, code := h.run("history", "--json", "policy")
	if code != 0 {
		t.Fatalf("history exited %d", code)
	}
	var caps []struct {
		ID         int64  `json:"id"`
		Outcome    string `json:"outcome"`
		Status     int    `json:"status"`
		Error      string `json:"error"`
		BodySHA256 string `json:"body_sha256"`
		TextSHA256 string `json:"text_sha256"`
	}
	if err := json.Unmarshal([]byte(hist), &caps); err != nil {
		t.Fatalf("history --json: %v\n%s", err, hist)
	}
	var outcomes []string
	for _, c := range caps {
		outcomes = append(outcomes, c.Outcome)
	}
	want := []string{"unchanged", "error", "error", "unchanged", "changed", "baseline"}
	if strings.Join(outcomes, ",") != strings.Join(want, ",") {
		t.Fatalf("history outcomes (newest first) = %v, want %v", outcomes, want)
	}
	if caps[2].Status != 500 || caps[1].Status != 0 || !isTimeout(caps[1].Error) {
		t.Fatalf("error captures: %+v / %+v", caps[2], caps[1])
	}
	if caps[5].BodySHA256 == "" || caps[5].TextSHA256 == "" || caps[4].TextSHA256 == caps[5].TextSHA256 {
		t.Fatalf("hashes not recorded: %+v", caps)
	}

	// 5. With the receiver down the alert waits; once it is back the alert
	// arrives with the same webhook-id, and is not sent again after a 2xx.
	h.recv.set(0, true)
	edited2 := edit(edited, "one business day", "two business days")
	h.setPolicy(edited2, "Thursday 4 June")
	if out = h.check(); !strings.Contains(out, "1 waiting") {
		t.Fatalf("an undelivered alert should be reported as waiting:\n%s", out)
	}
	h.recv.set(503, false)
	time.Sleep(50 * time.Millisecond) // past the 10ms retry_base
	if out = h.check(); !strings.Contains(out, "1 failed") {
		t.Fatalf("a 503 is a failed delivery:\n%s", out)
	}
	h.recv.set(0, false)
	time.Sleep(100 * time.Millisecond) // past the doubled retry delay
	out = h.check()
	if !strings.Contains(out, "1 delivered") {
		t.Fatalf("the waiting alert should be delivered:\n%s", out)
	}
	ds = h.recv.deliveries()
	if len(ds) != 4 {
		t.Fatalf("got %d requests, want 4 (1 earlier + down + 503 + 200)", len(ds))
	}
	id := ds[1].header.Get("webhook-id")
	for _, d := range ds[1:] {
		if d.header.Get("webhook-id") != id || !bytes.Equal(d.body, ds[1].body) {
			t.Fatalf("retries changed the webhook-id or body")
		}
	}
	if id == ds[0].header.Get("webhook-id") {
		t.Fatal("two alerts share a webhook-id")
	}
	p = verifySigned(t, ds[3])
	if !strings.Contains(p.Diff.Word, "[-one business day-]{+two business days+}") && !strings.Contains(p.Diff.Word, "[-one-]{+two+}") {
		t.Fatalf("diff.word of the second edit:\n%s", p.Diff.Word)
	}
	time.Sleep(100 * time.Millisecond)
	h.check()
	if n := len(h.recv.deliveries()); n != 4 {
		t.Fatalf("a delivered alert was sent again: %d requests", n)
	}

	// The history commands read what the checks wrote.
	out, _, code = h.run("diff", "policy")
	if code != 0 || !strings.Contains(out, "business") || !strings.Contains(out, "{+") {
		t.Fatalf("diff exited %d:\n%s", code, out)
	}
	out, _, code = h.run("diff", "--format", "unified", "--from", "1", "--to", "2", "policy")
	if code != 0 || !strings.Contains(out, "-Officers shall decline") {
		t.Fatalf("diff --format unified exited %d:\n%s", code, out)
	}
	out, _, code = h.run("targets")
	// The last check found the same ETag: a conditional GET answered 304.
	if code != 0 || !strings.Contains(out, "policy") || !strings.Contains(out, "not-modified") {
		t.Fatalf("targets exited %d:\n%s", code, out)
	}
}

func isTimeout(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "timeout") || strings.Contains(msg, "deadline exceeded")
}

// TestDeadLetterAndRetry: a receiver that keeps failing dead-letters the
// alert after max_attempts; "deliveries" lists every attempt without the
// notifier's URL or secret; "deliveries retry" sends it again.
func TestDeadLetterAndRetry(t *testing.T) {
	h := newHarness(t)
	cfg, err := os.ReadFile(h.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("    retry_base: 10ms\n"), []byte("    retry_base: 10ms\n    max_attempts: 2\n"), 1)
	if err := os.WriteFile(h.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	h.check()
	h.recv.set(500, false)
	h.setPolicy(edit(policyText, "Officers shall decline", "Officers may decline"), "x")
	h.check()
	time.Sleep(50 * time.Millisecond)
	if out := h.check(); !strings.Contains(out, "1 failed") {
		t.Fatalf("second attempt:\n%s", out)
	}
	time.Sleep(100 * time.Millisecond)
	h.check()
	if n := len(h.recv.deliveries()); n != 2 {
		t.Fatalf("receiver saw %d attempts, want 2 (max_attempts)", n)
	}
	out, errs, code := h.run("deliveries", "--state", "dead")
	if code != 0 || !strings.Contains(out, "page.changed") || !strings.Contains(out, "dead") || strings.Count(out, "500") < 2 {
		t.Fatalf("deliveries --state dead exited %d:\n%s%s", code, out, errs)
	}
	if strings.Contains(out, testSecret) || strings.Contains(out, "/hook") {
		t.Fatalf("deliveries shows the notifier's secret or URL:\n%s", out)
	}
	id := h.recv.deliveries()[0].header.Get("webhook-id")
	h.recv.set(0, false)
	out, _, code = h.run("deliveries", "retry", id)
	if code != 0 || !strings.Contains(out, "1 delivered") {
		t.Fatalf("deliveries retry exited %d:\n%s", code, out)
	}
	ds := h.recv.deliveries()
	if len(ds) != 3 || ds[2].header.Get("webhook-id") != id {
		t.Fatalf("retry sent %d requests; last id %q, want %q", len(ds), ds[len(ds)-1].header.Get("webhook-id"), id)
	}
	out, _, _ = h.run("deliveries", "--json")
	var listed []struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		Attempts []struct {
			StatusCode int `json:"status_code"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) != 1 || listed[0].State != "delivered" || len(listed[0].Attempts) != 3 {
		t.Fatalf("deliveries --json: %v\n%s", err, out)
	}
	if _, _, code := h.run("deliveries", "retry", "msg_nope"); code != exitUsage {
		t.Fatalf("retry of an unknown alert: exit %d", code)
	}
}

func TestNotifyTest(t *testing.T) {
	h := newHarness(t)
	out, errs, code := h.run("notify", "test", "watchdog")
	if code != 0 || !strings.Contains(out, "delivered to watchdog") {
		t.Fatalf("notify test exited %d:\n%s%s", code, out, errs)
	}
	ds := h.recv.deliveries()
	if len(ds) != 1 {
		t.Fatalf("receiver got %d requests", len(ds))
	}
	if p := verifySigned(t, ds[0]); p.Type != "page.changed" || !strings.Contains(p.Diff.Word, "[-shall-]{+may+}") {
		t.Fatalf("sample payload: %+v", p)
	}
	h.recv.set(500, false)
	if _, errs, code := h.run("notify", "test", "watchdog"); code != exitFail || !strings.Contains(errs, "500") {
		t.Fatalf("failing receiver: exit %d, %s", code, errs)
	}
	if _, _, code := h.run("notify", "test", "nope"); code != exitUsage {
		t.Fatalf("unknown notifier: exit %d", code)
	}
}
