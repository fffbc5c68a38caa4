package notify

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The shape of a Slack Block Kit message, as far as redline uses it. Test
// types are written apart from the renderer's so that the receiver checks
// the documented structure, not the code against itself.
type tSlackMessage struct {
	Text   string            `json:"text"`
	Blocks []json.RawMessage `json:"blocks"`
}

type tSlackText struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Verbatim bool   `json:"verbatim"`
	Emoji    *bool  `json:"emoji"`
}

type tSlackBlock struct {
	Type     string            `json:"type"`
	BlockID  string            `json:"block_id"`
	Text     *tSlackText       `json:"text"`
	Elements []json.RawMessage `json:"elements"`
}

type tSlackButton struct {
	Type     string     `json:"type"`
	Text     tSlackText `json:"text"`
	URL      string     `json:"url"`
	ActionID string     `json:"action_id"`
	Value    string     `json:"value"`
	Style    string     `json:"style"`
}

// slackLinkRE is a mrkdwn link <url|text>.
var slackLinkRE = regexp.MustCompile(`<https?://[^|<>\s]+\|[^<>]*>`)

func checkSlackText(o tSlackText, max int) error {
	n := textLen(o.Text)
	if n < 1 || n > max {
		return fmt.Errorf("%s text of %d characters (1..%d)", o.Type, n, max)
	}
	if err := textOK(o.Text); err != nil {
		return err
	}
	switch o.Type {
	case "plain_text":
	case "mrkdwn":
		if !o.Verbatim {
			return fmt.Errorf("mrkdwn text not verbatim: %q", o.Text)
		}
		// Every <, > left after removing links is markup Slack would parse.
		if rest := slackLinkRE.ReplaceAllString(o.Text, ""); strings.ContainsAny(rest, "<>") {
			return fmt.Errorf("unescaped < or > in %q", o.Text)
		}
		for _, m := range []string{"\u200b~\u200b", "\u200b*\u200b"} {
			if strings.Count(o.Text, m)%2 != 0 {
				return fmt.Errorf("unbalanced %q in %q", m, o.Text)
			}
		}
	default:
		return fmt.Errorf("text object type %q", o.Type)
	}
	return nil
}

// Documented Slack limits, written out here apart from the renderer's
// constants (see format_slack.go for the sources).
const (
	docSlackBlocks     = 50
	docSlackHeader     = 150
	docSlackSection    = 3000
	docSlackContext    = 10
	docSlackButtonText = 75
	docSlackURL        = 3000
	docSlackText       = 4000 // advised; Slack cuts at 40,000
	// Slack answers msg_blocks_too_long from about 13,000 characters of
	// block text (slackapi/bolt-js#2509).
	docSlackBlocksText = 13000
)

// validateSlack checks a body against Block Kit's documented structure and
// limits, and redline's own budget.
func validateSlack(b []byte) error {
	var m tSlackMessage
	if err := decodeStrict(b, &m); err != nil {
		return err
	}
	if n := textLen(m.Text); n < 1 || n > docSlackText {
		return fmt.Errorf("text of %d characters", n)
	}
	if len(m.Blocks) > docSlackBlocks {
		return fmt.Errorf("%d blocks, more than %d", len(m.Blocks), docSlackBlocks)
	}
	total := 0
	for i, raw := range m.Blocks {
		var bl tSlackBlock
		if err := decodeStrict(raw, &bl); err != nil {
			return fmt.Errorf("block %d: %w", i, err)
		}
		switch bl.Type {
		case "header":
			if bl.Text == nil || bl.Text.Type != "plain_text" || bl.Elements != nil {
				return fmt.Errorf("block %d: header needs plain_text text only", i)
			}
			if err := checkSlackText(*bl.Text, docSlackHeader); err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
			total += textLen(bl.Text.Text)
		case "section":
			if bl.Text == nil || bl.Elements != nil {
				return fmt.Errorf("block %d: section needs text", i)
			}
			if err := checkSlackText(*bl.Text, docSlackSection); err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
			total += textLen(bl.Text.Text)
		case "context":
			if bl.Text != nil || len(bl.Elements) < 1 || len(bl.Elements) > docSlackContext {
				return fmt.Errorf("block %d: context needs 1..%d elements", i, docSlackContext)
			}
			for _, e := range bl.Elements {
				var o tSlackText
				if err := decodeStrict(e, &o); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
				if err := checkSlackText(o, docSlackSection); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
				total += textLen(o.Text)
			}
		case "actions":
			if bl.Text != nil || len(bl.Elements) < 1 || len(bl.Elements) > 25 {
				return fmt.Errorf("block %d: actions needs 1..25 elements", i)
			}
			for _, e := range bl.Elements {
				var btn tSlackButton
				if err := decodeStrict(e, &btn); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
				if btn.Type != "button" || btn.Text.Type != "plain_text" || !validURL(btn.URL) || len(btn.URL) > docSlackURL ||
					btn.ActionID == "" || len(btn.ActionID) > 255 {
					return fmt.Errorf("block %d: bad button %+v", i, btn)
				}
				if err := checkSlackText(btn.Text, docSlackButtonText); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
				total += textLen(btn.Text.Text)
			}
		default:
			return fmt.Errorf("block %d: unexpected type %q", i, bl.Type)
		}
	}
	if total > docSlackBlocksText {
		return fmt.Errorf("blocks hold %d characters, more than %d", total, docSlackBlocksText)
	}
	return nil
}

