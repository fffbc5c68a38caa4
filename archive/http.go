package archive

import (
	"bytes"
	"mime"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// writeHeader writes h as HTTP/1.1 header lines, keys sorted and values in
// their order, skipping the keys in skip (any case) and names that are not
// valid HTTP tokens. CR and LF inside values become spaces.
func writeHeader(b *bytes.Buffer, h http.Header, skip ...string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		if !httpguts.ValidHeaderFieldName(k) || slices.ContainsFunc(skip, func(s string) bool { return strings.EqualFold(s, k) }) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(k + ": " + oneLine(v) + "\r\n")
		}
	}
}

func validToken(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !httpguts.IsTokenRune(r) }) < 0
}

// mimeType is the media type of h's Content-Type, lowercased and without
// parameters; "unk" when there is none (as pywb writes it).
func mimeType(h http.Header) string {
	ct := strings.TrimSpace(h.Get("Content-Type"))
	if ct == "" {
		return "unk"
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
