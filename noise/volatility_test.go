package noise

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"redline/diff"
)

func TestBlockKeys(t *testing.T) {
	old := strings.Join([]string{
		"Intro line",          // 1: /1
		"Second intro",        // 2: /2
		"# Policies",          // 3: # Policies/0
		"Preamble",            // 4: # Policies/1
		"## Quote of the day", // 5: # Policies/## Quote of the day/0
		"Carpe diem",          // 6: # Policies/## Quote of the day/1
		"### Detail",          // 7: .../### Detail/0
		"- item",              // 8: .../### Detail/1
		"## Detainers",        // 9: # Policies/## Detainers/0
		"Within 48 hours",     // 10: # Policies/## Detainers/1
		"a | b",               // 11: # Policies/## Detainers/2
		"# Contact",           // 12: # Contact/0
		"Call us",             // 13: # Contact/1
	}, "\n")
	hunks := []diff.Hunk{{OldLine: 6}, {OldLine: 1}, {OldLine: 8}, {OldLine: 10}, {OldLine: 11}, {OldLine: 13}, {OldLine: 3}, {OldLine: 6}, {OldLine: 14}}
	want := []string{
		"# Policies/## Quote of the day/1",
		"/1",
		"# Policies/## Quote of the day/### Detail/1",
		"# Policies/## Detainers/1",
		"# Policies/## Detainers/2",
		"# Contact/1",
		"# Policies/0",
		"# Policies/## Quote of the day/1",
		"# Contact/2", // past the end
	}
	if got := BlockKeys(old, hunks); !reflect.DeepEqual(got, want) {
		t.Errorf("BlockKeys:\n got %q\nwant %q", got, want)
	}
	if got := BlockKeys(old, nil); got != nil {
		t.Errorf("no hunks: %q", got)
	}
	long := "## " + strings.Repeat("x", 100) + "\nbody"
	if got := BlockKeys(long, []diff.Hunk{{OldLine: 2}}); len(got[0]) > 60 || !strings.HasSuffix(got[0], "…/1") {
		t.Errorf("long heading key %q", got[0])
	}
}

// TestBlockKeysFromDiff keys the hunks of a real word diff.
func TestBlockKeysFromDiff(t *testing.T) {
	filler := "\nThe agency shall publish every policy on this page and keep earlier versions available to the public."
	old := "# Agency\nMission text\n## Quote of the day\nCarpe diem" + filler + "\n## Policy\nHonor detainers within 48 hours"
	new := "# Agency\nMission text\n## Quote of the day\nSeize the day" + filler + "\n## Policy\nHonor detainers within 24 hours"
	d := diff.Words(old, new, diff.Options{})
	got := BlockKeys(old, d.Hunks)
	want := []string{"# Agency/## Quote of the day/1", "# Agency/## Policy/1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BlockKeys = %q, want %q (hunks %+v)", got, want, d.Hunks)
	}
}

const quote = "## Quote of the day/1"

func TestVolatilityLearns(t *testing.T) {
	var v Volatility
	for i := 1; i <= 3; i++ {
		v.Observe([]string{quote}, 100)
		if v.IsVolatile(quote) {
			t.Fatalf("volatile after %d checks", i)
		}
	}
	v.Observe([]string{quote}, 100)
	if !v.IsVolatile(quote) || !slices.Equal(v.Keys(), []string{quote}) {
		t.Fatalf("not volatile after 4 checks: %+v", v)
	}
	// It settles: still volatile while it changed in 2 or more of the
	// last 5 checks, no longer at 1.
	for i := 1; i <= 3; i++ {
		v.Observe(nil, 100)
		if !v.IsVolatile(quote) {
			t.Fatalf("not volatile after %d quiet checks", i)
		}
	}
	v.Observe(nil, 100)
	if v.IsVolatile(quote) || len(v.Keys()) != 0 {
		t.Fatalf("still volatile after 4 quiet checks: %+v", v)
	}
	// The state is dropped once the mask is empty.
	for range 4 {
		v.Observe(nil, 100)
	}
	if v.Blocks != nil || v.Volatile != nil {
		t.Errorf("state not dropped: %+v", v)
	}
}

