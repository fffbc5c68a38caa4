package extract

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page furniture: menus, breadcrumbs, cookie banners, share widgets,
// "related" and "most read" boxes, carousels, site alerts, date widgets,
// back-to-top and print/email links, and bare link lists that act as menus.
// Pages mark these with class names and ids rather than with <nav> or
// <aside>, and they change independently of the page's wording (a rotated
// slide, a new "most read" story), so walker.dropped drops them by default.
//
// The rules favour precision: a policy's real text must never be dropped.
//   - Class names and ids are split into parts and matched part by part
//     (furnitureParts), so "menu" never matches "menudo".
//   - Rules for navigation-like names (menu, nav, share, skip, top) apply
//     only to elements made of links (furniture.linky).
//   - Rules for boxes of other stories, site alerts and bare link lists
//     apply only outside the main content: <main>, <article>, role=main or
//     article, a region the user selected, or on a page without <main> the
//     container of its <h1> (furniture.container).
//   - Two guards apply to every rule (furniture.drop): an element holding the
//     page's main content (a <main>, role=main, an <h1>, or an <article> on
//     pages without <main>) is never dropped, nor is one holding more than
//     maxFurnitureShare of the region's text.

// maxFurnitureShare is the largest share of the walked region's text that an
// element may hold and still be dropped as furniture: a "nav-wrapper" div
// around most of the page is layout, not a menu.
const maxFurnitureShare = 0.4

// Limits of the link-list rule: a list outside the main content is a menu
// when it has at least minMenuItems items and every item is one link of at
// most maxMenuLinkWords words.
const (
	minMenuItems     = 4
	maxMenuLinkWords = 5
)

// Limits of the titled-box rule ("Related", "Most read"...): the box holds at
// most maxBoxText characters (non-space runes) and at least half of its text
// outside the title is link text.
const maxBoxText = 2500

// minContentShare is the share of the page's text that the container of an
// <h1> holds at least, on a page without <main> (see furniture.container).
const minContentShare = 0.3

// ruleScope says where a class or id rule applies.
type ruleScope uint8

const (
	// anywhere: the element is dropped wherever it is (cookie banners,
	// carousels).
	anywhere ruleScope = iota
	// linksOnly: anywhere, but only if the element is mostly links
	// (see linky): a "menu" or "nav" holding prose is not a menu.
	linksOnly
	// outsideMain: only outside the main content; a "related" box in a
	// sidebar is furniture, a "related" section of an article may not be.
	outsideMain
)

// partRule says when one part of a class name or id marks furniture.
type partRule struct {
	// with, when set, requires another part of the same name to be one of
	// these ("skip" alone is not furniture, "skip-link" is).
	with []string
	// alone, with with set, also matches a name that is just this part
	// (class="share").
	alone bool
	// not lists parts that veto the match ("cookie-policy" is content).
	not   []string
	scope ruleScope
}

