package config

import (
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/andybalholm/cascadia"

	"redline"
	"redline/diff"
	"redline/extract"
	"redline/notify"
	"redline/schedule"
	"redline/seeds"
)

// nameRE is what target, notifier and tag names must look like.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// build applies defaults to raw, validates it, and merges the seed lists.
// Problems are recorded in d; the returned Config is meaningless if any
// were.
func (d *decoder) build(raw *rawFile, path string, o options) *Config {
	c := Default(path)

	if raw.Storage != nil {
		c.Storage = strings.TrimSpace(*raw.Storage)
		d.checkStorage(c.Storage)
	}
	if raw.UserAgent != nil {
		c.UserAgent = strings.TrimSpace(*raw.UserAgent)
	}
	switch {
	case c.UserAgent == "":
		d.errorf(d.line("user_agent"), "user_agent", "must not be empty (name the crawler and a contact, e.g. %q)", DefaultUserAgent+" (+mailto:ops@example.org)")
	case strings.IndexFunc(c.UserAgent, unicode.IsControl) >= 0:
		d.errorf(d.line("user_agent"), "user_agent", "must not contain control characters or line breaks")
	}
	for _, e := range []struct {
		path string
		raw  *int
		dst  *int
	}{
		{"events.removed_after", raw.Events.RemovedAfter, &c.Events.RemovedAfter},
		{"events.blocked_after", raw.Events.BlockedAfter, &c.Events.BlockedAfter},
		{"events.failing_after", raw.Events.FailingAfter, &c.Events.FailingAfter},
		{"events.selector_missing_after", raw.Events.SelectorMissingAfter, &c.Events.SelectorMissingAfter},
	} {
		if e.raw == nil {
			continue
		}
		if *e.raw < 2 || *e.raw > 100 {
			d.errorf(d.line(e.path), e.path, "%d is out of range 2..100", *e.raw)
			continue
		}
		*e.dst = *e.raw
	}
	if r := raw.Retention; r.ThinAfter != nil || r.KeepEvery != nil {
		if r.ThinAfter == nil || *r.ThinAfter < duration(24*time.Hour) {
			d.errorf(d.line("retention.thin_after"), "retention.thin_after",
				"want a period of at least 1d before captures are thinned (e.g. 90d); without retention everything is kept")
		} else {
			c.Retention.ThinAfter = time.Duration(*r.ThinAfter)
		}
		if r.KeepEvery != nil {
			c.Retention.KeepEvery = time.Duration(*r.KeepEvery)
			if c.Retention.KeepEvery != 0 && c.Retention.KeepEvery < time.Hour {
				d.errorf(d.line("retention.keep_every"), "retention.keep_every", "%v: want 0 (keep none) or at least 1h", c.Retention.KeepEvery)
			}
		}
	}
	if raw.PublicURL != "" {
		c.PublicURL = strings.TrimRight(raw.PublicURL, "/")
		d.checkURL("public_url", c.PublicURL)
	}
	if raw.Listen != "" {
		c.Listen = raw.Listen
		d.checkListen(raw.Listen)
	}

	d.buildCrawler(&raw.Crawler, &c.Crawler)

	if raw.Defaults.Schedule != "" {
		c.Defaults.Schedule = raw.Defaults.Schedule
		d.checkSchedule("defaults.schedule", raw.Defaults.Schedule)
	}
	c.Defaults.Select = d.selectors("defaults.select", raw.Defaults.Select)
	c.Defaults.Exclude = d.selectors("defaults.exclude", raw.Defaults.Exclude)
	c.Defaults.Ignore = d.patterns("defaults.ignore", raw.Defaults.Ignore)
	c.Defaults.Keywords = d.keywords("defaults.keywords", raw.Defaults.Keywords)

	firstName := make(map[string]int, len(raw.Targets)) // target name -> line of its first use
	urls := make(map[string]bool, len(raw.Targets))
	if len(raw.Targets) > 0 {
		c.Targets = make([]redline.Target, 0, len(raw.Targets))
	}
	for i := range raw.Targets {
		t, ok := d.buildTarget(i, &raw.Targets[i], c.Defaults)
		if !ok {
			continue
		}
		p := indexPath("targets", i) + ".name"
		if first, dup := firstName[t.Name]; dup {
			d.errorf(d.line(p), p, "duplicate target name %q (first at line %d)", t.Name, first)
			continue
		}
		firstName[t.Name] = d.line(p)
		urls[urlKey(t.Kind, t.URL)] = true
		c.Targets = append(c.Targets, t)
	}

	d.mergeSeeds(c, raw.Seeds, firstName, urls, o)

	firstNotifier := map[string]int{}
	for i := range raw.Notifiers {
		n, ok := d.buildNotifier(i, &raw.Notifiers[i])
		if !ok {
			continue
		}
		p := indexPath("notifiers", i) + ".name"
		if first, dup := firstNotifier[n.Name]; dup {
			d.errorf(d.line(p), p, "duplicate notifier name %q (first at line %d)", n.Name, first)
			continue
		}
		firstNotifier[n.Name] = d.line(p)
		c.Notifiers = append(c.Notifiers, n)
	}
	return c
}

