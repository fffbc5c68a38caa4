package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/goregular"
)

// needPDFToText fails the test when poppler's pdftotext is missing. PDF
// extraction depends on it, so its tests must not pass vacuously: CI
// installs poppler-utils.
func needPDFToText(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatalf("pdftotext not found on PATH: install poppler-utils (apt-get install -y poppler-utils); PDF extraction needs it")
	}
}

// Test documents are generated with fpdf so the source text is known
// exactly. A block is a heading, a paragraph or a table row.
type pdfBlock2 struct {
	heading bool
	text    string
}

var policyParas = []string{
	"This memorandum provides guidance to all components of the Department regarding the enforcement of federal immigration law in jurisdictions that limit cooperation with federal authorities.",
	"Components shall review every grant agreement with state and local recipients and shall report any condition that conflicts with 8 U.S.C. 1373 to the Office of the Deputy Attorney General within thirty days.",
	"Nothing in this memorandum is intended to create any right or benefit, substantive or procedural, enforceable at law or in equity by any party against the United States, its departments, agencies, or entities.",
	"Where a jurisdiction declines to honor a detainer request, the responsible office shall document the request, the response, and any affidavit submitted in support of the request.",
}

func newTestPDF(top float64) *fpdf.Fpdf {
	p := fpdf.New("P", "mm", "Letter", "")
	when := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	p.SetCreationDate(when)
	p.SetModificationDate(when)
	p.SetCatalogSort(true)
	p.SetMargins(25, top, 25)
	p.SetAutoPageBreak(true, 25)
	return p
}

func pdfBytes(t *testing.T, p *fpdf.Fpdf) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return b.Bytes()
}

// writeBlocks writes headings (bold 14pt) and paragraphs (11pt) with
// paragraph spacing, wrapping with MultiCell.
func writeBlocks(p *fpdf.Fpdf, tr func(string) string, font string, blocks []pdfBlock2) {
	for _, b := range blocks {
		if b.heading {
			p.SetFont(font, "B", 14)
			p.MultiCell(0, 7, tr(b.text), "", "L", false)
			p.Ln(2)
			continue
		}
		p.SetFont(font, "", 11)
		p.MultiCell(0, 5.5, tr(b.text), "", "L", false)
		p.Ln(4)
	}
}

func want(blocks []pdfBlock2) string {
	var lines []string
	for _, b := range blocks {
		if b.heading {
			lines = append(lines, "## "+b.text)
		} else {
			lines = append(lines, b.text)
		}
	}
	return strings.Join(lines, "\n")
}

// memoBlocks is a memo long enough for three pages.
func memoBlocks() []pdfBlock2 {
	blocks := []pdfBlock2{{true, "Memorandum for All Department Components"}}
	for s, h := range []string{"Purpose", "Background", "Grant Conditions", "Detainers", "Reporting", "Effect", "Review"} {
		blocks = append(blocks, pdfBlock2{true, h})
		for i := range 3 {
			blocks = append(blocks, pdfBlock2{false, policyParas[(s+i)%len(policyParas)]})
		}
	}
	return blocks
}

