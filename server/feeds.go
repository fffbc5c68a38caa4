package server

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"redline"
	"redline/history"
)

// feedSize is how many changes, newest first, a feed holds.
const feedSize = 50

// Atom (RFC 4287) documents, for encoding/xml.
type atomFeed struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string        `xml:"id"`
	Title     string        `xml:"title"`
	Updated   string        `xml:"updated"`
	Links     []atomLink    `xml:"link"`
	Author    atomPerson    `xml:"author"`
	Generator atomGenerator `xml:"generator"`
	Entries   []atomEntry   `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomGenerator struct {
	Version string `xml:"version,attr,omitempty"`
	Name    string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Content    atomText       `xml:"content"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feedFile returns the name in a feed file name "NAME.atom", or a 404.
func feedFile(r *http.Request) (string, error) {
	file := r.PathValue("file")
	name, ok := strings.CutSuffix(file, ".atom")
	if !ok || name == "" {
		return "", errorf(http.StatusNotFound, "%s: no such feed (feeds end in .atom)", r.URL.Path)
	}
	return name, nil
}

func (s *Server) feedAll(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.targetsByID(r.Context())
	if err != nil {
		return err
	}
	return s.feed(w, r, ts, nil, "redline: changes in wording of every tracked page", "/feeds/changes.atom", "/")
}

func (s *Server) feedTarget(w http.ResponseWriter, r *http.Request) error {
	name, err := feedFile(r)
	if err != nil {
		return err
	}
	ts, err := s.targetsByID(r.Context())
	if err != nil {
		return err
	}
	ids, _, err := selectTargets(ts, name, "")
	if err != nil {
		return err
	}
	return s.feed(w, r, ts, ids, "redline: changes in wording of "+name, targetFeedPath(name), targetPath(name))
}

func (s *Server) feedTag(w http.ResponseWriter, r *http.Request) error {
	tag, err := feedFile(r)
	if err != nil {
		return err
	}
	ts, err := s.targetsByID(r.Context())
	if err != nil {
		return err
	}
	ids, _, err := selectTargets(ts, "", tag)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errorf(http.StatusNotFound, "tag %q: no target has it", tag)
	}
	return s.feed(w, r, ts, ids, "redline: changes in wording of pages tagged "+tag, "/feeds/tags/"+url.PathEscape(tag)+".atom", "/")
}

// feed writes the Atom feed of the newest changes of the targets ids (all
// when nil).
func (s *Server) feed(w http.ResponseWriter, r *http.Request, ts map[int64]redline.Target, ids []int64, title, selfPath, altPath string) error {
	ctx := r.Context()
	chs, err := s.store.ListChanges(ctx, redline.ChangeFilter{TargetIDs: ids, Limit: feedSize})
	if err != nil {
		return fmt.Errorf("list changes: %w", err)
	}
	base := s.base(r)
	f := atomFeed{
		ID:    base + selfPath,
		Title: title,
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + selfPath},
			{Rel: "alternate", Type: "text/html", Href: base + altPath},
		},
		Author:    atomPerson{Name: "redline"},
		Generator: atomGenerator{Name: "redline", Version: s.version},
	}
	// Without entries, the feed was last updated when one of its targets
	// was last checked.
	var updated time.Time
	for id, t := range ts {
		if (ids == nil || slices.Contains(ids, id)) && t.LastCheckAt.After(updated) {
			updated = t.LastCheckAt
		}
	}
	if len(chs) > 0 {
		updated = chs[0].DetectedAt
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	f.Updated = atomTime(updated)
	tmpl, err := s.templates(base)
	if err != nil {
		return err
	}
	for _, ch := range chs {
		e, err := s.feedEntry(r, tmpl, base, ts[ch.TargetID], ch)
		if err != nil {
			return err
		}
		f.Entries = append(f.Entries, e)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		s.log.Warn("write feed", "path", r.URL.Path, "error", err)
	}
	return nil
}

// changeTitle says in a line what a change was, e.g.
// "policy: 3 words added, 1 removed (high)".
func changeTitle(name string, ch redline.Change) string {
	words := "words"
	if ch.WordsAdded == 1 {
		words = "word"
	}
	title := fmt.Sprintf("%s: %d %s added, %d removed", name, ch.WordsAdded, words, ch.WordsRemoved)
	if ch.Significance != "" {
		title += " (" + ch.Significance + ")"
	}
	if ch.RevertedTo != 0 {
		title += fmt.Sprintf(", back to the text of capture %d", ch.RevertedTo)
	}
	if ch.VolatileOnly {
		title += " [volatile blocks only, not alerted]"
	}
	return title
}

// feedEntry builds the entry of one change, its content the word diff in
// HTML, or a summary when the diff cannot be computed (a pruned text).
func (s *Server) feedEntry(r *http.Request, tmpl *template.Template, base string, t redline.Target, ch redline.Change) (atomEntry, error) {
	page := base + changePath(t.Name, ch.ToCaptureID)
	e := atomEntry{
		ID:        page,
		Title:     changeTitle(t.Name, ch),
		Updated:   atomTime(ch.DetectedAt),
		Published: atomTime(ch.DetectedAt),
		Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: page}},
	}
	for _, tag := range t.Tags {
		e.Categories = append(e.Categories, atomCategory{Term: tag})
	}
	data := struct {
		Cmp          *history.Comparison
		Summary, Err string
		Page         string
	}{Page: page}
	data.Cmp, data.Err = s.compareOrReason(r, t, ch.FromCaptureID, ch.ToCaptureID)
	if data.Cmp == nil {
		data.Summary = fmt.Sprintf("%d words added, %d removed between captures %d and %d.", ch.WordsAdded, ch.WordsRemoved, ch.FromCaptureID, ch.ToCaptureID)
	}
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, "feed-content", data); err != nil {
		return e, fmt.Errorf("feed entry of change %d: %w", ch.ID, err)
	}
	e.Content = atomText{Type: "html", Body: b.String()}
	return e, nil
}
