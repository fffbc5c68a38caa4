package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"redline"
)

// where builds a conjunction of SQL conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) ids(col string, ids []int64) {
	if len(ids) == 0 {
		return
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	w.add(col+" IN ("+marks+")", args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// ListCaptures lists the captures f selects, pruned ones included.
func (s *Store) ListCaptures(ctx context.Context, f redline.CaptureFilter) ([]redline.Capture, error) {
	var w where
	w.ids("target_id", f.TargetIDs)
	if !f.Since.IsZero() {
		w.add("fetched_at >= ?", unixNano(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("fetched_at < ?", unixNano(f.Until))
	}
	if f.AfterID > 0 {
		w.add("id > ?", f.AfterID)
	}
	if f.BeforeID > 0 {
		w.add("id < ?", f.BeforeID)
	}
	if f.WithResponse {
		w.add("status > 0")
	}
	q := `SELECT ` + captureColumns + ` FROM capture_rows` + w.sql() + order(f.Oldest) + limit(f.Limit)
	rows, err := s.db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	defer rows.Close()
	var cs []redline.Capture
	for rows.Next() {
		c, err := scanCapture(rows)
		if err != nil {
			return nil, fmt.Errorf("list captures: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	return cs, nil
}

// ListChanges lists the changes f selects.
func (s *Store) ListChanges(ctx context.Context, f redline.ChangeFilter) ([]redline.Change, error) {
	var w where
	w.ids("target_id", f.TargetIDs)
	if !f.Since.IsZero() {
		w.add("detected_at >= ?", unixNano(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("detected_at < ?", unixNano(f.Until))
	}
	if f.AfterID > 0 {
		w.add("id > ?", f.AfterID)
	}
	if f.BeforeID > 0 {
		w.add("id < ?", f.BeforeID)
	}
	q := `SELECT ` + changeColumns + ` FROM changes` + w.sql() + order(f.Oldest) + limit(f.Limit)
	rows, err := s.db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	defer rows.Close()
	var chs []redline.Change
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("list changes: %w", err)
		}
		chs = append(chs, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	return chs, nil
}

func order(oldest bool) string {
	if oldest {
		return " ORDER BY id"
	}
	return " ORDER BY id DESC"
}

func limit(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

// BlobSums lists the sha256 of stored blobs above after, in order, at most
// limit (0 = no limit). Pruned blobs are included.
func (s *Store) BlobSums(ctx context.Context, after string, n int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sha256 FROM blobs WHERE sha256 > ? ORDER BY sha256`+limit(n), after)
	if err != nil {
		return nil, fmt.Errorf("list blobs: %w", err)
	}
	defer rows.Close()
	var sums []string
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			return nil, fmt.Errorf("list blobs: %w", err)
		}
		sums = append(sums, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list blobs: %w", err)
	}
	return sums, nil
}

// thinnable are the outcomes retention may prune.
const thinnable = `outcome IN ('unchanged', 'not-modified')`

// Prune applies r as of now; see redline.Store. Pruned blobs keep their row
// (with no bytes) so that the records referring to them stay valid.
func (s *Store) Prune(ctx context.Context, r redline.Retention, now time.Time) (redline.PruneStats, error) {
	var st redline.PruneStats
	if r.ThinAfter <= 0 {
		return st, nil
	}
	if r.KeepEvery < 0 {
		return st, fmt.Errorf("prune: keep every %v: must not be negative", r.KeepEvery)
	}
	cutoff := unixNano(now.Add(-r.ThinAfter))
	err := s.write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE captures SET pruned_at = ?
			WHERE pruned_at IS NULL AND ` + thinnable + ` AND fetched_at < ?
			AND id <> (SELECT MIN(id) FROM captures f WHERE f.target_id = captures.target_id)
			AND id <> (SELECT MAX(id) FROM captures l WHERE l.target_id = captures.target_id)
			AND NOT EXISTS (SELECT 1 FROM changes WHERE from_capture_id = captures.id)
			AND NOT EXISTS (SELECT 1 FROM changes WHERE reverted_to = captures.id)`
		args := []any{unixNano(now), cutoff}
		if r.KeepEvery > 0 {
			// The first thinnable capture of each window is kept, whether
			// or not an earlier pass pruned its neighbours.
			q += ` AND id NOT IN (SELECT MIN(id) FROM captures WHERE ` + thinnable + `
				GROUP BY target_id, fetched_at / ?)`
			args = append(args, r.KeepEvery.Nanoseconds())
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("prune captures: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("prune captures: %w", err)
		}
		st.Captures = int(n)

		// Blobs that only pruned captures refer to lose their bytes. A
		// kept repeat row uses the blobs of its base, pruned or not.
		// The kept sums are collected into a temporary table first, one
		// scan of the captures for each kind of sum, rather than looked
		// up in the captures for each blob.
		for _, q := range []string{
			`CREATE TEMP TABLE prune_kept (sha256 TEXT PRIMARY KEY) WITHOUT ROWID`,
			`INSERT OR IGNORE INTO temp.prune_kept (sha256)
				SELECT body_sha256 FROM capture_rows WHERE pruned_at IS NULL AND body_sha256 IS NOT NULL
				UNION ALL SELECT text_sha256 FROM capture_rows WHERE pruned_at IS NULL AND text_sha256 IS NOT NULL
				UNION ALL SELECT request_sha256 FROM capture_rows WHERE pruned_at IS NULL AND request_sha256 IS NOT NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("prune blobs: %w", err)
			}
		}
		const orphan = `pruned_at IS NULL AND sha256 NOT IN (SELECT sha256 FROM temp.prune_kept)`
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(length(data)), 0) FROM blobs WHERE `+orphan).
			Scan(&st.Blobs, &st.Bytes); err != nil {
			return fmt.Errorf("prune blobs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE blobs SET data = x'', encoding = 'identity', pruned_at = ? WHERE `+orphan,
			unixNano(now)); err != nil {
			return fmt.Errorf("prune blobs: %w", err)
		}
		// Dropped in the transaction: a rollback drops it too.
		if _, err := tx.ExecContext(ctx, `DROP TABLE temp.prune_kept`); err != nil {
			return fmt.Errorf("prune blobs: %w", err)
		}
		return nil
	})
	if err != nil {
		return redline.PruneStats{}, err
	}
	return st, nil
}

// chainLegacy gives the captures recorded before the hash chain existed
// (migration 0004) their chain, per target in ID order. It reads the
// table: repeat rows (migration 0006) do not exist yet.
func chainLegacy(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+captureColumns+` FROM captures ORDER BY target_id, id`)
	if err != nil {
		return fmt.Errorf("chain captures: %w", err)
	}
	var cs []redline.Capture
	for rows.Next() {
		c, err := scanCapture(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("chain captures: %w", err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("chain captures: %w", err)
	}
	heads := map[int64]string{}
	for _, c := range cs {
		prev := heads[c.TargetID]
		c.PrevHash, c.Hash = prev, redline.CaptureHash(prev, c)
		if _, err := tx.ExecContext(ctx, `UPDATE captures SET prev_hash = ?, record_hash = ? WHERE id = ?`,
			c.PrevHash, c.Hash, c.ID); err != nil {
			return fmt.Errorf("chain capture %d: %w", c.ID, err)
		}
		heads[c.TargetID] = c.Hash
	}
	for id, head := range heads {
		if _, err := tx.ExecContext(ctx, `UPDATE targets SET chain_head = ? WHERE id = ?`, head, id); err != nil {
			return fmt.Errorf("chain target %d: %w", id, err)
		}
	}
	return nil
}