func TestVolatilityMostChecks(t *testing.T) {
	// Changing in 4 of 5 checks is enough; 3 of 5 is not.
	var v Volatility
	for _, changed := range []bool{true, true, false, true, true} {
		if changed {
			v.Observe([]string{quote}, 50)
		} else {
			v.Observe(nil, 50)
		}
	}
	if !v.IsVolatile(quote) {
		t.Errorf("4 of 5: not volatile")
	}
	var w Volatility
	for _, changed := range []bool{true, false, true, false, true, false, true} {
		if changed {
			w.Observe([]string{quote}, 50)
		} else {
			w.Observe(nil, 50)
		}
	}
	if w.IsVolatile(quote) {
		t.Errorf("every other check: volatile")
	}
}

func TestVolatilityIgnoresBigChanges(t *testing.T) {
	var v Volatility
	// A page rewritten at every check: many blocks change.
	for range 10 {
		v.Observe([]string{"/1", "/2", "/3"}, 100)
	}
	// A small page where one block is more than 10% of the lines.
	for range 10 {
		v.Observe([]string{"/1"}, 5)
	}
	if len(v.Keys()) != 0 || len(v.Blocks) != 0 {
		t.Errorf("learned from big changes: %+v", v)
	}
	// A big check between small ones neither counts nor resets.
	for i := range 4 {
		v.Observe([]string{quote}, 100)
		if i == 1 {
			v.Observe([]string{quote, "/1", "/2", "/3"}, 100)
		}
	}
	if !v.IsVolatile(quote) {
		t.Errorf("big check in between broke learning: %+v", v)
	}
	// Two blocks at once, and duplicates, are fine.
	var w Volatility
	for range 4 {
		w.Observe([]string{"a/1", "b/1", "a/1"}, 20)
	}
	if !slices.Equal(w.Keys(), []string{"a/1", "b/1"}) {
		t.Errorf("two blocks: %+v", w)
	}
}

func TestVolatilityJSON(t *testing.T) {
	var v Volatility
	for range 5 {
		v.Observe([]string{quote}, 100)
	}
	v.Observe([]string{"# Banner/1"}, 100)
	data, err := json.Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"blocks":{"# Banner/1":1,"## Quote of the day/1":62},"volatile":["## Quote of the day/1"]}`
	if string(data) != want {
		t.Errorf("JSON %s, want %s", data, want)
	}
	var back Volatility
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Errorf("round trip: %+v, want %+v", back, v)
	}
	// The learning goes on from the decoded state.
	back.Observe(nil, 100)
	v.Observe(nil, 100)
	if !reflect.DeepEqual(back, v) || !back.IsVolatile(quote) {
		t.Errorf("after round trip: %+v vs %+v", back, v)
	}
	var empty Volatility
	if data, _ := json.Marshal(&empty); string(data) != "{}" {
		t.Errorf("empty JSON %s", data)
	}
	v.Reset()
	if v.IsVolatile(quote) || v.Keys() != nil || v.Blocks != nil {
		t.Errorf("Reset: %+v", v)
	}
}

func TestVolatilityBounded(t *testing.T) {
	// State read from elsewhere may hold more keys than Observe would
	// track; the next Observe trims it deterministically.
	v := Volatility{Blocks: map[string]uint8{}}
	for i := range MaxVolatilityKeys + 50 {
		v.Blocks[fmt.Sprintf("k/%03d", i)] = uint8(1 + i%3)
	}
	v.Blocks["z/volatile"] = 0b1111
	v.Volatile = []string{"z/volatile"}
	w := Volatility{Blocks: maps.Clone(v.Blocks), Volatile: slices.Clone(v.Volatile)}
	v.Observe(nil, 100)
	w.Observe(nil, 100)
	if len(v.Blocks) != MaxVolatilityKeys || !v.IsVolatile("z/volatile") {
		t.Errorf("bounded: %d keys, volatile %v", len(v.Blocks), v.Keys())
	}
	if !reflect.DeepEqual(v, w) {
		t.Error("eviction is not deterministic")
	}
}

func TestVolatilityNil(t *testing.T) {
	var v *Volatility
	if v.IsVolatile("x") || v.Keys() != nil {
		t.Error("nil Volatility")
	}
}
