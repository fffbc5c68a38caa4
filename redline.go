// Package redline holds the domain types shared by every part of redline:
// targets, captures, changes, alerts and the Store that persists them.
//
// It imports only the standard library. Sibling packages (crawler, extract,
// diff, monitor, notify, storage/...) talk to each other through these types.
package redline

import (
	"errors"
	"net/http"
	"time"
)

// Target is one tracked page.
type Target struct {
	ID       int64
	Name     string   // unique, stable identifier chosen by the operator
	URL      string   // absolute http(s) URL
	Kind     string   // page, pdf, feed, api, listing; "discover" for a discovery rule (see Discover)
	Schedule string   // robfig/cron/v3 spec, e.g. "@every 6h"
	Select   []string // CSS selectors of the tracked region; empty = whole page
	Exclude  []string // CSS selectors removed before extraction
	Tags     []string
	Source   string // where the definition came from: "config" or "seed:<list>"

	// How the page is compared. Stored with the definition.
	Ignore          []string // regular expressions; matching text is left out of comparisons
	Keywords        []string // watched terms; alerts say which were added, removed or near an edit
	JSONPath        string   // gjson path selecting part of a JSON body; "" = all of it
	NoDefaultIgnore bool     // compare without the built-in noise rules (dates of the fetch day, counters...)

	// Discover is set on a discovery rule (Kind "discover"): checking it
	// looks for new documents instead of comparing one page.
	Discover *DiscoverRule

	// Set on targets a discovery rule found; stored, not configured.
	DiscoveredBy string    // name of the rule that found it; "" for configured targets
	DiscoveredAt time.Time // when it was found
	Title        string    // link text or item title it was found under
	// AllowedDomains are the rule's: every check of a discovered target is
	// restricted to them and to public addresses (see crawler.Request).
	AllowedDomains []string
	Pinned         bool      // the operator keeps it even if its rule goes away
	Dropped        bool      // the operator dropped it: never checked nor found again
	UnlistedAt     time.Time // since when its link is missing from the rule's pages; zero while listed

	// State kept by the store; ignored by SyncTargets.
	NextDue     time.Time // zero until the store schedules it
	LastCheckAt time.Time // zero when never checked
	LastOutcome Outcome
	Active      bool   // false once the target left the configuration
	Volatility  []byte // learned volatility state (opaque JSON owned by package noise); nil when none
	ChainHead   string // Hash of the latest capture (fixity); "" before the first
}

// DiscoverRule says where and how a discovery target looks for new
// documents. Each document found becomes a target inheriting the rule's
// schedule, selectors, noise rules, keywords and tags.
type DiscoverRule struct {
	Start          []string `json:"start"`                     // listing pages, feeds, sitemaps or JSON APIs; the target's URL is the first
	Follow         []string `json:"follow,omitempty"`          // regular expressions a document URL must match (any); none = every link
	Match          []string `json:"match,omitempty"`           // terms the link text, title or URL must contain (any, case-insensitive); none = all
	Depth          int      `json:"depth"`                     // 1: links on the start pages; 2: also links on the documents found...
	AllowedDomains []string `json:"allowed_domains,omitempty"` // hosts (and their subdomains) documents may be on
	MaxPages       int      `json:"max_pages"`                 // pages fetched and documents taken per run, at most
	LinksPath      string   `json:"links_path,omitempty"`      // gjson path of document URLs in a JSON start page
}

// DiscoverSource is the prefix of the Source of discovered targets.
const DiscoverSource = "discover:"

// Outcome says what one fetch of a target amounted to.
type Outcome string

// Outcomes of a check. Only OutcomeBaseline and OutcomeChanged captures carry
// text that differs from their predecessor; a blocked or failed fetch never
// becomes the baseline.
const (
	OutcomeBaseline    Outcome = "baseline"     // first successful capture of a target
	OutcomeChanged     Outcome = "changed"      // extracted text differs from the baseline
	OutcomeUnchanged   Outcome = "unchanged"    // fetched; extracted text identical to the baseline
	OutcomeNotModified Outcome = "not-modified" // the server answered 304 to a conditional GET
	OutcomeError       Outcome = "error"        // network error, timeout, HTTP error status, robots.txt refusal
	OutcomeBlocked     Outcome = "blocked"      // a WAF/CDN challenge, rate-limit or block page
	// OutcomeSelectorMissing: the page was fetched but the target's select
	// selectors matched nothing; never an empty diff.
	OutcomeSelectorMissing Outcome = "selector-missing"
	// OutcomeGone: the page answered 404 or 410, or redirected to its
	// site's home page.
	OutcomeGone Outcome = "gone"
)

