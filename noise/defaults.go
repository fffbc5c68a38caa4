package noise

import (
	"regexp"
	"strings"
)

// Placeholders that stand for ignored text in the canonical text. They hold
// no digit and no word a rule looks for, so Canonical is idempotent.
const (
	PlaceholderDate  = "⟨date⟩"
	PlaceholderTime  = "⟨time⟩"
	PlaceholderCount = "⟨count⟩"
	PlaceholderID    = "⟨id⟩"
)

// Names of the default rules, as reported in Match.Rule and RuleInfo.Name.
const (
	RuleWeekdayDateLine = "weekday-date-line"
	RuleStampDate       = "updated-stamp"
	RuleFetchDayDate    = "fetch-day-date"
	RuleStampTime       = "stamp-time"
	RuleViewCounter     = "view-counter"
	RuleToken           = "token"
	RuleReferenceID     = "reference-id"
	RuleCacheBuster     = "cache-buster"
)

// RuleInfo describes one default rule, for documentation and help output.
type RuleInfo struct {
	Name        string // as reported in Match.Rule
	Description string // what the rule ignores, and what it keeps
	Example     string // "before → after"
}

// DefaultRules describes the built-in rules that Compile applies when
// defaults is true, in the order they run. Unicode folding (see Rules) is
// not listed: it always applies. The slice is new at each call.
func DefaultRules() []RuleInfo {
	return []RuleInfo{
		{RuleCacheBuster,
			"Cache-busting and tracking parameters in URLs written in the text: utm_*, fbclid and gclid with any value; v, ver, _, cb, t, ts, timestamp, cachebuster and nocache when their value is a number, a dotted version or a hex hash. Other parameters, and these with other values (a video id in ?v=dQw4w9WgXcQ), are kept.",
			"https://www.example.gov/app.js?v=1485964800&id=7 → https://www.example.gov/app.js?id=7"},
		{RuleReferenceID,
			`Ids of CDN and firewall error pages: "Reference #18.2f3c4d5e.1500411917.1b6a4c4" (Akamai), "Ray ID: 7d1c2e3f4a5b6c7d" (Cloudflare), "support ID is: 1234567890" (F5).`,
			"Reference #18.5cb7d517.1500411917.1b6a4c4 → Reference #⟨id⟩"},
		{RuleToken,
			"Session and CSRF tokens, nonces and generated ids written in the text: UUIDs, and runs of 24 or more letters, digits, + - and _ (with = padding; split at spaces, / . : and other punctuation) that look random: hex mixing letters and digits, or base64-like mixing upper case, lower case and digits and switching between those classes at least every 3 characters on average (so CamelCaseWords2017 and docket ids such as EPA-HQ-OAR-2015-0827-0001 are kept). Ids in the path of a URL written in the text name a document and are kept; those in its query (?state=, ;jsessionid=) are not.",
			"csrf 9f86d081884c7d659a2feaa0c55ad015 → csrf ⟨id⟩"},
		{RuleWeekdayDateLine,
			`A line (or list item) that is only a date with its weekday, and optionally a time: a "today's date" widget, whatever the date. The weekday must be the date's own (when the year is given). Headings and lines with any other word are kept.`,
			"Wednesday, February 01, 2017 → ⟨date⟩"},
		{RuleStampDate,
			`The date and time after "last updated", "last update", "last modified", "last reviewed" (so "content last reviewed"), "page updated", "updated on", "page generated" and "generated on", whatever the date: such stamps change at every republication. The words are kept. The date may also be alone on the next line, after a label line ending with those words and a colon, or of at most three words ("Last Updated:" then "10/03/2017 - 08:59", as Drupal sites of DHS and FEMA print it). A date elsewhere in the line is left to the other rules.`,
			"Page last updated: March 3, 2016 10:30 AM → Page last updated: ⟨date⟩"},
		{RuleFetchDayDate,
			"Any date within a day of the fetch day (time zones differ), with its weekday and time, in the forms January 2, 2006; Jan. 2, 2006; 2 January 2006; 2006-01-02 (or 2006/01/02, optionally with T15:04:05Z); 01/02/2006 or 1/2/06 (month and day in either order); a year is required. Dates on other days are kept. Without a fetch time (zero time) the rule does nothing.",
			"Posted February 1, 2017 at 10:30 am EST (fetched 2017-02-01) → Posted ⟨date⟩"},
		{RuleStampTime,
			`A time of day (with minutes or am/pm) right after "updated", "as of", "generated", "modified" or "refreshed". The date after it, if any, is left to the other rules.`,
			"Data as of 10:30 AM EST → Data as of ⟨time⟩"},
		{RuleViewCounter,
			`The number of a view, visit, visitor or hit counter: "Number of views (4099)", "Views: 4,099", "Page views 12", "hits: 5", "4,099 views", "Viewed 12 times", "You are visitor 123". The number must end the line or be followed by punctuation (so "Visitors 18 and older" and "12,300 federal staff" are kept).`,
			"Number of views (4099)/Comments (0) → Number of views (⟨count⟩)/Comments (0)"},
	}
}

