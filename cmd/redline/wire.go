package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"

	"redline/config"
	"redline/crawler"
	"redline/diff"
	"redline/monitor"
	"redline/notify"
	"redline/storage/sqlite"
)

// common holds the flags every command that reads the configuration takes.
type common struct {
	config    string
	logFormat string
	verbose   bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "configuration file (default $REDLINE_CONFIG or redline.yaml)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&c.verbose, "v", false, "log every check, not only failures and changes")
}

// app is one command's wiring: configuration, logger and store.
type app struct {
	cfg   *config.Config
	log   *slog.Logger
	store *sqlite.Store
	owner string
	// serving, when set, learns the address the daemon's HTTP server
	// listens on.
	serving func(net.Addr)
}

// open loads the configuration and opens the store. Configuration errors
// are usage errors.
func (c *common) open(ctx context.Context, e env) (*app, error) {
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	log, err := newLogger(e.stderr, c.logFormat, level)
	if err != nil {
		return nil, err
	}
	path := c.config
	if path == "" {
		path = e.getenv("REDLINE_CONFIG")
	}
	if path == "" {
		path = "redline.yaml"
	}
	cfg, err := config.Load(path, config.WithLookupEnv(e.lookupEnv))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, usagef("%v (write one as the README shows, or try \"redline demo\")", err)
		}
		return nil, usageError{err}
	}
	return openWith(ctx, cfg, log)
}

func openWith(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	dbPath, err := cfg.StoragePath()
	if err != nil {
		return nil, usageError{err}
	}
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &app{cfg: cfg, log: log, store: st, owner: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))}, nil
}

func (a *app) close() {
	if err := a.store.Close(); err != nil {
		a.log.Error("close store", "error", err)
	}
}

// sync writes the configured targets into the store.
func (a *app) sync(ctx context.Context) error {
	if err := a.store.SyncTargets(ctx, a.cfg.Targets, nowUTC()); err != nil {
		return fmt.Errorf("sync targets: %w", err)
	}
	return nil
}

func (a *app) monitor() (*monitor.Monitor, error) {
	cc := a.cfg.Crawler
	retries := cc.Retries
	if retries == 0 {
		retries = -1 // the crawler reads 0 as "default"; the config means none
	}
	delay := cc.Delay
	if delay == 0 {
		delay = -1 // likewise: "delay: 0s" means no delay, not the default
	}
	f, err := crawler.New(crawler.Options{
		UserAgent:      a.cfg.UserAgent,
		Delay:          delay,
		Timeout:        cc.Timeout,
		ConnectTimeout: cc.ConnectTimeout,
		MaxBodySize:    cc.MaxBody,
		Retries:        retries,
		IgnoreRobots:   cc.IgnoreRobots,
		AllowNetworks:  cc.AllowNetworks,
		Logger:         a.log,
	})
	if err != nil {
		return nil, fmt.Errorf("crawler: %w", err)
	}
	m := &monitor.Monitor{
		Store:         a.store,
		Fetcher:       f,
		Owner:         a.owner,
		Concurrency:   cc.Concurrency,
		AllowNetworks: cc.AllowNetworks,
		Streaks: monitor.Streaks{Removed: a.cfg.Events.RemovedAfter, Blocked: a.cfg.Events.BlockedAfter,
			Failing: a.cfg.Events.FailingAfter, SelectorMissing: a.cfg.Events.SelectorMissingAfter},
		Logger: a.log,
	}
	for _, n := range a.cfg.Notifiers {
		r := monitor.Route{Notifier: n.Name, Tags: n.Tags, Events: n.Events, Digest: n.Digest,
			MinWords: n.MinWords, KeywordsOnly: n.KeywordsOnly}
		if n.MinSignificance != "" {
			if r.MinSignificance, err = diff.ParseLevel(n.MinSignificance); err != nil {
				return nil, usagef("notifier %s: %v", n.Name, err) // validated when loaded
			}
		}
		m.Routes = append(m.Routes, r)
	}
	for _, w := range a.cfg.Warnings() {
		a.log.Warn("configuration", "warning", w)
	}
	return m, nil
}

func (a *app) worker() (*notify.Worker, error) {
	w := &notify.Worker{
		Outbox:    a.store,
		Endpoints: map[string]notify.Endpoint{},
		Owner:     a.owner,
		UserAgent: a.cfg.UserAgent,
		Logger:    a.log,
	}
	for _, n := range a.cfg.Notifiers {
		key, err := n.SecretKey()
		if err != nil {
			return nil, usagef("notifier %s: %v", n.Name, err)
		}
		ep := notify.Endpoint{Name: n.Name, URL: n.URL, Key: key, Timeout: n.Timeout, RetryBase: n.RetryBase,
			MaxAttempts: n.MaxAttempts, Format: notify.Format(n.Format), Options: notify.RenderOptions{BaseURL: a.cfg.PublicURL},
			Digest: n.Digest != ""}
		if n.Template != "" {
			if ep.Options.Template, err = notify.ParseTemplate(n.Name, n.Template); err != nil {
				return nil, usagef("notifier %s: %v", n.Name, err) // validated when loaded
			}
		}
		ep.Shoutrrr = n.Shoutrrr
		if e := n.Email; e != nil {
			ep.SMTP = &notify.SMTPConfig{Addr: e.SMTP, From: e.From, To: e.To, Username: e.Username, Password: e.Password,
				TLS: e.TLS, Timeout: n.Timeout}
		}
		w.Endpoints[n.Name] = ep
	}
	return w, nil
}
