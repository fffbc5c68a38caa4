package storagetest

import (
	"fmt"
	"slices"
	"time"

	"redline"
)

// addAlerts records a changed check of tg at at carrying one alert per id,
// created at at.
func (e *env) addAlerts(tg redline.Target, at time.Time, withChange bool, ids ...string) *redline.CheckRecord {
	e.t.Helper()
	rec := newRecord(tg, "", at, redline.OutcomeChanged, []byte(fmt.Sprintf("body at %v", at)))
	if withChange {
		rec.Change = &redline.Change{DetectedAt: at, WordsAdded: 2}
	}
	for _, id := range ids {
		rec.Alerts = append(rec.Alerts, redline.Alert{
			ID: id, Notifier: "webhook", Event: redline.EventPageChanged, Payload: []byte(`{"id":"` + id + `"}`), CreatedAt: at,
		})
	}
	e.record(rec)
	return rec
}

func (e *env) recordAttempt(a redline.Attempt, delivered bool, next time.Time) {
	e.t.Helper()
	if err := e.s.RecordAttempt(e.ctx, a, delivered, next); err != nil {
		e.t.Fatalf("RecordAttempt(%s): %v", a.AlertID, err)
	}
}

// alertIDs lists the IDs of as.
func alertIDs(as []redline.Alert) []string {
	var is []string
	for _, a := range as {
		is = append(is, a.ID)
	}
	return is
}

