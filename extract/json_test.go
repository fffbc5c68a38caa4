package extract

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// frResponse is shaped like a Federal Register documents API response
// (https://www.federalregister.gov/api/v1/documents.json).
const frResponse = `{
  "count": 2,
  "description": "Documents matching 'sanctuary'",
  "total_pages": 1,
  "next_page_url": "https://www.federalregister.gov/api/v1/documents.json?page=2&conditions%5Bterm%5D=sanctuary",
  "results": [
    {
      "title": "Protecting the American People Against Invasion",
      "type": "Presidential Document",
      "abstract": null,
      "document_number": "2025-02006",
      "html_url": "https://www.federalregister.gov/documents/2025/01/29/2025-02006/protecting-the-american-people-against-invasion",
      "publication_date": "2025-01-29",
      "agencies": [{"name": "Executive Office of the President", "id": 538}],
      "fee": 1.10
    },
    {
      "title": "Sanctuary Jurisdiction Grant Conditions",
      "type": "Rule",
      "abstract": "The Department amends its grant conditions \u2014 see \u00a7 1373 and the \u201cfinal\u201d <rule>.",
      "document_number": "2025-03117",
      "html_url": "https://www.federalregister.gov/documents/2025/02/20/2025-03117/sanctuary-jurisdiction-grant-conditions",
      "publication_date": "2025-02-20",
      "agencies": [],
      "fee": 12345678901234567890123
    }
  ]
}`

// frReordered is frResponse with every object's keys in another order and
// other white space.
const frReordered = `{"results":[{"fee":1.10,"agencies":[{"id":538,"name":"Executive Office of the President"}],
"publication_date":"2025-01-29","html_url":"https://www.federalregister.gov/documents/2025/01/29/2025-02006/protecting-the-american-people-against-invasion",
"document_number":"2025-02006","abstract":null,"type":"Presidential Document","title":"Protecting the American People Against Invasion"},
{"fee":12345678901234567890123,"agencies":[],"publication_date":"2025-02-20","html_url":"https://www.federalregister.gov/documents/2025/02/20/2025-03117/sanctuary-jurisdiction-grant-conditions",
"document_number":"2025-03117","abstract":"The Department amends its grant conditions \u2014 see \u00a7 1373 and the \u201cfinal\u201d <rule>.","type":"Rule","title":"Sanctuary Jurisdiction Grant Conditions"}],
"next_page_url":"https://www.federalregister.gov/api/v1/documents.json?page=2&conditions%5Bterm%5D=sanctuary","total_pages":1,"description":"Documents matching 'sanctuary'","count":2}`

const frRendered = `{
  "count": 2
  "description": "Documents matching 'sanctuary'"
  "next_page_url": "https://www.federalregister.gov/api/v1/documents.json?page=2&conditions%5Bterm%5D=sanctuary"
  "results": [
    {
      "abstract": null
      "agencies": [
        {
          "id": 538
          "name": "Executive Office of the President"
        }
      ]
      "document_number": "2025-02006"
      "fee": 1.10
      "html_url": "https://www.federalregister.gov/documents/2025/01/29/2025-02006/protecting-the-american-people-against-invasion"
      "publication_date": "2025-01-29"
      "title": "Protecting the American People Against Invasion"
      "type": "Presidential Document"
    }
    {
      "abstract": "The Department amends its grant conditions — see § 1373 and the “final” <rule>."
      "agencies": []
      "document_number": "2025-03117"
      "fee": 12345678901234567890123
      "html_url": "https://www.federalregister.gov/documents/2025/02/20/2025-03117/sanctuary-jurisdiction-grant-conditions"
      "publication_date": "2025-02-20"
      "title": "Sanctuary Jurisdiction Grant Conditions"
      "type": "Rule"
    }
  ]
  "total_pages": 1
}`

