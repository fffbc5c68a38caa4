package fixity_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/fixity"
	"redline/storage/sqlite"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fixture is a store with two targets and a few captures each.
type fixture struct {
	path string
	st   *sqlite.Store
	caps map[string][]redline.Capture
}

// openStore opens a new SQLite store in a temporary folder.
func openStore(t *testing.T) (string, *sqlite.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "redline.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return path, st
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	path, st := openStore(t)
	t0 := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	defs := []redline.Target{
		{Name: "alpha", URL: "https://a.example.gov/policy", Schedule: "@every 1h"},
		{Name: "beta", URL: "https://b.example.gov/memo", Schedule: "@every 1h"},
	}
	if err := st.SyncTargets(ctx, defs, t0); err != nil {
		t.Fatal(err)
	}
	f := &fixture{path: path, st: st, caps: map[string][]redline.Capture{}}
	for _, d := range defs {
		tg, err := st.Target(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i, outcome := range []redline.Outcome{redline.OutcomeBaseline, redline.OutcomeUnchanged, redline.OutcomeUnchanged, redline.OutcomeUnchanged} {
			body := fmt.Appendf(nil, "<p>%s policy, fetched at %d</p>", d.Name, i)
			text := []byte(d.Name + " policy")
			rec := &redline.CheckRecord{
				Capture: redline.Capture{
					TargetID: tg.ID, FetchedAt: t0.Add(time.Duration(i) * time.Hour), URL: d.URL, FinalURL: d.URL,
					Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, ContentType: "text/html",
					Outcome: outcome, BodySHA256: sum(body), BodySize: int64(len(body)), TextSHA256: sum(text), Attempts: 1,
					RequestHeader: http.Header{"User-Agent": {"redline-test"}},
				},
				Body: body, Text: text,
			}
			if err := st.RecordCheck(ctx, rec); err != nil {
				t.Fatal(err)
			}
			f.caps[d.Name] = append(f.caps[d.Name], rec.Capture)
		}
	}
	return f
}

func verify(t *testing.T, st redline.Store) (fixity.Summary, []fixity.Problem) {
	t.Helper()
	var ps []fixity.Problem
	s, err := fixity.Verify(t.Context(), st, func(p fixity.Problem) { ps = append(ps, p) })
	if err != nil {
		t.Fatal(err)
	}
	return s, ps
}

// raw opens the database file without redline's foreign key checks, as a
// careless tool or an attacker would.
func raw(t *testing.T, path string, q string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func kinds(ps []fixity.Problem) string {
	var ks []string
	for _, p := range ps {
		ks = append(ks, p.Kind)
	}
	return strings.Join(ks, ",")
}

func TestCleanStoreVerifies(t *testing.T) {
	f := newFixture(t)
	s, ps := verify(t, f.st)
	if len(ps) != 0 {
		t.Fatalf("problems in a clean store: %v", ps)
	}
	// 8 bodies, 2 texts, 1 request header set.
	if s.Targets != 2 || s.Captures != 8 || s.Blobs != 11 || s.Problems != 0 || len(s.Root) != 64 {
		t.Errorf("summary = %+v", s)
	}
	s2, _ := verify(t, f.st)
	if s2.Root != s.Root {
		t.Error("root changed between two runs over the same record")
	}
}

func TestTamperingDetected(t *testing.T) {
	cases := []struct {
		name  string
		do    func(f *fixture)
		kinds string
		where string
	}{
		{"body bytes altered", func(f *fixture) {
			c := f.caps["alpha"][1]
			raw(t, f.path, `UPDATE blobs SET encoding = 'identity', data = ?, size = ? WHERE sha256 = ?`,
				[]byte("<p>alpha policy, rewritten</p>"), 30, c.BodySHA256)
		}, "blob-corrupt", "corrupt: stored bytes hash to"},
		{"middle capture deleted", func(f *fixture) {
			raw(t, f.path, `DELETE FROM captures WHERE id = ?`, f.caps["beta"][2].ID)
		}, "chain", "beta capture "},
		{"last capture deleted", func(f *fixture) {
			raw(t, f.path, `DELETE FROM captures WHERE id = ?`, f.caps["alpha"][3].ID)
		}, "head", "alpha: latest capture"},
		{"record altered", func(f *fixture) {
			raw(t, f.path, `UPDATE captures SET status = 404 WHERE id = ?`, f.caps["alpha"][2].ID)
		}, "record", fmt.Sprintf("alpha capture %d", 0)},
		{"blob deleted", func(f *fixture) {
			raw(t, f.path, `DELETE FROM blobs WHERE sha256 = ?`, f.caps["beta"][0].BodySHA256)
		}, "blob-missing", "is not stored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.do(f)
			s, ps := verify(t, f.st)
			if kinds(ps) != tc.kinds || s.Problems != len(ps) {
				t.Fatalf("problems %q (%v), want %q", kinds(ps), ps, tc.kinds)
			}
			if tc.name == "record altered" {
				tc.where = fmt.Sprintf("alpha capture %d", f.caps["alpha"][2].ID)
			}
			if tc.name == "middle capture deleted" {
				// The capture after the deleted one no longer follows its predecessor.
				tc.where = fmt.Sprintf("beta capture %d", f.caps["beta"][3].ID)
			}
			if got := ps[0].String(); !strings.Contains(got, tc.where) {
				t.Errorf("problem %q does not say %q", got, tc.where)
			}
		})
	}
}

func TestPrunedCapturesStillVerify(t *testing.T) {
	f := newFixture(t)
	st, err := f.st.Prune(t.Context(), redline.Retention{ThinAfter: time.Hour}, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if st.Captures != 4 { // the two middle unchanged captures of each target
		t.Fatalf("pruned %d captures, want 4", st.Captures)
	}
	s, ps := verify(t, f.st)
	if len(ps) != 0 || s.Pruned != 4 || s.Captures != 8 {
		t.Fatalf("after pruning: %+v, %v; want a clean record with 4 pruned captures", s, ps)
	}
	// A kept capture whose body was emptied is a problem.
	raw(t, f.path, `UPDATE captures SET pruned_at = NULL WHERE id = ?`, f.caps["alpha"][1].ID)
	if _, ps := verify(t, f.st); kinds(ps) != "blob-pruned" {
		t.Fatalf("un-pruned capture with an emptied body: %v", ps)
	}
}

func TestTruncatedDatabaseFails(t *testing.T) {
	f := newFixture(t)
	f.st.Close()
	// Large enough that truncation cuts through the tables.
	st, err := sqlite.Open(t.Context(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	truncateHalf(t, f.path)
	st, err = sqlite.Open(t.Context(), f.path)
	if err != nil {
		t.Logf("open refused: %v", err)
		return // refusing to open a truncated file is a detection too
	}
	defer st.Close()
	var ps []fixity.Problem
	_, err = fixity.Verify(t.Context(), st, func(p fixity.Problem) { ps = append(ps, p) })
	if err == nil && len(ps) == 0 {
		t.Fatal("a truncated database verified clean")
	}
	t.Logf("verify: %v, problems %v", err, ps)
}

func truncateHalf(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// newRepeatFixture is a store with one target whose re-checks repeat an
// earlier response, only the Date differing: the SQLite store keeps them
// as repeat rows.
func newRepeatFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	path, st := openStore(t)
	t0 := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	d := redline.Target{Name: "gamma", URL: "https://c.example.gov/rule", Schedule: "@every 1h"}
	if err := st.SyncTargets(ctx, []redline.Target{d}, t0); err != nil {
		t.Fatal(err)
	}
	tg, err := st.Target(ctx, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{path: path, st: st, caps: map[string][]redline.Capture{}}
	for i, outcome := range []redline.Outcome{redline.OutcomeBaseline, redline.OutcomeUnchanged, redline.OutcomeUnchanged,
		redline.OutcomeUnchanged, redline.OutcomeChanged, redline.OutcomeUnchanged} {
		body := []byte("<p>gamma rule, first version</p>")
		if i >= 4 {
			body = []byte("<p>gamma rule, second version</p>")
		}
		at := t0.Add(time.Duration(i) * time.Hour)
		text := append([]byte("text of "), body...)
		rec := &redline.CheckRecord{
			Capture: redline.Capture{
				TargetID: tg.ID, FetchedAt: at, URL: d.URL, FinalURL: d.URL, Status: 200,
				Header: http.Header{"Date": {at.Format(http.TimeFormat)}, "Content-Type": {"text/html"},
					"Server": {"nginx"}, "Etag": {fmt.Sprintf(`"%x"`, len(body))}, "Cache-Control": {"no-cache"}},
				ContentType: "text/html", Outcome: outcome, BodySHA256: sum(body), BodySize: int64(len(body)),
				TextSHA256: sum(text), Attempts: 1, RequestHeader: http.Header{"User-Agent": {"redline-test"}},
			},
			Body: body, Text: text,
		}
		if err := st.RecordCheck(ctx, rec); err != nil {
			t.Fatal(err)
		}
		f.caps[d.Name] = append(f.caps[d.Name], rec.Capture)
	}
	var repeats int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM captures WHERE same_as IS NOT NULL`).Scan(&repeats); err != nil {
		t.Fatal(err)
	}
	if repeats != 4 {
		t.Fatalf("%d repeat rows, want 4 (captures 1-3 and 5)", repeats)
	}
	return f
}

func TestRepeatTamperingDetected(t *testing.T) {
	cases := []struct {
		name  string
		do    func(f *fixture) // on the database file
		kinds string
		at    int // the capture the first problem names
	}{
		{"header delta altered", func(f *fixture) {
			raw(t, f.path, `UPDATE captures SET header = '{"Date":["Thu, 01 May 2025 07:00:00 GMT"]}' WHERE id = ?`, f.caps["gamma"][2].ID)
		}, "record", 2},
		{"header delta emptied", func(f *fixture) {
			raw(t, f.path, `UPDATE captures SET header = '{}' WHERE id = ?`, f.caps["gamma"][1].ID)
		}, "record", 1},
		{"outcome of a repeat altered", func(f *fixture) {
			raw(t, f.path, `UPDATE captures SET outcome = 'changed' WHERE id = ?`, f.caps["gamma"][3].ID)
		}, "record", 3},
		// The next capture, a repeat row, derives its link to the capture
		// before it: its fields no longer hash to its record hash.
		{"middle repeat deleted", func(f *fixture) {
			raw(t, f.path, `DELETE FROM captures WHERE id = ?`, f.caps["gamma"][2].ID)
		}, "record", 3},
		{"repeat before a full row deleted", func(f *fixture) {
			raw(t, f.path, `DELETE FROM captures WHERE id = ?`, f.caps["gamma"][3].ID)
		}, "chain", 4},
		{"last repeat deleted", func(f *fixture) {
			raw(t, f.path, `DELETE FROM captures WHERE id = ?`, f.caps["gamma"][5].ID)
		}, "head", -1},
		// The next capture stores its link: it no longer follows the
		// capture before it.
		{"last repeat deleted, then a re-check", func(f *fixture) {
			raw(t, f.path, `DELETE FROM captures WHERE id = ?`, f.caps["gamma"][5].ID)
			rec := &redline.CheckRecord{Capture: f.caps["gamma"][5]}
			rec.Capture.ID, rec.Capture.FetchedAt = 0, rec.Capture.FetchedAt.Add(time.Hour)
			if err := f.st.RecordCheck(t.Context(), rec); err != nil {
				t.Fatal(err)
			}
			f.caps["gamma"] = append(f.caps["gamma"], rec.Capture)
		}, "chain", 6},
		{"repeat moved to another base", func(f *fixture) {
			raw(t, f.path, `UPDATE captures SET same_as = ? WHERE id = ?`, f.caps["gamma"][4].ID, f.caps["gamma"][1].ID)
		}, "record", 1},
		// The base's fields are those of its repeats too.
		{"base altered", func(f *fixture) {
			raw(t, f.path, `UPDATE captures SET final_url = 'https://c.example.gov/forged' WHERE id = ?`, f.caps["gamma"][0].ID)
		}, "record,record,record,record", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newRepeatFixture(t)
			if _, ps := verify(t, f.st); len(ps) != 0 {
				t.Fatalf("problems before tampering: %v", ps)
			}
			tc.do(f)
			s, ps := verify(t, f.st)
			if kinds(ps) != tc.kinds || s.Problems != len(ps) {
				t.Fatalf("problems %q (%v), want %q", kinds(ps), ps, tc.kinds)
			}
			where := "gamma: latest capture"
			if tc.at >= 0 {
				where = fmt.Sprintf("gamma capture %d:", f.caps["gamma"][tc.at].ID)
			}
			if got := ps[0].String(); !strings.Contains(got, where) {
				t.Errorf("problem %q does not say %q", got, where)
			}
		})
	}
}
