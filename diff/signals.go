package diff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Signal values of Hunk.Signals and Analysis.Signals.
const (
	SignalAmount   = "amount"   // money ("$50 million", "€5") or a percentage ("15%", "15 percent")
	SignalDate     = "date"     // "October 3, 2017", "Oct. 3", "October 2017", "2017-10-03", "10/03/2017"
	SignalKeyword  = "keyword"  // a watched term in the hunk, in the edit or its context
	SignalModal    = "modal"    // shall, must, may, should, will (with "not"), "required to", ...
	SignalNegation = "negation" // not, no, never, nor, none, neither, cannot, n't
	SignalNumber   = "number"   // any word holding a digit: "12,300", "1.5", "§ 1373", "2017"
)

// maxReasons caps Analysis.Reasons; one last reason counts the rest.
const maxReasons = 20

// manyWords is the number of words added plus removed that makes a change
// Medium on its own.
const manyWords = 20

// Analysis says why a change may matter.
type Analysis struct {
	Significance    Level    `json:"significance"`
	Signals         []string `json:"signals"`          // union of the hunks' signals, plus "keyword" when a watched term's count changed; sorted
	KeywordsAdded   []string `json:"keywords_added"`   // watched terms found more often in the new text than in the old
	KeywordsRemoved []string `json:"keywords_removed"` // watched terms found less often
	KeywordsNear    []string `json:"keywords_near"`    // watched terms found in some hunk: in an edit or in the context kept around it
	Reasons         []string `json:"reasons"`          // short explanations, most significant first
}

// Analyze judges how much the change in r from old to new may matter, and
// sets the Signals of every hunk of r (replacing any already there). old and
// new must be the texts r was computed from; keywords are the watched terms.
//
// Signals come from the edited words of each hunk together with the words
// right around them, so "October [-3-]{+5+}, 2017" is a date change (and a
// number change). On each side of a hunk Analyze finds modal verbs,
// negations, dates, amounts and numbers; it keeps those an edit touches
// (holding an edited word, or beginning or ending where an edit does) and
// compares the two sides in normalised form. A category signals when the
// sides differ, so "shall" -> "may" is modal, "1,000" -> "1000", "do not"
// -> "don't", "10/03/2017" -> "2017-10-03" and "Shall" -> "shall" are not,
// and "May" in a date is a month, not a modal verb. "shall" -> "shall not"
// is both negation and modal: the negated modal is a different modal (a
// prohibition, not a duty). A number inside a date or amount signals
// "number" too, but only the date or amount gets a reason. Dates and
// amounts are only recognised within the context the hunk kept
// (Options.Context words), so with no context "October [-3-]{+5+}" is only
// a number change.
//
// Watched terms match case-insensitively at word boundaries (hyphens and
// apostrophes are boundaries: "sanctuary" is found in "anti-sanctuary"),
// the last word also in its plural (-s, -es, -y -> -ies); where a term has
// whitespace the text may have any run of spaces, but not a line break;
// punctuation must match literally ("8 U.S.C. 1373" does not match
// "8 USC 1373"). Blank terms and case-insensitive duplicates are ignored;
// the keyword lists keep the order of keywords. A hunk has the "keyword"
// signal when a term occurs in its text on either side.
//
// Significance:
//   - High: some hunk has a modal, negation or keyword signal, or a watched
//     term's count changed.
//   - Medium: otherwise, some hunk has a number, date or amount signal, or
//     at least 20 words were added plus removed, or a whole line (heading,
//     paragraph, list item, table row) was added or removed.
//   - Low: any other change: a few words that carry none of the above
//     ("the" -> "a", "promptly" -> "quickly"), punctuation, spacing, and
//     also an empty Result.
//
// Reasons list modal and negation changes first, then keywords, then
// dates, amounts and numbers, then line and size changes; a Low change
// gets one summary reason. Duplicates are dropped and the list is capped
// at 20 reasons plus one that counts the rest.
//
// Cost: linear in len(old)+len(new) plus the text of the hunks and the
// length of keywords; nothing is quadratic, whatever the diff looks like.
func Analyze(r *Result, old, new string, keywords []string) Analysis {
	kw := newKeywords(keywords)
	a := Analysis{
		Significance:    Low,
		Signals:         []string{},
		KeywordsAdded:   []string{},
		KeywordsRemoved: []string{},
		KeywordsNear:    []string{},
	}
	var rs reasonSet
	near := make([]bool, len(kw.terms))
	sigs := map[string]bool{}
	block := false
	for i := range r.Hunks {
		h := &r.Hunks[i]
		h.Signals = analyzeHunk(h, kw, near, &rs)
		for _, s := range h.Signals {
			sigs[s] = true
		}
		if reason, ok := blockChange(h); ok {
			block = true
			rs.structure = append(rs.structure, reason)
		}
	}

	if len(kw.terms) > 0 {
		co, cn := kw.count(old), kw.count(new)
		for i, t := range kw.terms {
			switch {
			case cn[i] > co[i]:
				a.KeywordsAdded = append(a.KeywordsAdded, t)
				rs.keyword = append(rs.keyword, fmt.Sprintf("keyword added: %q", t))
			case cn[i] < co[i]:
				a.KeywordsRemoved = append(a.KeywordsRemoved, t)
				rs.keyword = append(rs.keyword, fmt.Sprintf("keyword removed: %q", t))
			}
		}
		for i, t := range kw.terms {
			if near[i] {
				a.KeywordsNear = append(a.KeywordsNear, t)
				if co[i] == cn[i] {
					rs.keyword = append(rs.keyword, fmt.Sprintf("keyword near an edit: %q", t))
				}
			}
		}
		if len(a.KeywordsAdded)+len(a.KeywordsRemoved) > 0 {
			sigs[SignalKeyword] = true
		}
	}
	for s := range sigs {
		a.Signals = append(a.Signals, s)
	}
	sort.Strings(a.Signals)

	words := r.WordsAdded + r.WordsRemoved
	if words >= manyWords {
		rs.structure = append(rs.structure, fmt.Sprintf("%d words changed (+%d -%d)", words, r.WordsAdded, r.WordsRemoved))
	}
	switch {
	case sigs[SignalModal] || sigs[SignalNegation] || sigs[SignalKeyword]:
		a.Significance = High
	case sigs[SignalNumber] || sigs[SignalDate] || sigs[SignalAmount] || words >= manyWords || block:
		a.Significance = Medium
	case len(r.Hunks) == 0:
	case words == 0:
		rs.structure = append(rs.structure, "punctuation or spacing only")
	default:
		rs.structure = append(rs.structure, fmt.Sprintf("minor wording change (+%d -%d words)", r.WordsAdded, r.WordsRemoved))
	}
	a.Reasons = rs.list()
	return a
}

