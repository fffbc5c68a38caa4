package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"

	"redline"
	"redline/diff"
)

// MaxTemplateOutput bounds what one execution of a user template may
// write; a template that writes more fails with ErrTemplateTooLarge.
const MaxTemplateOutput = 1 << 20

// ErrTemplateTooLarge is returned (wrapped) by Render when a template's
// output would pass MaxTemplateOutput.
var ErrTemplateTooLarge = errors.New("template output exceeds 1 MiB")

// ParseTemplate parses a user template for alerts (text/template), with
// the functions below. Errors name the template. Pass the result as
// RenderOptions.Template; it is safe for concurrent use by Render.
//
// # Data
//
// The template runs on the alert's canonical JSON payload decoded as a
// map, so every field of the JSON body is reachable by its JSON name:
// integers are int64, other numbers float64, lists []any, objects
// map[string]any. A field that is absent is an error ("map has no entry
// for key"), which catches typos; the optional fields listed as such
// below are filled in, so they are always there.
//
// Every alert:
//
//	.type                    "page.changed", "selector.missing", or a later event type
//	.id                      stable alert id (sent as webhook-id)
//	.timestamp               RFC 3339 time of the capture that raised it
//	.target.name .target.url .target.tags
//	.current                 capture: .capture_id .fetched_at .url .status .body_sha256 .text_sha256
//
// page.changed:
//
//	.previous                capture the change is from (fields as .current)
//	.stats                   .words_added .words_removed .hunks .truncated
//	.significance            "low", "medium" or "high"
//	.signals .reasons        lists of strings: why it may matter
//	.keywords                .added .removed .near: watched terms touched
//	.reverted_to             earlier capture id the page returned to; 0 (filled in) for a new version
//	.diff.word .diff.unified the whole diff as text ([-old-]{+new+}; unified)
//	.diff.hunks              list of hunks: .old_line .new_line .words_added .words_removed
//	                         .heading (list; [] filled in) .signals (list; [] filled in)
//	                         .elided_before .elided_after (false filled in)
//	                         .segments: list of {.op ("equal", "insert", "delete"), .text}
//
// Other events:
//
//	.detail                  what happened, in words
//
// # Functions
//
// Values from the payload are inserted as they are: page text (segment
// text, headings, reasons, .diff.word, .detail) should go through escape,
// or be rendered with wordDiff and heading, which escape, so that it can
// neither format the message nor mention anyone. Discord messages never
// mention anyone whatever the template says.
//
//	wordDiff HUNK [MAX]      a hunk (or a list of hunks, one per line) as the format marks
//	                         edits: Slack ~old~ *new*, Discord and Mattermost ~~old~~ **new**,
//	                         Teams [-old-] **new**, json [-old-]{+new+}; page text escaped;
//	                         cut to MAX characters with "…" outside any markup when given
//	heading HUNK             the hunk's heading path "A › B", escaped; "" when none
//	escape STRING            page text made literal for the format (unchanged for json)
//	diffURL                  link to the full diff (see RenderOptions.BaseURL); "" without BaseURL
//	truncate N STRING        at most N characters, cut at a rune boundary, "…" when cut
//	                         (truncate before escape: {{.detail | truncate 200 | escape}})
//	join SEP LIST            the list's items joined by SEP: {{join ", " .reasons}}
//	upper STRING, lower STRING
//	default DEFAULT VALUE    VALUE, or DEFAULT when VALUE is empty
//	json VALUE               VALUE as JSON, e.g. {{json .target.name}} in a json body
//	date LAYOUT TIME         an RFC 3339 time in a Go layout: {{date "2006-01-02" .timestamp}}
//
// # Output
//
// Chat formats send the output as the message text (Slack mrkdwn up to
// 4,000 characters, Discord content up to 2,000, Mattermost Markdown up
// to 16,000, Teams one TextBlock, whose Markdown subset needs blank lines
// between paragraphs, so single line breaks are doubled), cut at a line
// break when too long. Output may not be empty. For FormatJSON the output
// is the body: application/json when it is valid JSON, else text/plain.
// Execution stops with an error past MaxTemplateOutput bytes; a failed
// execution never sends part of a message.
func ParseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(tmplEnv{m: plainMarkup}.funcs()).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("alert template %q: %w", name, err)
	}
	return t, nil
}

// plainMarkup marks edits like diff.Result.WordDiff and escapes nothing.
var plainMarkup = markup{
	esc: func(s string) string { return s },
	del: [2]string{"[-", "-]"},
	ins: [2]string{"{+", "+}"},
}

// teamsMarkup is for the Markdown subset of a TextBlock, which has bold
// but no strikethrough.
var teamsMarkup = markup{
	esc: teamsEscape,
	del: [2]string{"[-", "-]"},
	ins: [2]string{"**", "**"},
}

// teamsEscape backslash-escapes what a TextBlock's Markdown would read:
// emphasis (Teams italicises App_Pool_01), links and list markers.
func teamsEscape(s string) string { return mdEscape(s, "\\*_[]()`", false) }

