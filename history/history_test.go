package history

import (
	"encoding/json"
	"testing"

	"redline"
	"redline/diff"
	"redline/noise"
)

func TestVolatileHunks(t *testing.T) {
	rules := "\n## Rules\nThese rules apply to every officer of the county jail and its field offices.\n"
	before := "## Notice\nNotice number alpha is posted." + rules + "Officers shall not honor detainers."
	after := "## Notice\nNotice number bravo is posted." + rules + "Officers may honor detainers."
	d := diff.Words(before, after, diff.Options{})
	keys := noise.BlockKeys(before, d.Hunks)
	if len(keys) != 2 {
		t.Fatalf("want two hunks, got keys %v", keys)
	}
	var vol noise.Volatility
	for range 5 {
		vol.Observe(keys[:1], 100)
	}
	state, err := json.Marshal(&vol)
	if err != nil {
		t.Fatal(err)
	}
	got := volatileHunks(redline.Target{Volatility: state}, before, d)
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("volatile hunks = %v, want [1]", got)
	}
	if got := volatileHunks(redline.Target{}, before, d); got != nil {
		t.Fatalf("without learned state: %v", got)
	}
}
