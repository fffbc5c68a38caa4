package extract

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpus is the shared test corpus of real government pages; the CI clone
// has shared/ beside the repository.
const corpus = "../../shared/corpus"

func pairFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpus, "pairs", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no corpus pages under %s/pairs", corpus)
	}
	sort.Strings(files)
	return files
}

func extractFile(t testing.TB, path string) Result {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Text(body, "text/html", Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func TestCorpusPairs(t *testing.T) {
	// Fragments of JavaScript and CSS that must never reach the extracted
	// text; every corpus page's source contains several of them.
	codeMarkers := []string{
		"<script", "</script", "<style", "function(", "function ()", "var ", "window.",
		"document.", "jQuery", "@media", "!important", "font-family", "display:none",
		"display: none", "{color", "text-decoration:",
	}
	for _, path := range pairFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			present := 0
			for _, m := range codeMarkers {
				if strings.Contains(string(raw), m) {
					present++
				}
			}
			if !strings.Contains(strings.ToLower(string(raw)), "<script") || present < 3 {
				t.Fatalf("fixture no longer holds script/CSS to strip (%d markers)", present)
			}
			r := extractFile(t, path)
			if r.Text == "" || r.Title == "" {
				t.Fatalf("empty text or title: %q / %q", r.Text, r.Title)
			}
			if len(strings.Split(r.Text, "\n")) < 5 { // doi-footer-carousel is 5 lines once its share widget is dropped
				t.Errorf("only %d lines: block structure lost", len(strings.Split(r.Text, "\n")))
			}
			for _, m := range codeMarkers {
				if i := strings.Index(r.Text, m); i >= 0 {
					t.Errorf("text contains %q: …%s…", m, r.Text[max(0, i-60):min(len(r.Text), i+60)])
				}
			}
			for i, line := range strings.Split(r.Text, "\n") {
				if line == "" || line != strings.TrimSpace(line) || strings.Contains(line, "  ") {
					t.Errorf("line %d not normalised: %q", i+1, line)
				}
			}
			if r.Charset != "utf-8" {
				t.Errorf("Charset = %q, want utf-8", r.Charset)
			}
		})
	}
}

func TestCorpusPairComparisons(t *testing.T) {
	text := func(name, side string) string {
		return extractFile(t, filepath.Join(corpus, "pairs", name+"."+side+".html")).Text
	}
	t.Run("epa-hfstudy-identical a and b extract identically", func(t *testing.T) {
		a, b := text("epa-hfstudy-identical", "a"), text("epa-hfstudy-identical", "b")
		if a != b {
			t.Error("identical captures gave different text")
		}
		for _, want := range []string{
			"# EPA Published Research Related to the Hydraulic Fracturing Study",
			"## Case Studies",
			"- Raton Basin, Colorado",
		} {
			if !strings.Contains(a, "\n"+want+"\n") {
				t.Errorf("missing line %q", want)
			}
		}
	})
	t.Run("doi-footer-carousel: carousel in the banner is dropped", func(t *testing.T) {
		a, b := text("doi-footer-carousel", "a"), text("doi-footer-carousel", "b")
		if a != b {
			t.Errorf("a and b differ:\n%s\n----\n%s", a, b)
		}
		if !strings.Contains(a, "# Mission Statement") || strings.Contains(a, "golden-cheeked warbler") {
			t.Errorf("unexpected text:\n%s", a)
		}
	})
	t.Run("datagov: the removed link shows in the text", func(t *testing.T) {
		const link = "View this Dataset"
		a, b := text("datagov-dataset-link-removed", "a"), text("datagov-dataset-link-removed", "b")
		if na, nb := strings.Count(a, link), strings.Count(b, link); na != nb+1 {
			t.Errorf("%q occurs %d times in a, %d in b; want one fewer in b", link, na, nb)
		}
		// Article headers hold the dataset titles: they must survive.
		if !strings.Contains(a, "## ERS Food Access Research Atlas API") {
			t.Error("article header title lost")
		}
	})
	t.Run("fema: UTF-8 decoded", func(t *testing.T) {
		a := text("fema-maria-mojibake", "a")
		if !strings.Contains(a, "- Español | Spanish") || strings.Contains(a, "Ã") {
			t.Errorf("bad decoding:\n%s", a)
		}
	})
}

func TestCorpusUnknownEncoding(t *testing.T) {
	r := extractFile(t, filepath.Join(corpus, "encoding", "unknown_encoding.html"))
	if r.Charset != "windows-1252" {
		t.Errorf("Charset = %q, want windows-1252 (the declared label is bogus)", r.Charset)
	}
	if r.Title != "NWS Level II Radar Receive Status" {
		t.Errorf("Title = %q", r.Title)
	}
	for _, want := range []string{
		"NWS Level II Radar Receive Status as of Tue Jan 17 14:14:06 UTC 2017",
		"Key: Green=Up (Lvl2<5 min); Yellow=Warning (5<=Lvl2<30 min); Orange=Down (Lvl2&Lvl3>10 min); Red=Down (Lvl2>=30 min)",
		"KAKQ06 14:13:02 | KBGM06 14:13:03 | KBOX06 13:12:47 | KBUF06 14:13:04",
		"151 sites up (96%) of 158 total radar sites monitored",
	} {
		if !strings.Contains("\n"+r.Text+"\n", "\n"+want+"\n") {
			t.Errorf("missing line %q in:\n%s", want, r.Text)
		}
	}
}

// BenchmarkTextLargePage extracts the largest page of the corpus.
func BenchmarkTextLargePage(b *testing.B) {
	var path string
	var size int64
	for _, f := range pairFiles(b) {
		if fi, err := os.Stat(f); err == nil && fi.Size() > size {
			path, size = f, fi.Size()
		}
	}
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d bytes", filepath.Base(path), len(body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Text(body, "text/html", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
