package sqlite

import (
	"database/sql"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/fixity"
	"redline/storage/storagetest"
)

// check records one fetch of tg at at: a 200 with body, or a 304 when body
// is nil.
func check(t *testing.T, s *Store, tg redline.Target, at time.Time, outcome redline.Outcome, body []byte) redline.Capture {
	t.Helper()
	rec := &redline.CheckRecord{
		Capture: redline.Capture{TargetID: tg.ID, FetchedAt: at, Duration: 3 * time.Millisecond, URL: tg.URL, FinalURL: tg.URL,
			Status: http.StatusNotModified, Header: storagetest.Header(at), ContentType: "text/html", Outcome: outcome,
			TextSHA256: shaHex([]byte("text")), Attempts: 1,
			RequestHeader: http.Header{"User-Agent": {"redline-test (+mailto:test@localhost)"}, "Accept": {"text/html"}}},
		Text:    []byte("text"),
		NextDue: at.Add(6 * time.Hour),
	}
	if body != nil {
		rec.Capture.Status, rec.Body, rec.Capture.BodySHA256, rec.Capture.BodySize = http.StatusOK, body, shaHex(body), int64(len(body))
	}
	if err := s.RecordCheck(t.Context(), rec); err != nil {
		t.Fatalf("RecordCheck: %v", err)
	}
	return rec.Capture
}

// readsAs checks that capture want.ID reads back as want, field for field.
func readsAs(t *testing.T, s *Store, want redline.Capture, what string) {
	t.Helper()
	got, err := s.Capture(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: capture %d read as\n\t%+v\nwant\n\t%+v", what, want.ID, got, want)
	}
}

// storedRow is a capture as stored in the table, not completed by
// capture_rows.
type storedRow struct {
	URL, FinalURL, ContentType             string
	Status, BodySize                       int64
	Header, BodySHA, TextSHA, ReqSHA, Prev sql.NullString
	SameAs                                 sql.NullInt64
	Hash                                   string
}

func stored(t *testing.T, s *Store, id int64) storedRow {
	t.Helper()
	var r storedRow
	err := s.DB().QueryRowContext(t.Context(), `SELECT url, final_url, content_type, status, body_size, header,
		body_sha256, text_sha256, request_sha256, prev_hash, same_as, record_hash FROM captures WHERE id = ?`, id).
		Scan(&r.URL, &r.FinalURL, &r.ContentType, &r.Status, &r.BodySize, &r.Header,
			&r.BodySHA, &r.TextSHA, &r.ReqSHA, &r.Prev, &r.SameAs, &r.Hash)
	if err != nil {
		t.Fatalf("capture %d: %v", id, err)
	}
	return r
}

// usedBytes is the bytes of the database pages in use.
func usedBytes(t *testing.T, s *Store) int64 {
	t.Helper()
	return count(t, s, `SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`)
}

// TestRepeatRowsAreNarrow checks how an unchanged re-check is stored: a
// repeat row holding the Date as its header delta, and under 300 bytes of
// pages per re-check, indexes included.
func TestRepeatRowsAreNarrow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome redline.Outcome
		body    []byte
	}{
		{"unchanged-200", redline.OutcomeUnchanged, []byte(strings.Repeat("<p>The policy stays the same.</p>\n", 100))},
		{"not-modified-304", redline.OutcomeNotModified, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			tg := syncTargets(t, s, t0, "alpha")[0]
			body := []byte(strings.Repeat("<p>The policy stays the same.</p>\n", 100))
			first := check(t, s, tg, t0, redline.OutcomeBaseline, body)
			// The first 304 differs from the baseline (status, no body):
			// a full row, the base of the next ones.
			base := check(t, s, tg, t0.Add(time.Minute), tc.outcome, tc.body)
			if tc.body != nil {
				base = first
			}
			if r := stored(t, s, base.ID); r.SameAs.Valid || r.URL != tg.URL {
				t.Fatalf("base %d stored as %+v, want a full row", base.ID, r)
			}
			const n = 500
			used := usedBytes(t, s)
			var last redline.Capture
			for i := range n {
				last = check(t, s, tg, t0.Add(time.Duration(i+1)*time.Hour), tc.outcome, tc.body)
			}
			perCheck := float64(usedBytes(t, s)-used) / n
			t.Logf("%.1f B per re-check", perCheck)
			if perCheck >= 300 {
				t.Errorf("%.1f B per re-check, want under 300", perCheck)
			}

			r := stored(t, s, last.ID)
			wantHeader := fmt.Sprintf(`{"Date":[%q]}`, last.Header.Get("Date"))
			if !r.SameAs.Valid || r.SameAs.Int64 != base.ID || r.Header.String != wantHeader ||
				r.URL != "" || r.FinalURL != "" || r.ContentType != "" || r.Status != 0 || r.BodySize != 0 ||
				r.BodySHA.Valid || r.TextSHA.Valid || r.ReqSHA.Valid || r.Prev.Valid || r.Hash != last.Hash {
				t.Errorf("re-check stored as %+v, want a repeat row of %d with header %s", r, base.ID, wantHeader)
			}
			readsAs(t, s, last, "the repeat row")
		})
	}
}

