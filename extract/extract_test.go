package extract

import (
	"errors"
	"os"
	"strings"
	"testing"
)

const html5 = "text/html; charset=utf-8"

// page wraps body markup in a minimal UTF-8 document.
func page(body string) []byte {
	return []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>` + body + `</body></html>`)
}

func mustText(t *testing.T, body []byte, ct string, opt Options) Result {
	t.Helper()
	r, err := Text(body, ct, opt)
	if err != nil {
		t.Fatalf("Text: %v", err)
	}
	return r
}

func TestPolicyPageStructure(t *testing.T) {
	body, err := os.ReadFile("testdata/policy.html")
	if err != nil {
		t.Fatal(err)
	}
	r := mustText(t, body, "text/html", Options{})
	want := strings.Join([]string{
		"Skip to main content",
		"# Immigration Enforcement Policy",
		"Updated March 3, 2025",
		"## Section 1. Purpose",
		"This memorandum directs all components to review sanctuary jurisdictions.",
		"## Section 2. Requirements",
		"Each component shall:",
		"- identify jurisdictions that decline to cooperate;",
		"- report within 30 days.",
		"### Funding",
		"Program | Amount",
		"Byrne JAG | $1,000,000",
		"COPS | $250,000",
		"Effective",
		"Immediately",
		"Nothing in this memorandum creates any right.",
		"Signed,",
		"The Attorney General",
	}, "\n")
	if r.Text != want {
		t.Errorf("text mismatch\n got:\n%s\nwant:\n%s", r.Text, want)
	}
	if got, want := r.Title, "Immigration Enforcement Policy | U.S. Department of Justice"; got != want {
		t.Errorf("Title = %q, want %q", got, want)
	}
	if r.MediaType != "text/html" || r.Charset != "utf-8" {
		t.Errorf("MediaType, Charset = %q, %q; want text/html, utf-8", r.MediaType, r.Charset)
	}
}

func TestHTMLRules(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"inline tags keep spaces", `<p>foo <b>bar</b> <i>baz</i><span> qux</span></p>`, "foo bar baz qux"},
		{"inline tags inside a word add no space", `<p><b>W</b>ord and <span>sanc</span><em>tuary</em></p>`, "Word and sanctuary"},
		{"link text flows", `<p>See <a href="/x">8 U.S.C. § 1373</a>, as amended.</p>`, "See 8 U.S.C. § 1373, as amended."},
		{"sup and sub", `<p>H<sub>2</sub>O and x<sup>2</sup></p>`, "H2O and x2"},
		{"headings all levels", `<h1>A</h1><h2>B</h2><h3>C</h3><h4>D</h4><h5>E</h5><h6>F</h6>`, "# A\n## B\n### C\n#### D\n##### E\n###### F"},
		{"empty heading gives no line and no stray marker", `<h2> </h2><p>text</p>`, "text"},
		{"div level text", `<div>one<div>two</div>three</div><div>four</div>`, "one\ntwo\nthree\nfour"},
		{"br separated lines", `<p>line one<br>line two<br/><br>line three</p>`, "line one\nline two\nline three"},
		{"unordered and ordered lists", `<ul><li>a</li><li>b</li></ul><ol><li>c</li></ol>`, "- a\n- b\n- c"},
		{"nested list", `<ul><li>outer<ul><li>inner</li></ul></li></ul>`, "- outer\n- inner"},
		{"list item with paragraphs", `<ul><li><p>first para</p><p>second para</p></li></ul>`, "- first para\nsecond para"},
		{"definition list", `<dl><dt>Term</dt><dd>Meaning</dd></dl>`, "Term\nMeaning"},
		{"pre keeps line breaks", "<pre>line 1\n   indented   line 2\n\n\tline 3</pre>", "line 1\nindented line 2\nline 3"},
		{"pre with inline markup", "<pre><b>bold</b> start\nnext <i>line</i></pre>", "bold start\nnext line"},
		{"data table rows", `<table><tr><th>State</th><th>Law</th></tr><tr><td>Oregon</td><td>ORS 181A.820</td></tr></table>`, "State | Law\nOregon | ORS 181A.820"},
		{"cell blocks flatten into the row", `<table><tr><td><p>a</p><p>b</p></td><td>c<br>d</td></tr></table>`, "a b | c d"},
		{"empty cells skipped", `<table><tr><td>a</td><td>&nbsp;</td><td></td><td>b</td></tr></table>`, "a | b"},
		{"layout table keeps blocks", `<table><tr><td><h1>Title</h1><p>Para one.</p></td><td>Side</td></tr></table>`, "# Title\nPara one.\nSide"},
		{"presentational table keeps blocks", `<table role="presentation"><tr><td>a</td><td>b</td></tr></table>`, "a\nb"},
		{"caption", `<table><caption>Grants</caption><tr><td>x</td><td>1</td></tr></table>`, "Grants\nx | 1"},
		{"script style noscript template svg iframe", `<p>keep</p><script>var x = "drop";</script><style>p{color:red}</style><noscript>drop</noscript><template><p>drop</p></template><svg><title>drop</title><text>drop</text></svg><iframe>drop</iframe>`, "keep"},
		{"nav header footer aside", `<header>banner</header><nav>menu</nav><p>keep</p><aside>related</aside><footer>footer</footer>`, "keep"},
		{"landmark roles", `<div role="navigation">menu</div><div role="banner">banner</div><div role="contentinfo">info</div><div role="search">Search</div><p>keep</p>`, "keep"},
		{"article header and footer kept", `<article><header><h2>Title</h2></header><p>Body</p><footer>Posted by DHS</footer></article>`, "## Title\nBody\nPosted by DHS"},
		{"section header kept", `<section><header>Part A</header></section>`, "Part A"},
		{"form controls", `<form><label>Name</label><input value="x"><textarea>typed</textarea><select><option>One</option></select><button>Go</button></form>`, "Name"},
		{"hidden and aria-hidden", `<p>keep</p><p hidden>gone</p><p aria-hidden="true">gone</p><p aria-hidden="false">shown</p>`, "keep\nshown"},
		{"accordion panel hidden but controlled is kept", `<button aria-expanded="false" aria-controls="a1">Q</button><div id="a1" hidden><p>Answer</p></div><div id="a2" hidden>gone</div>`, "Answer"},
		{"hidden until-found kept", `<div hidden="until-found">findable</div>`, "findable"},
		{"closed dialog dropped, open kept", `<dialog>closed</dialog><dialog open>open</dialog>`, "open"},
		{"comments dropped", `<p>a<!-- secret -->b</p>`, "ab"},
		{"entities decoded", `<p>Smith &amp; Wesson &lt;v2&gt; &copy;</p>`, "Smith & Wesson <v2> ©"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustText(t, page(tt.body), html5, Options{})
			if r.Text != tt.want {
				t.Errorf("got  %q\nwant %q", r.Text, tt.want)
			}
		})
	}
}

func TestWhitespace(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"runs of spaces tabs newlines", "<p>  a \t\n  b\r\n c  </p>", "a b c"},
		{"nbsp entity and raw", "<p>a&nbsp;&nbsp;b\u00a0c</p>", "a b c"},
		{"other unicode spaces", "<p>a\u2002b\u2009c\u202fd\u3000e\u205ff</p>", "a b c d e f"},
		{"soft hyphen removed", "<p>juris&shy;diction juris\u00addiction</p>", "jurisdiction jurisdiction"},
		{"zero width removed", "<p>sanc\u200btu\u200cary\u200d \u2060law\ufeff</p>", "sanctuary law"},
		{"nbsp only paragraph dropped", "<p>&nbsp;</p><p>x</p><p>\u200b</p>", "x"},
		{"NFC composition", "<p>Jose\u0301 Nin\u0303o</p>", "Jos\u00e9 Ni\u00f1o"},
		{"quotes untouched", "<p>\u201cshall\u201d \u2018may\u2019 \"must\"</p>", "\u201cshall\u201d \u2018may\u2019 \"must\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustText(t, page(tt.body), html5, Options{})
			if r.Text != tt.want {
				t.Errorf("got  %q\nwant %q", r.Text, tt.want)
			}
		})
	}
}

const selectPage = `
<div id="top">Banner text</div>
<div id="content">
  <h1>Policy</h1>
  <div class="para">First</div>
  <div class="para">Second <span class="date">May 1</span></div>
  <div class="ad">Advert</div>
</div>
<div class="para">Outside</div>
<div id="sidebar">Side</div>
<nav id="menu"><a>Home</a> <a>About</a></nav>`

func TestSelectExclude(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"single", Options{Select: []string{"#content"}}, "# Policy\nFirst\nSecond May 1\nAdvert"},
		{"multiple in document order", Options{Select: []string{"#sidebar", "#top"}}, "Banner text\nSide"},
		{"nested match not repeated", Options{Select: []string{"#content", ".para"}}, "# Policy\nFirst\nSecond May 1\nAdvert\nOutside"},
		{"duplicate selectors", Options{Select: []string{".para", "div.para"}}, "First\nSecond May 1\nOutside"},
		{"selector group", Options{Select: []string{"#top, #sidebar"}}, "Banner text\nSide"},
		{"exclude", Options{Exclude: []string{".ad", ".date", "#top", "#sidebar"}}, "# Policy\nFirst\nSecond\nOutside"},
		{"select and exclude", Options{Select: []string{"#content"}, Exclude: []string{".ad"}}, "# Policy\nFirst\nSecond May 1"},
		{"exclude hides a select match", Options{Select: []string{".para"}, Exclude: []string{"#content"}}, "Outside"},
		{"excluded elements are gone before selecting", Options{Select: []string{"#content > div:last-child"}, Exclude: []string{".ad"}}, "Second May 1"},
		{"selected nav is extracted", Options{Select: []string{"#menu"}}, "Home About"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustText(t, page(selectPage), html5, tt.opt)
			if r.Text != tt.want {
				t.Errorf("got  %q\nwant %q", r.Text, tt.want)
			}
		})
	}
}

func TestNoMatch(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		ct   string
		opt  Options
	}{
		{"absent id", page(selectPage), html5, Options{Select: []string{"#missing", ".gone"}}},
		{"match only inside excluded", page(selectPage), html5, Options{Select: []string{".ad"}, Exclude: []string{"#content"}}},
		{"plain text cannot be selected", []byte("hello"), "text/plain", Options{Select: []string{"#content"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text(tt.body, tt.ct, tt.opt)
			if !errors.Is(err, ErrNoMatch) {
				t.Fatalf("err = %v, want ErrNoMatch", err)
			}
			for _, s := range tt.opt.Select {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name selector %q", err, s)
				}
			}
			if r.MediaType == "" || r.Charset == "" || r.Text != "" {
				t.Errorf("result on no match = %+v; want media type and charset, no text", r)
			}
		})
	}
}

func TestInvalidSelector(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		bad  string
	}{
		{"bad select", Options{Select: []string{"#ok", "div[unclosed"}}, "div[unclosed"},
		{"bad exclude", Options{Exclude: []string{"p:nosuchpseudo"}}, "p:nosuchpseudo"},
		{"empty", Options{Select: []string{"  "}}, "  "},
		{"pseudo element", Options{Exclude: []string{"p::before"}}, "p::before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, err := range []error{
				CompileSelectors(append(append([]string{}, tt.opt.Select...), tt.opt.Exclude...)),
				func() error { _, err := Text(page("<p>x</p>"), html5, tt.opt); return err }(),
			} {
				var se *SelectorError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want *SelectorError", err)
				}
				if se.Selector != tt.bad || !strings.Contains(err.Error(), `"`+tt.bad+`"`) {
					t.Errorf("error %q does not name %q", err, tt.bad)
				}
			}
		})
	}
	if err := CompileSelectors([]string{"#main", "div.content > p", "a[href^='/'], h2:not(.x)"}); err != nil {
		t.Errorf("valid selectors rejected: %v", err)
	}
	if err := CompileSelectors(nil); err != nil {
		t.Errorf("CompileSelectors(nil) = %v", err)
	}
}

func TestMediaTypes(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		ct        string
		wantType  string
		wantText  string
		wantError error
	}{
		{"plain text lines", []byte("  First line \r\n\r\nSecond\u00a0\u00a0line\rThird\n\n"), "text/plain; charset=utf-8", "text/plain", "First line\nSecond line\nThird", nil},
		{"plain text with html is not parsed", []byte("<p>literal</p>"), "text/plain", "text/plain", "<p>literal</p>", nil},
		{"unknown text subtype", []byte("a,b\n1,2\n"), "text/csv", "text/csv", "a,b\n1,2", nil},
		{"json pretty-printed", []byte("{\n  \"policy\": \"shall\"\n}\n"), "application/json", "application/json", "{\n  \"policy\": \"shall\"\n}", nil},
		{"xml passthrough", []byte("<?xml version=\"1.0\"?>\n<r>\n <a>x</a>\n</r>"), "application/xml", "application/xml", "<?xml version=\"1.0\"?>\n<r>\n<a>x</a>\n</r>", nil},
		{"text xml", []byte("<r/>"), "text/xml", "text/xml", "<r/>", nil},
		{"empty rss", []byte("<rss/>"), "application/rss+xml", "application/rss+xml", "", nil},
		{"empty atom", []byte("<feed/>"), "application/atom+xml", "application/atom+xml", "", nil},
		{"structured json suffix", []byte(`{"a":1}`), "application/ld+json", "application/ld+json", "{\n  \"a\": 1\n}", nil},
		{"xhtml as html", []byte(`<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><h1>X</h1><p>y</p></body></html>`), "application/xhtml+xml", "application/xhtml+xml", "# X\ny", nil},
		{"upper case type and params", page("<p>x</p>"), "TEXT/HTML; Charset=UTF-8", "text/html", "x", nil},
		{"malformed params keep type", page("<p>x</p>"), "text/html; charset", "text/html", "x", nil},
		{"sniffed html", page("<p>sniffed</p>"), "", "text/html", "sniffed", nil},
		{"sniffed html after utf-8 BOM", append([]byte("\ufeff"), page("<p>bom</p>")...), "", "text/html", "bom", nil},
		{"sniffed plain text", []byte("just words\n"), "", "text/plain", "just words", nil},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png", "image/png", "", ErrUnsupported},
		{"octet stream", []byte{0, 1, 2}, "application/octet-stream", "application/octet-stream", "", ErrUnsupported},
		{"truncated pdf", []byte("%PDF-1.7"), "application/pdf", "application/pdf", "", ErrMalformed},
		{"svg is an image", []byte("<svg/>"), "image/svg+xml", "image/svg+xml", "", ErrUnsupported},
		{"sniffed binary", []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0}, "", "image/png", "", ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text(tt.body, tt.ct, Options{})
			if !errors.Is(err, tt.wantError) {
				t.Fatalf("err = %v, want %v", err, tt.wantError)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantType) {
				t.Errorf("error %q does not name the media type %q", err, tt.wantType)
			}
			if r.MediaType != tt.wantType {
				t.Errorf("MediaType = %q, want %q", r.MediaType, tt.wantType)
			}
			if r.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", r.Text, tt.wantText)
			}
		})
	}
}

func TestEmptyBody(t *testing.T) {
	for _, ct := range []string{"text/html", "text/plain", ""} {
		r, err := Text(nil, ct, Options{})
		if err != nil || r.Text != "" {
			t.Errorf("Text(nil, %q) = %q, %v; want empty text, no error", ct, r.Text, err)
		}
	}
}
