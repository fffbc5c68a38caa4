package storagetest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"redline"
)

// workers is how many goroutines the concurrency test runs at once.
const workers = 8

// testConcurrency has several workers, each its own lease owner, claim and
// record checks and deliver alerts at the same time. No call may fail and no
// target or alert may be handled twice in one round.
func testConcurrency(e *env) {
	t0 := base()
	var defs []redline.Target
	for i := range 3 * workers {
		defs = append(defs, def(fmt.Sprintf("target-%02d", i)))
	}
	e.sync(t0, defs...)
	all, err := e.s.Targets(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	allIDs := ids(all)

	// Round 1: every worker polls the due queue until it is empty,
	// recording each check (with one alert) as it goes.
	now := t0.Add(time.Minute)
	var (
		mu   sync.Mutex
		seen = map[int64][]string{}
		wg   sync.WaitGroup
	)
	for w := range workers {
		owner := fmt.Sprintf("worker-%d", w)
		wg.Go(func() {
			for {
				ts, err := e.s.ClaimDue(e.ctx, owner, now, time.Hour, 2)
				if err != nil {
					e.t.Errorf("%s: ClaimDue: %v", owner, err)
					return
				}
				if len(ts) == 0 {
					return
				}
				for _, tg := range ts {
					mu.Lock()
					seen[tg.ID] = append(seen[tg.ID], owner)
					mu.Unlock()
					rec := newRecord(tg, owner, now, redline.OutcomeBaseline, []byte("body of "+tg.Name))
					rec.Alerts = []redline.Alert{{ID: fmt.Sprintf("alert-%d", tg.ID), Notifier: "webhook",
						Event: redline.EventPageChanged, CreatedAt: now}}
					if err := e.s.RecordCheck(e.ctx, rec); err != nil {
						e.t.Errorf("%s: RecordCheck(%s): %v", owner, tg.Name, err)
					}
				}
			}
		})
	}
	wg.Wait()
	e.wantEachOnce("round 1", seen, allIDs)

	// Round 2: every worker claims an overlapping window of the targets by
	// ID at the same time, then records what it got.
	now2 := now.Add(time.Minute)
	seen = map[int64][]string{}
	claimed := make([][]redline.Target, workers)
	var claimWG sync.WaitGroup
	for w := range workers {
		owner := fmt.Sprintf("worker-%d", w)
		var window []int64
		for k := range len(allIDs) / 2 {
			window = append(window, allIDs[(3*w+k)%len(allIDs)])
		}
		claimWG.Go(func() {
			ts, err := e.s.ClaimTargets(e.ctx, owner, window, now2, time.Hour)
			if err != nil {
				e.t.Errorf("%s: ClaimTargets: %v", owner, err)
			}
			claimed[w] = ts
		})
	}
	claimWG.Wait()
	for w, ts := range claimed {
		for _, tg := range ts {
			seen[tg.ID] = append(seen[tg.ID], fmt.Sprintf("worker-%d", w))
		}
	}
	e.wantEachOnce("round 2", seen, allIDs)
	for w, ts := range claimed {
		owner := fmt.Sprintf("worker-%d", w)
		wg.Go(func() {
			for _, tg := range ts {
				rec := newRecord(tg, owner, now2, redline.OutcomeUnchanged, []byte("body of "+tg.Name))
				if err := e.s.RecordCheck(e.ctx, rec); err != nil {
					e.t.Errorf("%s: RecordCheck(%s): %v", owner, tg.Name, err)
				}
			}
		})
	}
	wg.Wait()
	for _, tg := range all {
		if n := len(e.captures(tg.ID, 0, 0)); n != 2 {
			e.t.Errorf("%s: %d captures, want 2", tg.Name, n)
		}
	}

	// Round 3: every worker delivers alerts until none is due.
	delivered := map[string][]string{}
	for w := range workers {
		owner := fmt.Sprintf("notifier-%d", w)
		wg.Go(func() {
			for {
				as, err := e.s.ClaimAlerts(e.ctx, owner, now2, time.Hour, 3)
				if err != nil {
					e.t.Errorf("%s: ClaimAlerts: %v", owner, err)
					return
				}
				if len(as) == 0 {
					return
				}
				for _, a := range as {
					mu.Lock()
					delivered[a.ID] = append(delivered[a.ID], owner)
					mu.Unlock()
					err := e.s.RecordAttempt(e.ctx, redline.Attempt{AlertID: a.ID, At: now2, StatusCode: 200}, true, time.Time{})
					if err != nil {
						e.t.Errorf("%s: RecordAttempt(%s): %v", owner, a.ID, err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(delivered) != len(all) {
		e.t.Errorf("%d alerts delivered, want %d", len(delivered), len(all))
	}
	for id, by := range delivered {
		if len(by) != 1 {
			e.t.Errorf("alert %s delivered by %q, want exactly one worker", id, by)
		}
	}
	if n := e.pending(); n != 0 {
		e.t.Errorf("PendingAlerts = %d, want 0", n)
	}
}

// wantEachOnce fails unless every ID in want was handled by exactly one
// worker, and nothing else was.
func (e *env) wantEachOnce(round string, seen map[int64][]string, want []int64) {
	e.t.Helper()
	for _, id := range want {
		if by := seen[id]; len(by) != 1 {
			e.t.Errorf("%s: target %d handled by %q, want exactly one worker", round, id, by)
		}
	}
	for id := range seen {
		if !slices.Contains(want, id) {
			e.t.Errorf("%s: unexpected target %d", round, id)
		}
	}
}
