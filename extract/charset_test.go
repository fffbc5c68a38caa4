package extract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// cp1252 holds “Sanctuary” policy – café in windows-1252: 0x93/0x94 are
// curly double quotes, 0x96 an en dash, 0xE9 é. It is not valid UTF-8.
const cp1252 = "\x93Sanctuary\x94 policy \x96 caf\xe9"

const cp1252Want = "\u201cSanctuary\u201d policy \u2013 caf\u00e9"

func TestCharset(t *testing.T) {
	longHead := "<!-- " + strings.Repeat("banner comment ", 100) + " -->"
	tests := []struct {
		name        string
		body        string
		ct          string
		wantText    string
		wantCharset string
	}{
		{
			name:        "windows-1252 without declaration",
			body:        "<html><head><title>x</title></head><body><p>" + cp1252 + "</p></body></html>",
			ct:          "text/html",
			wantText:    cp1252Want,
			wantCharset: "windows-1252",
		},
		{
			name:        "header charset",
			body:        "<p>" + cp1252 + "</p>",
			ct:          "text/html; charset=windows-1252",
			wantText:    cp1252Want,
			wantCharset: "windows-1252",
		},
		{
			name:        "header charset beats meta",
			body:        `<meta charset="utf-8"><p>` + cp1252 + "</p>",
			ct:          "text/html; charset=ISO-8859-1",
			wantText:    cp1252Want,
			wantCharset: "windows-1252",
		},
		{
			name:        "unknown header label falls through to meta",
			body:        `<meta charset="iso-8859-2"><p>` + "\xb9" + `koda</p>`,
			ct:          "text/html; charset=no-such-charset",
			wantText:    "\u0161koda",
			wantCharset: "iso-8859-2",
		},
		{
			name:        "meta charset",
			body:        `<html><head><meta charset="iso-8859-2"></head><body><p>` + "\xb9" + `koda</p></body></html>`,
			ct:          "text/html",
			wantText:    "\u0161koda",
			wantCharset: "iso-8859-2",
		},
		{
			name:        "meta http-equiv",
			body:        `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body><p>` + cp1252 + `</p></body></html>`,
			ct:          "text/html",
			wantText:    cp1252Want,
			wantCharset: "windows-1252",
		},
		{
			name:        "meta after the first 1024 bytes",
			body:        `<html><head>` + longHead + `<meta charset="iso-8859-2"></head><body><p>` + "\xb9" + `koda</p></body></html>`,
			ct:          "text/html",
			wantText:    "\u0161koda",
			wantCharset: "iso-8859-2",
		},
		{
			name:        "meta declaring utf-16 means utf-8",
			body:        `<meta charset="utf-16"><p>café</p>`,
			ct:          "text/html",
			wantText:    "café",
			wantCharset: "utf-8",
		},
		{
			name:        "utf-8 BOM beats header and meta",
			body:        "\xef\xbb\xbf<meta charset=\"windows-1252\"><p>café “x”</p>",
			ct:          "text/html; charset=windows-1252",
			wantText:    "café “x”",
			wantCharset: "utf-8",
		},
		{
			name:        "undeclared utf-8 after 1024 ASCII bytes",
			body:        "<html><head>" + longHead + "</head><body><p>Niño</p></body></html>",
			ct:          "text/html",
			wantText:    "Niño",
			wantCharset: "utf-8",
		},
		{
			name:        "declared latin-1 but valid utf-8",
			body:        `<meta charset="iso-8859-1"><p>Niño “x”</p>`,
			ct:          "text/html; charset=iso-8859-1",
			wantText:    "Niño “x”",
			wantCharset: "utf-8",
		},
		{
			name:        "invalid utf-8 under a utf-8 declaration",
			body:        "<p>caf\xe9</p>",
			ct:          "text/html; charset=utf-8",
			wantText:    "caf\ufffd",
			wantCharset: "utf-8",
		},
		{
			name:        "plain text windows-1252 undeclared",
			body:        cp1252 + "\r\n",
			ct:          "text/plain",
			wantText:    cp1252Want,
			wantCharset: "windows-1252",
		},
		{
			name:        "plain text ascii is utf-8",
			body:        "plain\n",
			ct:          "text/plain",
			wantText:    "plain",
			wantCharset: "utf-8",
		},
		{
			name:        "plain text header charset",
			body:        "\xb9koda",
			ct:          "text/plain; charset=iso-8859-2",
			wantText:    "\u0161koda",
			wantCharset: "iso-8859-2",
		},
		{
			name:        "xml declaration",
			body:        `<?xml version="1.0" encoding="ISO-8859-2"?><r>` + "\xb9koda</r>",
			ct:          "application/xml",
			wantText:    `<?xml version="1.0" encoding="ISO-8859-2"?><r>` + "\u0161koda</r>",
			wantCharset: "iso-8859-2",
		},
		{
			name:        "xhtml xml declaration",
			body:        `<?xml version='1.0' encoding='iso-8859-2'?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>` + "\xb9" + `koda</p></body></html>`,
			ct:          "application/xhtml+xml",
			wantText:    "\u0161koda",
			wantCharset: "iso-8859-2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustText(t, []byte(tt.body), tt.ct, Options{})
			if r.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", r.Text, tt.wantText)
			}
			if r.Charset != tt.wantCharset {
				t.Errorf("Charset = %q, want %q", r.Charset, tt.wantCharset)
			}
			if !utf8.ValidString(r.Text) {
				t.Errorf("Text is not valid UTF-8: %q", r.Text)
			}
		})
	}
}

func TestUTF16BOM(t *testing.T) {
	src := "<html><head><title>Título</title></head><body><p>“Sanctuary” café</p></body></html>"
	for _, tt := range []struct {
		name    string
		order   unicode.Endianness
		charset string
	}{
		{"little endian", unicode.LittleEndian, "utf-16le"},
		{"big endian", unicode.BigEndian, "utf-16be"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, err := unicode.UTF16(tt.order, unicode.UseBOM).NewEncoder().Bytes([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			// No Content-Type: sniffing must see through the BOM.
			r := mustText(t, body, "", Options{})
			if r.MediaType != "text/html" || r.Charset != tt.charset {
				t.Errorf("MediaType, Charset = %q, %q; want text/html, %s", r.MediaType, r.Charset, tt.charset)
			}
			if r.Text != "“Sanctuary” café" || r.Title != "Título" {
				t.Errorf("Text, Title = %q, %q", r.Text, r.Title)
			}
		})
	}
}

func TestContentCharset(t *testing.T) {
	tests := []struct{ in, want string }{
		{"text/html; charset=utf-8", "utf-8"},
		{"text/html;charset = \"ISO-8859-1\"", "ISO-8859-1"},
		{"text/html; CHARSET='koi8-r'; foo=bar", "koi8-r"},
		{"text/html; charset=windows-1252 ", "windows-1252"},
		{"text/html; charsetx; charset=utf-8", "utf-8"},
		{"text/html", ""},
		{"text/html; charset=\"unterminated", ""},
	}
	for _, tt := range tests {
		if got := contentCharset(tt.in); got != tt.want {
			t.Errorf("contentCharset(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
