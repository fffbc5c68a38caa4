package storagetest

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"redline"
	"redline/fixity"
)

// Header is a realistic response header set of a government page,
// stamped with date: what a repeat row's header delta is measured against.
func Header(date time.Time) http.Header {
	return http.Header{
		"Date":           {date.Format(http.TimeFormat)},
		"Content-Type":   {"text/html; charset=utf-8"},
		"Content-Length": {"5120"},
		"Cache-Control":  {"max-age=0, no-cache"},
		"Server":         {"Apache/2.4.62 (Red Hat Enterprise Linux)"},
		"Etag":           {`"1a2b-5f3c9e"`},
		"Last-Modified":  {"Tue, 04 Feb 2025 10:00:00 GMT"},
		"Link":           {`<https://www.example.gov/policy/alpha>; rel="canonical"`, `</s/site.css>; rel=preload`},
		"Set-Cookie":     {"SSESS=abc; path=/; HttpOnly", "lang=en; path=/"},
		"X-Drupal-Cache": {"MISS"},
	}
}

// testRepeats records re-checks whose response repeats an earlier one
// (same body, only a few headers different), as a store may keep in less
// room than a full capture, and checks that every read returns each
// capture exactly as recorded.
func testRepeats(e *env) {
	t0 := base()
	alpha := e.addTarget(t0, def("alpha"))
	beta := e.addTarget(t0, def("beta"))
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	v1 := page("version one")
	v2 := page("version two")

	var recorded []redline.Capture // alpha's, in order
	var lastGood redline.Capture
	add := func(rec *redline.CheckRecord, mutate func(c *redline.Capture)) {
		e.t.Helper()
		if mutate != nil {
			mutate(&rec.Capture)
		}
		e.record(rec)
		recorded = append(recorded, rec.Capture)
		if rec.Capture.Outcome.Good() {
			lastGood = rec.Capture
		}
		got, err := e.s.Baseline(e.ctx, alpha.ID)
		if err != nil {
			e.t.Fatalf("Baseline after capture %d: %v", len(recorded)-1, err)
		}
		e.wantEqual(fmt.Sprintf("Baseline after capture %d", len(recorded)-1), got, lastGood)
		// beta repeats itself between alpha's captures: chains are per
		// target.
		b := newRecord(beta, "", rec.Capture.FetchedAt.Add(time.Minute), redline.OutcomeUnchanged, v1)
		b.Capture.Header = Header(b.Capture.FetchedAt)
		e.record(b)
	}
	withHeader := func(hd http.Header) func(c *redline.Capture) {
		return func(c *redline.Capture) { c.Header = hd }
	}

	add(newRecord(alpha, "", h(0), redline.OutcomeBaseline, v1), withHeader(Header(h(0))))
	// Only the Date differs.
	add(newRecord(alpha, "", h(1), redline.OutcomeUnchanged, v1), withHeader(Header(h(1))))
	// A header added; another duration and attempt count.
	add(newRecord(alpha, "", h(2), redline.OutcomeUnchanged, v1), func(c *redline.Capture) {
		c.Header = Header(h(2))
		c.Header["Age"] = []string{"12"}
		c.Duration, c.Attempts = 250*time.Millisecond, 2
	})
	// A header removed, one value of another changed.
	add(newRecord(alpha, "", h(3), redline.OutcomeUnchanged, v1), func(c *redline.Capture) {
		c.Header = Header(h(3))
		delete(c.Header, "Set-Cookie")
		c.Header["Link"] = []string{`<https://www.example.gov/policy/alpha>; rel="canonical"`}
	})
	// The same response judged blocked, with an error.
	add(newRecord(alpha, "", h(4), redline.OutcomeBlocked, v1), func(c *redline.Capture) {
		c.Header = Header(h(4))
		c.Error = "challenge page"
	})
	// 304s: the first differs (status, no body), the next repeat it.
	for i := 5; i <= 7; i++ {
		rec := newRecord(alpha, "", h(i), redline.OutcomeNotModified, v1)
		rec.Body = nil // a 304 carries none
		add(rec, func(c *redline.Capture) {
			c.Status = http.StatusNotModified
			c.Header = http.Header{"Date": {h(i).Format(http.TimeFormat)}, "Etag": {`"1a2b-5f3c9e"`}, "Cache-Control": {"max-age=0"}}
			c.BodySHA256, c.BodySize = "", 0
		})
	}
	add(newRecord(alpha, "", h(8), redline.OutcomeError, nil), nil)
	add(newRecord(alpha, "", h(9), redline.OutcomeUnchanged, v1), withHeader(Header(h(9))))
	// A redirect: another final URL.
	add(newRecord(alpha, "", h(10), redline.OutcomeUnchanged, v1), func(c *redline.Capture) {
		c.Header, c.FinalURL = Header(h(10)), alpha.URL+"/index.html"
	})
	add(newRecord(alpha, "", h(11), redline.OutcomeUnchanged, v1), withHeader(Header(h(11))))
	changed := newRecord(alpha, "", h(12), redline.OutcomeChanged, v2)
	changed.Change = &redline.Change{FromCaptureID: recorded[len(recorded)-1].ID, WordsAdded: 1, WordsRemoved: 1}
	add(changed, withHeader(Header(h(12))))
	// Another status, then the same response twice, headers and all.
	same := Header(h(13))
	for i := 13; i <= 14; i++ {
		add(newRecord(alpha, "", h(i), redline.OutcomeUnchanged, v2), func(c *redline.Capture) {
			c.Status, c.Header = http.StatusNonAuthoritativeInfo, same.Clone()
		})
	}
	// A header with no value; then every header but the Date gone.
	add(newRecord(alpha, "", h(15), redline.OutcomeUnchanged, v2), func(c *redline.Capture) {
		c.Status, c.Header = http.StatusNonAuthoritativeInfo, Header(h(15))
		c.Header["X-Empty"] = []string{}
	})
	add(newRecord(alpha, "", h(16), redline.OutcomeUnchanged, v2), func(c *redline.Capture) {
		c.Status, c.Header = http.StatusNonAuthoritativeInfo, http.Header{"Date": {h(16).Format(http.TimeFormat)}}
	})
	// An empty header set.
	add(newRecord(alpha, "", h(17), redline.OutcomeUnchanged, v2), func(c *redline.Capture) {
		c.Status, c.Header = http.StatusNonAuthoritativeInfo, http.Header{}
	})
	add(newRecord(alpha, "", h(18), redline.OutcomeUnchanged, v2), func(c *redline.Capture) {
		c.Status, c.Header = http.StatusNonAuthoritativeInfo, Header(h(18))
	})

	e.wantRecorded(alpha, recorded)
	byID := func(f redline.CaptureFilter) []redline.Capture {
		e.t.Helper()
		cs, err := e.s.ListCaptures(e.ctx, f)
		if err != nil {
			e.t.Fatal(err)
		}
		return cs
	}
	var withResponse, window []redline.Capture
	for _, c := range recorded {
		if c.Status > 0 {
			withResponse = append(withResponse, c)
		}
		if !c.FetchedAt.Before(h(2)) && c.FetchedAt.Before(h(7)) {
			window = append(window, c)
		}
	}
	e.wantEqual("ListCaptures with response", byID(redline.CaptureFilter{TargetIDs: []int64{alpha.ID}, WithResponse: true, Oldest: true}), withResponse)
	e.wantEqual("ListCaptures since/until", byID(redline.CaptureFilter{TargetIDs: []int64{alpha.ID}, Since: h(2), Until: h(7), Oldest: true}), window)

	var ps []fixity.Problem
	sum, err := fixity.Verify(e.ctx, e.s, func(p fixity.Problem) { ps = append(ps, p) })
	if err != nil || len(ps) != 0 {
		e.t.Errorf("fixity: %v, problems %v", err, ps)
	}
	if sum.Captures != 2*len(recorded) {
		e.t.Errorf("fixity checked %d captures, want %d", sum.Captures, 2*len(recorded))
	}
}

