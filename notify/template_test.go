package notify

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func TestParseFormat(t *testing.T) {
	cases := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"slack", FormatSlack, true},
		{" Teams ", FormatTeams, true},
		{"DISCORD", FormatDiscord, true},
		{"mattermost", FormatMattermost, true},
		{"json", FormatJSON, true},
		{"", FormatJSON, true},
		{"email", "", false},
		{"msteams", "", false},
	}
	for _, c := range cases {
		got, err := ParseFormat(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestRenderJSONUnchanged(t *testing.T) {
	body := mustMarshal(t, changedOne())
	got, ct, err := Render(FormatJSON, body, RenderOptions{BaseURL: testBase})
	if err != nil || ct != "application/json" || !bytes.Equal(got, body) {
		t.Fatalf("Render(json) = %q, %q, %v", got, ct, err)
	}
}

func TestRenderErrors(t *testing.T) {
	good := mustMarshal(t, changedOne())
	cases := []struct {
		name string
		f    Format
		body []byte
		base string
		want string
	}{
		{"unknown format", Format("email"), good, "", "unknown format"},
		{"empty format", Format(""), good, "", "unknown format"},
		{"format not parsed", Format("SLACK"), good, "", "unknown format"},
		{"relative base URL", FormatSlack, good, "redline.example.org", "base URL"},
		{"ftp base URL", FormatSlack, good, "ftp://redline.example.org", "base URL"},
		{"not JSON", FormatDiscord, []byte("<html>"), "", "decode body"},
		{"no type", FormatTeams, []byte(`{"id":"x"}`), "", "no type"},
		{"bad field", FormatMattermost, []byte(`{"type":"page.changed","stats":"many"}`), "", "decode page.changed body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _, err := Render(c.f, c.body, RenderOptions{BaseURL: c.base})
			if err == nil || !strings.Contains(err.Error(), c.want) || p != nil {
				t.Fatalf("Render = %q, %v; want error with %q", p, err, c.want)
			}
		})
	}
}

func mustTemplate(t *testing.T, name, text string) RenderOptions {
	t.Helper()
	tp, err := ParseTemplate(name, text)
	if err != nil {
		t.Fatal(err)
	}
	return RenderOptions{Template: tp, BaseURL: testBase}
}

// TestTemplateFields reaches every documented field of a change and an
// event, and checks the helper functions.
func TestTemplateFields(t *testing.T) {
	c := changedOne()
	c.Current.CaptureID = 1234567
	c.Target.Tags = []string{"federal", "dhs"}
	changeTpl := `{{.type}}|{{.id}}|{{.timestamp}}|{{.target.name}}|{{.target.url}}|{{join "," .target.tags}}` +
		`|{{.previous.capture_id}}->{{.current.capture_id}} {{.current.status}} {{.current.fetched_at}} {{.current.body_sha256 | truncate 5}}` +
		`|{{.stats.words_added}}/{{.stats.words_removed}}/{{.stats.hunks}}/{{.stats.truncated}}` +
		`|{{.significance}}|{{join ";" .signals}}|{{join ";" .reasons}}|{{join "," .keywords.near}}|{{default "none" .keywords.added}}|{{.reverted_to}}` +
		`|{{len .diff.hunks}}{{range .diff.hunks}}|{{heading .}}: {{wordDiff .}} ({{.old_line}}->{{.new_line}} +{{.words_added}}-{{.words_removed}} {{join "," .signals}} {{.elided_before}} {{.elided_after}} {{len .segments}}){{end}}` +
		`|{{if gt .stats.words_added 0}}grew{{end}}|{{upper .significance}}|{{lower "ABC"}}|{{date "2006-01-02" .timestamp}}|{{json .target.name}}|{{diffURL}}` +
		`|{{printf "%.20s" .diff.word}}|{{printf "%.12s" .diff.unified}}`
	want := "page.changed|msg_2Xk9dTq|2025-03-14T09:30:00Z|dhs-detainer-policy|https://www.dhs.gov/immigration-detainers|federal,dhs" +
		"|12->1234567 200 2025-03-14T09:30:00Z abab…" +
		"|1/1/1/false" +
		`|high|modal|modal verb changed: "shall" -> "may"|detainer|none|0` +
		"|1|Immigration Detainers › Policy: Upon receipt of a detainer, ICE officers [-shall-]{+may+} notify the requesting agency… (14->14 +1-1 modal false true 4)" +
		`|grew|HIGH|abc|2025-03-14|"dhs-detainer-policy"|` + testBase + "/targets/dhs-detainer-policy/changes/1234567" +
		"|@@ -14 +14 @@\n…ICE o|@@ -14 +14 @"
	opt := mustTemplate(t, "fields", changeTpl)
	got, ct, err := Render(FormatJSON, mustMarshal(t, c), opt)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want || ct != "text/plain; charset=utf-8" {
		t.Errorf("got (%s)\n%s\nwant\n%s", ct, got, want)
	}

	opt = mustTemplate(t, "event", `{{.type}}|{{.id}}|{{.target.name}}|{{.current.capture_id}}|{{.current.status}}|{{.detail | truncate 24}}|{{diffURL}}`)
	got, _, err = Render(FormatJSON, mustMarshal(t, eventMissing()), opt)
	if want := `selector.missing|msg_7Yh2|dhs-detainer-policy|14|200|selector "#main >…|` + testBase + "/targets/dhs-detainer-policy"; err != nil || string(got) != want {
		t.Errorf("event: %q, %v; want %q", got, err, want)
	}
}

// TestTemplatePerFormat checks that wordDiff, heading and escape use each
// format's markup, and that the output lands in the format's structure
// within its limits.
func TestTemplatePerFormat(t *testing.T) {
	tpl := `{{range .diff.hunks}}{{heading .}}: {{wordDiff .}}{{end}} {{escape "<!channel> *x* @here"}}`
	cases := []struct {
		f    Format
		want []string
	}{
		{FormatSlack, []string{`"text":"Immigration Detainers › Policy: Upon receipt of a detainer, ICE officers \u200b~\u200bshall\u200b~\u200b\u200b*\u200bmay\u200b*\u200b notify`, "&lt;!channel&gt; ∗x∗ @here"}},
		{FormatDiscord, []string{"officers ~~shall~~**may** notify", `\\<!channel\\> \\*x\\* @here`, `"allowed_mentions":{"parse":[]}`}},
		{FormatMattermost, []string{"officers ~~shall~~**may** notify", `\\<!channel\\> \\*x\\* @\u200bhere`, `"username":"redline"`}},
		{FormatTeams, []string{"officers [-shall-]**may** notify", `<!channel> \\*x\\* @here`, `"type":"Action.OpenUrl"`}},
		{FormatJSON, []string{"officers [-shall-]{+may+} notify", "<!channel> *x* @here"}},
	}
	for _, c := range cases {
		t.Run(string(c.f), func(t *testing.T) {
			got, _, err := Render(c.f, mustMarshal(t, changedOne()), mustTemplate(t, "per-format", tpl))
			if err != nil {
				t.Fatal(err)
			}
			if v := validators[c.f]; v != nil {
				if err := v(got); err != nil {
					t.Fatal(err)
				}
			}
			s := strings.ReplaceAll(string(got), "\u200b", `\u200b`)
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("%s missing from %s", w, s)
				}
			}
		})
	}
}

