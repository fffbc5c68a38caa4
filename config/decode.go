package config

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// This file turns a yaml.Node tree into the raw* structs below, by walking
// the tree against the structs' yaml tags. yaml.v3's Node.Decode cannot
// reject unknown fields, and its type errors name neither the field nor a
// useful line; walking the tree ourselves gives both. The walk also records
// the line of every field it sees, keyed by path ("targets[1].schedule"),
// so the validation that follows can point at the right line.

// rawFile mirrors the YAML file. Pointers and stringList pointers
// distinguish "absent" (use the default) from a value written as zero.
type rawFile struct {
	Storage   *string       `yaml:"storage"`
	UserAgent *string       `yaml:"user_agent"`
	Listen    string        `yaml:"listen"`
	PublicURL string        `yaml:"public_url"`
	Crawler   rawCrawler    `yaml:"crawler"`
	Defaults  rawDefaults   `yaml:"defaults"`
	Targets   []rawTarget   `yaml:"targets"`
	Seeds     stringList    `yaml:"seeds"`
	Notifiers []rawNotifier `yaml:"notifiers"`
	Events    rawEvents     `yaml:"events"`
	Retention rawRetention  `yaml:"retention"`
}

// rawRetention thins old unchanged captures.
type rawRetention struct {
	ThinAfter *duration `yaml:"thin_after"`
	KeepEvery *duration `yaml:"keep_every"`
}

// rawEvents sets how many checks in a row raise an event.
type rawEvents struct {
	RemovedAfter         *int `yaml:"removed_after"`
	BlockedAfter         *int `yaml:"blocked_after"`
	FailingAfter         *int `yaml:"failing_after"`
	SelectorMissingAfter *int `yaml:"selector_missing_after"`
}

type rawCrawler struct {
	Delay          *duration `yaml:"delay"`
	Timeout        *duration `yaml:"timeout"`
	ConnectTimeout *duration `yaml:"connect_timeout"`
	MaxBody        *size     `yaml:"max_body"`
	Retries        *int      `yaml:"retries"`
	IgnoreRobots   *bool     `yaml:"ignore_robots"`
	Concurrency    *int      `yaml:"concurrency"`
	// AllowNetworks: networks (CIDR) that discovered links may reach
	// although they are not public addresses.
	AllowNetworks stringList `yaml:"allow_networks"`
}

type rawDefaults struct {
	Schedule string     `yaml:"schedule"`
	Select   stringList `yaml:"select"`
	Exclude  stringList `yaml:"exclude"`
	Ignore   stringList `yaml:"ignore"`
	Keywords stringList `yaml:"keywords"`
}

type rawTarget struct {
	Name     string      `yaml:"name"`
	URL      string      `yaml:"url"`
	Select   *stringList `yaml:"select"`
	Exclude  *stringList `yaml:"exclude"`
	Schedule string      `yaml:"schedule"`
	Kind     string      `yaml:"kind"`
	Tags     stringList  `yaml:"tags"`
	Ignore   stringList  `yaml:"ignore"`
	Keywords stringList  `yaml:"keywords"`
	JSONPath string      `yaml:"json_path"`
	// DefaultIgnore false turns off the built-in noise rules for this target.
	DefaultIgnore *bool `yaml:"default_ignore"`

	// Discovery rules (kind: discover).
	Start          stringList `yaml:"start"`
	Follow         stringList `yaml:"follow"`
	Match          stringList `yaml:"match"`
	Depth          *int       `yaml:"depth"`
	AllowedDomains stringList `yaml:"allowed_domains"`
	MaxPages       *int       `yaml:"max_pages"`
	LinksPath      string     `yaml:"links_path"`
}

type rawNotifier struct {
	Name        string     `yaml:"name"`
	URL         string     `yaml:"url"`
	Secret      string     `yaml:"secret"`
	Tags        stringList `yaml:"tags"`
	Timeout     *duration  `yaml:"timeout"`
	RetryBase   *duration  `yaml:"retry_base"`
	MaxAttempts *int       `yaml:"max_attempts"`

	Format   string    `yaml:"format"`
	Template string    `yaml:"template"`
	Email    *rawEmail `yaml:"email"`
	Shoutrrr string    `yaml:"shoutrrr"`
	Digest   string    `yaml:"digest"`

	Events          stringList `yaml:"events"`
	MinWords        int        `yaml:"min_words"`
	KeywordsOnly    bool       `yaml:"keywords_only"`
	MinSignificance string     `yaml:"min_significance"`
}

// rawEmail is a notifier that sends email through an SMTP server.
type rawEmail struct {
	SMTP     string     `yaml:"smtp"` // host:port
	From     string     `yaml:"from"`
	To       stringList `yaml:"to"`
	Username string     `yaml:"username"`
	Password string     `yaml:"password"`
	TLS      string     `yaml:"tls"`
}

// stringList is a YAML string or list of strings.
type stringList []string

