package discover

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"redline"
	"redline/crawler"
)

func TestHTMLListing(t *testing.T) {
	secret, secretHits := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<a href='/x'>internal</a>"))
	}))
	listing := `<!doctype html><html><head><title>Listing</title><base href="/docs/"></head><body>
<ul>
<li><a href="a.html">Rule &amp; Notice
     <b>A</b></a>
<li><a href="a.html#part-2">A again, with a fragment</a>
<li><a href="/docs/a.html">A again, absolute</a>
<li><a href="mailto:ops@example.gov">Write to us</a>
<li><a href="#top">Top</a>
<li><a href="javascript:void(0)">Menu</a>
<li><a href="tel:+15550100">Call</a>
<li><a href="report.PDF">Annual report</a>
<li><a href="download?id=7" type="application/pdf"><img src="i.png" alt="Form 7"></a>
<li><a href="b.html" title="Second document">  </a>
<li><a href="https://outside.example/x">Elsewhere</a>
<li><a href="ftp://127.0.0.2/pub/file.txt">FTP</a>
<li><a href="http://169.254.169.254/latest/meta-data/">Metadata</a>
<li><a href="` + secret.URL + `/">Loopback</a>
<li><a href="/list/">This listing</a>
</ul></body></html>`
	srv, hits := serveOn(t, listenAddr, pages{
		"/list/":       htmlPage(listing),
		"/docs/a.html": htmlPage(`<a href="/docs/c.html">C</a>`),
		"/docs/b.html": htmlPage(`<p>no links</p>`),
	})
	start := srv.URL + "/list/"
	base := srv.URL + "/docs/"
	meta := "http://169.254.169.254/latest/meta-data/"
	loop := secret.URL + "/"

	t.Run("domains", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{start}})
		want := []string{base + "a.html", base + "report.PDF", base + "download?id=7", base + "b.html"}
		if got := urls(res.Documents); !slices.Equal(got, want) {
			t.Fatalf("documents:\n got %q\nwant %q", got, want)
		}
		for _, c := range []struct {
			url, title string
			pdf        bool
		}{
			{base + "a.html", "Rule & Notice A", false},
			{base + "report.PDF", "Annual report", true},
			{base + "download?id=7", "Form 7", true},
			{base + "b.html", "Second document", false},
		} {
			d, _ := docByURL(res.Documents, c.url)
			if d.Title != c.title || d.PDF != c.pdf || d.Via != start {
				t.Errorf("%s: got %+v, want title %q pdf %v via %s", c.url, d, c.title, c.pdf, start)
			}
		}
		for u, reason := range map[string]string{
			"https://outside.example/x":    ReasonOutside,
			"ftp://127.0.0.2/pub/file.txt": ReasonScheme,
			meta:                           ReasonOutside,
			loop:                           ReasonOutside,
		} {
			r, ok := refusal(res.Refused, u)
			if !ok || r.Reason != reason || r.Via != start {
				t.Errorf("refusal of %s: got %+v (found %v), want reason %q", u, r, ok, reason)
			}
		}
		if len(res.Refused) != 4 {
			t.Errorf("refused: %+v", res.Refused)
		}
		if len(res.Errors) != 0 || res.Truncated {
			t.Errorf("errors %v, truncated %v", res.Errors, res.Truncated)
		}
		if len(res.Pages) != 1 || !res.Pages[0].Start || res.Pages[0].URL != start || res.Pages[0].Resp.Status != 200 {
			t.Errorf("pages: %+v", res.Pages)
		}
		if n := hits.get("/docs/a.html"); n != 0 {
			t.Errorf("depth 1 fetched a document %d times", n)
		}
	})

	t.Run("addresses", func(t *testing.T) {
		// The domain check lets both through: only the address check,
		// after resolution, can refuse them.
		res := runRule(t, redline.DiscoverRule{
			Start:          []string{start},
			Depth:          2,
			AllowedDomains: []string{"127.0.0.2", "127.0.0.1", "169.254.169.254"},
		})
		for _, u := range []string{meta, loop} {
			r, ok := refusal(res.Refused, u)
			if !ok || r.Reason != ReasonForbidden || r.Via != start {
				t.Errorf("refusal of %s: got %+v (found %v), want %q", u, r, ok, ReasonForbidden)
			}
			if _, ok := docByURL(res.Documents, u); ok {
				t.Errorf("%s is still a document", u)
			}
		}
		if _, ok := refusal(res.Refused, "https://outside.example/x"); !ok {
			t.Errorf("outside link not refused: %+v", res.Refused)
		}
		// Run did try: the crawler refused them.
		tried := map[string]bool{}
		for _, p := range res.Pages {
			if errors.Is(p.Err, crawler.ErrForbiddenAddress) && !p.Start {
				tried[p.URL] = true
			}
		}
		if !tried[meta] || !tried[loop] {
			t.Errorf("pages refused by the crawler: %v", tried)
		}
		want := []string{base + "a.html", base + "report.PDF", base + "download?id=7", base + "b.html", base + "c.html"}
		if got := urls(res.Documents); !slices.Equal(got, want) {
			t.Fatalf("documents:\n got %q\nwant %q", got, want)
		}
		if d, _ := docByURL(res.Documents, base+"c.html"); d.Via != base+"a.html" {
			t.Errorf("c.html via %q", d.Via)
		}
		if len(res.Errors) != 0 {
			t.Errorf("errors: %v", res.Errors)
		}
		if hits.get("/docs/a.html") != 1 || hits.get("/docs/b.html") != 1 {
			t.Errorf("document pages fetched %d and %d times, want once", hits.get("/docs/a.html"), hits.get("/docs/b.html"))
		}
		for _, p := range []string{"/docs/report.PDF", "/docs/download", "/docs/c.html"} {
			if n := hits.get(p); n != 0 {
				t.Errorf("%s fetched %d times", p, n)
			}
		}
	})

	if n := secretHits.total(); n != 0 {
		t.Errorf("the 127.0.0.1 server received %d requests", n)
	}
}