// TestRepeatNeedsFullRow lists the re-checks stored as full rows although
// their body is the same.
func TestRepeatNeedsFullRow(t *testing.T) {
	s := openTemp(t)
	tg := syncTargets(t, s, t0, "alpha")[0]
	body := []byte("<p>The same.</p>")
	check(t, s, tg, t0, redline.OutcomeBaseline, body)
	at := t0
	for _, tc := range []struct {
		name   string
		mutate func(rec *redline.CheckRecord)
		repeat bool
	}{
		{"same response", func(*redline.CheckRecord) {}, true},
		{"another final URL", func(rec *redline.CheckRecord) { rec.Capture.FinalURL += "?page=1" }, false},
		{"final URL back", func(*redline.CheckRecord) {}, false},
		{"a header with a null value", func(rec *redline.CheckRecord) { rec.Capture.Header["X-Null"] = nil }, false},
		{"every header replaced", func(rec *redline.CheckRecord) {
			rec.Capture.Header = http.Header{"Date": rec.Capture.Header["Date"]}
		}, false},
		{"every header back", func(*redline.CheckRecord) {}, false},
		{"then only the Date differs", func(*redline.CheckRecord) {}, true},
		{"another content type", func(rec *redline.CheckRecord) { rec.Capture.ContentType = "text/plain" }, false},
		{"other request headers (kept on the repeat row)", func(rec *redline.CheckRecord) {
			rec.Capture.ContentType = "text/plain"
			rec.Capture.RequestHeader = http.Header{"User-Agent": {"other"}}
		}, true},
		{"request headers unknown", func(rec *redline.CheckRecord) {
			rec.Capture.ContentType = "text/plain"
			rec.Capture.RequestHeader = nil
		}, false},
	} {
		at = at.Add(time.Hour)
		rec := &redline.CheckRecord{
			Capture: redline.Capture{TargetID: tg.ID, FetchedAt: at, URL: tg.URL, FinalURL: tg.URL, Status: 200,
				Header: storagetest.Header(at), ContentType: "text/html", Outcome: redline.OutcomeUnchanged,
				BodySHA256: shaHex(body), BodySize: int64(len(body)), TextSHA256: shaHex([]byte("text")), Attempts: 1,
				RequestHeader: http.Header{"User-Agent": {"redline-test (+mailto:test@localhost)"}, "Accept": {"text/html"}}},
		}
		tc.mutate(rec)
		if err := s.RecordCheck(t.Context(), rec); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r := stored(t, s, rec.Capture.ID)
		if r.SameAs.Valid != tc.repeat {
			t.Errorf("%s: stored as %+v, want repeat %v", tc.name, r, tc.repeat)
		}
		if r.SameAs.Valid && r.ReqSHA.Valid != strings.Contains(tc.name, "request") {
			t.Errorf("%s: request_sha256 stored as %+v", tc.name, r.ReqSHA)
		}
		readsAs(t, s, rec.Capture, tc.name)
	}
}

