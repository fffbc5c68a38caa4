package monitor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"redline"
	"redline/internal/testsite"
)

// TestStreakEvents: page.removed after RemovedAfter checks gone and
// page.restored when it is back; page.blocked and check.failing once when a
// streak starts and once when it ends, never once per check.
func TestStreakEvents(t *testing.T) {
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	m := f.monitor(Route{Notifier: "w"})
	m.Owner = ""
	ctx := context.Background()
	good := testsite.Page{Body: testsite.PolicyPage("Policy", paras, "x")}
	blocked := testsite.Page{Status: 403, Body: "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>Reference #18.2f3c4d5e.1500411917.1b6a4c4</body></html>",
		Header: http.Header{"Server": {"AkamaiGHost"}}}
	steps := []struct {
		page    testsite.Page
		outcome redline.Outcome
		events  []string
	}{
		{good, redline.OutcomeBaseline, nil},
		{testsite.Page{Status: 404, Body: "gone"}, redline.OutcomeGone, nil},
		{testsite.Page{Status: 410, Body: "gone"}, redline.OutcomeGone, []string{"page.removed"}},
		{testsite.Page{Status: 404, Body: "gone"}, redline.OutcomeGone, nil},
		{good, redline.OutcomeNotModified, []string{"page.restored"}},
		{blocked, redline.OutcomeBlocked, nil},
		{blocked, redline.OutcomeBlocked, nil},
		{blocked, redline.OutcomeBlocked, []string{"page.blocked:started"}},
		{blocked, redline.OutcomeBlocked, nil},
		{good, redline.OutcomeNotModified, []string{"page.blocked:recovered"}},
		{testsite.Page{Status: 500, Body: "oops"}, redline.OutcomeError, nil},
		{testsite.Page{Status: 500, Body: "oops"}, redline.OutcomeError, nil},
		{good, redline.OutcomeNotModified, nil}, // a streak too short to report ends quietly
		{testsite.Page{Status: 503, Body: "down"}, redline.OutcomeError, nil},
		{testsite.Page{Status: 503, Body: "down"}, redline.OutcomeError, nil},
		{testsite.Page{Status: 503, Body: "down"}, redline.OutcomeError, []string{"check.failing:started"}},
		{good, redline.OutcomeNotModified, []string{"check.failing:recovered"}},
	}
	seen := map[string]bool{}
	for i, s := range steps {
		f.site.Set("/p", s.page)
		r := m.Check(ctx, f.target("p"))
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if r.Verdict.Text != "" || r.Verdict.Compared != "" || r.Verdict.Before != "" {
			t.Fatalf("step %d: the result holds the page's text; a run over many targets would hold them all", i)
		}
		if r.Capture.Outcome != s.outcome {
			t.Fatalf("step %d: outcome %s (%s), want %s", i, r.Capture.Outcome, r.Capture.Error, s.outcome)
		}
		all, err := f.store.Alerts(ctx, redline.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range all {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			var e struct {
				Type  string `json:"type"`
				State string `json:"state"`
			}
			if err := json.Unmarshal(a.Payload, &e); err != nil || e.Type != a.Event {
				t.Fatalf("step %d: payload %s: %v", i, a.Payload, err)
			}
			if e.State != "" {
				got = append(got, e.Type+":"+e.State)
			} else {
				got = append(got, e.Type)
			}
		}
		if !slices.Equal(got, s.events) {
			t.Fatalf("step %d (%s): events %v, want %v", i, s.outcome, got, s.events)
		}
	}
}

func TestRedirectToHomePageIsGone(t *testing.T) {
	site := testsite.New()
	site.SetHTML("/", testsite.PolicyPage("Welcome", []string{"Home page of the office."}, ""))
	mux := http.NewServeMux()
	mux.Handle("/", site)
	mux.HandleFunc("/policy/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusMovedPermanently) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: srv.URL + "/policy/old", Schedule: "@hourly"})
	m := f.monitor()
	m.Owner = ""
	r := m.Check(context.Background(), f.target("p"))
	if r.Err != nil || r.Capture.Outcome != redline.OutcomeGone || !strings.Contains(r.Capture.Error, "home page") {
		t.Fatalf("redirect to the home page: %s (%s), %v", r.Capture.Outcome, r.Capture.Error, r.Err)
	}
	for _, c := range []struct{ from, to string }{
		{"https://a.gov/x", "https://a.gov/x/"}, {"https://a.gov/", "https://a.gov/"}, {"https://a.gov/x", "https://b.gov/"},
		{"https://a.gov/x", "https://a.gov/y"},
	} {
		if home(c.from, c.to) {
			t.Errorf("home(%s, %s) = true", c.from, c.to)
		}
	}
	if !home("https://www.a.gov/policy/x", "https://a.gov/index.html") {
		t.Error("redirect to /index.html on the same site not seen as home")
	}
}

func TestRouteEvents(t *testing.T) {
	tg := redline.Target{Tags: []string{"doj"}}
	cases := []struct {
		r     Route
		event string
		want  bool
	}{
		{Route{}, redline.EventPageRemoved, true},
		{Route{Events: []string{redline.EventPageChanged}}, redline.EventPageChanged, true},
		{Route{Events: []string{redline.EventPageChanged}}, redline.EventPageRemoved, false},
		{Route{Events: []string{redline.EventPageRemoved}, Tags: []string{"ice"}}, redline.EventPageRemoved, false},
		{Route{Events: []string{redline.EventPageRemoved}, Tags: []string{"doj"}}, redline.EventPageRemoved, true},
	}
	for _, c := range cases {
		if got := c.r.matches(tg, c.event); got != c.want {
			t.Errorf("%+v matches %s = %v, want %v", c.r, c.event, got, c.want)
		}
	}
}

// TestDigestRouteDelaysAlerts: a digest route's alerts wait for the next
// time its schedule fires.
func TestDigestRouteDelaysAlerts(t *testing.T) {
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	m := f.monitor(Route{Notifier: "now"}, Route{Notifier: "daily", Digest: "0 8 * * *"})
	m.Owner = ""
	ctx := context.Background()
	if r := m.Check(ctx, f.target("p")); r.Err != nil {
		t.Fatal(r.Err)
	}
	f.site.SetHTML("/p", testsite.PolicyPage("Policy", []string{"## Scope", "The sheriff may honor civil detainers."}, "x"))
	if r := m.Check(ctx, f.target("p")); r.Err != nil || r.Alerts != 2 {
		t.Fatalf("change: %d alerts, %v", r.Alerts, r.Err)
	}
	all, err := f.store.Alerts(ctx, redline.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"now": "2026-11-26T10:00:00Z", "daily": "2026-11-27T08:00:00Z"}
	for _, a := range all {
		if got := a.NextAttemptAt.Format("2006-01-02T15:04:05Z07:00"); got != want[a.Notifier] {
			t.Errorf("%s alert due %s, want %s", a.Notifier, got, want[a.Notifier])
		}
	}
}

func TestStreakLengthsConfigurable(t *testing.T) {
	f := newFixture(t)
	f.sync(redline.Target{Name: "p", URL: f.url + "/p", Schedule: "@hourly"})
	m := f.monitor(Route{Notifier: "w"})
	m.Owner, m.Streaks = "", Streaks{Removed: 4}
	ctx := context.Background()
	var alerts []int
	for i := range 5 {
		if i > 0 {
			f.site.Set("/p", testsite.Page{Status: 404, Body: "gone"})
		}
		r := m.Check(ctx, f.target("p"))
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		alerts = append(alerts, r.Alerts)
	}
	if want := []int{0, 0, 0, 0, 1}; !slices.Equal(alerts, want) {
		t.Fatalf("alerts per check = %v, want %v (page.removed after 4 checks gone)", alerts, want)
	}
}
