// Package sv counts the supplementary vote, used for the Mayor of London until 2021 and
// for other English and Welsh mayors and police and crime commissioners: each voter marks
// a first and (optionally) a second choice.
//
// A candidate with more than half of the valid first-preference votes is elected. If
// none has, the two candidates with the most first preferences remain and all others are
// eliminated at once; the second preferences on papers whose first choice was eliminated
// are added to the two remaining candidates; the one with more votes wins.
package sv

import (
	"fmt"
	"io"
	"slices"

	"github.com/rulebook/rulebook/count"
)

// Pair is a number of ballot papers with the same first and second choices.
// Second is "" when the paper has no (valid) second choice.
type Pair struct {
	First, Second string
	Count         int64
}

// Ballots are the papers of an SV election, aggregated by (first, second).
type Ballots struct {
	Title string
	// Candidates in input order; every First and Second is among them.
	Candidates []string
	Pairs      []Pair
}

// Count counts SV ballots. Equalities (for a place in the top two, or in the final
// tally) are settled by lot drawn from seed and recorded in the result.
func Count(b *Ballots, seed int64) (*count.Result, error) {
	idx := map[string]int{}
	for i, c := range b.Candidates {
		if c == "" {
			return nil, fmt.Errorf("sv: a candidate has no name")
		}
		if _, dup := idx[c]; dup {
			return nil, fmt.Errorf("sv: candidate %q listed twice", c)
		}
		idx[c] = i
	}
	if len(b.Candidates) < 2 {
		return nil, fmt.Errorf("sv: %d candidate(s): need at least two to count", len(b.Candidates))
	}
	// second below is n×(n+1)
	if len(b.Candidates) > count.MaxCandidates {
		return nil, fmt.Errorf("sv: %d candidates; a count takes at most %d", len(b.Candidates), count.MaxCandidates)
	}
	n := len(b.Candidates)
	first := make([]int64, n)
	// second[f][s]: papers with first choice f and second choice s (s == n: none).
	second := make([][]int64, n)
	for i := range second {
		second[i] = make([]int64, n+1)
	}
	var valid int64
	for _, p := range b.Pairs {
		f, ok := idx[p.First]
		if !ok {
			return nil, fmt.Errorf("sv: first choice %q is not a candidate", p.First)
		}
		if p.Count < 0 {
			return nil, fmt.Errorf("sv: negative count for %q/%q", p.First, p.Second)
		}
		s := n
		if p.Second != "" {
			if s, ok = idx[p.Second]; !ok {
				return nil, fmt.Errorf("sv: second choice %q is not a candidate", p.Second)
			}
			if s == f {
				// A second choice for the same candidate adds nothing: the paper counts
				// as a first preference only.
				s = n
			}
		}
		first[f] += p.Count
		second[f][s] += p.Count
		valid += p.Count
	}
	res := &count.Result{Method: "sv", Title: b.Title, Seats: 1, Candidates: slices.Clone(b.Candidates),
		Shares: map[string]string{}}
	r1 := count.Round{Number: 1, Action: "first preferences", Tally: map[string]string{}}
	for i, c := range b.Candidates {
		r1.Tally[c] = count.Itoa(first[i])
		res.Shares[c] = count.Percent(first[i], valid, 2)
	}
	res.Quota = count.Itoa(valid/2 + 1) // more than half of the valid first preferences
	res.QuotaName = "majority threshold (more than half of the valid first preferences)"
	res.Valid = count.Itoa(valid)
	lot := count.NewLot(seed)
	for i, c := range b.Candidates {
		if first[i] > valid-first[i] { // more than half, without overflow
			r1.Elected = []string{c}
			res.Elected = []string{c}
			res.Rounds = []count.Round{r1}
			return res, nil
		}
	}
	// Top two by first preferences; ties across the boundary by lot.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case first[a] > first[b]:
			return -1
		case first[a] < first[b]:
			return 1
		}
		return 0
	})
	top := pickTop(order, first, 2, lot, res, b.Candidates)
	inTop := func(i int) bool { return i == top[0] || i == top[1] }
	for _, i := range order {
		if !inTop(i) {
			r1.Eliminated = append(r1.Eliminated, b.Candidates[i])
		}
	}
	total := [2]int64{first[top[0]], first[top[1]]}
	var gain [2]int64
	var exhausted int64
	for f := 0; f < n; f++ {
		if inTop(f) {
			continue
		}
		for s := 0; s <= n; s++ {
			switch {
			case s == top[0]:
				gain[0] += second[f][s]
			case s == top[1]:
				gain[1] += second[f][s]
			default:
				exhausted += second[f][s]
			}
		}
	}
	total[0] += gain[0]
	total[1] += gain[1]
	a, bn := b.Candidates[top[0]], b.Candidates[top[1]]
	r2 := count.Round{Number: 2, Action: "second preferences of eliminated candidates",
		Tally:     map[string]string{a: count.Itoa(total[0]), bn: count.Itoa(total[1])},
		Transfers: map[string]string{a: count.Itoa(gain[0]), bn: count.Itoa(gain[1]), "exhausted": count.Itoa(exhausted)},
		Exhausted: count.Itoa(exhausted)}
	for f := 0; f < n; f++ {
		if !inTop(f) {
			r2.Transfers[b.Candidates[f]] = count.Itoa(-first[f])
		}
	}
	var winner string
	switch {
	case total[0] > total[1]:
		winner = a
	case total[1] > total[0]:
		winner = bn
	default:
		var tb count.TieBreak
		winner, tb = lot.Draw(2, "elect", []string{a, bn})
		res.TieBreaks = append(res.TieBreaks, tb)
	}
	r2.Elected = []string{winner}
	res.Elected = []string{winner}
	res.Rounds = []count.Round{r1, r2}
	if lot.Used() {
		res.Notes = append(res.Notes, fmt.Sprintf("equality of votes settled by lot with seed %d", seed))
	}
	return res, nil
}