// checkStorage validates the storage setting.
func (d *decoder) checkStorage(s string) {
	line := d.line("storage")
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		if sqlitePath(s) == "" {
			d.errorf(line, "storage", "no database path after \"sqlite:\" (e.g. sqlite:redline.db)")
		}
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			d.errorf(line, "storage", "bad PostgreSQL URL %q", redactURL(s))
		}
	default:
		d.errorf(line, "storage", "unsupported storage %q: want sqlite:PATH or a postgres:// URL", redactURL(s))
	}
}

// checkListen validates a host:port address.
func (d *decoder) checkListen(addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		d.errorf(d.line("listen"), "listen", "bad address %q: want host:port, e.g. 127.0.0.1:8080", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		d.errorf(d.line("listen"), "listen", "bad address %q: port %q is not a number from 0 to 65535", addr, port)
	}
}

// buildCrawler applies the crawler defaults and checks the ranges.
func (d *decoder) buildCrawler(r *rawCrawler, c *Crawler) {
	if r.Delay != nil {
		c.Delay = time.Duration(*r.Delay)
	}
	if r.Timeout != nil {
		c.Timeout = time.Duration(*r.Timeout)
		if c.Timeout == 0 {
			d.errorf(d.line("crawler.timeout"), "crawler.timeout", "must be more than 0s")
		}
	}
	if r.ConnectTimeout != nil {
		c.ConnectTimeout = time.Duration(*r.ConnectTimeout)
		if c.ConnectTimeout == 0 {
			d.errorf(d.line("crawler.connect_timeout"), "crawler.connect_timeout", "must be more than 0s")
		}
	}
	if c.ConnectTimeout > c.Timeout && c.Timeout > 0 {
		if r.ConnectTimeout != nil {
			d.errorf(d.line("crawler.connect_timeout"), "crawler.connect_timeout", "%s is longer than crawler.timeout (%s)", c.ConnectTimeout, c.Timeout)
		} else {
			c.ConnectTimeout = c.Timeout // a short timeout caps the default connect timeout
		}
	}
	if r.MaxBody != nil {
		c.MaxBody = int64(*r.MaxBody)
		if c.MaxBody <= 0 {
			d.errorf(d.line("crawler.max_body"), "crawler.max_body", "must be more than 0 bytes")
		}
	}
	if r.Retries != nil {
		c.Retries = *r.Retries
		if c.Retries < 0 || c.Retries > MaxRetries {
			d.errorf(d.line("crawler.retries"), "crawler.retries", "%d is out of range 0..%d", c.Retries, MaxRetries)
		}
	}
	if r.IgnoreRobots != nil {
		c.IgnoreRobots = *r.IgnoreRobots
	}
	for i, n := range r.AllowNetworks {
		p := indexPath("crawler.allow_networks", i)
		pr, err := netip.ParsePrefix(strings.TrimSpace(n))
		if err != nil {
			if ip, err2 := netip.ParseAddr(strings.TrimSpace(n)); err2 == nil {
				pr = netip.PrefixFrom(ip, ip.BitLen())
			} else {
				d.errorf(d.line(p, "crawler.allow_networks"), p, "%q: want a network like 10.0.0.0/8 or an address", n)
				continue
			}
		}
		c.AllowNetworks = append(c.AllowNetworks, pr.Masked())
	}
	if r.Concurrency != nil {
		c.Concurrency = *r.Concurrency
		if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
			d.errorf(d.line("crawler.concurrency"), "crawler.concurrency", "%d is out of range 1..%d", c.Concurrency, MaxConcurrency)
		}
	}
}

