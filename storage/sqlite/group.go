package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxGroup is how many checks one group commit holds at most.
const maxGroup = 32

// commitQueue lets concurrent RecordCheck calls share write transactions
// (group commit). The first caller to find no commit under way leads: it
// takes every check waiting, its own first, and commits them in one
// transaction, each inside a savepoint of its own. Callers that arrive
// meanwhile wait on a Go channel, not in SQLite's busy handler (which
// sleeps a millisecond and more between tries), and the oldest of them
// leads the next group. Each check still succeeds or fails alone.
type commitQueue struct {
	mu      sync.Mutex
	waiting []*commitItem
	busy    bool // a leader is committing a group
	shared  int  // transactions committed for more than one check
}

// commitItem is one caller's transaction body and, once done, its error.
type commitItem struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	err  error
	lead bool          // woken to lead the next group, not done
	wake chan struct{} // closed when done (err set) or to lead
}

// writeGrouped runs fn in a write transaction shared with the calls that
// wait at the same time, and returns fn's error, or the error that kept
// its work from being committed. fn must leave no effect outside tx that a
// second run would not redo: when a shared transaction fails as a whole,
// each fn runs again in a transaction of its own. fn gets ctx without its
// cancellation: once a group starts, every check in it completes (a
// statement interrupted by a cancelled context would roll back the whole
// group). A ctx cancelled while its caller waits skips fn, but the caller
// still returns only once the group it was taken into is done.
func (s *Store) writeGrouped(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	q := &s.commits
	it := &commitItem{ctx: ctx, fn: fn, wake: make(chan struct{})}
	q.mu.Lock()
	q.waiting = append(q.waiting, it)
	if q.busy {
		q.mu.Unlock()
		<-it.wake
		if !it.lead {
			return it.err
		}
		q.mu.Lock()
	}
	q.busy = true
	n := min(len(q.waiting), maxGroup)
	group := make([]*commitItem, n)
	copy(group, q.waiting) // it first: the queue is in arrival order
	rest := copy(q.waiting, q.waiting[n:])
	clear(q.waiting[rest:]) // the items taken hold their checks' bodies
	q.waiting = q.waiting[:rest]
	q.mu.Unlock()

	s.commitGroup(group)

	q.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		next.lead = true
		close(next.wake)
	} else {
		q.busy = false
	}
	q.mu.Unlock()
	for _, o := range group[1:] {
		close(o.wake)
	}
	return it.err
}

// commitGroup runs the items' bodies in one transaction, each in a
// savepoint rolled back when its body fails, and sets each item's error.
// When the transaction itself fails, nothing of it is committed and each
// item runs again alone.
func (s *Store) commitGroup(group []*commitItem) {
	live := make([]*commitItem, 0, len(group))
	for _, it := range group {
		if err := it.ctx.Err(); err != nil {
			it.err = err
			continue
		}
		live = append(live, it)
	}
	alone := func(it *commitItem) {
		ctx := context.WithoutCancel(it.ctx)
		it.err = s.write(ctx, func(tx *sql.Tx) error { return it.fn(ctx, tx) })
	}
	switch len(live) {
	case 0:
		return
	case 1:
		alone(live[0])
		return
	}
	bg := context.WithoutCancel(live[0].ctx)
	err := s.write(bg, func(tx *sql.Tx) error {
		for _, it := range live {
			if _, err := tx.StmtContext(bg, s.stmts.savepoint).ExecContext(bg); err != nil {
				return err
			}
			if it.err = it.fn(context.WithoutCancel(it.ctx), tx); it.err != nil {
				if _, err := tx.StmtContext(bg, s.stmts.rollbackTo).ExecContext(bg); err != nil {
					return err
				}
			}
			if _, err := tx.StmtContext(bg, s.stmts.release).ExecContext(bg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, it := range live {
			alone(it)
		}
		return
	}
	s.commits.mu.Lock()
	s.commits.shared++
	s.commits.mu.Unlock()
}
