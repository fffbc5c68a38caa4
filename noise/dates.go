package noise

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Regular-expression fragments for dates and times. Month and weekday names
// are matched in Title case or UPPER case only, so that "may 2, 2017" in a
// sentence is not a date while "May 2, 2017" and "MAY 2, 2017" are.
const (
	reYear  = `(?:19|20)\d{2}\b`
	reDay   = `(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?\b`
	reMM    = `(?:1[0-2]|0?[1-9])`
	reDD    = `(?:[12][0-9]|3[01]|0?[1-9])`
	reHHMM  = `(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?`
	reAMPM  = `\s*[AaPp]\.?\s?[Mm]\b\.?`
	reZones = `(?:[ECMP][SD]?T|AK[SD]?T|H[SA]?T|UTC|GMT)`
	// reZone is a time zone after a time: "EST", "(ET)", "Z", "+05:30".
	reZone = `(?:\s*(?:\(` + reZones + `\)|` + reZones + `\b)|Z\b|[+-]\d{2}:?\d{2}\b)`
	// reTime is a time of day that cannot be mistaken for a number: it has
	// minutes ("10:30", "10:30:05.123") or am/pm ("10 am", "10:30 p.m."),
	// and an optional zone.
	// A time with minutes ends at a word boundary unless am/pm or a zone
	// follows at once, so that "00:001" is not a time.
	reTime = `(?:` + reHHMM + `(?:` + reAMPM + reZone + `?|` + reZone + `|\b)|(?:1[0-2]|0?[1-9])` + reAMPM + reZone + `?)`
	// reTimeAfter joins a time to the date before it: "2017-02-01T10:30Z",
	// "February 1, 2017, 10:30 am", "Feb. 1, 2017 at 10:30", "... - 10:30".
	reTimeAfter = `(?:T|,?\s*(?:at\s+|@\s*|-\s*|–\s*|\|\s*)?)` + reTime
	// reTimeBefore is a time written before its date: "10:30 AM, February 1, 2017".
	reTimeBefore = reTime + `,?\s+(?:on\s+)?`
)

// nameAlt is an alternation of names in Title and UPPER case, each ending
// at a word boundary and, for abbreviations, an optional dot.
func nameAlt(full, abbr []string) string {
	var alts []string
	for _, n := range full {
		alts = append(alts, n, strings.ToUpper(n))
	}
	var ab []string
	for _, n := range abbr {
		ab = append(ab, n, strings.ToUpper(n))
	}
	return `(?:(?:` + strings.Join(alts, "|") + `)\b|(?:` + strings.Join(ab, "|") + `)\b\.?)`
}

func monthNames() string {
	return nameAlt(
		[]string{"January", "February", "March", "April", "May", "June", "July",
			"August", "September", "October", "November", "December"},
		[]string{"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec"})
}

func weekdayNames() string {
	return nameAlt(
		[]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
		[]string{"Mon", "Tues", "Tue", "Wed", "Thurs", "Thur", "Thu", "Fri", "Sat", "Sun"})
}

// dateSource returns a date pattern with named groups: an optional weekday
// (wd) and one of four forms: "January 2, 2006" (m1 d1 y1), "2 January
// 2006" (d2 m2 y2), "2006-01-02" or "2006/01/02" (y3 m3 d3), and
// "01/02/2006" or "1/2/06" (a4 b4 y4; month and day order unknown). With
// yearOptional, the first two forms may omit the year. A time may follow
// the date, or precede it when leadTime is set.
func dateSource(yearOptional, leadTime bool) string {
	mon, wd := monthNames(), weekdayNames()
	opt := ""
	if yearOptional {
		opt = "?"
	}
	forms := []string{
		`(?P<m1>` + mon + `)\s*(?P<d1>` + reDay + `)(?:,?\s*(?P<y1>` + reYear + `))` + opt,
		`(?P<d2>` + reDay + `)\s+(?:of\s+)?(?P<m2>` + mon + `)(?:,?\s+(?P<y2>` + reYear + `))` + opt,
		`\b(?P<y3>(?:19|20)\d{2})[-/](?P<m3>` + reMM + `)[-/](?P<d3>` + reDD + `)(?:T` + reTime + `|\b)`,
		`\b(?P<a4>\d{1,2})/(?P<b4>\d{1,2})/(?P<y4>(?:19|20)?\d{2})\b`,
	}
	lead := ""
	if leadTime {
		lead = `(?:` + reTimeBefore + `)?`
	}
	return lead + `(?:(?P<wd>` + wd + `),?\s+)?(?:` + strings.Join(forms, "|") + `)(?:` + reTimeAfter + `)?`
}