// duration is a Go duration string such as "1m30s".
type duration time.Duration

// size is a byte count: plain bytes or a number with a unit (512KB, 10MB).
type size int64

// scalar is implemented by the types that parse one scalar themselves.
// Environment variables are already expanded when decodeScalar runs.
type scalar interface {
	decodeScalar(value string) error
}

func (d *duration) decodeScalar(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q: %v", s, err)
	}
	if v < 0 {
		return fmt.Errorf("bad duration %q: must not be negative", s)
	}
	*d = duration(v)
	return nil
}

// parseDuration is time.ParseDuration plus whole days ("90d"), the unit
// retention periods are written in.
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("want whole days, e.g. 90d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func (z *size) decodeScalar(s string) error {
	v, err := ParseSize(s)
	if err != nil {
		return fmt.Errorf("bad size %q: %v", s, err)
	}
	*z = size(v)
	return nil
}

// ParseSize parses a byte count: plain bytes ("1048576") or a number and a
// unit, B, KB, MB or GB (case-insensitive; KiB, MiB and GiB are accepted as
// synonyms). Units are binary: 1KB is 1024 bytes. Fractions are allowed
// ("1.5MB") and rounded down to a whole byte.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	if num == "" {
		return 0, fmt.Errorf("want a number of bytes, optionally with a unit (B, KB, MB, GB)")
	}
	var mult float64
	switch strings.ToLower(unit) {
	case "", "b":
		mult = 1
	case "k", "kb", "kib":
		mult = 1 << 10
	case "m", "mb", "mib":
		mult = 1 << 20
	case "g", "gb", "gib":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("unknown unit %q (want B, KB, MB or GB)", unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", num)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("too large")
	}
	return int64(v), nil
}

// decoder walks a yaml.Node tree into raw structs, expanding ${VAR} in
// scalar values and collecting every error with its line and field path.
type decoder struct {
	file      string
	lookupEnv func(string) (string, bool)
	lines     map[string]int      // field path -> line where it is written
	expanded  map[*yaml.Node]bool // scalars already expanded (aliases share nodes)
	errs      []*FieldError
	fields    map[reflect.Type]structInfo // structFields of each struct type met
}

// structInfo is what structFields returns for a struct type.
type structInfo struct {
	index map[string]int
	names []string
}

func newDecoder(file string, lookupEnv func(string) (string, bool)) *decoder {
	return &decoder{
		file:      file,
		lookupEnv: lookupEnv,
		lines:     map[string]int{},
		expanded:  map[*yaml.Node]bool{},
		fields:    map[reflect.Type]structInfo{},
	}
}

// errorf records an error at line for the field at path, unless that
// field already has one: a value that failed to decode is not reported
// again as missing or invalid.
func (d *decoder) errorf(line int, path, format string, args ...any) {
	for _, e := range d.errs {
		if e.Field == path && path != "" {
			return
		}
	}
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of the first of paths that was written in the file,
// trying each path's parents too, so an error about a missing field points
// at the entry that lacks it. It returns 0 when nothing matches.
func (d *decoder) line(paths ...string) int {
	for _, p := range paths {
		for p != "" {
			if l, ok := d.lines[p]; ok {
				return l
			}
			p = parentPath(p)
		}
	}
	return 0
}

// parentPath strips the last ".field" or "[i]" from p.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func fieldPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}

// decode stores n into v, whose type is one of the raw structs or a field
// of one.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && !d.expand(n, path) {
		return
	}
	switch p := v.Addr().Interface().(type) {
	case *stringList:
		d.decodeStringList(n, p, path)
		return
	case scalar:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, path, "expected a single value, got %s", describe(n))
			return
		}
		if err := p.decodeScalar(n.Value); err != nil {
			d.errorf(n.Line, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		e := reflect.New(v.Type().Elem())
		before := len(d.errs)
		d.decode(n, e.Elem(), path)
		if len(d.errs) == before {
			v.Set(e)
		}
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n.Line, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			ip := indexPath(path, i)
			d.lines[ip] = item.Line
			d.decode(item, s.Index(i), ip)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, path, "expected a string, got %s", describe(n))
			return
		}
		if !isNull(n) {
			v.SetString(n.Value)
		}
	case reflect.Int:
		if isNull(n) {
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.Kind != yaml.ScalarNode || err != nil || i < math.MinInt32 || i > math.MaxInt32 {
			d.errorf(n.Line, path, "expected an integer, got %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.ScalarNode || (n.Value != "true" && n.Value != "false") {
			d.errorf(n.Line, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(n.Value == "true")
	default:
		panic(fmt.Sprintf("config: cannot decode into %s", v.Type()))
	}
}

// decodeStruct decodes a mapping into a struct, reporting unknown and
// duplicate keys. Keys merged in with "<<: *anchor" count unless the
// mapping sets them itself.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "expected a mapping, got %s", describe(n))
		return
	}
	info, ok := d.fields[v.Type()]
	if !ok {
		info.index, info.names = structFields(v.Type())
		d.fields[v.Type()] = info
	}
	fields, names := info.index, info.names
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, val)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, path, "keys must be plain names, got %s", describe(k))
			continue
		}
		fp := fieldPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.errorf(k.Line, fp, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			d.errorf(k.Line, fp, "unknown field%s", suggest(k.Value, names))
			continue
		}
		d.lines[fp] = k.Line
		d.decode(val, v.Field(idx), fp)
	}
	for _, m := range merges {
		if m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, src := range srcs {
			if src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				d.errorf(src.Line, path, "merge (<<) needs a mapping, got %s", describe(src))
				continue
			}
			for i := 0; i+1 < len(src.Content); i += 2 {
				k, val := src.Content[i], src.Content[i+1]
				if _, set := seen[k.Value]; set {
					continue
				}
				seen[k.Value] = k.Line
				fp := fieldPath(path, k.Value)
				idx, ok := fields[k.Value]
				if !ok {
					d.errorf(k.Line, fp, "unknown field%s", suggest(k.Value, names))
					continue
				}
				d.lines[fp] = k.Line
				d.decode(val, v.Field(idx), fp)
			}
		}
	}
}

