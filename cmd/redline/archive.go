package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"redline"
	"redline/archive"
	"redline/fixity"
	"redline/history"
)

// errProblems makes verify exit 1 once its report is printed.
var errProblems = errors.New("fixity problems found")

func cmdVerify(ctx context.Context, args []string, e env) error {
	fs := newFlags("verify", e)
	var c common
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return verifyWARCs(ctx, e, fs.Args())
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	sum, err := fixity.Verify(ctx, a.store, func(p fixity.Problem) {
		fmt.Fprintln(e.stdout, "FAIL", p)
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintf(e.stdout, "%d targets, %d captures (%d pruned), %d blobs (%d bytes) re-hashed: %d problems\n",
		sum.Targets, sum.Captures, sum.Pruned, sum.Blobs, sum.Bytes, sum.Problems)
	fmt.Fprintf(e.stdout, "root %s\n", sum.Root)
	if sum.Problems > 0 {
		return errProblems
	}
	return nil
}

// verifyWARCs checks exported WARC files: every record readable, every
// digest right.
func verifyWARCs(ctx context.Context, e env, paths []string) error {
	bad := 0
	for _, p := range paths {
		n, err := archive.VerifyWARC(ctx, p, func(off int64, problem string) {
			bad++
			fmt.Fprintf(e.stdout, "FAIL %s at byte %d: %s\n", p, off, problem)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %d records read\n", p, n)
	}
	if bad > 0 {
		fmt.Fprintf(e.stdout, "%d problems\n", bad)
		return errProblems
	}
	return nil
}

func cmdPrune(ctx context.Context, args []string, e env) error {
	fs := newFlags("prune", e)
	var c common
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("prune takes no arguments")
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	if a.cfg.Retention.ThinAfter == 0 {
		fmt.Fprintln(e.stdout, "no retention policy in the configuration: every capture is kept")
		return nil
	}
	st, err := a.store.Prune(ctx, a.cfg.Retention, nowUTC())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d captures thinned (records and hashes kept), %d blobs emptied, %d bytes freed\n",
		st.Captures, st.Blobs, st.Bytes)
	return nil
}

// timeFlag is a flag holding an RFC 3339 time or a date (YYYY-MM-DD, UTC).
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	f.t = t
	return nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time (2025-05-01T12:00:00Z) or a date (2025-05-01)", s)
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// exportFlags are the flags every export takes.
type exportFlags struct {
	common
	out          string
	format       string
	targets      listFlag
	since, until timeFlag
}

func (x *exportFlags) register(fs *flag.FlagSet, formats string) {
	x.common.register(fs)
	fs.StringVar(&x.out, "out", "", "output file (default standard output; required for warc)")
	fs.StringVar(&x.format, "format", "", formats)
	fs.Var(&x.targets, "target", "only this target (repeatable)")
	fs.Var(&x.since, "since", "only captures fetched (changes detected) at or after this time")
	fs.Var(&x.until, "until", "only those before this time")
}

const exportUsage = `usage: redline export captures|changes [--format ndjson|csv] [--out FILE] [--target NAME] [--since T] [--until T]
       redline export warc --out FILE.warc.gz [--format warc|wacz] [--target NAME] [--since T] [--until T]`

func cmdExport(ctx context.Context, args []string, e env) error {
	fs := newFlags("export", e)
	var x exportFlags
	x.register(fs, "captures and changes: ndjson (default) or csv; warc: warc (default) or wacz")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), exportUsage); fs.PrintDefaults() }
	// The kind may come before or after the flags.
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("say what to export\n%s", exportUsage)
	}
	kind := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	switch kind {
	case "captures", "changes", "warc":
	default:
		return usagef("cannot export %q\n%s", kind, exportUsage)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q\n%s", fs.Args(), exportUsage)
	}
	if !x.since.t.IsZero() && !x.until.t.IsZero() && !x.until.t.After(x.since.t) {
		return usagef("--until %s is not after --since %s", x.until.String(), x.since.String())
	}
	a, err := x.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	names, ids, err := a.exportTargets(ctx, x.targets)
	if err != nil {
		return err
	}
	if kind == "warc" {
		return a.exportWARC(ctx, e, &x, names, ids)
	}
	switch x.format {
	case "":
		x.format = "ndjson"
	case "ndjson", "csv":
	default:
		return usagef("--format %q: want ndjson or csv", x.format)
	}
	w := e.stdout
	var f *os.File
	if x.out != "" && x.out != "-" {
		if f, err = os.Create(x.out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	n, err := a.exportTable(ctx, w, kind, &x, names, ids)
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("export %s: %w", kind, err)
		}
		fmt.Fprintf(e.stderr, "%d %s written to %s\n", n, kind, x.out)
	}
	return nil
}

