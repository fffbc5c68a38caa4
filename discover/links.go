package discover

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/tidwall/gjson"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"redline/crawler"
	"redline/extract"
)

// maxTitle bounds Document.Title, in runes.
const maxTitle = 300

// maxGunzip bounds a gzip-compressed sitemap once decompressed (the
// sitemap protocol allows 50 MB).
const maxGunzip = 64 << 20

// rawLink is a link as found on a page, before resolution and filtering.
type rawLink struct {
	base    *url.URL // what href is relative to
	href    string
	title   string
	extra   []string // more text Match considers: title attribute, image alt, item description
	pdf     bool     // declared a PDF by the page
	sitemap bool     // a sitemap listed by a sitemap index: a page to read, not a document
}

// pageKind is what a page was read as.
type pageKind int

const (
	kindOther pageKind = iota
	kindHTML
	kindFeed
	kindSitemap
	kindJSON
	kindPDF
)

func (k pageKind) String() string {
	switch k {
	case kindHTML:
		return "html"
	case kindFeed:
		return "feed"
	case kindSitemap:
		return "sitemap"
	case kindJSON:
		return "json"
	case kindPDF:
		return "pdf"
	}
	return "other"
}

// extractLinks reads the links of a fetched page by what it is. linksPath
// applies to JSON start pages only. An error says why a page yields no (or
// not all) links; links found before it are returned all the same.
func extractLinks(resp *crawler.Response, base *url.URL, start bool, linksPath string) ([]rawLink, pageKind, error) {
	body := resp.Body
	contentType := resp.Header.Get("Content-Type")
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b { // gzip: sitemap.xml.gz
		b, err := gunzip(body)
		if err != nil {
			return nil, kindOther, err
		}
		body, contentType = b, ""
	}
	kind := classify(contentType, body)
	switch kind {
	case kindHTML:
		ls, err := htmlLinks(body, contentType, base)
		return ls, kind, err
	case kindFeed:
		ls, err := feedLinks(body, base)
		return ls, kind, err
	case kindSitemap:
		ls, err := sitemapLinks(body, base)
		return ls, kind, err
	case kindJSON:
		if !start {
			return nil, kind, nil
		}
		if linksPath == "" {
			return nil, kind, errors.New("a JSON page lists no links without links_path (a gjson path of the document URLs, e.g. results.#.html_url)")
		}
		ls, err := jsonLinks(body, base, linksPath)
		return ls, kind, err
	}
	if start {
		mt, _ := mediaType(contentType)
		return nil, kind, fmt.Errorf("cannot read links from a page of type %q: not HTML, a feed, a sitemap or JSON", mt)
	}
	return nil, kind, nil
}

func gunzip(body []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxGunzip+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(b) > maxGunzip {
		return nil, fmt.Errorf("gzip: more than %d bytes once decompressed", maxGunzip)
	}
	return b, nil
}

// mediaType returns the lower-case media type of a Content-Type header, ""
// when there is none.
func mediaType(contentType string) (string, bool) {
	if strings.TrimSpace(contentType) == "" {
		return "", false
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt, true
	}
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t)), true
}

// classify says what a page is: by its Content-Type, then by sniffing. An
// XML body whose root is a feed or sitemap element is one whatever the
// header says (servers label them text/html or text/plain too).
func classify(contentType string, body []byte) pageKind {
	mt, _ := mediaType(contentType)
	switch {
	case mt == "application/pdf" || mt == "application/x-pdf":
		return kindPDF
	case mt == "application/feed+json":
		return kindFeed
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return kindJSON
	}
	lead := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")), " \t\r\n")
	root := ""
	if len(lead) > 0 && lead[0] == '<' {
		root = extract.XMLRoot(bytes.NewReader(lead))
		switch root {
		case "rss", "feed", "RDF":
			return kindFeed
		case "urlset", "sitemapindex":
			return kindSitemap
		}
	}
	generic := mt == "" || mt == "text/plain" || mt == "application/octet-stream" || mt == "binary/octet-stream"
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return kindHTML
	case mt == "application/rss+xml" || mt == "application/atom+xml" || mt == "application/rdf+xml":
		return kindFeed // whose parse will say what is wrong
	case !generic && mt != "text/xml" && mt != "application/xml":
		return kindOther
	case root == "html" || root == "HTML":
		return kindHTML
	case generic && len(lead) > 0 && (lead[0] == '{' || lead[0] == '['):
		if gofeed.DetectFeedType(bytes.NewReader(lead)) == gofeed.FeedTypeJSON {
			return kindFeed
		}
		return kindJSON
	case generic && strings.HasPrefix(http.DetectContentType(lead), "text/html"):
		return kindHTML
	case generic && bytes.HasPrefix(lead, []byte("%PDF-")):
		return kindPDF
	}
	return kindOther
}

