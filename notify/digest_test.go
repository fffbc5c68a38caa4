package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"redline"
	"redline/storage/sqlite"
)

// TestWorkerDigest: a digest notifier's due alerts go out as one message;
// when it fails they are all due again together, and the retry carries the
// same webhook-id; each alert records every attempt.
func TestWorkerDigest(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "redline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SyncTargets(ctx, []redline.Target{{Name: "p", URL: "https://example.org/p", Schedule: "@hourly"}}, clk.now()); err != nil {
		t.Fatal(err)
	}
	tg, err := st.Target(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	rec := &redline.CheckRecord{Capture: redline.Capture{TargetID: tg.ID, FetchedAt: clk.now(), URL: tg.URL, Outcome: redline.OutcomeBaseline}}
	for i := range 3 {
		body := emailTestChanged(t, fmt.Sprintf("target-%d", i))
		rec.Alerts = append(rec.Alerts, redline.Alert{ID: fmt.Sprintf("msg_%d", i), Notifier: "digest",
			Event: redline.EventPageChanged, Payload: body, CreatedAt: clk.now().Add(-time.Duration(3-i) * time.Second)})
	}
	if err := st.RecordCheck(ctx, rec); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ids []string
	var bodies [][]byte
	status := http.StatusBadGateway
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		ids, bodies = append(ids, r.Header.Get("webhook-id")), append(bodies, b)
		s := status
		mu.Unlock()
		w.WriteHeader(s)
	}))
	defer srv.Close()
	w := &Worker{Outbox: st, Owner: "test", Now: clk.now, RetryBase: time.Minute,
		Endpoints: map[string]Endpoint{"digest": {Name: "digest", URL: srv.URL, Digest: true, Key: []byte("k")}}}
	if d, f, err := w.Pass(ctx); err != nil || d != 0 || f != 3 {
		t.Fatalf("first pass: %d delivered, %d failed, %v", d, f, err)
	}
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	clk.add(2 * time.Minute)
	if d, f, err := w.Pass(ctx); err != nil || d != 3 || f != 0 {
		t.Fatalf("second pass: %d delivered, %d failed, %v", d, f, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] != ids[1] || !strings.HasPrefix(ids[0], "dig_") {
		t.Fatalf("digest requests %v: want two with one stable id", ids)
	}
	var d Digest
	if err := json.Unmarshal(bodies[1], &d); err != nil || d.Type != EventDigest || d.Count != 3 || len(d.Alerts) != 3 {
		t.Fatalf("digest body: %v\n%s", err, bodies[1])
	}
	if lines := strings.Split(d.Detail, "\n"); len(lines) != 3 || !strings.Contains(lines[0], "target-0: page.changed") {
		t.Fatalf("digest detail:\n%s", d.Detail)
	}
	for i := range 3 {
		atts, err := st.Attempts(ctx, fmt.Sprintf("msg_%d", i))
		if err != nil || len(atts) != 2 || atts[0].StatusCode != 502 || atts[1].StatusCode != 200 {
			t.Fatalf("attempts of msg_%d: %+v, %v", i, atts, err)
		}
	}
	// Rendered for a chat channel, the digest is one short message.
	out, _, err := Render(FormatSlack, bodies[1], RenderOptions{})
	if err != nil || !strings.Contains(string(out), "3 alerts") {
		t.Fatalf("Slack rendering of a digest: %v\n%s", err, out)
	}
}
