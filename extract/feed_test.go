package extract

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// DOJ press-release-like RSS 2.0 items (descriptions hold escaped HTML).
var rssItems = []string{
	`<item>
  <title>Justice Department Sues Illinois Over Sanctuary Policies</title>
  <link>https://www.justice.gov/opa/pr/justice-department-sues-illinois-over-sanctuary-policies</link>
  <description>&lt;p&gt;The Justice Department filed suit challenging state laws that &lt;strong&gt;prohibit&lt;/strong&gt; cooperation with federal immigration authorities.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;Complaint filed in N.D. Ill.&lt;/li&gt;&lt;/ul&gt;</description>
  <pubDate>Thu, 06 Feb 2025 14:30:00 -0500</pubDate>
  <guid isPermaLink="false">1389456</guid>
</item>`,
	`<item>
  <title>Attorney General Issues Memorandum on Sanctuary Jurisdictions</title>
  <link>https://www.justice.gov/opa/pr/attorney-general-issues-memorandum-sanctuary-jurisdictions</link>
  <description>&lt;p&gt;The memorandum directs components to review grant conditions under 8 U.S.C. &amp;sect; 1373.&lt;/p&gt;</description>
  <pubDate>Wed, 05 Feb 2025 09:00:00 -0500</pubDate>
  <guid isPermaLink="false">1389123</guid>
</item>`,
	`<item>
  <title>Immigration Enforcement Grant Conditions Upheld</title>
  <link>https://www.justice.gov/opa/pr/immigration-enforcement-grant-conditions-upheld</link>
  <description>A federal court upheld the conditions.</description>
  <pubDate>Mon, 20 Jan 2025 16:00:00 -0500</pubDate>
</item>`,
}