// buildTarget resolves and checks targets[i]. It reports false when the
// target has no usable name, so it cannot take part in the duplicate check.
func (d *decoder) buildTarget(i int, r *rawTarget, def Defaults) (redline.Target, bool) {
	p := indexPath("targets", i)
	u := strings.TrimSpace(r.URL)
	if u == "" && r.Kind == "discover" && len(r.Start) > 0 {
		u = strings.TrimSpace(r.Start[0]) // a rule may name its start pages only
	}
	t := redline.Target{
		Name:     strings.TrimSpace(r.Name),
		URL:      u,
		Kind:     r.Kind,
		Schedule: r.Schedule,
		Select:   slices.Clone(def.Select),
		Exclude:  slices.Clone(def.Exclude),
		Tags:     d.names(p+".tags", r.Tags),
		Source:   "config",
	}
	ok := d.checkName(p+".name", t.Name)
	if t.URL == "" {
		d.errorf(d.line(p+".url", p), p+".url", "is required")
	} else {
		d.checkURL(p+".url", t.URL)
	}
	if t.Kind == "" {
		t.Kind = DefaultKind
	} else if !seeds.IsKind(t.Kind) {
		d.errorf(d.line(p+".kind"), p+".kind", "unknown kind %q (want one of %s)", t.Kind, strings.Join(seeds.Kinds(), ", "))
	}
	if t.Schedule == "" {
		t.Schedule = def.Schedule
	} else {
		d.checkSchedule(p+".schedule", t.Schedule)
	}
	if r.Select != nil {
		t.Select = d.selectors(p+".select", *r.Select)
	}
	if r.Exclude != nil {
		t.Exclude = d.selectors(p+".exclude", *r.Exclude)
	}
	t.Ignore = append(slices.Clone(def.Ignore), d.patterns(p+".ignore", r.Ignore)...)
	t.Keywords = mergeKeywords(def.Keywords, d.keywords(p+".keywords", r.Keywords))
	t.JSONPath = strings.TrimSpace(r.JSONPath)
	if t.JSONPath != "" {
		if err := extract.CompileJSONPath(t.JSONPath); err != nil {
			d.errorf(d.line(p+".json_path"), p+".json_path", "%v", err)
		}
	}
	t.NoDefaultIgnore = r.DefaultIgnore != nil && !*r.DefaultIgnore
	d.buildDiscover(p, r, &t)
	return t, ok
}

// urlKey keys targets by URL to drop seeds the configuration already
// tracks: a discovery rule may start from a page also tracked for its
// wording.
func urlKey(kind, u string) string {
	if kind == "discover" {
		return "discover " + u
	}
	return u
}

// seedRule is the discovery rule of a seed entry of kind discover, nil
// for the others.
func seedRule(e seeds.Entry) *redline.DiscoverRule {
	if e.Kind != "discover" {
		return nil
	}
	r := &redline.DiscoverRule{Start: []string{e.URL}, Follow: e.Follow, Match: e.Match, Depth: 1,
		AllowedDomains: e.AllowedDomains, MaxPages: e.MaxPages, LinksPath: e.LinksPath}
	if r.MaxPages == 0 {
		r.MaxPages = DefaultMaxPages
	}
	if len(r.AllowedDomains) == 0 {
		if u, err := url.Parse(e.URL); err == nil {
			r.AllowedDomains = []string{strings.ToLower(u.Hostname())}
		}
	}
	return r
}

