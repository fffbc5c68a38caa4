// Package notify renders alerts, signs them and delivers them from the
// store's outbox to the configured notifiers.
package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"redline"
	"redline/diff"
)

// Changed is the JSON body of a page.changed alert. Its field names are a
// public contract with receivers: add fields, never rename them.
type Changed struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	Timestamp time.Time  `json:"timestamp"`
	Target    TargetRef  `json:"target"`
	Previous  CaptureRef `json:"previous"`
	Current   CaptureRef `json:"current"`
	Stats     Stats      `json:"stats"`
	// Significance is "low", "medium" or "high" (see diff.Analyze); Signals
	// and Reasons say why.
	Significance string   `json:"significance"`
	Signals      []string `json:"signals"`
	Reasons      []string `json:"reasons"`
	Keywords     Keywords `json:"keywords"`
	// RevertedTo is set when the page returned to the text of an earlier
	// capture: it flaps between versions. Later returns are not alerted.
	RevertedTo int64    `json:"reverted_to,omitempty"`
	Diff       DiffBody `json:"diff"`
}

// Keywords lists the watched terms an edit touched.
type Keywords struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Near    []string `json:"near"`
}

// Event is the JSON body of an alert about a target rather than a change,
// such as selector.missing.
type Event struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	Timestamp time.Time  `json:"timestamp"`
	Target    TargetRef  `json:"target"`
	Current   CaptureRef `json:"current"`
	Detail    string     `json:"detail"`
	// State is "started" or "recovered" for events raised at both ends of
	// a streak (page.blocked, check.failing); "" otherwise.
	State string `json:"state,omitempty"`
	// ChangeID is set on page.restored when the page came back with other
	// wording than it had before; the diff against the last good capture
	// (FromCaptureID) comes with it.
	ChangeID      int64       `json:"change_id,omitempty"`
	FromCaptureID int64       `json:"from_capture_id,omitempty"`
	WordsAdded    int         `json:"words_added,omitempty"`
	WordsRemoved  int         `json:"words_removed,omitempty"`
	Hunks         []diff.Hunk `json:"hunks,omitempty"`

	// On page.new: the rule that found the document, the title it was
	// linked under, and the start of its text.
	Rule    string `json:"rule,omitempty"`
	Title   string `json:"title,omitempty"`
	Excerpt string `json:"excerpt,omitempty"`
}

// TargetRef names the target an alert is about.
type TargetRef struct {
	Name string   `json:"name"`
	URL  string   `json:"url"`
	Tags []string `json:"tags"`
}

// CaptureRef identifies one capture.
type CaptureRef struct {
	CaptureID  int64     `json:"capture_id"`
	FetchedAt  time.Time `json:"fetched_at"`
	URL        string    `json:"url"`
	Status     int       `json:"status"`
	BodySHA256 string    `json:"body_sha256"`
	TextSHA256 string    `json:"text_sha256"`
}

// Stats counts the words an edit touched.
type Stats struct {
	WordsAdded   int  `json:"words_added"`
	WordsRemoved int  `json:"words_removed"`
	Hunks        int  `json:"hunks"`
	Truncated    bool `json:"truncated"` // the diff hit its time limit and is coarser than usual
}

// DiffBody carries the diff in three renderings.
type DiffBody struct {
	Word    string      `json:"word"`
	Unified string      `json:"unified"`
	Hunks   []diff.Hunk `json:"hunks"`
}

// NewChanged builds the page.changed body for one alert.
func NewChanged(id string, t redline.Target, prev, cur redline.Capture, d diff.Result, a diff.Analysis, revertedTo int64, unified string) Changed {
	hunks := d.Hunks
	if hunks == nil {
		hunks = []diff.Hunk{}
	}
	return Changed{
		Type:      redline.EventPageChanged,
		ID:        id,
		Timestamp: cur.FetchedAt.UTC(),
		Target:    targetRef(t),
		Previous:  captureRef(prev),
		Current:   captureRef(cur),
		Stats: Stats{
			WordsAdded:   d.WordsAdded,
			WordsRemoved: d.WordsRemoved,
			Hunks:        len(d.Hunks),
			Truncated:    d.TimedOut,
		},
		Significance: a.Significance.String(),
		Signals:      orEmpty(a.Signals),
		Reasons:      orEmpty(a.Reasons),
		Keywords:     Keywords{Added: orEmpty(a.KeywordsAdded), Removed: orEmpty(a.KeywordsRemoved), Near: orEmpty(a.KeywordsNear)},
		RevertedTo:   revertedTo,
		Diff:         DiffBody{Word: d.WordDiff(), Unified: unified, Hunks: hunks},
	}
}

// NewEvent builds the body of an alert about a target, e.g.
// selector.missing.
func NewEvent(id, event string, t redline.Target, cur redline.Capture, detail string) Event {
	return Event{Type: event, ID: id, Timestamp: cur.FetchedAt.UTC(), Target: targetRef(t), Current: captureRef(cur), Detail: detail}
}

func targetRef(t redline.Target) TargetRef {
	return TargetRef{Name: t.Name, URL: t.URL, Tags: orEmpty(t.Tags)}
}

// orEmpty makes a nil list marshal as [] rather than null.
func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func captureRef(c redline.Capture) CaptureRef {
	u := c.FinalURL
	if u == "" {
		u = c.URL
	}
	return CaptureRef{
		CaptureID:  c.ID,
		FetchedAt:  c.FetchedAt.UTC(),
		URL:        u,
		Status:     c.Status,
		BodySHA256: c.BodySHA256,
		TextSHA256: c.TextSHA256,
	}
}

// Marshal renders an alert body as JSON, without HTML escaping (diffs
// hold "<", ">" and "&" that receivers should see as written).
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("render alert: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