// furnitureParts maps a lower-case part of a class name or id (names are
// split at '-', '_', other punctuation and camelCase humps; trailing digits
// are ignored) to the rule that decides whether it marks furniture. Parts
// are matched whole: "menu" does not match "menudo", "nav" does not match
// "canvas", "share" does not match "shareholder". The table is never
// modified.
var furnitureParts = map[string]partRule{
	// Menus and navigation, skip links, pagers, toolbars.
	"menu": {scope: linksOnly}, "menus": {scope: linksOnly}, "menubar": {scope: linksOnly}, "submenu": {scope: linksOnly},
	"megamenu": {scope: linksOnly}, "mainmenu": {scope: linksOnly}, "navmenu": {scope: linksOnly},
	"nav": {scope: linksOnly}, "navs": {scope: linksOnly}, "navbar": {scope: linksOnly}, "navigation": {scope: linksOnly},
	"subnav": {scope: linksOnly}, "sidenav": {scope: linksOnly}, "topnav": {scope: linksOnly}, "mainnav": {scope: linksOnly},
	"subnavigation": {scope: linksOnly}, "toolbar": {scope: linksOnly}, "pager": {scope: linksOnly}, "pagination": {scope: linksOnly},
	"skip": {with: []string{"link", "links", "to", "content"}, scope: linksOnly},
	// Breadcrumbs (also matched as a substring, see classFurniture). The
	// trail ends with the page's own title, often not a link.
	"breadcrumb": {}, "breadcrumbs": {},
	// Share widgets. "share" needs a companion ("cost-share" is a grant
	// term), "social" too (social security, social services).
	"share": {with: []string{"bar", "links", "link", "buttons", "button", "this", "tools",
		"toolbox", "icons", "icon", "page", "widget", "trigger", "list", "menu", "box",
		"container", "wrapper", "block", "social", "facebook", "twitter", "email", "print",
		"options", "modal", "dialog", "popup", "kit"}, alone: true, scope: linksOnly},
	"sharing": {with: []string{"social", "buttons", "button", "links", "bar", "tools",
		"widget", "icons", "options"}, scope: linksOnly},
	"sharebar": {scope: linksOnly},
	// Share services' own names; their buttons often are not links until a
	// script runs.
	"sharethis": {}, "addthis": {}, "addtoany": {}, "a2a": {},
	"socialmedia": {scope: linksOnly}, "sociallinks": {scope: linksOnly},
	"social": {with: []string{"media", "links", "link", "icons", "icon", "buttons",
		"button", "share", "sharing", "widget", "widgets", "bar", "nav", "menu", "follow",
		"network", "networks", "list", "block", "images", "profiles", "facebook",
		"twitter", "youtube", "instagram", "linkedin", "flickr", "pinterest"}, scope: linksOnly},
	// Back-to-top links.
	"top":       {with: []string{"back", "to", "scroll", "go", "return"}, scope: linksOnly},
	"backtotop": {scope: linksOnly}, "totop": {scope: linksOnly}, "scrolltotop": {scope: linksOnly}, "gototop": {scope: linksOnly},
	// The site's own header and footer.
	"header": {with: []string{"site", "global"}},
	"footer": {with: []string{"site", "global"}},
	// Cookie and consent banners: outside the main content (a privacy page
	// may describe its cookies in a "cookie-table"), except the vendors'
	// own names. "consent" alone could be a consent decree.
	"cookie":  {not: []string{"policy", "statement"}, scope: outsideMain},
	"cookies": {not: []string{"policy", "statement"}, scope: outsideMain},
	"gdpr":    {not: []string{"policy", "statement"}, scope: outsideMain},
	"consent": {with: []string{"banner", "bar", "modal", "dialog", "popup", "notice",
		"manager", "sdk", "overlay", "box", "message", "prompt", "cookie", "cookies", "gdpr",
		"tracking"}, scope: outsideMain},
	"cc":            {with: []string{"banner", "window", "revoke"}},
	"onetrust":      {},
	"cookiebot":     {},
	"cookieconsent": {},
	// Carousels and slideshows. A plain "slider" inside the main content
	// may be a panel that slides open (an FAQ answer).
	"carousel": {}, "carousels": {}, "slideshow": {}, "slick": {}, "swiper": {},
	"flexslider": {}, "bxslider": {}, "rotator": {},
	"slider": {scope: outsideMain}, "sliders": {scope: outsideMain},
	// Boxes of other stories.
	"related": {scope: outsideMain}, "popular": {scope: outsideMain}, "trending": {scope: outsideMain},
	"recommended": {scope: outsideMain}, "recommendations": {scope: outsideMain},
	"mostread": {scope: outsideMain}, "mostpopular": {scope: outsideMain},
	"most": {with: []string{"read", "popular", "viewed", "shared", "emailed"}, scope: outsideMain},
	// Site-wide alert and announcement banners.
	"alert":        {with: []string{"site", "sitewide", "emergency", "global", "banner", "region", "public"}, scope: outsideMain},
	"sitewide":     {with: []string{"alert", "banner", "notice", "message"}, scope: outsideMain},
	"emergency":    {with: []string{"banner", "alert", "notice"}, scope: outsideMain},
	"announcement": {with: []string{"banner", "bar"}, scope: outsideMain},
	"banner":       {with: []string{"alert", "emergency", "announcement", "notice"}, scope: outsideMain},
	// Widgets showing today's date or time ("Wednesday, February 01, 2017").
	"curdate": {scope: outsideMain}, "currentdate": {scope: outsideMain}, "todaysdate": {scope: outsideMain},
	"cur":     {with: []string{"date", "time"}, scope: outsideMain},
	"current": {with: []string{"date", "time"}, scope: outsideMain},
	"today":   {with: []string{"date"}, scope: outsideMain},
	"todays":  {with: []string{"date"}, scope: outsideMain},
}

