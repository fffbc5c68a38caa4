package noise

import (
	"errors"
	"regexp/syntax"
	"strings"
	"testing"
	"time"
)

var (
	feb1 = time.Date(2017, 2, 1, 15, 4, 5, 0, time.UTC)
	feb2 = time.Date(2017, 2, 2, 15, 4, 5, 0, time.UTC)
)

func mustCompile(t testing.TB, ignore []string, defaults bool) *Rules {
	t.Helper()
	r, err := Compile(ignore, defaults)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ruleCase is one line and what the default rules must make of it when
// fetched on 2017-02-01 (or at zero time, when zero is set).
type ruleCase struct {
	name string
	in   string
	want string
	rule string // the rule expected in Ignored; "" when nothing is ignored
	zero bool   // fetched at the zero time
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	r := mustCompile(t, nil, true)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := feb1
			if c.zero {
				at = time.Time{}
			}
			if got := r.Canonical(c.in, at); got != c.want {
				t.Errorf("Canonical(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			ms := r.Ignored(c.in, at)
			if c.rule == "" {
				if len(ms) != 0 {
					t.Errorf("Ignored(%q) = %+v, want nothing", c.in, ms)
				}
				return
			}
			found := false
			for _, m := range ms {
				found = found || m.Rule == c.rule
			}
			if !found {
				t.Errorf("Ignored(%q) = %+v, want a match of %s", c.in, ms, c.rule)
			}
		})
	}
}

func TestWeekdayDateLine(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"us format", "Wednesday, February 01, 2017", "⟨date⟩", RuleWeekdayDateLine, true},
		{"day first", "Thursday, 2 February 2017", "⟨date⟩", RuleWeekdayDateLine, true},
		{"other day, no fetch time", "Friday, October 09, 2015", "⟨date⟩", RuleWeekdayDateLine, true},
		{"abbreviated with time", "Wed, Feb. 1, 2017 10:30 AM EST", "⟨date⟩", RuleWeekdayDateLine, true},
		{"no year", "Wednesday, February 1", "⟨date⟩", RuleWeekdayDateLine, true},
		{"upper case", "WEDNESDAY, FEBRUARY 1, 2017", "⟨date⟩", RuleWeekdayDateLine, true},
		{"list item", "- Wednesday, February 1, 2017", "- ⟨date⟩", RuleWeekdayDateLine, true},
		{"wrong weekday is not a widget", "Monday, February 01, 2017", "Monday, February 01, 2017", "", true},
		{"heading kept", "## Wednesday, February 01, 2017", "## Wednesday, February 01, 2017", "", true},
		{"more words kept", "Friday, October 09, 2015/Categories: Modeling", "Friday, October 09, 2015/Categories: Modeling", "", true},
		{"date without weekday kept", "February 01, 2017", "February 01, 2017", "", true},
		{"meeting sentence kept", "The board meets Wednesday, February 8, 2017", "The board meets Wednesday, February 8, 2017", "", true},
	})
}

func TestFetchDayDate(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"long form", "Posted February 1, 2017 by staff", "Posted ⟨date⟩ by staff", RuleFetchDayDate, false},
		{"day before (time zones)", "Posted January 31, 2017", "Posted ⟨date⟩", RuleFetchDayDate, false},
		{"day after (time zones)", "Posted 2 February 2017", "Posted ⟨date⟩", RuleFetchDayDate, false},
		{"abbreviated", "Today: Feb. 1, 2017.", "Today: ⟨date⟩.", RuleFetchDayDate, false},
		{"ordinal", "Today is February 1st, 2017", "Today is ⟨date⟩", RuleFetchDayDate, false},
		{"iso", "Data retrieved 2017-02-01 from the server", "Data retrieved ⟨date⟩ from the server", RuleFetchDayDate, false},
		{"iso datetime", "Generated 2017-02-01T10:30:05Z.", "Generated ⟨date⟩.", RuleFetchDayDate, false},
		{"us numeric with time", "Report run 02/01/2017 10:30:05 EST for all", "Report run ⟨date⟩ for all", RuleFetchDayDate, false},
		{"two-digit year", "Printed 2/1/17", "Printed ⟨date⟩", RuleFetchDayDate, false},
		{"time with at", "Posted February 1, 2017 at 10:30 am EST", "Posted ⟨date⟩", RuleFetchDayDate, false},
		{"time before", "Posted 10:30 AM, Wednesday, February 1, 2017", "Posted ⟨date⟩", RuleFetchDayDate, false},
		{"two days away kept", "Posted January 30, 2017", "Posted January 30, 2017", "", false},
		{"effective date of a law kept", "Effective October 3, 2017, the policy applies", "Effective October 3, 2017, the policy applies", "", false},
		{"no fetch time: kept", "Posted February 1, 2017", "Posted February 1, 2017", "", true},
		{"no year kept", "Posted February 1", "Posted February 1", "", false},
		{"lower-case may kept", "they may 1, 2017 be", "they may 1, 2017 be", "", false},
		{"invalid date kept", "Code 02/30/2017", "Code 02/30/2017", "", false},
	})
}

