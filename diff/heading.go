package diff

import (
	"sort"
	"strings"
)

// maxHeadingLevel is the deepest heading level recognised ("###### x").
const maxHeadingLevel = 6

// outline is the heading structure of an extracted text: its heading lines
// in order, each with the index of the heading that encloses it.
type outline struct {
	line   []int // 1-based line of each heading, increasing
	title  []string
	parent []int // index of the enclosing heading; -1 for none
}

// parseOutline finds the heading lines of s in one pass. A heading of level
// n closes every open heading of level n or deeper, so its parent is the
// nearest heading before it with a lower level.
func parseOutline(s string) outline {
	var o outline
	var open []int // indices of the open headings, levels increasing
	var levels []int
	for n, start := 1, 0; start < len(s); n++ {
		end := len(s)
		if j := strings.IndexByte(s[start:], '\n'); j >= 0 {
			end = start + j
		}
		if level, title, ok := headingLine(s[start:end]); ok {
			for len(open) > 0 && levels[open[len(open)-1]] >= level {
				open = open[:len(open)-1]
			}
			parent := -1
			if len(open) > 0 {
				parent = open[len(open)-1]
			}
			open = append(open, len(o.line))
			levels = append(levels, level)
			o.line = append(o.line, n)
			o.title = append(o.title, title)
			o.parent = append(o.parent, parent)
		}
		start = end + 1
	}
	return o
}

// headingLine parses a heading line as extraction writes it: one to six
// '#', a space or tab, and a non-empty title, which is returned trimmed.
func headingLine(line string) (level int, title string, ok bool) {
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > maxHeadingLevel || level == len(line) || (line[level] != ' ' && line[level] != '\t') {
		return 0, "", false
	}
	title = strings.TrimSpace(line[level:])
	return level, title, title != ""
}

// path returns the heading path in force on 1-based line n, outermost
// first: the last heading on or before line n and its ancestors. It returns
// nil before the first heading.
func (o *outline) path(n int) []string {
	i := sort.Search(len(o.line), func(i int) bool { return o.line[i] > n }) - 1
	if i < 0 {
		return nil
	}
	depth := 0
	for j := i; j >= 0; j = o.parent[j] {
		depth++
	}
	p := make([]string, depth)
	for j := i; j >= 0; j = o.parent[j] {
		depth--
		p[depth] = o.title[j]
	}
	return p
}

// fillHeadings sets the Heading of every hunk from the outlines of the two
// texts. See Hunk.Heading for the rule.
func fillHeadings(hs []Hunk, old, new string) {
	if len(hs) == 0 {
		return
	}
	oa, ob := parseOutline(old), parseOutline(new)
	for i := range hs {
		if inNew, line := editLine(&hs[i]); inNew {
			hs[i].Heading = ob.path(line)
		} else {
			hs[i].Heading = oa.path(line)
		}
	}
}

// editLine locates the first edit of h: the first word or punctuation it
// inserts, else the first it deletes, else (a change of whitespace alone)
// its start. It reports the line of that edit in the new text when the line
// exists there (text was inserted on it, or part of it survives the
// deletion), and otherwise its line in the old text (the line was deleted
// whole).
func editLine(h *Hunk) (inNew bool, line int) {
	segs := h.Segments
	lead := ""
	if len(segs) > 0 && segs[0].Op == Equal {
		lead, segs = segs[0].Text, segs[1:]
	}
	var del, ins strings.Builder
	for len(segs) > 0 && segs[0].Op != Equal {
		if segs[0].Op == Delete {
			del.WriteString(segs[0].Text)
		} else {
			ins.WriteString(segs[0].Text)
		}
		segs = segs[1:]
	}
	d, in := del.String(), ins.String()
	if k := contentIndex(in); k >= 0 {
		return true, h.NewLine + strings.Count(in[:k], "\n")
	}
	k := contentIndex(d)
	if k < 0 {
		return true, h.NewLine
	}
	skipped := strings.Count(d[:k], "\n")
	if skipped == 0 && (contentIndex(lead) >= 0 || h.ElidedBefore) {
		return true, h.NewLine // the line goes on before the deletion
	}
	if !strings.Contains(d[k:], "\n") && lineContinues(segs, h.ElidedAfter) {
		return true, h.NewLine + strings.Count(in, "\n")
	}
	return false, h.OldLine + skipped
}

// lineContinues reports whether text that the diff keeps follows on the
// current line in segs (the segments after an edit); elidedAfter says
// whether the line goes on beyond the end of segs.
func lineContinues(segs []Segment, elidedAfter bool) bool {
	for _, s := range segs {
		switch s.Op {
		case Equal:
			text, _, cut := strings.Cut(s.Text, "\n")
			if contentIndex(text) >= 0 {
				return true
			}
			if cut {
				return false
			}
		case Delete:
			if strings.Contains(s.Text, "\n") {
				return false
			}
		}
	}
	return elidedAfter
}

// contentIndex returns the byte index of the first rune of s that is not
// whitespace, or -1.
func contentIndex(s string) int {
	return strings.IndexFunc(s, func(r rune) bool { return r != '\n' && !isSpace(r) })
}
