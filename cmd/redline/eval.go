package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"redline/monitor"
)

func cmdEval(ctx context.Context, args []string, e env) error {
	fs := newFlags("eval", e)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: redline eval DIR

Runs every labelled pair of DIR/cases.tsv (DIR/pairs/NAME.a.html, NAME.b.html)
through the real pipeline with default settings and prints the confusion
matrix. Exits 1 when a case comes out other than labelled.`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: redline eval DIR")
	}
	r, err := monitor.Evaluate(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tEXPECTED\tGOT\tOUTCOME\tDETAIL")
	label := map[bool]string{true: "alert", false: "no-alert"}
	for _, c := range r.Results {
		mark := ""
		if c.Got != c.Expect {
			mark = "  <- WRONG"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s%s\n", c.Name, label[c.Expect], label[c.Got], c.Outcome, c.Detail, mark)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, `
                    got alert   got no-alert
expected alert      %9d   %12d
expected no-alert   %9d   %12d

precision %.2f  recall %.2f  accuracy %.2f (%d of %d right)
`, r.TP, r.FN, r.FP, r.TN, r.Precision, r.Recall, r.Acc, r.TP+r.TN, len(r.Results))
	if !r.Correct() {
		return fmt.Errorf("%d case(s) came out other than labelled", r.FP+r.FN)
	}
	return nil
}
