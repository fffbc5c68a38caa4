package discover

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"redline"
	"redline/crawler"
	"redline/extract"
)

// Bounds checked by Validate and values set by Defaults.
const (
	MaxDepth        = 5
	MaxMaxPages     = 10000
	DefaultDepth    = 1
	DefaultMaxPages = 100
)

// Defaults fills Depth (DefaultDepth), MaxPages (DefaultMaxPages) and
// AllowedDomains (the hosts of the start URLs) when they are zero.
func Defaults(rule redline.DiscoverRule) redline.DiscoverRule {
	if rule.Depth == 0 {
		rule.Depth = DefaultDepth
	}
	if rule.MaxPages == 0 {
		rule.MaxPages = DefaultMaxPages
	}
	if len(rule.AllowedDomains) == 0 {
		var hosts []string
		seen := map[string]bool{}
		for _, s := range rule.Start {
			u, err := url.Parse(strings.TrimSpace(s))
			if err != nil {
				continue
			}
			if h := crawler.NormalizeHost(u.Hostname()); h != "" && !seen[h] {
				seen[h] = true
				hosts = append(hosts, h)
			}
		}
		rule.AllowedDomains = hosts
	}
	return rule
}

// Validate checks a rule: at least one start URL, each an absolute http or
// https URL; Follow patterns compile (Go regexp syntax); Match terms are
// not blank; Depth is 1..MaxDepth; MaxPages is 1..MaxMaxPages;
// AllowedDomains are host names or IP addresses; LinksPath, when set, is a
// well-formed gjson path. Every problem is reported, each naming its field
// as in the rule's JSON ("start[0]", "max_pages"...). Apply Defaults first
// to accept a rule that leaves Depth or MaxPages out.
func Validate(rule redline.DiscoverRule) error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("discover: "+format, a...))
	}
	if len(rule.Start) == 0 {
		bad("start: at least one start URL is required")
	}
	for i, s := range rule.Start {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			bad("start[%d] %q: not an absolute http or https URL", i, s)
		}
	}
	for i, p := range rule.Follow {
		if _, err := regexp.Compile(p); err != nil {
			bad("follow[%d] %q: %v", i, p, err)
		}
	}
	for i, m := range rule.Match {
		if strings.TrimSpace(m) == "" {
			bad("match[%d]: blank term", i)
		}
	}
	if rule.Depth < 1 || rule.Depth > MaxDepth {
		bad("depth %d: must be between 1 and %d", rule.Depth, MaxDepth)
	}
	if rule.MaxPages < 1 || rule.MaxPages > MaxMaxPages {
		bad("max_pages %d: must be between 1 and %d", rule.MaxPages, MaxMaxPages)
	}
	for i, d := range rule.AllowedDomains {
		if !validHost(d) {
			bad("allowed_domains[%d] %q: not a host name or IP address (no scheme, port, path or wildcard; subdomains are included)", i, d)
		}
	}
	if rule.LinksPath != "" {
		if err := extract.CompileJSONPath(rule.LinksPath); err != nil {
			bad("links_path: %v", err)
		}
	}
	return errors.Join(errs...)
}

// validHost reports whether s is an IP address or an ASCII host name
// (letters, digits, '-' and '_' in dot-separated labels of 1 to 63
// characters). A leading or trailing dot is tolerated, as the crawler
// ignores them.
func validHost(s string) bool {
	h := crawler.NormalizeHost(s)
	if h == "" || len(h) > 253 {
		return false
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Zone() == ""
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
