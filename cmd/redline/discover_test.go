package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"redline/internal/testsite"
)

// discoveryHarness serves a listing page and a feed from 127.0.0.2 (a
// "public" host the configuration allows) and a private server on
// 127.0.0.1 that no discovered link may reach.
type discoveryHarness struct {
	t        *testing.T
	dir      string
	config   string
	site     *testsite.Site
	siteURL  string
	recv     *receiver
	private  atomic.Int64
	privURL  string
	nalerts  int
	memos    []string // listing links, "path|title"
	pressXML []string // feed items, "path|title"
}

func newDiscoveryHarness(t *testing.T) *discoveryHarness {
	t.Helper()
	h := &discoveryHarness{t: t, dir: t.TempDir(), site: testsite.New(), recv: &receiver{}}
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	site := httptest.NewUnstartedServer(h.site)
	site.Listener.Close()
	site.Listener = ln
	site.Start()
	t.Cleanup(site.Close)
	h.siteURL = site.URL
	priv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.private.Add(1)
		fmt.Fprint(w, "<html><body><main><p>internal secret</p></main></body></html>")
	}))
	t.Cleanup(priv.Close)
	h.privURL = priv.URL
	recv := httptest.NewServer(h.recv)
	t.Cleanup(recv.Close)

	for i, title := range []string{"Memo one", "Memo two", "Memo three"} {
		h.site.SetHTML(fmt.Sprintf("/memos/%d", i+1), testsite.PolicyPage(title,
			[]string{"This memorandum directs every component to review its cooperation with sanctuary jurisdictions.",
				fmt.Sprintf("Directive number %d takes effect at once.", i+1)}, "Monday 1 June"))
	}
	h.site.SetHTML("/press/1", testsite.PolicyPage("Sanctuary suit filed", []string{"The Department filed suit against a sanctuary jurisdiction today."}, "x"))
	h.site.SetHTML("/press/2", testsite.PolicyPage("Weather", []string{"Nothing to see."}, "x"))
	h.memos = []string{"/memos/1|Memo one"}
	h.pressXML = []string{"/press/1|Sanctuary suit filed", "/press/2|Weekly weather report"}
	h.publish()

	h.config = filepath.Join(h.dir, "redline.yaml")
	cfg := `storage: sqlite:redline.db
user_agent: "redline-test/1.0 (+mailto:test@example.org)"
listen: 127.0.0.1:0
crawler:
  delay: 5ms
  timeout: 2s
  retries: 0
  allow_networks: [127.0.0.2]
events:
  removed_after: 2
targets:
  - name: memos
    kind: discover
    url: ` + site.URL + `/memos
    follow: ['/memos/']
    # The address check, not only the domain check, must refuse these:
    allowed_domains: [127.0.0.2, 127.0.0.1, 169.254.169.254]
    tags: [doj]
  - name: press
    kind: discover
    url: ` + site.URL + `/feed.xml
    match: [sanctuary]
    tags: [doj]
notifiers:
  - name: watchdog
    url: ` + recv.URL + `/hook
    retry_base: 10ms
`
	if err := os.WriteFile(h.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}

// publish serves the listing and the feed as h.memos and h.pressXML say.
func (h *discoveryHarness) publish() {
	var b strings.Builder
	b.WriteString("<html><body><nav><a href=\"/\">Home</a></nav><main><h1>Memoranda</h1><ul>")
	for _, m := range h.memos {
		path, title, _ := strings.Cut(m, "|")
		fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, path, title)
	}
	fmt.Fprintf(&b, `<li><a href="%s/memos/secret">Internal</a></li>`, h.privURL)
	b.WriteString(`<li><a href="http://169.254.169.254/memos/latest/meta-data/">Metadata</a></li></ul></main></body></html>`)
	h.site.SetHTML("/memos", b.String())

	var f strings.Builder
	f.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Press</title><link>` + h.siteURL + `/</link><description>d</description>`)
	for _, it := range h.pressXML {
		path, title, _ := strings.Cut(it, "|")
		fmt.Fprintf(&f, `<item><title>%s</title><link>%s%s</link><description>%s</description></item>`, title, h.siteURL, path, title)
	}
	f.WriteString(`</channel></rss>`)
	h.site.Set("/feed.xml", testsite.Page{Body: f.String(), Header: http.Header{"Content-Type": {"application/rss+xml"}}})
}

func (h *discoveryHarness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	args = append(args[:1:1], append([]string{"--config", h.config}, args[1:]...)...)
	e := emptyEnv(&out, &errb)
	code := Main(context.Background(), args, e)
	return out.String(), errb.String(), code
}

func (h *discoveryHarness) check() string {
	h.t.Helper()
	out, errs, code := h.run("check")
	if code != 0 {
		h.t.Fatalf("check exited %d\n%s\n%s", code, out, errs)
	}
	return out
}

type eventAlert struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Excerpt string `json:"excerpt"`
	Rule    string `json:"rule"`
	// page.restored with other wording: the diff against the last good capture.
	WordsAdded int               `json:"words_added"`
	Hunks      []json.RawMessage `json:"hunks"`
	Target     struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"target"`
}

// newAlerts returns the alerts received since the last call.
func (h *discoveryHarness) newAlerts() []eventAlert {
	h.t.Helper()
	ds := h.recv.deliveries()
	var out []eventAlert
	for _, d := range ds[h.nalerts:] {
		var a eventAlert
		if err := json.Unmarshal(d.body, &a); err != nil {
			h.t.Fatalf("alert %s: %v", d.body, err)
		}
		out = append(out, a)
	}
	h.nalerts = len(ds)
	return out
}

