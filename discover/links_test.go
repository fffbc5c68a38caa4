package discover

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"redline"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		ctype, body string
		want        pageKind
	}{
		{"text/html; charset=utf-8", "<p>x</p>", kindHTML},
		{"", "<!DOCTYPE html><html><body><a href=x>x</a>", kindHTML},
		{"application/octet-stream", "\xEF\xBB\xBF  <html><a href=x>x</a>", kindHTML},
		{"application/xhtml+xml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>`, kindHTML},
		{"application/xml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>`, kindHTML},
		{"text/html", `<?xml version="1.0"?><rss version="2.0"><channel/></rss>`, kindFeed}, // mislabelled feed
		{"text/plain", `<feed xmlns="http://www.w3.org/2005/Atom"/>`, kindFeed},
		{"application/rss+xml", `not xml`, kindFeed},
		{"", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`, kindFeed},
		{"text/xml", `<?xml version="1.0"?><!-- c --><urlset/>`, kindSitemap},
		{"application/xml", `<sitemapindex/>`, kindSitemap},
		{"application/json", `{"a":1}`, kindJSON},
		{"application/vnd.api+json", `{"a":1}`, kindJSON},
		{"", ` [1]`, kindJSON},
		{"application/feed+json", `{}`, kindFeed},
		{"", `{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[]}`, kindFeed},
		{"application/pdf", "%PDF-1.7", kindPDF},
		{"", "%PDF-1.7", kindPDF},
		{"image/png", "\x89PNG", kindOther},
		{"text/xml", "<other/>", kindOther},
		{"text/csv", "a,b", kindOther},
	} {
		if got := classify(c.ctype, []byte(c.body)); got != c.want {
			t.Errorf("classify(%q, %q) = %v, want %v", c.ctype, c.body, got, c.want)
		}
	}
}

func TestHTMLLinksDetails(t *testing.T) {
	page, _ := url.Parse("https://example.gov/dir/page.html")
	body := `<html><head><script>var a = '<a href="/script">';</script></head><body>
<a href="one.html"><span>Final</span><span>Rule</span><br>2025</a>
<a href="  /two.html  ">Two&nbsp;&amp;&#32;more</a>
<a href="/three.html" title="Three title"></a>
<noscript><a href="/four.html">Four</a></noscript>
<a name="anchor-only">no href</a>
<base href="https://cdn.example.gov/base/">
</body></html>`
	ls, err := htmlLinks([]byte(body), "text/html", page)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		u, _ := resolve(l.base, l.href)
		got = append(got, u.String()+" | "+cleanTitle(l.title))
	}
	want := []string{
		// The first <base href> applies to every link, even earlier ones.
		"https://cdn.example.gov/base/one.html | FinalRule 2025",
		"https://cdn.example.gov/two.html | Two & more",
		"https://cdn.example.gov/three.html | Three title",
		"https://cdn.example.gov/four.html | Four",
	}
	if !slices.Equal(got, want) {
		t.Errorf("links:\n got %q\nwant %q", got, want)
	}
}

func TestResolve(t *testing.T) {
	base, _ := url.Parse("https://Example.gov/a/b")
	for href, want := range map[string]string{
		"c":                           "https://example.gov/a/c",
		"HTTPS://WWW.Example.GOV:443": "https://www.example.gov/",
		"http://x.gov:80/p?q=1#frag":  "http://x.gov/p?q=1",
		"http://x.gov:8080":           "http://x.gov:8080/",
		"//other.gov/p":               "https://other.gov/p",
		"  /p\n/q ":                   "https://example.gov/p/q",
		"ftp://x.gov/f":               "ftp://x.gov/f",
		"":                            "",
		"#frag":                       "",
		"MailTo:a@b":                  "",
		"javascript:alert(1)":         "",
		"tel:123":                     "",
		"data:text/html,hi":           "",
		"http://":                     "",
		"http:opaque":                 "",
		"http://[::1":                 "",
	} {
		u, ok := resolve(base, href)
		got := ""
		if ok {
			got = u.String()
		}
		if got != want {
			t.Errorf("resolve(%q) = %q, want %q", href, got, want)
		}
	}
}

func TestTitles(t *testing.T) {
	long := strings.Repeat("word ", 100)
	got := cleanTitle(long)
	if n := len([]rune(got)); n > maxTitle || !strings.HasSuffix(got, "…") {
		t.Errorf("long title: %d runes, %q", n, got)
	}
	if got := cleanTitle(" a\t\n b\u00a0 c "); got != "a b c" {
		t.Errorf("collapse: %q", got)
	}
	for in, want := range map[string]string{
		"AT&T":                            "AT&T",
		"Rule &amp; Order":                "Rule & Order",
		"<p>One</p><p>Two</p>":            " One  Two ",
		"a < b":                           "a < b",
		"x<script>bad()</script>y":        "xy",
		"Caf&eacute; <b>menu</b> &#8212;": "Café menu —",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedirectOutsideDomains(t *testing.T) {
	other, otherHits := serveOn(t, "127.0.0.1:0", pages{"/": htmlPage("secret")})
	srv, _ := serveOn(t, listenAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			_, _ = w.Write([]byte(`<a href="/jump">Jump</a><a href="/stay">Stay</a>`))
		case "/jump":
			http.Redirect(w, r, other.URL+"/", http.StatusFound)
		default:
			_, _ = w.Write([]byte(`<p>ok</p>`))
		}
	}))
	res := runRule(t, redline.DiscoverRule{Start: []string{srv.URL + "/"}, Depth: 2})
	if got, want := urls(res.Documents), []string{srv.URL + "/stay"}; !slices.Equal(got, want) {
		t.Errorf("documents: got %q, want %q", got, want)
	}
	if r, ok := refusal(res.Refused, srv.URL+"/jump"); !ok || r.Reason != ReasonOutside {
		t.Errorf("refused: %+v", res.Refused)
	}
	if otherHits.total() != 0 {
		t.Error("the redirect target was reached")
	}
}
