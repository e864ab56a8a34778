package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// rctabMissing is set by count_rctab_stub.go while the RCTab tabulator is not merged,
// so that its cases count as unsupported rather than failed.
var rctabMissing bool

func init() {
	commands["conformance"] = command{"run the counting engine over a corpus of other counters' results (default ../shared/ballots)", runConformance}
}

const conformanceUsage = `usage: rulebook conformance [-v] [DIR]

Counts every case in DIR (default $RULEBOOK_BALLOTS, else ../shared/ballots) in-process
and compares with the expected results: rctab/ (RCTab reports, every round), official/
(published UK results, SV and AMS), scotland/ against droop-scotland/ (Scottish STV,
elected set; one-seat wards also by IRV), droop/ (Droop's reference counts, elected set, for the rules rulebook has).
Prints pass, FAIL or unsupported per case and the totals; exits non-zero on any failure.`

// caseOutcome is one case's result.
type caseOutcome struct {
	group, name string
	status      string // "pass", "FAIL", "unsupported"
	why         string
}

type conformance struct {
	ctx     context.Context
	e       *env
	dir     string
	tmp     string
	verbose bool
	results []caseOutcome
	extra   map[string][2]int // informational tallies (ok, total)
}

func runConformance(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	verbose := fs.Bool("v", false, "print passing cases too")
	if err := fs.Parse(args); err != nil {
		return errUsage{conformanceUsage}
	}
	if fs.NArg() > 1 {
		return errUsage{conformanceUsage}
	}
	dir := fs.Arg(0)
	if dir == "" {
		dir = e.getenv("RULEBOOK_BALLOTS")
	}
	if dir == "" {
		dir = filepath.Join("..", "shared", "ballots")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("no corpus at %s (give DIR or set RULEBOOK_BALLOTS)", dir)
	}
	tmp, err := os.MkdirTemp("", "rulebook-conformance-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	c := &conformance{ctx: ctx, e: e, dir: dir, tmp: tmp, verbose: *verbose, extra: map[string][2]int{}}
	c.rctab()
	c.official()
	c.scotland()
	c.droop()
	return c.summary()
}

func (c *conformance) add(group, name, status, why string) {
	o := caseOutcome{group, name, status, why}
	c.results = append(c.results, o)
	if status != "pass" || c.verbose {
		line := fmt.Sprintf("%-11s %-12s %s", status, group, name)
		if why != "" {
			line += ": " + why
		}
		fmt.Fprintln(c.e.stdout, line)
	}
}

// try runs f, turning a panic into an error so one bad case cannot stop the run.
func try(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

func (c *conformance) summary() error {
	type tot struct{ pass, fail, unsup int }
	groups := map[string]*tot{}
	var order []string
	all := &tot{}
	for _, r := range c.results {
		g := groups[r.group]
		if g == nil {
			g = &tot{}
			groups[r.group] = g
			order = append(order, r.group)
		}
		switch r.status {
		case "pass":
			g.pass++
			all.pass++
		case "FAIL":
			g.fail++
			all.fail++
		default:
			g.unsup++
			all.unsup++
		}
	}
	for _, name := range order {
		g := groups[name]
		fmt.Fprintf(c.e.stdout, "%s: %d pass, %d fail, %d unsupported\n", name, g.pass, g.fail, g.unsup)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range c.extra {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		fmt.Fprintf(c.e.stdout, "%s: %d/%d\n", k, c.extra[k][0], c.extra[k][1])
	}
	fmt.Fprintf(c.e.stdout, "total: %d pass, %d fail, %d unsupported, %d cases\n", all.pass, all.fail, all.unsup, len(c.results))
	if all.fail > 0 {
		return fmt.Errorf("%s failed", plural(all.fail, "case", "cases"))
	}
	if all.pass == 0 {
		return errors.New("no case passed (is the corpus folder right?)")
	}
	return nil
}

// rctab runs RCTab's own test cases and compares every expected report as JSON.
func (c *conformance) rctab() {
	root := filepath.Join(c.dir, "rctab")
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, d := range entries {
		name := d.Name()
		cfg := filepath.Join(root, name, name+"_config.json")
		exp, _ := filepath.Glob(filepath.Join(root, name, name+"_*expected_detailed_report.json"))
		if _, err := os.Stat(cfg); err != nil || len(exp) == 0 {
			continue
		}
		if rctabMissing {
			c.add("rctab", name, "unsupported", "RCTab tabulator not built in")
			continue
		}
		out := filepath.Join(c.tmp, "rctab_"+name)
		quiet := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: c.e.getenv}
		if err := try(func() error { return runRCTab(c.ctx, quiet, cfg, out) }); err != nil {
			// Two cases of the corpus come without their ballots (see its README):
			// a missing input is reported, but is not a failure of the count.
			if missing := missingInputs(cfg); missing != "" {
				c.add("rctab", name, "unsupported", "input missing from the corpus: "+missing)
				continue
			}
			c.add("rctab", name, "FAIL", err.Error())
			continue
		}
		why := ""
		for _, e := range exp {
			got := filepath.Join(out, strings.Replace(filepath.Base(e), "_expected", "", 1))
			if same, err := sameJSON(got, e); err != nil {
				why = err.Error()
				break
			} else if !same {
				why = "differs: " + filepath.Base(got)
				break
			}
		}
		if why != "" {
			c.add("rctab", name, "FAIL", why)
		} else {
			c.add("rctab", name, "pass", "")
		}
	}
}

func sameJSON(gotPath, wantPath string) (bool, error) {
	var got, want any
	for _, p := range []struct {
		path string
		v    *any
	}{{gotPath, &got}, {wantPath, &want}} {
		raw, err := os.ReadFile(p.path)
		if err != nil {
			return false, fmt.Errorf("missing %s", filepath.Base(p.path))
		}
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(p.v); err != nil {
			return false, fmt.Errorf("%s: %v", filepath.Base(p.path), err)
		}
	}
	a, _ := json.Marshal(dropGeneratedBy(got))
	b, _ := json.Marshal(dropGeneratedBy(want))
	return string(a) == string(b), nil
}

func dropGeneratedBy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "generatedBy")
		for k, e := range x {
			x[k] = dropGeneratedBy(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropGeneratedBy(e)
		}
	}
	return v
}

