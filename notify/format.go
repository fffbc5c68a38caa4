package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"redline"
	"redline/diff"
)

// Format is how an alert is rendered for one kind of receiver.
type Format string

// Formats Render knows.
const (
	FormatJSON       Format = "json"       // the canonical payload (Changed or Event), unchanged
	FormatSlack      Format = "slack"      // Slack incoming webhook, Block Kit
	FormatDiscord    Format = "discord"    // Discord webhook, one embed
	FormatTeams      Format = "teams"      // Microsoft Teams Workflows webhook, Adaptive Card 1.4
	FormatMattermost Format = "mattermost" // Mattermost incoming webhook, Markdown text
)

// Content types Render returns.
const (
	contentJSON = "application/json"
	contentText = "text/plain; charset=utf-8"
)

// ParseFormat reads a format name as written in the configuration. Case and
// surrounding space are ignored; "" is FormatJSON, the default.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return FormatJSON, nil
	case FormatJSON, FormatSlack, FormatDiscord, FormatTeams, FormatMattermost:
		return f, nil
	}
	return "", fmt.Errorf("unknown alert format %q (want json, slack, discord, teams or mattermost)", s)
}

// RenderOptions tune Render.
type RenderOptions struct {
	// BaseURL is the public base URL of redline's web UI and API, e.g.
	// "https://redline.example.org". When set, a change alert links to its
	// full diff at
	//
	//	BaseURL + "/targets/{name}/changes/{to_capture_id}"
	//
	// ({name} path-escaped, {to_capture_id} the capture the change leads
	// to, current.capture_id in the payload) and any other alert links to
	// BaseURL + "/targets/{name}". When empty, messages carry no such link
	// (they still link to the watched page itself).
	BaseURL string
	// Template, when set, replaces the built-in message: its output (see
	// ParseTemplate for the data and functions) becomes the message text of
	// the chat formats, still cut to the channel's limits. For FormatJSON the
	// output is the whole request body, sent as written: with content type
	// application/json when it is valid JSON, else text/plain.
	Template *template.Template
}

// Render renders one alert for a format. body is the canonical JSON payload
// of the alert: a Changed when its "type" is page.changed, otherwise an
// Event (selector.missing today; page.removed, page.restored,
// page.blocked, check.failing or any later type are rendered the same
// generic way, titled from the type). It returns the request body and its
// content type.
//
// FormatJSON without a template returns body unchanged. The chat formats
// keep within each service's documented limits (see the constants in
// format_slack.go, format_discord.go, format_teams.go and
// format_mattermost.go): when a change is too long, hunks are shortened at
// a rune boundary and outside any markup, with "…", and the rest is
// counted ("… and N more changes") next to the link to the full diff when
// BaseURL is set. Page text is escaped so that it can neither format the
// message nor mention anyone.
func Render(f Format, body []byte, opt RenderOptions) (payload []byte, contentType string, err error) {
	switch f {
	case FormatJSON, FormatSlack, FormatDiscord, FormatTeams, FormatMattermost:
	default:
		return nil, "", fmt.Errorf("render alert: unknown format %q (use ParseFormat)", f)
	}
	if f == FormatJSON && opt.Template == nil {
		return body, contentJSON, nil
	}
	base, err := baseURL(opt.BaseURL)
	if err != nil {
		return nil, "", err
	}
	a, err := decodeAlert(body, base)
	if err != nil {
		return nil, "", err
	}
	if opt.Template != nil {
		out, err := executeTemplate(opt.Template, f, body, a.link)
		if err != nil {
			return nil, "", err
		}
		return wrapTemplate(f, out, a, opt.Template.Name())
	}
	var v any
	switch f {
	case FormatSlack:
		v = renderSlack(a)
	case FormatDiscord:
		v = renderDiscord(a)
	case FormatTeams:
		v = renderTeams(a)
	case FormatMattermost:
		v = renderMattermost(a)
	}
	b, err := Marshal(v)
	if err != nil {
		return nil, "", err
	}
	return b, contentJSON, nil
}

