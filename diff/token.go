package diff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind classifies a token.
type kind uint8

const (
	kindWord    kind = iota // a run of letters, digits and marks, or one ideograph
	kindSpace               // a run of whitespace other than '\n'
	kindNewline             // one '\n'
	kindPunct               // any other single rune (or invalid byte)
)

// text is a tokenised input: token i is s[off[i]:off[i+1]].
type text struct {
	s    string
	off  []int
	kind []kind // nil for line-tokenised texts
}

// n returns the number of tokens.
func (t *text) n() int { return len(t.off) - 1 }

// tok returns token i.
func (t *text) tok(i int) string { return t.s[t.off[i]:t.off[i+1]] }

// slice returns the text of tokens [i, j).
func (t *text) slice(i, j int) string { return t.s[t.off[i]:t.off[j]] }

// words counts the word tokens in [i, j).
func (t *text) words(i, j int) int {
	n := 0
	for _, k := range t.kind[i:j] {
		if k == kindWord {
			n++
		}
	}
	return n
}

// tokenize splits s into words, whitespace runs, newlines and single
// punctuation characters. Concatenating the tokens gives s back byte for
// byte, invalid UTF-8 included.
func tokenize(s string) text {
	// Policy text runs to about one token in three bytes; punctuation
	// pushes it higher, and a slice grown by doubling copies everything.
	t := text{s: s, off: make([]int, 0, len(s)*2/5+2), kind: make([]kind, 0, len(s)*2/5+1)}
	for i := 0; i < len(s); {
		start := i
		var k kind
		switch c := s[i]; {
		case asciiWord(c):
			i, k = scanWord(s, i+1, rune(c)), kindWord
		case c == ' ' && (i+1 == len(s) || s[i+1] > ' ' && s[i+1] < utf8.RuneSelf):
			i, k = i+1, kindSpace // the usual single space
		default:
			i, k = tokenAt(s, i)
		}
		t.off = append(t.off, start)
		t.kind = append(t.kind, k)
	}
	t.off = append(t.off, len(s))
	return t
}

// tokenAt returns the end and kind of the token that starts at s[i].
func tokenAt(s string, i int) (int, kind) {
	r, n := utf8.DecodeRuneInString(s[i:])
	i += n
	k := kindPunct
	switch {
	case r == '\n':
		k = kindNewline
	case isSpace(r):
		k = kindSpace
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == '\n' || !isSpace(r) {
				break
			}
			i += n
		}
	case isIdeograph(r):
		k = kindWord
		i = skipMarks(s, i)
	case isWordRune(r):
		k = kindWord
		i = scanWord(s, i, r)
	}
	return i, k
}

// scanWord returns the end of the word that starts with prev and continues
// at s[i:]. An apostrophe or hyphen between two word runes stays inside the
// word ("don't", "co-operate"), and so does a '.', ',', ':' or '/' between
// two digits ("3,000", "4.2", "10:30", "1/2").
func scanWord(s string, i int, prev rune) int {
	for i < len(s) {
		if c := s[i]; asciiWord(c) {
			prev = rune(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) && !isIdeograph(r) {
			prev = r
			i += n
			continue
		}
		if i+n < len(s) {
			next, n2 := utf8.DecodeRuneInString(s[i+n:])
			if isWordRune(next) && !isIdeograph(next) && joins(prev, r, next) {
				prev = next
				i += n + n2
				continue
			}
		}
		break
	}
	return i
}

// joins reports whether sep between prev and next belongs to one word.
func joins(prev, sep, next rune) bool {
	switch sep {
	case '\'', '\u2019', '\u02BC', '-', '\u2010', '\u2011':
		return true
	case '.', ',', ':', '/':
		return unicode.IsDigit(prev) && unicode.IsDigit(next)
	}
	return false
}

// skipMarks returns the index after any combining marks at s[i:].
func skipMarks(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsMark(r) {
			break
		}
		i += n
	}
	return i
}

// isSpace reports whether r is whitespace.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\r' || r == '\v' || r == '\f'
	}
	return unicode.IsSpace(r)
}

// asciiWord reports whether c is an ASCII letter or digit: the ASCII
// bytes isWordRune accepts.
func asciiWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isWordRune reports whether r can be part of a word.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// isIdeograph reports whether r is written without spaces between words
// (Han, Hiragana, Katakana); each such rune is a word of its own.
func isIdeograph(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// kindOf classifies a single token.
func kindOf(tok string) kind {
	r, _ := utf8.DecodeRuneInString(tok)
	switch {
	case r == '\n':
		return kindNewline
	case isSpace(r):
		return kindSpace
	case isWordRune(r) || isIdeograph(r):
		return kindWord
	}
	return kindPunct
}

// countWords counts the words in s.
func countWords(s string) int {
	t := tokenize(s)
	return t.words(0, t.n())
}

// splitLines splits s into lines, each keeping its '\n'; the last line may
// lack one.
func splitLines(s string) text {
	t := text{s: s, off: make([]int, 0, 64)}
	for i := 0; i < len(s); {
		t.off = append(t.off, i)
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			i += j + 1
		} else {
			i = len(s)
		}
	}
	t.off = append(t.off, len(s))
	return t
}

// interner gives each distinct token its own rune so that go-diff can
// compare tokens as characters. Runes are handed out in order from 0,
// skipping the surrogate range, which string conversion would replace with
// U+FFFD and so merge distinct tokens.
type interner struct {
	ids  map[string]rune
	next rune
}

// maxTokens is how many distinct tokens fit in the valid rune range.
const maxTokens = unicode.MaxRune + 1 - (0xDFFF - 0xD800 + 1)

func newInterner(hint int) *interner {
	return &interner{ids: make(map[string]rune, hint)}
}

// runes maps every token of t to its rune. It reports false when the text
// holds more distinct tokens than there are runes.
func (in *interner) runes(t *text) ([]rune, bool) {
	out := make([]rune, t.n())
	for i := range out {
		tok := t.tok(i)
		r, ok := in.ids[tok]
		if !ok {
			if in.next > unicode.MaxRune {
				return nil, false
			}
			r = in.next
			in.ids[tok] = r
			in.next = nextRune(r)
		}
		out[i] = r
	}
	return out, true
}

// nextRune returns the rune after r, skipping surrogates.
func nextRune(r rune) rune {
	r++
	if r == 0xD800 {
		r = 0xE000
	}
	return r
}