func TestStampDate(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"last updated", "Page last updated: March 3, 2016", "Page last updated: ⟨date⟩", RuleStampDate, true},
		{"last updated on with time", "This page was last updated on Wednesday, March 2, 2016 at 10:30 AM", "This page was last updated on ⟨date⟩", RuleStampDate, true},
		{"last modified numeric", "Last Modified: 03/02/2016 14:22:01", "Last Modified: ⟨date⟩", RuleStampDate, true},
		{"last reviewed", "Content last reviewed June 2015", "Content last reviewed ⟨date⟩", RuleStampDate, true},
		{"page updated", "Page updated 2016-03-02", "Page updated ⟨date⟩", RuleStampDate, true},
		{"updated on", "Updated on 3 March 2016", "Updated on ⟨date⟩", RuleStampDate, true},
		{"generated on", "Report generated on Mar 2, 2016 11:00 pm", "Report generated on ⟨date⟩", RuleStampDate, true},
		{"page generated", "Page generated 2016/03/02", "Page generated ⟨date⟩", RuleStampDate, true},
		{"table row", "Last updated | 2016-03-02", "Last updated | ⟨date⟩", RuleStampDate, true},
		{"time alone", "Last updated: 10:30 am", "Last updated: ⟨time⟩", RuleStampDate, true},
		{"rest of line kept", "Last reviewed: 2016-03-02. Effective October 3, 2017.", "Last reviewed: ⟨date⟩. Effective October 3, 2017.", RuleStampDate, true},
		{"not a date kept", "Last updated in 2016 to add the 24-hour rule", "Last updated in 2016 to add the 24-hour rule", "", true},
		{"revised kept", "Revised March 3, 2016", "Revised March 3, 2016", "", true},
		{"date on the next line", "Last Updated:\n10/03/2017 - 08:59", "Last Updated:\n⟨date⟩", RuleStampDate, true},
		{"time on the next line", "Page last modified\n10:30 AM EDT", "Page last modified\n⟨time⟩", RuleStampDate, true},
		{"sentence on the next line kept", "Last updated:\nEffective October 3, 2017, the policy applies", "Last updated:\nEffective October 3, 2017, the policy applies", "", true},
		{"date after another label kept", "Effective date:\nOctober 3, 2017", "Effective date:\nOctober 3, 2017", "", true},
		{"label inside a sentence kept", "We list what was last updated\nOctober 3, 2017", "We list what was last updated\nOctober 3, 2017", "", true},
		{"effective kept", "Effective date: March 3, 2016", "Effective date: March 3, 2016", "", true},
	})
}

func TestStampTime(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"updated", "Updated 10:30 am EST", "Updated ⟨time⟩", RuleStampTime, true},
		{"as of", "Data as of 3:45 PM", "Data as of ⟨time⟩", RuleStampTime, true},
		{"generated at", "Generated at 23:59:01", "Generated at ⟨time⟩", RuleStampTime, true},
		{"last modified", "Last modified at 10 a.m.", "Last modified at ⟨time⟩", RuleStampDate, true},
		{"date after kept", "All figures as of 10 am EDT, October 3, 2017", "All figures as of ⟨time⟩, October 3, 2017", RuleStampTime, true},
		{"as of a date kept", "All figures as of October 3, 2017, 10 am EDT", "All figures as of October 3, 2017, 10 am EDT", "", true},
		{"time elsewhere kept", "The office opens at 10:30 am", "The office opens at 10:30 am", "", true},
		{"hours kept", "Updated within 24 hours", "Updated within 24 hours", "", true},
	})
}

