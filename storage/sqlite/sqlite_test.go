package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"redline"
	"redline/storage/storagetest"
)

func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) redline.Store {
		return openTemp(t)
	})
}

// openTemp opens a new database file in a temporary directory, closed when
// the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "redline.db"))
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// record stores a check of tg at at with body (and its text).
func record(t *testing.T, s *Store, tg redline.Target, owner string, at time.Time, outcome redline.Outcome, body []byte) *redline.CheckRecord {
	t.Helper()
	text := append([]byte("text: "), body...)
	rec := &redline.CheckRecord{
		LeaseOwner: owner,
		Capture: redline.Capture{
			TargetID: tg.ID, FetchedAt: at, URL: tg.URL, Status: 200, Outcome: outcome,
			BodySHA256: shaHex(body), BodySize: int64(len(body)), TextSHA256: shaHex(text),
		},
		Body:    body,
		Text:    text,
		NextDue: at.Add(time.Hour),
	}
	if err := s.RecordCheck(t.Context(), rec); err != nil {
		t.Fatalf("RecordCheck: %v", err)
	}
	return rec
}

func syncTargets(t *testing.T, s *Store, now time.Time, names ...string) []redline.Target {
	t.Helper()
	var defs []redline.Target
	for _, n := range names {
		defs = append(defs, redline.Target{Name: n, URL: "https://www.example.gov/" + n, Schedule: "@every 1h"})
	}
	if err := s.SyncTargets(t.Context(), defs, now); err != nil {
		t.Fatalf("SyncTargets: %v", err)
	}
	ts, err := s.Targets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func count(t *testing.T, s *Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestPragmasOnEveryConnection(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	// Hold several connections at once so that the pool opens new ones.
	var conns []*sql.Conn
	for range 4 {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode, sync, fk, busy string
		for _, p := range []struct {
			pragma string
			dest   *string
		}{{"journal_mode", &mode}, {"synchronous", &sync}, {"foreign_keys", &fk}, {"busy_timeout", &busy}} {
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dest); err != nil {
				t.Fatal(err)
			}
		}
		if mode != "wal" || sync != "1" || fk != "1" || busy != "10000" {
			t.Errorf("conn %d: journal_mode %s synchronous %s foreign_keys %s busy_timeout %s", i, mode, sync, fk, busy)
		}
		c.Close()
	}
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redline.db")
	ctx := t.Context()
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	tg := syncTargets(t, s1, t0, "alpha")[0]
	rec := record(t, s1, tg, "", t0, redline.OutcomeBaseline, []byte("kept across restarts"))
	var applied []int64
	rows, err := s1.DB().QueryContext(ctx, `SELECT applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, at)
	}
	rows.Close()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(ms) {
		t.Fatalf("%d migrations recorded, want %d", len(applied), len(ms))
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openAt(t, path)
	got, err := s2.Capture(ctx, rec.Capture.ID)
	if err != nil {
		t.Fatalf("capture after reopening: %v", err)
	}
	if !got.FetchedAt.Equal(t0) || got.BodySHA256 != rec.Capture.BodySHA256 {
		t.Errorf("capture after reopening = %+v", got)
	}
	if b, err := s2.Blob(ctx, rec.Capture.BodySHA256); err != nil || string(b) != "kept across restarts" {
		t.Errorf("blob after reopening = %q, %v", b, err)
	}
	if tg2, err := s2.Target(ctx, "alpha"); err != nil || tg2.ID != tg.ID || !tg2.NextDue.Equal(t0.Add(time.Hour)) {
		t.Errorf("target after reopening = %+v, %v", tg2, err)
	}
	var again []int64
	rows, err = s2.DB().QueryContext(ctx, `SELECT applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		again = append(again, at)
	}
	rows.Close()
	if !slices.Equal(applied, again) {
		t.Errorf("schema_migrations changed on reopening: %v, then %v", applied, again)
	}
}

func TestFutureSchemaVersionFailsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redline.db")
	s := openAt(t, path)
	if _, err := s.DB().ExecContext(t.Context(),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, err := Open(t.Context(), path)
	if err == nil {
		s2.Close()
		t.Fatal("Open of a database from the future: no error")
	}
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
		t.Errorf("Open error = %v, want ErrSchemaTooNew naming version 9999", err)
	}
}

