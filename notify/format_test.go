package notify

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"redline"
	"redline/diff"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

const testBase = "https://redline.example.org"

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func capture(id int64, when string) CaptureRef {
	return CaptureRef{
		CaptureID: id, FetchedAt: at(when), URL: "https://www.dhs.gov/immigration-detainers", Status: 200,
		BodySHA256: strings.Repeat("ab", 32), TextSHA256: strings.Repeat("cd", 32),
	}
}

// changedOne is a realistic one-word edit with one hunk.
func changedOne() Changed {
	return Changed{
		Type: redline.EventPageChanged, ID: "msg_2Xk9dTq", Timestamp: at("2025-03-14T09:30:00Z"),
		Target:   TargetRef{Name: "dhs-detainer-policy", URL: "https://www.dhs.gov/immigration-detainers", Tags: []string{"federal", "dhs"}},
		Previous: capture(12, "2025-03-13T09:30:00Z"), Current: capture(13, "2025-03-14T09:30:00Z"),
		Stats:        Stats{WordsAdded: 1, WordsRemoved: 1, Hunks: 1},
		Significance: "high", Signals: []string{"modal"},
		Reasons:  []string{`modal verb changed: "shall" -> "may"`},
		Keywords: Keywords{Added: []string{}, Removed: []string{}, Near: []string{"detainer"}},
		Diff: DiffBody{
			Word:    "@@ -14 +14 @@\n…ICE officers [-shall-]{+may+} notify the requesting…\n",
			Unified: "@@ -14 +14 @@\n-Upon receipt of a detainer, ICE officers shall notify the requesting agency.\n+Upon receipt of a detainer, ICE officers may notify the requesting agency.\n",
			Hunks: []diff.Hunk{{
				OldLine: 14, NewLine: 14, Heading: []string{"Immigration Detainers", "Policy"}, Added: 1, Removed: 1, Signals: []string{"modal"},
				Segments: []diff.Segment{
					{Op: diff.Equal, Text: "Upon receipt of a detainer, ICE officers "},
					{Op: diff.Delete, Text: "shall"}, {Op: diff.Insert, Text: "may"},
					{Op: diff.Equal, Text: " notify the requesting agency"},
				},
				ElidedAfter: true,
			}},
		},
	}
}

// changedMany has 80 hunks, each far longer than any channel allows, with
// multi-byte runes everywhere a cut may fall, and long headings.
func changedMany() Changed {
	c := changedOne()
	c.Reasons = nil
	for i := range 21 {
		c.Reasons = append(c.Reasons, fmt.Sprintf(`number changed: "%d" -> "%d" `, i, i+1)+strings.Repeat("ü", 400))
	}
	c.Diff.Hunks = nil
	for i := range 80 {
		c.Diff.Hunks = append(c.Diff.Hunks, diff.Hunk{
			OldLine: 10 * i, NewLine: 10*i + 1, Added: 500, Removed: 500,
			Heading: []string{"Title 8 — Aliens and Nationality", fmt.Sprintf("§ %d ", i) + strings.Repeat("Détention 漢字 🙂 ", 40)},
			Segments: []diff.Segment{
				{Op: diff.Equal, Text: strings.Repeat("contexte é 漢 🙂 ", 200)},
				{Op: diff.Delete, Text: strings.Repeat("ancien 🙂 texte ", 150)},
				{Op: diff.Insert, Text: strings.Repeat("nouveau 漢字 texte ", 150)},
				{Op: diff.Equal, Text: strings.Repeat(" fin ü", 100)},
			},
			ElidedBefore: true, ElidedAfter: true,
		})
	}
	c.Stats = Stats{WordsAdded: 40000, WordsRemoved: 36000, Hunks: 80}
	return c
}