func TestTemplateJSONBody(t *testing.T) {
	opt := mustTemplate(t, "json-body", `{"text": {{json .target.name}}, "hunks": {{len .diff.hunks}}, "link": {{json diffURL}}}`)
	got, ct, err := Render(FormatJSON, mustMarshal(t, changedOne()), opt)
	want := `{"text": "dhs-detainer-policy", "hunks": 1, "link": "` + testBase + `/targets/dhs-detainer-policy/changes/13"}`
	if err != nil || ct != "application/json" || string(got) != want {
		t.Fatalf("got %q (%s), %v; want %q", got, ct, err, want)
	}
}

func TestTemplateErrors(t *testing.T) {
	if _, err := ParseTemplate("ops-slack", "{{.target.name"); err == nil || !strings.Contains(err.Error(), `"ops-slack"`) {
		t.Errorf("parse error %v does not name the template", err)
	}
	if _, err := ParseTemplate("funcs", "{{nosuch .}}"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown function: %v", err)
	}
	cases := []struct {
		name, text string
		f          Format
		want       string
	}{
		{"typo", "{{.target.nmae}}", FormatSlack, `"typo"`},
		{"not a hunk", "{{wordDiff .target}}", FormatDiscord, "not a hunk"},
		{"bad date", `{{date "2006" .id}}`, FormatTeams, "date"},
		{"join a map", `{{join "," .target}}`, FormatMattermost, "not a list"},
		{"empty", "{{/* nothing */}}  \n", FormatSlack, "empty message"},
		{"empty json", "", FormatJSON, "empty message"},
		{"failing late", "{{.target.name}} then {{.nosuch}}", FormatJSON, "nosuch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _, err := Render(c.f, mustMarshal(t, changedOne()), mustTemplate(t, c.name, c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) || p != nil {
				t.Fatalf("Render = %q, %v; want no payload and an error with %s", p, err, c.want)
			}
		})
	}
}