// boxTitles are headings that title a box of other pages rather than a part
// of the page itself. Compared lower case, without a trailing colon.
var boxTitles = map[string]bool{
	"related": true, "related content": true, "related links": true,
	"related pages": true, "related articles": true, "related stories": true,
	"related news": true, "related resources": true,
	"most read": true, "most popular": true, "most viewed": true,
	"most shared": true, "most emailed": true,
	"popular": true, "popular content": true, "popular posts": true,
	"popular pages": true, "popular topics": true,
	"trending": true, "trending now": true,
	"you may also like": true, "you might also like": true,
	"recommended": true, "recommended for you": true, "recommended reading": true,
	"more like this": true,
}

// utilityLinks are the texts of links that act on the page rather than lead
// to content: print and e-mail it, share it. Compared lower case.
var utilityLinks = map[string]bool{
	"print": true, "print this page": true, "print page": true, "print this": true,
	"print this article": true, "print version": true, "printable version": true,
	"printer-friendly version": true, "printer friendly version": true,
	"printer-friendly": true, "printer friendly": true, "print-friendly version": true,
	"email this page": true, "e-mail this page": true, "email this": true,
	"email this article": true, "email page": true,
	"share": true, "share this": true, "share this page": true, "share this article": true,
}

// topLinks are the texts of in-page links back to the top. Compared lower
// case; they count only when the link's href is a fragment ("#top").
var topLinks = map[string]bool{
	"top": true, "to top": true, "back to top": true, "return to top": true,
	"go to top": true, "scroll to top": true, "top of page": true,
	"back to top of page": true, "return to top of page": true,
}

// furniture holds the per-page facts the furniture rules need. It is built
// once per extraction by newFurniture and only read afterwards.
type furniture struct {
	nodes  map[*html.Node]*nodeFacts // one entry per element
	region int                       // text of the region being walked
}

// nodeFacts are the facts about one element.
type nodeFacts struct {
	text    int  // non-space runes of text in the element's subtree
	links   int  // of which inside <a href>
	anchors int  // <a href> elements in the subtree
	anchor  bool // holds main content (see newFurniture)
	inMain  bool // inside the main content (see furniture.markMain)
	box     bool // a box titled "Related", "Most read"... (see titledBox)
}

// facts returns n's facts; the zero facts for a node that is not an element.
func (f *furniture) facts(n *html.Node) nodeFacts {
	if nf, ok := f.nodes[n]; ok {
		return *nf
	}
	return nodeFacts{}
}

