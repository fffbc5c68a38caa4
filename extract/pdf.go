package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// DefaultPDFTimeout bounds one pdftotext run when Options.PDFTimeout is zero.
const DefaultPDFTimeout = 30 * time.Second

// maxPDFOutput caps what is read from pdftotext's standard output (XHTML
// with one element per word, roughly 15 times the size of the text). A PDF
// that expands beyond it is rejected (ErrUnsupported) rather than held in
// memory.
const maxPDFOutput = 128 << 20

// maxPDFStderr caps the diagnostics kept from pdftotext for error messages.
const maxPDFStderr = 4 << 10

// ErrNoPDFTool is returned when the pdftotext program (from poppler) is not
// on PATH. It is an installation problem, not a property of the document.
var ErrNoPDFTool = errors.New("pdftotext not found: install poppler-utils")

// ErrMalformed is returned, wrapped with details, for a payload that claims
// a format it does not follow: a PDF that is truncated, corrupt or not a PDF
// at all, JSON with a syntax error (the message gives the offset), a feed
// whose XML is broken. Test for it with errors.Is.
var ErrMalformed = errors.New("malformed payload")

// pdfText converts a PDF with pdftotext and rebuilds its block structure.
//
// pdftotext runs in a subprocess so that a crash, a runaway allocation or an
// endless loop in the PDF parser on a hostile document cannot take redline
// down: the process is killed at the deadline (timeout, default
// DefaultPDFTimeout, or ctx if sooner) and its output is capped. It runs in
// its reading-order mode with -bbox-layout, which gives each word, line and
// text block with coordinates; see pdfLines for how paragraphs, table rows
// and headings are recovered from them.
func pdfText(ctx context.Context, body []byte, timeout time.Duration) ([]string, error) {
	if err := checkPDF(body); err != nil {
		return nil, err
	}
	out, err := runPDFToText(ctx, body, timeout, maxPDFOutput)
	if err != nil {
		return nil, err
	}
	pages := parseBBox(out)
	lines := pdfLines(pages)
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: application/pdf without a text layer (%d page(s); scanned images need OCR)", ErrUnsupported, len(pages))
	}
	return lines, nil
}

// runPDFToText runs pdftotext -bbox-layout on body and returns its output,
// at most maxOut bytes.
func runPDFToText(ctx context.Context, body []byte, timeout time.Duration, maxOut int) ([]byte, error) {
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		return nil, ErrNoPDFTool
	}
	if timeout <= 0 {
		timeout = DefaultPDFTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, tool, "-enc", "UTF-8", "-bbox-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(body)
	stderr := &capWriter{max: maxPDFStderr}
	cmd.Stderr = stderr
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("pdftotext: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pdftotext: %w", err)
	}
	out, rerr := io.ReadAll(io.LimitReader(stdout, int64(maxOut)+1))
	if len(out) > maxOut {
		cancel() // kills pdftotext; its exit status is not the news
		_ = cmd.Wait()
		return nil, fmt.Errorf("%w: application/pdf too large: pdftotext output exceeds %d bytes", ErrUnsupported, maxOut)
	}
	werr := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil && werr != nil:
		return nil, fmt.Errorf("pdftotext stopped (timeout %v): %w", timeout, context.Cause(ctx))
	case errors.As(werr, &ee) && ee.Exited():
		if strings.Contains(stderr.buf.String(), "Incorrect password") {
			return nil, fmt.Errorf("%w: application/pdf encrypted with a password", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w: application/pdf: pdftotext: %s (exit status %d)", ErrMalformed, stderr.summary(), ee.ExitCode())
	case werr != nil: // killed by a signal: a crash on this document
		return nil, fmt.Errorf("%w: application/pdf: pdftotext: %v: %s", ErrMalformed, werr, stderr.summary())
	case rerr != nil:
		return nil, fmt.Errorf("pdftotext: read output: %w", rerr)
	}
	return out, nil
}

