package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxCellBlocks is how many line-breaking descendants (p, li, dt, dd,
// blockquote, pre, br) one table cell may hold before its row is treated as
// page layout rather than data. Data rows become one line ("a | b | c");
// layout rows (old government sites put whole pages in table cells) are
// rendered block by block so the page keeps its line structure.
const maxCellBlocks = 4

// htmlText parses the decoded page s and returns its lines, its title, and
// whether the selectors in sel matched anything (true when sel is empty);
// see htmlTree.
func htmlText(s string, sel, exc []cascadia.Selector) (lines []string, title string, matched bool) {
	return htmlLines(s, sel, exc, true)
}

// htmlLines is htmlText with the furniture rules switchable, so tests can
// show what they remove.
func htmlLines(s string, sel, exc []cascadia.Selector, dropFurniture bool) (lines []string, title string, matched bool) {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		// html.Parse fails only when its reader does; a strings.Reader
		// never does.
		return nil, "", len(sel) == 0
	}
	return htmlTree(doc, sel, exc, dropFurniture)
}

// htmlTree returns the lines of the parsed page doc, its title, and whether
// the selectors in sel matched anything (true when sel is empty).
// Elements matched by exc are removed from the tree, subtrees and all, before
// sel is matched, so structural selectors (:nth-child, :empty, +, :has) see
// the page as if they had never been there.
//
// Page furniture (furniture.go) is dropped by default, inside selected
// regions too; a selected element itself is always extracted, and a selected
// region counts as main content (see furniture.selected).
func htmlTree(doc *html.Node, sel, exc []cascadia.Selector, dropFurniture bool) (lines []string, title string, matched bool) {
	title = findTitle(doc)

	gq := goquery.NewDocumentFromNode(doc)
	for _, m := range exc {
		gq.FindMatcher(m).Remove()
	}
	w := &walker{controlled: controlledIDs(doc)}
	if dropFurniture {
		w.furn = newFurniture(doc)
	}
	var roots []*html.Node
	if len(sel) == 0 {
		roots = []*html.Node{findBody(doc)}
	} else {
		selected := map[*html.Node]bool{}
		for _, m := range sel {
			for _, n := range gq.FindMatcher(m).Nodes {
				selected[n] = true
			}
		}
		roots = regions(doc, selected)
		if len(roots) == 0 {
			return nil, title, false
		}
		w.furn.selected(roots)
	}
	for _, r := range roots {
		w.furn.setRegion(r)
		w.walk(r, true)
		w.flush()
	}
	return w.lines, title, true
}

