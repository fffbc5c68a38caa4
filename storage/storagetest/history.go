package storagetest

import (
	"fmt"
	"slices"
	"time"

	"redline"
)

// recordAt records one capture of tg at at, with a body unique to label
// unless body is given, and returns it as stored.
func (e *env) recordAt(tg redline.Target, at time.Time, outcome redline.Outcome, body []byte, change *redline.Change) redline.Capture {
	e.t.Helper()
	rec := newRecord(tg, "", at, outcome, body)
	rec.Change = change
	e.record(rec)
	c, err := e.s.Capture(e.ctx, rec.Capture.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func page(label string) []byte {
	return []byte("<html><body><p>" + label + "</p></body></html>")
}

func testFixityChain(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	beta := e.addTarget(t0, def("beta"))
	a1 := e.recordAt(alpha, t0, redline.OutcomeBaseline, page("one"), nil)
	b1 := e.recordAt(beta, t0, redline.OutcomeBaseline, page("beta"), nil)
	a2 := e.recordAt(alpha, t0.Add(time.Hour), redline.OutcomeError, nil, nil)
	a3 := e.recordAt(alpha, t0.Add(2*time.Hour), redline.OutcomeChanged, page("two"),
		&redline.Change{FromCaptureID: a1.ID, WordsAdded: 1, WordsRemoved: 1})

	chain := []redline.Capture{a1, a2, a3}
	prev := ""
	for _, c := range chain {
		if c.PrevHash != prev {
			e.t.Errorf("capture %d: PrevHash %q, want %q", c.ID, c.PrevHash, prev)
		}
		if want := redline.CaptureHash(c.PrevHash, c); c.Hash != want || len(c.Hash) != 64 {
			e.t.Errorf("capture %d: Hash %q, want CaptureHash = %q", c.ID, c.Hash, want)
		}
		prev = c.Hash
	}
	if a1.Hash == a3.Hash || a1.Hash == b1.Hash {
		e.t.Error("distinct captures share a hash")
	}
	if b1.PrevHash != "" {
		e.t.Errorf("beta's first capture chained to %q: chains are per target", b1.PrevHash)
	}
	if got := e.target("alpha").ChainHead; got != a3.Hash {
		e.t.Errorf("alpha ChainHead = %q, want latest hash %q", got, a3.Hash)
	}
	if got := e.target("beta").ChainHead; got != b1.Hash {
		e.t.Errorf("beta ChainHead = %q, want %q", got, b1.Hash)
	}
	// The hash commits to the recorded fields.
	altered := a3
	altered.Status = 203
	if redline.CaptureHash(altered.PrevHash, altered) == a3.Hash {
		e.t.Error("CaptureHash ignores the status")
	}
}

func testListCaptures(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	beta := e.addTarget(t0, def("beta"))
	var all []redline.Capture
	for i := range 6 {
		tg := alpha
		if i%3 == 2 {
			tg = beta
		}
		var body []byte
		if i != 3 {
			body = page(fmt.Sprint("v", i))
		}
		all = append(all, e.recordAt(tg, t0.Add(time.Duration(i)*time.Hour), redline.OutcomeBaseline, body, nil))
	}
	list := func(f redline.CaptureFilter) []int64 {
		e.t.Helper()
		cs, err := e.s.ListCaptures(e.ctx, f)
		if err != nil {
			e.t.Fatal(err)
		}
		return captureIDs(cs)
	}
	id := func(i ...int) []int64 {
		var out []int64
		for _, j := range i {
			out = append(out, all[j].ID)
		}
		return out
	}
	e.wantEqual("all, newest first", list(redline.CaptureFilter{}), id(5, 4, 3, 2, 1, 0))
	e.wantEqual("alpha", list(redline.CaptureFilter{TargetIDs: []int64{alpha.ID}}), id(4, 3, 1, 0))
	e.wantEqual("both targets", list(redline.CaptureFilter{TargetIDs: []int64{alpha.ID, beta.ID}, Limit: 2}), id(5, 4))
	e.wantEqual("since/until", list(redline.CaptureFilter{Since: all[1].FetchedAt, Until: all[4].FetchedAt}), id(3, 2, 1))
	e.wantEqual("with response", list(redline.CaptureFilter{TargetIDs: []int64{alpha.ID}, WithResponse: true}), id(4, 1, 0))
	e.wantEqual("oldest first after", list(redline.CaptureFilter{AfterID: all[1].ID, Oldest: true, Limit: 3}), id(2, 3, 4))
	e.wantEqual("before", list(redline.CaptureFilter{BeforeID: all[2].ID}), id(1, 0))
	cs, err := e.s.ListCaptures(e.ctx, redline.CaptureFilter{AfterID: all[5].ID})
	if err != nil || len(cs) != 0 {
		e.t.Errorf("past the end: %d captures, %v; want none", len(cs), err)
	}
}

func testListChanges(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	beta := e.addTarget(t0, def("beta"))
	prev := map[int64]int64{
		alpha.ID: e.recordAt(alpha, t0, redline.OutcomeBaseline, page("a0"), nil).ID,
		beta.ID:  e.recordAt(beta, t0, redline.OutcomeBaseline, page("b0"), nil).ID,
	}
	var chs []redline.Change
	for i := 1; i <= 4; i++ {
		tg := alpha
		if i%2 == 0 {
			tg = beta
		}
		at := t0.Add(time.Duration(i) * time.Hour)
		ch := &redline.Change{FromCaptureID: prev[tg.ID], DetectedAt: at, WordsAdded: i}
		c := e.recordAt(tg, at, redline.OutcomeChanged, page(fmt.Sprint("c", i)), ch)
		prev[tg.ID] = c.ID
		chs = append(chs, *ch)
	}
	list := func(f redline.ChangeFilter) []int64 {
		e.t.Helper()
		got, err := e.s.ListChanges(e.ctx, f)
		if err != nil {
			e.t.Fatal(err)
		}
		var ids []int64
		for _, ch := range got {
			ids = append(ids, ch.ID)
		}
		return ids
	}
	id := func(i ...int) []int64 {
		var out []int64
		for _, j := range i {
			out = append(out, chs[j].ID)
		}
		return out
	}
	e.wantEqual("all", list(redline.ChangeFilter{}), id(3, 2, 1, 0))
	e.wantEqual("since cursor", list(redline.ChangeFilter{AfterID: chs[1].ID, Oldest: true}), id(2, 3))
	e.wantEqual("beta", list(redline.ChangeFilter{TargetIDs: []int64{beta.ID}}), id(3, 1))
	e.wantEqual("time range", list(redline.ChangeFilter{Since: chs[1].DetectedAt, Until: chs[3].DetectedAt}), id(2, 1))
	e.wantEqual("before, limit", list(redline.ChangeFilter{BeforeID: chs[3].ID, Limit: 1}), id(2))
	got, err := e.s.ListChanges(e.ctx, redline.ChangeFilter{TargetIDs: []int64{alpha.ID}, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("change as stored", got, []redline.Change{chs[2]})
}

func testBlobSums(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	c1 := e.recordAt(alpha, t0, redline.OutcomeBaseline, page("one"), nil)
	c2 := e.recordAt(alpha, t0.Add(time.Hour), redline.OutcomeUnchanged, page("two"), nil)
	want := []string{c1.BodySHA256, c1.TextSHA256, c1.RequestSHA256, c2.BodySHA256, c2.TextSHA256}
	slices.Sort(want)
	want = slices.Compact(want)
	got, err := e.s.BlobSums(e.ctx, "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("BlobSums", got, want)
	page1, err := e.s.BlobSums(e.ctx, "", 2)
	if err != nil {
		e.t.Fatal(err)
	}
	page2, err := e.s.BlobSums(e.ctx, page1[len(page1)-1], 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("BlobSums paged", append(page1, page2...), want)
}

func testPrune(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	base := e.recordAt(alpha, h(0), redline.OutcomeBaseline, page("v1"), nil)
	var unchanged []redline.Capture
	for i := 1; i <= 5; i++ {
		// Same wording, bodies differing in a stamp.
		unchanged = append(unchanged, e.recordAt(alpha, h(i), redline.OutcomeUnchanged, page(fmt.Sprint("v1 stamp ", i)), nil))
	}
	failed := e.recordAt(alpha, h(6), redline.OutcomeError, nil, nil)
	changed := e.recordAt(alpha, h(7), redline.OutcomeChanged, page("v2"),
		&redline.Change{FromCaptureID: unchanged[4].ID, WordsAdded: 1})
	after := e.recordAt(alpha, h(8), redline.OutcomeUnchanged, page("v2 stamp"), nil)
	latest := e.recordAt(alpha, h(9), redline.OutcomeUnchanged, page("v2 stamp 2"), nil)
	head := e.target("alpha").ChainHead

	// Nothing is old enough: nothing goes.
	st, err := e.s.Prune(e.ctx, redline.Retention{ThinAfter: 30 * 24 * time.Hour}, h(10))
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantEqual("prune of recent captures", st, redline.PruneStats{})
	// The zero policy keeps everything.
	if st, err := e.s.Prune(e.ctx, redline.Retention{}, h(1000)); err != nil || st != (redline.PruneStats{}) {
		e.t.Fatalf("zero policy: %+v, %v; want nothing pruned", st, err)
	}

	now := h(100)
	st, err = e.s.Prune(e.ctx, redline.Retention{ThinAfter: 24 * time.Hour}, now)
	if err != nil {
		e.t.Fatal(err)
	}
	// Pruned: unchanged 1-4 and the one after the change; kept: the first,
	// the change's predecessor (unchanged[4]), the error, the change, the
	// latest.
	prunedIDs := []int64{unchanged[0].ID, unchanged[1].ID, unchanged[2].ID, unchanged[3].ID, after.ID}
	if st.Captures != len(prunedIDs) || st.Blobs != 2*len(prunedIDs) || st.Bytes <= 0 {
		e.t.Errorf("PruneStats = %+v, want %d captures and %d blobs (their distinct bodies and texts) with bytes", st, len(prunedIDs), 2*len(prunedIDs))
	}
	for _, c := range append([]redline.Capture{base, failed, changed, latest, unchanged[4]}, unchanged[:4]...) {
		got, err := e.s.Capture(e.ctx, c.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		wantPruned := slices.Contains(prunedIDs, c.ID)
		if got.PrunedAt.IsZero() == wantPruned {
			e.t.Errorf("capture %d (%s): PrunedAt %v, want pruned %v", c.ID, c.Outcome, got.PrunedAt, wantPruned)
		}
		if got.Hash != c.Hash || got.PrevHash != c.PrevHash || got.BodySHA256 != c.BodySHA256 {
			e.t.Errorf("capture %d: prune changed its record", c.ID)
		}
		if c.BodySHA256 == "" {
			continue
		}
		_, err = e.s.Blob(e.ctx, c.BodySHA256)
		if wantPruned {
			e.wantErr(fmt.Sprintf("body of pruned capture %d", c.ID), err, redline.ErrPruned)
		} else if err != nil {
			e.t.Errorf("body of kept capture %d: %v", c.ID, err)
		}
	}
	// The shared text of the first version survives (kept captures use it).
	if _, err := e.s.Blob(e.ctx, base.TextSHA256); err != nil {
		e.t.Errorf("text of the first version: %v", err)
	}
	if got := e.target("alpha").ChainHead; got != head {
		e.t.Error("prune moved the chain head")
	}
	// A second pass has nothing left to do.
	if st, err := e.s.Prune(e.ctx, redline.Retention{ThinAfter: 24 * time.Hour}, now); err != nil || st != (redline.PruneStats{}) {
		e.t.Errorf("second pass: %+v, %v; want nothing", st, err)
	}

	// KeepEvery keeps the first thinnable capture of each window.
	beta := e.addTarget(t0, def("beta"))
	e.recordAt(beta, h(0), redline.OutcomeBaseline, page("b"), nil) // 12:00
	var bs []redline.Capture
	for i := 1; i <= 5; i++ { // 13:00 .. 17:00
		bs = append(bs, e.recordAt(beta, h(i), redline.OutcomeNotModified, page(fmt.Sprint("b stamp ", i)), nil))
	}
	e.recordAt(beta, h(8), redline.OutcomeUnchanged, page("b stamp 8"), nil) // 20:00, latest
	if _, err := e.s.Prune(e.ctx, redline.Retention{ThinAfter: 24 * time.Hour, KeepEvery: 3 * time.Hour}, now); err != nil {
		e.t.Fatal(err)
	}
	// Windows of 3h from the epoch: [12,15) keeps 13:00, [15,18) keeps 15:00.
	for i, c := range bs {
		got, err := e.s.Capture(e.ctx, c.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		wantKept := i == 0 || i == 2
		if got.PrunedAt.IsZero() != wantKept {
			e.t.Errorf("beta capture at %s: pruned %v, want kept %v", c.FetchedAt.Format("15:04"), !got.PrunedAt.IsZero(), wantKept)
		}
	}
}

func testPrunedBodyReturns(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	e.recordAt(alpha, t0, redline.OutcomeBaseline, page("v1"), nil)
	gone := e.recordAt(alpha, t0.Add(time.Hour), redline.OutcomeUnchanged, page("v1 stamp"), nil)
	e.recordAt(alpha, t0.Add(2*time.Hour), redline.OutcomeUnchanged, page("v1 other stamp"), nil)
	if _, err := e.s.Prune(e.ctx, redline.Retention{ThinAfter: time.Hour}, t0.Add(48*time.Hour)); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.s.Blob(e.ctx, gone.BodySHA256); err == nil {
		e.t.Fatal("pruned body still readable")
	}
	// The same bytes fetched again are stored again.
	back := e.recordAt(alpha, t0.Add(50*time.Hour), redline.OutcomeUnchanged, page("v1 stamp"), nil)
	if back.BodySHA256 != gone.BodySHA256 {
		e.t.Fatal("test bodies differ")
	}
	got, err := e.s.Blob(e.ctx, back.BodySHA256)
	if err != nil {
		e.t.Fatalf("body fetched again after pruning: %v", err)
	}
	e.wantEqual("body", got, page("v1 stamp"))
}