// officialCase is the shape of official/*.json.
type officialCase struct {
	ID     string `json:"id"`
	System string `json:"system"`
	Rounds []struct {
		FirstPreferences map[string]json.Number `json:"first_preferences"`
		Transfers        map[string]json.Number `json:"transfers"`
		Totals           map[string]json.Number `json:"totals"`
	} `json:"rounds"`
	Winner          string                 `json:"winner"`
	Complete        bool                   `json:"london_wide_votes_complete"`
	LondonVotes     map[string]json.Number `json:"london_wide_votes"`
	ConstituencyWon map[string]int         `json:"constituency_seats_won"`
	ListSeats       int                    `json:"list_seats"`
	OfficialSeats   map[string]int         `json:"official_london_wide_seats"`
}

// official turns published declarations into sv-pairs / ams-csv inputs, exactly as the
// acceptance check does, and counts them through the command's own code.
func (c *conformance) official() {
	files, _ := filepath.Glob(filepath.Join(c.dir, "official", "*.json"))
	sort.Strings(files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if err != nil {
			c.add("official", name, "FAIL", err.Error())
			continue
		}
		// Keep the file's key order: the acceptance check writes rows in it.
		var oc officialCase
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(&oc); err != nil {
			c.add("official", name, "FAIL", err.Error())
			continue
		}
		if oc.ID != "" {
			name = oc.ID
		}
		switch {
		case oc.System == "sv" && len(oc.Rounds) > 0 && oc.Rounds[0].FirstPreferences != nil:
			status, why := c.officialSV(name, raw, &oc)
			c.add("official", name, status, why)
		case oc.System == "ams-dhondt" && oc.Complete:
			status, why := c.officialAMS(name, raw, &oc)
			c.add("official", name, status, why)
		default:
			c.add("official", name, "unsupported", "system "+oc.System)
		}
	}
}