// wrapTemplate puts the output of a user template into the message
// structure of format f.
func wrapTemplate(f Format, out []byte, a *alert, tmplName string) ([]byte, string, error) {
	text := strings.TrimSpace(string(out))
	if text == "" {
		return nil, "", fmt.Errorf("render alert: template %q produced an empty message", tmplName)
	}
	if f == FormatJSON {
		if json.Valid(out) {
			return out, contentJSON, nil
		}
		return out, contentText, nil
	}
	var v any
	switch f {
	case FormatSlack:
		v = slackTemplateMessage(text, a)
	case FormatDiscord:
		v = discordTemplateMessage(text, a)
	case FormatTeams:
		v = teamsTemplateMessage(text, a)
	case FormatMattermost:
		v = mattermostTemplateMessage(text, a)
	}
	b, err := Marshal(v)
	if err != nil {
		return nil, "", err
	}
	return b, contentJSON, nil
}

// baseURL checks and normalises RenderOptions.BaseURL.
func baseURL(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("render alert: base URL %q is not an absolute http(s) URL", s)
	}
	return s, nil
}

// alert is a decoded alert body with what every renderer needs.
type alert struct {
	typ     string
	changed *Changed // set for page.changed
	event   *Event   // set for every other type
	link    string   // full diff (or target page) on redline's UI; "" without BaseURL
}

func decodeAlert(body []byte, base string) (*alert, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, fmt.Errorf("render alert: decode body: %w", err)
	}
	if head.Type == "" {
		return nil, fmt.Errorf("render alert: body has no type")
	}
	a := &alert{typ: head.Type}
	if head.Type == redline.EventPageChanged {
		a.changed = new(Changed)
		if err := json.Unmarshal(body, a.changed); err != nil {
			return nil, fmt.Errorf("render alert: decode %s body: %w", head.Type, err)
		}
	} else {
		a.event = new(Event)
		if err := json.Unmarshal(body, a.event); err != nil {
			return nil, fmt.Errorf("render alert: decode %s body: %w", head.Type, err)
		}
	}
	if base != "" && a.target().Name != "" {
		a.link = base + "/targets/" + url.PathEscape(a.target().Name)
		if c := a.changed; c != nil && c.Current.CaptureID != 0 {
			a.link += "/changes/" + strconv.FormatInt(c.Current.CaptureID, 10)
		}
	}
	return a, nil
}

func (a *alert) target() TargetRef {
	if a.changed != nil {
		return a.changed.Target
	}
	return a.event.Target
}

func (a *alert) timestamp() time.Time {
	if a.changed != nil {
		return a.changed.Timestamp
	}
	return a.event.Timestamp
}

// title is the one-line headline of the alert, unescaped.
func (a *alert) title() string {
	name := a.target().Name
	if name == "" {
		name = a.target().URL
	}
	if c := a.changed; c != nil {
		if c.RevertedTo != 0 {
			return "Wording changed back: " + name
		}
		return "Wording changed: " + name
	}
	return eventTitle(a.typ) + ": " + name
}

