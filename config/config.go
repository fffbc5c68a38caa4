// Package config reads, defaults and validates redline's YAML file.
//
// Load (or Parse) returns a *Config whose every field is filled in: defaults
// applied, ${VAR} references expanded from the environment, seed lists
// (package seeds) merged into the targets. A file that does not validate
// yields no Config and an error listing every problem, one per line, each
// as "file:line: field: message" and sorted by line:
//
//	redline.yaml:12: targets[1].schedule: bad cron spec "every 6h": expected exactly 5 fields, found 2: [every 6h]
//
// Each line is a *FieldError, reachable with errors.As.
//
// The package holds no state: the environment lookup and the seed lists
// are passed in as options, defaulting to os.LookupEnv and seeds.Lookup.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"redline"
	"redline/seeds"
)

// Defaults for everything the file may leave out.
const (
	DefaultStorage         = "sqlite:redline.db" // relative to the config file's directory
	DefaultUserAgent       = "redline/0.1"       // operators should add a contact: "redline/0.1 (+mailto:ops@example.org)"
	DefaultSchedule        = "@every 6h"
	DefaultKind            = "page"
	DefaultMaxPages        = 100 // pages a discovery rule fetches and documents it takes per run
	DefaultDelay           = time.Second
	DefaultTimeout         = 30 * time.Second
	DefaultConnectTimeout  = 10 * time.Second
	DefaultMaxBody         = 10 << 20 // bytes
	DefaultRetries         = 2
	DefaultConcurrency     = 4
	DefaultNotifierTimeout = 10 * time.Second
	DefaultRetryBase       = 10 * time.Second
	DefaultMaxAttempts     = 10
)

// Limits enforced by validation.
const (
	MaxRetries     = 10
	MaxConcurrency = 256
	MaxRetryBase   = time.Hour
	maxNameLen     = 100
)

// Config is a validated configuration.
type Config struct {
	Path      string // the file it was read from, as given to Load or Parse; may be ""
	Storage   string // as written, or DefaultStorage: "sqlite:PATH" or a postgres:// URL; see StoragePath
	UserAgent string // sent with every request; DefaultUserAgent when absent
	Listen    string // host:port for the HTTP server; "" when not set
	PublicURL string // public base URL of redline's web pages, for links in alerts; "" when not set
	Crawler   Crawler
	Defaults  Defaults
	Seeds     []string         // names of the seed lists merged into Targets, as written
	Targets   []redline.Target // config targets in file order, then seed targets; see Load
	Notifiers []Notifier
	Events    Events
	// Retention thins old unchanged captures; the zero value (the default)
	// keeps everything.
	Retention redline.Retention
}

// Crawler holds the fetching settings shared by every target.
type Crawler struct {
	Delay          time.Duration // politeness delay between requests to one host
	Timeout        time.Duration // total time for one request, body included
	ConnectTimeout time.Duration // time to establish a connection; never more than Timeout
	MaxBody        int64         // bytes; a longer body is an error
	Retries        int           // retries of a transient failure (0..MaxRetries)
	IgnoreRobots   bool          // true disables robots.txt; false is the default
	Concurrency    int           // checks run at once, across hosts (1..MaxConcurrency)
	// AllowNetworks are the non-public networks discovered links may
	// reach; none by default (configured targets may reach any address).
	AllowNetworks []netip.Prefix
}

// Defaults holds what a target inherits when it does not say otherwise.
type Defaults struct {
	Schedule string   // robfig/cron/v3 spec; DefaultSchedule when absent
	Select   []string // CSS selectors
	Exclude  []string // CSS selectors
	Ignore   []string // regular expressions ignored on every target (added to each target's own)
	Keywords []string // terms watched on every target (added to each target's own)
}

