package config

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"redline"
	"redline/schedule"
	"redline/seeds"
)

// env returns a lookup function over a fixed map, standing in for the
// process environment.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// noEnv is an environment where nothing is set.
var noEnv = WithLookupEnv(env(nil))

func TestValid(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	c, err := Load("testdata/valid.yml", WithLookupEnv(env(map[string]string{"REDLINE_WEBHOOK_SECRET": secret})))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Retention != (redline.Retention{ThinAfter: 90 * 24 * time.Hour, KeepEvery: 24 * time.Hour}) {
		t.Errorf("Retention = %+v", c.Retention)
	}
	if c.Path != "testdata/valid.yml" || c.Storage != "sqlite:redline.db" || c.Listen != "127.0.0.1:8080" {
		t.Errorf("Path, Storage, Listen = %q, %q, %q", c.Path, c.Storage, c.Listen)
	}
	if c.UserAgent != "redline/0.1 (+mailto:ops@example.org)" {
		t.Errorf("UserAgent = %q", c.UserAgent)
	}
	wantCrawler := Crawler{
		Delay:          2 * time.Second,
		Timeout:        30 * time.Second,
		ConnectTimeout: 10 * time.Second,
		MaxBody:        10 << 20,
		Retries:        2,
		Concurrency:    4,
		AllowNetworks:  []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")},
	}
	if !reflect.DeepEqual(c.Crawler, wantCrawler) {
		t.Errorf("Crawler = %+v, want %+v", c.Crawler, wantCrawler)
	}
	if c.Defaults.Schedule != "@every 6h" || len(c.Defaults.Select) != 0 || len(c.Defaults.Exclude) != 0 {
		t.Errorf("Defaults = %+v", c.Defaults)
	}
	if !reflect.DeepEqual(c.Seeds, []string{"sanctuary"}) {
		t.Errorf("Seeds = %v", c.Seeds)
	}

	first := redline.Target{
		Name:     "doj-sanctuary-list",
		URL:      "https://www.justice.gov/opa/pr/justice-department-publishes-list-sanctuary-jurisdictions",
		Kind:     "page",
		Schedule: "@hourly",
		Select:   []string{"main"},
		Exclude:  []string{".share-links"},
		Tags:     []string{"doj"},
		Source:   "config",
	}
	if len(c.Targets) == 0 || !reflect.DeepEqual(c.Targets[0], first) {
		t.Fatalf("Targets[0] = %+v, want %+v", c.Targets[0], first)
	}

	rule := c.Targets[1]
	wantRule := &redline.DiscoverRule{Start: []string{"https://www.justice.gov/news/rss?type=press_release"},
		Follow: []string{"/opa/pr/"}, Match: []string{"immigration", "sanctuary"}, Depth: 1,
		AllowedDomains: []string{"justice.gov"}, MaxPages: 50}
	if rule.Kind != "discover" || rule.URL != wantRule.Start[0] || !reflect.DeepEqual(rule.Discover, wantRule) ||
		!reflect.DeepEqual(rule.Keywords, []string{"detainer"}) {
		t.Errorf("discovery rule = %+v, Discover %+v", rule, rule.Discover)
	}

	// The seed entry of the same name is replaced; every other entry of
	// the list follows, in list order, with the defaults.
	list, err := seeds.Lookup("sanctuary")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range list.Entries {
		if e.Name != first.Name {
			want = append(want, e.Name)
		}
	}
	var got []string
	for _, tg := range c.Targets[2:] {
		got = append(got, tg.Name)
		if tg.Source != "seed:sanctuary" || tg.Schedule != "@every 6h" || len(tg.Select) != 0 || len(tg.Exclude) != 0 {
			t.Errorf("seed target %s = %+v", tg.Name, tg)
		}
		if !reflect.DeepEqual(tg.Tags, []string{"sanctuary", tg.Kind}) {
			t.Errorf("seed target %s: Tags = %v, want [sanctuary %s]", tg.Name, tg.Tags, tg.Kind)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("seed targets = %v, want %v", got, want)
	}
	for _, tg := range c.Targets {
		if _, err := schedule.Parse(tg.Schedule); err != nil {
			t.Errorf("%s: schedule %q: %v", tg.Name, tg.Schedule, err)
		}
	}

	wantN := []Notifier{{
		Name:        "watchdog",
		URL:         "https://hooks.example.org/redline",
		Secret:      secret,
		Tags:        []string{"doj"},
		Timeout:     10 * time.Second,
		RetryBase:   10 * time.Second,
		MaxAttempts: 10,
	}}
	if !reflect.DeepEqual(c.Notifiers, wantN) {
		t.Errorf("Notifiers = %+v, want %+v", c.Notifiers, wantN)
	}
	key, err := c.Notifiers[0].SecretKey()
	if err != nil || string(key) != "0123456789abcdef" {
		t.Errorf("SecretKey = %q, %v", key, err)
	}
	if !c.Notifiers[0].Matches(c.Targets[0]) || c.Notifiers[0].Matches(c.Targets[2]) {
		t.Error("watchdog should match the doj target only")
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("Warnings = %q, want none", w)
	}
}

func TestDefaults(t *testing.T) {
	for _, data := range []string{"", "# only a comment\n", "---\n", "targets: []\nseeds: []\n"} {
		c, err := Parse([]byte(data), "/etc/redline/redline.yaml", noEnv)
		if err != nil {
			t.Fatalf("Parse(%q): %v", data, err)
		}
		if want := Default("/etc/redline/redline.yaml"); !reflect.DeepEqual(c, want) {
			t.Errorf("Parse(%q) = %+v, want Default: %+v", data, c, want)
		}
	}
	c, err := Load("testdata/empty.yml", noEnv)
	if err != nil || !reflect.DeepEqual(c, Default("testdata/empty.yml")) {
		t.Errorf("Load(empty.yml) = %+v, %v", c, err)
	}
	c = Default("x.yml")
	if c.Storage != DefaultStorage || c.UserAgent != DefaultUserAgent || c.Defaults.Schedule != DefaultSchedule ||
		c.Crawler.Delay != time.Second || c.Crawler.Timeout != 30*time.Second || c.Crawler.ConnectTimeout != 10*time.Second ||
		c.Crawler.MaxBody != 10<<20 || c.Crawler.Retries != 2 || c.Crawler.Concurrency != 4 || c.Crawler.IgnoreRobots ||
		len(c.Targets) != 0 || len(c.Notifiers) != 0 {
		t.Errorf("Default = %+v", c)
	}
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "no contact") {
		t.Errorf("Warnings of the default User-Agent = %q", w)
	}
}

