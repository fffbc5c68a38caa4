// Package seeds holds curated lists of real policy pages worth tracking,
// embedded in the binary as YAML files under lists/.
//
// A configuration names the lists it wants (seeds: [sanctuary]); package
// config turns their entries into targets. The lists are parsed from the
// embedded files on every call, so there is no package state to share.
//
// To add a list, drop lists/<name>.yml with the same shape as
// lists/sanctuary.yml: its name must equal the file's base name, and entry
// names must be unique across every list, since they become target names.
package seeds

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed lists/*.yml
var files embed.FS

// Entry is one curated page.
type Entry struct {
	Name        string `yaml:"name"`        // lowercase kebab-case, unique across all lists
	URL         string `yaml:"url"`         // absolute https URL
	Owner       string `yaml:"owner"`       // the body that publishes the page, e.g. "U.S. Department of Justice"
	Kind        string `yaml:"kind"`        // one of Kinds()
	Description string `yaml:"description"` // one line saying what the page is and why it matters

	// Discovery rule fields, for kind discover only (see redline.DiscoverRule).
	Follow         []string `yaml:"follow"`
	Match          []string `yaml:"match"`
	AllowedDomains []string `yaml:"allowed_domains"`
	MaxPages       int      `yaml:"max_pages"`
	LinksPath      string   `yaml:"links_path"`
}

// List is a named, curated set of entries.
type List struct {
	Name        string  `yaml:"name"`
	Description string  `yaml:"description"`
	Entries     []Entry `yaml:"entries"`
}

// Kinds returns the valid kinds of page, for entries and targets alike:
// page (HTML), pdf, listing (an index of documents), feed (RSS/Atom) and api
// (JSON). The slice is fresh on every call.
func Kinds() []string {
	return []string{"page", "pdf", "listing", "feed", "api", "discover"}
}

// IsKind reports whether k is one of Kinds().
func IsKind(k string) bool {
	for _, v := range Kinds() {
		if v == k {
			return true
		}
	}
	return false
}

// nameRE is what a seed entry or list name must look like.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Lists parses every embedded list and returns them sorted by name. It fails
// if any list is malformed: an unknown field, a list name that differs from
// its file name, a bad entry name, kind or URL, a missing owner or
// description, or an entry name used twice (in one list or across lists).
func Lists() ([]List, error) {
	dir, err := files.ReadDir("lists")
	if err != nil {
		return nil, fmt.Errorf("seeds: %w", err)
	}
	var lists []List
	owner := map[string]string{} // entry name -> list that defines it
	for _, de := range dir {
		if de.IsDir() || path.Ext(de.Name()) != ".yml" {
			continue
		}
		l, err := parseFile(de.Name())
		if err != nil {
			return nil, err
		}
		for _, e := range l.Entries {
			if prev, ok := owner[e.Name]; ok && prev != l.Name {
				return nil, fmt.Errorf("seeds: lists/%s: entry %q is also in list %q", de.Name(), e.Name, prev)
			}
			owner[e.Name] = l.Name
		}
		lists = append(lists, l)
	}
	sort.Slice(lists, func(i, j int) bool { return lists[i].Name < lists[j].Name })
	return lists, nil
}

// Names returns the names of the embedded lists, sorted.
func Names() ([]string, error) {
	lists, err := Lists()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(lists))
	for i, l := range lists {
		names[i] = l.Name
	}
	return names, nil
}

// Lookup returns the list called name. An unknown name is an error that
// names it and the lists that do exist.
func Lookup(name string) (List, error) {
	lists, err := Lists()
	if err != nil {
		return List{}, err
	}
	known := make([]string, len(lists))
	for i, l := range lists {
		if l.Name == name {
			return l, nil
		}
		known[i] = l.Name
	}
	return List{}, fmt.Errorf("unknown seed list %q (known: %s)", name, strings.Join(known, ", "))
}

// parseFile reads and checks one embedded list.
func parseFile(file string) (List, error) {
	data, err := files.ReadFile("lists/" + file)
	if err != nil {
		return List{}, fmt.Errorf("seeds: %w", err)
	}
	var l List
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil && !errors.Is(err, io.EOF) {
		return List{}, fmt.Errorf("seeds: lists/%s: %w", file, err)
	}
	if err := l.check(strings.TrimSuffix(file, ".yml")); err != nil {
		return List{}, fmt.Errorf("seeds: lists/%s: %w", file, err)
	}
	return l, nil
}

// check validates a parsed list whose file is called base.yml.
func (l List) check(base string) error {
	if l.Name != base {
		return fmt.Errorf("list name %q differs from the file name %q", l.Name, base)
	}
	if !nameRE.MatchString(l.Name) {
		return fmt.Errorf("list name %q: want lowercase letters, digits and '-'", l.Name)
	}
	if strings.TrimSpace(l.Description) == "" {
		return errors.New("list has no description")
	}
	if len(l.Entries) == 0 {
		return errors.New("list has no entries")
	}
	seen := map[string]bool{}
	for i, e := range l.Entries {
		if err := e.check(); err != nil {
			return fmt.Errorf("entries[%d] (%s): %w", i, e.Name, err)
		}
		if seen[e.Name] {
			return fmt.Errorf("entries[%d]: duplicate name %q", i, e.Name)
		}
		seen[e.Name] = true
	}
	return nil
}

// check validates one entry.
func (e Entry) check() error {
	if !nameRE.MatchString(e.Name) {
		return fmt.Errorf("name %q: want lowercase letters, digits and '-'", e.Name)
	}
	if err := checkURL(e.URL); err != nil {
		return err
	}
	if !IsKind(e.Kind) {
		return fmt.Errorf("kind %q: want one of %s", e.Kind, strings.Join(Kinds(), ", "))
	}
	if strings.TrimSpace(e.Owner) == "" {
		return errors.New("no owner")
	}
	if strings.TrimSpace(e.Description) == "" || strings.Contains(e.Description, "\n") {
		return errors.New("description must be one non-empty line")
	}
	rule := len(e.Follow)+len(e.Match)+len(e.AllowedDomains) > 0 || e.MaxPages != 0 || e.LinksPath != ""
	if rule && e.Kind != "discover" {
		return errors.New("follow, match, allowed_domains, max_pages and links_path are for kind discover only")
	}
	for _, f := range e.Follow {
		if _, err := regexp.Compile(f); err != nil {
			return fmt.Errorf("follow %q: %w", f, err)
		}
	}
	return nil
}

// checkURL reports whether raw is an absolute https URL with a host, the
// only kind of address a seed entry may carry.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("url %q: want an absolute https URL with a host", raw)
	}
	return nil
}
