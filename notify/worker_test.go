package notify

import (
	"context"
	"encoding/json"
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

// clock is a settable time source for the worker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type answer struct {
	ids    []string
	bodies []string
}

// newOutbox opens a real SQLite store holding one alert for notifier
// "hook" and one for a notifier that is not configured.
func newOutbox(t *testing.T, now time.Time) *sqlite.Store {
	t.Helper()
	return newOutboxWith(t, now, nil)
}

// newOutboxWith is newOutbox with payload as both alerts' body (nil: small
// placeholders).
func newOutboxWith(t *testing.T, now time.Time, payload []byte) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "redline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.SyncTargets(ctx, []redline.Target{{Name: "p", URL: "https://example.org/p", Schedule: "@hourly"}}, now); err != nil {
		t.Fatal(err)
	}
	tg, err := st.Target(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	rec := &redline.CheckRecord{
		Capture: redline.Capture{TargetID: tg.ID, FetchedAt: now, URL: tg.URL, Status: 200, Outcome: redline.OutcomeBaseline},
		Alerts: []redline.Alert{
			{ID: "msg_a", Notifier: "hook", Event: redline.EventPageChanged, Payload: cmpOr(payload, `{"n":1}`), CreatedAt: now},
			{ID: "msg_b", Notifier: "gone", Event: redline.EventPageChanged, Payload: cmpOr(payload, `{"n":2}`), CreatedAt: now},
		},
	}
	if err := st.RecordCheck(ctx, rec); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestWorkerRetriesUntil2xx(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := newOutbox(t, clk.now())

	var mu sync.Mutex
	got := &answer{}
	statuses := []int{500, http.StatusFound, 404, 204}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got.ids = append(got.ids, r.Header.Get("webhook-id"))
		got.bodies = append(got.bodies, string(b))
		st := statuses[len(got.ids)-1]
		mu.Unlock()
		if st == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(st)
		_, _ = w.Write([]byte("answer body"))
	}))
	defer srv.Close()

	w := &Worker{
		Outbox:    st,
		Endpoints: map[string]Endpoint{"hook": {Name: "hook", URL: srv.URL, Key: []byte("k")}},
		Owner:     "test",
		Now:       clk.now,
		RetryBase: time.Minute,
	}
	pass := func(wantDelivered, wantFailed int) {
		t.Helper()
		d, f, err := w.Pass(ctx)
		if err != nil || d != wantDelivered || f != wantFailed {
			t.Fatalf("Pass = %d delivered, %d failed, %v; want %d, %d", d, f, err, wantDelivered, wantFailed)
		}
	}
	pass(0, 2) // 500 for msg_a; msg_b has no notifier
	pass(0, 0) // nothing due before the backoff
	clk.add(2 * time.Minute)
	pass(0, 2) // a redirect is not a delivery
	clk.add(5 * time.Minute)
	pass(0, 2) // 404
	clk.add(10 * time.Minute)
	pass(1, 1) // 204 delivers msg_a
	clk.add(time.Hour)
	pass(0, 1) // msg_a is never sent again; msg_b keeps failing

	mu.Lock()
	defer mu.Unlock()
	if len(got.ids) != 4 {
		t.Fatalf("receiver saw %d requests, want 4", len(got.ids))
	}
	for i := range got.ids {
		if got.ids[i] != "msg_a" || got.bodies[i] != `{"n":1}` {
			t.Fatalf("request %d: id %s body %s", i, got.ids[i], got.bodies[i])
		}
	}
	atts, err := st.Attempts(ctx, "msg_a")
	if err != nil || len(atts) != 4 {
		t.Fatalf("attempts of msg_a: %v, %v", atts, err)
	}
	for i, want := range []int{500, 302, 404, 204} {
		if atts[i].StatusCode != want {
			t.Errorf("attempt %d status %d, want %d", i, atts[i].StatusCode, want)
		}
		wantResp := "answer body"
		if want == 204 {
			wantResp = "" // a 204 carries no body
		}
		if (atts[i].Error == "") != (want == 204) || atts[i].Response != wantResp {
			t.Errorf("attempt %d: error %q response %q", i, atts[i].Error, atts[i].Response)
		}
	}
	a, err := st.Alert(ctx, "msg_a")
	if err != nil || a.DeliveredAt.IsZero() || a.Attempts != 4 {
		t.Fatalf("msg_a after delivery: %+v, %v", a, err)
	}
	b, err := st.Alert(ctx, "msg_b")
	if err != nil || !b.DeliveredAt.IsZero() || b.LastError == "" {
		t.Fatalf("msg_b: %+v, %v", b, err)
	}
	if n, _ := st.PendingAlerts(ctx); n != 1 {
		t.Fatalf("PendingAlerts = %d, want 1", n)
	}
}