// buildDiscover reads the discovery fields of target p: only a target of
// kind discover has them, and it needs start pages (its url, or start).
func (d *decoder) buildDiscover(p string, r *rawTarget, t *redline.Target) {
	if t.Kind != "discover" {
		for _, f := range []struct {
			name string
			set  bool
		}{{"start", len(r.Start) > 0}, {"follow", len(r.Follow) > 0}, {"match", len(r.Match) > 0}, {"depth", r.Depth != nil},
			{"allowed_domains", len(r.AllowedDomains) > 0}, {"max_pages", r.MaxPages != nil}, {"links_path", r.LinksPath != ""}} {
			if f.set {
				d.errorf(d.line(p+"."+f.name), p+"."+f.name, "only a target of kind discover has %s", f.name)
			}
		}
		return
	}
	rule := redline.DiscoverRule{Follow: d.patterns(p+".follow", r.Follow), Match: d.keywords(p+".match", r.Match),
		LinksPath: strings.TrimSpace(r.LinksPath)}
	if t.URL != "" {
		rule.Start = append(rule.Start, t.URL)
	}
	for i, u := range r.Start {
		u = strings.TrimSpace(u)
		d.checkURL(indexPath(p+".start", i), u)
		if !slices.Contains(rule.Start, u) {
			rule.Start = append(rule.Start, u)
		}
	}
	if len(rule.Start) > 0 && t.URL == "" {
		t.URL = rule.Start[0]
	}
	if r.Depth != nil {
		rule.Depth = *r.Depth
		if rule.Depth < 1 || rule.Depth > 5 {
			d.errorf(d.line(p+".depth"), p+".depth", "%d is out of range 1..5", rule.Depth)
		}
	}
	if r.MaxPages != nil {
		rule.MaxPages = *r.MaxPages
		if rule.MaxPages < 1 || rule.MaxPages > 10000 {
			d.errorf(d.line(p+".max_pages"), p+".max_pages", "%d is out of range 1..10000", rule.MaxPages)
		}
	}
	for i, h := range r.AllowedDomains {
		h = strings.ToLower(strings.Trim(strings.TrimSpace(h), "."))
		if h == "" || strings.ContainsAny(h, "/:@ ") && net.ParseIP(h) == nil {
			d.errorf(d.line(indexPath(p+".allowed_domains", i), p+".allowed_domains"), indexPath(p+".allowed_domains", i),
				"%q: want a host name like justice.gov (subdomains are allowed with it)", r.AllowedDomains[i])
			continue
		}
		rule.AllowedDomains = append(rule.AllowedDomains, h)
	}
	if rule.LinksPath != "" {
		if err := extract.CompileJSONPath(rule.LinksPath); err != nil {
			d.errorf(d.line(p+".links_path"), p+".links_path", "%v", err)
		}
	}
	if rule.Depth == 0 {
		rule.Depth = 1
	}
	if rule.MaxPages == 0 {
		rule.MaxPages = DefaultMaxPages
	}
	if len(rule.AllowedDomains) == 0 {
		for _, s := range rule.Start {
			if u, err := url.Parse(s); err == nil && u.Hostname() != "" && !slices.Contains(rule.AllowedDomains, strings.ToLower(u.Hostname())) {
				rule.AllowedDomains = append(rule.AllowedDomains, strings.ToLower(u.Hostname()))
			}
		}
	}
	t.Discover = &rule
}

// patterns checks regular expressions written at path.
func (d *decoder) patterns(path string, ps stringList) []string {
	var out []string
	for i, p := range ps {
		if _, err := regexp.Compile(p); err != nil {
			d.errorf(d.line(indexPath(path, i), path), indexPath(path, i), "bad regular expression %q: %v", p, err)
			continue
		}
		out = append(out, p)
	}
	return out
}

// keywords checks watched terms written at path: trimmed, non-empty.
func (d *decoder) keywords(path string, ks stringList) []string {
	var out []string
	for i, k := range ks {
		k = strings.Join(strings.Fields(k), " ")
		if k == "" {
			d.errorf(d.line(indexPath(path, i), path), indexPath(path, i), "empty keyword")
			continue
		}
		out = append(out, k)
	}
	return out
}

// mergeKeywords returns a followed by the terms of b not already in a
// (compared case-insensitively).
func mergeKeywords(a, b []string) []string {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, k) }) {
			out = append(out, k)
		}
	}
	return out
}

