package noise

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldRune maps one rune of the folding table (see Rules): ok is false for a
// rune kept as it is. An empty repl removes the rune; " " is whitespace to
// collapse.
func foldRune(r rune) (repl string, ok bool) {
	switch r {
	case '\u2018', '\u2019', '\u201A', '\u201B', '\u2032': // ‘ ’ ‚ ‛ ′
		return "'", true
	case '\u201C', '\u201D', '\u201E', '\u201F', '\u2033': // “ ” „ ‟ ″
		return `"`, true
	case '\uFB00':
		return "ff", true
	case '\uFB01':
		return "fi", true
	case '\uFB02':
		return "fl", true
	case '\uFB03':
		return "ffi", true
	case '\uFB04':
		return "ffl", true
	case '\uFB05', '\uFB06': // ﬅ (long s + t), ﬆ
		return "st", true
	case '\u2026': // …
		return "...", true
	case '\u00AD', // soft hyphen
		'\u200B', '\u200C', '\u200D', // zero width space, non-joiner, joiner
		'\u200E', '\u200F', // left-to-right and right-to-left marks
		'\u2060', // word joiner
		'\uFEFF': // zero width no-break space / byte order mark
		return "", true
	}
	if r == ' ' || unicode.IsSpace(r) { // NBSP, thin, figure, ideographic spaces, tabs...
		return " ", true
	}
	return "", false
}

// plain reports an ASCII byte that folding keeps: not a space or another
// whitespace byte.
func plain(c byte) bool {
	return c < utf8.RuneSelf && c != ' ' && (c > '\r' || c < '\t')
}

// fold applies the folding table to one line, collapses whitespace runs to
// one space and trims both ends. It returns s itself when s needs no change,
// which is the common case and costs no allocation.
func fold(s string) string {
	prevSpace := true // a leading space needs trimming
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case plain(c):
			prevSpace = false
			i++
		case c == ' ':
			if prevSpace {
				return foldSlow(s)
			}
			prevSpace = true
			i++
		case c < utf8.RuneSelf: // other whitespace
			return foldSlow(s)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if _, ok := foldRune(r); ok {
				return foldSlow(s)
			}
			prevSpace = false
			i += size
		}
	}
	if prevSpace && s != "" { // trailing space
		return foldSlow(s)
	}
	return s
}

// foldSlow is fold building a new string. Bytes that are not valid UTF-8
// are kept as they are.
func foldSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && plain(s[j]) {
			j++
		}
		if j > i {
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := rune(s[i]), 1
		if s[i] >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		repl, ok := foldRune(r)
		switch {
		case !ok:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(s[i : i+size])
		case repl == " ":
			space = b.Len() > 0
		case repl != "":
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(repl)
		}
		i += size
	}
	return b.String()
}

// collapse collapses runs of ASCII spaces left by a removal and trims the
// line. It is cheaper than fold on text that is already folded.
func collapse(s string) string {
	if !strings.Contains(s, "  ") && (s == "" || (s[0] != ' ' && s[len(s)-1] != ' ')) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
