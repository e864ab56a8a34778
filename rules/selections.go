package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count"
	// The ranked methods a selection may name register themselves when linked;
	// the rule book is checked against them, so they are linked wherever it is.
	_ "github.com/rulebook/rulebook/count/irv"
	_ "github.com/rulebook/rulebook/count/stv"
)

// Selection is a procedure by which the organisation chooses its candidates: who
// may vote in the ballot, stand and nominate (actions of the rights matrix, so that
// every refusal cites its clause), how many nominators a candidate needs, how the
// ballot is counted, which bodies endorse the winners and may deselect them, and
// the dated lists the endorsed winners (the official candidates automatic-exclusion
// triggers are checked against) and the candidates in an open selection enter.
type Selection struct {
	path        string
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Vote, Stand and Nominate are the actions a voter, a candidate and a
	// nominator need (Nominate optional: without it any member of the unit may).
	Vote     string `yaml:"vote" json:"vote"`
	Stand    string `yaml:"stand" json:"stand"`
	Nominate string `yaml:"nominate" json:"nominate,omitempty"`
	// Nominations says how many nominators a candidate needs.
	Nominations Nominations `yaml:"nominations" json:"nominations"`
	// Method is a registered ranked method ("irv", "stv-scottish"…) or "fptp"
	// (first preferences, the block vote for several seats).
	Method string `yaml:"method" json:"method"`
	// Seats is how many are selected (1 when not given); for a list, its places.
	Seats int `yaml:"seats" json:"seats"`
	// List, when set, makes the selection rank a list (see ListRankings): the
	// winners in the order the rule names, which the endorsement keeps.
	List string `yaml:"list" json:"list,omitempty"`
	// EndorsedBy are the bodies that endorse (or refuse to endorse) the winners,
	// and may withdraw an endorsement; DeselectedBy those that may deselect an
	// endorsed candidate; ChallengesBy those that decide a challenge to a voter's
	// refusal (EndorsedBy when not given).
	EndorsedBy   []string `yaml:"endorsed_by" json:"endorsed_by"`
	DeselectedBy []string `yaml:"deselected_by" json:"deselected_by,omitempty"`
	ChallengesBy []string `yaml:"challenges_by" json:"challenges_by,omitempty"`
	// OfficialList is the dated list the endorsed winners enter (the official
	// candidates); CandidatesList, if given, the one nominated candidates are on
	// while the selection is open (a list that warns, so that a disciplinary step
	// on a candidate says so).
	OfficialList   string `yaml:"official_list" json:"official_list,omitempty"`
	CandidatesList string `yaml:"candidates_list" json:"candidates_list,omitempty"`
	Clause         string `yaml:"clause" json:"clause"`
	// College, if given, decides the selection by weighted sections (see
	// colleges.go); Trigger is the trigger ballot a sitting holder faces.
	College *College       `yaml:"college" json:"college,omitempty"`
	Trigger *TriggerBallot `yaml:"trigger_ballot" json:"trigger_ballot,omitempty"`
}

// Nominations is what a nomination needs.
type Nominations struct {
	// Min is the least number of nominators, each of whom may nominate.
	Min int `yaml:"min" json:"min"`
}

// MethodFPTP is the selection method counted by first preferences: first past
// the post for one seat, the block vote for several.
const MethodFPTP = "fptp"

// SelectionMethods lists the methods a selection may name: fptp and the
// registered ranked methods.
func SelectionMethods() []string {
	return append([]string{MethodFPTP}, count.RankedMethods()...)
}

// Challengers returns the bodies that decide a challenge to a voter's refusal.
func (s *Selection) Challengers() []string {
	if len(s.ChallengesBy) > 0 {
		return s.ChallengesBy
	}
	return s.EndorsedBy
}

// Selection returns the selection procedure with id, or nil.
func (v *Version) Selection(id string) *Selection { return v.Selections[id] }

// selectionDraft holds the selection procedures of a version being built.
type selectionDraft struct {
	procs map[string]*Selection
	order []string
}

// amendSelections adds and replaces a version's selection procedures by id, and
// removes those it repeals.
func (d *draft) amendSelections(c *checker, vs *versionSpec, vp string) {
	x := &d.selections
	if x.procs == nil {
		x.procs = map[string]*Selection{}
	}
	x.order = keyed(c, x.procs, x.order, vs.Selections, vp+".selections", func(s *Selection) string { return s.ID }, func(s *Selection, p string) { s.path = p })
	for _, id := range vs.Repeal.Selections {
		if _, ok := x.procs[id]; !ok {
			c.addf(vp+".repeal.selections", "cannot repeal selection %q: no earlier version has it (known: %s)", id, strings.Join(x.order, ", "))
		}
		delete(x.procs, id)
	}
}