func TestTargetDefaults(t *testing.T) {
	const data = `
defaults:
  schedule: "@daily"
  select: main
  exclude: [".banner", "nav"]
targets:
  - name: inherits
    url: https://example.org/a
  - name: own
    url: https://example.org/b
    kind: pdf
    schedule: "0 */6 * * *"
    select: [article, "#content"]
    exclude: []
  - name: Mixed_Case.v2
    url: http://example.org/c
    select: []
notifiers:
  - name: all
    url: http://127.0.0.1:9000/hook
    secret: plain
    timeout: 2s
    retry_base: 3s
`
	c, err := Parse([]byte(data), "r.yml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []redline.Target{
		{Name: "inherits", URL: "https://example.org/a", Kind: "page", Schedule: "@daily",
			Select: []string{"main"}, Exclude: []string{".banner", "nav"}, Source: "config"},
		{Name: "own", URL: "https://example.org/b", Kind: "pdf", Schedule: "0 */6 * * *",
			Select: []string{"article", "#content"}, Exclude: []string{}, Source: "config"},
		{Name: "Mixed_Case.v2", URL: "http://example.org/c", Kind: "page", Schedule: "@daily",
			Select: []string{}, Exclude: []string{".banner", "nav"}, Source: "config"},
	}
	if !reflect.DeepEqual(c.Targets, want) {
		t.Errorf("Targets =\n%+v\nwant\n%+v", c.Targets, want)
	}
	// Targets do not share the defaults' backing arrays.
	c.Targets[0].Exclude[0] = "changed"
	if c.Defaults.Exclude[0] != ".banner" || c.Targets[2].Exclude[0] != ".banner" {
		t.Error("targets share their default selector slices")
	}
	n := c.Notifiers[0]
	if n.Timeout != 2*time.Second || n.RetryBase != 3*time.Second || n.Secret != "plain" || len(n.Tags) != 0 {
		t.Errorf("notifier = %+v", n)
	}
	if k, _ := n.SecretKey(); string(k) != "plain" {
		t.Errorf("SecretKey of a raw secret = %q", k)
	}
	if !n.Matches(c.Targets[1]) {
		t.Error("a notifier without tags should match every target")
	}
}

