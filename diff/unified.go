package diff

import (
	"strconv"
	"strings"
	"time"
)

// Unified returns a line-based diff of old and new in the unified format of
// diff -u: "--- oldName" and "+++ newName" headers, then hunks headed
// "@@ -a,b +c,d @@" with context lines of context around the changes
// (negative means none). A missing newline at the end of either text is
// marked "\ No newline at end of file". It returns "" when the texts are
// equal. The diff is bounded by DefaultTimeout, past which it is correct but
// coarser.
func Unified(old, new string, oldName, newName string, context int) string {
	if old == new {
		return ""
	}
	context = max(context, 0)
	a, b := splitLines(old), splitLines(new)
	// Lines are interned like tokens rather than with go-diff's
	// DiffLinesToRunes, whose encoding panics past 1,112,060 distinct lines.
	in := newInterner(256)
	ra, okA := in.runes(&a)
	rb, okB := in.runes(&b)
	var spans []span
	if okA && okB {
		spans, _ = diffRunes(ra, rb, time.Now().Add(DefaultTimeout))
	} else {
		spans = coarse(&a, &b)
	}

	var out strings.Builder
	out.WriteString("--- " + oldName + "\n+++ " + newName + "\n")
	for i := 0; i < len(spans); i++ {
		if spans[i].eq {
			continue
		}
		j := i // last change of the hunk
		for j+2 < len(spans) && spans[j+1].a1-spans[j+1].a0 <= 2*context {
			j += 2
		}
		pre, post := 0, 0
		if i > 0 {
			pre = min(context, spans[i-1].a1-spans[i-1].a0)
		}
		if j+1 < len(spans) {
			post = min(context, spans[j+1].a1-spans[j+1].a0)
		}
		a0, a1 := spans[i].a0-pre, spans[j].a1+post
		b0, b1 := spans[i].b0-pre, spans[j].b1+post
		out.WriteString("@@ -" + hunkRange(a0, a1) + " +" + hunkRange(b0, b1) + " @@\n")
		writeLines(&out, ' ', &a, a0, spans[i].a0)
		for k := i; k <= j; k++ {
			s := spans[k]
			if s.eq {
				writeLines(&out, ' ', &a, s.a0, s.a1)
				continue
			}
			writeLines(&out, '-', &a, s.a0, s.a1)
			writeLines(&out, '+', &b, s.b0, s.b1)
		}
		writeLines(&out, ' ', &a, spans[j].a1, a1)
		i = j
	}
	return out.String()
}

// hunkRange formats lines [i, j) as diff -u does: "start,count", just
// "start" for one line, and the line before for none.
func hunkRange(i, j int) string {
	switch j - i {
	case 0:
		return strconv.Itoa(i) + ",0"
	case 1:
		return strconv.Itoa(i + 1)
	}
	return strconv.Itoa(i+1) + "," + strconv.Itoa(j-i)
}

// writeLines writes lines [i, j) of t, each after prefix.
func writeLines(out *strings.Builder, prefix byte, t *text, i, j int) {
	for k := i; k < j; k++ {
		out.WriteByte(prefix)
		line := t.tok(k)
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}