func TestTemplateBounded(t *testing.T) {
	for _, text := range []string{
		`{{range 300000}}0123456789{{end}}`,
		`{{range 20000}}{{$.diff.unified}}{{$.diff.word}}{{end}}`,
	} {
		p, _, err := Render(FormatJSON, mustMarshal(t, changedOne()), mustTemplate(t, "big", text))
		if !errors.Is(err, ErrTemplateTooLarge) || p != nil {
			t.Errorf("%s: %v", text, err)
		}
	}
}

// TestTemplateCut renders a template far longer than each chat format
// allows: the message is cut at a line break, within the limit, with a
// note and the link, and passes the format's validator.
func TestTemplateCut(t *testing.T) {
	tpl := `{{range 3000}}line {{.}} with *bold* and ~~struck~~ **text** ü漢🙂{{"\n"}}{{end}}`
	for _, f := range chatFormats {
		t.Run(string(f), func(t *testing.T) {
			got, _, err := Render(f, mustMarshal(t, changedOne()), mustTemplate(t, "long", tpl))
			if err != nil {
				t.Fatal(err)
			}
			if err := validators[f](got); err != nil {
				t.Fatal(err)
			}
			s := allText(t, got)
			if !strings.Contains(s, "🙂\n… (shortened)") && !strings.Contains(s, "🙂\n\n… (shortened)") {
				t.Errorf("not cut at a line break with a note: %q", s[len(s)-200:])
			}
			if f != FormatTeams && !strings.Contains(s, testBase+"/targets/dhs-detainer-policy/changes/13") {
				t.Errorf("no link to the full diff")
			}
		})
	}
}

func TestTemplateTeamsParagraphs(t *testing.T) {
	got, _, err := Render(FormatTeams, mustMarshal(t, changedOne()), mustTemplate(t, "teams", "one\ntwo\r\n\n\nthree"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"text":"one\n\ntwo\n\nthree"`) {
		t.Errorf("%s", got)
	}
}

func TestTemplateHelpers(t *testing.T) {
	cases := []struct{ text, want string }{
		{`{{truncate 10 "漢字漢字漢字漢字漢字漢字"}}`, "漢字漢字漢字漢字漢…"},
		{`{{truncate 5 "short"}}`, "short"},
		{`{{default "none" .reverted_to}} {{default "x" .significance}}`, "none high"},
		{`{{range .diff.hunks}}{{wordDiff . 30}}{{end}}`, "…officers [-shall-]{+may+}…"},
		{`{{wordDiff .diff.hunks}}`, "Upon receipt of a detainer, ICE officers [-shall-]{+may+} notify the requesting agency…"},
	}
	for _, c := range cases {
		got, _, err := Render(FormatJSON, mustMarshal(t, changedOne()), mustTemplate(t, "helper", c.text))
		if err != nil || string(got) != c.want {
			t.Errorf("%s = %q, %v; want %q", c.text, got, err, c.want)
		}
		if !utf8.Valid(got) {
			t.Errorf("%s: invalid UTF-8", c.text)
		}
	}
}

// TestTemplateConcurrent renders with one template from many goroutines,
// in every format (run with -race).
func TestTemplateConcurrent(t *testing.T) {
	opt := mustTemplate(t, "shared", `{{.target.name}} {{range .diff.hunks}}{{wordDiff .}}{{end}}`)
	body := mustMarshal(t, changedOne())
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			f := []Format{FormatJSON, FormatSlack, FormatDiscord, FormatTeams, FormatMattermost}[i%5]
			if _, _, err := Render(f, body, opt); err != nil {
				errs <- fmt.Errorf("%s: %w", f, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
