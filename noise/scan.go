package noise

import (
	"regexp"
	"strings"
)

// The fetch-day rule looks at every date of every line, so it finds dates
// with a hand-written scanner: Go's regexp package has no DFA, and a date
// pattern with month names, weekdays and times costs microseconds per byte.
// The scanner finds the date itself; small anchored patterns then extend it
// to an adjacent weekday and time.

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func isWordByte(b byte) bool { return isDigit(b) || isLetter(b) || b == '_' }

// boundary reports whether a word ends before s[i].
func boundary(s string, i int) bool { return i >= len(s) || !isWordByte(s[i]) }

// digits returns the end of the run of digits starting at i.
func digits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// skipSpaces returns the index of the first non-space at or after i.
func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// nameCase reports whether w is written in Title case or UPPER case.
func nameCase(w string) bool {
	if w == "" || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	lower, upper := true, true
	for i := 1; i < len(w); i++ {
		lower = lower && w[i] >= 'a' && w[i] <= 'z'
		upper = upper && w[i] >= 'A' && w[i] <= 'Z'
	}
	return lower || upper
}

// monthWord returns 1-12 when w (letters only) is a month name or its
// abbreviation (Jan, Sept...) in Title or UPPER case, 0 otherwise.
func monthWord(w string) int {
	if len(w) < 3 || len(w) > 9 || !nameCase(w) {
		return 0
	}
	switch strings.ToLower(w) {
	case "january", "jan":
		return 1
	case "february", "feb":
		return 2
	case "march", "mar":
		return 3
	case "april", "apr":
		return 4
	case "may":
		return 5
	case "june", "jun":
		return 6
	case "july", "jul":
		return 7
	case "august", "aug":
		return 8
	case "september", "sept", "sep":
		return 9
	case "october", "oct":
		return 10
	case "november", "nov":
		return 11
	case "december", "dec":
		return 12
	}
	return 0
}

// weekdayWord returns 0-6 from Sunday when w is a weekday name or its
// abbreviation (Wed, Tues, Thurs...) in Title or UPPER case, -1 otherwise.
func weekdayWord(w string) int {
	if len(w) < 3 || len(w) > 9 || !nameCase(w) {
		return -1
	}
	switch strings.ToLower(w) {
	case "sunday", "sun":
		return 0
	case "monday", "mon":
		return 1
	case "tuesday", "tues", "tue":
		return 2
	case "wednesday", "wed":
		return 3
	case "thursday", "thurs", "thur", "thu":
		return 4
	case "friday", "fri":
		return 5
	case "saturday", "sat":
		return 6
	}
	return -1
}

// wordBefore returns the start of the run of letters ending at i.
func wordBefore(s string, i int) int {
	for i > 0 && isLetter(s[i-1]) {
		i--
	}
	return i
}

// ordinal returns the index after an ordinal suffix (st, nd, rd, th) at i,
// or i.
func ordinal(s string, i int) int {
	if i+2 <= len(s) {
		switch s[i : i+2] {
		case "st", "nd", "rd", "th":
			return i + 2
		}
	}
	return i
}

// year reads a year 1900-2099 at i; end is 0 when there is none.
func year(s string, i int) (y, end int) {
	j := digits(s, i)
	if j-i != 4 || !boundary(s, j) || (s[i:i+2] != "19" && s[i:i+2] != "20") {
		return 0, 0
	}
	return atoi(s[i:j]), j
}

