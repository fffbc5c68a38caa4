package diff

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// category is a kind of wording that Analyze watches inside hunks.
type category int

const (
	catModal category = iota
	catNegation
	catDate
	catAmount
	catNumber
	numCats
)

// signal returns the Hunk.Signals value of c.
func (c category) signal() string {
	switch c {
	case catModal:
		return SignalModal
	case catNegation:
		return SignalNegation
	case catDate:
		return SignalDate
	case catAmount:
		return SignalAmount
	}
	return SignalNumber
}

// label names c in reasons.
func (c category) label() string {
	if c == catModal {
		return "modal verb"
	}
	return c.signal()
}

// atom is one non-space token of one side of a hunk.
type atom struct {
	text    string // as written
	low     string // lower-cased, typographic apostrophes folded
	k       kind
	changed bool // inserted (new side) or deleted (old side)
	off     int  // byte offset in side.text
}

// side is one side of a hunk (old: context and deletions; new: context and
// insertions) as atoms, with the positions where edits begin and end.
type side struct {
	text  string
	atoms []atom
	edge  []bool // edge[p]: an edit begins or ends just before atom p (len(atoms)+1 entries)
}

// newSide builds the old (op Delete) or new (op Insert) side of segs. Every
// edit, even one with nothing on this side, marks the edges around it.
func newSide(segs []Segment, op Op) *side {
	size := 0
	for _, seg := range segs {
		if seg.Op == Equal || seg.Op == op {
			size += len(seg.Text)
		}
	}
	s := &side{atoms: make([]atom, 0, size/4+1)}
	var b strings.Builder
	b.Grow(size)
	var edges []int
	inEdit := false
	for _, seg := range segs {
		if (seg.Op != Equal) != inEdit {
			inEdit = !inEdit
			edges = append(edges, len(s.atoms))
		}
		if seg.Op != Equal && seg.Op != op {
			continue
		}
		t := tokenize(seg.Text)
		base := b.Len()
		b.WriteString(seg.Text)
		for i := 0; i < t.n(); i++ {
			if t.kind[i] == kindSpace {
				continue
			}
			tok := t.tok(i)
			s.atoms = append(s.atoms, atom{text: tok, low: lowerFold(tok), k: t.kind[i], changed: seg.Op != Equal, off: base + t.off[i]})
		}
	}
	if inEdit {
		edges = append(edges, len(s.atoms))
	}
	s.text = b.String()
	s.edge = make([]bool, len(s.atoms)+1)
	for _, e := range edges {
		s.edge[e] = true
	}
	return s
}

// lowerFold lower-cases tok and folds typographic apostrophes to '.
func lowerFold(tok string) string {
	w := strings.ToLower(tok)
	if strings.ContainsAny(w, "\u2019\u02BC") {
		w = strings.ReplaceAll(strings.ReplaceAll(w, "\u2019", "'"), "\u02BC", "'")
	}
	return w
}

// unit is a watched expression found on one side: atoms [s, e).
type unit struct {
	s, e int
	key  string // normalised form: units with equal keys say the same
	text string // as written
	in   int    // for a number inside a date or an amount: the start atom of that unit; else -1
}

// newUnit makes the unit of atoms [i, j) with the given key.
func (sd *side) newUnit(i, j int, key string) unit {
	last := sd.atoms[j-1]
	return unit{s: i, e: j, key: key, text: sd.text[sd.atoms[i].off : last.off+len(last.text)], in: -1}
}

// relevant keeps the units that an edit touches: those holding an inserted
// or deleted atom, or that begin or end where an edit does.
func (sd *side) relevant(us []unit) []unit {
	out := make([]unit, 0, len(us))
	for _, u := range us {
		hit := sd.edge[u.s] || sd.edge[u.e]
		for k := u.s; k < u.e && !hit; k++ {
			hit = sd.atoms[k].changed
		}
		if hit {
			out = append(out, u)
		}
	}
	return out
}

