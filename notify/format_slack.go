package notify

import (
	"strings"
)

// Slack limits. Block Kit rejects a message that breaks one of them
// (invalid_blocks); the text field is cut by Slack instead.
const (
	// "You can include up to 50 blocks in each message"
	// (https://docs.slack.dev/reference/block-kit/blocks).
	slackMaxBlocks = 50
	// Header block: "Maximum length for the text in this field is 150
	// characters" (https://docs.slack.dev/reference/block-kit/blocks/header-block).
	slackHeaderMax = 150
	// Section block: text "Minimum length ... 1 and maximum length ... 3000
	// characters" (https://docs.slack.dev/reference/block-kit/blocks/section-block).
	slackSectionMax = 3000
	// Button element: text "Maximum length ... 75 characters", url
	// "Maximum length ... 3000 characters"
	// (https://docs.slack.dev/reference/block-kit/block-elements/button-element).
	slackButtonTextMax = 75
	slackURLMax        = 3000
	// chat.postMessage, which incoming webhooks share: Slack truncates text
	// over 40,000 characters and advises keeping it to 4,000
	// (https://docs.slack.dev/reference/methods/chat.postMessage,
	// "Truncating content").
	slackTemplateMax = 4000
	// Not documented: Slack answers msg_blocks_too_long when the blocks of
	// one message hold more than about 13,000 characters in all, although
	// every block is within its own limit (slackapi/bolt-js#2509). All the
	// text of our blocks stays within this budget.
	slackBlocksBudget = 12000
	// Our own: the fallback text is a one-line summary for notifications.
	slackFallbackMax = 300
	// Our own: longest diff excerpt of one hunk, and shortest worth showing.
	slackHunkMax = 1500
	slackHunkMin = 200
)

// slackMessage is the body of a Slack incoming webhook call.
type slackMessage struct {
	Text   string `json:"text"`
	Blocks []any  `json:"blocks,omitempty"`
}

// slackText is a Block Kit text object. Verbatim mrkdwn leaves URLs,
// channel names and mentions written without <...> as plain text.
type slackText struct {
	Type     string `json:"type"` // "plain_text" or "mrkdwn"
	Text     string `json:"text"`
	Verbatim bool   `json:"verbatim,omitempty"`
}

type slackHeader struct {
	Type string    `json:"type"` // "header"
	Text slackText `json:"text"`
}

type slackSection struct {
	Type string    `json:"type"` // "section"
	Text slackText `json:"text"`
}

type slackContext struct {
	Type     string      `json:"type"` // "context"
	Elements []slackText `json:"elements"`
}

type slackActions struct {
	Type     string        `json:"type"` // "actions"
	Elements []slackButton `json:"elements"`
}

type slackButton struct {
	Type     string    `json:"type"` // "button"
	Text     slackText `json:"text"`
	URL      string    `json:"url"`
	ActionID string    `json:"action_id"`
}

// slackMarkup writes edits as ~struck~ and *bold*. Slack applies a
// marker only at a word boundary, so each marker character is wrapped in
// zero-width spaces, which makes it apply inside a word too (an edit of
// punctuation, "policy~.~*;*").
var slackMarkup = markup{
	esc: slackEscape,
	del: [2]string{"\u200b~\u200b", "\u200b~\u200b"},
	ins: [2]string{"\u200b*\u200b", "\u200b*\u200b"},
}

// slackEscape makes text render literally in Slack mrkdwn:
//   - &, < and > become &amp;, &lt; and &gt;, as Slack requires
//     (https://docs.slack.dev/messaging/formatting-message-text#escaping);
//     so "<!channel>" or "<@U123>" in a page can never mention anyone;
//   - mrkdwn has no escape for its formatting characters, so *, _, ~ and `
//     (and their fullwidth forms) become look-alikes (∗ ˍ ∼ ˋ), the
//     substitution jsx-slack makes for the same reason;
//   - a line starting with ">" would still be a quote after escaping, so a
//     soft hyphen goes before it.
//
// Mentions written without <...> ("@here") are left to verbatim text
// objects, which do not parse them.
func slackEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '*':
			b.WriteRune('∗') // U+2217 asterisk operator
		case '＊':
			b.WriteRune('﹡') // U+FE61 small asterisk
		case '_':
			b.WriteRune('ˍ') // U+02CD modifier letter low macron
		case '＿':
			b.WriteRune('⸏') // U+2E0F paragraphos
		case '~', '～':
			b.WriteRune('∼') // U+223C tilde operator
		case '`', '｀':
			b.WriteRune('ˋ') // U+02CB modifier letter grave accent
		default:
			b.WriteRune(r)
		}
	}
	return mapLines(b.String(), func(l string, _ bool) string {
		if t := strings.TrimLeft(l, " \t"); strings.HasPrefix(t, "&gt;") || strings.HasPrefix(t, "＞") {
			return "\u00ad" + l
		}
		return l
	})
}

// slackURL makes a URL safe inside <url|text>: it may not hold |, < or >.
func slackURL(u string) string {
	return strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", " ", "%20").Replace(u)
}

// slackLink is a mrkdwn link; text is escaped here.
func slackLink(u, text string) string {
	if u == "" {
		return slackEscape(text)
	}
	return "<" + slackURL(u) + "|" + slackEscape(text) + ">"
}

// slackBuilder adds blocks while counting them and their text.
type slackBuilder struct {
	blocks []any
	used   int // text in blocks so far
}

