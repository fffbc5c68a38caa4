package notify

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"redline"
)

// Defaults for Worker fields left zero.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultRetryBase = 10 * time.Second
	DefaultRetryMax  = time.Hour
	DefaultLease     = 2 * time.Minute
	DefaultPoll      = 2 * time.Second
	DefaultBatch     = 16
	// DefaultMaxAttempts spans about a day with the default backoff.
	DefaultMaxAttempts = 10
)

// Endpoint is where one notifier's alerts go: an HTTP URL, or an email
// address list when SMTP is set.
type Endpoint struct {
	Name string
	URL  string
	SMTP *SMTPConfig // when set, alerts go by email and URL is unused
	// Shoutrrr, when set, is a shoutrrr service URL (telegram://,
	// matrix://, ntfy://...) that gets the alert as plain text.
	Shoutrrr string
	Format   Format        // how the body is rendered for the URL; FormatJSON when empty
	Options  RenderOptions // public base URL for links, user template
	Key      []byte        // HMAC key (see Key); nil sends unsigned
	Timeout  time.Duration // per attempt; DefaultTimeout when zero
	// RetryBase is the delay before the first retry; it doubles per
	// attempt up to Worker.RetryMax. Zero: the worker's RetryBase.
	RetryBase time.Duration
	// MaxAttempts is how many failed attempts dead-letter an alert;
	// DefaultMaxAttempts when zero.
	MaxAttempts int
	// Digest sends the alerts due at once as one message (see Digest);
	// their due time is set when they are created.
	Digest bool
}

// Outbox is the part of redline.Store the worker uses.
type Outbox interface {
	ClaimAlerts(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]redline.Alert, error)
	RecordAttempt(ctx context.Context, a redline.Attempt, delivered bool, next time.Time) error
}

