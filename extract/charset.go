package extract

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// Byte order marks.
const (
	bomUTF8    = "\xEF\xBB\xBF"
	bomUTF16BE = "\xFE\xFF"
	bomUTF16LE = "\xFF\xFE"
)

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// metaScanLimit bounds how far into a page decodeHTML looks for a
// <meta charset> when the first 1024 bytes (the WHATWG prescan window) hold
// none. Browsers honour a later <meta> in <head> by re-parsing; real pages
// with long comment banners or inline scripts in <head> rely on that.
const metaScanLimit = 64 << 10

// decodeHTML decodes an HTML payload to UTF-8 and names the charset used.
//
// Order, following the WHATWG encoding sniffing algorithm: byte order mark,
// then the Content-Type charset (declared), then for XHTML the XML
// declaration, then <meta charset> or <meta http-equiv="Content-Type"> in
// <head>, then charset.DetermineEncoding (1024-byte prescan and sniff), with
// the sniff widened to the whole body: valid UTF-8 with non-ASCII bytes is
// UTF-8, anything else windows-1252 (which is also what the labels
// ISO-8859-1 and US-ASCII mean in HTML).
//
// One deliberate departure: a declared windows-1252/ISO-8859-1 is overridden
// when the whole body is valid UTF-8 containing non-ASCII bytes. Servers that
// default to Latin-1 while serving UTF-8 pages are common, natural Latin-1
// text is practically never valid UTF-8, and decoding such a page as declared
// would turn every "é" into "Ã©" and flip back and forth if the server is
// fixed.
func decodeHTML(body []byte, declared string, xml bool) ([]byte, string) {
	e, name := bomEncoding(body)
	if e == nil && declared != "" {
		e, name = charset.Lookup(declared)
	}
	if e == nil && xml {
		e, name = xmlEncoding(body)
	}
	if e == nil {
		e, name = metaCharset(body)
	}
	if e == nil {
		// The WHATWG prescan of the first 1024 bytes (which also finds a
		// <meta> after stray body content) and, failing that, a sniff.
		e, name, _ = charset.DetermineEncoding(body, "")
	}
	if name == "windows-1252" && highBitUTF8(body) {
		// DetermineEncoding sniffs only 1024 bytes, and a declared
		// Latin-1 may be wrong: see above.
		e, name = charset.Lookup("utf-8")
	}
	return decodeBytes(body, e, name), name
}

// decodeText decodes a non-HTML text payload: byte order mark, then the
// Content-Type charset, then for XML the encoding in the XML declaration,
// then valid UTF-8 (including plain ASCII) is UTF-8 and anything else
// windows-1252. The same Latin-1-declared-but-UTF-8 override as decodeHTML
// applies.
func decodeText(body []byte, declared string, xml bool) (string, string) {
	e, name := bomEncoding(body)
	if e == nil && declared != "" {
		e, name = charset.Lookup(declared)
	}
	if e == nil && xml {
		e, name = xmlEncoding(body)
	}
	if e == nil || (name == "windows-1252" && highBitUTF8(body)) {
		e, name = sniffText(body)
	}
	return decode(body, e, name), name
}

// xmlEncoding returns the encoding named by an XML declaration
// (<?xml version="1.0" encoding="..."?>) at the start of body, or nil.
func xmlEncoding(body []byte) (encoding.Encoding, string) {
	const ws = " \t\r\n"
	s := strings.TrimLeft(string(head(body, 1024)), ws)
	if !strings.HasPrefix(s, "<?xml") {
		return nil, ""
	}
	decl, _, ok := strings.Cut(s, "?>")
	if !ok {
		return nil, ""
	}
	_, v, ok := strings.Cut(decl, "encoding")
	if !ok {
		return nil, ""
	}
	v, ok = strings.CutPrefix(strings.TrimLeft(v, ws), "=")
	if v = strings.TrimLeft(v, ws); !ok || v == "" || (v[0] != '"' && v[0] != '\'') {
		return nil, ""
	}
	label, _, ok := strings.Cut(v[1:], v[:1])
	if !ok {
		return nil, ""
	}
	return charset.Lookup(label)
}