// checkPDF rejects bodies that are evidently not a whole PDF before a
// process is started: no "%PDF-" header in the first 1024 bytes (an HTML
// error page served as application/pdf), or no "%%EOF" marker in the last
// 1024 bytes (a truncated download, which pdftotext would otherwise partly
// recover and report as a change). Both limits are the ones Acrobat applies.
func checkPDF(body []byte) error {
	if !bytes.Contains(head(body, 1024), []byte("%PDF-")) {
		lead := head(bytes.TrimSpace(body), 40)
		return fmt.Errorf("%w: application/pdf body is not a PDF: no %%PDF- header (body begins %q)", ErrMalformed, lead)
	}
	tail := body
	if len(tail) > 1024 {
		tail = tail[len(tail)-1024:]
	}
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return fmt.Errorf("%w: truncated application/pdf: no %%%%EOF marker at the end (%d bytes)", ErrMalformed, len(body))
	}
	return nil
}

// capWriter keeps the first max bytes written to it and drops the rest.
type capWriter struct {
	buf bytes.Buffer
	max int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// summary returns the distinct error lines pdftotext printed, or the first
// lines when none says "Error", joined by "; ".
func (w *capWriter) summary() string {
	var errs, all []string
	seen := map[string]bool{}
	for l := range strings.SplitSeq(w.buf.String(), "\n") {
		l = normalizeLine(strings.ToValidUTF8(l, "?"))
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		all = append(all, l)
		if strings.Contains(l, "Error") {
			errs = append(errs, l)
		}
	}
	if len(errs) == 0 {
		errs = all
	}
	if len(errs) > 3 {
		errs = errs[:3]
	}
	if len(errs) == 0 {
		return "no diagnostics"
	}
	return strings.Join(errs, "; ")
}

// Geometry of pdftotext -bbox-layout output, in PDF points, y downwards.
type box struct{ x0, y0, x1, y1 float64 }

func (b box) height() float64 { return b.y1 - b.y0 }

type pdfWord struct {
	box
	text string
}

type pdfLine struct {
	box
	words []pdfWord
}

type pdfBlock struct {
	box
	lines []pdfLine
}

type pdfPage struct {
	blocks []pdfBlock // in pdftotext's reading order
}

// parseBBox reads pdftotext -bbox-layout output: XHTML with
// <page><flow><block><line><word xMin= yMin= xMax= yMax=>text</word>. The
// tokenizer is the lenient HTML one, so stray control characters or invalid
// UTF-8 in a hostile PDF's text cannot make the XHTML unreadable.
func parseBBox(out []byte) []pdfPage {
	var pages []pdfPage
	var word *pdfWord
	z := html.NewTokenizer(bytes.NewReader(out))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return pages
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var b box
			if hasAttr {
				b = bboxAttrs(z)
			}
			switch string(name) {
			case "page":
				pages = append(pages, pdfPage{})
			case "block":
				if p := lastPage(pages); p != nil {
					p.blocks = append(p.blocks, pdfBlock{box: b})
				}
			case "line":
				if bl := lastBlock(pages); bl != nil {
					bl.lines = append(bl.lines, pdfLine{box: b})
				}
			case "word":
				if tt == html.StartTagToken {
					word = &pdfWord{box: b}
				}
			}
		case html.TextToken:
			if word != nil {
				word.text += string(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if string(name) == "word" && word != nil {
				if bl := lastBlock(pages); bl != nil && len(bl.lines) > 0 {
					ln := &bl.lines[len(bl.lines)-1]
					if t := normalizeLine(foldLigatures(word.text)); t != "" {
						word.text = t
						ln.words = append(ln.words, *word)
					}
				}
				word = nil
			}
		}
	}
}

func lastPage(pages []pdfPage) *pdfPage {
	if len(pages) == 0 {
		return nil
	}
	return &pages[len(pages)-1]
}

func lastBlock(pages []pdfPage) *pdfBlock {
	p := lastPage(pages)
	if p == nil || len(p.blocks) == 0 {
		return nil
	}
	return &p.blocks[len(p.blocks)-1]
}

func bboxAttrs(z *html.Tokenizer) box {
	var b box
	for {
		k, v, more := z.TagAttr()
		f, err := strconv.ParseFloat(string(v), 64)
		if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			switch string(k) { // the tokenizer lower-cases names
			case "xmin":
				b.x0 = f
			case "ymin":
				b.y0 = f
			case "xmax":
				b.x1 = f
			case "ymax":
				b.y1 = f
			}
		}
		if !more {
			// Keep boxes well-formed whatever the output says.
			b.x0, b.x1 = min(b.x0, b.x1), max(b.x0, b.x1)
			b.y0, b.y1 = min(b.y0, b.y1), max(b.y0, b.y1)
			return b
		}
	}
}

