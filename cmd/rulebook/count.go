package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

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
  rulebook count --method M [flags] FILE|DIR...
  rulebook count --rctab CONFIG.json --out DIR
Run 'rulebook count --help' for every flag.`

const countHelp = `usage:
  rulebook count --method M [--seats N] [--threshold PCT] [--format F] [--seed N]
                 [--json | --csv] [--html OUT] FILE|DIR...
  rulebook count --rctab CONFIG.json --out DIR

Counts the ballots in each FILE (and each ballot file of each DIR) and prints the
result round by round. Several files, or a folder of them, are counted in one run:
one result per file, then a summary of them all; the exit status is 1 if any failed.
Input formats are described in count/FORMATS.md.

flags:
  --method M       the counting method (required):
                     fptp          first past the post; a block vote with --seats N
                     sv            supplementary vote
                     irv           alternative vote (instant-runoff)
                     stv-scottish  STV, Scottish local government rules (SSI 2007/42)
                     stv-meek      STV, Meek's method
                     stv-wigm      STV, weighted inclusive Gregory method
                     (also stv-wigm-prf, stv-wigm-prf-batch, stv-meek-prf, stv-warren,
                     stv-mpls, stv-cfer, stv-cfer-batch, stv-qpq)
                     dhondt        party lists, D'Hondt highest averages
                     sainte-lague  party lists, Sainte-Laguë highest averages
                     ams           additional member system (London Assembly top-up)
                     exhaustive    exhaustive ballot, from each round's tallies
  --seats N        seats to fill: several make fptp a block vote; the seats of an STV
                   count (default: the file's own, else 1); required for dhondt,
                   sainte-lague and ams (for ams, the list seats)
  --threshold PCT  a share of the votes in percent, e.g. 5 or 2.5: for ams (default 5),
                   dhondt and sainte-lague a party below it takes no seat; for
                   exhaustive, everyone below it leaves after each round. The other
                   methods have no threshold and refuse one
  --format F       the input format: blt, csv (ranked ballots), fptp-csv, sv-pairs,
                   ams-csv, exhaustive-csv. Default: the method's own format; for ranked
                   methods blt when the file ends in .blt, else csv; for sv also blt or
                   csv when the file is one
  --seed N         the seed from which ties settled by lot are drawn (default 0). Choose
                   it in public before the count; a count that draws lots without one
                   given says so in a warning
  --json           print each result as JSON (count.Result; several files: one document
                   with a result or an error per file)
  --csv            print the rounds as CSV: round,action,candidate,votes,transfer,status
                   (several files: a file column first)
  --html OUT       also write an HTML report (file name and SHA-256, method and options,
                   date, version, papers, round-by-round tables and charts) to OUT; with
                   several files OUT is a folder, one report per ballot file
  --rctab CONFIG   count an RCTab contest configuration with its cast vote records,
                   writing RCTab's reports into --out DIR (no other flag applies)
  --out DIR        the folder for --rctab's reports
  -h, --help       print this help

A folder given as DIR is read for its ballot files, not its sub-folders: *.blt and
*.csv for ranked methods (or only those of --format), *.csv for the others.

Warnings (a tie settled by lot with the default seed, lines of a BLT file after its
end) are printed first, and to standard error with --json or --csv.`

type countArgs struct {
	rctab, out, method, format, threshold, html string
	seats                                       int
	seed                                        int64
	seedGiven                                   bool
	json, csv                                   bool
	inputs                                      []string
	file                                        string // for countFile
}

// errHelp asks for the full help on standard output, exit status 0.
type errHelp struct{}

func (errHelp) Error() string { return countHelp }

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
				return nil, errHelp{}
			}
			return nil, errUsage{err.Error() + "\n\n" + countUsage}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	fs.Visit(func(f *flag.Flag) { a.seedGiven = a.seedGiven || f.Name == "seed" })
	if a.rctab != "" {
		if a.out == "" || a.method != "" || len(pos) > 0 {
			return nil, errUsage{"--rctab takes --out DIR and nothing else\n\n" + countUsage}
		}
		return a, nil
	}
	if a.method == "" || len(pos) == 0 {
		return nil, errUsage{"need --method and at least one input FILE or DIR\n\n" + countUsage}
	}
	if a.json && a.csv {
		return nil, errUsage{"--json and --csv cannot both be given"}
	}
	a.inputs = pos
	return a, nil
}

func (a *countArgs) spec() job.Spec {
	return job.Spec{Method: a.method, Format: a.format, Seats: a.seats, Threshold: a.threshold, Seed: a.seed, SeedGiven: a.seedGiven}
}

// options words the counting flags as given, for the report.
func (a *countArgs) options() string {
	o := "--method " + a.method
	if a.format != "" {
		o += " --format " + a.format
	}
	if a.seats > 0 {
		o += " --seats " + strconv.Itoa(a.seats)
	}
	if a.threshold != "" {
		o += " --threshold " + a.threshold
	}
	if a.seedGiven {
		o += " --seed " + strconv.FormatInt(a.seed, 10)
	} else {
		o += " (seed 0, the default)"
	}
	return o
}

// countVersion is rulebook's version for reports: the module version, and the commit
// it was built from when the build recorded one.
func countVersion() string { return report.BuildVersion() }

func runCount(ctx context.Context, e *env, args []string) error {
	a, err := parseCountArgs(args)
	if _, ok := err.(errHelp); ok {
		fmt.Fprintln(e.stdout, countHelp)
		return nil
	}
	if err != nil {
		return err
	}
	if a.rctab != "" {
		return runRCTab(ctx, e, a.rctab, a.out)
	}
	// The flags are checked before any file is read, so a usage error comes first.
	if err := job.Check(a.spec(), a.inputs[0]); err != nil {
		return countError(err)
	}
	files, err := countInputs(a)
	if err != nil {
		return err
	}
	if len(files) == 1 && len(a.inputs) == 1 && files[0] == a.inputs[0] {
		return countOne(e, a, files[0])
	}
	return countMany(ctx, e, a, files)
}

// countInputs lists the ballot files the arguments name: files as given, and the
// ballot files of each folder in name order.
func countInputs(a *countArgs) ([]string, error) {
	var files []string
	for _, in := range a.inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, in)
			continue
		}
		ents, err := os.ReadDir(in)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, de := range ents {
			name := de.Name()
			if strings.HasPrefix(name, ".") || !de.Type().IsRegular() {
				continue
			}
			if ballotExt(a, strings.ToLower(filepath.Ext(name))) {
				found = append(found, filepath.Join(in, name))
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no ballot files in the folder (%s)", in, map[bool]string{true: "*.blt, *.csv", false: "*.csv"}[ranked(a)])
		}
		files = append(files, found...)
	}
	return files, nil
}

func ranked(a *countArgs) bool {
	return a.method == "irv" || strings.HasPrefix(a.method, "stv") || (a.method == "sv" && (a.format == "" || a.format == "blt" || a.format == "csv"))
}

// ballotExt says whether a folder's file with extension ext is a ballot file.
func ballotExt(a *countArgs, ext string) bool {
	switch {
	case a.format == "blt":
		return ext == ".blt"
	case a.format != "":
		return ext == ".csv"
	case ranked(a):
		return ext == ".blt" || ext == ".csv"
	}
	return ext == ".csv"
}

// countFile counts the one file a.file as the flags say (the conformance check's way
// in).
func countFile(a *countArgs) (*count.Result, error) {
	if err := job.Check(a.spec(), a.file); err != nil {
		return nil, countError(err)
	}
	res, _, err := countPath(a, a.file, false)
	return res, err
}

// countPath reads one file and counts it as the flags say (see count/job): an IRV
// ranked CSV streamed, anything else read whole. sum is the file's SHA-256 when
// wantSum is set (for the report).
func countPath(a *countArgs, path string, wantSum bool) (res *count.Result, sum string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	res, err = job.CountReader(a.spec(), path, f)
	if err != nil {
		return nil, "", countError(err)
	}
	res.Normalize()
	if wantSum {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, "", err
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return nil, "", err
		}
		sum = hex.EncodeToString(h.Sum(nil))
	}
	return res, sum, nil
}

// writeHTML writes the report of res, counted from path, to out.
func writeHTML(out, path, sum string, a *countArgs, res *count.Result) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	m := report.Meta{File: path, SHA256: sum, Options: a.options(), Counted: time.Now(), Version: countVersion()}
	if err := report.WriteMeta(f, res, m); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// warn prints res's warnings on standard error when the output is for a program.
func warn(e *env, a *countArgs, path string, res *count.Result) {
	if a.json || a.csv {
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stderr, "rulebook count: %s: warning: %s\n", path, w)
		}
	}
}

func countOne(e *env, a *countArgs, path string) error {
	res, sum, err := countPath(a, path, a.html != "")
	if err != nil {
		return err
	}
	if a.html != "" {
		if err := writeHTML(a.html, path, sum, a, res); err != nil {
			return err
		}
	}
	warn(e, a, path, res)
	switch {
	case a.json:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case a.csv:
		return writeCSV(e.stdout, res, "", true)
	}
	return writeTable(e.stdout, res)
}

// fileResult is one file's outcome when several are counted.
type fileResult struct {
	File   string        `json:"file"`
	Result *count.Result `json:"result,omitempty"`
	Error  string        `json:"error,omitempty"`
	sum    string
}

// countMany counts several files in this one process, a few at a time, and prints
// each result in the order given, then a summary.
func countMany(ctx context.Context, e *env, a *countArgs, files []string) error {
	if a.html != "" {
		if err := os.MkdirAll(a.html, 0o755); err != nil {
			return fmt.Errorf("--html with several files names a folder: %w", err)
		}
	}
	out := make([]fileResult, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				out[i].File = files[i]
				res, sum, err := countPath(a, files[i], a.html != "")
				if err == nil && a.html != "" {
					name := strings.TrimSuffix(filepath.Base(files[i]), filepath.Ext(files[i])) + ".html"
					err = writeHTML(filepath.Join(a.html, name), files[i], sum, a, res)
				}
				if err != nil {
					out[i].Error = err.Error()
					continue
				}
				out[i].Result, out[i].sum = res, sum
			}
		})
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	failed := 0
	for _, r := range out {
		if r.Error != "" {
			failed++
		} else {
			warn(e, a, r.File, r.Result)
		}
	}
	switch {
	case a.json:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Results []fileResult `json:"results"`
			Counted int          `json:"counted"`
			Failed  int          `json:"failed"`
		}{out, len(out) - failed, failed}); err != nil {
			return err
		}
	case a.csv:
		header := true
		for _, r := range out {
			if r.Error != "" {
				fmt.Fprintf(e.stderr, "rulebook count: %s\n", r.Error)
				continue
			}
			if err := writeCSV(e.stdout, r.Result, r.File, header); err != nil {
				return err
			}
			header = false
		}
	default:
		for _, r := range out {
			fmt.Fprintf(e.stdout, "== %s ==\n", r.File)
			if r.Error != "" {
				fmt.Fprintf(e.stdout, "error: %s\n\n", r.Error)
				continue
			}
			if err := writeTable(e.stdout, r.Result); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "summary: %s, %d counted, %d failed\n", plural(len(out), "file", "files"), len(out)-failed, failed)
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		for _, r := range out {
			status := "elected: " + strings.Join(nonNil(r.Result).Elected, ", ")
			if r.Error != "" {
				status = "FAILED: " + r.Error
			} else if len(r.Result.Warnings) > 0 {
				status += " (" + plural(len(r.Result.Warnings), "warning", "warnings") + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s\n", r.File, status)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be counted", failed, len(out))
	}
	return nil
}

func nonNil(r *count.Result) *count.Result {
	if r == nil {
		return &count.Result{}
	}
	return r
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
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warning)
	}
	fmt.Fprintf(w, "%s: %s", title, plural(r.Seats, "seat", "seats"))
	if r.Quota != "" {
		name := r.QuotaName
		if name == "" {
			name = "quota/threshold"
		}
		fmt.Fprintf(w, ", %s %s", name, r.Quota)
	}
	if r.Valid != "" && r.PartySeats != nil {
		fmt.Fprintf(w, "; valid votes %s", r.Valid)
	} else if r.Valid != "" {
		fmt.Fprintf(w, "; valid papers %s", r.Valid)
	}
	if r.Rejected != "" {
		fmt.Fprintf(w, ", rejected %s", r.Rejected)
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
	if r.PartySeats != nil {
		fmt.Fprintln(w, "(* elected, x below threshold)")
	} else {
		fmt.Fprintln(w, "(* elected, x excluded)")
	}
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

// writeCSV prints the rounds in long form: round,action,candidate,votes,transfer,status,
// after a header line when header is set. A file name, when given, is a first column.
func writeCSV(w io.Writer, r *count.Result, file string, header bool) error {
	cw := csv.NewWriter(w)
	row := func(f []string) {
		if file != "" {
			f = append([]string{file}, f...)
		}
		cw.Write(f)
	}
	if header {
		h := []string{"round", "action", "candidate", "votes", "transfer", "status"}
		if file != "" {
			h = append([]string{"file"}, h...)
		}
		cw.Write(h)
	}
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
				if r.PartySeats != nil {
					status = "below threshold"
				}
			}
			if !inTally && !inTr && status == "" {
				continue
			}
			row([]string{strconv.Itoa(rd.Number), rd.Action, c, v, t, status})
		}
	}
	cw.Flush()
	return cw.Error()
}
