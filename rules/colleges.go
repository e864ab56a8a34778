package rules

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count/college"
)

// MethodCollege is the method of a selection by electoral college: it is given
// by the procedure's college, not by a method of its own.
const MethodCollege = "college"

// College is a selection decided by an electoral college of weighted sections.
// In each round every section's votes become percentages of that section's valid
// votes, weighted by the section's share of the college, and added up; Rounds
// says how a round without a majority is followed: "preferential" (the lowest
// eliminated, their ballots passed on within each section) or "exhaustive" (a new
// ballot in every section).
type College struct {
	Rounds   string           `yaml:"rounds" json:"rounds"`
	Sections []CollegeSection `yaml:"sections" json:"sections"`
}

// CollegeSection is a section of a college: who votes in it and its weight. Its
// voters are either the members (of the selection's unit) who may do Vote, an
// action of the rights matrix whose conditions say who qualifies, or, with Roll, a
// roll the staff enter (affiliated organisations' voters, who need not be
// members). A person may vote in more than one section.
type CollegeSection struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Weight is the section's share of the college, a percentage ("50%") or an
	// exact fraction ("1/3"); the sections' weights add up to all of it.
	Weight string `yaml:"weight" json:"weight"`
	Vote   string `yaml:"vote" json:"vote,omitempty"`
	Roll   bool   `yaml:"roll" json:"roll,omitempty"`
}

// Weights returns the sections' weights as exact fractions.
func (c *College) Weights() ([]*big.Rat, error) {
	out := make([]*big.Rat, len(c.Sections))
	for i, s := range c.Sections {
		w, err := college.ParseWeight(s.Weight)
		if err != nil {
			return nil, fmt.Errorf("section %s: %v", s.ID, err)
		}
		out[i] = w
	}
	return out, nil
}

// Section returns the section with id, or nil.
func (c *College) Section(id string) *CollegeSection {
	for i := range c.Sections {
		if c.Sections[i].ID == id {
			return &c.Sections[i]
		}
	}
	return nil
}

// SectionIDs lists the sections' ids in the order declared.
func (c *College) SectionIDs() []string {
	out := make([]string, len(c.Sections))
	for i, s := range c.Sections {
		out[i] = s.ID
	}
	return out
}

// TriggerBallot is how a sitting holder is challenged: the units of a kind each
// decide whether they want an open selection, and if at least Share of those that
// decide ask for one, one is opened; otherwise the holder is reselected.
type TriggerBallot struct {
	// Units is the kind of unit that votes (branches, affiliated organisations…).
	Units string `yaml:"units" json:"units"`
	// Share is the least share of the units deciding that must ask for an open
	// selection: a percentage ("33.4%") or a fraction ("1/3").
	Share  string `yaml:"share" json:"share"`
	Clause string `yaml:"clause" json:"clause"`
}

// ShareRat returns the trigger's share as an exact fraction.
func (t *TriggerBallot) ShareRat() (*big.Rat, error) { return college.ParseWeight(t.Share) }

// buildCollege checks a procedure's college and trigger ballot against v, and
// gives a college procedure its method.
func buildCollege(c *checker, v *Version, s *Selection, action func(path, id string, required bool), clause func(path, id string, required bool)) {
	if t := s.Trigger; t != nil {
		p := s.path + ".trigger_ballot"
		if t.Units == "" {
			c.addf(p+".units", "is required: the kind of unit that votes (unit_kinds: %s)", strings.Join(v.UnitKindOrder, ", "))
		} else if v.UnitKinds[t.Units] == nil {
			c.addf(p+".units", "unknown unit kind %q (unit_kinds: %s)", t.Units, strings.Join(v.UnitKindOrder, ", "))
		}
		if t.Share == "" {
			c.addf(p+".share", "is required: the least share of units that must ask for an open selection (\"1/3\" or \"33.4%%\")")
		} else if _, err := t.ShareRat(); err != nil {
			c.addf(p+".share", "%v", err)
		}
		clause(p+".clause", t.Clause, true)
	}
	col := s.College
	if col == nil {
		if s.Method == MethodCollege {
			c.addf(s.path+".method", "%q is given by a college: declare its sections under college", MethodCollege)
		}
		return
	}
	p := s.path + ".college"
	switch s.Method {
	case "":
		s.Method = MethodCollege
	case MethodCollege:
	default:
		c.addf(s.path+".method", "%q: a procedure with a college is counted by the college; leave method out", s.Method)
	}
	if s.Seats != 0 && s.Seats != 1 {
		c.addf(s.path+".seats", "%d: a college selects one candidate", s.Seats)
	}
	if col.Rounds != college.Preferential && col.Rounds != college.Exhaustive {
		c.addf(p+".rounds", "%q: %s (the lowest eliminated, preferences transferred within each section) or %s (a new ballot in each section every round)",
			col.Rounds, college.Preferential, college.Exhaustive)
	}
	if len(col.Sections) == 0 {
		c.addf(p+".sections", "at least one section is required")
	}
	sum := new(big.Rat)
	weighed := true
	var ids []string
	for i, sec := range col.Sections {
		sp := fmt.Sprintf("%s.sections[%d]", p, i)
		switch {
		case !rulebook.ValidID(sec.ID):
			c.addf(sp+".id", "%q is not a valid id (letters, digits, '-', '_' and '.')", sec.ID)
		case slices.Contains(ids, sec.ID):
			c.addf(sp+".id", "section %q is declared twice", sec.ID)
		}
		ids = append(ids, sec.ID)
		if sec.Name == "" {
			c.addf(sp+".name", "is required")
		}
		w, err := college.ParseWeight(sec.Weight)
		if err != nil {
			c.addf(sp+".weight", "%v", err)
			weighed = false
		} else {
			sum.Add(sum, w)
		}
		switch {
		case sec.Roll && sec.Vote != "":
			c.addf(sp, "give vote (members who may do an action) or roll: true (a roll the staff enter), not both")
		case !sec.Roll && sec.Vote == "":
			c.addf(sp+".vote", "is required unless roll: true: the action of the rights matrix its voters need")
		case sec.Vote != "":
			action(sp+".vote", sec.Vote, true)
		}
	}
	if weighed && len(col.Sections) > 0 && sum.Cmp(big.NewRat(1, 1)) != 0 {
		c.addf(p+".sections", "the weights add up to %s%% (%s), not 100%%", count100(sum), sum.RatString())
	}
}

func count100(r *big.Rat) string {
	return new(big.Rat).Mul(r, big.NewRat(100, 1)).FloatString(2)
}

func describeCollege(s *Selection) string {
	var parts []string
	if col := s.College; col != nil {
		var secs []string
		for _, sec := range col.Sections {
			who := "vote: " + sec.Vote
			if sec.Roll {
				who = "a roll"
			}
			secs = append(secs, fmt.Sprintf("%s %s (%s)", sec.ID, sec.Weight, who))
		}
		parts = append(parts, fmt.Sprintf("college (%s): %s", col.Rounds, strings.Join(secs, ", ")))
	}
	if t := s.Trigger; t != nil {
		parts = append(parts, fmt.Sprintf("trigger ballot of %s units, %s to open (%s)", t.Units, t.Share, t.Clause))
	}
	return strings.Join(parts, "; ")
}