// foldLigatures replaces the Latin ligature characters (U+FB00-U+FB06) that
// some PDFs map their ligature glyphs to with the letters they stand for, so
// "ofﬁce" reads and compares as "office".
func foldLigatures(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0xFB00 && r <= 0xFB06 }) {
		return s
	}
	return strings.NewReplacer("\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl",
		"\uFB03", "ffi", "\uFB04", "ffl", "\uFB05", "st", "\uFB06", "st").Replace(s)
}

// para is one output block of a page: a paragraph, a heading or a table row.
type para struct {
	box
	lines  []pdfLine
	row    bool    // cells of a table row, joined by " | "
	open   bool    // two lines or more, the last running to the right edge
	height float64 // tallest line
	text   string
}

// pdfLines turns pages into normalised blocks (docs/pdf.md has the
// rationale):
//
//   - within each pdftotext block, lines are joined into paragraphs; a new
//     paragraph starts at a font size change, at a vertical gap clearly
//     larger than the block's line pitch, at an indented first line, and
//     after a line that ends short of the right edge although the next
//     line's first word would have fit (a hard break rather than a wrap);
//   - single-line blocks side by side on one baseline (table cells, which
//     pdftotext puts in blocks of their own) become one row "a | b | c",
//     like table rows in HTML, when a neighbouring row has as many cells;
//   - each page's paragraphs are put in reading order by XY-cut (xyOrder),
//     so columns are read one after the other;
//   - paragraphs of one or two lines set clearly larger than the body text
//     are headings "## x"; bullets "•" become list items "- x";
//   - page numbers ("3", "Page 3 of 9", "- 3 -") at the top or bottom of a
//     page are dropped, so a pagination shift is not a change;
//   - a paragraph cut by a page break is joined again (see continues).
func pdfLines(pages []pdfPage) []string {
	var all [][]para
	for _, pg := range pages {
		var ps []para
		for _, bl := range pg.blocks {
			ps = append(ps, splitBlock(bl)...)
		}
		ps = xyOrder(mergeRows(ps))
		for i := range ps {
			ps[i].text = paraText(ps[i])
		}
		all = append(all, dropPageNumbers(ps))
	}
	body := bodyHeight(all)

	var lines []string
	var prev *para // last paragraph emitted, for joins across pages
	bullet := ""   // a bullet that pdftotext put in a block of its own
	for _, ps := range all {
		for i := range ps {
			p := &ps[i]
			switch {
			case p.text == "":
				continue
			case isBullet(p.text) && !p.row:
				bullet = p.text
				continue
			case bullet != "":
				p.text, bullet = bullet+" "+p.text, ""
			case i == 0 && prev != nil && continues(*prev, *p):
				lines[len(lines)-1] = joinWords(lines[len(lines)-1], p.text)
				prev = p
				continue
			}
			lines = append(lines, decorate(*p, body))
			prev = p
		}
	}
	return lines
}

