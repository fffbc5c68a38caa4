package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"redline"
	"redline/config"
	"redline/diff"
	"redline/notify"
)

func cmdNotify(ctx context.Context, args []string, e env) error {
	fs := newFlags("notify", e)
	var c common
	c.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: redline notify test [flags] NAME\n\nSends a sample page.changed alert to one notifier now and says what it answered.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.Arg(0) != "test" {
		return usagef("usage: redline notify test NAME")
	}
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: redline notify test NAME")
	}
	name := fs.Arg(0)
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	if !slices.ContainsFunc(a.cfg.Notifiers, func(n config.Notifier) bool { return n.Name == name }) {
		return usagef("no notifier named %q in the configuration", name)
	}
	w, err := a.worker()
	if err != nil {
		return err
	}
	al, err := sampleAlert(name)
	if err != nil {
		return err
	}
	att := w.Try(ctx, al)
	if att.Error != "" {
		return fmt.Errorf("sample alert %s to %s failed after %s: %s", al.ID, name, att.Latency.Round(time.Millisecond), att.Error)
	}
	fmt.Fprintf(e.stdout, "sample alert %s delivered to %s: status %d in %s\n", al.ID, name, att.StatusCode, att.Latency.Round(time.Millisecond))
	return nil
}

// sampleAlert is a page.changed alert about a made-up target, marked as a
// test in its target name.
func sampleAlert(notifier string) (redline.Alert, error) {
	now := nowUTC()
	old := "## Section 2. Detainers\nOfficers shall decline to hold a person on a civil immigration detainer alone."
	cur := "## Section 2. Detainers\nOfficers may decline to hold a person on a civil immigration detainer alone."
	d := diff.Words(old, cur, diff.Options{})
	an := diff.Analyze(&d, old, cur, []string{"detainer"})
	t := redline.Target{Name: "redline-test-alert", URL: "https://example.org/redline-test", Tags: []string{"test"}}
	prev := redline.Capture{ID: 1, FetchedAt: now.Add(-6 * time.Hour), URL: t.URL, Status: 200}
	next := redline.Capture{ID: 2, FetchedAt: now, URL: t.URL, Status: 200}
	id := fmt.Sprintf("msg_test_%d", now.UnixNano())
	body, err := notify.Marshal(notify.NewChanged(id, t, prev, next, d, an, 0, diff.Unified(old, cur, "capture 1", "capture 2", 3)))
	if err != nil {
		return redline.Alert{}, err
	}
	return redline.Alert{ID: id, Notifier: notifier, Event: redline.EventPageChanged, Payload: body, CreatedAt: now}, nil
}