func TestViewCounter(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"number of views", "Number of views (4099)/Comments (0)", "Number of views (⟨count⟩)/Comments (0)", RuleViewCounter, true},
		{"views colon", "Views: 4,099", "Views: ⟨count⟩", RuleViewCounter, true},
		{"count views", "4,099 views", "⟨count⟩ views", RuleViewCounter, true},
		{"count views separated", "Posted by EPA | 1,234 views | 5 comments", "Posted by EPA | ⟨count⟩ views | 5 comments", RuleViewCounter, true},
		{"visitors", "Visitors: 123", "Visitors: ⟨count⟩", RuleViewCounter, true},
		{"page views", "Page views 12", "Page views ⟨count⟩", RuleViewCounter, true},
		{"hits", "hits: 5", "hits: ⟨count⟩", RuleViewCounter, true},
		{"viewed times", "Viewed 1,234 times", "Viewed ⟨count⟩ times", RuleViewCounter, true},
		{"visitor number", "You are visitor number 123456", "You are visitor number ⟨count⟩", RuleViewCounter, true},
		{"staff kept", "There are more than 12,300 federal staff", "There are more than 12,300 federal staff", "", true},
		{"visitors of an age kept", "Visitors 18 and older must show ID", "Visitors 18 and older must show ID", "", true},
		{"views in a sentence kept", "The video drew 4,099 views from the public", "The video drew 4,099 views from the public", "", true},
		{"hits as a verb kept", "The storm hits 5 counties", "The storm hits 5 counties", "", true},
		{"comments kept", "Comments (12)", "Comments (12)", "", true},
	})
}

func TestTokens(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"hex", "csrf 9f86d081884c7d659a2feaa0c55ad015 end", "csrf ⟨id⟩ end", RuleToken, true},
		{"base64", "token=dGhpcyBpcyBhIHNlY3JldCB0b2tlbjEyMw==", "token=⟨id⟩", RuleToken, true},
		{"uuid", "Request 123e4567-e89b-12d3-a456-426614174000 failed", "Request ⟨id⟩ failed", RuleToken, true},
		{"akamai reference", "Reference #18.5cb7d517.1500411917.1b6a4c4", "Reference #⟨id⟩", RuleReferenceID, true},
		{"cloudflare ray", "Cloudflare Ray ID: 7d1c2e3f4a5b6c7d", "Cloudflare Ray ID: ⟨id⟩", RuleReferenceID, true},
		{"support id", "Your support ID is: 13830958290461287658", "Your support ID is: ⟨id⟩", RuleReferenceID, true},
		{"docket id kept", "Docket EPA-HQ-OAR-2015-0827-0001 opened", "Docket EPA-HQ-OAR-2015-0827-0001 opened", "", true},
		{"camel case kept", "See SanctuaryJurisdictionsReport2017Final", "See SanctuaryJurisdictionsReport2017Final", "", true},
		{"url path kept", "https://www.dhs.gov/sites/default/files/publications/17_0220_S1_Implementing-the-Presidents-Border-Security.pdf", "https://www.dhs.gov/sites/default/files/publications/17_0220_S1_Implementing-the-Presidents-Border-Security.pdf", "", true},
		{"session id in a URL query", "https://x.gov/page;jsessionid=9F86D081884C7D659A2FEAA0C55AD015?x=1", "https://x.gov/page;jsessionid=⟨id⟩?x=1", RuleToken, true},
		{"token in a URL query", "https://x.gov/login?state=aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY", "https://x.gov/login?state=⟨id⟩", RuleToken, true},
		{"document id in a URL path kept", "https://docs.google.com/document/d/1aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY/edit", "https://docs.google.com/document/d/1aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY/edit", "", true},
		{"uuid in a URL path kept", "/documents/123e4567-e89b-12d3-a456-426614174000/download", "/documents/123e4567-e89b-12d3-a456-426614174000/download", "", true},
		{"short hex kept", "Color #ff00aa and code 1a2b3c", "Color #ff00aa and code 1a2b3c", "", true},
		{"long number kept", "Account 123456789012345678901234567890", "Account 123456789012345678901234567890", "", true},
	})
}

