package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"redline"
)

// targetColumns are the columns scanned by scanTarget, in order.
const targetColumns = `id, name, url, kind, schedule, select_css, exclude_css, tags, source,
	active, next_due, last_check_at, last_outcome, options, volatility, chain_head,
	discovered_by, discovered_at, title, pinned, dropped, unlisted_at`

// targetOptions is the JSON form of the comparison settings of a target.
type targetOptions struct {
	Ignore          []string `json:"ignore,omitempty"`
	Keywords        []string `json:"keywords,omitempty"`
	JSONPath        string   `json:"json_path,omitempty"`
	NoDefaultIgnore bool     `json:"no_default_ignore,omitempty"`

	Discover       *redline.DiscoverRule `json:"discover,omitempty"`
	AllowedDomains []string              `json:"allowed_domains,omitempty"`
}

func encodeOptions(t redline.Target) string {
	b, _ := json.Marshal(targetOptions{t.Ignore, t.Keywords, t.JSONPath, t.NoDefaultIgnore, t.Discover, t.AllowedDomains}) // always marshals
	return string(b)
}

// scanTarget reads one row of targetColumns.
func scanTarget(row interface{ Scan(...any) error }) (redline.Target, error) {
	var (
		t                    redline.Target
		sel, exc, tags       string
		nextDue, lastCheckAt sql.NullInt64
		lastOutcome, opts    string
		volatility           sql.NullString
		discAt, unlisted     sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.Name, &t.URL, &t.Kind, &t.Schedule, &sel, &exc, &tags, &t.Source,
		&t.Active, &nextDue, &lastCheckAt, &lastOutcome, &opts, &volatility, &t.ChainHead,
		&t.DiscoveredBy, &discAt, &t.Title, &t.Pinned, &t.Dropped, &unlisted)
	if err != nil {
		return redline.Target{}, err
	}
	var o targetOptions
	if err := json.Unmarshal([]byte(opts), &o); err != nil {
		return redline.Target{}, fmt.Errorf("target %s: options: %w", t.Name, err)
	}
	t.Ignore, t.Keywords, t.JSONPath, t.NoDefaultIgnore = nilIfEmpty(o.Ignore), nilIfEmpty(o.Keywords), o.JSONPath, o.NoDefaultIgnore
	if volatility.Valid {
		t.Volatility = []byte(volatility.String)
	}
	if t.Select, err = decodeList(sel); err != nil {
		return redline.Target{}, fmt.Errorf("target %s: select: %w", t.Name, err)
	}
	if t.Exclude, err = decodeList(exc); err != nil {
		return redline.Target{}, fmt.Errorf("target %s: exclude: %w", t.Name, err)
	}
	if t.Tags, err = decodeList(tags); err != nil {
		return redline.Target{}, fmt.Errorf("target %s: tags: %w", t.Name, err)
	}
	t.DiscoveredAt, t.UnlistedAt = timeOf(discAt), timeOf(unlisted)
	t.Discover, t.AllowedDomains = o.Discover, nilIfEmpty(o.AllowedDomains)
	t.NextDue = timeOf(nextDue)
	t.LastCheckAt = timeOf(lastCheckAt)
	t.LastOutcome = redline.Outcome(lastOutcome)
	return t, nil
}

// encodeList stores a list as a compact JSON array; nil is "[]".
func encodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

// decodeList reads a JSON array back; an empty array is nil.
func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}

