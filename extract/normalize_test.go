package extract

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// normalizeRef is normalizeLine and countNonSpace written the plain way, rune
// by rune: the fast paths must agree with it.
func normalizeRef(s string) (string, int) {
	var b strings.Builder
	space, nonSpace := false, 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			nonSpace++
		}
		switch {
		case invisible(r):
		case unicode.IsSpace(r):
			space = b.Len() > 0
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String(), nonSpace
}

// TestNormalizeLineAgrees runs random strings of ASCII, Unicode spaces,
// invisible runes, multi-byte letters and invalid bytes through
// normalizeLine, appendNormalBytes and countNonSpace and compares them with
// normalizeRef.
func TestNormalizeLineAgrees(t *testing.T) {
	pieces := []string{"a", "Z", "9", ".", " ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u0085", "\u2003", "\u3000",
		"\u2028", "\u00ad", "\u200b", "\ufeff", "é", "ß", "€", "𝄞", "\xff", "\xe2\x82", "\x80", "\x01", "\x7f", "\x1f", "shall", "may",
		"The department shall", " cooperate."}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var b strings.Builder
		for range r.IntN(24) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		want, wantN := normalizeRef(s)
		if got := normalizeLine(s); got != want {
			t.Fatalf("case %d: normalizeLine(%q) = %q, want %q", i, s, got, want)
		}
		if got := string(appendNormalBytes([]byte("x"), []byte(s))); got != "x"+want {
			t.Fatalf("case %d: appendNormalBytes(\"x\", %q) = %q, want %q", i, s, got, "x"+want)
		}
		if got := countNonSpace(s); got != wantN {
			t.Fatalf("case %d: countNonSpace(%q) = %d, want %d", i, s, got, wantN)
		}
	}
	if got := normalizeLine(" \u00a0County\u00ad  officials\u200b\tshall\u3000decline \n"); got != "County officials shall decline" {
		t.Errorf("normalizeLine = %q", got)
	}
}

// TestCountNonSpaceEveryOffset puts each kind of byte at every offset of a
// run of letters, at the start, middle and end of the string, and compares
// countNonSpace with normalizeRef.
func TestCountNonSpaceEveryOffset(t *testing.T) {
	letters := "abcdefghijklmnopqrstuvwxyz0123456789"
	for _, odd := range []string{" ", "\t", "\n", "\x00", "\x01", "\x1f", "!", "\x7f", "\u00a0", "é", "\u3000", "\xff", "  "} {
		for off := 0; off <= 24; off++ {
			s := letters[:off] + odd + letters[off:]
			if _, want := normalizeRef(s); countNonSpace(s) != want {
				t.Errorf("countNonSpace(%q) = %d, want %d", s, countNonSpace(s), want)
			}
		}
	}
}

// TestNormalLineNotCopied: a line already in normal form comes back as it
// is, without an allocation; and valid UTF-8 is decoded as the body itself.
func TestNormalLineNotCopied(t *testing.T) {
	line := "Officers shall decline civil detainers under 8 U.S.C. 1357(d)."
	if n := testing.AllocsPerRun(100, func() { _ = normalizeLine(line) }); n != 0 || normalizeLine(line) != line {
		t.Errorf("normalizeLine of a normal line: %v allocations, want 0", n)
	}
	body := []byte("<p>Officers shall decline \u00a7 1357(d) detainers.</p>")
	if got := decodeBytes(body, nil, "utf-8"); len(got) != len(body) || &got[0] != &body[0] {
		t.Errorf("decodeBytes of valid UTF-8 copied it (%d bytes)", len(got))
	}
}

// TestAppendNormalBytesAllocatesNothing: a line is normalised into the
// room its destination has, without copies of its own, fast path or not.
func TestAppendNormalBytesAllocatesNothing(t *testing.T) {
	dst := make([]byte, 0, 256)
	for _, line := range []string{"Officers shall decline.", "  § 1357(d)\u00a0— officers\n\tshall  decline\u200b. "} {
		src := []byte(line)
		if n := testing.AllocsPerRun(100, func() { dst = appendNormalBytes(dst[:0], src) }); n != 0 {
			t.Errorf("appendNormalBytes(%q): %v allocations, want 0", line, n)
		}
	}
}
