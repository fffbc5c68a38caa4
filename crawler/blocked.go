package crawler

import (
	"bytes"
	"html"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockScan is how much of a body Blocked's markup rules look at: block
// pages are small.
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
	// PerimeterX / HUMAN
	"please verify you are a human":             true,
	"access to this page has been denied":       true,
	"checking if the site connection is secure": true,
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
// Beyond vendor headers and statuses it reads the page: WAF markup (Akamai
// "Reference #", Incapsula incident id, F5 ASM support id, AWS WAF awswaf
// script), challenge titles ("Just a moment..." confirmed by challenge
// markup, "Pardon Our Interruption", "Please verify you are a human"), and
// rate-limit or challenge wording ("Too Many Requests", "Rate limit
// exceeded") as a whole clause of the title or an <h1>, or of the text of a
// page under 100 words. All of these apply to any status but only to short
// pages (under 300 visible words), so a real page that mentions "blocked",
// "captcha" or "rate limits" in a sentence is not classified. Wrong-status
// error pages are SoftError's concern, not Blocked's.
//
// header may be nil; body may be just the start of the page.
func Blocked(status int, header http.Header, body []byte) (bool, string) {
	return blocked(status, header, body, pageOnce(body, nil))
}

// pageOnce returns a function that analyses the page the first time it is
// called and returns the same result after, so that Classify reads a page
// once for both judgements. doc, when not nil, is body's parsed tree.
func pageOnce(body []byte, doc *xhtml.Node) func() *pageInfo {
	var p *pageInfo
	return func() *pageInfo {
		if p == nil {
			p = analyzePage(body, doc)
		}
		return p
	}
}

// Classify judges a response once, parsing its body at most once: it says
// "blocked" (see Blocked), "soft-error" (see SoftError) or "" for a page
// that may be the real one, with the reason.
func Classify(status int, header http.Header, body []byte) (kind, reason string) {
	return ClassifyTree(status, header, body, nil)
}

// ClassifyTree is Classify for a page already parsed: doc is body's HTML
// tree (decoded from its charset), or nil to have body parsed when a rule
// needs it. ClassifyTree does not modify doc. The rules read doc whole;
// Classify parses only the first pageScan bytes, as they come, so the two
// can differ on pages over 1 MiB and, in the text the rules match, on pages
// in another charset than UTF-8.
func ClassifyTree(status int, header http.Header, body []byte, doc *xhtml.Node) (kind, reason string) {
	page := pageOnce(body, doc)
	if ok, why := blocked(status, header, body, page); ok {
		return KindBlocked, why
	}
	if ok, why := softError(status, header, body, page); ok {
		return KindSoftError, why
	}
	return "", ""
}

// Kinds of Classify verdicts.
const (
	KindBlocked   = "blocked"
	KindSoftError = "soft-error"
)

func blocked(status int, header http.Header, body []byte, page func() *pageInfo) (bool, string) {
	hdr := func(k string) string { return strings.ToLower(strings.TrimSpace(header.Get(k))) }
	server := hdr("Server")
	full := body
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
	return blockedPage(header, full, title, text, page)
}

// pageTitle returns the first <title> of an HTML document, unescaped,
// lower-cased and with white space collapsed; "" when there is none.
func pageTitle(body []byte) string {
	i := indexFold(body, "<title")
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(body[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := indexFold(body[start:], "</title")
	if end < 0 {
		return ""
	}
	return normalizeText(string(body[start : start+end]))
}

// indexFold is the index of the first instance of the lower-case ASCII tag
// tag in b, in any case, or -1.
func indexFold(b []byte, tag string) int {
	for i := 0; ; {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 {
			return -1
		}
		i += k
		if len(b)-i < len(tag) {
			return -1
		}
		if bytes.EqualFold(b[i:i+len(tag)], []byte(tag)) {
			return i
		}
		i++
	}
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

// Page-size limits, in visible words. Block, challenge and error pages are
// short, so every rule that reads a page's headings or text applies only
// below one of these; a long real page that merely mentions "not found" or
// "rate limit" in a sentence is never classified.
const (
	// shortPage bounds pages judged by their title or <h1>, and soft-error
	// pages judged by a sentence of their main text.
	shortPage = 300
	// agreedPage bounds soft-error pages whose title and <h1> both say so
	// (a site template with a long menu around a "Page not found" notice).
	agreedPage = 1000
	// tinyPage bounds block pages judged by a sentence of their text alone.
	tinyPage = 100
	// wafPage bounds near-empty pages that only load a WAF challenge script.
	wafPage = 50
)

// pageScan is how much of a body the page analysis parses; counting the
// words of a long page needs more than blockScan.
const pageScan = 1 << 20

// challengeMarkers are markup or text of bot-challenge pages. They confirm a
// title such as "Just a moment..." that real pages may also use while
// loading.
var challengeMarkers = []string{
	"/cdn-cgi/challenge-platform/", "cf_chl", "cf-chl", "cf-browser-verification",
	"ddos-guard", "checking your browser", "verify you are human", "verify you are a human",
	"checking if the site connection is secure", "enable javascript and cookies to continue",
	"captcha", "awswaf", "_incapsula_resource",
}

// blockedPage holds the rules of Blocked that read the page itself rather
// than its status and headers: markup signatures of WAF pages, and the
// headings and short text of rate-limit and challenge pages. Each needs the
// page to be short. text returns the normalized start of the page.
func blockedPage(header http.Header, body []byte, title string, text func() string, page func() *pageInfo) (bool, string) {
	if len(body) == 0 || !textual(header) {
		return false, ""
	}
	p := page()
	if p.allWords >= shortPage {
		return false, ""
	}
	t := text()
	parts := titleParts(title)
	switch {
	case title == "access denied" && (akamaiReference(t) || strings.Contains(t, "errors.edgesuite.net")):
		return true, "Akamai Access Denied (reference number)"
	case strings.Contains(t, "incapsula incident id"):
		return true, "Imperva Incapsula block (incident id)"
	case strings.Contains(t, "the requested url was rejected") && strings.Contains(t, "your support id is"):
		return true, "F5 BIG-IP ASM rejection (support id)"
	case strings.Contains(t, "awswaf") && p.allWords < wafPage:
		return true, "AWS WAF challenge (awswaf script)"
	case (title == "just a moment..." || title == "just a moment" ||
		hasPrefixPart(parts, "attention required")) && containsAny(t, challengeMarkers):
		return true, "bot challenge page (" + title + ")"
	case hasPrefixPart(parts, "attention required") && hasPart(parts, "cloudflare"):
		return true, "Cloudflare challenge page (" + title + ")"
	case strings.HasPrefix(title, "checking your browser before accessing"):
		return true, "bot challenge page (" + title + ")"
	}
	if kind, c := matchAll(blockRules, p.headings()); kind != "" {
		return true, kind + " (heading: " + c + ")"
	}
	if p.allWords < tinyPage {
		if kind, c := matchAll(blockRules, p.all); kind != "" {
			return true, kind + " (text: " + c + ")"
		}
	}
	return false, ""
}

// SoftError reports whether a successful (2xx) response is an error page
// served with the wrong status: a "soft 404" (page not found, no longer
// exists) or a "soft 5xx" (service unavailable, under maintenance, internal
// server error), and names the reason. Such a page must not be diffed
// against, or become, a baseline.
//
// It is judged from the page's <title> and <h1> (each split into clauses at
// punctuation and title separators; a clause must be an error phrase as a
// whole, such as "Page Not Found" or "404 - Not Found") and, on a short page,
// from a sentence of its main text such as "The page you requested could not
// be found." Main text is the visible text outside <nav>, <header>, <footer>
// and <aside>. A title or heading counts only on a page of fewer than 300
// main words (1000 when title and heading agree), a sentence only below 300,
// so a long real page that mentions "not found" never counts. A page that
// declares its status in <meta name="prerender-status-code"> is taken at its
// word. Other statuses, and bodies that are not text, are never soft errors.
//
// header may be nil.
func SoftError(status int, header http.Header, body []byte) (bool, string) {
	return softError(status, header, body, pageOnce(body, nil))
}

func softError(status int, header http.Header, body []byte, page func() *pageInfo) (bool, string) {
	if status < 200 || status > 299 || len(body) == 0 || !textual(header) {
		return false, ""
	}
	p := page()
	if c := p.metaStatus; len(c) == 3 && (c[0] == '4' || c[0] == '5') && isDigits(c) {
		return true, "page declares HTTP " + c + " (prerender-status-code)"
	}
	tk, tc := matchAll(softHeadingRules, []string{p.title})
	hk, hc := matchAll(softHeadingRules, p.h1)
	switch {
	case tk != "" && hk != "" && p.words < agreedPage:
		return true, tk + " (title: " + tc + "; h1: " + hc + ")"
	case tk != "" && p.words < shortPage:
		return true, tk + " (title: " + tc + ")"
	case hk != "" && p.words < shortPage:
		return true, hk + " (h1: " + hc + ")"
	}
	if p.words < shortPage {
		if kind, c := matchAll(softBodyRules, p.main); kind != "" {
			return true, kind + " (text: " + c + ")"
		}
	}
	return false, ""
}

// textual reports whether a Content-Type is absent or names text a page
// rule can read (HTML, XML, JSON, plain text).
func textual(header http.Header) bool {
	ct := strings.ToLower(header.Get("Content-Type"))
	return ct == "" || strings.HasPrefix(ct, "text/") ||
		strings.Contains(ct, "html") || strings.Contains(ct, "xml") || strings.Contains(ct, "json")
}

// akamaiReference reports whether normalized text has Akamai's
// "Reference #18.52c90b17..." line.
func akamaiReference(t string) bool {
	i := strings.Index(t, "reference #")
	if i < 0 || i+len("reference #") >= len(t) {
		return false
	}
	c := t[i+len("reference #")]
	return c >= '0' && c <= '9'
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func hasPart(parts []string, p string) bool {
	for _, q := range parts {
		if q == p {
			return true
		}
	}
	return false
}

func hasPrefixPart(parts []string, prefix string) bool {
	for _, q := range parts {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// pageInfo is what the page rules read from a document.
type pageInfo struct {
	title      string   // first <title>, normalized
	h1         []string // the first few <h1>, normalized
	words      int      // visible words outside nav, header, footer and aside
	allWords   int      // all visible words
	main       []string // normalized text blocks outside nav, header, footer and aside
	all        []string // all normalized text blocks
	metaStatus string   // content of <meta name="prerender-status-code">
}

// headings returns the title and the <h1> texts.
func (p *pageInfo) headings() []string {
	return append([]string{p.title}, p.h1...)
}

// Limits of what analyzePage keeps (it always counts every word).
const (
	maxH1        = 5
	maxBlockText = 64 << 10
)

// skipElements hold no visible text.
var skipElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Object: true,
	atom.Textarea: true, atom.Select: true, atom.Canvas: true,
}

// boilerElements and boilerRoles mark site navigation and chrome.
var (
	boilerElements = map[atom.Atom]bool{atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true}
	boilerRoles    = map[string]bool{"navigation": true, "banner": true, "contentinfo": true, "complementary": true}
)

// blockElements end a run of text: each becomes its own block, so clauses
// never join text of two paragraphs or cells.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Br: true, atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Header: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Td: true, atom.Th: true, atom.Tr: true, atom.Ul: true, atom.Button: true,
	atom.Option: true, atom.Caption: true, atom.Legend: true, atom.Label: true,
}

// analyzePage collects a pageInfo from doc, or when doc is nil from up to
// pageScan bytes of body parsed as HTML (plain text and JSON parse as one
// text block).
func analyzePage(body []byte, doc *xhtml.Node) *pageInfo {
	w := &pageWalker{p: &pageInfo{}}
	if doc == nil {
		if len(body) > pageScan {
			body = body[:pageScan]
		}
		var err error
		if doc, err = xhtml.Parse(bytes.NewReader(body)); err != nil {
			return w.p
		}
	}
	w.walk(doc, false)
	w.flush(false)
	return w.p
}

// pageWalker walks a parsed document into a pageInfo. Once the page is too
// long for any rule that reads its words (see long), it only looks for the
// meta status: most real pages are, and their text is not worth normalising.
type pageWalker struct {
	p      *pageInfo
	buf    strings.Builder // text of the current block
	stored int             // bytes kept in p.main and p.all
}

// long reports whether the page has agreedPage main words or more: then no
// rule reads its headings or text (pageInfo's counts need go no higher).
func (w *pageWalker) long() bool { return w.p.words >= agreedPage }

func (w *pageWalker) walk(n *xhtml.Node, boiler bool) {
	switch n.Type {
	case xhtml.TextNode:
		if !w.long() {
			w.buf.WriteString(n.Data)
			w.buf.WriteByte(' ')
		}
		return
	case xhtml.ElementNode:
		if n.Namespace != "" || skipElements[n.DataAtom] { // svg, math
			return
		}
		switch n.DataAtom {
		case atom.Title:
			if w.p.title == "" {
				w.p.title = normalizeText(nodeText(n))
			}
			return
		case atom.Meta:
			if strings.EqualFold(attr(n, "name"), "prerender-status-code") {
				w.p.metaStatus = strings.TrimSpace(attr(n, "content"))
			}
			return
		case atom.H1:
			if len(w.p.h1) < maxH1 && !w.long() {
				if t := normalizeText(nodeText(n)); t != "" {
					w.p.h1 = append(w.p.h1, t)
				}
			}
		}
	}
	block := n.Type == xhtml.ElementNode && blockElements[n.DataAtom]
	inner := boiler || n.Type == xhtml.ElementNode &&
		(boilerElements[n.DataAtom] || boilerRoles[strings.ToLower(attr(n, "role"))])
	if block {
		w.flush(boiler)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, inner)
	}
	if block {
		w.flush(inner)
	}
}

// flush ends the current block of text, counting its words. A block is
// normalised and kept only while a rule may still read it: p.all below
// tinyPage words, p.main below shortPage main words.
func (w *pageWalker) flush(boiler bool) {
	if w.buf.Len() == 0 {
		return
	}
	raw := w.buf.String()
	w.buf.Reset()
	keepAll := w.p.allWords < tinyPage
	keepMain := !boiler && w.p.words < shortPage
	if !keepAll && !keepMain || w.stored >= maxBlockText {
		n := countWords(raw)
		w.p.allWords += n
		if !boiler {
			w.p.words += n
		}
		return
	}
	t := normalizeText(raw)
	if t == "" {
		return
	}
	n := countWords(t)
	w.p.allWords += n
	if !boiler {
		w.p.words += n
	}
	w.stored += len(t)
	w.p.all = append(w.p.all, t)
	if !boiler {
		w.p.main = append(w.p.main, t)
	}
}

// countWords counts the white-space separated fields of s that hold a
// letter or a digit.
func countWords(s string) int {
	n := 0
	inField, word := false, false
	for i := 0; i < len(s); {
		r := rune(s[i])
		if r < utf8.RuneSelf {
			i++
			switch {
			case r == ' ' || '\t' <= r && r <= '\r': // unicode.IsSpace's ASCII
				if word {
					n++
				}
				inField, word = false, false
			default:
				inField = true
				word = word || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
			}
			continue
		}
		var size int
		r, size = utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) {
			if word {
				n++
			}
			inField, word = false, false
			continue
		}
		inField = true
		if !word && isAlnum(r) {
			word = true
		}
	}
	if inField && word {
		n++
	}
	return n
}

// nodeText is the text under n, without scripts and styles.
func nodeText(n *xhtml.Node) string {
	var b strings.Builder
	var rec func(*xhtml.Node)
	rec = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
			return
		}
		if n.Type == xhtml.ElementNode && skipElements[n.DataAtom] {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// clauseRule classifies a clause: the whole clause must match re.
type clauseRule struct {
	re   *regexp.Regexp
	kind string
}

// Reasons given by the clause rules.
const (
	kindNotFound    = "soft 404"
	kindServerError = "soft 5xx"
	kindRateLimit   = "rate-limit page"
	kindChallenge   = "bot challenge page"
	kindFilter      = "network content filter page"
)

// Parts of the clause patterns. Clauses are lower-case words of letters and
// digits, apostrophes dropped ("can't" is "cant").
const (
	// what a soft 404 says is missing
	subj404 = `(?:(?:the|this|that|your) )?(?:(?:requested|specified) )?` +
		`(?:page|web ?page|file|file or directory|document|resource|url|content|link|path|article)` +
		`(?: (?:you (?:requested|have requested|are looking for|were looking for|tried to (?:access|reach|visit)|are trying to (?:access|reach|visit))|youre looking for|requested|at this (?:address|url)))?`
	// how a soft 404 says it is missing
	neg404 = `(?:(?:was|is|has been) )?(?:not found|(?:could not|cannot|can not|cant|couldnt) be (?:found|located)` +
		`|(?:does not|doesnt|did not) exist|(?:has (?:been )?moved or )?no longer exists|no longer available` +
		`|(?:may|might) (?:have been|be) (?:removed|moved|deleted|renamed)|(?:has been|was) (?:removed|deleted))`
	// what a soft 5xx says is down
	subj5xx = `(?:(?:the|this|our) )?(?:service|site|web ?site|web site|page|server|system|application|portal)`
	// how a soft 5xx says it is down
	down5xx = `(?:is )?(?:(?:currently|temporarily) )*(?:unavailable` +
		`|(?:down|offline|closed|unavailable) (?:for|due to) (?:scheduled |planned )?maintenance` +
		`|(?:under|undergoing) (?:scheduled |planned )?maintenance)`
	code404   = `(?:(?:http )?error )?(?:404|410)(?: error)?(?: (?:page|file))?`
	weCantFnd = `(?:we|i) (?:cant|cannot|can not|couldnt|could not) (?:seem to )?(?:find|locate) ` +
		`(?:the|that|this|your) (?:page|file|document)(?: (?:you (?:requested|are looking for|were looking for)|youre looking for))?`
	apache404 = `the requested url(?: .+)? was not found on this server`
)

// rules builds clause rules, anchoring each pattern to the whole clause.
func rules(kind string, patterns ...string) []clauseRule {
	out := make([]clauseRule, len(patterns))
	for i, p := range patterns {
		out[i] = clauseRule{regexp.MustCompile(`^(?:` + p + `)$`), kind}
	}
	return out
}

// softHeadingRules classify the clauses of a title or <h1>.
var softHeadingRules = concat(
	rules(kindNotFound,
		code404+`(?: not found)?`, `error 404`,
		`(?:`+subj404+` )?`+neg404, weCantFnd, apache404),
	rules(kindServerError,
		`(?:(?:http )?error )?5[0-9][0-9](?: error)?`,
		`(?:(?:internal )?server|internal|application|unexpected|system) error`, `error`,
		`bad gateway`, `gateway time ?out`,
		`(?:`+subj5xx+` )?`+down5xx, `(?:scheduled |planned )?maintenance (?:in progress|mode)`,
		`(?:an? )?(?:unexpected )?error (?:has )?occurred(?: while processing your request)?`,
		`something went wrong`, `(?:.+ )?(?:is|are) (?:currently )?experiencing technical difficulties`),
)

// softBodyRules classify the clauses of a short page's main text: only
// full error sentences, never a bare "not found" or "error".
var softBodyRules = concat(
	rules(kindNotFound,
		code404+` not found`, subj404+` `+neg404, weCantFnd, apache404),
	rules(kindServerError,
		`(?:5[0-9][0-9] )?internal server error`, subj5xx+` `+down5xx,
		`the server encountered an (?:internal error|unexpected condition)(?: .+)?`,
		`an? (?:unexpected )?error (?:has )?occurred while processing your request`,
		`(?:(?:the|this|our) )?(?:site|web ?site|service|server|system|we) (?:is|are) (?:currently )?experiencing technical difficulties`),
)

// blockRules classify the clauses of a short page's headings, and of a
// tiny page's text, as rate-limit, challenge or filter pages.
var blockRules = concat(
	rules(kindRateLimit,
		`too many requests(?: from (?:this|your) ip(?: address)?)?`,
		`(?:api )?rate limit(?:ing)? exceeded(?: for .+)?`,
		`(?:you (?:have been|ve been|are being|are|were) )?rate limited`,
		`request rate (?:is )?too high`, `(?:please )?slow down`,
		`(?:you (?:have|ve) )?exceeded (?:the|your) (?:request |rate )?limit`, `over (?:the )?rate limit`),
	rules(kindChallenge,
		`(?:please )?verify (?:that )?you are (?:a )?human(?: by completing the action below)?`,
		`checking your browser(?: before accessing .+)?`, `checking if the site connection is secure`,
		`pardon our interruption`, `access to this page has been denied`, `human verification`,
		`are you a robot`, `request rejected`, `enable javascript and cookies to continue`,
		`press (?:and )?hold to confirm you are a human(?: .+)?`),
	rules(kindFilter, `web page blocked`, `(?:dns|web|url) filter(?: block(?:ed)?| violation| block page)?`),
)

func concat(lists ...[]clauseRule) []clauseRule {
	var out []clauseRule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// leadFiller is what error pages put before the message: "Oops!",
// "Sorry,", "Error", a status code.
var leadFiller = regexp.MustCompile(`^(?:(?:sorry|were sorry|we are sorry|oops|whoops|ooops|uh oh|oh no|http|error|[45][0-9][0-9]) )+`)

// clauseSplitter cuts text at sentence punctuation and title separators.
var clauseSplitter = strings.NewReplacer(
	" - ", "\n", "–", "\n", "—", "\n", "|", "\n", "::", "\n", ".", "\n", "!", "\n", "?", "\n",
	";", "\n", ":", "\n", ",", "\n", "(", "\n", ")", "\n", "[", "\n", "]", "\n", "{", "\n", "}", "\n",
	"\"", "\n", "“", "\n", "”", "\n", "'", "", "’", "", "ʼ", "")

// clauses splits normalized text into clauses of lower-case letters and
// digits separated by single spaces.
func clauses(s string) []string {
	var out []string
	for _, part := range strings.Split(clauseSplitter.Replace(s), "\n") {
		words := strings.FieldsFunc(part, func(r rune) bool { return !isAlnum(r) })
		if len(words) > 0 {
			out = append(out, strings.ToLower(strings.Join(words, " ")))
		}
	}
	return out
}

// matchAll returns the kind of the first rule matching a clause of texts
// (as written, or with its leading filler removed) and that clause.
func matchAll(rs []clauseRule, texts []string) (kind, clause string) {
	for _, t := range texts {
		for _, c := range clauses(t) {
			forms := [2]string{c, leadFiller.ReplaceAllString(c, "")}
			for _, f := range forms {
				if f == "" {
					continue
				}
				for _, r := range rs {
					if r.re.MatchString(f) {
						return r.kind, c
					}
				}
			}
		}
	}
	return "", ""
}