// analyzeHunk returns the signals of h, sorted, or nil; it adds reasons to
// rs and marks in near the watched terms found in h.
//
// A number inside a date or amount is compared only when that date or
// amount changed, so a date written another way ("October 3, 2017" ->
// "10/03/2017") changes no number either.
func analyzeHunk(h *Hunk, kw *keywords, near []bool, rs *reasonSet) []string {
	o, n := newSide(h.Segments, Delete), newSide(h.Segments, Insert)
	uo, un := o.units(), n.units()
	changedO, changedN := map[int]bool{}, map[int]bool{} // start atoms of changed dates and amounts
	var sig []string
	for c := range numCats {
		ro, rn := o.relevant(uo[c]), n.relevant(un[c])
		if c == catNumber {
			ro, rn = inChanged(ro, changedO), inChanged(rn, changedN)
		}
		rem, add := unmatched(ro, rn)
		if c == catDate || c == catAmount {
			for _, u := range rem {
				changedO[u.s] = true
			}
			for _, u := range add {
				changedN[u.s] = true
			}
		}
		if len(rem)+len(add) == 0 {
			continue
		}
		sig = append(sig, c.signal())
		rs.explain(c, rem, add)
	}
	if len(kw.terms) > 0 {
		found := false
		mark := func(term int) { near[term], found = true, true }
		kw.scan(kwSplit(o.text), mark)
		kw.scan(kwSplit(n.text), mark)
		if found {
			sig = append(sig, SignalKeyword)
		}
	}
	sort.Strings(sig)
	return sig
}

// inChanged keeps the numbers that stand alone or sit in a date or amount
// whose start atom is in changed.
func inChanged(nums []unit, changed map[int]bool) []unit {
	out := make([]unit, 0, len(nums))
	for _, u := range nums {
		if u.in < 0 || changed[u.in] {
			out = append(out, u)
		}
	}
	return out
}

