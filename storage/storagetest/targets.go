package storagetest

import (
	"slices"
	"time"

	"redline"
)

func testSyncTargets(e *env) {
	t0 := base()
	a, b := def("alpha"), def("bravo")
	a.Select = []string{"main", "#content"}
	a.Exclude = []string{".banner"}
	a.Tags = []string{"doj", "federal"}
	a.Source = "seed:federal"
	a.NextDue = t0.Add(99 * time.Hour) // ignored: a new target is due now
	e.sync(t0, a, b)

	ta := e.target("alpha")
	if ta.ID == 0 {
		e.t.Fatal("alpha: ID 0")
	}
	e.wantEqual("alpha definition",
		[]any{ta.Name, ta.URL, ta.Kind, ta.Schedule, ta.Select, ta.Exclude, ta.Tags, ta.Source, ta.Active},
		[]any{a.Name, a.URL, a.Kind, a.Schedule, a.Select, a.Exclude, a.Tags, a.Source, true})
	e.wantTime("new alpha NextDue", ta.NextDue, t0)
	e.wantTime("new alpha LastCheckAt", ta.LastCheckAt, time.Time{})
	if ta.LastOutcome != "" {
		e.t.Errorf("new alpha LastOutcome = %q, want empty", ta.LastOutcome)
	}
	tb := e.target("bravo")
	if len(tb.Select) != 0 || len(tb.Exclude) != 0 || len(tb.Tags) != 0 {
		e.t.Errorf("bravo lists = %q %q %q, want empty", tb.Select, tb.Exclude, tb.Tags)
	}
	if tb.ID == ta.ID {
		e.t.Errorf("alpha and bravo share ID %d", ta.ID)
	}

	// A changed definition with the same schedule keeps its next due time.
	t1 := t0.Add(time.Hour)
	a.URL += "?v=2"
	a.Tags = []string{"doj"}
	a.Select = nil
	a.NextDue = t1.Add(time.Hour)
	e.sync(t1, a, b)
	ta1 := e.target("alpha")
	if ta1.ID != ta.ID || ta1.URL != a.URL || !slices.Equal(ta1.Tags, a.Tags) || len(ta1.Select) != 0 {
		e.t.Errorf("updated alpha = %+v, want ID %d URL %s Tags %q no Select", ta1, ta.ID, a.URL, a.Tags)
	}
	e.wantTime("updated alpha NextDue", ta1.NextDue, t0)

	// A changed schedule makes the target due at def.NextDue.
	a.Schedule = "@every 6h"
	a.NextDue = t1.Add(6 * time.Hour)
	e.sync(t1, a, b)
	ta2 := e.target("alpha")
	if ta2.Schedule != a.Schedule {
		e.t.Errorf("alpha Schedule = %q, want %q", ta2.Schedule, a.Schedule)
	}
	e.wantTime("rescheduled alpha NextDue", ta2.NextDue, a.NextDue)

	// A target missing from defs is deactivated, not deleted.
	e.sync(t1, a)
	tb1 := e.target("bravo")
	if tb1.Active || tb1.ID != tb.ID {
		e.t.Errorf("removed bravo = %+v, want inactive with ID %d", tb1, tb.ID)
	}
	all, err := e.s.Targets(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantNames("Targets after removal", all, "alpha", "bravo")
	// Only the active target is handed out, however late it is.
	e.wantNames("ClaimDue with bravo inactive", e.claimDue("w1", t1.Add(1000*time.Hour), time.Minute, 10), "alpha")

	// Listing it again reactivates it with its ID and schedule.
	e.sync(t1, a, b)
	tb2 := e.target("bravo")
	if !tb2.Active || tb2.ID != tb.ID {
		e.t.Errorf("re-added bravo = %+v, want active with ID %d", tb2, tb.ID)
	}
	e.wantTime("re-added bravo NextDue", tb2.NextDue, t0)

	// Syncing the same definitions again changes nothing.
	e.sync(t1.Add(time.Hour), a, b)
	e.wantEqual("alpha after idempotent sync", e.target("alpha"), ta2)
	e.wantEqual("bravo after idempotent sync", e.target("bravo"), tb2)
}

func testSyncTargetsInvalid(e *env) {
	t0 := base()
	e.sync(t0, def("alpha"))
	if err := e.s.SyncTargets(e.ctx, []redline.Target{def("bravo"), def("bravo")}, t0); err == nil {
		e.t.Error("SyncTargets with a duplicate name: no error")
	}
	if err := e.s.SyncTargets(e.ctx, []redline.Target{def("")}, t0); err == nil {
		e.t.Error("SyncTargets with an empty name: no error")
	}
	// A failed sync changes nothing.
	all, err := e.s.Targets(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantNames("Targets after failed syncs", all, "alpha")
	if !all[0].Active {
		e.t.Error("alpha deactivated by a failed sync")
	}
}

func testTargetsOrder(e *env) {
	t0 := base()
	e.sync(t0, def("charlie"), def("alpha"), def("delta"), def("bravo"))
	e.sync(t0, def("charlie"), def("alpha"), def("bravo")) // delta inactive
	ts, err := e.s.Targets(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantNames("Targets", ts, "alpha", "bravo", "charlie", "delta")
	for _, tg := range ts {
		if tg.Active != (tg.Name != "delta") {
			e.t.Errorf("%s Active = %v", tg.Name, tg.Active)
		}
	}
}

func testTargetNotFound(e *env) {
	e.sync(base(), def("alpha"))
	_, err := e.s.Target(e.ctx, "nope")
	e.wantErr("Target(nope)", err, redline.ErrNotFound)
}

func testClaimDue(e *env) {
	t0 := base()
	e.sync(t0, def("delta"))                       // due t0, deactivated below
	e.sync(t0.Add(3*time.Minute), def("charlie"))  // due t0+3m
	e.addTarget(t0.Add(time.Minute), def("alpha")) // due t0+1m
	e.addTarget(t0.Add(2*time.Minute), def("bravo"))
	e.addTarget(t0.Add(10*time.Hour), def("echo"))

	e.wantNames("ClaimDue before anything is due", e.claimDue("w1", t0.Add(30*time.Second), time.Minute, 10))
	e.wantNames("ClaimDue limit 0", e.claimDue("w1", t0.Add(time.Hour), time.Minute, 0))

	now := t0.Add(5 * time.Minute)
	got := e.claimDue("w1", now, time.Minute, 2)
	e.wantNames("ClaimDue(w1, limit 2)", got, "alpha", "bravo")
	for _, tg := range got {
		if !tg.Active || tg.ID == 0 || tg.URL == "" {
			e.t.Errorf("claimed target %+v: want a full, active target", tg)
		}
	}
	e.wantTime("claimed alpha NextDue", got[0].NextDue, t0.Add(time.Minute))
	e.wantNames("ClaimDue(w2)", e.claimDue("w2", now, 10*time.Minute, 10), "charlie")
	e.wantNames("ClaimDue(w1) again: own leases are not handed out twice",
		e.claimDue("w1", now, time.Minute, 10))
	e.wantNames("ClaimDue(w3) while leases run", e.claimDue("w3", now.Add(30*time.Second), time.Minute, 10))

	// w1's leases end at now+1m; w2's at now+10m.
	e.wantNames("ClaimDue(w3) after w1's leases expired",
		e.claimDue("w3", now.Add(time.Minute+time.Second), time.Minute, 10), "alpha", "bravo")

	// Much later every lease has expired: earliest due first, echo last,
	// delta never (inactive).
	e.wantNames("ClaimDue(w4) at t0+10h",
		e.claimDue("w4", t0.Add(10*time.Hour), time.Minute, 10), "alpha", "bravo", "charlie", "echo")
}

func testClaimTargets(e *env) {
	t0 := base()
	e.sync(t0, def("alpha"), def("bravo"), def("charlie"))
	a, b, c := e.target("alpha"), e.target("bravo"), e.target("charlie")
	early := t0.Add(-time.Hour) // before anything is due
	const lease = 2 * time.Hour

	got := e.claimTargets("w1", []int64{c.ID, a.ID, 1 << 40}, early, lease)
	e.wantNames("ClaimTargets(w1, charlie alpha unknown)", got, "charlie", "alpha")
	e.wantNames("ClaimTargets(w2, alpha bravo)", e.claimTargets("w2", []int64{a.ID, b.ID}, early, lease), "bravo")
	e.wantNames("ClaimTargets(w1, alpha): own lease renewed",
		e.claimTargets("w1", []int64{a.ID}, early.Add(time.Minute), lease), "alpha")
	e.wantNames("ClaimTargets(w1, none)", e.claimTargets("w1", nil, early, lease))
	e.wantNames("ClaimDue(w3) while all are leased", e.claimDue("w3", t0, lease, 10))

	// w2's lease on bravo ends at early+2h; w1's on alpha at early+2h+1m.
	at := early.Add(lease + 30*time.Second)
	e.wantNames("ClaimTargets(w3) after some leases expired",
		e.claimTargets("w3", ids([]redline.Target{a, b, c}), at, lease), "bravo", "charlie")
	e.wantNames("ClaimTargets(w3) after all leases expired",
		e.claimTargets("w3", []int64{a.ID}, early.Add(lease+2*time.Minute), lease), "alpha")
}

// testCompareSettings checks that the comparison settings of a definition
// round-trip and that changing one counts as a changed definition, and that
// learned volatility is stored by RecordCheck and replaced by SetVolatility.
func testCompareSettings(e *env) {
	t0 := base()
	d := def("alpha")
	d.Ignore = []string{`Visitors: \d+`}
	d.Keywords = []string{"sanctuary", "8 U.S.C. 1373"}
	d.JSONPath = "results.#.title"
	d.NoDefaultIgnore = true
	e.sync(t0, d)
	got := e.target("alpha")
	e.wantEqual("settings", []any{got.Ignore, got.Keywords, got.JSONPath, got.NoDefaultIgnore},
		[]any{d.Ignore, d.Keywords, d.JSONPath, true})
	if got.Volatility != nil {
		e.t.Errorf("Volatility of a new target = %q, want nil", got.Volatility)
	}

	d.Keywords = []string{"detainer"}
	d.NoDefaultIgnore = false
	e.sync(t0.Add(time.Minute), d)
	got = e.target("alpha")
	e.wantEqual("updated settings", []any{got.Keywords, got.NoDefaultIgnore}, []any{[]string{"detainer"}, false})

	rec := newRecord(got, "", t0, redline.OutcomeBaseline, []byte("body"))
	rec.Volatility = []byte(`{"k":1}`)
	e.record(rec)
	e.wantEqual("volatility after RecordCheck", string(e.target("alpha").Volatility), `{"k":1}`)
	rec2 := newRecord(got, "", t0.Add(time.Hour), redline.OutcomeUnchanged, []byte("body"))
	e.record(rec2) // nil Volatility keeps the state
	e.wantEqual("volatility kept", string(e.target("alpha").Volatility), `{"k":1}`)
	if err := e.s.SetVolatility(e.ctx, got.ID, nil); err != nil {
		e.t.Fatal(err)
	}
	if v := e.target("alpha").Volatility; v != nil {
		e.t.Errorf("Volatility after reset = %q, want nil", v)
	}
	e.wantErr("SetVolatility of an unknown target", e.s.SetVolatility(e.ctx, 1<<40, nil), redline.ErrNotFound)
}
