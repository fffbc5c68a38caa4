package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmts are the statements every check runs (Baseline, RecordCheck),
// prepared once per pooled connection rather than at each call (use them in
// a transaction through tx.StmtContext).
type stmts struct {
	targetHead   *sql.Stmt // lease_owner, chain_head of target ?
	baseline     *sql.Stmt // the latest good capture of target ?; see Baseline
	storedBlobs  *sql.Stmt // which of blobsPerQuery sha256 are stored with their bytes
	insertBlob   *sql.Stmt // sha256, size, encoding, data, created_at; refills a pruned blob
	latestBase   *sql.Stmt // the base of target ?'s latest capture; see baseQuery
	goodBase     *sql.Stmt // the base of target ?'s latest good capture
	insertRepeat *sql.Stmt // a repeat row; see insertCapture
	insertFull   *sql.Stmt // a full row; see insertCapture
	updateTarget *sql.Stmt // a target's state after a check; see recordCheck
	savepoint    *sql.Stmt // one check of a group commit begins; see commitGroup
	rollbackTo   *sql.Stmt // ... and failed
	release      *sql.Stmt // ... and is done

	all []*sql.Stmt // every one prepared, for close
}

// prepare prepares s.stmts; the schema must be migrated.
func (s *Store) prepare(ctx context.Context) error {
	for _, q := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.stmts.targetHead, `SELECT lease_owner, chain_head FROM targets WHERE id = ?`},
		{&s.stmts.baseline, `SELECT ` + captureColumns + ` FROM capture_rows
			WHERE target_id = ? AND ` + goodOutcomes + ` ORDER BY id DESC LIMIT 1`},
		{&s.stmts.storedBlobs, storedBlobsQuery},
		{&s.stmts.insertBlob, `INSERT INTO blobs (sha256, size, encoding, data, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (sha256) DO UPDATE SET encoding = excluded.encoding, data = excluded.data, pruned_at = NULL
			WHERE blobs.pruned_at IS NOT NULL`},
		{&s.stmts.latestBase, baseQuery("")},
		{&s.stmts.goodBase, baseQuery(goodOutcomes)},
		{&s.stmts.insertRepeat, `INSERT INTO captures (target_id, fetched_at, duration_us, url, header,
			outcome, error, attempts, request_sha256, record_hash, same_as)
			VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?)`},
		{&s.stmts.insertFull, `INSERT INTO captures (target_id, fetched_at, duration_us, url, final_url,
			status, header, content_type, outcome, error, body_sha256, body_size, text_sha256, attempts,
			request_sha256, prev_hash, record_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.stmts.updateTarget, `UPDATE targets SET last_check_at = ?, last_outcome = ?, chain_head = ?,
			next_due = COALESCE(?, next_due),
			lease_owner = CASE WHEN ? THEN NULL ELSE lease_owner END,
			lease_until = CASE WHEN ? THEN NULL ELSE lease_until END
			WHERE id = ?`},
		{&s.stmts.savepoint, `SAVEPOINT grouped_check`},
		{&s.stmts.rollbackTo, `ROLLBACK TO grouped_check`},
		{&s.stmts.release, `RELEASE grouped_check`},
	} {
		st, err := s.db.PrepareContext(ctx, q.sql)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", q.sql, err)
		}
		*q.dst = st
		s.stmts.all = append(s.stmts.all, st)
	}
	return nil
}

// close closes the prepared statements.
func (st *stmts) close() error {
	var errs []error
	for _, s := range st.all {
		errs = append(errs, s.Close())
	}
	st.all = nil
	return errors.Join(errs...)
}

// storedBlobsQuery asks which of blobsPerQuery sums are stored with their
// bytes. The partial index blobs_live answers it without reading the rows,
// whose pruned_at sits behind the compressed bytes (migration 0007).
const storedBlobsQuery = `SELECT sha256 FROM blobs WHERE sha256 IN (?, ?, ?) AND pruned_at IS NULL`
