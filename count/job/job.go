// Package job counts one election from ballots held in memory: a ballot file in any
// format of count/FORMATS.md, counted by a method chosen by name (as `rulebook count`
// does from its flags), or an RCTab contest configuration with its cast vote records
// in an fs.FS. It is what the command and the web page share, so that the choice of
// parser and counting rule is made in one place.
//
// The package does no I/O beyond reading the fs.FS it is given.
package job

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/ballotcsv"
	"github.com/rulebook/rulebook/count/blt"
	"github.com/rulebook/rulebook/count/exhaustive"
	"github.com/rulebook/rulebook/count/fptp"
	"github.com/rulebook/rulebook/count/irv"
	"github.com/rulebook/rulebook/count/listpr"
	"github.com/rulebook/rulebook/count/rctab"
	_ "github.com/rulebook/rulebook/count/stv" // registers the STV methods
	"github.com/rulebook/rulebook/count/sv"
)

// Spec says how to count: the same choices as the command's flags.
type Spec struct {
	// Method is one of Methods: fptp, sv, irv, stv-scottish, stv-meek, stv-wigm (or
	// another registered stv-* rule), dhondt, sainte-lague, ams, exhaustive.
	Method string
	// Format is one of Formats: blt, csv, fptp-csv, sv-pairs, ams-csv,
	// exhaustive-csv. "" means the method's own format; for ranked methods blt when
	// the file name ends in .blt, else csv; for sv blt or csv when the file is a .blt
	// or starts with a candidates record, else sv-pairs.
	Format string
	// Seats to fill (0: the method's default; for fptp several make a block vote;
	// for dhondt, sainte-lague and ams required, and for ams the list seats).
	Seats int
	// Threshold is a percentage of the votes, e.g. "5" or "2.5", for dhondt,
	// sainte-lague, ams (default 5) and exhaustive; the other methods refuse one.
	Threshold string
	// Seed seeds the drawing of lots.
	Seed int64
	// SeedGiven says the seed was chosen for this count. When it was not and a tie is
	// settled by lot, the result carries a warning saying so and how to choose one.
	SeedGiven bool
}

// Choice is one choice of a form's select box.
type Choice struct{ ID, Name string }

// methods are the methods as the command's usage lists them.
var methods = []Choice{
	{"fptp", "First past the post (a block vote when there are several seats)"},
	{"sv", "Supplementary vote"},
	{"irv", "Instant-runoff (alternative) vote"},
	{"stv-scottish", "Single transferable vote, Scottish local government rules (SSI 2007/42)"},
	{"stv-meek", "Single transferable vote, Meek's method"},
	{"stv-wigm", "Single transferable vote, weighted inclusive Gregory method"},
	{"dhondt", "Party lists, D'Hondt highest averages"},
	{"sainte-lague", "Party lists, Sainte-Laguë highest averages"},
	{"ams", "Additional member system, as the London Assembly (D'Hondt, 5% threshold)"},
	{"exhaustive", "Exhaustive ballot, from the tallies of each round"},
}

// moreSTV describes the further STV rules count/stv registers, which Count accepts too.
var moreSTV = map[string]string{
	"stv-wigm-prf":       "Single transferable vote, PR Foundation reference WIGM",
	"stv-wigm-prf-batch": "Single transferable vote, PR Foundation reference WIGM, batch exclusion",
	"stv-meek-prf":       "Single transferable vote, PR Foundation reference Meek",
	"stv-warren":         "Single transferable vote, Warren's method",
	"stv-mpls":           "Single transferable vote, Minneapolis rules (2009)",
	"stv-cfer":           "Single transferable vote, CfER model statute",
	"stv-cfer-batch":     "Single transferable vote, CfER model statute, batch elimination",
	"stv-qpq":            "Quota preferential by quotient (Woodall)",
}

// Methods lists the counting methods Count accepts, the usual ones first, each with a
// short description.
func Methods() []Choice {
	out := slices.Clone(methods)
	for _, m := range count.RankedMethods() {
		if isRanked(m) && !slices.ContainsFunc(methods, func(c Choice) bool { return c.ID == m }) {
			name := moreSTV[m]
			if name == "" {
				name = "Single transferable vote, rule " + strings.TrimPrefix(m, "stv-")
			}
			out = append(out, Choice{m, name})
		}
	}
	return out
}

