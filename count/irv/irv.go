// Package irv counts instant-runoff voting (the alternative vote): one seat; each round
// every paper counts for its highest-ranked continuing candidate; a candidate with more
// than half of the papers still in the count wins; otherwise the candidate with fewest
// votes is excluded and their papers pass to their next continuing preference.
//
// Two engines share one set of rules (the driver in this file): a general one on
// count.Election, which handles equal rankings and any number of candidates, and a fast
// one on count.Packed for millions of papers and at most 15 candidates (8 bytes a paper,
// identical short rankings grouped, per-CPU tallies). Both only re-read the papers of
// the excluded candidate each round. See bench_test.go for the 10M-paper benchmarks.
//
// Rules where texts differ, stated once: a preference ranking two or more continuing
// candidates equally is an overvote and the paper is exhausted there; skipped and
// repeated preferences are passed over; an equality for exclusion, or between the last
// two, is settled by lot from the published seed; one candidate is excluded per round.
//
// The record: round 1 is the first preferences; each later round is "exclusion of X",
// lists X among its Eliminated and shows the tallies after X's papers have moved.
// Papers with no continuing first preference are counted as rejected (Result.Rejected),
// not as exhausted: a round's Exhausted is the valid papers that have run out of
// continuing preferences.
package irv

import (
	"fmt"
	"slices"

	"github.com/rulebook/rulebook/count"
)

func init() { count.RegisterRanked("irv", Count) }

// engine holds the papers and moves them between candidates.
type engine interface {
	// start puts every paper with its first continuing preference; cont marks the
	// continuing candidates.
	start(cont []bool) (tally []int64, exhausted int64)
	// exclude moves the papers of candidate c (already marked not continuing) to their
	// next continuing preference, returning the votes each candidate gains and the
	// votes exhausted.
	exclude(c int, cont []bool) (gain []int64, exhausted int64)
}

// Count counts e by IRV, using the fast engine when e fits the packed form.
func Count(e *count.Election, o count.Options) (*count.Result, error) {
	if err := count.CheckSize("irv", e); err != nil {
		return nil, err
	}
	if err := check(e.Candidates, e.Withdrawn, e.Seats, o); err != nil {
		return nil, err
	}
	if p, err := count.PackElection(e); err == nil {
		return drive(p.Title, p.Candidates, p.Withdrawn, newPacked(p, 0), o)
	}
	g, err := newGeneral(e)
	if err != nil {
		return nil, err
	}
	return drive(e.Title, e.Candidates, e.Withdrawn, g, o)
}

// CountGeneral counts with the general engine whatever the input; tests use it to
// check the fast engine.
func CountGeneral(e *count.Election, o count.Options) (*count.Result, error) {
	if err := count.CheckSize("irv", e); err != nil {
		return nil, err
	}
	if err := check(e.Candidates, e.Withdrawn, e.Seats, o); err != nil {
		return nil, err
	}
	g, err := newGeneral(e)
	if err != nil {
		return nil, err
	}
	return drive(e.Title, e.Candidates, e.Withdrawn, g, o)
}

// CountPacked counts a packed election with the fast engine, spreading the work over
// workers goroutines (0: one per CPU). p is trusted to be well formed (as count.Pack and
// the CSV parser make it; p.Validate checks); it is not modified.
func CountPacked(p *count.Packed, o count.Options, workers int) (*count.Result, error) {
	if err := check(p.Candidates, p.Withdrawn, p.Seats, o); err != nil {
		return nil, err
	}
	if p.Weights != nil && len(p.Weights) != len(p.Rankings) {
		return nil, fmt.Errorf("irv: %d weights for %d rankings", len(p.Weights), len(p.Rankings))
	}
	return drive(p.Title, p.Candidates, p.Withdrawn, newPacked(p, workers), o)
}

