package notify

import (
	"strings"

	"redline/diff"
)

// Teams limits.
const (
	// "The message size limit is 28 KB. When the size exceeds 28 KB, you
	// receive an error."
	// (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook);
	// the Teams connector that Workflows use to post a card gives the same
	// "approximately 28 KB", counting every element
	// (https://learn.microsoft.com/connectors/teams/#known-issues-and-limitations).
	teamsMaxBytes = 28 * 1024
	// Our own: the flow re-wraps the card, and users of these webhooks
	// report rejections from about 21 KB (msteams_hermes), so the whole
	// request body stays within 20 KiB.
	teamsBudget = teamsMaxBytes - 8*1024
	// Our own: bytes of card JSON per hunk.
	teamsHunkMin = 400
	teamsHunkMax = 3000
)

// teamsMessage is the body a Teams Workflows webhook ("Post to a channel
// when a webhook request is received") takes: a message with one Adaptive
// Card attachment
// (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook).
type teamsMessage struct {
	Type        string            `json:"type"` // "message"
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"` // "application/vnd.microsoft.card.adaptive"
	ContentURL  *string      `json:"contentUrl"`  // always null
	Content     adaptiveCard `json:"content"`
}

// adaptiveCard is an Adaptive Card 1.4
// (https://adaptivecards.io/explorer/AdaptiveCard.html).
type adaptiveCard struct {
	Schema  string     `json:"$schema"`
	Type    string     `json:"type"` // "AdaptiveCard"
	Version string     `json:"version"`
	Body    []any      `json:"body"`
	Actions []acAction `json:"actions,omitempty"`
	MSTeams *acMSTeams `json:"msteams,omitempty"`
}

// acTextBlock renders a subset of Markdown: **bold**, _italic_, lists and
// [links](url), and nothing else: no strikethrough
// (https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features).
// So page text never goes into one: it goes into TextRuns.
type acTextBlock struct {
	Type     string `json:"type"` // "TextBlock"
	Text     string `json:"text"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Wrap     bool   `json:"wrap"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Spacing  string `json:"spacing,omitempty"`
}

type acFactSet struct {
	Type  string   `json:"type"` // "FactSet"
	Facts []acFact `json:"facts"`
}

type acFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// acRichTextBlock holds TextRuns (Adaptive Cards 1.2).
type acRichTextBlock struct {
	Type    string      `json:"type"` // "RichTextBlock"
	Inlines []acTextRun `json:"inlines"`
	Spacing string      `json:"spacing,omitempty"`
}

// acTextRun is text shown as written: "Markdown is not supported"
// (https://adaptivecards.io/explorer/TextRun.html), so page text needs no
// escaping, and it has what TextBlock lacks: strikethrough.
type acTextRun struct {
	Type          string `json:"type"` // "TextRun"
	Text          string `json:"text"`
	Weight        string `json:"weight,omitempty"`
	Color         string `json:"color,omitempty"`
	Strikethrough bool   `json:"strikethrough,omitempty"`
	IsSubtle      bool   `json:"isSubtle,omitempty"`
}

type acAction struct {
	Type  string `json:"type"` // "Action.OpenUrl"
	Title string `json:"title"`
	URL   string `json:"url"`
}

// acMSTeams is the Teams extension that lets a card use the full width
// of the channel, which diffs need.
type acMSTeams struct {
	Width string `json:"width"` // "Full"
}

// teamsRun renders a piece: deleted text struck through in the
// "attention" colour, inserted text bold in the "good" colour.
func teamsRun(p piece) acTextRun {
	r := acTextRun{Type: "TextRun", Text: p.text}
	switch p.op {
	case diff.Delete:
		r.Strikethrough, r.Color = true, "Attention"
	case diff.Insert:
		r.Weight, r.Color = "Bolder", "Good"
	}
	return r
}

func teamsText(text string) acRichTextBlock {
	return acRichTextBlock{Type: "RichTextBlock", Inlines: []acTextRun{{Type: "TextRun", Text: text}}}
}

// jsonSize is the length of v as JSON.
func jsonSize(v any) int {
	b, err := Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

func newTeamsMessage(body []any, link, label string) teamsMessage {
	card := adaptiveCard{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: "1.4",
		Body:    body,
		MSTeams: &acMSTeams{Width: "Full"},
	}
	if link != "" {
		card.Actions = []acAction{{Type: "Action.OpenUrl", Title: label, URL: link}}
	}
	return teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content:     card,
	}}}
}

