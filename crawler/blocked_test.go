package crawler

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpus is the shared test corpus, beside the repository in CI.
const corpus = "../../shared/corpus/blocked"

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, name))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	return b
}

func TestBlockedHTMLPages(t *testing.T) {
	tests := []struct {
		file    string
		status  int
		blocked bool
	}{
		{"akamai-access-denied-1.html", 403, true},
		{"akamai-access-denied-2.html", 403, true},
		{"highways-real-page.html", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, reason := Blocked(tt.status, nil, readCorpus(t, tt.file))
			if got != tt.blocked {
				t.Errorf("Blocked = %v (%q), want %v", got, reason, tt.blocked)
			}
			if got && reason == "" {
				t.Error("blocked without a reason")
			}
		})
	}
}

// snapshot is the part of a web-monitoring version record Blocked needs.
type snapshot struct {
	Data struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Title   string            `json:"title"`
	} `json:"data"`
}

// TestBlockedSnapshots checks every response record of the corpus: score 0.0
// (surely a block page) must be blocked, 1.0 (surely real) must not; others
// are logged only.
func TestBlockedSnapshots(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpus, "snapshot-quality", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no snapshot records under %s (err %v)", corpus, err)
	}
	for _, file := range files {
		dir := filepath.Base(filepath.Dir(file))
		name := dir + "/" + filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var s snapshot
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			header := http.Header{}
			for k, v := range s.Data.Headers {
				header.Set(k, v)
			}
			body := []byte("<html><head><title>" + html.EscapeString(s.Data.Title) + "</title></head></html>")
			if b, err := os.ReadFile(strings.TrimSuffix(file, ".json") + ".body"); err == nil {
				body = maybeGunzip(t, b)
			}
			got, reason := Blocked(s.Data.Status, header, body)

			score, err := strconv.ParseFloat(dir[strings.LastIndex(dir, "-")+1:], 64)
			if err != nil {
				t.Fatalf("folder %q has no score", dir)
			}
			switch score {
			case 0:
				if !got {
					t.Errorf("status %d title %q: not judged blocked, want blocked", s.Data.Status, s.Data.Title)
				}
			case 1:
				if got {
					t.Errorf("status %d title %q: judged blocked (%s), want not blocked", s.Data.Status, s.Data.Title, reason)
				}
			default:
				t.Logf("score %v: status %d title %q -> blocked=%v %s", score, s.Data.Status, s.Data.Title, got, reason)
			}
		})
	}
}

// maybeGunzip decodes bodies stored gzip-compressed.
func maybeGunzip(t *testing.T, b []byte) []byte {
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBlockedRules(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	page := func(title string) []byte {
		return []byte("<html><head><title>" + title + "</title></head><body>text</body></html>")
	}
	tests := []struct {
		name    string
		status  int
		header  http.Header
		body    []byte
		blocked bool
	}{
		{"cf-mitigated header", 403, h("Cf-Mitigated", "challenge"), nil, true},
		{"cloudflare just a moment", 503, h("Server", "cloudflare"), page("Just a moment..."), true},
		{"cloudflare attention required", 403, h("Server", "cloudflare"), page("Attention Required! | Cloudflare"), true},
		{"just a moment without cloudflare", 200, h("Server", "nginx"), page("Just a moment..."), false},
		{"akamai by server", 403, h("Server", "AkamaiGHost"), page("Access Denied"), true},
		{"access denied 200 is not akamai", 200, h("Server", "AkamaiGHost"), page("Access Denied"), false},
		{"awselb 403", 403, h("Server", "awselb/2.0"), page("403 Forbidden"), true},
		{"awselb 502 is an error, not a block", 502, h("Server", "awselb/2.0"), page("502 Bad Gateway"), false},
		{"cloudfront 403", 403, h("Server", "CloudFront", "X-Cache", "Error from cloudfront"), page("ERROR: The request could not be satisfied"), true},
		{"cloudfront real 404", 404, h("Server", "CloudFront", "X-Cache", "Error from cloudfront"), page("Page not found - Agency"), false},
		{"429 anywhere", 429, nil, []byte("slow down"), true},
		{"plain 403 page", 403, h("Server", "Apache"), page("Forbidden"), false},
		{"ordinary page", 200, h("Server", "cloudflare"), page("Sanctuary Jurisdictions | Department of Justice"), false},
		{"page mentioning ip addresses", 200, nil, []byte("Your IP address may be blocked by some filters."), false},
		{"empty", 200, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := Blocked(tt.status, tt.header, tt.body)
			if got != tt.blocked {
				t.Errorf("Blocked = %v (%q), want %v", got, reason, tt.blocked)
			}
		})
	}
}