// exportTargets resolves --target names (all targets when none) to a map
// of names by ID and the IDs to filter on (nil for all).
func (a *app) exportTargets(ctx context.Context, want []string) (map[int64]string, []int64, error) {
	all, err := a.store.Targets(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(all))
	byName := make(map[string]int64, len(all))
	for _, t := range all {
		names[t.ID] = t.Name
		byName[t.Name] = t.ID
	}
	var ids []int64
	for _, n := range want {
		id, ok := byName[n]
		if !ok {
			return nil, nil, usagef("--target %q: no such target has been checked", n)
		}
		ids = append(ids, id)
	}
	return names, ids, nil
}

// exportPage is how many rows an export reads at a time.
const exportPage = 500

// captureRow is one capture as exported: its record without headers (see
// history.CaptureRecord).
type captureRow = history.CaptureRecord

var captureCSV = []string{"id", "target", "fetched_at", "duration_ms", "url", "final_url", "status", "content_type",
	"outcome", "error", "body_sha256", "body_size", "text_sha256", "request_sha256", "attempts", "prev_hash", "hash", "pruned_at"}

func captureFields(r captureRow) []string {
	return []string{itoa(r.ID), r.Target, csvTime(&r.FetchedAt), itoa(r.DurationMS), r.URL, r.FinalURL, strconv.Itoa(r.Status),
		r.ContentType, string(r.Outcome), r.Error, r.BodySHA256, itoa(r.BodySize), r.TextSHA256, r.RequestSHA256,
		strconv.Itoa(r.Attempts), r.PrevHash, r.Hash, csvTime(r.PrunedAt)}
}

// changeRow is one change as exported (see history.ChangeRecord).
type changeRow = history.ChangeRecord

var changeCSV = []string{"id", "target", "from_capture", "to_capture", "detected_at", "words_added", "words_removed",
	"significance", "reverted_to", "volatile_only"}

