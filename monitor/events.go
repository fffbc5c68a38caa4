package monitor

import (
	"context"
	"fmt"

	"redline"
	"redline/notify"
)

// Streak lengths (at least 2) that raise an event: how many consecutive
// checks must find a page gone, blocked, failing or missing its region. Each event is raised
// once when its streak reaches the length, and (but for selector.missing)
// once more when the page is good again.
const (
	RemovedAfter         = 2
	BlockedAfter         = 3
	FailingAfter         = 3
	SelectorMissingAfter = 3
)

// class groups outcomes for streaks.
func class(o redline.Outcome) string {
	switch {
	case o.Good() || o == redline.OutcomeNotModified:
		return "ok"
	case o == redline.OutcomeError:
		return "error"
	}
	return string(o) // gone, blocked, selector-missing
}

// Streaks sets how many checks in a row raise each event; zero fields
// take the defaults above.
type Streaks struct {
	Removed, Blocked, Failing, SelectorMissing int
}

type streakRule struct {
	class     string
	after     int
	event     string
	recovered string // event on recovery; "" for none
	state     bool   // the event carries state "started"/"recovered"
}

func (s Streaks) rules() []streakRule {
	or := func(n, def int) int {
		if n > 0 {
			return n
		}
		return def
	}
	return []streakRule{
		{string(redline.OutcomeGone), or(s.Removed, RemovedAfter), redline.EventPageRemoved, redline.EventPageRestored, false},
		{string(redline.OutcomeBlocked), or(s.Blocked, BlockedAfter), redline.EventPageBlocked, redline.EventPageBlocked, true},
		{"error", or(s.Failing, FailingAfter), redline.EventCheckFailing, redline.EventCheckFailing, true},
		{string(redline.OutcomeSelectorMissing), or(s.SelectorMissing, SelectorMissingAfter), redline.EventSelectorMissing, "", false},
	}
}

// queueStreakEvents raises the events whose streak this capture starts or
// ends, judged on the target's previous captures.
func (m *Monitor) queueStreakEvents(ctx context.Context, rec *redline.CheckRecord, t redline.Target, v *Verdict) {
	// A streak goes on only when this check is of the class of the last
	// one, and ends only when a good check follows a bad one: otherwise
	// nothing can start or end, and history need not be read.
	cur, last := class(rec.Capture.Outcome), class(t.LastOutcome)
	if t.LastOutcome == "" || (cur == "ok" && last == "ok") || (cur != "ok" && cur != last) {
		return
	}
	rules := m.Streaks.rules()
	longest := 0
	for _, r := range rules {
		longest = max(longest, r.after)
	}
	prev, err := m.Store.Captures(ctx, t.ID, 0, longest)
	if err != nil {
		m.logger().Warn("load captures for events", "target", t.Name, "error", err)
		return
	}
	run := 0 // previous captures in a row of the class of the first one
	for _, c := range prev {
		if class(c.Outcome) != class(prev[0].Outcome) {
			break
		}
		run++
	}
	for _, r := range rules {
		var event, state, detail string
		switch {
		case cur == r.class && len(prev) > 0 && class(prev[0].Outcome) == r.class && run+1 == r.after:
			event, state, detail = r.event, "started", fmt.Sprintf("%d checks in a row: %s", r.after, rec.Capture.Error)
		case cur == "ok" && r.recovered != "" && len(prev) > 0 && class(prev[0].Outcome) == r.class && run >= r.after:
			event, state, detail = r.recovered, "recovered", fmt.Sprintf("after %d or more checks: %s", r.after, prev[0].Error)
		default:
			continue
		}
		if !r.state {
			state = ""
		}
		var routes []Route
		for _, rt := range m.Routes {
			if rt.matches(t, event) {
				routes = append(routes, rt)
			}
		}
		if len(routes) == 0 {
			continue
		}
		m.queue(rec, t, event, routes, func(a *redline.Alert, c redline.Capture, ch *redline.Change) ([]byte, error) {
			e := notify.NewEvent(a.ID, event, t, c, detail)
			e.State = state
			if ch != nil {
				// Back with other wording: the diff against the last good
				// capture comes with the event.
				e.ChangeID = ch.ID
				e.FromCaptureID = ch.FromCaptureID
				e.WordsAdded, e.WordsRemoved = v.Diff.WordsAdded, v.Diff.WordsRemoved
				e.Hunks = v.Diff.Hunks
			}
			return notify.Marshal(e)
		})
	}
}
