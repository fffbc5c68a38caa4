package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/history"
)

func TestTargets(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Targets []targetJSON `json:"targets"`
		Count   int          `json:"count"`
	}
	f.getJSON("/api/v1/targets", http.StatusOK, &got)
	var names []string
	for _, tg := range got.Targets {
		names = append(names, tg.Name)
	}
	if want := []string{"dhs-notice", "doj-detainers", "doj-mirror", "empty-page"}; !slices.Equal(names, want) || got.Count != 4 {
		t.Fatalf("targets %v (count %d), want %v", names, got.Count, want)
	}
	doj := got.Targets[1]
	want := f.tgs["doj-detainers"]
	if doj.URL != want.URL || doj.Kind != "page" || !slices.Equal(doj.Tags, []string{"doj", "immigration"}) || doj.Source != "config" ||
		!doj.Active || doj.Schedule != "@every 6h" || doj.LastOutcome != "changed" || doj.ChainHead != f.caps["doj7"].Hash || doj.ChainHead == "" {
		t.Errorf("doj-detainers: %+v", doj)
	}
	if doj.LastCheckAt == nil || !doj.LastCheckAt.Equal(f.caps["doj7"].FetchedAt) || doj.NextDue == nil {
		t.Errorf("doj-detainers times: last check %v, next due %v", doj.LastCheckAt, doj.NextDue)
	}
	wantLinks := targetLinks{
		Self:     f.url + "/api/v1/targets/doj-detainers",
		Captures: f.url + "/api/v1/targets/doj-detainers/captures",
		Changes:  f.url + "/api/v1/changes?target=doj-detainers",
		Feed:     f.url + "/feeds/targets/doj-detainers.atom",
		Page:     f.url + "/targets/doj-detainers",
	}
	if doj.Links != wantLinks {
		t.Errorf("links %+v, want %+v", doj.Links, wantLinks)
	}
	if e := got.Targets[3]; e.LastCheckAt != nil || e.ChainHead != "" || e.Tags == nil {
		t.Errorf("empty-page: %+v", e)
	}

	var one targetJSON
	f.getJSON("/api/v1/targets/doj-detainers", http.StatusOK, &one)
	if one.Name != "doj-detainers" || one.ChainHead != doj.ChainHead {
		t.Errorf("one target: %+v", one)
	}
	// Every link works.
	for _, l := range []string{one.Links.Self, one.Links.Captures, one.Links.Changes, one.Links.Feed, one.Links.Page} {
		f.get(strings.TrimPrefix(l, f.url), http.StatusOK)
	}
	f.wantError("/api/v1/targets/nope", http.StatusNotFound, `target "nope": not found`)

	// A discovered target says which rule found it, when, and under what title.
	found, err := f.st.AddDiscovered(f.ctx, "doj-detainers", []redline.Target{{Name: "doj-memo", URL: "http://example.gov/memo/1",
		Kind: "page", Schedule: "@every 6h", Title: "Memo one"}}, t0())
	if err != nil || len(found) != 1 {
		t.Fatalf("AddDiscovered: %v, %v", found, err)
	}
	var memo targetJSON
	f.getJSON("/api/v1/targets/doj-memo", http.StatusOK, &memo)
	if memo.DiscoveredBy != "doj-detainers" || memo.Title != "Memo one" || memo.DiscoveredAt == nil || !memo.DiscoveredAt.Equal(t0()) ||
		memo.Pinned || memo.UnlistedAt != nil {
		t.Errorf("discovered target: %+v", memo)
	}
}

// captureIDs lists the IDs of the captures labelled.
func (f *fixture) captureIDs(labels ...string) []int64 {
	var ids []int64
	for _, l := range labels {
		ids = append(ids, f.caps[l].ID)
	}
	return ids
}

type capturePage struct {
	Captures []captureJSON `json:"captures"`
	Next     *string       `json:"next"`
}