// units finds the watched expressions of every category on the side, in
// one left-to-right pass per category with a lookahead of a few atoms.
// Dates come first; amounts are sought outside them.
func (sd *side) units() [numCats][]unit {
	var us [numCats][]unit
	n := len(sd.atoms)
	in := make([]int, n) // start atom of the date or amount holding each atom, or -1
	inDate := make([]bool, n)
	for i := range in {
		in[i] = -1
	}
	for i := 0; i < n; i++ {
		if j, key, ok := sd.dateAt(i); ok {
			us[catDate] = append(us[catDate], sd.newUnit(i, j, key))
			for k := i; k < j; k++ {
				in[k], inDate[k] = i, true
			}
			i = j - 1
		}
	}
	for i := 0; i < n; i++ {
		if in[i] >= 0 {
			continue
		}
		if j, ok := sd.amountAt(i); ok {
			var key []string
			end := i
			for k := i; k < j && in[k] < 0; k++ { // stop short of a date
				key = append(key, numberKey(sd.atoms[k].low))
				in[k] = i
				end = k + 1
			}
			us[catAmount] = append(us[catAmount], sd.newUnit(i, end, strings.Join(key, " ")))
			i = end - 1
		}
	}
	for i := 0; i < n; i++ {
		a := sd.atoms[i]
		switch {
		case isNumeric(a):
			s := i
			for s > 0 && s > i-2 && sd.atoms[s-1].text == "§" {
				s--
			}
			u := sd.newUnit(s, i+1, strings.Repeat("§", i-s)+numberKey(a.low))
			u.in = in[i]
			us[catNumber] = append(us[catNumber], u)
		case inDate[i]:
			// "May" in "May 5, 2017" is a month, not a modal verb.
		default:
			if j, key, ok := sd.modalAt(i); ok {
				us[catModal] = append(us[catModal], sd.newUnit(i, j, key))
			}
			if key, ok := sd.negationAt(i); ok {
				us[catNegation] = append(us[catNegation], sd.newUnit(i, i+1, key))
			}
		}
	}
	return us
}

// modalAt matches a modal verb at atom i, with a "not" right after it
// ("shall not"), a negative contraction ("won't" = "will not") or a
// deontic phrase ("required to", "prohibited from"). It returns the end
// atom and the normalised phrase.
func (sd *side) modalAt(i int) (int, string, bool) {
	w := sd.atoms[i].low
	next := ""
	if i+1 < len(sd.atoms) {
		next = sd.atoms[i+1].low
	}
	switch w {
	case "shall", "must", "may", "should", "will":
		if next == "not" {
			return i + 2, w + " not", true
		}
		return i + 1, w, true
	case "shan't":
		return i + 1, "shall not", true
	case "mustn't":
		return i + 1, "must not", true
	case "mayn't":
		return i + 1, "may not", true
	case "shouldn't":
		return i + 1, "should not", true
	case "won't":
		return i + 1, "will not", true
	case "required", "authorized", "authorised", "permitted", "prohibited", "obligated":
		if next == "to" || next == "from" {
			return i + 2, w + " " + next, true
		}
	}
	return 0, "", false
}

// negationAt matches a negation at atom i: not, no, never, nor, none,
// neither, cannot and the n't contractions. Contractions and "cannot" have
// the key "not", so "do not" -> "don't" is no change. "No." before a
// number ("Order No. 13768") is an abbreviation, not a negation.
func (sd *side) negationAt(i int) (string, bool) {
	w := sd.atoms[i].low
	switch w {
	case "not", "never", "nor", "none", "neither":
		return w, true
	case "no":
		if i+2 < len(sd.atoms) && sd.atoms[i+1].text == "." && isNumeric(sd.atoms[i+2]) {
			return "", false
		}
		return w, true
	case "cannot":
		return "not", true
	}
	if strings.HasSuffix(w, "n't") && len(w) > 3 {
		return "not", true
	}
	return "", false
}

