package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"redline"
)

// AddDiscovered stores newly found documents as targets; see redline.Store.
func (s *Store) AddDiscovered(ctx context.Context, rule string, found []redline.Target, now time.Time) ([]redline.Target, error) {
	if rule == "" {
		return nil, errors.New("add discovered: empty rule name")
	}
	var created []redline.Target
	err := s.write(ctx, func(tx *sql.Tx) error {
		created = created[:0]
		for _, d := range found {
			if d.URL == "" || d.Name == "" {
				return fmt.Errorf("discovered target %q at %q: want a name and a URL", d.Name, d.URL)
			}
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM targets WHERE url = ? LIMIT 1`, d.URL).Scan(&one)
			if err == nil {
				continue // tracked already, or dropped
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("look up %s: %w", d.URL, err)
			}
			name, err := freeName(ctx, tx, d.Name)
			if err != nil {
				return err
			}
			d.Name, d.DiscoveredBy, d.DiscoveredAt = name, rule, now
			if d.Source == "" {
				d.Source = redline.DiscoverSource + rule
			}
			due := d.NextDue
			if due.IsZero() {
				due = now
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO targets
				(name, url, kind, schedule, select_css, exclude_css, tags, source, options, active, next_due,
				 created_at, updated_at, discovered_by, discovered_at, title)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
				d.Name, d.URL, d.Kind, d.Schedule, encodeList(d.Select), encodeList(d.Exclude), encodeList(d.Tags),
				d.Source, encodeOptions(d), unixNano(due), unixNano(now), unixNano(now), rule, unixNano(now), d.Title)
			if err != nil {
				return fmt.Errorf("insert %s: %w", d.Name, err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("insert %s: %w", d.Name, err)
			}
			t, err := scanTarget(tx.QueryRowContext(ctx, `SELECT `+targetColumns+` FROM targets WHERE id = ?`, id))
			if err != nil {
				return fmt.Errorf("read back %s: %w", d.Name, err)
			}
			created = append(created, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add discovered by %s: %w", rule, err)
	}
	return created, nil
}

// freeName returns name, or name-2, name-3... whichever no target has.
func freeName(ctx context.Context, tx *sql.Tx, name string) (string, error) {
	for i := 1; ; i++ {
		try := name
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			try = name[:min(len(name), 100-len(suffix))] + suffix
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM targets WHERE name = ?`, try).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return try, nil
		}
		if err != nil {
			return "", fmt.Errorf("name %s: %w", try, err)
		}
	}
}

// MarkListed records which of rule's targets are still linked; see
// redline.Store.
func (s *Store) MarkListed(ctx context.Context, rule string, urls []string, now time.Time) ([]redline.Target, error) {
	listed := make(map[string]bool, len(urls))
	for _, u := range urls {
		listed[u] = true
	}
	var gone []redline.Target
	err := s.write(ctx, func(tx *sql.Tx) error {
		gone = gone[:0]
		rows, err := tx.QueryContext(ctx, `SELECT `+targetColumns+` FROM targets WHERE discovered_by = ?`, rule)
		if err != nil {
			return err
		}
		ts, err := collectTargets(rows)
		if err != nil {
			return err
		}
		for _, t := range ts {
			switch {
			case listed[t.URL] && !t.UnlistedAt.IsZero():
				_, err = tx.ExecContext(ctx, `UPDATE targets SET unlisted_at = NULL WHERE id = ?`, t.ID)
			case !listed[t.URL] && t.UnlistedAt.IsZero():
				_, err = tx.ExecContext(ctx, `UPDATE targets SET unlisted_at = ? WHERE id = ?`, unixNano(now), t.ID)
				t.UnlistedAt = now
				gone = append(gone, t)
			}
			if err != nil {
				return fmt.Errorf("mark %s: %w", t.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mark listed for %s: %w", rule, err)
	}
	return gone, nil
}

// SetPinned pins or unpins a discovered target.
func (s *Store) SetPinned(ctx context.Context, name string, pinned bool) error {
	return s.setFlag(ctx, name, `pinned = ?`, pinned)
}

// DropTarget deactivates a discovered target for good.
func (s *Store) DropTarget(ctx context.Context, name string) error {
	return s.setFlag(ctx, name, `dropped = ?, active = 0, pinned = 0, lease_owner = NULL, lease_until = NULL`, true)
}

func (s *Store) setFlag(ctx context.Context, name, set string, v bool) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var by string
		err := tx.QueryRowContext(ctx, `SELECT discovered_by FROM targets WHERE name = ?`, name).Scan(&by)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("target %s: %w", name, redline.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if by == "" {
			return fmt.Errorf("target %s is configured, not discovered: edit the configuration instead", name)
		}
		_, err = tx.ExecContext(ctx, `UPDATE targets SET `+set+`, updated_at = ? WHERE name = ?`, v, unixNano(time.Now()), name)
		return err
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	return nil
}