func TestLoadMigrationsRejectsBadSets(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"gap":        {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"duplicate":  {"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}},
		"unnumbered": {"migrations/init.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil || len(ms) == 0 || ms[0].name != "0001_init.sql" {
		t.Errorf("embedded migrations = %v, %v", ms, err)
	}
}

func TestOpenRejectsNonFilePaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if s, err := Open(t.Context(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q): no error", p)
		}
	}
}

// TestUnchangedCapturesAddNoBlobBytes checks the blobs table itself: a page
// that does not change costs a capture row, not a body.
func TestUnchangedCapturesAddNoBlobBytes(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	tg := syncTargets(t, s, t0, "alpha")[0]
	body := bytes.Repeat([]byte("<p>The policy stays the same.</p>\n"), 2000)
	record(t, s, tg, "", t0, redline.OutcomeBaseline, body)
	blobRows := count(t, s, `SELECT COUNT(*) FROM blobs`)
	blobBytes := count(t, s, `SELECT SUM(length(data)) FROM blobs`)
	if blobRows != 2 {
		t.Fatalf("%d blob rows after the first capture, want 2 (body and text)", blobRows)
	}
	before, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		record(t, s, tg, "", t0.Add(time.Duration(i+1)*time.Hour), redline.OutcomeUnchanged, body)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM blobs`); n != blobRows {
		t.Errorf("%d blob rows after 50 unchanged captures, want %d", n, blobRows)
	}
	if n := count(t, s, `SELECT SUM(length(data)) FROM blobs`); n != blobBytes {
		t.Errorf("%d blob bytes after 50 unchanged captures, want %d", n, blobBytes)
	}
	after, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Captures != 51 || after.Blobs != before.Blobs || after.BlobBytes != before.BlobBytes {
		t.Errorf("stats before %+v, after %+v", before, after)
	}
	// The body is stored compressed.
	if after.BlobBytes*10 > after.BlobRawBytes {
		t.Errorf("blobs: %d bytes stored for %d raw: not compressed", after.BlobBytes, after.BlobRawBytes)
	}
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.WALBytes != 0 || st.FileBytes != st.PageBytes || st.SchemaVersion < 1 {
		t.Errorf("stats after checkpoint = %+v, want no WAL and the file = its pages", st)
	}
}

func TestBlobEncodings(t *testing.T) {
	s := openTemp(t)
	tg := syncTargets(t, s, t0, "alpha")[0]
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("shall "), 10000)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"compressible", text, encodingZstd},
		{"incompressible", noise, encodingIdentity},
		{"empty", []byte{}, encodingIdentity},
	} {
		rec := record(t, s, tg, "", t0, redline.OutcomeChanged, tc.body)
		var enc string
		var stored, size int64
		err := s.DB().QueryRowContext(t.Context(), `SELECT encoding, length(data), size FROM blobs WHERE sha256 = ?`,
			rec.Capture.BodySHA256).Scan(&enc, &stored, &size)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if enc != tc.want || size != int64(len(tc.body)) {
			t.Errorf("%s: encoding %s size %d (stored %d), want %s %d", tc.name, enc, size, stored, tc.want, len(tc.body))
		}
		if b, err := s.Blob(t.Context(), rec.Capture.BodySHA256); err != nil || !bytes.Equal(b, tc.body) {
			t.Errorf("%s: Blob = %d bytes, %v", tc.name, len(b), err)
		}
	}
}

func TestBlobCorruptionDetected(t *testing.T) {
	s := openTemp(t)
	tg := syncTargets(t, s, t0, "alpha")[0]
	rec := record(t, s, tg, "", t0, redline.OutcomeBaseline, bytes.Repeat([]byte("a"), 1000))
	other := bytes.Repeat([]byte("b"), 1000)
	corrupt, err := s.encodeBlob("test", shaHex(other), other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(t.Context(), `UPDATE blobs SET data = ?, encoding = ? WHERE sha256 = ?`,
		corrupt.data, corrupt.encoding, rec.Capture.BodySHA256); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Blob(t.Context(), rec.Capture.BodySHA256); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Blob of corrupted data: %v, want a corruption error", err)
	}
}

func TestTimesKeepNanoseconds(t *testing.T) {
	s := openTemp(t)
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("EST", -5*3600))
	tg := syncTargets(t, s, at, "alpha")[0]
	if !tg.NextDue.Equal(at) || tg.NextDue.Location() != time.UTC || tg.NextDue.Nanosecond() != 123456789 {
		t.Errorf("NextDue = %v, want %v in UTC", tg.NextDue, at)
	}
	rec := record(t, s, tg, "", at, redline.OutcomeBaseline, []byte("x"))
	c, err := s.Capture(t.Context(), rec.Capture.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.FetchedAt.Equal(at) || c.FetchedAt.Location() != time.UTC {
		t.Errorf("FetchedAt = %v, want %v in UTC", c.FetchedAt, at)
	}
	// A far-future "never" stays in the future instead of overflowing.
	never := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.SyncTargets(t.Context(), []redline.Target{{Name: "alpha", URL: tg.URL, Schedule: "never", NextDue: never}}, at); err != nil {
		t.Fatal(err)
	}
	if ts, err := s.ClaimDue(t.Context(), "w", at.Add(100*365*24*time.Hour), time.Minute, 10); err != nil || len(ts) != 0 {
		t.Errorf("ClaimDue of a target due in 9999 = %v, %v", ts, err)
	}
}

// TestQueriesUseIndexes keeps goodOutcomes, Outcome.Good and the partial
// index captures_good in step, and checks that the reads of captures
// through the view capture_rows still search the indexes of captures.
func TestQueriesUseIndexes(t *testing.T) {
	for _, o := range []redline.Outcome{redline.OutcomeBaseline, redline.OutcomeChanged, redline.OutcomeUnchanged,
		redline.OutcomeNotModified, redline.OutcomeError, redline.OutcomeBlocked} {
		if in := strings.Contains(goodOutcomes, "'"+string(o)+"'"); in != o.Good() {
			t.Errorf("outcome %s: in goodOutcomes %v, Good %v", o, in, o.Good())
		}
	}
	s := openTemp(t)
	for _, tc := range []struct {
		name, query, want string
	}{
		{"Baseline", `WHERE target_id = ? AND ` + goodOutcomes + ` ORDER BY id DESC LIMIT 1`,
			"SEARCH c USING INDEX captures_good (target_id=?)"},
		{"Captures", `WHERE target_id = ? AND id < ? ORDER BY id DESC LIMIT 20`,
			"SEARCH c USING INDEX captures_target (target_id=? AND id<?)"},
		{"Capture", `WHERE id = ?`, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"},
		{"Memento time map", `WHERE target_id IN (?, ?) AND id > ? AND status > 0 ORDER BY id LIMIT 500`,
			"SEARCH c USING INDEX captures_target (target_id=? AND id>?)"},
		{"export by time", `WHERE target_id IN (?) AND fetched_at >= ? AND fetched_at < ? ORDER BY id`,
			"SEARCH c USING INDEX captures_target_time (target_id=? AND fetched_at>? AND fetched_at<?)"},
	} {
		p := queryPlan(t, s, `SELECT `+captureColumns+` FROM capture_rows `+tc.query, 1, 2, 3, 4)
		// Repeat rows are completed by their base's primary key, and their
		// prev_hash from the previous capture by captures_target.
		if !strings.Contains(p, tc.want) || !strings.Contains(p, "SEARCH b USING INTEGER PRIMARY KEY") ||
			!strings.Contains(p, "SEARCH p USING INDEX captures_target") || strings.Contains(p, "SCAN") {
			t.Errorf("%s: query plan %q, want %q", tc.name, p, tc.want)
		}
	}
}

// queryPlan returns the details of EXPLAIN QUERY PLAN for query, joined
// with "; ".
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.DB().QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestStoredBlobsQueryUsesLiveIndex checks that asking which blobs are
// stored is answered from the partial index blobs_live. Reading pruned_at
// from a blob's row would walk the row's overflow pages.
func TestStoredBlobsQueryUsesLiveIndex(t *testing.T) {
	s := openTemp(t)
	if detail := queryPlan(t, s, storedBlobsQuery, "a", "b", "c"); !strings.Contains(detail, "USING INDEX blobs_live (sha256=?)") {
		t.Errorf("stored-blobs query plan %q, want a search of blobs_live", detail)
	}
	// The index holds live blobs only: a pruned blob drops out of it.
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tg := syncTargets(t, s, at, "a")[0]
	rec := record(t, s, tg, "", at, redline.OutcomeBaseline, []byte("<p>kept</p>"))
	isStored := func() (stored map[string]bool, err error) {
		err = s.read(t.Context(), func(tx *sql.Tx) error {
			stored, err = s.storedBlobs(t.Context(), tx, []string{rec.Capture.BodySHA256})
			return err
		})
		return stored, err
	}
	stored, err := isStored()
	if err != nil || !stored[rec.Capture.BodySHA256] {
		t.Fatalf("stored blobs %v, %v: want the body", stored, err)
	}
	if _, err := s.DB().ExecContext(t.Context(), `UPDATE blobs SET data = x'', pruned_at = 1 WHERE sha256 = ?`, rec.Capture.BodySHA256); err != nil {
		t.Fatal(err)
	}
	stored, err = isStored()
	if err != nil || stored[rec.Capture.BodySHA256] {
		t.Fatalf("stored blobs %v, %v: want the pruned body missing", stored, err)
	}
}

// TestTwoHandlesClaimDisjointTargets simulates two processes sharing one
// file: two Stores, each with several workers, drain the due queue at once.
func TestTwoHandlesClaimDisjointTargets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redline.db")
	a := openAt(t, path)
	b := openAt(t, path)
	var names []string
	for i := range 60 {
		names = append(names, fmt.Sprintf("t%02d", i))
	}
	all := syncTargets(t, a, t0, names...)
	now := t0.Add(time.Minute)

	var (
		mu   sync.Mutex
		seen = map[int64][]string{}
		wg   sync.WaitGroup
	)
	for p, s := range []*Store{a, b} {
		for w := range 4 {
			owner := fmt.Sprintf("process-%d/worker-%d", p, w)
			wg.Go(func() {
				ctx := context.WithoutCancel(t.Context())
				for {
					ts, err := s.ClaimDue(ctx, owner, now, time.Hour, 3)
					if err != nil {
						t.Errorf("%s: ClaimDue: %v", owner, err)
						return
					}
					if len(ts) == 0 {
						return
					}
					for _, tg := range ts {
						mu.Lock()
						seen[tg.ID] = append(seen[tg.ID], owner)
						mu.Unlock()
						body := []byte("body of " + tg.Name)
						rec := &redline.CheckRecord{
							LeaseOwner: owner,
							Capture: redline.Capture{TargetID: tg.ID, FetchedAt: now, URL: tg.URL, Status: 200,
								Outcome: redline.OutcomeBaseline, BodySHA256: shaHex(body), BodySize: int64(len(body))},
							Body:    body,
							NextDue: now.Add(time.Hour),
						}
						if err := s.RecordCheck(ctx, rec); err != nil {
							t.Errorf("%s: RecordCheck: %v", owner, err)
						}
					}
				}
			})
		}
	}
	wg.Wait()
	byProcess := map[string]int{}
	for _, tg := range all {
		by := seen[tg.ID]
		if len(by) != 1 {
			t.Errorf("%s claimed by %q, want exactly one worker", tg.Name, by)
			continue
		}
		byProcess[strings.Split(by[0], "/")[0]]++
	}
	t.Logf("targets checked per process: %v", byProcess)
	if n := count(t, b, `SELECT COUNT(*) FROM captures`); n != int64(len(all)) {
		t.Errorf("%d captures, want %d", n, len(all))
	}
	if n := count(t, a, `SELECT COUNT(*) FROM targets WHERE lease_owner IS NOT NULL`); n != 0 {
		t.Errorf("%d targets still leased", n)
	}
}

// TestConcurrentOpenOfNewFile has several handles create and migrate one new
// file at once, as processes started together would.
func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redline.db")
	var wg sync.WaitGroup
	stores := make([]*Store, 8)
	for i := range stores {
		wg.Go(func() {
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		return
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, stores[0], `SELECT COUNT(*) FROM schema_migrations`); n != int64(len(ms)) {
		t.Errorf("%d migrations recorded, want %d", n, len(ms))
	}
}

// schemaAt creates a database with the first n migrations applied, as an
// older redline left it, and returns its path and an open handle.
func schemaAt(t *testing.T, n int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`}
	for _, m := range ms[:n] {
		stmts = append(stmts, m.sql, fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, '%s', 0)`, m.version, m.name))
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path, db
}

// TestUpgradeChainsLegacyCaptures opens a database written before the hash
// chain (schema 3): migration 4 must chain its captures per target.
func TestUpgradeChainsLegacyCaptures(t *testing.T) {
	ctx := t.Context()
	path, db := schemaAt(t, 3)
	stmts := []string{
		`INSERT INTO targets (id, name, url, created_at, updated_at) VALUES (1, 'a', 'https://a.example/', 0, 0), (2, 'b', 'https://b.example/', 0, 0)`,
		`INSERT INTO captures (target_id, fetched_at, url, status, header, outcome) VALUES
			(1, 100, 'https://a.example/', 200, '{"Etag":["x"]}', 'baseline'),
			(2, 150, 'https://b.example/', 0, NULL, 'error'),
			(1, 200, 'https://a.example/', 200, '{"Etag":["y"]}', 'unchanged')`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	heads := map[int64]string{}
	cs, err := s.ListCaptures(ctx, redline.CaptureFilter{Oldest: true})
	if err != nil || len(cs) != 3 {
		t.Fatalf("captures after upgrade: %d, %v", len(cs), err)
	}
	for _, c := range cs {
		if c.PrevHash != heads[c.TargetID] || c.Hash != redline.CaptureHash(c.PrevHash, c) {
			t.Errorf("capture %d: prev %q hash %q: not chained", c.ID, c.PrevHash, c.Hash)
		}
		heads[c.TargetID] = c.Hash
	}
	for _, name := range []string{"a", "b"} {
		tg, err := s.Target(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if tg.ChainHead == "" || tg.ChainHead != heads[tg.ID] {
			t.Errorf("target %s: chain head %q, want %q", name, tg.ChainHead, heads[tg.ID])
		}
	}
}

// TestKnownBlobsStoredWhenMissing lists a body as known although it is not
// stored: the transaction finds it missing and stores the bytes given,
// and a body known and stored is not stored twice.
func TestKnownBlobsStoredWhenMissing(t *testing.T) {
	s := openTemp(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	tg := syncTargets(t, s, at, "a")[0]
	body := bytes.Repeat([]byte("<p>policy text</p>"), 500)
	text := []byte("policy text")
	rec := &redline.CheckRecord{
		Capture: redline.Capture{TargetID: tg.ID, FetchedAt: at, URL: tg.URL, Status: 200, Outcome: redline.OutcomeBaseline,
			BodySHA256: strings.ToUpper(shaHex(body)), BodySize: int64(len(body)), TextSHA256: shaHex(text)},
		Body: body, Text: text, NextDue: at.Add(time.Hour),
		Known: []string{shaHex(body)},
	}
	if err := s.RecordCheck(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Blob(t.Context(), shaHex(body))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("known but missing body: %d bytes, %v; want it stored from the bytes given", len(got), err)
	}
	var enc string
	if err := s.DB().QueryRowContext(t.Context(), `SELECT encoding FROM blobs WHERE sha256 = ?`, shaHex(body)).Scan(&enc); err != nil || enc != encodingZstd {
		t.Errorf("encoding %q, %v; want zstd", enc, err)
	}
	// Known and stored: one row, and the check records.
	next := *rec
	next.Capture = rec.Capture
	next.Capture.ID, next.Capture.FetchedAt, next.Capture.Outcome = 0, at.Add(time.Minute), redline.OutcomeUnchanged
	if err := s.RecordCheck(t.Context(), &next); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM blobs WHERE sha256 = ?`, shaHex(body)); n != 1 {
		t.Errorf("%d rows for the body, want 1", n)
	}
	// Without bytes and not stored: the part is named.
	missing := []byte("never stored")
	bad := next
	bad.Capture.FetchedAt, bad.Capture.BodySHA256, bad.Body = at.Add(2*time.Minute), shaHex(missing), nil
	bad.Known = []string{shaHex(missing)}
	err = s.RecordCheck(t.Context(), &bad)
	if !errors.Is(err, redline.ErrNotFound) || !strings.Contains(err.Error(), "body: blob "+shaHex(missing)) {
		t.Errorf("err %v, want ErrNotFound naming the body", err)
	}
}

