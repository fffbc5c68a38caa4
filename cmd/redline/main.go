// Command redline watches policy pages and reports, with evidence, when
// their wording changes. Run "redline help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `redline watches policy pages and reports when their wording changes.

Usage: redline COMMAND [flags] [args]

Commands:
  check     check targets now (all, only --due ones, or those named) and exit
  run       run as a daemon: check targets as they fall due, deliver alerts
  serve     serve the API, Atom feeds, Memento and pages over HTTP, without checking
  demo      run the whole loop against a local site that changes by itself
  targets   list the configured targets and their state
  history   list the captures of one target, newest first
  diff      show the difference between two captures of one target
  deliveries list alerts and every delivery attempt; "deliveries retry ID" sends one again
  notify    "notify test NAME" sends a sample alert to one notifier
  seeds     list the built-in seed lists
  volatile  list (or --reset) the blocks of a target learned as volatile
  eval      score the noise rules on a labelled corpus of page pairs
  export    export captures or changes (NDJSON, CSV) or the archive (WARC, WACZ)
  verify    re-hash every stored body and the capture hash chain; exit 1 on any mismatch
  prune     apply the configuration's retention policy now
  version   print the version

Run "redline COMMAND -h" for a command's flags. The configuration file is
redline.yaml in the current directory unless --config or REDLINE_CONFIG says
otherwise. REDLINE_CPUPROFILE=FILE writes a CPU profile of the whole command
to FILE, REDLINE_MEMPROFILE=FILE a heap profile as the command ends (both for
"go tool pprof").
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError marks errors caused by bad arguments or configuration; they
// exit with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// env is what a command sees of the process: streams, environment and
// arguments, so that tests can run commands in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	lookupEnv      func(string) (string, bool)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// A second signal stops at once; leases expire and the outbox keeps
		// undelivered alerts, so nothing is lost.
		<-ctx.Done()
		stop()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		fmt.Fprintln(os.Stderr, "redline: second signal, exiting now")
		os.Exit(exitFail)
	}()
	e := env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, lookupEnv: os.LookupEnv}
	stopProfile, err := startCPUProfile(os.Getenv("REDLINE_CPUPROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "redline:", err)
		os.Exit(exitFail)
	}
	code := Main(ctx, os.Args[1:], e)
	if err := stopProfile(); err != nil {
		fmt.Fprintln(os.Stderr, "redline:", err)
	}
	if err := writeHeapProfile(os.Getenv("REDLINE_MEMPROFILE")); err != nil {
		fmt.Fprintln(os.Stderr, "redline:", err)
	}
	os.Exit(code)
}

// writeHeapProfile writes a heap profile to path, unless path is empty.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("REDLINE_MEMPROFILE: %w", err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("REDLINE_MEMPROFILE: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("REDLINE_MEMPROFILE: %w", err)
	}
	return nil
}

// startCPUProfile starts writing a CPU profile to path, unless path is
// empty; the returned function ends it.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("REDLINE_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("REDLINE_CPUPROFILE: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("REDLINE_CPUPROFILE: %w", err)
		}
		return nil
	}, nil
}

// Main runs one redline command and returns its exit code.
func Main(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	cmds := map[string]func(context.Context, []string, env) error{
		"check":      cmdCheck,
		"run":        cmdRun,
		"serve":      cmdServe,
		"demo":       cmdDemo,
		"targets":    cmdTargets,
		"history":    cmdHistory,
		"diff":       cmdDiff,
		"seeds":      cmdSeeds,
		"eval":       cmdEval,
		"deliveries": cmdDeliveries,
		"notify":     cmdNotify,
		"volatile":   cmdVolatile,
		"verify":     cmdVerify,
		"prune":      cmdPrune,
		"export":     cmdExport,
		"version": func(context.Context, []string, env) error {
			fmt.Fprintln(e.stdout, "redline", version)
			return nil
		},
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(e.stderr, "redline: unknown command %q\n\n%s", name, usage)
		return exitUsage
	}
	err := cmd(ctx, args[1:], e)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(e.stderr, "redline %s: %v\n", name, err)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "redline %s: %v\n", name, err)
		return exitFail
	}
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("redline "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// newLogger builds the process logger; format is "text" or "json".
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, usagef("--log-format must be text or json, not %q", format)
	}
}