// orderedKeys returns the keys of the object at path (e.g. "rounds", 0,
// "first_preferences") in the order the file gives them.
func orderedKeys(raw []byte, path ...any) []string {
	var v any = json.RawMessage(raw)
	for _, p := range path {
		r := v.(json.RawMessage)
		switch k := p.(type) {
		case string:
			var m map[string]json.RawMessage
			if json.Unmarshal(r, &m) != nil {
				return nil
			}
			v = m[k]
		case int:
			var a []json.RawMessage
			if json.Unmarshal(r, &a) != nil || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	d := json.NewDecoder(strings.NewReader(string(v.(json.RawMessage))))
	var keys []string
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

func num(n json.Number) int64 { v, _ := strconv.ParseInt(string(n), 10, 64); return v }

func (c *conformance) officialSV(name string, raw []byte, oc *officialCase) (string, string) {
	fp := oc.Rounds[0].FirstPreferences
	keys := orderedKeys(raw, "rounds", 0, "first_preferences")
	byVotes := slices.Clone(keys)
	sort.SliceStable(byVotes, func(i, j int) bool { return num(fp[byVotes[i]]) > num(fp[byVotes[j]]) })
	top := byVotes[:min(2, len(byVotes))]
	need := map[string]int64{}
	var totals map[string]json.Number
	if len(oc.Rounds) > 1 {
		for k, v := range oc.Rounds[1].Transfers {
			need[k] = num(v)
		}
		totals = oc.Rounds[1].Totals
	}
	path := filepath.Join(c.tmp, name+".csv")
	fh, err := os.Create(path)
	if err != nil {
		return "FAIL", err.Error()
	}
	w := csv.NewWriter(fh)
	w.Write([]string{"first", "second", "count"})
	for _, k := range keys {
		n := num(fp[k])
		if !slices.Contains(top, k) {
			for _, t := range top {
				if take := min(n, need[t]); take > 0 {
					w.Write([]string{k, t, count.Itoa(take)})
					need[t] -= take
					n -= take
				}
			}
		}
		if n > 0 {
			w.Write([]string{k, "", count.Itoa(n)})
		}
	}
	w.Flush()
	fh.Close()
	var res *count.Result
	if err := try(func() (err error) {
		res, err = countFile(&countArgs{method: "sv", format: "sv-pairs", file: path})
		return err
	}); err != nil {
		return "FAIL", err.Error()
	}
	if len(res.Elected) == 0 || res.Elected[0] != oc.Winner {
		return "FAIL", fmt.Sprintf("elected %v, declared %s", res.Elected, oc.Winner)
	}
	last := res.Rounds[len(res.Rounds)-1].Tally
	for k, v := range totals {
		if !sameDecimal(last[k], string(v)) {
			return "FAIL", fmt.Sprintf("%s: %s, declared %s", k, last[k], v)
		}
	}
	return "pass", ""
}

func (c *conformance) officialAMS(name string, raw []byte, oc *officialCase) (string, string) {
	path := filepath.Join(c.tmp, name+".csv")
	fh, err := os.Create(path)
	if err != nil {
		return "FAIL", err.Error()
	}
	w := csv.NewWriter(fh)
	w.Write([]string{"party", "list_votes", "constituency_seats"})
	for _, p := range orderedKeys(raw, "london_wide_votes") {
		w.Write([]string{p, string(oc.LondonVotes[p]), strconv.Itoa(oc.ConstituencyWon[p])})
	}
	w.Flush()
	fh.Close()
	var res *count.Result
	if err := try(func() (err error) {
		res, err = countFile(&countArgs{method: "ams", format: "ams-csv", seats: oc.ListSeats, threshold: "5", file: path})
		return err
	}); err != nil {
		return "FAIL", err.Error()
	}
	got := map[string]int{}
	for k, v := range res.PartySeats {
		if v != 0 {
			got[k] = v
		}
	}
	want := map[string]int{}
	for k, v := range oc.OfficialSeats {
		if v != 0 {
			want[k] = v
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return "FAIL", fmt.Sprintf("seats %v, declared %v", got, want)
	}
	return "pass", ""
}

func sameDecimal(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// canonName compares BLT names with quotes removed and white space collapsed.
func canonName(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, `"`, "")), " ")
}

// bltNames reads the candidate name lines of a BLT file (after the ballots' closing 0).
func bltNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if len(lines) == 0 {
		return nil, errors.New("empty BLT file")
	}
	fields := strings.Fields(lines[0])
	if len(fields) == 0 {
		return nil, errors.New("no candidate count")
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil {
		return nil, err
	}
	i := 1
	for i < len(lines) && lines[i] != "0" {
		i++
	}
	var names []string
	for _, l := range lines[min(i+1, len(lines)):] {
		if l != "" && len(names) < n {
			names = append(names, canonName(l))
		}
	}
	return names, nil
}

func position(name string, names []string) int {
	c := canonName(name)
	var hits []int
	for k, raw := range names {
		if raw == c {
			hits = append(hits, k)
		}
	}
	if len(hits) == 0 {
		for k, raw := range names {
			if c != "" && (strings.HasPrefix(raw, c) || strings.HasPrefix(c, raw)) {
				hits = append(hits, k)
			}
		}
	}
	if len(hits) == 1 {
		return hits[0] + 1
	}
	return 0
}

var droopFinal = regexp.MustCompile(`(Elected|Defeated|Hopeful):\s+(.*) \(([0-9.]+)\)`)

// countBLT counts a BLT file with a registered method, or says why it cannot here.
func countBLT(path, method string) (*count.Result, string, error) {
	return countBLTOrdered(path, method, false)
}

// countBLTOrdered counts a BLT file; with droopOrder, ties no stage separates go
// by candidate order when the file gives no [tie] order, as Droop's do.
func countBLTOrdered(path, method string, droopOrder bool) (*count.Result, string, error) {
	m, ok := count.LookupRanked(method)
	if parseBLT == nil || !ok {
		what := "BLT parser"
		if parseBLT != nil {
			what = "method " + method
		}
		return nil, what + " not built in", nil
	}
	var res *count.Result
	err := try(func() error {
		e, err := parseBLT(path)
		if err != nil {
			return err
		}
		var o count.Options
		if droopOrder && e.TieOrder == nil {
			for i := range e.Candidates {
				o.TieOrder = append(o.TieOrder, i)
			}
		}
		res, err = m(e, o)
		return err
	})
	if err != nil && strings.Contains(err.Error(), "[undeclared]") {
		return nil, "Minneapolis undeclared write-ins ([undeclared]) are not part of the election form", nil
	}
	return res, "", err
}

// scotland counts every Scottish ward in scotland/ that droop-scotland/ has a report for.
func (c *conformance) scotland() {
	sdir, ddir := filepath.Join(c.dir, "scotland"), filepath.Join(c.dir, "droop-scotland")
	reports, _ := filepath.Glob(filepath.Join(ddir, "*.txt"))
	sort.Strings(reports)
	exact, total := 0, 0
	for _, rp := range reports {
		name := strings.TrimSuffix(filepath.Base(rp), ".txt")
		raw, err := os.ReadFile(rp)
		blt := filepath.Join(sdir, name+".blt")
		if err != nil || !strings.Contains(string(raw), "Count Complete") {
			continue
		}
		if _, err := os.Stat(blt); err != nil {
			continue
		}
		tail := string(raw)[strings.LastIndex(string(raw), "Count Complete"):]
		final := map[int]string{}
		elected := map[int]bool{}
		for _, m := range droopFinal.FindAllStringSubmatch(tail, -1) {
			for _, who := range strings.Split(m[2], ", ") {
				k, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(who), "C"))
				final[k] = m[3]
				if m[1] == "Elected" {
					elected[k] = true
				}
			}
		}
		c.irvWard(name, blt, elected)
		res, unsup, err := countBLT(blt, "stv-scottish")
		switch {
		case unsup != "":
			c.add("scotland", name, "unsupported", unsup)
			continue
		case err != nil:
			c.add("scotland", name, "FAIL", err.Error())
			continue
		}
		total++
		names, err := bltNames(blt)
		if err != nil {
			c.add("scotland", name, "FAIL", err.Error())
			continue
		}
		got := map[int]bool{}
		for _, n := range res.Elected {
			got[position(n, names)] = true
		}
		if fmt.Sprint(got) != fmt.Sprint(elected) {
			c.add("scotland", name, "FAIL", fmt.Sprintf("elected %v, Droop %v", keysOf(got), keysOf(elected)))
			continue
		}
		c.add("scotland", name, "pass", "")
		last := map[int]string{}
		if len(res.Rounds) > 0 {
			for k, v := range res.Rounds[len(res.Rounds)-1].Tally {
				last[position(k, names)] = v
			}
		}
		ok := true
		for k, v := range final {
			lv := last[k]
			if lv == "" {
				lv = "0"
			}
			if !sameDecimal(lv, v) {
				ok = false
			}
		}
		if ok {
			exact++
		}
	}
	if total > 0 {
		c.extra["scotland final votes exact (informational)"] = [2]int{exact, total}
	}
}

