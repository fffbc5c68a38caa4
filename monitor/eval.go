package monitor

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"redline"
)

// Case is one labelled pair of captures: an earlier (a) and a later (b)
// capture of one page, and whether the change between them deserves an
// alert with the default settings.
type Case struct {
	Name   string
	Expect bool // an alert is expected
	Note   string
}

// CaseResult is what the real pipeline made of one case.
type CaseResult struct {
	Case
	Got     bool // an alert would be sent
	Outcome redline.Outcome
	Detail  string // error, or words added/removed and significance
}

// Report is an evaluation over a labelled corpus.
type Report struct {
	Results                []CaseResult
	TP, FP, TN, FN         int
	Precision, Recall, Acc float64
}

// Correct reports whether every case came out as labelled.
func (r Report) Correct() bool { return r.FP == 0 && r.FN == 0 }

// ReadCases reads a cases.tsv: "name<TAB>alert|no-alert<TAB>note" lines;
// lines starting with # are comments.
func ReadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) < 2 || (parts[1] != "alert" && parts[1] != "no-alert") {
			return nil, fmt.Errorf("%s:%d: want NAME<TAB>alert|no-alert<TAB>NOTE", path, n)
		}
		c := Case{Name: parts[0], Expect: parts[1] == "alert"}
		if len(parts) == 3 {
			c.Note = parts[2]
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return cases, nil
}

// Evaluate runs every case of dir/cases.tsv (pairs in dir/pairs/NAME.a.html
// and NAME.b.html) through the judge with default settings, as a check of
// a target with no select, ignore or keyword settings would, and scores
// "an alert would be sent" against the labels.
func Evaluate(ctx context.Context, dir string) (Report, error) {
	cases, err := ReadCases(filepath.Join(dir, "cases.tsv"))
	if err != nil {
		return Report{}, err
	}
	var j Judge
	t := redline.Target{Name: "eval", Schedule: "@daily"}
	route := Route{Notifier: "default"}
	var r Report
	for _, c := range cases {
		a, err := os.ReadFile(filepath.Join(dir, "pairs", c.Name+".a.html"))
		if err != nil {
			return Report{}, fmt.Errorf("case %s: %w", c.Name, err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "pairs", c.Name+".b.html"))
		if err != nil {
			return Report{}, fmt.Errorf("case %s: %w", c.Name, err)
		}
		h := http.Header{"Content-Type": {"text/html"}}
		va := j.Judge(ctx, t, nil, nil, Page{Status: 200, Header: h, Body: a})
		if va.Outcome != redline.OutcomeBaseline {
			r.add(CaseResult{Case: c, Outcome: va.Outcome, Detail: "earlier capture: " + va.Error})
			continue
		}
		prior := &Prior{Baseline: Version{CaptureID: 1, TextSHA256: va.TextSHA256, Text: va.Text}}
		vb := j.Judge(ctx, t, prior, nil, Page{Status: 200, Header: h, Body: b})
		res := CaseResult{Case: c, Outcome: vb.Outcome, Detail: vb.Error}
		if vb.Changed() {
			res.Got = !vb.VolatileOnly && route.wants(&vb)
			res.Detail = fmt.Sprintf("+%d -%d words, %s", vb.Diff.WordsAdded, vb.Diff.WordsRemoved, vb.Analysis.Significance)
		}
		r.add(res)
	}
	r.Precision = ratio(r.TP, r.TP+r.FP)
	r.Recall = ratio(r.TP, r.TP+r.FN)
	r.Acc = ratio(r.TP+r.TN, len(r.Results))
	return r, nil
}

func (r *Report) add(c CaseResult) {
	r.Results = append(r.Results, c)
	switch {
	case c.Expect && c.Got:
		r.TP++
	case c.Expect:
		r.FN++
	case c.Got:
		r.FP++
	default:
		r.TN++
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
