package stv

import (
	"bufio"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
)

// droopDump is Droop's tab-separated dump of a count: for each round, the state
// after its last action, and the final state.
type droopDump struct {
	names  []string
	rounds []map[string]droopCand // by round number: state after the round's last action
	// decisions holds, by round, the state at the round's first action after
	// its iteration (Meek): Droop logs a batch of exclusions one by one,
	// recounting between them, so the last action is not the decision.
	decisions []map[string]droopCand
	final     map[string]droopCand
}

type droopCand struct {
	state string // H hopeful, E/e elected, D/d defeated, W withdrawn
	vote  string
}

func readDroopDump(path string) (*droopDump, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	d := &droopDump{}
	first, width := -1, 3
	for sc.Scan() {
		row := strings.Split(sc.Text(), "\t")
		if row[0] == "R" {
			for i, h := range row {
				if strings.HasSuffix(h, ".name") && first < 0 {
					first = i
				}
				if strings.HasSuffix(h, ".kf") {
					width = 4
				}
			}
			if first < 0 {
				return nil, fmt.Errorf("%s: no candidate columns", path)
			}
			continue
		}
		if len(row) < 2 || row[1] == "log" || row[1] == "round" {
			continue
		}
		// Old dumps (no Action column) start candidate columns one earlier; the header tells.
		st := map[string]droopCand{}
		var names []string
		for i := first; i+2 < len(row); i += width {
			name := strings.Join(strings.Fields(row[i]), " ") // as our BLT reader gives names
			st[name] = droopCand{state: row[i+1], vote: row[i+2]}
			names = append(names, name)
		}
		d.names = names
		if row[0] == "X" || row[0] == "F" {
			d.final = st
			continue
		}
		r, err := strconv.Atoi(row[0])
		if err != nil {
			return nil, fmt.Errorf("%s: bad round %q", path, row[0])
		}
		for len(d.rounds) <= r {
			d.rounds = append(d.rounds, nil)
			d.decisions = append(d.decisions, nil)
		}
		d.rounds[r] = st
		if d.decisions[r] == nil && row[1] != "iterate" && row[1] != "tie" {
			d.decisions[r] = st
		}
	}
	if d.final == nil && len(d.rounds) > 0 {
		d.final = d.rounds[len(d.rounds)-1]
	}
	return d, sc.Err()
}

func ratOf(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil
	}
	return r
}

// compareDump checks a result against Droop's dump: every round's votes for the
// candidates Droop still counts, and the elected set.
func compareDump(r *count.Result, d *droopDump, atDecision, skipFirst bool) error {
	rounds := d.rounds
	if atDecision {
		rounds = d.decisions
	}
	if len(rounds) > 0 && (rounds[0] == nil || skipFirst) {
		rounds = rounds[1:] // older Droop rules number the first count round 1
	}
	for k, st := range rounds {
		if st == nil {
			continue
		}
		if k >= len(r.Rounds) {
			return fmt.Errorf("Droop has round %d, we stop after %d rounds", k, len(r.Rounds))
		}
		tally := r.Rounds[k].Tally
		for name, c := range st {
			if c.state != "H" && c.state != "E" && c.state != "e" {
				continue // Droop shows a defeated candidate's votes until they move
			}
			got, ok := tally[name]
			if !ok {
				got = "0"
			}
			a, b := ratOf(got), ratOf(c.vote)
			if a == nil || b == nil || a.Cmp(b) != 0 {
				return fmt.Errorf("round %d (%s): %s has %s, Droop %s", k, r.Rounds[k].Action, name, got, c.vote)
			}
		}
	}
	if len(r.Rounds) > len(rounds) {
		return fmt.Errorf("we have %d rounds, Droop %d", len(r.Rounds), len(rounds))
	}
	var want, got []string
	for name, c := range d.final {
		if c.state == "E" || c.state == "e" {
			want = append(want, name)
		}
	}
	got = append(got, r.Elected...)
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "|") != strings.Join(got, "|") {
		return fmt.Errorf("elected %q, Droop %q", got, want)
	}
	return nil
}

// refCase is one Droop reference: its ballot file, dump, and our rule for it.
type refCase struct {
	blt, dump string
	rule      string // "scotland", "wigm", "meek"
	variant   string // the arithmetic part of the name, e.g. "fixed-p5-d5"
}

