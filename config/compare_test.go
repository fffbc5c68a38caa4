package config

import (
	"reflect"
	"testing"
)

func TestCompareSettings(t *testing.T) {
	data := `
defaults:
  ignore: ['Visitors: \d+']
  keywords: [sanctuary, detainer]
targets:
  - name: a
    url: https://example.org/a
    ignore: ['Quote of the day: .*']
    keywords: [Detainer, "8   U.S.C. 1373"]
    json_path: results.#.title
    default_ignore: false
  - name: b
    url: https://example.org/b
notifiers:
  - name: w
    url: https://hooks.example.org/
    min_words: 3
    keywords_only: true
    min_significance: Medium
`
	c, err := Parse([]byte(data), "r.yml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Targets[0], c.Targets[1]
	if want := []string{`Visitors: \d+`, `Quote of the day: .*`}; !reflect.DeepEqual(a.Ignore, want) {
		t.Errorf("a.Ignore = %q, want %q", a.Ignore, want)
	}
	if want := []string{"sanctuary", "detainer", "8 U.S.C. 1373"}; !reflect.DeepEqual(a.Keywords, want) {
		t.Errorf("a.Keywords = %q, want %q (defaults first, case-insensitive duplicates once, spaces folded)", a.Keywords, want)
	}
	if a.JSONPath != "results.#.title" || !a.NoDefaultIgnore {
		t.Errorf("a: json_path %q, NoDefaultIgnore %v", a.JSONPath, a.NoDefaultIgnore)
	}
	if !reflect.DeepEqual(b.Ignore, []string{`Visitors: \d+`}) || !reflect.DeepEqual(b.Keywords, []string{"sanctuary", "detainer"}) || b.NoDefaultIgnore {
		t.Errorf("b inherits defaults: %+v", b)
	}
	n := c.Notifiers[0]
	if n.MinWords != 3 || !n.KeywordsOnly || n.MinSignificance != "medium" {
		t.Errorf("notifier filters = %+v", n)
	}
}