// Good reports whether a capture with this outcome holds the page's real text
// and may serve as the baseline for the next comparison.
func (o Outcome) Good() bool {
	return o == OutcomeBaseline || o == OutcomeChanged || o == OutcomeUnchanged
}

// Capture is the record of one fetch of a target, whatever its outcome.
type Capture struct {
	ID          int64
	TargetID    int64
	FetchedAt   time.Time     // UTC, when the request started
	Duration    time.Duration // time to the last byte, retries included
	URL         string        // the URL requested
	FinalURL    string        // the URL after redirects
	Status      int           // HTTP status; 0 when no response arrived
	Header      http.Header   // response headers; nil when no response arrived
	ContentType string        // media type from the response
	Outcome     Outcome
	Error       string // why a fetch failed or was judged blocked; empty otherwise
	BodySHA256  string // hex sha256 of the raw payload; empty when no body was received
	BodySize    int64  // payload length in bytes
	TextSHA256  string // hex sha256 of the extracted text; empty when none was extracted
	Attempts    int    // HTTP attempts made, retries included
	// RequestHeader holds the headers sent with the last attempt; nil when
	// unknown. Only RecordCheck reads it: the store keeps it as a blob of
	// compact JSON under RequestSHA256 and leaves it nil when reading.
	RequestHeader http.Header
	RequestSHA256 string // blob of the request headers; "" when unknown

	// Fixity, set by the store: Hash is CaptureHash(PrevHash, capture),
	// PrevHash the Hash of the target's previous capture ("" for its
	// first).
	PrevHash string
	Hash     string
	// PrunedAt is when a retention policy dropped the capture's bodies
	// (its record and hashes stay); zero when it was kept whole.
	PrunedAt time.Time
}

// CaptureFilter selects captures for listings and exports. Zero fields do
// not filter.
type CaptureFilter struct {
	TargetIDs    []int64   // only these targets
	Since, Until time.Time // Since <= FetchedAt < Until
	AfterID      int64     // ID > AfterID (cursor for oldest-first paging)
	BeforeID     int64     // ID < BeforeID (cursor for newest-first paging)
	Oldest       bool      // oldest first (by ID); default newest first
	WithResponse bool      // only captures where a response arrived (Status > 0)
	Limit        int
}

// ChangeFilter selects changes. Zero fields do not filter.
type ChangeFilter struct {
	TargetIDs    []int64
	Since, Until time.Time // Since <= DetectedAt < Until
	AfterID      int64     // ID > AfterID (cursor: "changes since")
	BeforeID     int64     // ID < BeforeID
	Oldest       bool      // oldest first; default newest first
	Limit        int
}

// Retention thins old unchanged captures. The zero value keeps everything.
type Retention struct {
	// ThinAfter: only captures older than this are considered; 0 keeps
	// everything.
	ThinAfter time.Duration
	// KeepEvery keeps the first unchanged capture of each window of this
	// length per target (e.g. 24h keeps one a day); 0 keeps none of them.
	KeepEvery time.Duration
}

// PruneStats says what a retention pass did.
type PruneStats struct {
	Captures int   // captures pruned (record kept, bodies dropped)
	Blobs    int   // blobs deleted, no longer referenced by a kept capture
	Bytes    int64 // stored (compressed) bytes of those blobs
}

// Change is a difference in wording between two good captures of a target.
type Change struct {
	ID            int64
	TargetID      int64
	FromCaptureID int64
	ToCaptureID   int64
	DetectedAt    time.Time
	WordsAdded    int
	WordsRemoved  int
	Significance  string // "low", "medium" or "high"; see diff.Analyze
	// RevertedTo is the earlier capture whose text this change returned
	// to (a page flapping between versions); 0 for a new version.
	RevertedTo int64
	// VolatileOnly is set when every edit sits in a block learned as
	// volatile; such a change is recorded but raises no alert.
	VolatileOnly bool
}