// htmlLinks returns every a[href] of an HTML page, relative to the page's
// <base href> when it has one. The title is the link text, else its title
// attribute, else the alt text of an image in it.
func htmlLinks(body []byte, contentType string, pageURL *url.URL) ([]rawLink, error) {
	rd, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		rd = bytes.NewReader(body)
	}
	// Scripting off: the links inside <noscript> are markup, not text.
	doc, err := html.ParseWithOptions(rd, html.ParseOptionEnableScripting(false))
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	base := pageURL
	baseSet := false
	var links []rawLink
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Base:
				// The first <base href> applies to the whole document.
				if h, ok := attr(n, "href"); ok && !baseSet {
					baseSet = true
					if b, err := pageURL.Parse(cleanHref(h)); err == nil {
						base = b
					}
				}
			case atom.A:
				if h, ok := attr(n, "href"); ok {
					links = append(links, anchor(n, h))
				}
			case atom.Script, atom.Style, atom.Template:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for i := range links {
		links[i].base = base
	}
	return links, nil
}

// anchor makes the rawLink of an <a> element.
func anchor(a *html.Node, href string) rawLink {
	l := rawLink{href: href}
	var text strings.Builder
	alt := ""
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			text.WriteString(n.Data)
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template:
				return
			case atom.Img:
				if v, ok := attr(n, "alt"); ok && alt == "" {
					alt = strings.TrimSpace(v)
				}
			}
			if blockish(n.DataAtom) {
				text.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && blockish(n.DataAtom) {
			text.WriteByte(' ')
		}
	}
	for c := a.FirstChild; c != nil; c = c.NextSibling {
		walk(c)
	}
	titleAttr, _ := attr(a, "title")
	l.title = strings.TrimSpace(text.String())
	for _, alternative := range []string{titleAttr, alt} {
		if strings.TrimSpace(l.title) == "" {
			l.title = alternative
		}
	}
	l.extra = []string{titleAttr, alt}
	if t, ok := attr(a, "type"); ok {
		if mt, _ := mediaType(t); mt == "application/pdf" {
			l.pdf = true
		}
	}
	return l
}

// blockish elements separate words in link text.
func blockish(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Tr, atom.Td, atom.Th,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Figure, atom.Figcaption, atom.Img:
		return true
	}
	return false
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// feedLinks returns each feed item's link, and its enclosures that are
// PDFs, titled with the item's title; the item's description also counts
// for Match.
func feedLinks(body []byte, base *url.URL) ([]rawLink, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	var links []rawLink
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		title := plainText(it.Title)
		extra := []string{plainText(it.Description)}
		link := strings.TrimSpace(it.Link)
		if link == "" && len(it.Links) > 0 {
			link = strings.TrimSpace(it.Links[0])
		}
		if link != "" {
			links = append(links, rawLink{base: base, href: link, title: title, extra: extra})
		}
		for _, e := range it.Enclosures {
			if e == nil || strings.TrimSpace(e.URL) == "" {
				continue
			}
			mt, _ := mediaType(e.Type)
			pdf := mt == "application/pdf"
			if u, err := base.Parse(cleanHref(e.URL)); err == nil && pdfPath(u) {
				pdf = true
			}
			if pdf {
				links = append(links, rawLink{base: base, href: e.URL, title: title, extra: extra, pdf: true})
			}
		}
	}
	return links, nil
}

// sitemapXML is a sitemap (<urlset>) or a sitemap index (<sitemapindex>).
type sitemapXML struct {
	XMLName  xml.Name
	URLs     []sitemapEntry `xml:"url"`
	Sitemaps []sitemapEntry `xml:"sitemap"`
}

type sitemapEntry struct {
	Loc   string `xml:"loc"`
	Title string `xml:"news>title"` // Google News sitemaps
}

// sitemapLinks returns the <loc> of each <url> of a sitemap as documents,
// and of each <sitemap> of a sitemap index as further sitemaps to read.
func sitemapLinks(body []byte, base *url.URL) ([]rawLink, error) {
	var sm sitemapXML
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	if err := d.Decode(&sm); err != nil {
		return nil, fmt.Errorf("parse sitemap: %w", err)
	}
	var links []rawLink
	for _, e := range sm.URLs {
		if loc := strings.TrimSpace(e.Loc); loc != "" {
			links = append(links, rawLink{base: base, href: loc, title: plainText(e.Title)})
		}
	}
	for _, e := range sm.Sitemaps {
		if loc := strings.TrimSpace(e.Loc); loc != "" {
			links = append(links, rawLink{base: base, href: loc, sitemap: true})
		}
	}
	return links, nil
}