// defaultSet holds the compiled default rules. It is built by Compile and
// never modified after.
type defaultSet struct {
	weekdayLine dateRE
	times       timeExt
	stamp       *regexp.Regexp
	stampVal    int            // group index of the stamp's date or time
	stampTime   int            // group index set when the stamp is a time alone
	stampLine   *regexp.Regexp // a line that is only a date or time
	stampLineT  int            // group index set when that line is a time alone
	timeStamp   *regexp.Regexp
	counters    []counterRE
	refIDs      []*regexp.Regexp // group 1 is the id
}

// counterRE is a view-counter pattern; group n is the number, and tail
// requires the number (or the label after it) to end the phrase.
type counterRE struct {
	re   *regexp.Regexp
	n    int
	tail bool
}

func compileDefaults() *defaultSet {
	d := &defaultSet{}
	d.weekdayLine = newDateRE(`^(?:- )?` + dateSource(true, false) + `$`)
	d.times = newTimeExt()

	kw := `(?i:\b(?:last\s+updated?|last\s+modified|last\s+reviewed|page\s+updated|updated\s+on|page\s+generated|generated\s+on))\b`
	sep := `(?:\s*[:|–—-]\s*|\s+)(?:(?i:on|at)\s+)?`
	monYear := monthNames() + `,?\s+` + reYear
	d.stamp = regexp.MustCompile(kw + sep + `(?P<val>` + dateSource(false, true) + `|` + monYear + `|(?P<tonly>` + reTime + `))`)
	d.stampVal = d.stamp.SubexpIndex("val")
	d.stampTime = d.stamp.SubexpIndex("tonly")
	d.stampLine = regexp.MustCompile(`^(?:` + dateSource(false, true) + `|` + monYear + `|(?P<tonly>` + reTime + `))$`)
	d.stampLineT = d.stampLine.SubexpIndex("tonly")

	d.timeStamp = regexp.MustCompile(`(?i:\b(?:updated|as\s+of|generated|modified|refreshed))(?:\s*[:|–—-]\s*|\s+)(?:(?i:at)\s+)?(?P<t>` + reTime + `)`)

	num := `(?P<n>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[KkM]?)\b`
	what := `(?:views|visits|visitors|hits)`
	for _, c := range []struct {
		src  string
		tail bool
	}{
		{`(?i:\b(?:number\s+of\s+(?:page\s*)?` + what + `|(?:total\s+|unique\s+)?(?:page\s*)?` + what + `|(?:view|visit|visitor|hit)\s+count(?:er)?))(?:\s*[:=]\s*|\s*\(\s*|\s+)` + num + `\s*\)?`, true},
		{num + `\s+(?i:(?:total\s+|unique\s+|recent\s+)?(?:page\s*)?` + what + `)\b`, true},
		{`(?i:\bviewed\s+)` + num + `(?i:\s+times)\b`, false},
		{`(?i:\byou\s+are\s+(?:the\s+)?visitor\s+(?:number\s+|no\.\s*|#\s*)?)` + num, false},
	} {
		re := regexp.MustCompile(c.src)
		d.counters = append(d.counters, counterRE{re: re, n: re.SubexpIndex("n"), tail: c.tail})
	}

	d.refIDs = []*regexp.Regexp{
		regexp.MustCompile(`\bReference\s*#\s*(\d+(?:\.[0-9a-fA-F]+){2,})\b`),
		regexp.MustCompile(`(?i:\bray\s+id)\s*:?\s*([0-9a-f]{16})\b`),
		regexp.MustCompile(`(?i:\bsupport\s+id(?:\s+is)?)\s*:?\s*(\d{8,})\b`),
	}
	return d
}