// regions returns the selected nodes in document order, leaving out those
// nested in another selected node.
func regions(n *html.Node, selected map[*html.Node]bool) []*html.Node {
	var out []*html.Node
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if selected[n] {
			out = append(out, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return out
}

// findTitle returns the normalised text of the document's first <title>
// (not an SVG <title>).
func findTitle(n *html.Node) string {
	if n.Type == html.ElementNode && n.DataAtom == atom.Title && n.Namespace == "" {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		return normalizeLine(b.String())
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if t := findTitle(c); t != "" {
			return t
		}
	}
	return ""
}

// findBody returns <body>, or the document itself for a frameset page.
func findBody(doc *html.Node) *html.Node {
	for h := doc.FirstChild; h != nil; h = h.NextSibling {
		if h.Type == html.ElementNode && h.DataAtom == atom.Html {
			for b := h.FirstChild; b != nil; b = b.NextSibling {
				if b.Type == html.ElementNode && b.DataAtom == atom.Body {
					return b
				}
			}
		}
	}
	return doc
}

// controlledIDs collects the ids named by aria-controls anywhere in the page.
// Hidden elements with those ids are accordion panels, tab panels and
// disclosures: content a reader reveals with a click, so it is kept.
func controlledIDs(n *html.Node) map[string]bool {
	ids := map[string]bool{}
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if v, ok := attr(n, "aria-controls"); ok {
				for _, id := range strings.Fields(v) {
					ids[id] = true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return ids
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// walker renders a DOM subtree as lines.
type walker struct {
	lines   []string
	cur     []byte // raw text of the line being built; reused from line to line
	line    []byte // scratch for the finished line
	li      bool   // a "- " marker waits for the list item's first line
	heading int    // level of the heading being written; 0 outside headings
	pre     int    // depth of preformatted elements: newlines in text end lines
	flat    bool   // rendering one cell of a data row: line breaks become spaces

	controlled map[string]bool // ids named by aria-controls
	furn       *furniture      // page facts for the furniture rules (furniture.go)
}

// flush ends the current line: normalises it and, unless empty, appends it
// with its list and heading markers.
func (w *walker) flush() {
	if w.flat {
		w.cur = append(w.cur, ' ')
		return
	}
	// The markers go first into the scratch line, the text after them;
	// an empty line leaves the markers waiting for the next one.
	line := w.line[:0]
	if w.li {
		line = append(line, "- "...)
	}
	for range w.heading {
		line = append(line, '#')
	}
	if w.heading > 0 {
		line = append(line, ' ')
	}
	marks := len(line)
	line = appendNormalBytes(line, w.cur)
	w.cur, w.line = w.cur[:0], line
	if len(line) == marks {
		return
	}
	w.li = false
	w.lines = append(w.lines, string(line))
}

func (w *walker) text(s string) {
	if w.pre == 0 {
		w.cur = append(w.cur, s...)
		return
	}
	for i, part := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if i > 0 {
			w.flush()
		}
		w.cur = append(w.cur, part...)
	}
}

func (w *walker) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, false)
	}
}

// walk renders n. A root (the body or a selected element) is rendered even
// if the default rules would drop it, short of script-like elements.
func (w *walker) walk(n *html.Node, root bool) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.DocumentNode:
		w.children(n)
		return
	case html.ElementNode:
	default: // comments, doctypes
		return
	}
	if neverText(n) || (!root && w.dropped(n)) {
		return
	}

	switch a := n.DataAtom; a {
	case atom.Br:
		w.flush()
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.flush()
		saved := w.heading
		w.heading = int(a.String()[1] - '0')
		w.children(n)
		w.flush()
		w.heading = saved
	case atom.Li:
		w.flush()
		w.li = true
		w.children(n)
		w.flush()
		w.li = false
	case atom.Pre, atom.Listing, atom.Xmp, atom.Plaintext, atom.Textarea:
		w.flush()
		w.pre++
		w.children(n)
		w.flush()
		w.pre--
	case atom.Tr:
		if !w.flat && dataRow(n) {
			w.row(n)
			return
		}
		w.block(n)
	default:
		if isBlock(n) {
			w.block(n)
			return
		}
		w.children(n)
	}
}

func (w *walker) block(n *html.Node) {
	w.flush()
	w.children(n)
	w.flush()
}

// row renders a data row as one line: its non-empty cells joined by " | ".
func (w *walker) row(tr *html.Node) {
	w.flush()
	cell := &walker{flat: true, controlled: w.controlled, furn: w.furn}
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if !isCell(c) || w.dropped(c) {
			continue
		}
		cell.cur = cell.cur[:0]
		cell.children(c)
		start := len(w.cur)
		if start > 0 {
			w.cur = append(w.cur, " | "...)
		}
		text := len(w.cur)
		if w.cur = appendNormalBytes(w.cur, cell.cur); len(w.cur) == text {
			w.cur = w.cur[:start] // an empty cell
		}
	}
	w.flush()
}

func isCell(n *html.Node) bool {
	return n.Type == html.ElementNode && (n.DataAtom == atom.Td || n.DataAtom == atom.Th)
}

// dataRow reports whether tr looks like a row of data rather than page
// layout: its table is not marked presentational and no cell holds a nested
// table, a heading, or more than maxCellBlocks line-breaking elements.
func dataRow(tr *html.Node) bool {
	for p := tr.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Table {
			if r, _ := attr(p, "role"); r == "presentation" || r == "none" {
				return false
			}
			break
		}
	}
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if isCell(c) && !dataCell(c) {
			return false
		}
	}
	return true
}

