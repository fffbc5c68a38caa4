package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"redline"
)

// A repeat row (migration 0006) stores a capture whose response repeats
// the one of an earlier full row of its target, its base: it keeps the
// capture's own fields and, in header, a JSON merge patch (RFC 7396)
// against the base's headers. The view capture_rows completes it.

// repeatBase is what recordCheck compares a new capture with: the
// response of the base of the target's latest capture.
type repeatBase struct {
	id          int64          // the full row
	latestHash  sql.NullString // record_hash of the latest capture
	latestGood  bool           // the latest capture is good (Outcome.Good): its base is the latest good one's
	url         string
	finalURL    string
	status      int
	header      sql.NullString
	contentType string
	bodySHA     sql.NullString
	bodySize    int64
	textSHA     sql.NullString
	requestSHA  sql.NullString
}

// latestBase returns the base of the target's latest capture (the capture
// itself when it is a full row), or nil when the target has no capture.
func (s *Store) latestBase(ctx context.Context, tx *sql.Tx, targetID int64) (*repeatBase, error) {
	var b repeatBase
	err := tx.StmtContext(ctx, s.stmts.latestBase).QueryRowContext(ctx, targetID).
		Scan(&b.id, &b.latestHash, &b.latestGood, &b.url, &b.finalURL, &b.status, &b.header,
			&b.contentType, &b.bodySHA, &b.bodySize, &b.textSHA, &b.requestSHA)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest capture: %w", err)
	}
	return &b, nil
}

// goodBase returns the base of the target's latest good capture, with
// latest's latestHash, or nil when it has none or it is latest's base.
func (s *Store) goodBase(ctx context.Context, tx *sql.Tx, targetID int64, latest *repeatBase) (*repeatBase, error) {
	b := repeatBase{latestHash: latest.latestHash}
	err := tx.StmtContext(ctx, s.stmts.goodBase).QueryRowContext(ctx, targetID).
		Scan(&b.id, &b.url, &b.finalURL, &b.status, &b.header,
			&b.contentType, &b.bodySHA, &b.bodySize, &b.textSHA, &b.requestSHA)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest good capture: %w", err)
	}
	if b.id == latest.id {
		return nil, nil
	}
	return &b, nil
}

// repeatHeader returns the header delta to store when c, chained to head,
// may be stored as a repeat row of b, with the request headers' sum to
// store ("" when c sent b's), and ok false when it needs a full row: c's
// response differs from b's, c's request headers are unknown but b's are
// not, the latest capture is not the one head names (so prev_hash could
// not be derived), b's header does not parse, or the delta would not be
// shorter than full, c's header JSON.
func repeatHeader(b *repeatBase, head string, c *redline.Capture, full string) (delta, request string, ok bool) {
	if b == nil || c.Header == nil || !b.header.Valid || b.latestHash.String != head ||
		c.URL != b.url || c.FinalURL != b.finalURL || c.Status != b.status || c.ContentType != b.contentType ||
		c.BodySHA256 != b.bodySHA.String || c.BodySize != b.bodySize || c.TextSHA256 != b.textSHA.String ||
		c.RequestSHA256 == "" && b.requestSHA.Valid {
		return "", "", false
	}
	var old map[string][]string
	if err := json.Unmarshal([]byte(b.header.String), &old); err != nil {
		return "", "", false
	}
	d, ok := headerDelta(old, c.Header)
	if !ok || len(d) >= len(full) {
		return "", "", false
	}
	if c.RequestSHA256 != b.requestSHA.String {
		request = c.RequestSHA256
	}
	return string(d), request, true
}

// headerDelta is the JSON merge patch turning old into h: compact, keys
// sorted, with h's value for each key whose values differ and null for
// each key h lacks. It returns false when a value is null in either
// header: a patch cannot set a key to null.
func headerDelta(old, h map[string][]string) ([]byte, bool) {
	delta := map[string]any{}
	for k, v := range h {
		if v == nil {
			return nil, false
		}
		if ov, in := old[k]; !in || !slices.Equal(ov, v) {
			delta[k] = v
		}
	}
	for k, ov := range old {
		if ov == nil {
			return nil, false
		}
		if _, in := h[k]; !in {
			delta[k] = nil
		}
	}
	b, err := json.Marshal(delta)
	if err != nil { // a map of string slices and nils always marshals
		panic(err)
	}
	return b, true
}
