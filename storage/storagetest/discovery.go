package storagetest

import (
	"time"

	"redline"
)

func ruleDef() redline.Target {
	d := def("rule")
	d.Kind = "discover"
	d.Discover = &redline.DiscoverRule{Start: []string{d.URL}, Follow: []string{`/memo/`}, Depth: 1, MaxPages: 50}
	return d
}

func doc(name, path, title string) redline.Target {
	return redline.Target{Name: name, URL: "https://www.example.gov/memo/" + path, Kind: "page", Schedule: "@every 1h",
		Tags: []string{"doj"}, Keywords: []string{"sanctuary"}, Title: title, AllowedDomains: []string{"example.gov"}}
}

func testDiscovered(e *env) {
	t0 := base()
	cfg := def("alpha")
	e.sync(t0, ruleDef(), cfg)
	if got := e.target("rule").Discover; got == nil || got.Follow[0] != `/memo/` || got.MaxPages != 50 {
		e.t.Fatalf("rule's Discover stored as %+v", got)
	}

	dup := doc("dup", "", "")
	dup.URL = cfg.URL // already tracked by configuration
	created, err := e.s.AddDiscovered(e.ctx, "rule", []redline.Target{doc("rule-one", "one", "Memo one"), doc("alpha", "two", "Memo two"), dup}, t0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantNames("created", created, "rule-one", "alpha-2")
	one := created[0]
	if one.DiscoveredBy != "rule" || one.Title != "Memo one" || !one.Active || one.Source != redline.DiscoverSource+"rule" ||
		one.Keywords[0] != "sanctuary" || one.Tags[0] != "doj" || len(one.AllowedDomains) != 1 {
		e.t.Errorf("created target = %+v", one)
	}
	e.wantTime("DiscoveredAt", one.DiscoveredAt, t0)
	e.wantTime("NextDue", one.NextDue, t0)
	// Found again: nothing new.
	if again, err := e.s.AddDiscovered(e.ctx, "rule", []redline.Target{doc("rule-one", "one", "Memo one")}, t0); err != nil || len(again) != 0 {
		e.t.Errorf("found again: %v, %v; want nothing created", names(again), err)
	}

	// Syncing the configuration keeps them while the rule is there.
	e.sync(t0.Add(time.Minute), ruleDef(), cfg)
	if !e.target("rule-one").Active || !e.target("alpha-2").Active {
		e.t.Error("sync deactivated discovered targets of a configured rule")
	}

	// Listing.
	t1 := t0.Add(time.Hour)
	gone, err := e.s.MarkListed(e.ctx, "rule", []string{one.URL}, t1)
	if err != nil {
		e.t.Fatal(err)
	}
	e.wantNames("newly unlisted", gone, "alpha-2")
	e.wantTime("UnlistedAt", e.target("alpha-2").UnlistedAt, t1)
	if gone, err := e.s.MarkListed(e.ctx, "rule", []string{one.URL}, t1.Add(time.Hour)); err != nil || len(gone) != 0 {
		e.t.Errorf("still unlisted: %v, %v; want not reported again", names(gone), err)
	}
	e.wantTime("UnlistedAt kept from the first miss", e.target("alpha-2").UnlistedAt, t1)
	if _, err := e.s.MarkListed(e.ctx, "rule", []string{one.URL, created[1].URL}, t1); err != nil {
		e.t.Fatal(err)
	}
	if !e.target("alpha-2").UnlistedAt.IsZero() {
		e.t.Error("listed again, still UnlistedAt")
	}

	// Pinned targets outlive their rule; the others are deactivated.
	if err := e.s.SetPinned(e.ctx, "rule-one", true); err != nil {
		e.t.Fatal(err)
	}
	e.sync(t1, cfg)
	if !e.target("rule-one").Active || !e.target("rule-one").Pinned {
		e.t.Error("pinned target deactivated with its rule")
	}
	if e.target("alpha-2").Active {
		e.t.Error("unpinned target active without its rule")
	}
	e.sync(t1, ruleDef(), cfg)
	if !e.target("alpha-2").Active {
		e.t.Error("rule back, its target still inactive")
	}

	// Dropped: inactive for good, never found again.
	if err := e.s.DropTarget(e.ctx, "alpha-2"); err != nil {
		e.t.Fatal(err)
	}
	e.sync(t1, ruleDef(), cfg)
	if d := e.target("alpha-2"); d.Active || !d.Dropped {
		e.t.Errorf("dropped target: active %v dropped %v", d.Active, d.Dropped)
	}
	if again, err := e.s.AddDiscovered(e.ctx, "rule", []redline.Target{doc("x", "two", "")}, t1); err != nil || len(again) != 0 {
		e.t.Errorf("dropped document found again: %v, %v", names(again), err)
	}
	if claimed := e.claimDue("w", t1.Add(24*time.Hour), time.Hour, 10); len(claimed) > 0 {
		for _, c := range claimed {
			if c.Name == "alpha-2" {
				e.t.Error("dropped target claimed")
			}
		}
	}

	e.wantErr("pin unknown", e.s.SetPinned(e.ctx, "nope", true), redline.ErrNotFound)
	if err := e.s.SetPinned(e.ctx, "alpha", true); err == nil {
		e.t.Error("pinned a configured target")
	}
}