// Notifier is one webhook receiver of alerts.
type Notifier struct {
	Name        string
	URL         string        // http or https
	Secret      string        // as written (after ${VAR} expansion): raw, or "whsec_" + base64; see SecretKey
	Tags        []string      // only targets carrying one of these tags; empty means every target
	Timeout     time.Duration // per delivery attempt
	RetryBase   time.Duration // first retry delay after a failed delivery; doubles per attempt up to an hour
	MaxAttempts int           // failed attempts before an alert is dead-lettered

	Format   string // json (default), slack, discord, teams or mattermost
	Template string // Go text/template for the message text (see the README); "" for the default
	// Email, when set, sends alerts by email instead of to URL.
	Email *Email
	// Shoutrrr, when set, is a shoutrrr service URL (telegram://, matrix://,
	// ntfy://, gotify://, pushover://...) that gets alerts as plain text.
	Shoutrrr string

	// Digest, when set, is a cron spec ("@hourly", "@daily", "0 8 * * 1-5"):
	// alerts wait for it and go out as one message.
	Digest string
	// Events lists the event types sent (page.changed, page.removed...); empty: all.
	Events []string
	// Routing by what a change amounts to; zero values let everything through.
	MinWords        int    // at least this many words added + removed
	KeywordsOnly    bool   // only changes that touch a watched keyword
	MinSignificance string // "", "low", "medium" or "high"

}

// Events sets how many checks in a row raise page.removed, page.blocked,
// check.failing and selector.missing; zero fields take redline's defaults.
type Events struct {
	RemovedAfter, BlockedAfter, FailingAfter, SelectorMissingAfter int
}

// Email is how an email notifier reaches its SMTP server.
type Email struct {
	SMTP               string // host:port
	From               string
	To                 []string
	Username, Password string
	TLS                string // "", starttls, tls or none (loopback only)
}

// SecretKey returns the HMAC key for signing: the base64-decoded part of a
// "whsec_" secret, the raw bytes of any other secret, nil when none is set.
func (n Notifier) SecretKey() ([]byte, error) {
	if n.Secret == "" {
		return nil, nil
	}
	if rest, ok := strings.CutPrefix(n.Secret, "whsec_"); ok {
		k, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf(`notifier %s: bad "whsec_" secret: %w`, n.Name, err)
		}
		return k, nil
	}
	return []byte(n.Secret), nil
}

// Matches reports whether alerts about target t go to n: n has no tags, or
// t carries one of them.
func (n Notifier) Matches(t redline.Target) bool {
	if len(n.Tags) == 0 {
		return true
	}
	for _, want := range n.Tags {
		for _, have := range t.Tags {
			if want == have {
				return true
			}
		}
	}
	return false
}

// Option changes how Load and Parse work.
type Option func(*options)

type options struct {
	lookupEnv  func(string) (string, bool)
	lookupSeed func(string) (seeds.List, error)
}

// WithLookupEnv sets the function that resolves ${VAR} references; the
// default is os.LookupEnv.
func WithLookupEnv(f func(name string) (string, bool)) Option {
	return func(o *options) { o.lookupEnv = f }
}

// WithSeedLookup sets the function that resolves the names under seeds:;
// the default is seeds.Lookup.
func WithSeedLookup(f func(name string) (seeds.List, error)) Option {
	return func(o *options) { o.lookupSeed = f }
}

// Load reads and validates the configuration file at path. See Parse.
func Load(path string, opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, opts...)
}

