package notify

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The shape of a Mattermost incoming webhook body, as far as redline uses
// it.
type tMattermostMessage struct {
	Text     string `json:"text"`
	Username string `json:"username"`
	Channel  string `json:"channel"`
	IconURL  string `json:"icon_url"`
	Props    *struct {
		AlertID string `json:"redline_alert_id"`
		Event   string `json:"redline_event"`
	} `json:"props"`
}

// mentionRE finds an @ directly followed by a word character: a mention
// Mattermost would act on.
var mentionRE = regexp.MustCompile(`@[\p{L}\p{N}_]`)

// validateMattermost checks a body against the incoming webhook's fields
// and the post length limit, and that the text mentions no one.
func validateMattermost(b []byte) error {
	var m tMattermostMessage
	if err := decodeStrict(b, &m); err != nil {
		return err
	}
	if m.Text == "" || m.Username != "redline" || m.Props == nil || m.Props.Event == "" {
		return fmt.Errorf("want text, username redline and props")
	}
	// 16,383 runes: the post limit of Mattermost 5.0 and later.
	if n := utf8.RuneCountInString(m.Text); n > 16383 {
		return fmt.Errorf("text of %d characters, more than 16383", n)
	}
	if err := textOK(m.Text); err != nil {
		return err
	}
	if err := balancedMarkdown(m.Text); err != nil {
		return err
	}
	if loc := mentionRE.FindStringIndex(m.Text); loc != nil {
		return fmt.Errorf("mention in %q", m.Text[max(0, loc[0]-20):loc[1]])
	}
	return nil
}

func mattermostRender(t *testing.T, body any, base string) tMattermostMessage {
	t.Helper()
	payload, _, err := Render(FormatMattermost, mustMarshal(t, body), RenderOptions{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if err := validateMattermost(payload); err != nil {
		t.Fatal(err)
	}
	var m tMattermostMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMattermostLayout(t *testing.T) {
	cases := []struct {
		name string
		body any
		base string
		want string
	}{
		{"one hunk", changedOne(), testBase, "#### [Wording changed: dhs-detainer-policy](https://www.dhs.gov/immigration-detainers)\n" +
			"**Significance:** high\n" +
			"- modal verb changed: \"shall\" -\\> \"may\"\n" +
			"**Words:** 1 word added, 1 removed, in 1 place\n" +
			"\n**Immigration Detainers › Policy**\n" +
			"Upon receipt of a detainer, ICE officers ~~shall~~**may** notify the requesting agency…\n" +
			"\n[View the full diff](" + testBase + "/targets/dhs-detainer-policy/changes/13)\n" +
			"\n_Capture \\#12 (2025-03-13 09:30 UTC) → \\#13 (2025-03-14 09:30 UTC)_"},
		{"event", eventMissing(), "", "#### [Selector missing: dhs-detainer-policy](https://www.dhs.gov/immigration-detainers)\n" +
			"selector \"\\#main \\> .policy\\_text\" matched nothing; \\<!channel\\> @\u200beveryone \\*look\\*\n" +
			"\n_Capture \\#14 (2025-03-15 06:00 UTC), HTTP 200_"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mattermostRender(t, c.body, c.base)
			if m.Text != c.want {
				t.Errorf("text\n%s\nwant\n%s", m.Text, c.want)
			}
		})
	}
}

func TestMattermostTruncation(t *testing.T) {
	m := mattermostRender(t, changedMany(), testBase)
	shown := strings.Count(m.Text, "\n**Title 8")
	want := fmt.Sprintf("_… and %d more changes_ [View the full diff](%s/targets/dhs-detainer-policy/changes/13)", 80-shown, testBase)
	if shown < 2 || !strings.Contains(m.Text, want) {
		t.Errorf("%d hunks shown; %q missing from the end %q", shown, want, m.Text[len(m.Text)-300:])
	}
	if textLen(m.Text) < 15000 {
		t.Errorf("text of %d characters leaves much of the budget unused", textLen(m.Text))
	}
}

func TestMattermostEscaping(t *testing.T) {
	m := mattermostRender(t, changedEscapes(), "")
	for _, good := range []string{
		"Notice to @\u200bhere and @\u200beveryone: \\<!channel\\> \\<@\u200bU024BE7LH\\> \\& \\<b\\>html\\</b\\> \\*bold\\* \\_italic\\_ \\~strike\\~ \\`code\\` \\|\\|spoiler\\|\\| \\[link\\](https://evil.example) \\#hashtag @\u200bchannel @\u200ball ＊full＊",
		"~~\\*shall\\* not~~**\\~may\\~ \\`always\\` @\u200bhere**",
		"\n\\> quoted line\n\\- list item\n1\\. numbered\n\\# heading\nindented code",
		"**\\<!channel\\> \\*Bold\\* heading › \\_Sub\\_ \\& \\<b\\>**",
	} {
		if !strings.Contains(m.Text, good) {
			t.Errorf("%q missing from\n%s", good, m.Text)
		}
	}
}

func TestMattermostEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"mail info@dhs.gov @channel", "mail info@\u200bdhs.gov @\u200bchannel"},
		{"a & b &amp; <c>", "a \\& b \\&amp; \\<c\\>"},
		{"x\n    code\n\ttab", "x\ncode\ntab"},
		{"  first line keeps its blanks", "  first line keeps its blanks"},
		{"1) a\n2024. b", "1\\) a\n2024\\. b"},
	}
	for _, c := range cases {
		if got := mattermostEscape(c.in); got != c.want {
			t.Errorf("mattermostEscape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
