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
// response of the base of one of the target's captures (the latest, or the
// latest good one), with that capture's record hash and outcome.
type repeatBase struct {
	id          int64          // the full row
	hash        sql.NullString // record_hash of the capture it is the base of
	good        bool           // that capture is good (Outcome.Good)
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

// baseQuery selects the repeatBase of the target's latest capture that
// where (a condition on captures, or "") admits.
func baseQuery(where string) string {
	if where != "" {
		where = " AND " + where
	}
	return `SELECT b.id, l.record_hash, l.` + goodOutcomes + `, b.url, b.final_url, b.status, b.header,
		b.content_type, b.body_sha256, b.body_size, b.text_sha256, b.request_sha256
		FROM (SELECT id, same_as, record_hash, outcome FROM captures WHERE target_id = ?` + where + `
			ORDER BY id DESC LIMIT 1) l
		JOIN captures b ON b.id = COALESCE(l.same_as, l.id) AND b.same_as IS NULL`
}

// repeatBaseOf runs st, a baseQuery, for the target; nil when no capture
// matches.
func repeatBaseOf(ctx context.Context, tx *sql.Tx, st *sql.Stmt, targetID int64) (*repeatBase, error) {
	var b repeatBase
	err := tx.StmtContext(ctx, st).QueryRowContext(ctx, targetID).
		Scan(&b.id, &b.hash, &b.good, &b.url, &b.finalURL, &b.status, &b.header,
			&b.contentType, &b.bodySHA, &b.bodySize, &b.textSHA, &b.requestSHA)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("base capture: %w", err)
	}
	return &b, nil
}

// repeatHeader returns the header delta to store when c may be stored as a
// repeat row of b, with the request headers' sum to store ("" when c sent
// b's), and ok false when it needs a full row: c's response differs from
// b's, c's request headers are unknown but b's are not, b's header does
// not parse, or the delta would not be shorter than full, c's header JSON.
func repeatHeader(b *repeatBase, c *redline.Capture, full string) (delta, request string, ok bool) {
	if c.Header == nil || !b.header.Valid ||
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