// Parse validates the configuration in data, read from path (used in error
// messages and to resolve a relative sqlite path; it is not opened).
//
// Targets come out resolved: Kind defaults to "page", Schedule, Select and
// Exclude to the file's defaults (select: [] on a target means "no
// selectors" rather than "the defaults"), Source is "config". Each entry of
// each seed list becomes a target too, after the config targets, with the
// default schedule, selectors and exclusions, tags [<list>, <kind>] and
// Source "seed:<list>", unless a config target has the same name or the
// same URL: the config target replaces it.
//
// An empty file is valid: every default, no targets.
func Parse(data []byte, path string, opts ...Option) (*Config, error) {
	o := options{lookupEnv: os.LookupEnv, lookupSeed: seeds.Lookup}
	for _, f := range opts {
		f(&o)
	}
	file := path
	if file == "" {
		file = "config"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	d := newDecoder(file, o.lookupEnv)
	var raw rawFile
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		d.decodeStruct(doc.Content[0], reflect.ValueOf(&raw).Elem(), "")
	}
	c := d.build(&raw, path, o)
	if err := d.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Default returns a configuration with every default and no targets, as
// if path held an empty file.
func Default(path string) *Config {
	return &Config{
		Path:      path,
		Storage:   DefaultStorage,
		UserAgent: DefaultUserAgent,
		Crawler: Crawler{
			Delay:          DefaultDelay,
			Timeout:        DefaultTimeout,
			ConnectTimeout: DefaultConnectTimeout,
			MaxBody:        DefaultMaxBody,
			Retries:        DefaultRetries,
			Concurrency:    DefaultConcurrency,
		},
		Defaults: Defaults{Schedule: DefaultSchedule},
	}
}

// StorageDriver returns "sqlite" or "postgres" according to Storage, or ""
// for anything else (which validation rejects).
func (c *Config) StorageDriver() string {
	switch {
	case strings.HasPrefix(c.Storage, "sqlite:"):
		return "sqlite"
	case strings.HasPrefix(c.Storage, "postgres://"), strings.HasPrefix(c.Storage, "postgresql://"):
		return "postgres"
	}
	return ""
}

// StoragePath returns the database file of a "sqlite:PATH" storage as an
// absolute path, a relative PATH being taken from the directory of the
// config file ("sqlite:///abs/path" and "sqlite:" + ":memory:" work too).
// PostgreSQL URLs are recognised but not supported yet: they and any other
// scheme are an error.
func (c *Config) StoragePath() (string, error) {
	switch c.StorageDriver() {
	case "postgres":
		return "", fmt.Errorf("storage %q: PostgreSQL is not supported yet; use sqlite:PATH", redactURL(c.Storage))
	case "sqlite":
		p := sqlitePath(c.Storage)
		if p == "" {
			return "", fmt.Errorf("storage %q: no database path after \"sqlite:\"", c.Storage)
		}
		if p == ":memory:" {
			return p, nil
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(c.Path), p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("storage %q: %w", c.Storage, err)
		}
		return abs, nil
	}
	return "", fmt.Errorf("storage %q: unsupported; want sqlite:PATH", redactURL(c.Storage))
}

// sqlitePath strips "sqlite:" and an optional "//" from s.
func sqlitePath(s string) string {
	p := strings.TrimPrefix(s, "sqlite:")
	if rest, ok := strings.CutPrefix(p, "//"); ok {
		p = rest
	}
	return p
}

// redactURL hides the password of a URL, for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// Warnings lists settings that are valid but probably not what an operator
// wants: no contact in the User-Agent, robots.txt ignored, a notifier whose
// tags match no target. Callers log them at startup.
func (c *Config) Warnings() []string {
	var w []string
	if !strings.Contains(c.UserAgent, "@") && !strings.Contains(c.UserAgent, "http") {
		w = append(w, fmt.Sprintf("user_agent %q has no contact (URL or e-mail address); add one so site operators can reach you instead of blocking you", c.UserAgent))
	}
	if c.Crawler.IgnoreRobots {
		w = append(w, "crawler.ignore_robots is true: robots.txt will not be honoured")
	}
	for _, n := range c.Notifiers {
		if len(n.Tags) == 0 {
			continue
		}
		matched := false
		for _, t := range c.Targets {
			matched = matched || n.Matches(t)
		}
		if !matched {
			w = append(w, fmt.Sprintf("notifier %s: no target has any of the tags %v", n.Name, n.Tags))
		}
	}
	return w
}

// FieldError is one problem in a configuration file.
type FieldError struct {
	File  string // as given to Load or Parse
	Line  int    // 1-based; 0 when unknown
	Field string // path such as "targets[1].schedule"; "" for the whole file
	Msg   string
}

// Error formats the problem as "file:line: field: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// err joins the recorded errors, sorted by line, or returns nil.
func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
	errs := make([]error, len(d.errs))
	for i, e := range d.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// syntaxLine picks the line out of a yaml.v3 syntax error.
var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML parse error into a *FieldError.
func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &FieldError{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}
