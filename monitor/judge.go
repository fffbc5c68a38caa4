package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"redline"
	"redline/crawler"
	"redline/diff"
	"redline/extract"
	"redline/noise"
)

// MojibakeMargin is how many more mis-decoded sequences (UTF-8 read as
// Latin-1) a new capture may hold than its baseline before it is judged
// damaged and not compared.
const MojibakeMargin = 3

// Page is one fetched response, as the judge sees it.
type Page struct {
	URL       string // requested; with FinalURL, tells a redirect to the home page
	FinalURL  string
	Status    int
	Header    http.Header
	Body      []byte
	FetchedAt time.Time
}

// Version is an earlier good capture's text.
type Version struct {
	CaptureID  int64
	FetchedAt  time.Time
	TextSHA256 string
	Text       string // may be "" when Prior.LoadText loads it
}

// Prior is what a new capture is compared with: the baseline, and the
// versions shown before it, to recognise a page that flaps between
// versions. Recent is called only when the page changed; it may be nil.
type Prior struct {
	Baseline Version
	// LoadText, when Baseline.Text is "", loads it; it is called only when
	// the new text's hash differs from Baseline.TextSHA256.
	LoadText func() (string, error)
	Recent   func() []Version // earlier good versions, newest first
}

// Verdict is what the judge made of one page.
type Verdict struct {
	Outcome    redline.Outcome
	Error      string // why the capture is an error, blocked or missing its region
	Text       string // extracted text; "" when none
	TextSHA256 string // hex sha256 of Text
	Compared   string // the text compared (noise rules applied), when the text differs from the baseline's
	Before     string // the baseline's compared text, when the page changed

	// Set when the page differs from the baseline.
	Diff         diff.Result
	Analysis     diff.Analysis
	RevertedTo   int64    // capture ID of the recent version the page returned to
	Blocks       []string // block key of each hunk (see noise.BlockKeys)
	VolatileOnly bool     // every hunk sits in a block learned as volatile
}

// Changed reports whether the verdict is a change in wording.
func (v *Verdict) Changed() bool { return v.Outcome == redline.OutcomeChanged }

// Judge turns fetched pages into verdicts: block and error pages, the
// tracked region, noise rules, encoding damage, flapping, learned
// volatility and significance. It is safe for concurrent use; compiled
// noise rules are cached per rule set.
type Judge struct {
	Diff diff.Options

	mu    sync.Mutex
	rules map[string]*noise.Rules
}

// Rules returns the compiled noise rules of a target.
func (j *Judge) Rules(t redline.Target) (*noise.Rules, error) {
	key := fmt.Sprintf("%t\x00%s", !t.NoDefaultIgnore, strings.Join(t.Ignore, "\x00"))
	j.mu.Lock()
	defer j.mu.Unlock()
	if r, ok := j.rules[key]; ok {
		return r, nil
	}
	r, err := noise.Compile(t.Ignore, !t.NoDefaultIgnore)
	if err != nil {
		return nil, err
	}
	if j.rules == nil {
		j.rules = map[string]*noise.Rules{}
	}
	j.rules[key] = r
	return r, nil
}