// sniffText returns UTF-8 for a body that is valid UTF-8 (plain ASCII
// included) and windows-1252 otherwise.
func sniffText(body []byte) (encoding.Encoding, string) {
	if utf8.Valid(body) {
		return charset.Lookup("utf-8")
	}
	return charset.Lookup("windows-1252")
}

// highBitUTF8 reports whether body contains non-ASCII bytes and is entirely
// valid UTF-8.
func highBitUTF8(body []byte) bool {
	for _, c := range body {
		if c >= 0x80 {
			return utf8.Valid(body)
		}
	}
	return false
}

func bomEncoding(body []byte) (encoding.Encoding, string) {
	switch {
	case hasPrefix(body, bomUTF8):
		return charset.Lookup("utf-8")
	case hasPrefix(body, bomUTF16BE):
		return charset.Lookup("utf-16be")
	case hasPrefix(body, bomUTF16LE):
		return charset.Lookup("utf-16le")
	}
	return nil, ""
}

// decode converts body to valid UTF-8. Invalid sequences become U+FFFD. A
// leading byte order mark is removed.
func decode(body []byte, e encoding.Encoding, name string) string {
	return string(decodeBytes(body, e, name))
}

// decodeBytes is decode without the copy into a string: valid UTF-8 comes
// back as body itself (after any byte order mark), not a copy.
func decodeBytes(body []byte, e encoding.Encoding, name string) []byte {
	b := body
	switch {
	case name == "utf-8":
		if !utf8.Valid(body) {
			b = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	default:
		var err error
		if b, err = e.NewDecoder().Bytes(body); err != nil {
			// x/text decoders replace bad input rather than fail; keep a
			// safe fallback all the same.
			b = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	}
	return bytes.TrimPrefix(b, []byte(bomUTF8))
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// metaCharset looks for a charset declaration in <meta> elements before
// <body> (or the first content tag), scanning at most metaScanLimit bytes. It
// applies the WHATWG rules: a declared UTF-16 means UTF-8 (the bytes were
// readable as ASCII, so they are not UTF-16), x-user-defined means
// windows-1252. Unknown labels are skipped.
func metaCharset(body []byte) (encoding.Encoding, string) {
	z := html.NewTokenizer(bytes.NewReader(head(body, metaScanLimit)))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil, ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tag, hasAttr := z.TagName()
			switch string(tag) {
			case "meta":
				if hasAttr {
					if e, name := metaTagCharset(z); e != nil {
						return e, name
					}
				}
			case "html", "head", "title", "link", "script", "style", "base", "noscript", "template":
			default:
				return nil, ""
			}
		}
	}
}

func metaTagCharset(z *html.Tokenizer) (encoding.Encoding, string) {
	var cs, httpEquiv, content string
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "charset":
			cs = string(v)
		case "http-equiv":
			httpEquiv = string(v)
		case "content":
			content = string(v)
		}
		if !more {
			break
		}
	}
	label := cs
	if label == "" && strings.EqualFold(strings.TrimSpace(httpEquiv), "content-type") {
		label = contentCharset(content)
	}
	if label == "" {
		return nil, ""
	}
	e, name := charset.Lookup(label)
	switch name {
	case "":
		return nil, ""
	case "utf-16be", "utf-16le":
		return charset.Lookup("utf-8")
	case "x-user-defined":
		return charset.Lookup("windows-1252")
	}
	return e, name
}

// contentCharset extracts the charset from a <meta content> value per the
// WHATWG "extracting a character encoding from a meta element" algorithm.
func contentCharset(s string) string {
	lower := strings.ToLower(s)
	for {
		i := strings.Index(lower, "charset")
		if i < 0 {
			return ""
		}
		lower, s = lower[i+len("charset"):], s[i+len("charset"):]
		t := strings.TrimLeft(s, " \t\n\f\r")
		if !strings.HasPrefix(t, "=") {
			continue
		}
		t = strings.TrimLeft(t[1:], " \t\n\f\r")
		if t == "" {
			return ""
		}
		if q := t[0]; q == '"' || q == '\'' {
			end := strings.IndexByte(t[1:], q)
			if end < 0 {
				return ""
			}
			return t[1 : 1+end]
		}
		if end := strings.IndexAny(t, " \t\n\f\r;"); end >= 0 {
			return t[:end]
		}
		return t
	}
}
