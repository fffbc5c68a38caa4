package redline

import (
	"context"
	"time"
)

// Store persists targets, their schedule, captures, content-addressed blobs,
// changes and the alert outbox. Implementations must be safe for concurrent
// use, and several processes (or nodes, for a networked database) may share
// one store: work is handed out through leases, never held in memory alone.
//
// All times are stored and returned in UTC.
type Store interface {
	// SyncTargets makes the active targets match defs, keyed by Name.
	// A new target is due at now. A known target keeps its history and its
	// next due time, except when its Schedule changed: then it is due at
	// def.NextDue. Stored targets missing from defs are deactivated, not
	// deleted; their history stays. Targets found by a discovery rule are
	// not in defs: they stay active while their rule is in defs, or when
	// pinned, unless dropped.
	SyncTargets(ctx context.Context, defs []Target, now time.Time) error
	// AddDiscovered stores the documents a discovery rule found as new
	// active targets (DiscoveredBy = rule) and returns those created, with
	// their IDs. A document whose URL any stored target already has
	// (dropped ones included) is skipped; a name already taken gets a
	// numbered suffix.
	AddDiscovered(ctx context.Context, rule string, found []Target, now time.Time) ([]Target, error)
	// MarkListed records which of rule's targets its pages still link to:
	// the others get UnlistedAt (kept from the first run that missed them),
	// the listed ones lose it. It returns the targets newly unlisted.
	MarkListed(ctx context.Context, rule string, urls []string, now time.Time) ([]Target, error)
	// SetPinned pins or unpins a discovered target; ErrNotFound when no
	// target has that name.
	SetPinned(ctx context.Context, name string, pinned bool) error
	// DropTarget deactivates a discovered target for good: it is not
	// checked, and its rule does not find it again.
	DropTarget(ctx context.Context, name string) error
	// Targets lists every stored target, active or not, ordered by name.
	Targets(ctx context.Context) ([]Target, error)
	// Target returns one target by name, or ErrNotFound.
	Target(ctx context.Context, name string) (Target, error)
	// SetVolatility replaces a target's learned volatility state (nil
	// forgets it).
	SetVolatility(ctx context.Context, targetID int64, state []byte) error

	// ClaimDue leases up to limit active targets due at or before now and not
	// leased by anyone else, earliest due first. The lease ends when the
	// check is recorded or when it expires.
	ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Target, error)
	// ClaimTargets leases the given targets (by ID) whether due or not,
	// skipping those leased by another owner.
	ClaimTargets(ctx context.Context, owner string, ids []int64, now time.Time, lease time.Duration) ([]Target, error)
	// RecordCheck commits rec in one transaction and fills in the IDs of
	// the capture, the change and the alerts, and the sums of blobs given
	// without one (see CheckRecord). It fails with ErrLeaseLost when
	// rec.LeaseOwner no longer holds the target's lease.
	RecordCheck(ctx context.Context, rec *CheckRecord) error

	// Baseline returns the latest good capture of a target (see
	// Outcome.Good), or ErrNotFound.
	Baseline(ctx context.Context, targetID int64) (Capture, error)
	// Captures lists a target's captures, newest first, with IDs below
	// before (0 = no bound), at most limit (0 = no limit).
	Captures(ctx context.Context, targetID int64, before int64, limit int) ([]Capture, error)
	// Capture returns one capture by ID, or ErrNotFound.
	Capture(ctx context.Context, id int64) (Capture, error)
	// Blob returns the uncompressed bytes stored under a hex sha256, or
	// ErrNotFound.
	Blob(ctx context.Context, sha256 string) ([]byte, error)
	// Changes lists a target's changes, newest first, at most limit (0 = no limit).
	Changes(ctx context.Context, targetID int64, limit int) ([]Change, error)
	// ListCaptures lists the captures f selects, pruned ones included.
	ListCaptures(ctx context.Context, f CaptureFilter) ([]Capture, error)
	// ListChanges lists the changes f selects.
	ListChanges(ctx context.Context, f ChangeFilter) ([]Change, error)
	// BlobSums lists the sha256 of stored blobs above after, in order, at
	// most limit (0 = no limit), for fixity checks.
	BlobSums(ctx context.Context, after string, limit int) ([]string, error)
	// Prune applies r as of now: it drops the bodies of old unchanged or
	// not-modified captures, keeping their records and fixity hashes, and
	// deletes blobs no kept capture refers to. It never prunes a target's
	// first or latest capture, a changed one, or one a change refers to.
	Prune(ctx context.Context, r Retention, now time.Time) (PruneStats, error)

	// ClaimAlerts leases up to limit undelivered alerts whose next attempt
	// is due at or before now, oldest first.
	ClaimAlerts(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Alert, error)
	// RecordAttempt stores one delivery attempt and releases the alert's
	// lease. When delivered, the alert is done; when a.DeadLetter, it is
	// given up; otherwise it is due again at next.
	RecordAttempt(ctx context.Context, a Attempt, delivered bool, next time.Time) error
	// Alerts lists alerts, newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	// RetryAlert makes an alert due again at now, whatever its state, with
	// a fresh count of attempts (its attempt history stays). ErrNotFound
	// for an unknown alert.
	RetryAlert(ctx context.Context, id string, now time.Time) error
	// Alert returns one alert by ID, or ErrNotFound.
	Alert(ctx context.Context, id string) (Alert, error)
	// Attempts lists the delivery attempts of one alert, oldest first.
	Attempts(ctx context.Context, alertID string) ([]Attempt, error)
	// PendingAlerts counts the alerts neither delivered nor dead.
	PendingAlerts(ctx context.Context) (int, error)

	Close() error
}
