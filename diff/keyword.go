package diff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ktok is a token for keyword matching: a lower-cased word (split at
// hyphens and apostrophes, so that "sanctuary" is found in
// "anti-sanctuary" and "sanctuary's") or one punctuation character, with
// the whitespace that precedes it.
type ktok struct {
	text  string
	space bool // whitespace comes before the token
	brk   bool // a line break comes before the token
}

// kwSplit splits s into keyword tokens. Digits joined by '.', ',', ':' or
// '/' stay one word ("12,300", "1.5"), as in tokenize.
func kwSplit(s string) []ktok {
	t := tokenize(s)
	out := make([]ktok, 0, t.n()/2+1)
	space, brk := false, false
	add := func(text string) {
		out = append(out, ktok{text: text, space: space, brk: brk})
		space, brk = false, false
	}
	for i := 0; i < t.n(); i++ {
		switch t.kind[i] {
		case kindSpace:
			space = true
			continue
		case kindNewline:
			space, brk = true, true
			continue
		case kindPunct:
			add(foldPunct(t.tok(i)))
			continue
		}
		w := strings.ToLower(t.tok(i))
		for w != "" {
			j := strings.IndexFunc(w, isJoiner)
			if j < 0 {
				add(w)
				break
			}
			_, n := utf8.DecodeRuneInString(w[j:])
			if j > 0 {
				add(w[:j])
			}
			add(foldPunct(w[j : j+n]))
			w = w[j+n:]
		}
	}
	return out
}

// isJoiner reports whether r is a hyphen or apostrophe that tokenize keeps
// inside a word.
func isJoiner(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u02BC', '-', '\u2010', '\u2011':
		return true
	}
	return false
}

// foldPunct maps typographic apostrophes and hyphens to their ASCII forms.
func foldPunct(p string) string {
	switch p {
	case "\u2019", "\u02BC":
		return "'"
	case "\u2010", "\u2011":
		return "-"
	}
	return p
}

// keywords matches a list of watched terms in texts.
//
// A term matches case-insensitively, at word boundaries, as a whole
// sequence of words and punctuation: where the term has whitespace the text
// must have some (any amount, but not a line break), and where it has none
// the text must have none, so punctuation inside a term ("8 U.S.C. 1373")
// matches literally. A term ending in a letter also matches its plural in
// -s, -es or (for -y) -ies: "detainer" finds "Detainers", "sanctuary" finds
// "sanctuaries".
type keywords struct {
	terms []string         // as given, trimmed and deduplicated, in order
	pats  [][]ktok         // tokens of each term
	first map[string][]int // first token -> terms starting with it
}

// newKeywords compiles terms. Blank terms and case-insensitive duplicates
// are dropped.
func newKeywords(terms []string) *keywords {
	k := &keywords{first: map[string][]int{}}
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.Join(strings.Fields(t), " ")
		p := kwSplit(t)
		if len(p) == 0 || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		k.first[p[0].text] = append(k.first[p[0].text], len(k.terms))
		k.terms = append(k.terms, t)
		k.pats = append(k.pats, p)
	}
	return k
}

// count returns how often each term occurs in s, by term index. Its cost is
// linear in len(s): each token is looked up under at most four spellings,
// and only terms starting with that token are compared.
func (k *keywords) count(s string) []int {
	n := make([]int, len(k.terms))
	k.scan(kwSplit(s), func(i int) { n[i]++ })
	return n
}

// scan calls found with the index of every term occurrence in ts. Each
// token is looked up as written and as the singulars it may be a plural of
// ("parties": "partie", "parti", "party").
func (k *keywords) scan(ts []ktok, found func(term int)) {
	if len(k.terms) == 0 {
		return
	}
	try := func(key string, at []ktok) {
		for _, term := range k.first[key] {
			if k.matchAt(k.pats[term], at) {
				found(term)
			}
		}
	}
	for i, t := range ts {
		w := t.text
		try(w, ts[i:])
		s, ok := strings.CutSuffix(w, "s")
		if !ok || s == "" {
			continue
		}
		try(s, ts[i:])
		if e, ok := strings.CutSuffix(s, "e"); ok && e != "" {
			try(e, ts[i:])
			if y, ok := strings.CutSuffix(e, "i"); ok && y != "" {
				try(y+"y", ts[i:])
			}
		}
	}
}

// matchAt reports whether pattern p matches at the start of ts.
func (k *keywords) matchAt(p, ts []ktok) bool {
	if len(ts) < len(p) {
		return false
	}
	for j, pt := range p {
		t := ts[j]
		if j > 0 && (t.brk || t.space != pt.space) {
			return false
		}
		if j == len(p)-1 {
			return t.text == pt.text || isPlural(t.text, pt.text)
		}
		if t.text != pt.text {
			return false
		}
	}
	return true
}

// isPlural reports whether w is a plural of term in -s, -es or -ies. Only
// terms that end in a letter have plurals.
func isPlural(w, term string) bool {
	r, _ := utf8.DecodeLastRuneInString(term)
	if !unicode.IsLetter(r) {
		return false
	}
	rest, ok := strings.CutPrefix(w, term)
	if ok && (rest == "s" || rest == "es") {
		return true
	}
	stem, ok := strings.CutSuffix(term, "y")
	return ok && stem != "" && w == stem+"ies"
}
