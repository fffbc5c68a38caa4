package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/diff"
	"redline/internal/testsite"
	"redline/noise"
)

const corpus = "../../shared/corpus"

// TestCorpusEvaluation runs every labelled pair through the real pipeline
// with default settings: each must come out as labelled.
func TestCorpusEvaluation(t *testing.T) {
	r, err := Evaluate(context.Background(), corpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) < 7 {
		t.Fatalf("only %d cases evaluated", len(r.Results))
	}
	for _, c := range r.Results {
		if c.Got != c.Expect {
			t.Errorf("%s: expected alert=%v, got %v (%s: %s)", c.Name, c.Expect, c.Got, c.Outcome, c.Detail)
		}
	}
	if r.Precision != 1 || r.Recall != 1 {
		t.Errorf("precision %.2f recall %.2f", r.Precision, r.Recall)
	}
}

var html = http.Header{"Content-Type": {"text/html; charset=utf-8"}}

func judgePair(t *testing.T, tg redline.Target, a, b []byte) Verdict {
	t.Helper()
	var j Judge
	va := j.Judge(context.Background(), tg, nil, nil, Page{Status: 200, Header: html, Body: a})
	if va.Outcome != redline.OutcomeBaseline {
		t.Fatalf("baseline: %s %s", va.Outcome, va.Error)
	}
	return j.Judge(context.Background(), tg, &Prior{Baseline: Version{CaptureID: 1, Text: va.Text}}, nil,
		Page{Status: 200, Header: html, Body: b})
}

// TestOneWordInLongRealPages injects a one-word edit into the body text of
// long real pages: it is found, alone, and the hunk names its heading.
func TestOneWordInLongRealPages(t *testing.T) {
	cases := []struct {
		file, from, to, heading string
	}{
		{"pairs/noaa-date-and-view-counter.a.html", "improved slightly", "improved significantly", "Comparing Two Generations of Climate Model Simulations and Projections of Regional Climate Processes for North America"},
		{"pairs/fema-maria-mojibake.a.html", "more than 12,300 federal staff", "more than 12,800 federal staff", "Federal Response Updates"},
		{"pairs/datagov-dataset-link-removed.a.html", "will bring stakeholders", "will give stakeholders", "Introducing New Rural Housing Data from USDA"},
		{"pairs/epa-hfstudy-identical.a.html", "over 25 peer-reviewed", "over 30 peer-reviewed", "EPA Published Research Related to the Hydraulic Fracturing Study"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			a, err := os.ReadFile(corpus + "/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			// Edit the first occurrence inside the page's visible body text.
			var j Judge
			base := j.Judge(context.Background(), redline.Target{}, nil, nil, Page{Status: 200, Header: html, Body: a})
			if !strings.Contains(base.Text, c.from) {
				t.Fatalf("%q is not in the extracted text", c.from)
			}
			i := strings.Index(string(a), ">") // past the doctype
			k := strings.Index(string(a[i:]), c.from)
			for k >= 0 && !inText(string(a), i+k) {
				i += k + len(c.from)
				k = strings.Index(string(a[i:]), c.from)
			}
			if k < 0 {
				t.Fatalf("%q not found in body text", c.from)
			}
			b := []byte(string(a[:i+k]) + c.to + string(a[i+k+len(c.from):]))
			v := judgePair(t, redline.Target{Keywords: []string{"federal"}}, a, b)
			if v.Outcome != redline.OutcomeChanged || len(v.Diff.Hunks) != 1 {
				t.Fatalf("outcome %s with %d hunks: %s", v.Outcome, len(v.Diff.Hunks), v.Diff.WordDiff())
			}
			h := v.Diff.Hunks[0]
			wd := v.Diff.WordDiff()
			if !strings.Contains(wd, "{+") || !strings.Contains(wd, "[-") || len(wd) > 400 {
				t.Fatalf("word diff is not a short one-edit hunk:\n%s", wd)
			}
			if len(h.Heading) == 0 {
				t.Fatalf("hunk has no heading path:\n%s", wd)
			}
			if c.heading != "" && !slices.Contains(h.Heading, c.heading) {
				t.Fatalf("heading path %q lacks %q", h.Heading, c.heading)
			}
			// The heading path is made of real heading lines of the page.
			for _, part := range h.Heading {
				if !strings.Contains(v.Compared, "# "+part) {
					t.Errorf("heading %q is not a heading line of the page", part)
				}
			}
		})
	}
}

// inText reports whether byte i of an HTML document sits in text content
// (not inside a tag), by the nearest '<' and '>' before it.
func inText(doc string, i int) bool {
	return strings.LastIndex(doc[:i], ">") > strings.LastIndex(doc[:i], "<")
}

