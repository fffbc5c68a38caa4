package server

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"redline"
	"redline/history"
)

//go:embed openapi.json
var openAPI []byte

// targetJSON is a target as the API shows it.
type targetJSON struct {
	Name        string     `json:"name"`
	URL         string     `json:"url"`
	Kind        string     `json:"kind"`
	Tags        []string   `json:"tags"`
	Source      string     `json:"source"`
	Active      bool       `json:"active"`
	Schedule    string     `json:"schedule"`
	LastCheckAt *time.Time `json:"last_check_at"`
	LastOutcome string     `json:"last_outcome"`
	NextDue     *time.Time `json:"next_due"`
	ChainHead   string     `json:"chain_head"`
	// Set on targets a discovery rule found.
	DiscoveredBy string      `json:"discovered_by,omitempty"`
	DiscoveredAt *time.Time  `json:"discovered_at,omitempty"`
	Title        string      `json:"title,omitempty"`
	Pinned       bool        `json:"pinned,omitempty"`
	Dropped      bool        `json:"dropped,omitempty"`
	UnlistedAt   *time.Time  `json:"unlisted_at,omitempty"`
	Links        targetLinks `json:"links"`
}

type targetLinks struct {
	Self     string `json:"self"`
	Captures string `json:"captures"`
	Changes  string `json:"changes"`
	Feed     string `json:"feed"`
	Page     string `json:"page"`
}

func (s *Server) targetJSON(base string, t redline.Target) targetJSON {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	self := base + apiTargetPath(t.Name)
	return targetJSON{
		Name: t.Name, URL: t.URL, Kind: t.Kind, Tags: tags, Source: t.Source, Active: t.Active, Schedule: t.Schedule,
		LastCheckAt: utc(t.LastCheckAt), LastOutcome: string(t.LastOutcome), NextDue: utc(t.NextDue), ChainHead: t.ChainHead,
		DiscoveredBy: t.DiscoveredBy, DiscoveredAt: utc(t.DiscoveredAt), Title: t.Title, Pinned: t.Pinned, Dropped: t.Dropped,
		UnlistedAt: utc(t.UnlistedAt),
		Links: targetLinks{
			Self:     self,
			Captures: self + "/captures",
			Changes:  base + "/api/v1/changes?target=" + url.QueryEscape(t.Name),
			Feed:     base + targetFeedPath(t.Name),
			Page:     base + targetPath(t.Name),
		},
	}
}

// captureJSON is a capture's metadata as the API shows it: its record,
// headers included, and links.
type captureJSON struct {
	history.CaptureRecord
	Links captureLinks `json:"links"`
}

type captureLinks struct {
	Self         string `json:"self"`
	Target       string `json:"target"`
	Raw          string `json:"raw,omitempty"`
	Text         string `json:"text,omitempty"`
	Memento      string `json:"memento,omitempty"`
	DiffPrevious string `json:"diff_previous,omitempty"`
}

func (s *Server) captureJSON(base string, t redline.Target, c redline.Capture) captureJSON {
	self := base + capturePath(c.ID)
	links := captureLinks{Self: self, Target: base + apiTargetPath(t.Name)}
	if c.BodySHA256 != "" {
		links.Raw = self + "/raw"
	}
	if c.TextSHA256 != "" {
		links.Text = self + "/text"
	}
	if isMemento(c) && normalizeURI(c.URL) == normalizeURI(t.URL) {
		links.Memento = mementoURL(base, t.URL, c.FetchedAt)
	}
	if c.Outcome == redline.OutcomeChanged {
		links.DiffPrevious = base + apiTargetPath(t.Name) + "/diff?to=" + strconv.FormatInt(c.ID, 10)
	}
	r := history.RecordOf(t.Name, c, true)
	if r.Headers == nil {
		r.Headers = http.Header{} // no response: still an object
	}
	return captureJSON{CaptureRecord: r, Links: links}
}

// changeJSON is a change as the API shows it: its record and links.
type changeJSON struct {
	history.ChangeRecord
	Links changeLinks `json:"links"`
}

