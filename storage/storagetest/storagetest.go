// Package storagetest is the contract test suite that every redline.Store
// implementation runs, so that SQLite, PostgreSQL and any later backend
// behave alike:
//
//	func TestContract(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) redline.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "redline.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Beyond the doc comments of redline.Store, the suite pins down these
// behaviours, which callers may rely on:
//   - Times round-trip exactly at microsecond precision and come back in UTC;
//     durations at millisecond precision at least.
//   - A lease ends at its end time: at or after it, any owner may take it.
//     ClaimDue and ClaimAlerts skip every unexpired lease, the caller's own
//     included (a polling scheduler must not get one target twice);
//     ClaimTargets renews the caller's own lease.
//   - RecordCheck verifies blobs against their sha256, stores a blob once per
//     sha256, accepts a sha256 without bytes when that blob is already
//     stored, writes nothing when it fails, and fills in IDs only on success.
//     With LeaseOwner set it succeeds as long as nobody else took the lease,
//     even when the lease has expired.
//   - Every read of a capture returns it exactly as recorded, Header,
//     PrevHash and Hash included, however a store keeps re-checks whose
//     response repeats an earlier one.
//   - Lists of an unknown target or alert are empty, not ErrNotFound.
//   - Alert IDs are unique: a record reusing one fails as a whole.
package storagetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"redline"
)

// Run runs every contract test against the Store implementation that open
// returns, each as a subtest. open is called once per subtest and must return
// a new, empty, ready-to-use store and arrange for it to be closed (e.g. with
// t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) redline.Store) {
	tests := []struct {
		name string
		fn   func(e *env)
	}{
		{"SyncTargets", testSyncTargets},
		{"SyncTargetsInvalid", testSyncTargetsInvalid},
		{"TargetsOrder", testTargetsOrder},
		{"TargetNotFound", testTargetNotFound},
		{"CompareSettings", testCompareSettings},
		{"ClaimDue", testClaimDue},
		{"ClaimTargets", testClaimTargets},
		{"RecordCheck", testRecordCheck},
		{"RecordCheckAtomic", testRecordCheckAtomic},
		{"RecordCheckRender", testRecordCheckRender},
		{"UnchangedBodyStoredOnce", testUnchangedBodyStoredOnce},
		{"BlobRoundTrip", testBlobRoundTrip},
		{"WrongSHA256Rejected", testWrongSHA256},
		{"SumsFilledIn", testSumsFilledIn},
		{"LeaseLost", testLeaseLost},
		{"Baseline", testBaseline},
		{"CapturesPaging", testCapturesPaging},
		{"Changes", testChanges},
		{"AlertLifecycle", testAlertLifecycle},
		{"ClaimAlertsOrder", testClaimAlertsOrder},
		{"PendingAlerts", testPendingAlerts},
		{"DeadLetters", testDeadLetters},
		{"Concurrency", testConcurrency},
		{"FixityChain", testFixityChain},
		{"ListCaptures", testListCaptures},
		{"ListChanges", testListChanges},
		{"BlobSums", testBlobSums},
		{"Prune", testPrune},
		{"PrunedBodyReturns", testPrunedBodyReturns},
		{"Repeats", testRepeats},
		{"RepeatsPrune", testRepeatsPrune},
		{"Discovered", testDiscovered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(&env{t: t, ctx: t.Context(), s: open(t)})
		})
	}
}

// env is what one contract test works with.
type env struct {
	t   *testing.T
	ctx context.Context
	s   redline.Store
}

// base is the time the tests start from: UTC, microsecond precision.
func base() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC) }

// def returns a target definition named name.
func def(name string) redline.Target {
	return redline.Target{
		Name:     name,
		URL:      "https://www.example.gov/policy/" + name,
		Kind:     "page",
		Schedule: "@every 1h",
		Source:   "config",
	}
}

// shaHex is the hex sha256 of b.
func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// textOf is the "extracted text" the tests store beside a body.
func textOf(body []byte) []byte { return append([]byte("text of "), body...) }

// newRecord builds the record of one check of tg at at. A nil body makes a
// capture without body or text (a failed fetch).
func newRecord(tg redline.Target, owner string, at time.Time, outcome redline.Outcome, body []byte) *redline.CheckRecord {
	rec := &redline.CheckRecord{
		LeaseOwner: owner,
		Capture: redline.Capture{
			TargetID:  tg.ID,
			FetchedAt: at,
			Duration:  1500 * time.Millisecond,
			URL:       tg.URL,
			FinalURL:  tg.URL + "/",
			Outcome:   outcome,
			Attempts:  1,
		},
		NextDue: at.Add(time.Hour),
	}
	if body == nil {
		rec.Capture.Error = "dial tcp: i/o timeout"
		rec.Capture.Attempts = 3
		return rec
	}
	rec.Capture.Status = http.StatusOK
	rec.Capture.Header = http.Header{
		"Content-Type": {"text/html; charset=utf-8"},
		"Etag":         {`"abc"`},
		"Set-Cookie":   {"a=1", "b=2"},
	}
	rec.Capture.ContentType = "text/html"
	rec.Capture.RequestHeader = http.Header{"User-Agent": {"redline-test/1"}, "Accept": {"*/*"}}
	rec.Body = body
	rec.Text = textOf(body)
	rec.Capture.BodySHA256 = shaHex(body)
	rec.Capture.BodySize = int64(len(body))
	rec.Capture.TextSHA256 = shaHex(rec.Text)
	return rec
}

