package diff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// watched are the keywords of the keyword tests.
var watched = []string{"sanctuary", "detainer", "8 U.S.C. 1373", "Supremacy Clause"}

func TestAnalyze(t *testing.T) {
	far := " one two three four five six seven eight nine ten eleven twelve."
	tests := []struct {
		name     string
		old, new string
		keywords []string
		level    Level
		signals  []string
		reasons  []string // each must be among the reasons
		excludes []string // no reason may contain these
		added    []string // keywords
		removed  []string
		near     []string
	}{
		// Modal verbs and negation.
		{
			name: "shall to may", old: "The officer shall approve the request.\n", new: "The officer may approve the request.\n",
			level: High, signals: []string{"modal"},
			reasons: []string{`modal verb changed: "shall" -> "may"`},
		},
		{
			name: "shall to shall not is negation and modal", old: "The officer shall approve the request.\n", new: "The officer shall not approve the request.\n",
			level: High, signals: []string{"modal", "negation"},
			reasons: []string{`modal verb changed: "shall" -> "shall not"`, `negation added: "not"`},
		},
		{
			name: "must not to must", old: "Staff must not share records.\n", new: "Staff must share records.\n",
			level: High, signals: []string{"modal", "negation"},
			reasons: []string{`modal verb changed: "must not" -> "must"`, `negation removed: "not"`},
		},
		{
			name: "modal added", old: "The county honors detainers.\n", new: "The county will honor detainers.\n",
			level: High, signals: []string{"modal"},
			reasons: []string{`modal verb added: "will"`},
		},
		{
			name: "deontic phrase", old: "Officers are required to report.\n", new: "Officers are authorized to report.\n",
			level: High, signals: []string{"modal"},
			reasons: []string{`modal verb changed: "required to" -> "authorized to"`},
		},
		{
			name: "negation no added", old: "There is the exception.\n", new: "There is no exception.\n",
			level: High, signals: []string{"negation"},
			reasons: []string{`negation added: "no"`},
		},
		{
			name: "never replaces always", old: "Staff always ask.\n", new: "Staff never ask.\n",
			level: High, signals: []string{"negation"},
			reasons: []string{`negation added: "never"`},
		},
		{
			name: "contraction is the same negation", old: "Staff do not ask.\n", new: "Staff don't ask.\n",
			level: Low, reasons: []string{"minor wording change (+1 -2 words)"},
		},
		{
			name: "won't is will not", old: "The county won't comply.\n", new: "The county will not comply.\n",
			level: Low,
		},
		{
			name: "modal capitalised", old: "Officers Shall comply.\n", new: "Officers shall comply.\n",
			level: Low,
		},
		{
			name: "modal near but not touched", old: "The officer shall promptly notify.\n", new: "The officer shall quickly notify.\n",
			level: Low,
		},
		{
			name: "word inserted after a modal", old: "The county will notify.\n", new: "The county will promptly notify.\n",
			level: Low,
		},
		// Numbers, dates and amounts.
		{
			name: "number changed", old: "The county will hold 12,300 people.\n", new: "The county will hold 14,000 people.\n",
			level: Medium, signals: []string{"number"},
			reasons: []string{`number changed: "12,300" -> "14,000"`},
		},
		{
			name: "thousands separator only", old: "It holds 1,000 beds.\n", new: "It holds 1000 beds.\n",
			level: Low,
		},
		{
			name: "decimal", old: "Within 1.5 miles.\n", new: "Within 1.75 miles.\n",
			level: Medium, signals: []string{"number"},
			reasons: []string{`number changed: "1.5" -> "1.75"`},
		},
		{
			name: "section number", old: "as required by 8 U.S.C. § 1373 and more\n", new: "as required by 8 U.S.C. § 1644 and more\n",
			level: Medium, signals: []string{"number"}, // "required by" is no deontic phrase
			reasons: []string{`number changed: "§ 1373" -> "§ 1644"`},
		},
		{
			name: "order number is not a negation", old: "Executive Order No. 13768 applies.\n", new: "Executive Order No. 13769 applies.\n",
			level: Medium, signals: []string{"number"},
			reasons: []string{`number changed: "13768" -> "13769"`},
		},
		{
			name: "date split across context", old: "Effective October 3, 2017 onwards.\n", new: "Effective October 5, 2017 onwards.\n",
			level: Medium, signals: []string{"date", "number"},
			reasons:  []string{`date changed: "October 3, 2017" -> "October 5, 2017"`},
			excludes: []string{"number changed"},
		},
		{
			name: "ISO date", old: "Signed 2017-10-03 in Washington.\n", new: "Signed 2017-10-05 in Washington.\n",
			level: Medium, signals: []string{"date", "number"},
			reasons: []string{`date changed: "2017-10-03" -> "2017-10-05"`},
		},
		{
			name: "US date", old: "Signed 10/03/2017 in Washington.\n", new: "Signed 10/05/2017 in Washington.\n",
			level: Medium, signals: []string{"date", "number"},
			reasons: []string{`date changed: "10/03/2017" -> "10/05/2017"`},
		},
		{
			name: "abbreviated month", old: "Signed Oct. 3, 2017 in Washington.\n", new: "Signed Nov. 3, 2017 in Washington.\n",
			level: Medium, signals: []string{"date"},
			reasons: []string{`date changed: "Oct. 3, 2017" -> "Nov. 3, 2017"`},
		},
		{
			name: "May is a month in a date", old: "Valid until May 5, 2017 only.\n", new: "Valid until June 5, 2017 only.\n",
			level: Medium, signals: []string{"date"},
			reasons: []string{`date changed: "May 5, 2017" -> "June 5, 2017"`},
		},
		{
			name: "date written another way", old: "Signed on October 3, 2017 here.\n", new: "Signed on 10/03/2017 here.\n",
			level: Low,
		},
		{
			name: "amount", old: "A grant of $50 million is withheld.\n", new: "A grant of $75 million is withheld.\n",
			level: Medium, signals: []string{"amount", "number"},
			reasons:  []string{`amount changed: "$50 million" -> "$75 million"`},
			excludes: []string{"number changed"},
		},
		{
			name: "amount scale only", old: "A grant of $50 million is withheld.\n", new: "A grant of $50 billion is withheld.\n",
			level: Medium, signals: []string{"amount"},
			reasons: []string{`amount changed: "$50 million" -> "$50 billion"`},
		},
		{
			name: "percentage", old: "Funding drops by 15% this year.\n", new: "Funding drops by 20% this year.\n",
			level: Medium, signals: []string{"amount", "number"},
			reasons: []string{`amount changed: "15%" -> "20%"`},
		},
		{
			name: "amount added", old: "A fine applies.\n", new: "A fine of $1,000 applies.\n",
			level: Medium, signals: []string{"amount", "number"},
			reasons: []string{`amount added: "$1,000"`},
		},
		// Keywords.
		{
			name: "keyword added in plural", old: "The county honors requests.\n", new: "The county honors Detainers.\n", keywords: watched,
			level: High, signals: []string{"keyword"},
			reasons: []string{`keyword added: "detainer"`},
			added:   []string{"detainer"}, near: []string{"detainer"},
		},
		{
			name: "keyword removed", old: "This is a sanctuary jurisdiction.\n", new: "This is a welcoming jurisdiction.\n", keywords: watched,
			level: High, signals: []string{"keyword"},
			reasons: []string{`keyword removed: "sanctuary"`},
			removed: []string{"sanctuary"}, near: []string{"sanctuary"},
		},
		{
			name: "keyword near an edit", old: "Under the Supremacy Clause the county generally declines.\n", new: "Under the Supremacy Clause the county often declines.\n", keywords: watched,
			level: High, signals: []string{"keyword"},
			reasons: []string{`keyword near an edit: "Supremacy Clause"`},
			near:    []string{"Supremacy Clause"},
		},
		{
			name: "keyword with punctuation and flexible spaces", old: "It follows federal law.\n", new: "It follows 8  U.S.C.\t1373.\n", keywords: watched,
			level: High, signals: []string{"keyword", "number"},
			reasons: []string{`keyword added: "8 U.S.C. 1373"`},
			added:   []string{"8 U.S.C. 1373"}, near: []string{"8 U.S.C. 1373"},
		},
		{
			name: "keyword far from the edit", old: "The sanctuary policy stays." + far + " The fee is low.\n", new: "The sanctuary policy stays." + far + " The fee is small.\n", keywords: watched,
			level: Low,
		},
		{
			name: "keyword inside another word", old: "It is x.\n", new: "It is sanctuarywide.\n", keywords: watched,
			level: Low,
		},
		// Size and structure.
		{
			name: "article", old: "Submit the form today.\n", new: "Submit a form today.\n",
			level: Low, reasons: []string{"minor wording change (+1 -1 words)"},
		},
		{
			name: "adjective", old: "Submit a reasonable request.\n", new: "Submit a written request.\n",
			level: Low,
		},
		{
			name: "punctuation", old: "Fees apply, unless waived.\n", new: "Fees apply; unless waived.\n",
			level: Low, reasons: []string{"punctuation or spacing only"},
		},
		{
			name: "many words", old: "Keep. " + strings.Repeat("alpha beta ", 5) + "end.\n", new: "Keep. " + strings.Repeat("gamma delta ", 5) + "end.\n",
			level: Medium, reasons: []string{"20 words changed (+10 -10)"},
		},
		{
			name: "line added", old: "First rule.\nLast rule.\n", new: "First rule.\nA new rule applies.\nLast rule.\n",
			level: Medium, reasons: []string{`block added: "A new rule applies."`},
		},
		{
			name: "line removed", old: "First rule.\n- An old exception.\nLast rule.\n", new: "First rule.\nLast rule.\n",
			level: Medium, reasons: []string{`block removed: "- An old exception."`},
		},
		{
			name: "identical", old: "Same.\n", new: "Same.\n",
			level: Low,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Words(tt.old, tt.new, Options{})
			a := Analyze(&r, tt.old, tt.new, tt.keywords)
			show := fmt.Sprintf("%s%+v", r.WordDiff(), a)
			if a.Significance != tt.level {
				t.Errorf("significance %v, want %v\n%s", a.Significance, tt.level, show)
			}
			if !sameStrings(a.Signals, tt.signals) {
				t.Errorf("signals %q, want %q\n%s", a.Signals, tt.signals, show)
			}
			for _, want := range tt.reasons {
				if !slices.Contains(a.Reasons, want) {
					t.Errorf("reasons lack %q\n%s", want, show)
				}
			}
			for _, bad := range tt.excludes {
				for _, got := range a.Reasons {
					if strings.Contains(got, bad) {
						t.Errorf("reason %q has %q\n%s", got, bad, show)
					}
				}
			}
			if !sameStrings(a.KeywordsAdded, tt.added) || !sameStrings(a.KeywordsRemoved, tt.removed) || !sameStrings(a.KeywordsNear, tt.near) {
				t.Errorf("keywords +%q -%q near %q, want +%q -%q near %q", a.KeywordsAdded, a.KeywordsRemoved, a.KeywordsNear, tt.added, tt.removed, tt.near)
			}
			var union []string
			for _, h := range r.Hunks {
				for _, s := range h.Signals {
					if !slices.Contains(union, s) {
						union = append(union, s)
					}
				}
			}
			slices.Sort(union)
			if len(a.KeywordsAdded)+len(a.KeywordsRemoved) == 0 && !sameStrings(union, a.Signals) {
				t.Errorf("hunk signals %q, analysis signals %q", union, a.Signals)
			}
		})
	}
}

