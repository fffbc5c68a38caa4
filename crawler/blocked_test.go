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
// (surely a block page) must be blocked, 1.0 (surely real) must be neither
// blocked nor a soft error; others are logged only.
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
				if soft, why := SoftError(s.Data.Status, header, body); soft {
					t.Errorf("status %d title %q: judged a soft error (%s), want real", s.Data.Status, s.Data.Title, why)
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

// fixture reads a page of testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// doc builds a small HTML page; an empty title or h1 is left out.
func doc(title, h1 string, paras ...string) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\">")
	if title != "" {
		b.WriteString("<title>" + html.EscapeString(title) + "</title>")
	}
	b.WriteString("</head><body><main>")
	if h1 != "" {
		b.WriteString("<h1>" + html.EscapeString(h1) + "</h1>")
	}
	for _, p := range paras {
		b.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
	}
	b.WriteString("</main></body></html>")
	return []byte(b.String())
}

// hdr builds a header from key, value pairs.
func hdr(kv ...string) http.Header {
	out := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// repeat returns n copies of s separated by spaces: a long page's text.
func repeat(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }

// Realistic policy text that mentions block and error words in sentences.
const (
	policyDenied = "Access to the facility was denied to detainees' attorneys on three of the four inspection days, " +
		"and telephone calls to outside counsel were blocked after 8:00 p.m. The detainee kiosk required a captcha " +
		"that many detainees could not complete, and records of 112 grievances were not found."
	policyRates = "The Commission adopts interim rate limits for interstate calling services. A provider that " +
		"receives too many requests for refunds must report them, and calls to attorneys may not be blocked or denied. " +
		"If the page you are looking for could not be found, use the search box. Please slow down the pace of filings."
	docs429 = "The HTTP 429 Too Many Requests response status code indicates the user has sent too many requests " +
		"in a given amount of time. A Retry-After header might be included to this response indicating how long " +
		"to wait before making a new request. Clients that see rate limit exceeded errors should back off."
)

// TestBlockedSignatures checks every block signature at each listed status.
// A 429 is blocked whatever the page says, so its reason is not checked.
func TestBlockedSignatures(t *testing.T) {
	html1 := hdr("Content-Type", "text/html; charset=utf-8")
	f5 := "The requested URL was rejected. Please consult with your administrator.<br><br>Your support ID is: 14227169023451926871<br><br><a href='javascript:history.back();'>[Go Back]</a>"
	tests := []struct {
		name     string
		statuses []int
		header   http.Header
		body     []byte
		why      string // in the reason
	}{
		{"cloudflare managed challenge, no cloudflare header", []int{200, 403, 503}, nil, fixture(t, "cloudflare-challenge.html"), "bot challenge page (just a moment...)"},
		{"just a moment with captcha", []int{200}, html1, []byte(`<title>Just a moment...</title><div class="h-captcha" data-sitekey="x"></div>`), "bot challenge page"},
		{"attention required cloudflare title", []int{200, 403}, nil, doc("Attention Required! | Cloudflare", "Sorry, you have been blocked"), "Cloudflare challenge page"},
		{"checking your browser title", []int{200, 503}, nil, doc("Checking your browser before accessing www.example.gov", ""), "bot challenge page"},
		{"checking your browser h1", []int{200, 503}, nil, doc("One moment, please...", "Checking your browser before accessing www.example.gov.", "This process is automatic. Your browser will redirect to your requested content shortly."), "bot challenge page (heading: checking your browser"},
		{"verify you are a human h1", []int{200, 403}, nil, doc("www.example.gov", "Please verify you are a human", "Press & Hold to confirm you are a human (and not a bot)."), "bot challenge page (heading: please verify you are a human)"},
		{"verify you are human text", []int{200}, nil, doc("www.example.gov", "", "Verify you are human by completing the action below.", "www.example.gov needs to review the security of your connection before proceeding."), "bot challenge page (text: verify you are human"},
		{"perimeterx", []int{200, 403}, nil, fixture(t, "perimeterx.html"), "challenge or access gate page (access to this page has been denied)"},
		{"distil pardon our interruption", []int{200, 405}, nil, fixture(t, "distil.html"), "challenge or access gate page (pardon our interruption)"},
		{"incapsula", []int{200, 403}, html1, fixture(t, "incapsula.html"), "Imperva Incapsula"},
		{"f5 asm untitled", []int{200, 403}, html1, []byte("<html><head></head><body>" + f5 + "</body></html>"), "F5 BIG-IP ASM"},
		{"f5 asm request rejected", []int{200}, html1, []byte("<html><head><title>Request Rejected</title></head><body>" + f5 + "</body></html>"), "challenge or access gate page (request rejected)"},
		{"aws waf challenge", []int{200, 202, 405}, html1, fixture(t, "awswaf-challenge.html"), "AWS WAF challenge (awswaf script)"},
		{"aws waf captcha", []int{200, 405}, nil, []byte(`<title>Human Verification</title><script src="https://x.token.awswaf.com/x/y/captcha.js"></script><div id="captcha-container"></div>`), "challenge or access gate page (human verification)"},
		{"akamai access denied 1 with reference", []int{200, 403}, nil, readCorpus(t, "akamai-access-denied-1.html"), "Akamai Access Denied"},
		{"akamai access denied 2 with reference", []int{200, 403}, nil, readCorpus(t, "akamai-access-denied-2.html"), "Akamai Access Denied"},
		{"web page blocked title", []int{200, 403}, nil, doc("Web Page Blocked", "", "Access to the web page you were trying to visit has been blocked in accordance with company policy."), "network content filter page"},
		{"web page blocked h1", []int{200}, nil, doc("Blocked", "Web Page Blocked!", "URL: www.example.gov/policy", "Category: Government and Legal Organizations"), "network content filter page (heading: web page blocked)"},
		{"nginx too many requests", []int{200, 503, 429}, nil, []byte("<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>"), "rate-limit page (heading: 429 too many requests)"},
		{"rate limit exceeded h1", []int{200, 503, 429}, nil, doc("Error", "Rate limit exceeded", "Try again in 60 seconds."), "rate-limit page (heading: rate limit exceeded)"},
		{"rate limit exceeded plain text", []int{200, 503}, hdr("Content-Type", "text/plain"), []byte("Rate limit exceeded. Please retry after 60 seconds."), "rate-limit page (text: rate limit exceeded)"},
		{"you have been rate limited", []int{200, 503}, nil, doc("www.example.gov", "You have been rate limited", "Please wait a few minutes before you try again."), "rate-limit page (heading: you have been rate limited)"},
		{"request rate too high", []int{200, 503}, nil, doc("Request rate too high", ""), "rate-limit page (heading: request rate too high)"},
		{"please slow down", []int{200, 503, 429}, nil, doc("Whoa there!", "Please slow down", "You are sending requests too quickly."), "rate-limit page (heading: please slow down)"},
		{"api.data.gov json", []int{200, 503, 429}, hdr("Content-Type", "application/json"), []byte(`{"error":{"code":"OVER_RATE_LIMIT","message":"You have exceeded your rate limit. Try again later or contact us at https://api.data.gov:443/contact/ for assistance"}}`), "rate-limit page (text: over rate limit)"},
		{"api rate limit json with ip", []int{200, 403}, hdr("Content-Type", "application/json"), []byte(`{"message":"API rate limit exceeded for 192.0.2.10. (Authenticated requests get a higher rate limit.)"}`), "rate-limit page (text: api rate limit exceeded for 192"},
		{"cloudflare 1015 rate limited", []int{200, 503, 429}, nil, fixture(t, "cloudflare-rate-limited.html"), "rate-limit page (text: you are being rate limited)"},
	}
	for _, tt := range tests {
		for _, st := range tt.statuses {
			t.Run(tt.name+"/"+strconv.Itoa(st), func(t *testing.T) {
				got, reason := Blocked(st, tt.header, tt.body)
				if !got {
					t.Fatalf("Blocked = false, want true (%s)", tt.why)
				}
				if st != http.StatusTooManyRequests && !strings.Contains(reason, tt.why) {
					t.Errorf("reason %q, want it to contain %q", reason, tt.why)
				}
			})
		}
	}
}

// TestBlockedNotOnRealPages checks pages that mention block and rate-limit
// words, or are error pages rather than block pages.
func TestBlockedNotOnRealPages(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		body   []byte
	}{
		{"policy report", nil, fixture(t, "policy-report.html")},
		{"rule text about rate limits", nil, fixture(t, "rule-rate-limits.html")},
		{"short policy paragraphs", nil, doc("Inspection of Eastbrook | OIG", "Inspection of Eastbrook", policyDenied, policyRates)},
		{"short rule on rate limits", nil, doc("Rate Limits | Federal Register API", "Rate Limits", policyRates)},
		{"long page titled too many requests", nil, doc("429 Too Many Requests - HTTP status codes", "429 Too Many Requests", repeat(docs429, 8))},
		{"long page titled rate limit exceeded", nil, doc("Rate limit exceeded", "", repeat(policyRates, 8))},
		{"heading mentions rate limits", nil, doc("Request for Comments on Rate Limits", "Request for Comments on Rate Limits", policyRates)},
		{"access denied without reference", nil, doc("Access Denied", "Access Denied", "Your account does not have permission to view the case file.")},
		{"just a moment while loading", hdr("Server", "nginx"), doc("Just a moment...", "", "Loading the dashboard.")},
		{"pdf mentioning rate limits", hdr("Content-Type", "application/pdf"), []byte("%PDF-1.7\n(Rate limit exceeded)\n")},
		{"api error docs, 100+ words", nil, doc("Errors | API Documentation", "Errors",
			"When a request fails, the API returns a JSON object with an error code and a message. The codes below are the ones your application should handle; each is returned with the HTTP status shown.",
			"OVER_RATE_LIMIT", "You have exceeded your rate limit.", "Status 429. Wait until the limit resets, or ask us for a higher limit for your key.",
			"API_KEY_MISSING", "No api_key was supplied.", "Status 403. Get a key from the signup form and pass it in the X-Api-Key header or the api_key parameter.",
			"API_KEY_INVALID", "An invalid api_key was supplied.", "Status 403. Check that the key was copied completely.",
			"NOT_FOUND", "No route matches this request.", "Status 404. Check the path against the list of endpoints in the reference section of this guide.")},
		{"soft 404 is not a block", nil, fixture(t, "soft404-template.html")},
		{"maintenance is not a block", nil, fixture(t, "maintenance.html")},
	}
	for _, tt := range tests {
		for _, st := range []int{200, 503} {
			t.Run(tt.name+"/"+strconv.Itoa(st), func(t *testing.T) {
				if got, reason := Blocked(st, tt.header, tt.body); got {
					t.Errorf("Blocked = true (%s), want false", reason)
				}
			})
		}
	}
}