// changedManySmall has 80 one-word edits: block and field counts bind
// before any text budget does.
func changedManySmall() Changed {
	c := changedOne()
	c.Diff.Hunks = nil
	for i := range 80 {
		c.Diff.Hunks = append(c.Diff.Hunks, diff.Hunk{
			OldLine: i + 1, NewLine: i + 1, Added: 1, Removed: 1, Heading: []string{"Policy", fmt.Sprintf("Item %d", i+1)},
			Segments: []diff.Segment{
				{Op: diff.Equal, Text: "Officers "}, {Op: diff.Delete, Text: "shall"}, {Op: diff.Insert, Text: "may"},
				{Op: diff.Equal, Text: " act."},
			},
		})
	}
	c.Stats = Stats{WordsAdded: 80, WordsRemoved: 80, Hunks: 80}
	return c
}

// changedHuge is one rewrite of a whole page, in text without spaces
// (CJK, emoji), so that every cut falls between multi-byte runes.
func changedHuge() Changed {
	c := changedOne()
	c.Target.Name = "dhs-" + strings.Repeat("policy-", 60) // longer than any title allows
	c.Diff.Hunks = []diff.Hunk{{
		OldLine: 1, NewLine: 1, Added: 1, Removed: 1,
		Segments: []diff.Segment{
			{Op: diff.Equal, Text: strings.Repeat("前文", 50)},
			{Op: diff.Delete, Text: strings.Repeat("旧規則🙂", 3000)},
			{Op: diff.Insert, Text: strings.Repeat("新規則é🙂", 3000)},
		},
	}}
	c.Stats = Stats{WordsAdded: 1, WordsRemoved: 1, Hunks: 1}
	return c
}

// hostile is page text that every format must show literally.
const hostile = "Notice to @here and @everyone: <!channel> <@U024BE7LH> & <b>html</b> *bold* _italic_ ~strike~ `code` ||spoiler|| [link](https://evil.example) #hashtag @channel @all ＊full＊"

// changedEscapes carries page text full of markup, mentions and block
// syntax, in context, edits, headings and reasons.
func changedEscapes() Changed {
	c := changedOne()
	c.Target.Name = "nyc_sanctuary_policy"
	c.Reasons = []string{`modal verb changed: "*shall*" -> "~may~"`, "<!here> @everyone _reason_"}
	c.Keywords.Added = []string{"<!channel>"}
	c.Diff.Hunks = []diff.Hunk{{
		OldLine: 3, NewLine: 3, Heading: []string{"<!channel> *Bold* heading", "_Sub_ & <b>"}, Added: 3, Removed: 2,
		Segments: []diff.Segment{
			{Op: diff.Equal, Text: "Officers "},
			{Op: diff.Delete, Text: "*shall* not"}, {Op: diff.Insert, Text: "~may~ `always` @here"},
			{Op: diff.Equal, Text: " " + hostile + " "},
			{Op: diff.Insert, Text: "<!here>"},
			{Op: diff.Equal, Text: "\n> quoted line\n- list item\n1. numbered\n# heading\n    indented code"},
		},
	}}
	c.Stats = Stats{WordsAdded: 3, WordsRemoved: 2, Hunks: 1}
	return c
}

func eventMissing() Event {
	return Event{
		Type: redline.EventSelectorMissing, ID: "msg_7Yh2", Timestamp: at("2025-03-15T06:00:00Z"),
		Target:  TargetRef{Name: "dhs-detainer-policy", URL: "https://www.dhs.gov/immigration-detainers", Tags: []string{}},
		Current: capture(14, "2025-03-15T06:00:00Z"),
		Detail:  `selector "#main > .policy_text" matched nothing; <!channel> @everyone *look*`,
	}
}