// dateAt reads a date whose first digit run is s[i:j] (i at a word start):
// "January 2, 2006" (the month before i), "2 January 2006", "2006-01-02",
// "2006/01/02" or "01/02/2006". It returns the date's span and readings;
// ok is false when there is no date with a year there.
func dateAt(s string, i, j int) (start, end int, ds dates, ok bool) {
	ds.weekday = -1
	add := func(y, m, d int) {
		if c := civil(y, m, d); c != noDay {
			ds.d[ds.n] = c
			ds.n++
		}
	}
	n := j - i
	// 2006-01-02, 2006/01/02, 2006-01-02T15:04
	if n == 4 && j < len(s) && (s[j] == '-' || s[j] == '/') && (s[i:i+2] == "19" || s[i:i+2] == "20") {
		sep := s[j]
		k := digits(s, j+1)
		if k-j-1 >= 1 && k-j-1 <= 2 && k < len(s) && s[k] == sep {
			l := digits(s, k+1)
			if l-k-1 >= 1 && l-k-1 <= 2 && (boundary(s, l) || s[l] == 'T' && l+1 < len(s) && isDigit(s[l+1])) {
				add(atoi(s[i:j]), atoi(s[j+1:k]), atoi(s[k+1:l]))
				return i, l, ds, ds.n > 0
			}
		}
		return 0, 0, ds, false
	}
	if n > 2 {
		return 0, 0, ds, false
	}
	// 01/02/2006, 1/2/06
	if j < len(s) && s[j] == '/' && (i == 0 || s[i-1] != '/') {
		k := digits(s, j+1)
		if k-j-1 >= 1 && k-j-1 <= 2 && k < len(s) && s[k] == '/' {
			l := digits(s, k+1)
			if (l-k-1 == 2 || l-k-1 == 4) && boundary(s, l) && (l == len(s) || s[l] != '/') {
				y := atoi(s[k+1 : l])
				if l-k-1 == 2 {
					y += 2000
				} else if y < 1900 || y > 2099 {
					return 0, 0, ds, false
				}
				a, b := atoi(s[i:j]), atoi(s[j+1:k])
				add(y, a, b)
				if a != b {
					add(y, b, a)
				}
				return i, l, ds, ds.n > 0
			}
		}
		return 0, 0, ds, false
	}
	day := atoi(s[i:j])
	after := ordinal(s, j)
	if !boundary(s, after) {
		return 0, 0, ds, false
	}
	// January 2, 2006; Jan. 2 2006; JANUARY 2ND, 2006
	k := i
	for k > 0 && s[k-1] == ' ' {
		k--
	}
	if k > 0 && s[k-1] == '.' {
		k--
	}
	if ws := wordBefore(s, k); ws < k && (ws == 0 || !isWordByte(s[ws-1])) {
		if m := monthWord(s[ws:k]); m != 0 && (k < i || s[k] == '.') {
			p := after
			if p < len(s) && s[p] == ',' {
				p++
			}
			if y, e := year(s, skipSpaces(s, p)); e > 0 {
				add(y, m, day)
				return ws, e, ds, ds.n > 0
			}
		}
	}
	// 2 January 2006; 2nd of Jan. 2006
	p := skipSpaces(s, after)
	if p == after {
		return 0, 0, ds, false
	}
	if strings.HasPrefix(s[p:], "of ") {
		p += 3
	}
	we := p
	for we < len(s) && isLetter(s[we]) {
		we++
	}
	m := monthWord(s[p:we])
	if m == 0 {
		return 0, 0, ds, false
	}
	if we < len(s) && s[we] == '.' {
		we++
	}
	if we < len(s) && s[we] == ',' {
		we++
	}
	q := skipSpaces(s, we)
	if q == we {
		return 0, 0, ds, false
	}
	if y, e := year(s, q); e > 0 {
		add(y, m, day)
		return i, e, ds, ds.n > 0
	}
	return 0, 0, ds, false
}

// timeExt holds the anchored patterns that extend a date to the time
// written before or after it.
type timeExt struct {
	before *regexp.Regexp // ends at the date: "10:30 AM, " "10 am EST on "
	after  *regexp.Regexp // starts after the date: " at 10:30 am", "T15:04:05Z"
}

func newTimeExt() timeExt {
	return timeExt{
		before: regexp.MustCompile(`(?:^|[^\w:])(` + reTimeBefore + `)$`),
		after:  regexp.MustCompile(`^` + reTimeAfter),
	}
}

// fetchDayDates replaces each date of line within the window of c, with its
// weekday and time, by PlaceholderDate.
func (d *defaultSet) fetchDayDates(line string, c *run) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(line); {
		if !isDigit(line[i]) {
			i++
			continue
		}
		j := digits(line, i)
		if i > 0 && isWordByte(line[i-1]) {
			i = j
			continue
		}
		start, end, ds, ok := dateAt(line, i, j)
		if !ok || start < last {
			i = j
			continue
		}
		if !c.win.any(ds) {
			i = end
			continue
		}
		start = d.extendBefore(line, start, last)
		if m := d.times.after.FindStringIndex(line[end:]); m != nil {
			end += m[1]
		}
		c.note(RuleFetchDayDate, line[start:end])
		b.WriteString(line[last:start])
		b.WriteString(PlaceholderDate)
		last, i = end, end
	}
	if last == 0 {
		return line
	}
	b.WriteString(line[last:])
	return collapse(b.String())
}

// extendBefore moves the start of a date back over its weekday ("Wed.,
// Feb 1") and a time written before it, not before limit.
func (d *defaultSet) extendBefore(s string, start, limit int) int {
	k := start
	for k > limit && s[k-1] == ' ' {
		k--
	}
	if k > limit && s[k-1] == ',' {
		k--
	}
	if k > limit && s[k-1] == '.' {
		k--
	}
	if ws := wordBefore(s, k); ws >= limit && ws < k && weekdayWord(s[ws:k]) >= 0 && (ws == 0 || !isWordByte(s[ws-1])) {
		start = ws
	}
	from := max(limit, start-40)
	if m := d.times.before.FindStringSubmatchIndex(s[from:start]); m != nil {
		start = from + m[2]
	}
	return start
}
