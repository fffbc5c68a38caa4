package diff

import (
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// span is one run of a token-level diff: tokens [a0, a1) of the old text and
// [b0, b1) of the new. An equal span has as many tokens on both sides; a
// change span deletes its old tokens and inserts its new ones.
type span struct {
	eq     bool
	a0, a1 int
	b0, b1 int
}

// size is the larger side of a span, in tokens.
func (s span) size() int { return max(s.a1-s.a0, s.b1-s.b0) }

// empty reports whether the span covers no token.
func (s span) empty() bool { return s.a0 == s.a1 && s.b0 == s.b1 }

// diffRunes diffs two rune strings (one rune per token or line) and reports
// whether the deadline was reached, in which case the part of the diff that
// was still being searched is one coarse change.
//
// It trims the common prefix and suffix itself and hands the middle to
// go-diff's DiffBisect with an explicit deadline and DiffTimeout left at 0.
// DiffMainRunes would enable go-diff's half-match heuristic, which has no
// time check and is quadratic on repetitive input (a megabyte of "a b a b"
// takes minutes); the bisection itself is bounded by the deadline.
func diffRunes(a, b []rune, deadline time.Time) ([]span, bool) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	out := make([]span, 0, 8)
	out = append(out, span{eq: true, a0: 0, a1: p, b0: 0, b1: p})
	ae, be := len(a)-s, len(b)-s
	timedOut := false
	switch {
	case p == ae || p == be:
		out = append(out, span{a0: p, a1: ae, b0: p, b1: be})
	case !time.Now().Before(deadline):
		out = append(out, span{a0: p, a1: ae, b0: p, b1: be})
		timedOut = true
	default:
		dmp := diffmatchpatch.New()
		dmp.DiffTimeout = 0
		var diffs []diffmatchpatch.Diff
		if min(ae, be)-p == 1 {
			// DiffBisect indexes out of range on two single runes; with one
			// rune on a side DiffMainRunes only scans for it, in linear time.
			diffs = dmp.DiffMainRunes(a[p:ae], b[p:be], false)
		} else {
			diffs = dmp.DiffBisect(string(a[p:ae]), string(b[p:be]), deadline)
			timedOut = time.Now().After(deadline)
		}
		mid, ok := spansOf(diffs, p, p, ae, be)
		if !ok {
			// go-diff lost or added tokens: never expected, but a coarse
			// correct diff beats a wrong one.
			mid = []span{{a0: p, a1: ae, b0: p, b1: be}}
		}
		out = append(out, mid...)
	}
	out = append(out, span{eq: true, a0: ae, a1: len(a), b0: be, b1: len(b)})
	return normalize(out), timedOut
}

// spansOf turns go-diff's output, whose texts hold one rune per token, into
// spans starting at tokens i and j. It reports false unless the diff ends
// exactly at tokens ae and be.
func spansOf(diffs []diffmatchpatch.Diff, i, j, ae, be int) ([]span, bool) {
	out := make([]span, 0, len(diffs))
	for _, d := range diffs {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			out = append(out, span{eq: true, a0: i, a1: i + n, b0: j, b1: j + n})
			i += n
			j += n
		case diffmatchpatch.DiffDelete:
			out = append(out, span{a0: i, a1: i + n, b0: j, b1: j})
			i += n
		case diffmatchpatch.DiffInsert:
			out = append(out, span{a0: i, a1: i, b0: j, b1: j + n})
			j += n
		}
	}
	return out, i == ae && j == be
}

// coarse diffs two token lists without go-diff: common prefix and suffix,
// and everything between as one change. It serves inputs with more distinct
// tokens than there are runes.
func coarse(a, b *text) []span {
	na, nb := a.n(), b.n()
	p := 0
	for p < na && p < nb && a.tok(p) == b.tok(p) {
		p++
	}
	s := 0
	for s < na-p && s < nb-p && a.tok(na-1-s) == b.tok(nb-1-s) {
		s++
	}
	return normalize([]span{
		{eq: true, a0: 0, a1: p, b0: 0, b1: p},
		{a0: p, a1: na - s, b0: p, b1: nb - s},
		{eq: true, a0: na - s, a1: na, b0: nb - s, b1: nb},
	})
}

// normalize drops empty spans and merges neighbours of the same kind, so
// that equal and change spans alternate. It works in place.
func normalize(spans []span) []span {
	out := spans[:0]
	for _, s := range spans {
		if s.empty() {
			continue
		}
		if n := len(out); n > 0 && out[n-1].eq == s.eq {
			out[n-1].a1, out[n-1].b1 = s.a1, s.b1
			continue
		}
		out = append(out, s)
	}
	return out
}