// SyncTargets makes the active targets match defs, keyed by Name, in one
// transaction. A new target is due at now. A known target keeps its ID,
// history and next due time, except when its Schedule changed: then it is
// due at def.NextDue (at now when that is zero). Stored targets missing from
// defs are deactivated; listing one again reactivates it. Rows are only
// written when something changed. Names must be non-empty and unique.
func (s *Store) SyncTargets(ctx context.Context, defs []redline.Target, now time.Time) error {
	seen := make(map[string]bool, len(defs))
	for _, d := range defs {
		if d.Name == "" {
			return errors.New("sync targets: target with empty name")
		}
		if seen[d.Name] {
			return fmt.Errorf("sync targets: duplicate target name %q", d.Name)
		}
		seen[d.Name] = true
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		stored, err := listTargets(ctx, tx)
		if err != nil {
			return err
		}
		byName := make(map[string]redline.Target, len(stored))
		for _, t := range stored {
			byName[t.Name] = t
		}
		for _, d := range defs {
			old, ok := byName[d.Name]
			if !ok {
				if err := insertTarget(ctx, tx, d, now); err != nil {
					return err
				}
				continue
			}
			if err := updateTarget(ctx, tx, old, d, now); err != nil {
				return err
			}
		}
		rules := map[string]bool{}
		for _, d := range defs {
			if d.Discover != nil {
				rules[d.Name] = true
			}
		}
		for _, t := range stored {
			if t.DiscoveredBy != "" && !seen[t.Name] {
				// Found by a rule: it stays while its rule does, or when pinned.
				keep := (rules[t.DiscoveredBy] || t.Pinned) && !t.Dropped
				if keep && !t.Active {
					if _, err := tx.ExecContext(ctx, `UPDATE targets SET active = 1, next_due = COALESCE(next_due, ?), updated_at = ? WHERE id = ?`,
						unixNano(now), unixNano(now), t.ID); err != nil {
						return fmt.Errorf("reactivate %s: %w", t.Name, err)
					}
				}
				if keep {
					continue
				}
			}
			if t.Active && !seen[t.Name] {
				if _, err := tx.ExecContext(ctx, `UPDATE targets SET active = 0, updated_at = ? WHERE id = ?`,
					unixNano(now), t.ID); err != nil {
					return fmt.Errorf("deactivate %s: %w", t.Name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync targets: %w", err)
	}
	return nil
}

func insertTarget(ctx context.Context, tx *sql.Tx, d redline.Target, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO targets
		(name, url, kind, schedule, select_css, exclude_css, tags, source, options, active, next_due, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		d.Name, d.URL, d.Kind, d.Schedule, encodeList(d.Select), encodeList(d.Exclude), encodeList(d.Tags),
		d.Source, encodeOptions(d), unixNano(now), unixNano(now), unixNano(now))
	if err != nil {
		return fmt.Errorf("insert %s: %w", d.Name, err)
	}
	return nil
}

// updateTarget writes d over old when their definitions differ or old is
// inactive.
func updateTarget(ctx context.Context, tx *sql.Tx, old, d redline.Target, now time.Time) error {
	nextDue := old.NextDue
	if d.Schedule != old.Schedule {
		nextDue = d.NextDue
		if nextDue.IsZero() {
			nextDue = now
		}
	}
	same := old.Active && old.URL == d.URL && old.Kind == d.Kind && old.Schedule == d.Schedule &&
		old.Source == d.Source && slices.Equal(old.Select, nilIfEmpty(d.Select)) &&
		slices.Equal(old.Exclude, nilIfEmpty(d.Exclude)) && slices.Equal(old.Tags, nilIfEmpty(d.Tags)) &&
		encodeOptions(old) == encodeOptions(d)
	if same {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE targets SET
		url = ?, kind = ?, schedule = ?, select_css = ?, exclude_css = ?, tags = ?, source = ?, options = ?,
		active = 1, next_due = ?, updated_at = ?
		WHERE id = ?`,
		d.URL, d.Kind, d.Schedule, encodeList(d.Select), encodeList(d.Exclude), encodeList(d.Tags), d.Source,
		encodeOptions(d), timeArg(nextDue), unixNano(now), old.ID)
	if err != nil {
		return fmt.Errorf("update %s: %w", d.Name, err)
	}
	return nil
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

func listTargets(ctx context.Context, q queryer) ([]redline.Target, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+targetColumns+` FROM targets ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return collectTargets(rows)
}

// collectTargets scans and closes rows.
func collectTargets(rows *sql.Rows) ([]redline.Target, error) {
	defer rows.Close()
	var ts []redline.Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// Targets lists every stored target, active or not, ordered by name.
func (s *Store) Targets(ctx context.Context) ([]redline.Target, error) {
	ts, err := listTargets(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return ts, nil
}

// Target returns one target by name, or ErrNotFound.
func (s *Store) Target(ctx context.Context, name string) (redline.Target, error) {
	t, err := scanTarget(s.db.QueryRowContext(ctx, `SELECT `+targetColumns+` FROM targets WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return redline.Target{}, fmt.Errorf("target %q: %w", name, redline.ErrNotFound)
	}
	if err != nil {
		return redline.Target{}, fmt.Errorf("target %q: %w", name, err)
	}
	return t, nil
}

// ClaimDue leases up to limit active targets due at or before now, earliest
// due first, until now+lease. A target under an unexpired lease is skipped
// whoever holds it, the caller included: a scheduler that polls while its
// own checks run must not be handed the same target twice. A lease expires
// at its end time; an expired lease may be taken by any owner.
func (s *Store) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]redline.Target, error) {
	if err := checkLease(owner, lease); err != nil {
		return nil, fmt.Errorf("claim due: %w", err)
	}
	if limit <= 0 {
		return nil, nil
	}
	var ts []redline.Target
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE targets SET lease_owner = ?1, lease_until = ?2
			WHERE id IN (
				SELECT id FROM targets
				WHERE active = 1 AND next_due <= ?3 AND (lease_owner IS NULL OR lease_until <= ?3)
				ORDER BY next_due, id
				LIMIT ?4)
			RETURNING `+targetColumns,
			owner, unixNano(now.Add(lease)), unixNano(now), limit)
		if err != nil {
			return err
		}
		ts, err = collectTargets(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due: %w", err)
	}
	slices.SortFunc(ts, func(a, b redline.Target) int {
		if c := a.NextDue.Compare(b.NextDue); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return ts, nil
}

// ClaimTargets leases the given targets (by ID) until now+lease, whether due
// or active or not, skipping those under another owner's unexpired lease and
// IDs that do not exist. The caller's own lease is renewed. Targets come back
// in the order of ids.
func (s *Store) ClaimTargets(ctx context.Context, owner string, ids []int64, now time.Time, lease time.Duration) ([]redline.Target, error) {
	if err := checkLease(owner, lease); err != nil {
		return nil, fmt.Errorf("claim targets: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("claim targets: %w", err)
	}
	var ts []redline.Target
	err = s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE targets SET lease_owner = ?1, lease_until = ?2
			WHERE id IN (SELECT value FROM json_each(?3))
				AND (lease_owner IS NULL OR lease_owner = ?1 OR lease_until <= ?4)
			RETURNING `+targetColumns,
			owner, unixNano(now.Add(lease)), string(idsJSON), unixNano(now))
		if err != nil {
			return err
		}
		ts, err = collectTargets(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim targets: %w", err)
	}
	pos := make(map[int64]int, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		pos[ids[i]] = i
	}
	slices.SortFunc(ts, func(a, b redline.Target) int { return pos[a.ID] - pos[b.ID] })
	return ts, nil
}

// SetVolatility replaces a target's learned volatility state; nil forgets it.
func (s *Store) SetVolatility(ctx context.Context, targetID int64, state []byte) error {
	var v any
	if state != nil {
		v = string(state)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE targets SET volatility = ? WHERE id = ?`, v, targetID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("target %d: %w", targetID, redline.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set volatility: %w", err)
	}
	return nil
}