// dateRE is a compiled date pattern and the indexes of its named groups.
type dateRE struct {
	re                                     *regexp.Regexp
	wd, m1, d1, y1, d2, m2, y2, y3, m3, d3 int
	a4, b4, y4                             int
}

func newDateRE(src string) dateRE {
	re := regexp.MustCompile(src)
	g := func(name string) int { return re.SubexpIndex(name) }
	return dateRE{re: re, wd: g("wd"),
		m1: g("m1"), d1: g("d1"), y1: g("y1"),
		d2: g("d2"), m2: g("m2"), y2: g("y2"),
		y3: g("y3"), m3: g("m3"), d3: g("d3"),
		a4: g("a4"), b4: g("b4"), y4: g("y4")}
}

// day is a civil date as a count of days since 1970-01-01; noDay when
// unknown or invalid.
type day int64

const noDay day = -1 << 62

func civil(y, m, d int) day {
	if y == 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return noDay
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // February 30
		return noDay
	}
	return day(t.Unix() / 86400)
}

// dates are the candidate readings of one matched date: one, or two for a
// numeric date whose month and day order is unknown. A reading without a
// year (allowed in weekday lines) has year 0 and no day.
type dates struct {
	n       int
	d       [2]day
	weekday int // 0-6 from Sunday; -1 when absent
	hasYear bool
}

// group returns the text of group i of match m in s, "" when it did not
// take part.
func group(s string, m []int, i int) string {
	if i < 0 || m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

// read interprets match m of r in s.
func (r *dateRE) read(s string, m []int) dates {
	out := dates{weekday: -1}
	if w := group(s, m, r.wd); w != "" {
		out.weekday = weekdayIndex(w)
	}
	num := func(i int) int {
		t := strings.TrimRight(group(s, m, i), "stndrh")
		n, err := strconv.Atoi(t)
		if err != nil {
			return 0
		}
		return n
	}
	add := func(y, mo, d int) {
		if y != 0 {
			out.hasYear = true
		}
		if c := civil(y, mo, d); c != noDay {
			out.d[out.n] = c
			out.n++
		}
	}
	switch {
	case group(s, m, r.m1) != "":
		add(num(r.y1), monthIndex(group(s, m, r.m1)), num(r.d1))
	case group(s, m, r.m2) != "":
		add(num(r.y2), monthIndex(group(s, m, r.m2)), num(r.d2))
	case group(s, m, r.y3) != "":
		add(num(r.y3), num(r.m3), num(r.d3))
	case group(s, m, r.y4) != "":
		y := num(r.y4)
		if y < 100 {
			y += 2000
		}
		a, b := num(r.a4), num(r.b4)
		add(y, a, b)
		if a != b {
			add(y, b, a)
		}
	}
	return out
}

// monthIndex returns 1-12 for a month name or abbreviation, 0 if unknown.
func monthIndex(name string) int {
	if len(name) < 3 {
		return 0
	}
	switch strings.ToLower(name[:3]) {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	case "dec":
		return 12
	}
	return 0
}

// weekdayIndex returns 0-6 from Sunday for a weekday name, -1 if unknown.
func weekdayIndex(name string) int {
	if len(name) < 3 {
		return -1
	}
	switch strings.ToLower(name[:3]) {
	case "sun":
		return 0
	case "mon":
		return 1
	case "tue":
		return 2
	case "wed":
		return 3
	case "thu":
		return 4
	case "fri":
		return 5
	case "sat":
		return 6
	}
	return -1
}

// weekdayOf returns 0-6 from Sunday.
func weekdayOf(d day) int {
	// 1970-01-01 was a Thursday.
	return int(((d+4)%7 + 7) % 7)
}

// window is the set of days counted as "the fetch day": each fetch time's
// calendar day, one day before and one day after (the page may be written
// in another time zone than the fetcher's). A zero window holds no day.
type window struct {
	n  int
	lo [2]day
}

func windowOf(ts ...time.Time) window {
	var w window
	for _, t := range ts {
		if t.IsZero() || w.n == len(w.lo) {
			continue
		}
		y, m, d := t.Date()
		w.lo[w.n] = civil(y, int(m), d) - 1
		w.n++
	}
	return w
}

func (w window) empty() bool { return w.n == 0 }

func (w window) contains(d day) bool {
	for i := 0; i < w.n; i++ {
		if d >= w.lo[i] && d <= w.lo[i]+2 {
			return true
		}
	}
	return false
}

// any reports whether one reading of ds is in w.
func (w window) any(ds dates) bool {
	for i := 0; i < ds.n; i++ {
		if w.contains(ds.d[i]) {
			return true
		}
	}
	return false
}
