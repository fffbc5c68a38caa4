// Package history reads the record a store keeps: it picks and compares
// captures the way the command line, the HTTP API and the feeds all do, so
// that each shows the same diff for the same pair.
package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"redline"
	"redline/diff"
	"redline/monitor"
	"redline/noise"
)

// InputError is a request that cannot be answered as asked (a capture of
// another target, one without text, a target with one version): the
// caller's mistake, not a failure.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputf(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// IsInput reports whether err is an InputError.
func IsInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// Pair resolves the captures to compare: from and to by ID (0 = default).
// By default to is the latest good capture and from the good capture before
// it whose text differs.
func Pair(ctx context.Context, st redline.Store, t redline.Target, from, to int64) (redline.Capture, redline.Capture, error) {
	var none redline.Capture
	get := func(id int64) (redline.Capture, error) {
		c, err := st.Capture(ctx, id)
		if errors.Is(err, redline.ErrNotFound) || (err == nil && c.TargetID != t.ID) {
			return none, inputf("capture %d is not a capture of %s", id, t.Name)
		}
		if err != nil {
			return none, fmt.Errorf("capture %d: %w", id, err)
		}
		if c.TextSHA256 == "" {
			return none, inputf("capture %d has no text (outcome %s)", id, c.Outcome)
		}
		return c, nil
	}
	var newC redline.Capture
	var err error
	if to != 0 {
		if newC, err = get(to); err != nil {
			return none, none, err
		}
	} else {
		if newC, err = st.Baseline(ctx, t.ID); errors.Is(err, redline.ErrNotFound) {
			return none, none, inputf("%s has no good capture yet", t.Name)
		} else if err != nil {
			return none, none, err
		}
	}
	if from != 0 {
		oldC, err := get(from)
		return oldC, newC, err
	}
	before := newC.ID
	for {
		cs, err := st.Captures(ctx, t.ID, before, 200)
		if err != nil {
			return none, none, fmt.Errorf("captures of %s: %w", t.Name, err)
		}
		for _, c := range cs {
			if c.Outcome.Good() && c.TextSHA256 != newC.TextSHA256 {
				return c, newC, nil
			}
		}
		if len(cs) < 200 {
			return none, none, inputf("%s has only one version so far (capture %d); nothing to compare", t.Name, newC.ID)
		}
		before = cs[len(cs)-1].ID
	}
}

// Comparison is the difference in wording between two captures of a
// target.
type Comparison struct {
	Target   redline.Target
	From, To redline.Capture
	// Before and After are the texts compared: the stored texts with the
	// target's noise rules applied, unless Raw.
	Before, After string
	Raw           bool
	Diff          diff.Result
	Analysis      diff.Analysis
	// VolatileHunks are the indexes (from 1) of the hunks in blocks the
	// target learned as volatile.
	VolatileHunks []int
}

// Compare diffs the texts of from and to, captures of t.
func Compare(ctx context.Context, st redline.Store, t redline.Target, from, to redline.Capture, raw bool) (*Comparison, error) {
	oldText, err := st.Blob(ctx, from.TextSHA256)
	if err != nil {
		return nil, fmt.Errorf("text of capture %d: %w", from.ID, err)
	}
	newText, err := st.Blob(ctx, to.TextSHA256)
	if err != nil {
		return nil, fmt.Errorf("text of capture %d: %w", to.ID, err)
	}
	cmp := &Comparison{Target: t, From: from, To: to, Raw: raw, Before: string(oldText), After: string(newText)}
	if !raw {
		rules, err := (&monitor.Judge{}).Rules(t)
		if err != nil {
			return nil, fmt.Errorf("noise rules of %s: %w", t.Name, err)
		}
		cmp.Before, cmp.After = rules.Pair(cmp.Before, from.FetchedAt, cmp.After, to.FetchedAt)
	}
	cmp.Diff = diff.Words(cmp.Before, cmp.After, diff.Options{})
	cmp.Analysis = diff.Analyze(&cmp.Diff, cmp.Before, cmp.After, t.Keywords)
	cmp.VolatileHunks = volatileHunks(t, cmp.Before, cmp.Diff)
	return cmp, nil
}

// volatileHunks returns the indexes (from 1) of the hunks that sit in
// blocks the target learned as volatile.
func volatileHunks(t redline.Target, before string, d diff.Result) []int {
	var vol noise.Volatility
	if len(t.Volatility) == 0 || json.Unmarshal(t.Volatility, &vol) != nil {
		return nil
	}
	var out []int
	for i, k := range noise.BlockKeys(before, d.Hunks) {
		if vol.IsVolatile(k) {
			out = append(out, i+1)
		}
	}
	return out
}

// Names are the labels of the two sides in a unified diff.
func (c *Comparison) Names() (string, string) {
	return fmt.Sprintf("capture %d (%s)", c.From.ID, c.From.FetchedAt.UTC().Format(time.RFC3339)),
		fmt.Sprintf("capture %d (%s)", c.To.ID, c.To.FetchedAt.UTC().Format(time.RFC3339))
}

// Unified renders the comparison as a unified line diff with 3 lines of
// context.
func (c *Comparison) Unified() string {
	a, b := c.Names()
	return diff.Unified(c.Before, c.After, a, b, 3)
}

// JSON is the comparison's JSON form, the same for the command line and the
// HTTP API.
type JSON struct {
	Target            string        `json:"target"`
	From              int64         `json:"from"`
	To                int64         `json:"to"`
	FromFetchedAt     time.Time     `json:"from_fetched_at"`
	ToFetchedAt       time.Time     `json:"to_fetched_at"`
	WordsAdded        int           `json:"words_added"`
	WordsRemoved      int           `json:"words_removed"`
	Analysis          diff.Analysis `json:"analysis"`
	Hunks             []diff.Hunk   `json:"hunks"`
	VolatileHunks     []int         `json:"volatile_hunks"`
	NoiseRulesApplied bool          `json:"noise_rules_applied"`
}

// JSON returns the comparison's JSON form.
func (c *Comparison) JSON() JSON {
	hunks := c.Diff.Hunks
	if hunks == nil {
		hunks = []diff.Hunk{}
	}
	return JSON{
		Target: c.Target.Name, From: c.From.ID, To: c.To.ID,
		FromFetchedAt: c.From.FetchedAt.UTC(), ToFetchedAt: c.To.FetchedAt.UTC(),
		WordsAdded: c.Diff.WordsAdded, WordsRemoved: c.Diff.WordsRemoved, Analysis: c.Analysis,
		Hunks: hunks, VolatileHunks: c.VolatileHunks, NoiseRulesApplied: !c.Raw,
	}
}