// TestPrepareBlobsSkipsKnown: a blob listed as known is not compressed
// ahead of the transaction, nor are its bytes hashed; any other blob given
// with bytes is checked and compressed.
func TestPrepareBlobsSkipsKnown(t *testing.T) {
	s := openTemp(t)
	page := bytes.Repeat([]byte("<p>policy text</p>"), 200)
	fresh := []byte("a new text")
	wrong := []byte("bytes that do not match their sum")
	rows, err := s.prepareBlobs([]string{strings.ToUpper(shaHex(page)), shaHex(fresh) + "-not-it"},
		blobIn{"body", shaHex(page), page}, blobIn{"text", shaHex(fresh), fresh}, blobIn{"request header", shaHex(page), wrong})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].data != nil || rows[2].data != nil {
		t.Errorf("known blobs compressed ahead: body %d bytes, request header %d bytes", len(rows[0].data), len(rows[2].data))
	}
	if rows[1].data == nil || rows[1].encoding == "" {
		t.Errorf("unknown blob not prepared: %+v", rows[1])
	}
	if _, err := s.prepareBlobs(nil, blobIn{"text", shaHex(fresh), wrong}); err == nil || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Errorf("wrong bytes for a blob to store: err %v, want a sha256 mismatch", err)
	}
}

