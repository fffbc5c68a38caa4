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
