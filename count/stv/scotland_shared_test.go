package stv

import (
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
)

// sharedBallots finds the reference data beside the repository (CI: ../shared).
func sharedBallots(t testing.TB) string {
	d := filepath.Join("..", "..", "..", "shared", "ballots")
	if _, err := os.Stat(d); err != nil {
		t.Skip("reference data ../shared/ballots not present")
	}
	return d
}

var droopFinal = regexp.MustCompile(`(Elected|Defeated|Hopeful):\s+(.*) \(([0-9.]+)\)`)

// droopScotlandFinal reads the final state of a droop-scotland report, whose
// candidates are named C1..Cn: elected positions (0-based) and every listed vote.
func droopScotlandFinal(t *testing.T, path string) (elected map[int]bool, final map[int]string, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	txt := string(data)
	i := strings.LastIndex(txt, "Count Complete")
	if i < 0 {
		return nil, nil, false
	}
	elected, final = map[int]bool{}, map[int]string{}
	for _, m := range droopFinal.FindAllStringSubmatch(txt[i:], -1) {
		for _, c := range strings.Split(m[2], ", ") {
			k, err := strconv.Atoi(strings.TrimPrefix(c, "C"))
			if err != nil {
				t.Fatalf("%s: bad candidate %q", path, c)
			}
			final[k-1] = m[3]
			if m[1] == "Elected" {
				elected[k-1] = true
			}
		}
	}
	return elected, final, true
}

// checkFinal compares a result with Droop's final state, by candidate position.
func checkFinal(t *testing.T, name string, e *count.Election, r *count.Result, elected map[int]bool, final map[int]string) bool {
	pos := map[string]int{}
	for i, c := range e.Candidates {
		pos[c] = i
	}
	got := map[int]bool{}
	for _, c := range r.Elected {
		got[pos[c]] = true
	}
	good := len(got) == len(elected)
	for k := range elected {
		good = good && got[k]
	}
	if !good {
		t.Errorf("%s: elected %v, Droop elected %v", name, got, elected)
		return false
	}
	last := r.Rounds[len(r.Rounds)-1].Tally
	for k, want := range final {
		g, ok := last[e.Candidates[k]]
		if !ok {
			g = "0"
		}
		a, _ := new(big.Rat).SetString(g)
		b, _ := new(big.Rat).SetString(want)
		if a == nil || b == nil || a.Cmp(b) != 0 {
			t.Errorf("%s: final votes of %s (C%d) %s, Droop %s", name, e.Candidates[k], k+1, g, want)
			return false
		}
	}
	return true
}

// TestScotlandWards counts every Scottish ward and compares the elected set and
// final votes (5 dp) with Droop's count.
func TestScotlandWards(t *testing.T) {
	d := sharedBallots(t)
	pass, total := scotlandWards(t, filepath.Join(d, "droop-scotland"), filepath.Join(d, "scotland"))
	if total < 378 {
		t.Errorf("only %d Droop reports found", total)
	}
	t.Logf("Scottish wards matching Droop (elected and final votes): %d/%d", pass, total)
}

// TestScotlandWardsLocal checks the few wards copied into testdata.
func TestScotlandWardsLocal(t *testing.T) {
	d := filepath.Join("testdata", "scotland")
	pass, total := scotlandWards(t, d, d)
	if total < 4 || pass != total {
		t.Errorf("%d/%d wards match", pass, total)
	}
}

func scotlandWards(t *testing.T, reports, ballots string) (pass, total int) {
	files, _ := filepath.Glob(filepath.Join(reports, "*.txt"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		elected, final, ok := droopScotlandFinal(t, f)
		if !ok {
			continue
		}
		total++
		e, err := blt.ParseFile(filepath.Join(ballots, name+".blt"))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		r, err := Scottish(e, count.Options{}, Config{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if checkFinal(t, name, e, r, elected, final) {
			pass++
		}
	}
	return pass, total
}

var (
	droopRoundLine = regexp.MustCompile(`^Round (\d+):`)
	droopCandLine  = regexp.MustCompile(`^\t(Elected|Pending|Hopeful|Defeated):\s+(.*) \(([0-9.]+)\)$`)
	droopNTLine    = regexp.MustCompile(`^\tNontransferable votes: ([0-9.]+)$`)
)

// droopScotlandStages reads, for each round of a droop-scotland report, the
// votes of the candidates still counted after the round's last action and the
// non-transferable total, by 0-based candidate position.
func droopScotlandStages(t *testing.T, path string) (stages []map[int]string, nt []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cur map[int]string
	var curNT string
	flush := func() {
		if cur != nil {
			stages = append(stages, cur)
			nt = append(nt, curNT)
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if droopRoundLine.MatchString(line) || strings.HasPrefix(line, "Action: Count Complete") {
			flush()
			cur = nil
			continue
		}
		if strings.HasPrefix(line, "Action:") {
			cur = map[int]string{}
			continue
		}
		if m := droopNTLine.FindStringSubmatch(line); m != nil {
			curNT = m[1]
		}
		m := droopCandLine.FindStringSubmatch(line)
		if m == nil || cur == nil || m[1] == "Defeated" {
			continue
		}
		for _, c := range strings.Split(m[2], ", ") {
			k, err := strconv.Atoi(strings.TrimPrefix(c, "C"))
			if err != nil {
				t.Fatalf("%s: bad candidate %q", path, c)
			}
			cur[k-1] = m[3]
		}
	}
	return stages, nt
}

// TestScotlandWardStages compares every stage of every Scottish ward with
// Droop's report: each continuing or elected candidate's votes and the
// non-transferable total, to 5 decimal places.
func TestScotlandWardStages(t *testing.T) {
	d := sharedBallots(t)
	pass, total, stages := scotlandStages(t, filepath.Join(d, "droop-scotland"), filepath.Join(d, "scotland"))
	t.Logf("Scottish wards matching Droop at every stage: %d/%d (%d stages)", pass, total, stages)
	if total < 378 {
		t.Errorf("only %d Droop reports", total)
	}
}

func TestScotlandWardStagesLocal(t *testing.T) {
	d := filepath.Join("testdata", "scotland")
	if pass, total, _ := scotlandStages(t, d, d); total < 4 || pass != total {
		t.Errorf("%d/%d wards match at every stage", pass, total)
	}
}

func scotlandStages(t *testing.T, reports, ballots string) (pass, total, stagesChecked int) {
	files, _ := filepath.Glob(filepath.Join(reports, "*.txt"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		stages, nt := droopScotlandStages(t, f)
		if len(stages) == 0 {
			continue
		}
		total++
		e, err := blt.ParseFile(filepath.Join(ballots, name+".blt"))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		r, err := Scottish(e, count.Options{}, Config{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(r.Rounds) != len(stages) {
			t.Errorf("%s: %d stages, Droop %d", name, len(r.Rounds), len(stages))
			continue
		}
		good := true
		for k, st := range stages {
			for c, want := range st {
				if got := r.Rounds[k].Tally[e.Candidates[c]]; got != want {
					t.Errorf("%s stage %d: %s has %q, Droop %s", name, k+1, e.Candidates[c], got, want)
					good = false
				}
			}
			if r.Rounds[k].Exhausted != nt[k] {
				t.Errorf("%s stage %d: non-transferable %s, Droop %s", name, k+1, r.Rounds[k].Exhausted, nt[k])
				good = false
			}
			stagesChecked++
		}
		if good {
			pass++
		}
	}
	return pass, total, stagesChecked
}