// Event types carried by alerts.
const (
	EventPageChanged     = "page.changed"
	EventSelectorMissing = "selector.missing"
	EventPageRemoved     = "page.removed"  // gone for several checks in a row
	EventPageRestored    = "page.restored" // back after page.removed
	EventPageBlocked     = "page.blocked"  // blocked for several checks in a row; again, with state "recovered", when it is not
	EventCheckFailing    = "check.failing" // errors for several checks in a row; again, with state "recovered", when they stop
	EventPageNew         = "page.new"      // a discovery rule found a new document (sent after its first capture)
)

// Events lists every event type, for validation and docs.
func Events() []string {
	return []string{EventPageChanged, EventPageNew, EventPageRemoved, EventPageRestored, EventPageBlocked, EventCheckFailing, EventSelectorMissing}
}

// Alert is one message to one notifier: a row of the transactional outbox.
// The payload is rendered once, when the alert is created, so every delivery
// attempt sends the same bytes under the same ID.
type Alert struct {
	ID        string // stable message id, sent as webhook-id on every attempt
	Notifier  string // notifier name from the configuration
	Event     string // e.g. EventPageChanged
	TargetID  int64
	ChangeID  int64 // 0 when the event has no change
	Payload   []byte
	CreatedAt time.Time

	// Delivery state kept by the store.
	Attempts      int
	NextAttemptAt time.Time
	DeliveredAt   time.Time // zero until a 2xx answer
	DeadAt        time.Time // zero unless given up after its last attempt
	LastError     string
}

// Delivery states of an alert, for listings.
const (
	AlertPending   = "pending"
	AlertDelivered = "delivered"
	AlertDead      = "dead"
)

// State is AlertDelivered, AlertDead or AlertPending.
func (a Alert) State() string {
	switch {
	case !a.DeliveredAt.IsZero():
		return AlertDelivered
	case !a.DeadAt.IsZero():
		return AlertDead
	}
	return AlertPending
}

// AlertFilter selects alerts for a listing.
type AlertFilter struct {
	State string // "" (all), AlertPending, AlertDelivered or AlertDead
	Limit int    // 0 = no limit
}

// Attempt is the record of one delivery attempt of an alert.
type Attempt struct {
	AlertID    string
	At         time.Time
	StatusCode int // 0 when no answer arrived
	Latency    time.Duration
	Error      string // empty on success
	Response   string // short excerpt of the answer body
	// DeadLetter, on a failed attempt, gives the alert up: it is not
	// claimed again until revived with Store.RetryAlert.
	DeadLetter bool
}

// CheckRecord is everything one check writes. The store commits it in one
// transaction: blobs (if new), the capture, the change (if any), the alerts
// (if any) and the target's next due time, releasing the target's lease.
type CheckRecord struct {
	LeaseOwner string // the owner that claimed the target; "" when not claimed
	Capture    Capture
	// Body and Text are stored under Capture.BodySHA256 and TextSHA256
	// unless present. When a sum is empty, the store hashes the bytes
	// given (zero bytes too; nil means none) and fills the sum in. Bytes
	// given with their sum are checked against it before they are stored.
	Body    []byte  // raw payload
	Text    []byte  // extracted text
	Change  *Change // nil when no change; ToCaptureID is filled by the store
	Alerts  []Alert // outbox rows; ChangeID is filled by the store
	NextDue time.Time
	// Known are sha256 sums of blobs the caller saw stored (its baseline's
	// body, say). The store does not compress their bytes ahead of its
	// transaction; it checks they are stored in it, and stores the bytes
	// given if they are not. Any other blob given is compressed up front.
	Known []string
	// Volatility, when not nil, replaces the target's learned volatility
	// state.
	Volatility []byte

	// Render, when set, is called inside the transaction once the capture
	// and change IDs are known, to fill in each alert's Payload before the
	// alert is stored. An error aborts the whole record. It may be called
	// more than once for one alert (a store may retry the transaction), so
	// it must do no more than fill in the payload.
	Render func(a *Alert, c Capture, ch *Change) error
}

// Error kinds, to be matched with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrLeaseLost = errors.New("lease lost")
	// ErrPruned: a retention policy dropped the bytes asked for; their
	// record and hashes remain.
	ErrPruned = errors.New("pruned by retention")
)
