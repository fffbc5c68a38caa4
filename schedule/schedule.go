// Package schedule parses the cron specs that say when a target is checked.
package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts standard five-field specs and descriptors such as
// "@hourly" and "@every 30m". It is immutable once built.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse parses a robfig/cron/v3 spec. The error is cron's own, without
// the spec; callers say where the spec came from.
func Parse(spec string) (cron.Schedule, error) {
	return parser.Parse(spec)
}

// Next returns the first time after t that spec fires, in UTC.
func Next(spec string, t time.Time) (time.Time, error) {
	s, err := Parse(spec)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad cron spec %q: %w", spec, err)
	}
	return s.Next(t.UTC()).UTC(), nil
}