type changeLinks struct {
	Diff string `json:"diff"`
	Page string `json:"page"`
}

func changeToJSON(base string, name string, ch redline.Change) changeJSON {
	return changeJSON{
		ChangeRecord: history.ChangeRecordOf(name, ch),
		Links:        changeLinks{Diff: base + diffPath(ch.FromCaptureID, ch.ToCaptureID), Page: base + changePath(name, ch.ToCaptureID)},
	}
}

// listWriter streams a JSON object holding one list, {"key": [...], ...},
// item by item. Once started the status is sent: write errors (a client
// gone) are ignored.
type listWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
	n   int
}

func startList(w http.ResponseWriter, key string) *listWriter {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString(`{"` + key + `":[`)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &listWriter{bw: bw, enc: enc}
}

func (l *listWriter) add(v any) {
	if l.n > 0 {
		_ = l.bw.WriteByte(',')
	}
	l.n++
	_ = l.enc.Encode(v)
}

// end closes the list, adds the member key: v and the closing brace.
func (l *listWriter) end(key string, v any) {
	_, _ = l.bw.WriteString(`],"` + key + `":`)
	_ = l.enc.Encode(v)
	_, _ = l.bw.WriteString("}\n")
	_ = l.bw.Flush()
}

func (s *Server) apiTargets(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.Targets(r.Context())
	if err != nil {
		return fmt.Errorf("list targets: %w", err)
	}
	base := s.base(r)
	l := startList(w, "targets")
	for _, t := range ts {
		l.add(s.targetJSON(base, t))
	}
	l.end("count", len(ts))
	return nil
}

func (s *Server) apiTarget(w http.ResponseWriter, r *http.Request) error {
	t, err := s.target(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.targetJSON(s.base(r), t))
	return nil
}