// splitBlock splits one pdftotext block into paragraphs.
func splitBlock(bl pdfBlock) []para {
	var lines []pdfLine
	for _, l := range bl.lines {
		if len(l.words) > 0 {
			lines = append(lines, l)
		}
	}
	// The block's line pitch: the smallest positive baseline-to-baseline
	// step among lines of similar size.
	pitch := math.Inf(1)
	for i := 1; i < len(lines); i++ {
		d := lines[i].y0 - lines[i-1].y0
		if d > 0 && similar(lines[i].height(), lines[i-1].height()) {
			pitch = min(pitch, d)
		}
	}
	var out []para
	for i, l := range lines {
		if i == 0 || hardBreak(bl, lines[i-1], l, pitch, len(out[len(out)-1].lines) == 1) {
			out = append(out, para{box: l.box})
		}
		p := &out[len(out)-1]
		p.lines = append(p.lines, l)
		p.x0, p.y0 = min(p.x0, l.x0), min(p.y0, l.y0)
		p.x1, p.y1 = max(p.x1, l.x1), max(p.y1, l.y1)
		p.height = max(p.height, l.height())
	}
	for i := range out {
		p := &out[i]
		last := p.lines[len(p.lines)-1]
		p.open = len(p.lines) > 1 && bl.x1-last.x1 < 0.1*(bl.x1-bl.x0)
	}
	return out
}

func similar(a, b float64) bool {
	return a <= 1.2*b && b <= 1.2*a
}

// hardBreak reports whether next starts a new paragraph after prev in block
// bl; firstLine says prev is its paragraph's first line.
func hardBreak(bl pdfBlock, prev, next pdfLine, pitch float64, firstLine bool) bool {
	h := prev.height()
	switch {
	case !similar(h, next.height()):
		return true // font size change: heading, footnote
	case next.y0-prev.y0 > 1.3*pitch:
		return true // paragraph spacing
	case next.y0 < prev.y1-h/2:
		return false // same baseline: pdftotext split one visual line
	case !firstLine && next.x0 > prev.x0+h:
		return true // an indented first line
	}
	// A wrapped line ends where the next word would not have fit.
	w := next.words[0]
	room := bl.x1 - prev.x1
	return w.x1-w.x0+h/4 < room
}

// mergeRows joins single-line paragraphs that stand side by side on one
// baseline, left to right and consecutive in pdftotext's order (which puts
// each table cell in a block of its own), into table rows. A row is kept
// only when the row before or after it has as many cells: a table, not two
// unrelated lines that happen to share a baseline (a "From:" and a date, the
// first lines of two columns).
func mergeRows(ps []para) []para {
	var groups [][]para
	for _, p := range ps {
		if n := len(groups); n > 0 && len(p.lines) == 1 && sideBySide(groups[n-1], p) {
			groups[n-1] = append(groups[n-1], p)
			continue
		}
		groups = append(groups, []para{p})
	}
	var out []para
	for i, g := range groups {
		table := len(g) > 1 &&
			(i > 0 && len(groups[i-1]) == len(g) || i+1 < len(groups) && len(groups[i+1]) == len(g))
		if !table {
			out = append(out, g...)
			continue
		}
		row := g[0]
		row.row = true
		for _, c := range g[1:] {
			row.lines = append(row.lines, c.lines[0])
			row.x1, row.y0, row.y1 = max(row.x1, c.x1), min(row.y0, c.y0), max(row.y1, c.y1)
			row.height = max(row.height, c.height)
		}
		out = append(out, row)
	}
	return out
}

// sideBySide reports whether the single-line paragraph p continues the row
// of single-line paragraphs g: same baseline, to the right of its last cell.
func sideBySide(g []para, p para) bool {
	last := g[len(g)-1]
	if len(last.lines) != 1 {
		return false
	}
	overlap := min(last.y1, p.y1) - max(last.y0, p.y0)
	return overlap > 0.5*min(last.height, p.height) && p.x0 >= last.x1-1
}