// TestKnownEmptyBodyPruned: a page whose body is empty, and whose empty
// blob retention has pruned, is recorded again with the body known: zero
// bytes need none given to be stored again.
func TestKnownEmptyBodyPruned(t *testing.T) {
	s := openTemp(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tg := syncTargets(t, s, at, "a")[0]
	first := record(t, s, tg, "", at, redline.OutcomeBaseline, []byte{})
	if _, err := s.DB().ExecContext(t.Context(), `UPDATE blobs SET pruned_at = 1 WHERE sha256 = ?`, emptySHA256); err != nil {
		t.Fatal(err)
	}
	again := &redline.CheckRecord{
		Capture: redline.Capture{TargetID: tg.ID, FetchedAt: at.Add(time.Hour), URL: tg.URL, Status: 200,
			Outcome: redline.OutcomeUnchanged, BodySHA256: emptySHA256, TextSHA256: first.Capture.TextSHA256},
		Body: []byte{}, Text: first.Text,
		Known: []string{emptySHA256, first.Capture.TextSHA256},
	}
	if err := s.RecordCheck(t.Context(), again); err != nil {
		t.Fatalf("RecordCheck of a known empty body whose blob was pruned: %v", err)
	}
	if b, err := s.Blob(t.Context(), emptySHA256); err != nil || len(b) != 0 {
		t.Errorf("empty blob after the re-check: %q, %v; want it stored again", b, err)
	}
}