func (p capturePage) ids() []int64 {
	var ids []int64
	for _, c := range p.Captures {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestCapturesPaging(t *testing.T) {
	f := newFixture(t)
	path := "/api/v1/targets/doj-detainers/captures?limit=3"
	wantPages := [][]int64{
		f.captureIDs("doj7", "doj6", "doj5"),
		f.captureIDs("doj4", "doj3", "doj2"),
		f.captureIDs("doj1"),
	}
	for i, want := range wantPages {
		var p capturePage
		f.getJSON(path, http.StatusOK, &p)
		if !slices.Equal(p.ids(), want) {
			t.Fatalf("page %d: captures %v, want %v", i+1, p.ids(), want)
		}
		if i == len(wantPages)-1 {
			if p.Next != nil {
				t.Fatalf("last page has next %q", *p.Next)
			}
			break
		}
		if p.Next == nil || !strings.HasPrefix(*p.Next, f.url+"/api/v1/targets/doj-detainers/captures?") {
			t.Fatalf("page %d: next %v", i+1, p.Next)
		}
		u, err := url.Parse(*p.Next)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("limit") != "3" || u.Query().Get("cursor") != strconv.FormatInt(want[len(want)-1], 10) {
			t.Fatalf("page %d: next %s", i+1, *p.Next)
		}
		path = u.RequestURI()
	}

	// from is inclusive, until exclusive; the filters survive paging.
	from := t0().Add(2 * time.Hour).Format(time.RFC3339)
	until := t0().Add(5 * time.Hour).Format(time.RFC3339Nano) // doj6 exactly: excluded
	var p capturePage
	f.getJSON("/api/v1/targets/doj-detainers/captures?limit=2&from="+url.QueryEscape(from)+"&until="+url.QueryEscape(until), http.StatusOK, &p)
	if want := f.captureIDs("doj5", "doj4"); !slices.Equal(p.ids(), want) || p.Next == nil {
		t.Fatalf("from/until page 1: %v (next %v), want %v", p.ids(), p.Next, want)
	}
	u, _ := url.Parse(*p.Next)
	var p2 capturePage
	f.getJSON(u.RequestURI(), http.StatusOK, &p2)
	if want := f.captureIDs("doj3"); !slices.Equal(p2.ids(), want) || p2.Next != nil {
		t.Fatalf("from/until page 2: %v (next %v), want %v", p2.ids(), p2.Next, want)
	}

	var all capturePage
	f.getJSON("/api/v1/targets/doj-detainers/captures", http.StatusOK, &all)
	if len(all.Captures) != 7 || all.Next != nil {
		t.Fatalf("default limit: %d captures, next %v", len(all.Captures), all.Next)
	}

	f.wantError("/api/v1/targets/doj-detainers/captures?from=2025-13-01", http.StatusBadRequest, "from", `"2025-13-01"`, "RFC 3339")
	f.wantError("/api/v1/targets/doj-detainers/captures?until=yesterday", http.StatusBadRequest, "until", "RFC 3339")
	f.wantError("/api/v1/targets/doj-detainers/captures?limit=-1", http.StatusBadRequest, "limit")
	f.wantError("/api/v1/targets/doj-detainers/captures?cursor=x", http.StatusBadRequest, "cursor")
	f.wantError("/api/v1/targets/nope/captures", http.StatusNotFound, `target "nope"`)
}

func TestCaptureMetadata(t *testing.T) {
	f := newFixture(t)
	c4 := f.caps["doj4"]
	var got captureJSON
	f.getJSON("/api/v1/captures/"+id(c4), http.StatusOK, &got)
	if got.ID != c4.ID || got.Target != "doj-detainers" || got.URL != "http://example.gov/a" || got.FinalURL != c4.FinalURL ||
		!got.FetchedAt.Equal(c4.FetchedAt) || got.DurationMS != 1500 || got.Status != 200 || got.ContentType != "text/html" ||
		got.Outcome != redline.OutcomeChanged || got.Error != "" || got.BodySHA256 != c4.BodySHA256 || got.BodySize != c4.BodySize ||
		got.TextSHA256 != c4.TextSHA256 || got.RequestSHA256 == "" || got.RequestSHA256 != c4.RequestSHA256 {
		t.Errorf("capture: %+v\nwant %+v", got, c4)
	}
	if got.Hash != c4.Hash || got.PrevHash != f.caps["doj3"].Hash || got.Hash == "" || got.PrevHash == "" {
		t.Errorf("hash %q prev %q, want %q and the hash of capture doj3 %q", got.Hash, got.PrevHash, c4.Hash, f.caps["doj3"].Hash)
	}
	if got.Headers.Get("Content-Type") != "text/html; charset=utf-8" || got.PrunedAt != nil {
		t.Errorf("headers %v, pruned_at %v", got.Headers, got.PrunedAt)
	}
	self := f.url + "/api/v1/captures/" + id(c4)
	want := captureLinks{
		Self: self, Target: f.url + "/api/v1/targets/doj-detainers", Raw: self + "/raw", Text: self + "/text",
		Memento:      f.url + "/memento/20250301150000/http://example.gov/a",
		DiffPrevious: f.url + "/api/v1/targets/doj-detainers/diff?to=" + id(c4),
	}
	if got.Links != want {
		t.Errorf("links %+v\nwant %+v", got.Links, want)
	}
	for _, l := range []string{want.Raw, want.Text, want.DiffPrevious, want.Memento} {
		f.get(strings.TrimPrefix(l, f.url), http.StatusOK)
	}

	// The JSON spells every field, and UTC times.
	_, raw := f.get("/api/v1/captures/"+id(c4), http.StatusOK)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "target", "url", "final_url", "fetched_at", "duration_ms", "status", "headers", "content_type",
		"outcome", "error", "body_sha256", "body_size", "text_sha256", "request_sha256", "prev_hash", "hash", "pruned_at", "links"} {
		if _, ok := m[k]; !ok {
			t.Errorf("capture JSON lacks %q", k)
		}
	}
	if m["pruned_at"] != nil || m["fetched_at"] != "2025-03-01T15:00:00.25Z" {
		t.Errorf("pruned_at %v, fetched_at %v", m["pruned_at"], m["fetched_at"])
	}

	// A pruned capture keeps its record and says when it was pruned.
	var pruned captureJSON
	f.getJSON("/api/v1/captures/"+id(f.caps["doj2"]), http.StatusOK, &pruned)
	if pruned.PrunedAt == nil || !pruned.PrunedAt.Equal(t0().Add(48*time.Hour)) || pruned.Hash != f.caps["doj2"].Hash || pruned.Links.Memento != "" {
		t.Errorf("pruned capture: %+v", pruned)
	}
	// A failed fetch has neither body nor memento.
	var failed captureJSON
	f.getJSON("/api/v1/captures/"+id(f.caps["doj5"]), http.StatusOK, &failed)
	if failed.Status != 0 || failed.Headers != nil || failed.Error == "" || failed.Links.Raw != "" || failed.Links.Memento != "" || failed.Links.DiffPrevious != "" {
		t.Errorf("failed capture: %+v", failed)
	}

	f.wantError("/api/v1/captures/9999", http.StatusNotFound, "capture 9999: not found")
	f.wantError("/api/v1/captures/abc", http.StatusBadRequest, `"abc"`)
	f.wantError("/api/v1/captures/9999/raw", http.StatusNotFound, "capture 9999: not found")
	f.wantError("/api/v1/captures/9999/text", http.StatusNotFound, "capture 9999: not found")
}

func TestRaw(t *testing.T) {
	f := newFixture(t)
	c := f.caps["doj1"]
	resp, body := f.get("/api/v1/captures/"+id(c)+"/raw", http.StatusOK)
	if string(body) != "<html>v1 stamp 1</html>" {
		t.Fatalf("raw body %q", body)
	}
	sum := sha256.Sum256(body)
	wantHeaders := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Disposition":     `attachment; filename="capture-` + id(c) + `.html"`,
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"Repr-Digest":             "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
		"Etag":                    `"` + c.BodySHA256 + `"`,
	}
	for k, v := range wantHeaders {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("raw %s: %q, want %q", k, got, v)
		}
	}
	// Conditional requests are answered from the ETag.
	if resp, _ := f.do(http.MethodGet, "/api/v1/captures/"+id(c)+"/raw", "If-None-Match", `"`+c.BodySHA256+`"`); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d", resp.StatusCode)
	}

	resp, body = f.get("/api/v1/captures/"+id(c)+"/raw?as=text", http.StatusOK)
	if string(body) != "<html>v1 stamp 1</html>" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Repr-Digest") != wantHeaders["Repr-Digest"] {
		t.Errorf("as=text: %v %q", resp.Header, body)
	}
	// The original charset is kept.
	resp, _ = f.get("/api/v1/captures/"+id(f.caps["dhs1"])+"/raw?as=text", http.StatusOK)
	if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=windows-1252" {
		t.Errorf("as=text of a windows-1252 page: Content-Type %q", got)
	}
	// HEAD gives the headers alone.
	if resp, body := f.do(http.MethodHead, "/api/v1/captures/"+id(c)+"/raw"); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Repr-Digest") == "" {
		t.Errorf("HEAD raw: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	f.wantError("/api/v1/captures/"+id(f.caps["doj2"])+"/raw", http.StatusGone, "capture "+id(f.caps["doj2"]), "pruned")
	f.wantError("/api/v1/captures/"+id(f.caps["doj5"])+"/raw", http.StatusNotFound, "capture "+id(f.caps["doj5"]), "no body")
	f.wantError("/api/v1/captures/"+id(c)+"/raw?as=html", http.StatusBadRequest, "as")
	// An error response drops the headers of the body it did not send.
	resp, _ = f.get("/api/v1/captures/"+id(f.caps["doj2"])+"/raw", http.StatusGone)
	if resp.Header.Get("Content-Disposition") != "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("410 headers: %v", resp.Header)
	}
}

