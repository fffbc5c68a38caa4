package monitor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"redline"
)

func (m *Monitor) concurrency() int {
	if m.Concurrency > 0 {
		return m.Concurrency
	}
	return DefaultConcurrency
}

func (m *Monitor) lease() time.Duration {
	if m.Lease > 0 {
		return m.Lease
	}
	return DefaultLease
}

// CheckTargets claims the given targets and checks them, Concurrency at a
// time. Targets leased by another process are skipped and not in the
// results. Results are in the order of targets.
func (m *Monitor) CheckTargets(ctx context.Context, targets []redline.Target) ([]Result, error) {
	ids := make([]int64, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
	}
	claimed, err := m.Store.ClaimTargets(ctx, m.Owner, ids, m.now(), m.lease())
	if err != nil {
		return nil, fmt.Errorf("claim targets: %w", err)
	}
	return m.checkAll(ctx, claimed), nil
}

// CheckDue claims every target that is due now and checks it. Targets that
// fall due while it runs are left for the next call.
func (m *Monitor) CheckDue(ctx context.Context) ([]Result, error) {
	var all []Result
	cutoff := m.now()
	seen := map[int64]bool{}
	for {
		claimed, err := m.Store.ClaimDue(ctx, m.Owner, cutoff, m.lease(), m.concurrency()*4)
		if err != nil {
			return all, fmt.Errorf("claim due targets: %w", err)
		}
		// A target whose check could not be recorded stays due; check it
		// once per call, not forever.
		claimed = slices.DeleteFunc(claimed, func(t redline.Target) bool { return seen[t.ID] })
		if len(claimed) == 0 {
			return all, nil
		}
		for _, t := range claimed {
			seen[t.ID] = true
		}
		all = append(all, m.checkAll(ctx, claimed)...)
	}
}

func (m *Monitor) checkAll(ctx context.Context, targets []redline.Target) []Result {
	results := make([]Result, len(targets))
	sem := make(chan struct{}, m.concurrency())
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = m.Check(ctx, t)
		}()
	}
	wg.Wait()
	// Documents found by discovery rules are checked in the same run, so a
	// new document is captured (and page.new sent) the day it is found.
	var found []redline.Target
	for _, r := range results {
		found = append(found, r.Discovered...)
	}
	if len(found) > 0 {
		claimed := found
		if m.Owner != "" {
			ids := make([]int64, len(found))
			for i, t := range found {
				ids[i] = t.ID
			}
			var err error
			if claimed, err = m.Store.ClaimTargets(ctx, m.Owner, ids, m.now(), m.lease()); err != nil {
				m.logger().Error("claim discovered targets", "error", err)
				return results
			}
		}
		results = append(results, m.checkAll(ctx, claimed)...)
	}
	return results
}

// Run checks targets as they fall due until ctx ends. Checks in flight when
// ctx ends run to completion (their own context is not cancelled) before
// Run returns. When report is not nil it gets every result, from several
// goroutines at once.
func (m *Monitor) Run(ctx context.Context, report func(Result)) error {
	poll := m.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	conc := m.concurrency()
	checkCtx := context.WithoutCancel(ctx)
	done := make(chan struct{}, conc)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	inflight := 0
	for {
		if free := conc - inflight; free > 0 && ctx.Err() == nil {
			claimed, err := m.Store.ClaimDue(ctx, m.Owner, m.now(), m.lease(), free)
			if err != nil && ctx.Err() == nil {
				m.logger().Error("claim due targets", "error", err)
			}
			for _, t := range claimed {
				inflight++
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := m.Check(checkCtx, t)
					if r.Err != nil {
						m.logger().Error("check failed to complete", "target", t.Name, "error", r.Err)
					}
					if report != nil {
						report(r)
					}
					done <- struct{}{}
				}()
			}
		}
		select {
		case <-ctx.Done():
			if inflight > 0 {
				m.logger().Info("stopping: waiting for checks in flight", "checks", inflight)
			}
			return nil
		case <-done:
			inflight--
		case <-tick.C:
		}
	}
}
