package app

import (
	"context"
	"slices"

	"github.com/rulebook/rulebook"
)

// What a member voting online is shown. A member who may not see selections (the
// register, their electorates) is still shown the ballot paper of a selection
// they are asked to vote in: its contest, timetable and candidates, and whether
// they themselves are in the electorate and have voted — never how anyone voted.

// BallotPaper is a selection's ballot as one member sees it.
type BallotPaper struct {
	Selection    string            `json:"selection"`
	Procedure    string            `json:"procedure"`
	Name         string            `json:"procedure_name"`
	Contest      string            `json:"contest"`
	Method       string            `json:"method"`
	Seats        int               `json:"seats"`
	State        string            `json:"state"`
	Ballot       rulebook.Date     `json:"ballot"`
	BallotCloses rulebook.Date     `json:"ballot_closes"`
	Candidates   []BallotCandidate `json:"candidates"`
	Member       string            `json:"member"`
	// InElectorate says the member is in the electorate frozen, or admitted on a
	// challenge; Voted that they are on the marked register.
	InElectorate bool `json:"in_electorate"`
	Voted        bool `json:"voted"`
	// Open says ballots are taken today.
	Open bool `json:"open"`
	// Sections are, in a selection by electoral college, the sections the member
	// votes in (frozen in their electorate or on their roll), each saying whether
	// they have voted in its current ballot.
	Sections []BallotSection `json:"sections,omitempty"`
}

// BallotSection is a section of an electoral college a member votes in.
type BallotSection struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Voted bool   `json:"voted"`
}

// BallotCandidate is a candidate on a ballot paper.
type BallotCandidate struct {
	Member string `json:"member"`
	Name   string `json:"name"`
}

// BallotPaper returns the ballot paper of selection id for the member signed in.
func (a *App) BallotPaper(ctx context.Context, id string) (*BallotPaper, error) {
	p := PrincipalFrom(ctx)
	if _, err := a.allow(ctx, VoteInSelection, Resource{Member: p.Member()}); err != nil {
		return nil, err
	}
	s, err := a.selection(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.ballotPaper(ctx, s, p.Member())
}

func (a *App) ballotPaper(ctx context.Context, s *rulebook.Selection, member string) (*BallotPaper, error) {
	_, proc, err := a.procedureOf(s)
	if err != nil {
		return nil, err
	}
	onBallot := s.OnBallot()
	if s.CollegeSpec != nil {
		onBallot = s.CollegeOnBallot()
	}
	names, err := a.db().MemberNames(ctx, onBallot)
	if err != nil {
		return nil, err
	}
	bp := &BallotPaper{Selection: s.ID, Procedure: s.Procedure, Name: proc.Name, Contest: s.Contest, Method: s.Method, Seats: s.Seats,
		State: s.State, Ballot: s.Ballot, BallotCloses: s.BallotCloses, Candidates: []BallotCandidate{}, Member: member}
	for _, c := range onBallot {
		bp.Candidates = append(bp.Candidates, BallotCandidate{Member: c, Name: names[c]})
	}
	if member != "" && s.Electorate != nil {
		if bp.InElectorate, bp.Voted, err = a.db().VoterStanding(ctx, s.ID, member); err != nil {
			return nil, err
		}
		bp.InElectorate = bp.InElectorate || slices.Contains(s.Admitted, member)
	}
	today := a.Today()
	bp.Open = s.State == rulebook.SelectionBallot && today >= s.Ballot && today <= s.BallotCloses
	if c := s.College; s.CollegeSpec != nil && c != nil && member != "" {
		// A college's ballot is a section's: the member is in those sections whose
		// frozen electorate holds them, and has voted when marked in all of them.
		bp.Ballot, bp.BallotCloses = c.Ballot, c.BallotCloses
		bp.Open = s.State == rulebook.SelectionBallot && today >= c.Ballot && today <= c.BallotCloses
		bp.Voted = true
		for _, sec := range s.CollegeSpec.Sections {
			in, _, err := a.db().VoterStanding(ctx, rulebook.CollegeKey(s.ID, sec.ID, 0), member)
			if err != nil {
				return nil, err
			}
			if !in || c.FrozenSection(sec.ID) == nil {
				continue
			}
			_, voted, err := a.db().VoterStanding(ctx, rulebook.CollegeKey(s.ID, sec.ID, c.Round), member)
			if err != nil {
				return nil, err
			}
			bp.Sections = append(bp.Sections, BallotSection{ID: sec.ID, Name: sec.Name, Voted: voted})
			bp.Voted = bp.Voted && voted
		}
		bp.InElectorate = len(bp.Sections) > 0
		bp.Voted = bp.Voted && bp.InElectorate
	}
	return bp, nil
}

// BallotPapers lists the ballot papers of the selections now taking ballots in
// whose electorate the member signed in is (or to which a challenge admitted them).
func (a *App) BallotPapers(ctx context.Context) ([]BallotPaper, error) {
	p := PrincipalFrom(ctx)
	if _, err := a.allow(ctx, VoteInSelection, Resource{Member: p.Member()}); err != nil {
		return nil, err
	}
	out := []BallotPaper{}
	if p.Member() == "" {
		return out, nil // the command line votes for no one
	}
	open, err := a.selectionsAt(ctx, rulebook.SelectionBallot)
	if err != nil {
		return nil, err
	}
	for _, s := range open {
		bp, err := a.ballotPaper(ctx, s, p.Member())
		if err != nil {
			return nil, err
		}
		if bp.InElectorate {
			out = append(out, *bp)
		}
	}
	return out, nil
}