func TestSeedMerge(t *testing.T) {
	lists := map[string]seeds.List{
		"a": {Name: "a", Entries: []seeds.Entry{
			{Name: "a-one", URL: "https://one.example.gov/", Kind: "page"},
			{Name: "a-two", URL: "https://two.example.gov/", Kind: "pdf"},
			{Name: "a-three", URL: "https://three.example.gov/", Kind: "feed"},
		}},
		"b": {Name: "b", Entries: []seeds.Entry{
			{Name: "b-one", URL: "https://b.example.gov/", Kind: "listing"},
			{Name: "b-dup-url", URL: "https://one.example.gov/", Kind: "page"},
		}},
	}
	lookup := WithSeedLookup(func(name string) (seeds.List, error) {
		l, ok := lists[name]
		if !ok {
			return seeds.List{}, errors.New("no such list " + name)
		}
		return l, nil
	})
	const data = `
seeds: [b, a]
defaults:
  schedule: "@every 12h"
  exclude: footer
targets:
  - name: a-two                       # same name as a seed entry: replaces it
    url: https://mirror.example.org/two.pdf
    kind: pdf
  - name: my-three                    # same URL as a seed entry: replaces it
    url: https://three.example.gov/
    schedule: "@hourly"
`
	c, err := Parse([]byte(data), "r.yml", noEnv, lookup)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range c.Targets {
		got = append(got, tg.Name+"|"+tg.Source)
	}
	// Config targets as written, then list b and list a in the order the
	// seeds are written, entries in list order. a-two is replaced by name,
	// a-three by URL, and a-one by b-dup-url, merged first with its URL.
	want := []string{"a-two|config", "my-three|config", "b-one|seed:b", "b-dup-url|seed:b"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targets = %v, want %v", got, want)
	}
	b1 := c.Targets[2]
	if b1.Schedule != "@every 12h" || !reflect.DeepEqual(b1.Exclude, []string{"footer"}) || !reflect.DeepEqual(b1.Tags, []string{"b", "listing"}) || b1.Kind != "listing" {
		t.Errorf("seed target = %+v", b1)
	}
	if !reflect.DeepEqual(c.Seeds, []string{"b", "a"}) {
		t.Errorf("Seeds = %v", c.Seeds)
	}
}