// Judge decides what page amounts to for target t. prior is nil when the
// target has no good capture yet. vol, when not nil, is consulted and
// updated with what this check saw. A 304 answer is the caller's to handle.
func (j *Judge) Judge(ctx context.Context, t redline.Target, prior *Prior, vol *noise.Volatility, p Page) Verdict {
	// One parse of the page serves the block-page rules and extraction.
	doc := extract.Parse(p.Body, p.Header.Get("Content-Type"))
	kind, why := crawler.ClassifyTree(p.Status, p.Header, p.Body, doc.HTML())
	if kind == crawler.KindBlocked {
		return Verdict{Outcome: redline.OutcomeBlocked, Error: why}
	}
	if p.Status == http.StatusNotFound || p.Status == http.StatusGone {
		return Verdict{Outcome: redline.OutcomeGone, Error: fmt.Sprintf("HTTP %d", p.Status)}
	}
	if home(p.URL, p.FinalURL) {
		return Verdict{Outcome: redline.OutcomeGone, Error: "redirected to the site's home page " + p.FinalURL}
	}
	if p.Status < 200 || p.Status > 299 {
		return Verdict{Outcome: redline.OutcomeError, Error: fmt.Sprintf("HTTP %d", p.Status)}
	}
	if kind == crawler.KindSoftError {
		return Verdict{Outcome: redline.OutcomeError, Error: why}
	}
	ex, err := doc.Text(ctx, extract.Options{Select: t.Select, Exclude: t.Exclude, JSONPath: t.JSONPath})
	switch {
	case errors.Is(err, extract.ErrNoMatch):
		return Verdict{Outcome: redline.OutcomeSelectorMissing, Error: err.Error()}
	case err != nil:
		return Verdict{Outcome: redline.OutcomeError, Error: "extract: " + err.Error()}
	}
	v := Verdict{Text: ex.Text, TextSHA256: shaString(ex.Text)}
	rules, err := j.Rules(t)
	if err != nil {
		return Verdict{Outcome: redline.OutcomeError, Error: "ignore rules: " + err.Error()}
	}
	lines := strings.Count(ex.Text, "\n") + 1
	if prior == nil {
		v.Outcome = redline.OutcomeBaseline
		return v
	}
	// Most checks end here: the same text, known by its hash alone.
	if v.TextSHA256 == prior.Baseline.TextSHA256 {
		v.Outcome = redline.OutcomeUnchanged
		if vol != nil {
			vol.Observe(nil, lines)
		}
		return v
	}
	base := prior.Baseline
	if base.Text == "" && prior.LoadText != nil {
		if base.Text, err = prior.LoadText(); err != nil {
			return Verdict{Outcome: redline.OutcomeError, Error: "load baseline text: " + err.Error()}
		}
	}
	if bad, old := noise.Mojibake(ex.Text), noise.Mojibake(base.Text); bad > old+MojibakeMargin {
		return Verdict{Outcome: redline.OutcomeError, Text: ex.Text,
			Error: fmt.Sprintf("encoding damage: %d sequences of UTF-8 read as Latin-1 (the baseline has %d); not compared", bad, old)}
	}
	// Pair masks a date in both texts or in neither, so a date that stays
	// on the page is not "changed" by the fetch day moving on.
	oldCompared, newCompared := rules.Pair(base.Text, base.FetchedAt, ex.Text, p.FetchedAt)
	v.Compared = newCompared
	if newCompared == oldCompared {
		v.Outcome = redline.OutcomeUnchanged
		if vol != nil {
			vol.Observe(nil, lines)
		}
		return v
	}
	v.Outcome, v.Before = redline.OutcomeChanged, oldCompared
	if prior.Recent != nil {
		for _, r := range prior.Recent() {
			if r.CaptureID == base.CaptureID {
				continue
			}
			if was, now := rules.Pair(r.Text, r.FetchedAt, ex.Text, p.FetchedAt); was == now {
				v.RevertedTo = r.CaptureID
				break
			}
		}
	}
	v.Diff = diff.Words(oldCompared, v.Compared, j.Diff)
	v.Analysis = diff.Analyze(&v.Diff, oldCompared, v.Compared, t.Keywords)
	v.Blocks = noise.BlockKeys(oldCompared, v.Diff.Hunks)
	if vol != nil {
		v.VolatileOnly = len(v.Blocks) > 0
		for i, k := range v.Blocks {
			// A hunk spanning lines holds edits outside its first block.
			if !vol.IsVolatile(k) || multiline(v.Diff.Hunks[i]) {
				v.VolatileOnly = false
			}
		}
		vol.Observe(v.Blocks, lines)
	}
	return v
}

// multiline reports whether a hunk runs over more than one line.
func multiline(h diff.Hunk) bool {
	return slices.ContainsFunc(h.Segments, func(s diff.Segment) bool { return strings.Contains(s.Text, "\n") })
}

// home reports whether a request for a page other than a site's home page
// ended, after redirects, on that site's home page: how sites often answer
// for a page they took down.
func home(requested, final string) bool {
	if final == "" || requested == final {
		return false
	}
	r, err1 := url.Parse(requested)
	f, err2 := url.Parse(final)
	if err1 != nil || err2 != nil {
		return false
	}
	isHome := func(u *url.URL) bool {
		p := strings.TrimSuffix(u.Path, "/")
		return p == "" || p == "/index.html" || p == "/index.htm" || p == "/index.php" || p == "/home"
	}
	return !isHome(r) && isHome(f) && f.RawQuery == "" &&
		strings.TrimPrefix(r.Hostname(), "www.") == strings.TrimPrefix(f.Hostname(), "www.")
}