func check(cands []string, withdrawn []bool, seats int, o count.Options) error {
	if o.Seats > 1 || (o.Seats == 0 && seats > 1) {
		return fmt.Errorf("irv: elects one candidate, %d seats asked for (use an STV method)", max(o.Seats, seats))
	}
	if len(cands) == 0 {
		return fmt.Errorf("irv: no candidates")
	}
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c] {
			return fmt.Errorf("irv: candidate %q listed twice", c)
		}
		seen[c] = true
	}
	if withdrawn != nil && len(withdrawn) != len(cands) {
		return fmt.Errorf("irv: %d withdrawn flags for %d candidates", len(withdrawn), len(cands))
	}
	n := 0
	for i := range cands {
		if withdrawn == nil || !withdrawn[i] {
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("irv: every candidate has withdrawn")
	}
	return nil
}

// drive applies the IRV rules round by round.
func drive(title string, names []string, withdrawn []bool, eng engine, o count.Options) (*count.Result, error) {
	n := len(names)
	cont := make([]bool, n)
	for i := range cont {
		cont[i] = withdrawn == nil || !withdrawn[i]
	}
	lot := count.NewLot(o.Seed)
	res := &count.Result{Method: "irv", Title: title, Seats: 1, Candidates: slices.Clone(names), Shares: map[string]string{}}
	tally, exhausted := eng.start(cont)
	var firstTotal int64
	for i := range n {
		if cont[i] {
			firstTotal += tally[i]
		}
	}
	for i := range n {
		if cont[i] {
			res.Shares[names[i]] = count.Percent(tally[i], firstTotal, 2)
		}
	}
	res.Valid, res.Rejected = count.Itoa(firstTotal), count.Itoa(exhausted)
	exhausted = 0 // rejected papers are not among the valid papers that exhaust later
	res.QuotaName = "majority threshold (more than half of the votes for continuing candidates)"
	var transfers map[string]string
	var excluded []string // named by this round's action: excluded, their papers moved
	action := "first preferences"
	for round := 1; ; round++ {
		r := count.Round{Number: round, Action: action, Tally: map[string]string{}, Transfers: transfers,
			Exhausted: count.Itoa(exhausted), Eliminated: excluded}
		var live []int
		var total int64
		for i := range n {
			if cont[i] {
				live = append(live, i)
				total += tally[i]
				r.Tally[names[i]] = count.Itoa(tally[i])
			}
		}
		winner := -1
		for _, i := range live {
			if tally[i] > total-tally[i] { // more than half, without overflow
				winner = i
			}
		}
		if winner < 0 && len(live) == 1 {
			winner = live[0]
		}
		if winner < 0 && len(live) == 2 && tally[live[0]] == tally[live[1]] {
			w, tb := lot.Draw(round, "elect", []string{names[live[0]], names[live[1]]})
			res.TieBreaks = append(res.TieBreaks, tb)
			winner = slices.Index(names, w)
		}
		if winner >= 0 {
			r.Elected = []string{names[winner]}
			res.Elected = []string{names[winner]}
			res.Quota = count.Itoa(total/2 + 1)
			res.Rounds = append(res.Rounds, r)
			break
		}
		low := live[0]
		for _, i := range live[1:] {
			if tally[i] < tally[low] {
				low = i
			}
		}
		var tied []string
		for _, i := range live {
			if tally[i] == tally[low] {
				tied = append(tied, names[i])
			}
		}
		if len(tied) > 1 {
			l, tb := lot.Draw(round, "eliminate", tied)
			res.TieBreaks = append(res.TieBreaks, tb)
			low = slices.Index(names, l)
		}
		res.Rounds = append(res.Rounds, r)
		cont[low] = false
		gain, ex := eng.exclude(low, cont)
		transfers = map[string]string{names[low]: count.Itoa(-tally[low]), "exhausted": count.Itoa(ex)}
		var moved int64
		for i := range n {
			if cont[i] {
				tally[i] += gain[i]
				moved += gain[i]
				transfers[names[i]] = count.Itoa(gain[i])
			}
		}
		if moved+ex != tally[low] {
			return nil, fmt.Errorf("irv: internal error: %s had %d votes but %d moved", names[low], tally[low], moved+ex)
		}
		tally[low] = 0
		exhausted += ex
		action = "exclusion of " + names[low]
		excluded = []string{names[low]}
	}
	if lot.Used() {
		res.Notes = append(res.Notes, fmt.Sprintf("equalities settled by lot with seed %d", o.Seed))
	}
	return res, nil
}