// eventRemoved is an event type the renderers do not know by name.
func eventRemoved() Event {
	e := eventMissing()
	e.Type, e.ID, e.Detail = "page.removed", "msg_8Zz1", "The page answered 410 Gone."
	e.Current.Status = 410
	return e
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type fixture struct {
	name     string
	body     any
	changed  bool
	hunks    int
	hostile  bool // holds hostile page text
	manyCuts bool // must be truncated
}

func fixtures() []fixture {
	return []fixture{
		{name: "one", body: changedOne(), changed: true, hunks: 1},
		{name: "many", body: changedMany(), changed: true, hunks: 80, manyCuts: true},
		{name: "many_small", body: changedManySmall(), changed: true, hunks: 80},
		{name: "huge", body: changedHuge(), changed: true, hunks: 1},
		{name: "escapes", body: changedEscapes(), changed: true, hunks: 1, hostile: true},
		{name: "selector_missing", body: eventMissing()},
		{name: "page_removed", body: eventRemoved()},
	}
}

// decodeStrict decodes b into v, rejecting unknown fields and trailing
// data: it proves the body has exactly the shape the test types declare.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

// receiver is a local stand-in for a chat service's webhook: it takes a
// POST of application/json, runs validate on the body and answers 400
// with the error, or 200.
func receiver(t *testing.T, validate func([]byte) error) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			http.Error(w, "content type "+ct, http.StatusUnsupportedMediaType)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := validate(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// deliver POSTs a rendered payload to a receiver.
func deliver(url string, payload []byte, contentType string) error {
	resp, err := http.Post(url, contentType, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver answered %s: %s", resp.Status, msg)
	}
	return nil
}

// validators check a rendered body against each service's documented
// structure and limits.
var validators = map[Format]func([]byte) error{
	FormatSlack:      validateSlack,
	FormatDiscord:    validateDiscord,
	FormatTeams:      validateTeams,
	FormatMattermost: validateMattermost,
}

var chatFormats = []Format{FormatSlack, FormatDiscord, FormatTeams, FormatMattermost}

// escapedRun matches a backslash escape in Markdown.
var escapedRun = regexp.MustCompile(`\\.`)

// balancedMarkdown checks that every line of s holds ~~ and ** in pairs,
// once backslash escapes are set aside.
func balancedMarkdown(s string) error {
	for l := range strings.SplitSeq(escapedRun.ReplaceAllString(s, ""), "\n") {
		for _, m := range []string{"~~", "**"} {
			if strings.Count(l, m)%2 != 0 {
				return fmt.Errorf("unbalanced %s in line %q", m, l)
			}
		}
	}
	return nil
}

// textOK checks that s is valid UTF-8 with no replacement character:
// a rune cut in two would come out of the JSON encoder as U+FFFD.
func textOK(s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return fmt.Errorf("broken rune in %q", s)
	}
	return nil
}

// TestRenderFormats renders every fixture in every chat format, with and
// without a base URL, delivers it to a receiver that validates it, and
// checks the link and the truncation notice.
func TestRenderFormats(t *testing.T) {
	for _, f := range chatFormats {
		srv := receiver(t, validators[f])
		for _, fx := range fixtures() {
			for _, base := range []string{"", testBase} {
				name := fmt.Sprintf("%s/%s/base=%t", f, fx.name, base != "")
				t.Run(name, func(t *testing.T) {
					payload, ct, err := Render(f, mustMarshal(t, fx.body), RenderOptions{BaseURL: base})
					if err != nil {
						t.Fatal(err)
					}
					if ct != "application/json" {
						t.Fatalf("content type %q", ct)
					}
					if err := deliver(srv.URL, payload, ct); err != nil {
						t.Fatal(err)
					}
					text := allText(t, payload)
					link := testBase + "/targets/dhs-detainer-policy"
					if fx.changed {
						link = testBase + "/targets/" + fx.body.(Changed).Target.Name + "/changes/13"
					}
					if got := strings.Contains(text, link); got != (base != "") {
						t.Errorf("link %s present = %v with base %q", link, got, base)
					}
					if base == "" && strings.Contains(text, "/targets/") {
						t.Errorf("a redline link without a base URL")
					}
					if fx.manyCuts && !strings.Contains(text, "more changes") {
						t.Errorf("no count of the changes left out")
					}
					if !fx.changed && !strings.Contains(text, eventTitle(fx.body.(Event).Type)+": dhs-detainer-policy") {
						t.Errorf("event title missing")
					}
				})
			}
		}
	}
}

// allText gathers every string of a JSON document, decoded.
func allText(t *testing.T, payload []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(payload, &v); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestRenderGolden pins the rendering of a one-hunk change and of an
// event in every format. Run with -update to rewrite the files after a
// deliberate change, and read the diff.
func TestRenderGolden(t *testing.T) {
	for _, f := range []Format{FormatJSON, FormatSlack, FormatDiscord, FormatTeams, FormatMattermost} {
		for _, fx := range []fixture{{name: "changed", body: changedOne()}, {name: "event", body: eventMissing()}} {
			t.Run(string(f)+"/"+fx.name, func(t *testing.T) {
				payload, _, err := Render(f, mustMarshal(t, fx.body), RenderOptions{BaseURL: testBase})
				if err != nil {
					t.Fatal(err)
				}
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, payload, "", "  "); err != nil {
					t.Fatal(err)
				}
				pretty.WriteByte('\n')
				path := filepath.Join("testdata", "render", string(f)+"-"+fx.name+".json")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -run TestRenderGolden -update)", err)
				}
				if !bytes.Equal(pretty.Bytes(), want) {
					t.Errorf("%s differs from the rendering:\n%s", path, pretty.String())
				}
			})
		}
	}
}

