package irv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
)

// readSimpleBLT reads the plain BLT dialect of the Scottish files (test-only: the BLT
// parser proper is count/blt): "n seats", optional "-k" withdrawals, "weight prefs... 0"
// lines, "0", then n names and a title.
func readSimpleBLT(path string) (*count.Election, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	var n, seats int
	if _, err := fmt.Sscan(lines[0], &n, &seats); err != nil {
		return nil, fmt.Errorf("%s: header: %v", path, err)
	}
	e := &count.Election{Seats: seats}
	i := 1
	for ; lines[i] != "0"; i++ {
		fs := strings.Fields(lines[i])
		if strings.HasPrefix(fs[0], "-") {
			e.Withdrawn = make([]bool, n)
			for _, x := range fs {
				k, _ := strconv.Atoi(x)
				e.Withdrawn[-k-1] = true
			}
			continue
		}
		w, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		b := count.Ballot{Weight: w}
		for _, x := range fs[1 : len(fs)-1] {
			c, err := strconv.Atoi(x)
			if err != nil || c < 1 || c > n {
				return nil, fmt.Errorf("%s:%d: preference %q", path, i+1, x)
			}
			b.Ranks = append(b.Ranks, []int{c - 1})
		}
		e.Ballots = append(e.Ballots, b)
	}
	for k := range n {
		e.Candidates = append(e.Candidates, "C"+strconv.Itoa(k+1)) // Droop's renaming
	}
	return e, nil
}

var (
	droopDefeat  = regexp.MustCompile(`Action: Defeat low candidate: (C[0-9]+)`)
	droopElected = regexp.MustCompile(`Elected:\s+(C[0-9]+) \(`)
)

// checkScottish counts a one-seat ward by IRV and compares with Droop's Scottish STV
// count: the same winner, and the same exclusions in the same order for as long as the
// IRV count runs (STV goes on excluding until one candidate is left).
func checkScottish(t *testing.T, blt, report string) {
	t.Helper()
	e, err := readSimpleBLT(blt)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	txt := string(raw)
	tail := txt[strings.LastIndex(txt, "Count Complete"):]
	won := droopElected.FindStringSubmatch(tail)
	var defeated []string
	for _, m := range droopDefeat.FindAllStringSubmatch(txt, -1) {
		defeated = append(defeated, m[1])
	}
	for name, f := range map[string]count.RankedMethod{"fast": Count, "general": CountGeneral} {
		r, err := f(e, count.Options{})
		if err != nil {
			t.Fatalf("%s: %v", blt, err)
		}
		if r.Elected[0] != won[1] {
			t.Errorf("%s (%s): elected %s, Droop %s", filepath.Base(blt), name, r.Elected[0], won[1])
		}
		var excluded []string
		for _, rd := range r.Rounds {
			excluded = append(excluded, rd.Eliminated...)
		}
		if len(excluded) > len(defeated) || strings.Join(excluded, " ") != strings.Join(defeated[:len(excluded)], " ") {
			t.Errorf("%s (%s): excluded %v, Droop %v", filepath.Base(blt), name, excluded, defeated)
		}
		if len(r.TieBreaks) > 0 {
			t.Logf("%s: tie broken by lot: %+v", filepath.Base(blt), r.TieBreaks)
		}
	}
}

func TestScottishByElections(t *testing.T) {
	files, _ := filepath.Glob("testdata/scotland/*.blt")
	if len(files) != 3 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		checkScottish(t, f, strings.TrimSuffix(f, ".blt")+".txt")
	}
}

// Every one-seat ward in ../shared/ballots/scotland, when present.
func TestScottishByElectionsShared(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "ballots")
	files, _ := filepath.Glob(filepath.Join(dir, "scotland", "*.blt"))
	if len(files) == 0 {
		t.Skip("../shared/ballots not present")
	}
	n := 0
	for _, f := range files {
		head, _ := os.ReadFile(f)
		var cands, seats int
		if _, err := fmt.Sscan(string(head), &cands, &seats); err != nil || seats != 1 {
			continue
		}
		rep := filepath.Join(dir, "droop-scotland", strings.TrimSuffix(filepath.Base(f), ".blt")+".txt")
		if raw, err := os.ReadFile(rep); err != nil || !strings.Contains(string(raw), "Count Complete") {
			continue
		}
		checkScottish(t, f, rep)
		n++
	}
	t.Logf("%d one-seat wards", n)
}