// newFurniture measures the document rooted at doc. anchor marks <main>,
// role=main, <h1> and, on pages that have no <main> or role=main, <article>,
// together with all their ancestors. (On a page with <main>, articles outside
// it are teasers, often the slides of a carousel.)
//
// Old pages often have no <main>. There, the container of each <h1> (see
// container) stands in for <main>, so that the rules that apply only outside
// the main content (link lists, "related" boxes, site alerts) do not reach
// the lists of memos or ordinances that follow the page's title.
func newFurniture(doc *html.Node) *furniture {
	// One allocation for the facts of every element, and a map that never
	// grows: a page has thousands of elements.
	slab := make([]nodeFacts, 0, countElements(doc))
	f := &furniture{nodes: make(map[*html.Node]*nodeFacts, cap(slab))}
	hasMain := false
	var headings, h1s, landmarks []*html.Node
	var measure func(n *html.Node, inLink bool) (text, links, anchors int)
	measure = func(n *html.Node, inLink bool) (text, links, anchors int) {
		if n.Type == html.TextNode {
			t := countNonSpace(n.Data)
			if inLink {
				return t, t, 0
			}
			return t, 0, 0
		}
		if n.Type == html.ElementNode {
			if neverText(n) {
				return 0, 0, 0
			}
			if n.DataAtom == atom.A {
				if _, ok := attr(n, "href"); ok {
					inLink = true
					anchors++
				}
			}
			switch {
			case n.DataAtom == atom.Main || hasRole(n, "main"):
				hasMain = true
				landmarks = append(landmarks, n)
			case n.DataAtom == atom.H1:
				h1s = append(h1s, n)
				landmarks = append(landmarks, n)
			case n.DataAtom == atom.Article || hasRole(n, "article"):
				landmarks = append(landmarks, n)
			case n.DataAtom == atom.H2 || n.DataAtom == atom.H3 || n.DataAtom == atom.H4 ||
				n.DataAtom == atom.H5 || n.DataAtom == atom.H6:
				headings = append(headings, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			t, l, a := measure(c, inLink)
			text += t
			links += l
			anchors += a
		}
		if n.Type == html.ElementNode {
			slab = append(slab, nodeFacts{text: text, links: links, anchors: anchors})
			f.nodes[n] = &slab[len(slab)-1]
		}
		return text, links, anchors
	}
	f.region, _, _ = measure(doc, false)

	for _, a := range landmarks {
		if hasMain && a.DataAtom != atom.Main && a.DataAtom != atom.H1 && !hasRole(a, "main") {
			continue // an article outside <main>: a teaser
		}
		for p := a; p != nil; p = p.Parent {
			nf, ok := f.nodes[p]
			if !ok {
				continue
			}
			if nf.anchor {
				break // and so are its ancestors
			}
			nf.anchor = true
		}
	}

	containers := map[*html.Node]bool{}
	if !hasMain {
		for i, h := range h1s {
			if i == maxContainers {
				break
			}
			if c := f.container(h); c != nil {
				containers[c] = true
			}
		}
	}
	f.markMain(doc, containers, false)

	for _, h := range headings {
		if box := f.titledBox(h); box != nil {
			f.nodes[box].box = true
		}
	}
	return f
}

// countElements counts the elements under n, n included.
func countElements(n *html.Node) int {
	c := 0
	if n.Type == html.ElementNode {
		c++
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c += countElements(k)
	}
	return c
}

// maxContainers bounds how many <h1> elements of a page without <main> give
// a content container.
const maxContainers = 16

// markMain sets inMain on the elements inside (or being) a <main>, an
// <article>, an element with role main or article, or one of containers.
func (f *furniture) markMain(n *html.Node, containers map[*html.Node]bool, in bool) {
	if nf, ok := f.nodes[n]; ok {
		in = in || containers[n] || n.DataAtom == atom.Main || n.DataAtom == atom.Article ||
			hasRole(n, "main") || hasRole(n, "article")
		nf.inMain = in
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		f.markMain(c, containers, in)
	}
}

// drop reports whether n is page furniture. n has already passed the
// semantic rules of walker.dropped. A nil f drops nothing.
func (f *furniture) drop(n *html.Node) bool {
	if f == nil || !f.candidate(n) {
		return false
	}
	// Guards: never drop the main content or an ancestor of it, nor an
	// element holding a large share of the region's text.
	if nf := f.facts(n); nf.anchor || float64(nf.text) > maxFurnitureShare*float64(f.region) {
		return false
	}
	return true
}

// candidate applies the furniture rules to n, without the guards.
func (f *furniture) candidate(n *html.Node) bool {
	m := classFurniture(n)
	if m.any {
		return true
	}
	if m.links && f.linky(n) {
		return true
	}
	if v, ok := attr(n, "role"); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "menu", "menubar", "toolbar":
			if f.linky(n) {
				return true
			}
		}
	}
	if v, ok := attr(n, "aria-roledescription"); ok && strings.Contains(strings.ToLower(v), "carousel") {
		return true
	}
	if v, ok := attr(n, "aria-label"); ok && strings.Contains(strings.ToLower(v), "breadcrumb") {
		return true
	}
	if v, ok := attr(n, "itemtype"); ok && strings.Contains(strings.ToLower(v), "breadcrumblist") {
		return true
	}
	if n.DataAtom == atom.A && utilityLink(n) {
		return true
	}
	if nf := f.facts(n); nf.inMain {
		return false
	} else if m.outside || nf.box {
		return true
	}
	return f.linkList(n)
}

// maxNavProse is how much text (non-space runes) outside links an element
// matched by a linksOnly rule may hold even when it is not mostly links: a
// "Share:" label, "You are here:".
const maxNavProse = 30

// linky reports whether n is made of links: it has at least one, and its
// text outside links is at most maxNavProse or no more than its link text.
// A "nav-wrapper" around the policy text is not, nor a "top-level" summary
// without links.
func (f *furniture) linky(n *html.Node) bool {
	nf := f.facts(n)
	prose := nf.text - nf.links
	return nf.anchors > 0 && (prose <= maxNavProse || prose <= nf.links)
}

// classMatch is what classFurniture found, by ruleScope.
type classMatch struct {
	any, links, outside bool
}

