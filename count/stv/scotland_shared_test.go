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
