package noise

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redline/extract"
)

const corpus = "../../shared/corpus"

// extracted returns the text of a corpus page as the extractor gives it
// with default options.
func extracted(t testing.TB, name string) string {
	t.Helper()
	return extractedWith(t, name, extract.Options{})
}

func extractedWith(t testing.TB, name string, opt extract.Options) string {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(corpus, "pairs", name))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	res, err := extract.Text(body, "text/html", opt)
	if err != nil {
		t.Fatalf("extract %s: %v", name, err)
	}
	return res.Text
}

// TestCorpusNOAADateAndViewCounter compares the two captures of a page
// whose only changes are a "today's date" widget and a view counter. The
// default extraction may leave the widget out (it sits in the page header),
// so the test also prepends the widget's own text, as an extraction that
// keeps the header would.
func TestCorpusNOAADateAndViewCounter(t *testing.T) {
	r := mustCompile(t, nil, true)
	const name = "noaa-date-and-view-counter"
	widget := extract.Options{Select: []string{".eonCurDate"}}
	wa, wb := extractedWith(t, name+".a.html", widget), extractedWith(t, name+".b.html", widget)
	if wa != "Wednesday, February 01, 2017" || wb != "Thursday, February 02, 2017" {
		t.Fatalf("test premise: widgets %q %q", wa, wb)
	}
	da, db := extracted(t, name+".a.html"), extracted(t, name+".b.html")
	for _, v := range []struct {
		name string
		a, b string
		want []string // rule: text of what Ignored reports for b
	}{
		{"default extraction", da, db, []string{RuleViewCounter + ": 4116"}},
		{"with date widget", wa + "\n" + da, wb + "\n" + db,
			[]string{RuleWeekdayDateLine + ": Thursday, February 02, 2017", RuleViewCounter + ": 4116"}},
	} {
		if v.a == v.b {
			t.Fatalf("%s: test premise: the extracted texts differ", v.name)
		}
		for _, c := range []struct {
			name   string
			ta, tb time.Time
		}{
			{"fetch days", time.Date(2017, 2, 1, 12, 0, 0, 0, time.UTC), time.Date(2017, 2, 2, 12, 0, 0, 0, time.UTC)},
			{"zero fetch time", time.Time{}, time.Time{}},
		} {
			t.Run(v.name+"/"+c.name, func(t *testing.T) {
				ca, cb := r.Canonical(v.a, c.ta), r.Canonical(v.b, c.tb)
				if ca != cb {
					t.Errorf("Canonical differs:\n%s", lineDiff(ca, cb))
				}
				pa, pb := r.Pair(v.a, c.ta, v.b, c.tb)
				if pa != pb {
					t.Errorf("Pair differs:\n%s", lineDiff(pa, pb))
				}
				var got []string
				for _, m := range r.Ignored(v.b, c.tb) {
					got = append(got, m.Rule+": "+m.Text)
				}
				if strings.Join(got, "\n") != strings.Join(v.want, "\n") {
					t.Errorf("Ignored = %q, want %q", got, v.want)
				}
			})
		}
	}
}

func TestCorpusPairs(t *testing.T) {
	r := mustCompile(t, nil, true)
	ta := time.Date(2017, 10, 1, 12, 0, 0, 0, time.UTC)
	tb := time.Date(2017, 10, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		equal bool
	}{
		{"doi-footer-carousel", true},
		{"epa-hfstudy-identical", true},
		{"energy-homepage-headline-rotation", false},
		{"datagov-dataset-link-removed", false},
		{"epa-page-replaced", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := extracted(t, c.name+".a.html")
			b := extracted(t, c.name+".b.html")
			for _, zero := range []bool{false, true} {
				fa, fb := ta, tb
				if zero {
					fa, fb = time.Time{}, time.Time{}
				}
				ca, cb := r.Canonical(a, fa), r.Canonical(b, fb)
				pa, pb := r.Pair(a, fa, b, fb)
				if (ca == cb) != c.equal || (pa == pb) != c.equal {
					t.Errorf("zero time %t: Canonical equal %t, Pair equal %t, want %t\n%s", zero, ca == cb, pa == pb, c.equal, lineDiff(ca, cb))
				}
			}
		})
	}
}

// TestCorpusEnergyHeadlines checks that dated headlines are still compared
// when the fetch days are close to their dates: the added headlines' date
// is masked, but the headlines themselves still differ.
func TestCorpusEnergyHeadlines(t *testing.T) {
	r := mustCompile(t, nil, true)
	a := extracted(t, "energy-homepage-headline-rotation.a.html")
	b := extracted(t, "energy-homepage-headline-rotation.b.html")
	at := time.Date(2017, 9, 29, 12, 0, 0, 0, time.UTC)
	ca, cb := r.Pair(a, at, b, at.Add(24*time.Hour))
	if ca == cb {
		t.Fatal("headline rotation hidden")
	}
	if !strings.Contains(cb, "Secretary Perry Urges FERC") || strings.Contains(cb, "September 29, 2017") {
		t.Errorf("want the new headline kept and its date (the fetch day) masked")
	}
}

// lineDiff lists the lines that differ between two texts, for failures.
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(la), len(lb)) && len(out) < 20; i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
	}
	return strings.Join(out, "\n")
}

// BenchmarkCanonical measures Canonical on real extracted text: one corpus
// page, and about 150 KB made of several pages.
func BenchmarkCanonical(b *testing.B) {
	r := mustCompile(b, nil, true)
	user := mustCompile(b, []string{`Quote of the day: .*`, `(?i)visitors online: \d+`}, true)
	page := extracted(b, "datagov-dataset-link-removed.a.html")
	var big strings.Builder
	for big.Len() < 150<<10 {
		for _, n := range []string{"noaa-date-and-view-counter.a.html", "fema-maria-mojibake.a.html", "datagov-dataset-link-removed.a.html", "energy-homepage-headline-rotation.a.html"} {
			big.WriteString(extracted(b, n))
			big.WriteByte('\n')
		}
	}
	at := time.Date(2017, 10, 3, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		rules *Rules
		text  string
	}{
		{"datagov", r, page},
		{"150KB", r, big.String()},
		{"150KB-ignore", user, big.String()}, // plus two user patterns, one case-insensitive
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				c.rules.Canonical(c.text, at)
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := Compile([]string{`Quote of the day: .*`}, true); err != nil {
			b.Fatal(err)
		}
	}
}