// classFurniture matches n's class names and id against furnitureParts.
func classFurniture(n *html.Node) classMatch {
	var names []string
	if v, ok := attr(n, "class"); ok {
		names = strings.Fields(v)
	}
	if v, ok := attr(n, "id"); ok && strings.TrimSpace(v) != "" {
		names = append(names, strings.TrimSpace(v))
	}
	var m classMatch
	for _, name := range names {
		if strings.Contains(strings.ToLower(name), "breadcrumb") {
			m.any = true
			continue
		}
		parts := nameParts(name)
		for _, p := range parts {
			r, ok := furnitureParts[p]
			if !ok || !r.matches(parts) {
				continue
			}
			switch r.scope {
			case anywhere:
				m.any = true
			case linksOnly:
				m.links = true
			case outsideMain:
				m.outside = true
			}
		}
	}
	return m
}

func (r partRule) matches(parts []string) bool {
	for _, p := range parts {
		if slices.Contains(r.not, p) {
			return false
		}
	}
	if len(r.with) == 0 || (r.alone && len(parts) == 1) {
		return true
	}
	for _, p := range parts {
		if slices.Contains(r.with, p) {
			return true
		}
	}
	return false
}

// nameParts splits a class name or id into lower-case parts at punctuation
// ("site-menu", "menu_main"), at camelCase humps ("mainMenu", "skipNavLink",
// "dnnNAV") and drops trailing digits ("nav2" -> "nav").
func nameParts(name string) []string {
	var parts []string
	var cur []rune
	end := func() {
		p := strings.TrimRightFunc(string(cur), unicode.IsDigit)
		if p != "" {
			parts = append(parts, strings.ToLower(p))
		}
		cur = cur[:0]
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			end()
			continue
		case unicode.IsUpper(r) && i > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				end()
			}
		}
		cur = append(cur, r)
	}
	end()
	return parts
}

// utilityLink reports links that act on the page: "Print this page",
// "Email this page", "Share", or an in-page "Back to top".
func utilityLink(a *html.Node) bool {
	t := strings.ToLower(strings.Trim(subtreeText(a), " \t\n\r\u00a0↑^▲⬆:»›|"))
	if utilityLinks[t] {
		return true
	}
	href, _ := attr(a, "href")
	return topLinks[t] && strings.HasPrefix(strings.TrimSpace(href), "#")
}

// titledBox returns the box that heading h titles when h reads like
// "Related" or "Most read" and the box is small, mostly links, outside the
// main content, and has no other heading; nil otherwise. The box is the
// nearest ancestor holding more text than h.
func (f *furniture) titledBox(h *html.Node) *html.Node {
	title := strings.ToLower(strings.TrimRight(normalizeLine(subtreeText(h)), ": "))
	if !boxTitles[title] || f.facts(h).inMain {
		return nil
	}
	box := h.Parent
	for box != nil && box.Type == html.ElementNode && f.facts(box).text == f.facts(h).text {
		box = box.Parent
	}
	if box == nil || box.Type != html.ElementNode {
		return nil
	}
	switch box.DataAtom {
	case atom.Body, atom.Html:
		return nil
	}
	b, hf := f.facts(box), f.facts(h)
	rest, restLinks := b.text-hf.text, b.links-hf.links
	if b.text > maxBoxText || rest == 0 || restLinks*2 < rest {
		return nil
	}
	if !isAncestor(h, firstTextNode(box)) {
		return nil
	}
	headings := 0
	var count func(*html.Node)
	count = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				headings++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			count(c)
		}
	}
	count(box)
	if headings != 1 {
		return nil
	}
	return box
}

// firstTextNode returns the first text node under n that is not blank, skipping
// elements that never hold text.
func firstTextNode(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if countNonSpace(c.Data) > 0 {
				return c
			}
		case html.ElementNode:
			if neverText(c) {
				continue
			}
			if t := firstTextNode(c); t != nil {
				return t
			}
		}
	}
	return nil
}

func isAncestor(a, n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}