func TestDefaultNoiseIsNotAChange(t *testing.T) {
	paras := []string{"## Scope", "Officers shall not honor civil detainers without a judicial warrant."}
	fetched := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	page := func(extra ...string) []byte {
		return []byte(testsite.PolicyPage("Policy", append(append([]string{}, paras...), extra...), ""))
	}
	cases := []struct {
		name    string
		before  []string
		after   []string
		change  bool
		extract bool // extraction already makes the texts equal
	}{
		{"fetch-day stamp", []string{"Page last updated November 25, 2026 10:14 am"}, []string{"Page last updated November 26, 2026 8:02 am"}, false, false},
		{"view counter", []string{"Number of views (4099)"}, []string{"Number of views (4116)"}, false, false},
		{"curly quotes", []string{"The \u201cTRUST Act\u201d applies."}, []string{"The \"TRUST Act\" applies."}, false, false},
		{"ligature", []string{"The \ufb01eld o\ufb03ce shall comply."}, []string{"The field office shall comply."}, false, false},
		{"nbsp and soft hyphen", []string{"within\u00a024 hours of re\u00adlease"}, []string{"within 24 hours of release"}, false, true},
		{"a number in policy text", []string{"within 24 hours"}, []string{"within 48 hours"}, true, false},
		{"a date in a law", []string{"Effective October 3, 2017"}, []string{"Effective October 5, 2017"}, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var j Judge
			tg := redline.Target{}
			va := j.Judge(context.Background(), tg, nil, nil, Page{Status: 200, Header: html, Body: page(c.before...), FetchedAt: fetched.Add(-24 * time.Hour)})
			vb := j.Judge(context.Background(), tg, &Prior{Baseline: Version{CaptureID: 1, Text: va.Text, FetchedAt: fetched.Add(-24 * time.Hour)}}, nil,
				Page{Status: 200, Header: html, Body: page(c.after...), FetchedAt: fetched})
			if vb.Changed() != c.change {
				t.Fatalf("changed = %v, want %v (%s)\n%s", vb.Changed(), c.change, vb.Outcome, vb.Diff.WordDiff())
			}
			if !c.change && !c.extract && vb.Text == va.Text {
				t.Fatal("test pages do not differ at all")
			}
			// With the default rules off, the noise shows (Unicode folding aside).
			if !c.change && strings.HasPrefix(c.name, "fetch-day") {
				raw := redline.Target{NoDefaultIgnore: true}
				vr := j.Judge(context.Background(), raw, &Prior{Baseline: Version{CaptureID: 1, Text: va.Text}}, nil,
					Page{Status: 200, Header: html, Body: page(c.after...), FetchedAt: fetched})
				if !vr.Changed() {
					t.Fatal("default_ignore: false still ignored the stamp")
				}
			}
		})
	}
}

func TestUserIgnoreAndKeywords(t *testing.T) {
	before := testsite.PolicyPage("Policy", []string{"Quote of the day: carpe diem.", "Sanctuary jurisdictions shall comply."}, "")
	after := testsite.PolicyPage("Policy", []string{"Quote of the day: festina lente.", "Sanctuary jurisdictions shall comply."}, "")
	tg := redline.Target{Ignore: []string{`Quote of the day: .*`}}
	if v := judgePair(t, tg, []byte(before), []byte(after)); v.Changed() {
		t.Fatalf("ignored line alerted:\n%s", v.Diff.WordDiff())
	}
	after2 := testsite.PolicyPage("Policy", []string{"Quote of the day: carpe diem.", "Sanctuary jurisdictions may comply."}, "")
	tg.Keywords = []string{"sanctuary"}
	v := judgePair(t, tg, []byte(before), []byte(after2))
	if !v.Changed() || v.Analysis.Significance != diff.High || !slices.Contains(v.Analysis.KeywordsNear, "sanctuary") {
		t.Fatalf("analysis = %+v", v.Analysis)
	}
	for _, r := range []Route{{MinSignificance: diff.High}, {KeywordsOnly: true}, {MinWords: 2}} {
		if !r.wants(&v) {
			t.Errorf("route %+v refused a high keyword change of 2 words", r)
		}
	}
	if (Route{MinWords: 3}).wants(&v) {
		t.Error("min_words 3 let a 2-word change through")
	}
	low := judgePair(t, redline.Target{}, []byte(before), []byte(strings.Replace(before, "comply.", "comply!", 1)))
	if !low.Changed() || (Route{MinSignificance: diff.Medium}).wants(&low) || (Route{KeywordsOnly: true}).wants(&low) {
		t.Errorf("punctuation change passed a medium or keywords-only route: %+v", low.Analysis)
	}
}

