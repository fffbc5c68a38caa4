package monitor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"redline"
	"redline/crawler"
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
// results. Results are in the order of targets, followed by those of the
// documents discovery rules found.
func (m *Monitor) CheckTargets(ctx context.Context, targets []redline.Target) ([]Result, error) {
	order := make(map[int64]int, len(targets))
	for i, t := range targets {
		if _, ok := order[t.ID]; !ok {
			order[t.ID] = i
		}
	}
	var all []Result
	err := m.EachTarget(ctx, targets, func(r Result) { all = append(all, r) })
	rank := func(r Result) int {
		if i, ok := order[r.Target.ID]; ok {
			return i
		}
		return len(targets)
	}
	slices.SortStableFunc(all, func(a, b Result) int { return rank(a) - rank(b) })
	return all, err
}

// EachTarget is CheckTargets passing each result to fn as its check ends
// instead of returning them all, so that a run over many targets holds only
// the checks in flight. It claims the targets a batch at a time, as checks
// free up. fn is called from one goroutine at a time.
func (m *Monitor) EachTarget(ctx context.Context, targets []redline.Target, fn func(Result)) error {
	rest := targets
	return m.each(ctx, fn, func() ([]redline.Target, error) {
		for len(rest) > 0 {
			n := min(len(rest), m.batch())
			ids := make([]int64, n)
			for i, t := range rest[:n] {
				ids[i] = t.ID
			}
			rest = rest[n:]
			claimed, err := m.Store.ClaimTargets(ctx, m.Owner, ids, m.now(), m.lease())
			if err != nil {
				return nil, fmt.Errorf("claim targets: %w", err)
			}
			if len(claimed) > 0 {
				return claimed, nil
			}
			// All leased by another process: try the next batch.
		}
		return nil, nil
	})
}

// CheckDue claims every target that is due now and checks it. Targets that
// fall due while it runs are left for the next call.
func (m *Monitor) CheckDue(ctx context.Context) ([]Result, error) {
	var all []Result
	err := m.EachDue(ctx, func(r Result) { all = append(all, r) })
	return all, err
}

// EachDue is CheckDue passing each result to fn as its check ends; see
// EachTarget.
func (m *Monitor) EachDue(ctx context.Context, fn func(Result)) error {
	cutoff := m.now()
	seen := map[int64]bool{}
	return m.each(ctx, fn, func() ([]redline.Target, error) {
		claimed, err := m.Store.ClaimDue(ctx, m.Owner, cutoff, m.lease(), m.batch())
		if err != nil {
			return nil, fmt.Errorf("claim due targets: %w", err)
		}
		// A target whose check could not be recorded stays due; check it
		// once per call, not forever.
		claimed = slices.DeleteFunc(claimed, func(t redline.Target) bool { return seen[t.ID] })
		if len(claimed) == 0 {
			return nil, nil
		}
		for _, t := range claimed {
			seen[t.ID] = true
		}
		return claimed, nil
	})
}

// batch is how many targets are claimed at a time.
func (m *Monitor) batch() int { return m.concurrency() * 4 }

// each checks the targets next claims, Concurrency at a time, until next
// returns none, then the documents the checks discovered (checked in
// the same run, so that a new document is captured, and page.new sent, the
// day it is found). next is called once its previous batch is all under
// way, so that claims (and their leases) stay at most a batch ahead of the
// checks. Each result goes to fn, one call at a time.
func (m *Monitor) each(ctx context.Context, fn func(Result), next func() ([]redline.Target, error)) error {
	sem := make(chan struct{}, m.concurrency())
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex // serialises fn and guards found
		found []redline.Target
	)
	defer wg.Wait()
	check := func(t redline.Target) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := m.Check(ctx, t)
			mu.Lock()
			defer mu.Unlock()
			found = append(found, r.Discovered...)
			fn(r)
		}()
	}
	var prepared []<-chan struct{}
	defer func() {
		for _, done := range prepared {
			<-done
		}
	}()
	for {
		batch, err := next()
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		prepared = append(prepared, m.Prepare(ctx, batch))
		for _, t := range batch {
			check(t)
		}
	}
	for {
		wg.Wait()
		mu.Lock()
		docs := found
		found = nil
		mu.Unlock()
		if len(docs) == 0 {
			return nil
		}
		claimed := docs
		if m.Owner != "" {
			ids := make([]int64, len(docs))
			for i, t := range docs {
				ids[i] = t.ID
			}
			var err error
			if claimed, err = m.Store.ClaimTargets(ctx, m.Owner, ids, m.now(), m.lease()); err != nil {
				m.logger().Error("claim discovered targets", "error", err)
				return nil
			}
		}
		for _, t := range claimed {
			check(t)
		}
	}
}

// Prepare hands the fetches of targets to the Fetcher ahead of their checks,
// when it can take them (see preparer), and returns at once; the channel
// closes when the Fetcher is done with them. Checks do not wait for it: a
// check that comes first does the work itself. More targets than a batch
// are handed over a batch at a time, each once the one before is done, so
// that what is fetched ahead stays bounded like the checks.
func (m *Monitor) Prepare(ctx context.Context, targets []redline.Target) <-chan struct{} {
	prep, ok := m.Fetcher.(preparer)
	if !ok || len(targets) == 0 {
		done := make(chan struct{})
		close(done)
		return done
	}
	hand := func(ts []redline.Target) <-chan struct{} {
		reqs := make([]crawler.Request, len(ts))
		for i, t := range ts {
			reqs[i] = request(t)
		}
		return prep.Prepare(ctx, reqs)
	}
	if len(targets) <= m.batch() {
		return hand(targets)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for batch := range slices.Chunk(targets, m.batch()) {
			if ctx.Err() != nil {
				return
			}
			<-hand(batch) // its fetches end early when ctx does
		}
	}()
	return done
}

// preparer is a Fetcher that can get ready for a batch of fetches before
// they are made: *crawler.Fetcher fetches the hosts' robots.txt ahead, so
// that checks of hosts new to the run do not wait in turn for it and then
// for the host's delay.
type preparer interface {
	Prepare(ctx context.Context, reqs []crawler.Request) <-chan struct{}
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
