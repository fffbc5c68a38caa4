package crawler

import (
	"bytes"
	"html"
	"net/http"
	"strings"
)

// blockScan is how much of a body Blocked looks at: block pages are small.
const blockScan = 32 << 10

// challengeTitles are page titles (or one " | "-separated part of a title)
// used by bot challenges and access gates rather than by real pages.
var challengeTitles = map[string]bool{
	"human verification":      true, // AWS WAF CAPTCHA
	"verify you are human":    true,
	"are you a robot?":        true,
	"are you a robot":         true,
	"pardon our interruption": true, // Imperva / Distil
	"checking your browser":   true,
	"bot verification":        true,
	"request rejected":        true, // F5 BIG-IP ASM
	"request access":          true, // access gates that ask for a CAPTCHA
}

// filterTitles are title fragments of block pages served by network content
// filters (DNS or web filtering between the crawler and the site).
var filterTitles = []string{
	"dns filter", "web filter", "url filter",
	"web page blocked", "website blocked", "this site is blocked",
}

// Blocked reports whether a response is a CDN, firewall or filter block or
// challenge page instead of the page asked for, and names the reason. It is
// deliberately conservative: every rule needs a specific signature (a
// vendor header, a vendor's title, a status), because a page wrongly judged
// blocked can hide a real change.
//
// header may be nil; body may be just the start of the page.
func Blocked(status int, header http.Header, body []byte) (bool, string) {
	hdr := func(k string) string { return strings.ToLower(strings.TrimSpace(header.Get(k))) }
	server := hdr("Server")
	if len(body) > blockScan {
		body = body[:blockScan]
	}
	title := pageTitle(body)
	var normalized *string
	text := func() string { // computed at most once, only when a rule needs it
		if normalized == nil {
			t := normalizeText(string(body))
			normalized = &t
		}
		return *normalized
	}

	switch {
	case status == http.StatusTooManyRequests:
		return true, "429 Too Many Requests (rate limited)"
	case hdr("Cf-Mitigated") == "challenge":
		return true, "Cloudflare challenge (cf-mitigated: challenge)"
	case strings.Contains(server, "cloudflare") &&
		(title == "just a moment..." || strings.HasPrefix(title, "attention required!")):
		return true, "Cloudflare challenge page (" + title + ")"
	case hdr("X-Amzn-Waf-Action") != "":
		return true, "AWS WAF " + hdr("X-Amzn-Waf-Action") + " (x-amzn-waf-action)"
	case status == http.StatusForbidden && title == "access denied" &&
		(strings.Contains(server, "akamaighost") ||
			strings.Contains(text(), "reference #") || strings.Contains(text(), "errors.edgesuite.net")):
		return true, "Akamai Access Denied"
	case status == http.StatusForbidden && strings.HasPrefix(server, "awselb") && title == "403 forbidden":
		return true, "AWS load balancer 403 Forbidden"
	case status == http.StatusForbidden &&
		(server == "cloudfront" || strings.Contains(hdr("X-Cache"), "error from cloudfront")) &&
		strings.Contains(text(), "the request could not be satisfied"):
		return true, "CloudFront 403 (the request could not be satisfied)"
	case strings.Contains(hdr("Rimon"), "block"):
		return true, "Rimon content filter (rimon header)"
	}
	for _, f := range filterTitles {
		if strings.Contains(title, f) {
			return true, "network content filter page (" + title + ")"
		}
	}
	for _, part := range titleParts(title) {
		if challengeTitles[part] {
			return true, "challenge or access gate page (" + title + ")"
		}
	}
	if status >= 400 && status < 500 {
		t := text()
		if strings.Contains(t, "your ip") &&
			(strings.Contains(t, "blacklist") || strings.Contains(t, "blocklist") ||
				strings.Contains(t, "banned") || strings.Contains(t, "blocked")) {
			return true, "IP address blocked"
		}
	}
	return false, ""
}

// pageTitle returns the first <title> of an HTML document, unescaped,
// lower-cased and with white space collapsed; "" when there is none.
func pageTitle(body []byte) string {
	lower := bytes.ToLower(body)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(lower[start:], []byte("</title"))
	if end < 0 {
		return ""
	}
	return normalizeText(string(body[start : start+end]))
}

// normalizeText unescapes HTML entities, lower-cases and collapses spaces.
func normalizeText(s string) string {
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "…", "...")
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// titleParts splits a title like "Site :: Request Access" or
// "Request Access | Site" into its parts.
func titleParts(title string) []string {
	r := strings.NewReplacer("::", "\x00", "|", "\x00", " - ", "\x00", " – ", "\x00", " — ", "\x00")
	parts := strings.Split(r.Replace(title), "\x00")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
