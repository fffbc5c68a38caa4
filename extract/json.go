package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// jsonIndent is the indentation of one nesting level in rendered JSON.
const jsonIndent = "  "

// jsonText renders a JSON document (or, with path, what the gjson path
// selects in it; see Options.JSONPath) as comparison text: objects with their keys sorted, two
// spaces of indentation per level, one scalar per line ("key": value), no
// commas. Numbers are kept exactly as written (1.10 stays 1.10, big integers
// stay exact); strings are JSON-quoted with their escapes decoded (\u00e9 is
// é) except those JSON requires. A field that changes is a one-line
// difference; two documents that differ only in key order or whitespace
// render identically.
func jsonText(s, path string) ([]string, error) {
	s = strings.TrimPrefix(s, "\uFEFF")
	v, err := parseJSON(s)
	if err != nil {
		return nil, err
	}
	if path != "" {
		r := gjson.Get(s, path)
		if !r.Exists() || strings.Contains(path, "#") && r.IsArray() && len(r.Array()) == 0 {
			return nil, fmt.Errorf("%w: JSONPath %q", ErrNoMatch, path)
		}
		if v, err = parseJSON(r.Raw); err != nil {
			// gjson built something that is not JSON: a modifier's output.
			return nil, fmt.Errorf("JSONPath %q: result is not JSON: %w", path, err)
		}
	}
	var lines []string
	renderJSON(&lines, "", "", v)
	return lines, nil
}

// parseJSON decodes one JSON value with numbers kept as written. A syntax
// error is reported wrapping ErrMalformed, with the byte offset, line and
// column where the document broke.
func parseJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			// Offset counts the bytes read, the offending one included.
			return nil, jsonSyntax(s, se.Offset-1, se.Error())
		case errors.Is(err, io.EOF) && strings.TrimSpace(s) == "":
			return nil, fmt.Errorf("%w: empty JSON document", ErrMalformed)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil, jsonSyntax(s, int64(len(s)), "unexpected end of JSON input")
		default:
			return nil, fmt.Errorf("%w: invalid JSON: %v", ErrMalformed, err)
		}
	}
	off := d.InputOffset()
	if rest := strings.TrimLeft(s[off:], " \t\r\n"); rest != "" {
		return nil, jsonSyntax(s, int64(len(s)-len(rest)), "unexpected data after the JSON value")
	}
	return v, nil
}

// jsonSyntax reports a syntax error at byte offset off of s (counted from
// 0, in the text decoded to UTF-8), with its 1-based line and column.
func jsonSyntax(s string, off int64, msg string) error {
	off = min(max(off, 0), int64(len(s)))
	before := s[:off]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Errorf("%w: invalid JSON at byte offset %d (line %d, column %d): %s", ErrMalformed, off, line, col, msg)
}

// renderJSON appends the lines of v, indented by indent, the first one
// prefixed by prefix (a quoted key and ": ").
func renderJSON(lines *[]string, indent, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			*lines = append(*lines, indent+prefix+"{}")
			return
		}
		*lines = append(*lines, indent+prefix+"{")
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			renderJSON(lines, indent+jsonIndent, jsonQuote(k)+": ", v[k])
		}
		*lines = append(*lines, indent+"}")
	case []any:
		if len(v) == 0 {
			*lines = append(*lines, indent+prefix+"[]")
			return
		}
		*lines = append(*lines, indent+prefix+"[")
		for _, e := range v {
			renderJSON(lines, indent+jsonIndent, "", e)
		}
		*lines = append(*lines, indent+"]")
	case string:
		*lines = append(*lines, indent+prefix+jsonQuote(v))
	case json.Number:
		*lines = append(*lines, indent+prefix+v.String())
	case bool:
		*lines = append(*lines, fmt.Sprintf("%s%s%t", indent, prefix, v))
	default: // nil
		*lines = append(*lines, indent+prefix+"null")
	}
}

// jsonQuote quotes s as a JSON string without HTML escaping: only quotes,
// backslashes, control characters, U+2028 and U+2029 are escaped.
func jsonQuote(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// looksJSON reports whether s starts, after white space, with '{' or '['.
func looksJSON(s string) bool {
	s = strings.TrimLeft(strings.TrimPrefix(s, "\uFEFF"), " \t\r\n")
	return s != "" && (s[0] == '{' || s[0] == '[')
}

func jsonPathNoMatch(path, mt string) error {
	return fmt.Errorf("%w: JSONPath %q (does not apply to %s)", ErrNoMatch, path, mt)
}

// CompileJSONPath reports whether p is a well-formed gjson path, for config
// validation. gjson itself never rejects a path (a bad one simply selects
// nothing), so this is a syntax check: the path is not blank, brackets
// ( ) [ ] { } are balanced and properly nested, quoted strings and escapes
// are closed, and no component is empty ("a..b", "a.", "a|"). A leading
// ".." (gjson's JSON Lines mode) is allowed. Whether the path matches is
// only known against a document: Text then gives ErrNoMatch.
func CompileJSONPath(p string) error {
	bad := func(why string) error { return fmt.Errorf("invalid JSONPath %q: %s", p, why) }
	if strings.TrimSpace(p) == "" {
		return bad("empty path")
	}
	var stack []byte
	inString := false
	body := strings.TrimPrefix(p, "..")
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' {
			if i++; i == len(body) {
				return bad("trailing backslash")
			}
			continue
		}
		if inString {
			inString = c != '"'
			continue
		}
		switch c {
		case '"':
			if len(stack) > 0 {
				inString = true
			}
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return bad(fmt.Sprintf("unbalanced %q at offset %d", c, i+len(p)-len(body)))
			}
			stack = stack[:len(stack)-1]
		case '.', '|':
			if len(stack) > 0 {
				continue
			}
			if i == 0 || i == len(body)-1 || body[i+1] == '.' || body[i+1] == '|' {
				return bad(fmt.Sprintf("empty component at offset %d", i+len(p)-len(body)))
			}
		}
	}
	switch {
	case inString:
		return bad("unterminated string")
	case len(stack) > 0:
		return bad(fmt.Sprintf("unclosed %q", stack[len(stack)-1]))
	}
	return nil
}