func TestCacheBuster(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"v", "https://www.example.gov/app.js?v=1485964800", "https://www.example.gov/app.js", RuleCacheBuster, true},
		{"ver kept other", "https://www.example.gov/page?id=7&ver=4.7.2", "https://www.example.gov/page?id=7", RuleCacheBuster, true},
		{"underscore", "See www.example.gov/data.json?_=1485964800123.", "See www.example.gov/data.json.", RuleCacheBuster, true},
		{"cb and t", "https://x.gov/a.png?cb=1a2b3c4d&t=20170201 image", "https://x.gov/a.png image", RuleCacheBuster, true},
		{"timestamp", "http://x.gov/feed?timestamp=1485964800", "http://x.gov/feed", RuleCacheBuster, true},
		{"utm", "Read https://x.gov/news?id=5&utm_source=twitter&utm_medium=social#top now", "Read https://x.gov/news?id=5#top now", RuleCacheBuster, true},
		{"relative", "(/styles.css?ver=3.1)", "(/styles.css)", RuleCacheBuster, true},
		{"video id kept", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "", true},
		{"other params kept", "https://x.gov/search?q=sanctuary&page=2", "https://x.gov/search?q=sanctuary&page=2", "", true},
		{"question kept", "Is it 24 hours?v=1", "Is it 24 hours?v=1", "", true},
	})
}

// TestNumbersKept checks that numbers and dates outside the rules' contexts
// still make two texts differ.
func TestNumbersKept(t *testing.T) {
	r := mustCompile(t, nil, true)
	for _, c := range []struct{ a, b string }{
		{"Detainers must be honored within 24 hours.", "Detainers must be honored within 48 hours."},
		{"Effective October 3, 2017, the ordinance applies.", "Effective October 4, 2017, the ordinance applies."},
		{"There are more than 12,300 federal staff.", "There are more than 14,000 federal staff."},
		{"Signed 01/15/2017.", "Signed 01/16/2017."},
		{"Section 287(g) agreements: 60", "Section 287(g) agreements: 76"},
		{"Page views 12 and 13 of the report", "Page views 12 and 14 of the report"},
		{"Updated guidance: 30 days", "Updated guidance: 60 days"},
		{"Posted January 30, 2017", "Posted January 29, 2017"},
	} {
		t.Run(c.a, func(t *testing.T) {
			if r.Canonical(c.a, feb1) == r.Canonical(c.b, feb1) {
				t.Errorf("%q and %q compare equal", c.a, c.b)
			}
			a, b := r.Pair(c.a, feb1, c.b, feb2)
			if a == b {
				t.Errorf("Pair: %q and %q compare equal", c.a, c.b)
			}
		})
	}
}

