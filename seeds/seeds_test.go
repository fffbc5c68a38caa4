package seeds

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestListsLoad(t *testing.T) {
	lists, err := Lists()
	if err != nil {
		t.Fatalf("Lists: %v", err)
	}
	if len(lists) == 0 {
		t.Fatal("no lists embedded")
	}
	for i := 1; i < len(lists); i++ {
		if lists[i-1].Name >= lists[i].Name {
			t.Errorf("lists not sorted by name: %q before %q", lists[i-1].Name, lists[i].Name)
		}
	}
	for _, l := range lists {
		if l.Description == "" {
			t.Errorf("list %q has no description", l.Name)
		}
		if len(l.Entries) == 0 {
			t.Errorf("list %q has no entries", l.Name)
		}
	}
}

// TestEntries checks every entry of every list independently of the
// package's own validation, so a weakened check cannot hide a bad entry.
func TestEntries(t *testing.T) {
	lists, err := Lists()
	if err != nil {
		t.Fatalf("Lists: %v", err)
	}
	nameRE := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	seen := map[string]string{}
	urls := map[string]string{}
	for _, l := range lists {
		for _, e := range l.Entries {
			where := l.Name + "/" + e.Name
			if !nameRE.MatchString(e.Name) {
				t.Errorf("%s: name does not match %s", where, nameRE)
			}
			if prev, ok := seen[e.Name]; ok {
				t.Errorf("%s: name already used in list %q", where, prev)
			}
			seen[e.Name] = l.Name
			u, err := url.Parse(e.URL)
			if err != nil {
				t.Errorf("%s: url %q: %v", where, e.URL, err)
				continue
			}
			if !u.IsAbs() || u.Scheme != "https" || u.Hostname() == "" {
				t.Errorf("%s: url %q is not absolute https with a host", where, e.URL)
			}
			key := e.URL // a discovery rule may start from a page tracked for its wording
			if e.Kind == "discover" {
				key = "discover " + key
			}
			if prev, ok := urls[key]; ok {
				t.Errorf("%s: url %q already used by %s", where, e.URL, prev)
			}
			urls[key] = where
			if !IsKind(e.Kind) {
				t.Errorf("%s: kind %q not one of %v", where, e.Kind, Kinds())
			}
			if strings.TrimSpace(e.Owner) == "" {
				t.Errorf("%s: no owner", where)
			}
			if strings.TrimSpace(e.Description) == "" || strings.Contains(e.Description, "\n") {
				t.Errorf("%s: description must be one non-empty line, got %q", where, e.Description)
			}
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("no-such-list")
	if err == nil {
		t.Fatal("Lookup of an unknown list succeeded")
	}
	for _, want := range []string{`"no-such-list"`, "sanctuary"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestNames(t *testing.T) {
	names, err := Names()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		found = found || n == "sanctuary"
	}
	if !found {
		t.Errorf("Names() = %v, want sanctuary among them", names)
	}
}

func TestSanctuary(t *testing.T) {
	l, err := Lookup("sanctuary")
	if err != nil {
		t.Fatalf("Lookup(sanctuary): %v", err)
	}
	byURL := map[string]Entry{}
	hosts := map[string]int{}
	for _, e := range l.Entries {
		if e.Kind != "discover" {
			byURL[e.URL] = e
		}
		u, _ := url.Parse(e.URL)
		hosts[u.Hostname()]++
	}
	wantURLs := map[string]string{
		"https://www.justice.gov/opa/pr/justice-department-publishes-list-sanctuary-jurisdictions":                             "page",
		"https://www.ice.gov/identify-and-arrest/287g":                                                                         "page",
		"https://www.federalregister.gov/documents/2025/01/29/2025-02006/protecting-the-american-people-against-invasion":      "page",
		"https://www.federalregister.gov/documents/2025/05/02/2025-07789/protecting-american-communities-from-criminal-aliens": "page",
		"https://www.govinfo.gov/content/pkg/FR-2025-01-29/html/2025-02006.htm":                                                "page",
		"https://www.govinfo.gov/content/pkg/FR-2025-05-02/html/2025-07789.htm":                                                "page",
	}
	for u, kind := range wantURLs {
		e, ok := byURL[u]
		if !ok {
			t.Errorf("sanctuary list lacks %s", u)
			continue
		}
		if e.Kind != kind {
			t.Errorf("%s: kind %q, want %q", e.Name, e.Kind, kind)
		}
	}
	// Hosts of the required pages: federal, state and local sources.
	for _, h := range []string{
		"www.justice.gov",         // DOJ list and press feed
		"www.whitehouse.gov",      // EO 14159 and 14287
		"www.federalregister.gov", // EO 14159 and 14287
		"www.govinfo.gov",         // EO 14159 and 14287
		"www.ice.gov",             // 287(g)
		"oag.ca.gov",              // California AG on SB 54
		"www.ilga.gov",            // Illinois TRUST Act
		"www.doj.state.or.us",     // Oregon Sanctuary Promise
		"www.atg.wa.gov",          // Keep Washington Working
		"codelibrary.amlegal.com", // SF Admin Code 12H, 12I
		"www.chicago.gov",         // Welcoming City
		"aqua.kingcounty.gov",     // King County Code 2.15
	} {
		if hosts[h] == 0 {
			t.Errorf("sanctuary list has no entry on %s", h)
		}
	}
	for name, host := range map[string]string{
		"eo-14159-whitehouse":       "www.whitehouse.gov",
		"eo-14159-federal-register": "www.federalregister.gov",
		"eo-14159-govinfo":          "www.govinfo.gov",
		"eo-14287-whitehouse":       "www.whitehouse.gov",
		"eo-14287-federal-register": "www.federalregister.gov",
		"eo-14287-govinfo":          "www.govinfo.gov",
	} {
		found := false
		for _, e := range l.Entries {
			found = found || (e.Name == name && hostOf(e.URL) == host)
		}
		if !found {
			t.Errorf("no entry %s on %s", name, host)
		}
	}
	var feed bool
	for _, e := range l.Entries {
		if e.Kind == "feed" && strings.HasSuffix(hostOf(e.URL), "justice.gov") {
			feed = true
		}
	}
	if !feed {
		t.Error("no DOJ press-release feed in the sanctuary list")
	}
	for _, e := range l.Entries {
		if strings.Contains(e.URL, "amlegal") && !strings.Contains(e.URL, "san_francisco") {
			t.Errorf("%s: amlegal URL outside San Francisco's code", e.Name)
		}
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func TestCheck(t *testing.T) {
	good := Entry{Name: "x", URL: "https://example.gov/a", Owner: "o", Kind: "page", Description: "d"}
	if err := good.check(); err != nil {
		t.Fatalf("good entry rejected: %v", err)
	}
	for name, mutate := range map[string]func(*Entry){
		"upper name":   func(e *Entry) { e.Name = "Bad" },
		"http url":     func(e *Entry) { e.URL = "http://example.gov/" },
		"relative":     func(e *Entry) { e.URL = "/a" },
		"no host":      func(e *Entry) { e.URL = "https:///a" },
		"bad kind":     func(e *Entry) { e.Kind = "html" },
		"no owner":     func(e *Entry) { e.Owner = " " },
		"two lines":    func(e *Entry) { e.Description = "a\nb" },
		"leading dash": func(e *Entry) { e.Name = "-x" },
	} {
		e := good
		mutate(&e)
		if err := e.check(); err == nil {
			t.Errorf("%s: accepted %+v", name, e)
		}
	}
	l := List{Name: "a", Description: "d", Entries: []Entry{good, good}}
	if err := l.check("a"); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate entry: got %v", err)
	}
	if err := (List{Name: "a", Description: "d", Entries: []Entry{good}}).check("b"); err == nil {
		t.Error("list name differing from file name accepted")
	}
}
