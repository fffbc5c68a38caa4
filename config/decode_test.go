package config

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0":        0,
		"1048576":  1 << 20,
		"512KB":    512 << 10,
		"512 kb":   512 << 10,
		"10MB":     10 << 20,
		"10MiB":    10 << 20,
		"1GB":      1 << 30,
		"1.5MB":    3 << 19,
		"100B":     100,
		" 2m ":     2 << 20,
		"1_000":    -1, // not a number
		"":         -1,
		"MB":       -1,
		"10XB":     -1,
		"-5MB":     -1,
		"1.2.3MB":  -1,
		"99999GB":  99999 << 30,
		"1e30GB":   -1,
		"10 MB":    10 << 20,
		"3 bytes":  -1,
		"12345678": 12345678,
	} {
		got, err := ParseSize(in)
		if want < 0 {
			if err == nil {
				t.Errorf("ParseSize(%q) = %d, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "url", "select", "exclude", "schedule", "kind", "tags"}
	for key, want := range map[string]string{
		"schedul":  `(did you mean "schedule"?)`,
		"Schedule": `(did you mean "schedule"?)`,
		"exclud":   `(did you mean "exclude"?)`,
		"tag":      `(did you mean "tags"?)`,
		"URL":      `(did you mean "url"?)`,
		"colour":   `(known: exclude, kind, name, schedule, select, tags, url)`,
		"xy":       `(known: `,
	} {
		if got := suggest(key, known); !strings.Contains(got, want) {
			t.Errorf("suggest(%q) = %q, want %q", key, got, want)
		}
	}
	if got := suggest("useragent", []string{"user_agent", "storage"}); !strings.Contains(got, `"user_agent"`) {
		t.Errorf("suggest ignores underscores: %q", got)
	}
}

func TestDecodeTypes(t *testing.T) {
	ok := map[string]func(*Config) bool{
		// An expanded plain scalar is re-typed: ${N} may be an integer.
		"crawler:\n  retries: ${N}\n": func(c *Config) bool { return c.Crawler.Retries == 4 },
		// Quoted integers and booleans are accepted.
		"crawler:\n  concurrency: \"8\"\n  ignore_robots: \"true\"\n": func(c *Config) bool {
			return c.Crawler.Concurrency == 8 && c.Crawler.IgnoreRobots
		},
		"crawler:\n  max_body: 1048576\n  delay: 0s\n": func(c *Config) bool {
			return c.Crawler.MaxBody == 1<<20 && c.Crawler.Delay == 0
		},
		// A null value means "not set".
		"crawler:\n  retries:\n  timeout: ~\nlisten:\ndefaults:\n": func(c *Config) bool {
			return c.Crawler.Retries == DefaultRetries && c.Crawler.Timeout == DefaultTimeout && c.Listen == ""
		},
		"targets:\n  - name: 123\n    url: https://x.org/\n    tags: solo\n": func(c *Config) bool {
			return c.Targets[0].Name == "123" && len(c.Targets[0].Tags) == 1 && c.Targets[0].Tags[0] == "solo"
		},
		"listen: \":0\"\n":         func(c *Config) bool { return c.Listen == ":0" },
		"listen: \"[::1]:8080\"\n": func(c *Config) bool { return c.Listen == "[::1]:8080" },
	}
	for data, check := range ok {
		c, err := Parse([]byte(data), "r.yml", WithLookupEnv(env(map[string]string{"N": "4"})))
		if err != nil {
			t.Errorf("Parse(%q): %v", data, err)
			continue
		}
		if !check(c) {
			t.Errorf("Parse(%q) = %+v", data, c)
		}
	}
	bad := map[string]string{
		"crawler: 5\n":                       `r.yml:1: crawler: expected a mapping, got "5"`,
		"crawler:\n  retries: 1.5\n":         `r.yml:2: crawler.retries: expected an integer, got "1.5"`,
		"crawler:\n  retries: [1]\n":         `r.yml:2: crawler.retries: expected an integer, got a list`,
		"crawler:\n  delay: [1s]\n":          `r.yml:2: crawler.delay: expected a single value, got a list`,
		"crawler:\n  retries: 99999999999\n": `r.yml:2: crawler.retries: expected an integer`,
		"user_agent: {a: b}\n":               `r.yml:1: user_agent: expected a string, got a mapping`,
		"targets:\n  - name: a\n    url: https://x.org/\n    select: [[a]]\n": `r.yml:4: targets[0].select[0]: expected a string, got a list`,
		"targets:\n  - name: a\n    url: https://x.org/\n    tags: [~]\n":     `r.yml:4: targets[0].tags[0]: expected a string, got nothing`,
		"targets:\n  - just-a-string\n":                                       `r.yml:2: targets[0]: expected a mapping, got "just-a-string"`,
		"storage: ''\n":                                                       `r.yml:1: storage: unsupported storage ""`,
		"storage: 'sqlite:'\n":                                                `r.yml:1: storage: no database path after "sqlite:"`,
		"listen: ':99999'\n":                                                  `r.yml:1: listen: bad address ":99999": port "99999" is not a number from 0 to 65535`,
		"user_agent: \"a\\nb\"\n":                                             `r.yml:1: user_agent: must not contain control characters`,
		"? [a, b]\n: c\n":                                                     `r.yml:1: keys must be plain names, got a list`,
		"seeds: [sanctuary, sanctuary]\n":                                     `r.yml:1: seeds[1]: seed list "sanctuary" listed twice (first at line 1)`,
		"notifiers:\n  - name: a\n    url: https://x.org/\n    secret: whsec_\n": `r.yml:4: notifiers[0].secret: bad "whsec_" secret: empty key`,
		"notifiers:\n  - name: a\n    url: https://x.org/\n    timeout: 0s\n":    `r.yml:4: notifiers[0].timeout: must be more than 0s`,
		"crawler:\n  timeout: 0s\n": `r.yml:2: crawler.timeout: must be more than 0s`,
		"targets:\n  - name: " + strings.Repeat("x", 101) + "\n    url: https://x.org/\n": `is longer than 100 characters`,
	}
	for data, want := range bad {
		_, err := Parse([]byte(data), "r.yml", noEnv)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v\nwant %s", data, err, want)
		}
	}
}

func TestErrorsSortedByLine(t *testing.T) {
	// Decoding errors and validation errors interleave by line.
	const data = `targets:
  - name: a
    url: ftp://x/
    schedule: nope
crawler:
  retries: x
seeds: [nope]
user_agent: ""
`
	_, err := Parse([]byte(data), "r.yml", noEnv)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	var prefixes []string
	for _, l := range lines {
		f := strings.SplitN(l, ":", 3)
		prefixes = append(prefixes, f[0]+":"+f[1])
	}
	want := []string{"r.yml:3", "r.yml:4", "r.yml:6", "r.yml:7", "r.yml:8"}
	if strings.Join(prefixes, " ") != strings.Join(want, " ") {
		t.Errorf("error lines in order %v, want %v:\n%v", prefixes, want, err)
	}
}