func TestFollowAndMatch(t *testing.T) {
	srv, _ := serveOn(t, listenAddr, pages{"/": htmlPage(`
<a href="/rules/2024-1.html">Final rule on EMISSIONS standards</a>
<a href="/rules/2024-2.html">Proposed rule on water</a>
<a href="/rules/emissions-faq.html">FAQ</a>
<a href="/rules/2024-4.html" title="Emissions trading">Notice 4</a>
<a href="/rules/Clean%20Air.html">Notice 5</a>
<a href="/news/emissions.html">Emissions in the news</a>
`)})
	u := func(p string) string { return srv.URL + p }
	for _, c := range []struct {
		name          string
		follow, match []string
		want          []string
	}{
		{"none", nil, nil, []string{u("/rules/2024-1.html"), u("/rules/2024-2.html"), u("/rules/emissions-faq.html"), u("/rules/2024-4.html"), u("/rules/Clean%20Air.html"), u("/news/emissions.html")}},
		{"follow", []string{`/rules/\d{4}-\d+\.html$`, `/nothing/`}, nil, []string{u("/rules/2024-1.html"), u("/rules/2024-2.html"), u("/rules/2024-4.html")}},
		{"match", nil, []string{"emissions"}, []string{u("/rules/2024-1.html"), u("/rules/emissions-faq.html"), u("/rules/2024-4.html"), u("/news/emissions.html")}},
		{"match decoded path", nil, []string{"clean air"}, []string{u("/rules/Clean%20Air.html")}},
		{"both", []string{`/rules/`}, []string{"Emissions", "water"}, []string{u("/rules/2024-1.html"), u("/rules/2024-2.html"), u("/rules/emissions-faq.html"), u("/rules/2024-4.html")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := runRule(t, redline.DiscoverRule{Start: []string{u("/")}, Follow: c.follow, Match: c.match})
			if got := urls(res.Documents); !slices.Equal(got, c.want) {
				t.Errorf("documents:\n got %q\nwant %q", got, c.want)
			}
			if len(res.Refused) != 0 {
				t.Errorf("filtered links must not be refusals: %+v", res.Refused)
			}
		})
	}
}

const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Notices</title><link>https://example.gov/</link>
<item><title>Rule &amp;amp; Order 1</title><link>/notices/1.html</link>
  <description>&lt;p&gt;A notice about &lt;b&gt;climate&lt;/b&gt; policy&lt;/p&gt;</description></item>
