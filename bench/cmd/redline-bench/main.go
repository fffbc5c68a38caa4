// Command redline-bench measures redline side by side with urlwatch and
// wrk on a generated government site served over many loopback addresses,
// and prints every figure as Markdown tables (or JSON with -json).
//
//	apt-get update && apt-get install -y urlwatch wrk
//	go run ./bench/cmd/redline-bench -n 1000 -latency -out /tmp/bench-1k
//
// See BENCHMARKS.md for what is measured and how to read it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"redline/bench/harness"
)

func main() {
	// The harness runs each tool through this executable, to measure its
	// peak RSS alone.
	if code, ok := harness.WrapperMain(); ok {
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "redline-bench:", err)
		}
		stop()
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := harness.Defaults()
	fs := flag.NewFlagSet("redline-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Pages, "n", cfg.Pages, "pages of the site (targets)")
	fs.IntVar(&cfg.Hosts, "hosts", cfg.Hosts, "loopback host addresses the pages are spread over (127.0.0.2, 127.0.0.3, ...)")
	fs.Float64Var(&cfg.Change, "change", cfg.Change, "fraction of pages whose wording changes between cycles")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "content seed")
	fs.DurationVar(&cfg.Delay, "delay", cfg.Delay, "redline's per-host politeness delay (crawler.delay) for the main row")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "redline's crawler.concurrency")
	fs.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "measured cycles of each tool, interleaved round by round")
	fs.StringVar(&cfg.Repo, "repo", "", "directory of the redline module (default: found with \"go env GOMOD\")")
	fs.StringVar(&cfg.CompareRepo, "compare-repo", "", "another checkout of redline (e.g. a git worktree of the base commit), run as one more row, interleaved")
	fs.StringVar(&cfg.Out, "out", "", "keep artifacts (configs, databases, logs, report.md, report.json) in this directory")
	fs.BoolVar(&cfg.SkipUrlwatch, "skip-urlwatch", false, "do not run urlwatch")
	fs.BoolVar(&cfg.SkipWrk, "skip-wrk", false, "do not run wrk")
	fs.BoolVar(&cfg.SkipDaemon, "skip-daemon", false, "do not measure \"redline run\" over every page")
	fs.BoolVar(&cfg.SkipCycles, "skip-cycles", false, "do not run the \"redline check\" cycles")
	fs.Func("redline-env", "KEY=VALUE added to the environment of redline processes only (repeatable), e.g. GOMEMLIMIT=100MiB", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("want KEY=VALUE, not %q", s)
		}
		cfg.RedlineEnv = append(cfg.RedlineEnv, s)
		return nil
	})
	fs.BoolVar(&cfg.Latency, "latency", false, "also measure alert latency of \"redline run\"")
	fs.DurationVar(&cfg.WrkDuration, "wrk-duration", cfg.WrkDuration, "how long wrk runs")
	fs.IntVar(&cfg.WrkThreads, "wrk-threads", cfg.WrkThreads, "wrk -t")
	fs.IntVar(&cfg.WrkConns, "wrk-connections", cfg.WrkConns, "wrk -c")
	fs.IntVar(&cfg.LatencyPages, "latency-n", cfg.LatencyPages, "pages the daemon watches in the latency run")
	fs.IntVar(&cfg.LatencyRounds, "latency-rounds", cfg.LatencyRounds, "changes timed in the latency run")
	fs.DurationVar(&cfg.LatencyEvery, "latency-every", cfg.LatencyEvery, "the daemon's schedule in the latency run (@every)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of Markdown")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: go run ./bench/cmd/redline-bench [flags]\n\nMeasures redline, urlwatch and wrk on a generated site on loopback; see BENCHMARKS.md.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Pages < 1 || cfg.Hosts < 1 || cfg.Hosts > 250 {
		return fmt.Errorf("-n must be at least 1 and -hosts 1..250")
	}
	if cfg.Rounds < 1 || cfg.LatencyRounds < 1 || cfg.LatencyPages < 1 {
		return fmt.Errorf("-rounds, -latency-n and -latency-rounds must be at least 1")
	}
	cfg.Log = stderr
	rep, err := harness.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.Out != "" {
		if err := writeFiles(rep, cfg.Out); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteMarkdown(stdout)
}

// writeFiles keeps the report beside the artifacts.
func writeFiles(rep *harness.Report, dir string) error {
	md, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(md); err != nil {
		md.Close()
		return err
	}
	if err := md.Close(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.json"), append(b, '\n'), 0o644)
}