// linkList reports a list that works as a menu: a ul, ol or menu (or a div,
// p or span of links) with at least minMenuItems items, each item a single link
// of at most maxMenuLinkWords words (nested lists of the same kind allowed),
// and nothing else but separators such as "|". A list item with a
// description, a date or any other text besides its link is content.
func (f *furniture) linkList(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Ul, atom.Ol, atom.Menu, atom.Div, atom.P, atom.Span:
	default:
		return false
	}
	// A quick filter: linkItems, which allows no text but links and
	// separators, decides.
	if nf := f.facts(n); nf.text == 0 || nf.links*2 < nf.text {
		return false
	}
	items, ok := f.linkItems(n)
	return ok && items >= minMenuItems
}

// linkItems checks that every item of list n is a single short link and
// returns how many items have text.
func (f *furniture) linkItems(n *html.Node) (items int, ok bool) {
	list := n.DataAtom == atom.Ul || n.DataAtom == atom.Ol || n.DataAtom == atom.Menu
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if !separatorOnly(c.Data) {
				return 0, false
			}
			continue
		case html.ElementNode:
		default:
			continue
		}
		if neverText(c) || c.DataAtom == atom.Br {
			continue
		}
		if list && c.DataAtom != atom.Li {
			return 0, false
		}
		if !list && c.DataAtom != atom.A && f.facts(c).links == 0 {
			if separatorOnly(subtreeText(c)) {
				continue // <span>|</span>, or an element without text
			}
			return 0, false
		}
		hasText, ok := f.singleLink(c)
		if !ok {
			return 0, false
		}
		if hasText {
			items++
		}
	}
	return items, true
}

// singleLink reports whether item holds exactly one link of at most
// maxMenuLinkWords words and no other text than separators, not counting
// nested lists that are themselves lists of single links.
func (f *furniture) singleLink(item *html.Node) (hasText, ok bool) {
	links := 0
	ok = true
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if !ok {
			return
		}
		switch n.Type {
		case html.TextNode:
			if !separatorOnly(n.Data) {
				ok = false
			}
			return
		case html.ElementNode:
		default:
			return
		}
		if neverText(n) {
			return
		}
		if n.DataAtom == atom.A {
			if _, href := attr(n, "href"); href {
				links++
				words := len(strings.Fields(subtreeText(n)))
				if words > maxMenuLinkWords {
					ok = false
				}
				if words > 0 {
					hasText = true
				}
				return
			}
		}
		if n != item && (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol) {
			if _, sub := f.linkItems(n); !sub {
				ok = false
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	if item.DataAtom == atom.A {
		visit(item)
		return hasText, ok && links == 1
	}
	for c := item.FirstChild; c != nil; c = c.NextSibling {
		visit(c)
	}
	return hasText, ok && links == 1
}

// separatorOnly reports text that only separates links: blanks and marks such
// as "|", "·", "•", "/", "-".
func separatorOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !strings.ContainsRune("|·•/-–—:,;»›", r) {
			return false
		}
	}
	return true
}

// container returns the content container of heading h on a page without
// <main>: its nearest ancestor holding at least minContentShare of the page's
// text. It returns nil for a heading inside page pageChrome (a site name in a
// banner or a navigation bar).
func (f *furniture) container(h *html.Node) *html.Node {
	for p := h.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && pageChrome(p) {
			return nil
		}
	}
	for p := h.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		if float64(f.facts(p).text) >= minContentShare*float64(f.region) || p.DataAtom == atom.Body {
			return p
		}
	}
	return nil
}

// pageChrome reports the elements that walker.dropped removes as page pageChrome
// whatever their content: nav, aside, the page's banner and footer, and
// their ARIA roles.
func pageChrome(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Aside:
		return true
	case atom.Header, atom.Footer:
		return !inSection(n)
	}
	if r, ok := attr(n, "role"); ok {
		switch strings.ToLower(strings.TrimSpace(r)) {
		case "navigation", "banner", "contentinfo", "complementary", "search":
			return true
		}
	}
	return false
}

// selected marks the regions the user selected as main content: the rules
// for the outside of the main content (link lists, "related" boxes, site
// alerts) do not apply inside them, the class rules for menus, share bars,
// carousels and the like still do. Selecting a sidebar's list of links keeps
// the links.
func (f *furniture) selected(roots []*html.Node) {
	if f == nil {
		return
	}
	for _, r := range roots {
		f.markMain(r, map[*html.Node]bool{r: true}, true)
	}
}

// setRegion makes root the region whose text the size guard compares with.
func (f *furniture) setRegion(root *html.Node) {
	if f == nil {
		return
	}
	if nf, ok := f.nodes[root]; ok {
		f.region = nf.text
	}
}
