package main

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"redline"
	"redline/config"
	"slices"
	"strings"
	"testing"
	"time"
)

// archivedHarness has three captures of the policy page: the baseline, an
// unchanged one (a new date stamp) and a changed one.
func archivedHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.check()
	h.setPolicy(policyText, "Tuesday 2 June")
	h.check()
	h.setPolicy(edit(policyText, "shall decline", "may decline"), "Tuesday 2 June")
	h.check()
	return h
}

func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	out, errs, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("%v exited %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errs)
	}
	return out
}

// sqlExec changes the database behind redline's back, without its foreign
// key checks, as a careless tool or an attacker would.
func (h *harness) sqlExec(q string, args ...any) {
	h.t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(h.dir, "redline.db"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
}

func TestExportCapturesAndChanges(t *testing.T) {
	h := archivedHarness(t)

	var rows []captureRow
	sc := bufio.NewScanner(strings.NewReader(h.mustRun("export", "captures")))
	for sc.Scan() {
		var r captureRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("NDJSON line %q: %v", sc.Text(), err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 3 {
		t.Fatalf("%d captures exported, want 3", len(rows))
	}
	for i, r := range rows {
		if r.Target != "policy" || r.Status != 200 || len(r.Hash) != 64 || len(r.BodySHA256) != 64 || r.FetchedAt.Location() != time.UTC {
			t.Errorf("row %d = %+v", i, r)
		}
		if i > 0 && (r.PrevHash != rows[i-1].Hash || r.ID <= rows[i-1].ID) {
			t.Errorf("row %d: not chained to the row before, oldest first", i)
		}
	}
	if outs := []string{string(rows[0].Outcome), string(rows[1].Outcome), string(rows[2].Outcome)}; strings.Join(outs, ",") != "baseline,unchanged,changed" {
		t.Errorf("outcomes %v", outs)
	}

	recs, err := csv.NewReader(strings.NewReader(h.mustRun("export", "captures", "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != strings.Join(captureCSV, ",") {
		t.Fatalf("CSV: %d records, header %v", len(recs), recs[0])
	}
	if recs[3][16] != rows[2].Hash || recs[3][2] != rows[2].FetchedAt.Format(time.RFC3339Nano) {
		t.Errorf("CSV row %v does not match NDJSON row %+v", recs[3], rows[2])
	}

	// A time range: only the last capture, and its change, to a file.
	since := rows[2].FetchedAt.Format(time.RFC3339Nano)
	out := filepath.Join(h.dir, "changes.ndjson")
	h.mustRun("export", "changes", "--since", since, "--out", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var ch changeRow
	if err := json.Unmarshal(b, &ch); err != nil || strings.Count(string(b), "\n") != 1 {
		t.Fatalf("changes export %q: %v", b, err)
	}
	if ch.ToCapture != rows[2].ID || ch.FromCapture != rows[1].ID || ch.WordsAdded != 1 || ch.Target != "policy" {
		t.Errorf("change = %+v", ch)
	}
	if got := h.mustRun("export", "captures", "--until", rows[0].FetchedAt.Format(time.RFC3339Nano)); got != "" {
		t.Errorf("--until before the first capture exported %q", got)
	}

	for _, bad := range [][]string{
		{"export"}, {"export", "pictures"}, {"export", "captures", "--since", "yesterday"},
		{"export", "captures", "--format", "xml"}, {"export", "warc"}, {"export", "captures", "--target", "nope"},
	} {
		if _, errs, code := h.run(bad...); code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", bad, code, errs)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(h *harness)
		want   string
	}{
		{"tampered body", func(h *harness) {
			h.sqlExec(`UPDATE blobs SET encoding = 'identity', data = CAST('<p>forged</p>' AS BLOB), size = 13
				WHERE sha256 = (SELECT body_sha256 FROM captures ORDER BY id LIMIT 1)`)
		}, "FAIL blob-corrupt"},
		{"deleted capture", func(h *harness) {
			h.sqlExec(`DELETE FROM captures WHERE outcome = 'unchanged'`)
		}, "FAIL chain: policy capture 3"},
		{"deleted last capture", func(h *harness) {
			h.sqlExec(`DELETE FROM alerts`)
			h.sqlExec(`DELETE FROM changes`)
			h.sqlExec(`DELETE FROM captures WHERE id = 3`)
		}, "FAIL head: policy"},
		{"altered record", func(h *harness) {
			h.sqlExec(`UPDATE captures SET fetched_at = fetched_at - 86400000000000 WHERE id = 2`)
		}, "FAIL record: policy capture 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := archivedHarness(t)
			out := h.mustRun("verify")
			if !strings.Contains(out, "3 captures (0 pruned)") || !strings.Contains(out, ": 0 problems") || !strings.Contains(out, "root ") {
				t.Fatalf("clean verify:\n%s", out)
			}
			tc.tamper(h)
			out, errs, code := h.run("verify")
			if code != exitFail || !strings.Contains(out, tc.want) || !strings.Contains(errs, "fixity problems found") {
				t.Fatalf("verify after %s: exit %d, want 1 and %q\nstdout:\n%s\nstderr:\n%s", tc.name, code, tc.want, out, errs)
			}
		})
	}
}

func TestVerifyTruncatedDatabase(t *testing.T) {
	h := archivedHarness(t)
	path := filepath.Join(h.dir, "redline.db")
	h.sqlExec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	out, errs, code := h.run("verify")
	if code != exitFail || !strings.Contains(errs, "malformed") {
		t.Fatalf("verify of a truncated database: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

func TestPruneCommand(t *testing.T) {
	h := archivedHarness(t)
	if out := h.mustRun("prune"); !strings.Contains(out, "every capture is kept") {
		t.Errorf("prune without a policy: %q", out)
	}
	cfg, err := os.ReadFile(h.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, "retention:\n  thin_after: 1d\n"...)
	if err := os.WriteFile(h.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	// Today's captures are not old enough to thin.
	if out := h.mustRun("prune"); !strings.Contains(out, "0 captures thinned") {
		t.Errorf("prune: %q", out)
	}
	h.mustRun("verify")
}

func TestExportWARCAndVerify(t *testing.T) {
	h := archivedHarness(t)
	out := filepath.Join(h.dir, "policy.warc.gz")
	_, errs, code := h.run("export", "warc", "--out", out, "--target", "policy")
	if code != 0 || !strings.Contains(errs, "3 responses") {
		t.Fatalf("export warc: exit %d, %s", code, errs)
	}
	idx, err := os.ReadFile(filepath.Join(h.dir, "policy.cdxj"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(idx), "\n"); n != 3 {
		t.Errorf("CDXJ has %d lines, want one per capture:\n%s", n, idx)
	}
	if got := h.mustRun("verify", out); !strings.Contains(got, "7 records read") {
		t.Errorf("verify of the export: %q, want warcinfo + 3 request/response pairs", got)
	}
	// The same export again would overwrite: refused.
	if _, errs, code := h.run("export", "warc", "--out", out); code == 0 {
		t.Errorf("second export into the same file succeeded: %s", errs)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _, code := h.run("verify", out); code != exitFail || !strings.Contains(got, "FAIL") {
		t.Errorf("verify of a truncated export: exit %d, %q", code, got)
	}

	wacz := filepath.Join(h.dir, "policy.wacz")
	if _, errs, code := h.run("export", "warc", "--format", "wacz", "--out", wacz); code != 0 {
		t.Fatalf("export wacz: exit %d, %s", code, errs)
	}
	zr, err := zip.OpenReader(wacz)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	for _, want := range []string{"datapackage.json", "datapackage-digest.json", "indexes/index.cdxj", "pages/pages.jsonl"} {
		if !slices.Contains(names, want) {
			t.Errorf("WACZ lacks %s: %v", want, names)
		}
	}
	if entries, _ := os.ReadDir(h.dir); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), ".redline-wacz-") }) {
		t.Error("the WACZ export left its temporary directory behind")
	}
}

// TestDaemonAppliesRetention checks that the daemon's retention loop thins
// old unchanged captures when it starts, and stops with its context.
func TestDaemonAppliesRetention(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redline.yaml")
	cfgText := "storage: sqlite:redline.db\nretention:\n  thin_after: 1d\ntargets:\n  - name: p\n    url: http://127.0.0.1:1/p\n"
	if err := os.WriteFile(path, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	a, err := openWith(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if err := a.sync(ctx); err != nil {
		t.Fatal(err)
	}
	tg, err := a.store.Target(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	old := nowUTC().Add(-30 * 24 * time.Hour)
	var ids []int64
	for i, outcome := range []redline.Outcome{redline.OutcomeBaseline, redline.OutcomeUnchanged, redline.OutcomeUnchanged} {
		body := fmt.Appendf(nil, "<p>policy, stamp %d</p>", i)
		text := []byte("policy")
		rec := &redline.CheckRecord{Capture: redline.Capture{TargetID: tg.ID, FetchedAt: old.Add(time.Duration(i) * time.Hour),
			URL: tg.URL, Status: 200, Outcome: outcome, BodySHA256: shaHex(body), BodySize: int64(len(body)), TextSHA256: shaHex(text)},
			Body: body, Text: text}
		if err := a.store.RecordCheck(ctx, rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.Capture.ID)
	}

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.retain(rctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := a.store.Capture(ctx, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		if !c.PrunedAt.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the middle unchanged capture was not thinned when the retention loop started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, id := range []int64{ids[0], ids[2]} { // the first and the latest stay whole
		if c, err := a.store.Capture(ctx, id); err != nil || !c.PrunedAt.IsZero() {
			t.Errorf("capture %d: pruned %v, %v; want kept", id, c.PrunedAt, err)
		}
	}
	cancel()
	<-done
}

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
