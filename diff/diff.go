// Package diff computes word-level differences between two extracted page
// texts, on top of github.com/sergi/go-diff.
//
// Texts are tokenised into words, whitespace runs, newlines and single
// punctuation characters; each distinct token becomes one rune, go-diff runs
// on the rune strings under a time limit, and the result is cleaned up so
// that a one-word edit in a long paragraph reads as exactly that word
// replaced, with a few words of context. Unified gives the classic
// line-based view. Each hunk names the heading path it sits under, and
// Analyze tells how much a change may matter to a reader of legal text
// (modal verbs, negations, numbers, dates, amounts, watched keywords).
package diff

import (
	"fmt"
	"strings"
	"time"
)

// Defaults for zero Options.
const (
	DefaultContext = 6
	DefaultTimeout = 2 * time.Second
)

// Options tune a diff. Zero values mean defaults.
type Options struct {
	Context int           // words of context kept on each side of an edit in hunks (default 6; negative means none)
	Timeout time.Duration // bound on the diff computation (default 2s); when hit the result is still correct but coarser
}

// Op is what a segment does.
type Op string

// Segment operations.
const (
	Equal  Op = "equal"
	Insert Op = "insert"
	Delete Op = "delete"
)

// Segment is a piece of text that is kept, inserted or deleted.
type Segment struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// Hunk is one region of change with a few words of context.
//
// Context never crosses a line break, so OldLine and NewLine are the lines
// on which the first edit of the hunk is made. ElidedBefore and ElidedAfter
// report that the line goes on beyond the context kept.
//
// Heading is the path of headings ("# Title", "## Section 2", ...) of the
// section in which the first edit of the hunk sits, outermost first, with
// the '#' marks and surrounding space removed; a heading of level n ends
// every earlier heading of level n or deeper. The path is read from the new
// text, or from the old one when the edit's line was deleted whole (so a
// paragraph removed at the end of a section is placed in that section, not
// under the heading that now follows). An edit on a heading line itself,
// including an added or removed section, gets the path down to and
// including that heading as it reads in the text used. Heading is nil for
// an edit before the first heading.
//
// Signals is filled by Analyze; see there.
type Hunk struct {
	OldLine      int       `json:"old_line"` // 1-based line in the old text where the hunk starts
	NewLine      int       `json:"new_line"`
	Heading      []string  `json:"heading,omitempty"`
	Added        int       `json:"words_added"`
	Removed      int       `json:"words_removed"`
	Signals      []string  `json:"signals,omitempty"`
	Segments     []Segment `json:"segments"` // context + edits, in order; leading/trailing context elided to Options.Context words
	ElidedBefore bool      `json:"elided_before,omitempty"`
	ElidedAfter  bool      `json:"elided_after,omitempty"`
}

// Result is a word-level diff.
type Result struct {
	Hunks        []Hunk
	WordsAdded   int
	WordsRemoved int
	TimedOut     bool // the time limit was reached (or the input held more than ~1.1M distinct tokens); the diff is correct but coarser
}

// Words returns the word-level diff between old and new.
//
// Only word tokens count towards WordsAdded and WordsRemoved; a change of
// whitespace or punctuation alone still makes a hunk. Every hunk gets its
// Heading path (one extra pass over the lines of each text); Analyze adds
// Signals.
func Words(old, new string, opt Options) Result {
	if old == new {
		return Result{}
	}
	if opt.Context == 0 {
		opt.Context = DefaultContext
	}
	opt.Context = max(opt.Context, 0)
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	w := compute(old, new, opt.Timeout)
	r := Result{TimedOut: w.timedOut}
	r.Hunks = w.hunks(opt.Context)
	fillHeadings(r.Hunks, old, new)
	for _, h := range r.Hunks {
		r.WordsAdded += h.Added
		r.WordsRemoved += h.Removed
	}
	return r
}

// Changed reports whether the texts differ at all.
func (r Result) Changed() bool { return len(r.Hunks) > 0 }