// TestCorpusPagesNotClassified checks that no real capture of the shared
// corpus is judged blocked or a soft error.
func TestCorpusPagesNotClassified(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpus, "..", "pairs", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no pairs under %s (err %v)", corpus, err)
	}
	files = append(files, filepath.Join(corpus, "highways-real-page.html"))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []http.Header{nil, hdr("Content-Type", "text/html; charset=UTF-8")} {
				if got, reason := Blocked(200, h, b); got {
					t.Errorf("Blocked = true (%s), want false", reason)
				}
				if got, reason := SoftError(200, h, b); got {
					t.Errorf("SoftError = true (%s), want false", reason)
				}
			}
		})
	}
}

// TestSoftError checks error pages served with a 2xx status; the same page
// with an error status is a hard error, not a soft one.
func TestSoftError(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		why    string // in the reason
	}{
		{"templated page not found", nil, fixture(t, "soft404-template.html"), "soft 404 (title: page not found; h1: page not found)"},
		{"templated 404 with popular links", nil, fixture(t, "soft404-popular.html"), "soft 404 (title: 404; h1: we cant find that page)"},
		{"404 - not found title", nil, doc("404 - Not Found", ""), "soft 404 (title: 404)"},
		{"nginx 404", nil, []byte("<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>"), "soft 404 (title: 404 not found; h1: 404 not found)"},
		{"iis file or directory not found", nil, doc("404 - File or directory not found.", "Server Error"), "soft 404 (title: 404"},
		{"apache not found", nil, doc("404 Not Found", "Not Found", "The requested URL /policy/asylum.html was not found on this server."), "soft 404"},
		{"oops h1", nil, doc("U.S. Department of Example Affairs", "Oops! We can't find that page.", "Try the search box."), "soft 404 (h1: we cant find that page)"},
		{"requested page sentence", nil, doc("Example Agency", "", "The page you requested could not be found.", "Return to the home page."), "soft 404 (text: the page you requested could not be found)"},
		{"moved or no longer exists", nil, doc("Example Agency", "", "This page has moved or no longer exists.", "Please use the menu to find what you need."), "soft 404 (text: this page has moved or no longer exists)"},
		{"go plain text 404", hdr("Content-Type", "text/plain; charset=utf-8"), []byte("404 page not found\n"), "soft 404 (text: 404 page not found)"},
		{"prerender status", nil, []byte(`<html><head><title>Example App</title><meta name="prerender-status-code" content="404"></head><body><div id="root"></div></body></html>`), "prerender-status-code"},
		{"service unavailable", nil, doc("503 Service Unavailable", "Service Unavailable", "The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later."), "soft 5xx (title: 503 service unavailable; h1: service unavailable)"},
		{"temporarily unavailable h1", nil, doc("Example Agency", "Temporarily Unavailable", "We'll be back shortly."), "soft 5xx (h1: temporarily unavailable)"},
		{"site under maintenance", nil, fixture(t, "maintenance.html"), "soft 5xx (h1: site under maintenance)"},
		{"internal server error", nil, doc("500 Internal Server Error", "Internal Server Error", "The server encountered an internal error or misconfiguration and was unable to complete your request."), "soft 5xx (title: 500 internal server error"},
		{"website temporarily unavailable sentence", nil, doc("Example Agency", "", "The website is temporarily unavailable.", "Please check back later."), "soft 5xx (text: the website is temporarily unavailable)"},
		{"technical difficulties title", nil, doc("FEMA.gov | Federal Emergency Management Agency - FEMA.gov is experiencing technical difficulties", ""), "soft 5xx (title: gov is experiencing technical difficulties)"},
	}
	for _, tt := range tests {
		for _, st := range []int{200, 203} {
			t.Run(tt.name+"/"+strconv.Itoa(st), func(t *testing.T) {
				got, reason := SoftError(st, tt.header, tt.body)
				if !got {
					t.Fatalf("SoftError = false, want true (%s)", tt.why)
				}
				if !strings.Contains(reason, tt.why) {
					t.Errorf("reason %q, want it to contain %q", reason, tt.why)
				}
			})
		}
		for _, st := range []int{404, 500, 304} {
			t.Run(tt.name+"/"+strconv.Itoa(st), func(t *testing.T) {
				if got, reason := SoftError(st, tt.header, tt.body); got {
					t.Errorf("SoftError = true (%s) for status %d, want false", reason, st)
				}
			})
		}
	}
}

