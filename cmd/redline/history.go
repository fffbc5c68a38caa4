package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"redline"
	"redline/history"
	"redline/noise"
	"redline/seeds"
)

func cmdTargets(ctx context.Context, args []string, e env) error {
	fs := newFlags("targets", e)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: redline targets [--json]\n       redline targets pin|unpin|drop NAME   (discovered targets)")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return targetAction(ctx, e, &c, fs)
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	stored, err := a.store.Targets(ctx)
	if err != nil {
		return fmt.Errorf("list targets: %w", err)
	}
	byName := map[string]redline.Target{}
	for _, t := range stored {
		byName[t.Name] = t
	}
	type row struct {
		Name        string     `json:"name"`
		URL         string     `json:"url"`
		Source      string     `json:"source"`
		Schedule    string     `json:"schedule"`
		Tags        []string   `json:"tags"`
		State       string     `json:"state"` // configured, discovered, pinned, dropped, removed
		LastCheckAt *time.Time `json:"last_check_at"`
		LastOutcome string     `json:"last_outcome"`
		NextDue     *time.Time `json:"next_due"`

		DiscoveredBy string     `json:"discovered_by,omitempty"`
		DiscoveredAt *time.Time `json:"discovered_at,omitempty"`
		Title        string     `json:"title,omitempty"`
		UnlistedAt   *time.Time `json:"unlisted_at,omitempty"`
	}
	var rows []row
	seen := map[string]bool{}
	for _, t := range a.cfg.Targets {
		seen[t.Name] = true
		r := row{Name: t.Name, URL: t.URL, Source: t.Source, Schedule: t.Schedule, Tags: t.Tags, State: "configured"}
		if s, ok := byName[t.Name]; ok {
			r.LastCheckAt, r.LastOutcome, r.NextDue = timePtr(s.LastCheckAt), string(s.LastOutcome), timePtr(s.NextDue)
		}
		rows = append(rows, r)
	}
	for _, s := range stored {
		if seen[s.Name] {
			continue
		}
		r := row{Name: s.Name, URL: s.URL, Source: s.Source, Schedule: s.Schedule, Tags: s.Tags,
			State: "removed", LastCheckAt: timePtr(s.LastCheckAt), LastOutcome: string(s.LastOutcome)}
		if s.DiscoveredBy != "" {
			r.DiscoveredBy, r.DiscoveredAt, r.Title, r.UnlistedAt = s.DiscoveredBy, timePtr(s.DiscoveredAt), s.Title, timePtr(s.UnlistedAt)
			switch {
			case s.Dropped:
				r.State = "dropped"
			case !s.Active:
				r.State = "removed" // its rule left the configuration
			case s.Pinned:
				r.State, r.NextDue = "pinned", timePtr(s.NextDue)
			default:
				r.State, r.NextDue = "discovered", timePtr(s.NextDue)
			}
		}
		rows = append(rows, r)
	}
	if *asJSON {
		return writeJSON(e, rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLAST CHECK\tOUTCOME\tNEXT DUE\tSOURCE\tURL")
	for _, r := range rows {
		next := fmtTime(r.NextDue)
		switch r.State {
		case "removed":
			next = "(removed from config)"
		case "dropped":
			next = "(dropped)"
		}
		source := r.Source
		if r.DiscoveredBy != "" {
			source = fmt.Sprintf("found by %s %s", r.DiscoveredBy, fmtTime(r.DiscoveredAt))
			if r.State == "pinned" {
				source += ", pinned"
			}
			if r.UnlistedAt != nil {
				source += ", unlisted since " + fmtTime(r.UnlistedAt)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, fmtTime(r.LastCheckAt), orDash(r.LastOutcome), next, source, r.URL)
	}
	return tw.Flush()
}

// targetAction runs "targets pin|unpin|drop NAME".
func targetAction(ctx context.Context, e env, c *common, fs *flag.FlagSet) error {
	if fs.NArg() != 2 {
		return usagef("want: targets pin|unpin|drop NAME")
	}
	action, name := fs.Arg(0), fs.Arg(1)
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	switch action {
	case "pin", "unpin":
		err = a.store.SetPinned(ctx, name, action == "pin")
	case "drop":
		err = a.store.DropTarget(ctx, name)
	default:
		return usagef("unknown action %q: want pin, unpin or drop", action)
	}
	if errors.Is(err, redline.ErrNotFound) {
		return usagef("no target named %q", name)
	}
	if err != nil {
		return usageError{err}
	}
	msg := map[string]string{
		"pin":   "pinned: kept even if its discovery rule leaves the configuration",
		"unpin": "unpinned: it goes when its discovery rule does",
		"drop":  "dropped: not checked any more, and not discovered again",
	}[action]
	fmt.Fprintf(e.stdout, "%s %s\n", name, msg)
	return nil
}

// openTarget parses a command's flags, which must leave one argument, the
// name of a target, then opens the app and loads that target. The caller
// closes the app.
func (c *common) openTarget(ctx context.Context, e env, fs *flag.FlagSet, args []string, usage string) (*app, redline.Target, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, redline.Target{}, err
	}
	if fs.NArg() != 1 {
		return nil, redline.Target{}, usagef("usage: redline %s", usage)
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return nil, redline.Target{}, err
	}
	t, err := a.target(ctx, fs.Arg(0))
	if err != nil {
		a.close()
		return nil, redline.Target{}, err
	}
	return a, t, nil
}

func cmdHistory(ctx context.Context, args []string, e env) error {
	fs := newFlags("history", e)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 50, "show at most this many captures (0 = all)")
	a, t, err := c.openTarget(ctx, e, fs, args, "history [flags] NAME")
	if err != nil {
		return err
	}
	defer a.close()
	caps, err := a.store.Captures(ctx, t.ID, 0, *limit)
	if err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	changes, err := a.store.Changes(ctx, t.ID, 0)
	if err != nil {
		return fmt.Errorf("list changes: %w", err)
	}
	byCapture := map[int64]redline.Change{}
	for _, ch := range changes {
		byCapture[ch.ToCaptureID] = ch
	}
	if *asJSON {
		type capJSON struct {
			ID          int64               `json:"id"`
			FetchedAt   time.Time           `json:"fetched_at"`
			DurationMS  int64               `json:"duration_ms"`
			URL         string              `json:"url"`
			FinalURL    string              `json:"final_url"`
			Status      int                 `json:"status"`
			ContentType string              `json:"content_type"`
			Outcome     redline.Outcome     `json:"outcome"`
			Error       string              `json:"error,omitempty"`
			BodySHA256  string              `json:"body_sha256"`
			BodySize    int64               `json:"body_size"`
			TextSHA256  string              `json:"text_sha256"`
			Attempts    int                 `json:"attempts"`
			Header      map[string][]string `json:"headers"`
			Change      *changeJSON         `json:"change,omitempty"`
		}
		out := make([]capJSON, 0, len(caps))
		for _, c := range caps {
			var cj *changeJSON
			if ch, ok := byCapture[c.ID]; ok {
				cj = &changeJSON{ch.ID, ch.FromCaptureID, ch.WordsAdded, ch.WordsRemoved, ch.Significance, ch.RevertedTo, ch.VolatileOnly}
			}
			out = append(out, capJSON{c.ID, c.FetchedAt.UTC(), c.Duration.Milliseconds(), c.URL, c.FinalURL, c.Status,
				c.ContentType, c.Outcome, c.Error, c.BodySHA256, c.BodySize, c.TextSHA256, c.Attempts, c.Header, cj})
		}
		return writeJSON(e, out)
	}
	if t.DiscoveredBy != "" {
		fmt.Fprintf(e.stdout, "found by %s at %s under %q\n", t.DiscoveredBy, fmtTime(timePtr(t.DiscoveredAt)), t.Title)
		if !t.UnlistedAt.IsZero() {
			fmt.Fprintf(e.stdout, "its link has been missing from %s's pages since %s\n", t.DiscoveredBy, fmtTime(timePtr(t.UnlistedAt)))
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAPTURE\tFETCHED AT\tOUTCOME\tSTATUS\tBODY SHA256\tTEXT SHA256\tTIME\tNOTE")
	for _, c := range caps {
		note := c.Error
		if ch, ok := byCapture[c.ID]; ok {
			note = changeNote(ch)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", c.ID, c.FetchedAt.UTC().Format(time.RFC3339), c.Outcome, c.Status,
			short(c.BodySHA256), short(c.TextSHA256), c.Duration.Round(time.Millisecond), note)
	}
	return tw.Flush()
}

// changeJSON is a change as history --json prints it.
type changeJSON struct {
	ID            int64  `json:"id"`
	FromCaptureID int64  `json:"from_capture_id"`
	WordsAdded    int    `json:"words_added"`
	WordsRemoved  int    `json:"words_removed"`
	Significance  string `json:"significance"`
	RevertedTo    int64  `json:"reverted_to,omitempty"`
	VolatileOnly  bool   `json:"volatile_only,omitempty"`
}

// changeNote says in a few words what a change was.
func changeNote(ch redline.Change) string {
	note := fmt.Sprintf("+%d -%d words vs capture %d, %s", ch.WordsAdded, ch.WordsRemoved, ch.FromCaptureID, orDash(ch.Significance))
	if ch.RevertedTo != 0 {
		note += fmt.Sprintf("; back to the text of capture %d", ch.RevertedTo)
	}
	if ch.VolatileOnly {
		note += "; only in volatile blocks, not alerted"
	}
	return note
}

func cmdDiff(ctx context.Context, args []string, e env) error {
	fs := newFlags("diff", e)
	var c common
	c.register(fs)
	from := fs.Int64("from", 0, "older capture ID (default: the version before --to)")
	to := fs.Int64("to", 0, "newer capture ID (default: the latest good capture)")
	format := fs.String("format", "word", "word, unified or json")
	raw := fs.Bool("raw", false, "compare the extracted texts as stored, without the target's noise rules")
	a, t, err := c.openTarget(ctx, e, fs, args, "diff [flags] NAME")
	if err != nil {
		return err
	}
	defer a.close()
	if *format != "word" && *format != "unified" && *format != "json" {
		return usagef("--format must be word, unified or json, not %q", *format)
	}
	oldC, newC, err := history.Pair(ctx, a.store, t, *from, *to)
	if history.IsInput(err) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	cmp, err := history.Compare(ctx, a.store, t, oldC, newC, *raw)
	if err != nil {
		return err
	}
	switch *format {
	case "unified":
		fmt.Fprint(e.stdout, cmp.Unified())
		return nil
	case "json":
		return writeJSON(e, cmp.JSON())
	}
	oldName, newName := cmp.Names()
	fmt.Fprintf(e.stdout, "--- %s\n+++ %s\n", oldName, newName)
	if !cmp.Diff.Changed() {
		fmt.Fprintln(e.stdout, "(no difference in wording)")
		return nil
	}
	fmt.Fprintf(e.stdout, "significance: %s\n", cmp.Analysis.Significance)
	for _, r := range cmp.Analysis.Reasons {
		fmt.Fprintf(e.stdout, "  %s\n", r)
	}
	if len(cmp.VolatileHunks) > 0 {
		fmt.Fprintf(e.stdout, "hunks in blocks learned as volatile (not alerted alone): %v\n", cmp.VolatileHunks)
	}
	fmt.Fprintln(e.stdout, cmp.Diff.WordDiff())
	return nil
}

func cmdVolatile(ctx context.Context, args []string, e env) error {
	fs := newFlags("volatile", e)
	var c common
	c.register(fs)
	reset := fs.Bool("reset", false, "forget what was learned; every block alerts again until relearned")
	a, t, err := c.openTarget(ctx, e, fs, args, "volatile [--reset] NAME")
	if err != nil {
		return err
	}
	defer a.close()
	if *reset {
		if err := a.store.SetVolatility(ctx, t.ID, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: learned volatility forgotten\n", t.Name)
		return nil
	}
	var vol noise.Volatility
	if len(t.Volatility) > 0 {
		if err := json.Unmarshal(t.Volatility, &vol); err != nil {
			return fmt.Errorf("volatility of %s: %w", t.Name, err)
		}
	}
	keys := vol.Keys()
	if len(keys) == 0 {
		fmt.Fprintf(e.stdout, "%s: no block learned as volatile\n", t.Name)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: blocks learned as volatile (changes only there are recorded, not alerted; --reset forgets them):\n", t.Name)
	for _, k := range keys {
		fmt.Fprintf(e.stdout, "  %s\n", k)
	}
	return nil
}

func (a *app) target(ctx context.Context, name string) (redline.Target, error) {
	t, err := a.store.Target(ctx, name)
	if errors.Is(err, redline.ErrNotFound) {
		return t, usagef("no target named %q has been checked", name)
	}
	if err != nil {
		return t, fmt.Errorf("target %s: %w", name, err)
	}
	return t, nil
}

func cmdSeeds(_ context.Context, args []string, e env) error {
	fs := newFlags("seeds", e)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	lists, err := seeds.Lists()
	if err != nil {
		return fmt.Errorf("seeds: %w", err)
	}
	if *asJSON {
		return writeJSON(e, lists)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, l := range lists {
		fmt.Fprintf(tw, "# %s: %s (%d entries; add \"seeds: [%s]\" to the config)\n", l.Name, l.Description, len(l.Entries), l.Name)
		fmt.Fprintln(tw, "NAME\tKIND\tOWNER\tURL")
		for _, s := range l.Entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.Owner, s.URL)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func writeJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return orDash(sha)
}
