// Package noise decides what a comparison of two captures ignores: the
// typographic variants, date stamps, counters, tokens and cache-busters that
// change from one fetch to the next without any change of wording, and the
// blocks of a page learned to change at (almost) every check.
//
// Rules.Canonical turns an extracted text (one block per line) into the text
// two captures are compared on. It works line by line:
//
//  1. Unicode folding, always applied: curly single quotes and primes
//     (‘ ’ ‚ ‛ ′) become ', curly double quotes and double primes (“ ” „ ‟ ″)
//     become ", the ligatures U+FB00–FB06 (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) become their
//     letters, "…" becomes "...", every Unicode space (NBSP, thin, figure,
//     ideographic...) becomes a space, the soft hyphen, zero-width
//     characters and bidi marks are removed, runs of spaces collapse to one
//     and lines are trimmed; empty lines are dropped. En and em dashes and
//     the minus sign are kept: unlike the folded characters they are not
//     variants of one character (ranges, parentheticals and negative numbers
//     are written with them), so a change between them stays visible.
//  2. The user's ignore patterns, in order: every match is removed; a line
//     left empty is dropped.
//  3. The default rules (see DefaultRules), when enabled: volatile text is
//     replaced by a placeholder (PlaceholderDate...), so that the words
//     around it are still compared.
//
// A number or date outside the narrow contexts of the default rules is
// always kept: "within 24 hours" and "within 48 hours" differ, and so do two
// effective dates of a law. Ignored lists what was left out, for display.
//
// Two captures should be compared with Pair rather than with two Canonical
// calls: it masks a date near either fetch day in both texts alike.
// Compile costs a few milliseconds (the default rules are compiled each
// time); callers keep the *Rules of a target for its later checks.
//
// Mojibake counts the traces of a page decoded with the wrong charset, for
// callers to refuse a capture that is damaged rather than report every
// accented word as changed.
//
// Volatility learns, per target, the blocks (see BlockKeys) that change at
// almost every check while the rest of the page does not.
package noise

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
	"unicode/utf8"
)

// Rules decide which text is ignored when two captures are compared. They
// are immutable after Compile and safe for concurrent use. A nil *Rules
// applies the Unicode folding only.
type Rules struct {
	user []userRule
	def  *defaultSet // nil when the default rules are off
}

// Match is one piece of text that Canonical ignored.
type Match struct {
	Line int    `json:"line"` // 1-based line of the text given to Ignored
	Text string `json:"text"` // the ignored text, after Unicode folding
	Rule string `json:"rule"` // a default rule's name, or "ignore[i]" for the i-th user pattern (from 0)
}

// PatternError reports an ignore pattern that does not compile.
type PatternError struct {
	Index   int    // position in the list given to Compile
	Pattern string // the pattern as written
	Err     error  // the regexp package's error
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("ignore pattern %d %q: %v", e.Index, e.Pattern, e.Err)
}

func (e *PatternError) Unwrap() error { return e.Err }

// CompilePattern reports whether p is a valid ignore pattern: a Go regular
// expression (RE2 syntax, as regexp.Compile accepts). Config validation
// calls it so that a bad pattern fails at load time.
func CompilePattern(p string) error {
	_, err := regexp.Compile(p)
	return err
}

// Compile compiles the user's ignore patterns (Go regular expressions, RE2
// syntax) and, when defaults is true, the built-in rules. The error is a
// *PatternError naming the first bad pattern and its index.
//
// A pattern is matched against each line separately, after Unicode folding
// (so ^ and $ anchor at the line's ends, and a pattern cannot span lines).
// The pattern itself is folded too, so one copied from the page with curly
// quotes or a NBSP still matches; use (?i) for a case-insensitive pattern.
func Compile(ignore []string, defaults bool) (*Rules, error) {
	r := &Rules{}
	for i, p := range ignore {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, &PatternError{Index: i, Pattern: p, Err: err}
		}
		if f := foldSlow(p); f != p {
			if fre, err := regexp.Compile(f); err == nil {
				re = fre
			}
		}
		r.user = append(r.user, newUserRule(re))
	}
	if defaults {
		r.def = compileDefaults()
	}
	return r, nil
}

// Canonical returns the text two captures are compared on: text (an
// extracted text, one block per line) with the ignored parts removed or
// replaced by placeholders. fetched is when the capture was fetched; it
// decides which dates are "the fetch day" (a zero time: none are).
// Canonical is idempotent and takes a few milliseconds for 150 KB.
//
// Comparing Canonical(old, oldFetched) with Canonical(new, newFetched) masks
// a date near one fetch day and not the other; Pair avoids that.
func (r *Rules) Canonical(text string, fetched time.Time) string {
	c := run{win: windowOf(fetched)}
	return r.canon(text, &c)
}

// Pair returns the canonical texts of two captures that are compared with
// each other. It is Canonical on each, except that a date is taken as "the
// fetch day" in both texts when it is within a day of either fetch time: a
// date that stays on the page ("Posted September 29, 2017") is then masked
// in both captures or in neither, instead of turning from a placeholder
// into a date when the fetch days move past it.
func (r *Rules) Pair(old string, oldFetched time.Time, new string, newFetched time.Time) (string, string) {
	w := windowOf(oldFetched, newFetched)
	a, b := run{win: w}, run{win: w}
	return r.canon(old, &a), r.canon(new, &b)
}

// Ignored returns what Canonical(text, fetched) removes or replaces, in
// order, for display. The Unicode folding is not reported.
func (r *Rules) Ignored(text string, fetched time.Time) []Match {
	c := run{win: windowOf(fetched), collect: true}
	r.canon(text, &c)
	return c.matches
}

