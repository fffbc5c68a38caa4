package extract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocSharesOneParse checks that a Doc parses an HTML page once for
// every reader of its tree, extracts what TextContext extracts, and parses
// again after an extraction removed excluded elements from the tree.
func TestDocSharesOneParse(t *testing.T) {
	ctx := context.Background()
	files := append(pairFiles(t), filepath.Join(corpus, "encoding", "unknown_encoding.html"))
	opts := []Options{{}, {Select: []string{"main, #content, body"}}, {Exclude: []string{"p"}}}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range []string{"text/html", ""} {
			d := Parse(body, ct)
			tree := d.HTML()
			if tree == nil || d.HTML() != tree {
				t.Fatalf("%s: HTML() = %p then %p, want one tree", f, tree, d.HTML())
			}
			for _, opt := range opts {
				want, wantErr := TextContext(ctx, body, ct, opt)
				got, err := d.Text(ctx, opt)
				if got != want || (err == nil) != (wantErr == nil) {
					t.Errorf("%s %q %+v: Doc.Text = %q, %v; TextContext = %q, %v", filepath.Base(f), ct, opt,
						clip(got.Text), err, clip(want.Text), wantErr)
				}
			}
		}
	}

	page := []byte(`<html><head><title>T</title></head><body><p>kept</p><div class="x">removed</div></body></html>`)
	d := Parse(page, "text/html; charset=utf-8")
	tree := d.HTML()
	r, err := d.Text(ctx, Options{Exclude: []string{".x"}})
	if err != nil || r.Text != "kept" {
		t.Fatalf("Text with Exclude = %q, %v; want %q", r.Text, err, "kept")
	}
	// Text pruned the tree it shares with HTML, rather than a copy of its
	// own...
	if strings.Contains(subtreeText(tree), "removed") {
		t.Errorf("Text with Exclude left the shared tree whole: it parsed the page again")
	}
	// ...so HTML parses the page again.
	again := d.HTML()
	if again == tree || !strings.Contains(subtreeText(again), "removed") {
		t.Errorf("after an Exclude, HTML() gave the pruned tree (%q), want the page parsed again", subtreeText(again))
	}
	if r, _ := d.Text(ctx, Options{}); r.Text != "kept\nremoved" {
		t.Errorf("a second Text = %q, want the whole page", r.Text)
	}
	for _, c := range []struct{ ct, body string }{{"application/json", `{"a":1}`}, {"application/pdf", "%PDF-1.7"}, {"text/plain", "x"}} {
		if Parse([]byte(c.body), c.ct).HTML() != nil {
			t.Errorf("%s: HTML() is a tree, want nil", c.ct)
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