// structFields maps the yaml tags of t's fields to their index, and
// returns the tags in declaration order.
func structFields(t reflect.Type) (map[string]int, []string) {
	m := map[string]int{}
	var names []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		m[tag] = i
		names = append(names, tag)
	}
	return m, names
}

// decodeStringList accepts a single string or a list of strings.
func (d *decoder) decodeStringList(n *yaml.Node, p *stringList, path string) {
	switch {
	case isNull(n):
		*p = stringList{}
	case n.Kind == yaml.ScalarNode:
		if n.Value == "" {
			*p = stringList{}
		} else {
			*p = stringList{n.Value}
		}
	case n.Kind == yaml.SequenceNode:
		out := make(stringList, 0, len(n.Content))
		for i, item := range n.Content {
			ip := indexPath(path, i)
			d.lines[ip] = item.Line
			if item.Kind == yaml.AliasNode && item.Alias != nil {
				item = item.Alias
			}
			if item.Kind != yaml.ScalarNode || isNull(item) {
				d.errorf(item.Line, ip, "expected a string, got %s", describe(item))
				continue
			}
			if d.expand(item, ip) {
				out = append(out, item.Value)
			}
		}
		*p = out
	default:
		d.errorf(n.Line, path, "expected a string or a list of strings, got %s", describe(n))
	}
}

// isNull reports whether n is an explicit or implicit null ("key:" alone).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what n is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// envName is what may appear between "${" and "}".
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand replaces ${VAR} in the scalar n from the environment, once per
// node. "$${" stands for a literal "${". It reports false, after recording
// the error, when a variable is unset or the syntax is wrong.
func (d *decoder) expand(n *yaml.Node, path string) bool {
	if d.expanded[n] {
		return true
	}
	d.expanded[n] = true
	if !strings.Contains(n.Value, "$") {
		return true
	}
	out, err := expandEnv(n.Value, d.lookupEnv)
	if err != nil {
		d.errorf(n.Line, path, "%v", err)
		return false
	}
	if out != n.Value {
		n.Value = out
		// Let a plain scalar be re-resolved: "${PORT}" may now be 8080.
		if n.Style&(yaml.TaggedStyle|yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.Tag = ""
		}
	}
	return true
}

// expandEnv replaces every ${NAME} in s with lookup(NAME); "$${" is a
// literal "${". Every unset variable is named in the error.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	var missing []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				// The value is not quoted back: it may be a secret.
				return "", fmt.Errorf(`unterminated "${" (write "$${" for a literal "${")`)
			}
			name := s[i+2 : i+2+end]
			if !envName.MatchString(name) {
				return "", fmt.Errorf(`bad environment variable name %q in "${...}"`, name)
			}
			val, ok := lookup(name)
			if !ok {
				missing = append(missing, strconv.Quote(name))
			}
			b.WriteString(val)
			i += 2 + end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	switch len(missing) {
	case 0:
		return b.String(), nil
	case 1:
		return "", fmt.Errorf("environment variable %s is not set", missing[0])
	default:
		return "", fmt.Errorf("environment variables %s are not set", strings.Join(missing, ", "))
	}
}

// suggest returns ` (did you mean "x"?)` for the known name closest to
// key, or the list of known names when none is close.
func suggest(key string, known []string) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	best, bestDist := "", -1
	for _, k := range known {
		dist := levenshtein(norm(key), norm(k))
		if bestDist < 0 || dist < bestDist {
			best, bestDist = k, dist
		}
	}
	limit := 2
	if len(key) <= 4 {
		limit = 1
	}
	if best != "" && bestDist <= limit {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return " (known: " + strings.Join(sorted, ", ") + ")"
}

// levenshtein is the edit distance between a and b, in bytes.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
