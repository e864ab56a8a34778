// Package fptp counts first-past-the-post elections: one seat, or several seats by block
// vote as in English multi-member wards, where each voter has as many votes as there are
// seats and the candidates with the most votes win.
package fptp

import (
	"fmt"
	"io"
	"slices"

	"github.com/rulebook/rulebook/count"
)

// Candidate is one candidate and the votes they received.
type Candidate struct {
	Name  string
	Party string
	Votes int64
}

// Contest is the declared votes of a plurality election.
type Contest struct {
	Title      string
	Candidates []Candidate
}

// Count elects the seats candidates with the most votes. An equality of votes that
// decides who takes the last seat is settled by lot, drawn reproducibly from seed and
// recorded in the result, as the Local Elections Rules require ("the returning officer
// shall decide between those candidates by lot").
func Count(c *Contest, seats int, seed int64) (*count.Result, error) {
	if seats < 1 {
		return nil, fmt.Errorf("fptp: %d seats: need at least one", seats)
	}
	if len(c.Candidates) < seats {
		return nil, fmt.Errorf("fptp: %d candidates for %d seats: every candidate is elected unopposed, there is nothing to count", len(c.Candidates), seats)
	}
	seen := map[string]bool{}
	var total int64
	for _, cand := range c.Candidates {
		if cand.Name == "" {
			return nil, fmt.Errorf("fptp: a candidate has no name")
		}
		if seen[cand.Name] {
			return nil, fmt.Errorf("fptp: candidate %q appears twice", cand.Name)
		}
		if cand.Votes < 0 {
			return nil, fmt.Errorf("fptp: candidate %q has negative votes", cand.Name)
		}
		seen[cand.Name] = true
		total += cand.Votes
	}
	method := "fptp"
	if seats > 1 {
		method = "block-vote"
	}
	res := &count.Result{Method: method, Title: c.Title, Seats: seats,
		Shares: map[string]string{}, Parties: map[string]string{}}
	tally := map[string]string{}
	for _, cand := range c.Candidates {
		res.Candidates = append(res.Candidates, cand.Name)
		tally[cand.Name] = count.Itoa(cand.Votes)
		res.Shares[cand.Name] = count.Percent(cand.Votes, total, 2)
		if cand.Party != "" {
			res.Parties[cand.Name] = cand.Party
		}
	}
	if len(res.Parties) == 0 {
		res.Parties = nil
	}
	// Order by votes, most first; input order only separates equal candidates who are
	// all elected or all not elected, where the order does not matter.
	order := slices.Clone(c.Candidates)
	slices.SortStableFunc(order, func(a, b Candidate) int {
		switch {
		case a.Votes > b.Votes:
			return -1
		case a.Votes < b.Votes:
			return 1
		}
		return 0
	})
	lot := count.NewLot(seed)
	// If the candidates with the seats-th highest vote straddle the last seat, draw lots
	// among exactly those to order them.
	cut := order[seats-1].Votes
	first := slices.IndexFunc(order, func(x Candidate) bool { return x.Votes == cut })
	last := first
	for last+1 < len(order) && order[last+1].Votes == cut {
		last++
	}
	if last >= seats {
		var tied []string
		for _, x := range order[first : last+1] {
			tied = append(tied, x.Name)
		}
		drawn, tbs := lot.Order(1, "elect", tied)
		res.TieBreaks = append(res.TieBreaks, tbs[:min(len(tbs), seats-first)]...)
		byName := map[string]Candidate{}
		for _, x := range order[first : last+1] {
			byName[x.Name] = x
		}
		for i, n := range drawn {
			order[first+i] = byName[n]
		}
		res.Notes = append(res.Notes, fmt.Sprintf("equality of votes for the last seat settled by lot with seed %d", seed))
	}
	for _, x := range order[:seats] {
		res.Elected = append(res.Elected, x.Name)
	}
	if len(order) > seats {
		res.Majority = count.Itoa(order[seats-1].Votes - order[seats].Votes)
	}
	res.Rounds = []count.Round{{Number: 1, Action: "votes", Tally: tally, Elected: slices.Clone(res.Elected)}}
	res.Valid = count.Itoa(total)
	return res, nil
}

// ParseCSV reads the fptp-csv format: a header candidate,party,votes and one row per
// candidate. The party may be empty. name is used in error messages.
func ParseCSV(r io.Reader, name string) (*Contest, error) {
	_, rows, err := count.ReadCSV(r, name, []string{"candidate", "party", "votes"}, false)
	if err != nil {
		return nil, err
	}
	c := &Contest{}
	seen := map[string]int{}
	var total int64
	for _, row := range rows {
		cand := row.Fields[0]
		if cand == "" {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "candidate", Msg: "empty candidate name"}
		}
		if prev, dup := seen[cand]; dup {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "candidate", Msg: fmt.Sprintf("%q already given on line %d", cand, prev)}
		}
		seen[cand] = row.Line
		v, err := count.ParseVotes(name, row.Line, "votes", row.Fields[2])
		if err != nil {
			return nil, err
		}
		total += v
		if total > 1<<62 {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "votes", Msg: "total votes too large"}
		}
		c.Candidates = append(c.Candidates, Candidate{Name: cand, Party: row.Fields[1], Votes: v})
	}
	if len(c.Candidates) == 0 {
		return nil, &count.InputError{File: name, Msg: "no candidates"}
	}
	return c, nil
}
