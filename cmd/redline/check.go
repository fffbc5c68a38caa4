package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"redline"
	"redline/monitor"
)

func nowUTC() time.Time { return time.Now().UTC() }

func cmdCheck(ctx context.Context, args []string, e env) error {
	fs := newFlags("check", e)
	var c common
	c.register(fs)
	due := fs.Bool("due", false, "check only the targets that are due (for cron, systemd timers, CronJobs)")
	deliver := fs.Duration("deliver-timeout", 30*time.Second, "how long to spend delivering alerts before exiting (the rest go out on the next run)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: redline check [flags] [NAME|URL ...]\n\nChecks targets now and exits. With names or URLs, checks just those.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *due && fs.NArg() > 0 {
		return usagef("--due and target names cannot be combined")
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	m, err := a.monitor()
	if err != nil {
		return err
	}
	if !*due {
		// The hosts' robots.txt is fetched while the store is brought up
		// to date, and each host's delay after it runs out meanwhile.
		// Not with --due: few of the hosts may have a target due.
		pctx, stop := context.WithCancel(ctx)
		ready := m.Prepare(pctx, a.configured(fs.Args()))
		defer func() { stop(); <-ready }()
	}
	if err := a.sync(ctx); err != nil {
		return err
	}
	// Only a line of text per check is kept until the end, not its result:
	// a run over thousands of targets must not hold them all.
	var lines checkLines
	if *due {
		err = m.EachDue(ctx, lines.add)
	} else {
		var targets []redline.Target
		targets, err = a.selectTargets(ctx, fs.Args())
		if err != nil {
			return err
		}
		err = m.EachTarget(ctx, targets, lines.add)
	}
	lines.print(e.stdout)
	if err != nil {
		return err
	}
	if err := a.deliver(ctx, e.stdout, *deliver); err != nil {
		return err
	}
	if lines.failed > 0 {
		return fmt.Errorf("%d check(s) could not be recorded", lines.failed)
	}
	return nil
}

// configured returns the targets of the configuration named (by name or
// URL) in args, or all of them when args is empty. Unlike selectTargets it
// needs no store, and knows no discovered documents.
func (a *app) configured(args []string) []redline.Target {
	if len(args) == 0 {
		return a.cfg.Targets
	}
	return slices.DeleteFunc(slices.Clone(a.cfg.Targets), func(t redline.Target) bool {
		return !slices.ContainsFunc(args, func(arg string) bool { return t.Name == arg || t.URL == arg })
	})
}

// selectTargets returns the active targets named (by name or URL) in args,
// or all of them when args is empty.
func (a *app) selectTargets(ctx context.Context, args []string) ([]redline.Target, error) {
	all, err := a.store.Targets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	all = slices.DeleteFunc(all, func(t redline.Target) bool { return !t.Active })
	if len(args) == 0 {
		return all, nil
	}
	var out []redline.Target
	for _, arg := range args {
		i := slices.IndexFunc(all, func(t redline.Target) bool { return t.Name == arg || t.URL == arg })
		if i < 0 {
			return nil, usagef("no configured target is named %q or has that URL", arg)
		}
		if !slices.ContainsFunc(out, func(t redline.Target) bool { return t.ID == all[i].ID }) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// checkLines are the lines "redline check" prints, one per check.
type checkLines struct {
	lines  []checkLine
	failed int // checks that could not be recorded
}

type checkLine struct{ name, outcome, words, detail string }

// add keeps the line of r.
func (l *checkLines) add(r monitor.Result) {
	if r.Err != nil {
		l.failed++
		l.lines = append(l.lines, checkLine{r.Target.Name, "failed", "", r.Err.Error()})
		return
	}
	c := r.Capture
	detail := fmt.Sprintf("capture %d", c.ID)
	if c.Error != "" {
		detail += ": " + c.Error
	}
	words := ""
	if r.Change != nil {
		words = fmt.Sprintf("+%d -%d words", r.Change.WordsAdded, r.Change.WordsRemoved)
	}
	l.lines = append(l.lines, checkLine{r.Target.Name, string(c.Outcome), words, detail})
}

// print writes the lines as a table ordered by target name.
func (l *checkLines) print(w io.Writer) {
	slices.SortStableFunc(l.lines, func(a, b checkLine) int { return strings.Compare(a.name, b.name) })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, x := range l.lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.name, x.outcome, x.words, x.detail)
	}
	tw.Flush()
}

// deliver sends the alerts due now, for at most timeout.
func (a *app) deliver(ctx context.Context, w io.Writer, timeout time.Duration) error {
	worker, err := a.worker()
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delivered, failed, err := worker.Pass(dctx)
	if err != nil && dctx.Err() == nil {
		return fmt.Errorf("deliver alerts: %w", err)
	}
	pending, perr := a.store.PendingAlerts(ctx)
	if perr != nil {
		return fmt.Errorf("count pending alerts: %w", perr)
	}
	if delivered+failed+pending > 0 {
		fmt.Fprintf(w, "alerts: %d delivered, %d failed, %d waiting for a later run\n", delivered, failed, pending)
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, e env) error {
	fs := newFlags("run", e)
	var c common
	c.register(fs)
	listen := fs.String("listen", "", "host:port of the HTTP server (default: listen from the configuration, else "+defaultListen+")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run takes no arguments")
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	a.cfg.Listen = a.listenAddr(*listen)
	return a.daemon(ctx, nil)
}

// daemon checks targets as they fall due, delivers alerts and serves the
// record over HTTP on the configured listen address (any free loopback
// port when none is set, as for the demo) until ctx ends, then lets checks
// and requests in flight finish. It fails at once when it cannot listen.
func (a *app) daemon(ctx context.Context, report func(monitor.Result)) error {
	if err := a.sync(ctx); err != nil {
		return err
	}
	m, err := a.monitor()
	if err != nil {
		return err
	}
	w, err := a.worker()
	if err != nil {
		return err
	}
	h, err := a.handler()
	if err != nil {
		return err
	}
	addr := a.cfg.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := a.listen(addr)
	if err != nil {
		return err
	}
	if a.serving != nil {
		a.serving(ln.Addr())
	}
	wake := make(chan struct{}, 1)
	m.Wake = wake
	dbPath, _ := a.cfg.StoragePath()
	a.log.Info("redline running", "targets", len(a.cfg.Targets), "notifiers", len(a.cfg.Notifiers), "store", dbPath, "owner", a.owner)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		serveErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = w.Run(ctx, wake)
	}()
	wg.Go(func() { a.retain(ctx) })
	wg.Go(func() {
		if serveErr = a.serveOn(ctx, ln, h); serveErr != nil {
			a.log.Error("stopping: the HTTP server failed", "error", serveErr)
			cancel()
		}
	})
	err = m.Run(ctx, report)
	cancel() // the monitor is done: stop delivering and serving too
	wg.Wait()
	a.log.Info("redline stopped")
	return errors.Join(serveErr, err)
}