func changeFields(r changeRow) []string {
	reverted := ""
	if r.RevertedTo != nil {
		reverted = itoa(*r.RevertedTo)
	}
	return []string{itoa(r.ID), r.Target, itoa(r.FromCapture), itoa(r.ToCapture), csvTime(&r.DetectedAt),
		strconv.Itoa(r.WordsAdded), strconv.Itoa(r.WordsRemoved), r.Significance, reverted, strconv.FormatBool(r.VolatileOnly)}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func csvTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// exportTable writes captures or changes, oldest first, as NDJSON or CSV,
// reading the store a page at a time. It returns the number of rows.
func (a *app) exportTable(ctx context.Context, w io.Writer, kind string, x *exportFlags, names map[int64]string, ids []int64) (int, error) {
	var (
		enc = json.NewEncoder(w)
		cw  = csv.NewWriter(w)
		n   int
	)
	enc.SetEscapeHTML(false)
	emit := func(row any, fields []string) error {
		n++
		if x.format == "csv" {
			return cw.Write(fields)
		}
		return enc.Encode(row)
	}
	if x.format == "csv" {
		header := captureCSV
		if kind == "changes" {
			header = changeCSV
		}
		if err := cw.Write(header); err != nil {
			return 0, err
		}
	}
	var after int64
	for {
		var last int64
		var got int
		if kind == "captures" {
			cs, err := a.store.ListCaptures(ctx, redline.CaptureFilter{TargetIDs: ids, Since: x.since.t, Until: x.until.t,
				AfterID: after, Oldest: true, Limit: exportPage})
			if err != nil {
				return n, err
			}
			for _, c := range cs {
				r := history.RecordOf(names[c.TargetID], c, false)
				if err := emit(r, captureFields(r)); err != nil {
					return n, err
				}
				last = c.ID
			}
			got = len(cs)
		} else {
			chs, err := a.store.ListChanges(ctx, redline.ChangeFilter{TargetIDs: ids, Since: x.since.t, Until: x.until.t,
				AfterID: after, Oldest: true, Limit: exportPage})
			if err != nil {
				return n, err
			}
			for _, ch := range chs {
				r := history.ChangeRecordOf(names[ch.TargetID], ch)
				if err := emit(r, changeFields(r)); err != nil {
					return n, err
				}
				last = ch.ID
			}
			got = len(chs)
		}
		if got < exportPage {
			break
		}
		after = last
	}
	cw.Flush()
	return n, cw.Error()
}

// exportWARC writes the captures that got a response as WARC 1.1 records,
// with a CDXJ index beside them, or packs them as WACZ.
func (a *app) exportWARC(ctx context.Context, e env, x *exportFlags, names map[int64]string, ids []int64) error {
	switch x.format {
	case "":
		x.format = "warc"
	case "warc", "wacz":
	default:
		return usagef("--format %q: want warc or wacz", x.format)
	}
	if x.out == "" || x.out == "-" {
		return usagef("export warc needs --out FILE (%s)", map[string]string{"warc": "FILE.warc.gz", "wacz": "FILE.wacz"}[x.format])
	}
	path := x.out
	if x.format == "wacz" {
		dir, err := os.MkdirTemp(filepath.Dir(x.out), ".redline-wacz-")
		if err != nil {
			return fmt.Errorf("export wacz: %w", err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, strings.TrimSuffix(filepath.Base(x.out), ".wacz")+".warc.gz")
	}
	w, err := archive.NewWriter(path, archive.Options{Software: "redline/" + version, Description: "redline captures"})
	if err != nil {
		return err
	}
	if err := a.writeWARC(ctx, w, x, names, ids); err != nil {
		_ = w.Close() // the write error is the one to report
		return fmt.Errorf("export warc: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("export warc: %w", err)
	}
	st := w.Stats()
	if x.format == "wacz" {
		err := archive.WriteWACZ(x.out, w.Files(), w.Index(), archive.WACZMeta{
			Title: "redline export", Software: "redline/" + version, Created: nowUTC()})
		if err != nil {
			return fmt.Errorf("export wacz: %w", err)
		}
		fmt.Fprintf(e.stderr, "%d responses, %d revisits packed in %s\n", st["response"], st["revisit"], x.out)
		return nil
	}
	fmt.Fprintf(e.stderr, "%d responses, %d revisits, %d requests in %s; index %s\n",
		st["response"], st["revisit"], st["request"], strings.Join(w.Files(), ", "), w.Index())
	return nil
}

// writeWARC writes the selected captures that got a response, oldest
// first, skipping pruned ones. The request headers of each distinct set are
// read from the store once.
func (a *app) writeWARC(ctx context.Context, w *archive.Writer, x *exportFlags, names map[int64]string, ids []int64) error {
	requests := map[string]http.Header{}
	var after int64
	for {
		cs, err := a.store.ListCaptures(ctx, redline.CaptureFilter{TargetIDs: ids, Since: x.since.t, Until: x.until.t,
			AfterID: after, Oldest: true, WithResponse: true, Limit: exportPage})
		if err != nil {
			return err
		}
		for _, c := range cs {
			after = c.ID
			if !c.PrunedAt.IsZero() {
				continue
			}
			rec := archive.Record{CaptureID: c.ID, Target: names[c.TargetID], URL: c.FinalURL, FetchedAt: c.FetchedAt,
				Status: c.Status, Header: c.Header, BodySHA256: c.BodySHA256}
			if rec.URL == "" {
				rec.URL = c.URL
			}
			if c.BodySHA256 != "" {
				if rec.Body, err = a.store.Blob(ctx, c.BodySHA256); err != nil {
					return fmt.Errorf("body of capture %d: %w", c.ID, err)
				}
			}
			if c.RequestSHA256 != "" {
				h, ok := requests[c.RequestSHA256]
				if !ok {
					b, err := a.store.Blob(ctx, c.RequestSHA256)
					if err == nil {
						err = json.Unmarshal(b, &h)
					}
					if err != nil {
						return fmt.Errorf("request of capture %d: %w", c.ID, err)
					}
					requests[c.RequestSHA256] = h
				}
				rec.RequestHeader = h
			}
			if err := w.Write(ctx, rec); err != nil {
				return fmt.Errorf("capture %d: %w", c.ID, err)
			}
		}
		if len(cs) < exportPage {
			return nil
		}
	}
}

// pruneEvery is how often the daemon applies the retention policy.
const pruneEvery = 6 * time.Hour

// retain applies the retention policy now and then every pruneEvery until
// ctx ends. Without a policy it returns at once.
func (a *app) retain(ctx context.Context) {
	if a.cfg.Retention.ThinAfter == 0 {
		return
	}
	for {
		st, err := a.store.Prune(ctx, a.cfg.Retention, nowUTC())
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Error("retention", "err", err)
		case st.Captures > 0:
			a.log.Info("retention thinned captures", "captures", st.Captures, "blobs", st.Blobs, "bytes", st.Bytes)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pruneEvery):
		}
	}
}
