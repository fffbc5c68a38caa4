package server

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// strictFeed is what the test reads of an Atom feed with encoding/xml in
// strict mode.
type strictFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Title   string   `xml:"http://www.w3.org/2005/Atom title"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"http://www.w3.org/2005/Atom link"`
	Author  string `xml:"http://www.w3.org/2005/Atom author>name"`
	Entries []struct {
		ID      string `xml:"http://www.w3.org/2005/Atom id"`
		Title   string `xml:"http://www.w3.org/2005/Atom title"`
		Updated string `xml:"http://www.w3.org/2005/Atom updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"http://www.w3.org/2005/Atom content"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

// getFeed fetches a feed and parses it both with gofeed and strictly with
// encoding/xml.
func (f *fixture) getFeed(path string) (*gofeed.Feed, strictFeed) {
	f.t.Helper()
	resp, body := f.get(path, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		f.t.Fatalf("%s: Content-Type %q", path, ct)
	}
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		f.t.Fatalf("%s: gofeed: %v\n%s", path, err, body)
	}
	if parsed.FeedType != "atom" {
		f.t.Fatalf("%s: gofeed reads a %q feed", path, parsed.FeedType)
	}
	var strict strictFeed
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	if err := d.Decode(&strict); err != nil {
		f.t.Fatalf("%s: encoding/xml: %v\n%s", path, err, body)
	}
	return parsed, strict
}

func TestFeeds(t *testing.T) {
	f := newFixture(t)
	page := func(label string) string {
		return f.url + "/targets/" + map[string]string{"doj": "doj-detainers", "dhs": "dhs-notice"}[label[:3]] + "/changes/" + id(f.caps[label])
	}

	parsed, strict := f.getFeed("/feeds/changes.atom")
	// Newest first: doj7, dhs3, doj4.
	want := []string{page("doj7"), page("dhs3"), page("doj4")}
	var ids, strictIDs, links []string
	for _, it := range parsed.Items {
		ids = append(ids, it.GUID)
		links = append(links, it.Link)
	}
	for _, e := range strict.Entries {
		strictIDs = append(strictIDs, e.ID)
	}
	if !slices.Equal(ids, want) || !slices.Equal(strictIDs, want) || !slices.Equal(links, want) {
		t.Fatalf("entries:\n gofeed ids %v\n xml ids %v\n links %v\nwant %v", ids, strictIDs, links, want)
	}
	if strict.ID != f.url+"/feeds/changes.atom" || parsed.FeedLink != f.url+"/feeds/changes.atom" || strict.Author != "redline" {
		t.Errorf("feed id %q, self %q, author %q", strict.ID, parsed.FeedLink, strict.Author)
	}
	if parsed.UpdatedParsed == nil || !parsed.UpdatedParsed.Equal(f.chs["doj7"].DetectedAt.Truncate(time.Second)) {
		t.Errorf("feed updated %v, want the newest change's %v", parsed.UpdatedParsed, f.chs["doj7"].DetectedAt)
	}
	a := parsed.Items[2]
	if a.Title != "doj-detainers: 1 word added, 1 removed (high)" {
		t.Errorf("title %q", a.Title)
	}
	if a.UpdatedParsed == nil || !a.UpdatedParsed.Equal(f.chs["doj4"].DetectedAt.Truncate(time.Second)) {
		t.Errorf("entry updated %v, want %v", a.UpdatedParsed, f.chs["doj4"].DetectedAt)
	}
	if !strings.Contains(a.Content, "<del>shall</del><ins>must</ins>") || !strings.Contains(a.Content, "Officers ") {
		t.Errorf("content of change A lacks the word diff:\n%s", a.Content)
	}
	if strict.Entries[2].Content.Type != "html" || strict.Entries[2].Content.Body != a.Content {
		t.Errorf("strict content (%s): %q", strict.Entries[2].Content.Type, strict.Entries[2].Content.Body)
	}
	if !slices.Equal(a.Categories, []string{"doj", "immigration"}) {
		t.Errorf("categories %v", a.Categories)
	}
	// The page's own markup is text in the diff, escaped.
	b := parsed.Items[0].Content
	if strings.Contains(b, "<script>") || !strings.Contains(b, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(b, "<ins>") {
		t.Errorf("content of change B:\n%s", b)
	}
	if parsed.Items[0].Title != "doj-detainers: 8 words added, 0 removed (low)" {
		t.Errorf("title %q", parsed.Items[0].Title)
	}

	// One target.
	parsed, strict = f.getFeed("/feeds/targets/doj-detainers.atom")
	ids = nil
	for _, it := range parsed.Items {
		ids = append(ids, it.GUID)
	}
	if want := []string{page("doj7"), page("doj4")}; !slices.Equal(ids, want) {
		t.Errorf("target feed: %v, want %v", ids, want)
	}
	if strict.ID != f.url+"/feeds/targets/doj-detainers.atom" || parsed.Link != f.url+"/targets/doj-detainers" {
		t.Errorf("target feed id %q, link %q", strict.ID, parsed.Link)
	}

	// One tag.
	parsed, strict = f.getFeed("/feeds/tags/dhs.atom")
	if len(parsed.Items) != 1 || parsed.Items[0].GUID != page("dhs3") || strict.ID != f.url+"/feeds/tags/dhs.atom" {
		t.Errorf("tag feed: %d items, id %q", len(parsed.Items), strict.ID)
	}
	if c := parsed.Items[0].Content; !strings.Contains(c, "<ins>, postponed to May</ins>") && !strings.Contains(c, "<ins>postponed") {
		t.Errorf("tag feed content:\n%s", c)
	}

	// A target without changes has an empty, valid feed.
	parsed, strict = f.getFeed("/feeds/targets/doj-mirror.atom")
	if len(parsed.Items) != 0 || strict.Updated == "" {
		t.Errorf("empty feed: %d items, updated %q", len(parsed.Items), strict.Updated)
	}

	f.wantError("/feeds/targets/nope.atom", http.StatusNotFound, `target "nope"`)
	f.wantError("/feeds/tags/nope.atom", http.StatusNotFound, `tag "nope"`)
}

// TestFeedFallsBackToSummary: when the texts of a change are gone, its entry
// says what changed without the diff.
func TestFeedFallsBackToSummary(t *testing.T) {
	f := newFixture(t)
	if _, err := f.st.DB().ExecContext(f.ctx, `UPDATE blobs SET data = x'', encoding = 'identity', pruned_at = 1 WHERE sha256 = ?`,
		f.caps["dhs1"].TextSHA256); err != nil {
		t.Fatal(err)
	}
	parsed, _ := f.getFeed("/feeds/tags/dhs.atom")
	if len(parsed.Items) != 1 {
		t.Fatalf("%d items", len(parsed.Items))
	}
	if c := parsed.Items[0].Content; !strings.Contains(c, "3 words added, 0 removed") || !strings.Contains(c, "pruned") {
		t.Errorf("fallback content:\n%s", c)
	}
	f.wantError("/api/v1/targets/dhs-notice/diff", http.StatusGone, "pruned")
}
