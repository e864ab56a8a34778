// Package college counts a selection by an electoral college: sections of voters
// (individual members, affiliated organisations, elected representatives…), each
// weighted. In every round each section's votes are turned into percentages of the
// section's valid votes, each percentage is multiplied by the section's weight, and
// the weighted contributions are added up. A candidate with more than half of the
// weighted total wins; otherwise the candidate with the lowest weighted total is
// eliminated and the next round is held: either the eliminated candidate's
// ballots pass to their next preference within each section (a preferential
// college), or every section votes again on a new ballot (an exhaustive one).
//
// It is a pure library with exact arithmetic (math/big.Rat): no percentage is ever
// rounded before it is compared; the decimals shown are for reading only, beside
// the exact fractions.
package college

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// The ways a college's rounds are held.
const (
	// Preferential: one ranked ballot per section; the eliminated candidate's
	// ballots pass to the next preference within their section.
	Preferential = "preferential"
	// Exhaustive: a new ballot in every section for each round.
	Exhaustive = "exhaustive"
)

// Election is a college's ballots: candidates by index, as count.Election has
// them, and the sections.
type Election struct {
	Title      string
	Candidates []string
	// Withdrawn marks candidates withdrawn before the count (nil or one per candidate).
	Withdrawn []bool
	// Rounds is Preferential or Exhaustive.
	Rounds   string
	Sections []Section
}

// Section is one weighted section of the college and its ballots.
type Section struct {
	ID   string
	Name string
	// Weight is the section's share of the college; the weights add up to 1.
	Weight *big.Rat
	// Ballots holds the section's ballots by round: a preferential college has one
	// round of ranked ballots; an exhaustive one the ballots of each round held.
	Ballots [][]count.Ballot
}

// Options are the parameters of a count that do not come from the ballots.
type Options struct {
	// Seed draws the lots that settle a tie no earlier round separates.
	Seed int64
}

// Result is a college count, round by round.
type Result struct {
	Method     string        `json:"method"`
	Title      string        `json:"title,omitempty"`
	Candidates []string      `json:"candidates"`
	Sections   []SectionInfo `json:"sections"`
	Rounds     []Round       `json:"rounds"`
	// Elected names the winner once the count is complete.
	Elected []string `json:"elected"`
	// Complete is false when an exhaustive college needs another ballot: Next
	// then lists the candidates standing in it.
	Complete bool     `json:"complete"`
	Next     []string `json:"next_round_candidates,omitempty"`
	// SectionWinners are the candidates with most votes in each section in the
	// last round.
	SectionWinners []SectionWinner `json:"section_winners"`
	// SectionWinnerLost is set when a section's winner did not win the college;
	// Upsets says which, with the figures.
	SectionWinnerLost bool             `json:"section_winner_lost"`
	Upsets            []Upset          `json:"upsets,omitempty"`
	TieBreaks         []count.TieBreak `json:"tie_breaks,omitempty"`
	Notes             []string         `json:"notes,omitempty"`
}

// SectionInfo is a section as the result names it, with its weight as an exact
// fraction and as a percentage.
type SectionInfo struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Weight        string `json:"weight"`
	WeightPercent string `json:"weight_percent"`
}

// Round is one round of the college.
type Round struct {
	Number int    `json:"round"`
	Action string `json:"action"`
	// Sections are each section's votes in the round, in the order declared.
	Sections []SectionRound `json:"sections"`
	// Total is each candidate's weighted total, as a percentage to 2 places, and
	// TotalExact the same as an exact fraction of the college (1 is all of it).
	Total      map[string]string `json:"weighted_total_percent"`
	TotalExact map[string]string `json:"weighted_total"`
	Elected    []string          `json:"elected,omitempty"`
	Eliminated []string          `json:"eliminated,omitempty"`
}

