package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"redline"
)

// alertColumns are the columns scanned by scanAlert, in order.
const alertColumns = `id, notifier, event, target_id, change_id, payload, created_at,
	attempts, next_attempt_at, delivered_at, last_error, dead_at`

func scanAlert(row interface{ Scan(...any) error }) (redline.Alert, error) {
	var (
		a                        redline.Alert
		changeID, deliveredAt    sql.NullInt64
		deadAt                   sql.NullInt64
		createdAt, nextAttemptAt int64
	)
	err := row.Scan(&a.ID, &a.Notifier, &a.Event, &a.TargetID, &changeID, &a.Payload, &createdAt,
		&a.Attempts, &nextAttemptAt, &deliveredAt, &a.LastError, &deadAt)
	if err != nil {
		return redline.Alert{}, err
	}
	a.ChangeID = changeID.Int64
	a.CreatedAt = time.Unix(0, createdAt).UTC()
	a.NextAttemptAt = time.Unix(0, nextAttemptAt).UTC()
	a.DeliveredAt = timeOf(deliveredAt)
	a.DeadAt = timeOf(deadAt)
	return a, nil
}

// insertAlert adds a new, undelivered alert to the outbox.
func insertAlert(ctx context.Context, tx *sql.Tx, a *redline.Alert) error {
	payload := a.Payload
	if payload == nil {
		payload = []byte{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO alerts (id, notifier, event, target_id, change_id, payload,
		created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
		a.ID, a.Notifier, a.Event, a.TargetID, nullID(a.ChangeID), payload,
		unixNano(a.CreatedAt), unixNano(a.NextAttemptAt))
	if err != nil {
		return fmt.Errorf("insert alert %s: %w", a.ID, err)
	}
	return nil
}

// ClaimAlerts leases up to limit undelivered alerts whose next attempt is due
// at or before now, oldest first (by next attempt, then creation), until
// now+lease. An alert under an unexpired lease is skipped whoever holds it,
// the caller included; an expired lease may be taken by any owner.
func (s *Store) ClaimAlerts(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]redline.Alert, error) {
	if err := checkLease(owner, lease); err != nil {
		return nil, fmt.Errorf("claim alerts: %w", err)
	}
	if limit <= 0 {
		return nil, nil
	}
	var as []redline.Alert
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE alerts SET lease_owner = ?1, lease_until = ?2
			WHERE id IN (
				SELECT id FROM alerts
				WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ?3
					AND (lease_owner IS NULL OR lease_until <= ?3)
				ORDER BY next_attempt_at, created_at, id
				LIMIT ?4)
			RETURNING `+alertColumns,
			owner, unixNano(now.Add(lease)), unixNano(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return err
			}
			as = append(as, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim alerts: %w", err)
	}
	slices.SortFunc(as, func(a, b redline.Alert) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return as, nil
}

// RecordAttempt stores one delivery attempt, counts it on the alert, keeps
// its error as the alert's LastError and releases the alert's lease, in one
// transaction. When delivered, the alert is done (DeliveredAt = a.At) and is
// never claimed again; otherwise it is due again at next (at a.At when next
// is zero). An attempt recorded after the alert was delivered (by a worker
// whose lease had expired) is logged but does not undo the delivery. A zero
// a.At is the current time. It fails with ErrNotFound for an unknown alert.
func (s *Store) RecordAttempt(ctx context.Context, a redline.Attempt, delivered bool, next time.Time) error {
	if a.At.IsZero() {
		a.At = time.Now()
	}
	if next.IsZero() {
		next = a.At
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET
			attempts = attempts + 1,
			last_error = ?1,
			next_attempt_at = CASE WHEN ?2 OR delivered_at IS NOT NULL THEN next_attempt_at ELSE ?3 END,
			delivered_at = CASE WHEN ?2 THEN COALESCE(delivered_at, ?4) ELSE delivered_at END,
			dead_at = CASE WHEN NOT ?2 AND ?6 AND delivered_at IS NULL THEN ?4 ELSE dead_at END,
			lease_owner = NULL, lease_until = NULL
			WHERE id = ?5`,
			a.Error, delivered, unixNano(next), unixNano(a.At), a.AlertID, a.DeadLetter)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return redline.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attempts (alert_id, at, status_code, latency_us, error, response)
			VALUES (?, ?, ?, ?, ?, ?)`,
			a.AlertID, unixNano(a.At), a.StatusCode, durationArg(a.Latency), a.Error, a.Response)
		return err
	})
	if err != nil {
		return fmt.Errorf("record attempt of alert %s: %w", a.AlertID, err)
	}
	return nil
}

// Alert returns one alert by ID, or ErrNotFound.
func (s *Store) Alert(ctx context.Context, id string) (redline.Alert, error) {
	a, err := scanAlert(s.db.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return redline.Alert{}, fmt.Errorf("alert %s: %w", id, redline.ErrNotFound)
	}
	if err != nil {
		return redline.Alert{}, fmt.Errorf("alert %s: %w", id, err)
	}
	return a, nil
}

// Attempts lists the delivery attempts of one alert, oldest first. An
// unknown alert has none.
func (s *Store) Attempts(ctx context.Context, alertID string) ([]redline.Attempt, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT alert_id, at, status_code, latency_us, error, response
		FROM attempts WHERE alert_id = ? ORDER BY id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("attempts of alert %s: %w", alertID, err)
	}
	defer rows.Close()
	var as []redline.Attempt
	for rows.Next() {
		var (
			a         redline.Attempt
			at, latUS int64
		)
		if err := rows.Scan(&a.AlertID, &at, &a.StatusCode, &latUS, &a.Error, &a.Response); err != nil {
			return nil, fmt.Errorf("attempts of alert %s: %w", alertID, err)
		}
		a.At = time.Unix(0, at).UTC()
		a.Latency = durationOf(latUS)
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attempts of alert %s: %w", alertID, err)
	}
	return as, nil
}

// PendingAlerts counts the alerts not yet delivered.
func (s *Store) PendingAlerts(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE delivered_at IS NULL AND dead_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending alerts: %w", err)
	}
	return n, nil
}

// Alerts lists alerts, newest first, filtered by state.
func (s *Store) Alerts(ctx context.Context, f redline.AlertFilter) ([]redline.Alert, error) {
	q := `SELECT ` + alertColumns + ` FROM alerts`
	switch f.State {
	case "":
	case redline.AlertPending:
		q += ` WHERE delivered_at IS NULL AND dead_at IS NULL`
	case redline.AlertDelivered:
		q += ` WHERE delivered_at IS NOT NULL`
	case redline.AlertDead:
		q += ` WHERE delivered_at IS NULL AND dead_at IS NOT NULL`
	default:
		return nil, fmt.Errorf("alerts: unknown state %q", f.State)
	}
	q += ` ORDER BY created_at DESC, id DESC`
	var args []any
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	defer rows.Close()
	var as []redline.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return as, nil
}

// RetryAlert makes an alert due again at now, whatever its state, with a
// fresh count of attempts; its attempt history stays.
func (s *Store) RetryAlert(ctx context.Context, id string, now time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET delivered_at = NULL, dead_at = NULL, attempts = 0,
			next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?`, unixNano(now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return redline.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("retry alert %s: %w", id, err)
	}
	return nil
}