<item><title>Notice 2</title><link>%[1]s/notices/2.html</link><description>Budget tables</description>
  <enclosure url="%[1]s/files/2-tables" length="100" type="application/pdf"/>
  <enclosure url="%[1]s/files/2.mp3" length="100" type="audio/mpeg"/></item>
<item><title>Notice 3</title><link>https://outside.example/3</link><description>climate elsewhere</description></item>
</channel></rss>`

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Rules</title><id>urn:x</id><updated>2025-01-01T00:00:00Z</updated>
<entry><title>Rule A</title><id>urn:a</id><updated>2025-01-01T00:00:00Z</updated>
  <link rel="alternate" href="%[1]s/rules/a"/>
  <link rel="enclosure" type="application/pdf" href="%[1]s/rules/a.pdf"/>
  <summary>Wetlands protection</summary></entry>
<entry><title type="html">Rule &lt;i&gt;B&lt;/i&gt;</title><id>urn:b</id><updated>2025-01-02T00:00:00Z</updated>
  <link href="%[1]s/rules/b"/><summary>Highway funding</summary></entry>
</feed>`

func TestFeeds(t *testing.T) {
	var srvURL string
	srv, hits := serveOn(t, listenAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, rssFeed, srvURL)
		case "/feed.atom":
			w.Header().Set("Content-Type", "text/xml") // sniffed from the root
			fmt.Fprintf(w, atomFeed, srvURL)
		default:
			http.NotFound(w, r)
		}
	}))
	srvURL = srv.URL
	u := func(p string) string { return srv.URL + p }

	t.Run("rss", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{u("/feed.rss")}, Depth: 2})
		want := []string{u("/notices/1.html"), u("/notices/2.html"), u("/files/2-tables")}
		if got := urls(res.Documents); !slices.Equal(got, want) {
			t.Fatalf("documents:\n got %q\nwant %q", got, want)
		}
		if d := res.Documents[0]; d.Title != "Rule & Order 1" || d.PDF {
			t.Errorf("item 1: %+v", d)
		}
		if d := res.Documents[2]; d.Title != "Notice 2" || !d.PDF {
			t.Errorf("enclosure: %+v", d)
		}
		if _, ok := refusal(res.Refused, "https://outside.example/3"); !ok {
			t.Errorf("outside item not refused: %+v", res.Refused)
		}
		if hits.get("/files/2-tables") != 0 {
			t.Error("a PDF enclosure was fetched")
		}
	})
	t.Run("rss match on description", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{u("/feed.rss")}, Match: []string{"Climate"}})
		if got, want := urls(res.Documents), []string{u("/notices/1.html")}; !slices.Equal(got, want) {
			t.Fatalf("documents: got %q, want %q", got, want)
		}
	})
	t.Run("atom", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{u("/feed.atom")}})
		want := []Document{
			{URL: u("/rules/a"), Title: "Rule A", Via: u("/feed.atom")},
			{URL: u("/rules/a.pdf"), Title: "Rule A", Via: u("/feed.atom"), PDF: true},
			{URL: u("/rules/b"), Title: "Rule B", Via: u("/feed.atom")},
		}
		if !slices.Equal(res.Documents, want) {
			t.Fatalf("documents:\n got %+v\nwant %+v", res.Documents, want)
		}
	})
	t.Run("atom match on summary", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{u("/feed.atom")}, Match: []string{"highway"}})
		if got, want := urls(res.Documents), []string{u("/rules/b")}; !slices.Equal(got, want) {
			t.Fatalf("documents: got %q, want %q", got, want)
		}
	})
}

