package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"redline"
)

// EventDigest is the type of a digest message.
const EventDigest = "digest"

// Digest is the JSON body of a digest: every alert of one notifier that
// fell due in one period, in one message. Its ID is derived from the alert
// IDs, so a retry of the same set carries the same webhook-id.
type Digest struct {
	Type      string    `json:"type"`
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	// Target names the digest for renderers that title a message by its
	// target ("12 alerts").
	Target TargetRef         `json:"target"`
	Count  int               `json:"count"`
	Detail string            `json:"detail"` // one line per alert
	Alerts []json.RawMessage `json:"alerts"` // each alert's own JSON body, oldest first
}

// NewDigest gathers alerts into one digest.
func NewDigest(now time.Time, alerts []redline.Alert) (Digest, error) {
	alerts = slices.Clone(alerts)
	slices.SortFunc(alerts, func(a, b redline.Alert) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	ids := make([]string, len(alerts))
	d := Digest{Type: EventDigest, Timestamp: now.UTC(), Count: len(alerts), Alerts: []json.RawMessage{}}
	var lines []string
	for i, a := range alerts {
		ids[i] = a.ID
		if !json.Valid(a.Payload) {
			return Digest{}, fmt.Errorf("digest: alert %s has no JSON body", a.ID)
		}
		d.Alerts = append(d.Alerts, json.RawMessage(a.Payload))
		lines = append(lines, digestLine(a))
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	d.ID = "dig_" + hex.EncodeToString(sum[:12])
	d.Target = TargetRef{Name: fmt.Sprintf("%d alerts", len(alerts)), Tags: []string{}}
	d.Detail = strings.Join(lines, "\n")
	return d, nil
}

// digestLine says in one line what an alert was about.
func digestLine(a redline.Alert) string {
	var p struct {
		Target       TargetRef `json:"target"`
		Significance string    `json:"significance"`
		Stats        Stats     `json:"stats"`
		Detail       string    `json:"detail"`
		Current      struct {
			FetchedAt time.Time `json:"fetched_at"`
		} `json:"current"`
	}
	_ = json.Unmarshal(a.Payload, &p) // validity checked by the caller
	line := fmt.Sprintf("%s %s: %s", p.Current.FetchedAt.UTC().Format(time.RFC3339), p.Target.Name, a.Event)
	if a.Event == redline.EventPageChanged {
		line += fmt.Sprintf(" (%s, +%d -%d words) %s", p.Significance, p.Stats.WordsAdded, p.Stats.WordsRemoved, p.Target.URL)
	} else if p.Detail != "" {
		line += " (" + p.Detail + ")"
	}
	return line
}
