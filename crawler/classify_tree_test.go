package crawler

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	xhtml "golang.org/x/net/html"
)

// TestClassifyTreeAgrees checks that judging a page from a tree parsed once
// elsewhere gives the verdict of judging its bytes, over every fixture and
// corpus page, at the statuses the rules tell apart, and that ClassifyTree
// leaves the tree as it found it.
func TestClassifyTreeAgrees(t *testing.T) {
	var files []string
	for _, pattern := range []string{"testdata/*.html", corpus + "/*.html", corpus + "/../pairs/*.html"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d pages, want the fixtures and the corpus", len(files))
	}
	bodies := map[string][]byte{
		"long page, meta status at the end": []byte("<html><head><title>Example App</title></head><body><main><p>" +
			words(1500) + `</p><meta name="prerender-status-code" content="404"></main></body></html>`),
		"page headed not found, 990 words":  doc("Page Not Found", "Page Not Found", words(990)),
		"page headed not found, 1000 words": doc("Page Not Found", "Page Not Found", words(1000)),
		"long nav, short main, error sentence": []byte("<html><head><title>Example Agency</title></head><body><nav>" +
			words(400) + "</nav><main><p>The page you requested could not be found.</p></main></body></html>"),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(f)] = b
	}
	kinds := map[string]int{}
	html := http.Header{"Content-Type": {"text/html"}}
	var softTree *xhtml.Node // a soft-error page's tree
	var realBody []byte      // a real page's body
	for name, body := range bodies {
		tree, err := xhtml.Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		switch k, _ := Classify(200, html, body); {
		case k == KindSoftError && softTree == nil:
			softTree = tree
		case k == "" && realBody == nil:
			realBody = body
		}
		before := render(t, tree)
		for _, st := range []int{200, 403, 429, 503} {
			wantKind, wantWhy := Classify(st, html, body)
			kind, why := ClassifyTree(st, html, body, tree)
			if kind != wantKind || why != wantWhy {
				t.Errorf("%s/%d: ClassifyTree = %q %q, Classify = %q %q", name, st, kind, why, wantKind, wantWhy)
			}
			if st == 200 {
				kinds[kind]++
			}
		}
		if render(t, tree) != before {
			t.Errorf("%s: ClassifyTree changed the tree", name)
		}
	}
	// The verdict is the tree's: a real page's bytes with a soft-error
	// page's tree is a soft error.
	if k, _ := ClassifyTree(200, html, realBody, softTree); k != KindSoftError {
		t.Errorf("a real page's bytes with a soft-error page's tree: %q, want %q", k, KindSoftError)
	}
	// The pages must exercise every verdict, or agreement proves little.
	if kinds[KindBlocked] == 0 || kinds[KindSoftError] == 0 || kinds[""] == 0 {
		t.Errorf("verdicts at 200: %v; want blocked, soft-error and real pages", kinds)
	}
	if k, _ := ClassifyTree(200, html, bodies["long page, meta status at the end"], nil); k != KindSoftError {
		t.Errorf("a long page declaring 404 at its end: %q, want %q", k, KindSoftError)
	}
	if k, _ := ClassifyTree(200, html, bodies["long nav, short main, error sentence"], nil); k != KindSoftError {
		t.Errorf("a short main with an error sentence inside a long menu: %q, want %q", k, KindSoftError)
	}
	if k, _ := ClassifyTree(200, html, bodies["page headed not found, 990 words"], nil); k != KindSoftError {
		t.Errorf("a page headed and titled not found under 1000 words: %q, want %q", k, KindSoftError)
	}
	if k, _ := ClassifyTree(200, html, bodies["page headed not found, 1000 words"], nil); k != "" {
		t.Errorf("a page headed and titled not found with 1000 words: %q, want a real page", k)
	}
}

// TestCountWords checks the word count the page rules use.
func TestCountWords(t *testing.T) {
	for s, want := range map[string]int{
		"":                        0,
		"  ":                      0,
		"one":                     1,
		" one  two\tthree\n":      3,
		"§ 1 — of – the ... (a)":  4,
		"naïve café 1.5 --- ***":  3,
		"\u00a0non\u00a0breaking": 2,
	} {
		if got := countWords(s); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	}
}

func words(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = "word" + string(rune('a'+i%26))
	}
	return strings.Join(w, " ")
}

func render(t *testing.T, n *xhtml.Node) string {
	t.Helper()
	var b bytes.Buffer
	if err := xhtml.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCountWordsAgrees compares countWords, which reads ASCII bytes
// without decoding them, with its definition: the white-space separated
// fields that hold a letter or a digit.
func TestCountWordsAgrees(t *testing.T) {
	ref := func(s string) int {
		n := 0
		for _, f := range strings.FieldsFunc(s, unicode.IsSpace) {
			if strings.IndexFunc(f, isAlnum) >= 0 {
				n++
			}
		}
		return n
	}
	pieces := []string{"a", "Z", "7", " ", "\t", "\n", "\v", "\f", "\r", "\x1c", "\x00", "-", ".", "§", "é", "\u00a0", "\u0085",
		"\u2003", "\u3000", "政", "\xff", "\xe2\x82", "word"}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		var b strings.Builder
		for range r.IntN(16) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if s := b.String(); countWords(s) != ref(s) {
			t.Fatalf("case %d: countWords(%q) = %d, decoded runes give %d", i, s, countWords(s), ref(s))
		}
	}
}
