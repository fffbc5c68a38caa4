// Package monitor runs checks: one target end to end (fetch, extract,
// compare, diff, record), and the scheduler loop over the store's due queue.
package monitor

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"redline"
	"redline/crawler"
	"redline/diff"
	"redline/noise"
	"redline/notify"
	"redline/schedule"
)

// Defaults for Monitor fields left zero.
const (
	DefaultLease       = 10 * time.Minute
	DefaultConcurrency = 4
	DefaultPoll        = time.Second
)

// Fetcher fetches one URL; *crawler.Fetcher implements it.
type Fetcher interface {
	Fetch(ctx context.Context, req crawler.Request) (*crawler.Response, error)
}

// Route sends alerts to one notifier, for targets carrying one of Tags (all
// targets when Tags is empty), when a change passes the notifier's filters.
type Route struct {
	Notifier        string
	Tags            []string
	Events          []string   // event types sent; empty: all
	Digest          string     // cron spec: alerts wait for the next time it fires, then go out together; "" sends at once
	MinWords        int        // words added + removed at least
	KeywordsOnly    bool       // only changes touching a watched keyword
	MinSignificance diff.Level // 0: any
}

// wants reports whether a change passes the route's filters.
func (r Route) wants(v *Verdict) bool {
	if v.Diff.WordsAdded+v.Diff.WordsRemoved < r.MinWords {
		return false
	}
	a := v.Analysis
	if r.KeywordsOnly && len(a.KeywordsAdded)+len(a.KeywordsRemoved)+len(a.KeywordsNear) == 0 {
		return false
	}
	return a.Significance >= r.MinSignificance
}

func (r Route) matches(t redline.Target, event string) bool {
	if len(r.Events) > 0 && !slices.Contains(r.Events, event) {
		return false
	}
	if len(r.Tags) == 0 {
		return true
	}
	for _, tag := range r.Tags {
		if slices.Contains(t.Tags, tag) {
			return true
		}
	}
	return false
}

// Monitor checks targets and records what it finds.
type Monitor struct {
	Store       redline.Store
	Fetcher     Fetcher
	Routes      []Route
	Owner       string        // lease owner; unique per process
	Lease       time.Duration // how long a claimed target stays ours
	Concurrency int           // checks at once
	Poll        time.Duration // how often Run looks for due targets
	Diff        diff.Options
	Judge       *Judge  // nil: one with Diff, made on first use
	Streaks     Streaks // checks in a row that raise page.removed, page.blocked...
	// AllowNetworks are the non-public networks discovered documents may
	// be on (the crawler's setting of the same name).
	AllowNetworks []netip.Prefix
	Logger        *slog.Logger
	Now           func() time.Time
	// Wake, when set, receives a value (without blocking) after a check
	// queued alerts, so a delivery worker can send them at once.
	Wake chan<- struct{}

	judgeOnce sync.Once
}

