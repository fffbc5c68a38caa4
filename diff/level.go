package diff

import (
	"fmt"
	"strconv"
	"strings"
)

// Level orders how much a change may matter: Low < Medium < High, so
// filters can compare levels directly (a.Significance >= Medium). The zero
// Level is no level: it marshals as "" and means "any" in filters.
type Level int

// Significance levels; see Analyze for the rules.
const (
	Low Level = iota + 1
	Medium
	High
)

// String returns "low", "medium" or "high", and "Level(N)" for other values.
func (l Level) String() string {
	switch l {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// ParseLevel parses "low", "medium" or "high", ignoring case and
// surrounding space.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low":
		return Low, nil
	case "medium":
		return Medium, nil
	case "high":
		return High, nil
	}
	return 0, fmt.Errorf("unknown significance level %q (valid: low, medium, high)", s)
}

// MarshalText encodes l as its name, so that it reads as a string in JSON
// and YAML. The zero Level encodes as ""; other values outside Low..High
// are an error.
func (l Level) MarshalText() ([]byte, error) {
	if l == 0 {
		return []byte{}, nil
	}
	if l < Low || l > High {
		return nil, fmt.Errorf("invalid significance level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText decodes a level name as ParseLevel does; "" decodes as the
// zero Level.
func (l *Level) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*l = 0
		return nil
	}
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