// TestSoftErrorNotOnRealPages checks pages that mention error words in
// sentences, long pages with an error-like title, and notices that are real
// content.
func TestSoftErrorNotOnRealPages(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		body   []byte
	}{
		{"policy report", nil, fixture(t, "policy-report.html")},
		{"rule text about rate limits", nil, fixture(t, "rule-rate-limits.html")},
		{"short policy paragraphs", nil, doc("Inspection of Eastbrook | OIG", "Inspection of Eastbrook", policyDenied, policyRates)},
		{"page titled not found, 300+ words", nil, doc("Not Found | Documentary Film Series", "About the Film", repeat(policyDenied, 10))},
		{"page headed not found, 1000+ words", nil, doc("Not Found | Documentary Film Series", "Not Found", repeat(policyDenied, 25))},
		{"long page with error sentence", nil, doc("Web Accessibility | Example Agency", "Web Accessibility", repeat(policyRates, 6), "The page you requested could not be found.")},
		{"records not found", nil, doc("Case Search | Example Court", "Records not found", "No cases match the docket number you entered.")},
		{"page has moved notice", nil, doc("Asylum Policy | Example Agency", "", "This page has moved to https://www.example.gov/asylum-policy.", "Please update your bookmarks.")},
		{"scheduled maintenance notice", nil, doc("Scheduled Maintenance | Earthdata", "Scheduled Maintenance", "The following systems will undergo maintenance on June 3 from 8:00 to 10:00 p.m. Eastern Time: the search service and the data download service.")},
		{"cloudflare challenge is not a soft error", nil, fixture(t, "cloudflare-challenge.html")},
		{"pdf", hdr("Content-Type", "application/pdf"), []byte("%PDF-1.7\n(Page not found)\n")},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, reason := SoftError(200, tt.header, tt.body); got {
				t.Errorf("SoftError = true (%s), want false", reason)
			}
		})
	}
}