// buildSelections puts the selection procedures in force into v and checks every
// reference in them against v: actions, bodies, lists, the method and the clause.
func (d *draft) buildSelections(c *checker, v *Version, clause func(path, id string, required bool)) {
	v.Selections = map[string]*Selection{}
	actions := make([]string, len(v.Actions))
	for i, a := range v.Actions {
		actions[i] = a.ID
	}
	action := func(path, id string, required bool) {
		switch {
		case id == "" && required:
			c.addf(path, "is required: the action of the rights matrix it needs (known: %s)", strings.Join(actions, ", "))
		case id != "" && v.Action(id) == nil:
			c.addf(path, "unknown action %q (known: %s)", id, strings.Join(actions, ", "))
		}
	}
	bodies := func(path string, ids []string, required bool) {
		if len(ids) == 0 && required {
			c.addf(path, "at least one body is required (known: %s)", strings.Join(v.BodyOrder, ", "))
		}
		for _, id := range ids {
			if v.Bodies[id] == nil {
				c.addf(path, "unknown body %q (known: %s)", id, strings.Join(v.BodyOrder, ", "))
			}
		}
	}
	list := func(path, id string) {
		if id != "" && v.Lists[id] == nil {
			c.addf(path, "unknown list %q: declare it under lists (known: %s)", id, strings.Join(v.ListOrder, ", "))
		}
	}
	for _, id := range d.selections.order {
		s, ok := d.selections.procs[id]
		if !ok {
			continue
		}
		cp := *s
		s = &cp
		v.Selections[id] = s
		v.SelectionOrder = append(v.SelectionOrder, id)
		if !rulebook.ValidID(s.ID) {
			c.addf(s.path+".id", "%q is not a valid id (letters, digits, '-', '_' and '.')", s.ID)
		}
		if s.Name == "" {
			c.addf(s.path+".name", "is required")
		}
		action(s.path+".vote", s.Vote, s.College == nil) // a college's sections say who votes
		buildCollege(c, v, s, action, clause)
		action(s.path+".stand", s.Stand, true)
		action(s.path+".nominate", s.Nominate, false)
		if s.Nominations.Min < 0 {
			c.addf(s.path+".nominations.min", "%d: the number of nominators cannot be negative", s.Nominations.Min)
		}
		if s.Seats == 0 {
			s.Seats = 1
		} else if s.Seats < 0 {
			c.addf(s.path+".seats", "%d: at least one seat", s.Seats)
		}
		methods := SelectionMethods()
		if s.Method == "" {
			c.addf(s.path+".method", "is required (known: %s)", strings.Join(methods, ", "))
		} else if !slices.Contains(methods, s.Method) && (s.College == nil || s.Method != MethodCollege) {
			c.addf(s.path+".method", "unknown method %q (known: %s)", s.Method, strings.Join(methods, ", "))
		}
		checkListRanking(c, s)
		bodies(s.path+".endorsed_by", s.EndorsedBy, true)
		bodies(s.path+".deselected_by", s.DeselectedBy, false)
		bodies(s.path+".challenges_by", s.ChallengesBy, false)
		list(s.path+".official_list", s.OfficialList)
		list(s.path+".candidates_list", s.CandidatesList)
		if s.OfficialList != "" && s.OfficialList == s.CandidatesList {
			c.addf(s.path+".candidates_list", "%q is the official list too: candidates in an open selection are not yet official", s.CandidatesList)
		}
		clause(s.path+".clause", s.Clause, true)
	}
}

// SelectionProcedures lists the ids of the selection procedures any version
// declares, in the order first declared.
func (rb *RuleBook) SelectionProcedures() []string {
	var out []string
	for _, v := range rb.Versions {
		for _, id := range v.SelectionOrder {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// OfficialLists lists the dated lists any version's selection procedures put
// endorsed candidates on.
func (rb *RuleBook) OfficialLists() []string {
	var out []string
	for _, v := range rb.Versions {
		for _, id := range v.SelectionOrder {
			if l := v.Selections[id].OfficialList; l != "" && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

func describeSelections(v *Version) map[string]string {
	m := map[string]string{}
	if v == nil {
		return m
	}
	for _, id := range v.SelectionOrder {
		s := v.Selections[id]
		m[id] = parts(s.Name, "vote: "+s.Vote, "stand: "+s.Stand, flag(s.Nominate != "", "nominate: "+s.Nominate),
			fmt.Sprintf("%d nominator(s)", s.Nominations.Min), fmt.Sprintf("%s, %d seat(s)", s.Method, s.Seats), flag(s.List != "", "a list ranked by "+s.List+" counts"),
			labelled("endorsed by", s.EndorsedBy), labelled("deselected by", s.DeselectedBy),
			flag(s.OfficialList != "", "official list: "+s.OfficialList), describeCollege(s), clauseRef(s.Clause))
	}
	return m
}
