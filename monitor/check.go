// Package monitor runs checks: one target end to end (fetch, extract,
// compare, diff, record), and the scheduler loop over the store's due queue.
package monitor

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"slices"
	"strings"
	"time"

	"redline"
	"redline/crawler"
	"redline/diff"
	"redline/extract"
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
// targets when Tags is empty).
type Route struct {
	Notifier string
	Tags     []string
}

func (r Route) matches(t redline.Target) bool {
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
	Logger      *slog.Logger
	Now         func() time.Time
	// Wake, when set, receives a value (without blocking) after a check
	// queued alerts, so a delivery worker can send them at once.
	Wake chan<- struct{}
}

// Result is what one check did.
type Result struct {
	Target  redline.Target
	Capture redline.Capture
	Change  *redline.Change
	Alerts  int
	Err     error // the check could not be completed or recorded
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
	res := Result{Target: t}
	base, err := m.Store.Baseline(ctx, t.ID)
	hasBase := err == nil
	if err != nil && !errors.Is(err, redline.ErrNotFound) {
		res.Err = fmt.Errorf("check %s: load baseline: %w", t.Name, err)
		return res
	}
	req := crawler.Request{URL: t.URL}
	if hasBase && base.Header != nil {
		req.ETag = base.Header.Get("ETag")
		req.LastModified = base.Header.Get("Last-Modified")
	}

	start := m.now()
	resp, ferr := m.Fetcher.Fetch(ctx, req)
	rec := &redline.CheckRecord{LeaseOwner: m.Owner}
	c := &rec.Capture
	c.TargetID, c.URL, c.FetchedAt = t.ID, t.URL, start
	if resp != nil {
		if !resp.FetchedAt.IsZero() {
			c.FetchedAt = resp.FetchedAt.UTC()
		}
		c.Duration, c.FinalURL, c.Status, c.Header, c.Attempts = resp.Duration, resp.FinalURL, resp.Status, resp.Header, resp.Attempts
		if resp.Header != nil {
			c.ContentType = mediaType(resp.Header.Get("Content-Type"))
		}
		if resp.Body != nil {
			rec.Body = resp.Body
			c.BodySHA256, c.BodySize = sha(resp.Body), int64(len(resp.Body))
		}
	}
	if c.Duration == 0 {
		c.Duration = m.now().Sub(start)
	}

	var d diff.Result
	var oldText string
	switch {
	case ferr != nil:
		c.Outcome, c.Error = redline.OutcomeError, ferr.Error()
	case resp.Status == 304:
		if hasBase {
			c.Outcome, c.TextSHA256 = redline.OutcomeNotModified, base.TextSHA256
		} else {
			c.Outcome, c.Error = redline.OutcomeError, "304 Not Modified without a baseline"
		}
	default:
		if blocked, why := crawler.Blocked(resp.Status, resp.Header, resp.Body); blocked {
			c.Outcome, c.Error = redline.OutcomeBlocked, why
			break
		}
		if resp.Status < 200 || resp.Status > 299 {
			c.Outcome, c.Error = redline.OutcomeError, fmt.Sprintf("HTTP %d", resp.Status)
			break
		}
		ex, err := extract.Text(resp.Body, resp.Header.Get("Content-Type"), extract.Options{Select: t.Select, Exclude: t.Exclude})
		if err != nil {
			c.Outcome, c.Error = redline.OutcomeError, "extract: "+err.Error()
			break
		}
		rec.Text = []byte(ex.Text)
		c.TextSHA256 = sha(rec.Text)
		switch {
		case !hasBase:
			c.Outcome = redline.OutcomeBaseline
		case base.TextSHA256 == c.TextSHA256:
			c.Outcome = redline.OutcomeUnchanged
			rec.Text = nil // already stored under this hash
		default:
			old, err := m.Store.Blob(ctx, base.TextSHA256)
			if err != nil {
				res.Err = fmt.Errorf("check %s: load baseline text: %w", t.Name, err)
				return res
			}
			oldText = string(old)
			d = diff.Words(oldText, ex.Text, m.Diff)
			c.Outcome = redline.OutcomeChanged
			rec.Change = &redline.Change{
				TargetID: t.ID, FromCaptureID: base.ID, DetectedAt: m.now(),
				WordsAdded: d.WordsAdded, WordsRemoved: d.WordsRemoved,
			}
			m.queueAlerts(rec, t, base, d, oldText, ex.Text)
		}
	}

	rec.NextDue = m.nextDue(t, ferr)
	if err := m.Store.RecordCheck(ctx, rec); err != nil {
		res.Err = fmt.Errorf("check %s: %w", t.Name, err)
		return res
	}
	res.Capture, res.Change, res.Alerts = rec.Capture, rec.Change, len(rec.Alerts)
	log := m.logger().With("target", t.Name, "capture_id", c.ID, "outcome", string(c.Outcome), "status", c.Status)
	switch c.Outcome {
	case redline.OutcomeError, redline.OutcomeBlocked:
		log.Warn("check failed", "url", t.URL, "error", c.Error)
	case redline.OutcomeChanged:
		log.Info("wording changed", "words_added", d.WordsAdded, "words_removed", d.WordsRemoved, "alerts", len(rec.Alerts))
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

// queueAlerts adds one outbox row per matching route; the payload is
// rendered inside the store's transaction, once the capture ID is known.
func (m *Monitor) queueAlerts(rec *redline.CheckRecord, t redline.Target, base redline.Capture, d diff.Result, oldText, newText string) {
	for _, r := range m.Routes {
		if !r.matches(t) {
			continue
		}
		rec.Alerts = append(rec.Alerts, redline.Alert{
			ID: newID(), Notifier: r.Notifier, Event: redline.EventPageChanged,
			TargetID: t.ID, CreatedAt: m.now(),
		})
	}
	if len(rec.Alerts) == 0 {
		return
	}
	unified := diff.Unified(oldText, newText, fmt.Sprintf("capture %d", base.ID), "current", 3)
	rec.Render = func(a *redline.Alert, c redline.Capture, _ *redline.Change) error {
		p, err := notify.Marshal(notify.NewChanged(a.ID, t, base, c, d, unified))
		a.Payload = p
		return err
	}
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

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
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
