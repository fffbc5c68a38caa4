package diff

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"words and spaces", "The  officer", []string{"The", "  ", "officer"}},
		{"newlines are single tokens", "a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"spaces stop at newline", "a \t\n b", []string{"a", " \t", "\n", " ", "b"}},
		{"punctuation is single", "end.) (", []string{"end", ".", ")", " ", "("}},
		{"heading and list markers", "## Fees\n- one", []string{"#", "#", " ", "Fees", "\n", "-", " ", "one"}},
		{"apostrophe inside word", "don't officer’s 'quoted'", []string{"don't", " ", "officer’s", " ", "'", "quoted", "'"}},
		{"hyphen inside word", "co-operate - well-", []string{"co-operate", " ", "-", " ", "well", "-"}},
		{"number separators", "$3,000 in 4.2, at 10:30 on 1/2.", []string{"$", "3,000", " ", "in", " ", "4.2", ",", " ", "at", " ", "10:30", " ", "on", " ", "1/2", "."}},
		{"no separator between letters", "a.b,c", []string{"a", ".", "b", ",", "c"}},
		{"accents", "résumé año", []string{"résumé", " ", "año"}},
		{"combining mark", "cafe\u0301 x", []string{"cafe\u0301", " ", "x"}},
		{"ideographs one by one", "政策变更abc", []string{"政", "策", "变", "更", "abc"}},
		{"kana", "ひらがなカタ", []string{"ひ", "ら", "が", "な", "カ", "タ"}},
		{"hangul keeps runs", "정책 변경", []string{"정책", " ", "변경"}},
		{"invalid utf-8 kept", "a\xffb", []string{"a", "\xff", "b"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := tokenize(tt.in)
			var got []string
			for i := 0; i < tx.n(); i++ {
				got = append(got, tx.tok(i))
				if k := kindOf(tx.tok(i)); k != tx.kind[i] {
					t.Errorf("token %q: kind %d, kindOf says %d", tx.tok(i), tx.kind[i], k)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCountWords(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"  , . \n", 0},
		{"The officer's fee is $3,000.", 5},
		{"政策变更 now", 5},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := countWords(tt.in); got != tt.want {
				t.Fatalf("countWords(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestNextRuneSkipsSurrogates(t *testing.T) {
	tests := []struct {
		in, want rune
	}{
		{0, 1},
		{0xD7FE, 0xD7FF},
		{0xD7FF, 0xE000},
		{0xE000, 0xE001},
		{0x10FFFE, 0x10FFFF},
	}
	for _, tt := range tests {
		t.Run(string(rune(tt.in)), func(t *testing.T) {
			if got := nextRune(tt.in); got != tt.want {
				t.Fatalf("nextRune(%#x) = %#x, want %#x", tt.in, got, tt.want)
			}
		})
	}
	if maxTokens != 0x110000-0x800 {
		t.Fatalf("maxTokens = %d", maxTokens)
	}
}

func TestInternerRunesRoundTrip(t *testing.T) {
	// Every rune handed out must survive string conversion, which is what
	// go-diff does with them.
	in := newInterner(0)
	in.next = 0xD7F0
	tx := splitLines("")
	for i := 0; i < 64; i++ {
		tx.s += string(rune('A'+i%26)) + string(rune('a'+i/26)) + "\n"
	}
	tx = splitLines(tx.s)
	rs, ok := in.runes(&tx)
	if !ok {
		t.Fatal("runes reported overflow")
	}
	seen := map[rune]bool{}
	for _, r := range rs {
		if r >= 0xD800 && r <= 0xDFFF {
			t.Fatalf("surrogate %#x handed out", r)
		}
		if seen[r] {
			t.Fatalf("rune %#x handed out twice", r)
		}
		seen[r] = true
	}
	if back := []rune(string(rs)); !reflect.DeepEqual(back, rs) {
		t.Fatal("runes do not survive a string round trip")
	}
}

func TestInternerOverflow(t *testing.T) {
	in := newInterner(0)
	in.next = 0x10FFFF
	tx := splitLines("a\nb\n")
	if _, ok := in.runes(&tx); ok {
		t.Fatal("two new tokens fitted in one remaining rune")
	}
}

// tokenizeRuneByRune is tokenize as it was before its ASCII fast paths,
// decoding every rune, kept as the reference they must agree with.
func tokenizeRuneByRune(s string) text {
	var t text
	for i := 0; i < len(s); {
		start := i
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
			for prev := r; i < len(s); {
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
		}
		t.off = append(t.off, start)
		t.kind = append(t.kind, k)
	}
	t.off = append(t.off, len(s))
	return t
}

func TestTokenizeFastPathsAgree(t *testing.T) {
	// Every pair of these pieces, and random strings of them, tokenised
	// both ways.
	pieces := []string{"a", "Z", "7", " ", "  ", "\u00a0", "\u2009", "\t", "\n", "\r", "\x01", "'", "-", ".", ",", ":", "/",
		"’", "é", "e\u0301", "政", "ひ", "정", "\xff", "\xc2", "§", "3,000", "don't", " \u00a0 ", "x\u00a0y"}
	check := func(s string) {
		t.Helper()
		got, want := tokenize(s), tokenizeRuneByRune(s)
		if !slices.Equal(got.off, want.off) || !slices.Equal(got.kind, want.kind) {
			t.Fatalf("tokenize(%q): offsets %v kinds %v, rune by rune %v %v", s, got.off, got.kind, want.off, want.kind)
		}
	}
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				check(a + b + c)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		check(b.String())
	}
	check(strings.Join(corpusWords(1<<16, 5), " "))
}