// wantRecorded checks that every read of tg's captures returns exactly
// want (tg's captures as RecordCheck returned them, oldest first), and
// that they form tg's hash chain.
func (e *env) wantRecorded(tg redline.Target, want []redline.Capture) {
	e.t.Helper()
	prev := ""
	for i, c := range want {
		got, err := e.s.Capture(e.ctx, c.ID)
		if err != nil {
			e.t.Fatalf("Capture(%d): %v", c.ID, err)
		}
		e.wantEqual(fmt.Sprintf("Capture %d (#%d)", c.ID, i), got, c)
		if c.PrevHash != prev || c.Hash != redline.CaptureHash(prev, c) {
			e.t.Errorf("capture %d (#%d) is not chained to its predecessor", c.ID, i)
		}
		prev = c.Hash
	}
	if head := e.target(tg.Name).ChainHead; head != prev {
		e.t.Errorf("ChainHead %q, want %q", head, prev)
	}
	newest := slices.Clone(want)
	slices.Reverse(newest)
	e.wantEqual("Captures", e.captures(tg.ID, 0, 0), newest)
	var paged []redline.Capture
	for before := int64(0); ; {
		cs := e.captures(tg.ID, before, 4)
		paged = append(paged, cs...)
		if len(cs) < 4 {
			break
		}
		before = cs[len(cs)-1].ID
	}
	e.wantEqual("Captures paged by 4", paged, newest)
	var listed []redline.Capture
	for after := int64(0); ; {
		cs, err := e.s.ListCaptures(e.ctx, redline.CaptureFilter{TargetIDs: []int64{tg.ID}, AfterID: after, Oldest: true, Limit: 5})
		if err != nil {
			e.t.Fatal(err)
		}
		listed = append(listed, cs...)
		if len(cs) < 5 {
			break
		}
		after = cs[len(cs)-1].ID
	}
	e.wantEqual("ListCaptures paged by 5", listed, want)
}