// Result is what one check did.
type Result struct {
	Target  redline.Target
	Capture redline.Capture
	Change  *redline.Change
	Alerts  int
	Verdict Verdict // what the judge made of the page (zero for fetch errors and 304s), without its texts
	Err     error   // the check could not be completed or recorded
	// Discovered lists the targets a discovery rule created in this check;
	// they are due at once.
	Discovered []redline.Target
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

func (m *Monitor) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Check checks one target now and records the capture, and the change and
// its alerts when the wording changed, in one transaction. The target must
// be leased by m.Owner (or m.Owner must be empty).
func (m *Monitor) Check(ctx context.Context, t redline.Target) Result {
	if t.Discover != nil {
		return m.checkDiscover(ctx, t)
	}
	res := Result{Target: t}
	base, err := m.Store.Baseline(ctx, t.ID)
	hasBase := err == nil
	if err != nil && !errors.Is(err, redline.ErrNotFound) {
		res.Err = fmt.Errorf("check %s: load baseline: %w", t.Name, err)
		return res
	}
	req := request(t)
	if hasBase && base.Header != nil {
		req.ETag = base.Header.Get("ETag")
		req.LastModified = base.Header.Get("Last-Modified")
	}

	start := m.now()
	resp, ferr := m.Fetcher.Fetch(ctx, req)
	return m.record(ctx, t, base, hasBase, start, resp, ferr)
}

// request is the fetch of t, without validators. A discovered document is
// untrusted: public addresses and its rule's domains only, on every
// redirect too.
func request(t redline.Target) crawler.Request {
	return crawler.Request{URL: t.URL, Restricted: t.DiscoveredBy != "", AllowedDomains: t.AllowedDomains}
}

// record judges one fetch of t and records it: the capture, and the change
// and alerts when there are any.
func (m *Monitor) record(ctx context.Context, t redline.Target, base redline.Capture, hasBase bool,
	start time.Time, resp *crawler.Response, ferr error) Result {
	res := Result{Target: t}
	rec := &redline.CheckRecord{LeaseOwner: m.Owner}
	if hasBase {
		// A page that answers as before repeats its baseline's blobs:
		// the store need not compress them again, and still has the
		// bytes should retention have emptied them.
		rec.Known = []string{base.BodySHA256, base.TextSHA256, base.RequestSHA256}
	}
	c := &rec.Capture
	c.TargetID, c.URL, c.FetchedAt = t.ID, t.URL, start
	if resp != nil {
		if !resp.FetchedAt.IsZero() {
			c.FetchedAt = resp.FetchedAt.UTC()
		}
		c.Duration, c.FinalURL, c.Status, c.Header, c.Attempts = resp.Duration, resp.FinalURL, resp.Status, resp.Header, resp.Attempts
		c.RequestHeader = resp.RequestHeader
		if resp.Header != nil {
			c.ContentType = mediaType(resp.Header.Get("Content-Type"))
		}
		if resp.Body != nil {
			// The store hashes the body as it stores it.
			rec.Body, c.BodySize = resp.Body, int64(len(resp.Body))
		}
	}
	if c.Duration == 0 {
		c.Duration = m.now().Sub(start)
	}

	var v Verdict
	switch {
	case ferr != nil:
		c.Outcome, c.Error = redline.OutcomeError, ferr.Error()
	case resp.Status == 304 && hasBase:
		c.Outcome, c.TextSHA256 = redline.OutcomeNotModified, base.TextSHA256
	case resp.Status == 304:
		c.Outcome, c.Error = redline.OutcomeError, "304 Not Modified without a baseline"
	default:
		var prior *Prior
		if hasBase {
			prior = m.prior(ctx, t, base)
		}
		vol := loadVolatility(t.Volatility, m.logger())
		v = m.judge().Judge(ctx, t, prior, vol, Page{URL: t.URL, FinalURL: resp.FinalURL, Status: resp.Status,
			Header: resp.Header, Body: resp.Body, FetchedAt: c.FetchedAt})
		c.Outcome, c.Error = v.Outcome, v.Error
		if v.Outcome.Good() {
			c.TextSHA256, rec.Text = v.TextSHA256, []byte(v.Text)
			state, err := json.Marshal(vol)
			if err != nil {
				res.Err = fmt.Errorf("check %s: volatility: %w", t.Name, err)
				return res
			}
			if !bytes.Equal(state, t.Volatility) {
				rec.Volatility = state
			}
		}
		if v.Changed() {
			rec.Change = &redline.Change{
				TargetID: t.ID, FromCaptureID: base.ID, DetectedAt: m.now(),
				WordsAdded: v.Diff.WordsAdded, WordsRemoved: v.Diff.WordsRemoved,
				Significance: v.Analysis.Significance.String(), RevertedTo: v.RevertedTo, VolatileOnly: v.VolatileOnly,
			}
			// A discovery rule's listing is recorded, its changes are
			// not alerted: the documents it finds are (page.new).
			if t.Discover == nil && m.shouldAlert(ctx, t, v) {
				m.queueChanged(rec, t, base, &v)
			}
		}
	}
	m.queueStreakEvents(ctx, rec, t, &v)
	if t.DiscoveredBy != "" && !hasBase && t.LastCheckAt.IsZero() && resp != nil && resp.Status > 0 {
		m.queueNew(rec, t, &v)
	}

	rec.NextDue = m.nextDue(t, ferr)
	if err := m.Store.RecordCheck(ctx, rec); err != nil {
		res.Err = fmt.Errorf("check %s: %w", t.Name, err)
		return res
	}
	// The page texts stay with the store: a run over thousands of targets
	// must not hold every page in its results.
	v.Text, v.Compared, v.Before, v.Blocks = "", "", "", nil
	v.Diff.Hunks = detach(v.Diff.Hunks)
	res.Capture, res.Change, res.Alerts, res.Verdict = rec.Capture, rec.Change, len(rec.Alerts), v
	log := m.logger().With("target", t.Name, "capture_id", c.ID, "outcome", string(c.Outcome), "status", c.Status)
	switch c.Outcome {
	case redline.OutcomeError, redline.OutcomeBlocked, redline.OutcomeSelectorMissing:
		log.Warn("check failed", "url", t.URL, "error", c.Error)
	case redline.OutcomeChanged:
		log.Info("wording changed", "words_added", v.Diff.WordsAdded, "words_removed", v.Diff.WordsRemoved,
			"significance", v.Analysis.Significance.String(), "reverted_to", v.RevertedTo, "volatile_only", v.VolatileOnly,
			"alerts", len(rec.Alerts))
	default:
		log.Debug("checked")
	}
	if len(rec.Alerts) > 0 && m.Wake != nil {
		select {
		case m.Wake <- struct{}{}:
		default:
		}
	}
	return res
}

// detach copies the hunks' segment texts, which are substrings of the
// whole page texts and would keep them alive.
func detach(hs []diff.Hunk) []diff.Hunk {
	out := make([]diff.Hunk, len(hs))
	for i, h := range hs {
		h.Segments = slices.Clone(h.Segments)
		for j := range h.Segments {
			h.Segments[j].Text = strings.Clone(h.Segments[j].Text)
		}
		h.Heading = slices.Clone(h.Heading)
		for j := range h.Heading {
			h.Heading[j] = strings.Clone(h.Heading[j])
		}
		out[i] = h
	}
	return out
}

func (m *Monitor) judge() *Judge {
	// Read and set only under the Once: checks run concurrently.
	m.judgeOnce.Do(func() {
		if m.Judge == nil {
			m.Judge = &Judge{Diff: m.Diff}
		}
	})
	return m.Judge
}

// RecentVersions is how many earlier good captures are searched for a
// version the page returned to.
const RecentVersions = 20

// prior describes the baseline; its text and the recent versions are
// loaded only when the judge needs them.
func (m *Monitor) prior(ctx context.Context, t redline.Target, base redline.Capture) *Prior {
	p := &Prior{Baseline: Version{CaptureID: base.ID, FetchedAt: base.FetchedAt, TextSHA256: base.TextSHA256}}
	p.LoadText = func() (string, error) {
		b, err := m.Store.Blob(ctx, base.TextSHA256)
		return string(b), err
	}
	p.Recent = func() []Version {
		caps, err := m.Store.Captures(ctx, t.ID, base.ID, RecentVersions)
		if err != nil {
			m.logger().Warn("load recent versions", "target", t.Name, "error", err)
			return nil
		}
		var out []Version
		seen := map[string]bool{base.TextSHA256: true}
		for _, c := range caps {
			if !c.Outcome.Good() || seen[c.TextSHA256] {
				continue
			}
			seen[c.TextSHA256] = true
			b, err := m.Store.Blob(ctx, c.TextSHA256)
			if err != nil {
				m.logger().Warn("load recent version", "target", t.Name, "capture_id", c.ID, "error", err)
				continue
			}
			out = append(out, Version{CaptureID: c.ID, FetchedAt: c.FetchedAt, Text: string(b)})
		}
		return out
	}
	return p
}

// shouldAlert says whether a change is worth alerts at all: not when it
// sits only in volatile blocks, and not when the page returns to a recent
// version while its previous change was already such a return (a page
// flapping between versions is reported once).
func (m *Monitor) shouldAlert(ctx context.Context, t redline.Target, v Verdict) bool {
	if v.VolatileOnly {
		return false
	}
	if v.RevertedTo == 0 {
		return true
	}
	last, err := m.Store.Changes(ctx, t.ID, 1)
	if err != nil {
		m.logger().Warn("load last change", "target", t.Name, "error", err)
		return true
	}
	return len(last) == 0 || last[0].RevertedTo == 0
}

// queueChanged adds one page.changed outbox row per route that wants this
// change; the payload is rendered inside the store's transaction, once the
// capture ID is known.
func (m *Monitor) queueChanged(rec *redline.CheckRecord, t redline.Target, base redline.Capture, v *Verdict) {
	var routes []Route
	for _, r := range m.Routes {
		if r.matches(t, redline.EventPageChanged) && r.wants(v) {
			routes = append(routes, r)
		}
	}
	if len(routes) == 0 {
		return
	}
	unified := diff.Unified(v.Before, v.Compared, fmt.Sprintf("capture %d", base.ID), "current", 3)
	m.queue(rec, t, redline.EventPageChanged, routes, func(a *redline.Alert, c redline.Capture, _ *redline.Change) ([]byte, error) {
		return notify.Marshal(notify.NewChanged(a.ID, t, base, c, v.Diff, v.Analysis, v.RevertedTo, unified))
	})
}

// queue adds one alert of event per route, rendered by render inside the
// store's transaction. Several events of one check each keep their own
// renderer.
func (m *Monitor) queue(rec *redline.CheckRecord, t redline.Target, event string, routes []Route,
	render func(a *redline.Alert, c redline.Capture, ch *redline.Change) ([]byte, error)) {
	ids := map[string]bool{}
	for _, r := range routes {
		a := redline.Alert{ID: newID(), Notifier: r.Notifier, Event: event, TargetID: t.ID, CreatedAt: m.now()}
		if r.Digest != "" {
			next, err := schedule.Next(r.Digest, a.CreatedAt)
			if err != nil {
				m.logger().Error("bad digest schedule; sending at once", "notifier", r.Notifier, "error", err)
			} else {
				a.NextAttemptAt = next
			}
		}
		ids[a.ID] = true
		rec.Alerts = append(rec.Alerts, a)
	}
	prev := rec.Render
	rec.Render = func(a *redline.Alert, c redline.Capture, ch *redline.Change) error {
		if !ids[a.ID] {
			if prev == nil {
				return fmt.Errorf("no renderer for alert %s (%s)", a.ID, a.Event)
			}
			return prev(a, c, ch)
		}
		p, err := render(a, c, ch)
		a.Payload = p
		return err
	}
}

// loadVolatility reads a target's learned volatility; unreadable state is
// forgotten (it is relearned from the next checks).
func loadVolatility(state []byte, log *slog.Logger) *noise.Volatility {
	vol := &noise.Volatility{}
	if len(state) == 0 {
		return vol
	}
	if err := json.Unmarshal(state, vol); err != nil {
		log.Warn("forgetting unreadable volatility state", "error", err)
		return &noise.Volatility{}
	}
	return vol
}

// nextDue is the target's next scheduled time; a Retry-After longer than
// that pushes it later.
func (m *Monitor) nextDue(t redline.Target, ferr error) time.Time {
	now := m.now()
	next, err := schedule.Next(t.Schedule, now)
	if err != nil {
		// Config validation rejects bad specs; a stored one may predate it.
		m.logger().Error("bad schedule; checking again in an hour", "target", t.Name, "error", err)
		next = now.Add(time.Hour)
	}
	if ra, ok := crawler.RetryAfter(ferr); ok && now.Add(ra).After(next) {
		next = now.Add(ra)
	}
	return next
}

// shaString is the hex sha256 of s's bytes, without a copy of the whole
// of s.
func shaString(s string) string {
	h := sha256.New()
	var buf [4096]byte
	for len(s) > 0 {
		n := copy(buf[:], s)
		h.Write(buf[:n])
		s = s[n:]
	}
	return hex.EncodeToString(h.Sum(nil))
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	return mt
}

// newID returns a random message id in the Standard Webhooks style.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