// memoPDF renders blocks with a "Page n of N" footer; top is the top margin
// in mm, which moves every page break.
func memoPDF(t *testing.T, blocks []pdfBlock2, top float64) []byte {
	p := newTestPDF(top)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.AliasNbPages("")
	p.SetFooterFunc(func() {
		p.SetY(-15)
		p.SetFont("Helvetica", "", 9)
		p.CellFormat(0, 10, fmt.Sprintf("Page %d of {nb}", p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	writeBlocks(p, tr, "Helvetica", blocks)
	if p.PageNo() < 3 {
		t.Fatalf("memo has %d pages, want 3 or more", p.PageNo())
	}
	return pdfBytes(t, p)
}

func twoColumnPDF(t *testing.T) ([]byte, string) {
	left := []pdfBlock2{{true, "Grant Conditions"}, {false, policyParas[0]}, {false, policyParas[1] + " " + policyParas[3]}, {false, policyParas[2]}}
	right := []pdfBlock2{{true, "Detainer Requests"}, {false, policyParas[2] + " " + policyParas[0]}, {false, policyParas[3]}, {false, policyParas[1]}}
	p := newTestPDF(25)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.AddPage()
	for _, col := range []struct {
		x      float64
		blocks []pdfBlock2
	}{{20, left}, {112, right}} {
		p.SetXY(col.x, 25)
		p.SetLeftMargin(col.x)
		for _, b := range col.blocks {
			if b.heading {
				p.SetFont("Helvetica", "B", 13)
				p.MultiCell(78, 7, tr(b.text), "", "L", false)
				p.Ln(2)
				continue
			}
			p.SetFont("Helvetica", "", 10)
			p.MultiCell(78, 5, tr(b.text), "", "L", false)
			p.Ln(4)
		}
	}
	return pdfBytes(t, p), want(append(left, right...))
}

// interleavedPDF draws two columns line by line across the page, so the
// content stream's order is not the reading order.
func interleavedPDF(t *testing.T) ([]byte, string) {
	left := []string{policyParas[0], policyParas[1]}
	right := []string{policyParas[2], policyParas[3] + " " + policyParas[1]}
	p := newTestPDF(25)
	p.AddPage()
	p.SetFont("Helvetica", "", 10)
	lines := func(paras []string) []string {
		var out []string
		for i, s := range paras {
			if i > 0 {
				out = append(out, "")
			}
			out = append(out, p.SplitText(s, 78)...)
		}
		return out
	}
	l, r := lines(left), lines(right)
	for i := range max(len(l), len(r)) {
		y := 30 + float64(i)*5
		if i < len(l) {
			p.Text(20, y, l[i])
		}
		if i < len(r) {
			p.Text(112, y, r[i])
		}
	}
	return pdfBytes(t, p), strings.Join(append(left, right...), "\n")
}

func tablePDF(t *testing.T) ([]byte, string) {
	rows := [][]string{
		{"Jurisdiction", "Status", "Effective"},
		{"Cook County, IL", "Limits detainers", "2025-01-20"},
		{"City of Denver, CO", "Under review", "2025-02-03"},
		{"State of Oregon", "Sanctuary statute", "1987-07-07"},
	}
	p := newTestPDF(25)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.AddPage()
	p.SetFont("Helvetica", "B", 14)
	p.MultiCell(0, 7, "Table 1: Jurisdictions", "", "L", false)
	p.Ln(3)
	wantLines := []string{"## Table 1: Jurisdictions"}
	for i, r := range rows {
		style := ""
		if i == 0 {
			style = "B"
		}
		p.SetFont("Helvetica", style, 11)
		for j, c := range r {
			p.CellFormat([]float64{60, 55, 40}[j], 8, tr(c), "1", 0, "L", false, 0, "")
		}
		p.Ln(-1)
		wantLines = append(wantLines, strings.Join(r, " | "))
	}
	p.Ln(6)
	p.SetFont("Helvetica", "", 11)
	p.MultiCell(0, 5.5, policyParas[2], "", "L", false)
	wantLines = append(wantLines, policyParas[2])
	return pdfBytes(t, p), strings.Join(wantLines, "\n")
}

// ligaturePDF writes the ligature characters U+FB01 and U+FB02 with a
// TrueType font: the PDF's text layer says "ofﬁce".
func ligaturePDF(t *testing.T) ([]byte, string) {
	blocks := []pdfBlock2{
		{true, "Office of the Attorney General"},
		{false, "The office shall file the affidavit and the final filing with the field office; officials reflect on the flow of traffic."},
	}
	lig := strings.NewReplacer("fi", "\uFB01", "fl", "\uFB02").Replace
	p := newTestPDF(25)
	p.AddUTF8FontFromBytes("goregular", "", goregular.TTF)
	p.AddUTF8FontFromBytes("goregular", "B", goregular.TTF)
	p.AddPage()
	writeBlocks(p, lig, "goregular", blocks)
	return pdfBytes(t, p), want(blocks)
}

// nonASCIIPDF uses a core font through fpdf's cp1252 translator.
func nonASCIIPDF(t *testing.T) ([]byte, string) {
	blocks := []pdfBlock2{
		{true, "Section 2 – Definitions"},
		{false, "As used in § 1373, the term “sanctuary jurisdiction” means a jurisdiction that declines to share information; see the ‘Smith’ résumé and the café’s naïve rôle — détente."},
		{false, "The Secretary’s determination under § 2(a) is final."},
	}
	p := newTestPDF(25)
	p.AddPage()
	writeBlocks(p, p.UnicodeTranslatorFromDescriptor(""), "Helvetica", blocks)
	return pdfBytes(t, p), want(blocks)
}

// wordByWordPDF places each word on its own without space characters, as
// pdfTeX and justifying producers do.
func wordByWordPDF(t *testing.T) ([]byte, string) {
	p := newTestPDF(25)
	p.AddPage()
	p.SetFont("Times", "", 11)
	y := 30.0
	for _, para := range policyParas[1:] {
		for _, line := range p.SplitText(para, 150) {
			x := 25.0
			for _, w := range strings.Fields(line) {
				p.Text(x, y, w)
				x += p.GetStringWidth(w) + 2.2
			}
			y += 5
		}
		y += 4
	}
	return pdfBytes(t, p), strings.Join(policyParas[1:], "\n")
}

// listPDF has bulleted and numbered items with hanging indents.
func listPDF(t *testing.T) ([]byte, string) {
	p := newTestPDF(25)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.AddPage()
	p.SetFont("Helvetica", "", 11)
	p.MultiCell(0, 5.5, "Components shall:", "", "L", false)
	p.Ln(2)
	items := []string{policyParas[1], "Report quarterly."}
	for _, it := range items {
		p.SetX(30)
		p.CellFormat(5, 5.5, tr("•"), "", 0, "L", false, 0, "")
		p.MultiCell(0, 5.5, tr(it), "", "L", false)
		p.Ln(2)
	}
	return pdfBytes(t, p), "Components shall:\n- " + items[0] + "\n- " + items[1]
}

func TestPDFText(t *testing.T) {
	needPDFToText(t)
	memo := memoBlocks()
	tests := []struct {
		name string
		make func(*testing.T) ([]byte, string)
	}{
		{"multi-page memo: headings, paragraphs, footers dropped", func(t *testing.T) ([]byte, string) { return memoPDF(t, memo, 25), want(memo) }},
		{"two columns read one after the other", twoColumnPDF},
		{"columns drawn line by line across", interleavedPDF},
		{"table rows", tablePDF},
		{"ligature glyphs", ligaturePDF},
		{"non-ASCII through cp1252", nonASCIIPDF},
		{"words placed one by one", wordByWordPDF},
		{"bulleted list", listPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, wantText := tt.make(t)
			r, err := Text(body, "application/pdf", Options{})
			if err != nil {
				t.Fatalf("Text: %v", err)
			}
			if r.MediaType != "application/pdf" || r.Title != "" || r.Charset != "" {
				t.Errorf("Result = %+v, want MediaType application/pdf and no title or charset", r)
			}
			if r.Text != wantText {
				t.Errorf("Text differs:\n%s", lineDiff(wantText, r.Text))
			}
		})
	}
}

// lineDiff shows the lines of want and got that differ, by position.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// TestPDFStable checks what matters for alerts: moving every page break
// changes nothing, and a one-word edit changes one line.
func TestPDFStable(t *testing.T) {
	needPDFToText(t)
	blocks := memoBlocks()
	base, err := Text(memoPDF(t, blocks, 25), "application/pdf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, top := range []float64{18, 40, 61} {
		r, err := Text(memoPDF(t, blocks, top), "application/pdf", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Text != base.Text {
			t.Errorf("top margin %vmm (page breaks moved) changed the text:\n%s", top, lineDiff(base.Text, r.Text))
		}
	}

	edited := append([]pdfBlock2(nil), blocks...)
	for i := len(edited) / 2; ; i++ {
		if strings.Contains(edited[i].text, " shall ") {
			edited[i].text = strings.Replace(edited[i].text, " shall ", " may ", 1)
			break
		}
	}
	r, err := Text(memoPDF(t, edited, 25), "application/pdf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := lineDiff(base.Text, r.Text)
	if strings.Count(d, "line ") != 1 || !strings.Contains(d, "may") {
		t.Errorf("one-word edit: want exactly one changed line, got:\n%s", d)
	}
}

func TestPDFSniffed(t *testing.T) {
	needPDFToText(t)
	body, wantText := nonASCIIPDF(t)
	for _, ct := range []string{"", "application/octet-stream", "binary/octet-stream", "application/x-pdf", "text/plain"} {
		r, err := Text(body, ct, Options{})
		if err != nil || r.MediaType != "application/pdf" || r.Text != wantText {
			t.Errorf("Content-Type %q: MediaType %q, err %v, text %q", ct, r.MediaType, err, r.Text)
		}
	}
}

func TestPDFErrors(t *testing.T) {
	needPDFToText(t)
	memo := memoPDF(t, memoBlocks(), 25)
	blank := newTestPDF(25)
	blank.AddPage()
	blank.Rect(20, 20, 50, 50, "F")
	locked := newTestPDF(25)
	locked.SetProtection(fpdf.CnProtectPrint, "user-secret", "owner-secret")
	locked.AddPage()
	locked.SetFont("Helvetica", "", 12)
	locked.Cell(0, 10, "Locked memo.")
	tests := []struct {
		name    string
		body    []byte
		want    error
		mention string
	}{
		{"truncated", memo[:len(memo)/2], ErrMalformed, "truncated application/pdf"},
		{"truncated near the end", memo[:len(memo)-10], ErrMalformed, "truncated application/pdf"},
		{"html error page served as pdf", []byte("<!DOCTYPE html><html><body><h1>Access Denied</h1></body></html>"), ErrMalformed, "not a PDF"},
		{"empty", nil, ErrMalformed, "not a PDF"},
		{"garbage after the header", append(append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("\x00{garbage}\xff"), 2000)...), "\n%%EOF\n"...), ErrMalformed, "pdftotext"},
		{"no text layer", pdfBytes(t, blank), ErrUnsupported, "text layer"},
		{"password", pdfBytes(t, locked), ErrUnsupported, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text(tt.body, "application/pdf", Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) || !strings.Contains(err.Error(), "application/pdf") {
				t.Errorf("err %q does not mention %q", err, tt.mention)
			}
			if r.MediaType != "application/pdf" || r.Text != "" {
				t.Errorf("Result = %+v", r)
			}
		})
	}
}

func TestPDFOptionsThatDoNotApply(t *testing.T) {
	needPDFToText(t)
	body, _ := nonASCIIPDF(t)
	for _, opt := range []Options{{Select: []string{"main"}}, {JSONPath: "results"}} {
		r, err := Text(body, "application/pdf", opt)
		if !errors.Is(err, ErrNoMatch) || r.MediaType != "application/pdf" {
			t.Errorf("%+v: err = %v, MediaType %q; want ErrNoMatch", opt, err, r.MediaType)
		}
	}
}

// fakePDFToText makes PATH hold only a shell script named pdftotext. In
// script, {sleep} and {yes} stand for the absolute paths of those programs.
func fakePDFToText(t *testing.T, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell-script stand-in for pdftotext needs a Unix shell")
	}
	for _, prog := range []string{"sleep", "yes"} {
		if strings.Contains(script, "{"+prog+"}") {
			path, err := exec.LookPath(prog)
			if err != nil {
				t.Fatalf("%s: %v", prog, err)
			}
			script = strings.ReplaceAll(script, "{"+prog+"}", path)
		}
	}
	dir := t.TempDir()
	if script != "" {
		if err := os.WriteFile(filepath.Join(dir, "pdftotext"), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
}

// TestPDFToolFailures checks that whatever pdftotext does (missing, hangs,
// crashes, floods its output), Text returns an error promptly.
func TestPDFToolFailures(t *testing.T) {
	body, _ := nonASCIIPDF(t)
	t.Run("missing", func(t *testing.T) {
		fakePDFToText(t, "")
		_, err := Text(body, "application/pdf", Options{})
		if !errors.Is(err, ErrNoPDFTool) || err.Error() != "pdftotext not found: install poppler-utils" {
			t.Errorf("err = %v, want ErrNoPDFTool", err)
		}
	})
	t.Run("hangs", func(t *testing.T) {
		fakePDFToText(t, "exec {sleep} 30")
		start := time.Now()
		_, err := Text(body, "application/pdf", Options{PDFTimeout: 200 * time.Millisecond})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("err = %v, want a timeout", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		fakePDFToText(t, "exec {sleep} 30")
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := TextContext(ctx, body, "application/pdf", Options{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the caller's deadline", err)
		}
	})
	t.Run("crashes", func(t *testing.T) {
		fakePDFToText(t, "echo 'Syntax Error: something odd' >&2; kill -SEGV $$")
		_, err := Text(body, "application/pdf", Options{})
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "signal") {
			t.Errorf("err = %v, want ErrMalformed naming the signal", err)
		}
	})
	t.Run("fails", func(t *testing.T) {
		fakePDFToText(t, "echo 'Syntax Warning: May not be a PDF file' >&2; echo \"Syntax Error: Couldn't find trailer dictionary\" >&2; exit 1")
		_, err := Text(body, "application/pdf", Options{})
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "Couldn't find trailer dictionary (exit status 1)") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("floods", func(t *testing.T) {
		fakePDFToText(t, "exec {yes} '<word>flood</word>'")
		start := time.Now()
		_, err := runPDFToText(context.Background(), body, 10*time.Second, 1<<20)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "exceeds") {
			t.Errorf("err = %v, want the output cap", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

func TestPageNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"3": true, "12": true, "- 3 -": true, "Page 3": true, "Page 3 of 9": true, "3 of 9": true,
		"3/9": true, "iv": true, "PAGE 2": true, "— 7 —": true,
		"": false, "Purpose": false, "2025-01-20": false, "Section 3": false, "1373 U.S.C.": false, "civil": false,
	} {
		if got := pageNumber(s); got != want {
			t.Errorf("pageNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseBBoxHostileOutput(t *testing.T) {
	// Control characters, invalid UTF-8 and broken markup in pdftotext's
	// output must not stop the parse.
	out := []byte("<doc><page width=\"612\" height=\"792\"><flow><block xMin=\"10\" yMin=\"10\" xMax=\"100\" yMax=\"20\">" +
		"<line xMin=\"10\" yMin=\"10\" xMax=\"100\" yMax=\"20\"><word xMin=\"10\" yMin=\"10\" xMax=\"40\" yMax=\"20\">a\x01b\xff</word>" +
		"<word xMin=\"45\" yMin=\"10\" xMax=\"NaN\" yMax=\"20\">&amp;c</word><word>")
	lines := pdfLines(parseBBox(out))
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "&c") {
		t.Errorf("lines = %q", lines)
	}
}

// manyBlocks is a hostile page: n one-word blocks on a diagonal, each its
// own column and row.
func manyBlocks(n int) []pdfPage {
	var pg pdfPage
	for i := range n {
		x, y := float64(i)*10, float64(i)*12
		b := box{x, y, x + 8, y + 10}
		pg.blocks = append(pg.blocks, pdfBlock{box: b, lines: []pdfLine{{box: b, words: []pdfWord{{b, "w"}}}}})
	}
	return []pdfPage{pg}
}

// TestPDFLinesManyBlocks checks that the layout rules keep every block of
// a hostile page, below and above maxXYParas. Their cost on it is measured
// by BenchmarkPDFLinesManyBlocks.
func TestPDFLinesManyBlocks(t *testing.T) {
	for _, n := range []int{maxXYParas, 20000} {
		if lines := pdfLines(manyBlocks(n)); len(lines) != n {
			t.Errorf("%d blocks: %d lines", n, len(lines))
		}
	}
}

// BenchmarkPDFLinesManyBlocks measures the layout rules on 20,000 blocks of
// a hostile page (about a second on the 2-core machine of BENCHMARKS.md;
// quadratic rules would take minutes).
func BenchmarkPDFLinesManyBlocks(b *testing.B) {
	pages := manyBlocks(20000)
	for b.Loop() {
		pdfLines(pages)
	}
}