// pickTop returns the k candidates with most votes; order is sorted by votes, most first.
func pickTop(order []int, votes []int64, k int, lot *count.Lot, res *count.Result, names []string) []int {
	cut := votes[order[k-1]]
	lo, hi := k-1, k-1
	for lo > 0 && votes[order[lo-1]] == cut {
		lo--
	}
	for hi+1 < len(order) && votes[order[hi+1]] == cut {
		hi++
	}
	top := slices.Clone(order[:lo])
	if hi == k-1 {
		return slices.Clone(order[:k])
	}
	var tied []string
	byName := map[string]int{}
	for _, i := range order[lo : hi+1] {
		tied = append(tied, names[i])
		byName[names[i]] = i
	}
	drawn, tbs := lot.Order(1, "remain", tied)
	res.TieBreaks = append(res.TieBreaks, tbs[:k-lo]...)
	for _, nme := range drawn[:k-lo] {
		top = append(top, byName[nme])
	}
	return top
}

// ParsePairs reads the sv-pairs format: a header first,second,count and one row per
// (first choice, second choice) with the number of papers; an empty second means no
// second choice. Candidates are taken in order of first appearance. name is used in
// error messages.
func ParsePairs(r io.Reader, name string) (*Ballots, error) {
	_, rows, err := count.ReadCSV(r, name, []string{"first", "second", "count"}, false)
	if err != nil {
		return nil, err
	}
	b := &Ballots{}
	seen := map[string]bool{}
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			b.Candidates = append(b.Candidates, c)
		}
	}
	var total int64
	for _, row := range rows {
		if row.Fields[0] == "" {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "first", Msg: "empty first choice"}
		}
		n, err := count.ParseVotes(name, row.Line, "count", row.Fields[2])
		if err != nil {
			return nil, err
		}
		total += n
		if total > 1<<62 {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "count", Msg: "total too large"}
		}
		add(row.Fields[0])
		add(row.Fields[1])
		b.Pairs = append(b.Pairs, Pair{First: row.Fields[0], Second: row.Fields[1], Count: n})
	}
	if len(b.Candidates) < 2 {
		return nil, &count.InputError{File: name, Msg: fmt.Sprintf("%d candidate(s) named: need at least two", len(b.Candidates))}
	}
	return b, nil
}

// FromElection reads SV papers from ranked ballots: the first preference and the next
// one after it (further preferences are ignored, as an SV paper has only two columns).
// Withdrawn candidates are not allowed; equal rankings are an error.
func FromElection(e *count.Election) (*Ballots, error) {
	for i, w := range e.Withdrawn {
		if w {
			return nil, fmt.Errorf("sv: candidate %q is withdrawn; SV papers cannot skip a candidate", e.Candidates[i])
		}
	}
	b := &Ballots{Title: e.Title, Candidates: slices.Clone(e.Candidates)}
	for i, bl := range e.Ballots {
		var picks []string
		for _, r := range bl.Ranks {
			if len(r) == 0 {
				continue
			}
			if len(r) > 1 {
				return nil, fmt.Errorf("sv: ballot %d ranks candidates equally", i+1)
			}
			if r[0] < 0 || r[0] >= len(e.Candidates) {
				return nil, fmt.Errorf("sv: ballot %d ranks an unknown candidate", i+1)
			}
			picks = append(picks, e.Candidates[r[0]])
			if len(picks) == 2 {
				break
			}
		}
		if len(picks) == 0 {
			continue // a blank paper is not a valid vote
		}
		p := Pair{First: picks[0], Count: bl.Weight}
		if len(picks) == 2 {
			p.Second = picks[1]
		}
		b.Pairs = append(b.Pairs, p)
	}
	return b, nil
}
