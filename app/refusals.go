package app

import (
	"context"
	"fmt"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/college"
)

// The refusals report: every member refused a ballot whose challenge was upheld
// (the refusal was wrong), those whose challenge is still to be decided, and for
// each decisive round of the count the margin that decided it (count.Margins,
// college.Margins) beside the number turned away. A member admitted on an upheld
// challenge who then voted was not turned away in the end: they are listed, and
// not counted among the papers that could have changed a round.

// RefusalFound is a refusal of a ballot and what became of its challenge.
type RefusalFound struct {
	Member     string        `json:"member"`
	Name       string        `json:"name,omitempty"`
	Refused    rulebook.Date `json:"refused"`
	Clause     string        `json:"clause"`
	Event      string        `json:"event"`
	Challenged rulebook.Date `json:"challenged"`
	Body       string        `json:"body,omitempty"`
	Decided    rulebook.Date `json:"decided,omitempty"`
	// Voted says the member voted after all (admitted on the challenge).
	Voted bool `json:"voted"`
}

// RoundVerdict is a decisive round's margin and whether the refusals could have
// changed it: those found wrong (Could), and those with the pending ones too.
type RoundVerdict struct {
	count.Margin
	Could        bool   `json:"could"`
	PendingCould bool   `json:"could_with_pending"`
	Verdict      string `json:"verdict"`
}

// RefusalReport is the refusals of a counted selection against its margins.
type RefusalReport struct {
	Selection string         `json:"selection"`
	Contest   string         `json:"contest"`
	Method    string         `json:"method"`
	Counted   rulebook.Date  `json:"counted"`
	Elected   []string       `json:"elected"`
	Refused   int            `json:"refused"`
	Wrong     []RefusalFound `json:"found_wrong"`
	Pending   []RefusalFound `json:"pending"`
	// TurnedAway is the number found wrong who did not vote; WithPending adds the
	// challenges still to be decided (those members have not voted either).
	TurnedAway  int64          `json:"turned_away"`
	WithPending int64          `json:"turned_away_with_pending"`
	Rounds      []RoundVerdict `json:"rounds"`
	// Could says the refusals found wrong could have changed a decisive round;
	// PendingCould the same if every pending challenge were upheld.
	Could        bool   `json:"could_have_changed_result"`
	PendingCould bool   `json:"pending_could_have_changed_result"`
	Rule         string `json:"rule"`
	Summary      string `json:"summary"`
}

// marginRule is the rule the report states, in words.
const marginRule = "An extra paper adds at most one vote to one candidate in any round and takes none from anyone, so N papers close a gap between two candidates only if N is at least the gap; at the gap itself they are level and a tie could go either way. A round could have been changed by N wrongly refused voters when N is at least the papers it needed; fewer could not have changed it. In an electoral college the gap is in the weighted total, and the papers needed are the fewest in any one section, since an extra paper changes every share in its section."

// SelectionRefusals reports a counted selection's refusals found wrong against
// the margin of each decisive round of its count.
func (a *App) SelectionRefusals(ctx context.Context, id string) (*RefusalReport, error) {
	p, s, err := a.viewSelection(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.Result == nil {
		return nil, notPermitted("selection %s is not counted (it is %s): the margins come from the count", s.ID, s.State)
	}
	ids := []string{}
	for _, r := range s.Refusals {
		ids = append(ids, r.Member)
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	rep := &RefusalReport{Selection: s.ID, Contest: s.Contest, Method: s.Result.Method, Counted: s.Counted, Elected: s.Result.Elected,
		Refused: len(s.Refusals), Wrong: []RefusalFound{}, Pending: []RefusalFound{}, Rounds: []RoundVerdict{}, Rule: marginRule}
	for _, r := range s.Refusals {
		if r.Challenge == nil {
			continue
		}
		f := RefusalFound{Member: r.Member, Name: names[r.Member], Refused: r.Date, Clause: r.Clause, Event: r.Event,
			Challenged: r.Challenged, Body: r.Challenge.Body, Decided: r.Decided}
		switch {
		case r.Decided.IsZero():
			rep.Pending = append(rep.Pending, f)
			rep.WithPending++
		case r.Challenge.Upheld:
			if s.Electorate != nil {
				if _, f.Voted, err = a.db().VoterStanding(ctx, s.ID, r.Member); err != nil {
					return nil, err
				}
			}
			rep.Wrong = append(rep.Wrong, f)
			if !f.Voted {
				rep.TurnedAway++
				rep.WithPending++
			}
		}
	}
	var margins []count.Margin
	if s.College != nil && s.College.Result != nil {
		margins = college.Margins(s.College.Result)
	} else {
		margins = count.Margins(s.Result)
	}
	for _, m := range margins {
		v := RoundVerdict{Margin: m, Could: m.Could(rep.TurnedAway), PendingCould: m.Could(rep.WithPending)}
		v.Verdict = verdict(m, rep.TurnedAway)
		rep.Could = rep.Could || v.Could
		rep.PendingCould = rep.PendingCould || v.PendingCould
		rep.Rounds = append(rep.Rounds, v)
	}
	rep.Summary = fmt.Sprintf("%d wrongly refused voter%s turned away %s have changed the result", rep.TurnedAway, plural(rep.TurnedAway), couldWord(rep.Could))
	if len(rep.Pending) > 0 {
		rep.Summary += fmt.Sprintf("; with the %d challenge%s pending upheld, %d %s", len(rep.Pending), plural(int64(len(rep.Pending))), rep.WithPending, couldWord(rep.PendingCould))
	}
	return rep, a.logAccess(ctx, p, "view_selection", rulebook.SelectionSubjectPrefix+id, "refusals")
}

func verdict(m count.Margin, n int64) string {
	if !m.Assessed {
		return "not measured: " + m.Rule
	}
	if m.Needed == 0 {
		return fmt.Sprintf("no number of extra papers could have changed this round; %d wrongly refused voter%s could not", n, plural(n))
	}
	return fmt.Sprintf("%d wrongly refused voter%s %s have changed this round (%d needed)", n, plural(n), couldWord(m.Could(n)), m.Needed)
}

func couldWord(b bool) string {
	if b {
		return "could"
	}
	return "could not"
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