func rssFeed(buildDate string, items ...string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Office of Public Affairs | Press Releases | United States Department of Justice</title>
  <link>https://www.justice.gov/news</link>
  <description>Press releases</description>
  <lastBuildDate>` + buildDate + `</lastBuildDate>
  <generator>Drupal 10 (https://www.drupal.org)</generator>
  <ttl>60</ttl>
  ` + strings.Join(items, "\n") + `
</channel>
</rss>`
}

const rssRendered = `# Office of Public Affairs | Press Releases | United States Department of Justice
## Justice Department Sues Illinois Over Sanctuary Policies
2025-02-06
https://www.justice.gov/opa/pr/justice-department-sues-illinois-over-sanctuary-policies
The Justice Department filed suit challenging state laws that prohibit cooperation with federal immigration authorities.
- Complaint filed in N.D. Ill.
## Attorney General Issues Memorandum on Sanctuary Jurisdictions
2025-02-05
https://www.justice.gov/opa/pr/attorney-general-issues-memorandum-sanctuary-jurisdictions
The memorandum directs components to review grant conditions under 8 U.S.C. § 1373.
## Immigration Enforcement Grant Conditions Upheld
2025-01-20
https://www.justice.gov/opa/pr/immigration-enforcement-grant-conditions-upheld
A federal court upheld the conditions.`

func feedText2(t *testing.T, body, ct string) string {
	t.Helper()
	r, err := Text([]byte(body), ct, Options{})
	if err != nil {
		t.Fatalf("Text: %v", err)
	}
	return r.Text
}

func TestFeedRSS(t *testing.T) {
	base := feedText2(t, rssFeed("Tue, 11 Feb 2025 15:04:05 -0500", rssItems...), "application/rss+xml")
	if base != rssRendered {
		t.Fatalf("Text differs:\n%s", lineDiff(rssRendered, base))
	}

	t.Run("reordered items and a new build date render identically", func(t *testing.T) {
		got := feedText2(t, rssFeed("Wed, 12 Feb 2025 08:00:00 -0500", rssItems[2], rssItems[0], rssItems[1]), "application/rss+xml")
		if got != base {
			t.Errorf("text differs:\n%s", lineDiff(base, got))
		}
	})

	t.Run("a new item is one added block", func(t *testing.T) {
		item := `<item><title>Justice Department Statement on Detainer Requests</title>
  <link>https://www.justice.gov/opa/pr/statement-detainer-requests</link>
  <description>&lt;p&gt;Detainers &lt;em&gt;shall&lt;/em&gt; be honored.&lt;/p&gt;</description>
  <pubDate>Mon, 10 Feb 2025 11:00:00 -0500</pubDate></item>`
		got := feedText2(t, rssFeed("Tue, 11 Feb 2025 15:04:05 -0500", append([]string{item}, rssItems...)...), "application/rss+xml")
		block := "## Justice Department Statement on Detainer Requests\n2025-02-10\nhttps://www.justice.gov/opa/pr/statement-detainer-requests\nDetainers shall be honored."
		title, rest, _ := strings.Cut(base, "\n")
		if want := title + "\n" + block + "\n" + rest; got != want {
			t.Errorf("text differs:\n%s", lineDiff(want, got))
		}
	})

	t.Run("a changed description changes that item only", func(t *testing.T) {
		items := append([]string(nil), rssItems...)
		items[1] = strings.Replace(items[1], "directs components to review", "directs components to terminate", 1)
		got := feedText2(t, rssFeed("Tue, 11 Feb 2025 15:04:05 -0500", items...), "application/rss+xml")
		d := lineDiff(base, got)
		if strings.Count(d, "line ") != 1 || !strings.Contains(d, "line 10:") || !strings.Contains(d, "terminate") {
			t.Errorf("want one changed line (line 10) in the second item, got:\n%s", d)
		}
	})

	t.Run("served as text/xml or application/xml", func(t *testing.T) {
		for _, ct := range []string{"text/xml", "application/xml; charset=utf-8"} {
			if got := feedText2(t, rssFeed("x", rssItems...), ct); got != base {
				t.Errorf("%s: text differs:\n%s", ct, lineDiff(base, got))
			}
		}
	})
}

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">DHS News: Immigration Enforcement</title>
  <updated>2025-02-11T20:00:00Z</updated>
  <generator>Hugo</generator>
  <id>tag:dhs.gov,2025:news</id>
  <entry>
    <title>Statement on Sanctuary City Ordinances</title>
    <link href="https://www.dhs.gov/news/2025/02/07/statement-sanctuary-city-ordinances"/>
    <id>tag:dhs.gov,2025:1</id>
    <published>2025-02-07T10:00:00-05:00</published>
    <updated>2025-02-09T10:00:00-05:00</updated>
    <summary type="html">&lt;p&gt;DHS &lt;b&gt;will&lt;/b&gt; publish a list of jurisdictions.&lt;/p&gt;</summary>
    <content type="html">&lt;h2&gt;Background&lt;/h2&gt;&lt;p&gt;The list is updated quarterly.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>ICE Detainer Guidance Updated</title>
    <link rel="alternate" href="https://www.dhs.gov/news/2025/02/03/ice-detainer-guidance-updated"/>
    <id>tag:dhs.gov,2025:2</id>
    <updated>2025-02-03T09:00:00Z</updated>
    <summary>Guidance for law enforcement agencies.</summary>
  </entry>
  <entry>
    <title>Fact Sheet: 287(g) Agreements</title>
    <link href="https://www.dhs.gov/news/287g"/>
    <id>tag:dhs.gov,2025:3</id>
    <summary>Undated fact sheet.</summary>
  </entry>
</feed>`

const atomRendered = `# DHS News: Immigration Enforcement
## Statement on Sanctuary City Ordinances
2025-02-07
https://www.dhs.gov/news/2025/02/07/statement-sanctuary-city-ordinances
DHS will publish a list of jurisdictions.
## Background
The list is updated quarterly.
## ICE Detainer Guidance Updated
2025-02-03
https://www.dhs.gov/news/2025/02/03/ice-detainer-guidance-updated
Guidance for law enforcement agencies.
## Fact Sheet: 287(g) Agreements
https://www.dhs.gov/news/287g
Undated fact sheet.`

func TestFeedAtom(t *testing.T) {
	r, err := Text([]byte(atomFeed), "application/atom+xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != atomRendered {
		t.Errorf("Text differs:\n%s", lineDiff(atomRendered, r.Text))
	}
	if r.MediaType != "application/atom+xml" || r.Charset != "utf-8" {
		t.Errorf("MediaType %q, Charset %q", r.MediaType, r.Charset)
	}
	// The feed's own <updated> and <generator> are not compared.
	moved := strings.Replace(strings.Replace(atomFeed, "2025-02-11T20:00:00Z", "2025-02-12T06:00:00Z", 1), "<generator>Hugo</generator>", "", 1)
	if got := feedText2(t, moved, "text/xml"); got != r.Text {
		t.Errorf("feed-level updated/generator changed the text:\n%s", lineDiff(r.Text, got))
	}
}

func TestFeedRDFAndJSON(t *testing.T) {
	rdf := `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.gov/rss"><title>County Board Notices</title><link>https://example.gov/</link><description>Notices</description></channel>
  <item rdf:about="https://example.gov/n/2"><title>Ordinance 2025-2 Adopted</title><link>https://example.gov/n/2</link><description>Limits on detainers.</description><dc:date>2025-02-02T12:00:00Z</dc:date></item>
  <item rdf:about="https://example.gov/n/1"><title>Ordinance 2025-1 Introduced</title><link>https://example.gov/n/1</link><dc:date>2025-01-15T12:00:00Z</dc:date></item>
</rdf:RDF>`
	want := "# County Board Notices\n## Ordinance 2025-2 Adopted\n2025-02-02\nhttps://example.gov/n/2\nLimits on detainers.\n## Ordinance 2025-1 Introduced\n2025-01-15\nhttps://example.gov/n/1"
	for _, ct := range []string{"application/rdf+xml", "application/xml"} {
		if got := feedText2(t, rdf, ct); got != want {
			t.Errorf("%s: text differs:\n%s", ct, lineDiff(want, got))
		}
	}

	jf := `{"version": "https://jsonfeed.org/version/1.1", "title": "City Council Votes",
 "items": [{"id": "1", "url": "https://example.gov/v/1", "title": "Vote on Welcoming City Ordinance", "content_html": "<p>Passed 7&ndash;2.</p>", "date_published": "2025-02-01T18:00:00Z"}]}`
	want = "# City Council Votes\n## Vote on Welcoming City Ordinance\n2025-02-01\nhttps://example.gov/v/1\nPassed 7–2."
	if got := feedText2(t, jf, "application/feed+json"); got != want {
		t.Errorf("JSON Feed: text differs:\n%s", lineDiff(want, got))
	}
}

func TestFeedEncoding(t *testing.T) {
	// Latin-1 declared in the XML declaration only; then in the header only.
	latin := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Caf\xe9 News</title>" +
		"<item><title>R\xe9sum\xe9 of \xa7 1373</title><link>https://example.gov/1</link></item></channel></rss>"
	want := "# Café News\n## Résumé of § 1373\nhttps://example.gov/1"
	r, err := Text([]byte(latin), "application/rss+xml", Options{})
	if err != nil || r.Text != want || r.Charset != "windows-1252" {
		t.Errorf("declared in XML: %q %q %v", r.Text, r.Charset, err)
	}
	noDecl := strings.Replace(latin, ` encoding="ISO-8859-1"`, "", 1)
	r, err = Text([]byte(noDecl), "application/rss+xml; charset=iso-8859-1", Options{})
	if err != nil || r.Text != want {
		t.Errorf("declared in header: %q %v", r.Text, err)
	}
}

func TestFeedErrors(t *testing.T) {
	full := rssFeed("x", rssItems...)
	tests := []struct{ name, body, ct string }{
		{"truncated", full[:len(full)/2], "application/rss+xml"},
		{"truncated under text/xml", full[:len(full)/2], "text/xml"},
		{"mismatched tags", "<rss version=\"2.0\"><channel><title>x</channel></title></rss>", "application/rss+xml"},
		{"html error page", "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "application/rss+xml"},
		{"not xml at all", "Service Unavailable", "application/atom+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text([]byte(tt.body), tt.ct, Options{})
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "feed") {
				t.Fatalf("err = %v, want ErrMalformed about the feed", err)
			}
			if r.Text != "" {
				t.Errorf("Text = %q", r.Text)
			}
		})
	}
	if _, err := Text([]byte(full), "application/rss+xml", Options{Select: []string{"item"}}); !errors.Is(err, ErrNoMatch) {
		t.Errorf("Select on a feed: err = %v, want ErrNoMatch", err)
	}
}

func TestOtherXMLIsPlainText(t *testing.T) {
	for _, tt := range []struct{ body, ct, want string }{
		{"<?xml version=\"1.0\"?>\n<policy>\n <rule>shall</rule>\n</policy>", "application/xml", "<?xml version=\"1.0\"?>\n<policy>\n<rule>shall</rule>\n</policy>"},
		{"<sitemap><url>x</url></sitemap>", "text/xml", "<sitemap><url>x</url></sitemap>"},
		{"<!-- feed --><rssx/>", "text/xml", "<!-- feed --><rssx/>"},
		{"not <xml", "application/xml", "not <xml"},
	} {
		r, err := Text([]byte(tt.body), tt.ct, Options{})
		if err != nil || r.Text != tt.want || r.MediaType != strings.Split(tt.ct, ";")[0] {
			t.Errorf("%q as %s: %q %q %v", tt.body, tt.ct, r.Text, r.MediaType, err)
		}
	}
}

func TestFeedItemOrderTies(t *testing.T) {
	// Same date: link, then title decide; undated items come last.
	item := func(title, link, date string) string {
		d := ""
		if date != "" {
			d = "<pubDate>" + date + "</pubDate>"
		}
		return fmt.Sprintf("<item><title>%s</title><link>%s</link>%s</item>", title, link, d)
	}
	a := item("B", "https://x/1", "Mon, 03 Feb 2025 10:00:00 GMT")
	b := item("A", "https://x/1", "Mon, 03 Feb 2025 10:00:00 GMT")
	c := item("C", "https://x/0", "Mon, 03 Feb 2025 10:00:00 GMT")
	d := item("Undated", "https://x/9", "")
	e := item("Newer", "https://x/5", "Tue, 04 Feb 2025 10:00:00 GMT")
	one := feedText2(t, rssFeed("x", a, b, c, d, e), "application/rss+xml")
	two := feedText2(t, rssFeed("x", e, d, c, b, a), "application/rss+xml")
	if one != two {
		t.Errorf("order depends on input:\n%s", lineDiff(one, two))
	}
	var titles []string
	for l := range strings.SplitSeq(one, "\n") {
		if t, ok := strings.CutPrefix(l, "## "); ok {
			titles = append(titles, t)
		}
	}
	if got := strings.Join(titles, ","); got != "Newer,C,A,B,Undated" {
		t.Errorf("order = %s", got)
	}
}

func TestFeedSloppyButReadable(t *testing.T) {
	// HTML entities without a DTD and a bare "&" are common in real feeds;
	// the parser tolerates them.
	body := `<rss version="2.0"><channel><title>A&nbsp;B &amp; C</title><item><title>Q&A on detainers</title>` +
		`<link>https://example.gov/?a=1&b=2</link><description>x &lt;b&gt;y&lt;/b&gt; &mdash; z</description></item></channel></rss>`
	want := "# A B & C\n## Q&A on detainers\nhttps://example.gov/?a=1&b=2\nx y — z"
	if got := feedText2(t, body, "application/rss+xml"); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