func TestBackoffDoublesAndCaps(t *testing.T) {
	w := &Worker{RetryBase: time.Second, RetryMax: 10 * time.Second}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 10 * time.Second, 40: 10 * time.Second} {
		got := w.backoff(0, attempt)
		if got < want || got > want+want/5 {
			t.Errorf("backoff(%d) = %v, want %v plus at most 20%%", attempt, got, want)
		}
	}
	w = &Worker{RetryBase: time.Second}
	if got := w.backoff(time.Minute, 1); got < time.Minute || got > 72*time.Second {
		t.Errorf("endpoint RetryBase ignored: %v", got)
	}
}

func TestWorkerDeadLetters(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := newOutbox(t, clk.now())
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	w := &Worker{
		Outbox:    st,
		Endpoints: map[string]Endpoint{"hook": {Name: "hook", URL: srv.URL, MaxAttempts: 2}, "gone": {Name: "gone", URL: srv.URL, MaxAttempts: 2}},
		Owner:     "test", Now: clk.now, RetryBase: time.Minute,
	}
	for range 4 {
		if _, _, err := w.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 4 { // two alerts, two attempts each, then nothing
		t.Fatalf("receiver saw %d requests, want 4", hits)
	}
	a, err := st.Alert(ctx, "msg_a")
	if err != nil || a.State() != redline.AlertDead || a.Attempts != 2 {
		t.Fatalf("msg_a: %+v, %v", a, err)
	}
	if n, _ := st.PendingAlerts(ctx); n != 0 {
		t.Fatalf("PendingAlerts = %d, want 0", n)
	}
}

// TestWorkerChannels: the worker renders each endpoint's format, signs the
// rendered body, and sends email through a real SMTP server.
func TestWorkerChannels(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := newOutboxWith(t, clk.now(), emailTestChanged(t, "doj-sanctuary-list"))
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()
	smtpSrv := startEmailServer(t, "Store")
	w := &Worker{
		Outbox: st, Owner: "test", Now: clk.now,
		Endpoints: map[string]Endpoint{
			"hook": {Name: "hook", URL: srv.URL, Format: FormatSlack, Key: []byte("k"), Options: RenderOptions{BaseURL: "https://redline.example.org"}},
			"gone": {Name: "gone", SMTP: &SMTPConfig{Addr: smtpSrv.Addr, From: "alerts@example.org", To: []string{"team@example.org"}, TLS: "none", Timeout: 5 * time.Second}},
		},
	}
	if d, f, err := w.Pass(ctx); err != nil || d != 2 || f != 0 {
		t.Fatalf("Pass = %d delivered, %d failed, %v", d, f, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("webhook receiver got %d requests", len(got))
	}
	var slack struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(bodies[0], &slack); err != nil || slack.Text == "" || len(slack.Blocks) == 0 {
		t.Fatalf("not a Slack message: %v\n%s", err, bodies[0])
	}
	if err := VerifyHub(got[0].Header, []byte("k"), bodies[0]); err != nil {
		t.Fatalf("signature does not cover the rendered body: %v", err)
	}
	if !strings.Contains(string(bodies[0]), "https://redline.example.org/targets/") {
		t.Error("Slack message lacks the link to the full diff")
	}
	msgs := smtpSrv.messages(t)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Raw), "Subject: [redline]") {
		t.Fatalf("SMTP server stored %d messages", len(msgs))
	}
	atts, err := st.Attempts(ctx, "msg_b")
	if err != nil || len(atts) != 1 || atts[0].StatusCode != 250 {
		t.Fatalf("email attempt: %+v, %v", atts, err)
	}
}