// buildNotifier resolves and checks notifiers[i].
func (d *decoder) buildNotifier(i int, r *rawNotifier) (Notifier, bool) {
	p := indexPath("notifiers", i)
	n := Notifier{
		Name:        strings.TrimSpace(r.Name),
		URL:         strings.TrimSpace(r.URL),
		Secret:      r.Secret,
		Tags:        d.names(p+".tags", r.Tags),
		Timeout:     DefaultNotifierTimeout,
		RetryBase:   DefaultRetryBase,
		MaxAttempts: DefaultMaxAttempts,
	}
	ok := d.checkName(p+".name", n.Name)
	sinks := 0
	for _, set := range []bool{n.URL != "", r.Email != nil, r.Shoutrrr != ""} {
		if set {
			sinks++
		}
	}
	switch {
	case sinks > 1:
		d.errorf(d.line(p+".email", p+".shoutrrr", p), p, "a notifier has one of url, email or shoutrrr, not several")
	case r.Shoutrrr != "":
		n.Shoutrrr = strings.TrimSpace(r.Shoutrrr)
		if err := notify.ParseShoutrrrURL(n.Shoutrrr); err != nil {
			d.errorf(d.line(p+".shoutrrr"), p+".shoutrrr", "%v", err)
		}
	case r.Email != nil:
		n.Email = d.email(p+".email", r.Email)
	case n.URL == "":
		d.errorf(d.line(p+".url", p), p+".url", "is required (or email, or shoutrrr)")
	default:
		d.checkURL(p+".url", n.URL)
	}
	if r.Digest != "" {
		n.Digest = strings.TrimSpace(r.Digest)
		switch n.Digest {
		case "hourly", "daily", "weekly":
			n.Digest = "@" + n.Digest
		}
		d.checkSchedule(p+".digest", n.Digest)
	}
	if r.Format != "" {
		f, err := notify.ParseFormat(r.Format)
		if err != nil {
			d.errorf(d.line(p+".format"), p+".format", "%v", err)
		}
		n.Format = string(f)
	}
	if r.Template != "" {
		if _, err := notify.ParseTemplate(n.Name, r.Template); err != nil {
			d.errorf(d.line(p+".template"), p+".template", "%v", err)
		}
		n.Template = r.Template
	}
	for i, ev := range r.Events {
		if !slices.Contains(redline.Events(), ev) {
			d.errorf(d.line(indexPath(p+".events", i), p+".events"), indexPath(p+".events", i),
				"unknown event %q (want one of %s)", ev, strings.Join(redline.Events(), ", "))
			continue
		}
		n.Events = append(n.Events, ev)
	}
	n.MinWords, n.KeywordsOnly = r.MinWords, r.KeywordsOnly
	if n.MinWords < 0 {
		d.errorf(d.line(p+".min_words"), p+".min_words", "must not be negative")
	}
	if r.MinSignificance != "" {
		n.MinSignificance = strings.ToLower(strings.TrimSpace(r.MinSignificance))
		if _, err := diff.ParseLevel(n.MinSignificance); err != nil {
			d.errorf(d.line(p+".min_significance"), p+".min_significance", "%v", err)
		}
	}
	if rest, isWH := strings.CutPrefix(n.Secret, "whsec_"); isWH {
		if k, err := base64.StdEncoding.DecodeString(rest); err != nil {
			d.errorf(d.line(p+".secret"), p+".secret", `bad "whsec_" secret: the part after "whsec_" must be standard base64: %v`, err)
		} else if len(k) == 0 {
			d.errorf(d.line(p+".secret"), p+".secret", `bad "whsec_" secret: empty key`)
		}
	}
	if r.Timeout != nil {
		n.Timeout = time.Duration(*r.Timeout)
		if n.Timeout == 0 {
			d.errorf(d.line(p+".timeout"), p+".timeout", "must be more than 0s")
		}
	}
	if r.MaxAttempts != nil {
		n.MaxAttempts = *r.MaxAttempts
		if n.MaxAttempts < 1 || n.MaxAttempts > 100 {
			d.errorf(d.line(p+".max_attempts"), p+".max_attempts", "%d is out of range 1..100", n.MaxAttempts)
		}
	}
	if r.RetryBase != nil {
		n.RetryBase = time.Duration(*r.RetryBase)
		if n.RetryBase < time.Millisecond || n.RetryBase > MaxRetryBase {
			d.errorf(d.line(p+".retry_base"), p+".retry_base", "%s is out of range 1ms..%s", n.RetryBase, MaxRetryBase)
		}
	}
	return n, ok
}