// SectionRound is one section's votes in a round.
type SectionRound struct {
	Section string `json:"section"`
	// Votes are the papers for each continuing candidate; Valid their sum, and
	// Exhausted the papers that rank no continuing candidate.
	Votes     map[string]string `json:"votes"`
	Valid     string            `json:"valid"`
	Exhausted string            `json:"exhausted,omitempty"`
	// Percent is each candidate's share of the section's valid votes (2 places);
	// Contribution that share times the section's weight, the candidate's part of
	// the weighted total (2 places), and ContributionExact the exact fraction.
	Percent           map[string]string `json:"percent"`
	Contribution      map[string]string `json:"contribution_percent"`
	ContributionExact map[string]string `json:"contribution"`
}

// SectionWinner is the candidate with most votes in a section's last round.
type SectionWinner struct {
	Section   string `json:"section"`
	Candidate string `json:"candidate"`
	Percent   string `json:"percent"`
}

// Upset is a section won by a candidate who lost the college.
type Upset struct {
	Section        string `json:"section"`
	SectionName    string `json:"section_name"`
	Candidate      string `json:"candidate"`
	SectionPercent string `json:"section_percent"`
	CollegePercent string `json:"college_percent"`
	Winner         string `json:"winner"`
	WinnerPercent  string `json:"winner_percent"`
}

// ParseWeight reads a section's weight: a percentage ("50%", "33.5%") or an exact
// fraction ("1/3", "0.5"). It must be more than 0 and at most 1.
func ParseWeight(s string) (*big.Rat, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	if t == "" || strings.Trim(t, "0123456789./") != "" || strings.Count(t, "/") > 1 {
		return nil, fmt.Errorf("weight %q is not a percentage (50%%) or a fraction (1/2)", s)
	}
	if pct && strings.Contains(t, "/") {
		return nil, fmt.Errorf("weight %q: a percentage is a decimal (33.5%%), a fraction has no %% (1/3)", s)
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return nil, fmt.Errorf("weight %q is not a percentage (50%%) or a fraction (1/2)", s)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, fmt.Errorf("weight %q is outside (0, 100%%]", s)
	}
	return r, nil
}

// pct formats a fraction of 1 as a percentage to 2 places.
func pct(r *big.Rat) string {
	return count.RatString(new(big.Rat).Mul(r, big.NewRat(100, 1)), 2)
}

