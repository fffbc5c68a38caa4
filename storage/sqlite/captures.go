package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"redline"
)

// captureColumns are the columns scanned by scanCapture, in order. Select
// them from the view capture_rows, which completes repeat rows; only
// chainLegacy, which runs before repeat rows exist, reads the table.
const captureColumns = `id, target_id, fetched_at, duration_us, url, final_url, status, header,
	content_type, outcome, error, body_sha256, body_size, text_sha256, attempts,
	request_sha256, prev_hash, record_hash, pruned_at`

// goodOutcomes is the SQL test for redline.Outcome.Good. It must match the
// WHERE clause of the captures_good index word for word, or SQLite will not
// use that index.
const goodOutcomes = `outcome IN ('baseline', 'changed', 'unchanged')`

// changeColumns are the columns scanned by scanChange, in order.
const changeColumns = `id, target_id, from_capture_id, to_capture_id, detected_at, words_added, words_removed,
	significance, reverted_to, volatile_only`

func scanCapture(row interface{ Scan(...any) error }) (redline.Capture, error) {
	var (
		c                  redline.Capture
		fetchedAt          int64
		durationUS         int64
		header             sql.NullString
		outcome            string
		bodySHA, textSHA   sql.NullString
		reqSHA, prev, hash sql.NullString
		prunedAt           sql.NullInt64
	)
	err := row.Scan(&c.ID, &c.TargetID, &fetchedAt, &durationUS, &c.URL, &c.FinalURL, &c.Status, &header,
		&c.ContentType, &outcome, &c.Error, &bodySHA, &c.BodySize, &textSHA, &c.Attempts,
		&reqSHA, &prev, &hash, &prunedAt)
	if err != nil {
		return redline.Capture{}, err
	}
	c.FetchedAt = time.Unix(0, fetchedAt).UTC()
	c.Duration = durationOf(durationUS)
	c.Outcome = redline.Outcome(outcome)
	c.BodySHA256 = bodySHA.String
	c.TextSHA256 = textSHA.String
	c.RequestSHA256, c.PrevHash, c.Hash = reqSHA.String, prev.String, hash.String
	c.PrunedAt = timeOf(prunedAt)
	if header.Valid {
		if err := json.Unmarshal([]byte(header.String), &c.Header); err != nil {
			return redline.Capture{}, fmt.Errorf("capture %d: header: %w", c.ID, err)
		}
		if c.Header == nil {
			c.Header = http.Header{}
		}
	}
	return c, nil
}

func scanChange(row interface{ Scan(...any) error }) (redline.Change, error) {
	var (
		ch             redline.Change
		from, reverted sql.NullInt64
		detectedAt     int64
	)
	err := row.Scan(&ch.ID, &ch.TargetID, &from, &ch.ToCaptureID, &detectedAt, &ch.WordsAdded, &ch.WordsRemoved,
		&ch.Significance, &reverted, &ch.VolatileOnly)
	ch.RevertedTo = reverted.Int64
	if err != nil {
		return redline.Change{}, err
	}
	ch.FromCaptureID = from.Int64
	ch.DetectedAt = time.Unix(0, detectedAt).UTC()
	return ch, nil
}

// RecordCheck commits rec atomically: the body and text blobs unless
// already stored, the capture, the change (if any), the alerts (if any), and
// the target's last check, last outcome and next due time (left as is when
// rec.NextDue is zero). It fills in rec.Capture.ID, the capture's empty
// blob sums (see below), rec.Change.ID, rec.Change.ToCaptureID and each
// alert's ChangeID, only once committed.
//
// When rec.LeaseOwner is set it must still hold the target's lease (expired
// or not, as long as nobody else took it), else RecordCheck fails with
// ErrLeaseLost and writes nothing; the lease is released on success. With no
// LeaseOwner, a lease held by anyone is left alone.
//
// Concurrent calls share write transactions (group commit, see
// writeGrouped), each inside a savepoint of its own: one call's failure
// leaves the others' records whole.
//
// A blob given with its sha256 is verified against it before it is stored,
// unless the sum is in rec.Known and the blob is found stored; bytes given
// without one are hashed, stored, and their sum filled in
// (rec.Capture.BodySHA256, TextSHA256); no bytes and no sum store nothing.
// Empty bytes under a sha256 other than that of zero bytes refer to a blob
// that must already be stored. Zero times are filled in:
// the change's DetectedAt and the alerts' CreatedAt with the current time,
// the alerts' NextAttemptAt with their CreatedAt. The alerts' and change's
// TargetID default to the capture's.
func (s *Store) RecordCheck(ctx context.Context, rec *redline.CheckRecord) error {
	if err := s.recordCheck(ctx, rec); err != nil {
		return fmt.Errorf("record check: %w", err)
	}
	return nil
}

