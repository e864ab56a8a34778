// Package listpr allocates seats to party lists by highest averages: D'Hondt,
// Sainte-Laguë, and the additional-member top-up used for the London Assembly
// (and, with regions, the Scottish Parliament and the Senedd until 2026).
//
// All quotients are compared exactly, as fractions of whole votes.
package listpr

import (
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Party is one list: its votes, the seats it already holds (constituency seats, for the
// additional member system) and, optionally, its list candidates in order.
type Party struct {
	Name              string
	Votes             int64
	ConstituencySeats int
	ListCandidates    []string
	HasCandidateList  bool // when true, the party can take no more list seats than it has names
}

// Contest is the input of a list allocation.
type Contest struct {
	Title   string
	Parties []Party
	// ConstituencyWinners are the candidates elected in constituencies (of any
	// party), by the names the lists use: a list candidate among them already
	// holds a seat and is passed over, the list's next name taking its place.
	ConstituencyWinners []string
}

// Divisor gives the divisor for a party already holding s seats.
// D'Hondt: s+1. Sainte-Laguë: 2s+1.
type Divisor func(s int) int64

// DHondt is the D'Hondt divisor series 1, 2, 3, ...
func DHondt(s int) int64 { return int64(s) + 1 }

// SainteLague is the Sainte-Laguë divisor series 1, 3, 5, ...
func SainteLague(s int) int64 { return 2*int64(s) + 1 }

// Options controls an allocation.
type Options struct {
	Method string // recorded in the result: "dhondt", "sainte-lague", "ams"
	Seats  int    // seats to allocate (list seats, for AMS)
	Div    Divisor
	// Threshold, when non-nil, excludes parties whose votes are strictly below this
	// percentage of all votes (London Assembly: 5).
	Threshold *big.Rat
	// CountPrior makes the seats a party already holds (constituency seats) count in its
	// divisor, as the additional member system does.
	CountPrior bool
	Seed       int64
}

// Allocate awards opt.Seats seats one at a time to the party with the highest quotient
// votes / Div(seats held). A party below the threshold or whose candidate list is
// exhausted is passed over. An equality of quotients for a seat goes to the party with
// higher figure recalculated as though each held one more seat and, if still equal, is settled by lot (drawn from opt.Seed and
// recorded).
func Allocate(c *Contest, opt Options) (*count.Result, error) {
	if opt.Seats < 0 {
		return nil, fmt.Errorf("%s: %d seats", opt.Method, opt.Seats)
	}
	if opt.Div == nil {
		opt.Div = DHondt
	}
	seen := map[string]bool{}
	var total int64
	for _, p := range c.Parties {
		if p.Name == "" {
			return nil, fmt.Errorf("%s: a party has no name", opt.Method)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%s: party %q listed twice", opt.Method, p.Name)
		}
		if p.Votes < 0 || p.ConstituencySeats < 0 {
			return nil, fmt.Errorf("%s: party %q has a negative figure", opt.Method, p.Name)
		}
		seen[p.Name] = true
		total += p.Votes
	}
	res := &count.Result{Method: opt.Method, Title: c.Title, Seats: opt.Seats,
		PartySeats: map[string]int{}, Shares: map[string]string{}, Valid: count.Itoa(total)}
	tally := map[string]string{}
	eligible := make([]bool, len(c.Parties))
	var excluded []string
	for i, p := range c.Parties {
		res.Candidates = append(res.Candidates, p.Name)
		tally[p.Name] = count.Itoa(p.Votes)
		res.Shares[p.Name] = count.Percent(p.Votes, total, 2)
		res.PartySeats[p.Name] = 0
		eligible[i] = p.Votes > 0
		if opt.Threshold != nil && count.BelowPercent(p.Votes, total, opt.Threshold) {
			eligible[i] = false
			excluded = append(excluded, p.Name)
		}
	}
	if opt.Threshold != nil {
		res.Quota = opt.Threshold.FloatString(2) + "%"
		res.QuotaName = "threshold (a party with a smaller share of all list votes takes no list seat)"
		res.Notes = append(res.Notes, fmt.Sprintf("threshold %s%% of %s votes", opt.Threshold.FloatString(2), grouped(total)))
	}
	held := make([]int, len(c.Parties))
	won := make([]int, len(c.Parties))
	seated := map[string]bool{}
	for _, n := range c.ConstituencyWinners {
		seated[n] = true
	}
	// cursor[i] is the place on party i's list of the name its next seat goes to
	// (len when the list has run out): names already elected in a constituency
	// are stepped over.
	cursor := make([]int, len(c.Parties))
	taken := make([]int, len(c.Parties)) // the place after the last name seated
	advance := func(i int) {
		l := c.Parties[i].ListCandidates
		for cursor[i] < len(l) && seated[l[cursor[i]]] {
			cursor[i]++
		}
	}
	for i := range c.Parties {
		advance(i)
	}
	exhausted := func(i int) bool {
		p := c.Parties[i]
		return p.HasCandidateList && cursor[i] >= len(p.ListCandidates)
	}
	for i, p := range c.Parties {
		if opt.CountPrior {
			held[i] = p.ConstituencySeats
		}
	}
	lot := count.NewLot(opt.Seed)
	rounds := []count.Round{{Number: 1, Action: "votes", Tally: tally, Eliminated: excluded}}
	for seat := 1; seat <= opt.Seats; seat++ {
		best := -1
		var tied []int
		for i, p := range c.Parties {
			if !eligible[i] {
				continue
			}
			if exhausted(i) {
				continue // list exhausted: passed over
			}
			if best < 0 {
				best, tied = i, []int{i}
				continue
			}
			switch cmp := compareQuotients(p.Votes, opt.Div(held[i]), c.Parties[best].Votes, opt.Div(held[best])); {
			case cmp > 0:
				best, tied = i, []int{i}
			case cmp == 0:
				tied = append(tied, i)
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("%s: seat %d of %d cannot be filled: no party is eligible for it (every list is exhausted or below the threshold)", opt.Method, seat, opt.Seats)
		}
		if len(tied) > 1 {
			// Equal quotients: as the Greater London Authority Act 1999 (Sch. 2 para 7)
			// has it, recalculate as though each tied party held one more seat; the
			// highest figure takes the seat, and if they are still equal, lot decides.
			next := tied[0]
			for _, i := range tied[1:] {
				if compareQuotients(c.Parties[i].Votes, opt.Div(held[i]+1), c.Parties[next].Votes, opt.Div(held[next]+1)) > 0 {
					next = i
				}
			}
			tied = slices.DeleteFunc(tied, func(i int) bool {
				return compareQuotients(c.Parties[i].Votes, opt.Div(held[i]+1), c.Parties[next].Votes, opt.Div(held[next]+1)) != 0
			})
			best = tied[0]
			if len(tied) > 1 {
				var names []string
				for _, i := range tied {
					names = append(names, c.Parties[i].Name)
				}
				chosen, tb := lot.Draw(seat+1, "seat", names)
				tb.Round = seat + 1
				res.TieBreaks = append(res.TieBreaks, tb)
				best = slices.IndexFunc(c.Parties, func(p Party) bool { return p.Name == chosen })
			}
		}
		p := c.Parties[best]
		q := new(big.Rat).SetFrac64(p.Votes, opt.Div(held[best]))
		a := count.Award{Seat: seat, Party: p.Name, Quotient: q.FloatString(6)}
		if p.HasCandidateList {
			// The names stepped over since this party's last seat (or the top of its
			// list) were elected in constituencies.
			if taken[best] < cursor[best] {
				a.Skipped = slices.Clone(p.ListCandidates[taken[best]:cursor[best]])
			}
			a.Candidate = p.ListCandidates[cursor[best]]
			cursor[best]++
			taken[best] = cursor[best]
			advance(best)
		}
		if len(a.Skipped) > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("seat %d: %s of the %s list passed over, elected in a constituency", seat, strings.Join(a.Skipped, ", "), p.Name))
		}
		for i, pp := range c.Parties {
			// A party whose list has run out, with a quotient that would have taken
			// this seat, is passed over: say so.
			if i != best && eligible[i] && exhausted(i) &&
				compareQuotients(pp.Votes, opt.Div(held[i]), p.Votes, opt.Div(held[best])) >= 0 {
				a.PassedOver = append(a.PassedOver, pp.Name)
			}
		}
		if len(a.PassedOver) > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("seat %d: %s passed over, the list having run out", seat, strings.Join(a.PassedOver, ", ")))
		}
		res.Awards = append(res.Awards, a)
		held[best]++
		won[best]++
		res.PartySeats[p.Name]++
		if a.Candidate != "" {
			res.Elected = append(res.Elected, a.Candidate)
		} else {
			res.Elected = append(res.Elected, p.Name)
		}
		rt := map[string]string{}
		for i, pp := range c.Parties {
			if eligible[i] {
				rt[pp.Name] = new(big.Rat).SetFrac64(pp.Votes, opt.Div(held[i]-boolInt(i == best))).FloatString(6)
			}
		}
		rounds = append(rounds, count.Round{Number: seat + 1, Action: fmt.Sprintf("seat %d to %s (quotient %s)", seat, p.Name, a.Quotient),
			Tally: rt, Elected: []string{res.Elected[len(res.Elected)-1]}})
	}
	res.Rounds = rounds
	if opt.CountPrior {
		res.TotalSeats = map[string]int{}
		for i, p := range c.Parties {
			res.TotalSeats[p.Name] = p.ConstituencySeats + won[i]
		}
	}
	if lot.Used() {
		res.Notes = append(res.Notes, fmt.Sprintf("equal quotients and votes settled by lot with seed %d", opt.Seed))
	}
	return res, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compareQuotients compares va/da with vb/db exactly.
