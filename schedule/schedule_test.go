package schedule

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	base := time.Date(2026, 11, 26, 10, 7, 0, 0, time.UTC)
	cases := []struct {
		spec string
		want time.Time
	}{
		{"@every 30m", base.Add(30 * time.Minute)},
		{"@hourly", time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)},
		{"0 */2 * * *", time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)},
		{"15 10 * * *", time.Date(2026, 11, 26, 10, 15, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			got, err := Next(c.spec, base)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(c.want) {
				t.Fatalf("Next(%q) = %v, want %v", c.spec, got, c.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for _, spec := range []string{"@every 6h", "@every 30m", "@hourly", "@daily", "@weekly", "0 */6 * * *", "15 9 * * MON-FRI"} {
		if _, err := Parse(spec); err != nil {
			t.Errorf("Parse(%q): %v", spec, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, spec := range []string{"every 6h", "* * *", "* * * * * *", "@every", "61 * * * *", "", "@fortnightly"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", spec)
		}
	}
}