// droopRefCases lists the references under dir (a copy of Droop's test folder,
// blt/ and ref/dump/) for the rules we implement.
func droopRefCases(t *testing.T, dir string) []refCase {
	var cases []refCase
	err := filepath.Walk(filepath.Join(dir, "ref", "dump"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "ref", "dump"), path)
		sub, base := filepath.Split(rel)
		base = strings.TrimSuffix(base, ".txt")
		for _, rule := range []string{"scotland", "wigm", "meek", "warren", "mpls", "cfer", "qpq"} {
			i := strings.Index(base, "-"+rule+"-")
			if i < 0 {
				continue
			}
			stem, variant := base[:i], base[i+len(rule)+2:]
			if rule == "meek" && strings.HasPrefix(variant, "prf-") {
				rule, variant = "meek-prf", variant[4:]
			}
			if rule == "wigm" && strings.HasPrefix(variant, "prf-") {
				rule, variant = "wigm-prf", variant[4:]
			}
			cases = append(cases, refCase{
				blt:     filepath.Join(dir, "blt", sub, stem+".blt"),
				dump:    path,
				rule:    rule,
				variant: variant,
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func runRef(t *testing.T, c refCase) error {
	e, x, err := blt.ParseFileExtra(c.blt)
	if err != nil && strings.Contains(err.Error(), "[undeclared]") {
		return errSkip // Minneapolis undeclared write-ins: not in our Election form
	}
	if err != nil {
		return err
	}
	cfg := Config{TieOrder: x.TieOrder}
	if cfg.TieOrder == nil { // Droop's default: candidate order
		for i := range e.Candidates {
			cfg.TieOrder = append(cfg.TieOrder, i)
		}
	}
	var r *count.Result
	switch c.rule {
	case "scotland":
		r, err = Scottish(e, count.Options{}, cfg)
	case "meek-prf":
		r, err = MeekPRF(e, count.Options{}, cfg)
	case "wigm-prf":
		r, err = WIGMPRF(e, count.Options{}, cfg, strings.HasPrefix(c.variant, "batch-"))
	case "wigm":
		cfg.Arithmetic, err = variantArithmetic(c.variant)
		if err == nil {
			r, err = WIGM(e, count.Options{}, cfg)
		}
	case "mpls":
		r, err = Minneapolis(e, count.Options{}, cfg)
	case "qpq":
		r, err = QPQ(e, count.Options{}, cfg)
	case "cfer":
		r, err = CfER(e, count.Options{}, cfg, strings.HasPrefix(c.variant, "batch-"))
	case "meek", "warren":
		cfg.Arithmetic, err = variantArithmetic(c.variant)
		if err == nil && c.rule == "meek" {
			r, err = Meek(e, count.Options{}, cfg)
		} else if err == nil {
			r, err = Warren(e, count.Options{}, cfg)
		}
	default:
		return errSkip
	}
	if err != nil {
		return err
	}
	d, err := readDroopDump(c.dump)
	if err != nil {
		return err
	}
	// QPQ's round 0 only shows the initial quota; our first round is its round 1.
	return compareDump(r, d, c.rule == "meek" || c.rule == "warren" || c.rule == "meek-prf", c.rule == "qpq")
}

// variantArithmetic reads Droop's arithmetic tag, e.g. "rational-d12" or
// "guarded-p18-g9-d18" (an "o9-" omega prefix is read by meekOmega).
func variantArithmetic(v string) (Arithmetic, error) {
	var a Arithmetic
	for _, part := range strings.Split(v, "-") {
		switch {
		case part == "rational":
			a.Rational = true
		case part == "guarded":
		case strings.HasPrefix(part, "p"):
			a.Precision, _ = strconv.Atoi(part[1:])
		case strings.HasPrefix(part, "g"):
			a.Guard, _ = strconv.Atoi(part[1:])
		case strings.HasPrefix(part, "d"):
			a.Display, _ = strconv.Atoi(part[1:])
		case strings.HasPrefix(part, "o"):
		default:
			return a, fmt.Errorf("arithmetic %q not supported", v)
		}
	}
	return a, nil
}

var errSkip = fmt.Errorf("rule not implemented")

func testDroopRefs(t *testing.T, dir string) {
	cases := droopRefCases(t, dir)
	pass := map[string]int{}
	total := map[string]int{}
	skipped := map[string]int{}
	for _, c := range cases {
		key := c.rule + "-" + c.variant
		total[key]++
		err := runRef(t, c)
		if err == errSkip {
			skipped[key]++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(c.dump), err)
			continue
		}
		pass[key]++
	}
	var keys []string
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg := fmt.Sprintf("%-32s %d/%d", k, pass[k], total[k]-skipped[k])
		if skipped[k] > 0 {
			msg += fmt.Sprintf(" (%d not supported)", skipped[k])
		}
		t.Log(msg)
	}
}

// TestDroopRefsShared walks every Droop reference in ../shared for our rules.
func TestDroopRefsShared(t *testing.T) {
	d := filepath.Join(sharedBallots(t), "droop")
	testDroopRefs(t, d)
}

// TestDroopRefsLocal checks the references copied into testdata, which always run.
func TestDroopRefsLocal(t *testing.T) {
	d := filepath.Join("testdata", "droop")
	if n := len(droopRefCases(t, d)); n < 20 {
		t.Fatalf("only %d references in testdata", n)
	}
	testDroopRefs(t, d)
}