func (s *Server) apiCaptures(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.target(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := redline.CaptureFilter{TargetIDs: []int64{t.ID}}
	if f.Since, err = parseTime(q, "from"); err != nil {
		return err
	}
	if f.Until, err = parseTime(q, "until"); err != nil {
		return err
	}
	if f.BeforeID, err = optionalID(q, "cursor"); err != nil {
		return err
	}
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	f.Limit = limit + 1 // one more tells whether there is a next page
	cs, err := s.store.ListCaptures(ctx, f)
	if err != nil {
		return fmt.Errorf("captures of %s: %w", t.Name, err)
	}
	var next *string
	if len(cs) > limit {
		cs = cs[:limit]
		q.Set("cursor", strconv.FormatInt(cs[len(cs)-1].ID, 10))
		u := s.base(r) + apiTargetPath(t.Name) + "/captures?" + q.Encode()
		next = &u
	}
	base := s.base(r)
	l := startList(w, "captures")
	for _, c := range cs {
		l.add(s.captureJSON(base, t, c))
	}
	l.end("next", next)
	return nil
}

func (s *Server) apiCapture(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID("capture id", r.PathValue("id"))
	if err != nil {
		return err
	}
	c, t, err := s.capture(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.captureJSON(s.base(r), t, c))
	return nil
}

// apiRaw serves a capture's original body, never as active content of this
// origin: as an attachment under a sandboxing CSP, or as plain text.
func (s *Server) apiRaw(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID("capture id", r.PathValue("id"))
	if err != nil {
		return err
	}
	as := r.URL.Query().Get("as")
	if as != "" && as != "text" {
		return errorf(http.StatusBadRequest, "as: %q: want \"text\" (or no as parameter for the original bytes)", as)
	}
	c, err := s.getCapture(r.Context(), id)
	if err != nil {
		return err
	}
	if c.BodySHA256 == "" {
		return errorf(http.StatusNotFound, "capture %d: no body was received (outcome %s)", id, c.Outcome)
	}
	body, err := s.store.Blob(r.Context(), c.BodySHA256)
	if err != nil {
		return storeError(err, fmt.Sprintf("body of capture %d", id))
	}
	ct := originalContentType(c)
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	if as == "text" {
		h.Set("Content-Type", "text/plain; charset="+charsetOf(ct))
		h.Set("Content-Disposition", "inline")
	} else {
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="capture-%d%s"`, id, extensionOf(ct)))
	}
	serveBlob(w, r, c.BodySHA256, body)
	return nil
}

func (s *Server) apiText(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID("capture id", r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := s.getCapture(r.Context(), id)
	if err != nil {
		return err
	}
	if c.TextSHA256 == "" {
		return errorf(http.StatusNotFound, "capture %d: no text was extracted (outcome %s)", id, c.Outcome)
	}
	text, err := s.store.Blob(r.Context(), c.TextSHA256)
	if err != nil {
		return storeError(err, fmt.Sprintf("text of capture %d", id))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	serveBlob(w, r, c.TextSHA256, text)
	return nil
}

// serveBlob serves content-addressed bytes with their digest (RFC 9530)
// and ETag; conditional and range requests are honoured.
func serveBlob(w http.ResponseWriter, r *http.Request, sum string, b []byte) {
	h := w.Header()
	h.Set("ETag", `"`+strings.ToLower(sum)+`"`)
	h.Set("Repr-Digest", reprDigest(b))
	h.Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// reprDigest is the Repr-Digest field value of b (RFC 9530).
func reprDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// originalContentType is the Content-Type a capture's body came with, or
// application/octet-stream.
func originalContentType(c redline.Capture) string {
	for _, ct := range []string{c.Header.Get("Content-Type"), c.ContentType} {
		if ct == "" {
			continue
		}
		if _, _, err := mime.ParseMediaType(ct); err == nil {
			return ct
		}
	}
	return "application/octet-stream"
}

// charsetOf returns the charset parameter of a media type, lowercased, or
// utf-8.
func charsetOf(ct string) string {
	_, params, err := mime.ParseMediaType(ct)
	cs := strings.ToLower(params["charset"])
	if err != nil || cs == "" || strings.ContainsFunc(cs, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:+", r))
	}) {
		return "utf-8"
	}
	return cs
}

// extensionOf returns a file name extension for a media type.
func extensionOf(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "text/html":
		return ".html"
	case "application/xhtml+xml":
		return ".xhtml"
	case "text/plain":
		return ".txt"
	case "application/pdf":
		return ".pdf"
	case "application/json", "application/ld+json":
		return ".json"
	case "application/xml", "text/xml", "application/rss+xml", "application/atom+xml":
		return ".xml"
	case "text/csv":
		return ".csv"
	case "application/msword":
		return ".doc"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	}
	if exts, err := mime.ExtensionsByType(mt); err == nil && len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// apiDiff diffs two captures given by ID; from defaults to the version
// before to.
func (s *Server) apiDiff(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("to") == "" {
		return errorf(http.StatusBadRequest, "to: missing: want the ID of the newer capture")
	}
	to, err := optionalID(q, "to")
	if err != nil {
		return err
	}
	from, err := optionalID(q, "from")
	if err != nil {
		return err
	}
	_, t, err := s.capture(r.Context(), to)
	if err != nil {
		return err
	}
	return s.writeDiff(w, r, t, from, to)
}

// apiTargetDiff diffs two captures of a target; they default like
// history.Pair: the latest good capture and the version before it.
func (s *Server) apiTargetDiff(w http.ResponseWriter, r *http.Request) error {
	t, err := s.target(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, err := optionalID(q, "from")
	if err != nil {
		return err
	}
	to, err := optionalID(q, "to")
	if err != nil {
		return err
	}
	return s.writeDiff(w, r, t, from, to)
}

// writeDiff answers with the diff of captures from and to of t in the
// format the request asks for.
func (s *Server) writeDiff(w http.ResponseWriter, r *http.Request, t redline.Target, from, to int64) error {
	q := r.URL.Query()
	format := q.Get("format")
	switch format {
	case "":
		format = "word"
	case "word", "unified", "json":
	default:
		return errorf(http.StatusBadRequest, "format: %q: want word, unified or json", format)
	}
	raw, err := parseBool(q, "raw")
	if err != nil {
		return err
	}
	cmp, err := s.compare(r, t, from, to, raw)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		writeJSON(w, http.StatusOK, cmp.JSON())
	case "unified":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprint(w, cmp.Unified())
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprint(w, wordText(cmp))
	}
	return nil
}

// compare pairs and compares captures of t like the command line does,
// mapping the caller's mistakes to 400 and pruned texts to 410.
func (s *Server) compare(r *http.Request, t redline.Target, from, to int64, raw bool) (*history.Comparison, error) {
	oldC, newC, err := history.Pair(r.Context(), s.store, t, from, to)
	if history.IsInput(err) {
		return nil, errorf(http.StatusBadRequest, "diff: %v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("diff of %s: %w", t.Name, err)
	}
	cmp, err := history.Compare(r.Context(), s.store, t, oldC, newC, raw)
	if errors.Is(err, redline.ErrPruned) {
		return nil, errorf(http.StatusGone, "diff of captures %d and %d: a text was pruned by retention", oldC.ID, newC.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("diff of %s: %w", t.Name, err)
	}
	return cmp, nil
}

// wordText renders a comparison the way "redline diff" does.
func wordText(cmp *history.Comparison) string {
	var b strings.Builder
	oldName, newName := cmp.Names()
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
	if !cmp.Diff.Changed() {
		b.WriteString("(no difference in wording)\n")
		return b.String()
	}
	fmt.Fprintf(&b, "significance: %s\n", cmp.Analysis.Significance)
	for _, r := range cmp.Analysis.Reasons {
		fmt.Fprintf(&b, "  %s\n", r)
	}
	if len(cmp.VolatileHunks) > 0 {
		fmt.Fprintf(&b, "hunks in blocks learned as volatile (not alerted alone): %v\n", cmp.VolatileHunks)
	}
	b.WriteString(cmp.Diff.WordDiff())
	b.WriteString("\n")
	return b.String()
}

// apiChanges lists changes after a cursor, oldest first, for clients that
// poll ("changes since").
func (s *Server) apiChanges(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var since int64
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errorf(http.StatusBadRequest, "since: %q: want a change id (the next_cursor of a previous answer) or 0", v)
		}
		since = n
	}
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	ts, err := s.targetsByID(ctx)
	if err != nil {
		return err
	}
	ids, filtered, err := selectTargets(ts, q.Get("target"), q.Get("tag"))
	if err != nil {
		return err
	}
	var chs []redline.Change
	if !filtered || len(ids) > 0 {
		chs, err = s.store.ListChanges(ctx, redline.ChangeFilter{TargetIDs: ids, AfterID: since, Oldest: true, Limit: limit})
		if err != nil {
			return fmt.Errorf("list changes: %w", err)
		}
	}
	next := since
	if len(chs) > 0 {
		next = chs[len(chs)-1].ID
	}
	base := s.base(r)
	l := startList(w, "changes")
	for _, ch := range chs {
		l.add(changeToJSON(base, ts[ch.TargetID].Name, ch))
	}
	l.end("next_cursor", next)
	return nil
}

// selectTargets returns the IDs of the targets named name (if not "") that
// carry tag (if not ""), sorted, and whether any filter was given. An
// unknown name is a 404.
func selectTargets(ts map[int64]redline.Target, name, tag string) ([]int64, bool, error) {
	if name == "" && tag == "" {
		return nil, false, nil
	}
	found := name == ""
	var ids []int64
	for id, t := range ts {
		if name != "" && t.Name != name {
			continue
		}
		found = true
		if tag != "" && !slices.Contains(t.Tags, tag) {
			continue
		}
		ids = append(ids, id)
	}
	if !found {
		return nil, true, errorf(http.StatusNotFound, "target %q: not found", name)
	}
	slices.Sort(ids)
	return ids, true, nil
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(openAPI))
	return nil
}
