package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/storage/sqlite"
)

// t0 is the time of the first capture; FetchedAt carries a fraction of a
// second so that second-precision formats are exercised.
func t0() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 250_000_000, time.UTC) }

// Texts of the doj-detainers page.
const (
	text1 = "# Detainer policy\nOfficers shall decline to hold a person solely on the basis of a detainer.\n"
	text2 = "# Detainer policy\nOfficers must decline to hold a person solely on the basis of a detainer.\n"
	text3 = text2 + "## Reports\nSection 3. <script>alert(1)</script> Reports are published quarterly.\n"
)

// fixture is a Server over a real SQLite store holding a known history:
//
//	doj-detainers  http://example.gov/a        doj1 baseline, doj2 unchanged (pruned), doj3 unchanged,
//	                                           doj4 changed (change A), doj5 error, doj6 gone (404 with a body),
//	                                           doj7 changed with <script> in its text (change B)
//	doj-mirror     HTTP://Example.gov:80/a     mirror1 baseline (same URL, merged in the TimeMap)
//	dhs-notice     https://example.gov/notice?id=7&lang=en
//	                                           dhs1 baseline (windows-1252), dhs2 not-modified, dhs3 changed (change C)
//	empty-page     http://example.gov/empty    no capture
//
// Captures are recorded in time order, so their IDs follow it.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   *sqlite.Store
	srv  *Server
	ts   *httptest.Server
	url  string
	tgs  map[string]redline.Target
	caps map[string]redline.Capture
	chs  map[string]redline.Change
}

func newFixture(t *testing.T) *fixture {
	return newFixtureWith(t, "")
}