// general is the engine for any count.Election. The ballots are flattened into a few
// integer arrays — candidates, where each preference starts, where each ballot's
// preferences start — so that a count over a million papers does not chase a million
// small slices.
type general struct {
	ncand     int
	weight    []int64
	cands     []int32 // candidates of every preference of every ballot, in order
	rankStart []int32 // preference r holds cands[rankStart[r]:rankStart[r+1]]
	ballotAt  []int32 // ballot b holds preferences ballotAt[b] to ballotAt[b+1]-1
	pos       []int32 // next preference to read on each ballot
	piles     [][]int32
}

func newGeneral(e *count.Election) (*general, error) {
	g := &general{ncand: len(e.Candidates), weight: make([]int64, len(e.Ballots)),
		ballotAt: make([]int32, 0, len(e.Ballots)+1), pos: make([]int32, len(e.Ballots)),
		piles: make([][]int32, len(e.Candidates))}
	var ranks, cands int
	for _, b := range e.Ballots {
		ranks += len(b.Ranks)
		for _, r := range b.Ranks {
			cands += len(r)
		}
	}
	if ranks >= 1<<31-1 || cands >= 1<<31-1 {
		return nil, fmt.Errorf("irv: too many preferences for the general engine")
	}
	g.cands = make([]int32, 0, cands)
	g.rankStart = make([]int32, 0, ranks+1)
	for i, b := range e.Ballots {
		if b.Weight < 0 {
			return nil, fmt.Errorf("irv: ballot %d has negative weight", i+1)
		}
		g.weight[i] = b.Weight
		g.ballotAt = append(g.ballotAt, int32(len(g.rankStart)))
		g.pos[i] = int32(len(g.rankStart))
		for _, r := range b.Ranks {
			g.rankStart = append(g.rankStart, int32(len(g.cands)))
			for _, c := range r {
				if c < 0 || c >= len(e.Candidates) {
					return nil, fmt.Errorf("irv: ballot %d ranks candidate %d of %d", i+1, c+1, len(e.Candidates))
				}
				g.cands = append(g.cands, int32(c))
			}
		}
	}
	g.ballotAt = append(g.ballotAt, int32(len(g.rankStart)))
	g.rankStart = append(g.rankStart, int32(len(g.cands)))
	return g, nil
}

// next finds ballot b's highest continuing preference from its current position;
// -1 means exhausted (no preference left, or an overvote).
func (g *general) next(b int, cont []bool) int {
	end := g.ballotAt[b+1]
	for p := g.pos[b]; p < end; p++ {
		found := int32(-1)
		for _, c := range g.cands[g.rankStart[p]:g.rankStart[p+1]] {
			if cont[c] && c != found {
				if found >= 0 {
					g.pos[b] = p
					return -1 // overvote among continuing candidates
				}
				found = c
			}
		}
		if found >= 0 {
			g.pos[b] = p
			return int(found)
		}
	}
	g.pos[b] = end
	return -1
}

func (g *general) start(cont []bool) ([]int64, int64) {
	tally := make([]int64, g.ncand)
	var ex int64
	for b, w := range g.weight {
		if c := g.next(b, cont); c >= 0 {
			tally[c] += w
			g.piles[c] = append(g.piles[c], int32(b))
		} else {
			ex += w
		}
	}
	return tally, ex
}

func (g *general) exclude(x int, cont []bool) ([]int64, int64) {
	gain := make([]int64, g.ncand)
	var ex int64
	for _, b := range g.piles[x] {
		w := g.weight[b]
		if c := g.next(int(b), cont); c >= 0 {
			gain[c] += w
			g.piles[c] = append(g.piles[c], b)
		} else {
			ex += w
		}
	}
	g.piles[x] = nil
	return gain, ex
}
