package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// invisible reports runes removed outright: the soft hyphen and zero-width
// characters. They change bytes without changing what a reader sees, so
// they would only make noise in a diff.
func invisible(r rune) bool {
	switch r {
	case '\u00AD', // soft hyphen
		'\u200B', // zero width space
		'\u200C', // zero width non-joiner
		'\u200D', // zero width joiner
		'\u2060', // word joiner
		'\uFEFF': // zero width no-break space / byte order mark
		return true
	}
	return false
}

// normalizeLine collapses every run of whitespace (any Unicode space: NBSP,
// thin space, ideographic space, line separators, tabs, newlines...) to one
// ASCII space, removes invisible runes and trims both ends. Other characters
// are left as they are. A line already in that form comes back as is, and
// runs of ASCII are copied whole.
func normalizeLine(s string) string {
	if normalASCII(s) {
		return s
	}
	return normalizeSlow(s)
}

// normalizeSlow is normalizeLine for a line normalASCII has turned down.
func normalizeSlow(s string) string {
	return string(appendNormal(make([]byte, 0, len(s)), s))
}

// appendNormal appends normalizeLine(s) to dst.
func appendNormal[T string | []byte](dst []byte, s T) []byte {
	start := len(dst)
	space := false // a space is pending
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] > ' ' && s[j] < utf8.RuneSelf {
			j++
		}
		if j > i {
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			// U+FFFD for a bad byte, as range gives. At most four bytes
			// are converted: no copy of a []byte's rest.
			r, n = utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		}
		i += n
		switch {
		case r < utf8.RuneSelf && asciiSpace(byte(r)), r >= utf8.RuneSelf && unicode.IsSpace(r):
			space = len(dst) > start
		case invisible(r):
		default:
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// appendNormalBytes is appendNormal with normalizeLine's fast path: a line
// already in normal form is appended as it is.
func appendNormalBytes(dst, b []byte) []byte {
	if normalASCII(b) {
		return append(dst, b...)
	}
	return appendNormal(dst, b)
}

// normalASCII reports whether s is ASCII that normalizeLine would leave as
// it is: single spaces between other characters, no other white space.
func normalASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c > ' ' && c < utf8.RuneSelf:
		case c == ' ' && i > 0 && i < len(s)-1 && s[i+1] != ' ':
		case c < ' ' && !asciiSpace(c):
		default:
			return false
		}
	}
	return true
}

// asciiSpace reports the ASCII runes unicode.IsSpace reports.
func asciiSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// plainLines splits decoded plain text into normalised, non-empty lines.
// CRLF and lone CR end lines like LF.
func plainLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var lines []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = normalizeLine(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
