package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds the numbered schema migrations, NNNN_name.sql,
// applied in order, each in its own transaction. Never edit a released
// migration: add a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned (wrapped) by Open when the database was
// migrated by a newer version of redline than this one.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of redline")

// afterMigration holds the data migrations that SQL cannot express, run in
// the transaction of the schema migration of the same version.
var afterMigration = map[int]func(context.Context, *sql.Tx) error{
	4: chainLegacy,
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string // file name
	sql     string
}

// loadMigrations reads and orders the embedded migrations. Versions must
// run 1, 2, 3... without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (no gaps or duplicates)", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the pending migrations, each in its own write
// transaction. Several processes may open the same new file at once: the
// write lock serialises them and each migration is applied once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	current, err := schemaVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := checkNotTooNew(current, len(ms)); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := s.write(ctx, func(tx *sql.Tx) error {
			// Another process may have migrated since we looked.
			v, err := schemaVersion(ctx, tx)
			if err != nil {
				return err
			}
			if err := checkNotTooNew(v, len(ms)); err != nil {
				return err
			}
			if v >= m.version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if after := afterMigration[m.version]; after != nil {
				if err := after(ctx, tx); err != nil {
					return err
				}
			}
			_, err = tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, unixNano(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// schemaVersion returns the highest applied migration, 0 for none.
func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

func checkNotTooNew(current, known int) error {
	if current > known {
		return fmt.Errorf("%w: schema version %d, this version knows up to %d; upgrade redline or use a matching binary",
			ErrSchemaTooNew, current, known)
	}
	return nil
}