// TestClassifyAgreesWithBlockedAndSoftError: Classify is Blocked, then
// SoftError, on one parse of the page.
func TestClassifyAgreesWithBlockedAndSoftError(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html"}}
	cases := []struct {
		status int
		body   string
		kind   string
	}{
		{403, "<html><head><title>Access Denied</title></head><body>Reference #18.2f3c4d5e.1500411917.1b6a4c4</body></html>", KindBlocked},
		{200, "<html><head><title>Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>", KindBlocked},
		{200, "<html><head><title>Page Not Found</title></head><body><h1>Page Not Found</h1></body></html>", KindSoftError},
		{200, "<html><head><title>Detainer policy</title></head><body><h1>Detainer policy</h1><p>Officers shall not hold people on detainers alone.</p></body></html>", ""},
	}
	for _, c := range cases {
		kind, reason := Classify(c.status, html, []byte(c.body))
		b, _ := Blocked(c.status, html, []byte(c.body))
		s, _ := SoftError(c.status, html, []byte(c.body))
		want := ""
		if b {
			want = KindBlocked
		} else if s {
			want = KindSoftError
		}
		if kind != c.kind || kind != want || (kind != "") != (reason != "") {
			t.Errorf("Classify(%d, %.40q) = %q %q; Blocked %v SoftError %v; want %q", c.status, c.body, kind, reason, b, s, c.kind)
		}
	}
}
