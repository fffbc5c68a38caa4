package noise

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

func TestMojibake(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want int
	}{
		{"spanish", "Español, Niño, señor", 0},
		{"french", "café, à l'école, naïve, Noël, garçon, œuvre", 0},
		{"german and nordic", "Grüße aus Köln, Ærø, Øst", 0},
		{"curly quotes and dashes", "“It’s” – a — test… ©2017 ½ °F", 0},
		{"caps", "ÉCOLE, ÂGE, ÀLA", 0},
		{"n tilde", "EspaÃ±ol", 1},
		{"e acute", "cafÃ©", 1},
		{"right quote (Windows-1252)", "harmâ€™s way", 1},
		{"left and right double quotes", "â€œroamingâ€\u009d", 2},
		{"right quote (Latin-1 C1)", "Nationâ\u0080\u0099s", 1},
		{"NBSP as Latin-1", "ones.Â\u00a0Next", 1},
		{"NBSP normalised to a space", "ones.Â Next\nÂ", 2},
		{"copyright", "Â© 2017", 1},
		{"four bytes (emoji)", "ðŸ˜€", 1},
		{"lead without continuation", "Ã and â alone", 0},
		{"overlong is not UTF-8", "À€", 0},
		{"surrogate is not UTF-8", "í\u00a0\u0080", 0},
		{"truncated sequence", "â€", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Mojibake(c.in); got != c.want {
				t.Errorf("Mojibake(%q) = %d, want %d", c.in, got, c.want)
			}
		})
	}
}

func TestMojibakeCorpus(t *testing.T) {
	a := extracted(t, "fema-maria-mojibake.a.html")
	b := extracted(t, "fema-maria-mojibake.b.html")
	ma, mb := Mojibake(a), Mojibake(b)
	if ma > 1 {
		t.Errorf("fema a (correctly decoded): Mojibake = %d, want 0 or near", ma)
	}
	if mb < 10 {
		t.Errorf("fema b (UTF-8 read as Latin-1): Mojibake = %d, want many", mb)
	}
	t.Logf("fema: a %d, b %d", ma, mb)

	// Markus Kuhn's UTF-8 decoder stress test, read as UTF-8: correct text
	// in many scripts and malformed sequences, but no UTF-8 read as Latin-1.
	body, err := os.ReadFile(filepath.Join(corpus, "encoding", "poorly_encoded_utf8.txt"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	text := string(body)
	if utf8.ValidString(text) {
		t.Log("note: the stress test is valid UTF-8")
	}
	if n := Mojibake(text); n > 2 {
		t.Errorf("UTF-8 stress test: Mojibake = %d, want 0 or near", n)
	} else {
		t.Logf("UTF-8 stress test: Mojibake = %d", n)
	}
}

func BenchmarkMojibake(b *testing.B) {
	text := extracted(b, "fema-maria-mojibake.b.html")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Mojibake(text)
	}
}