func cmpOr(b []byte, s string) []byte {
	if b != nil {
		return b
	}
	return []byte(s)
}

// TestWorkerShoutrrr sends an alert through shoutrrr's ntfy service to a
// local receiver standing in for an ntfy server.
func TestWorkerShoutrrr(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := newOutboxWith(t, clk.now(), emailTestChanged(t, "doj-sanctuary-list"))
	got := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","time":1,"event":"message","topic":"policy"}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	w := &Worker{Outbox: st, Owner: "test", Now: clk.now, Endpoints: map[string]Endpoint{
		"hook": {Name: "hook", Shoutrrr: "ntfy://" + host + "/policy?disabletls=yes"},
		"gone": {Name: "gone", Shoutrrr: "ntfy://127.0.0.1:1/policy?disabletls=yes", Timeout: 2 * time.Second},
	}}
	d, f, err := w.Pass(ctx)
	if err != nil || d != 1 || f != 1 {
		t.Fatalf("Pass = %d delivered, %d failed, %v", d, f, err)
	}
	msg := <-got
	if !strings.HasPrefix(msg, "/policy ") || !strings.Contains(msg, "doj-sanctuary-list") || !strings.Contains(msg, "[-shall-]{+may+}") {
		t.Fatalf("ntfy request: %s", msg)
	}
	atts, err := st.Attempts(ctx, "msg_b")
	if err != nil || len(atts) != 1 || atts[0].Error == "" || strings.Contains(atts[0].Error, "ntfy://") {
		t.Fatalf("failed attempt must say why without the URL: %+v, %v", atts, err)
	}
	if err := ParseShoutrrrURL("nosuchservice://x"); err == nil {
		t.Error("unknown service accepted")
	}
	if err := ParseShoutrrrURL("ntfy://ntfy.sh/topic"); err != nil {
		t.Errorf("ntfy URL refused: %v", err)
	}
}

// TestWorkerSlowAndUnreachableReceivers: a receiver slower than the
// notifier's timeout and one that refuses connections are failed attempts,
// and the URL's secret path never shows in what is recorded.
func TestWorkerSlowAndUnreachableReceivers(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := newOutbox(t, clk.now())
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(500 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	w := &Worker{Outbox: st, Owner: "test", Now: clk.now, Endpoints: map[string]Endpoint{
		"hook": {Name: "hook", URL: slow.URL + "/services/T0001/SECRET-TOKEN", Timeout: 100 * time.Millisecond},
		"gone": {Name: "gone", URL: "http://127.0.0.1:1/services/T0001/SECRET-TOKEN"},
	}}
	if d, f, err := w.Pass(ctx); err != nil || d != 0 || f != 2 {
		t.Fatalf("Pass = %d delivered, %d failed, %v", d, f, err)
	}
	for _, id := range []string{"msg_a", "msg_b"} {
		atts, err := st.Attempts(ctx, id)
		if err != nil || len(atts) != 1 || atts[0].Error == "" {
			t.Fatalf("%s: %+v, %v", id, atts, err)
		}
		if strings.Contains(atts[0].Error, "SECRET-TOKEN") {
			t.Fatalf("%s: attempt error shows the URL's secret: %s", id, atts[0].Error)
		}
	}
	if a, _ := st.Attempts(ctx, "msg_a"); !strings.Contains(a[0].Error, "deadline exceeded") && !strings.Contains(a[0].Error, "Timeout") {
		t.Fatalf("slow receiver: %s", a[0].Error)
	}
}
