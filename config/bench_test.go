package config

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse1000Targets parses a configuration of 1,000 targets, as
// the benchmark harness writes one: what "redline check" spends before it
// opens the store.
func BenchmarkParse1000Targets(b *testing.B) {
	var y strings.Builder
	y.WriteString("storage: sqlite:redline.db\nuser_agent: \"bench (+mailto:bench@localhost)\"\n" +
		"crawler:\n  delay: 50ms\n  concurrency: 16\ndefaults:\n  schedule: \"@every 6h\"\n  select: main\ntargets:\n")
	for i := range 1000 {
		fmt.Fprintf(&y, "  - name: directive-%05d\n    url: http://127.0.0.%d:8080/policy/directive-%05d\n", i, 2+i%50, i)
	}
	data := []byte(y.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		c, err := Parse(data, "bench.yaml")
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Targets) != 1000 {
			b.Fatalf("%d targets, want 1000", len(c.Targets))
		}
	}
}