// Formats lists the ballot file formats, the first ("") choosing by the method.
func Formats() []Choice {
	return []Choice{
		{"", "Automatic: the method's own format (ranked ballots: blt for a .blt file, else csv)"},
		{"blt", "BLT ranked ballots (ERS, OpenSTV, Droop, Scottish councils)"},
		{"csv", "Ranked ballots, rulebook's CSV (candidates record, then count,preferences…)"},
		{"fptp-csv", "Votes per candidate: candidate,party,votes"},
		{"sv-pairs", "Supplementary vote papers: first,second,count"},
		{"ams-csv", "List votes per party: party,list_votes,constituency_seats[,list names…]"},
		{"exhaustive-csv", "Exhaustive ballot tallies: round,candidate,votes"},
	}
}

// SpecError is a Spec that cannot be counted whatever the file holds: an unknown
// method, a format the method does not read, or seats or a threshold it cannot take.
type SpecError struct {
	// Field is the Spec field at fault: "method", "format", "seats" or "threshold".
	Field string
	// Msg says what is wrong in words for a form.
	Msg string
	// Flags says the same as `rulebook count` does, naming its flags.
	Flags string
}

func (e *SpecError) Error() string { return e.Msg }

func specErr(field, msg, flags string) *SpecError {
	return &SpecError{Field: field, Msg: msg, Flags: flags}
}

// isRanked reports whether m counts a count.Election through the registry.
func isRanked(m string) bool {
	return m == "irv" || strings.HasPrefix(m, "stv")
}

// format is the format spec asks for, or the one it implies for the file name and,
// when data is not nil, its content.
func format(spec Spec, name string, data []byte) string {
	if spec.Format != "" {
		return spec.Format
	}
	isBLT := strings.EqualFold(filepath.Ext(name), ".blt")
	switch spec.Method {
	case "fptp":
		return "fptp-csv"
	case "sv":
		if isBLT {
			return "blt"
		} else if rankedCSV(data) {
			return "csv"
		}
		return "sv-pairs"
	case "dhondt", "sainte-lague", "ams":
		return "ams-csv"
	case "exhaustive":
		return "exhaustive-csv"
	}
	if isBLT {
		return "blt"
	}
	return "csv"
}

// rankedCSV reports whether data starts like the ranked CSV format (a candidates
// record, possibly after comments), looking at its first 4096 bytes.
func rankedCSV(data []byte) bool {
	data = data[:min(len(data), 4096)]
	for _, line := range strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return strings.HasPrefix(strings.ToLower(line), "candidates,")
	}
	return false
}

// Check reports what is wrong with spec before any ballots are read, as Count would:
// a *SpecError, or an error naming a ranked method this build lacks. name is the ballot
// file's name (its extension may choose the format). A Spec that passes Check can
// still fail in Count, on the file or on a threshold that is not a percentage.
func Check(spec Spec, name string) error {
	return check(spec, format(spec, name, nil))
}

