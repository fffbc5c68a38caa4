package notify

import (
	"strings"
	"unicode/utf8"
)

// Mattermost limits.
const (
	// Mattermost 5.0 and later store posts of up to 16,383 characters
	// (runes; model.PostMessageMaxRunesV2); an incoming webhook's longer
	// text is split into several posts
	// (https://developers.mattermost.com/integrate/webhooks/incoming/,
	// "Tips and best practices"). Servers not migrated from before 5.0
	// keep 4,000 and split there.
	mattermostTextMax = 16383
	// Our own: the text, counted in UTF-16 units (never fewer than
	// runes), stays a little below the limit.
	mattermostBudget  = mattermostTextMax - 383
	mattermostHunkMin = 200
	mattermostHunkMax = 2500
)

// mattermostMessage is the body of a Mattermost incoming webhook call.
// Username takes effect only where the server lets integrations override
// user names; it is ignored elsewhere.
type mattermostMessage struct {
	Text     string           `json:"text"`
	Username string           `json:"username"`
	Props    *mattermostProps `json:"props,omitempty"`
}

// mattermostProps is stored with the post for integrations to read.
type mattermostProps struct {
	AlertID string `json:"redline_alert_id,omitempty"`
	Event   string `json:"redline_event"`
}

// mattermostMarkup writes edits as ~~struck~~ and **bold**.
var mattermostMarkup = markup{
	esc: mattermostEscape,
	del: [2]string{"~~", "~~"},
	ins: [2]string{"**", "**"},
}

// mattermostEscape makes page text render literally in Mattermost's
// Markdown (CommonMark with GFM tables, strikethrough and autolinks):
// backslash escapes for emphasis, code, links, HTML-like <...>, tables,
// hashtags, entities and the block markers at a line start, without the
// indentation that would make a code block. Mattermost reads mentions
// from the text after Markdown is parsed, splitting words at anything but
// letters, digits and ":.-_@", so a backslash cannot stop "@channel"; a
// zero-width space after each "@" does ("@​channel" is the words "@" and
// "channel"), and leaves e-mail addresses looking the same.
func mattermostEscape(s string) string {
	return strings.ReplaceAll(mdEscape(s, "\\`*_~[]<>|#&", true), "@", "@\u200b")
}

func renderMattermost(a *alert) mattermostMessage {
	t := a.target()
	title := fit(a.title(), 300, mattermostEscape)
	if linkable(t.URL) {
		title = "[" + title + "](" + mdURL(t.URL) + ")"
	}
	var b strings.Builder
	b.WriteString("#### " + title + "\n")
	foot := "_" + mattermostEscape(a.capturesLine()) + "_"
	if c := a.changed; c != nil {
		lines := []string{"**Significance:** " + mattermostEscape(c.Significance)}
		for _, r := range reasons(c) {
			lines = append(lines, "- "+fit(r, 300, mattermostEscape))
		}
		lines = append(lines, "**Words:** "+mattermostEscape(wordsLine(c)), fit(keywordsLine(c.Keywords), 500, mattermostEscape),
			mattermostEscape(revertedLine(c)))
		b.WriteString(addLines("", 4000, lines...) + "\n")
		budget := mattermostBudget - textLen(b.String()) - textLen(foot) - 2
		b.WriteString(mattermostHunks(a, budget))
	} else {
		b.WriteString(fit(a.event.Detail, 4000, mattermostEscape) + "\n")
		if a.link != "" {
			b.WriteString("[Open in redline](" + mdURL(a.link) + ")\n")
		}
	}
	b.WriteString("\n" + foot)
	return mattermostMessage{
		Text:     b.String(),
		Username: "redline",
		Props:    &mattermostProps{AlertID: alertID(a), Event: a.typ},
	}
}

func alertID(a *alert) string {
	if a.changed != nil {
		return a.changed.ID
	}
	return a.event.ID
}