// TestRenderRealDiff renders a change computed by the diff package end to
// end, as the monitor builds it.
func TestRenderRealDiff(t *testing.T) {
	old := "# Sanctuary Policy\n## Section 2. Cooperation\nThe City shall not honor civil immigration detainers without a judicial warrant.\n## Section 3. Records\nRecords are kept for 5 years.\n"
	new := "# Sanctuary Policy\n## Section 2. Cooperation\nThe City may honor civil immigration detainers without a judicial warrant.\n## Section 3. Records\nRecords are kept for 7 years & *audited*.\n"
	d := diff.Words(old, new, diff.Options{})
	a := diff.Analyze(&d, old, new, []string{"detainer"})
	tg := redline.Target{Name: "city_sanctuary", URL: "https://city.example.gov/sanctuary"}
	prev := redline.Capture{ID: 4, FetchedAt: at("2025-01-01T00:00:00Z"), URL: tg.URL, Status: 200}
	cur := redline.Capture{ID: 5, FetchedAt: at("2025-01-02T00:00:00Z"), URL: tg.URL, Status: 200}
	body := mustMarshal(t, NewChanged("msg_real", tg, prev, cur, d, a, 0, ""))
	for _, f := range chatFormats {
		t.Run(string(f), func(t *testing.T) {
			payload, _, err := Render(f, body, RenderOptions{BaseURL: testBase + "/"})
			if err != nil {
				t.Fatal(err)
			}
			if err := validators[f](payload); err != nil {
				t.Fatal(err)
			}
			text := allText(t, payload)
			for _, want := range []string{"Section 2. Cooperation", "Section 3. Records", testBase + "/targets/city_sanctuary/changes/5"} {
				if !strings.Contains(text, want) && !strings.Contains(text, strings.ReplaceAll(want, "_", `\_`)) {
					t.Errorf("%q missing from\n%s", want, text)
				}
			}
		})
	}
}