// paraText renders a paragraph: its lines joined by spaces (no space after
// a line-end hyphen), or a row's cells joined by " | ".
func paraText(p para) string {
	var s string
	for _, l := range p.lines {
		words := make([]string, len(l.words))
		for i, w := range l.words {
			words[i] = w.text
		}
		t := strings.Join(words, " ")
		if p.row {
			switch {
			case s == "":
			case len(p.lines) == 2 && listMarker(s):
				s += " " // "1." and its item, set apart by a tab
			default:
				s += " | "
			}
			s += t
			continue
		}
		s = joinWords(s, t)
	}
	return normalizeLine(s)
}

// joinWords appends b to a with a space, or without one when a ends with a
// hyphen after a letter (a word broken at the line end: "self-" + "report").
func joinWords(a, b string) string {
	if a == "" {
		return b
	}
	if r, n := utf8.DecodeLastRuneInString(a); r == '-' || r == '\u2010' {
		if p, _ := utf8.DecodeLastRuneInString(a[:len(a)-n]); unicode.IsLetter(p) {
			return a + b
		}
	}
	return a + " " + b
}

// listMarker reports s such as "1.", "(a)", "iv)" or a bullet.
func listMarker(s string) bool {
	if isBullet(s) {
		return true
	}
	core := strings.TrimPrefix(s, "(")
	core, ok := strings.CutSuffix(core, ")")
	if !ok {
		core, ok = strings.CutSuffix(core, ".")
	}
	return ok && core != "" && len(core) <= 3 && strings.IndexFunc(core, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) < 0
}

