package notify

import (
	"strings"
)

// Discord limits, from "Embed Limits"
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
// and "Execute Webhook"
// (https://discord.com/developers/docs/resources/webhook#execute-webhook).
// Discord rejects the whole message (400, code 50035) when one is broken.
const (
	discordContentMax     = 2000 // content: "up to 2000 characters"
	discordTitleMax       = 256  // title
	discordDescriptionMax = 4096 // description
	discordMaxFields      = 25   // fields: up to 25 field objects
	discordFieldNameMax   = 256  // field name
	discordFieldValueMax  = 1024 // field value
	discordFooterMax      = 2048 // footer text
	// "The combined sum of characters in all title, description,
	// field.name, field.value, footer.text, and author.name fields across
	// all embeds attached to a message must not exceed 6000 characters."
	discordTotalMax = 6000
	// Our own: the description is a summary; hunks get the rest.
	discordDescriptionBudget = 1500
	discordHunkMin           = 150
)

// Embed colours by significance, and for events.
const (
	discordColorHigh   = 0xE01E5A
	discordColorMedium = 0xECB22E
	discordColorLow    = 0x95A5A6
	discordColorEvent  = 0xE67E22
)

// discordMessage is the body of a Discord Execute Webhook call. It has
// one embed (a message may have up to 10).
type discordMessage struct {
	Content         string          `json:"content,omitempty"`
	Embeds          []discordEmbed  `json:"embeds,omitempty"`
	AllowedMentions discordMentions `json:"allowed_mentions"`
}

// discordMentions with an empty Parse lets nothing in the message
// mention anyone: not @everyone, @here, users nor roles, whatever the page
// says (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
type discordMentions struct {
	Parse []string `json:"parse"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Color       int            `json:"color"`
	Fields      []discordField `json:"fields,omitempty"`
	Footer      *discordFooter `json:"footer,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"` // ISO 8601
}

type discordField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type discordFooter struct {
	Text string `json:"text"`
}

// discordMarkup writes edits as ~~struck~~ and **bold**.
var discordMarkup = markup{
	esc: discordEscape,
	del: [2]string{"~~", "~~"},
	ins: [2]string{"**", "**"},
}

// discordEscape backslash-escapes Discord's Markdown characters (bold,
// italics, underline, strikethrough, code, spoilers, masked links,
// mentions and timestamps in <...>) and the block markers at a line start
// (headings, "-#" subtext, quotes, lists). Mentions cannot ping anyway:
// every message sets allowed_mentions to {"parse": []}.
func discordEscape(s string) string { return mdEscape(s, "\\*_~`|[]<>", false) }

func discordColor(significance string) int {
	switch significance {
	case "high":
		return discordColorHigh
	case "medium":
		return discordColorMedium
	}
	return discordColorLow
}

func renderDiscord(a *alert) discordMessage {
	t := a.target()
	e := discordEmbed{
		Title:  fit(a.title(), discordTitleMax, discordEscape),
		Color:  discordColorEvent,
		Footer: &discordFooter{Text: fit("redline · "+a.capturesLine(), discordFooterMax, func(s string) string { return s })},
	}
	if validURL(a.link) {
		e.URL = a.link
	} else if linkable(t.URL) {
		e.URL = t.URL
	}
	if ts := a.timestamp(); !ts.IsZero() {
		e.Timestamp = ts.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	page := fit(t.Name, 200, discordEscape)
	if linkable(t.URL) {
		page = "[" + page + "](" + mdURL(t.URL) + ")"
	}
	fullLink := ""
	if a.link != "" {
		fullLink = "[Open in redline](" + mdURL(a.link) + ")"
	}
	if c := a.changed; c != nil {
		e.Color = discordColor(c.Significance)
		lines := []string{"**Significance:** " + discordEscape(c.Significance)}
		for _, r := range reasons(c) {
			lines = append(lines, "• "+fit(r, 300, discordEscape))
		}
		lines = append(lines, "**Words:** "+discordEscape(wordsLine(c)), fit(keywordsLine(c.Keywords), 400, discordEscape), discordEscape(revertedLine(c)))
		if a.link != "" {
			fullLink = "[View the full diff](" + mdURL(a.link) + ")"
		}
		lines = append(lines, fullLink)
		e.Description = addLines(page, discordDescriptionBudget, lines...)
		e.Fields = discordFields(a, discordTotalMax-textLen(e.Title)-textLen(e.Description)-textLen(e.Footer.Text))
	} else {
		e.Description = addLines(page, discordDescriptionMax, fit(a.event.Detail, 3000, discordEscape), fullLink)
	}
	return discordMessage{
		Content:         fit(a.title(), 200, discordEscape),
		Embeds:          []discordEmbed{e},
		AllowedMentions: discordMentions{Parse: []string{}},
	}
}

// discordFields renders one field per hunk within budget characters of
// embed text, and a last field counting the rest.
func discordFields(a *alert, budget int) []discordField {
	hs := a.changed.Diff.Hunks
	const reserve = 250 // the "More" field
	var fs []discordField
	used, cut := 0, false
	for i, h := range hs {
		remaining := budget - reserve - used
		slots := discordMaxFields - 1 - len(fs)
		if slots == 0 || (remaining < discordHunkMin && len(fs) > 0) {
			break
		}
		name := fit(hunkLabel(h), discordFieldNameMax, discordEscape)
		max := share(remaining-textLen(name), min(len(hs)-i, slots), discordHunkMin, discordFieldValueMax)
		if max < minHunk && len(fs) > 0 {
			break
		}
		v, c := discordMarkup.renderDiff(hunkPieces(h), max)
		if strings.TrimSpace(v) == "" {
			v = "*(spacing only)*"
		}
		fs = append(fs, discordField{Name: name, Value: v})
		used += textLen(name) + textLen(v)
		cut = cut || c
	}
	note := moreNote(max(len(hs), a.changed.Stats.Hunks) - len(fs))
	if note == "" && (!cut || a.link == "") {
		return fs
	}
	if note == "" {
		note = "Some changes are shortened."
	}
	if a.link != "" {
		note += " [See the full diff](" + mdURL(a.link) + ")"
	}
	if textLen(note)+4 <= reserve {
		fs = append(fs, discordField{Name: "More", Value: note})
	}
	return fs
}

// discordTemplateMessage sends the output of a user template as the
// message content, cut to discordContentMax.
func discordTemplateMessage(text string, a *alert) discordMessage {
	note := ""
	if a.link != "" {
		note = " " + a.link
	}
	return discordMessage{Content: cutMessage(text, discordContentMax, note), AllowedMentions: discordMentions{Parse: []string{}}}
}
