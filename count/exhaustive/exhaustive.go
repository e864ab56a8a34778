// Package exhaustive checks and declares an exhaustive ballot: voters vote again in
// every round (as in party selections, or the election of the Speaker of the House of
// Commons); in each round a candidate with more than half of the votes cast wins,
// otherwise the candidate with fewest votes (and, with a threshold, every candidate
// below it) drops out and the next round is held.
//
// Since every round is a fresh vote, the input is the round-by-round tallies. Count
// applies the rules to them: it works out who must leave after each round, checks that
// the next round's tallies agree (a candidate may also withdraw), and declares the
// winner — or says which round is still needed.
package exhaustive

import (
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Round is the votes each candidate standing in it received.
type Round struct {
	Number int
	Line   int // where the round starts in the input, for messages
	Names  []string
	Votes  map[string]int64
	total  int64
}

// Ballot is the whole record of an exhaustive ballot.
type Ballot struct {
	Title  string
	File   string
	Rounds []Round
}

// Options controls a count.
type Options struct {
	Seed int64
	// Threshold, when non-nil, also excludes after each round every candidate below this
	// percentage of the votes cast in it (the Commons uses 5%).
	Threshold *big.Rat
}

// Count applies the exhaustive-ballot rules to b's rounds.
func Count(b *Ballot, o Options) (*count.Result, error) {
	if len(b.Rounds) == 0 {
		return nil, fmt.Errorf("%s: no rounds", b.File)
	}
	lot := count.NewLot(o.Seed)
	res := &count.Result{Method: "exhaustive", Title: b.Title, Seats: 1, Candidates: slices.Clone(b.Rounds[0].Names), Shares: map[string]string{}}
	standing := slices.Clone(b.Rounds[0].Names)
	var prev map[string]int64
	for ri, r := range b.Rounds {
		where := fmt.Sprintf("%s: round %d (line %d)", b.File, r.Number, r.Line)
		for _, n := range r.Names {
			if !slices.Contains(standing, n) {
				return nil, fmt.Errorf("%s: %q is not standing in this round (new, excluded or withdrawn earlier)", where, n)
			}
		}
		var withdrew []string
		for _, n := range standing {
			if !slices.Contains(r.Names, n) {
				withdrew = append(withdrew, n)
			}
		}
		if len(withdrew) > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("round %d: %s withdrew (not in the round's tallies)", r.Number, strings.Join(withdrew, ", ")))
		}
		standing = slices.Clone(r.Names)
		if len(standing) == 0 {
			return nil, fmt.Errorf("%s: nobody standing", where)
		}
		var total int64
		rd := count.Round{Number: r.Number, Tally: map[string]string{}, Eliminated: withdrew}
		rd.Action = fmt.Sprintf("ballot %d", r.Number)
		if ri > 0 {
			rd.Transfers = map[string]string{}
		}
		for _, n := range standing {
			total += r.Votes[n]
			rd.Tally[n] = count.Itoa(r.Votes[n])
			if prev != nil {
				rd.Transfers[n] = count.Itoa(r.Votes[n] - prev[n])
			}
		}
		if ri == 0 {
			res.Valid = count.Itoa(total)
			res.QuotaName = "majority threshold (more than half of the votes cast in the final round)"
			for _, n := range standing {
				res.Shares[n] = count.Percent(r.Votes[n], total, 2)
			}
		}
		prev = r.Votes
		winner := ""
		for _, n := range standing {
			if r.Votes[n] > total-r.Votes[n] { // more than half, without overflow
				winner = n
			}
		}
		if winner == "" && len(standing) == 1 {
			winner = standing[0]
		}
		if winner == "" && len(standing) == 2 && r.Votes[standing[0]] == r.Votes[standing[1]] {
			var tb count.TieBreak
			winner, tb = lot.Draw(r.Number, "elect", standing)
			res.TieBreaks = append(res.TieBreaks, tb)
		}
		if winner != "" {
			if ri != len(b.Rounds)-1 {
				return nil, fmt.Errorf("%s: %s has a majority (%d of %d) so the ballot ends here, but the input has more rounds", where, winner, r.Votes[winner], total)
			}
			rd.Elected = []string{winner}
			res.Rounds = append(res.Rounds, rd)
			res.Elected = []string{winner}
			res.Quota = count.Itoa(total/2 + 1)
			break
		}
		// Who must leave: everyone below the threshold, and the lowest.
		var out []string
		if o.Threshold != nil {
			for _, n := range standing {
				if count.BelowPercent(r.Votes[n], total, o.Threshold) {
					out = append(out, n)
				}
			}
		}
		rest := slices.DeleteFunc(slices.Clone(standing), func(n string) bool { return slices.Contains(out, n) })
		if len(out) == 0 {
			low := slices.MinFunc(standing, func(a, b string) int { return cmpInt(r.Votes[a], r.Votes[b]) })
			var tied []string
			for _, n := range standing {
				if r.Votes[n] == r.Votes[low] {
					tied = append(tied, n)
				}
			}
			if len(tied) > 1 {
				// If the next round is given it shows how the tie was settled at the time;
				// otherwise draw lots.
				var gone []string
				if ri+1 < len(b.Rounds) {
					for _, n := range tied {
						if !slices.Contains(b.Rounds[ri+1].Names, n) {
							gone = append(gone, n)
						}
					}
				}
				if len(gone) >= 1 {
					low = gone[0]
					res.TieBreaks = append(res.TieBreaks, count.TieBreak{Round: r.Number, Tied: tied, Chosen: low, Purpose: "eliminate", How: "as the next round's tallies show"})
				} else {
					var tb count.TieBreak
					low, tb = lot.Draw(r.Number, "eliminate", tied)
					res.TieBreaks = append(res.TieBreaks, tb)
				}
			}
			out = []string{low}
		}
		if len(rest) == 0 {
			return nil, fmt.Errorf("%s: every candidate is below the threshold", where)
		}
		rd.Eliminated = append(rd.Eliminated, out...)
		res.Rounds = append(res.Rounds, rd)
		if ri == len(b.Rounds)-1 {
			return nil, fmt.Errorf("%s: no candidate has a majority (%d needed of %d); %s must leave and round %d is needed to finish the ballot", where, total/2+1, total, strings.Join(out, ", "), r.Number+1)
		}
		for _, n := range out {
			if slices.Contains(b.Rounds[ri+1].Names, n) {
				return nil, fmt.Errorf("%s: %s should have left after round %d but has votes in round %d", b.File, n, r.Number, b.Rounds[ri+1].Number)
			}
		}
		standing = slices.DeleteFunc(standing, func(n string) bool { return slices.Contains(out, n) })
	}
	if lot.Used() {
		res.Notes = append(res.Notes, fmt.Sprintf("equalities settled by lot with seed %d", o.Seed))
	}
	return res, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ParseCSV reads the exhaustive-csv format: a header round,candidate,votes and one row