func (e *env) wantAlerts(what string, as []redline.Alert, want ...string) {
	e.t.Helper()
	if got := alertIDs(as); !slices.Equal(got, want) {
		e.t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func testAlertLifecycle(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	rec := e.addAlerts(tg, t0, true, "a1")
	const lease = time.Minute

	e.wantAlerts("ClaimAlerts before due", e.claimAlerts("n1", t0.Add(-time.Second), lease, 10))
	e.wantAlerts("ClaimAlerts limit 0", e.claimAlerts("n1", t0, lease, 0))
	got := e.claimAlerts("n1", t0, lease, 10)
	e.wantAlerts("ClaimAlerts(n1)", got, "a1")
	if len(got) == 1 {
		a := got[0]
		e.wantEqual("claimed alert", []any{a.Notifier, a.Event, a.TargetID, a.ChangeID, string(a.Payload), a.Attempts},
			[]any{"webhook", redline.EventPageChanged, tg.ID, rec.Change.ID, `{"id":"a1"}`, 0})
		e.wantTime("claimed CreatedAt", a.CreatedAt, t0)
	}
	e.wantAlerts("ClaimAlerts(n2) while leased", e.claimAlerts("n2", t0.Add(10*time.Second), lease, 10))
	e.wantAlerts("ClaimAlerts(n1) again while leased", e.claimAlerts("n1", t0.Add(10*time.Second), lease, 10))

	// A failed attempt: due again at next, lease released.
	attempts := []redline.Attempt{
		{AlertID: "a1", At: t0.Add(time.Second), StatusCode: 500, Latency: 250 * time.Millisecond, Error: "HTTP 500", Response: "oops"},
		{AlertID: "a1", At: t0.Add(2*time.Minute + 2*time.Second), Latency: 10 * time.Second, Error: "dial tcp: i/o timeout"},
		{AlertID: "a1", At: t0.Add(5*time.Minute + time.Second), StatusCode: 204, Latency: 80 * time.Millisecond},
	}
	e.recordAttempt(attempts[0], false, t0.Add(time.Minute))
	a := e.alert("a1")
	if a.Attempts != 1 || a.LastError != "HTTP 500" {
		e.t.Errorf("after one failure: Attempts %d LastError %q, want 1 %q", a.Attempts, a.LastError, "HTTP 500")
	}
	e.wantTime("NextAttemptAt after one failure", a.NextAttemptAt, t0.Add(time.Minute))
	e.wantTime("DeliveredAt after one failure", a.DeliveredAt, time.Time{})
	if n := e.pending(); n != 1 {
		e.t.Errorf("PendingAlerts = %d, want 1", n)
	}
	e.wantAlerts("ClaimAlerts(n2) before the retry is due", e.claimAlerts("n2", t0.Add(30*time.Second), lease, 10))
	got = e.claimAlerts("n2", t0.Add(time.Minute), lease, 10)
	e.wantAlerts("ClaimAlerts(n2) when the retry is due", got, "a1")
	if len(got) == 1 && got[0].Attempts != 1 {
		e.t.Errorf("claimed Attempts = %d, want 1", got[0].Attempts)
	}

	// n2 never answers; its lease ends at t0+2m.
	e.wantAlerts("ClaimAlerts(n3) during n2's lease", e.claimAlerts("n3", t0.Add(90*time.Second), lease, 10))
	e.wantAlerts("ClaimAlerts(n3) after n2's lease", e.claimAlerts("n3", t0.Add(2*time.Minute+time.Second), lease, 10), "a1")
	e.recordAttempt(attempts[1], false, t0.Add(5*time.Minute))
	if a := e.alert("a1"); a.Attempts != 2 || a.LastError != attempts[1].Error {
		e.t.Errorf("after two failures: Attempts %d LastError %q", a.Attempts, a.LastError)
	}

	// Delivered: done for good.
	e.wantAlerts("ClaimAlerts(n1) for the third attempt", e.claimAlerts("n1", t0.Add(5*time.Minute), lease, 10), "a1")
	e.recordAttempt(attempts[2], true, time.Time{})
	a = e.alert("a1")
	if a.Attempts != 3 {
		e.t.Errorf("after delivery: Attempts %d, want 3", a.Attempts)
	}
	e.wantTime("DeliveredAt", a.DeliveredAt, attempts[2].At)
	if n := e.pending(); n != 0 {
		e.t.Errorf("PendingAlerts after delivery = %d, want 0", n)
	}
	e.wantAlerts("ClaimAlerts after delivery", e.claimAlerts("n1", t0.Add(1000*time.Hour), lease, 10))

	got2, err := e.s.Attempts(e.ctx, "a1")
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("Attempts", got2, attempts)
	if len(got2) == 3 {
		e.wantTime("first attempt At", got2[0].At, attempts[0].At)
	}

	if as, err := e.s.Attempts(e.ctx, "nope"); err != nil || len(as) != 0 {
		e.t.Errorf("Attempts of an unknown alert = %v, %v", as, err)
	}
	_, err = e.s.Alert(e.ctx, "nope")
	e.wantErr("Alert(nope)", err, redline.ErrNotFound)
	err = e.s.RecordAttempt(e.ctx, redline.Attempt{AlertID: "nope", At: t0}, false, t0)
	e.wantErr("RecordAttempt(nope)", err, redline.ErrNotFound)
}

func testClaimAlertsOrder(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	e.addAlerts(tg, t0.Add(2*time.Minute), true, "c")
	e.addAlerts(tg, t0, false, "a")
	e.addAlerts(tg, t0.Add(time.Minute), true, "b1", "b2")
	if a := e.alert("a"); a.ChangeID != 0 {
		e.t.Errorf("alert without change: ChangeID %d, want 0", a.ChangeID)
	}
	now := t0.Add(time.Hour)
	e.wantAlerts("ClaimAlerts(n1, limit 2)", e.claimAlerts("n1", now, time.Minute, 2), "a", "b1")
	e.wantAlerts("ClaimAlerts(n2)", e.claimAlerts("n2", now, time.Minute, 10), "b2", "c")
	e.wantAlerts("ClaimAlerts(n3)", e.claimAlerts("n3", now, time.Minute, 10))

	// Retries go by their next attempt, not by creation; the unanswered
	// b1 and b2 (leases expired) are due since t0+1m and go first.
	e.recordAttempt(redline.Attempt{AlertID: "c", At: now, Error: "HTTP 502"}, false, now.Add(time.Minute))
	e.recordAttempt(redline.Attempt{AlertID: "a", At: now, Error: "HTTP 502"}, false, now.Add(2*time.Minute))
	e.wantAlerts("ClaimAlerts(n3) after retries",
		e.claimAlerts("n3", now.Add(5*time.Minute), time.Minute, 10), "b1", "b2", "c", "a")
}

func testPendingAlerts(e *env) {
	t0 := base()
	if n := e.pending(); n != 0 {
		e.t.Errorf("PendingAlerts of an empty store = %d", n)
	}
	tg := e.addTarget(t0, def("alpha"))
	e.addAlerts(tg, t0, true, "x", "y", "z")
	if n := e.pending(); n != 3 {
		e.t.Errorf("PendingAlerts = %d, want 3", n)
	}
	e.recordAttempt(redline.Attempt{AlertID: "x", At: t0, StatusCode: 200}, true, time.Time{})
	e.recordAttempt(redline.Attempt{AlertID: "y", At: t0, StatusCode: 503, Error: "HTTP 503"}, false, t0.Add(time.Minute))
	if n := e.pending(); n != 2 {
		e.t.Errorf("PendingAlerts after one delivery and one failure = %d, want 2", n)
	}
}

// testDeadLetters: an attempt marked DeadLetter gives the alert up; it is
// no longer claimed or pending, is listed as dead, and RetryAlert revives it
// with a fresh attempt count and its history kept.
func testDeadLetters(e *env) {
	t0 := base()
	tg := e.addTarget(t0, def("alpha"))
	e.addAlerts(tg, t0, false, "live", "doomed", "done")
	e.recordAttempt(redline.Attempt{AlertID: "done", At: t0, StatusCode: 204}, true, time.Time{})
	e.recordAttempt(redline.Attempt{AlertID: "doomed", At: t0, StatusCode: 500, Error: "HTTP 500"}, false, t0.Add(time.Minute))
	e.recordAttempt(redline.Attempt{AlertID: "doomed", At: t0.Add(time.Minute), StatusCode: 500, Error: "HTTP 500", DeadLetter: true}, false, time.Time{})

	d := e.alert("doomed")
	if d.State() != redline.AlertDead || d.Attempts != 2 {
		e.t.Fatalf("doomed: state %s attempts %d", d.State(), d.Attempts)
	}
	e.wantTime("DeadAt", d.DeadAt, t0.Add(time.Minute))
	e.wantAlerts("ClaimAlerts much later", e.claimAlerts("w", t0.Add(24*time.Hour), time.Minute, 10), "live")
	if n := e.pending(); n != 1 {
		e.t.Errorf("PendingAlerts = %d, want 1", n)
	}
	for state, want := range map[string][]string{
		"": {"done", "doomed", "live"}, redline.AlertDead: {"doomed"},
		redline.AlertDelivered: {"done"}, redline.AlertPending: {"live"},
	} {
		got, err := e.s.Alerts(e.ctx, redline.AlertFilter{State: state})
		if err != nil {
			e.t.Fatal(err)
		}
		ids := alertIDs(got)
		slices.Sort(ids)
		e.wantEqual("Alerts("+state+")", ids, want)
	}
	if got, err := e.s.Alerts(e.ctx, redline.AlertFilter{Limit: 1}); err != nil || len(got) != 1 {
		e.t.Errorf("Alerts limit 1 = %v, %v", got, err)
	}

	// A dead-letter flag on a delivered alert changes nothing.
	e.recordAttempt(redline.Attempt{AlertID: "done", At: t0.Add(time.Hour), Error: "late", DeadLetter: true}, false, time.Time{})
	if st := e.alert("done").State(); st != redline.AlertDelivered {
		e.t.Errorf("done: state %s after a late dead-letter attempt", st)
	}

	t1 := t0.Add(48 * time.Hour)
	if err := e.s.RetryAlert(e.ctx, "doomed", t1); err != nil {
		e.t.Fatal(err)
	}
	d = e.alert("doomed")
	if d.State() != redline.AlertPending || d.Attempts != 0 {
		e.t.Fatalf("revived: state %s attempts %d", d.State(), d.Attempts)
	}
	e.wantAlerts("ClaimAlerts after retry", e.claimAlerts("w2", t1, time.Minute, 10), "live", "doomed")
	atts, err := e.s.Attempts(e.ctx, "doomed")
	if err != nil || len(atts) != 2 {
		e.t.Errorf("history after retry: %d attempts, %v", len(atts), err)
	}
	e.wantErr("RetryAlert(nope)", e.s.RetryAlert(e.ctx, "nope", t1), redline.ErrNotFound)
}
