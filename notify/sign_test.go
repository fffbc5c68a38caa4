package notify

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The example from the Standard Webhooks specification.
func TestSignStandardWebhooksVector(t *testing.T) {
	key, err := Key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	Sign(h, key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if got, want := h.Get("webhook-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("webhook-signature = %s, want %s", got, want)
	}
	if h.Get("webhook-id") != "msg_p5jXN8AQM9LWM0D4loKWxJek" || h.Get("webhook-timestamp") != "1614265330" {
		t.Fatalf("headers: %v", h)
	}
}

// The example from GitHub's documentation of X-Hub-Signature-256.
func TestSignHubVector(t *testing.T) {
	h := http.Header{}
	Sign(h, []byte("It's a Secret to Everybody"), "id", time.Unix(0, 0), []byte("Hello, World!"))
	if got, want := h.Get("X-Hub-Signature-256"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Fatalf("X-Hub-Signature-256 = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"page.changed"}`)
	key := []byte("s3cret")
	signed := func() http.Header {
		h := http.Header{}
		Sign(h, key, "msg_1", now, body)
		return h
	}
	cases := []struct {
		name   string
		header func() http.Header
		key    []byte
		body   []byte
		now    time.Time
		ok     bool
	}{
		{"good", signed, key, body, now, true},
		{"wrong key", signed, []byte("other"), body, now, false},
		{"altered body", signed, key, []byte(`{"type":"page.removed"}`), now, false},
		{"stale", signed, key, body, now.Add(10 * time.Minute), false},
		{"second of two signatures", func() http.Header {
			h := signed()
			h.Set("webhook-signature", "v1,AAAA "+h.Get("webhook-signature"))
			return h
		}, key, body, now, true},
		{"unsigned", func() http.Header {
			h := http.Header{}
			Sign(h, nil, "msg_1", now, body)
			return h
		}, key, body, now, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.header(), c.key, c.body, c.now, 5*time.Minute)
			if (err == nil) != c.ok {
				t.Fatalf("Verify: err = %v, want ok=%v", err, c.ok)
			}
			herr := VerifyHub(c.header(), c.key, c.body)
			if c.name != "stale" && c.name != "second of two signatures" && (herr == nil) != c.ok {
				t.Fatalf("VerifyHub: err = %v, want ok=%v", herr, c.ok)
			}
		})
	}
}

func TestKey(t *testing.T) {
	if k, err := Key("plain secret"); err != nil || string(k) != "plain secret" {
		t.Fatalf("raw secret: %q, %v", k, err)
	}
	if k, err := Key("whsec_aGVsbG8="); err != nil || string(k) != "hello" {
		t.Fatalf("whsec secret: %q, %v", k, err)
	}
	for _, bad := range []string{"whsec_", "whsec_not base64!"} {
		if _, err := Key(bad); err == nil || !strings.Contains(err.Error(), "whsec_") {
			t.Errorf("Key(%q) error = %v", bad, err)
		}
	}
}
