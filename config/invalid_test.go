package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalid loads every testdata/invalid-*.yml and checks the exact error
// lines it must produce, in order: one substring per line, each starting
// with "file:line: field:". Messages that quote a library (cron, cascadia,
// time) are matched up to the quoted part only.
func TestInvalid(t *testing.T) {
	for file, want := range invalidCases() {
		t.Run(file, func(t *testing.T) {
			c, err := Load("testdata/"+file, noEnv)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", c)
			}
			if c != nil {
				t.Errorf("Load returned a Config with its error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(want) {
				t.Errorf("%d error lines, want %d:\n%v", len(lines), len(want), err)
			}
			for i := range min(len(lines), len(want)) {
				if !strings.HasPrefix(lines[i], want[i]) {
					t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], want[i])
				}
			}
		})
	}
}

// invalidCases maps each testdata/invalid-*.yml to the start of every line
// of the error it must produce.
func invalidCases() map[string][]string {
	return map[string][]string{
		"invalid-unknown-key.yml": {
			`testdata/invalid-unknown-key.yml:1: user_agnet: unknown field (did you mean "user_agent"?)`,
			`testdata/invalid-unknown-key.yml:3: crawler.dealy: unknown field (did you mean "delay"?)`,
			`testdata/invalid-unknown-key.yml:7: targets[0].schedul: unknown field (did you mean "schedule"?)`,
			`testdata/invalid-unknown-key.yml:11: notifiers[0].colour: unknown field (known: digest, email, events, format, keywords_only, max_attempts, min_significance, min_words, name, retry_base, secret, shoutrrr, tags, template, timeout, url)`,
		},
		"invalid-type.yml": {
			`testdata/invalid-type.yml:2: crawler.retries: expected an integer, got "two"`,
			`testdata/invalid-type.yml:3: crawler.ignore_robots: expected true or false, got "yes"`,
			`testdata/invalid-type.yml:7: targets[0].tags: expected a string or a list of strings, got a mapping`,
			`testdata/invalid-type.yml:8: notifiers: expected a list, got "watchdog"`,
		},
		"invalid-cron.yml": {
			`testdata/invalid-cron.yml:12: targets[1].schedule: bad cron spec "every 6h": `,
		},
		"invalid-url.yml": {
			`testdata/invalid-url.yml:3: targets[0].url: bad URL "ftp://example.org/file": want an absolute http or https URL with a host`,
			`testdata/invalid-url.yml:5: targets[1].url: bad URL "/policies/sanctuary": want an absolute http or https URL with a host`,
			`testdata/invalid-url.yml:7: targets[2].url: bad URL "https:///path": want an absolute http or https URL with a host`,
			`testdata/invalid-url.yml:9: targets[3].url: bad URL "http://[::1": `,
		},
		"invalid-duplicate-target.yml": {
			`testdata/invalid-duplicate-target.yml:6: targets[2].name: duplicate target name "doj" (first at line 2)`,
			`testdata/invalid-duplicate-target.yml:8: targets[3].name: duplicate target name "ice" (first at line 4)`,
			`testdata/invalid-duplicate-target.yml:9: targets[3].url: bad URL "not a url": want an absolute http or https URL with a host`,
		},
		"invalid-duplicate-notifier.yml": {
			`testdata/invalid-duplicate-notifier.yml:5: notifiers[1].name: duplicate notifier name "watchdog" (first at line 2)`,
		},
		"invalid-duplicate-key.yml": {
			`testdata/invalid-duplicate-key.yml:4: targets[0].url: duplicate key (first at line 3)`,
		},
		"invalid-missing.yml": {
			`testdata/invalid-missing.yml:2: targets[0].name: is required`,
			`testdata/invalid-missing.yml:3: targets[1].url: is required`,
			`testdata/invalid-missing.yml:5: notifiers[0].url: is required`,
		},
		"invalid-name.yml": {
			`testdata/invalid-name.yml:2: targets[0].name: bad name "has space": use letters, digits, '-', '_' and '.', starting with a letter or digit`,
			`testdata/invalid-name.yml:4: targets[1].name: bad name "-leading-dash": `,
			`testdata/invalid-name.yml:6: targets[1].tags[1]: bad tag "not ok": `,
		},
		"invalid-env.yml": {
			`testdata/invalid-env.yml:1: user_agent: environment variable "REDLINE_CONTACT" is not set`,
			`testdata/invalid-env.yml:5: notifiers[0].secret: environment variable "REDLINE_WEBHOOK_SECRET" is not set`,
			`testdata/invalid-env.yml:7: notifiers[1].url: unterminated "${" (write "$${" for a literal "${")`,
		},
		"invalid-seed.yml": {
			`testdata/invalid-seed.yml:3: seeds[1]: unknown seed list "sancturay" (known: sanctuary`,
		},
		"invalid-selector.yml": {
			`testdata/invalid-selector.yml:2: defaults.exclude: bad selector ".cookie-banner, div[": `,
			`testdata/invalid-selector.yml:8: targets[0].select[1]: bad selector "p:nth-child(x)": `,
		},
		"invalid-duration.yml": {
			`testdata/invalid-duration.yml:2: crawler.delay: bad duration "2": time: missing unit in duration "2"`,
			`testdata/invalid-duration.yml:3: crawler.timeout: bad duration "-1s": must not be negative`,
			`testdata/invalid-duration.yml:7: notifiers[0].timeout: bad duration "soon": `,
		},
		"invalid-discover.yml": {
			`testdata/invalid-discover.yml:4: targets[0].follow: only a target of kind discover has follow`,
			`testdata/invalid-discover.yml:7: targets[1].start[1]: `,
			`testdata/invalid-discover.yml:8: targets[1].follow[0]: bad regular expression "("`,
			`testdata/invalid-discover.yml:9: targets[1].depth: 9 is out of range 1..5`,
			`testdata/invalid-discover.yml:10: targets[1].max_pages: 0 is out of range 1..10000`,
			`testdata/invalid-discover.yml:11: targets[1].allowed_domains[0]: "https://example.gov/": want a host name like justice.gov`,
			`testdata/invalid-discover.yml:12: targets[2].url: is required`,
		},
		"invalid-retention.yml": {
			`testdata/invalid-retention.yml:1: retention.thin_after: want a period of at least 1d before captures are thinned`,
			`testdata/invalid-retention.yml:2: retention.keep_every: 10m0s: want 0 (keep none) or at least 1h`,
		},
		"invalid-retention-days.yml": {
			`testdata/invalid-retention-days.yml:2: retention.thin_after: bad duration "ninetyd": want whole days, e.g. 90d`,
		},
		"invalid-size.yml": {
			`testdata/invalid-size.yml:2: crawler.max_body: bad size "10XB": unknown unit "XB" (want B, KB, MB or GB)`,
		},
		"invalid-user-agent.yml": {
			`testdata/invalid-user-agent.yml:2: user_agent: must not be empty (name the crawler and a contact, e.g. "redline/0.1 (+mailto:ops@example.org)")`,
		},
		"invalid-notifier.yml": {
			`testdata/invalid-notifier.yml:3: notifiers[0].url: bad URL "ftp://hooks.example.org/": want an absolute http or https URL with a host`,
			`testdata/invalid-notifier.yml:6: notifiers[1].secret: bad "whsec_" secret: the part after "whsec_" must be standard base64: `,
		},
		"invalid-storage.yml": {
			`testdata/invalid-storage.yml:1: storage: unsupported storage "mysql://user:xxxxx@db.example.org/redline": want sqlite:PATH or a postgres:// URL`,
		},
		"invalid-listen.yml": {
			`testdata/invalid-listen.yml:1: listen: bad address "localhost": want host:port, e.g. 127.0.0.1:8080`,
		},
		"invalid-compare.yml": {
			`testdata/invalid-compare.yml:2: defaults.ignore[0]: bad regular expression`,
			`testdata/invalid-compare.yml:6: targets[0].keywords[1]: empty keyword`,
			`testdata/invalid-compare.yml:7: targets[0].json_path:`,
			`testdata/invalid-compare.yml:11: notifiers[0].min_words: must not be negative`,
			`testdata/invalid-compare.yml:12: notifiers[0].min_significance: unknown significance level "urgent" (valid: low, medium, high)`,
		},
		"invalid-channels.yml": {
			`testdata/invalid-channels.yml:1: public_url:`,
			`testdata/invalid-channels.yml:5: notifiers[0]: a notifier has one of url, email or shoutrrr, not several`,
			`testdata/invalid-channels.yml:11: notifiers[1].format: unknown alert format "telegraph"`,
			`testdata/invalid-channels.yml:12: notifiers[1].template: alert template "chat"`,
			`testdata/invalid-channels.yml:14: notifiers[2].email: smtp: tls "none" is only allowed for a loopback host`,
			`testdata/invalid-channels.yml:21: notifiers[3].events[1]: unknown event "page.deleted" (want one of page.changed, page.new, page.removed, page.restored, page.blocked, check.failing, selector.missing)`,
			`testdata/invalid-channels.yml:23: notifiers[4].shoutrrr: shoutrrr nosuchservice service:`,
		},
		"invalid-events.yml": {
			`testdata/invalid-events.yml:2: events.removed_after: 1 is out of range 2..100`,
		},
		"invalid-kind.yml": {
			`testdata/invalid-kind.yml:4: targets[0].kind: unknown kind "html" (want one of page, pdf, listing, feed, api, discover)`,
		},
		"invalid-ranges.yml": {
			`testdata/invalid-ranges.yml:3: crawler.connect_timeout: 10s is longer than crawler.timeout (5s)`,
			`testdata/invalid-ranges.yml:4: crawler.retries: 11 is out of range 0..10`,
			`testdata/invalid-ranges.yml:5: crawler.concurrency: 0 is out of range 1..256`,
			`testdata/invalid-ranges.yml:6: crawler.max_body: must be more than 0 bytes`,
			`testdata/invalid-ranges.yml:10: notifiers[0].retry_base: 0s is out of range 1ms..1h0m0s`,
		},
		"invalid-yaml.yml": {
			`testdata/invalid-yaml.yml:2: invalid YAML: mapping values are not allowed in this context`,
		},
		"invalid-toplevel.yml": {
			`testdata/invalid-toplevel.yml:1: expected a mapping, got a list`,
		},
	}
}

// TestInvalidFilesCovered makes sure every invalid-*.yml has an entry in
// TestInvalid's table, so a new example cannot go unchecked.
func TestInvalidFilesCovered(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v, %d files", err, len(files))
	}
	cases := invalidCases()
	for _, f := range files {
		if _, ok := cases[filepath.Base(f)]; !ok {
			t.Errorf("%s has no entry in invalidCases", f)
		}
	}
}