func TestBlockedAndSoftErrorPages(t *testing.T) {
	akamai, err := os.ReadFile(corpus + "/blocked/akamai-access-denied-1.html")
	if err != nil {
		t.Fatal(err)
	}
	var j Judge
	for _, c := range []struct {
		name    string
		status  int
		body    string
		outcome redline.Outcome
	}{
		{"akamai 403", 403, string(akamai), redline.OutcomeBlocked},
		{"akamai served as 200", 200, string(akamai), redline.OutcomeBlocked},
		{"rate limit page as 200", 200, "<html><head><title>Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>", redline.OutcomeBlocked},
		{"soft 404", 200, "<html><head><title>Page Not Found | Agency</title></head><body><h1>Page Not Found</h1><p>Try the search.</p></body></html>", redline.OutcomeError},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := j.Judge(context.Background(), redline.Target{}, &Prior{Baseline: Version{Text: "Real policy"}}, nil,
				Page{Status: c.status, Header: html, Body: []byte(c.body)})
			if v.Outcome != c.outcome || v.Changed() || v.Text != "" {
				t.Fatalf("outcome %s (%s), want %s", v.Outcome, v.Error, c.outcome)
			}
		})
	}
}

// TestLearnedVolatility: a block that changes at every check while nothing
// else does is learned, and then its changes alone are not alerted; a real
// edit elsewhere still is.
func TestLearnedVolatility(t *testing.T) {
	var j Judge
	vol := &noise.Volatility{}
	page := func(quote, rule string) []byte {
		paras := []string{"## Daily notice", "Today's notice number " + quote + " is posted.",
			"## Rules", "Officers " + rule + " honor detainers.", "Reports are published monthly."}
		for i := range 12 {
			paras = append(paras, fmt.Sprintf("Section %d of the rules stays as it is.", i+2))
		}
		return []byte(testsite.PolicyPage("Policy", paras, ""))
	}
	prev := j.Judge(context.Background(), redline.Target{}, nil, vol, Page{Status: 200, Header: html, Body: page("alpha", "shall not")})
	words := []string{"bravo", "charlie", "delta", "echo", "foxtrot", "golf"}
	var volatileOnly []bool
	for _, w := range words {
		v := j.Judge(context.Background(), redline.Target{}, &Prior{Baseline: Version{CaptureID: 1, Text: prev.Text}}, vol,
			Page{Status: 200, Header: html, Body: page(w, "shall not")})
		if !v.Changed() {
			t.Fatalf("%s: not a change", w)
		}
		volatileOnly = append(volatileOnly, v.VolatileOnly)
		prev = v
	}
	if volatileOnly[0] || !volatileOnly[len(volatileOnly)-1] {
		t.Fatalf("volatile-only per check = %v: want learned after a few checks", volatileOnly)
	}
	if len(vol.Keys()) != 1 {
		t.Fatalf("volatile keys = %v, want the one notice block", vol.Keys())
	}
	v := j.Judge(context.Background(), redline.Target{}, &Prior{Baseline: Version{CaptureID: 1, Text: prev.Text}}, vol,
		Page{Status: 200, Header: html, Body: page("hotel", "may")})
	if !v.Changed() || v.VolatileOnly {
		t.Fatalf("an edit outside the volatile block must alert: changed %v volatile-only %v", v.Changed(), v.VolatileOnly)
	}
}

// TestUnchangedNeedsNoBaselineText: a page whose text hashes like the
// baseline's is unchanged without loading the baseline's text; a different
// one loads it once.
func TestUnchangedNeedsNoBaselineText(t *testing.T) {
	var j Judge
	body := []byte(testsite.PolicyPage("Policy", []string{"Officers shall not honor detainers."}, ""))
	base := j.Judge(context.Background(), redline.Target{}, nil, nil, Page{Status: 200, Header: html, Body: body})
	loads := 0
	prior := &Prior{Baseline: Version{CaptureID: 1, TextSHA256: base.TextSHA256},
		LoadText: func() (string, error) { loads++; return base.Text, nil }}
	if v := j.Judge(context.Background(), redline.Target{}, prior, nil, Page{Status: 200, Header: html, Body: body}); v.Outcome != redline.OutcomeUnchanged || loads != 0 {
		t.Fatalf("same page: %s with %d loads", v.Outcome, loads)
	}
	edited := []byte(strings.Replace(string(body), "shall not", "shall", 1))
	if v := j.Judge(context.Background(), redline.Target{}, prior, nil, Page{Status: 200, Header: html, Body: edited}); v.Outcome != redline.OutcomeChanged || loads != 1 {
		t.Fatalf("edited page: %s with %d loads", v.Outcome, loads)
	}
}

func TestShaStringMatchesSum256(t *testing.T) {
	// Lengths around the copy buffer's size, and empty.
	for _, n := range []int{0, 1, 4095, 4096, 4097, 3*4096 + 17} {
		s := strings.Repeat("§ policy ", n/10+1)[:n]
		sum := sha256.Sum256([]byte(s))
		if got, want := shaString(s), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("length %d: shaString %s, sha %s", n, got, want)
		}
	}
}