// jsonLinks returns the URLs a gjson path selects in a JSON document. When
// the path projects a field of array elements (`results.#.html_url`, or
// `results.#(...)#.html_url`), each element's "title" field is the title.
func jsonLinks(body []byte, base *url.URL, path string) ([]rawLink, error) {
	if !gjson.ValidBytes(body) {
		return nil, errors.New("parse JSON: invalid JSON")
	}
	doc := string(body)
	missing := fmt.Errorf("links_path %q selects nothing", path)
	var links []rawLink
	add := func(u, title gjson.Result) {
		if u.Type == gjson.String && strings.TrimSpace(u.Str) != "" {
			links = append(links, rawLink{base: base, href: u.Str, title: plainText(title.String())})
		}
	}
	if elems, field, ok := splitProjection(path); ok {
		arr := gjson.Get(doc, elems)
		if !arr.Exists() {
			return nil, missing
		}
		for _, el := range arr.Array() {
			var title gjson.Result
			if t := el.Get("title"); t.Type == gjson.String {
				title = t
			}
			add(el.Get(field), title)
		}
		return links, nil
	}
	res := gjson.Get(doc, path)
	if !res.Exists() {
		return nil, missing
	}
	if res.IsArray() {
		for _, v := range res.Array() {
			add(v, gjson.Result{})
		}
	} else {
		add(res, gjson.Result{})
	}
	return links, nil
}

// splitProjection splits `P.#.F` into the path of the array P and the
// field path F, and `P.#(query)#.F` into `P.#(query)#` (the matching
// elements) and F. F must hold no further '#', '|' or '@'.
func splitProjection(path string) (elems, field string, ok bool) {
	i := strings.LastIndex(path, "#.")
	if i < 1 {
		return "", "", false
	}
	field = path[i+2:]
	if field == "" || strings.ContainsAny(field, "#|@*?\\") {
		return "", "", false
	}
	switch path[i-1] {
	case '.':
		elems = path[:i-1]
	case ')':
		elems = path[:i+1]
	default:
		return "", "", false
	}
	if elems == "" {
		return "", "", false
	}
	return elems, field, true
}

// cleanHref trims what browsers ignore around and inside a URL.
func cleanHref(h string) string {
	h = strings.TrimSpace(h)
	return strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(h)
}

// resolve makes a link absolute and normalised, or reports it is not a
// link to take at all: empty, fragment-only, mailto:, javascript:, tel:,
// data:, or unparsable.
func resolve(base *url.URL, href string) (*url.URL, bool) {
	h := cleanHref(href)
	if h == "" || strings.HasPrefix(h, "#") {
		return nil, false
	}
	lower := strings.ToLower(h)
	for _, s := range []string{"mailto:", "javascript:", "tel:", "data:"} {
		if strings.HasPrefix(lower, s) {
			return nil, false
		}
	}
	u, err := base.Parse(h)
	if err != nil || !u.IsAbs() {
		return nil, false
	}
	if (u.Scheme == "http" || u.Scheme == "https") && (u.Opaque != "" || u.Hostname() == "") {
		return nil, false
	}
	return normalize(u), true
}

// normalize returns u without its fragment, with a lower-case host, no
// default port and "/" for an empty path.
func normalize(u *url.URL) *url.URL {
	n := *u
	n.Fragment, n.RawFragment = "", ""
	n.Scheme = strings.ToLower(n.Scheme)
	if n.Scheme != "http" && n.Scheme != "https" {
		return &n
	}
	host, port := strings.ToLower(n.Hostname()), n.Port()
	if (n.Scheme == "http" && port == "80") || (n.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	n.Host = host
	if n.Path == "" && n.RawPath == "" {
		n.Path = "/"
	}
	return &n
}

// pdfPath reports whether a URL's path ends in .pdf.
func pdfPath(u *url.URL) bool {
	return strings.HasSuffix(strings.ToLower(u.Path), ".pdf")
}

// plainText turns a title or description that may hold markup or HTML
// entities into text.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside <script> or <style>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Script || a == atom.Style:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case blockish(a):
				b.WriteByte(' ')
			}
		}
	}
}

// cleanTitle collapses white space and cuts a title to maxTitle runes.
func cleanTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxTitle {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxTitle-1])) + "…"
}