// irvWard also counts a one-seat ward by IRV, which must elect Droop's STV winner.
func (c *conformance) irvWard(name, blt string, elected map[int]bool) {
	head, err := os.ReadFile(blt)
	var cands, seats int
	if err != nil {
		return
	}
	if _, err := fmt.Sscan(string(head), &cands, &seats); err != nil || seats != 1 {
		return
	}
	res, unsup, err := countBLT(blt, "irv")
	switch {
	case unsup != "":
		c.add("scotland-irv", name, "unsupported", unsup)
		return
	case err != nil:
		c.add("scotland-irv", name, "FAIL", err.Error())
		return
	}
	names, err := bltNames(blt)
	if err != nil {
		c.add("scotland-irv", name, "FAIL", err.Error())
		return
	}
	if len(res.Elected) != 1 || !elected[position(res.Elected[0], names)] {
		c.add("scotland-irv", name, "FAIL", fmt.Sprintf("elected %v, Droop %v", res.Elected, keysOf(elected)))
		return
	}
	c.add("scotland-irv", name, "pass", "")
}

func keysOf(m map[int]bool) []int {
	var k []int
	for x := range m {
		k = append(k, x)
	}
	sort.Ints(k)
	return k
}

// droopRules maps Droop's rule names (in its report file names) to rulebook methods.
// Each method's default arithmetic is the one the report's name gives.
var droopRules = map[string]string{
	"scotland-fixed-p5-d5":         "stv-scottish",
	"meek-o9-guarded-p18-g9-d18":   "stv-meek",
	"meek-prf-o6-fixed-p9-d9":      "stv-meek-prf",
	"wigm-guarded-p18-g9-d18":      "stv-wigm",
	"wigm-prf-fixed-p4-d4":         "stv-wigm-prf",
	"wigm-prf-batch-fixed-p4-d4":   "stv-wigm-prf-batch",
	"warren-o9-guarded-p18-g9-d18": "stv-warren",
	"cfer-fixed-p5-d5":             "stv-cfer",
	"cfer-batch-fixed-p5-d5":       "stv-cfer-batch",
	"qpq-guarded-p9-g9-d9":         "stv-qpq",
	"mpls-fixed-p4-d4":             "stv-mpls",
}

