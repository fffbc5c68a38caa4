package extract

import (
	"strings"
	"unicode"
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
// are left as they are.
func normalizeLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending
	for _, r := range s {
		switch {
		case invisible(r):
		case unicode.IsSpace(r):
			space = b.Len() > 0
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
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