// canon is Canonical with the state of one call.
func (r *Rules) canon(text string, c *run) string {
	var b strings.Builder
	b.Grow(len(text))
	n := 0
	for line := range strings.SplitSeq(text, "\n") {
		c.line++
		l := fold(line)
		if l == "" {
			continue
		}
		if r != nil {
			for i, u := range r.user {
				if u.mayMatch(l) {
					l = c.remove(l, u.re, i)
				}
			}
			if l == "" {
				continue
			}
			if r.def != nil {
				l = r.def.apply(l, c)
				c.afterStamp = endsWithStamp(l)
			}
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		n++
	}
	return b.String()
}

// userRule is a compiled ignore pattern and a literal that every match
// holds, if the pattern has one: lines without it are skipped without
// running the pattern (Go's regexp only skips ahead on a case-sensitive
// literal prefix, so "(?i)visitors online: \d+" would otherwise cost
// several milliseconds per 150 KB).
type userRule struct {
	re   *regexp.Regexp
	lit  string // "" when unknown; lower case when fold
	fold bool
}

func newUserRule(re *regexp.Regexp) userRule {
	u := userRule{re: re}
	p, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return u
	}
	p = p.Simplify()
	subs := []*syntax.Regexp{p}
	if p.Op == syntax.OpConcat {
		subs = p.Sub
	}
	for _, sub := range subs {
		if sub.Op != syntax.OpLiteral || len(sub.Rune) <= len(u.lit) {
			continue
		}
		lit, fold := string(sub.Rune), sub.Flags&syntax.FoldCase != 0
		if fold {
			lit = strings.ToLower(lit)
			if !asciiOnly(lit) {
				continue
			}
		}
		u.lit, u.fold = lit, fold
	}
	return u
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// mayMatch reports whether line holds the rule's literal (or the rule has
// none).
func (u userRule) mayMatch(line string) bool {
	switch {
	case u.lit == "":
		return true
	case !u.fold:
		return strings.Contains(line, u.lit)
	}
	// Only two characters outside ASCII fold to ASCII letters: the Kelvin
	// sign to k and the long s to s. A line holding them is not skipped.
	if strings.ContainsAny(u.lit, "ks") && (strings.Contains(line, "\u212A") || strings.Contains(line, "\u017F")) {
		return true
	}
	first := u.lit[0]
	for i := 0; i+len(u.lit) <= len(line); i++ {
		if (line[i] == first || line[i]|0x20 == first && isLetter(first)) && strings.EqualFold(line[i:i+len(u.lit)], u.lit) {
			return true
		}
	}
	return false
}

// run is the state of one Canonical or Ignored call.
type run struct {
	win        window
	afterStamp bool    // the previous line ended with the words of a stamp
	collect    bool    // record matches
	line       int     // current line, from 1
	matches    []Match // recorded when collect is set
}

func (c *run) note(rule, text string) {
	if c.collect {
		c.matches = append(c.matches, Match{Line: c.line, Text: text, Rule: rule})
	}
}

// remove deletes the matches of the i-th user pattern from s. A removal can
// make a new match ("aabb" without "ab" is "ab"), so it repeats, a few times
// at most, until nothing matches: that keeps Canonical idempotent.
func (c *run) remove(s string, re *regexp.Regexp, i int) string {
	for range 8 {
		locs := re.FindAllStringIndex(s, -1)
		var b strings.Builder
		last := 0
		for _, m := range locs {
			if m[0] == m[1] {
				continue
			}
			if c.collect {
				c.note(fmt.Sprintf("ignore[%d]", i), s[m[0]:m[1]])
			}
			b.WriteString(s[last:m[0]])
			last = m[1]
		}
		if last == 0 {
			return s
		}
		b.WriteString(s[last:])
		s = collapse(b.String())
	}
	return s
}

// replace rewrites the matches of re in s. For each match m (submatch
// indexes), f returns the span of s to replace, which must lie within the
// match, its replacement, and whether to replace at all.
func (c *run) replace(s string, re *regexp.Regexp, rule string, f func(s string, m []int) (start, end int, repl string, ok bool)) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last, changed := 0, false
	for _, m := range ms {
		start, end, repl, ok := f(s, m)
		if !ok || start < last || end < start {
			continue
		}
		c.note(rule, s[start:end])
		b.WriteString(s[last:start])
		b.WriteString(repl)
		last, changed = end, true
	}
	if !changed {
		return s
	}
	b.WriteString(s[last:])
	return collapse(b.String())
}

// replaceRuns replaces runs of token bytes that look like generated ids
// (see randomRun) with PlaceholderID.
func (c *run) replaceRuns(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !tokenByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && tokenByte(s[j]) {
			j++
		}
		run := s[i:j]
		for k := 0; k < 2 && j < len(s) && s[j] == '='; k++ { // base64 padding
			j++
		}
		if j-i >= 24 && (randomRun(run) || isUUID(run)) && !inURLPath(s, i) {
			c.note(RuleToken, s[i:j])
			b.WriteString(s[last:i])
			b.WriteString(PlaceholderID)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// inURLPath reports whether s[i] is in the path of a URL written in the
// text (before its "?", ";" or "#"): ids there name a document, and a link
// to another document is a change.
func inURLPath(s string, i int) bool {
	word := s[strings.LastIndexByte(s[:i], ' ')+1 : i]
	return urlStart(word) && !strings.ContainsAny(word, "?;#")
}

// isUUID reports a UUID: 8-4-4-4-12 hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			b := s[i] | 0x20
			if !isDigit(s[i]) && (b < 'a' || b > 'f') {
				return false
			}
		}
	}
	return true
}
