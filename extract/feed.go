package extract

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// feedRoot reports whether the XML document s (already decoded to UTF-8)
// has a feed as its root element: <rss>, Atom's <feed> or RSS 1.0's
// <rdf:RDF>. A document that cannot be read that far is not a feed.
func feedRoot(s string) bool {
	switch XMLRoot(strings.NewReader(s)) {
	case "rss", "feed", "RDF", "rdf":
		return true
	}
	return false
}

// XMLRoot returns the local name of the root element of an XML (or HTML)
// document read from r, "" when it cannot be read that far. It reads only
// the prolog and the first tag.
func XMLRoot(r io.Reader) string {
	d := xml.NewDecoder(r)
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for range 64 { // prolog: declaration, comments, doctype, white space
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}

// feedItem is one feed entry ready to render and sort.
type feedItem struct {
	when  time.Time // zero when the entry has no parsable date
	lines []string
	link  string
	title string
}

// feedText renders an RSS, Atom, RDF or JSON feed (s is decoded to UTF-8)
// with gofeed: the feed title as "# title", then one block per item:
//
//	## item title
//	2025-01-20          (published date, else updated, as the feed wrote it)
//	https://item/link
//	description, then content when it differs, HTML converted to text
//
// Items are sorted by date, newest first, then by link, then by title, so a
// feed that reorders the same items renders identically and a new item is
// one added block. Channel fields that change on every build
// (lastBuildDate, generator, ttl, updated) are left out.
func feedText(s string) ([]string, error) {
	s = dropXMLEncoding(s)
	if !strings.HasPrefix(strings.TrimLeft(s, " \t\r\n\uFEFF"), "{") { // not a JSON Feed
		if err := checkNesting(s); err != nil {
			return nil, fmt.Errorf("%w: feed: %v", ErrMalformed, err)
		}
	}
	f, err := gofeed.NewParser().ParseString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: feed: %v", ErrMalformed, err)
	}
	var lines []string
	if t := normalizeLine(f.Title); t != "" {
		lines = append(lines, "# "+t)
	}
	items := make([]feedItem, 0, len(f.Items))
	for _, it := range f.Items {
		if it != nil {
			items = append(items, renderItem(it))
		}
	}
	slices.SortStableFunc(items, func(a, b feedItem) int {
		switch {
		case a.when.IsZero() != b.when.IsZero():
			if a.when.IsZero() {
				return 1 // undated items last
			}
			return -1
		case !a.when.Equal(b.when):
			return b.when.Compare(a.when)
		}
		return cmp.Or(
			strings.Compare(a.link, b.link),
			strings.Compare(a.title, b.title),
			slices.Compare(a.lines, b.lines),
		)
	})
	for _, it := range items {
		lines = append(lines, it.lines...)
	}
	return lines, nil
}

// checkNesting reports an XML document whose elements are not properly
// nested or closed. The feed parser repairs mismatched end tags silently,
// which would turn a corrupted feed into a quiet change; other sloppiness
// common in real feeds (HTML entities, a bare "&") is left to the parser to
// tolerate.
func checkNesting(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var open []xml.Name
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
		case xml.EndElement:
			line, _ := d.InputPos()
			if len(open) == 0 {
				return fmt.Errorf("line %d: unexpected end tag </%s>", line, qname(t.Name))
			}
			if top := open[len(open)-1]; top != t.Name {
				return fmt.Errorf("line %d: end tag </%s> does not match <%s>", line, qname(t.Name), qname(top))
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("unexpected end of document: <%s> is not closed", qname(open[len(open)-1]))
	}
	return nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func renderItem(it *gofeed.Item) feedItem {
	fi := feedItem{title: normalizeLine(it.Title), link: normalizeLine(it.Link)}
	if fi.link == "" && len(it.Links) > 0 {
		fi.link = normalizeLine(it.Links[0])
	}
	if fi.title != "" {
		fi.lines = append(fi.lines, "## "+fi.title)
	} else {
		fi.lines = append(fi.lines, "## (untitled)")
	}
	var date string
	switch {
	case it.PublishedParsed != nil:
		fi.when, date = *it.PublishedParsed, it.PublishedParsed.Format(time.DateOnly)
	case normalizeLine(it.Published) != "":
		date = normalizeLine(it.Published) // unparsable: keep as written
	case it.UpdatedParsed != nil:
		fi.when, date = *it.UpdatedParsed, it.UpdatedParsed.Format(time.DateOnly)
	default:
		date = normalizeLine(it.Updated)
	}
	if date != "" {
		fi.lines = append(fi.lines, date)
	}
	if fi.link != "" {
		fi.lines = append(fi.lines, fi.link)
	}
	desc := markupLines(it.Description)
	fi.lines = append(fi.lines, desc...)
	if content := markupLines(it.Content); !slices.Equal(content, desc) {
		fi.lines = append(fi.lines, content...)
	}
	return fi
}

// markupLines converts an item's description or content to lines: as HTML
// when it holds markup or entities, else as plain text.
func markupLines(s string) []string {
	if !strings.ContainsAny(s, "<&") {
		return plainLines(s)
	}
	lines, _, _ := htmlText(s, nil, nil)
	return lines
}

// dropXMLEncoding removes the encoding declaration from the XML declaration
// at the start of s. s is already decoded to UTF-8 (honouring the
// declaration, the BOM and the Content-Type charset); left in place, the
// declaration would make the feed parser decode it a second time.
func dropXMLEncoding(s string) string {
	lead := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
	if !strings.HasPrefix(s[lead:], "<?xml") {
		return s
	}
	end := strings.Index(s[lead:], "?>")
	if end < 0 {
		return s
	}
	decl := s[lead : lead+end]
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return s
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest, ok := strings.CutPrefix(rest, "=")
	rest = strings.TrimLeft(rest, " \t\r\n")
	if !ok || rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return s
	}
	j := strings.IndexByte(rest[1:], rest[0])
	if j < 0 {
		return s
	}
	after := rest[j+2:]
	return s[:lead] + decl[:i] + after + s[lead+end:]
}