func TestText(t *testing.T) {
	f := newFixture(t)
	c := f.caps["doj4"]
	resp, body := f.get("/api/v1/captures/"+id(c)+"/text", http.StatusOK)
	if string(body) != text2 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("Etag") != `"`+c.TextSHA256+`"` {
		t.Errorf("text: %v %q", resp.Header, body)
	}
	f.wantError("/api/v1/captures/"+id(f.caps["doj6"])+"/text", http.StatusNotFound, "no text")
	// doj2's text is the same as doj1's, which is kept: still served.
	f.get("/api/v1/captures/"+id(f.caps["doj2"])+"/text", http.StatusOK)
}

func TestDiff(t *testing.T) {
	f := newFixture(t)
	q := "/api/v1/diff?from=" + id(f.caps["doj3"]) + "&to=" + id(f.caps["doj4"])

	resp, body := f.get(q, http.StatusOK)
	word := string(body)
	if resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		!strings.HasPrefix(word, "--- capture "+id(f.caps["doj3"])+" (2025-03-01T14:00:00Z)\n+++ capture "+id(f.caps["doj4"])+" (2025-03-01T15:00:00Z)\nsignificance: ") ||
		!strings.Contains(word, "[-shall-]{+must+}") {
		t.Errorf("word diff:\n%s", word)
	}
	if _, b := f.get(q+"&format=word", http.StatusOK); string(b) != word {
		t.Errorf("format=word differs from the default:\n%s", b)
	}
	_, body = f.get(q+"&format=unified", http.StatusOK)
	if u := string(body); !strings.Contains(u, "\n-Officers shall decline") || !strings.Contains(u, "\n+Officers must decline") {
		t.Errorf("unified diff:\n%s", u)
	}
	var j history.JSON
	f.getJSON(q+"&format=json", http.StatusOK, &j)
	if j.Target != "doj-detainers" || j.From != f.caps["doj3"].ID || j.To != f.caps["doj4"].ID || j.WordsAdded != 1 || j.WordsRemoved != 1 ||
		len(j.Hunks) != 1 || !j.NoiseRulesApplied {
		t.Errorf("json diff: %+v", j)
	}
	f.getJSON(q+"&format=json&raw=1", http.StatusOK, &j)
	if j.NoiseRulesApplied {
		t.Error("raw=1 applied the noise rules")
	}
	// from defaults to the version before to.
	if _, b := f.get("/api/v1/diff?to="+id(f.caps["doj4"]), http.StatusOK); string(b) != word {
		t.Errorf("diff without from:\n%s", b)
	}

	// The target's diff defaults to its two latest versions.
	_, body = f.get("/api/v1/targets/doj-detainers/diff", http.StatusOK)
	if d := string(body); !strings.Contains(d, "+++ capture "+id(f.caps["doj7"])) || !strings.Contains(d, "--- capture "+id(f.caps["doj4"])) ||
		!strings.Contains(d, "{+## Reports+}") || !strings.Contains(d, "<script>alert(1)</script>") {
		t.Errorf("target diff:\n%s", d)
	}
	f.getJSON("/api/v1/targets/doj-detainers/diff?from="+id(f.caps["doj1"])+"&to="+id(f.caps["doj4"])+"&format=json", http.StatusOK, &j)
	if j.From != f.caps["doj1"].ID || j.To != f.caps["doj4"].ID {
		t.Errorf("target diff from/to: %+v", j)
	}

	f.wantError("/api/v1/diff?from="+id(f.caps["doj3"])+"&to="+id(f.caps["dhs1"]), http.StatusBadRequest, "not a capture of dhs-notice")
	f.wantError("/api/v1/targets/dhs-notice/diff?from="+id(f.caps["doj3"]), http.StatusBadRequest, "not a capture of dhs-notice")
	f.wantError("/api/v1/diff?from="+id(f.caps["doj5"])+"&to="+id(f.caps["doj4"]), http.StatusBadRequest, "has no text")
	f.wantError(q+"&format=html", http.StatusBadRequest, "format", `"html"`)
	f.wantError(q+"&raw=maybe", http.StatusBadRequest, "raw")
	f.wantError("/api/v1/diff?from=1", http.StatusBadRequest, "to")
	f.wantError("/api/v1/diff?to=9999", http.StatusNotFound, "capture 9999")
	f.wantError("/api/v1/targets/empty-page/diff", http.StatusBadRequest, "no good capture")
	f.wantError("/api/v1/targets/nope/diff", http.StatusNotFound, `target "nope"`)
}