// semantic folds into the surrounding changes every equality that is no
// longer than the changes on both sides of it (go-diff's
// DiffCleanupSemantic rule, counted in tokens), so that a rewritten sentence
// reads as one replacement rather than confetti around shared spaces and
// common words. spans must alternate; it works in place in linear time.
func semantic(spans []span) []span {
	out := spans[:0]
	for _, s := range spans {
		out = append(out, s)
		for n := len(out); n >= 3; n = len(out) {
			p, e, c := out[n-3], out[n-2], out[n-1]
			if p.eq || !e.eq || c.eq {
				break
			}
			if l := e.a1 - e.a0; l > p.size() || l > c.size() {
				break
			}
			out = append(out[:n-3], span{a0: p.a0, a1: c.a1, b0: p.b0, b1: c.b1})
		}
	}
	return out
}

// factor moves tokens that a change deletes and inserts again at its start
// or end out into the neighbouring equalities.
func factor(spans []span, a, b []rune) []span {
	out := make([]span, 0, len(spans)+8)
	for _, s := range spans {
		if s.eq || s.a0 == s.a1 || s.b0 == s.b1 {
			out = append(out, s)
			continue
		}
		p := 0
		for s.a0+p < s.a1 && s.b0+p < s.b1 && a[s.a0+p] == b[s.b0+p] {
			p++
		}
		q := 0
		for s.a1-q > s.a0+p && s.b1-q > s.b0+p && a[s.a1-1-q] == b[s.b1-1-q] {
			q++
		}
		out = append(out,
			span{eq: true, a0: s.a0, a1: s.a0 + p, b0: s.b0, b1: s.b0 + p},
			span{a0: s.a0 + p, a1: s.a1 - q, b0: s.b0 + p, b1: s.b1 - q},
			span{eq: true, a0: s.a1 - q, a1: s.a1, b0: s.b1 - q, b1: s.b1})
	}
	return normalize(out)
}

// align slides every pure insertion or deletion along the equal tokens
// around it to the position that best matches word and line boundaries:
// "may {+not +}approve" rather than "may{+ not+} approve", a whole inserted
// line starting at the start of a line. spans must alternate. The total
// work is linear: each equality is walked by at most its two neighbours.
func align(spans []span, a, b []rune, ta, tb *text) []span {
	if len(spans) == 0 {
		return spans
	}
	// Equal sentinels at both ends give every change two neighbours.
	if !spans[0].eq {
		spans = append([]span{{eq: true}}, spans...)
	}
	if last := spans[len(spans)-1]; !last.eq {
		spans = append(spans, span{eq: true, a0: last.a1, a1: last.a1, b0: last.b1, b1: last.b1})
	}
	for i := 1; i < len(spans)-1; i++ {
		c := &spans[i]
		if c.eq || (c.a0 != c.a1 && c.b0 != c.b1) {
			continue
		}
		prev, next := &spans[i-1], &spans[i+1]
		ids, t, e0, e1 := a, ta, c.a0, c.a1
		if c.a0 == c.a1 {
			ids, t, e0, e1 = b, tb, c.b0, c.b1
		}
		// An equality may only vanish at the ends of the text; between two
		// changes it must keep a token or the changes would touch.
		keepPrev, keepNext := 1, 1
		if i-1 == 0 {
			keepPrev = 0
		}
		if i+1 == len(spans)-1 {
			keepNext = 0
		}
		left := 0
		for prev.a1-prev.a0-left > keepPrev && ids[e0-1-left] == ids[e1-1-left] {
			left++
		}
		right := 0
		for next.a1-next.a0-right > keepNext && ids[e0+right] == ids[e1+right] {
			right++
		}
		if left == 0 && right == 0 {
			continue
		}
		best, bestScore := 0, -1
		for o := -left; o <= right; o++ {
			sc := boundaryScore(t, e0+o) + boundaryScore(t, e1+o)
			if sc >= bestScore {
				best, bestScore = o, sc
			}
		}
		c.a0, c.a1, c.b0, c.b1 = c.a0+best, c.a1+best, c.b0+best, c.b1+best
		prev.a1, prev.b1 = prev.a1+best, prev.b1+best
		next.a0, next.b0 = next.a0+best, next.b0+best
	}
	return normalize(spans)
}

// boundaryScore rates a cut of t before token i: highest at the ends of the
// text and at line starts, then before a newline, after a space, after
// punctuation; lowest inside a run of word and punctuation tokens.
func boundaryScore(t *text, i int) int {
	if i == 0 || i == t.n() {
		return 10
	}
	p, q := t.kind[i-1], t.kind[i]
	switch {
	case p == kindNewline:
		return 8
	case q == kindNewline:
		return 6
	case p == kindSpace && q != kindSpace:
		return 4
	case p == kindPunct && q == kindSpace:
		return 3
	case q == kindSpace:
		return 2
	case p == kindPunct || q == kindPunct:
		return 1
	}
	return 0
}
