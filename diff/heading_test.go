package diff

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// policy is a page with text before its first heading and nested sections.
const policy = `Preamble text before any heading.
# Detainer Policy
Intro words for the policy.
## Section 2. Detainers
Section two opening text.
### (a)
The county shall honor requests.
## Section 3
More text here.
`

func TestHeadings(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     [][]string // heading of each hunk
	}{
		{
			name: "edit under nested headings",
			old:  policy, new: strings.Replace(policy, "shall honor", "may honor", 1),
			want: [][]string{{"Detainer Policy", "Section 2. Detainers", "(a)"}},
		},
		{
			name: "a heading ends deeper ones",
			old:  policy, new: strings.Replace(policy, "More text", "Other text", 1),
			want: [][]string{{"Detainer Policy", "Section 3"}},
		},
		{
			name: "edit before any heading",
			old:  policy, new: strings.Replace(policy, "Preamble text", "Preface text", 1),
			want: [][]string{nil},
		},
		{
			name: "edit on a heading line",
			old:  policy, new: strings.Replace(policy, "## Section 2. Detainers", "## Section 2. Immigration holds", 1),
			want: [][]string{{"Detainer Policy", "Section 2. Immigration holds"}},
		},
		{
			name: "added section",
			old:  policy, new: policy + "## Section 4\nNew text.\n",
			want: [][]string{{"Detainer Policy", "Section 4"}},
		},
		{
			name: "added paragraph at the start of a section",
			old:  policy, new: strings.Replace(policy, "## Section 3\n", "## Section 3\nA new first line.\n", 1),
			want: [][]string{{"Detainer Policy", "Section 3"}},
		},
		{
			name: "removed paragraph before a heading stays in its section",
			old:  policy, new: strings.Replace(policy, "Section two opening text.\n", "", 1),
			want: [][]string{{"Detainer Policy", "Section 2. Detainers"}},
		},
		{
			name: "removed section",
			old:  policy, new: strings.Replace(policy, "## Section 3\nMore text here.\n", "", 1),
			want: [][]string{{"Detainer Policy", "Section 3"}},
		},
		{
			name: "removed last line without a newline",
			old:  strings.TrimSuffix(policy, "\n"), new: strings.TrimSuffix(policy, "\nMore text here.\n"),
			want: [][]string{{"Detainer Policy", "Section 3"}},
		},
		{
			name: "word removed mid-line",
			old:  policy, new: strings.Replace(policy, "Section two opening text.", "Section two text.", 1),
			want: [][]string{{"Detainer Policy", "Section 2. Detainers"}},
		},
		{
			name: "section renamed and edited under its new name",
			old:  policy, new: strings.Replace(strings.Replace(policy, "## Section 3", "## Section 3. Funding", 1), "More text", "Less text", 1),
			want: [][]string{{"Detainer Policy", "Section 3. Funding"}},
		},
		{
			name: "two hunks in two sections",
			old:  policy, new: strings.Replace(strings.Replace(policy, "Intro words", "Opening words", 1), "More text", "Other text", 1),
			want: [][]string{{"Detainer Policy"}, {"Detainer Policy", "Section 3"}},
		},
		{
			name: "skipped level",
			old:  "# A\n### deep\n## mid\ntext here\n", new: "# A\n### deep\n## mid\ntext there\n",
			want: [][]string{{"A", "mid"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Words(tt.old, tt.new, Options{})
			if len(r.Hunks) != len(tt.want) {
				t.Fatalf("%d hunks, want %d:\n%s", len(r.Hunks), len(tt.want), r.WordDiff())
			}
			for i, h := range r.Hunks {
				if !reflect.DeepEqual(h.Heading, tt.want[i]) {
					t.Errorf("hunk %d heading %q, want %q:\n%s", i, h.Heading, tt.want[i], r.WordDiff())
				}
			}
		})
	}
}

func TestHeadingsNoContext(t *testing.T) {
	// With no context kept, whether a deleted line survives is read from
	// ElidedBefore and ElidedAfter.
	old := "# A\nkeep gone keep\n## B\nx\n"
	new := "# A\nkeep keep\n## B\nx\n"
	r := Words(old, new, Options{Context: -1})
	if len(r.Hunks) != 1 || !reflect.DeepEqual(r.Hunks[0].Heading, []string{"A"}) {
		t.Fatalf("hunks %+v", r.Hunks)
	}
}

func TestHeadingLine(t *testing.T) {
	tests := []struct {
		line  string
		level int
		title string
	}{
		{"# Title", 1, "Title"},
		{"###   (a)  Spaced  ", 3, "(a)  Spaced"},
		{"###### Six", 6, "Six"},
		{"####### Seven", 0, ""},
		{"#NoSpace", 0, ""},
		{"# ", 0, ""},
		{"#", 0, ""},
		{"- ## In a list", 0, ""},
		{"Text # not a heading", 0, ""},
	}
	for _, tt := range tests {
		level, title, ok := headingLine(tt.line)
		if ok != (tt.level > 0) || level != tt.level && ok || title != tt.title {
			t.Errorf("headingLine(%q) = %d %q %v, want %d %q", tt.line, level, title, ok, tt.level, tt.title)
		}
	}
}

func TestHeadingJSON(t *testing.T) {
	r := Words(policy, strings.Replace(policy, "shall", "may", 1), Options{})
	b, err := json.Marshal(r.Hunks[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := `"heading":["Detainer Policy","Section 2. Detainers","(a)"]`; !strings.Contains(string(b), want) {
		t.Fatalf("JSON %s lacks %s", b, want)
	}
}