// TestPruneKeepsBlobsOfKeptRepeats prunes the base of a kept repeat row:
// the body and text they share stay; those of a base pruned with all its
// repeats go.
func TestPruneKeepsBlobsOfKeptRepeats(t *testing.T) {
	s := openTemp(t)
	tg := syncTargets(t, s, t0, "alpha")[0]
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	kept, gone := []byte("<p>kept</p>"), []byte("<p>gone</p>")
	// KeepEvery windows of 3h start at 12:00 (t0), 15:00 and 18:00.
	check(t, s, tg, h(0), redline.OutcomeBaseline, []byte("<p>first</p>"))
	check(t, s, tg, h(1), redline.OutcomeNotModified, nil)        // kept: first of its window
	base := check(t, s, tg, h(2), redline.OutcomeUnchanged, kept) // pruned
	keptRepeat := check(t, s, tg, h(3), redline.OutcomeUnchanged, kept)
	check(t, s, tg, h(4), redline.OutcomeUnchanged, kept)
	check(t, s, tg, h(6), redline.OutcomeNotModified, nil) // kept: first of its window
	goneBase := check(t, s, tg, h(7), redline.OutcomeUnchanged, gone)
	goneRepeat := check(t, s, tg, h(8), redline.OutcomeUnchanged, gone)
	check(t, s, tg, h(9), redline.OutcomeChanged, []byte("<p>latest</p>"))
	if r := stored(t, s, keptRepeat.ID); r.SameAs.Int64 != base.ID {
		t.Fatalf("capture at 15:00 stored as %+v, want a repeat of %d", r, base.ID)
	}
	if r := stored(t, s, goneRepeat.ID); r.SameAs.Int64 != goneBase.ID {
		t.Fatalf("capture at 20:00 stored as %+v, want a repeat of %d", r, goneBase.ID)
	}
	st, err := s.Prune(t.Context(), redline.Retention{ThinAfter: 24 * time.Hour, KeepEvery: 3 * time.Hour}, h(100))
	if err != nil {
		t.Fatal(err)
	}
	if st.Captures != 4 || st.Blobs != 1 {
		t.Errorf("PruneStats = %+v, want 4 captures (base, 16:00, 19:00, 20:00) and 1 blob (the gone body)", st)
	}
	for _, id := range []int64{base.ID, goneBase.ID, goneRepeat.ID} {
		if c, err := s.Capture(t.Context(), id); err != nil || c.PrunedAt.IsZero() {
			t.Errorf("capture %d: %+v, %v; want pruned", id, c, err)
		}
	}
	if c, err := s.Capture(t.Context(), keptRepeat.ID); err != nil || !c.PrunedAt.IsZero() || c.BodySHA256 != shaHex(kept) {
		t.Errorf("kept repeat: %+v, %v", c, err)
	}
	if _, err := s.Blob(t.Context(), shaHex(kept)); err != nil {
		t.Errorf("body of a kept repeat row, whose base was pruned: %v", err)
	}
	if _, err := s.Blob(t.Context(), shaHex(gone)); err == nil {
		t.Error("body of a pruned base and its pruned repeats: still stored")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM sqlite_temp_master`); n != 0 {
		t.Errorf("%d temporary tables left behind", n)
	}
}

// TestUpgradeKeepsFullRows opens a database written by schema 5: its
// captures read as before, and a re-check recorded after the upgrade
// repeats the last of them.
func TestUpgradeKeepsFullRows(t *testing.T) {
	ctx := t.Context()
	path, db := schemaAt(t, 5)
	if _, err := db.ExecContext(ctx, `INSERT INTO targets (id, name, url, created_at, updated_at) VALUES (1, 'a', 'https://a.example/', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	body := []byte("<p>old</p>")
	var old []redline.Capture
	head := ""
	for i, c := range []redline.Capture{
		{Status: 200, Header: storagetest.Header(t0), Outcome: redline.OutcomeBaseline, BodySHA256: shaHex(body), BodySize: int64(len(body))},
		{Status: 0, Outcome: redline.OutcomeError, Error: "timeout", Attempts: 3},
		{Status: 200, Header: storagetest.Header(t0.Add(2 * time.Hour)), Outcome: redline.OutcomeUnchanged, BodySHA256: shaHex(body), BodySize: int64(len(body))},
	} {
		c.ID, c.TargetID, c.FetchedAt, c.URL, c.FinalURL = int64(i+1), 1, t0.Add(time.Duration(i)*time.Hour), "https://a.example/", "https://a.example/"
		c.ContentType = "text/html"
		if c.Status == 0 {
			c.ContentType = ""
		}
		c.PrevHash, c.Hash = head, redline.CaptureHash(head, c)
		head = c.Hash
		var header any
		if c.Header != nil {
			header = string(redline.HeaderJSON(c.Header))
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO blobs (sha256, size, encoding, data, created_at) VALUES (?, ?, 'identity', ?, 0)
			ON CONFLICT DO NOTHING`, shaHex(body), len(body), body); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO captures (id, target_id, fetched_at, duration_us, url, final_url, status, header,
			content_type, outcome, error, body_sha256, body_size, attempts, prev_hash, record_hash)
			VALUES (?, 1, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.FetchedAt.UnixNano(), c.URL, c.FinalURL, c.Status, header, c.ContentType, string(c.Outcome), c.Error,
			nullString(c.BodySHA256), c.BodySize, c.Attempts, c.PrevHash, c.Hash); err != nil {
			t.Fatal(err)
		}
		old = append(old, c)
	}
	if _, err := db.ExecContext(ctx, `UPDATE targets SET chain_head = ? WHERE id = 1`, head); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := openAt(t, path)
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if v := count(t, s, `SELECT MAX(version) FROM schema_migrations`); v != int64(len(ms)) {
		t.Fatalf("schema version %d after opening, want %d", v, len(ms))
	}
	if n := count(t, s, `SELECT COUNT(*) FROM captures WHERE same_as IS NOT NULL`); n != 0 {
		t.Errorf("%d old captures became repeat rows", n)
	}
	for _, c := range old {
		readsAs(t, s, c, "an old capture")
	}
	tg, err := s.Target(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	rec := &redline.CheckRecord{Capture: old[2]}
	rec.Capture.ID, rec.Capture.PrevHash, rec.Capture.Hash = 0, "", ""
	rec.Capture.FetchedAt, rec.Capture.Header = t0.Add(3*time.Hour), storagetest.Header(t0.Add(3*time.Hour))
	if err := s.RecordCheck(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if r := stored(t, s, rec.Capture.ID); r.SameAs.Int64 != old[2].ID || rec.Capture.PrevHash != tg.ChainHead {
		t.Errorf("re-check after the upgrade stored as %+v, prev %q; want a repeat of %d chained to %q",
			r, rec.Capture.PrevHash, old[2].ID, tg.ChainHead)
	}
	cs, err := s.Captures(ctx, tg.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]redline.Capture{rec.Capture}, old[2], old[1], old[0])
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("captures after the upgrade =\n\t%+v\nwant\n\t%+v", cs, want)
	}
}

// TestRepeatOfBaselineAfterOtherResponses: a page that answers as before
// after a 304 or a failed fetch repeats its baseline, not the response in
// between.
func TestRepeatOfBaselineAfterOtherResponses(t *testing.T) {
	s := openTemp(t)
	tg := syncTargets(t, s, t0, "alpha")[0]
	body := []byte("<p>The same.</p>")
	first := check(t, s, tg, t0, redline.OutcomeBaseline, body)
	at := t0
	for _, between := range []string{"not modified", "failed fetch"} {
		at = at.Add(time.Hour)
		if between == "not modified" {
			check(t, s, tg, at, redline.OutcomeNotModified, nil)
		} else {
			rec := &redline.CheckRecord{Capture: redline.Capture{TargetID: tg.ID, FetchedAt: at, URL: tg.URL,
				Outcome: redline.OutcomeError, Error: "timeout", Attempts: 3}}
			if err := s.RecordCheck(t.Context(), rec); err != nil {
				t.Fatal(err)
			}
		}
		at = at.Add(time.Hour)
		again := check(t, s, tg, at, redline.OutcomeUnchanged, body)
		if r := stored(t, s, again.ID); !r.SameAs.Valid || r.SameAs.Int64 != first.ID {
			t.Errorf("after a %s: the same answer stored as %+v, want a repeat row of the baseline %d", between, r, first.ID)
		}
		readsAs(t, s, again, "after a "+between)
	}
	var problems []fixity.Problem
	if _, err := fixity.Verify(t.Context(), s, func(p fixity.Problem) { problems = append(problems, p) }); err != nil || len(problems) > 0 {
		t.Errorf("fixity: %v %v", err, problems)
	}
}
