package rctab

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"
)

var filepathGlob = filepath.Glob

// syntheticConfig is a config for property tests, built without files.
func syntheticConfig(n, seats int, mode, ov string, skip int) *Config {
	c := &Config{ContestName: "prop", TiebreakMode: tieRandom, OvervoteRule: ov, Mode: mode,
		NumberOfWinners: seats, DecimalPlaces: 4, MaxSkippedRanks: skip, MaxRankings: n, aliasToName: map[string]string{}}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("C%d", i)
		c.Candidates = append(c.Candidates, Candidate{Name: name})
		c.aliasToName[name] = name
	}
	return c
}

func drawBallots(t *rapid.T, n int) [][][]int32 {
	var out [][][]int32
	for i, k := 0, rapid.IntRange(1, 40).Draw(t, "nballots"); i < k; i++ {
		var b [][]int32
		for r, m := 0, rapid.IntRange(0, n).Draw(t, "len"); r < m; r++ {
			var at []int32
			for j, w := 0, rapid.IntRange(0, 2).Draw(t, "width"); j < w; j++ {
				at = append(at, int32(rapid.IntRange(0, n-1).Draw(t, "cand")))
			}
			b = append(b, at)
		}
		out = append(out, b)
	}
	return out
}

// Counting identical rankings together must give exactly the reports that counting
// every paper separately (in any order) gives: this is what lets the readers merge them.
func TestGroupingIsInvisible(t *testing.T) {
	compared, failed := 0, 0
	defer func() {
		// the property must be about real counts, not mostly errors
		if compared < 3*failed {
			t.Errorf("only %d counts compared, %d failed", compared, failed)
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 5).Draw(t, "candidates")
		modes := []struct {
			mode  string
			seats int
		}{{modeSingle, 1}, {modeMultiplePerRnd, 2}, {modeOnlyOnePerRnd, 2}, {modeBottomsUp, 2}, {modeBottomsUpPct, 0}}
		m := modes[rapid.IntRange(0, len(modes)-1).Draw(t, "mode")]
		ov := []string{ovSkip, ovExhaust, ovExhaustIfMultipe}[rapid.IntRange(0, 2).Draw(t, "ov")]
		cfg := syntheticConfig(n, m.seats, m.mode, ov, rapid.IntRange(-1, 2).Draw(t, "skip"))
		cfg.BatchElimination = m.seats == 1 && rapid.Bool().Draw(t, "batch")
		cfg.ContinueUntilTwo = m.seats == 1 && rapid.Bool().Draw(t, "until2")
		cfg.ExhaustOnDuplicate = rapid.Bool().Draw(t, "dup")
		if m.mode == modeBottomsUpPct {
			cfg.BottomsUpPercent = Dec{u: int64(rapid.IntRange(1, 60).Draw(t, "pct")), s: 2}
			cfg.CutoffElimination = rapid.Bool().Draw(t, "cutoff")
		}
		raw := drawBallots(t, n)
		groups := map[string]*Ballot{}
		var grouped, single []*Ballot
		for _, r := range raw {
			key := fmt.Sprint(r)
			if g, ok := groups[key]; ok {
				g.Weight++
			} else {
				g = &Ballot{Ranks: r, Weight: 1}
				groups[key] = g
				grouped = append(grouped, g)
			}
			single = append(single, &Ballot{Ranks: r, Weight: 1})
		}
		perm := rapid.Permutation(single).Draw(t, "order")
		a, errA := tabulate(cfg, grouped, m.seats, nil)
		b, errB := tabulate(cfg, perm, m.seats, nil)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("errors differ: %v / %v", errA, errB)
		}
		if errA != nil {
			failed++
			return
		}
		compared++
		if !bytes.Equal(a.DetailedJSON(), b.DetailedJSON()) || !bytes.Equal(a.DetailedCSV(), b.DetailedCSV()) {
			t.Fatalf("grouped and single counts differ")
		}
		// every ballot is somewhere in every round: counted, inactive or locked in
		total := DecInt(int64(len(raw)))
		for _, rt := range a.rounds {
			sum := rt.activeAndLockedIn().Add(rt.inactiveSum()).Add(a.residual[rt.round-1])
			if sum.Cmp(total) != 0 {
				t.Fatalf("round %d accounts for %s of %s ballots", rt.round, sum, total)
			}
		}
	})
}