func (e *env) sync(now time.Time, defs ...redline.Target) {
	e.t.Helper()
	if err := e.s.SyncTargets(e.ctx, defs, now); err != nil {
		e.t.Fatalf("SyncTargets: %v", err)
	}
}

func (e *env) target(name string) redline.Target {
	e.t.Helper()
	tg, err := e.s.Target(e.ctx, name)
	if err != nil {
		e.t.Fatalf("Target(%q): %v", name, err)
	}
	return tg
}

// addTarget syncs one more target (keeping the others) and returns it.
func (e *env) addTarget(now time.Time, d redline.Target) redline.Target {
	e.t.Helper()
	ts, err := e.s.Targets(e.ctx)
	if err != nil {
		e.t.Fatalf("Targets: %v", err)
	}
	var defs []redline.Target
	for _, tg := range ts {
		if tg.Active {
			defs = append(defs, tg)
		}
	}
	e.sync(now, append(defs, d)...)
	return e.target(d.Name)
}

func (e *env) claimDue(owner string, now time.Time, lease time.Duration, limit int) []redline.Target {
	e.t.Helper()
	ts, err := e.s.ClaimDue(e.ctx, owner, now, lease, limit)
	if err != nil {
		e.t.Fatalf("ClaimDue(%s): %v", owner, err)
	}
	return ts
}

func (e *env) claimTargets(owner string, ids []int64, now time.Time, lease time.Duration) []redline.Target {
	e.t.Helper()
	ts, err := e.s.ClaimTargets(e.ctx, owner, ids, now, lease)
	if err != nil {
		e.t.Fatalf("ClaimTargets(%s): %v", owner, err)
	}
	return ts
}

func (e *env) record(rec *redline.CheckRecord) {
	e.t.Helper()
	if err := e.s.RecordCheck(e.ctx, rec); err != nil {
		e.t.Fatalf("RecordCheck: %v", err)
	}
}

func (e *env) captures(targetID, before int64, limit int) []redline.Capture {
	e.t.Helper()
	cs, err := e.s.Captures(e.ctx, targetID, before, limit)
	if err != nil {
		e.t.Fatalf("Captures: %v", err)
	}
	return cs
}

func (e *env) blob(sum string) []byte {
	e.t.Helper()
	b, err := e.s.Blob(e.ctx, sum)
	if err != nil {
		e.t.Fatalf("Blob(%s): %v", sum, err)
	}
	return b
}

func (e *env) alert(id string) redline.Alert {
	e.t.Helper()
	a, err := e.s.Alert(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Alert(%s): %v", id, err)
	}
	return a
}

func (e *env) claimAlerts(owner string, now time.Time, lease time.Duration, limit int) []redline.Alert {
	e.t.Helper()
	as, err := e.s.ClaimAlerts(e.ctx, owner, now, lease, limit)
	if err != nil {
		e.t.Fatalf("ClaimAlerts(%s): %v", owner, err)
	}
	return as
}

func (e *env) pending() int {
	e.t.Helper()
	n, err := e.s.PendingAlerts(e.ctx)
	if err != nil {
		e.t.Fatalf("PendingAlerts: %v", err)
	}
	return n
}

// wantErr fails unless err matches target with errors.Is.
func (e *env) wantErr(what string, err, target error) {
	e.t.Helper()
	if !errors.Is(err, target) {
		e.t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// wantTime fails unless got is the same instant as want and, when not
// zero, in UTC.
func (e *env) wantTime(what string, got, want time.Time) {
	e.t.Helper()
	if !got.Equal(want) {
		e.t.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		e.t.Errorf("%s = %v: not in UTC", what, got)
	}
}

// wantEqual fails unless got and want are deeply equal.
func (e *env) wantEqual(what string, got, want any) {
	e.t.Helper()
	if !reflect.DeepEqual(got, want) {
		e.t.Errorf("%s =\n\t%+v\nwant\n\t%+v", what, got, want)
	}
}

// names lists the names of ts.
func names(ts []redline.Target) []string {
	var ns []string
	for _, tg := range ts {
		ns = append(ns, tg.Name)
	}
	return ns
}

// ids lists the IDs of ts.
func ids(ts []redline.Target) []int64 {
	var is []int64
	for _, tg := range ts {
		is = append(is, tg.ID)
	}
	return is
}

// captureIDs lists the IDs of cs.
func captureIDs(cs []redline.Capture) []int64 {
	var is []int64
	for _, c := range cs {
		is = append(is, c.ID)
	}
	return is
}

// wantNames fails unless ts have exactly the given names, in order.
func (e *env) wantNames(what string, ts []redline.Target, want ...string) {
	e.t.Helper()
	if got := names(ts); !slices.Equal(got, want) {
		e.t.Errorf("%s = %q, want %q", what, got, want)
	}
}