// dateAt matches a date starting at atom i: "2017-10-03", "10/03/2017"
// (month first), "03.10.2017" (day first), or a capitalised month name
// (full or abbreviated, with an optional '.') with a day and/or a year:
// "October 3, 2017", "Oct. 3", "October 2017", "3rd October 2017". It
// returns the end atom and the date as "YYYY-MM-DD", with "?" for a
// missing part.
func (sd *side) dateAt(i int) (int, string, bool) {
	a := sd.atoms
	if a[i].k != kindWord {
		return 0, "", false
	}
	if y, m, d, ok := numericDate(a[i].low); ok {
		return i + 1, dateKey(y, m, d), true
	}
	// Day first: "3 October 2017"; the year is required.
	if d, ok := day(a[i].low); ok && i+1 < len(a) {
		if m, j, ok := sd.monthAt(i + 1); ok {
			if j < len(a) && a[j].text == "," {
				j++
			}
			if j < len(a) {
				if y, ok := year(a[j]); ok {
					return j + 1, dateKey(y, m, d), true
				}
			}
		}
	}
	m, j, ok := sd.monthAt(i)
	if !ok {
		return 0, "", false
	}
	d, y := 0, 0
	if j < len(a) {
		if v, ok := day(a[j].low); ok {
			d = v
			j++
		}
	}
	k := j
	if d > 0 && k < len(a) && a[k].text == "," {
		k++
	}
	if k < len(a) {
		if v, ok := year(a[k]); ok {
			y, j = v, k+1
		}
	}
	if d == 0 && y == 0 {
		return 0, "", false
	}
	return j, dateKey(y, m, d), true
}

// monthAt matches a capitalised month name at atom i, full or
// abbreviated ("Oct", "Sept"), with the '.' after an abbreviation. It
// returns the month and the atom after the name.
func (sd *side) monthAt(i int) (int, int, bool) {
	a := sd.atoms[i]
	r, _ := utf8.DecodeRuneInString(a.text)
	if a.k != kindWord || !unicode.IsUpper(r) {
		return 0, 0, false
	}
	m, abbrev := monthNumber(a.low)
	if m == 0 {
		return 0, 0, false
	}
	if abbrev && i+1 < len(sd.atoms) && sd.atoms[i+1].text == "." {
		return m, i + 2, true
	}
	return m, i + 1, true
}

// monthNumber returns the month (1-12) that w names in full or
// abbreviated, or 0.
func monthNumber(w string) (m int, abbrev bool) {
	switch w {
	case "january":
		return 1, false
	case "february":
		return 2, false
	case "march":
		return 3, false
	case "april":
		return 4, false
	case "may":
		return 5, false
	case "june":
		return 6, false
	case "july":
		return 7, false
	case "august":
		return 8, false
	case "september":
		return 9, false
	case "october":
		return 10, false
	case "november":
		return 11, false
	case "december":
		return 12, false
	case "jan":
		return 1, true
	case "feb":
		return 2, true
	case "mar":
		return 3, true
	case "apr":
		return 4, true
	case "jun":
		return 6, true
	case "jul":
		return 7, true
	case "aug":
		return 8, true
	case "sep", "sept":
		return 9, true
	case "oct":
		return 10, true
	case "nov":
		return 11, true
	case "dec":
		return 12, true
	}
	return 0, false
}

// numericDate parses "2017-10-03", "10/03/2017", "10/03/17" and
// "03.10.2017".
func numericDate(w string) (y, m, d int, ok bool) {
	if len(w) < 6 || !isASCIIDigit(w[0]) {
		return 0, 0, 0, false
	}
	for _, sep := range []string{"-", "/", "."} {
		p := strings.Split(w, sep)
		if len(p) != 3 || !allDigits(p[0]) || !allDigits(p[1]) || !allDigits(p[2]) {
			continue
		}
		switch {
		case sep == "-" && len(p[0]) == 4 && len(p[1]) <= 2 && len(p[2]) <= 2:
			y, m, d = atoi(p[0]), atoi(p[1]), atoi(p[2])
		case sep == "/" && len(p[0]) <= 2 && len(p[1]) <= 2 && (len(p[2]) == 4 || len(p[2]) == 2):
			m, d, y = atoi(p[0]), atoi(p[1]), atoi(p[2])
			if len(p[2]) == 2 {
				y += 2000
				if y >= 2070 {
					y -= 100
				}
			}
		case sep == "." && len(p[0]) <= 2 && len(p[1]) <= 2 && len(p[2]) == 4:
			d, m, y = atoi(p[0]), atoi(p[1]), atoi(p[2])
		default:
			continue
		}
		return y, m, d, m >= 1 && m <= 12 && d >= 1 && d <= 31
	}
	return 0, 0, 0, false
}