func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSitemaps(t *testing.T) {
	var srvURL string
	srv, hits := serveOn(t, listenAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := srvURL
		switch r.URL.Path {
		case "/sitemap_index.xml":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>%[1]s/sitemap1.xml</loc></sitemap>
<sitemap><loc>%[1]s/sitemap2.xml.gz</loc></sitemap>
<sitemap><loc>https://outside.example/sitemap.xml</loc></sitemap>
</sitemapindex>`, u)
		case "/sitemap1.xml":
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc> %[1]s/p/1 </loc><lastmod>2025-01-01</lastmod></url>
<url><loc>%[1]s/p/2.pdf</loc><news:news><news:title>Second &amp; last</news:title></news:news></url>
</urlset>`, u)
		case "/sitemap2.xml.gz":
			w.Header().Set("Content-Type", "application/x-gzip")
			_, _ = w.Write([]byte(gz(t, fmt.Sprintf(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%[1]s/p/3</loc></url><url><loc>%[1]s/p/1</loc></url></urlset>`, u))))
		default:
			http.NotFound(w, r)
		}
	}))
	srvURL = srv.URL
	u := func(p string) string { return srv.URL + p }

	t.Run("index", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{u("/sitemap_index.xml")}})
		want := []Document{
			{URL: u("/p/1"), Via: u("/sitemap1.xml")},
			{URL: u("/p/2.pdf"), Title: "Second & last", Via: u("/sitemap1.xml"), PDF: true},
			{URL: u("/p/3"), Via: u("/sitemap2.xml.gz")},
		}
		if !slices.Equal(res.Documents, want) {
			t.Fatalf("documents:\n got %+v\nwant %+v", res.Documents, want)
		}
		var got []string
		for _, p := range res.Pages {
			got = append(got, fmt.Sprintf("%s %v", p.URL, p.Start))
		}
		wantPages := []string{u("/sitemap_index.xml") + " true", u("/sitemap1.xml") + " false", u("/sitemap2.xml.gz") + " false"}
		if !slices.Equal(got, wantPages) {
			t.Errorf("pages:\n got %q\nwant %q", got, wantPages)
		}
		if _, ok := refusal(res.Refused, "https://outside.example/sitemap.xml"); !ok {
			t.Errorf("outside sitemap not refused: %+v", res.Refused)
		}
		if len(res.Errors) != 0 {
			t.Errorf("errors: %v", res.Errors)
		}
		if hits.get("/p/1") != 0 {
			t.Error("a sitemap entry was fetched at depth 1")
		}
	})
	t.Run("sitemap", func(t *testing.T) {
		res := runRule(t, redline.DiscoverRule{Start: []string{u("/sitemap1.xml")}, Follow: []string{`\.pdf$`}})
		if got, want := urls(res.Documents), []string{u("/p/2.pdf")}; !slices.Equal(got, want) {
			t.Fatalf("documents: got %q, want %q", got, want)
		}
	})
}

func TestJSONAPI(t *testing.T) {
	var srvURL string
	srv, _ := serveOn(t, listenAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprintf(w, `{"count":3,"description":"Documents","results":[
{"title":"Air Plan Approval; Ohio &amp; Indiana","type":"Rule","html_url":"%[1]s/documents/2025/01/02/a","pdf_url":"%[1]s/a.pdf"},
{"title":"No web page","type":"Notice","pdf_url":"%[1]s/b.pdf"},
{"title":"  Hazardous\n  Waste  ","type":"Notice","html_url":"%[1]s/documents/2025/01/03/c#x","pdf_url":"%[1]s/c.pdf"}
]}`, srvURL)
	}))
	srvURL = srv.URL
	start := srv.URL + "/api/v1/documents.json?conditions[agencies][]=epa"

	res := runRule(t, redline.DiscoverRule{Start: []string{start}, LinksPath: "results.#.html_url"})
	want := []Document{
		{URL: srv.URL + "/documents/2025/01/02/a", Title: "Air Plan Approval; Ohio & Indiana", Via: start},
		{URL: srv.URL + "/documents/2025/01/03/c", Title: "Hazardous Waste", Via: start},
	}
	if !slices.Equal(res.Documents, want) {
		t.Fatalf("documents:\n got %+v\nwant %+v", res.Documents, want)
	}

	res = runRule(t, redline.DiscoverRule{Start: []string{start}, LinksPath: `results.#(type=="Notice")#.pdf_url`})
	if got, wantURLs := urls(res.Documents), []string{srv.URL + "/b.pdf", srv.URL + "/c.pdf"}; !slices.Equal(got, wantURLs) {
		t.Errorf("query path: got %q, want %q", got, wantURLs)
	} else if res.Documents[0].Title != "No web page" || !res.Documents[0].PDF {
		t.Errorf("query path: %+v", res.Documents[0])
	}

	res = runRule(t, redline.DiscoverRule{Start: []string{start}, LinksPath: "results.0.html_url"})
	if got := urls(res.Documents); !slices.Equal(got, []string{srv.URL + "/documents/2025/01/02/a"}) {
		t.Errorf("single value path: %q", got)
	}

	res = runRule(t, redline.DiscoverRule{Start: []string{start}, LinksPath: "items.#.url"})
	if len(res.Documents) != 0 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "selects nothing") {
		t.Errorf("missing path: documents %v, errors %v", res.Documents, res.Errors)
	}

	res = runRule(t, redline.DiscoverRule{Start: []string{start}})
	if len(res.Documents) != 0 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "links_path") {
		t.Errorf("without links_path: documents %v, errors %v", res.Documents, res.Errors)
	}
}

func TestDepth(t *testing.T) {
	srv, hits := serveOn(t, listenAddr, pages{
		"/":                  htmlPage(`<a href="/d/1.html">One</a> <a href="/d/2.html">Two</a> <a href="/d/3.pdf">Three</a>`),
		"/d/1.html":          htmlPage(`<a href="/d/1/x.html">X</a> <a href="/">Home</a> <a href="/d/2.html">Two</a>`),
		"/d/2.html":          htmlPage(`<a href="/d/1.html">One</a> <a href="/d/2/y.html">Y</a>`),
		"/d/1/x.html":        htmlPage(`<a href="/d/1/x/deeper.html">Deeper</a>`),
		"/d/2/y.html":        htmlPage(`<p>leaf</p>`),
		"/d/1/x/deeper.html": htmlPage(`<p>leaf</p>`),
		"/d/3.pdf":           {"application/pdf", "%PDF-1.4"},
	})
	u := func(p string) string { return srv.URL + p }
	snapshot := func() map[string]int {
		m := map[string]int{}
		for _, p := range []string{"/", "/d/1.html", "/d/2.html", "/d/3.pdf", "/d/1/x.html", "/d/2/y.html", "/d/1/x/deeper.html"} {
			m[p] = hits.get(p)
		}
		return m
	}
	diff := func(before, after map[string]int) map[string]int {
		m := map[string]int{}
		for k, v := range after {
			if d := v - before[k]; d != 0 {
				m[k] = d
			}
		}
		return m
	}

	before := snapshot()
	res := runRule(t, redline.DiscoverRule{Start: []string{u("/")}, Depth: 1})
	if got, want := urls(res.Documents), []string{u("/d/1.html"), u("/d/2.html"), u("/d/3.pdf")}; !slices.Equal(got, want) {
		t.Errorf("depth 1: got %q, want %q", got, want)
	}
	if got := diff(before, snapshot()); !mapsEqual(got, map[string]int{"/": 1}) {
		t.Errorf("depth 1 requests: %v", got)
	}

	before = snapshot()
	res = runRule(t, redline.DiscoverRule{Start: []string{u("/")}, Depth: 2})
	if got, want := urls(res.Documents), []string{u("/d/1.html"), u("/d/2.html"), u("/d/3.pdf"), u("/d/1/x.html"), u("/d/2/y.html")}; !slices.Equal(got, want) {
		t.Errorf("depth 2: got %q, want %q", got, want)
	}
	if got := diff(before, snapshot()); !mapsEqual(got, map[string]int{"/": 1, "/d/1.html": 1, "/d/2.html": 1}) {
		t.Errorf("depth 2 requests: %v", got)
	}
	if len(res.Pages) != 3 || !res.Pages[0].Start || res.Pages[1].Start {
		t.Errorf("depth 2 pages: %+v", res.Pages)
	}

	before = snapshot()
	res = runRule(t, redline.DiscoverRule{Start: []string{u("/")}, Depth: 3})
	if got, want := urls(res.Documents), []string{u("/d/1.html"), u("/d/2.html"), u("/d/3.pdf"), u("/d/1/x.html"), u("/d/2/y.html"), u("/d/1/x/deeper.html")}; !slices.Equal(got, want) {
		t.Errorf("depth 3: got %q, want %q", got, want)
	}
	if got := diff(before, snapshot()); !mapsEqual(got, map[string]int{"/": 1, "/d/1.html": 1, "/d/2.html": 1, "/d/1/x.html": 1, "/d/2/y.html": 1}) {
		t.Errorf("depth 3 requests: %v", got)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMaxPages(t *testing.T) {
	var big strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&big, "<a href=\"/doc/%d\">Document %d</a>\n", i, i)
	}
	srv, hits := serveOn(t, listenAddr, pages{
		"/big":   htmlPage(big.String()),
		"/small": htmlPage(`<a href="/doc/1">1</a><a href="/doc/2">2</a><a href="/doc/3">3</a>`),
	})

	var logs bytes.Buffer
	ctx := context.Background()
	res, err := Run(ctx, newFetcher(t), redline.DiscoverRule{Start: []string{srv.URL + "/big"}, MaxPages: 100, Depth: 2},
		Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Documents) != 99 {
		t.Errorf("got %d documents, truncated %v; want 99, true", len(res.Documents), res.Truncated)
	}
	if res.Documents[98].URL != srv.URL+"/doc/98" {
		t.Errorf("last document %s", res.Documents[98].URL)
	}
	if hits.get("/doc/0") != 0 {
		t.Error("a document was fetched although max_pages was reached")
	}
	if n := strings.Count(logs.String(), "max_pages reached"); n != 1 || !strings.Contains(logs.String(), srv.URL+"/big") {
		t.Errorf("truncation logged %d times:\n%s", n, logs.String())
	}

	// Exactly enough: not truncated.
	res = runRule(t, redline.DiscoverRule{Start: []string{srv.URL + "/small"}, MaxPages: 4})
	if res.Truncated || len(res.Documents) != 3 {
		t.Errorf("small: %d documents, truncated %v", len(res.Documents), res.Truncated)
	}
	// Depth 2: fetching a document is a page too.
	res = runRule(t, redline.DiscoverRule{Start: []string{srv.URL + "/small"}, MaxPages: 5, Depth: 2})
	if !res.Truncated || len(res.Documents) != 3 || len(res.Pages) != 2 {
		t.Errorf("small depth 2: %d documents, %d pages, truncated %v", len(res.Documents), len(res.Pages), res.Truncated)
	}
	// Start pages count.
	res = runRule(t, redline.DiscoverRule{Start: []string{srv.URL + "/small", srv.URL + "/big"}, MaxPages: 1})
	if !res.Truncated || len(res.Documents) != 0 || len(res.Pages) != 1 {
		t.Errorf("max_pages 1: %d documents, %d pages, truncated %v", len(res.Documents), len(res.Pages), res.Truncated)
	}
}

func TestFailingStartPage(t *testing.T) {
	srv, hits := serveOn(t, listenAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		case "/ok":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<a href="/doc">Doc</a><a href="/missing">Missing</a>`))
		default:
			http.NotFound(w, r)
		}
	}))
	broken := srv.URL + "/broken"
	res := runRule(t, redline.DiscoverRule{Start: []string{broken, srv.URL + "/ok", broken}, Depth: 2})
	if got, want := urls(res.Documents), []string{srv.URL + "/doc", srv.URL + "/missing"}; !slices.Equal(got, want) {
		t.Errorf("documents: got %q, want %q", got, want)
	}
	if len(res.Errors) != 3 {
		t.Fatalf("errors: %v", res.Errors)
	}
	var pe *PageError
	if !errors.As(res.Errors[0], &pe) || pe.URL != broken || !pe.Start || !errors.Is(res.Errors[0], ErrStatus) ||
		!strings.Contains(res.Errors[0].Error(), broken) || !strings.Contains(res.Errors[0].Error(), "500") {
		t.Errorf("start page error: %v", res.Errors[0])
	}
	// Followed documents that fail are errors too (404 here).
	if !errors.As(res.Errors[1], &pe) || pe.Start ||
		!strings.Contains(res.Errors[1].Error(), srv.URL+"/doc") || !strings.Contains(res.Errors[2].Error(), "404") {
		t.Errorf("followed page errors: %v", res.Errors[1:])
	}
	if hits.get("/broken") != 1 {
		t.Errorf("a start page listed twice was fetched %d times", hits.get("/broken"))
	}
	if len(res.Pages) != 4 || res.Pages[0].Err != nil || res.Pages[0].Resp.Status != 500 {
		t.Errorf("pages: %+v", res.Pages)
	}
}

func TestCancel(t *testing.T) {
	srv, hits := serveOn(t, listenAddr, pages{"/": htmlPage(`<a href="/a">A</a>`)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, newFetcher(t), redline.DiscoverRule{Start: []string{srv.URL + "/"}}, Options{})
	if !errors.Is(err, context.Canceled) || res == nil || len(res.Documents) != 0 {
		t.Errorf("got %v, %v", res, err)
	}
	if hits.total() != 0 {
		t.Error("fetched after cancellation")
	}
}

func TestValidate(t *testing.T) {
	good := redline.DiscoverRule{Start: []string{"https://www.federalregister.gov/api/v1/documents.json"}, Depth: 1, MaxPages: 100,
		AllowedDomains: []string{"federalregister.gov", ".epa.gov", "192.0.2.1", "[2001:db8::1]", "my_host.example."}}
	if err := Validate(good); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*redline.DiscoverRule)
		want string
	}{
		{"no start", func(r *redline.DiscoverRule) { r.Start = nil }, "start: at least one"},
		{"relative start", func(r *redline.DiscoverRule) { r.Start = append(r.Start, "/docs") }, `start[1] "/docs": not an absolute http or https URL`},
		{"ftp start", func(r *redline.DiscoverRule) { r.Start = []string{"ftp://example.gov/"} }, `start[0] "ftp://example.gov/"`},
		{"bad follow", func(r *redline.DiscoverRule) { r.Follow = []string{`ok`, `(`} }, `follow[1] "(": error parsing regexp`},
		{"blank match", func(r *redline.DiscoverRule) { r.Match = []string{"x", " "} }, "match[1]: blank term"},
		{"depth 0", func(r *redline.DiscoverRule) { r.Depth = 0 }, "depth 0: must be between 1 and 5"},
		{"depth 6", func(r *redline.DiscoverRule) { r.Depth = 6 }, "depth 6"},
		{"max_pages 0", func(r *redline.DiscoverRule) { r.MaxPages = 0 }, "max_pages 0: must be between 1 and 10000"},
		{"max_pages big", func(r *redline.DiscoverRule) { r.MaxPages = 10001 }, "max_pages 10001"},
		{"domain with scheme", func(r *redline.DiscoverRule) { r.AllowedDomains = []string{"https://epa.gov"} }, `allowed_domains[0] "https://epa.gov": not a host name`},
		{"domain with port", func(r *redline.DiscoverRule) { r.AllowedDomains = []string{"epa.gov", "epa.gov:443"} }, `allowed_domains[1] "epa.gov:443"`},
		{"wildcard domain", func(r *redline.DiscoverRule) { r.AllowedDomains = []string{"*.epa.gov"} }, `allowed_domains[0] "*.epa.gov"`},
		{"empty domain", func(r *redline.DiscoverRule) { r.AllowedDomains = []string{""} }, `allowed_domains[0] ""`},
		{"links_path", func(r *redline.DiscoverRule) { r.LinksPath = "results.#(type==" }, "links_path: invalid JSONPath"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := good
			r.Start = slices.Clone(good.Start)
			c.edit(&r)
			err := Validate(r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	// Every problem is reported.
	err := Validate(redline.DiscoverRule{Depth: 9, MaxPages: -1})
	for _, want := range []string{"start:", "depth 9", "max_pages -1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("all problems: %v lacks %q", err, want)
		}
	}
}

func TestDefaults(t *testing.T) {
	r := Defaults(redline.DiscoverRule{Start: []string{"https://WWW.EPA.gov/rules", "https://www.epa.gov:8443/other", "http://[2001:db8::1]/x", "::bad"}})
	if r.Depth != 1 || r.MaxPages != 100 {
		t.Errorf("depth %d, max_pages %d", r.Depth, r.MaxPages)
	}
	if want := []string{"www.epa.gov", "2001:db8::1"}; !slices.Equal(r.AllowedDomains, want) {
		t.Errorf("allowed domains %q, want %q", r.AllowedDomains, want)
	}
	set := redline.DiscoverRule{Start: []string{"https://a.gov/"}, Depth: 3, MaxPages: 7, AllowedDomains: []string{"b.gov"}}
	if got := Defaults(set); got.Depth != 3 || got.MaxPages != 7 || !slices.Equal(got.AllowedDomains, []string{"b.gov"}) {
		t.Errorf("set fields changed: %+v", got)
	}
	// Run applies them, and refuses an invalid rule before any fetch.
	if _, err := Run(context.Background(), newFetcher(t), redline.DiscoverRule{Start: []string{"https://a.gov/"}, Depth: 9}, Options{}); err == nil || !strings.Contains(err.Error(), "depth 9") {
		t.Errorf("Run with a bad rule: %v", err)
	}
}
