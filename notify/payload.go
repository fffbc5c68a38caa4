// Package notify renders alerts, signs them and delivers them from the
// store's outbox to the configured notifiers.
package notify

import (
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
	Diff      DiffBody   `json:"diff"`
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
func NewChanged(id string, t redline.Target, prev, cur redline.Capture, d diff.Result, unified string) Changed {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	hunks := d.Hunks
	if hunks == nil {
		hunks = []diff.Hunk{}
	}
	return Changed{
		Type:      redline.EventPageChanged,
		ID:        id,
		Timestamp: cur.FetchedAt.UTC(),
		Target:    TargetRef{Name: t.Name, URL: t.URL, Tags: tags},
		Previous:  captureRef(prev),
		Current:   captureRef(cur),
		Stats: Stats{
			WordsAdded:   d.WordsAdded,
			WordsRemoved: d.WordsRemoved,
			Hunks:        len(d.Hunks),
			Truncated:    d.TimedOut,
		},
		Diff: DiffBody{Word: d.WordDiff(), Unified: unified, Hunks: hunks},
	}
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

// Marshal renders an alert body as JSON.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("render alert: %w", err)
	}
	return b, nil
}