func dataCell(td *html.Node) bool {
	breaks := 0
	var visit func(*html.Node) bool
	visit = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				return false
			case atom.P, atom.Li, atom.Dt, atom.Dd, atom.Blockquote, atom.Pre, atom.Br:
				if breaks++; breaks > maxCellBlocks {
					return false
				}
			}
			if !visit(c) {
				return false
			}
		}
		return true
	}
	return visit(td)
}

// neverText reports elements whose content is never page text: code, styles,
// embedded documents and media fallbacks, templates, graphics.
func neverText(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg,
		atom.Iframe, atom.Frame, atom.Frameset, atom.Noframes, atom.Object,
		atom.Embed, atom.Canvas, atom.Video, atom.Audio, atom.Head,
		atom.Title, atom.Link, atom.Meta, atom.Base:
		return true
	}
	return n.Namespace == "svg"
}

// dropped reports elements that are page chrome or invisible: navigation,
// site banners and footers, asides, form controls, closed dialogs, elements
// hidden with the hidden attribute or aria-hidden="true", and the page
// furniture recognised by furniture.drop (menus, breadcrumbs, cookie banners,
// share widgets, carousels... marked only by class, id or shape).
//
// <header> and <footer> are dropped only when they are the page's banner or
// content-info landmark, i.e. not inside article, aside, main, nav or section
// (the HTML-AAM rule): an article's <header> holds its title. Hidden elements
// are kept when aria-controls names them (accordion and tab panels) or when
// hidden="until-found".
func (w *walker) dropped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Aside, atom.Select, atom.Option, atom.Optgroup,
		atom.Datalist, atom.Button, atom.Input, atom.Textarea:
		return true
	case atom.Header, atom.Footer:
		if !inSection(n) {
			return true
		}
	case atom.Dialog:
		if _, open := attr(n, "open"); !open {
			return true
		}
	}
	if v, ok := attr(n, "aria-hidden"); ok && strings.EqualFold(strings.TrimSpace(v), "true") {
		return true
	}
	if v, ok := attr(n, "hidden"); ok && !strings.EqualFold(v, "until-found") {
		if id, _ := attr(n, "id"); id == "" || !w.controlled[id] {
			return true
		}
	}
	if r, ok := attr(n, "role"); ok {
		switch strings.ToLower(strings.TrimSpace(r)) {
		case "navigation", "banner", "contentinfo", "complementary", "search":
			return true
		}
	}
	return w.furn.drop(n)
}

func inSection(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		switch p.DataAtom {
		case atom.Article, atom.Aside, atom.Main, atom.Nav, atom.Section:
			return true
		}
		if r, _ := attr(p, "role"); r != "" {
			switch strings.ToLower(strings.TrimSpace(r)) {
			case "article", "complementary", "main", "navigation", "region":
				return true
			}
		}
	}
	return false
}

// isBlock reports elements that start and end a line (CSS display: block,
// list-item, table parts) and are not handled specially by walk.
func isBlock(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body,
		atom.Caption, atom.Center, atom.Dd, atom.Details, atom.Dialog,
		atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Form, atom.Header, atom.Hgroup,
		atom.Hr, atom.Html, atom.Legend, atom.Main, atom.Menu, atom.Nav,
		atom.Ol, atom.P, atom.Section, atom.Summary, atom.Table, atom.Tbody,
		atom.Td, atom.Tfoot, atom.Th, atom.Thead, atom.Tr, atom.Ul,
		atom.Option, atom.Optgroup, atom.Search:
		return true
	}
	return false
}

// hasRole reports whether n's role attribute is role (one token, any case).
func hasRole(n *html.Node, role string) bool {
	v, ok := attr(n, "role")
	return ok && strings.EqualFold(strings.TrimSpace(v), role)
}

// subtreeText returns the raw text under n, skipping elements that never hold
// text.
func subtreeText(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if neverText(n) {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return b.String()
}

// countNonSpace counts the runes of s that are not white space.
func countNonSpace(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < utf8.RuneSelf {
			n++
			continue
		}
		if c < utf8.RuneSelf {
			if !asciiSpace(c) {
				n++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size - 1
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}