func (s *Store) recordCheck(ctx context.Context, rec *redline.CheckRecord) error {
	if rec == nil {
		return errors.New("nil record")
	}
	c := rec.Capture
	switch {
	case c.TargetID == 0:
		return errors.New("capture without target id")
	case c.FetchedAt.IsZero():
		return errors.New("capture without fetch time")
	case c.Outcome == "":
		return errors.New("capture without outcome")
	}
	var header string
	if c.Header != nil {
		header = string(redline.HeaderJSON(c.Header))
	}
	var request []byte
	if c.RequestHeader != nil {
		request = redline.HeaderJSON(c.RequestHeader)
		sum := sha256.Sum256(request)
		c.RequestSHA256 = hex.EncodeToString(sum[:])
	}
	c.RequestHeader = nil
	c.PrunedAt = time.Time{}
	now := time.Now().UTC()
	var change *redline.Change
	if rec.Change != nil {
		ch := *rec.Change
		if ch.TargetID == 0 {
			ch.TargetID = c.TargetID
		}
		if ch.TargetID != c.TargetID {
			return fmt.Errorf("change of target %d in a capture of target %d", ch.TargetID, c.TargetID)
		}
		if ch.DetectedAt.IsZero() {
			ch.DetectedAt = now
		}
		change = &ch
	}
	alerts := make([]redline.Alert, len(rec.Alerts))
	ids := make(map[string]bool, len(rec.Alerts))
	for i, a := range rec.Alerts {
		if a.ID == "" {
			return fmt.Errorf("alert %d: empty id", i)
		}
		if ids[a.ID] {
			return fmt.Errorf("alert %s: duplicate id", a.ID)
		}
		ids[a.ID] = true
		if a.TargetID == 0 {
			a.TargetID = c.TargetID
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt = now
		}
		if a.NextAttemptAt.IsZero() {
			a.NextAttemptAt = a.CreatedAt
		}
		a.Attempts, a.DeliveredAt, a.LastError = 0, time.Time{}, ""
		alerts[i] = a
	}

	// Hash and compress outside of the write transaction.
	blobs, err := s.prepareBlobs(rec.Known, blobIn{"body", c.BodySHA256, rec.Body}, blobIn{"text", c.TextSHA256, rec.Text},
		blobIn{"request header", c.RequestSHA256, request})
	if err != nil {
		return err
	}
	if body := blobs[0]; body != nil {
		c.BodySHA256 = body.sum
	}
	if text := blobs[1]; text != nil {
		c.TextSHA256 = text.sum
	}

	err = s.writeGrouped(ctx, func(ctx context.Context, tx *sql.Tx) error {
		head, err := s.checkTargetLease(ctx, tx, c.TargetID, rec.LeaseOwner)
		if err != nil {
			return err
		}
		if err := s.insertBlobs(ctx, tx, blobs, now); err != nil {
			return err
		}
		c.PrevHash = head
		c.Hash = redline.CaptureHash(head, c)
		if c.ID, err = s.insertCapture(ctx, tx, &c, header); err != nil {
			return fmt.Errorf("insert capture: %w", err)
		}
		if change != nil {
			change.ToCaptureID = c.ID
			res, err := tx.ExecContext(ctx, `INSERT INTO changes (target_id, from_capture_id, to_capture_id,
				detected_at, words_added, words_removed, significance, reverted_to, volatile_only)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				change.TargetID, nullID(change.FromCaptureID), change.ToCaptureID, unixNano(change.DetectedAt),
				change.WordsAdded, change.WordsRemoved, change.Significance, nullID(change.RevertedTo), change.VolatileOnly)
			if err != nil {
				return fmt.Errorf("insert change: %w", err)
			}
			if change.ID, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("insert change: %w", err)
			}
		}
		for i := range alerts {
			a := &alerts[i]
			if change != nil {
				a.ChangeID = change.ID
			}
			if rec.Render != nil {
				if err := rec.Render(a, c, change); err != nil {
					return fmt.Errorf("render alert %s: %w", a.ID, err)
				}
			}
			if err := insertAlert(ctx, tx, a); err != nil {
				return err
			}
		}
		release := rec.LeaseOwner != ""
		if rec.Volatility != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE targets SET volatility = ? WHERE id = ?`,
				string(rec.Volatility), c.TargetID); err != nil {
				return fmt.Errorf("update volatility: %w", err)
			}
		}
		_, err = tx.StmtContext(ctx, s.stmts.updateTarget).ExecContext(ctx,
			unixNano(c.FetchedAt), string(c.Outcome), c.Hash, timeArg(rec.NextDue), release, release, c.TargetID)
		if err != nil {
			return fmt.Errorf("update target: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rec.Capture = c
	if change != nil {
		*rec.Change = *change
	}
	copy(rec.Alerts, alerts)
	return nil
}

// insertCapture stores c, chained to c.PrevHash, and returns its ID. c is
// stored as a repeat row when its response repeats (see repeatHeader) the
// base of the target's latest capture or, failing that, of its latest good
// one (after a 304 or a failed fetch, a page that answers as before
// repeats its baseline); else as a full row. header is c.Header as JSON.
func (s *Store) insertCapture(ctx context.Context, tx *sql.Tx, c *redline.Capture, header string) (int64, error) {
	var res sql.Result
	latest, err := repeatBaseOf(ctx, tx, s.stmts.latestBase, c.TargetID)
	if err != nil {
		return 0, err
	}
	// A repeat row's prev_hash is derived from the target's latest
	// capture: c may be one only when that is the capture it chains to.
	base := latest
	var delta, request string
	repeat := false
	if latest != nil && latest.hash.String == c.PrevHash {
		delta, request, repeat = repeatHeader(latest, c, header)
		if !repeat && !latest.good && c.Outcome.Good() {
			good, err := repeatBaseOf(ctx, tx, s.stmts.goodBase, c.TargetID)
			if err != nil {
				return 0, err
			}
			if good != nil && good.id != latest.id {
				base = good
				delta, request, repeat = repeatHeader(good, c, header)
			}
		}
	}
	if repeat {
		res, err = tx.StmtContext(ctx, s.stmts.insertRepeat).ExecContext(ctx,
			c.TargetID, unixNano(c.FetchedAt), durationArg(c.Duration), delta,
			string(c.Outcome), c.Error, c.Attempts, nullString(request), c.Hash, base.id)
	} else {
		var h any
		if c.Header != nil {
			h = header
		}
		res, err = tx.StmtContext(ctx, s.stmts.insertFull).ExecContext(ctx,
			c.TargetID, unixNano(c.FetchedAt), durationArg(c.Duration), c.URL, c.FinalURL, c.Status, h,
			c.ContentType, string(c.Outcome), c.Error, nullString(c.BodySHA256), c.BodySize,
			nullString(c.TextSHA256), c.Attempts, nullString(c.RequestSHA256), c.PrevHash, c.Hash)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// checkTargetLease returns the target's chain head. It fails with
// ErrNotFound when the target does not exist and with ErrLeaseLost when
// owner is set and does not hold its lease.
func (s *Store) checkTargetLease(ctx context.Context, tx *sql.Tx, targetID int64, owner string) (string, error) {
	var (
		holder sql.NullString
		head   string
	)
	err := tx.StmtContext(ctx, s.stmts.targetHead).QueryRowContext(ctx, targetID).Scan(&holder, &head)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("target %d: %w", targetID, redline.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("target %d: %w", targetID, err)
	}
	if owner != "" && holder.String != owner {
		if holder.Valid {
			return "", fmt.Errorf("target %d: %w to %q", targetID, redline.ErrLeaseLost, holder.String)
		}
		return "", fmt.Errorf("target %d: %w (released)", targetID, redline.ErrLeaseLost)
	}
	return head, nil
}

// Baseline returns the latest good capture of a target (see Outcome.Good),
// or ErrNotFound.
func (s *Store) Baseline(ctx context.Context, targetID int64) (redline.Capture, error) {
	c, err := scanCapture(s.stmts.baseline.QueryRowContext(ctx, targetID))
	if errors.Is(err, sql.ErrNoRows) {
		return redline.Capture{}, fmt.Errorf("baseline of target %d: %w", targetID, redline.ErrNotFound)
	}
	if err != nil {
		return redline.Capture{}, fmt.Errorf("baseline of target %d: %w", targetID, err)
	}
	return c, nil
}

// Captures lists a target's captures, newest first, with IDs below before
// (0 = no bound), at most limit (0 = no limit). An unknown target has none.
func (s *Store) Captures(ctx context.Context, targetID int64, before int64, limit int) ([]redline.Capture, error) {
	q := `SELECT ` + captureColumns + ` FROM capture_rows WHERE target_id = ?`
	args := []any{targetID}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("captures of target %d: %w", targetID, err)
	}
	defer rows.Close()
	var cs []redline.Capture
	for rows.Next() {
		c, err := scanCapture(rows)
		if err != nil {
			return nil, fmt.Errorf("captures of target %d: %w", targetID, err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("captures of target %d: %w", targetID, err)
	}
	return cs, nil
}

// Capture returns one capture by ID, or ErrNotFound.
func (s *Store) Capture(ctx context.Context, id int64) (redline.Capture, error) {
	c, err := scanCapture(s.db.QueryRowContext(ctx, `SELECT `+captureColumns+` FROM capture_rows WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return redline.Capture{}, fmt.Errorf("capture %d: %w", id, redline.ErrNotFound)
	}
	if err != nil {
		return redline.Capture{}, fmt.Errorf("capture %d: %w", id, err)
	}
	return c, nil
}

// Changes lists a target's changes, newest first, at most limit (0 = no
// limit). An unknown target has none.
func (s *Store) Changes(ctx context.Context, targetID int64, limit int) ([]redline.Change, error) {
	q := `SELECT ` + changeColumns + ` FROM changes WHERE target_id = ? ORDER BY id DESC`
	args := []any{targetID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("changes of target %d: %w", targetID, err)
	}
	defer rows.Close()
	var chs []redline.Change
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("changes of target %d: %w", targetID, err)
		}
		chs = append(chs, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes of target %d: %w", targetID, err)
	}
	return chs, nil
}