type changePage struct {
	Changes    []changeJSON `json:"changes"`
	NextCursor int64        `json:"next_cursor"`
}

func (p changePage) tos() []int64 {
	var ids []int64
	for _, ch := range p.Changes {
		ids = append(ids, ch.ToCapture)
	}
	return ids
}

func TestChanges(t *testing.T) {
	f := newFixture(t)
	a, b, c := f.chs["doj4"], f.chs["doj7"], f.chs["dhs3"]

	var p changePage
	f.getJSON("/api/v1/changes?limit=2", http.StatusOK, &p)
	if want := f.captureIDs("doj4", "dhs3"); !slices.Equal(p.tos(), want) || p.NextCursor != c.ID {
		t.Fatalf("first poll: %v cursor %d, want %v cursor %d", p.tos(), p.NextCursor, want, c.ID)
	}
	got := p.Changes[0]
	want := changeJSON{
		ChangeRecord: history.ChangeRecord{ID: a.ID, Target: "doj-detainers", FromCapture: f.caps["doj3"].ID, ToCapture: f.caps["doj4"].ID,
			DetectedAt: a.DetectedAt, WordsAdded: 1, WordsRemoved: 1, Significance: "high"},
		Links: changeLinks{
			Diff: f.url + "/api/v1/diff?from=" + id(f.caps["doj3"]) + "&to=" + id(f.caps["doj4"]),
			Page: f.url + "/targets/doj-detainers/changes/" + id(f.caps["doj4"]),
		},
	}
	if !got.DetectedAt.Equal(want.DetectedAt) || got.DetectedAt.Location() != time.UTC {
		t.Errorf("detected_at %v, want %v", got.DetectedAt, want.DetectedAt)
	}
	got.DetectedAt = want.DetectedAt
	if got.RevertedTo != nil || got.VolatileOnly {
		t.Errorf("change: %+v", got)
	}
	got.RevertedTo = nil
	if got != want {
		t.Errorf("change:\n%+v\nwant\n%+v", got, want)
	}
	f.get(strings.TrimPrefix(got.Links.Diff, f.url), http.StatusOK)
	f.get(strings.TrimPrefix(got.Links.Page, f.url), http.StatusOK)

	f.getJSON("/api/v1/changes?limit=2&since="+strconv.FormatInt(p.NextCursor, 10), http.StatusOK, &p)
	if want := f.captureIDs("doj7"); !slices.Equal(p.tos(), want) || p.NextCursor != b.ID {
		t.Fatalf("second poll: %v cursor %d", p.tos(), p.NextCursor)
	}
	f.getJSON("/api/v1/changes?since="+strconv.FormatInt(p.NextCursor, 10), http.StatusOK, &p)
	if len(p.Changes) != 0 || p.NextCursor != b.ID {
		t.Fatalf("third poll: %v cursor %d", p.tos(), p.NextCursor)
	}
	_, raw := f.get("/api/v1/changes?since="+strconv.FormatInt(b.ID, 10), http.StatusOK)
	if !bytes.Contains(raw, []byte(`"changes":[]`)) {
		t.Errorf("empty poll is not an empty list: %s", raw)
	}

	f.getJSON("/api/v1/changes?target=doj-detainers", http.StatusOK, &p)
	if want := f.captureIDs("doj4", "doj7"); !slices.Equal(p.tos(), want) {
		t.Errorf("target filter: %v, want %v", p.tos(), want)
	}
	f.getJSON("/api/v1/changes?tag=dhs", http.StatusOK, &p)
	if want := f.captureIDs("dhs3"); !slices.Equal(p.tos(), want) {
		t.Errorf("tag filter: %v, want %v", p.tos(), want)
	}
	f.getJSON("/api/v1/changes?tag=doj&target=dhs-notice", http.StatusOK, &p)
	if len(p.Changes) != 0 || p.NextCursor != 0 {
		t.Errorf("target and tag of another: %v", p.tos())
	}
	f.getJSON("/api/v1/changes?tag=nope&since=2", http.StatusOK, &p)
	if len(p.Changes) != 0 || p.NextCursor != 2 {
		t.Errorf("unknown tag: %v cursor %d", p.tos(), p.NextCursor)
	}
	f.wantError("/api/v1/changes?target=nope", http.StatusNotFound, `target "nope"`)
	f.wantError("/api/v1/changes?since=-1", http.StatusBadRequest, "since")
	f.wantError("/api/v1/changes?limit=0", http.StatusBadRequest, "limit")
}