// mergeSeeds appends the entries of the named seed lists to c.Targets,
// except those a config target overrides by name or URL.
func (d *decoder) mergeSeeds(c *Config, names stringList, taken map[string]int, urls map[string]bool, o options) {
	listed := map[string]int{}
	for i, name := range names {
		p := indexPath("seeds", i)
		if _, ok := d.lines[p]; !ok {
			p = "seeds" // written as a single string
		}
		line := d.line(p)
		if first, dup := listed[name]; dup {
			d.errorf(line, p, "seed list %q listed twice (first at line %d)", name, first)
			continue
		}
		listed[name] = line
		l, err := o.lookupSeed(name)
		if err != nil {
			d.errorf(line, p, "%v", err)
			continue
		}
		c.Seeds = append(c.Seeds, name)
		for _, e := range l.Entries {
			if _, over := taken[e.Name]; over || urls[urlKey(e.Kind, e.URL)] {
				continue
			}
			taken[e.Name] = line
			urls[urlKey(e.Kind, e.URL)] = true
			c.Targets = append(c.Targets, redline.Target{
				Name:     e.Name,
				URL:      e.URL,
				Kind:     e.Kind,
				Schedule: c.Defaults.Schedule,
				Select:   slices.Clone(c.Defaults.Select),
				Exclude:  slices.Clone(c.Defaults.Exclude),
				Ignore:   slices.Clone(c.Defaults.Ignore),
				Keywords: slices.Clone(c.Defaults.Keywords),
				Tags:     []string{l.Name, e.Kind},
				Source:   "seed:" + l.Name,
				Discover: seedRule(e),
			})
		}
	}
}

// checkName validates a target or notifier name at path.
func (d *decoder) checkName(path, name string) bool {
	switch {
	case name == "":
		d.errorf(d.line(path), path, "is required")
	case len(name) > maxNameLen:
		d.errorf(d.line(path), path, "name %q is longer than %d characters", name, maxNameLen)
	case !nameRE.MatchString(name):
		d.errorf(d.line(path), path, "bad name %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", name)
	default:
		return true
	}
	return false
}

// names checks a list of tags written at path and returns it.
func (d *decoder) names(path string, list stringList) []string {
	var out []string
	for i, s := range list {
		ip := itemPath(d, path, i)
		if !nameRE.MatchString(s) || len(s) > maxNameLen {
			d.errorf(d.line(ip), ip, "bad tag %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// itemPath is path[i] when the list was written as a YAML list, and path
// itself when it was a single string.
func itemPath(d *decoder, path string, i int) string {
	ip := indexPath(path, i)
	if _, ok := d.lines[ip]; ok {
		return ip
	}
	return path
}

// checkURL validates an absolute http(s) URL at path.
func (d *decoder) checkURL(path, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		d.errorf(d.line(path), path, "bad URL %q: %v", raw, unwrapURLError(err))
	case (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		d.errorf(d.line(path), path, "bad URL %q: want an absolute http or https URL with a host", raw)
	}
}

// unwrapURLError drops url.Error's repetition of the URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// checkSchedule validates a cron spec at path.
func (d *decoder) checkSchedule(path, spec string) {
	if _, err := schedule.Parse(spec); err != nil {
		d.errorf(d.line(path), path, "bad cron spec %q: %v", spec, err)
	}
}

// selectors checks CSS selectors written at path and returns them; nil
// stays nil and an empty list stays empty.
func (d *decoder) selectors(path string, list stringList) []string {
	if list == nil {
		return nil
	}
	out := make([]string, 0, len(list))
	for i, sel := range list {
		ip := itemPath(d, path, i)
		if _, err := cascadia.Compile(sel); err != nil {
			d.errorf(d.line(ip), ip, "bad selector %q: %v", sel, err)
			continue
		}
		out = append(out, sel)
	}
	return out
}

// email checks an email notifier's settings.
func (d *decoder) email(p string, r *rawEmail) *Email {
	e := &Email{SMTP: strings.TrimSpace(r.SMTP), From: strings.TrimSpace(r.From), To: r.To,
		Username: r.Username, Password: r.Password, TLS: strings.ToLower(strings.TrimSpace(r.TLS))}
	cfg := notify.SMTPConfig{Addr: e.SMTP, From: e.From, To: e.To, Username: e.Username, Password: e.Password, TLS: e.TLS}
	if e.SMTP == "" {
		d.errorf(d.line(p+".smtp", p), p+".smtp", "is required (host:port)")
	} else if err := cfg.Validate(); err != nil {
		d.errorf(d.line(p), p, "%v", err)
	}
	return e
}
