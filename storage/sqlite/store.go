// Package sqlite implements redline.Store on an SQLite database file, through
// the pure Go driver modernc.org/sqlite (no cgo: the binary stays static).
//
// The database runs in WAL mode with a busy timeout, so readers never block
// the writer and several goroutines and several processes may share one
// file. Every write transaction starts with BEGIN IMMEDIATE: it takes the
// write lock up front (waiting up to the busy timeout for it) instead of
// upgrading a read lock later, which in WAL mode fails with SQLITE_BUSY no
// matter how long one waits. Transactions are short and never wait on the
// network.
//
// Times are stored as INTEGER nanoseconds since the Unix epoch (UTC); NULL
// stands for the zero time. Durations are stored in microseconds. Blobs are
// content-addressed by the sha256 of their uncompressed bytes and stored
// compressed with zstd.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"redline"
)

// DefaultMaxIdleConns is how many pooled connections stay open between
// uses, and DefaultConnMaxIdleTime how long an unused one stays. Opening a
// connection runs the PRAGMAs and reads the schema again, and prepared
// statements live per connection, so a busy check run keeps its
// connections rather than opening one for each burst of queries.
const (
	DefaultMaxIdleConns    = 8
	DefaultConnMaxIdleTime = time.Minute
)

// DefaultBusyTimeout is how long a connection waits for a lock held by
// another connection or process before failing with SQLITE_BUSY.
const DefaultBusyTimeout = 10 * time.Second

// Store is a redline.Store backed by one SQLite database file. It is safe for
// concurrent use, and several Stores (in one or several processes) may open
// the same file.
type Store struct {
	db    *sql.DB
	path  string
	enc   *zstd.Encoder // shared; EncodeAll is safe for concurrent use
	dec   *zstd.Decoder // shared; DecodeAll is safe for concurrent use
	stmts stmts

	commits commitQueue // group commit of RecordCheck
	zbufs   sync.Pool   // *[]byte scratch for zstd output; see encodeBlob

	closeOnce sync.Once
	closeErr  error
}

var _ redline.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path and applies
// any pending migrations. It fails when the database was migrated by a newer
// version of redline than this one. The path is a plain file name; it must
// not contain '?'. Close the Store when done.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open store %s: path must not contain '?'", path)
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		// Every pooled connection would get its own empty in-memory
		// database, and URIs would bypass the DSN built below.
		return nil, fmt.Errorf("open store %s: want a plain file path", path)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxIdleConns(DefaultMaxIdleConns)
	db.SetConnMaxIdleTime(DefaultConnMaxIdleTime)
	s := &Store{db: db, path: path}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// dsn returns the data source name for path: the PRAGMAs are given as DSN
// parameters so that every connection of the pool gets them, busy_timeout
// first so that switching to WAL already waits for locks.
func dsn(path string) string {
	return path + "?_pragma=busy_timeout(" + fmt.Sprint(DefaultBusyTimeout.Milliseconds()) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)" +
		"&_txlock=immediate"
}

func (s *Store) init(ctx context.Context) error {
	var err error
	// The fastest level: a check stores a new body whenever a page's bytes
	// moved (date stamps), and this level compresses policy pages about a
	// third faster than the default for about 5% more bytes (BENCHMARKS.md).
	// A 1 MiB window covers a page; the default keeps 4 x 16 MiB of
	// history alive, a third of the daemon's memory with 10,000 targets.
	// One encoder per processor: more would only wait for CPU.
	s.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(min(4, runtime.GOMAXPROCS(0))), zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
	if err != nil {
		return fmt.Errorf("zstd encoder: %w", err)
	}
	s.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(4), zstd.WithDecoderLowmem(true))
	if err != nil {
		return fmt.Errorf("zstd decoder: %w", err)
	}
	if err := s.db.PingContext(ctx); err != nil {
		return err
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	return s.prepare(ctx)
}

// Path returns the file name the Store was opened with.
func (s *Store) Path() string { return s.path }

// DB returns the underlying database handle, for tests and maintenance
// tools. Writers must use BEGIN IMMEDIATE transactions (db.BeginTx does) and
// keep them short.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database and releases the compressor. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = errors.Join(s.stmts.close(), s.db.Close())
		if s.enc != nil {
			_ = s.enc.Close()
		}
		if s.dec != nil {
			s.dec.Close()
		}
	})
	return s.closeErr
}

// write runs fn in one write transaction (BEGIN IMMEDIATE, from the DSN) and
// commits it when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// read runs fn in one read-only transaction (a plain deferred BEGIN), for
// reads that need one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// timeArg converts t for storage: nanoseconds since the epoch, or NULL for
// the zero time. Times beyond what int64 nanoseconds can hold (before 1678 or
// after 2262) are clamped, so a far-future "never" stays in the future.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return unixNano(t)
}

// unixNano is t in nanoseconds since the epoch, clamped to the int64 range.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// timeOf converts a stored time back, in UTC; NULL gives the zero time.
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// durationArg stores d in microseconds.
func durationArg(d time.Duration) int64 { return d.Microseconds() }

// durationOf converts stored microseconds back.
func durationOf(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// checkLease validates the lease arguments shared by the Claim methods.
func checkLease(owner string, lease time.Duration) error {
	if owner == "" {
		return errors.New("empty lease owner")
	}
	if lease <= 0 {
		return fmt.Errorf("lease %v: must be positive", lease)
	}
	return nil
}