func TestJSONRendering(t *testing.T) {
	r, err := Text([]byte(frResponse), "application/json; charset=utf-8", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != frRendered {
		t.Errorf("Text differs:\n%s", lineDiff(frRendered, r.Text))
	}
	if r.MediaType != "application/json" || r.Charset != "utf-8" {
		t.Errorf("MediaType %q, Charset %q", r.MediaType, r.Charset)
	}

	// Key order and white space do not matter.
	r2, err := Text([]byte(frReordered), "application/json", Options{})
	if err != nil || r2.Text != r.Text {
		t.Errorf("reordered keys: err %v, text differs:\n%s", err, lineDiff(r.Text, r2.Text))
	}

	// One changed field is one changed line.
	changed := strings.Replace(frResponse, `"type": "Rule"`, `"type": "Proposed Rule"`, 1)
	r3, err := Text([]byte(changed), "application/json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := lineDiff(r.Text, r3.Text)
	if strings.Count(d, "line ") != 1 || !strings.Contains(d, `Proposed Rule`) {
		t.Errorf("one-field change: want one changed line, got:\n%s", d)
	}
}

func TestJSONScalars(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"numbers as written", `[1.10, 1e400, -0, 0.000001000, 12345678901234567890]`, "[\n  1.10\n  1e400\n  -0\n  0.000001000\n  12345678901234567890\n]"},
		{"escapes decoded", `{"s": "\u00e9t\u00e9 \u2014 \ud83d\udcdc \/ <b>&amp;"}`, "{\n  \"s\": \"été — 📜 / <b>&amp;\"\n}"},
		{"escapes JSON needs kept", `["a\"b\\c\nd\te\u0001"]`, "[\n  \"a\\\"b\\\\c\\nd\\te\\u0001\"\n]"},
		{"literals", `{"t": true, "f": false, "n": null}`, "{\n  \"f\": false\n  \"n\": null\n  \"t\": true\n}"},
		{"empty containers", `{"a": {}, "b": []}`, "{\n  \"a\": {}\n  \"b\": []\n}"},
		{"top-level scalar", `"just a string"`, `"just a string"`},
		{"keys sorted bytewise", `{"b": 1, "B": 2, "a": 3, "é": 4}`, "{\n  \"B\": 2\n  \"a\": 3\n  \"b\": 1\n  \"é\": 4\n}"},
		{"byte order mark", "\ufeff{\"a\": 1}", "{\n  \"a\": 1\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text([]byte(tt.in), "application/json", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != tt.want {
				t.Errorf("Text = %q, want %q", r.Text, tt.want)
			}
		})
	}
}

func TestJSONPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"results.#.title", "[\n  \"Protecting the American People Against Invasion\"\n  \"Sanctuary Jurisdiction Grant Conditions\"\n]"},
		{`results.#(type=="Presidential Document")#.title`, "[\n  \"Protecting the American People Against Invasion\"\n]"},
		{`results.#(type=="Rule").document_number`, `"2025-03117"`},
		{"results.0.fee", "1.10"},
		{"count", "2"},
		{"results.1.agencies", "[]"},
		{"results.0.agencies.0", "{\n  \"id\": 538\n  \"name\": \"Executive Office of the President\"\n}"},
		{"{results.#.document_number,count}", "{\n  \"count\": 2\n  \"document_number\": [\n    \"2025-02006\"\n    \"2025-03117\"\n  ]\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, err := Text([]byte(frResponse), "application/json", Options{JSONPath: tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != tt.want {
				t.Errorf("Text = %q, want %q", r.Text, tt.want)
			}
		})
	}

	for _, p := range []string{"resultz", "results.5", "results.#.titel", `results.#(type=="Notice")#.title`, `results.#(type=="Notice").title`} {
		r, err := Text([]byte(frResponse), "application/json", Options{JSONPath: p})
		if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), strconv.Quote(p)) {
			t.Errorf("JSONPath %q: err = %v, want ErrNoMatch naming the path", p, err)
		}
		if r.MediaType != "application/json" {
			t.Errorf("JSONPath %q: MediaType %q", p, r.MediaType)
		}
	}

	// JSONPath on something that is not JSON; Select on JSON.
	if _, err := Text([]byte("<p>x</p>"), "text/html", Options{JSONPath: "a"}); !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), "text/html") {
		t.Errorf("JSONPath on HTML: err = %v", err)
	}
	if _, err := Text([]byte("<r/>"), "application/xml", Options{JSONPath: "a"}); !errors.Is(err, ErrNoMatch) {
		t.Errorf("JSONPath on XML: err = %v", err)
	}
	if _, err := Text([]byte(frResponse), "application/json", Options{Select: []string{"main"}}); !errors.Is(err, ErrNoMatch) {
		t.Errorf("Select on JSON: err = %v", err)
	}
	if _, err := Text([]byte(frResponse), "application/json", Options{JSONPath: "results.(("}); err == nil || !strings.Contains(err.Error(), "invalid JSONPath") {
		t.Errorf("bad JSONPath: err = %v", err)
	}
}

