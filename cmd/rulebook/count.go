package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/job"
	"github.com/rulebook/rulebook/count/report"
)

// parseBLT reads a BLT file for the conformance command; it is set by count_blt.go
// (and replaced in a test).
var parseBLT func(path string) (*count.Election, error)

func init() {
	commands["count"] = command{"count an election (fptp, sv, irv, stv-*, dhondt, sainte-lague, ams, exhaustive, or --rctab)", runCount}
}

const countUsage = `usage:
  rulebook count --rctab CONFIG.json --out DIR
  rulebook count --method M [--seats N] [--threshold PCT] [--format F] [--json] [--csv] [--html OUT.html] [--seed N] FILE

methods: fptp (block vote with --seats N), sv, irv, stv-scottish, stv-meek, stv-wigm,
         dhondt, sainte-lague, ams, exhaustive
formats: blt, csv (ranked ballots), fptp-csv, sv-pairs, ams-csv, exhaustive-csv
         (default: from the method, or blt/csv by the file's extension for ranked methods)
Input formats are described in count/FORMATS.md.`

type countArgs struct {
	rctab, out, method, format, threshold, html string
	seats                                       int
	seed                                        int64
	json, csv                                   bool
	file                                        string
}

func parseCountArgs(args []string) (*countArgs, error) {
	a := &countArgs{}
	fs := flag.NewFlagSet("count", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.rctab, "rctab", "", "RCTab contest configuration")
	fs.StringVar(&a.out, "out", "", "output folder for --rctab")
	fs.StringVar(&a.method, "method", "", "counting method")
	fs.StringVar(&a.format, "format", "", "input format")
	fs.StringVar(&a.threshold, "threshold", "", "exclusion threshold, percent of votes")
	fs.StringVar(&a.html, "html", "", "also write an HTML report to this file")
	fs.IntVar(&a.seats, "seats", 0, "seats to fill (list seats for ams)")
	fs.Int64Var(&a.seed, "seed", 0, "seed for drawing lots")
	fs.BoolVar(&a.json, "json", false, "print the result as JSON")
	fs.BoolVar(&a.csv, "csv", false, "print the rounds as CSV")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errUsage{countUsage}
			}
			return nil, errUsage{err.Error() + "\n\n" + countUsage}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if a.rctab != "" {
		if a.out == "" || a.method != "" || len(pos) > 0 {
			return nil, errUsage{"--rctab takes --out DIR and nothing else\n\n" + countUsage}
		}
		return a, nil
	}
	if a.method == "" || len(pos) != 1 {
		return nil, errUsage{"need --method and exactly one input FILE\n\n" + countUsage}
	}
	if a.json && a.csv {
		return nil, errUsage{"--json and --csv cannot both be given"}
	}
	a.file = pos[0]
	return a, nil
}

