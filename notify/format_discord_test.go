package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The shape of a Discord Execute Webhook body, as far as redline uses it.
type tDiscordMessage struct {
	Content         string           `json:"content"`
	Username        string           `json:"username"`
	AvatarURL       string           `json:"avatar_url"`
	TTS             bool             `json:"tts"`
	Embeds          []tDiscordEmbed  `json:"embeds"`
	AllowedMentions *tDiscordMention `json:"allowed_mentions"`
}

type tDiscordMention struct {
	Parse       *[]string `json:"parse"`
	Users       []string  `json:"users"`
	Roles       []string  `json:"roles"`
	RepliedUser bool      `json:"replied_user"`
}

type tDiscordEmbed struct {
	Title       string          `json:"title"`
	Description string          `json:"description"`
	URL         string          `json:"url"`
	Color       *int            `json:"color"`
	Timestamp   string          `json:"timestamp"`
	Fields      []tDiscordField `json:"fields"`
	Footer      *struct {
		Text    string `json:"text"`
		IconURL string `json:"icon_url"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"author"`
}

type tDiscordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// Documented Discord limits, written out here apart from the renderer's
// constants (see format_discord.go for the sources).
const (
	docDiscordContent     = 2000
	docDiscordEmbeds      = 10
	docDiscordTitle       = 256
	docDiscordDescription = 4096
	docDiscordFields      = 25
	docDiscordFieldName   = 256
	docDiscordFieldValue  = 1024
	docDiscordFooter      = 2048
	docDiscordTotal       = 6000
)

// validateDiscord checks a body against Discord's documented structure and
// limits, and that it can mention no one.
func validateDiscord(b []byte) error {
	var m tDiscordMessage
	if err := decodeStrict(b, &m); err != nil {
		return err
	}
	if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(*m.AllowedMentions.Parse) != 0 ||
		len(m.AllowedMentions.Users) != 0 || len(m.AllowedMentions.Roles) != 0 {
		return fmt.Errorf("allowed_mentions must be {\"parse\": []}")
	}
	if textLen(m.Content) > docDiscordContent {
		return fmt.Errorf("content of %d characters", textLen(m.Content))
	}
	if m.Content == "" && len(m.Embeds) == 0 {
		return fmt.Errorf("neither content nor embeds")
	}
	if len(m.Embeds) > docDiscordEmbeds {
		return fmt.Errorf("%d embeds", len(m.Embeds))
	}
	if err := textOK(m.Content); err != nil {
		return err
	}
	total := 0
	check := func(what, s string, lo, hi int) error {
		n := textLen(s)
		total += n
		if n < lo || n > hi {
			return fmt.Errorf("%s of %d characters (%d..%d)", what, n, lo, hi)
		}
		if err := textOK(s); err != nil {
			return err
		}
		return balancedMarkdown(s)
	}
	for _, e := range m.Embeds {
		if err := check("title", e.Title, 1, docDiscordTitle); err != nil {
			return err
		}
		if err := check("description", e.Description, 0, docDiscordDescription); err != nil {
			return err
		}
		if e.URL != "" && !validURL(e.URL) {
			return fmt.Errorf("bad url %q", e.URL)
		}
		if e.Color == nil || *e.Color < 0 || *e.Color > 0xFFFFFF {
			return fmt.Errorf("bad color")
		}
		if e.Timestamp != "" {
			if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
				return fmt.Errorf("timestamp: %w", err)
			}
		}
		if len(e.Fields) > docDiscordFields {
			return fmt.Errorf("%d fields", len(e.Fields))
		}
		for i, f := range e.Fields {
			if err := check(fmt.Sprintf("field %d name", i), f.Name, 1, docDiscordFieldName); err != nil {
				return err
			}
			if err := check(fmt.Sprintf("field %d value", i), f.Value, 1, docDiscordFieldValue); err != nil {
				return err
			}
		}
		if e.Footer != nil {
			if err := check("footer", e.Footer.Text, 1, docDiscordFooter); err != nil {
				return err
			}
		}
	}
	if total > docDiscordTotal {
		return fmt.Errorf("embeds hold %d characters, more than %d", total, docDiscordTotal)
	}
	return nil
}