// eventTitle turns an event type into words: "selector.missing" ->
// "Selector missing", "check.failing" -> "Check failing".
func eventTitle(typ string) string {
	s := strings.Join(strings.FieldsFunc(typ, func(r rune) bool { return r == '.' || r == '_' || r == '-' }), " ")
	if s == "" {
		return "Alert"
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// wordsLine summarises the size of a change, e.g. "12 words added, 3
// removed, in 2 places".
func wordsLine(c *Changed) string {
	places := max(c.Stats.Hunks, len(c.Diff.Hunks))
	s := fmt.Sprintf("%d %s added, %d removed, in %d %s", c.Stats.WordsAdded, plural(c.Stats.WordsAdded, "word", "words"),
		c.Stats.WordsRemoved, places, plural(places, "place", "places"))
	if c.Stats.Truncated {
		s += " (coarse diff: the comparison hit its time limit)"
	}
	return s
}

// capturesLine names the two captures of a change, or the capture of an
// event, with their times.
func (a *alert) capturesLine() string {
	if c := a.changed; c != nil {
		return fmt.Sprintf("Capture #%d (%s) → #%d (%s)", c.Previous.CaptureID, fmtTime(c.Previous.FetchedAt),
			c.Current.CaptureID, fmtTime(c.Current.FetchedAt))
	}
	cur := a.event.Current
	s := fmt.Sprintf("Capture #%d (%s)", cur.CaptureID, fmtTime(cur.FetchedAt))
	if cur.Status != 0 {
		s += fmt.Sprintf(", HTTP %d", cur.Status)
	}
	return s
}

// keywordsLine lists the watched terms an edit added or removed; "" when
// none.
func keywordsLine(k Keywords) string {
	var parts []string
	if len(k.Added) > 0 {
		parts = append(parts, "added "+quoteList(k.Added))
	}
	if len(k.Removed) > 0 {
		parts = append(parts, "removed "+quoteList(k.Removed))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Watched terms " + strings.Join(parts, "; ")
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// revertedLine says which earlier capture a change returned to; "" for a
// new version.
func revertedLine(c *Changed) string {
	if c.RevertedTo == 0 {
		return ""
	}
	return fmt.Sprintf("The page returned to the wording of capture #%d.", c.RevertedTo)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// moreNote counts the hunks left out of a message; "" when none.
func moreNote(hidden int) string {
	if hidden <= 0 {
		return ""
	}
	return fmt.Sprintf("… and %d more %s", hidden, plural(hidden, "change", "changes"))
}

// maxReasons caps the reasons a message lists; the payload keeps them all.
const maxReasons = 5

// reasons returns the first maxReasons reasons, and a count of the rest.
func reasons(c *Changed) []string {
	if len(c.Reasons) <= maxReasons {
		return c.Reasons
	}
	out := append([]string{}, c.Reasons[:maxReasons]...)
	return append(out, fmt.Sprintf("and %d more", len(c.Reasons)-maxReasons))
}

// hunkLabel names where a hunk sits: its heading path, or its line.
func hunkLabel(h diff.Hunk) string {
	var parts []string
	for _, s := range h.Heading {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("Line %d", h.NewLine)
	}
	return strings.Join(parts, " › ")
}

// textLen counts s the way the chat services count their limits, in the
// most cautious reading: UTF-16 code units (what JavaScript's length
// gives), which is never less than the count of runes.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// ellipsis marks text that was cut.
const ellipsis = "…"

// fit returns render(s) when it is at most max long (textLen), else the
// rendering of the longest prefix of s, cut at a rune boundary and
// preferably at a space, that fits with ellipsis after it. render must map
// each prefix to something no shorter than the rendering of a shorter
// prefix (escaping does); the cut is made in s before rendering, so it is
// never inside an escape or markup that render adds.
func fit(s string, max int, render func(string) string) string {
	if r := render(s); textLen(r) <= max {
		return r
	}
	avail := max - textLen(ellipsis)
	if avail <= 0 {
		return ""
	}
	k := longestPrefix(runePrefix(s, avail+1), func(p string) bool { return textLen(render(p)) <= avail })
	return render(trimRight(k)) + ellipsis
}

// longestPrefix returns the longest prefix p of s, cut at a rune boundary,
// with ok(p); ok("") is taken to hold and ok must be monotone. When the
// prefix ends within a word, it is moved back to the last space if that
// loses at most 20 runes.
func longestPrefix(s string, ok func(string) bool) string {
	// Rune start offsets of s, plus len(s).
	offs := make([]int, 0, len(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	lo, hi := 0, len(offs)-1 // ok(s[:offs[lo]]) holds; find the largest such index
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ok(s[:offs[mid]]) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	p := s[:offs[lo]]
	if lo < len(offs)-1 {
		if i := strings.LastIndexAny(p, " \n\t"); i >= 0 && utf8.RuneCountInString(p[i:]) <= 20 {
			p = p[:i]
		}
	}
	return p
}

// longestSuffix is longestPrefix from the other end: the longest suffix p
// of s with ok(p), moved forward to the start of a word if that loses at
// most 20 runes.
func longestSuffix(s string, ok func(string) bool) string {
	offs := make([]int, 0, len(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	lo, hi := 0, len(offs)-1 // ok(s[offs[hi]:]) holds; find the smallest such index
	for lo < hi {
		mid := (lo + hi) / 2
		if ok(s[offs[mid]:]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	p := s[offs[hi]:]
	if hi > 0 {
		if i := strings.IndexAny(p, " \n\t"); i >= 0 && utf8.RuneCountInString(p[:i]) <= 20 {
			p = p[i:]
		}
	}
	return strings.TrimLeft(p, " \t\n")
}

// trimLead shortens the context before the first edit of a hunk to its
// last third of budget, so that a hunk cut to budget still shows its first
// edit; "…" marks what went. It leaves ps alone when they fit.
func trimLead(ps []piece, budget int, cost func(piece) int) []piece {
	i := 0
	if len(ps) > 0 && ps[0] == (piece{diff.Equal, ellipsis}) {
		i = 1
	}
	if fitsAll(ps, budget, cost) || i >= len(ps)-1 || ps[i].op != diff.Equal {
		return ps
	}
	keep := budget / 3
	if cost(ps[i]) <= keep {
		return ps
	}
	t := longestSuffix(runeSuffix(ps[i].text, keep+1), func(s string) bool { return cost(piece{diff.Equal, s}) <= keep })
	out := []piece{{diff.Equal, ellipsis}}
	if t != "" {
		out = append(out, piece{diff.Equal, t})
	}
	return append(out, ps[i+1:]...)
}

// runePrefix returns the first n runes of s (all of s when shorter). A
// search for the longest prefix rendering to at most n-1 characters needs
// no more: no rune renders to less than one.
func runePrefix(s string, n int) string {
	for k := range s {
		if n <= 0 {
			return s[:k]
		}
		n--
	}
	return s
}

// runeSuffix returns the last n runes of s (all of s when shorter).
func runeSuffix(s string, n int) string {
	for i := len(s); i > 0; {
		if n <= 0 {
			return s[i:]
		}
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		n--
	}
	return s
}

// trimRight drops trailing spaces before an ellipsis.
func trimRight(s string) string { return strings.TrimRight(s, " \t\n") }

// piece is a run of hunk text that is kept, deleted or inserted.
type piece struct {
	op   diff.Op
	text string
}

// contextKeep is how many runes of unchanged text a message keeps on each
// side of an edit. The diff keeps a few words of context; this only bites
// on very long words or on edits far apart within one hunk, so that a
// shortened hunk still shows its edits rather than only context.
const contextKeep = 100

// hunkPieces turns a hunk into pieces for display. An edit of whitespace
// alone shows the new text (a removed space is left out, an inserted one
// kept as context), since markup around blanks renders as nothing. Long
// context is cut to contextKeep runes around the edits, and "…" stands
// for text of the line left out.
func hunkPieces(h diff.Hunk) []piece {
	var ps []piece
	for _, s := range h.Segments {
		op := s.Op
		if op != diff.Equal && strings.TrimSpace(s.Text) == "" {
			if op == diff.Delete {
				continue
			}
			op = diff.Equal
		}
		if s.Text == "" {
			continue
		}
		if n := len(ps); n > 0 && op == diff.Equal && ps[n-1].op == diff.Equal {
			ps[n-1].text += s.Text
			continue
		}
		ps = append(ps, piece{op, s.Text})
	}
	before, after := h.ElidedBefore, h.ElidedAfter
	for i := range ps {
		if ps[i].op != diff.Equal {
			continue
		}
		t := ps[i].text
		switch {
		case len(ps) == 1:
		case i == 0:
			t, before = tailRunes(t, contextKeep, before)
		case i == len(ps)-1:
			t, after = headRunes(t, contextKeep, after)
		default:
			if utf8.RuneCountInString(t) > 2*contextKeep+20 {
				head, _ := headRunes(t, contextKeep, false)
				tail, _ := tailRunes(t, contextKeep, false)
				t = trimRight(head) + " " + ellipsis + " " + strings.TrimLeft(tail, " \t\n")
			}
		}
		ps[i].text = t
	}
	if before {
		ps = append([]piece{{diff.Equal, ellipsis}}, ps...)
	}
	if after {
		ps = append(ps, piece{diff.Equal, ellipsis})
	}
	return ps
}

// headRunes keeps the first n runes of s (up to 20 fewer, to end at a
// space) when s is longer than n+20; cut is set when it does.
func headRunes(s string, n int, cut bool) (string, bool) {
	if utf8.RuneCountInString(s) <= n+20 {
		return s, cut
	}
	i := 0
	for k := range s {
		if i == n {
			midWord := !isBlank(s[k-1]) && !isBlank(s[k])
			s = s[:k]
			if j := strings.LastIndexAny(s, " \n\t"); midWord && j > 0 && utf8.RuneCountInString(s[j:]) <= 20 {
				s = s[:j]
			}
			break
		}
		i++
	}
	return trimRight(s), true
}

// tailRunes keeps the last n runes of s (up to 20 fewer, to start after a
// space) when s is longer than n+20; cut is set when it does.
func tailRunes(s string, n int, cut bool) (string, bool) {
	total := utf8.RuneCountInString(s)
	if total <= n+20 {
		return s, cut
	}
	i := 0
	for k := range s {
		if i == total-n {
			midWord := !isBlank(s[k-1]) && !isBlank(s[k])
			s = s[k:]
			if j := strings.IndexAny(s, " \n\t"); midWord && j >= 0 && utf8.RuneCountInString(s[:j]) <= 20 {
				s = s[j+1:]
			}
			break
		}
		i++
	}
	return s, true
}

// isBlank reports whether b is a space, tab or line break.
func isBlank(b byte) bool { return b == ' ' || b == '\n' || b == '\t' }

// fitsAll reports whether the pieces cost at most budget in all. It
// renders no piece with more runes than the budget left, since none
// costs less than its runes.
func fitsAll(ps []piece, budget int, cost func(piece) int) bool {
	for _, p := range ps {
		if utf8.RuneCountInString(p.text) > budget {
			return false
		}
		budget -= cost(p)
		if budget < 0 {
			return false
		}
	}
	return true
}

// cutPieces returns the longest run of ps, from the start, whose total
// cost fits in budget; the last piece kept may be shortened at a rune
// boundary. cut reports whether anything was left out. cost must grow
// with the text of a piece.
func cutPieces(ps []piece, budget int, cost func(piece) int) (out []piece, cut bool) {
	used := 0
	for _, p := range ps {
		if utf8.RuneCountInString(p.text) <= budget-used {
			if c := cost(p); used+c <= budget {
				out = append(out, p)
				used += c
				continue
			}
		}
		avail := budget - used
		t := longestPrefix(runePrefix(p.text, avail+1), func(s string) bool { return s == "" || cost(piece{p.op, s}) <= avail })
		if t = trimRight(t); strings.TrimSpace(t) != "" {
			out = append(out, piece{p.op, t})
		}
		return out, true
	}
	return out, false
}

// markup is how a text format escapes page text and marks edits.
type markup struct {
	esc      func(string) string // makes page text render literally
	del, ins [2]string           // opening and closing markers of deleted and inserted text
}

// renderPiece renders one piece. An edit is marked line by line, with the
// whitespace at either end of each line outside the markers (most
// Markdown dialects ignore a marker next to a space or across a line
// break), so markers always come in pairs.
func (m markup) renderPiece(p piece) string {
	if p.op == diff.Equal {
		return m.esc(p.text)
	}
	mk := m.ins
	if p.op == diff.Delete {
		mk = m.del
	}
	var b strings.Builder
	for i, line := range strings.Split(p.text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		core := strings.TrimSpace(line)
		if core == "" {
			b.WriteString(line)
			continue
		}
		lead := line[:strings.Index(line, core)]
		b.WriteString(lead)
		b.WriteString(mk[0])
		b.WriteString(m.esc(core))
		b.WriteString(mk[1])
		b.WriteString(line[len(lead)+len(core):])
	}
	return b.String()
}

// renderDiff renders the pieces of a hunk within max (textLen), ending
// with "…" when something had to be cut. cut reports that.
func (m markup) renderDiff(ps []piece, max int) (s string, cut bool) {
	cost := func(p piece) int { return textLen(m.renderPiece(p)) }
	ps = trimLead(ps, max, cost)
	if !fitsAll(ps, max, cost) {
		ps, cut = cutPieces(ps, max-textLen(ellipsis), cost)
	}
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(m.renderPiece(p))
	}
	if cut {
		b.WriteString(ellipsis)
	}
	return b.String(), cut
}

// share splits what is left of a budget fairly among the hunks still to
// show: at least lo and at most hi each, but never more than remaining.
func share(remaining, left, lo, hi int) int {
	if left < 1 {
		left = 1
	}
	return min(max(remaining/left, lo), hi, remaining)
}

// minHunk is the least room worth giving a hunk's diff after the first.
const minHunk = 60

// mapLines applies f to every line of s.
func mapLines(s string, f func(line string, first bool) string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = f(l, i == 0)
	}
	return strings.Join(lines, "\n")
}

// validURL reports whether u is an absolute http(s) URL, which services
// accept as a link target.
func validURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// maxLinkURL is the longest watched-page URL a message links to; a longer
// one is left out rather than crowd the text limits.
const maxLinkURL = 1000

// linkable reports whether a message may link to the watched page u.
func linkable(u string) bool { return len(u) <= maxLinkURL && validURL(u) }
