package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"redline"
)

func testRecordCheck(e *env) {
	t0 := base()
	e.sync(t0, def("alpha"))
	claimed := e.claimDue("w1", t0, time.Hour, 1)
	e.wantNames("ClaimDue", claimed, "alpha")
	tg := claimed[0]

	body1 := []byte("<html><body><h1>Policy</h1><p>The department shall cooperate.</p></body></html>")
	rec1 := newRecord(tg, "w1", t0, redline.OutcomeBaseline, body1)
	want1 := rec1.Capture
	reqJSON := redline.HeaderJSON(want1.RequestHeader)
	want1.RequestHeader, want1.RequestSHA256 = nil, shaHex(reqJSON)
	want1.Hash = redline.CaptureHash("", want1)
	e.record(rec1)
	if rec1.Capture.ID == 0 {
		e.t.Fatal("RecordCheck left Capture.ID 0")
	}
	want1.ID = rec1.Capture.ID
	e.wantEqual("request header blob", e.blob(want1.RequestSHA256), reqJSON)
	got1, err := e.s.Capture(e.ctx, rec1.Capture.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantTime("FetchedAt", got1.FetchedAt, t0)
	e.wantEqual("stored capture", got1, want1)
	e.wantEqual("body blob", e.blob(want1.BodySHA256), body1)
	e.wantEqual("text blob", e.blob(want1.TextSHA256), textOf(body1))

	after1 := e.target("alpha")
	e.wantTime("LastCheckAt", after1.LastCheckAt, t0)
	e.wantTime("NextDue", after1.NextDue, t0.Add(time.Hour))
	if after1.LastOutcome != redline.OutcomeBaseline {
		e.t.Errorf("LastOutcome = %q, want %q", after1.LastOutcome, redline.OutcomeBaseline)
	}
	// The lease was released: another owner may claim at once.
	e.wantNames("ClaimTargets(w2) after the record", e.claimTargets("w2", []int64{tg.ID}, t0, time.Hour), "alpha")

	// A change with two alerts.
	t1 := t0.Add(time.Hour)
	body2 := []byte("<html><body><h1>Policy</h1><p>The department shall not cooperate.</p></body></html>")
	rec2 := newRecord(tg, "w2", t1, redline.OutcomeChanged, body2)
	rec2.Change = &redline.Change{FromCaptureID: rec1.Capture.ID, DetectedAt: t1, WordsAdded: 1}
	rec2.Alerts = []redline.Alert{
		{ID: "alert-1", Notifier: "webhook", Event: redline.EventPageChanged, Payload: []byte(`{"words_added":1}`), CreatedAt: t1},
		{ID: "alert-2", Notifier: "slack", Event: redline.EventPageChanged, Payload: []byte(`{"text":"x"}`), CreatedAt: t1,
			NextAttemptAt: t1.Add(time.Minute)},
	}
	e.record(rec2)
	ch := rec2.Change
	if ch.ID == 0 || ch.ToCaptureID != rec2.Capture.ID || ch.TargetID != tg.ID || ch.FromCaptureID != rec1.Capture.ID {
		e.t.Errorf("filled change = %+v, want ID set, To %d, Target %d, From %d",
			ch, rec2.Capture.ID, tg.ID, rec1.Capture.ID)
	}
	if rec2.Capture.ID <= rec1.Capture.ID {
		e.t.Errorf("capture IDs %d then %d: want increasing", rec1.Capture.ID, rec2.Capture.ID)
	}
	changes, err := e.s.Changes(e.ctx, tg.ID, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("Changes", changes, []redline.Change{*ch})
	for _, a := range rec2.Alerts {
		if a.ChangeID != ch.ID || a.TargetID != tg.ID {
			e.t.Errorf("filled alert %s: ChangeID %d TargetID %d, want %d %d", a.ID, a.ChangeID, a.TargetID, ch.ID, tg.ID)
		}
	}
	a1 := e.alert("alert-1")
	e.wantEqual("alert-1", []any{a1.Notifier, a1.Event, a1.TargetID, a1.ChangeID, string(a1.Payload), a1.Attempts, a1.LastError},
		[]any{"webhook", redline.EventPageChanged, tg.ID, ch.ID, `{"words_added":1}`, 0, ""})
	e.wantTime("alert-1 CreatedAt", a1.CreatedAt, t1)
	e.wantTime("alert-1 NextAttemptAt (defaults to CreatedAt)", a1.NextAttemptAt, t1)
	e.wantTime("alert-1 DeliveredAt", a1.DeliveredAt, time.Time{})
	e.wantTime("alert-2 NextAttemptAt", e.alert("alert-2").NextAttemptAt, t1.Add(time.Minute))
	if n := e.pending(); n != 2 {
		e.t.Errorf("PendingAlerts = %d, want 2", n)
	}
	after2 := e.target("alpha")
	e.wantTime("NextDue after the change", after2.NextDue, t1.Add(time.Hour))
	if after2.LastOutcome != redline.OutcomeChanged {
		e.t.Errorf("LastOutcome = %q, want %q", after2.LastOutcome, redline.OutcomeChanged)
	}

	// A record of a target that does not exist.
	ghost := newRecord(redline.Target{ID: 1 << 40, URL: "https://x.example/"}, "", t1, redline.OutcomeBaseline, body1)
	e.wantErr("RecordCheck of an unknown target", e.s.RecordCheck(e.ctx, ghost), redline.ErrNotFound)
}

// testRecordCheckAtomic makes the last write of a record fail and checks that
// nothing of it was kept.
func testRecordCheckAtomic(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	body1 := []byte("first version")
	rec1 := newRecord(tg, "", t0, redline.OutcomeBaseline, body1)
	rec1.Alerts = []redline.Alert{{ID: "dup", Notifier: "webhook", Event: redline.EventPageChanged, CreatedAt: t0}}
	e.record(rec1)

	t1 := t0.Add(time.Hour)
	body2 := []byte("second version, never stored")
	rec2 := newRecord(tg, "", t1, redline.OutcomeChanged, body2)
	rec2.NextDue = t1.Add(24 * time.Hour)
	rec2.Change = &redline.Change{FromCaptureID: rec1.Capture.ID, DetectedAt: t1, WordsAdded: 3}
	rec2.Alerts = []redline.Alert{
		{ID: "fresh", Notifier: "webhook", Event: redline.EventPageChanged, CreatedAt: t1},
		{ID: "dup", Notifier: "webhook", Event: redline.EventPageChanged, CreatedAt: t1}, // already stored
	}
	if err := e.s.RecordCheck(e.ctx, rec2); err == nil {
		e.t.Fatal("RecordCheck with an alert ID already stored: no error")
	}
	if rec2.Capture.ID != 0 || rec2.Change.ID != 0 {
		e.t.Errorf("failed RecordCheck filled IDs: capture %d change %d", rec2.Capture.ID, rec2.Change.ID)
	}
	if got := captureIDs(e.captures(tg.ID, 0, 0)); !slices.Equal(got, []int64{rec1.Capture.ID}) {
		e.t.Errorf("captures after a failed record = %v, want [%d]", got, rec1.Capture.ID)
	}
	for _, sum := range []string{rec2.Capture.BodySHA256, rec2.Capture.TextSHA256} {
		_, err := e.s.Blob(e.ctx, sum)
		e.wantErr("blob of a failed record", err, redline.ErrNotFound)
	}
	if chs, err := e.s.Changes(e.ctx, tg.ID, 0); err != nil || len(chs) != 0 {
		e.t.Errorf("changes after a failed record = %v, %v; want none", chs, err)
	}
	_, err := e.s.Alert(e.ctx, "fresh")
	e.wantErr("alert of a failed record", err, redline.ErrNotFound)
	if n := e.pending(); n != 1 {
		e.t.Errorf("PendingAlerts = %d, want 1", n)
	}
	after := e.target("alpha")
	e.wantTime("NextDue after a failed record", after.NextDue, t0.Add(time.Hour))
	e.wantTime("LastCheckAt after a failed record", after.LastCheckAt, t0)

	// The same record, fixed, goes through.
	rec2.Alerts = rec2.Alerts[:1]
	e.record(rec2)
	if rec2.Capture.ID == 0 || rec2.Change.ID == 0 || rec2.Alerts[0].ChangeID != rec2.Change.ID {
		e.t.Errorf("retried record: capture %d change %d alert change %d", rec2.Capture.ID, rec2.Change.ID, rec2.Alerts[0].ChangeID)
	}
}

func testUnchangedBodyStoredOnce(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	body := []byte("<p>Unchanged policy text.</p>")
	rec1 := newRecord(tg, "", t0, redline.OutcomeBaseline, body)
	e.record(rec1)
	rec2 := newRecord(tg, "", t0.Add(time.Hour), redline.OutcomeUnchanged, body)
	e.record(rec2)
	if rec2.Capture.BodySHA256 != rec1.Capture.BodySHA256 || rec2.Capture.TextSHA256 != rec1.Capture.TextSHA256 {
		e.t.Errorf("same body, different sha256: %+v vs %+v", rec1.Capture, rec2.Capture)
	}
	// A capture may name a stored blob without carrying its bytes.
	rec3 := newRecord(tg, "", t0.Add(2*time.Hour), redline.OutcomeUnchanged, body)
	rec3.Body, rec3.Text = nil, nil
	e.record(rec3)
	for _, c := range e.captures(tg.ID, 0, 0) {
		if c.BodySHA256 != rec1.Capture.BodySHA256 || c.BodySize != int64(len(body)) {
			e.t.Errorf("capture %d: body %s size %d, want %s %d", c.ID, c.BodySHA256, c.BodySize, rec1.Capture.BodySHA256, len(body))
		}
	}
	e.wantEqual("body blob", e.blob(rec1.Capture.BodySHA256), body)
	e.wantEqual("text blob", e.blob(rec1.Capture.TextSHA256), textOf(body))

	// Bytes of a blob said to be known (CheckRecord.Known) but not stored
	// are stored all the same.
	fresh := []byte("<p>Known, the caller thought, but never stored.</p>")
	recK := newRecord(tg, "", t0.Add(150*time.Minute), redline.OutcomeChanged, fresh)
	recK.Known = []string{recK.Capture.BodySHA256, recK.Capture.TextSHA256}
	e.record(recK)
	e.wantEqual("known but missing body", e.blob(recK.Capture.BodySHA256), fresh)
	e.wantEqual("known but missing text", e.blob(recK.Capture.TextSHA256), textOf(fresh))

	// But not a blob that is not stored.
	rec4 := newRecord(tg, "", t0.Add(3*time.Hour), redline.OutcomeChanged, []byte("never sent"))
	rec4.Body = nil
	if err := e.s.RecordCheck(e.ctx, rec4); err == nil {
		e.t.Error("RecordCheck naming an unknown blob without bytes: no error")
	}
	if n := len(e.captures(tg.ID, 0, 0)); n != 4 {
		e.t.Errorf("%d captures, want 4", n)
	}
}

func testBlobRoundTrip(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	// 1 MiB: half random (incompressible), half repetitive (compressible).
	rng := rand.New(rand.NewPCG(1, 2))
	body := make([]byte, 0, 1<<20)
	for len(body) < 1<<19 {
		body = append(body, byte(rng.Uint32()))
	}
	for len(body) < 1<<20 {
		body = append(body, "<p>The Secretary shall publish the list. </p>\n"...)
	}
	body = body[:1<<20]
	rec := newRecord(tg, "", t0, redline.OutcomeBaseline, body)
	e.record(rec)
	if got := e.blob(rec.Capture.BodySHA256); !bytes.Equal(got, body) {
		e.t.Errorf("1 MiB blob came back as %d different bytes", len(got))
	}
	// Uppercase hex names the same blob.
	if got := e.blob(upper(rec.Capture.BodySHA256)); !bytes.Equal(got, body) {
		e.t.Error("blob by uppercase sha256 differs")
	}

	// An empty body (a 200 with no content) is a blob too.
	empty := newRecord(tg, "", t0.Add(time.Hour), redline.OutcomeChanged, []byte{})
	e.record(empty)
	if got := e.blob(shaHex(nil)); len(got) != 0 {
		e.t.Errorf("empty blob came back as %d bytes", len(got))
	}

	_, err := e.s.Blob(e.ctx, shaHex([]byte("never stored")))
	e.wantErr("Blob of an unknown sha256", err, redline.ErrNotFound)
	_, err = e.s.Blob(e.ctx, "not-a-sha256")
	e.wantErr("Blob of a malformed sha256", err, redline.ErrNotFound)
}

func upper(s string) string { return string(bytes.ToUpper([]byte(s))) }

func testWrongSHA256(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	body := []byte("real body")
	cases := map[string]func(r *redline.CheckRecord){
		"body sha256 of other bytes": func(r *redline.CheckRecord) { r.Capture.BodySHA256 = shaHex([]byte("other body")) },
		"text sha256 of other bytes": func(r *redline.CheckRecord) { r.Capture.TextSHA256 = shaHex([]byte("other text")) },
		"malformed body sha256":      func(r *redline.CheckRecord) { r.Capture.BodySHA256 = "abc" },
	}
	for name, mutate := range cases {
		rec := newRecord(tg, "", t0, redline.OutcomeBaseline, body)
		mutate(rec)
		if err := e.s.RecordCheck(e.ctx, rec); err == nil {
			e.t.Errorf("%s: RecordCheck accepted it", name)
		}
	}
	if cs := e.captures(tg.ID, 0, 0); len(cs) != 0 {
		e.t.Errorf("%d captures stored by rejected records", len(cs))
	}
	for _, b := range [][]byte{body, textOf(body)} {
		_, err := e.s.Blob(e.ctx, shaHex(b))
		e.wantErr("Blob after rejected records", err, redline.ErrNotFound)
	}
}

func testLeaseLost(e *env) {
	t0 := base()
	e.sync(t0, def("alpha"))
	tg := e.claimDue("w1", t0, time.Minute, 1)[0]
	// w1's lease expires; w2 takes the target.
	e.wantNames("ClaimDue(w2) after w1's lease expired", e.claimDue("w2", t0.Add(2*time.Minute), time.Minute, 1), "alpha")

	late := newRecord(tg, "w1", t0, redline.OutcomeBaseline, []byte("w1's body"))
	e.wantErr("RecordCheck by w1", e.s.RecordCheck(e.ctx, late), redline.ErrLeaseLost)
	if cs := e.captures(tg.ID, 0, 0); len(cs) != 0 {
		e.t.Errorf("%d captures after a lost lease, want 0", len(cs))
	}
	_, err := e.s.Blob(e.ctx, late.Capture.BodySHA256)
	e.wantErr("blob after a lost lease", err, redline.ErrNotFound)

	e.record(newRecord(tg, "w2", t0.Add(2*time.Minute), redline.OutcomeBaseline, []byte("w2's body")))
	// Released now: w1 still does not hold it.
	e.wantErr("RecordCheck by w1 after w2 released", e.s.RecordCheck(e.ctx, late), redline.ErrLeaseLost)

	// An expired lease nobody took is still the owner's to record.
	e.wantNames("ClaimDue(w3)", e.claimDue("w3", t0.Add(5*time.Hour), time.Minute, 1), "alpha")
	e.record(newRecord(tg, "w3", t0.Add(6*time.Hour), redline.OutcomeUnchanged, []byte("w2's body")))
	if n := len(e.captures(tg.ID, 0, 0)); n != 2 {
		e.t.Errorf("%d captures, want 2", n)
	}
}

func testBaseline(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	baseline := func(what string) redline.Capture {
		e.t.Helper()
		c, err := e.s.Baseline(e.ctx, tg.ID)
		if err != nil {
			e.t.Fatalf("Baseline %s: %v", what, err)
		}
		return c
	}
	_, err := e.s.Baseline(e.ctx, tg.ID)
	e.wantErr("Baseline with no capture", err, redline.ErrNotFound)
	e.record(newRecord(tg, "", at(0), redline.OutcomeError, nil))
	_, err = e.s.Baseline(e.ctx, tg.ID)
	e.wantErr("Baseline with only an error capture", err, redline.ErrNotFound)

	v1 := []byte("<p>version one</p>")
	first := newRecord(tg, "", at(1), redline.OutcomeBaseline, v1)
	e.record(first)
	blocked := newRecord(tg, "", at(2), redline.OutcomeBlocked, []byte("<p>Checking your browser...</p>"))
	blocked.Capture.Status = http.StatusForbidden
	blocked.Capture.Error = "cloudflare challenge"
	e.record(blocked)
	notModified := newRecord(tg, "", at(3), redline.OutcomeNotModified, nil)
	notModified.Capture.Status = http.StatusNotModified
	notModified.Capture.Error = ""
	notModified.Capture.Header = http.Header{"Etag": {`"abc"`}}
	e.record(notModified)
	e.record(newRecord(tg, "", at(4), redline.OutcomeError, nil))
	e.wantEqual("Baseline after error, blocked, not-modified", baseline("1"), first.Capture)

	unchanged := newRecord(tg, "", at(5), redline.OutcomeUnchanged, v1)
	e.record(unchanged)
	e.wantEqual("Baseline after unchanged", baseline("2"), unchanged.Capture)
	changed := newRecord(tg, "", at(6), redline.OutcomeChanged, []byte("<p>version two</p>"))
	e.record(changed)
	e.record(newRecord(tg, "", at(7), redline.OutcomeBlocked, nil))
	e.wantEqual("Baseline after changed and blocked", baseline("3"), changed.Capture)

	// The failed captures are kept as they were.
	got, err := e.s.Capture(e.ctx, notModified.Capture.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("not-modified capture", got, notModified.Capture)

	_, err = e.s.Baseline(e.ctx, 1<<40)
	e.wantErr("Baseline of an unknown target", err, redline.ErrNotFound)
}

func testCapturesPaging(e *env) {
	t0 := base()
	a := e.addTarget(t0, def("alpha"))
	b := e.addTarget(t0, def("bravo"))
	var ids []int64
	for i := range 5 {
		at := t0.Add(time.Duration(i) * time.Hour)
		rec := newRecord(a, "", at, redline.OutcomeUnchanged, []byte("alpha body"))
		e.record(rec)
		ids = append(ids, rec.Capture.ID)
		if i%2 == 0 {
			e.record(newRecord(b, "", at, redline.OutcomeError, nil))
		}
	}
	rev := slices.Clone(ids)
	slices.Reverse(rev)
	for _, tc := range []struct {
		name   string
		before int64
		limit  int
		want   []int64
	}{
		{"all", 0, 0, rev},
		{"first page", 0, 2, rev[:2]},
		{"second page", rev[1], 2, rev[2:4]},
		{"last page", rev[3], 2, rev[4:]},
		{"past the end", rev[4], 2, nil},
	} {
		if got := captureIDs(e.captures(a.ID, tc.before, tc.limit)); !slices.Equal(got, tc.want) {
			e.t.Errorf("Captures %s (before %d, limit %d) = %v, want %v", tc.name, tc.before, tc.limit, got, tc.want)
		}
	}
	for _, c := range e.captures(b.ID, 0, 0) {
		if c.TargetID != b.ID || slices.Contains(ids, c.ID) {
			e.t.Errorf("bravo's captures include %+v", c)
		}
	}
	if cs := e.captures(1<<40, 0, 0); len(cs) != 0 {
		e.t.Errorf("Captures of an unknown target = %v", cs)
	}
	_, err := e.s.Capture(e.ctx, 1<<40)
	e.wantErr("Capture of an unknown ID", err, redline.ErrNotFound)
}

func testChanges(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	other := e.addTarget(t0, def("bravo"))
	first := newRecord(tg, "", t0, redline.OutcomeBaseline, []byte("one"))
	e.record(first)
	var want []redline.Change
	prev := first.Capture.ID
	for i, body := range []string{"one two", "two"} {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		rec := newRecord(tg, "", at, redline.OutcomeChanged, []byte(body))
		rec.Change = &redline.Change{FromCaptureID: prev, DetectedAt: at.Add(time.Second), WordsAdded: 1 - i, WordsRemoved: i,
			Significance: []string{"low", "high"}[i], VolatileOnly: i == 0}
		if i == 1 {
			rec.Change.RevertedTo = first.Capture.ID
		}
		e.record(rec)
		want = append([]redline.Change{*rec.Change}, want...)
		prev = rec.Capture.ID
	}
	// A change of another target, and one without a predecessor.
	orec := newRecord(other, "", t0, redline.OutcomeChanged, []byte("other"))
	orec.Change = &redline.Change{DetectedAt: t0, WordsAdded: 1}
	e.record(orec)

	got, err := e.s.Changes(e.ctx, tg.ID, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("Changes", got, want)
	if len(got) == 2 {
		e.wantTime("DetectedAt", got[0].DetectedAt, t0.Add(2*time.Hour+time.Second))
	}
	got, err = e.s.Changes(e.ctx, tg.ID, 1)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("Changes limit 1", got, want[:1])
	got, err = e.s.Changes(e.ctx, other.ID, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("Changes of bravo", got, []redline.Change{*orec.Change})
	if got, err := e.s.Changes(e.ctx, 1<<40, 0); err != nil || len(got) != 0 {
		e.t.Errorf("Changes of an unknown target = %v, %v", got, err)
	}
}

// testRecordCheckRender checks that Render sees the new capture and change
// IDs before the alerts are stored, and that a Render error stores nothing.
func testRecordCheckRender(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	rec1 := newRecord(tg, "", t0, redline.OutcomeBaseline, []byte("first"))
	e.record(rec1)

	t1 := t0.Add(time.Hour)
	failing := newRecord(tg, "", t1, redline.OutcomeChanged, []byte("second"))
	failing.Change = &redline.Change{FromCaptureID: rec1.Capture.ID, DetectedAt: t1}
	failing.Alerts = []redline.Alert{{ID: "r-0", Notifier: "webhook", Event: redline.EventPageChanged, CreatedAt: t1}}
	failing.Render = func(*redline.Alert, redline.Capture, *redline.Change) error { return errRender }
	if err := e.s.RecordCheck(e.ctx, failing); err == nil {
		e.t.Fatal("RecordCheck with a failing Render: no error")
	}
	if got := captureIDs(e.captures(tg.ID, 0, 0)); !slices.Equal(got, []int64{rec1.Capture.ID}) {
		e.t.Errorf("captures after a failed Render = %v, want [%d]", got, rec1.Capture.ID)
	}

	rec2 := newRecord(tg, "", t1, redline.OutcomeChanged, []byte("second"))
	rec2.Change = &redline.Change{FromCaptureID: rec1.Capture.ID, DetectedAt: t1}
	rec2.Alerts = []redline.Alert{{ID: "r-1", Notifier: "webhook", Event: redline.EventPageChanged, CreatedAt: t1}}
	rec2.Render = func(a *redline.Alert, c redline.Capture, ch *redline.Change) error {
		if c.ID == 0 || ch == nil || ch.ID == 0 || ch.ToCaptureID != c.ID {
			return errRender
		}
		a.Payload = []byte(fmt.Sprintf(`{"capture":%d,"change":%d}`, c.ID, ch.ID))
		return nil
	}
	e.record(rec2)
	want := fmt.Sprintf(`{"capture":%d,"change":%d}`, rec2.Capture.ID, rec2.Change.ID)
	if got := string(e.alert("r-1").Payload); got != want {
		e.t.Errorf("rendered payload = %s, want %s", got, want)
	}
}

var errRender = errors.New("render failed")

// testSumsFilledIn: bytes given without their sum are stored under the
// sum the store computes, which the record then carries, as does the
// capture read back; zero bytes are a blob too, nil bytes none. A sum the
// caller knew (Known) is recognised though the caller did not compute it.
func testSumsFilledIn(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	body := []byte("<p>The Secretary shall publish the list.</p>")
	rec := newRecord(tg, "", t0, redline.OutcomeBaseline, body)
	rec.Capture.BodySHA256, rec.Capture.TextSHA256 = "", ""
	e.record(rec)
	if rec.Capture.BodySHA256 != shaHex(body) || rec.Capture.TextSHA256 != shaHex(textOf(body)) {
		e.t.Errorf("sums filled in: body %q, text %q; want %s and %s", rec.Capture.BodySHA256, rec.Capture.TextSHA256,
			shaHex(body), shaHex(textOf(body)))
	}
	e.wantEqual("body stored under the computed sum", e.blob(shaHex(body)), body)
	e.wantEqual("text stored under the computed sum", e.blob(shaHex(textOf(body))), textOf(body))
	if got, err := e.s.Baseline(e.ctx, tg.ID); err != nil || got.BodySHA256 != shaHex(body) {
		e.t.Errorf("baseline read back: body sum %q, %v; want %s", got.BodySHA256, err, shaHex(body))
	}

	again := newRecord(tg, "", t0.Add(time.Hour), redline.OutcomeUnchanged, body)
	again.Capture.BodySHA256 = ""
	again.Known = []string{shaHex(body), shaHex(textOf(body))}
	e.record(again)
	if again.Capture.BodySHA256 != shaHex(body) {
		e.t.Errorf("known body: sum %q, want %s", again.Capture.BodySHA256, shaHex(body))
	}

	empty := newRecord(tg, "", t0.Add(2*time.Hour), redline.OutcomeChanged, []byte{})
	empty.Capture.BodySHA256 = ""
	e.record(empty)
	if empty.Capture.BodySHA256 != shaHex(nil) {
		e.t.Errorf("zero bytes: sum %q, want %s", empty.Capture.BodySHA256, shaHex(nil))
	}

	none := newRecord(tg, "", t0.Add(3*time.Hour), redline.OutcomeError, nil)
	e.record(none)
	if none.Capture.BodySHA256 != "" || none.Capture.TextSHA256 != "" {
		e.t.Errorf("no bytes: sums %q and %q, want none", none.Capture.BodySHA256, none.Capture.TextSHA256)
	}
}
