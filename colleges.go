package rulebook

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/college"
)

// Event types of a selection by electoral college (subject "selection/ID"), beside
// the selection's own: a roll entered for a section whose voters the staff list, the
// sections' electorates frozen together, a ballot cast or papers entered in a
// section, the sections' ballots sealed a round at a time, and the college counted.
// Ballots stay secret as in any selection: the marked register of each section
// names the voter, and the ballots are kept only added up by ranking, per section.
const (
	EventRollEntered    = "selection.roll_entered"
	EventCollegeFrozen  = "selection.college_frozen"
	EventSectionVoted   = "selection.section_voted"
	EventSectionPapers  = "selection.section_papers"
	EventCollegeSealed  = "selection.college_sealed"
	EventCollegeCounted = "selection.college_counted"
	collegeKeySeparator = "#"
	collegeFirstRound   = 1
)

func init() {
	// The names on a roll are what the staff wrote about people; the ids stay.
	DeclarePersonal(EventRollEntered, "names")
}

// CollegeSpec is a college as the selection was opened with it (the procedure's,
// kept so that the count runs as opened whatever later versions say).
type CollegeSpec struct {
	Rounds   string               `json:"rounds"`
	Sections []CollegeSectionSpec `json:"sections"`
}

// CollegeSectionSpec is a section: its weight, and who votes in it (members who
// may do Vote, or a roll).
type CollegeSectionSpec struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Weight string `json:"weight"`
	Vote   string `json:"vote,omitempty"`
	Roll   bool   `json:"roll,omitempty"`
}

// Section returns the section with id, or nil.
func (c *CollegeSpec) Section(id string) *CollegeSectionSpec {
	for i := range c.Sections {
		if c.Sections[i].ID == id {
			return &c.Sections[i]
		}
	}
	return nil
}

// SectionIDs lists the sections' ids.
func (c *CollegeSpec) SectionIDs() []string {
	out := make([]string, len(c.Sections))
	for i, s := range c.Sections {
		out[i] = s.ID
	}
	return out
}

// CollegeKey is the key a section's rows are stored under beside the selection's:
// its electorate (round 0) or, for a round, its marked register and ballots. Ids
// never hold '#', so no key is another selection's.
func CollegeKey(selection, section string, round int) string {
	if round == 0 {
		return selection + collegeKeySeparator + section
	}
	return fmt.Sprintf("%s%s%s%s%d", selection, collegeKeySeparator, section, collegeKeySeparator, round)
}

// RollEntered is the data of selection.roll_entered: the roll of a section whose
// voters the staff list, replacing any entered before.
type RollEntered struct {
	Section string            `json:"section"`
	Voters  []string          `json:"voters"`
	Names   map[string]string `json:"names,omitempty"`
}

// SectionElectorate is a section's frozen electorate.
type SectionElectorate struct {
	Section string `json:"section"`
	FrozenElectorate
}

// CollegeFrozen is the data of selection.college_frozen.
type CollegeFrozen struct {
	Sections []SectionElectorate `json:"sections"`
}

// SectionVoted is the data of selection.section_voted: the marked register of a
// section's round.
type SectionVoted struct {
	Member  string `json:"member"`
	Section string `json:"section"`
	Round   int    `json:"round"`
}

// SectionPapers is the data of selection.section_papers.
type SectionPapers struct {
	Section string `json:"section"`
	Round   int    `json:"round"`
	PapersEntered
}

// SectionSealed is a section's ballots of a round, sealed.
type SectionSealed struct {
	Section string `json:"section"`
	Sealed
}

// CollegeSealed is the data of selection.college_sealed: one round's ballots in
// every section, and the candidates on that round's ballot.
type CollegeSealed struct {
	Round    int             `json:"round"`
	Standing []string        `json:"standing"`
	Sections []SectionSealed `json:"sections"`
}

// CollegeCounted is the data of selection.college_counted: the college count,
// and (when it is complete) the summary every selection's readers use. When an
// exhaustive college needs another ballot, Ballot and BallotCloses are its days.
type CollegeCounted struct {
	Round        int             `json:"round"`
	College      *college.Result `json:"college"`
	Result       *count.Result   `json:"result,omitempty"`
	Ballot       Date            `json:"ballot,omitempty"`
	BallotCloses Date            `json:"ballot_closes,omitempty"`
}