// WordDiff renders the result like git diff --word-diff=plain: each hunk is
// a line "@@ -OLDLINE +NEWLINE @@" followed by its text, with deletions as
// [-...-] and insertions as {+...+} inline with their context, and "…"
// where the line goes on beyond the context kept. Markers never span a
// line break. It returns "" when nothing changed.
func (r Result) WordDiff() string {
	var b strings.Builder
	for _, h := range r.Hunks {
		fmt.Fprintf(&b, "@@ -%d +%d @@\n", h.OldLine, h.NewLine)
		start := b.Len()
		if h.ElidedBefore {
			b.WriteString("…")
		}
		for _, s := range h.Segments {
			switch s.Op {
			case Delete:
				writeMarked(&b, s.Text, "[-", "-]")
			case Insert:
				writeMarked(&b, s.Text, "{+", "+}")
			default:
				b.WriteString(s.Text)
			}
		}
		if h.ElidedAfter {
			b.WriteString("…")
		}
		if b.Len() == start || !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// writeMarked writes an edit between open and close markers, line by line,
// leaving the whitespace at either end of each line outside the markers.
// An edit of whitespace alone is marked whole so that it stays visible.
func writeMarked(b *strings.Builder, s, open, close string) {
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		core := strings.TrimSpace(line)
		if core == "" {
			if line != "" {
				b.WriteString(open + line + close)
			}
			continue
		}
		lead := line[:strings.Index(line, core)]
		b.WriteString(lead)
		b.WriteString(open)
		b.WriteString(core)
		b.WriteString(close)
		b.WriteString(line[len(lead)+len(core):])
	}
}

// wordDiff is a complete token-level diff of two texts.
type wordDiff struct {
	a, b     text
	spans    []span // alternating equal and change spans covering both texts
	timedOut bool
}

// compute tokenises, diffs within timeout and cleans up.
func compute(old, new string, timeout time.Duration) *wordDiff {
	w := &wordDiff{a: tokenize(old), b: tokenize(new)}
	in := newInterner(1024)
	ra, okA := in.runes(&w.a)
	rb, okB := in.runes(&w.b)
	if !okA || !okB {
		w.spans, w.timedOut = coarse(&w.a, &w.b), true
		return w
	}
	w.spans, w.timedOut = anchoredRunes(ra, rb, w.a.kind, w.b.kind, time.Now().Add(timeout))
	w.spans = semantic(w.spans)
	w.spans = factor(w.spans, ra, rb)
	w.spans = align(w.spans, ra, rb, &w.a, &w.b)
	return w
}

// hunks groups the changes into hunks. Two changes share a hunk when at
// most 2*ctx words separate them.
func (w *wordDiff) hunks(ctx int) []Hunk {
	var hs []Hunk
	la, lb := lineCursor{t: &w.a}, lineCursor{t: &w.b}
	sp := w.spans
	for i := 0; i < len(sp); i++ {
		if sp[i].eq {
			continue
		}
		j := i // last change of the hunk
		for j+2 < len(sp) && w.a.words(sp[j+1].a0, sp[j+1].a1) <= 2*ctx {
			j += 2
		}
		var h Hunk
		// Leading context: up to ctx words, stopping at a line start.
		a0, b0 := sp[i].a0, sp[i].b0
		if i > 0 {
			e := sp[i-1]
			s, words := e.a1, 0
			for k := e.a1 - 1; k >= e.a0 && words < ctx && w.a.kind[k] != kindNewline; k-- {
				if w.a.kind[k] == kindWord {
					words++
				}
				s = k
			}
			a0, b0 = s, e.b0+s-e.a0
			if s < e.a1 {
				h.Segments = append(h.Segments, Segment{Equal, w.a.slice(s, e.a1)})
			}
		}
		h.ElidedBefore = lineGoesOn(&w.a, a0, -1)
		h.OldLine, h.NewLine = la.line(a0), lb.line(b0)
		for k := i; k <= j; k++ {
			s := sp[k]
			if s.eq {
				h.Segments = append(h.Segments, Segment{Equal, w.a.slice(s.a0, s.a1)})
				continue
			}
			if s.a0 < s.a1 {
				h.Segments = append(h.Segments, Segment{Delete, w.a.slice(s.a0, s.a1)})
				h.Removed += w.a.words(s.a0, s.a1)
			}
			if s.b0 < s.b1 {
				h.Segments = append(h.Segments, Segment{Insert, w.b.slice(s.b0, s.b1)})
				h.Added += w.b.words(s.b0, s.b1)
			}
		}
		// Trailing context: up to ctx words and the punctuation right after
		// them, stopping at a line end.
		end := sp[j].a1
		if j+1 < len(sp) {
			e := sp[j+1]
			words := 0
			for k := e.a0; k < e.a1 && w.a.kind[k] != kindNewline; k++ {
				if w.a.kind[k] == kindWord {
					if words == ctx {
						break
					}
					words++
				}
				end = k + 1
			}
			for end > e.a0 && w.a.kind[end-1] == kindSpace {
				end--
			}
			if end > e.a0 {
				h.Segments = append(h.Segments, Segment{Equal, w.a.slice(e.a0, end)})
			}
		}
		h.ElidedAfter = lineGoesOn(&w.a, end, +1)
		hs = append(hs, h)
		i = j
	}
	return hs
}

// lineGoesOn reports whether the line holding the cut before token i of t
// has more than whitespace beyond the cut, looking backwards (dir -1) or
// forwards (dir +1).
func lineGoesOn(t *text, i, dir int) bool {
	if dir < 0 {
		i--
	}
	for ; i >= 0 && i < t.n(); i += dir {
		switch t.kind[i] {
		case kindNewline:
			return false
		case kindSpace:
			continue
		}
		return true
	}
	return false
}

// lineCursor counts the lines before token positions that only move forward.
type lineCursor struct {
	t    *text
	pos  int
	seen int // newlines in tokens [0, pos)
}

// line returns the 1-based line of token i; i must not decrease between calls.
func (c *lineCursor) line(i int) int {
	for ; c.pos < i; c.pos++ {
		if c.t.kind[c.pos] == kindNewline {
			c.seen++
		}
	}
	return c.seen + 1
}
