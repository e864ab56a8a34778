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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/ballotcsv"
	"github.com/rulebook/rulebook/count/exhaustive"
	"github.com/rulebook/rulebook/count/fptp"
	"github.com/rulebook/rulebook/count/irv"
	"github.com/rulebook/rulebook/count/listpr"
	"github.com/rulebook/rulebook/count/report"
	"github.com/rulebook/rulebook/count/sv"
)

// parseBLT reads a BLT file; it is set by count_blt.go once count/blt is merged.
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

// isRanked reports whether m counts a count.Election through the registry.
func isRanked(m string) bool {
	return m == "irv" || strings.HasPrefix(m, "stv")
}

// countFile reads the input in its format and runs the method over it.
func countFile(a *countArgs) (*count.Result, error) {
	format := a.format
	if format == "" {
		switch a.method {
		case "fptp":
			format = "fptp-csv"
		case "sv":
			format = "sv-pairs"
			if strings.EqualFold(filepath.Ext(a.file), ".blt") {
				format = "blt"
			} else if rankedCSV(a.file) {
				format = "csv"
			}
		case "dhondt", "sainte-lague", "ams":
			format = "ams-csv"
		case "exhaustive":
			format = "exhaustive-csv"
		default:
			format = "csv"
			if strings.EqualFold(filepath.Ext(a.file), ".blt") {
				format = "blt"
			}
		}
	}
	switch a.method {
	case "fptp", "sv", "irv":
		if a.threshold != "" {
			return nil, errUsage{fmt.Sprintf("--threshold does not apply to method %s", a.method)}
		}
	}
	if a.method == "sv" && a.seats > 1 {
		return nil, errUsage{"the supplementary vote elects one candidate; --seats must be 1"}
	}
	if a.seats < 0 {
		return nil, errUsage{"--seats must be positive"}
	}
	open := func() (*os.File, error) { return os.Open(a.file) }
	opt := count.Options{Seats: a.seats, ThresholdPercent: a.threshold, Seed: a.seed}
	switch a.method {
	case "fptp":
		if format != "fptp-csv" {
			return nil, fmt.Errorf("method fptp reads --format fptp-csv, not %s", format)
		}
		f, err := open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		c, err := fptp.ParseCSV(f, a.file)
		if err != nil {
			return nil, err
		}
		return fptp.Count(c, max(a.seats, 1), a.seed)
	case "sv":
		var b *sv.Ballots
		switch format {
		case "sv-pairs":
			f, err := open()
			if err != nil {
				return nil, err
			}
			defer f.Close()
			if b, err = sv.ParsePairs(f, a.file); err != nil {
				return nil, err
			}
		case "csv", "blt":
			el, err := readRanked(format, a.file)
			if err != nil {
				return nil, err
			}
			if b, err = sv.FromElection(el); err != nil {
				return nil, fmt.Errorf("%s: %w", a.file, err)
			}
		default:
			return nil, fmt.Errorf("method sv reads sv-pairs, csv or blt, not %s", format)
		}
		return sv.Count(b, a.seed)
	case "dhondt", "sainte-lague", "ams":
		if format != "ams-csv" {
			return nil, fmt.Errorf("method %s reads --format ams-csv, not %s", a.method, format)
		}
		if a.seats < 1 {
			return nil, errUsage{fmt.Sprintf("method %s needs --seats N (the %sseats to allocate)", a.method, map[bool]string{true: "list ", false: ""}[a.method == "ams"])}
		}
		f, err := open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		c, err := listpr.ParseAMS(f, a.file)
		if err != nil {
			return nil, err
		}
		lo := listpr.Options{Method: a.method, Seats: a.seats, Div: listpr.DHondt, Seed: a.seed, CountPrior: true}
		if a.method == "sainte-lague" {
			lo.Div = listpr.SainteLague
		}
		th := a.threshold
		if th == "" && a.method == "ams" {
			th = "5" // the London Assembly's threshold
		}
		if th != "" {
			if lo.Threshold, err = count.ParsePercent(th); err != nil {
				return nil, err
			}
		}
		return listpr.Allocate(c, lo)
	case "exhaustive":
		if format != "exhaustive-csv" {
			return nil, fmt.Errorf("method exhaustive reads --format exhaustive-csv, not %s", format)
		}
		f, err := open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		rs, err := exhaustive.ParseCSV(f, a.file)
		if err != nil {
			return nil, err
		}
		eo := exhaustive.Options{Seed: a.seed}
		if a.threshold != "" {
			if eo.Threshold, err = count.ParsePercent(a.threshold); err != nil {
				return nil, err
			}
		}
		return exhaustive.Count(rs, eo)
	}
	if !isRanked(a.method) {
		return nil, errUsage{fmt.Sprintf("unknown method %q\n\n%s", a.method, countUsage)}
	}
	m, ok := count.LookupRanked(a.method)
	if !ok {
		return nil, fmt.Errorf("method %s is not built in to this rulebook (built in: %s)", a.method, strings.Join(count.RankedMethods(), ", "))
	}
	if a.method == "irv" && format == "csv" {
		// The fast path: straight from the file into the packed form.
		data, err := os.ReadFile(a.file)
		if err != nil {
			return nil, err
		}
		p, err := ballotcsv.ParsePacked(data, a.file, 0)
		if err == nil {
			return irv.CountPacked(p, opt, 0)
		}
		if !errors.Is(err, ballotcsv.ErrNotPackable) {
			return nil, err
		}
		el, err := ballotcsv.Parse(data, a.file)
		if err != nil {
			return nil, err
		}
		return m(el, opt)
	}
	el, err := readRanked(format, a.file)
	if err != nil {
		return nil, err
	}
	return m(el, opt)
}

// rankedCSV reports whether file starts like the ranked CSV format (a candidates
// record, possibly after comments), so that --method sv can read it without --format.
func rankedCSV(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(f, buf)
	for _, line := range strings.Split(strings.TrimPrefix(string(buf[:n]), "\ufeff"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return strings.HasPrefix(strings.ToLower(line), "candidates,")
	}
	return false
}

func readRanked(format, file string) (*count.Election, error) {
	switch format {
	case "csv":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		return ballotcsv.Parse(data, file)
	case "blt":
		if parseBLT == nil {
			return nil, errors.New("BLT support is not built in to this rulebook (count/blt is not merged yet)")
		}
		return parseBLT(file)
	}
	return nil, fmt.Errorf("ranked methods read csv or blt, not %s", format)
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
