package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/rules"
)

// countList ranks a list selection's candidates by repeated counts: place 1 is
// the winner of a count for one seat, each later place the winner of a count of
// the same sealed ballots with the candidates placed above withdrawn. The result
// names the list in order (Elected), with every count's rounds in turn.
func countList(s *rulebook.Selection, method count.RankedMethod, seed int64) (*count.Result, error) {
	if s.List != rules.ListRepeated {
		return nil, rulebook.Errorf(rulebook.EInvalid, "selection %s: unknown list ranking %q (known: %v)", s.ID, s.List, rules.ListRankings())
	}
	onBallot := s.OnBallot()
	places := min(s.Seats, len(onBallot))
	out := &count.Result{Method: s.Method, Title: s.Contest, Seats: places, Candidates: onBallot,
		Notes: []string{fmt.Sprintf("a list of %d places ranked by repeated counts: each place the winner of a count for one seat, those placed above withdrawn", places)}}
	var placed []string
	for place := 1; place <= places; place++ {
		e := &count.Election{Title: s.Contest, Seats: 1, Candidates: s.Sealed.Candidates, Withdrawn: make([]bool, len(s.Sealed.Candidates))}
		for i, c := range s.Sealed.Candidates {
			e.Withdrawn[i] = !slices.Contains(onBallot, c) || slices.Contains(placed, c)
		}
		for _, b := range s.Sealed.Ballots {
			ranks := make([][]int, len(b)-1)
			for k, c := range b[1:] {
				ranks[k] = []int{int(c)}
			}
			e.Ballots = append(e.Ballots, count.Ballot{Weight: b[0], Ranks: ranks})
		}
		r, err := method(e, count.Options{Seats: 1, Seed: seed + int64(place)})
		if err != nil {
			return nil, fmt.Errorf("place %d: %w", place, err)
		}
		if len(r.Elected) != 1 {
			return nil, fmt.Errorf("place %d: the count elected %d", place, len(r.Elected))
		}
		if place == 1 {
			out.Valid, out.Rejected, out.Shares, out.Quota, out.QuotaName = r.Valid, r.Rejected, r.Shares, r.Quota, r.QuotaName
		}
		for _, rd := range r.Rounds {
			rd.Number = len(out.Rounds) + 1
			rd.Action = fmt.Sprintf("place %d: %s", place, rd.Action)
			out.Rounds = append(out.Rounds, rd)
		}
		for _, tb := range r.TieBreaks {
			tb.Round += len(out.Rounds) - len(r.Rounds)
			out.TieBreaks = append(out.TieBreaks, tb)
		}
		out.Warnings = append(out.Warnings, r.Warnings...)
		placed = append(placed, r.Elected[0])
	}
	out.Elected = placed
	return out, nil
}

// ListPlace is a place on an endorsed list.
type ListPlace struct {
	Place  int    `json:"place"`
	Member string `json:"member"`
	Name   string `json:"name"`
}

// EndorsedList returns a list selection's endorsed list on a day, in the order
// the count ranked it: a candidate whose endorsement ended (deselected,
// withdrawn) by then is left off, the places below moving up.
func (a *App) EndorsedList(ctx context.Context, id string, on rulebook.Date) ([]ListPlace, error) {
	if _, err := a.allow(ctx, ViewSelections, Resource{}); err != nil {
		return nil, err
	}
	return a.endorsedList(ctx, id, on)
}

func (a *App) endorsedList(ctx context.Context, id string, on rulebook.Date) ([]ListPlace, error) {
	s, err := a.selection(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.List == "" {
		return nil, fieldErr("list", "selection %s does not rank a list (procedure %s)", id, s.Procedure)
	}
	if s.Result == nil || len(s.Endorsements) == 0 {
		return nil, notPermitted("selection %s has no endorsed list (it is at the stage %q)", id, s.State)
	}
	var members []string
	for _, c := range s.Result.Elected {
		for _, d := range s.Endorsements {
			if slices.Contains(d.Candidates, c) && d.Date <= on && (d.Ended.IsZero() || on < d.Ended) {
				members = append(members, c)
				break
			}
		}
	}
	names, err := a.db().MemberNames(ctx, members)
	if err != nil {
		return nil, err
	}
	out := make([]ListPlace, len(members))
	for i, m := range members {
		out[i] = ListPlace{Place: i + 1, Member: m, Name: names[m]}
	}
	return out, nil
}

// selectionsAt reads the stored selections at the stage state (the caller has
// decided access).
func (a *App) selectionsAt(ctx context.Context, state string) ([]*rulebook.Selection, error) {
	rows, err := a.db().Selections(ctx)
	if err != nil {
		return nil, err
	}
	var out []*rulebook.Selection
	for _, r := range rows {
		if r.State != state {
			continue
		}
		s := &rulebook.Selection{}
		if err := json.Unmarshal(r.Data, s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// viewSelection reads a stored selection for a caller who may view selections.
func (a *App) viewSelection(ctx context.Context, id string) (*Principal, *rulebook.Selection, error) {
	p, err := a.allow(ctx, ViewSelections, Resource{})
	if err != nil {
		return nil, nil, err
	}
	s, err := a.selection(ctx, id)
	return p, s, err
}

// selection reads a stored selection (the caller has decided access).
func (a *App) selection(ctx context.Context, id string) (*rulebook.Selection, error) {
	data, err := a.db().SelectionData(ctx, id)
	if err != nil {
		return nil, err
	}
	s := &rulebook.Selection{}
	return s, json.Unmarshal(data, s)
}