func newFixtureWith(t *testing.T, publicURL string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "redline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, ctx: ctx, st: st, tgs: map[string]redline.Target{}, caps: map[string]redline.Capture{}, chs: map[string]redline.Change{}}
	defs := []redline.Target{
		{Name: "doj-detainers", URL: "http://example.gov/a", Kind: "page", Schedule: "@every 6h", Tags: []string{"doj", "immigration"}, Source: "config"},
		{Name: "doj-mirror", URL: "HTTP://Example.gov:80/a", Kind: "page", Schedule: "@every 6h", Tags: []string{"doj"}, Source: "config"},
		{Name: "dhs-notice", URL: "https://example.gov/notice?id=7&lang=en", Kind: "page", Schedule: "@every 6h", Tags: []string{"dhs"}, Source: "seed:test"},
		{Name: "empty-page", URL: "http://example.gov/empty", Kind: "page", Schedule: "@every 6h", Source: "config"},
	}
	if err := st.SyncTargets(ctx, defs, t0().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		tg, err := st.Target(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		f.tgs[d.Name] = tg
	}
	f.record("doj1", rec{target: "doj-detainers", at: 0, outcome: redline.OutcomeBaseline, status: 200, body: "<html>v1 stamp 1</html>", text: text1})
	f.record("dhs1", rec{target: "dhs-notice", at: 10 * time.Minute, outcome: redline.OutcomeBaseline, status: 200,
		ctype: "text/html; charset=windows-1252", body: "<html>notice</html>", text: "Notice of public hearing on the detainer policy.\n"})
	f.record("mirror1", rec{target: "doj-mirror", at: 30 * time.Minute, outcome: redline.OutcomeBaseline, status: 200, body: "<html>mirror</html>", text: text1})
	f.record("doj2", rec{target: "doj-detainers", at: time.Hour, outcome: redline.OutcomeUnchanged, status: 200, body: "<html>v1 stamp 2</html>", text: text1})
	f.record("dhs2", rec{target: "dhs-notice", at: 90 * time.Minute, outcome: redline.OutcomeNotModified, status: 304})
	f.record("doj3", rec{target: "doj-detainers", at: 2 * time.Hour, outcome: redline.OutcomeUnchanged, status: 200, body: "<html>v1 stamp 3</html>", text: text1})
	f.record("doj4", rec{target: "doj-detainers", at: 3 * time.Hour, outcome: redline.OutcomeChanged, status: 200, body: "<html>v2</html>", text: text2,
		from: "doj3", added: 1, removed: 1, significance: "high"})
	f.record("doj5", rec{target: "doj-detainers", at: 4 * time.Hour, outcome: redline.OutcomeError})
	f.record("doj6", rec{target: "doj-detainers", at: 5 * time.Hour, outcome: redline.OutcomeGone, status: 404, body: "<h1>Not found</h1>"})
	f.record("dhs3", rec{target: "dhs-notice", at: 6 * time.Hour, outcome: redline.OutcomeChanged, status: 200,
		ctype: "text/html; charset=windows-1252", body: "<html>notice, postponed</html>", text: "Notice of public hearing on the detainer policy, postponed to May.\n",
		from: "dhs1", added: 3, removed: 0, significance: "medium"})
	f.record("doj7", rec{target: "doj-detainers", at: 7 * time.Hour, outcome: redline.OutcomeChanged, status: 200, body: "<html>v3</html>", text: text3,
		from: "doj4", added: 8, removed: 0, significance: "low"})

	stats, err := st.Prune(ctx, redline.Retention{ThinAfter: 24 * time.Hour}, t0().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Captures != 2 { // doj2 and dhs2
		t.Fatalf("prune: %+v, want 2 captures pruned", stats)
	}
	for label, c := range f.caps {
		if f.caps[label], err = st.Capture(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if f.caps["doj2"].PrunedAt.IsZero() {
		t.Fatal("doj2 was not pruned")
	}
	for name := range f.tgs {
		if f.tgs[name], err = st.Target(ctx, name); err != nil {
			t.Fatal(err)
		}
	}

	f.srv, err = New(Options{Store: st, PublicURL: publicURL, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	f.url = f.ts.URL
	if publicURL != "" {
		f.url = strings.TrimRight(publicURL, "/")
	}
	return f
}

// rec describes one check to record.
type rec struct {
	target         string
	at             time.Duration // after t0
	outcome        redline.Outcome
	status         int    // 0: no response
	ctype          string // default text/html; charset=utf-8
	body, text     string // "": none
	from           string // label of the capture a change is from; "": no change
	added, removed int
	significance   string
}

func shaHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// record records one check with RecordCheck under label.
func (f *fixture) record(label string, r rec) {
	f.t.Helper()
	tg := f.tgs[r.target]
	c := redline.Capture{
		TargetID: tg.ID, FetchedAt: t0().Add(r.at), Duration: 1500 * time.Millisecond,
		URL: tg.URL, FinalURL: tg.URL, Status: r.status, Outcome: r.outcome, Attempts: 1,
	}
	rc := &redline.CheckRecord{NextDue: c.FetchedAt.Add(6 * time.Hour)}
	if r.status == 0 {
		c.Error, c.Attempts = "dial tcp: i/o timeout", 3
	} else {
		ct := r.ctype
		if ct == "" {
			ct = "text/html; charset=utf-8"
		}
		c.Header = http.Header{"Content-Type": {ct}, "Content-Language": {"en"}, "Set-Cookie": {"session=secret"}}
		c.ContentType, _, _ = mime.ParseMediaType(ct)
		c.RequestHeader = http.Header{"User-Agent": {"redline-test/1"}}
	}
	if r.body != "" {
		rc.Body = []byte(r.body)
		c.BodySHA256, c.BodySize = shaHex(rc.Body), int64(len(rc.Body))
	}
	if r.text != "" {
		rc.Text = []byte(r.text)
		c.TextSHA256 = shaHex(rc.Text)
	}
	if r.from != "" {
		rc.Change = &redline.Change{FromCaptureID: f.caps[r.from].ID, DetectedAt: c.FetchedAt.Add(2 * time.Second),
			WordsAdded: r.added, WordsRemoved: r.removed, Significance: r.significance}
	}
	rc.Capture = c
	if err := f.st.RecordCheck(f.ctx, rc); err != nil {
		f.t.Fatalf("record %s: %v", label, err)
	}
	f.caps[label] = rc.Capture
	if rc.Change != nil {
		f.chs[label] = *rc.Change
	}
}

// noRedirects is a client that returns redirects instead of following
// them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request to the test server (path relative to it) and returns
// the response with its body read. Every response must carry nosniff.
func (f *fixture) do(method, path string, header ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.ctx, method, f.ts.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		f.t.Errorf("%s %s: X-Content-Type-Options %q, want nosniff", method, path, got)
	}
	return resp, body
}

// get GETs path and fails the test unless the status is want.
func (f *fixture) get(path string, want int, header ...string) (*http.Response, []byte) {
	f.t.Helper()
	resp, body := f.do(http.MethodGet, path, header...)
	if resp.StatusCode != want {
		f.t.Fatalf("GET %s: status %d, want %d\n%s", path, resp.StatusCode, want, body)
	}
	return resp, body
}

// getJSON GETs path, expects want, and decodes the JSON body into v.
func (f *fixture) getJSON(path string, want int, v any) *http.Response {
	f.t.Helper()
	resp, body := f.get(path, want)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Fatalf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		f.t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return resp
}

// wantError GETs path and checks the JSON error: status and a message
// containing each of parts.
func (f *fixture) wantError(path string, status int, parts ...string) {
	f.t.Helper()
	var e errorJSON
	f.getJSON(path, status, &e)
	if e.Status != status {
		f.t.Errorf("GET %s: error status field %d, want %d", path, e.Status, status)
	}
	for _, p := range parts {
		if !strings.Contains(e.Error, p) {
			f.t.Errorf("GET %s: error %q does not mention %q", path, e.Error, p)
		}
	}
}

// id is a capture's ID as a string, for URLs.
func id(c redline.Capture) string { return strconv.FormatInt(c.ID, 10) }

func TestNewRejectsBadOptions(t *testing.T) {
	f := newFixture(t)
	if _, err := New(Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
	for _, u := range []string{"example.org", "ftp://example.org", "https://example.org/?q=1", "https://"} {
		if _, err := New(Options{Store: f.st, PublicURL: u}); err == nil {
			t.Errorf("New with public URL %q succeeded", u)
		}
	}
}
