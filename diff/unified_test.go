package diff

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		context  int
		want     string // exact output when set
		hunks    int
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{name: "both empty", old: "", new: "", want: ""},
		{
			name: "one line changed", old: "a\nb\nc\n", new: "a\nB\nc\n", context: 3,
			want: "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", hunks: 1,
		},
		{
			name: "line added at the end without newline", old: "a\nb", new: "a\nb\nc", context: 1,
			want: "--- old\n+++ new\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n", hunks: 1,
		},
		{
			name: "everything added", old: "", new: "x\ny\n", context: 3,
			want: "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+x\n+y\n", hunks: 1,
		},
		{
			name: "everything removed", old: "x\n", new: "", context: 3,
			want: "--- old\n+++ new\n@@ -1 +0,0 @@\n-x\n", hunks: 1,
		},
		{
			name: "zero context", old: "a\nb\nc\nd\n", new: "a\nc\nd\ne\n", context: 0,
			want: "--- old\n+++ new\n@@ -2 +1,0 @@\n-b\n@@ -4,0 +4 @@\n+e\n", hunks: 2,
		},
		{name: "distant changes make two hunks", old: lines(30, nil), new: lines(30, map[int]string{2: "two", 28: "twenty-eight"}), context: 3, hunks: 2},
		{name: "near changes share a hunk", old: lines(30, nil), new: lines(30, map[int]string{10: "ten", 16: "sixteen"}), context: 3, hunks: 1},
		{name: "negative context is zero", old: lines(10, nil), new: lines(10, map[int]string{5: "five"}), context: -4, hunks: 1},
		{name: "non-ASCII lines", old: "año\n政策\n", new: "años\n政策\n", context: 3, hunks: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unified(tt.old, tt.new, "old", "new", tt.context)
			if tt.want != "" || tt.old == tt.new {
				if got != tt.want {
					t.Fatalf("Unified:\n%s\nwant:\n%s", got, tt.want)
				}
			}
			if tt.old == tt.new {
				return
			}
			if n := strings.Count(got, "\n@@ "); n != tt.hunks {
				t.Errorf("%d hunks, want %d:\n%s", n, tt.hunks, got)
			}
			patched, err := applyUnified(tt.old, got)
			if err != nil {
				t.Fatalf("%v:\n%s", err, got)
			}
			if patched != tt.new {
				t.Fatalf("patch gives %q, want %q", patched, tt.new)
			}
		})
	}
}

func TestUnifiedContextLines(t *testing.T) {
	old := lines(20, nil)
	got := Unified(old, lines(20, map[int]string{10: "ten"}), "a", "b", 2)
	want := "--- a\n+++ b\n@@ -8,5 +8,5 @@\n line 8 has some words\n line 9 has some words\n-line 10 has some words\n+ten\n line 11 has some words\n line 12 has some words\n"
	if got != want {
		t.Fatalf("Unified:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnifiedLarge(t *testing.T) {
	old, new := shuffled(256 << 10)
	u := Unified(old, new, "a", "b", 3)
	patched, err := applyUnified(old, u)
	if err != nil {
		t.Fatal(err)
	}
	if patched != new {
		t.Fatal("patch of a shuffled text does not give the new text")
	}
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyUnified applies a unified diff to old as patch(1) would, checking the
// headers, the context and the line counts on the way.
func applyUnified(old, patch string) (string, error) {
	src := strings.SplitAfter(old, "\n")
	if src[len(src)-1] == "" {
		src = src[:len(src)-1]
	}
	pl := strings.SplitAfter(patch, "\n")
	if len(pl) < 3 || !strings.HasPrefix(pl[0], "--- ") || !strings.HasPrefix(pl[1], "+++ ") {
		return "", fmt.Errorf("missing ---/+++ headers")
	}
	var out []string
	pos := 0 // next line of src to copy
	i := 2
	for i < len(pl) && pl[i] != "" {
		m := hunkHeader.FindStringSubmatch(strings.TrimSuffix(pl[i], "\n"))
		if m == nil {
			return "", fmt.Errorf("line %d: bad hunk header %q", i+1, pl[i])
		}
		i++
		num := func(s string, def int) int {
			if s == "" {
				return def
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		oldStart, oldCount := num(m[1], 0), num(m[2], 1)
		newStart, newCount := num(m[3], 0), num(m[4], 1)
		start := oldStart - 1
		if oldCount == 0 {
			start = oldStart
		}
		if start < pos || start > len(src) {
			return "", fmt.Errorf("hunk at line %d out of order", oldStart)
		}
		out = append(out, src[pos:start]...)
		if ns := len(out) + 1; newCount > 0 && ns != newStart || newCount == 0 && ns-1 != newStart {
			return "", fmt.Errorf("hunk new start %d, output is at line %d", newStart, ns)
		}
		pos = start
		seenOld, seenNew := 0, 0
		var last *string // the line a "\ No newline" marker applies to
		for ; i < len(pl) && pl[i] != "" && !strings.HasPrefix(pl[i], "@@ "); i++ {
			l := pl[i]
			if !strings.HasSuffix(l, "\n") {
				return "", fmt.Errorf("line %d unterminated", i+1)
			}
			body := l[1:]
			switch l[0] {
			case ' ', '-':
				unterminated := pos < len(src) && src[pos]+"\n" == body && i+1 < len(pl) && pl[i+1] == "\\ No newline at end of file\n"
				if pos >= len(src) || src[pos] != body && !unterminated {
					return "", fmt.Errorf("line %d: %q does not match old line %d", i+1, l, pos+1)
				}
				if l[0] == ' ' {
					out = append(out, body)
					last = &out[len(out)-1]
				} else {
					last = new(string)
				}
				pos++
				seenOld++
				if l[0] == ' ' {
					seenNew++
				}
			case '+':
				out = append(out, body)
				last = &out[len(out)-1]
				seenNew++
			case '\\':
				if last == nil || l != "\\ No newline at end of file\n" {
					return "", fmt.Errorf("line %d: stray %q", i+1, l)
				}
				*last = strings.TrimSuffix(*last, "\n")
			default:
				return "", fmt.Errorf("line %d: bad prefix in %q", i+1, l)
			}
		}
		if seenOld != oldCount || seenNew != newCount {
			return "", fmt.Errorf("hunk -%d,%d +%d,%d holds %d old and %d new lines", oldStart, oldCount, newStart, newCount, seenOld, seenNew)
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), nil
}