// CollegeRun is a college selection's progress, as its events make it.
type CollegeRun struct {
	// Round is the ballot now held (or last held); Standing the candidates on it
	// after the first, and Ballot and BallotCloses its days.
	Round        int                 `json:"round"`
	Standing     []string            `json:"standing,omitempty"`
	Ballot       Date                `json:"ballot"`
	BallotCloses Date                `json:"ballot_closes"`
	Rolls        map[string]int      `json:"rolls,omitempty"`
	Frozen       []SectionElectorate `json:"frozen,omitempty"`
	Tallies      []SectionTally      `json:"tallies,omitempty"`
	Sealed       []CollegeSealed     `json:"sealed,omitempty"`
	Result       *college.Result     `json:"result,omitempty"`
}

// SectionTally is what a section's round holds: ballots cast through rulebook
// (each marked on the section's register) and papers entered.
type SectionTally struct {
	Section  string `json:"section"`
	Round    int    `json:"round"`
	Marked   int64  `json:"marked"`
	Entered  int64  `json:"entered"`
	Rejected int64  `json:"rejected,omitempty"`
}

// Tally returns the tally of a section's round, made if need be.
func (c *CollegeRun) Tally(section string, round int) *SectionTally {
	for i := range c.Tallies {
		if t := &c.Tallies[i]; t.Section == section && t.Round == round {
			return t
		}
	}
	c.Tallies = append(c.Tallies, SectionTally{Section: section, Round: round})
	return &c.Tallies[len(c.Tallies)-1]
}

// Frozen returns a section's frozen electorate, or nil.
func (c *CollegeRun) FrozenSection(section string) *SectionElectorate {
	for i := range c.Frozen {
		if c.Frozen[i].Section == section {
			return &c.Frozen[i]
		}
	}
	return nil
}

// CollegeOnBallot lists the candidates on the ballot of a college's current
// round: those standing in it after the first, else those on the selection's.
func (s *Selection) CollegeOnBallot() []string {
	if s.College != nil && len(s.College.Standing) > 0 {
		var out []string
		for _, c := range s.OnBallot() {
			if slices.Contains(s.College.Standing, c) {
				out = append(out, c)
			}
		}
		return out
	}
	return s.OnBallot()
}

// applyCollege folds a college event into s; it reports false for an event that
// is not a college's.
func (s *Selection) applyCollege(e *Event) (bool, error) {
	into := func(v any) error {
		if err := json.Unmarshal(e.Data, v); err != nil {
			return fmt.Errorf("event %s (%s): %v", e.ID, e.Type, err)
		}
		return nil
	}
	switch e.Type {
	case EventRollEntered, EventCollegeFrozen, EventSectionVoted, EventSectionPapers, EventCollegeSealed, EventCollegeCounted:
	default:
		return false, nil
	}
	if s.College == nil {
		s.College = &CollegeRun{Round: collegeFirstRound, Ballot: s.Ballot, BallotCloses: s.BallotCloses}
	}
	c := s.College
	switch e.Type {
	case EventRollEntered:
		var r RollEntered
		if err := into(&r); err != nil {
			return true, err
		}
		if c.Rolls == nil {
			c.Rolls = map[string]int{}
		}
		c.Rolls[r.Section] = len(r.Voters)
	case EventCollegeFrozen:
		var f CollegeFrozen
		if err := into(&f); err != nil {
			return true, err
		}
		c.Frozen, s.FrozenSeq, s.State = f.Sections, e.Seq, SelectionBallot
	case EventSectionVoted:
		var v SectionVoted
		if err := into(&v); err != nil {
			return true, err
		}
		c.Tally(v.Section, v.Round).Marked++
	case EventSectionPapers:
		var p SectionPapers
		if err := into(&p); err != nil {
			return true, err
		}
		t := c.Tally(p.Section, p.Round)
		t.Entered += p.Papers
		t.Rejected += p.Rejected
	case EventCollegeSealed:
		var x CollegeSealed
		if err := into(&x); err != nil {
			return true, err
		}
		c.Sealed = append(c.Sealed, x)
		s.State = SelectionSealed
	case EventCollegeCounted:
		var x CollegeCounted
		if err := into(&x); err != nil {
			return true, err
		}
		c.Result = x.College
		if x.College != nil && x.College.Complete {
			s.Result, s.Counted, s.State = x.Result, e.Effective, SelectionCounted
			break
		}
		// Another ballot: the candidates left stand in it.
		c.Round++
		c.Standing, c.Ballot, c.BallotCloses, s.State = x.College.Next, x.Ballot, x.BallotCloses, SelectionBallot
	}
	return true, nil
}