func TestFit(t *testing.T) {
	id := func(s string) string { return s }
	cases := []struct {
		s      string
		max    int
		render func(string) string
		want   string
	}{
		{"abc", 5, id, "abc"},
		{"hello world foo", 9, id, "hello…"},
		{"漢字漢字漢字", 4, id, "漢字漢…"},
		{"🙂🙂🙂🙂", 5, id, "🙂🙂…"}, // 🙂 is two UTF-16 units
		{"a&b&c&d", 8, slackEscape, "a&amp;b…"},
		{"*x*", 3, discordEscape, `\*…`},
		{"anything", 0, id, ""},
	}
	for _, c := range cases {
		got := fit(c.s, c.max, c.render)
		if got != c.want || textLen(got) > c.max {
			t.Errorf("fit(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}

func TestHunkPieces(t *testing.T) {
	long := strings.Repeat("word ", 60) // 300 runes
	cases := []struct {
		name string
		h    diff.Hunk
		want []piece
	}{
		{"whitespace edits show the new text", diff.Hunk{Segments: []diff.Segment{
			{Op: diff.Equal, Text: "a"}, {Op: diff.Delete, Text: " "}, {Op: diff.Insert, Text: "\n"}, {Op: diff.Equal, Text: "b"},
			{Op: diff.Insert, Text: "c"},
		}}, []piece{{diff.Equal, "a\nb"}, {diff.Insert, "c"}}},
		{"elided ends", diff.Hunk{ElidedBefore: true, ElidedAfter: true, Segments: []diff.Segment{
			{Op: diff.Delete, Text: "x"},
		}}, []piece{{diff.Equal, "…"}, {diff.Delete, "x"}, {diff.Equal, "…"}}},
		{"long context kept near the edits", diff.Hunk{Segments: []diff.Segment{
			{Op: diff.Equal, Text: long}, {Op: diff.Delete, Text: "x"}, {Op: diff.Equal, Text: long + long},
			{Op: diff.Insert, Text: "y"}, {Op: diff.Equal, Text: long},
		}}, []piece{
			{diff.Equal, "…"}, {diff.Equal, strings.Repeat("word ", 20)}, {diff.Delete, "x"},
			{diff.Equal, strings.Repeat("word ", 19) + "word … " + strings.Repeat("word ", 20)},
			{diff.Insert, "y"}, {diff.Equal, strings.Repeat("word ", 19) + "word"}, {diff.Equal, "…"},
		}},
	}
	for _, c := range cases {
		got := hunkPieces(c.h)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// TestRenderDiffBudgets cuts hunks to every budget from 1 to 400 in every
// markup: the result never passes the budget, never splits a rune, keeps
// markers paired and ends with "…" exactly when something was left out.
func TestRenderDiffBudgets(t *testing.T) {
	hunks := append(changedEscapes().Diff.Hunks, changedMany().Diff.Hunks[0], changedOne().Diff.Hunks[0], changedHuge().Diff.Hunks[0])
	markups := map[string]markup{"slack": slackMarkup, "discord": discordMarkup, "mattermost": mattermostMarkup, "teams": teamsMarkup, "plain": plainMarkup}
	for name, m := range markups {
		for hi, h := range hunks {
			ps := hunkPieces(h)
			for budget := 1; budget <= 400; budget++ {
				s, cut := m.renderDiff(ps, budget)
				where := fmt.Sprintf("%s hunk %d budget %d: %q", name, hi, budget, s)
				if textLen(s) > budget {
					t.Fatalf("%s: %d characters", where, textLen(s))
				}
				if err := textOK(s); err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if cut != strings.HasSuffix(s, "…") && !strings.HasSuffix(h.Segments[len(h.Segments)-1].Text, "…") && !h.ElidedAfter {
					t.Fatalf("%s: cut %v", where, cut)
				}
				var err error
				switch name {
				case "slack":
					for _, mk := range []string{"\u200b~\u200b", "\u200b*\u200b"} {
						if strings.Count(s, mk)%2 != 0 {
							err = fmt.Errorf("unbalanced %q", mk)
						}
					}
				case "discord", "mattermost":
					err = balancedMarkdown(s)
				}
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
			}
		}
	}
}

func TestEventTitle(t *testing.T) {
	for in, want := range map[string]string{
		"selector.missing": "Selector missing",
		"page.removed":     "Page removed",
		"check.failing":    "Check failing",
		"page_blocked":     "Page blocked",
		"":                 "Alert",
	} {
		if got := eventTitle(in); got != want {
			t.Errorf("eventTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnlinkableTargetURL: a target URL that is not http(s), or is very
// long, is shown as text at most, never as a link.
func TestUnlinkableTargetURL(t *testing.T) {
	for _, u := range []string{"javascript:alert(1)", "https://example.gov/" + strings.Repeat("a", 3000)} {
		c := changedOne()
		c.Target.URL = u
		e := eventMissing()
		e.Target.URL = u
		for _, f := range chatFormats {
			for _, body := range []any{c, e} {
				payload, _, err := Render(f, mustMarshal(t, body), RenderOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if err := validators[f](payload); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				s := string(payload)
				for _, bad := range []string{"<" + u[:10], "](" + u[:10], `"url":"` + u[:10], `"Page"`} {
					if strings.Contains(s, bad) {
						t.Errorf("%s links to %.30s: %s", f, u, bad)
					}
				}
			}
		}
	}
}