var droopElected = regexp.MustCompile(`(?m)^\s*Elected:\s+(.*) \([0-9.]+\)\s*$`)

// droop compares elected sets with Droop's reference reports for the rules rulebook has.
func (c *conformance) droop() {
	root := filepath.Join(c.dir, "droop")
	repRoot := filepath.Join(root, "ref", "report")
	filepath.WalkDir(repRoot, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txt") {
			return nil
		}
		rel, _ := filepath.Rel(repRoot, p)
		base := strings.TrimSuffix(filepath.Base(rel), ".txt")
		for rule, method := range droopRules {
			if !strings.HasSuffix(base, "-"+rule) {
				continue
			}
			stem := strings.TrimSuffix(base, "-"+rule)
			blt := filepath.Join(root, "blt", filepath.Dir(rel), stem+".blt")
			if _, err := os.Stat(blt); err != nil {
				return nil // e.g. a second seat count of the same file
			}
			name := filepath.ToSlash(filepath.Join(filepath.Dir(rel), stem)) + " " + method
			raw, _ := os.ReadFile(p)
			txt := string(raw)
			i := strings.LastIndex(txt, "Count Complete")
			if i < 0 {
				return nil
			}
			want := map[string]bool{}
			for _, m := range droopElected.FindAllStringSubmatch(txt[i:], -1) {
				want[canonName(m[1])] = true
			}
			res, unsup, err := countBLTOrdered(blt, method, true)
			switch {
			case unsup != "":
				c.add("droop", name, "unsupported", unsup)
			case err != nil:
				c.add("droop", name, "FAIL", err.Error())
			default:
				got := map[string]bool{}
				for _, n := range res.Elected {
					got[canonName(n)] = true
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					c.add("droop", name, "FAIL", fmt.Sprintf("elected %v, Droop %v", res.Elected, slices.Sorted(func(y func(string) bool) {
						for k := range want {
							if !y(k) {
								return
							}
						}
					})))
				} else {
					c.add("droop", name, "pass", "")
				}
			}
		}
		return nil
	})
}

// missingInputs names the first cast-vote-record source of an RCTab config that is
// absent (a file that does not exist, or a Dominion folder without its exports).
func missingInputs(cfg string) string {
	raw, err := os.ReadFile(cfg)
	if err != nil {
		return ""
	}
	var c struct {
		Sources []struct {
			FilePath string `json:"filePath"`
			Provider string `json:"provider"`
		} `json:"cvrFileSources"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return ""
	}
	for _, s := range c.Sources {
		p := s.FilePath
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(cfg), p)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return s.FilePath
		}
		if fi.IsDir() && strings.Contains(strings.ToLower(s.Provider), "dominion") {
			if m, _ := filepath.Glob(filepath.Join(p, "CvrExport*.json")); len(m) == 0 {
				return s.FilePath + " (no CvrExport*.json)"
			}
		}
	}
	return ""
}
