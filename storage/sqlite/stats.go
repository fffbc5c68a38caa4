package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Stats describes the size of a database, for benchmarks, metrics and
// operators.
type Stats struct {
	FileBytes     int64 // size of the main database file
	WALBytes      int64 // size of the -wal file; 0 after a truncating checkpoint
	PageBytes     int64 // page_count * page_size: space in use or free in the main file
	FreeBytes     int64 // freelist_count * page_size: free pages inside the main file
	Blobs         int64 // rows in blobs
	BlobBytes     int64 // stored (compressed) blob bytes
	BlobRawBytes  int64 // uncompressed blob bytes
	Captures      int64 // rows in captures
	SchemaVersion int   // highest applied migration
}

// Stats reports the database's size on disk and the volume of its blobs.
// Recently committed data may still sit in the WAL; call Checkpoint first
// for a FileBytes that holds everything.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	var pageSize, pageCount, freeCount int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql  string
			dest []any
		}{
			{`PRAGMA page_size`, []any{&pageSize}},
			{`PRAGMA page_count`, []any{&pageCount}},
			{`PRAGMA freelist_count`, []any{&freeCount}},
			{`SELECT COUNT(*), COALESCE(SUM(length(data)), 0), COALESCE(SUM(size), 0) FROM blobs`,
				[]any{&st.Blobs, &st.BlobBytes, &st.BlobRawBytes}},
			{`SELECT COUNT(*) FROM captures`, []any{&st.Captures}},
		} {
			if err := tx.QueryRowContext(ctx, q.sql).Scan(q.dest...); err != nil {
				return fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		v, err := schemaVersion(ctx, tx)
		st.SchemaVersion = v
		return err
	})
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	st.PageBytes = pageSize * pageCount
	st.FreeBytes = pageSize * freeCount
	if st.FileBytes, err = fileSize(s.path); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	if st.WALBytes, err = fileSize(s.path + "-wal"); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

// Checkpoint copies the WAL into the main database file and truncates the
// WAL, so that the file alone holds every committed transaction (for size
// measurements and file-level backups). It waits for readers and writers
// under the busy timeout.
func (s *Store) Checkpoint(ctx context.Context) error {
	var busy, logFrames, checkpointed int
	err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return errors.New("checkpoint: database busy, WAL not fully checkpointed")
	}
	return nil
}

// fileSize is the size of the file at name, 0 when it does not exist.
func fileSize(name string) (int64, error) {
	fi, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns its
// findings as an error; nil when the database file is sound.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(msgs) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(msgs, "; "))
	}
	return nil
}