func TestFolding(t *testing.T) {
	r := mustCompile(t, nil, false)
	for _, c := range []struct{ in, want string }{
		{"the agency’s “sanctuary” policy", `the agency's "sanctuary" policy`},
		{"‚low‘ „quote‟ ‛x", `'low' "quote" 'x`},
		{"5′ 6″", `5' 6"`},
		{"ﬁnal ﬂow oﬀer eﬃcient baﬄe ﬅ ﬆop", "final flow offer efficient baffle st stop"},
		{"a\u00a0b\u2009c\u2007d\u202fe", "a b c d e"},
		{"co\u00adop\u200beration\u200d\u2060\ufeff", "cooperation"},
		{"  many   spaces\there  ", "many spaces here"},
		{"wait…", "wait..."},
		{"2017–2018 — a range − 5", "2017–2018 — a range − 5"}, // dashes kept
		{"Español café Niño", "Español café Niño"},
		{"line one\n\u00a0\n\nline two", "line one\nline two"},
	} {
		if got := r.Canonical(c.in, time.Time{}); got != c.want {
			t.Errorf("Canonical(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var nilRules *Rules
	if got := nilRules.Canonical("“x”  y", feb1); got != `"x" y` {
		t.Errorf("nil Rules: %q", got)
	}
}

func TestIgnorePatterns(t *testing.T) {
	r := mustCompile(t, []string{`Quote of the day: .*`, `(?i)visitors online: \d+`, `^Sponsored$`, `“curly”`}, false)
	in := "## Policy\nQuote of the day: Carpe diem\nShall comply. Visitors online: 12 today\nSponsored\nsay \"curly\" here\nWednesday, February 01, 2017"
	want := "## Policy\nShall comply. today\nsay here\nWednesday, February 01, 2017"
	if got := r.Canonical(in, feb1); got != want {
		t.Errorf("Canonical:\n got %q\nwant %q", got, want)
	}
	ms := r.Ignored(in, feb1)
	wantMs := []Match{
		{2, "Quote of the day: Carpe diem", "ignore[0]"},
		{3, "Visitors online: 12", "ignore[1]"},
		{4, "Sponsored", "ignore[2]"},
		{5, `"curly"`, "ignore[3]"},
	}
	if len(ms) != len(wantMs) {
		t.Fatalf("Ignored = %+v, want %+v", ms, wantMs)
	}
	for i := range ms {
		if ms[i] != wantMs[i] {
			t.Errorf("Ignored[%d] = %+v, want %+v", i, ms[i], wantMs[i])
		}
	}

	// Removal repeats until nothing matches, so Canonical is idempotent.
	r = mustCompile(t, []string{"ab"}, false)
	if got := r.Canonical("xaabby", time.Time{}); got != "xy" {
		t.Errorf("repeated removal: %q", got)
	}
}

// TestPatternLiterals checks the skipping of lines without a pattern's
// literal: it must never skip a line the pattern matches.
func TestPatternLiterals(t *testing.T) {
	for _, c := range []struct {
		pattern, line string
		removed       bool
	}{
		{`(?i)visitors online: \d+`, "VISITORS Online: 12", true},
		{`(?i)visitors online: \d+`, "Visitors offline: 12", false},
		{`Quote of the day: .*`, "Quote of the day: x", true},
		{`Quote of the day: .*`, "quote of the day: x", false},
		{`(?i)kelvin \d+`, "\u212Aelvin 5", true}, // Kelvin sign folds to k
		{`(?i)long s \d+`, "long \u017F 5", true}, // ſ folds to s
		{`(?i)café \d+`, "CAFÉ 5", true},
		{`a|b`, "b", true},
		{`x(?i:ab)y`, "xABy", true},
		{`^\d+ items?$`, "12 items", true},
	} {
		r := mustCompile(t, []string{c.pattern}, false)
		got := r.Canonical(c.line, time.Time{}) != c.line
		if got != c.removed {
			t.Errorf("%s on %q: removed %t, want %t", c.pattern, c.line, got, c.removed)
		}
	}
}

func TestBadPattern(t *testing.T) {
	_, err := Compile([]string{`ok`, `fine \d+`, `bad(`}, true)
	var pe *PatternError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PatternError", err)
	}
	if pe.Index != 2 || pe.Pattern != "bad(" {
		t.Errorf("PatternError = %+v", pe)
	}
	if msg := err.Error(); !strings.Contains(msg, "2") || !strings.Contains(msg, `"bad("`) {
		t.Errorf("message %q does not name the index and pattern", msg)
	}
	var se *syntax.Error
	if !errors.As(err, &se) {
		t.Errorf("err does not unwrap to *syntax.Error: %v", err)
	}
	if CompilePattern(`bad(`) == nil || CompilePattern(`good \d+`) != nil {
		t.Error("CompilePattern")
	}
}

func TestIdempotent(t *testing.T) {
	r := mustCompile(t, []string{`aab`, `Sponsored: \S+`}, true)
	in := strings.Join([]string{
		"Wednesday, February 01, 2017",
		"Last updated: February 1, 2017 at 10:30 am | Views: 4,099",
		"Updated 10:30 am, and as of 11:00 PM",
		"Number of views (4099)/Comments (0)",
		"token 9f86d081884c7d659a2feaa0c55ad015 https://x.gov/a.js?v=12&utm_source=x",
		"Reference #18.5cb7d517.1500411917.1b6a4c4",
		"“Quote” ﬁnal\u00a0text… xaaabb Sponsored: acme",
		"Effective October 3, 2017, within 24 hours",
		"- Thursday, 2 February 2017",
	}, "\n")
	for _, at := range []time.Time{feb1, {}} {
		once := r.Canonical(in, at)
		if twice := r.Canonical(once, at); twice != once {
			t.Errorf("not idempotent at %v:\nonce  %q\ntwice %q", at, once, twice)
		}
		if ms := r.Ignored(once, at); len(ms) != 0 {
			t.Errorf("Ignored(Canonical) = %+v, want nothing", ms)
		}
	}
}

// TestPair checks that a date that stays on a page is masked in both
// captures or in neither when the fetch days move past it.
func TestPair(t *testing.T) {
	r := mustCompile(t, nil, true)
	text := "News\nPosted January 31, 2017\nBody"
	if r.Canonical(text, feb1) == r.Canonical(text, feb2.Add(24*time.Hour)) {
		t.Fatal("test premise: Canonical masks the date on Feb 1 and not on Feb 3")
	}
	a, b := r.Pair(text, feb1, text, feb2.Add(24*time.Hour))
	if a != b {
		t.Errorf("Pair differs:\n%q\n%q", a, b)
	}
	a, b = r.Pair("Posted February 1, 2017", feb1, "Posted February 2, 2017", feb2)
	if a != b {
		t.Errorf("Pair of today's dates differs: %q %q", a, b)
	}
}

func TestDefaultRulesDocumented(t *testing.T) {
	r := mustCompile(t, nil, true)
	seen := map[string]bool{}
	for _, ri := range DefaultRules() {
		if ri.Name == "" || ri.Description == "" || ri.Example == "" || seen[ri.Name] {
			t.Errorf("bad RuleInfo %+v", ri)
		}
		seen[ri.Name] = true
		before, after, ok := strings.Cut(ri.Example, " → ")
		if !ok {
			t.Errorf("%s: example %q has no →", ri.Name, ri.Example)
			continue
		}
		at := time.Time{}
		if i := strings.Index(before, " (fetched "); i >= 0 {
			at = feb1
			before = before[:i]
		}
		if got := r.Canonical(before, at); got != after {
			t.Errorf("%s: example gives %q, want %q", ri.Name, got, after)
		}
	}
	for _, name := range []string{RuleWeekdayDateLine, RuleStampDate, RuleFetchDayDate, RuleStampTime, RuleViewCounter, RuleToken, RuleReferenceID, RuleCacheBuster} {
		if !seen[name] {
			t.Errorf("rule %s not documented", name)
		}
	}
}

func TestDefaultsOff(t *testing.T) {
	r := mustCompile(t, nil, false)
	in := "Wednesday, February 01, 2017\nNumber of views (4099)"
	if got := r.Canonical(in, feb1); got != in {
		t.Errorf("defaults off: %q", got)
	}
}

// FuzzCanonical checks that Canonical never panics, is idempotent, and
// that Ignored finds nothing more in its output.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"Wednesday, February 01, 2017",
		"Last Updated:\n10/03/2017 - 08:59",
		"Page last updated: March 3, 2016 10:30 AM | Views: 4,099",
		"Posted 10:30 AM, Wed., Feb. 1, 2017 at 11:00 pm EST",
		"https://x.gov/a.js?v=12&utm_source=x&t=1#top token 9f86d081884c7d659a2feaa0c55ad015",
		"Reference #18.5cb7d517.1500411917.1b6a4c4 “quoted” ﬁ\u00a0…",
		"2017-02-01T10:30:05Z 02/01/2017 1/2/17 2 February 2017",
		"Number of views (4099)/Comments (0)\n- Thursday, 2 February 2017",
	} {
		f.Add(s, int64(0))
		f.Add(s, feb1.Unix())
	}
	r := mustCompile(f, []string{`aab`, `(?i)sponsored: \S+`}, true)
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		at := time.Time{}
		if unix != 0 {
			at = time.Unix(unix%(1<<33), 0).UTC()
		}
		once := r.Canonical(s, at)
		if twice := r.Canonical(once, at); twice != once {
			t.Errorf("not idempotent:\nin    %q\nonce  %q\ntwice %q", s, once, twice)
		}
		if ms := r.Ignored(once, at); len(ms) != 0 {
			t.Errorf("Ignored(Canonical(%q)) = %+v", s, ms)
		}
		a, b := r.Pair(s, at, s, at.Add(48*time.Hour))
		if a != b {
			t.Errorf("Pair of one text differs: %q %q", a, b)
		}
	})
}

