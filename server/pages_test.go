package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"redline"
)

// getPage GETs a human page and checks its headers.
func (f *fixture) getPage(path string) string {
	f.t.Helper()
	resp, body := f.get(path, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		f.t.Errorf("%s: Content-Type %q", path, ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp != "default-src 'none'; style-src 'unsafe-inline'" {
		f.t.Errorf("%s: Content-Security-Policy %q", path, csp)
	}
	return string(body)
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	index := f.getPage("/")
	for _, want := range []string{`href="` + f.url + `/targets/doj-detainers"`, "empty-page", "http://example.gov/a"} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks %q:\n%s", want, index)
		}
	}

	page := f.getPage("/targets/doj-detainers")
	for _, want := range []string{
		"<h1>doj-detainers</h1>",
		`href="` + f.url + `/targets/doj-detainers/changes/` + id(f.caps["doj4"]) + `"`,
		`href="` + f.url + `/targets/doj-detainers/changes/` + id(f.caps["doj7"]) + `"`,
		`href="` + f.url + `/api/v1/captures/` + id(f.caps["doj1"]) + `/raw"`,
		`href="` + f.url + `/memento/20250301120000/http://example.gov/a"`,
		`href="` + f.url + `/feeds/targets/doj-detainers.atom"`,
		`href="` + f.url + `/timemap/link/http://example.gov/a"`,
		"dial tcp: i/o timeout",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("target page lacks %s", want)
		}
	}

	change := f.getPage("/targets/doj-detainers/changes/" + id(f.caps["doj4"]))
	for _, want := range []string{
		"Officers <del>shall</del><ins>must</ins> decline",
		`href="` + f.url + `/api/v1/diff?from=` + id(f.caps["doj3"]) + `&amp;to=` + id(f.caps["doj4"]) + `&amp;format=json"`,
		`href="` + f.url + `/api/v1/captures/` + id(f.caps["doj4"]) + `/text"`,
		`href="` + f.url + `/memento/20250301150000/http://example.gov/a"`,
	} {
		if !strings.Contains(change, want) {
			t.Errorf("change page lacks %s:\n%s", want, change)
		}
	}

	// The page's text is escaped, never markup of ours.
	change = f.getPage("/targets/doj-detainers/changes/" + id(f.caps["doj7"]))
	if strings.Contains(change, "<script") || !strings.Contains(change, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("change page does not escape the page's text:\n%s", change)
	}

	f.wantError("/targets/nope", http.StatusNotFound, `target "nope"`)
	f.wantError("/targets/doj-detainers/changes/"+id(f.caps["doj3"]), http.StatusNotFound, "change to capture "+id(f.caps["doj3"]))
	f.wantError("/targets/doj-detainers/changes/"+id(f.caps["dhs3"]), http.StatusNotFound, "change to capture")
	f.wantError("/targets/doj-detainers/changes/x", http.StatusBadRequest, `"x"`)
}

// TestPagesEscapeNames: a target's name and URL are data too.
func TestPagesEscapeNames(t *testing.T) {
	f := newFixture(t)
	evil := redline.Target{Name: `x"><script>alert(2)</script>`, URL: `http://example.gov/"><script>alert(3)</script>`, Kind: "page",
		Schedule: "@every 6h", Tags: []string{"<b>tag</b>"}, Source: "config"}
	ts, err := f.st.Targets(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SyncTargets(f.ctx, append(ts, evil), t0()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/targets/" + url.PathEscape(evil.Name)} {
		body := f.getPage(p)
		if strings.Contains(body, "<script") || strings.Contains(body, "<b>tag") {
			t.Errorf("%s is not escaped:\n%s", p, body)
		}
	}
}
