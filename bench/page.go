package bench

import (
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"time"
)

// Page sizes: every page of a Site is between MinPageSize and MaxPageSize
// bytes, whatever its version and stamp.
const (
	MinPageSize = 50 << 10
	MaxPageSize = 150 << 10

	// The generator aims inside these bounds, leaving room for edits and
	// for the stamp, whose text varies in length.
	minTarget = MinPageSize + 4<<10
	maxTarget = MaxPageSize - 6<<10
)

// stampEpoch is the time of stamp 0; each stamp is stampStep later.
var stampEpoch = time.Date(2026, time.March, 2, 8, 30, 0, 0, time.UTC)

const stampStep = 17*time.Minute + 13*time.Second

// stampText is the date stamp the furniture of every page shows at stamp n.
func stampText(n int) string {
	return stampEpoch.Add(time.Duration(n) * stampStep).Format("Monday, January 2, 2006 at 3:04:05 PM MST")
}

// chrome renders the furniture a host shares between its pages, from the
// end of <head> to the end of the site header: a style sheet and scripts
// inline (as content management systems emit them), the government
// banner, the agency header, a mega menu and a search form.
func chrome(r *rand.Rand, agency string) []byte {
	var b strings.Builder
	b.WriteString("<style>\n")
	for i := 0; b.Len() < 9000+r.IntN(4000); i++ {
		fmt.Fprintf(&b, ".usa-nav__primary-item-%d>a,.usa-accordion__button-%d{color:#%06x;padding:%.1frem %.1frem;font-weight:%d;border-bottom:%dpx solid #%06x}\n",
			i, i, r.IntN(1<<24), float64(r.IntN(20))/10, float64(r.IntN(20))/10, 100*(3+r.IntN(5)), r.IntN(4), r.IntN(1<<24))
		if i%7 == 0 {
			fmt.Fprintf(&b, "@media (min-width:%dem){.grid-col-%d{flex:0 0 auto;width:%.4f%%}.tablet\\:grid-offset-%d{margin-left:%.4f%%}}\n",
				40+r.IntN(40), i%12+1, 100*float64(i%12+1)/12, i%12, 100*float64(i%12)/12)
		}
	}
	b.WriteString("</style>\n<script>\nwindow.dataLayer=window.dataLayer||[];window.__SITE_CONFIG__={")
	for i := range 60 + r.IntN(30) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"feature_%d":{"enabled":%t,"rollout":%d,"variant":"%s"}`, i, r.IntN(2) == 0, r.IntN(100), pick(r, linkWords))
	}
	b.WriteString("};\n")
	for i := range 25 + r.IntN(15) {
		fmt.Fprintf(&b, "!function(e,t){var n=e.querySelectorAll('[data-module=\"m%d\"]');for(var o=0;o<n.length;o++){n[o].setAttribute('data-ready','%d');t.push({event:'module_init',id:%d})}}(document,window.dataLayer);\n",
			i, r.IntN(1e6), i)
	}
	b.WriteString("</script>\n</head>\n<body class=\"page-node-type-policy\">\n")
	b.WriteString(`<a class="usa-skipnav" href="#main-content">Skip to main content</a>
<section class="usa-banner" aria-label="Official website of the United States government"><div class="usa-accordion">
<p class="usa-banner__header-text">An official website of the United States government</p>
<button type="button" class="usa-accordion__button usa-banner__button" aria-expanded="false">Here’s how you know</button>
<div class="usa-banner__content" hidden><p><strong>Official websites use .gov</strong> A .gov website belongs to an official government organization in the United States.</p>
<p><strong>Secure .gov websites use HTTPS</strong> A lock or https:// means you’ve safely connected to the .gov website.</p></div></div></section>
`)
	a := html.EscapeString(agency)
	fmt.Fprintf(&b, "<header class=\"usa-header usa-header--extended\"><div class=\"usa-logo\"><a href=\"/\" title=\"%s\"><img src=\"/themes/custom/logo.svg\" alt=\"%s seal\"><em class=\"usa-logo__text\">%s</em></a></div>\n", a, a, a)
	b.WriteString("<nav class=\"usa-nav\" aria-label=\"Primary navigation\"><ul class=\"usa-nav__primary usa-accordion\">\n")
	for i := range 7 {
		top := pick(r, linkWords)
		fmt.Fprintf(&b, "<li class=\"usa-nav__primary-item\"><button class=\"usa-accordion__button usa-nav__link\" aria-expanded=\"false\" aria-controls=\"menu-%d\"><span>%s</span></button>\n<ul id=\"menu-%d\" class=\"usa-nav__submenu\" hidden>\n", i, top, i)
		for range 12 + r.IntN(8) {
			w1, w2 := pick(r, linkWords), pick(r, linkWords)
			fmt.Fprintf(&b, "<li class=\"usa-nav__submenu-item\"><a href=\"/%s/%s-%s\">%s %s</a></li>\n",
				strings.ToLower(strings.ReplaceAll(top, " ", "-")), strings.ToLower(strings.ReplaceAll(w1, " ", "-")),
				strings.ToLower(strings.ReplaceAll(w2, " ", "-")), w1, w2)
		}
		b.WriteString("</ul></li>\n")
	}
	b.WriteString("</ul>\n<form class=\"usa-search usa-search--small\" role=\"search\" action=\"/search\"><label class=\"usa-sr-only\" for=\"search-field\">Search</label><input class=\"usa-input\" id=\"search-field\" type=\"search\" name=\"keys\"><button class=\"usa-button\" type=\"submit\">Search</button></form>\n</nav></header>\n")
	return []byte(b.String())
}

// footer renders a host's footer at stamp n: link columns, the agency's
// address, and the date stamp and counters that change on every request
// of a real site (here: on every stamp).
func footer(r *rand.Rand, agency string, n int) []byte {
	var b strings.Builder
	a := html.EscapeString(agency)
	st := stampText(n)
	b.WriteString("<footer class=\"usa-footer\"><div class=\"usa-footer__primary-section\"><nav class=\"usa-footer__nav\" aria-label=\"Footer navigation\">\n")
	for range 4 {
		fmt.Fprintf(&b, "<section class=\"usa-footer__primary-content\"><h4 class=\"usa-footer__primary-link\">%s</h4><ul class=\"usa-list usa-list--unstyled\">\n", pick(r, linkWords))
		for range 8 {
			w := pick(r, linkWords)
			fmt.Fprintf(&b, "<li class=\"usa-footer__secondary-link\"><a href=\"/%s\">%s</a></li>\n", strings.ToLower(strings.ReplaceAll(w, " ", "-")), w)
		}
		b.WriteString("</ul></section>\n")
	}
	fmt.Fprintf(&b, `</nav></div>
<div class="usa-footer__secondary-section"><div class="usa-footer__logo"><p class="usa-footer__logo-heading">%s</p></div>
<address class="usa-footer__address"><p>950 Pennsylvania Avenue, NW, Washington, DC 20530</p><p><a href="tel:202-514-2000">(202) 514-2000</a></p></address>
<ul class="usa-footer__social-links"><li><a class="usa-social-link" href="https://x.com/example">X</a></li><li><a class="usa-social-link" href="https://www.youtube.com/example">YouTube</a></li><li><a class="usa-social-link" href="https://www.facebook.com/example">Facebook</a></li></ul>
<p class="last-updated">Last updated: %s</p>
<p class="generated">Page generated %s by node web-%02d in 0.%03d s. Visitors today: %d.</p></div></footer>
<script src="/themes/custom/js/uswds.min.js?v=%d"></script>
<script>window.dataLayer.push({event:'page_view',stamp:'%s',visitor_count:%d});</script>
</body></html>
`, a, st, st, n%32, (n*37)%1000, 10000+n*131%9000, 1700000000+n, st, 10000+n*131%9000)
	return []byte(b.String())
}

// head renders the start of a page, up to the host's shared furniture:
// title, metadata, and structured data carrying the stamp.
func head(title, agency, path, description string, n int) []byte {
	t, a := html.EscapeString(title), html.EscapeString(agency)
	return fmt.Appendf(nil, `<!DOCTYPE html>
<html lang="en" dir="ltr"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>%s | %s</title>
<meta name="description" content="%s">
<link rel="canonical" href="%s"><link rel="stylesheet" href="/themes/custom/css/styles.css?v=%d">
<meta property="og:title" content="%s"><meta property="og:type" content="article">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebPage","name":"%s","publisher":"%s","dateModified":"%s"}</script>
`, t, a, html.EscapeString(description), path, 1700000000+n, t, t, a, stampText(n))
}

// renderMain renders the part of a page between the site header and the
// footer: the breadcrumb, the <main> region that is tracked, and a
// "related" box.
func renderMain(title string, blocks []block, related []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<div class=\"usa-breadcrumb\"><ol><li><a href=\"/\">Home</a></li><li><a href=\"/policy\">Policy</a></li><li>%s</li></ol></div>\n", html.EscapeString(title))
	fmt.Fprintf(&b, "<main id=\"main-content\" class=\"main-content\" role=\"main\">\n<h1 class=\"page-title\">%s</h1>\n<div class=\"field--name-body\">\n", html.EscapeString(title))
	var open blockKind = 255 // the list or table being written, if any
	for _, bl := range blocks {
		if open != bl.kind {
			switch open {
			case blockLI:
				b.WriteString("</ul>\n")
			case blockTR:
				b.WriteString("</tbody></table>\n")
			}
			open = 255
			switch bl.kind {
			case blockLI:
				b.WriteString("<ul>\n")
				open = blockLI
			case blockTR:
				b.WriteString("<table class=\"usa-table\"><tbody>\n")
				open = blockTR
			}
		}
		writeBlock(&b, bl)
	}
	switch open {
	case blockLI:
		b.WriteString("</ul>\n")
	case blockTR:
		b.WriteString("</tbody></table>\n")
	}
	b.WriteString("</div>\n</main>\n<aside class=\"related\"><h2>Related content</h2><ul>\n")
	for _, r := range related {
		fmt.Fprintf(&b, "<li><a href=\"/policy/%s\">%s</a></li>\n", strings.ToLower(strings.ReplaceAll(r, " ", "-")), html.EscapeString(r))
	}
	b.WriteString("</ul></aside>\n")
	return []byte(b.String())
}

// writeBlock writes one block's element.
func writeBlock(b *strings.Builder, bl block) {
	t := html.EscapeString(bl.text)
	switch bl.kind {
	case blockH2:
		fmt.Fprintf(b, "<h2 id=\"s%d\">%s</h2>\n", len(bl.text), t)
	case blockH3:
		fmt.Fprintf(b, "<h3>%s</h3>\n", t)
	case blockP:
		fmt.Fprintf(b, "<p>%s</p>\n", t)
	case blockLI:
		fmt.Fprintf(b, "<li>%s</li>\n", t)
	case blockTR:
		b.WriteString("<tr>")
		for c := range strings.SplitSeq(t, " | ") {
			b.WriteString("<td>" + c + "</td>")
		}
		b.WriteString("</tr>\n")
	}
}

// blockSize is about how many bytes writeBlock writes for bl.
func blockSize(bl block) int { return len(bl.text) + len(bl.text)/50 + 24 }

// content generates the title, the blocks of <main> (about budget bytes
// once rendered) and the related links of one page.
func content(r *rand.Rand, index, budget int) (title string, blocks []block, related []string) {
	title = fmt.Sprintf("Policy Directive %d-%03d: %s", 2017+r.IntN(9), index%1000, pick(r, topics))
	blocks = append(blocks,
		block{blockP, fmt.Sprintf("Memorandum for all component heads. Issued %s; effective %s. Supersedes Directive %d-%03d.",
			date(r), date(r), 2010+r.IntN(7), r.IntN(1000))},
		block{blockP, paragraph(r)})
	size := 400
	for _, bl := range blocks {
		size += blockSize(bl)
	}
	var sec []block
	for n := 1; size < budget; n++ {
		sec = section(r, n, sec[:0])
		for _, bl := range sec {
			if size >= budget {
				break
			}
			blocks = append(blocks, bl)
			size += blockSize(bl)
		}
	}
	for range 5 {
		related = append(related, fmt.Sprintf("%s guidance %d", pick(r, topics), 1+r.IntN(40)))
	}
	return title, blocks, related
}

// Page returns a standalone page of about size bytes (clamped to
// MinPageSize..MaxPageSize) built like the pages of a Site: the same
// furniture, the same kind of policy text in <main>. Benchmarks use it.
func Page(seed uint64, size int) []byte {
	size = min(max(size, MinPageSize), MaxPageSize)
	r := newRand(seed, 0xba9e)
	agency := pick(r, agencies)
	ch := chrome(r, agency)
	ft := footer(newRand(seed, 0xf007), agency, 0)
	hd := head("Policy Directive", agency, "/policy/directive", "Policy directive.", 0)
	budget := size - len(ch) - len(ft) - len(hd) - 2000
	title, blocks, related := content(r, 0, budget)
	hd = head(title, agency, "/policy/directive", title, 0)
	main := renderMain(title, blocks, related)
	out := make([]byte, 0, len(hd)+len(ch)+len(main)+len(ft))
	out = append(append(append(append(out, hd...), ch...), main...), ft...)
	return out
}
