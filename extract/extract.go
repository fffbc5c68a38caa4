// Package extract turns a fetched payload (bytes plus the media type the
// server declared) into normalised text that keeps the page's block structure:
// one heading, paragraph, list item or table row per line.
//
// The text is what redline compares between captures, so extraction must be
// deterministic and must not invent differences: whitespace, invisible
// characters and Unicode composition are normalised, page chrome (scripts,
// styles, navigation, banners, footers, hidden elements) is dropped, and the
// tracked region can be narrowed with CSS selectors.
//
// HTML (text/html, application/xhtml+xml) is parsed with golang.org/x/net/html
// after decoding its charset. PDF is converted by poppler's pdftotext, run as
// a subprocess (see docs/pdf.md). JSON is rendered pretty-printed with sorted
// keys, optionally narrowed by a gjson path. RSS, Atom and RDF feeds are
// rendered item by item in a stable order. Plain text and other XML are
// decoded and normalised line by line. Other media types give ErrUnsupported.
package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/text/unicode/norm"
)

// Options narrows what Text extracts. The zero value extracts the whole
// payload: the whole <body> of an HTML page, the whole JSON document.
type Options struct {
	// Select lists CSS selectors of the tracked region(s); empty means the
	// whole <body>. Matches of all selectors are taken in document order and
	// de-duplicated: a match nested inside another match is not repeated.
	// A matched element is extracted even if it is one that is dropped by
	// default (nav, header, hidden...); its descendants still follow the
	// default rules.
	Select []string
	// Exclude lists CSS selectors whose elements (with their subtrees) are
	// removed before extraction and before Select is matched.
	Exclude []string
	// JSONPath narrows a JSON payload to what a gjson path selects
	// (https://github.com/tidwall/gjson/blob/master/SYNTAX.md), e.g.
	// `results.#.title` or `results.#(type=="Rule")#.title`; the selection
	// is then rendered like a whole document. A path that selects nothing
	// gives ErrNoMatch, as does a # query or projection that yields no
	// element (so a misspelt field is caught, and a momentarily empty API
	// page is an error capture rather than a change deleting everything),
	// and a JSONPath on a payload that is not JSON.
	// Check it at config time with CompileJSONPath.
	JSONPath string
	// PDFTimeout bounds one run of pdftotext; zero means DefaultPDFTimeout.
	PDFTimeout time.Duration
}

// Result is the outcome of one extraction.
type Result struct {
	Text      string // normalised text: one block per line, lines joined by "\n", no trailing newline
	Title     string // <title>, normalised; empty for non-HTML payloads
	MediaType string // the type the payload was read as, e.g. "text/html", "application/pdf"; lower case, without parameters
	Charset   string // the charset used to decode, e.g. "utf-8", "windows-1252" (WHATWG name); empty for PDF
}

// ErrNoMatch is returned, wrapped with the selectors' names, when
// Options.Select is set and no selector matched anything (or the payload is
// not HTML, so selectors cannot apply). Test for it with errors.Is.
var ErrNoMatch = errors.New("selector matched nothing")

// ErrUnsupported is returned, wrapped with the media type, for payloads that
// are not text (images, application/octet-stream...) and for PDFs that
// cannot be read: no text layer (scanned images), encrypted with a
// password, or too large.
var ErrUnsupported = errors.New("unsupported media type")

// SelectorError reports a CSS selector that does not compile. Its message
// names the selector; Unwrap gives cascadia's parse error.
type SelectorError struct {
	Selector string
	Err      error
}

func (e *SelectorError) Error() string {
	return fmt.Sprintf("invalid CSS selector %q: %v", e.Selector, e.Err)
}

func (e *SelectorError) Unwrap() error { return e.Err }

// CompileSelectors reports whether every selector in sels is a valid CSS
// selector (as understood by cascadia; selector groups with commas are
// allowed, pseudo-elements are not). The error is a *SelectorError naming the
// first bad selector. Config validation calls it so a bad selector fails at
// load time rather than at the first check.
func CompileSelectors(sels []string) error {
	_, err := compileAll(sels)
	return err
}

func compileAll(sels []string) ([]cascadia.Selector, error) {
	out := make([]cascadia.Selector, 0, len(sels))
	for _, s := range sels {
		if strings.TrimSpace(s) == "" {
			return nil, &SelectorError{Selector: s, Err: errors.New("empty selector")}
		}
		c, err := cascadia.Compile(s)
		if err != nil {
			return nil, &SelectorError{Selector: s, Err: err}
		}
		out = append(out, c)
	}
	return out, nil
}

// Text extracts normalised text from body with context.Background(); see
// TextContext.
func Text(body []byte, contentType string, opt Options) (Result, error) {
	return TextContext(context.Background(), body, contentType, opt)
}