// apply runs the default rules on one folded line. Each rule first checks
// cheaply that the line can hold what it looks for (a digit, a keyword):
// Go's regular expressions cost far more per byte than such checks.
func (d *defaultSet) apply(line string, c *run) string {
	if strings.IndexByte(line, '?') >= 0 {
		line = d.cacheBusters(line, c)
	}
	if !strings.ContainsAny(line, "0123456789") {
		return line
	}
	if c.afterStamp && len(line) <= 60 {
		if m := d.stampLine.FindStringSubmatchIndex(line); m != nil {
			repl := PlaceholderDate
			if m[2*d.stampLineT] >= 0 {
				repl = PlaceholderTime
			}
			c.note(RuleStampDate, line)
			return repl
		}
	}
	f := wordFlags(line)
	if f&wordRef != 0 {
		for _, re := range d.refIDs {
			line = c.replace(line, re, RuleReferenceID, func(s string, m []int) (int, int, string, bool) {
				return m[2], m[3], PlaceholderID, true
			})
		}
	}
	line = c.replaceRuns(line)
	line = d.weekdayDateLine(line, c)
	if f&wordStamp != 0 && containsAny(asciiLower(line), stampKeywords()) {
		line = c.replace(line, d.stamp, RuleStampDate, func(s string, m []int) (int, int, string, bool) {
			repl := PlaceholderDate
			if m[2*d.stampTime] >= 0 {
				repl = PlaceholderTime
			}
			return m[2*d.stampVal], m[2*d.stampVal+1], repl, true
		})
	}
	if !c.win.empty() {
		line = d.fetchDayDates(line, c)
	}
	if f&(wordStamp|wordAsOf) != 0 && hasTime(line) {
		line = c.replace(line, d.timeStamp, RuleStampTime, func(s string, m []int) (int, int, string, bool) {
			return m[2], m[3], PlaceholderTime, true
		})
	}
	if f&wordCounter != 0 && counterNear(asciiLower(line)) {
		for _, cr := range d.counters {
			line = c.replace(line, cr.re, RuleViewCounter, func(s string, m []int) (int, int, string, bool) {
				return m[2*cr.n], m[2*cr.n+1], PlaceholderCount, !cr.tail || phraseEnds(s, m[1])
			})
		}
	}
	return line
}

// Words that let a rule apply to a line, as found by wordFlags.
const (
	wordRef     = 1 << iota // reference, ray id, support id
	wordStamp               // updat-, modif-, review-, generat-, refresh-
	wordAsOf                // as of
	wordCounter             // view-, visit-, hit-
)

// wordFlags reports in one pass which rule words start a word of s (in any
// case), so that the rules' patterns run only on the few lines that can
// match.
func wordFlags(s string) int {
	f := 0
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) || (i > 0 && isLetter(s[i-1])) {
			continue
		}
		r := s[i:]
		switch s[i] | 0x20 {
		case 'r':
			if prefixFold(r, "reference") || prefixFold(r, "ray id") {
				f |= wordRef
			}
			if prefixFold(r, "review") || prefixFold(r, "refresh") {
				f |= wordStamp
			}
		case 's':
			if prefixFold(r, "support id") {
				f |= wordRef
			}
		case 'u':
			if prefixFold(r, "updat") {
				f |= wordStamp
			}
		case 'm':
			if prefixFold(r, "modif") {
				f |= wordStamp
			}
		case 'g':
			if prefixFold(r, "generat") {
				f |= wordStamp
			}
		case 'a':
			if prefixFold(r, "as of") {
				f |= wordAsOf
			}
		case 'v':
			if prefixFold(r, "view") || prefixFold(r, "visit") {
				f |= wordCounter
			}
		case 'h':
			if prefixFold(r, "hit") {
				f |= wordCounter
			}
		}
	}
	return f
}

func prefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// stampKeywords returns the words of a "last updated" stamp, in lower case.
func stampKeywords() []string {
	return []string{"last updated", "last update", "last modified", "last reviewed",
		"page updated", "updated on", "page generated", "generated on"}
}

// endsWithStamp reports whether a line is the label of a stamp whose date
// is on the next line: it ends with the words of a stamp and either ends
// with a colon ("This page was last updated on:") or has at most three
// words ("Page last modified").
func endsWithStamp(line string) bool {
	if len(line) > 80 {
		return false
	}
	t := strings.TrimRight(line, ": ")
	colon := strings.HasSuffix(strings.TrimRight(line, " "), ":")
	for _, k := range stampKeywords() {
		n := len(t) - len(k)
		if n >= 0 && strings.EqualFold(t[n:], k) && (n == 0 || !isLetter(t[n-1])) {
			return colon || strings.Count(t, " ") <= 2
		}
	}
	return false
}

// hasTime reports whether s may hold a time of day: a
// digit followed by ":" and two digits, or by "am", "pm", "a.m." or "p.m.".
func hasTime(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		j := i + 1
		if j+2 < len(s) && s[j] == ':' && isDigit(s[j+1]) && isDigit(s[j+2]) {
			return true
		}
		j = skipSpaces(s, j)
		if j+1 < len(s) && (s[j]|0x20 == 'a' || s[j]|0x20 == 'p') && (s[j+1]|0x20 == 'm' || s[j+1] == '.') {
			return true
		}
	}
	return false
}

// counterNear reports whether s (in lower case) has a word starting with
// "view", "visit" or "hit" with a digit at most 24 bytes before or after it.
func counterNear(s string) bool {
	for _, kw := range [...]string{"view", "visit", "hit"} {
		for off := 0; ; {
			i := strings.Index(s[off:], kw)
			if i < 0 {
				break
			}
			i += off
			off = i + len(kw)
			if i > 0 && isLetter(s[i-1]) {
				continue
			}
			if strings.ContainsAny(s[max(0, i-24):min(len(s), off+24)], "0123456789") {
				return true
			}
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, so byte offsets are kept.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// weekdayDateLine replaces a line that is only a date with its weekday.
func (d *defaultSet) weekdayDateLine(line string, c *run) string {
	if len(line) > 80 {
		return line
	}
	w := strings.TrimPrefix(line, "- ")
	e := 0
	for e < len(w) && isLetter(w[e]) {
		e++
	}
	if weekdayWord(w[:e]) < 0 {
		return line
	}
	return c.replace(line, d.weekdayLine.re, RuleWeekdayDateLine, func(s string, m []int) (int, int, string, bool) {
		ds := d.weekdayLine.read(s, m)
		if ds.weekday < 0 {
			return 0, 0, "", false
		}
		ok := !ds.hasYear // a widget without the year: nothing to check
		for i := 0; i < ds.n; i++ {
			ok = ok || weekdayOf(ds.d[i]) == ds.weekday
		}
		start := m[0]
		if strings.HasPrefix(s, "- ") {
			start = 2
		}
		return start, m[1], PlaceholderDate, ok
	})
}

// phraseEnds reports whether a counter ending at i ends its phrase: the line
// ends there, or punctuation follows (after optional spaces) rather than
// another word or number.
func phraseEnds(s string, i int) bool {
	rest := strings.TrimLeft(s[i:], " ")
	if rest == "" {
		return true
	}
	switch rest[0] {
	case ')', ']', '|', '/', ',', ';', ':', '(':
		return true
	case '.', '!':
		return len(rest) == 1 || rest[1] == ' '
	}
	return strings.HasPrefix(rest, "•") || strings.HasPrefix(rest, "·") ||
		strings.HasPrefix(rest, "–") || strings.HasPrefix(rest, "—") || strings.HasPrefix(rest, "- ")
}

// tokenByte reports the bytes of a token run: letters, digits, and the
// base64 and base64url symbols other than "/" (which would join the parts of
// a URL path into one run).
func tokenByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '+' || b == '-' || b == '_'
}

// randomRun reports whether a run of token bytes looks like a generated id.
func randomRun(s string) bool {
	var upper, lower, digit, hex, n, switches int
	prev := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		class := 0
		switch {
		case b >= '0' && b <= '9':
			class, digit = 1, digit+1
		case b >= 'a' && b <= 'z':
			class, lower = 2, lower+1
		case b >= 'A' && b <= 'Z':
			class, upper = 3, upper+1
		default:
			continue // symbols neither count nor break a class
		}
		if b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' {
			hex++
		}
		n++
		if prev != 0 && class != prev {
			switches++
		}
		prev = class
	}
	if n < 24 || digit == 0 || upper+lower == 0 {
		return false
	}
	if hex == n && hex == len(s) && (upper == 0 || lower == 0) {
		return switches*4 >= n
	}
	return upper > 0 && lower > 0 && switches*3 >= n
}

