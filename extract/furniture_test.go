package extract

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// policyPage builds a page whose only real text is the policy below, with
// before and after outside <main> and inside placed in <main> between the
// title and the body text.
func policyPage(before, inside, after string) []byte {
	return page(before + `<main><h1>Sanctuary Jurisdiction Policy</h1>` + inside +
		`<p>Each jurisdiction that receives Byrne JAG funds shall comply with 8 U.S.C. § 1373 and shall not restrict the sharing of immigration status information with federal officers.</p>` +
		`<ul><li>Detainers shall be honored within 48 hours of their receipt by the jail.</li><li>Reports are due quarterly to the Office of Justice Programs.</li></ul>` +
		`<p>A jurisdiction found out of compliance shall repay the funds it received for the fiscal year in question.</p></main>` + after)
}

const policyWant = "# Sanctuary Jurisdiction Policy\n" +
	"Each jurisdiction that receives Byrne JAG funds shall comply with 8 U.S.C. § 1373 and shall not restrict the sharing of immigration status information with federal officers.\n" +
	"- Detainers shall be honored within 48 hours of their receipt by the jail.\n" +
	"- Reports are due quarterly to the Office of Justice Programs.\n" +
	"A jurisdiction found out of compliance shall repay the funds it received for the fiscal year in question."

// menuList is a bare list of short links, as a menu without markup looks.
const menuList = `<ul><li><a href="/">Home</a></li><li><a href="/about">About Us</a></li><li><a href="/news">News</a></li><li><a href="/contact">Contact</a></li></ul>`

