package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"redline"
)

func cmdDeliveries(ctx context.Context, args []string, e env) error {
	fs := newFlags("deliveries", e)
	var c common
	c.register(fs)
	state := fs.String("state", "", "only alerts in this state: pending, delivered or dead")
	limit := fs.Int("limit", 20, "show at most this many alerts (0 = all)")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: redline deliveries [flags]          list alerts, newest first, with every attempt
       redline deliveries retry [flags] ID   send one alert again (dead, pending or delivered)

Notifier URLs and secrets are never printed.`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.Arg(0) == "retry" {
		// Flags may stand before and after "retry".
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
		return cmdRetry(ctx, fs.Args(), &c, e)
	}
	switch *state {
	case "", redline.AlertPending, redline.AlertDelivered, redline.AlertDead:
	default:
		return usagef("--state must be pending, delivered or dead, not %q", *state)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (did you mean \"redline deliveries retry ID\"?)", fs.Arg(0))
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	alerts, err := a.store.Alerts(ctx, redline.AlertFilter{State: *state, Limit: *limit})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	if ts, err := a.store.Targets(ctx); err == nil {
		for _, t := range ts {
			names[t.ID] = t.Name
		}
	}
	type attemptJSON struct {
		At         time.Time `json:"at"`
		StatusCode int       `json:"status_code"`
		LatencyMS  int64     `json:"latency_ms"`
		Error      string    `json:"error,omitempty"`
		Response   string    `json:"response,omitempty"`
	}
	type alertJSON struct {
		ID        string        `json:"id"`
		Notifier  string        `json:"notifier"`
		Event     string        `json:"event"`
		Target    string        `json:"target"`
		State     string        `json:"state"`
		CreatedAt time.Time     `json:"created_at"`
		NextAt    *time.Time    `json:"next_attempt_at,omitempty"`
		Attempts  []attemptJSON `json:"attempts"`
	}
	out := make([]alertJSON, 0, len(alerts))
	for _, al := range alerts {
		atts, err := a.store.Attempts(ctx, al.ID)
		if err != nil {
			return err
		}
		aj := alertJSON{ID: al.ID, Notifier: al.Notifier, Event: al.Event, Target: names[al.TargetID], State: al.State(),
			CreatedAt: al.CreatedAt.UTC(), Attempts: []attemptJSON{}}
		if al.State() == redline.AlertPending {
			aj.NextAt = timePtr(al.NextAttemptAt)
		}
		for _, at := range atts {
			aj.Attempts = append(aj.Attempts, attemptJSON{at.At.UTC(), at.StatusCode, at.Latency.Milliseconds(), at.Error, at.Response})
		}
		out = append(out, aj)
	}
	if *asJSON {
		return writeJSON(e, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "no alerts")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, aj := range out {
		next := ""
		if aj.NextAt != nil {
			next = ", next attempt " + aj.NextAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s (created %s%s)\n", aj.ID, aj.Event, aj.Target, aj.Notifier, aj.State, aj.CreatedAt.Format(time.RFC3339), next)
		for _, at := range aj.Attempts {
			result := fmt.Sprintf("%d", at.StatusCode)
			if at.StatusCode == 0 {
				result = "-"
			}
			note := at.Error
			if at.Response != "" {
				note += " | " + at.Response
			}
			fmt.Fprintf(tw, "  %s\t%s\t%dms\t%s\n", at.At.Format(time.RFC3339), result, at.LatencyMS, note)
		}
	}
	return tw.Flush()
}

// cmdRetry revives one alert and delivers what is due; args are what
// follows "retry" once flags are parsed.
func cmdRetry(ctx context.Context, args []string, c *common, e env) error {
	if len(args) != 1 {
		return usagef("usage: redline deliveries retry ID")
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	id := args[0]
	if err := a.store.RetryAlert(ctx, id, nowUTC()); errors.Is(err, redline.ErrNotFound) {
		return usagef("no alert %q", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "alert %s is due again\n", id)
	return a.deliver(ctx, e.stdout, 30*time.Second)
}
