package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"redline"
	"redline/history"
)

// pageCSP is the Content-Security-Policy of the human pages: no scripts,
// no fetches, inline styles only.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'"

// pageTemplates are the human pages; a later web UI replaces them. Every
// value is escaped by html/template; the diff's <del>/<ins> come from the
// "diff" template, the text in them through lines, which escapes it.
const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · redline</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}
.hunk{border-left:3px solid #ccc;padding-left:.75rem}small,.muted{color:#666}code{font-size:.9em}
</style></head><body>
<p class="muted"><a href="{{base}}/">redline</a></p>
{{end}}

{{define "foot"}}<hr><p class="muted">redline {{version}} · <a href="{{base}}/api/v1/openapi.json">API</a> · <a href="{{base}}/feeds/changes.atom">feed of all changes</a></p>
</body></html>
{{end}}

{{define "diff"}}{{range .}}<p class="hunk"><small>@@ -{{.OldLine}} +{{.NewLine}} @@{{with .Heading}} {{join . " › "}}{{end}}</small><br>{{if .ElidedBefore}}…{{end}}{{range .Segments}}{{if eq .Op "delete"}}<del>{{lines .Text}}</del>{{else if eq .Op "insert"}}<ins>{{lines .Text}}</ins>{{else}}{{lines .Text}}{{end}}{{end}}{{if .ElidedAfter}}…{{end}}</p>{{end}}{{end}}

{{define "analysis"}}<p>Significance: <strong>{{.Analysis.Significance}}</strong>; {{.Diff.WordsAdded}} words added, {{.Diff.WordsRemoved}} removed.</p>{{with .Analysis.Reasons}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}

{{define "feed-content"}}{{if .Cmp}}{{if .Cmp.Diff.Changed}}{{template "analysis" .Cmp}}{{template "diff" .Cmp.Diff.Hunks}}{{else}}<p>No difference in wording once the noise rules are applied.</p>{{end}}{{else}}<p>{{.Summary}}</p><p>The diff is not available: {{.Err}}</p>{{end}}<p><a href="{{.Page}}">Full diff on redline</a></p>{{end}}

{{define "index"}}{{template "head" "Tracked pages"}}
<h1>Tracked pages</h1>
<table><tr><th>Target</th><th>Last check</th><th>Outcome</th><th>URL</th></tr>
{{range .}}<tr><td><a href="{{base}}{{targetPath .Name}}">{{.Name}}</a>{{if not .Active}} <small>(removed)</small>{{end}}</td><td>{{time .LastCheckAt}}</td><td>{{.LastOutcome}}</td><td><code>{{.URL}}</code></td></tr>
{{else}}<tr><td colspan="4">No target has been checked yet.</td></tr>{{end}}
</table>
{{template "foot"}}{{end}}

{{define "target"}}{{template "head" .T.Name}}
<h1>{{.T.Name}}</h1>
<p><a href="{{.T.URL}}" rel="noopener noreferrer nofollow">{{.T.URL}}</a></p>
<p class="muted">{{with .T.Tags}}Tags: {{join . ", "}} · {{end}}schedule <code>{{.T.Schedule}}</code> · last checked {{time .T.LastCheckAt}} ({{.T.LastOutcome}}){{if not .T.Active}} · removed from the configuration{{end}}</p>
<p><a href="{{base}}{{feedPath .T.Name}}">Atom feed</a> · <a href="{{base}}{{apiTargetPath .T.Name}}">JSON</a>{{with .TimeMap}} · <a href="{{.}}">TimeMap</a>{{end}}</p>
<h2>Recent changes</h2>
<table><tr><th>Detected</th><th>Words</th><th>Significance</th><th></th></tr>
{{range .Changes}}<tr><td>{{time .DetectedAt}}</td><td>+{{.WordsAdded}} −{{.WordsRemoved}}</td><td>{{.Significance}}{{if .VolatileOnly}} <small>(volatile blocks only)</small>{{end}}{{if .RevertedTo}} <small>(back to capture {{.RevertedTo}})</small>{{end}}</td><td><a href="{{base}}{{changePath $.T.Name .ToCaptureID}}">diff</a></td></tr>
{{else}}<tr><td colspan="4">No change in wording recorded.</td></tr>{{end}}
</table>
<h2>Recent captures</h2>
<table><tr><th>Capture</th><th>Fetched</th><th>Outcome</th><th>Status</th><th>Links</th></tr>
{{range .Captures}}<tr><td>{{.C.ID}}</td><td>{{time .C.FetchedAt}}</td><td>{{.C.Outcome}}{{with .C.Error}} <small>{{.}}</small>{{end}}</td><td>{{if .C.Status}}{{.C.Status}}{{end}}</td><td><a href="{{.API}}">json</a>{{with .Raw}} · <a href="{{.}}">raw</a>{{end}}{{with .Text}} · <a href="{{.}}">text</a>{{end}}{{with .Memento}} · <a href="{{.}}">memento</a>{{end}}{{with .Change}} · <a href="{{.}}">change</a>{{end}}</td></tr>
{{else}}<tr><td colspan="5">No capture yet.</td></tr>{{end}}
</table>
{{template "foot"}}{{end}}

{{define "change"}}{{template "head" (printf "%s: change to capture %d" .T.Name .To.ID)}}
<h1><a href="{{base}}{{targetPath .T.Name}}">{{.T.Name}}</a>: change detected {{time .Change.DetectedAt}}</h1>
<p><code>{{.T.URL}}</code></p>
<p>From capture {{.From.ID}} ({{time .From.FetchedAt}}) to capture {{.To.ID}} ({{time .To.FetchedAt}}).{{if .Change.RevertedTo}} The text went back to that of capture {{.Change.RevertedTo}}.{{end}}{{if .Change.VolatileOnly}} Every edit sits in a block learned as volatile: recorded, not alerted.{{end}}</p>
{{with .Cmp}}{{if .Diff.Changed}}{{template "analysis" .}}{{template "diff" .Diff.Hunks}}{{else}}<p>No difference in wording once the noise rules are applied.</p>{{end}}{{else}}<p>The diff is not available: {{.Err}}</p>{{end}}
<h2>Evidence</h2>
<ul>
<li>Diff: <a href="{{.DiffURL}}&amp;format=word">text</a> · <a href="{{.DiffURL}}&amp;format=unified">unified</a> · <a href="{{.DiffURL}}&amp;format=json">JSON</a></li>
{{range .Sides}}<li>Capture {{.C.ID}} ({{time .C.FetchedAt}}): <a href="{{.API}}">metadata</a>{{with .Raw}} · <a href="{{.}}">raw body</a>{{end}}{{with .Text}} · <a href="{{.}}">extracted text</a>{{end}}{{with .Memento}} · <a href="{{.}}">memento</a>{{end}} <small>sha256 {{.C.BodySHA256}}</small></li>
{{end}}</ul>
{{template "foot"}}{{end}}
`

// parsePages parses the page templates. base and version are placeholders
// bound per request by (*Server).render.
func parsePages() (*template.Template, error) {
	return template.New("pages").Funcs(template.FuncMap{
		"base":          func() string { return "" },
		"version":       func() string { return "" },
		"lines":         lines,
		"join":          strings.Join,
		"time":          pageTime,
		"targetPath":    targetPath,
		"changePath":    changePath,
		"feedPath":      targetFeedPath,
		"apiTargetPath": apiTargetPath,
	}).Parse(pageTemplates)
}

// lines escapes s and breaks its lines with <br>.
func lines(s string) template.HTML {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(strings.Join(parts, "<br>"))
}

func pageTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// templates returns the page templates bound to a base URL. The parsed set
// itself is never executed, so that it can always be cloned.
func (s *Server) templates(base string) (*template.Template, error) {
	t, err := s.pages.Clone()
	if err != nil {
		return nil, fmt.Errorf("page templates: %w", err)
	}
	return t.Funcs(template.FuncMap{"base": func() string { return base }, "version": func() string { return s.version }}), nil
}

// render executes template name with data for request r, into a buffer
// first so that a failure is still a clean error response.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	t, err := s.templates(s.base(r))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(b.Bytes())
	return nil
}

func (s *Server) pageIndex(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.Targets(r.Context())
	if err != nil {
		return fmt.Errorf("list targets: %w", err)
	}
	return s.render(w, r, "index", ts)
}

// captureRow is a capture with its links, for the pages.
type captureRow struct {
	C                       redline.Capture
	API, Raw, Text, Memento string
	Change                  string // human page of the change to this capture; "" when none
}

func (s *Server) captureRow(base string, t redline.Target, c redline.Capture) captureRow {
	j := s.captureJSON(base, t, c)
	return captureRow{C: c, API: j.Links.Self, Raw: j.Links.Raw, Text: j.Links.Text, Memento: j.Links.Memento}
}

// pageTarget shows a target's recent changes and captures.
func (s *Server) pageTarget(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.target(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	const recent = 50
	cs, err := s.store.Captures(ctx, t.ID, 0, recent)
	if err != nil {
		return fmt.Errorf("captures of %s: %w", t.Name, err)
	}
	chs, err := s.store.Changes(ctx, t.ID, recent)
	if err != nil {
		return fmt.Errorf("changes of %s: %w", t.Name, err)
	}
	base := s.base(r)
	changed := map[int64]bool{}
	for _, ch := range chs {
		changed[ch.ToCaptureID] = true
	}
	data := struct {
		T        redline.Target
		Captures []captureRow
		Changes  []redline.Change
		TimeMap  string
	}{T: t, Changes: chs}
	for _, c := range cs {
		row := s.captureRow(base, t, c)
		if changed[c.ID] {
			row.Change = base + changePath(t.Name, c.ID)
		}
		if row.Memento != "" && data.TimeMap == "" {
			data.TimeMap = base + timemapPrefix + t.URL
		}
		data.Captures = append(data.Captures, row)
	}
	return s.render(w, r, "target", data)
}

// pageChange shows the word diff of the change to capture {id}.
func (s *Server) pageChange(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.target(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	id, err := parseID("capture id", r.PathValue("id"))
	if err != nil {
		return err
	}
	ch, err := s.changeTo(ctx, t, id)
	if err != nil {
		return err
	}
	from, err := s.getCapture(ctx, ch.FromCaptureID)
	if err != nil {
		return err
	}
	to, err := s.getCapture(ctx, ch.ToCaptureID)
	if err != nil {
		return err
	}
	base := s.base(r)
	data := struct {
		T        redline.Target
		Change   redline.Change
		From, To redline.Capture
		Cmp      *history.Comparison
		Err      string
		DiffURL  string
		Sides    []captureRow
	}{T: t, Change: ch, From: from, To: to, DiffURL: base + diffPath(from.ID, to.ID),
		Sides: []captureRow{s.captureRow(base, t, from), s.captureRow(base, t, to)}}
	data.Cmp, data.Err = s.compareOrReason(r, t, from.ID, to.ID)
	return s.render(w, r, "change", data)
}

// compareOrReason compares two captures for display; when that fails it
// says why instead (a pruned text, a capture without text).
func (s *Server) compareOrReason(r *http.Request, t redline.Target, from, to int64) (*history.Comparison, string) {
	cmp, err := s.compare(r, t, from, to, false)
	if err == nil {
		return cmp, ""
	}
	var he *httpError
	if errors.As(err, &he) {
		return nil, he.msg
	}
	s.log.Error("compare captures", "target", t.Name, "from", from, "to", to, "error", err)
	return nil, "it could not be computed (the error is logged on the server)"
}

// changeTo finds the change of t whose newer capture is captureID, or a
// 404. A change is recorded with its capture, so change IDs grow with
// capture IDs: the scan, newest first, stops at the first older capture.
func (s *Server) changeTo(ctx context.Context, t redline.Target, captureID int64) (redline.Change, error) {
	const page = 200
	var before int64
	for {
		chs, err := s.store.ListChanges(ctx, redline.ChangeFilter{TargetIDs: []int64{t.ID}, BeforeID: before, Limit: page})
		if err != nil {
			return redline.Change{}, fmt.Errorf("changes of %s: %w", t.Name, err)
		}
		for _, ch := range chs {
			if ch.ToCaptureID == captureID {
				return ch, nil
			}
		}
		if len(chs) < page || chs[len(chs)-1].ToCaptureID < captureID {
			return redline.Change{}, errorf(http.StatusNotFound, "change to capture %d of %s: not found", captureID, t.Name)
		}
		before = chs[len(chs)-1].ID
	}
}
