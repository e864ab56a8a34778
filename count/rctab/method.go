package rctab

import (
	"fmt"
	"strconv"

	"github.com/rulebook/rulebook/count"
)

// The RCTab tabulator is also a ranked method of count.Election ("rctab"): single-seat
// IRV, or for several seats RCTab's fractional surplus transfer
// (multiWinnerAllowMultipleWinnersPerRound), with RCTab's defaults elsewhere —
// 4 decimal places, an equal ranking exhausts the ballot (exhaustImmediately), unlimited
// skipped ranks, and ties broken by java.util.Random seeded with Options.Seed.
func init() { count.RegisterRanked("rctab", countElection) }

func countElection(e *count.Election, opt count.Options) (*count.Result, error) {
	if err := count.CheckSize("rctab", e); err != nil {
		return nil, err
	}
	seats := e.Seats
	if opt.Seats > 0 {
		seats = opt.Seats
	}
	if seats < 1 {
		seats = 1
	}
	cfg := &Config{ContestName: e.Title, TiebreakMode: tieRandom, RandomSeed: opt.Seed,
		OvervoteRule: ovExhaust, Mode: modeSingle, NumberOfWinners: seats, DecimalPlaces: 4,
		MaxSkippedRanks: -1, MaxRankings: len(e.Candidates), aliasToName: map[string]string{}}
	if seats > 1 {
		cfg.Mode = modeMultiplePerRnd
	}
	for i, n := range e.Candidates {
		if n == "" || n == UWI {
			return nil, fmt.Errorf("candidate %d: name %q can't be used", i+1, n)
		}
		if _, dup := cfg.aliasToName[n]; dup {
			return nil, fmt.Errorf("candidate name %q appears twice", n)
		}
		cfg.aliasToName[n] = n
		withdrawn := e.Withdrawn != nil && i < len(e.Withdrawn) && e.Withdrawn[i]
		cfg.Candidates = append(cfg.Candidates, Candidate{Name: n, Excluded: withdrawn})
	}
	var ballots []*Ballot
	for bi, b := range e.Ballots {
		if b.Weight <= 0 {
			return nil, fmt.Errorf("ballot %d: weight %d is not positive", bi+1, b.Weight)
		}
		ranks := make([][]int32, len(b.Ranks))
		for r, at := range b.Ranks {
			for _, c := range at {
				if c < 0 || c >= len(e.Candidates) {
					return nil, fmt.Errorf("ballot %d: candidate index %d out of range", bi+1, c)
				}
				ranks[r] = append(ranks[r], int32(c))
			}
		}
		ballots = append(ballots, &Ballot{Ranks: ranks, Weight: b.Weight})
	}
	o, err := tabulate(cfg, ballots, seats, nil)
	if err != nil {
		return nil, err
	}
	return o.Result(), nil
}

// Result converts the outcome to the shared count.Result shape.
func (o *Outcome) Result() *count.Result {
	method := "rctab-irv"
	if o.numWinners > 1 {
		method = "rctab-stv"
	}
	res := &count.Result{Method: method, Title: o.cfg.ContestName, Seats: o.numWinners,
		Candidates: append([]string(nil), o.cfg.candidateNames()...),
		Quota:      o.rounds[len(o.rounds)-1].threshold.String(), QuotaName: "winning threshold (as the configuration sets it; final round)"}
	won := roundsOf(o, o.winnerOrder, o.winnerRound)
	lost := roundsOf(o, o.elimOrder, o.elimRound)
	for i, rt := range o.rounds {
		round := i + 1
		r := count.Round{Number: round, Tally: map[string]string{}, Exhausted: rt.inactiveSum().String(),
			Elected: won[round], Eliminated: lost[round]}
		for c, v := range rt.tally {
			r.Tally[o.names[c]] = v.String()
		}
		if m := o.transfers[round]; round > 1 && m != nil {
			in := map[string]Dec{}
			for _, to := range m {
				for name, v := range to {
					in[name] = in[name].Add(v)
				}
			}
			r.Transfers = map[string]string{}
			for name, v := range in {
				r.Transfers[name] = v.String()
			}
		}
		switch {
		case len(won[round]) > 0:
			r.Action = "elect"
		case len(lost[round]) > 0:
			r.Action = "eliminate"
		}
		res.Rounds = append(res.Rounds, r)
		res.Elected = append(res.Elected, won[round]...)
	}
	for _, tr := range o.ties {
		purpose := "eliminate"
		if tr.winning {
			purpose = "elect"
		}
		how := o.cfg.TiebreakMode
		if o.cfg.TiebreakMode == tieRandom || o.cfg.TiebreakMode == tievPrevThenRandom || o.cfg.TiebreakMode == tieGeneratePerm {
			how += " (java.util.Random seed " + strconv.FormatInt(o.cfg.RandomSeed, 10) + ")"
		}
		res.TieBreaks = append(res.TieBreaks, count.TieBreak{Round: tr.round, Tied: tr.tied, Chosen: tr.chosen, Purpose: purpose, How: how})
	}
	res.Notes = append(res.Notes, "counted with RCTab 2.0 rules: "+o.cfg.Mode+", "+strconv.Itoa(int(o.cfg.DecimalPlaces))+" decimal places")
	return res
}
