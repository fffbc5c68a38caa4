package diff

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// paragraph returns n words "p001 p002 …" on one line, with word i replaced
// by repl[i].
func paragraph(n int, repl map[int]string) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = fmt.Sprintf("p%03d", i+1)
		if r, ok := repl[i]; ok {
			ws[i] = r
		}
	}
	return strings.Join(ws, " ")
}

// lines returns n lines "line N has some words", with line i (1-based)
// replaced by repl[i].
func lines(n int, repl map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		l := fmt.Sprintf("line %d has some words", i)
		if r, ok := repl[i]; ok {
			l = r
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestWords(t *testing.T) {
	para := "# Powers\n" + paragraph(300, map[int]string{149: "shall"}) + "\n- Appeals go to the tribunal.\n"
	tests := []struct {
		name           string
		old, new       string
		opt            Options
		hunks          int
		added, removed int
		contains       []string // in WordDiff
		excludes       []string // not in WordDiff
		at             [][2]int // OldLine, NewLine of each hunk
	}{
		{
			name: "one word in a 300-word paragraph",
			old:  para, new: strings.Replace(para, "shall", "may", 1),
			hunks: 1, added: 1, removed: 1,
			contains: []string{"[-shall-]{+may+}", "p144 p145 p146 p147 p148 p149 [-shall-]{+may+} p151 p152 p153 p154 p155 p156…", "@@ -2 +2 @@"},
			excludes: []string{"p001", "p143", "p157", "p300", "Powers", "tribunal"},
			at:       [][2]int{{2, 2}},
		},
		{
			name: "word inserted",
			old:  "The officer may approve the request.\n", new: "The officer may not approve the request.\n",
			hunks: 1, added: 1, removed: 0,
			contains: []string{"may {+not+} approve"},
			at:       [][2]int{{1, 1}},
		},
		{
			name: "word deleted",
			old:  "Applicants must promptly submit the form.\n", new: "Applicants must submit the form.\n",
			hunks: 1, added: 0, removed: 1,
			contains: []string{"must [-promptly-] submit"},
			at:       [][2]int{{1, 1}},
		},
		{
			name: "line added",
			old:  lines(5, nil), new: strings.Replace(lines(5, nil), "line 3 has some words\n", "line 3 has some words\nA new rule applies.\n", 1),
			hunks: 1, added: 4, removed: 0,
			contains: []string{"{+A new rule applies.+}\nline 4"},
			excludes: []string{"line 3", "line 2"},
			at:       [][2]int{{4, 4}},
		},
		{
			name: "line removed",
			old:  lines(5, nil), new: strings.Replace(lines(5, nil), "line 2 has some words\n", "", 1),
			hunks: 1, added: 0, removed: 5,
			contains: []string{"[-line 2 has some words-]\nline 3"},
			at:       [][2]int{{2, 2}},
		},
		{
			name: "identical texts",
			old:  para, new: para,
			hunks: 0,
		},
		{
			name: "empty old text",
			old:  "", new: "# Fees\nThe fee is £30.\n",
			hunks: 1, added: 5, removed: 0,
			contains: []string{"{+# Fees+}\n{+The fee is £30.+}"},
			at:       [][2]int{{1, 1}},
		},
		{
			name: "empty new text",
			old:  "Gone now.", new: "",
			hunks: 1, added: 0, removed: 2,
			contains: []string{"[-Gone now.-]"},
			at:       [][2]int{{1, 1}},
		},
		{
			name: "accented words",
			old:  "La solicitud será revisada por el señor.\n", new: "La solicitud será rechazada por el señor.\n",
			hunks: 1, added: 1, removed: 1,
			contains: []string{"será [-revisada-]{+rechazada+} por el señor."},
		},
		{
			name: "enye and accents inside one word",
			old:  "El año fiscal\n", new: "El años fiscal\n",
			hunks: 1, added: 1, removed: 1,
			contains: []string{"El [-año-]{+años+} fiscal"},
		},
		{
			name: "CJK characters are words",
			old:  "本政策自发布之日起施行。\n", new: "本政策自公布之日起施行。\n",
			hunks: 1, added: 1, removed: 1,
			contains: []string{"本政策自[-发-]{+公+}布之日"},
		},
		{
			name: "two distant edits make two hunks",
			old:  paragraph(100, nil), new: paragraph(100, map[int]string{9: "X", 79: "Y"}),
			hunks: 2, added: 2, removed: 2,
			contains: []string{"@@ -1 +1 @@\n…p004 p005 p006 p007 p008 p009 [-p010-]{+X+} p011", "@@ -1 +1 @@\n…p074 p075 p076 p077 p078 p079 [-p080-]{+Y+} p081"},
			excludes: []string{"p040"},
		},
		{
			name: "nearby edits share a hunk",
			old:  paragraph(100, nil), new: paragraph(100, map[int]string{9: "X", 19: "Y"}),
			hunks: 1, added: 2, removed: 2,
			contains: []string{"[-p010-]{+X+} p011 p012 p013 p014 p015 p016 p017 p018 p019 [-p020-]{+Y+}"},
		},
		{
			name: "context option",
			old:  paragraph(20, nil), new: paragraph(20, map[int]string{9: "X"}),
			opt:   Options{Context: 2},
			hunks: 1, added: 1, removed: 1,
			contains: []string{"@@ -1 +1 @@\n…p008 p009 [-p010-]{+X+} p011 p012…\n"},
			excludes: []string{"p007", "p013"},
		},
		{
			name: "negative context keeps none",
			old:  paragraph(20, nil), new: paragraph(20, map[int]string{9: "X"}),
			opt:   Options{Context: -1},
			hunks: 1, added: 1, removed: 1,
			contains: []string{"@@ -1 +1 @@\n…[-p010-]{+X+}…\n"},
			excludes: []string{"p009", "p011"},
		},
		{
			name: "rewritten sentence is one replacement",
			old:  "Keep this. A quick brown fox jumps over it. Keep that.\n", new: "Keep this. The lazy dog sleeps under it. Keep that.\n",
			hunks: 1, added: 5, removed: 6,
			contains: []string{"Keep this. [-A quick brown fox jumps over-]{+The lazy dog sleeps under+} it. Keep that."},
		},
		{
			name: "whitespace only change",
			old:  "a b\n", new: "a  b\n",
			hunks: 1, added: 0, removed: 0,
			contains: []string{"a[- -]{+  +}b"},
		},
		{
			name: "punctuation change",
			old:  "Fees apply, unless waived.\n", new: "Fees apply; unless waived.\n",
			hunks: 1, added: 0, removed: 0,
			contains: []string{"apply[-,-]{+;+} unless"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Words(tt.old, tt.new, tt.opt)
			wd := r.WordDiff()
			if len(r.Hunks) != tt.hunks || r.WordsAdded != tt.added || r.WordsRemoved != tt.removed {
				t.Fatalf("got %d hunks +%d -%d, want %d hunks +%d -%d\n%s", len(r.Hunks), r.WordsAdded, r.WordsRemoved, tt.hunks, tt.added, tt.removed, wd)
			}
			if r.Changed() != (tt.hunks > 0) {
				t.Errorf("Changed() = %v", r.Changed())
			}
			if r.TimedOut {
				t.Errorf("TimedOut on a small input")
			}
			for _, s := range tt.contains {
				if !strings.Contains(wd, s) {
					t.Errorf("WordDiff lacks %q:\n%s", s, wd)
				}
			}
			for _, s := range tt.excludes {
				if strings.Contains(wd, s) {
					t.Errorf("WordDiff has %q:\n%s", s, wd)
				}
			}
			for i, at := range tt.at {
				if h := r.Hunks[i]; h.OldLine != at[0] || h.NewLine != at[1] {
					t.Errorf("hunk %d at -%d +%d, want -%d +%d", i, h.OldLine, h.NewLine, at[0], at[1])
				}
			}
			if tt.hunks == 0 && (wd != "" || Unified(tt.old, tt.new, "a", "b", 3) != "") {
				t.Errorf("equal texts render %q", wd)
			}
			checkResult(t, tt.old, tt.new, r, DefaultTimeout)
		})
	}
}

func TestWordsLineNumbers(t *testing.T) {
	old := lines(12, nil)
	tests := []struct {
		name string
		new  string
		at   [][2]int
	}{
		{"edit on line 9", lines(12, map[int]string{9: "line 9 has many words"}), [][2]int{{9, 9}}},
		{"edits on lines 3 and 11", lines(12, map[int]string{3: "line 3 has few words", 11: "line 11 had some words"}), [][2]int{{3, 3}, {11, 11}}},
		{"line inserted before an edit", "intro line\n" + lines(12, map[int]string{7: "line 7 has all words"}), [][2]int{{1, 1}, {7, 8}}},
		{"two lines deleted before an edit", strings.Replace(lines(12, map[int]string{10: "line 10 lost some words"}), "line 2 has some words\nline 3 has some words\n", "", 1), [][2]int{{2, 2}, {10, 8}}},
		{"edit mid-line keeps the line", lines(12, map[int]string{12: "line 12 has some more words"}), [][2]int{{12, 12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Words(old, tt.new, Options{})
			if len(r.Hunks) != len(tt.at) {
				t.Fatalf("%d hunks, want %d:\n%s", len(r.Hunks), len(tt.at), r.WordDiff())
			}
			for i, at := range tt.at {
				h := r.Hunks[i]
				if h.OldLine != at[0] || h.NewLine != at[1] {
					t.Errorf("hunk %d at -%d +%d, want -%d +%d:\n%s", i, h.OldLine, h.NewLine, at[0], at[1], r.WordDiff())
				}
				if want := fmt.Sprintf("@@ -%d +%d @@\n", at[0], at[1]); !strings.Contains(r.WordDiff(), want) {
					t.Errorf("WordDiff lacks %q", want)
				}
			}
			checkResult(t, old, tt.new, r, DefaultTimeout)
		})
	}
}

func TestWordsManyDistinctTokens(t *testing.T) {
	// 80,000 distinct words need runes beyond the surrogate range and the
	// Basic Multilingual Plane; a collision or a mangled rune would show as
	// a wrong or missing edit.
	const n = 80000
	var ob, nb strings.Builder
	for i := range n {
		w := fmt.Sprintf("t%05d", i)
		ob.WriteString(w)
		switch i {
		case 60000:
			nb.WriteString("changed")
		case 75000:
		default:
			nb.WriteString(w)
		}
		sep := " "
		if i%10 == 9 {
			sep = "\n"
		}
		ob.WriteString(sep)
		if i != 75000 {
			nb.WriteString(sep)
		}
	}
	old, new := ob.String(), nb.String()
	r := Words(old, new, Options{Timeout: time.Minute})
	if len(r.Hunks) != 2 || r.WordsRemoved != 2 || r.WordsAdded != 1 {
		t.Fatalf("got %d hunks +%d -%d, want 2 hunks +1 -2:\n%s", len(r.Hunks), r.WordsAdded, r.WordsRemoved, r.WordDiff())
	}
	wd := r.WordDiff()
	for _, s := range []string{"@@ -6001 +6001 @@\n[-t60000-]{+changed+} t60001", "@@ -7501 +7501 @@\n[-t75000-] t75001"} {
		if !strings.Contains(wd, s) {
			t.Errorf("WordDiff lacks %q:\n%s", s, wd)
		}
	}
	checkResult(t, old, new, r, DefaultTimeout)
}

func TestWordsPathological(t *testing.T) {
	old, new := shuffled(1 << 20)
	r := Words(old, new, Options{Timeout: 200 * time.Millisecond})
	if !r.TimedOut {
		t.Error("a shuffled megabyte diffed within 200ms; TimedOut not set")
	}
	if r.WordsAdded != r.WordsRemoved || r.WordsAdded == 0 {
		t.Errorf("the same words reordered: +%d -%d", r.WordsAdded, r.WordsRemoved)
	}
	if r.WordsAdded > countWords(new) {
		t.Errorf("+%d words of %d", r.WordsAdded, countWords(new))
	}
	checkResult(t, old, new, r, 200*time.Millisecond)
}

func TestWordsRepetitive(t *testing.T) {
	// go-diff's half-match heuristic, which Words avoids, is quadratic here.
	tests := []struct{ name, old, new string }{
		{"shifted period", strings.Repeat("a b ", 100000), "c " + strings.Repeat("b a ", 100000)},
		{"one edit in a period", strings.Repeat("a b ", 100000), strings.Repeat("a b ", 50000) + "a c " + strings.Repeat("a b ", 49999)},
		{"period against another", strings.Repeat("x y z ", 60000), strings.Repeat("x z ", 90000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Words(tt.old, tt.new, Options{Timeout: 200 * time.Millisecond})
			if !r.Changed() {
				t.Fatal("no change found")
			}
			checkResult(t, tt.old, tt.new, r, 200*time.Millisecond)
		})
	}
}

func TestWordDiffFormat(t *testing.T) {
	r := Result{Hunks: []Hunk{
		{OldLine: 3, NewLine: 4, ElidedBefore: true, ElidedAfter: true, Segments: []Segment{
			{Equal, "the officer "}, {Delete, "shall"}, {Insert, "may"}, {Equal, " approve"},
		}},
		{OldLine: 9, NewLine: 10, Segments: []Segment{
			{Equal, "Intro. "}, {Insert, "New rule. "}, {Equal, "End"}, {Delete, " old\n  two lines"},
		}},
		{OldLine: 12, NewLine: 13, Segments: []Segment{{Insert, "Added line\n"}}},
	}}
	want := "@@ -3 +4 @@\n…the officer [-shall-]{+may+} approve…\n" +
		"@@ -9 +10 @@\nIntro. {+New rule.+} End [-old-]\n  [-two lines-]\n" +
		"@@ -12 +13 @@\n{+Added line+}\n"
	if got := r.WordDiff(); got != want {
		t.Fatalf("WordDiff:\n%s\nwant:\n%s", got, want)
	}
	if got := (Result{}).WordDiff(); got != "" {
		t.Fatalf("empty result renders %q", got)
	}
}

func TestWordsTimeoutStillCorrect(t *testing.T) {
	old, new := shuffled(64 << 10)
	r := Words(old, new, Options{Timeout: time.Nanosecond})
	if !r.TimedOut {
		t.Error("TimedOut not set with a 1ns limit")
	}
	checkResult(t, old, new, r, time.Nanosecond)
}

// shuffled returns about size bytes of words in lines and the same words
// shuffled.
func shuffled(size int) (string, string) {
	ws := corpusWords(size, 1)
	old := joinLines(ws)
	rng := rand.New(rand.NewPCG(2, 2))
	rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
	return old, joinLines(ws)
}

// corpusWords returns words drawn from a skewed vocabulary until they add up
// to about size bytes.
func corpusWords(size int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%x", rng.Uint32()%(1<<20))
	}
	var ws []string
	for n := 0; n < size; {
		w := vocab[int(rng.ExpFloat64()*400)%len(vocab)]
		ws = append(ws, w)
		n += len(w) + 1
	}
	return ws
}

// joinLines joins words 100 to a line, with a full stop at the end of each.
func joinLines(ws []string) string {
	var b strings.Builder
	for i, w := range ws {
		b.WriteString(w)
		if i%100 == 99 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// checkResult checks the invariants every diff must meet: the full span
// list (recomputed within timeout) rebuilds both texts, each hunk's old and new sides occur in the texts
// starting on the lines it names, and the word counts agree with the
// segments.
func checkResult(t *testing.T, old, new string, r Result, timeout time.Duration) {
	t.Helper()
	w := compute(old, new, timeout)
	var ob, nb strings.Builder
	for i, s := range w.spans {
		if i > 0 && w.spans[i-1].eq == s.eq {
			t.Fatalf("spans %d and %d are both eq=%v", i-1, i, s.eq)
		}
		if s.empty() {
			t.Fatalf("span %d is empty", i)
		}
		ob.WriteString(w.a.slice(s.a0, s.a1))
		nb.WriteString(w.b.slice(s.b0, s.b1))
		if s.eq && w.a.slice(s.a0, s.a1) != w.b.slice(s.b0, s.b1) {
			t.Fatalf("equal span %d differs: %q vs %q", i, w.a.slice(s.a0, s.a1), w.b.slice(s.b0, s.b1))
		}
	}
	if ob.String() != old || nb.String() != new {
		t.Fatal("spans do not rebuild the texts")
	}
	if r.Changed() != (old != new) {
		t.Fatalf("Changed() = %v for texts that differ: %v", r.Changed(), old != new)
	}
	added, removed := 0, 0
	lastOld, lastNew := 0, 0
	for i, h := range r.Hunks {
		var ho, hn strings.Builder
		ha, hr := 0, 0
		for _, s := range h.Segments {
			switch s.Op {
			case Equal:
				ho.WriteString(s.Text)
				hn.WriteString(s.Text)
			case Delete:
				ho.WriteString(s.Text)
				hr += countWords(s.Text)
			case Insert:
				hn.WriteString(s.Text)
				ha += countWords(s.Text)
			default:
				t.Fatalf("hunk %d: op %q", i, s.Op)
			}
		}
		if ha != h.Added || hr != h.Removed {
			t.Fatalf("hunk %d says +%d -%d, segments hold +%d -%d", i, h.Added, h.Removed, ha, hr)
		}
		added, removed = added+ha, removed+hr
		if h.OldLine < lastOld || h.NewLine < lastNew {
			t.Fatalf("hunk %d at -%d +%d goes backwards", i, h.OldLine, h.NewLine)
		}
		lastOld, lastNew = h.OldLine, h.NewLine
		if !onLine(old, h.OldLine, ho.String()) {
			t.Fatalf("hunk %d: old side %.80q does not start on old line %d", i, ho.String(), h.OldLine)
		}
		if !onLine(new, h.NewLine, hn.String()) {
			t.Fatalf("hunk %d: new side %.80q does not start on new line %d", i, hn.String(), h.NewLine)
		}
	}
	if added != r.WordsAdded || removed != r.WordsRemoved {
		t.Fatalf("result says +%d -%d, segments hold +%d -%d", r.WordsAdded, r.WordsRemoved, added, removed)
	}
}

// onLine reports whether sub occurs in s starting on 1-based line n.
func onLine(s string, n int, sub string) bool {
	start := 0
	for i := 1; i < n; i++ {
		j := strings.IndexByte(s[start:], '\n')
		if j < 0 {
			return false
		}
		start += j + 1
	}
	k := strings.Index(s[start:], sub)
	return k >= 0 && !strings.Contains(s[start:start+k], "\n")
}

func FuzzWords(f *testing.F) {
	f.Add("The officer shall approve.\n", "The officer may approve.\n", 2)
	f.Add("", "a b\nc", 0)
	f.Add("a\n\nb c d e\n", "a\nb x d\n\n", -1)
	f.Add("año 政策 don't 3,000", "ano 政 don't 3.000\xff", 6)
	f.Fuzz(func(t *testing.T, old, new string, ctx int) {
		if len(old)+len(new) > 1<<14 {
			t.Skip()
		}
		r := Words(old, new, Options{Context: ctx % 16})
		checkResult(t, old, new, r, DefaultTimeout)
		u := Unified(old, new, "a", "b", 2)
		if (u == "") != (old == new) {
			t.Fatalf("Unified empty: %v, texts equal: %v", u == "", old == new)
		}
		if u != "" {
			got, err := applyUnified(old, u)
			if err != nil {
				t.Fatalf("%v\n%s", err, u)
			}
			if got != new {
				t.Fatalf("patch gives %q, want %q", got, new)
			}
		}
	})
}

func BenchmarkWords1MB1Percent(b *testing.B) {
	ws := corpusWords(1<<20, 3)
	old := joinLines(ws)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range ws {
		if rng.IntN(100) == 0 {
			ws[i] = "changed"
		}
	}
	new := joinLines(ws)
	b.SetBytes(int64(len(old) + len(new)))
	b.ResetTimer()
	for b.Loop() {
		r := Words(old, new, Options{})
		if r.TimedOut || r.WordsAdded == 0 {
			b.Fatalf("TimedOut %v, +%d", r.TimedOut, r.WordsAdded)
		}
	}
}

func BenchmarkWordsPathological(b *testing.B) {
	old, new := shuffled(1 << 20)
	b.SetBytes(int64(len(old) + len(new)))
	b.ResetTimer()
	for b.Loop() {
		if r := Words(old, new, Options{}); !r.Changed() {
			b.Fatal("no change")
		}
	}
}