// day parses a day of the month: "3", "03", "3rd", "21st".
func day(w string) (int, bool) {
	digits := strings.TrimRight(w, "stndrh")
	if suffix := w[len(digits):]; suffix != "" && suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th" {
		return 0, false
	}
	if len(digits) == 0 || len(digits) > 2 || !allDigits(digits) {
		return 0, false
	}
	d := atoi(digits)
	return d, d >= 1 && d <= 31
}

// year parses a four-digit year from 1000 to 2999.
func year(a atom) (int, bool) {
	if len(a.low) != 4 || !allDigits(a.low) {
		return 0, false
	}
	y := atoi(a.low)
	return y, y >= 1000 && y <= 2999
}

// dateKey formats a date for comparison, "?" standing for a missing part.
func dateKey(y, m, d int) string {
	part := func(v, width int) string {
		if v == 0 {
			return "?"
		}
		return fmt.Sprintf("%0*d", width, v)
	}
	return part(y, 4) + "-" + part(m, 2) + "-" + part(d, 2)
}

// amountAt matches an amount of money or a percentage starting at atom i:
// a currency sign and a number ("$1,000", "€5"), a number and "%",
// "percent", "per cent" or a currency word ("15%", "20 dollars"); a scale
// word may follow the number ("$50 million"). It returns the end atom.
func (sd *side) amountAt(i int) (int, bool) {
	a := sd.atoms
	n := len(a)
	j := i
	currency := false
	switch a[i].text {
	case "$", "€", "£", "¥":
		currency = true
		j++
	}
	if j >= n || !isNumeric(a[j]) {
		return 0, false
	}
	j++
	if j < n {
		switch a[j].low {
		case "thousand", "million", "billion", "trillion":
			j++
		}
	}
	if j < n {
		switch a[j].low {
		case "%", "percent", "dollars", "dollar", "usd", "cents", "euros", "eur", "pounds":
			return j + 1, true
		case "per":
			if j+1 < n && a[j+1].low == "cent" {
				return j + 2, true
			}
		}
	}
	return j, currency
}

// isNumeric reports whether a is a word holding a digit.
func isNumeric(a atom) bool {
	return a.k == kindWord && strings.IndexFunc(a.text, unicode.IsDigit) >= 0
}

// numberKey normalises a number for comparison: thousands separators go
// ("12,300" = "12300") and so do leading zeros of a digit group unless it
// follows a '.' or ',' ("10/03" = "10/3", "007" = "7"; "0.05" stays).
func numberKey(w string) string {
	if strings.IndexByte(w, ',') < 0 && strings.IndexByte(w, '0') < 0 {
		return w
	}
	var b strings.Builder
	strip := false // dropping the leading zeros of a digit group
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !isASCIIDigit(c) {
			strip = false
			if c == ',' && i > 0 && isASCIIDigit(w[i-1]) && thousands(w[i+1:]) {
				continue
			}
			b.WriteByte(c)
			continue
		}
		if i == 0 || !isASCIIDigit(w[i-1]) {
			strip = i == 0 || (w[i-1] != '.' && w[i-1] != ',')
		}
		if strip && c == '0' && i+1 < len(w) && isASCIIDigit(w[i+1]) {
			continue
		}
		strip = false
		b.WriteByte(c)
	}
	return b.String()
}

// thousands reports whether s starts with exactly three digits.
func thousands(s string) bool {
	return len(s) >= 3 && allDigits(s[:3]) && (len(s) == 3 || !isASCIIDigit(s[3]))
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

// isASCIIDigit reports whether c is '0'..'9'.
func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }

// atoi converts a short run of ASCII digits.
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}