// testRepeatsPrune prunes captures whose responses repeat each other: a
// body stays while a kept capture has it, even when every other capture
// having it is pruned, and goes once they all are.
func testRepeatsPrune(e *env) {
	t0 := base() // 12:00; KeepEvery windows of 3h start at 12:00, 15:00, 18:00, 21:00
	alpha := e.addTarget(t0, def("alpha"))
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	var all []redline.Capture
	rec := func(n int, outcome redline.Outcome, body []byte) {
		e.t.Helper()
		notModified := body == nil
		if notModified {
			body = page("v1") // for its text
		}
		r := newRecord(alpha, "", h(n), outcome, body)
		r.Capture.Header = Header(h(n))
		if notModified {
			r.Capture.Header = http.Header{"Date": {h(n).Format(http.TimeFormat)}}
			r.Capture.Status, r.Capture.BodySHA256, r.Capture.BodySize, r.Body = http.StatusNotModified, "", 0, nil
		}
		e.record(r)
		all = append(all, r.Capture)
	}
	kept, gone := page("v1 stamp kept"), page("v1 stamp gone")
	rec(0, redline.OutcomeBaseline, page("v1"))   // first: kept
	rec(1, redline.OutcomeNotModified, nil)       // first of 12:00-15:00: kept
	rec(2, redline.OutcomeUnchanged, kept)        // pruned
	rec(3, redline.OutcomeUnchanged, kept)        // first of 15:00-18:00: kept
	rec(4, redline.OutcomeUnchanged, kept)        // pruned
	rec(5, redline.OutcomeUnchanged, kept)        // pruned
	rec(6, redline.OutcomeNotModified, nil)       // first of 18:00-21:00: kept
	rec(7, redline.OutcomeUnchanged, gone)        // pruned
	rec(8, redline.OutcomeUnchanged, gone)        // pruned
	rec(9, redline.OutcomeChanged, page("v2"))    // changed: kept
	rec(10, redline.OutcomeUnchanged, page("v2")) // latest: kept
	now := h(100)
	st, err := e.s.Prune(e.ctx, redline.Retention{ThinAfter: 24 * time.Hour, KeepEvery: 3 * time.Hour}, now)
	if err != nil {
		e.t.Fatal(err)
	}
	// The body and text of "gone" lose their bytes; those of "kept" stay.
	if st.Captures != 5 || st.Blobs != 2 || st.Bytes <= 0 {
		e.t.Errorf("PruneStats = %+v, want 5 captures and 2 blobs with bytes", st)
	}
	for _, n := range []int{2, 4, 5, 7, 8} {
		all[n].PrunedAt = now
	}
	e.wantRecorded(alpha, all)
	for _, b := range [][]byte{kept, textOf(kept)} {
		if _, err := e.s.Blob(e.ctx, shaHex(b)); err != nil {
			e.t.Errorf("blob %.20q of a kept capture: %v", b, err)
		}
	}
	for _, b := range [][]byte{gone, textOf(gone)} {
		_, err := e.s.Blob(e.ctx, shaHex(b))
		e.wantErr(fmt.Sprintf("blob %.20q of pruned captures only", b), err, redline.ErrPruned)
	}
	var ps []fixity.Problem
	if _, err := fixity.Verify(e.ctx, e.s, func(p fixity.Problem) { ps = append(ps, p) }); err != nil || len(ps) != 0 {
		e.t.Errorf("fixity after pruning: %v, problems %v", err, ps)
	}
}