// sameStrings compares string lists, nil and empty being equal.
func sameStrings(a, b []string) bool {
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}

func TestAnalyzeHunkSignals(t *testing.T) {
	old := "The officer shall approve the request.\n" + paragraph(30, nil) + "\nThe fee is 30 dollars.\n" + paragraph(30, nil) + "\nSubmit the form.\n"
	new := "The officer may approve the request.\n" + paragraph(30, nil) + "\nThe fee is 45 dollars.\n" + paragraph(30, nil) + "\nSubmit a form.\n"
	r := Words(old, new, Options{})
	want := [][]string{{"modal"}, {"amount", "number"}, nil}
	for round := range 2 { // Analyze replaces the signals it set before
		a := Analyze(&r, old, new, nil)
		if len(r.Hunks) != len(want) {
			t.Fatalf("%d hunks, want %d:\n%s", len(r.Hunks), len(want), r.WordDiff())
		}
		for i, h := range r.Hunks {
			if !reflect.DeepEqual(h.Signals, want[i]) {
				t.Errorf("round %d: hunk %d signals %q, want %q", round, i, h.Signals, want[i])
			}
		}
		if want := []string{"amount", "modal", "number"}; !reflect.DeepEqual(a.Signals, want) {
			t.Errorf("analysis signals %q, want %q", a.Signals, want)
		}
		if want := []string{`modal verb changed: "shall" -> "may"`, `amount changed: "30 dollars" -> "45 dollars"`}; !reflect.DeepEqual(a.Reasons, want) {
			t.Errorf("reasons %q, want %q", a.Reasons, want)
		}
	}
	b, err := json.Marshal(r.Hunks[2])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"signals"`) || strings.Contains(string(b), `"heading"`) {
		t.Errorf("empty signals and heading are not omitted: %s", b)
	}
}

func TestAnalyzeEmpty(t *testing.T) {
	a := Analyze(&Result{}, "same", "same", watched)
	if a.Significance != Low || len(a.Signals)+len(a.Reasons)+len(a.KeywordsNear) != 0 {
		t.Fatalf("empty result: %+v", a)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"significance":"low","signals":[],"keywords_added":[],"keywords_removed":[],"keywords_near":[],"reasons":[]}`
	if string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
}