func TestSeedOverrideSanctuary(t *testing.T) {
	const data = `
seeds: sanctuary
targets:
  - name: ice-287g
    url: https://www.ice.gov/identify-and-arrest/287g
    select: main
  - name: eo-14159-text
    url: https://www.govinfo.gov/content/pkg/FR-2025-01-29/html/2025-02006.htm
`
	c, err := Parse([]byte(data), "r.yml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, tg := range c.Targets {
		names[tg.Name]++
	}
	if names["ice-287g"] != 1 || names["eo-14159-govinfo"] != 0 || names["eo-14159-text"] != 1 {
		t.Errorf("overrides not applied: %v", names)
	}
	list, _ := seeds.Lookup("sanctuary")
	if len(c.Targets) != len(list.Entries) {
		t.Errorf("%d targets, want %d (two seeds replaced by two config targets)", len(c.Targets), len(list.Entries))
	}
	if c.Targets[0].Source != "config" || !reflect.DeepEqual(c.Targets[0].Select, []string{"main"}) {
		t.Errorf("Targets[0] = %+v", c.Targets[0])
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("REDLINE_FROM_OS", "os") // must not be seen: the lookup is injected
	vars := map[string]string{
		"NAME":    "bob",
		"RETRIES": "3",
		"HOOK":    "https://hooks.example.org/x",
		"EMPTY":   "",
		"SECRET":  "s3cret",
	}
	const data = `
user_agent: "redline/0.1 (+mailto:${NAME}@example.org) $${NOT_A_VAR} costs $5"
crawler:
  retries: ${RETRIES}
notifiers:
  - name: n${EMPTY}1
    url: ${HOOK}
    secret: &s ${SECRET}
  - name: n2
    url: ${HOOK}/2
    secret: *s
`
	c, err := Parse([]byte(data), "r.yml", WithLookupEnv(env(vars)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "redline/0.1 (+mailto:bob@example.org) ${NOT_A_VAR} costs $5"; c.UserAgent != want {
		t.Errorf("UserAgent = %q, want %q", c.UserAgent, want)
	}
	if c.Crawler.Retries != 3 {
		t.Errorf("Retries = %d, want 3", c.Crawler.Retries)
	}
	if c.Notifiers[0].Name != "n1" || c.Notifiers[0].URL != vars["HOOK"] || c.Notifiers[1].URL != vars["HOOK"]+"/2" {
		t.Errorf("Notifiers = %+v", c.Notifiers)
	}
	if c.Notifiers[0].Secret != "s3cret" || c.Notifiers[1].Secret != "s3cret" {
		t.Errorf("secrets through an alias = %q, %q", c.Notifiers[0].Secret, c.Notifiers[1].Secret)
	}

	_, err = Parse([]byte("user_agent: ${REDLINE_FROM_OS}\n"), "r.yml", WithLookupEnv(env(vars)))
	if err == nil || !strings.Contains(err.Error(), `r.yml:1: user_agent: environment variable "REDLINE_FROM_OS" is not set`) {
		t.Errorf("variable only in the OS environment: err = %v", err)
	}
	// Without the option, the process environment is used.
	c, err = Parse([]byte("user_agent: ua-${REDLINE_FROM_OS}\n"), "r.yml")
	if err != nil || c.UserAgent != "ua-os" {
		t.Errorf("default lookup: %q, %v", c.UserAgent, err)
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := env(map[string]string{"A": "1", "B_2": "two", "E": ""})
	for in, want := range map[string]string{
		"plain":          "plain",
		"${A}":           "1",
		"x${A}y${B_2}z":  "x1ytwoz",
		"$${A}":          "${A}",
		"$$${A}":         "$${A}", // "$" then the escape "$${"
		"$A $ {A} $":     "$A $ {A} $",
		"${E}":           "",
		"a $${ b } ${A}": "a ${ b } 1",
	} {
		got, err := expandEnv(in, lookup)
		if err != nil || got != want {
			t.Errorf("expandEnv(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"${MISSING}":        `environment variable "MISSING" is not set`,
		"${X} ${A} ${Y}":    `environment variables "X", "Y" are not set`,
		"${A":               `unterminated "${"`,
		"${}":               `bad environment variable name ""`,
		"${A-B}":            `bad environment variable name "A-B"`,
		"${1A}":             `bad environment variable name "1A"`,
		"${A:-default}":     `bad environment variable name "A:-default"`,
		"ok ${A} then ${Z}": `"Z"`,
	} {
		_, err := expandEnv(in, lookup)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("expandEnv(%q) error = %v, want it to contain %s", in, err, want)
		}
	}
}

func TestStoragePath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ storage, path, want string }{
		{"", filepath.Join(dir, "redline.yaml"), filepath.Join(dir, "redline.db")},
		{"sqlite:data/r.db", filepath.Join(dir, "conf", "redline.yaml"), filepath.Join(dir, "conf", "data", "r.db")},
		{"sqlite:../r.db", filepath.Join(dir, "conf", "redline.yaml"), filepath.Join(dir, "r.db")},
		{"sqlite:" + filepath.Join(dir, "abs.db"), "elsewhere/redline.yaml", filepath.Join(dir, "abs.db")},
		{"sqlite://" + filepath.Join(dir, "abs.db"), "elsewhere/redline.yaml", filepath.Join(dir, "abs.db")},
		{"sqlite::memory:", "redline.yaml", ":memory:"},
	} {
		data := ""
		if tc.storage != "" {
			data = "storage: '" + tc.storage + "'\n"
		}
		c, err := Parse([]byte(data), tc.path, noEnv)
		if err != nil {
			t.Fatalf("%q: %v", tc.storage, err)
		}
		got, err := c.StoragePath()
		if err != nil || got != tc.want {
			t.Errorf("storage %q in %s: StoragePath = %q, %v; want %q", tc.storage, tc.path, got, err, tc.want)
		}
		if c.StorageDriver() != "sqlite" {
			t.Errorf("StorageDriver = %q", c.StorageDriver())
		}
	}

	// A relative config path resolves against the working directory.
	c, err := Load("testdata/valid.yml", WithLookupEnv(env(map[string]string{"REDLINE_WEBHOOK_SECRET": "x"})))
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if got, err := c.StoragePath(); err != nil || got != filepath.Join(wd, "testdata", "redline.db") {
		t.Errorf("StoragePath = %q, %v", got, err)
	}

	// A file written next to the config, loaded from there.
	p := filepath.Join(dir, "site", "redline.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("storage: sqlite:state/redline.db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Load(p, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.StoragePath(); got != filepath.Join(dir, "site", "state", "redline.db") {
		t.Errorf("StoragePath = %q", got)
	}
}

func TestStoragePostgres(t *testing.T) {
	for _, s := range []string{"postgres://redline:hunter2@db.example.org/redline?sslmode=require", "postgresql://db.example.org/redline"} {
		c, err := Parse([]byte("storage: "+s+"\n"), "r.yml", noEnv)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if c.StorageDriver() != "postgres" || c.Storage != s {
			t.Errorf("%s: driver %q, storage %q", s, c.StorageDriver(), c.Storage)
		}
		_, err = c.StoragePath()
		if err == nil || !strings.Contains(err.Error(), "not supported yet") {
			t.Errorf("%s: StoragePath error = %v, want \"not supported yet\"", s, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	c := Default("r.yml")
	c.Storage = "mysql://x"
	if _, err := c.StoragePath(); err == nil {
		t.Error("StoragePath accepted mysql://")
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yml")
	if err == nil || !strings.Contains(err.Error(), "testdata/does-not-exist.yml") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	const data = `
targets:
  - &base
    name: base
    url: https://example.org/base
    schedule: "@daily"
    tags: [t]
  - <<: *base
    name: derived
  - <<: [*base]
    name: derived2
    schedule: "@hourly"
`
	c, err := Parse([]byte(data), "r.yml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Targets) != 3 {
		t.Fatalf("%d targets", len(c.Targets))
	}
	d, d2 := c.Targets[1], c.Targets[2]
	if d.Name != "derived" || d.URL != "https://example.org/base" || d.Schedule != "@daily" || !reflect.DeepEqual(d.Tags, []string{"t"}) {
		t.Errorf("derived = %+v", d)
	}
	if d2.Name != "derived2" || d2.Schedule != "@hourly" {
		t.Errorf("derived2 = %+v", d2)
	}
	_, err = Parse([]byte("targets:\n  - <<: {name: a, url: 'https://x.org/', bogus: 1}\n"), "r.yml", noEnv)
	if err == nil || !strings.Contains(err.Error(), "targets[0].bogus: unknown field") {
		t.Errorf("unknown field in a merged mapping: %v", err)
	}
}

func TestFieldError(t *testing.T) {
	_, err := Load("testdata/invalid-missing.yml", noEnv)
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("errors.As(%v, *FieldError) failed", err)
	}
	if fe.File != "testdata/invalid-missing.yml" || fe.Line != 2 || fe.Field != "targets[0].name" || fe.Msg != "is required" {
		t.Errorf("first FieldError = %+v", fe)
	}
	if s := (&FieldError{File: "f", Msg: "m"}).Error(); s != "f: m" {
		t.Errorf("Error without line or field = %q", s)
	}
	// Parse without a path still names a file.
	_, err = Parse([]byte("bogus: 1\n"), "", noEnv)
	if err == nil || !strings.HasPrefix(err.Error(), "config:1: bogus: unknown field") {
		t.Errorf("Parse without path: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	const data = `
user_agent: redline-test
crawler:
  ignore_robots: true
targets:
  - name: a
    url: https://example.org/
    tags: [x]
notifiers:
  - name: lonely
    url: https://hooks.example.org/
    tags: [nothing-has-this]
`
	c, err := Parse([]byte(data), "r.yml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(c.Warnings(), "\n")
	for _, want := range []string{"no contact", "ignore_robots", "notifier lonely"} {
		if !strings.Contains(w, want) {
			t.Errorf("Warnings %q lack %q", w, want)
		}
	}
}

func TestShortTimeoutCapsConnectTimeout(t *testing.T) {
	c, err := Parse([]byte("crawler:\n  timeout: 5s\n"), "r.yml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Crawler.ConnectTimeout != 5*time.Second {
		t.Errorf("ConnectTimeout = %s, want the 5s timeout", c.Crawler.ConnectTimeout)
	}
}