func check(spec Spec, format string) error {
	m := spec.Method
	switch {
	case m == "fptp", m == "sv", m == "irv", strings.HasPrefix(m, "stv"):
		// No such rule has a threshold: refuse one rather than ignore it.
		if spec.Threshold != "" {
			return specErr("threshold", fmt.Sprintf("a threshold does not apply to method %s", m),
				fmt.Sprintf("--threshold does not apply to method %s", m))
		}
	}
	if m == "sv" && spec.Seats > 1 {
		return specErr("seats", "the supplementary vote elects one candidate; seats must be 1",
			"the supplementary vote elects one candidate; --seats must be 1")
	}
	if spec.Seats < 0 {
		return specErr("seats", "seats must be positive", "--seats must be positive")
	}
	reads := func(want string) error {
		if format == want {
			return nil
		}
		return specErr("format", fmt.Sprintf("method %s reads the %s format, not %s", m, want, format),
			fmt.Sprintf("method %s reads --format %s, not %s", m, want, format))
	}
	switch m {
	case "fptp":
		return reads("fptp-csv")
	case "sv":
		switch format {
		case "sv-pairs", "csv", "blt":
			return nil
		}
		msg := fmt.Sprintf("method sv reads sv-pairs, csv or blt, not %s", format)
		return specErr("format", msg, msg)
	case "dhondt", "sainte-lague", "ams":
		if err := reads("ams-csv"); err != nil {
			return err
		}
		if spec.Seats < 1 {
			list := map[bool]string{true: "list ", false: ""}[m == "ams"]
			return specErr("seats", fmt.Sprintf("method %s needs the number of %sseats to allocate", m, list),
				fmt.Sprintf("method %s needs --seats N (the %sseats to allocate)", m, list))
		}
		return nil
	case "exhaustive":
		return reads("exhaustive-csv")
	}
	if !isRanked(m) {
		var ids []string
		for _, c := range Methods() {
			ids = append(ids, c.ID)
		}
		return specErr("method", fmt.Sprintf("unknown method %q (the methods are %s)", m, strings.Join(ids, ", ")),
			fmt.Sprintf("unknown method %q", m))
	}
	if _, ok := count.LookupRanked(m); !ok {
		return fmt.Errorf("method %s is not built in to this rulebook (built in: %s)", m, strings.Join(count.RankedMethods(), ", "))
	}
	if format != "csv" && format != "blt" {
		msg := fmt.Sprintf("ranked methods read csv or blt, not %s", format)
		return specErr("format", msg, msg)
	}
	return nil
}

// Count counts one ballot file given as bytes; name is the file's name, used for the
// format's guess (see Spec.Format) and in error messages (for blt, its last element
// only), which name the line and the field at fault as the parsers give them.
func Count(spec Spec, name string, data []byte) (*count.Result, error) {
	var warnings []string
	res, err := countBytes(spec, name, data, &warnings)
	if err != nil {
		return nil, err
	}
	return finish(res, spec, warnings), nil
}

// finish adds to res the warnings of reading the input and, when lots were drawn
// from a seed nobody chose, the warning that says so.
func finish(res *count.Result, spec Spec, warnings []string) *count.Result {
	res.Warnings = append(res.Warnings, warnings...)
	if !spec.SeedGiven && res.DrewLots() {
		res.Warnings = append(res.Warnings, count.DefaultSeedWarning(spec.Seed,
			"give it to rulebook count as --seed N"))
	}
	return res
}