func slackRender(t *testing.T, body any, base string) tSlackMessage {
	t.Helper()
	payload, _, err := Render(FormatSlack, mustMarshal(t, body), RenderOptions{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSlack(payload); err != nil {
		t.Fatal(err)
	}
	var m tSlackMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func slackBlocks(t *testing.T, m tSlackMessage) []tSlackBlock {
	t.Helper()
	out := make([]tSlackBlock, len(m.Blocks))
	for i, raw := range m.Blocks {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestSlackLayout(t *testing.T) {
	cases := []struct {
		name     string
		body     any
		base     string
		types    string // block types, in order
		contains []string
	}{
		{"one hunk", changedOne(), testBase, "header section section context actions", []string{
			"Wording changed: dhs-detainer-policy",
			"*<https://www.dhs.gov/immigration-detainers|dhs-detainer-policy>*",
			"Significance: *high*",
			"*Immigration Detainers › Policy*\nUpon receipt of a detainer, ICE officers \u200b~\u200bshall\u200b~\u200b\u200b*\u200bmay\u200b*\u200b notify the requesting agency…",
			"Capture #12 (2025-03-13 09:30 UTC) → #13 (2025-03-14 09:30 UTC)",
			testBase + "/targets/dhs-detainer-policy/changes/13",
		}},
		{"one hunk, no base", changedOne(), "", "header section section context", nil},
		{"event", eventMissing(), testBase, "header section context actions", []string{
			"Selector missing: dhs-detainer-policy", testBase + "/targets/dhs-detainer-policy",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := slackRender(t, c.body, c.base)
			var types []string
			for _, b := range slackBlocks(t, m) {
				types = append(types, b.Type)
			}
			if got := strings.Join(types, " "); got != c.types {
				t.Errorf("blocks %q, want %q", got, c.types)
			}
			all := string(mustMarshal(t, m)) + allText(t, mustMarshal(t, m))
			for _, s := range c.contains {
				if !strings.Contains(all, s) {
					t.Errorf("%q missing", s)
				}
			}
		})
	}
}

func TestSlackTruncation(t *testing.T) {
	m := slackRender(t, changedMany(), testBase)
	bs := slackBlocks(t, m)
	hunks := 0
	var notice string
	for _, b := range bs {
		if b.Type == "section" && strings.HasPrefix(b.Text.Text, "*Title 8") {
			hunks++
		}
		if b.Type == "section" && strings.Contains(b.Text.Text, "more changes") {
			notice = b.Text.Text
		}
	}
	if hunks == 0 || hunks >= 80 {
		t.Fatalf("%d hunks shown", hunks)
	}
	want := fmt.Sprintf("_… and %d more changes_ <%s/targets/dhs-detainer-policy/changes/13|See the full diff>", 80-hunks, testBase)
	if notice != want {
		t.Errorf("notice %q, want %q", notice, want)
	}
	// Without a base URL the notice still counts, without a link.
	m = slackRender(t, changedMany(), "")
	if s := string(mustMarshal(t, m)); !strings.Contains(s, "more changes_\"") {
		t.Errorf("notice without base URL: %s", s[len(s)-300:])
	}
}

func TestSlackEscaping(t *testing.T) {
	m := slackRender(t, changedEscapes(), "")
	all := allText(t, mustMarshal(t, m))
	for _, bad := range []string{"<!channel>", "<!here>", "<@U024BE7LH>", "<b>", "*bold*", "_italic_", "~strike~", "`code`", "＊full＊", "\n&gt;"} {
		if strings.Contains(all, bad) {
			t.Errorf("page text %q reached Slack unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;!channel&gt;", "&amp; &lt;b&gt;html&lt;/b&gt;", "∗bold∗", "ˍitalicˍ", "∼strike∼", "ˋcodeˋ", "\n\u00ad&gt; quoted line",
		"\u200b~\u200b∗shall∗ not\u200b~\u200b", "\u200b*\u200b∼may∼ ˋalwaysˋ @here\u200b*\u200b", "nycˍsanctuaryˍpolicy", "&lt;!here&gt; @everyone ˍreasonˍ"} {
		if !strings.Contains(all, good) {
			t.Errorf("%q missing from\n%s", good, all)
		}
	}
}

func TestSlackEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a & b", "a &amp; b"},
		{"<!channel> <@U1>", "&lt;!channel&gt; &lt;@U1&gt;"},
		{"*b* _i_ ~s~ `c`", "∗b∗ ˍiˍ ∼s∼ ˋcˋ"},
		{"> q\nx > y\n  > r", "\u00ad&gt; q\nx &gt; y\n\u00ad  &gt; r"},
		{"plain 漢字 🙂", "plain 漢字 🙂"},
	}
	for _, c := range cases {
		if got := slackEscape(c.in); got != c.want {
			t.Errorf("slackEscape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
