package redline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// CaptureHash is the fixity hash of capture c chained to prev, the hash of
// the target's previous capture ("" for its first). Every store computes it
// when it records a capture, so that an altered, inserted or deleted capture
// breaks the chain; redline verify recomputes it.
//
// It commits to every recorded field except the ID, the chain fields and
// PrunedAt: the target, times, URLs, status, response headers (as their
// sha256), the request headers' blob, outcome, error, body and text sha256
// and sizes.
// Durations count in whole microseconds, as stored.
func CaptureHash(prev string, c Capture) string {
	h := sha256.New()
	h.Write([]byte("redline capture v1\n"))
	field := func(name, v string) {
		fmt.Fprintf(h, "%s %d:%s\n", name, len(v), v)
	}
	num := func(name string, v int64) { field(name, strconv.FormatInt(v, 10)) }
	field("prev", prev)
	num("target", c.TargetID)
	num("fetched_at", c.FetchedAt.UnixNano())
	num("duration_us", c.Duration.Microseconds())
	field("url", c.URL)
	field("final_url", c.FinalURL)
	num("status", int64(c.Status))
	field("header", headerSum(c.Header))
	field("request_sha256", c.RequestSHA256)
	field("content_type", c.ContentType)
	field("outcome", string(c.Outcome))
	field("error", c.Error)
	field("body_sha256", c.BodySHA256)
	num("body_size", c.BodySize)
	field("text_sha256", c.TextSHA256)
	num("attempts", int64(c.Attempts))
	return hex.EncodeToString(h.Sum(nil))
}

// headerSum is the sha256 of h as compact JSON with sorted keys, or "" for
// nil.
func headerSum(h map[string][]string) string {
	if h == nil {
		return ""
	}
	sum := sha256.Sum256(HeaderJSON(h))
	return hex.EncodeToString(sum[:])
}

// HeaderJSON is h as compact JSON with sorted keys, the form in which
// stores keep headers.
func HeaderJSON(h map[string][]string) []byte {
	b, err := json.Marshal(h)
	if err != nil { // a map of string slices always marshals
		panic(err)
	}
	return b
}