// cacheBusters strips cache-busting and tracking parameters from the URLs
// in line: words starting with http://, https://, www. or / that hold a
// "?".
func (d *defaultSet) cacheBusters(line string, c *run) string {
	var b strings.Builder
	last := 0
	for ws := 0; ws < len(line); {
		we := ws
		for we < len(line) && !urlStop(line[we]) {
			we++
		}
		if we == ws {
			ws++
			continue
		}
		q := strings.IndexByte(line[ws:we], '?')
		if q < 0 || !urlStart(line[ws:ws+q]) {
			ws = we
			continue
		}
		q += ws
		u := line[q:q+1] + strings.TrimRight(line[q+1:we], ".,;:!?)]'")
		query, frag := u[1:], ""
		if h := strings.IndexByte(query, '#'); h >= 0 {
			query, frag = query[:h], query[h:]
		}
		var kept []string
		removed := false
		for p := range strings.SplitSeq(query, "&") {
			switch {
			case cacheParam(p):
				removed = true
			case p != "":
				kept = append(kept, p)
			}
		}
		if removed {
			end := q + len(u) - len(frag)
			c.note(RuleCacheBuster, line[q:end])
			b.WriteString(line[last:q])
			if len(kept) > 0 {
				b.WriteString("?" + strings.Join(kept, "&"))
			}
			last = end
		}
		ws = we
	}
	if last == 0 {
		return line
	}
	b.WriteString(line[last:])
	return b.String()
}

// urlStart reports whether a word is the start of a URL: http://, https://,
// www. or a path from the root.
func urlStart(w string) bool {
	return prefixFold(w, "http://") || prefixFold(w, "https://") || prefixFold(w, "www.") || strings.HasPrefix(w, "/")
}

// urlStop reports the bytes that end a URL written in text.
func urlStop(b byte) bool {
	return b == ' ' || b == '<' || b == '>' || b == '"' || b == '|' || b == '('
}

// cacheParam reports whether a query parameter "k=v" only busts caches or
// tracks a campaign.
func cacheParam(p string) bool {
	k, v, _ := strings.Cut(p, "=")
	k = strings.ToLower(k)
	if strings.HasPrefix(k, "utm_") || k == "fbclid" || k == "gclid" {
		return true
	}
	switch k {
	case "v", "ver", "_", "cb", "t", "ts", "timestamp", "cachebuster", "nocache":
		return versionLike(v)
	}
	return false
}

// versionLike reports a value made of digits and dots ("123", "4.2.1"), or
// a lower- or upper-case hex hash of 6 or more characters.
func versionLike(v string) bool {
	if v == "" {
		return false
	}
	if strings.Trim(v, "0123456789.") == "" {
		return strings.ContainsAny(v, "0123456789")
	}
	if len(v) < 6 {
		return false
	}
	lower := strings.ToLower(v)
	if lower != v && strings.ToUpper(v) != v {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if (lower[i] < '0' || lower[i] > '9') && (lower[i] < 'a' || lower[i] > 'f') {
			return false
		}
	}
	return true
}