func TestLimitIsBounded(t *testing.T) {
	q := url.Values{"limit": {"100000"}}
	if n, err := parseLimit(q); err != nil || n != maxLimit {
		t.Errorf("limit 100000: %d, %v", n, err)
	}
	if n, err := parseLimit(url.Values{}); err != nil || n != defaultLimit {
		t.Errorf("no limit: %d, %v", n, err)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/api/v1/targets", "/timegate/http://example.gov/a", "/feeds/changes.atom", "/nope"} {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			resp, body := f.do(m, p)
			var e errorJSON
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" ||
				json.Unmarshal(body, &e) != nil || e.Status != 405 || !strings.Contains(e.Error, m) {
				t.Errorf("%s %s: %d Allow %q %s", m, p, resp.StatusCode, resp.Header.Get("Allow"), body)
			}
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	f := newFixture(t)
	f.wantError("/api/v1/nope", http.StatusNotFound, "/api/v1/nope")
	f.wantError("/api/v2/targets", http.StatusNotFound, "/api/v2/targets")
	f.wantError("/feeds/targets/doj-detainers.rss", http.StatusNotFound, ".atom")
	if resp, body := f.do(http.MethodHead, "/api/v1/targets"); resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
}

func TestPublicURL(t *testing.T) {
	f := newFixtureWith(t, "https://redline.example.org/")
	var tg targetJSON
	f.getJSON("/api/v1/targets/doj-detainers", http.StatusOK, &tg)
	if tg.Links.Self != "https://redline.example.org/api/v1/targets/doj-detainers" {
		t.Errorf("self link %q", tg.Links.Self)
	}
	_, body := f.get("/feeds/changes.atom", http.StatusOK)
	if !bytes.Contains(body, []byte("<id>https://redline.example.org/feeds/changes.atom</id>")) {
		t.Errorf("feed id does not use the public URL:\n%s", body)
	}
}

// TestOpenAPI checks that the OpenAPI document describes every route the
// server registers under /api/v1, and nothing else.
func TestOpenAPI(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Info    struct{ Title, Version string }       `json:"info"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	f.getJSON("/api/v1/openapi.json", http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Fatalf("openapi %q, info %+v", doc.OpenAPI, doc.Info)
	}
	routes := map[string]bool{}
	for _, p := range f.srv.routes {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		if method != "GET" {
			t.Errorf("route %q: want GET", p)
		}
		routes[path] = true
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", path)
			continue
		}
		if _, ok := ops["get"]; !ok {
			t.Errorf("OpenAPI path %s has no get operation", path)
		}
	}
	for path, ops := range doc.Paths {
		if !routes[path] {
			t.Errorf("OpenAPI path %s is not a route of the server", path)
		}
		for op := range ops {
			if op != "get" && op != "parameters" && op != "summary" && op != "description" {
				t.Errorf("OpenAPI path %s has operation %s; the server only serves GET (and HEAD)", path, op)
			}
		}
	}
	if len(routes) < 10 {
		t.Errorf("only %d /api/v1 routes found: %v", len(routes), routes)
	}
}