// TestAdversarialInputs checks that Canonical stays linear on long lines
// built to trip the scanners. A quadratic path takes minutes on 150 KB;
// the bound leaves room for the race detector, which slows regexps 20×.
func TestAdversarialInputs(t *testing.T) {
	r := mustCompile(t, []string{`(?i)visitors online: \d+`, `a+b`}, true)
	const n = 150 << 10
	rep := func(s string) string { return strings.Repeat(s, n/len(s)+1)[:n] }
	for _, c := range []struct{ name, text string }{
		{"question marks", "/" + rep("?")},
		{"url queries", rep("/a?v=1&")},
		{"dates", rep("Wednesday, February 1, 2017 at 10:30 am ")},
		{"numeric dates", rep("1/2/17 ")},
		{"digits", rep("1234567890")},
		{"token bytes", rep("aB3")},
		{"last updated", rep("Last updated: 1 ")},
		{"stamp times", rep("updated 10:30 as of 1 pm ")},
		{"reference ids", rep("Reference #18.5cb7d517.1500411917.1b6a4c4 Ray ID: 7d1c2e3f4a5b6c7d ")},
		{"views", rep("views 1 ")},
		{"letters", rep("a")},
		{"long word before day", rep("Januaryyyyy") + " 1, 2017"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r.Canonical(c.text, feb1)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Canonical took %v on %d bytes", d, len(c.text))
			}
		})
	}
}