func discordRender(t *testing.T, body any, base string) tDiscordMessage {
	t.Helper()
	payload, _, err := Render(FormatDiscord, mustMarshal(t, body), RenderOptions{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if err := validateDiscord(payload); err != nil {
		t.Fatal(err)
	}
	var m tDiscordMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDiscordLayout(t *testing.T) {
	m := discordRender(t, changedOne(), testBase)
	e := m.Embeds[0]
	checks := []struct{ what, got, want string }{
		{"content", m.Content, "Wording changed: dhs-detainer-policy"},
		{"title", e.Title, "Wording changed: dhs-detainer-policy"},
		{"url", e.URL, testBase + "/targets/dhs-detainer-policy/changes/13"},
		{"timestamp", e.Timestamp, "2025-03-14T09:30:00Z"},
		{"field name", e.Fields[0].Name, "Immigration Detainers › Policy"},
		{"field value", e.Fields[0].Value, "Upon receipt of a detainer, ICE officers ~~shall~~**may** notify the requesting agency…"},
		{"footer", e.Footer.Text, "redline · Capture #12 (2025-03-13 09:30 UTC) → #13 (2025-03-14 09:30 UTC)"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if *e.Color != discordColorHigh || len(e.Fields) != 1 {
		t.Errorf("color %x, %d fields", *e.Color, len(e.Fields))
	}
	if !strings.Contains(e.Description, "[View the full diff]("+testBase+"/targets/dhs-detainer-policy/changes/13)") {
		t.Errorf("description without diff link: %q", e.Description)
	}
	// Without a base URL the embed links to the page itself.
	if m := discordRender(t, changedOne(), ""); m.Embeds[0].URL != "https://www.dhs.gov/immigration-detainers" {
		t.Errorf("url without base %q", m.Embeds[0].URL)
	}
	ev := discordRender(t, eventMissing(), testBase).Embeds[0]
	if ev.Title != "Selector missing: dhs-detainer-policy" || *ev.Color != discordColorEvent || len(ev.Fields) != 0 ||
		!strings.Contains(ev.Description, `selector "#main \> .policy\_text" matched nothing; \<!channel\> @everyone \*look\*`) {
		t.Errorf("event embed %+v", ev)
	}
}

func TestDiscordTruncation(t *testing.T) {
	e := discordRender(t, changedMany(), testBase).Embeds[0]
	last := e.Fields[len(e.Fields)-1]
	shown := len(e.Fields) - 1
	want := fmt.Sprintf("… and %d more changes [See the full diff](%s/targets/dhs-detainer-policy/changes/13)", 80-shown, testBase)
	if last.Name != "More" || last.Value != want {
		t.Errorf("last field %+v, want value %q", last, want)
	}
	if shown < 2 {
		t.Errorf("only %d hunks shown", shown)
	}
	for _, f := range e.Fields[:shown] {
		if !strings.HasSuffix(f.Value, "…") || !strings.HasSuffix(f.Name, "…") {
			t.Errorf("field not marked as cut: %q / %q", f.Name, f.Value[len(f.Value)-20:])
		}
	}
}

func TestDiscordEscaping(t *testing.T) {
	m := discordRender(t, changedEscapes(), "")
	all := allText(t, mustMarshal(t, m))
	for _, good := range []string{
		`\<!channel\> \<@U024BE7LH\> & \<b\>html\</b\> \*bold\* \_italic\_ \~strike\~ \` + "`code\\`" + ` \|\|spoiler\|\| \[link\](https://evil.example)`,
		`~~\*shall\* not~~**\~may\~ \` + "`always\\`" + ` @here**`,
		"\n\\> quoted line\n\\- list item\n1\\. numbered\n\\# heading\n    indented code",
		`nyc\_sanctuary\_policy`,
		`\<!channel\> \*Bold\* heading › \_Sub\_ & \<b\>`,
	} {
		if !strings.Contains(all, good) {
			t.Errorf("%q missing from\n%s", good, all)
		}
	}
	if strings.Contains(m.Content, "@") {
		t.Errorf("page text in content: %q", m.Content)
	}
}

func TestDiscordEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"*b* _i_ ~s~ `c` ||sp|| [l](u) <@1>", "\\*b\\* \\_i\\_ \\~s\\~ \\`c\\` \\|\\|sp\\|\\| \\[l\\](u) \\<@1\\>"},
		{"# h\n-# sub\n> q\n- l\n12. n\n+ p", "\\# h\n\\-# sub\n\\> q\n\\- l\n12\\. n\n\\+ p"},
		{"a - b # c", "a - b # c"},
		{`back\slash`, `back\\slash`},
	}
	for _, c := range cases {
		if got := discordEscape(c.in); got != c.want {
			t.Errorf("discordEscape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