// TextContext extracts normalised text from body. contentType is the
// Content-Type header as received (parameters such as charset are honoured);
// when it is empty the type is sniffed with http.DetectContentType. ctx
// bounds the pdftotext subprocess (as does Options.PDFTimeout); other media
// types do not block.
//
// Media types:
//   - text/html and application/xhtml+xml are parsed as HTML;
//   - application/pdf (and a body starting with "%PDF-" under a non-HTML
//     type such as application/octet-stream) is converted with pdftotext;
//     Result.MediaType is then "application/pdf";
//   - application/json and application/*+json are rendered with sorted keys,
//     as is a text/plain body that starts with '{' or '[' and parses as JSON
//     (Result.MediaType is then "application/json");
//   - application/rss+xml, application/atom+xml, application/rdf+xml,
//     application/feed+json, and text/xml or application/xml whose root
//     element is rss, feed or RDF are rendered item by item;
//   - other text/* and XML types are normalised line by line as plain text;
//   - anything else gives ErrUnsupported.
//
// Invalid selectors give a *SelectorError; a Select or JSONPath that matches
// nothing, or that does not apply to the media type, gives ErrNoMatch. A PDF,
// JSON document or feed that cannot be parsed gives ErrMalformed; a missing
// pdftotext gives ErrNoPDFTool. With ErrNoMatch the returned Result still
// carries MediaType, Charset and Title; with ErrUnsupported and
// ErrMalformed, MediaType.
//
// TextContext is safe for concurrent use; it keeps no state between calls.
// To read an HTML page's tree for other purposes too, Parse it once and call
// Doc.Text.
func TextContext(ctx context.Context, body []byte, contentType string, opt Options) (Result, error) {
	return Parse(body, contentType).Text(ctx, opt)
}

func noMatch(sels []string, nonHTML string) error {
	q := make([]string, len(sels))
	for i, s := range sels {
		q[i] = strconv.Quote(s)
	}
	if nonHTML != "" {
		return fmt.Errorf("%w: %s (selectors do not apply to %s)", ErrNoMatch, strings.Join(q, ", "), nonHTML)
	}
	return fmt.Errorf("%w: %s", ErrNoMatch, strings.Join(q, ", "))
}

// finish joins the lines and applies Unicode NFC. Lines are already trimmed
// and non-empty; NFC cannot introduce whitespace or line breaks.
func finish(lines []string) string {
	return norm.NFC.String(strings.Join(lines, "\n"))
}

type payloadKind int

const (
	kindUnsupported payloadKind = iota
	kindHTML
	kindText // plain text and XML other than feeds
	kindPDF
	kindJSON
	kindFeed
)

func kind(mt string) payloadKind {
	switch mt {
	case "text/html", "application/xhtml+xml":
		return kindHTML
	case "application/pdf", "application/x-pdf":
		return kindPDF
	case "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json":
		return kindFeed
	case "application/json":
		return kindJSON
	case "application/xml":
		return kindText
	}
	if strings.HasPrefix(mt, "text/") {
		return kindText
	}
	if strings.HasPrefix(mt, "application/") {
		switch {
		case strings.HasSuffix(mt, "+json"):
			return kindJSON
		case strings.HasSuffix(mt, "+xml"):
			return kindText
		}
	}
	return kindUnsupported
}

func isXML(mt string) bool {
	return mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}

// mediaType returns the lower-case media type and its parameters. A missing
// or unparsable header falls back to sniffing the body, reported by sniffed.
func mediaType(body []byte, contentType string) (mt string, params map[string]string, sniffed bool) {
	if strings.TrimSpace(contentType) != "" {
		mt, params, err := mime.ParseMediaType(contentType)
		if err == nil {
			return mt, params, false
		}
		// Malformed parameters (common: "text/html; charset") still leave a
		// usable type before the first ';'.
		t, rest, _ := strings.Cut(contentType, ";")
		t = strings.ToLower(strings.TrimSpace(t))
		if strings.Contains(t, "/") {
			params := map[string]string{}
			if _, p, err := mime.ParseMediaType("x/y;" + rest); err == nil {
				params = p
			}
			return t, params, false
		}
	}
	sniff := body
	if len(sniff) > 512 {
		sniff = sniff[:512]
	}
	// DetectContentType calls anything with a BOM text/plain; look past a
	// UTF-8 BOM so a BOM-prefixed HTML page is still seen as HTML.
	if hasPrefix(sniff, bomUTF8) {
		sniff = sniff[len(bomUTF8):]
	} else if e, _ := bomEncoding(sniff); e != nil {
		if d, err := e.NewDecoder().Bytes(sniff); err == nil {
			sniff = bytes.TrimPrefix(d, []byte(bomUTF8))
		}
	}
	mt, params, err := mime.ParseMediaType(http.DetectContentType(sniff))
	if err != nil {
		return "application/octet-stream", nil, true
	}
	return mt, params, true
}