func countBytes(spec Spec, name string, data []byte, warnings *[]string) (*count.Result, error) {
	format := format(spec, name, data)
	if err := check(spec, format); err != nil {
		return nil, err
	}
	switch spec.Method {
	case "fptp":
		c, err := fptp.ParseCSV(bytes.NewReader(data), name)
		if err != nil {
			return nil, err
		}
		return fptp.Count(c, max(spec.Seats, 1), spec.Seed)
	case "sv":
		var b *sv.Ballots
		if format == "sv-pairs" {
			var err error
			if b, err = sv.ParsePairs(bytes.NewReader(data), name); err != nil {
				return nil, err
			}
		} else {
			el, err := readElection(format, name, data, warnings)
			if err != nil {
				return nil, err
			}
			if b, err = sv.FromElection(el); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		return sv.Count(b, spec.Seed)
	case "dhondt", "sainte-lague", "ams":
		c, err := listpr.ParseAMS(bytes.NewReader(data), name)
		if err != nil {
			return nil, err
		}
		lo := listpr.Options{Method: spec.Method, Seats: spec.Seats, Div: listpr.DHondt, Seed: spec.Seed, CountPrior: true}
		if spec.Method == "sainte-lague" {
			lo.Div = listpr.SainteLague
		}
		th := spec.Threshold
		if th == "" && spec.Method == "ams" {
			th = "5" // the London Assembly's threshold
		}
		if th != "" {
			if lo.Threshold, err = count.ParsePercent(th); err != nil {
				return nil, err
			}
		}
		return listpr.Allocate(c, lo)
	case "exhaustive":
		rs, err := exhaustive.ParseCSV(bytes.NewReader(data), name)
		if err != nil {
			return nil, err
		}
		eo := exhaustive.Options{Seed: spec.Seed}
		if spec.Threshold != "" {
			if eo.Threshold, err = count.ParsePercent(spec.Threshold); err != nil {
				return nil, err
			}
		}
		return exhaustive.Count(rs, eo)
	}
	m, _ := count.LookupRanked(spec.Method) // check found it
	opt := count.Options{Seats: spec.Seats, ThresholdPercent: spec.Threshold, Seed: spec.Seed}
	if spec.Method == "irv" && format == "csv" {
		// The fast path: straight from the bytes into the packed form.
		p, err := ballotcsv.ParsePacked(data, name, 0)
		if err == nil {
			return irv.CountPacked(p, opt, countWorkers)
		}
		if !errors.Is(err, ballotcsv.ErrNotPackable) {
			return nil, err
		}
	}
	el, err := readElection(format, name, data, warnings)
	if err != nil {
		return nil, err
	}
	return m(el, opt)
}

// countWorkers is the goroutines that count a packed IRV election once parsed: one.
// The parser's workers pay (BenchmarkEndToEnd10M, stream-1 against stream-N), but a
// count of the grouped form the parser makes has not measured faster on several
// workers than on one (BenchmarkCount10MGrouped against ...OneWorker), so it is not
// split.
const countWorkers = 1

// CountReader counts the ballot file r, named name, as Count does; the fast IRV
// path (method irv, ranked CSV) streams r through the packed reader in blocks instead
// of reading it whole first. When that file turns out not to fit the packed form, r is
// read again from its start (it must be at its start when given). The package does no
// other I/O: the caller opens and closes the file.
func CountReader(spec Spec, name string, r io.ReadSeeker) (*count.Result, error) {
	if spec.Method == "irv" && format(spec, name, nil) == "csv" {
		if err := check(spec, "csv"); err != nil {
			return nil, err
		}
		p, err := ballotcsv.ReadPacked(r, name, 0)
		if err == nil {
			res, err := irv.CountPacked(p, count.Options{Seats: spec.Seats, Seed: spec.Seed}, countWorkers)
			if err != nil {
				return nil, err
			}
			return finish(res, spec, nil), nil
		}
		if !errors.Is(err, ballotcsv.ErrNotPackable) {
			return nil, err
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return Count(spec, name, data)
}

// ReadElection reads ranked ballots, format csv or blt, into the election form the
// ranked methods count. A BLT file's [tie] order is kept for the STV rules; its errors
// name the file by the last element of name, as blt.ParseFile does.
func ReadElection(format, name string, data []byte) (*count.Election, error) {
	return readElection(format, name, data, nil)
}

// readElection is ReadElection, adding the warnings of reading to *warnings when it
// is not nil.
func readElection(format, name string, data []byte, warnings *[]string) (*count.Election, error) {
	switch format {
	case "csv":
		return ballotcsv.Parse(data, name)
	case "blt":
		e, x, err := blt.ParseBytes(data, filepath.Base(name))
		if err != nil {
			return nil, err
		}
		e.TieOrder = x.TieOrder // Droop's [tie] option, honoured by the STV methods
		if warnings != nil {
			*warnings = append(*warnings, x.Warnings...)
		}
		return e, nil
	}
	return nil, fmt.Errorf("ranked methods read csv or blt, not %s", format)
}

// CountRCTab counts an RCTab contest: configName names the contest configuration in
// files, which holds it and the cast vote record files it names, by the paths the
// config gives (relative to the config's folder; they must not lead outside files).
// It returns the count in the shared form report.WriteFragment renders: for a
// multiPassIrv config, the first pass's. RCTab's own reports are not produced here
// (see rctab.CountFS for them).
func CountRCTab(files fs.FS, configName string) (*count.Result, error) {
	_, outcomes, err := rctab.CountFS(files, configName, rctab.Options{})
	if err != nil {
		return nil, err
	}
	if len(outcomes) == 0 {
		return nil, fmt.Errorf("%s: the contest has no count", configName)
	}
	return outcomes[0].Result(), nil
}