func TestFurnitureDropped(t *testing.T) {
	tests := []struct {
		name                  string
		before, inside, after string
	}{
		// Menus marked by class, id or role.
		{name: "menu div without nav tag", before: `<div class="site-menu">` + menuList + `</div>`},
		{name: "camelCase id", before: `<div id="mainMenu"><a href="/">Home</a> <a href="/a">About</a></div>`},
		{name: "underscore class", before: `<div class="menu_main"><a href="/">Home</a></div>`},
		{name: "navbar class", before: `<div class="navbar navbar-default"><a href="/">Home</a><a href="/b">Blog</a></div>`},
		{name: "subnav and sidenav", before: `<div class="subnav"><a href="/x">Grants</a></div><div id="sidenav"><a href="/y">Forms</a></div>`},
		{name: "megamenu with a promo sentence", before: `<div class="megamenu"><a href="/a">Immigration</a><a href="/b">Civil Rights</a><p>Find it fast.</p></div>`},
		{name: "role menubar", before: `<ul role="menubar"><li role="none"><a role="menuitem" href="/">Home</a></li></ul>`},
		{name: "role toolbar", inside: `<div role="toolbar"><a href="#">A+</a><a href="#">A-</a></div>`},
		{name: "utility nav", before: `<div class="utility-nav"><a href="/contact">Contact</a> | <a href="/es">Español</a></div>`},
		{name: "skip link", before: `<a class="skip-link" href="#main">Skip to main content</a>`},
		{name: "pagination in main", after: `<main><ul class="pagination"><li><a href="?p=1">1</a></li><li><a href="?p=2">Next</a></li></ul></main>`},
		{name: "site header div", before: `<div class="site-header"><div class="logo">Office of the Attorney General</div></div>`},
		{name: "site footer div", after: `<div id="site-footer"><p>950 Pennsylvania Avenue, NW, Washington, DC 20530</p></div>`},
		// Breadcrumbs.
		{name: "breadcrumb class", inside: `<div class="breadcrumbs"><a href="/">Home</a> › <a href="/policies">Policies</a> › Sanctuary Jurisdiction Policy</div>`},
		{name: "breadcrumb aria-label", inside: `<ol aria-label="Breadcrumb"><li><a href="/">Home</a></li><li>Policy</li></ol>`},
		{name: "schema.org BreadcrumbList", inside: `<ol itemscope itemtype="https://schema.org/BreadcrumbList"><li><a href="/">Home</a></li></ol>`},
		// Cookie and consent banners.
		{name: "cookie banner", before: `<div id="cookie-banner"><p>We use cookies to improve your experience. By continuing you agree to our use of cookies.</p><a href="/privacy">Learn more</a></div>`},
		{name: "consent banner", after: `<div class="consent-banner"><p>This site uses tracking technologies. Accept or decline.</p></div>`},
		{name: "gdpr notice", after: `<div class="gdpr-notice"><p>Your privacy matters.</p></div>`},
		{name: "cc-banner", after: `<div class="cc-banner cc-window"><span>This website uses cookies.</span></div>`},
		{name: "onetrust", after: `<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk"><p>We value your privacy.</p></div></div>`},
		{name: "cookiebot", after: `<div id="CybotCookiebotDialog"><p>This website uses cookies.</p></div>`},
		// Share widgets.
		{name: "share bar in main", inside: `<div class="share-bar"><span>Share:</span><a href="https://facebook.com/x">Facebook</a><a href="https://twitter.com/x">Twitter</a></div>`},
		{name: "sharing block", inside: `<div class="block-social-sharing"><span>Share this page</span><a href="https://facebook.com/x"><img alt="Facebook" src="f.png"></a></div>`},
		{name: "social links", after: `<ul class="social-links"><li><a href="https://facebook.com/x">Facebook</a></li></ul>`},
		{name: "addthis", inside: `<div class="addthis_inline_share_toolbox"><a href="#">Tweet</a></div>`},
		{name: "sharethis", inside: `<div class="sharethis-inline-share-buttons"><span>Share</span></div>`},
		{name: "a2a kit", inside: `<div class="a2a_kit a2a_kit_size_32"><a class="a2a_button_facebook">Facebook</a></div>`},
		// Boxes of other stories.
		{name: "related box by class", after: `<div class="related-content"><h2>Related</h2><ul><li><a href="/x">Attorney General issues statement on county jail detainers</a></li></ul></div>`},
		{name: "related box by heading", after: `<div class="block"><h2>Related links</h2><ul><li><a href="/a">Sanctuary cities explained in plain language for residents</a></li><li><a href="/b">Frequently asked questions about detainers and warrants</a></li></ul></div>`},
		{name: "most read box by heading", after: `<section class="block"><div class="block-title"><h3>Most read:</h3></div><ol><li><a href="/n/1">Judge rules on withheld grant conditions in Chicago case</a></li><li><a href="/n/2">Department announces new task force on violent crime</a></li></ol></section>`},
		{name: "most-popular class", after: `<div id="most-popular"><p><a href="/n/3">County revises its detainer policy after court ruling</a></p></div>`},
		{name: "trending class", before: `<div class="trending-stories"><a href="/n/4">Five things to know about the new rule</a></div>`},
		{name: "you may also like heading", after: `<div><h4>You may also like</h4><p><a href="/n/5">Grant conditions and what they mean for your city</a></p></div>`},
		// Carousels and slideshows.
		{name: "bootstrap carousel in main", inside: `<div class="carousel slide"><div class="carousel-item active"><p>Photo: Secretary visits the border.</p></div></div>`},
		{name: "slick slider", before: `<div class="slick-slider"><div class="slick-slide"><p>New grant program announced for local police.</p></div></div>`},
		{name: "swiper", before: `<div class="swiper-container"><div class="swiper-slide">Slide one</div></div>`},
		{name: "owl carousel", before: `<div class="owl-carousel"><div class="item">Slide one</div></div>`},
		{name: "flexslider", before: `<div class="flexslider"><ul class="slides"><li>Slide one</li></ul></div>`},
		{name: "hero rotator", before: `<div class="hero-rotator"><p>Attorney General visits the southern border.</p></div>`},
		{name: "aria carousel", before: `<section aria-roledescription="carousel" aria-label="Highlights"><div role="group" aria-roledescription="slide">Slide one</div></section>`},
		// Site-wide alerts outside main.
		{name: "site alert", before: `<div class="site-alert"><p>Offices are closed Monday for the federal holiday.</p></div>`},
		{name: "emergency banner", before: `<div class="emergency-banner"><p>Due to a lapse in appropriations this website will not be updated.</p></div>`},
		{name: "sitewide alert", before: `<div class="sitewide-alert sitewide-alert--information"><p>We've made some changes to this site.</p></div>`},
		// Date widgets outside main.
		{name: "current date widget", before: `<div class="current-date">Wednesday, February 01, 2017</div>`},
		{name: "camelCase date widget", before: `<div class="eonCurDate"><span>Wednesday, February 01, 2017</span></div>`},
		// Link lists outside main.
		{name: "link-dense list outside main", before: menuList},
		{name: "nested link menu outside main", before: `<ul><li><a href="/">Home</a></li><li><a href="/a">About</a><ul><li><a href="/a/1">Leadership</a></li><li><a href="/a/2">History</a></li></ul></li><li><a href="/n">News</a></li><li><a href="/c">Contact</a></li></ul>`},
		{name: "div of links with separators outside main", after: `<div><a href="/">Home</a> | <a href="/privacy">Privacy Policy</a> | <a href="/foia">FOIA</a> | <a href="/a11y">Accessibility</a></div>`},
		{name: "span of links with separator spans", after: `<p><span><a href="/">Home</a><span> | </span><a href="/a">About</a><span> | </span><a href="/b">Grants</a><span> | </span><a href="/c">Contact Us</a></span></p>`},
		// Back-to-top and utility links.
		{name: "back to top link in main", inside: `<p><a href="#top">Back to top</a></p>`},
		{name: "back to top class", after: `<div class="back-to-top"><a href="#">Top</a></div>`},
		{name: "scroll top id", after: `<div id="scrollTop"><a href="#">↑</a></div>`},
		{name: "return to top with arrow", inside: `<a href="#main">Return to top ↑</a>`},
		{name: "print this page", inside: `<p><a href="javascript:window.print()">Print this page</a></p>`},
		{name: "email this page", inside: `<a href="mailto:?subject=Policy">Email this page</a>`},
		{name: "printer-friendly version", inside: `<a href="/print/123">Printer-friendly version</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustText(t, policyPage(tt.before, tt.inside, tt.after), html5, Options{})
			if r.Text != policyWant {
				t.Errorf("got\n%s\nwant\n%s", r.Text, policyWant)
			}
		})
	}
}

func TestFurnitureKept(t *testing.T) {
	memos := `<ul><li><a href="/m/1">Memo 2017-01</a></li><li><a href="/m/2">Memo 2017-02</a></li><li><a href="/m/3">Memo 2017-03</a></li><li><a href="/m/4">Memo 2017-04</a></li></ul>`
	memosWant := "- Memo 2017-01\n- Memo 2017-02\n- Memo 2017-03\n- Memo 2017-04"
	prose := `<p>The Department shall withhold grants from any jurisdiction that refuses to honor detainers issued by federal immigration officers, unless a court orders otherwise.</p>`
	proseWant := "The Department shall withhold grants from any jurisdiction that refuses to honor detainers issued by federal immigration officers, unless a court orders otherwise."
	tests := []struct {
		name string
		body string
		want string
	}{
		{"link list inside main", `<main><h1>Memos</h1>` + memos + `</main>`, "# Memos\n" + memosWant},
		{"link list inside article", `<article><h2>Memos</h2>` + memos + `</article>`, "## Memos\n" + memosWant},
		{"link list inside role=main", `<div role="main">` + memos + `</div>`, memosWant},
		{"link list after the h1 of a page without main",
			`<div id="content"><h1>Memos</h1>` + prose + memos + `</div><div>` + menuList + `</div>`,
			"# Memos\n" + proseWant + "\n" + memosWant},
		{"headline list with descriptions",
			`<ul><li><a href="/a">Grant rule</a><p>The rule takes effect in May.</p></li><li><a href="/b">Detainers</a><p>Guidance for jails.</p></li><li><a href="/c">Task force</a><p>A new task force.</p></li><li><a href="/d">Report</a><p>The annual report.</p></li></ul><main><p>x</p></main>`,
			"- Grant rule\nThe rule takes effect in May.\n- Detainers\nGuidance for jails.\n- Task force\nA new task force.\n- Report\nThe annual report.\nx"},
		{"list of links with dates",
			`<ul><li><a href="/a">Grant rule</a> May 1, 2025</li><li><a href="/b">Detainers</a> April 2</li><li><a href="/c">Task force</a> March 3</li><li><a href="/d">Report</a> March 1</li></ul><main><p>x</p></main>`,
			"- Grant rule May 1, 2025\n- Detainers April 2\n- Task force March 3\n- Report March 1\nx"},
		{"list of long links", `<ul><li><a href="/a">Memorandum on enforcement of the immigration laws</a></li><li><a href="/b">Memorandum on the border security improvements policies</a></li><li><a href="/c">Executive order on public safety in the interior</a></li><li><a href="/d">Guidance on detainer requests for local jails</a></li></ul><main><p>x</p></main>`,
			"- Memorandum on enforcement of the immigration laws\n- Memorandum on the border security improvements policies\n- Executive order on public safety in the interior\n- Guidance on detainer requests for local jails\nx"},
		{"three links only", `<ul><li><a href="/a">Home</a></li><li><a href="/b">About</a></li><li><a href="/c">News</a></li></ul><main><p>x</p></main>`, "- Home\n- About\n- News\nx"},
		{"shareholder paragraph", `<div class="shareholder-letter"><p>Dear shareholders, the board shall meet in May.</p></div>`, "Dear shareholders, the board shall meet in May."},
		{"canvas div", `<div class="canvas">Canvas text</div>`, "Canvas text"},
		{"menudo and navy", `<div class="menudo">Menudo</div><div id="navy-regulations">Navy regulations</div>`, "Menudo\nNavy regulations"},
		{"social security", `<div class="social-security-benefits"><a href="/ssi">Supplemental Security Income</a></div>`, "Supplemental Security Income"},
		{"consent decree", `<div class="consent-decree"><p>The consent decree requires annual audits.</p></div>`, "The consent decree requires annual audits."},
		{"cookie policy", `<div class="cookie-policy"><p>This site sets two cookies.</p></div>`, "This site sets two cookies."},
		{"cookie table inside main", `<main><table class="cookie-table"><tr><td>_ga</td><td>2 years</td></tr></table></main>`, "_ga | 2 years"},
		{"cost share", `<main><p class="cost-share">Cost share is 25% (see <a href="/cfr">2 CFR 200.306</a>).</p></main>`, "Cost share is 25% (see 2 CFR 200.306)."},
		{"information sharing section", `<main><div class="information-sharing"><p>Agencies shall share status information. See <a href="/x">8 U.S.C. 1373</a>.</p></div></main>`, "Agencies shall share status information. See 8 U.S.C. 1373."},
		{"slider panel inside main", `<main><div class="slider"><p>Answer: detainers must be honored.</p></div></main>`, "Answer: detainers must be honored."},
		{"nav class without links", `<main><div class="nav-label">Section 3</div></main>`, "Section 3"},
		{"nav-wrapper around main", `<div class="nav-wrapper"><a href="/">Home</a><main><h1>Policy</h1>` + prose + `</main></div>`, "Home\n# Policy\n" + proseWant},
		{"nav-wrapper around the h1", `<div class="nav-wrapper"><h1>Policy</h1>` + prose + `</div>`, "# Policy\n" + proseWant},
		{"menu class around mostly prose", `<div class="menu-content">` + prose + `<a href="/">Home</a></div>` + strings.Repeat(`<p>Other text of the page, long enough to matter.</p>`, 8),
			proseWant + "\nHome" + strings.Repeat("\nOther text of the page, long enough to matter.", 8)},
		{"nav wrapper holding most of the text", `<div class="page-nav-layout"><p>` + strings.Repeat("Policy words here. ", 20) + `</p><a href="/">Home</a></div><p>Footer</p>`,
			strings.TrimSpace(strings.Repeat("Policy words here. ", 20)) + "\nHome\nFooter"},
		{"carousel class around main", `<div class="slider-layout"><main><h1>Policy</h1>` + prose + `</main></div>` + strings.Repeat(`<p>Other text of the page, long enough to matter.</p>`, 8),
			"# Policy\n" + proseWant + strings.Repeat("\nOther text of the page, long enough to matter.", 8)},
		{"carousel class holding most of the text", `<div class="slideshow-layout">` + prose + `</div><p>Footer</p>`, proseWant + "\nFooter"},
		{"related statutes inside the article", `<main><h1>Policy</h1><h2>Related statutes</h2><p>8 U.S.C. § 1644 also applies.</p></main>`, "# Policy\n## Related statutes\n8 U.S.C. § 1644 also applies."},
		{"related heading inside main", `<main><h1>Policy</h1><div><h2>Related</h2><ul><li><a href="/a">Attorney General memo on detainers and warrants</a></li></ul></div></main>`, "# Policy\n## Related\n- Attorney General memo on detainers and warrants"},
		{"related class inside main", `<main><h1>Policy</h1><div class="related-documents"><p><a href="/m">Memo 2017-01</a> rescinds the earlier guidance.</p></div></main>`, "# Policy\nMemo 2017-01 rescinds the earlier guidance."},
		{"related heading over prose", `<div><h2>Related</h2><p>The following rule is related to the 2017 guidance and remains in force until repealed.</p></div><main><p>x</p></main>`, "## Related\nThe following rule is related to the 2017 guidance and remains in force until repealed.\nx"},
		{"alert inside main", `<main><div class="alert alert-warning"><p>This policy was rescinded on May 1.</p></div></main>`, "This policy was rescinded on May 1."},
		{"site alert inside main", `<main><div class="site-alert"><p>This policy was rescinded on May 1.</p></div></main>`, "This policy was rescinded on May 1."},
		{"top link to another page", `<p><a href="/top-priorities">Top</a> priorities for 2025</p>`, "Top priorities for 2025"},
		{"email contact link", `<p>Contact: <a href="mailto:foia@usdoj.gov">Email</a></p>`, "Contact: Email"},
		{"print in a sentence", `<p>Print a copy of the <a href="/form">form</a>.</p>`, "Print a copy of the form."},
		{"header part alone", `<div class="page-header"><p>Issued by the Office of the Attorney General</p></div>`, "Issued by the Office of the Attorney General"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustText(t, page(tt.body), html5, Options{})
			if r.Text != tt.want {
				t.Errorf("got\n%s\nwant\n%s", r.Text, tt.want)
			}
		})
	}
}

func TestFurnitureSelect(t *testing.T) {
	body := page(`<div class="site-menu"><a href="/">Home</a> <a href="/a">About</a></div>` +
		`<div id="content"><div class="share-bar"><a href="https://facebook.com/x">Facebook</a></div><p>Policy text that the user tracks.</p></div>` +
		`<div id="docs"><p>Documents the user chose to track, listed below.</p><div class="related-docs">` + menuList + `</div></div>` +
		`<main><h1>Title</h1><p>Main text of the page, longer than the rest of it all.</p></main>`)
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"selected menu is extracted", Options{Select: []string{".site-menu"}}, "Home About"},
		{"furniture inside a selected region is dropped", Options{Select: []string{"#content"}}, "Policy text that the user tracks."},
		{"selected share bar is extracted", Options{Select: []string{".share-bar"}}, "Facebook"},
		{"a selected region counts as main content", Options{Select: []string{"#docs"}}, "Documents the user chose to track, listed below.\n- Home\n- About Us\n- News\n- Contact"},
		{"unselected, the same region is furniture", Options{}, "Policy text that the user tracks.\nDocuments the user chose to track, listed below.\n# Title\nMain text of the page, longer than the rest of it all."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := mustText(t, body, html5, tt.opt); r.Text != tt.want {
				t.Errorf("got %q, want %q", r.Text, tt.want)
			}
		})
	}
}

func TestFurnitureTestdata(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"furniture-policy.html", []string{
			"# Sanctuary Jurisdiction Compliance",
			"Each jurisdiction receiving Byrne JAG funds shall certify compliance with 8 U.S.C. § 1373.",
			"## Related statutes",
			"8 U.S.C. § 1644 likewise bars restrictions on sharing immigration status information.",
			"## Memoranda",
			"- Memo 2017-01",
			"- Memo 2017-02",
			"- Memo 2017-03",
			"- Memo 2017-04",
		}},
		{"furniture-nomain.html", []string{
			"# Ordinances",
			"The City Council adopted the following ordinances concerning cooperation with federal immigration authorities. City employees shall not inquire into the immigration status of any person except as required by state or federal law.",
			"- Ordinance 2017-12",
			"- Ordinance 2017-13",
			"- Ordinance 2017-14",
			"- Ordinance 2017-15",
			"Questions may be directed to the City Clerk.",
			"City of Example, 1 Main Street",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r := mustText(t, body, "text/html", Options{})
			if want := strings.Join(tt.want, "\n"); r.Text != want {
				t.Errorf("got\n%s\nwant\n%s", r.Text, want)
			}
		})
	}
}

func TestNameParts(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"site-menu", []string{"site", "menu"}},
		{"menu_main", []string{"menu", "main"}},
		{"mainMenu", []string{"main", "menu"}},
		{"skipNavLink", []string{"skip", "nav", "link"}},
		{"dnnNAV", []string{"dnn", "nav"}},
		{"HTMLParser", []string{"html", "parser"}},
		{"nav2", []string{"nav"}},
		{"a2a_kit", []string{"a2a", "kit"}},
		{"BREADCRUMBS_object", []string{"breadcrumbs", "object"}},
		{"share-links__link", []string{"share", "links", "link"}},
		{"menudo", []string{"menudo"}},
		{"--", nil},
	}
	for _, tt := range tests {
		if got := nameParts(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("nameParts(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// corpusLines extracts a corpus page with or without the furniture rules.
func corpusLines(t *testing.T, path string, furniture bool) []string {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := decodeHTML(body, "", false)
	lines, _, _ := htmlLines(string(s), nil, nil, furniture)
	return lines
}

// TestFurnitureCorpus checks the furniture rules on the real pages: they only
// remove lines (never alter one), keep the pairs' verdicts, and keep the
// articles. Run with -v to see what each page loses.
func TestFurnitureCorpus(t *testing.T) {
	for _, path := range pairFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			before, after := corpusLines(t, path, false), corpusLines(t, path, true)
			dropped, ok := removed(before, after)
			if !ok {
				t.Fatalf("furniture rules changed lines instead of removing them")
			}
			t.Logf("%d lines -> %d lines; dropped:\n%s", len(before), len(after), strings.Join(dropped, "\n"))
		})
	}

	text := func(name, side string) string {
		return extractFile(t, filepath.Join(corpus, "pairs", name+"."+side+".html")).Text
	}
	t.Run("identical pairs stay identical", func(t *testing.T) {
		for _, name := range []string{"doi-footer-carousel", "epa-hfstudy-identical"} {
			if text(name, "a") != text(name, "b") {
				t.Errorf("%s: a and b differ", name)
			}
		}
	})
	t.Run("datagov: one View this Dataset fewer", func(t *testing.T) {
		const link = "View this Dataset"
		a, b := text("datagov-dataset-link-removed", "a"), text("datagov-dataset-link-removed", "b")
		if na, nb := strings.Count(a, link), strings.Count(b, link); na != nb+1 || nb == 0 {
			t.Errorf("%q occurs %d times in a, %d in b", link, na, nb)
		}
	})
	t.Run("energy: added headline shows", func(t *testing.T) {
		const headline = "Secretary Perry Announces Conditional Commitment to Support Continued Construction of Vogtle Advanced Nuclear Energy Project"
		a, b := text("energy-homepage-headline-rotation", "a"), text("energy-homepage-headline-rotation", "b")
		if strings.Contains(a, headline) || !strings.Contains(b, headline) {
			t.Errorf("headline in a: %v, in b: %v; want only in b", strings.Contains(a, headline), strings.Contains(b, headline))
		}
	})
	t.Run("epa: replaced page still differs", func(t *testing.T) {
		a := strings.Split(text("epa-page-replaced", "a"), "\n")
		b := strings.Split(text("epa-page-replaced", "b"), "\n")
		common := 0
		for _, l := range a {
			if slices.Contains(b, l) {
				common++
			}
		}
		if common*2 > len(a) {
			t.Errorf("%d of %d lines of a are also in b; want most of the text rewritten", common, len(a))
		}
	})
	t.Run("noaa: article kept, menus gone", func(t *testing.T) {
		for _, side := range []string{"a", "b"} {
			s := "\n" + text("noaa-date-and-view-counter", side) + "\n"
			for _, want := range []string{
				"# Comparing Two Generations of Climate Model Simulations and Projections of Regional Climate Processes for North America",
				"\n- Overall model performance improved slightly in CMIP5 for nearly all climatological variables compared to CMIP3.\n",
				"Justin Sheffield led authorship of the report with significant contributions from 40 other Task Force members.",
				"# About the Climate Program Office",
			} {
				if !strings.Contains(s, want) {
					t.Errorf("%s: missing %q", side, want)
				}
			}
			for _, gone := range []string{"\n- About CPO\n", "\n- RISA Teams\n", "\n- fisheries\n", "\n- Privacy Policy\n", "Home | About CPO"} {
				if strings.Contains(s, gone) {
					t.Errorf("%s: menu line %q survived", side, gone)
				}
			}
		}
	})
}

// removed returns the lines of before that after lacks, and whether after is
// before with some lines removed (a subsequence).
func removed(before, after []string) (dropped []string, ok bool) {
	j := 0
	for _, l := range before {
		if j < len(after) && after[j] == l {
			j++
			continue
		}
		dropped = append(dropped, l)
	}
	return dropped, j == len(after)
}
