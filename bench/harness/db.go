package harness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" driver, to read page counts and dbstat
)

// dbState is the size of an SQLite database at one moment, between runs
// of the tool that owns it.
type dbState struct {
	File    int64            // bytes of the file and its WAL on disk
	Used    int64            // bytes of pages in use: (page_count - freelist_count) * page_size
	Objects map[string]int64 // bytes of pages per table and index (dbstat); nil when dbstat is unavailable
	LastID  int64            // redline: the highest capture ID
}

// fileSize returns the size of path, 0 when it does not exist.
func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// measureDB measures the database at path, which no process may be
// writing. The file sizes are read first: opening the database may create
// a WAL, which closing removes again.
func measureDB(ctx context.Context, path string, objects bool) (dbState, error) {
	var s dbState
	for _, p := range []string{path, path + "-wal"} {
		n, err := fileSize(p)
		if err != nil {
			return s, err
		}
		s.File += n
	}
	if s.File == 0 {
		return s, nil
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return s, err
	}
	defer db.Close()
	var pages, free, size int64
	for _, q := range []struct {
		pragma string
		dst    *int64
	}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
		if err := db.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.dst); err != nil {
			return s, fmt.Errorf("measure %s: %w", path, err)
		}
	}
	s.Used = (pages - free) * size
	if !objects {
		return s, nil
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM captures").Scan(&s.LastID); err != nil {
		return s, fmt.Errorf("measure %s: %w", path, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
	if err != nil {
		return s, nil // dbstat not compiled in: sizes per object are not reported
	}
	defer rows.Close()
	s.Objects = map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return s, err
		}
		s.Objects[name] = n
	}
	return s, rows.Err()
}

// RowAnatomy is the average size of the values of the capture rows one
// cycle added, by kind (SQLite stores text as its UTF-8 bytes).
type RowAnatomy struct {
	Header float64 `json:"header_json"` // response headers as JSON
	URLs   float64 `json:"urls"`        // url and final_url
	Hashes float64 `json:"hashes_hex"`  // body, text and request sha256, prev_hash, record_hash: hex text
	Other  float64 `json:"other_text"`  // content type, outcome, error
}

// anatomy measures the capture rows after capture ID after.
func anatomy(ctx context.Context, path string, after int64) (*RowAnatomy, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var a RowAnatomy
	err = db.QueryRowContext(ctx, `SELECT
		COALESCE(AVG(COALESCE(LENGTH(header), 0)), 0),
		COALESCE(AVG(LENGTH(url) + LENGTH(final_url)), 0),
		COALESCE(AVG(COALESCE(LENGTH(body_sha256), 0) + COALESCE(LENGTH(text_sha256), 0) + COALESCE(LENGTH(request_sha256), 0)
			+ COALESCE(LENGTH(prev_hash), 0) + COALESCE(LENGTH(record_hash), 0)), 0),
		COALESCE(AVG(LENGTH(content_type) + LENGTH(outcome) + LENGTH(error)), 0)
		FROM captures WHERE id > ?`, after).Scan(&a.Header, &a.URLs, &a.Hashes, &a.Other)
	if err != nil {
		return nil, fmt.Errorf("measure %s: %w", path, err)
	}
	return &a, nil
}

// objectGroup names the part of redline's schema a table or index
// belongs to.
func objectGroup(name string) string {
	switch {
	case name == "captures":
		return "captures rows"
	case strings.HasPrefix(name, "captures_"):
		return "captures indexes"
	case name == "blobs" || strings.HasPrefix(name, "blobs_") || name == "sqlite_autoindex_blobs_1":
		return "blobs"
	case strings.HasPrefix(name, "targets") || name == "sqlite_autoindex_targets_1":
		return "targets"
	case strings.HasPrefix(name, "changes") || strings.HasPrefix(name, "alerts") || strings.HasPrefix(name, "attempts") ||
		name == "sqlite_autoindex_alerts_1" || name == "sqlite_autoindex_changes_1":
		return "changes, alerts"
	default:
		return "other"
	}
}

// DBGrowth is how much a database grew in one cycle.
type DBGrowth struct {
	Captures        int                `json:"captures"`          // captures (or jobs) added
	FileBytes       int64              `json:"file_bytes"`        // growth of file + WAL
	UsedBytes       int64              `json:"used_bytes"`        // growth of the pages in use
	FilePerCapture  float64            `json:"file_per_capture"`  // FileBytes / Captures
	UsedPerCapture  float64            `json:"used_per_capture"`  // UsedBytes / Captures
	ObjectPerRecord map[string]float64 `json:"object_per_record"` // growth per table or index, per capture (bytes)
	GroupPerRecord  map[string]float64 `json:"group_per_record"`  // the same by part of the schema (see objectGroup)
	SizeAfter       int64              `json:"size_after"`        // file + WAL after the cycle
	Rows            *RowAnatomy        `json:"rows,omitempty"`    // redline: what the new capture rows hold
}

// growth compares two measurements over n captures.
func growth(before, after dbState, n int) *DBGrowth {
	g := &DBGrowth{Captures: n, FileBytes: after.File - before.File, UsedBytes: after.Used - before.Used, SizeAfter: after.File}
	if n > 0 {
		g.FilePerCapture = float64(g.FileBytes) / float64(n)
		g.UsedPerCapture = float64(g.UsedBytes) / float64(n)
		if after.Objects != nil {
			g.ObjectPerRecord, g.GroupPerRecord = map[string]float64{}, map[string]float64{}
			for name, size := range after.Objects {
				if d := size - before.Objects[name]; d != 0 {
					g.ObjectPerRecord[name] = float64(d) / float64(n)
					g.GroupPerRecord[objectGroup(name)] += float64(d) / float64(n)
				}
			}
		}
	}
	return g
}