func TestJSONErrors(t *testing.T) {
	tests := []struct{ name, in, mention string }{
		{"extra comma", `{"a": 1,, "b": 2}`, "byte offset 8 (line 1, column 9)"},
		{"on a later line", "{\n  \"a\": 1,\n  \"b\": tru\n}", "(line 3, column 11)"},
		{"truncated", `{"results": [1, 2`, "byte offset 17 (line 1, column 18): unexpected end of JSON input"},
		{"trailing data", `{"a": 1} {"b": 2}`, "byte offset 9 (line 1, column 10): unexpected data after the JSON value"},
		{"empty", "  ", "empty JSON document"},
		{"html error page", "<!DOCTYPE html><html><body>Service Unavailable</body></html>", "byte offset 0 (line 1, column 1): invalid character '<'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text([]byte(tt.in), "application/json", Options{})
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("err %q does not mention %q", err, tt.mention)
			}
			if r.MediaType != "application/json" || r.Text != "" {
				t.Errorf("Result = %+v", r)
			}
		})
	}
}

func TestJSONMediaTypes(t *testing.T) {
	tests := []struct{ name, body, ct, wantType, wantText string }{
		{"structured suffix", `{"@type":"Legislation"}`, "application/ld+json", "application/ld+json", "{\n  \"@type\": \"Legislation\"\n}"},
		{"vendor type", `{"data":[]}`, "application/vnd.api+json", "application/vnd.api+json", "{\n  \"data\": []\n}"},
		{"text/plain object", ` {"b":1,"a":2}`, "text/plain; charset=utf-8", "application/json", "{\n  \"a\": 2\n  \"b\": 1\n}"},
		{"text/plain array", "[1,2]\n", "text/plain", "application/json", "[\n  1\n  2\n]"},
		{"sniffed", `{"a":1}`, "", "application/json", "{\n  \"a\": 1\n}"},
		{"text/plain bracket that is not JSON", "[Draft] Policy on detainers\nSection 1", "text/plain", "text/plain", "[Draft] Policy on detainers\nSection 1"},
		{"text/csv is never JSON", "[1,2]", "text/csv", "text/csv", "[1,2]"},
		{"utf-16 with BOM", "\xff\xfe{\x00\"\x00a\x00\"\x00:\x00\"\x00\xe9\x00\"\x00}\x00", "application/json", "application/json", "{\n  \"a\": \"é\"\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Text([]byte(tt.body), tt.ct, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.MediaType != tt.wantType || r.Text != tt.wantText {
				t.Errorf("got %q %q, want %q %q", r.MediaType, r.Text, tt.wantType, tt.wantText)
			}
		})
	}
	// text/plain that is not JSON but has a JSONPath: the JSON error.
	if _, err := Text([]byte("[Draft"), "text/plain", Options{JSONPath: "a"}); !errors.Is(err, ErrMalformed) {
		t.Errorf("JSONPath on bracketed text: err = %v, want ErrMalformed", err)
	}
	if _, err := Text([]byte("plain words"), "text/plain", Options{JSONPath: "a"}); !errors.Is(err, ErrNoMatch) {
		t.Errorf("JSONPath on plain text: err = %v, want ErrNoMatch", err)
	}
}

func TestCompileJSONPath(t *testing.T) {
	valid := []string{
		"results", "results.#.title", `results.#(type=="Presidential Document")#.title`,
		`results.#(title%"*Sanctuary*")#`, "results.0.agencies.#.name", "..#.title", `a\.b`,
		"{count,results.#.title}", "[count,total_pages]", "results|@reverse", `@pretty:{"sortKeys":true}`,
		`results.#(agencies.#(id==538))#.title`, `results.#(title=="a (b) [c]")`, "child*.2", "c?ildren.0",
	}
	for _, p := range valid {
		if err := CompileJSONPath(p); err != nil {
			t.Errorf("CompileJSONPath(%q) = %v", p, err)
		}
	}
	invalid := map[string]string{
		"":                         "empty path",
		"   ":                      "empty path",
		"results.#(type==\"Rule\"": "unclosed",
		"results.#(type==\"Rule)":  "unterminated string",
		"results)":                 "unbalanced",
		"{a,b]":                    "unbalanced",
		"results..title":           "empty component",
		"results.":                 "empty component",
		".results":                 "empty component",
		"results|":                 "empty component",
		`results\`:                 "trailing backslash",
	}
	for p, why := range invalid {
		err := CompileJSONPath(p)
		if err == nil || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "invalid JSONPath") {
			t.Errorf("CompileJSONPath(%q) = %v, want an error about %q", p, err, why)
		}
	}
}