func compareQuotients(va, da, vb, db int64) int {
	l := new(big.Int).Mul(big.NewInt(va), big.NewInt(db))
	r := new(big.Int).Mul(big.NewInt(vb), big.NewInt(da))
	return l.Cmp(r)
}

// ParseAMS reads the ams-csv format: a header party,list_votes,constituency_seats and
// one row per party; any further cells in a row are the party's list candidates in
// order (a row with none has an unlimited list). constituency_seats may be empty (0).
func ParseAMS(r io.Reader, name string) (*Contest, error) {
	_, rows, err := count.ReadCSV(r, name, []string{"party", "list_votes", "constituency_seats"}, true)
	if err != nil {
		return nil, err
	}
	c := &Contest{}
	seen := map[string]int{}
	var total int64
	for _, row := range rows {
		p := Party{Name: row.Fields[0]}
		if p.Name == "" {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "party", Msg: "empty party name"}
		}
		if prev, dup := seen[p.Name]; dup {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "party", Msg: fmt.Sprintf("%q already given on line %d", p.Name, prev)}
		}
		seen[p.Name] = row.Line
		if p.Votes, err = count.ParseVotes(name, row.Line, "list_votes", row.Fields[1]); err != nil {
			return nil, err
		}
		total += p.Votes
		if total > 1<<62 {
			return nil, &count.InputError{File: name, Line: row.Line, Field: "list_votes", Msg: "total too large"}
		}
		if row.Fields[2] != "" {
			cs, err := count.ParseVotes(name, row.Line, "constituency_seats", row.Fields[2])
			if err != nil {
				return nil, err
			}
			if cs > 1<<20 {
				return nil, &count.InputError{File: name, Line: row.Line, Field: "constituency_seats", Msg: "implausibly many seats"}
			}
			p.ConstituencySeats = int(cs)
		}
		for _, f := range row.Fields[3:] {
			if f != "" {
				p.ListCandidates = append(p.ListCandidates, f)
			}
		}
		p.HasCandidateList = len(p.ListCandidates) > 0
		c.Parties = append(c.Parties, p)
	}
	if len(c.Parties) == 0 {
		return nil, &count.InputError{File: name, Msg: "no parties"}
	}
	return c, nil
}

// grouped writes n with thousands separators, for notes a person reads.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
