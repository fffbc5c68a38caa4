package notify

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startWebhookd runs the standalone "webhook" server (Debian package
// webhook) on a free loopback port with one hook, "redline", whose trigger
// rule checks X-Hub-Signature-256 against secret and which appends the
// payload's target.name to a file. It returns the hook URL and that file.
func startWebhookd(t *testing.T, secret string) (hookURL, ranFile string) {
	t.Helper()
	bin, err := exec.LookPath("webhook")
	if err != nil {
		t.Fatal("these tests need the webhook server: apt-get update && apt-get install -y webhook")
	}
	dir := t.TempDir()
	ranFile = filepath.Join(dir, "ran.txt")
	hooks := []map[string]any{{
		"id":              "redline",
		"execute-command": "/bin/sh",
		"pass-arguments-to-command": []map[string]string{
			{"source": "string", "name": "-c"},
			{"source": "string", "name": `printf '%s\n' "$1" >> ` + ranFile},
			{"source": "string", "name": "sh"},
			{"source": "payload", "name": "target.name"},
		},
		"trigger-rule-mismatch-http-response-code": 403,
		"trigger-rule": map[string]any{"match": map[string]any{
			"type": "payload-hmac-sha256", "secret": secret,
			"parameter": map[string]string{"source": "header", "name": "X-Hub-Signature-256"},
		}},
	}}
	b, err := json.Marshal(hooks)
	if err != nil {
		t.Fatal(err)
	}
	hooksFile := filepath.Join(dir, "hooks.json")
	if err := os.WriteFile(hooksFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-hooks", hooksFile, "-ip", "127.0.0.1", "-port", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook did not listen on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + addr + "/hooks/redline", ranFile
}

// TestWebhookdVerifiesSignature delivers signed alerts to a real,
// independent receiver configured with a payload-hmac-sha256 rule: the
// right secret is accepted and runs the hook, a wrong one is refused.
func TestWebhookdVerifiesSignature(t *testing.T) {
	ctx := context.Background()
	hookURL, ran := startWebhookd(t, "s3cret")
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := newOutboxWith(t, clk.now(), emailTestChanged(t, "doj-sanctuary-list"))
	w := &Worker{Outbox: st, Owner: "test", Now: clk.now, Endpoints: map[string]Endpoint{
		"hook": {Name: "hook", URL: hookURL, Key: []byte("s3cret")},
		"gone": {Name: "gone", URL: hookURL, Key: []byte("wrong secret")},
	}}
	if _, _, err := w.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	good, err := st.Attempts(ctx, "msg_a")
	if err != nil || len(good) != 1 || good[0].StatusCode != 200 || good[0].Error != "" {
		t.Fatalf("right secret: %+v, %v", good, err)
	}
	bad, err := st.Attempts(ctx, "msg_b")
	// webhook 2.8 answers a signature mismatch with 500 "Error occurred
	// while evaluating hook rules"; either way, not a 2xx and not run.
	if err != nil || len(bad) != 1 || bad[0].StatusCode < 400 || bad[0].Error == "" {
		t.Fatalf("wrong secret: %+v, %v", bad, err)
	}
	var out []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if out, _ = os.ReadFile(ran); len(out) > 0 {
			break
		}
	}
	if strings.TrimSpace(string(out)) != "doj-sanctuary-list" {
		t.Fatalf("the hook ran with %q, want the target's name once", out)
	}
}