// Worker delivers alerts from the outbox: at least once, with the alert's
// stable ID as webhook-id on every attempt, marked delivered only on a 2xx
// answer, retried with exponential backoff otherwise. Every attempt is
// recorded in the store.
type Worker struct {
	Outbox    Outbox
	Endpoints map[string]Endpoint
	Owner     string // lease owner; unique per process
	UserAgent string
	Client    *http.Client // nil: a client that does not follow redirects
	Logger    *slog.Logger
	Now       func() time.Time // nil: time.Now
	RetryBase time.Duration    // first retry delay; doubles per attempt
	RetryMax  time.Duration    // cap on the retry delay
	Lease     time.Duration
	Poll      time.Duration // how often Run looks for due alerts
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (w *Worker) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Pass makes one pass over the outbox: it claims the alerts due now and
// tries each once; a digest notifier's alerts go together, as one message. It returns how many were delivered and how many failed.
func (w *Worker) Pass(ctx context.Context) (delivered, failed int, err error) {
	lease := w.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	digests := map[string][]redline.Alert{} // digest notifier -> its due alerts
	for {
		alerts, err := w.Outbox.ClaimAlerts(ctx, w.Owner, w.now(), lease, DefaultBatch)
		if err != nil {
			return delivered, failed, fmt.Errorf("claim alerts: %w", err)
		}
		if len(alerts) == 0 {
			for _, name := range slices.Sorted(maps.Keys(digests)) {
				ok, err := w.deliverDigest(ctx, name, digests[name])
				if err != nil {
					return delivered, failed, err
				}
				if ok {
					delivered += len(digests[name])
				} else {
					failed += len(digests[name])
				}
			}
			return delivered, failed, nil
		}
		for _, a := range alerts {
			if ep, ok := w.Endpoints[a.Notifier]; ok && ep.Digest {
				digests[a.Notifier] = append(digests[a.Notifier], a)
				continue
			}
			ok, err := w.deliver(ctx, a)
			if err != nil {
				return delivered, failed, err
			}
			if ok {
				delivered++
			} else {
				failed++
			}
		}
	}
}

// Run delivers due alerts until ctx ends, looking every Poll and whenever
// wake receives.
func (w *Worker) Run(ctx context.Context, wake <-chan struct{}) error {
	poll := w.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, _, err := w.Pass(ctx); err != nil && ctx.Err() == nil {
			w.logger().Error("delivery pass failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-wake:
		}
	}
}

// Try makes one delivery attempt of a to its notifier and reports it,
// without recording anything: the attempt succeeded when its Error is
// empty.
func (w *Worker) Try(ctx context.Context, a redline.Alert) redline.Attempt {
	start := w.now()
	att := redline.Attempt{AlertID: a.ID, At: start}
	ep, ok := w.Endpoints[a.Notifier]
	switch {
	case !ok:
		att.Error = fmt.Sprintf("notifier %q is not configured", a.Notifier)
	case ep.SMTP != nil:
		att.StatusCode, att.Error = w.mail(ctx, ep, a)
	case ep.Shoutrrr != "":
		att.Error = w.shoutrrr(ctx, ep, a)
	default:
		att.StatusCode, att.Response, att.Error = w.post(ctx, ep, a)
	}
	att.Latency = w.now().Sub(start)
	return att
}

// deliver makes one attempt and records it. The error is non-nil only when
// the attempt could not be recorded.
func (w *Worker) deliver(ctx context.Context, a redline.Alert) (bool, error) {
	return w.record(ctx, a, w.Try(ctx, a), time.Time{})
}

// record settles an attempt of a: delivered, dead-lettered after its last
// attempt, or due again at retryAt (at a backoff from now when zero). The
// error is non-nil only when the attempt could not be recorded.
func (w *Worker) record(ctx context.Context, a redline.Alert, att redline.Attempt, retryAt time.Time) (bool, error) {
	ep := w.Endpoints[a.Notifier]
	delivered := att.Error == ""
	next := time.Time{}
	log := w.logger().With("alert_id", a.ID, "notifier", a.Notifier, "attempt", a.Attempts+1)
	maxAttempts := ep.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	switch {
	case delivered:
		log.Info("alert delivered", "status", att.StatusCode, "latency", att.Latency)
	case a.Attempts+1 >= maxAttempts:
		att.DeadLetter = true
		log.Error("alert dead-lettered after its last attempt; \"redline deliveries retry ID\" sends it again",
			"status", att.StatusCode, "error", att.Error)
	default:
		next = retryAt
		if next.IsZero() {
			next = w.now().Add(w.backoff(ep.RetryBase, a.Attempts+1))
		}
		log.Warn("alert delivery failed", "status", att.StatusCode, "error", att.Error, "next_attempt_at", next)
	}
	// Record even when ctx is ending: the attempt happened.
	if err := w.Outbox.RecordAttempt(context.WithoutCancel(ctx), att, delivered, next); err != nil {
		return false, fmt.Errorf("record attempt of %s: %w", a.ID, err)
	}
	return delivered, nil
}

func (w *Worker) post(ctx context.Context, ep Endpoint, a redline.Alert) (status int, excerpt, errText string) {
	timeout := ep.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, contentType, err := Render(cmp.Or(ep.Format, FormatJSON), a.Payload, ep.Options)
	if err != nil {
		return 0, "", fmt.Sprintf("render %s: %v", cmp.Or(ep.Format, FormatJSON), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Sprintf("build request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Redline-Event", a.Event)
	if w.UserAgent != "" {
		req.Header.Set("User-Agent", w.UserAgent)
	}
	Sign(req.Header, ep.Key, a.ID, w.now(), body)
	resp, err := w.client().Do(req)
	if err != nil {
		// Webhook URLs often carry their token in the path or query: keep
		// them out of attempts and logs.
		return 0, "", strings.ReplaceAll(err.Error(), ep.URL, RedactURL(ep.URL))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	excerpt = cleanExcerpt(answer)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, excerpt, fmt.Sprintf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, excerpt, ""
}

// backoff is RetryBase doubled per attempt, capped at RetryMax, with up to
// 20% jitter so that many alerts failing together do not retry together.
func (w *Worker) backoff(base time.Duration, attempt int) time.Duration {
	max := w.RetryMax
	if base <= 0 {
		base = w.RetryBase
	}
	if base <= 0 {
		base = DefaultRetryBase
	}
	if max <= 0 {
		max = DefaultRetryMax
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

func cleanExcerpt(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	for len(s) > 200 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// mail sends one alert by email; the status is the SMTP reply code of a
// refusal.
func (w *Worker) mail(ctx context.Context, ep Endpoint, a redline.Alert) (status int, errText string) {
	msg, err := EmailMessage(*ep.SMTP, a.ID, a.Payload, ep.Options.BaseURL)
	if err != nil {
		return 0, fmt.Sprintf("render email: %v", err)
	}
	if err := SendEmail(ctx, *ep.SMTP, msg); err != nil {
		var se *SMTPError
		if errors.As(err, &se) {
			status = se.Code
		}
		return status, err.Error()
	}
	return 250, ""
}

// shoutrrr sends one alert as text to a shoutrrr service.
func (w *Worker) shoutrrr(ctx context.Context, ep Endpoint, a redline.Alert) string {
	text, err := ShoutrrrText(a.ID, a.Payload, ep.Options)
	if err != nil {
		return fmt.Sprintf("render text: %v", err)
	}
	timeout := ep.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := SendShoutrrr(ctx, ep.Shoutrrr, text); err != nil {
		return err.Error()
	}
	return ""
}

// deliverDigest sends a digest notifier's due alerts as one message and
// records the attempt on each of them. Members that fail are due again
// together, so a retry sends the same digest.
func (w *Worker) deliverDigest(ctx context.Context, notifier string, members []redline.Alert) (bool, error) {
	d, err := NewDigest(w.now(), members)
	if err != nil {
		return false, err
	}
	body, err := Marshal(d)
	if err != nil {
		return false, err
	}
	att := w.Try(ctx, redline.Alert{ID: d.ID, Notifier: notifier, Event: EventDigest, Payload: body, CreatedAt: w.now()})
	attempts := 0
	for _, m := range members {
		attempts = max(attempts, m.Attempts)
	}
	retryAt := w.now().Add(w.backoff(w.Endpoints[notifier].RetryBase, attempts+1))
	for _, m := range members {
		ma := att
		ma.AlertID = m.ID
		if _, err := w.record(ctx, m, ma, retryAt); err != nil {
			return false, err
		}
	}
	return att.Error == "", nil
}

// RedactURL shows where a notifier URL points without its secret parts:
// scheme and host only.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<notifier URL>"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