// Count counts a college. Each candidate's weighted total is the sum over the
// sections of weight × (votes ÷ the section's valid votes); a section without a
// valid vote in a round contributes to no one, and the winner needs more than
// half of the weight that is contributed.
func Count(e *Election, o Options) (*Result, error) {
	if err := check(e); err != nil {
		return nil, err
	}
	method := "college-" + e.Rounds
	res := &Result{Method: method, Title: e.Title, Candidates: slices.Clone(e.Candidates), Elected: []string{}, SectionWinners: []SectionWinner{}}
	for _, s := range e.Sections {
		res.Sections = append(res.Sections, SectionInfo{ID: s.ID, Name: s.Name, Weight: s.Weight.RatString(), WeightPercent: pct(s.Weight)})
	}
	continuing := map[int]bool{}
	for i := range e.Candidates {
		if e.Withdrawn == nil || !e.Withdrawn[i] {
			continuing[i] = true
		}
	}
	if len(continuing) == 0 {
		return nil, fmt.Errorf("no candidate is standing")
	}
	lot := count.NewLot(o.Seed)
	var history []map[int]*big.Rat // weighted totals of the earlier rounds
	for round := 1; ; round++ {
		bi := 0
		if e.Rounds == Exhaustive {
			bi = round - 1
			if bi >= len(e.Sections[0].Ballots) {
				res.Next = names(e, continuing)
				return res, nil
			}
		}
		rd := Round{Number: round, Action: "first preferences", Total: map[string]string{}, TotalExact: map[string]string{}}
		if round > 1 {
			rd.Action = fmt.Sprintf("ballot %d", round)
			if e.Rounds == Preferential {
				rd.Action = "transfer of " + strings.Join(res.Rounds[round-2].Eliminated, ", ")
			}
		} else if e.Rounds == Exhaustive {
			rd.Action = "ballot 1"
		}
		total := map[int]*big.Rat{}
		for c := range continuing {
			total[c] = new(big.Rat)
		}
		var lastVotes []map[int]int64
		for _, s := range e.Sections {
			votes := map[int]int64{}
			var valid, exhausted int64
			for k, b := range s.Ballots[bi] {
				c := -1
				for _, rank := range b.Ranks {
					if len(rank) != 1 {
						return nil, fmt.Errorf("section %s, round %d, ballot %d: an equal ranking cannot be counted in a college", s.ID, round, k+1)
					}
					if continuing[rank[0]] {
						c = rank[0]
						break
					}
					if e.Rounds == Exhaustive {
						return nil, fmt.Errorf("section %s, ballot %d, ballot paper %d: votes for %s, who is not standing in that round", s.ID, round, k+1, e.Candidates[rank[0]])
					}
				}
				if c < 0 {
					exhausted += b.Weight
					continue
				}
				votes[c] += b.Weight
				valid += b.Weight
			}
			lastVotes = append(lastVotes, votes)
			sr := SectionRound{Section: s.ID, Votes: map[string]string{}, Valid: count.Itoa(valid), Percent: map[string]string{},
				Contribution: map[string]string{}, ContributionExact: map[string]string{}}
			if exhausted > 0 {
				sr.Exhausted = count.Itoa(exhausted)
			}
			for c := range continuing {
				share := new(big.Rat)
				if valid > 0 {
					share.SetFrac64(votes[c], valid)
				}
				contrib := new(big.Rat).Mul(share, s.Weight)
				total[c].Add(total[c], contrib)
				n := e.Candidates[c]
				sr.Votes[n], sr.Percent[n] = count.Itoa(votes[c]), pct(share)
				sr.Contribution[n], sr.ContributionExact[n] = pct(contrib), contrib.RatString()
			}
			if valid == 0 {
				res.Notes = append(res.Notes, fmt.Sprintf("round %d: section %s cast no valid vote; its weight counts for no one", round, s.ID))
			}
			rd.Sections = append(rd.Sections, sr)
		}
		in := new(big.Rat)
		for c := range continuing {
			in.Add(in, total[c])
			rd.Total[e.Candidates[c]], rd.TotalExact[e.Candidates[c]] = pct(total[c]), total[c].RatString()
		}
		history = append(history, total)
		order := ranked(e, continuing, total)
		top := order[0]
		half := new(big.Rat).Quo(in, big.NewRat(2, 1))
		if total[top].Cmp(half) > 0 || len(continuing) == 1 {
			rd.Elected = []string{e.Candidates[top]}
			res.Rounds = append(res.Rounds, rd)
			res.Elected, res.Complete = rd.Elected, true
			res.winners(e, lastVotes, top, total)
			return res, nil
		}
		// Eliminate the lowest; a tie goes to the earlier rounds, then to lot.
		low := order[len(order)-1]
		var tied []int
		for c := range continuing {
			if total[c].Cmp(total[low]) == 0 {
				tied = append(tied, c)
			}
		}
		if len(tied) > 1 {
			out, tb := breakTie(e, tied, history[:len(history)-1], lot, round)
			low = out
			res.TieBreaks = append(res.TieBreaks, tb)
		}
		delete(continuing, low)
		rd.Eliminated = []string{e.Candidates[low]}
		res.Rounds = append(res.Rounds, rd)
	}
}

