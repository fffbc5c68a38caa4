package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"redline"
	"redline/config"
	"redline/internal/testsite"
	"redline/monitor"
	"redline/notify"
)

const demoSecret = "demo-secret-not-for-production"

// demoVersions are the successive wordings of the demo policy page.
var demoVersions = [][]string{
	{
		"## Section 1. Purpose",
		"This policy governs how the county responds to civil immigration detainer requests issued by federal agencies.",
		"## Section 2. Detainer requests",
		"County officials shall decline to hold any person solely on the basis of a civil immigration detainer unless the request is accompanied by a judicial warrant.",
		"Officials shall notify the person named in the request and their attorney within 24 hours.",
	},
	{
		"## Section 1. Purpose",
		"This policy governs how the county responds to civil immigration detainer requests issued by federal agencies.",
		"## Section 2. Detainer requests",
		"County officials may decline to hold any person solely on the basis of a civil immigration detainer unless the request is accompanied by a judicial warrant.",
		"Officials shall notify the person named in the request and their attorney within 24 hours.",
	},
	{
		"## Section 1. Purpose",
		"This policy governs how the county responds to civil immigration detainer requests issued by federal agencies.",
		"## Section 2. Detainer requests",
		"County officials may decline to hold any person solely on the basis of a civil immigration detainer unless the request is accompanied by a judicial warrant.",
		"Officials shall notify the person named in the request and their attorney within 48 hours.",
		"## Section 3. Reporting",
		"The sheriff shall publish a quarterly report of all detainer requests received.",
	},
}

func cmdDemo(ctx context.Context, args []string, e env) error {
	fs := newFlags("demo", e)
	every := fs.Duration("every", 3*time.Second, "how often each page is checked")
	changeEvery := fs.Duration("change-every", 8*time.Second, "how often the demo policy page changes its wording")
	duration := fs.Duration("duration", 60*time.Second, "how long to run (0 = until interrupted)")
	dir := fs.String("dir", "", "keep the demo database in this folder (default: a temporary folder, removed at exit)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *every < time.Second {
		return usagef("--every must be at least 1s")
	}
	log, err := newLogger(e.stderr, *logFormat, slog.LevelWarn)
	if err != nil {
		return err
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "redline-demo-")
		if err != nil {
			return fmt.Errorf("demo folder: %w", err)
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("demo folder: %w", err)
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}

	site := testsite.New()
	siteURL, stopSite, err := serveLocal(site)
	if err != nil {
		return err
	}
	defer stopSite()
	out := &lockedWriter{w: e.stdout}
	recv := &demoReceiver{out: out}
	recvURL, stopRecv, err := serveLocal(recv)
	if err != nil {
		return err
	}
	defer stopRecv()

	cfg := config.Default(filepath.Join(*dir, "redline.yaml"))
	cfg.Crawler.Delay = 200 * time.Millisecond
	cfg.UserAgent = "redline/" + version + " (demo; +http://127.0.0.1)"
	schedule := fmt.Sprintf("@every %s", every.String())
	cfg.Targets = []redline.Target{
		{Name: "county-detainer-policy", URL: siteURL + "/policy/detainers", Kind: "page", Schedule: schedule, Select: []string{"main"}, Tags: []string{"demo"}, Source: "demo"},
		{Name: "county-notice", URL: siteURL + "/policy/notice", Kind: "page", Schedule: schedule, Tags: []string{"demo"}, Source: "demo"},
	}
	cfg.Notifiers = []config.Notifier{{Name: "local-receiver", URL: recvURL + "/hook", Secret: demoSecret, Timeout: 5 * time.Second, RetryBase: time.Second}}

	a, err := openWith(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()

	fmt.Fprintf(out, `redline demo
  local site:      %s  (the policy page changes its wording every %s; the
                   date stamps in its menu and footer change every second and must not alert)
  local receiver:  %s/hook  (verifies both signatures, prints each alert)
  database:        %s
  checks every %s for %s; press Ctrl-C to stop.

`, siteURL, changeEvery, recvURL, filepath.Join(*dir, "redline.db"), every, durationText(*duration))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		evolve(ctx, site, *changeEvery)
	}()
	report := func(r monitor.Result) {
		if r.Err != nil {
			fmt.Fprintf(out, "check  %-24s failed: %v\n", r.Target.Name, r.Err)
			return
		}
		line := fmt.Sprintf("check  %-24s %s", r.Target.Name, r.Capture.Outcome)
		if r.Change != nil {
			line += fmt.Sprintf(" (+%d -%d words, %d alert queued)", r.Change.WordsAdded, r.Change.WordsRemoved, r.Alerts)
		}
		fmt.Fprintln(out, line)
	}
	a.serving = func(addr net.Addr) {
		fmt.Fprintf(out, "archive:         http://%s/  (API /api/v1/targets, Atom /feeds/changes.atom, Memento /timemap/link/%s/policy/detainers)\n\n", addr, siteURL)
	}
	err = a.daemon(ctx, report)
	wg.Wait()
	fmt.Fprintf(out, "\ndemo over: %d alerts received. Try \"redline history\" and \"redline diff\" on a config of your own.\n", recv.count())
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	return err
}

func durationText(d time.Duration) string {
	if d == 0 {
		return "as long as you like"
	}
	return d.String()
}

// evolve changes the demo site: the stamps every second, the wording every
// changeEvery.
func evolve(ctx context.Context, site *testsite.Site, changeEvery time.Duration) {
	version := 0
	lastChange := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		stamp := time.Now().UTC().Format("Monday, 2 January 2006 15:04:05 MST")
		site.SetHTML("/policy/detainers", testsite.PolicyPage("Civil immigration detainer policy", demoVersions[version], stamp))
		site.SetHTML("/policy/notice", testsite.PolicyPage("Notice of public hearing", []string{
			"The board will hear public comment on the detainer policy at its next regular meeting.",
		}, stamp))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if time.Since(lastChange) >= changeEvery {
			version = (version + 1) % len(demoVersions)
			lastChange = time.Now()
		}
	}
}

// serveLocal serves h on a loopback port and returns its base URL.
func serveLocal(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// demoReceiver is a webhook receiver that verifies signatures and prints
// what it gets.
type demoReceiver struct {
	out *lockedWriter
	mu  sync.Mutex
	n   int
}

func (d *demoReceiver) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

func (d *demoReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	key, _ := notify.Key(demoSecret)
	verdict := "both signatures verified"
	if err := notify.Verify(r.Header, key, body, time.Now(), 5*time.Minute); err != nil {
		verdict = "BAD SIGNATURE: " + err.Error()
	} else if err := notify.VerifyHub(r.Header, key, body); err != nil {
		verdict = "BAD SIGNATURE: " + err.Error()
	}
	var p notify.Changed
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.n++
	d.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "\nALERT %s  %s  +%d -%d words  (webhook-id %s, %s)\n", p.Type, p.Target.Name,
		p.Stats.WordsAdded, p.Stats.WordsRemoved, r.Header.Get("webhook-id"), verdict)
	fmt.Fprintf(&b, "  captures %d -> %d\n", p.Previous.CaptureID, p.Current.CaptureID)
	for _, line := range strings.Split(strings.TrimRight(p.Diff.Word, "\n"), "\n") {
		fmt.Fprintf(&b, "  | %s\n", line)
	}
	fmt.Fprintln(&b)
	d.out.Write([]byte(b.String()))
	w.WriteHeader(http.StatusNoContent)
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