// unmatched pairs the units of the two sides by key and returns those left
// over: removed from old, added in new, each in order.
func unmatched(old, new []unit) (removed, added []unit) {
	if len(old) == 0 && len(new) == 0 {
		return nil, nil
	}
	left := func(us, other []unit) []unit {
		count := make(map[string]int, len(other))
		for _, u := range other {
			count[u.key]++
		}
		var out []unit
		for _, u := range us {
			if count[u.key] > 0 {
				count[u.key]--
			} else {
				out = append(out, u)
			}
		}
		return out
	}
	return left(old, new), left(new, old)
}

// reasonSet collects reasons by rank.
type reasonSet struct {
	high      []string // modal verbs and negations
	keyword   []string
	medium    []string // dates, amounts, numbers
	structure []string // lines and size; the summary of a Low change
}

// explain adds the reasons for units of c removed and added in one hunk,
// pairing them in order as changes. A number inside a date or an amount
// gets no reason of its own: the date or amount says it.
func (rs *reasonSet) explain(c category, removed, added []unit) {
	bucket := &rs.medium
	if c == catModal || c == catNegation {
		bucket = &rs.high
	}
	k := min(len(removed), len(added))
	for i := range k {
		if removed[i].in < 0 || added[i].in < 0 {
			*bucket = append(*bucket, fmt.Sprintf("%s changed: %s -> %s", c.label(), quote(removed[i]), quote(added[i])))
		}
	}
	for _, u := range removed[k:] {
		if u.in < 0 {
			*bucket = append(*bucket, fmt.Sprintf("%s removed: %s", c.label(), quote(u)))
		}
	}
	for _, u := range added[k:] {
		if u.in < 0 {
			*bucket = append(*bucket, fmt.Sprintf("%s added: %s", c.label(), quote(u)))
		}
	}
}

// quote returns the text of u with whitespace collapsed, quoted.
func quote(u unit) string {
	return strconv.Quote(strings.Join(strings.Fields(u.text), " "))
}

// list returns the reasons by rank without duplicates, capped at
// maxReasons plus one counting the rest. It never returns nil.
func (rs *reasonSet) list() []string {
	out := []string{}
	seen := map[string]bool{}
	for _, group := range [][]string{rs.high, rs.keyword, rs.medium, rs.structure} {
		for _, r := range group {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	if len(out) > maxReasons {
		more := len(out) - maxReasons
		out = append(out[:maxReasons], fmt.Sprintf("and %d more", more))
	}
	return out
}

// blockChange reports whether h adds or removes a whole line, with a
// reason quoting the first such line of each side.
func blockChange(h *Hunk) (string, bool) {
	removed, rok := wholeLine(h, Delete)
	added, aok := wholeLine(h, Insert)
	switch {
	case rok && aok:
		return fmt.Sprintf("block replaced: %q -> %q", removed, added), true
	case rok:
		return fmt.Sprintf("block removed: %q", removed), true
	case aok:
		return fmt.Sprintf("block added: %q", added), true
	}
	return "", false
}

// wholeLine returns the first line on the op side of h (Delete: old,
// Insert: new) that is complete in the hunk, holds more than whitespace,
// and was inserted or deleted whole, shortened for a reason.
func wholeLine(h *Hunk, op Op) (string, bool) {
	start := !h.ElidedBefore // the current line begins inside the hunk
	content, whole := false, true
	var line strings.Builder
	for _, s := range h.Segments {
		if s.Op != Equal && s.Op != op {
			continue
		}
		for k, part := range strings.Split(s.Text, "\n") {
			if k > 0 {
				if start && content && whole {
					return shorten(line.String()), true
				}
				start, content, whole = true, false, true
				line.Reset()
			}
			if contentIndex(part) >= 0 {
				content = true
				whole = whole && s.Op != Equal
			}
			if line.Len() < 200 {
				line.WriteString(part)
			}
		}
	}
	if start && content && whole && !h.ElidedAfter {
		return shorten(line.String()), true
	}
	return "", false
}

// shorten collapses whitespace in s and cuts it to about 60 characters.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	n := 0
	for i := range s {
		if n == 57 {
			return strings.TrimSpace(s[:i]) + "…"
		}
		n++
	}
	return s
}
