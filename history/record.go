package history

import (
	"net/http"
	"time"

	"redline"
)

// CaptureRecord is a capture's record as the API and the exports show it:
// every recorded field and the hashes that prove it, not the bytes.
type CaptureRecord struct {
	ID            int64           `json:"id"`
	Target        string          `json:"target"`
	URL           string          `json:"url"`
	FinalURL      string          `json:"final_url"`
	FetchedAt     time.Time       `json:"fetched_at"`
	DurationMS    int64           `json:"duration_ms"`
	Status        int             `json:"status"`
	Headers       http.Header     `json:"headers,omitempty"`
	ContentType   string          `json:"content_type"`
	Outcome       redline.Outcome `json:"outcome"`
	Error         string          `json:"error"`
	Attempts      int             `json:"attempts"`
	BodySHA256    string          `json:"body_sha256"`
	BodySize      int64           `json:"body_size"`
	TextSHA256    string          `json:"text_sha256"`
	RequestSHA256 string          `json:"request_sha256"`
	PrevHash      string          `json:"prev_hash"`
	Hash          string          `json:"hash"`
	PrunedAt      *time.Time      `json:"pruned_at"`
}

// RecordOf is the record of capture c of the target named target, with its
// response headers when withHeaders.
func RecordOf(target string, c redline.Capture, withHeaders bool) CaptureRecord {
	r := CaptureRecord{
		ID: c.ID, Target: target, URL: c.URL, FinalURL: c.FinalURL, FetchedAt: c.FetchedAt.UTC(),
		DurationMS: c.Duration.Milliseconds(), Status: c.Status, ContentType: c.ContentType,
		Outcome: c.Outcome, Error: c.Error, Attempts: c.Attempts, BodySHA256: c.BodySHA256, BodySize: c.BodySize,
		TextSHA256: c.TextSHA256, RequestSHA256: c.RequestSHA256, PrevHash: c.PrevHash, Hash: c.Hash,
	}
	if withHeaders {
		r.Headers = c.Header
	}
	if !c.PrunedAt.IsZero() {
		p := c.PrunedAt.UTC()
		r.PrunedAt = &p
	}
	return r
}

// ChangeRecord is a change as the API and the exports show it.
type ChangeRecord struct {
	ID           int64     `json:"id"`
	Target       string    `json:"target"`
	FromCapture  int64     `json:"from_capture"`
	ToCapture    int64     `json:"to_capture"`
	DetectedAt   time.Time `json:"detected_at"`
	WordsAdded   int       `json:"words_added"`
	WordsRemoved int       `json:"words_removed"`
	Significance string    `json:"significance"`
	RevertedTo   *int64    `json:"reverted_to"` // null for a new version
	VolatileOnly bool      `json:"volatile_only"`
}

// ChangeRecordOf is the record of change ch of the target named target.
func ChangeRecordOf(target string, ch redline.Change) ChangeRecord {
	r := ChangeRecord{
		ID: ch.ID, Target: target, FromCapture: ch.FromCaptureID, ToCapture: ch.ToCaptureID, DetectedAt: ch.DetectedAt.UTC(),
		WordsAdded: ch.WordsAdded, WordsRemoved: ch.WordsRemoved, Significance: ch.Significance, VolatileOnly: ch.VolatileOnly,
	}
	if ch.RevertedTo != 0 {
		r.RevertedTo = &ch.RevertedTo
	}
	return r
}
