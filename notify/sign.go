package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Key returns the HMAC key for a notifier secret. A secret of the form
// "whsec_<base64>" (as Standard Webhooks prints them) is decoded; any other
// secret is used as its raw bytes. The same key signs both headers.
func Key(secret string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		k, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("secret: whsec_ value is not base64: %w", err)
		}
		if len(k) == 0 {
			return nil, fmt.Errorf("secret: whsec_ value is empty")
		}
		return k, nil
	}
	return []byte(secret), nil
}

// Sign sets the signature headers of one delivery attempt:
// Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>") and
// X-Hub-Signature-256 ("sha256=<hex HMAC-SHA256 of body>"). A nil key sets
// only webhook-id and webhook-timestamp.
func Sign(h http.Header, key []byte, id string, ts time.Time, body []byte) {
	unix := strconv.FormatInt(ts.Unix(), 10)
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", unix)
	if key == nil {
		return
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + unix + "."))
	m.Write(body)
	h.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))

	m = hmac.New(sha256.New, key)
	m.Write(body)
	h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
}

// Verify checks the Standard Webhooks signature of a received request body,
// as a receiver would, and that its timestamp is within tolerance of now.
// It accepts any of the space-separated v1 signatures in the header.
func Verify(h http.Header, key []byte, body []byte, now time.Time, tolerance time.Duration) error {
	id, tsText, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || tsText == "" || sigs == "" {
		return fmt.Errorf("verify: missing webhook-id, webhook-timestamp or webhook-signature")
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("verify: bad webhook-timestamp %q", tsText)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("verify: timestamp %s outside tolerance", tsText)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + tsText + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("verify: no matching v1 signature")
}

// VerifyHub checks an X-Hub-Signature-256 header against body.
func VerifyHub(h http.Header, key []byte, body []byte) error {
	got, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
	if !ok {
		return fmt.Errorf("verify: missing X-Hub-Signature-256")
	}
	raw, err := hex.DecodeString(got)
	if err != nil {
		return fmt.Errorf("verify: X-Hub-Signature-256 is not hex")
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(raw, m.Sum(nil)) {
		return fmt.Errorf("verify: X-Hub-Signature-256 does not match")
	}
	return nil
}