// formatMarkup is the markup of a format's message text.
func formatMarkup(f Format) markup {
	switch f {
	case FormatSlack:
		return slackMarkup
	case FormatDiscord:
		return discordMarkup
	case FormatMattermost:
		return mattermostMarkup
	case FormatTeams:
		return teamsMarkup
	}
	return plainMarkup
}

// executeTemplate runs t on the decoded body with the functions of format
// f, bounded to MaxTemplateOutput.
func executeTemplate(t *template.Template, f Format, body []byte, link string) ([]byte, error) {
	data, err := templateData(body)
	if err != nil {
		return nil, err
	}
	c, err := t.Clone()
	if err != nil {
		return nil, fmt.Errorf("alert template %q: %w", t.Name(), err)
	}
	c.Funcs(tmplEnv{m: formatMarkup(f), link: link}.funcs())
	w := &limitWriter{max: MaxTemplateOutput}
	if err := c.Execute(w, data); err != nil {
		return nil, fmt.Errorf("alert template %q: %w", t.Name(), err)
	}
	out := w.buf.Bytes()
	if f == FormatTeams {
		out = []byte(doubleNewlines(string(out)))
	}
	return out, nil
}

// doubleNewlines makes every line break a paragraph break, which is what
// a TextBlock needs to show one.
func doubleNewlines(s string) string {
	var lines []string
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n\n")
}

// limitWriter fails once more than max bytes are written.
type limitWriter struct {
	buf bytes.Buffer
	max int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.max {
		return 0, ErrTemplateTooLarge
	}
	return w.buf.Write(p)
}

// templateData decodes an alert body for a template (see ParseTemplate).
func templateData(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("render alert: decode body: %w", err)
	}
	m, ok := numbers(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("render alert: body is not a JSON object")
	}
	if m["type"] == redline.EventPageChanged {
		setDefault(m, "reverted_to", int64(0))
		if d, ok := m["diff"].(map[string]any); ok {
			hs, _ := d["hunks"].([]any)
			for _, h := range hs {
				if h, ok := h.(map[string]any); ok {
					setDefault(h, "heading", []any{})
					setDefault(h, "signals", []any{})
					setDefault(h, "elided_before", false)
					setDefault(h, "elided_after", false)
				}
			}
		}
	}
	return m, nil
}

// numbers turns json.Numbers into int64 when integral, else float64, so
// that templates print 1234567 (not 1.234567e+06) and compare with gt.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// tmplEnv holds what the template functions of one format need.
type tmplEnv struct {
	m    markup
	link string
}

func (e tmplEnv) funcs() template.FuncMap {
	return template.FuncMap{
		"wordDiff": e.wordDiff,
		"heading":  e.heading,
		"escape":   func(v any) string { return e.m.esc(toString(v)) },
		"diffURL":  func() string { return e.link },
		"truncate": func(n int, v any) string { return fit(toString(v), n, func(s string) string { return s }) },
		"join":     join,
		"upper":    func(v any) string { return strings.ToUpper(toString(v)) },
		"lower":    func(v any) string { return strings.ToLower(toString(v)) },
		"default":  orDefault,
		"json":     toJSON,
		"date":     date,
	}
}

// toHunks reads a hunk, or a list of hunks, from template data.
func toHunks(v any) ([]diff.Hunk, error) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	hs := make([]diff.Hunk, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if _, seg := m["segments"]; !ok || !seg {
			return nil, fmt.Errorf("%T is not a hunk (an item of .diff.hunks)", e)
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		var h diff.Hunk
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, fmt.Errorf("not a hunk: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

func (e tmplEnv) wordDiff(v any, max ...int) (string, error) {
	hs, err := toHunks(v)
	if err != nil {
		return "", fmt.Errorf("wordDiff: %w", err)
	}
	limit := MaxTemplateOutput
	if len(max) > 0 {
		limit = max[0]
	}
	var parts []string
	for _, h := range hs {
		s, _ := e.m.renderDiff(hunkPieces(h), limit)
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n"), nil
}

func (e tmplEnv) heading(v any) (string, error) {
	hs, err := toHunks(v)
	if err != nil || len(hs) != 1 {
		return "", fmt.Errorf("heading: want one hunk")
	}
	if len(hs[0].Heading) == 0 {
		return "", nil
	}
	return e.m.esc(hunkLabel(hs[0])), nil
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func join(sep string, v any) (string, error) {
	switch l := v.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		s := make([]string, len(l))
		for i, e := range l {
			s[i] = toString(e)
		}
		return strings.Join(s, sep), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("join: %T is not a list", v)
}

func orDefault(def, v any) any {
	switch x := v.(type) {
	case nil:
		return def
	case string:
		if x == "" {
			return def
		}
	case []any:
		if len(x) == 0 {
			return def
		}
	case bool:
		if !x {
			return def
		}
	case int64:
		if x == 0 {
			return def
		}
	case float64:
		if x == 0 {
			return def
		}
	}
	return v
}

func toJSON(v any) (string, error) {
	b, err := Marshal(v)
	return string(b), err
}

func date(layout string, v any) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, toString(v))
	if err != nil {
		return "", fmt.Errorf("date: %w", err)
	}
	return t.UTC().Format(layout), nil
}