func types(as []eventAlert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Type+" "+a.Target.Name)
	}
	slices.Sort(out)
	return out
}

func TestDiscovery(t *testing.T) {
	h := newDiscoveryHarness(t)

	// First run: the rules' pages are recorded, each document found is
	// tracked and captured in the same run, with one page.new each.
	out := h.check()
	for _, want := range []string{"memos-memos-1", "press-press-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %s:\n%s", want, out)
		}
	}
	got := h.newAlerts()
	if want := []string{"page.new memos-memos-1", "page.new press-press-1"}; !slices.Equal(types(got), want) {
		t.Fatalf("alerts %v, want %v", types(got), want)
	}
	for _, a := range got {
		if a.Title == "" || !strings.Contains(a.Excerpt, "sanctuary") || a.Rule == "" {
			t.Errorf("page.new %+v: want its title, rule and an excerpt of its text", a)
		}
	}
	if n := h.private.Load(); n != 0 {
		t.Errorf("the private server got %d requests from a discovered link", n)
	}
	tj, _, _ := h.run("targets", "--json")
	if strings.Contains(tj, h.privURL) || strings.Contains(tj, "169.254.169.254") {
		t.Errorf("a link to a private or metadata address became a target:\n%s", tj)
	}
	if strings.Contains(tj, "/press/2") {
		t.Errorf("a feed item not matching the rule's terms became a target:\n%s", tj)
	}

	// A link added to the listing and a new feed item: one page.new each,
	// nothing again for the known ones.
	h.memos = append(h.memos, "/memos/2|Memo two")
	h.pressXML = append([]string{"/press/3|Second sanctuary suit"}, h.pressXML...)
	h.site.SetHTML("/press/3", testsite.PolicyPage("Second sanctuary suit", []string{"Another sanctuary jurisdiction was sued."}, "x"))
	h.publish()
	h.check()
	if got, want := types(h.newAlerts()), []string{"page.new memos-memos-2", "page.new press-press-3"}; !slices.Equal(got, want) {
		t.Fatalf("second run: alerts %v, want %v", got, want)
	}
	h.check()
	if got := h.newAlerts(); len(got) != 0 {
		t.Fatalf("a run with nothing new sent %v", types(got))
	}

	// A link gone from the listing is noted in the document's history.
	h.memos = h.memos[1:]
	h.publish()
	h.check()
	if out, _, _ := h.run("history", "memos-memos-1"); !strings.Contains(out, "missing from memos's pages since") {
		t.Errorf("history of an unlisted document:\n%s", out)
	}

	// A tracked document turning 404: page.removed after 2 checks, then
	// page.restored when it is back.
	h.site.Set("/memos/2", testsite.Page{Status: 404, Body: "not found"})
	h.check()
	if got := h.newAlerts(); len(got) != 0 {
		t.Fatalf("one 404 sent %v", types(got))
	}
	h.check()
	if got, want := types(h.newAlerts()), []string{"page.removed memos-memos-2"}; !slices.Equal(got, want) {
		t.Fatalf("after two 404s: %v, want %v", got, want)
	}
	h.site.SetHTML("/memos/2", testsite.PolicyPage("Memo two", []string{"This memorandum directs every component to review its cooperation with sanctuary jurisdictions.",
		"Directive number 2 takes effect on 1 July."}, "Monday 1 June"))
	h.check()
	back := h.newAlerts()
	if got := types(back); !slices.Contains(got, "page.restored memos-memos-2") {
		t.Fatalf("back again: %v, want page.restored", got)
	}
	for _, a := range back {
		if a.Type == "page.restored" && (a.WordsAdded == 0 || len(a.Hunks) == 0 || !strings.Contains(string(a.Hunks[0]), "July")) {
			t.Errorf("page.restored with new wording carries no diff: %+v", a)
		}
	}

	// The operator pins one document and drops another.
	if out, _, code := h.run("targets", "pin", "memos-memos-1"); code != 0 || !strings.Contains(out, "pinned") {
		t.Errorf("pin: %d %q", code, out)
	}
	if out, _, code := h.run("targets", "drop", "press-press-1"); code != 0 || !strings.Contains(out, "dropped") {
		t.Errorf("drop: %d %q", code, out)
	}
	if _, errs, code := h.run("targets", "drop", "memos"); code != exitUsage || !strings.Contains(errs, "configured") {
		t.Errorf("dropping a configured target: %d %q", code, errs)
	}
	out, _, _ = h.run("targets")
	for _, want := range []string{"found by memos", "pinned", "(dropped)", "unlisted since"} {
		if !strings.Contains(out, want) {
			t.Errorf("targets lacks %q:\n%s", want, out)
		}
	}
	// A tracked document that starts redirecting into a private address:
	// refused on the redirect, recorded as an error.
	h.site.Set("/memos/1", testsite.Page{Status: http.StatusFound, Header: http.Header{"Location": {h.privURL + "/memos/1"}}})
	before, _, _ := h.run("history", "press-press-1")
	out = h.check()
	if !regexp.MustCompile(`memos-memos-1\s+error .*address not allowed: loopback`).MatchString(out) {
		t.Errorf("redirect into a private address:\n%s", out)
	}
	if n := h.private.Load(); n != 0 {
		t.Errorf("the private server got %d requests through a redirect", n)
	}
	if after, _, _ := h.run("history", "press-press-1"); after != before {
		t.Errorf("a dropped target was checked again:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if out, _, _ := h.run("history", "memos-memos-1"); !strings.Contains(out, "unchanged") && !strings.Contains(out, "not-modified") {
		t.Errorf("the pinned target was not checked on:\n%s", out)
	}
}