func TestAnalyzeReasonsCapped(t *testing.T) {
	var ob, nb strings.Builder
	for i := range 40 {
		fmt.Fprintf(&ob, "Rule %d: the fee is %d dollars.\n", i, 100+i)
		fmt.Fprintf(&nb, "Rule %d: the fee is %d dollars.\n", i, 200+i)
	}
	r := Words(ob.String(), nb.String(), Options{})
	a := Analyze(&r, ob.String(), nb.String(), nil)
	if len(a.Reasons) != maxReasons+1 || a.Reasons[maxReasons] != "and 21 more" {
		t.Fatalf("%d reasons, last %q", len(a.Reasons), a.Reasons[len(a.Reasons)-1])
	}
}

func TestKeywords(t *testing.T) {
	tests := []struct {
		term, text string
		want       int
	}{
		{"detainer", "Detainer detainers DETAINERS detainer's anti-detainer", 5},
		{"detainer", "detainerless predetainer detain", 0},
		{"sanctuary", "sanctuaries, Sanctuary; SANCTUARY-city", 3},
		{"policy", "policies policys policyholder", 2},
		{"8 U.S.C. 1373", "8 U.S.C. 1373; 8  U.S.C.   1373(a) and 8\tU.S.C. 1373", 3},
		{"8 U.S.C. 1373", "8 USC 1373, 8 U.S.C.1373, 8 U.S.C. 13731, 8 U.S.C. 1373s, 18 U.S.C. 1373", 0},
		{"8 U.S.C. 1373", "8 U.S.C.\n1373", 0},
		{"Supremacy Clause", "the supremacy  clause; Supremacy Clauses", 2},
		{"  Supremacy \t Clause ", "Supremacy Clause", 1},
		{"Supremacy Clause", "Supremacy\nClause", 0},
		{"officer's", "the officer’s duty", 1},
		{"12,300", "12,300 people, not 12.300 or 12300", 1},
		{"", "anything", 0},
	}
	for _, tt := range tests {
		t.Run(tt.term+"/"+tt.text, func(t *testing.T) {
			k := newKeywords([]string{tt.term})
			got := 0
			if len(k.terms) > 0 {
				got = k.count(tt.text)[0]
			}
			if got != tt.want {
				t.Fatalf("%q in %q: %d, want %d", tt.term, tt.text, got, tt.want)
			}
		})
	}
	k := newKeywords([]string{"Sanctuary", "sanctuary ", "", "  ", "Detainer"})
	if want := []string{"Sanctuary", "Detainer"}; !reflect.DeepEqual(k.terms, want) {
		t.Errorf("terms %q, want %q", k.terms, want)
	}
}

func TestNumberKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"12,300", "12300"}, {"1,5", "1,5"}, {"007", "7"}, {"0", "0"}, {"0.05", "0.05"},
		{"10/03/2017", "10/3/2017"}, {"1,005", "1005"}, {"3rd", "3rd"}, {"1373", "1373"},
	}
	for _, tt := range tests {
		if got := numberKey(tt.in); got != tt.want {
			t.Errorf("numberKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLevel(t *testing.T) {
	for _, l := range []Level{Low, Medium, High} {
		got, err := ParseLevel(" " + strings.ToUpper(l.String()) + " ")
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l.String(), got, err)
		}
	}
	if !(Low < Medium && Medium < High) {
		t.Error("levels are not ordered")
	}
	_, err := ParseLevel("urgent")
	if err == nil || !strings.Contains(err.Error(), `"urgent"`) || !strings.Contains(err.Error(), "low, medium, high") {
		t.Errorf("ParseLevel(urgent) error %v", err)
	}
	if _, err := ParseLevel(""); err == nil {
		t.Error("ParseLevel accepts an empty string")
	}
	if s := Level(7).String(); s != "Level(7)" {
		t.Errorf("Level(7).String() = %q", s)
	}

	b, err := json.Marshal(Analysis{Significance: High})
	if err != nil || !strings.Contains(string(b), `"significance":"high"`) {
		t.Fatalf("JSON %s, %v", b, err)
	}
	var a Analysis
	if err := json.Unmarshal([]byte(`{"significance":"Medium"}`), &a); err != nil || a.Significance != Medium {
		t.Fatalf("unmarshal: %v, %v", a.Significance, err)
	}
	if err := json.Unmarshal([]byte(`{"significance":"severe"}`), &a); err == nil {
		t.Fatal("unmarshal accepts an unknown level")
	}
	if _, err := json.Marshal(Analysis{Significance: 9}); err == nil {
		t.Fatal("marshal accepts Level(9)")
	}
	var z struct {
		L Level `json:"l"`
	}
	if b, err := json.Marshal(z); err != nil || string(b) != `{"l":""}` {
		t.Fatalf("zero level: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"l":""}`), &z); err != nil || z.L != 0 {
		t.Fatalf("zero level back: %v, %v", z.L, err)
	}
}

func TestAnalyzePathological(t *testing.T) {
	// A shuffled megabyte: many hunks, or one coarse hunk when the diff
	// times out. Analyze is linear in the texts and hunks, so this must be
	// quick; no timing is asserted, only that the answer is well formed.
	old, new := shuffled(1 << 20)
	r := Words(old, new, Options{Timeout: 200 * time.Millisecond})
	kws := append(slices.Clone(watched), strings.Fields(old)[:50]...)
	a := Analyze(&r, old, new, kws)
	if a.Significance < Low || a.Significance > High {
		t.Fatalf("significance %v", a.Significance)
	}
	if len(a.Reasons) > maxReasons+1 {
		t.Fatalf("%d reasons", len(a.Reasons))
	}
	valid := []string{SignalAmount, SignalDate, SignalKeyword, SignalModal, SignalNegation, SignalNumber}
	for i, h := range r.Hunks {
		if !slices.IsSorted(h.Signals) {
			t.Fatalf("hunk %d signals unsorted: %q", i, h.Signals)
		}
		for _, s := range h.Signals {
			if !slices.Contains(valid, s) {
				t.Fatalf("hunk %d signal %q", i, s)
			}
		}
	}
	// The same words, reordered: no watched word is added or removed.
	if len(a.KeywordsAdded)+len(a.KeywordsRemoved) != 0 {
		t.Errorf("keywords +%q -%q in a shuffle", a.KeywordsAdded, a.KeywordsRemoved)
	}
}

func BenchmarkAnalyzePathological(b *testing.B) {
	old, new := shuffled(1 << 20)
	r := Words(old, new, Options{Timeout: 200 * time.Millisecond})
	b.SetBytes(int64(len(old) + len(new)))
	b.ResetTimer()
	for b.Loop() {
		Analyze(&r, old, new, watched)
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add("The officer shall approve.\n", "The officer may not approve.\n", "sanctuary")
	f.Add("# A\n## B\nOctober 3, 2017 $50 million 15%\n", "# A\nOct. 5 2017 $ 1,000.5 billion per cent\n## C\n", "8 U.S.C. 1373")
	f.Add("No. 5 § 1373 won't 10/03/2017\n", "no. § § 2017-10-03 3rd May\n- x | y", "parties")
	f.Fuzz(func(t *testing.T, old, new, keyword string) {
		if len(old)+len(new) > 1<<14 {
			t.Skip()
		}
		r := Words(old, new, Options{Context: len(keyword) % 4})
		a := Analyze(&r, old, new, []string{keyword, "sanctuary"})
		if a.Significance < Low || a.Significance > High {
			t.Fatalf("significance %v", a.Significance)
		}
		if (a.Significance == High) != (slices.Contains(a.Signals, SignalModal) || slices.Contains(a.Signals, SignalNegation) || slices.Contains(a.Signals, SignalKeyword)) {
			t.Fatalf("significance %v with signals %q", a.Significance, a.Signals)
		}
	})
}