// mattermostHunks renders the hunks, each under its heading path in
// bold, within budget, then a line counting the rest and linking to the
// full diff.
func mattermostHunks(a *alert, budget int) string {
	hs := a.changed.Diff.Hunks
	const reserve = 300 // the last line
	var b strings.Builder
	shown, cut := 0, false
	for i, h := range hs {
		remaining := budget - reserve - textLen(b.String())
		if remaining < mattermostHunkMin && shown > 0 {
			break
		}
		label := "\n**" + fit(hunkLabel(h), 200, mattermostEscape) + "**\n"
		max := share(remaining-textLen(label)-1, len(hs)-i, mattermostHunkMin, mattermostHunkMax)
		if max < minHunk && shown > 0 {
			break
		}
		d, c := mattermostMarkup.renderDiff(hunkPieces(h), max)
		if strings.TrimSpace(d) == "" {
			d = "_(spacing only)_"
		}
		b.WriteString(label + d + "\n")
		shown++
		cut = cut || c
	}
	note := moreNote(max(len(hs), a.changed.Stats.Hunks) - shown)
	link := ""
	if a.link != "" {
		link = "[View the full diff](" + mdURL(a.link) + ")"
	}
	switch {
	case note != "":
		b.WriteString("\n_" + note + "_ " + link + "\n")
	case cut && link != "":
		b.WriteString("\n_Some changes are shortened._ " + link + "\n")
	case link != "":
		b.WriteString("\n" + link + "\n")
	}
	return b.String()
}

// mattermostTemplateMessage sends the output of a user template as the
// post text, cut to mattermostBudget.
func mattermostTemplateMessage(text string, a *alert) mattermostMessage {
	note := ""
	if a.link != "" {
		note = " [full diff](" + mdURL(a.link) + ")"
	}
	return mattermostMessage{
		Text:     cutMessage(text, mattermostBudget, note),
		Username: "redline",
		Props:    &mattermostProps{AlertID: alertID(a), Event: a.typ},
	}
}

// mdEscape backslash-escapes text for a Markdown dialect: every character
// of special, and the block marker at the start of each line (see
// lineStartMarker), so that page text renders literally. Backslash
// escapes of ASCII punctuation are CommonMark (Mattermost) and are what
// Discord's parser accepts too. With dropIndent, the blanks that start
// each line but the first are dropped, so that an indented page line
// cannot become a code block.
func mdEscape(s, special string, dropIndent bool) string {
	return mapLines(s, func(line string, first bool) string {
		blank, n := lineStartMarker(line)
		var b strings.Builder
		if !dropIndent || first {
			b.WriteString(line[:blank])
		}
		rest := line[blank:]
		if n > 0 {
			// "#", ">", "-", ... or "12." / "12)": escape the punctuation.
			b.WriteString(rest[:n-1])
			b.WriteByte('\\')
			b.WriteByte(rest[n-1])
			rest = rest[n:]
		}
		for _, r := range rest {
			if r < utf8.RuneSelf && strings.IndexByte(special, byte(r)) >= 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return b.String()
	})
}

// mdURL makes a URL safe as the target of a Markdown link [text](url).
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u)
}

// lineStartMarker reports whether line, after leading blanks, starts with
// something a Markdown dialect reads as block syntax: a heading (#), a
// quote (>), a list item (-, +, *, "1." or "1)") or a setext underline (=).
// It returns the length of the leading blanks and of the marker.
func lineStartMarker(line string) (blank, n int) {
	rest := strings.TrimLeft(line, " \t")
	blank = len(line) - len(rest)
	if rest == "" {
		return blank, 0
	}
	switch rest[0] {
	case '#', '>', '-', '+', '*', '=':
		return blank, 1
	}
	i := 0
	for i < len(rest) && i < 9 && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i > 0 && i < len(rest) && (rest[i] == '.' || rest[i] == ')') {
		return blank, i + 1
	}
	return blank, 0
}
