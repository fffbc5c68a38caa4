package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"golang.org/x/net/html"
)

// Doc is a payload whose media type is known and, for HTML, whose charset is
// decoded and whose tree is parsed at most once, so that several readers of
// one response (the block-page rules, then extraction) share one parse. A
// Doc is not safe for concurrent use.
type Doc struct {
	body     []byte
	mt       string // media type as declared or sniffed, lower case
	declared string // charset parameter, "" when sniffed or absent
	k        payloadKind

	decoded bool
	src     []byte // the decoded HTML page: body itself when it is valid UTF-8
	charset string
	root    *html.Node // parsed tree of src; nil until HTML is called
	dirty   bool       // Text removed elements from root: parse again before reuse
}

// Parse reads body's media type from contentType (see TextContext) without
// extracting anything yet.
func Parse(body []byte, contentType string) *Doc {
	mt, params, sniffed := mediaType(body, contentType)
	d := &Doc{body: body, mt: mt, k: kind(mt)}
	if !sniffed {
		// http.DetectContentType always claims utf-8 for text; that is a
		// guess, not a declaration, so only a header's charset counts.
		d.declared = params["charset"]
	}
	if d.k != kindHTML && d.k != kindPDF && hasPrefix(body, "%PDF-") {
		d.k = kindPDF // PDFs are often served as application/octet-stream
	}
	return d
}

// HTML returns the parsed tree of an HTML payload, decoded from its
// charset, or nil when the payload is not HTML. The caller must not modify
// it; it stays valid until the next call of Text.
func (d *Doc) HTML() *html.Node {
	if d.k != kindHTML {
		return nil
	}
	if d.root == nil || d.dirty {
		d.decode()
		// html.Parse fails only when its reader does; a bytes.Reader
		// never does.
		d.root, _ = html.Parse(bytes.NewReader(d.src))
		d.dirty = false
	}
	return d.root
}

func (d *Doc) decode() {
	if !d.decoded {
		d.src, d.charset = decodeHTML(d.body, d.declared, d.mt == "application/xhtml+xml")
		d.decoded = true
	}
}

// Text extracts normalised text as TextContext describes, reusing the tree
// HTML parsed. Exclude selectors remove elements from that tree.
func (d *Doc) Text(ctx context.Context, opt Options) (Result, error) {
	sel, err := compileAll(opt.Select)
	if err != nil {
		return Result{}, err
	}
	exc, err := compileAll(opt.Exclude)
	if err != nil {
		return Result{}, err
	}
	if opt.JSONPath != "" {
		if err := CompileJSONPath(opt.JSONPath); err != nil {
			return Result{}, err
		}
	}
	mt, k, body := d.mt, d.k, d.body
	res := Result{MediaType: mt}
	if k == kindPDF {
		res.MediaType = "application/pdf" // also for application/x-pdf
	}

	switch k {
	case kindHTML:
		d.decode()
		res.Charset = d.charset
		if opt.JSONPath != "" {
			return res, jsonPathNoMatch(opt.JSONPath, mt)
		}
		blocks, title, matched := htmlTree(d.HTML(), sel, exc, true)
		if len(exc) > 0 {
			d.dirty = true
		}
		res.Title = title
		if len(sel) > 0 && !matched {
			return res, noMatch(opt.Select, "")
		}
		res.Text = finish(blocks)
		return res, nil
	case kindPDF:
		if len(sel) > 0 {
			return res, noMatch(opt.Select, res.MediaType)
		}
		if opt.JSONPath != "" {
			return res, jsonPathNoMatch(opt.JSONPath, res.MediaType)
		}
		lines, err := pdfText(ctx, body, opt.PDFTimeout)
		if err != nil {
			return res, err
		}
		res.Text = finish(lines)
		return res, nil
	case kindText, kindJSON, kindFeed:
		s, name := decodeText(body, d.declared, isXML(mt))
		res.Charset = name
		if len(sel) > 0 {
			return res, noMatch(opt.Select, mt)
		}
		if k == kindText {
			switch {
			case isXML(mt) && feedRoot(s):
				k = kindFeed
			case mt == "text/plain" && looksJSON(s) && (opt.JSONPath != "" || json.Valid([]byte(s))):
				// JSON APIs served as text/plain. Text that merely starts
				// with a bracket ("[Draft] ...") stays plain text.
				k, res.MediaType = kindJSON, "application/json"
			}
		}
		if opt.JSONPath != "" && k != kindJSON {
			return res, jsonPathNoMatch(opt.JSONPath, mt)
		}
		var lines []string
		switch k {
		case kindFeed:
			lines, err = feedText(s)
		case kindJSON:
			lines, err = jsonText(s, opt.JSONPath)
		default:
			lines = plainLines(s)
		}
		if err != nil {
			return res, err
		}
		res.Text = finish(lines)
		return res, nil
	default:
		return res, fmt.Errorf("%w: %s", ErrUnsupported, mt)
	}
}