func renderTeams(a *alert) teamsMessage {
	t := a.target()
	body := []any{
		acTextBlock{Type: "TextBlock", Text: fit(a.title(), 300, teamsEscape), Weight: "Bolder", Size: "Medium", Wrap: true},
	}
	// TextBlocks and facts read Markdown: the target's name is escaped,
	// and its URL is a link.
	facts := []acFact{{Title: "Target", Value: fit(t.Name, 300, teamsEscape)}}
	if linkable(t.URL) {
		facts = append(facts, acFact{Title: "Page", Value: "[" + teamsEscape(fit(t.URL, 200, func(s string) string { return s })) + "](" + mdURL(t.URL) + ")"})
	}
	label := "Open in redline"
	if c := a.changed; c != nil {
		label = "View full diff"
		facts = append(facts,
			acFact{Title: "Significance", Value: c.Significance},
			acFact{Title: "Words", Value: wordsLine(c)},
			acFact{Title: "Captures", Value: a.capturesLine()})
		body = append(body, acFactSet{Type: "FactSet", Facts: facts})
		for _, r := range reasons(c) {
			body = append(body, teamsText(fit(r, 300, func(s string) string { return s })))
		}
		for _, l := range []string{keywordsLine(c.Keywords), revertedLine(c)} {
			if l != "" {
				body = append(body, teamsText(fit(l, 500, func(s string) string { return s })))
			}
		}
		body = teamsHunks(a, body, label)
	} else {
		facts = append(facts, acFact{Title: "Capture", Value: a.capturesLine()})
		body = append(body, acFactSet{Type: "FactSet", Facts: facts},
			teamsText(fit(a.event.Detail, 4000, func(s string) string { return s })))
	}
	return newTeamsMessage(body, a.link, label)
}

// teamsHunks appends two elements per hunk (its heading in bold, then its
// diff as TextRuns) while the message stays within teamsBudget, and a
// notice counting the rest.
func teamsHunks(a *alert, body []any, label string) []any {
	hs := a.changed.Diff.Hunks
	const reserve = 400 // the notice
	used := jsonSize(newTeamsMessage(body, a.link, label)) + reserve
	shown, cut := 0, false
	for i, h := range hs {
		remaining := teamsBudget - used
		if remaining < teamsHunkMin && shown > 0 {
			break
		}
		head := acRichTextBlock{Type: "RichTextBlock", Spacing: "Medium", Inlines: []acTextRun{
			{Type: "TextRun", Text: fit(hunkLabel(h), 200, func(s string) string { return s }), Weight: "Bolder"},
		}}
		hsize := jsonSize(head) + 1
		max := share(remaining-hsize-60, len(hs)-i, teamsHunkMin, teamsHunkMax) // 60: the block around the runs
		if max < minHunk && shown > 0 {
			break
		}
		cost := func(p piece) int { return jsonSize(teamsRun(p)) + 1 }
		ps, c := cutPieces(trimLead(hunkPieces(h), max, cost), max, cost)
		if c {
			ps, _ = cutPieces(ps, max-cost(piece{diff.Equal, ellipsis}), cost)
			ps = append(ps, piece{diff.Equal, ellipsis})
		}
		runs := make([]acTextRun, 0, len(ps))
		for _, p := range ps {
			runs = append(runs, teamsRun(p))
		}
		if len(runs) == 0 {
			runs = append(runs, acTextRun{Type: "TextRun", Text: "(spacing only)", IsSubtle: true})
		}
		text := acRichTextBlock{Type: "RichTextBlock", Inlines: runs}
		size := hsize + jsonSize(text) + 1
		if used+size > teamsBudget && shown > 0 {
			break
		}
		body = append(body, head, text)
		used += size
		shown++
		cut = cut || c
	}
	note := moreNote(max(len(hs), a.changed.Stats.Hunks) - shown)
	if note == "" && !cut {
		return body
	}
	if note == "" {
		note = "Some changes are shortened."
	}
	if a.link != "" {
		note += " " + label + " for everything."
	}
	return append(body, acTextBlock{Type: "TextBlock", Text: note, Wrap: true, IsSubtle: true, Spacing: "Medium"})
}

// teamsTemplateMessage sends the output of a user template as one
// TextBlock (Markdown subset), cut so that the message stays within
// teamsBudget.
func teamsTemplateMessage(text string, a *alert) teamsMessage {
	label := "View full diff"
	if a.changed == nil {
		label = "Open in redline"
	}
	build := func(s string) teamsMessage {
		return newTeamsMessage([]any{acTextBlock{Type: "TextBlock", Text: s, Wrap: true}}, a.link, label)
	}
	max := teamsBudget - jsonSize(build(""))
	for {
		s := cutMessage(text, max, "")
		over := jsonSize(build(s)) - teamsBudget
		if over <= 0 || max <= 0 {
			return build(strings.TrimSpace(s))
		}
		max -= over
	}
}
