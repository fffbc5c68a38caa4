package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"redline"
)

// waitQueued waits until n calls wait in s's commit queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		s.commits.mu.Lock()
		got := len(s.commits.waiting)
		s.commits.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", got, n)
		}
	}
}

// holdCommits starts a grouped write that blocks inside its transaction
// until the returned function is called, which then waits for it to end.
func holdCommits(t *testing.T, s *Store) (release func() error) {
	t.Helper()
	inside, free := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.writeGrouped(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
			close(inside)
			<-free
			return nil
		})
	}()
	<-inside
	return func() error {
		close(free)
		return <-done
	}
}

// TestGroupCommitSharesATransaction queues 16 checks behind a transaction
// under way: they commit as one group. The one whose lease is gone fails
// alone, writing nothing; the one whose alert fails to render, after its
// blobs and capture are written, fails alone too, and its savepoint takes
// back what it wrote.
func TestGroupCommitSharesATransaction(t *testing.T) {
	s := openTemp(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var names []string
	for i := range 16 {
		names = append(names, fmt.Sprintf("t%02d", i))
	}
	tgs := syncTargets(t, s, at, names...)
	release := holdCommits(t, s)

	const lost, broken = 5, 9
	recs := make([]*redline.CheckRecord, len(tgs))
	errs := make([]error, len(tgs))
	var wg sync.WaitGroup
	for i, tg := range tgs {
		body := []byte(fmt.Sprintf("<p>page %d</p>", i))
		text := []byte(fmt.Sprintf("page %d", i))
		recs[i] = &redline.CheckRecord{
			Capture: redline.Capture{TargetID: tg.ID, FetchedAt: at, URL: tg.URL, Status: 200, Outcome: redline.OutcomeBaseline,
				BodySHA256: shaHex(body), BodySize: int64(len(body)), TextSHA256: shaHex(text)},
			Body: body, Text: text, NextDue: at.Add(time.Hour),
			Alerts: []redline.Alert{{ID: fmt.Sprintf("alert-%d", i), Notifier: "hook"}},
		}
		switch i {
		case lost:
			recs[i].LeaseOwner = "ghost" // holds no lease
		case broken:
			recs[i].Render = func(*redline.Alert, redline.Capture, *redline.Change) error { return errors.New("template broke") }
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.RecordCheck(t.Context(), recs[i])
		}()
	}
	waitQueued(t, s, len(tgs))
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	for i, err := range errs {
		switch {
		case i == lost && !errors.Is(err, redline.ErrLeaseLost):
			t.Errorf("check %d: err %v, want ErrLeaseLost", i, err)
		case i == broken && (err == nil || !strings.Contains(err.Error(), "template broke")):
			t.Errorf("check %d: err %v, want the render error", i, err)
		case i != lost && i != broken && err != nil:
			t.Errorf("check %d: %v", i, err)
		case i != lost && i != broken && recs[i].Capture.ID == 0:
			t.Errorf("check %d: no capture ID filled in", i)
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM captures`); n != int64(len(tgs)-2) {
		t.Errorf("%d captures, want %d", n, len(tgs)-2)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM alerts`); n != int64(len(tgs)-2) {
		t.Errorf("%d alerts, want %d", n, len(tgs)-2)
	}
	for _, i := range []int{lost, broken} {
		if n := count(t, s, `SELECT COUNT(*) FROM captures WHERE target_id = ?`, tgs[i].ID); n != 0 {
			t.Errorf("failed check %d stored %d captures", i, n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM blobs WHERE sha256 = ?`, recs[i].Capture.BodySHA256); n != 0 {
			t.Errorf("failed check %d stored its body", i)
		}
	}
	s.commits.mu.Lock()
	shared, waiting, busy := s.commits.shared, len(s.commits.waiting), s.commits.busy
	s.commits.mu.Unlock()
	if shared != 1 || waiting != 0 || busy {
		t.Errorf("shared transactions %d, waiting %d, busy %v; want 1, 0, false", shared, waiting, busy)
	}
	// Each target's chain is whole: the next check links to the first.
	for i, tg := range tgs {
		if i == lost || i == broken {
			continue
		}
		next := record(t, s, tg, "", at.Add(time.Minute), redline.OutcomeUnchanged, []byte(fmt.Sprintf("<p>page %d</p>", i)))
		if next.Capture.PrevHash != recs[i].Capture.Hash {
			t.Errorf("check %d: next capture chained to %q, want %q", i, next.Capture.PrevHash, recs[i].Capture.Hash)
		}
	}
}

// TestGroupCommitFailureRunsEachAlone breaks a shared transaction from
// inside: nothing of the group is committed, and each body runs again in a
// transaction of its own, so the others still commit.
func TestGroupCommitFailureRunsEachAlone(t *testing.T) {
	s := openTemp(t)
	if _, err := s.DB().ExecContext(t.Context(), `CREATE TABLE scratch (x TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	release := holdCommits(t, s)
	var mu sync.Mutex
	runs := map[string]int{}
	insert := func(x string, breakTx bool) func(context.Context, *sql.Tx) error {
		return func(ctx context.Context, tx *sql.Tx) error {
			mu.Lock()
			runs[x]++
			mu.Unlock()
			if _, err := tx.ExecContext(ctx, `INSERT INTO scratch (x) VALUES (?)`, x); err != nil {
				return err
			}
			if breakTx {
				// Ends the transaction under the group's feet.
				_, err := tx.ExecContext(ctx, `ROLLBACK`)
				return err
			}
			return nil
		}
	}
	names := []string{"one", "two", "three"}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, x := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.writeGrouped(t.Context(), insert(x, x == "two"))
		}()
		waitQueued(t, s, i+1) // in this order
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Errorf("errors %v, want only the second to fail", errs)
	}
	rows, err := s.DB().QueryContext(t.Context(), `SELECT x FROM scratch ORDER BY x`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	if !slices.Equal(got, []string{"one", "three"}) {
		t.Errorf("rows %q, want one and three once each", got)
	}
	if runs["one"] != 2 || runs["two"] != 2 || runs["three"] != 1 {
		// one ran in the group and again alone; the group broke at two,
		// before three ran in it.
		t.Errorf("runs %v, want one 2, two 2, three 1", runs)
	}
}

// TestGroupCommitSkipsCancelled cancels a call while it waits: its body
// never runs and it returns the context's error; the call behind it
// commits.
func TestGroupCommitSkipsCancelled(t *testing.T) {
	s := openTemp(t)
	release := holdCommits(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan string, 2)
	errs := make(chan error, 2)
	go func() {
		errs <- s.writeGrouped(ctx, func(context.Context, *sql.Tx) error { ran <- "cancelled"; return nil })
	}()
	waitQueued(t, s, 1)
	go func() {
		errs <- s.writeGrouped(t.Context(), func(context.Context, *sql.Tx) error { ran <- "kept"; return nil })
	}()
	waitQueued(t, s, 2)
	cancel()
	if err := release(); err != nil {
		t.Fatal(err)
	}
	var got []error
	for range 2 {
		got = append(got, <-errs)
	}
	close(ran)
	var bodies []string
	for r := range ran {
		bodies = append(bodies, r)
	}
	nilErrs, cancelled := 0, 0
	for _, err := range got {
		switch {
		case err == nil:
			nilErrs++
		case errors.Is(err, context.Canceled):
			cancelled++
		}
	}
	if nilErrs != 1 || cancelled != 1 || !slices.Equal(bodies, []string{"kept"}) {
		t.Errorf("errors %v, bodies run %q; want one nil, one canceled, only the kept body", got, bodies)
	}
}