// per candidate per round; rounds are numbered 1, 2, ... and their rows may come in any
// order. Candidate order is that of round 1.
func ParseCSV(r io.Reader, name string) (*Ballot, error) {
	_, rows, err := count.ReadCSV(r, name, []string{"round", "candidate", "votes"}, false)
	if err != nil {
		return nil, err
	}
	b := &Ballot{File: name}
	byNum := map[int]*Round{}
	maxRound := 0
	for _, row := range rows {
		n, err := strconv.Atoi(row.Fields[0])
		if err != nil || n < 1 || n > 10000 {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "round", Msg: fmt.Sprintf("%q is not a round number (1, 2, ...)", row.Fields[0])}
		}
		c := row.Fields[1]
		if c == "" {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "candidate", Msg: "empty candidate name"}
		}
		v, err := count.ParseVotes(name, row.Line, "votes", row.Fields[2])
		if err != nil {
			return nil, err
		}
		rd := byNum[n]
		if rd == nil {
			rd = &Round{Number: n, Line: row.Line, Votes: map[string]int64{}}
			byNum[n] = rd
		}
		if _, dup := rd.Votes[c]; dup {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "candidate", Msg: fmt.Sprintf("%q already has votes in round %d", c, n)}
		}
		rd.Names = append(rd.Names, c)
		rd.Votes[c] = v
		rd.total += v
		if rd.total > 1<<62 {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "votes", Msg: "round total too large"}
		}
		maxRound = max(maxRound, n)
	}
	if maxRound == 0 {
		return nil, &count.InputError{File: name, Msg: "no rounds"}
	}
	for n := 1; n <= maxRound; n++ {
		if byNum[n] == nil {
			return nil, &count.InputError{File: name, Msg: fmt.Sprintf("round %d is missing (rounds run 1 to %d)", n, maxRound)}
		}
		b.Rounds = append(b.Rounds, *byNum[n])
	}
	return b, nil
}