// check refuses an election the count cannot run.
func check(e *Election) error {
	if e.Rounds != Preferential && e.Rounds != Exhaustive {
		return fmt.Errorf("rounds %q: %s or %s", e.Rounds, Preferential, Exhaustive)
	}
	if len(e.Sections) == 0 {
		return fmt.Errorf("a college has at least one section")
	}
	if e.Withdrawn != nil && len(e.Withdrawn) != len(e.Candidates) {
		return fmt.Errorf("withdrawn marks %d candidates of %d", len(e.Withdrawn), len(e.Candidates))
	}
	sum := new(big.Rat)
	for _, s := range e.Sections {
		if s.Weight == nil || s.Weight.Sign() <= 0 {
			return fmt.Errorf("section %s: a weight more than 0", s.ID)
		}
		sum.Add(sum, s.Weight)
		if len(s.Ballots) == 0 {
			return fmt.Errorf("section %s: no ballots (give an empty round for a section that cast none)", s.ID)
		}
		if e.Rounds == Preferential && len(s.Ballots) != 1 {
			return fmt.Errorf("section %s: a preferential college has one round of ballots, not %d", s.ID, len(s.Ballots))
		}
		if len(s.Ballots) != len(e.Sections[0].Ballots) {
			return fmt.Errorf("section %s has the ballots of %d round(s), section %s of %d", s.ID, len(s.Ballots), e.Sections[0].ID, len(e.Sections[0].Ballots))
		}
		for r, bs := range s.Ballots {
			for k, b := range bs {
				if b.Weight < 0 {
					return fmt.Errorf("section %s, round %d, ballot %d: %d papers", s.ID, r+1, k+1, b.Weight)
				}
				for _, rank := range b.Ranks {
					for _, c := range rank {
						if c < 0 || c >= len(e.Candidates) {
							return fmt.Errorf("section %s, round %d, ballot %d: candidate %d of %d", s.ID, r+1, k+1, c, len(e.Candidates))
						}
					}
				}
			}
		}
	}
	if sum.Cmp(big.NewRat(1, 1)) != 0 {
		return fmt.Errorf("the sections' weights add up to %s (%s%%), not 1", sum.RatString(), pct(sum))
	}
	return nil
}

// ranked orders the continuing candidates by weighted total, most first (equal
// totals by candidate order, for a stable table; ties are broken apart).
func ranked(e *Election, continuing map[int]bool, total map[int]*big.Rat) []int {
	var out []int
	for c := range continuing {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b int) int {
		if x := total[b].Cmp(total[a]); x != 0 {
			return x
		}
		return a - b
	})
	return out
}

func names(e *Election, continuing map[int]bool) []string {
	var out []string
	for i, n := range e.Candidates {
		if continuing[i] {
			out = append(out, n)
		}
	}
	return out
}

// breakTie picks which of tied is eliminated: the lowest in the latest earlier
// round that separates them, else by lot.
func breakTie(e *Election, tied []int, history []map[int]*big.Rat, lot *count.Lot, round int) (int, count.TieBreak) {
	tiedNames := make([]string, len(tied))
	for i, c := range tied {
		tiedNames[i] = e.Candidates[c]
	}
	for r := len(history) - 1; r >= 0; r-- {
		low, n := tied[0], 0
		for _, c := range tied {
			if history[r][c].Cmp(history[r][low]) < 0 {
				low = c
			}
		}
		for _, c := range tied {
			if history[r][c].Cmp(history[r][low]) == 0 {
				n++
			}
		}
		if n == 1 {
			return low, count.TieBreak{Round: round, Tied: tiedNames, Chosen: e.Candidates[low], Purpose: "eliminate", How: fmt.Sprintf("earlier round (%d)", r+1)}
		}
	}
	chosen, tb := lot.Draw(round, "eliminate", tiedNames)
	return slices.Index(e.Candidates, chosen), tb
}

// winners records each section's winner in the last round, and every section
// won by a candidate who lost the college.
func (res *Result) winners(e *Election, votes []map[int]int64, winner int, total map[int]*big.Rat) {
	last := res.Rounds[len(res.Rounds)-1]
	for i, s := range e.Sections {
		best, n := -1, 0
		for c, v := range votes[i] {
			switch {
			case best < 0 || v > votes[i][best]:
				best, n = c, 1
			case v == votes[i][best]:
				n++
			}
		}
		if best < 0 || n > 1 || votes[i][best] == 0 {
			continue // no votes, or no one candidate led the section
		}
		name := e.Candidates[best]
		res.SectionWinners = append(res.SectionWinners, SectionWinner{Section: s.ID, Candidate: name, Percent: last.Sections[i].Percent[name]})
		if best != winner {
			res.SectionWinnerLost = true
			res.Upsets = append(res.Upsets, Upset{Section: s.ID, SectionName: s.Name, Candidate: name, SectionPercent: last.Sections[i].Percent[name],
				CollegePercent: pct(total[best]), Winner: e.Candidates[winner], WinnerPercent: pct(total[winner])})
		}
	}
}