// dropPageNumbers removes page-number-only paragraphs that have nothing
// above them or nothing below them on the page: running heads and feet.
// Only the first and last three paragraphs in reading order are candidates.
func dropPageNumbers(ps []para) []para {
	out := ps[:0:0]
	for i, p := range ps {
		if (i < 3 || i >= len(ps)-3) && pageNumber(p.text) {
			above, below := false, false
			for j, q := range ps {
				if j != i {
					above = above || q.y1 <= p.y0
					below = below || q.y0 >= p.y1
				}
			}
			if !above || !below {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// minColumnGap is the narrowest white gap, in points, taken as a gutter
// between columns by xyOrder.
const minColumnGap = 6

// maxXYParas bounds the paragraphs on one page that xyOrder reorders (its
// cost grows with the square of their number on a hostile page); beyond it
// pdftotext's order is kept.
const maxXYParas = 2000

// xyOrder puts a page's paragraphs in reading order by recursive XY-cut:
// the paragraphs are split at the widest white gap running right across them,
// either vertically (a gutter: left part first) or horizontally (upper part
// first), and each part is ordered the same way. pdftotext's own order reads
// some multi-column pages row by row (the first paragraph of each column,
// then the rest); a gutter at least as wide as any horizontal gap wins, so
// columns are read one after the other. Paragraphs that overlap in both
// directions keep pdftotext's order.
func xyOrder(ps []para) []para {
	if len(ps) <= 1 || len(ps) > maxXYParas {
		return ps
	}
	hGap, hAt := widestGap(ps, func(p para) (float64, float64) { return p.y0, p.y1 })
	vGap, vAt := widestGap(ps, func(p para) (float64, float64) { return p.x0, p.x1 })
	var first, rest []para
	switch {
	case vGap >= minColumnGap && vGap >= hGap:
		for _, p := range ps {
			if p.x1 <= vAt {
				first = append(first, p)
			} else {
				rest = append(rest, p)
			}
		}
	case hGap > 0:
		for _, p := range ps {
			if p.y1 <= hAt {
				first = append(first, p)
			} else {
				rest = append(rest, p)
			}
		}
	default:
		return ps
	}
	if len(first) == 0 || len(rest) == 0 {
		return ps // cannot happen with well-formed boxes; never recurse forever
	}
	return append(xyOrder(first), xyOrder(rest)...)
}

// widestGap returns the widest gap between the intervals span gives for ps
// (projections on one axis) and the middle of that gap; 0 when they overlap
// into one run.
func widestGap(ps []para, span func(para) (float64, float64)) (gap, at float64) {
	iv := make([][2]float64, len(ps))
	for i, p := range ps {
		a, b := span(p)
		iv[i] = [2]float64{a, b}
	}
	sort.Slice(iv, func(i, j int) bool { return iv[i][0] < iv[j][0] })
	end := iv[0][1]
	for _, v := range iv[1:] {
		if g := v[0] - end; g > gap {
			gap, at = g, end+g/2
		}
		end = max(end, v[1])
	}
	return gap, at
}

// pageNumber reports text such as "3", "- 3 -", "Page 3", "Page 3 of 9",
// "3 of 9", "3/9" or a lower-case roman numeral.
func pageNumber(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Trim(s, "-–— ")
	s = strings.TrimSpace(strings.TrimPrefix(s, "page"))
	if s == "" {
		return false
	}
	if roman(s) {
		return true
	}
	num, rest, _ := strings.Cut(strings.ReplaceAll(s, " ", ""), "of")
	if rest == "" {
		num, rest, _ = strings.Cut(num, "/")
	}
	return digits(num) && (rest == "" || digits(rest))
}

// roman reports a lower-case roman numeral from i to cc, written the
// canonical way ("iv", not "iiii"; "civil" is a word).
func roman(s string) bool {
	if s == "" || len(s) > 8 || strings.Trim(s, "ivxlc") != "" {
		return false
	}
	for n := 1; n <= 200; n++ {
		var b strings.Builder
		v := n
		for _, d := range []struct {
			v int
			s string
		}{{100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}} {
			for ; v >= d.v; v -= d.v {
				b.WriteString(d.s)
			}
		}
		if b.String() == s {
			return true
		}
	}
	return false
}

func digits(s string) bool {
	return s != "" && len(s) <= 5 && strings.Trim(s, "0123456789") == ""
}

// bodyHeight is the line height that carries most words: the body text.
func bodyHeight(pages [][]para) float64 {
	count := map[float64]int{}
	for _, ps := range pages {
		for _, p := range ps {
			for _, l := range p.lines {
				count[math.Round(l.height()*2)/2] += len(l.words)
			}
		}
	}
	hs := make([]float64, 0, len(count))
	for h := range count {
		hs = append(hs, h)
	}
	sort.Float64s(hs) // ties go to the smaller size, deterministically
	best := 0.0
	for _, h := range hs {
		if count[h] > count[best] {
			best = h
		}
	}
	return best
}

// continues reports whether next, the first paragraph of a page, carries on
// prev, the last paragraph of the page before: same size, prev does not end
// a sentence, and either next starts in lower case or prev's last line runs
// to the right edge (a wrapped line).
func continues(prev, next para) bool {
	if prev.row || next.row || !similar(prev.height, next.height) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(prev.text)
	if strings.ContainsRune(".!?:;\"”’)]", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(next.text)
	return unicode.IsLower(first) || prev.open
}

// bullets are the list markers turned into "- ": the bullet characters and
// the private-use code points of Symbol and Wingdings bullets that Word
// exports.
var bullets = [...]string{"•", "◦", "▪", "■", "●", "\uF0B7", "\uF0A7"}

func isBullet(s string) bool {
	for _, b := range bullets {
		if s == b {
			return true
		}
	}
	return false
}

// decorate adds the heading or list marker to a paragraph's text.
func decorate(p para, body float64) string {
	for _, b := range bullets {
		if rest, ok := strings.CutPrefix(p.text, b); ok {
			if rest = strings.TrimSpace(rest); rest != "" {
				return "- " + rest
			}
		}
	}
	if !p.row && len(p.lines) <= 2 && body > 0 && p.height >= 1.15*body {
		return "## " + p.text
	}
	return p.text
}