func (b *slackBuilder) section(text string) {
	b.blocks = append(b.blocks, slackSection{Type: "section", Text: slackText{Type: "mrkdwn", Text: text, Verbatim: true}})
	b.used += textLen(text)
}

// addLines appends lines to s, separated by newlines, while the whole
// stays within max; a line that does not fit is left out.
func addLines(s string, max int, lines ...string) string {
	for _, l := range lines {
		if l == "" {
			continue
		}
		next := l
		if s != "" {
			next = s + "\n" + l
		}
		if textLen(next) <= max {
			s = next
		}
	}
	return s
}

func renderSlack(a *alert) slackMessage {
	t := a.target()
	msg := slackMessage{Text: fit(a.title(), slackFallbackMax, slackEscape)}
	b := &slackBuilder{}
	head := fit(a.title(), slackHeaderMax, func(s string) string { return s })
	b.blocks = append(b.blocks, slackHeader{Type: "header", Text: slackText{Type: "plain_text", Text: head}})
	b.used += textLen(head)

	name := fit(t.Name, 200, func(s string) string { return s })
	intro := "*" + slackEscape(name) + "*"
	if linkable(t.URL) {
		intro = "*" + slackLink(t.URL, name) + "*"
	}
	if c := a.changed; c != nil {
		msg.Text = fit(a.title()+" ("+c.Significance+" significance, "+wordsLine(c)+")", slackFallbackMax, slackEscape)
		lines := []string{"Significance: *" + slackEscape(c.Significance) + "*"}
		for _, r := range reasons(c) {
			lines = append(lines, "• "+fit(r, 300, slackEscape))
		}
		lines = append(lines, "Words: "+slackEscape(wordsLine(c)), fit(keywordsLine(c.Keywords), 500, slackEscape), slackEscape(revertedLine(c)))
		b.section(addLines(intro, slackSectionMax, lines...))
		b.hunks(a)
	} else {
		b.section(addLines(intro, slackSectionMax, fit(a.event.Detail, 2000, slackEscape)))
	}

	ctx := slackEscape(a.capturesLine())
	b.blocks = append(b.blocks, slackContext{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: ctx, Verbatim: true}}})
	b.used += textLen(ctx)
	if a.link != "" && textLen(a.link) <= slackURLMax {
		label := "Open in redline"
		if a.changed != nil {
			label = "View full diff"
		}
		b.blocks = append(b.blocks, slackActions{Type: "actions", Elements: []slackButton{{
			Type: "button", Text: slackText{Type: "plain_text", Text: fit(label, slackButtonTextMax, func(s string) string { return s })},
			URL: a.link, ActionID: "redline_open",
		}}})
		b.used += textLen(label)
	}
	msg.Blocks = b.blocks
	return msg
}

// hunks adds one section per hunk while blocks and text budget last, and a
// section counting the rest. The context block (at most 10 elements,
// https://docs.slack.dev/reference/block-kit/blocks/context-block) has one.
func (b *slackBuilder) hunks(a *alert) {
	hs := a.changed.Diff.Hunks
	// After the hunks come at most: a notice, the context and the actions.
	const tail = 3
	const reserve = 400 // text of those three
	slots := slackMaxBlocks - len(b.blocks) - tail
	shown, cut := 0, false
	for i, h := range hs {
		remaining := slackBlocksBudget - reserve - b.used
		if shown == slots || (remaining < slackHunkMin && shown > 0) {
			break
		}
		label := "*" + fit(hunkLabel(h), 150, slackEscape) + "*"
		budget := share(remaining-textLen(label)-1, min(len(hs)-i, slots-shown), slackHunkMin, slackHunkMax)
		if budget < minHunk && shown > 0 {
			break
		}
		d, c := slackMarkup.renderDiff(hunkPieces(h), budget)
		if strings.TrimSpace(d) == "" {
			d = "_(spacing only)_"
		}
		b.section(label + "\n" + d)
		shown++
		cut = cut || c
	}
	note := moreNote(max(len(hs), a.changed.Stats.Hunks) - shown)
	if note == "" && !cut {
		return
	}
	if note == "" {
		note = "Some changes are shortened."
	}
	note = "_" + note + "_"
	if a.link != "" && textLen(a.link) <= slackURLMax {
		note += " " + slackLink(a.link, "See the full diff")
	}
	b.section(note)
}

// slackTemplateMessage sends the output of a user template as the
// message text (mrkdwn), cut to slackTemplateMax.
func slackTemplateMessage(text string, a *alert) slackMessage {
	note := ""
	if a.link != "" {
		note = " " + slackLink(a.link, "full diff")
	}
	return slackMessage{Text: cutMessage(text, slackTemplateMax, note)}
}

// cutMessage shortens the output of a template to max (textLen). It cuts
// at the last line break that keeps most of the text, since no chat
// format lets inline markup span lines, else at a rune boundary, and ends
// with a note that the message was shortened and then note.
func cutMessage(s string, max int, note string) string {
	if textLen(s) <= max {
		return s
	}
	tail := "\n" + ellipsis + " (shortened)" + note
	avail := max - textLen(tail)
	p := longestPrefix(runePrefix(s, avail+1), func(p string) bool { return textLen(p) <= avail })
	if i := strings.LastIndexByte(p, '\n'); i > len(p)/2 {
		p = p[:i]
	}
	return trimRight(p) + tail
}