func runCount(ctx context.Context, e *env, args []string) error {
	a, err := parseCountArgs(args)
	if err != nil {
		return err
	}
	if a.rctab != "" {
		return runRCTab(ctx, e, a.rctab, a.out)
	}
	res, err := countFile(a)
	if err != nil {
		return err
	}
	res.Normalize()
	if a.html != "" {
		f, err := os.Create(a.html)
		if err != nil {
			return err
		}
		if err := report.Write(f, res); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	switch {
	case a.json:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case a.csv:
		return writeCSV(e.stdout, res)
	}
	return writeTable(e.stdout, res)
}

// countFile reads the input and counts it as the flags say (see count/job).
func countFile(a *countArgs) (*count.Result, error) {
	spec := job.Spec{Method: a.method, Format: a.format, Seats: a.seats, Threshold: a.threshold, Seed: a.seed}
	// The flags are checked before the file is read, so a usage error comes first.
	if err := job.Check(spec, a.file); err != nil {
		return nil, countError(err)
	}
	data, err := os.ReadFile(a.file)
	if err != nil {
		return nil, err
	}
	res, err := job.Count(spec, a.file, data)
	if err != nil {
		return nil, countError(err)
	}
	return res, nil
}

// countError words a problem with the flags as the command always has: a usage error
// (exit status 2), except a format the method does not read.
func countError(err error) error {
	var se *job.SpecError
	if !errors.As(err, &se) {
		return err
	}
	switch se.Field {
	case "format":
		return errors.New(se.Flags)
	case "method":
		return errUsage{se.Flags + "\n\n" + countUsage}
	}
	return errUsage{se.Flags}
}

// writeTable prints the result as a round-by-round table for a terminal.
func writeTable(w io.Writer, r *count.Result) error {
	title := r.Method
	if r.Title != "" {
		title = r.Title + " (" + r.Method + ")"
	}
	fmt.Fprintf(w, "%s: %d seat(s)", title, r.Seats)
	if r.Quota != "" {
		fmt.Fprintf(w, ", quota/threshold %s", r.Quota)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, rd := range r.Rounds {
		fmt.Fprintf(tw, "round %d\t", rd.Number)
	}
	fmt.Fprintln(tw)
	for _, c := range r.Candidates {
		fmt.Fprintf(tw, "%s\t", c)
		for _, rd := range r.Rounds {
			v, ok := rd.Tally[c]
			mark := ""
			if slices.Contains(rd.Elected, c) {
				mark = " *"
			} else if slices.Contains(rd.Eliminated, c) {
				mark = " x"
			}
			if !ok && mark == "" {
				v = "-"
			}
			fmt.Fprintf(tw, "%s%s\t", v, mark)
		}
		fmt.Fprintln(tw)
	}
	if slices.ContainsFunc(r.Rounds, func(rd count.Round) bool { return rd.Exhausted != "" }) {
		fmt.Fprint(tw, "exhausted\t")
		for _, rd := range r.Rounds {
			fmt.Fprintf(tw, "%s\t", rd.Exhausted)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "(* elected, x excluded)")
	for _, rd := range r.Rounds {
		if rd.Action != "" {
			fmt.Fprintf(w, "round %d: %s\n", rd.Number, rd.Action)
		}
	}
	if len(r.PartySeats) > 0 {
		fmt.Fprintln(w, "seats:")
		for _, c := range r.Candidates {
			line := fmt.Sprintf("  %-30s %d", c, r.PartySeats[c])
			if r.TotalSeats != nil {
				line += fmt.Sprintf("  (total with constituency seats %d)", r.TotalSeats[c])
			}
			fmt.Fprintln(w, line)
		}
	}
	if r.Majority != "" {
		fmt.Fprintf(w, "majority: %s\n", r.Majority)
	}
	for _, tb := range r.TieBreaks {
		fmt.Fprintf(w, "tie in round %d between %s: %s chosen to %s, by %s\n", tb.Round, strings.Join(tb.Tied, ", "), tb.Chosen, tb.Purpose, tb.How)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	_, err := fmt.Fprintf(w, "elected: %s\n", strings.Join(r.Elected, ", "))
	return err
}

// writeCSV prints the rounds in long form: round,action,candidate,votes,transfer,status.
func writeCSV(w io.Writer, r *count.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"round", "action", "candidate", "votes", "transfer", "status"})
	for _, rd := range r.Rounds {
		names := slices.Clone(r.Candidates)
		for k := range rd.Transfers {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
		for _, c := range names {
			v, inTally := rd.Tally[c]
			t, inTr := rd.Transfers[c]
			if c == "exhausted" {
				v, inTally = rd.Exhausted, rd.Exhausted != ""
			}
			status := ""
			if slices.Contains(rd.Elected, c) {
				status = "elected"
			} else if slices.Contains(rd.Eliminated, c) {
				status = "excluded"
			}
			if !inTally && !inTr && status == "" {
				continue
			}
			cw.Write([]string{strconv.Itoa(rd.Number), rd.Action, c, v, t, status})
		}
	}
	cw.Flush()
	return cw.Error()
}
