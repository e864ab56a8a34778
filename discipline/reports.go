package discipline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Deadlines lists the due dates of open cases up to until, soonest first; those
// before asOf are overdue.
func (s *Service) Deadlines(ctx context.Context, until rulebook.Date, limit int, scope *sqldb.CaseScope) ([]sqldb.DeadlineRow, error) {
	return s.db().DueBy(ctx, until, limit, scope)
}

// Statistics are computed from the record of steps taken: every step (including
// cases closed by staff without reaching a panel) by quarter, step, body and
// outcome, and cases by the clause they concern.
type Statistics struct {
	Steps   []sqldb.StepCount   `json:"steps"`
	Clauses []sqldb.ClauseCount `json:"clauses"`
	// ClosedByStaff counts, per quarter, cases closed by a body of kind staff or
	// officer — the closures published figures have left out.
	ClosedByStaff map[string]int `json:"closed_by_staff"`
	// Open counts open cases by state.
	Open map[string]int `json:"open_by_state"`
}

// Statistics computes the statistics.
func (s *Service) Statistics(ctx context.Context) (*Statistics, error) {
	steps, err := s.db().StepCounts(ctx)
	if err != nil {
		return nil, err
	}
	clauses, err := s.db().ClauseCounts(ctx)
	if err != nil {
		return nil, err
	}
	st := &Statistics{Steps: steps, Clauses: clauses, ClosedByStaff: map[string]int{}, Open: map[string]int{}}
	// Which bodies are staff, and which steps merely record that the respondent
	// left, is declared by the rule book, never read from ids or kinds.
	staff, leaving := map[string]bool{}, map[string]bool{}
	for _, v := range s.rb().Versions {
		for id, b := range v.Bodies {
			staff[id] = staff[id] || b.Staff
		}
		if v.Discipline != nil {
			for id, t := range v.Discipline.Transitions {
				leaving[id] = leaving[id] || has(t.Effects, "resignation")
			}
		}
	}
	for _, c := range steps {
		if c.Outcome != "" && !leaving[c.Transition] && staff[c.Body] {
			st.ClosedByStaff[c.Quarter] += c.Steps
		}
	}
	open, err := s.db().OpenByState(ctx)
	if err != nil {
		return nil, err
	}
	st.Open = open
	return st, nil
}

// Precedent is a past case decided under a clause, for consistency of sanctions.
type Precedent struct {
	Case       string          `json:"case"`
	Respondent string          `json:"respondent"`
	Conduct    rulebook.Date   `json:"conduct"`
	Outcome    string          `json:"outcome"`
	Counts     int             `json:"counts_proved"`
	Sanctions  []SanctionOrder `json:"sanctions,omitempty"`
	Factors    []string        `json:"factors,omitempty"`
	// Shared counts the factors this case shares with the ones asked about.
	Shared int `json:"shared_factors"`
}

// Precedents is a page of precedents.
type Precedents struct {
	Clause     string      `json:"clause"`
	Factors    []string    `json:"factors"`
	Precedents []Precedent `json:"precedents"`
	// Total is how many closed cases concern the clause, counted up to
	// sqldb.CountCap (More says there are more); Offset is where this page
	// starts among them.
	Total  int  `json:"total"`
	More   bool `json:"more,omitempty"`
	Offset int  `json:"offset"`
}

// Precedents lists limit of the closed cases that concern clause from offset, most
// similar first (by the aggravating and mitigating factors shared with factors),
// then newest first, so a panel sees how like cases were sanctioned.
//
// see says whether the reader may see a case; the respondent and case id of one
// they may not are withheld.
func (s *Service) Precedents(ctx context.Context, clause string, factors []string, limit, offset int, see func(*Case) bool) (*Precedents, error) {
	page, err := s.db().Precedents(ctx, clause, factors, limit, offset)
	if err != nil {
		return nil, err
	}
	out := &Precedents{Clause: clause, Factors: factors, Precedents: []Precedent{}, Total: page.Total, More: page.More, Offset: offset}
	for i, b := range page.Data {
		var c Case
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, err
		}
		p := Precedent{Case: c.ID, Respondent: c.Respondent, Conduct: c.Conduct, Outcome: c.Outcome, Counts: len(c.ProvedCounts()), Sanctions: c.InForce(),
			Shared: page.Shared[i], Factors: c.Factors()}
		if see != nil && !see(&c) {
			p.Case, p.Respondent = "[withheld]", "[withheld]"
		}
		out.Precedents = append(out.Precedents, p)
	}
	return out, nil
}

// SubjectAccess is everything held about a person, for a subject access request.
type SubjectAccess struct {
	Member    string            `json:"member"`
	Requested rulebook.Date     `json:"requested"`
	Due       rulebook.Date     `json:"due"`
	History   *rulebook.History `json:"register"`
	Events    []rulebook.Event  `json:"events_about_the_member"`
	Cases     []Case            `json:"cases"`
	Redacted  []string          `json:"redactions"`
}

// SubjectAccessExport gathers what is held about member across the register and
// every case in which they are respondent or complainant. Third parties named in
// the rule book's redact list (complainants, witnesses) are withheld from the
// respondent's copy, and respondents from a complainant's copy of another's case;
// each redaction is listed. The due date is the statutory period from the request,
// rolled to a working day.
func (s *Service) SubjectAccessExport(ctx context.Context, member string, requested rulebook.Date) (*SubjectAccess, error) {
	h, err := s.db().History(ctx, member)
	if err != nil {
		return nil, err
	}
	out := &SubjectAccess{Member: member, Requested: requested, History: h}
	v, err := s.rb().VersionAt(requested)
	if err != nil {
		return nil, err
	}
	out.Due = requested.AddMonths(1)
	if v.Discipline != nil && !v.Discipline.Subject.Within.IsZero() {
		out.Due = v.Discipline.Calendar.Due(requested, v.Discipline.Subject.Within)
	}
	if out.Events, err = s.db().Events(ctx, sqldb.EventFilter{Subject: member}); err != nil {
		return nil, err
	}
	// The cases the member is a party to, found through the index of the people
	// each case concerns rather than by reading every case.
	rows, err := s.db().CaseRows(ctx, sqldb.CaseFilter{Person: member, Relations: []string{"respondent", "complainant"}})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		var c Case
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return nil, err
		}
		party := "complainant"
		if c.Respondent == member {
			party = "respondent"
		}
		for _, r := range RedactForParty(&c, party, member, v, true) {
			out.Redacted = append(out.Redacted, "case "+c.ID+": "+r)
		}
		out.Cases = append(out.Cases, c)
	}
	return out, nil
}

// RedactForParty withholds from c, in place, what a party may not see: from the
// respondent the complainants whose identities the case withholds (a decision with
// a reason) and the witnesses if the rule book's subject-access rules (version v)
// redact them — and, answering a subject access request, the complainants too if
// those rules redact them; from a complainant the other complainants, the panel and
// the contacts. It returns what was withheld.
func RedactForParty(c *Case, party, member string, v *rules.Version, subjectAccess bool) []string {
	redact := map[string]bool{"complainants": true}
	if v.Discipline != nil && v.Discipline.Subject.Redact != nil {
		redact = map[string]bool{}
		for _, r := range v.Discipline.Subject.Redact {
			redact[r] = true
		}
	}
	var out []string
	switch party {
	case "respondent":
		// A complainant's identity is withheld from the respondent by a decision
		// in the case, with its reason (R8), not by a switch for every case.
		for i, p := range c.Complainants {
			if p != member && (c.withheld(p) || (subjectAccess && redact["complainants"])) {
				c.Complainants[i] = fmt.Sprintf("[complainant %d withheld]", i+1)
				out = append(out, fmt.Sprintf("identity of complainant %d", i+1))
			}
		}
		c.Withheld = nil
		if redact["witnesses"] {
			for i := range c.Contacts {
				c.Contacts[i].From = "[withheld]"
			}
		}
	case "complainant":
		// A complainant sees their own complaint's case, not the other
		// complainants, and the respondent only as the person complained of.
		for i, p := range c.Complainants {
			if p != member {
				c.Complainants[i] = fmt.Sprintf("[complainant %d withheld]", i+1)
			}
		}
		c.Contacts = nil
		c.Panel = nil
		c.Withheld = nil
		out = append(out, "other complainants, panel, contacts")
	}
	return out
}

// Clone returns a deep copy of c, which may be changed (redacted) freely.
func (c *Case) Clone() *Case {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var out Case
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	out.lastSeq = c.lastSeq
	return &out
}

// ContactRecord is one entry of the interference register, with its case.
type ContactRecord struct {
	Case       string `json:"case"`
	Respondent string `json:"respondent"`
	Contact
}

// Interference lists every contact about a case from someone outside its roles,
// newest first, for oversight.
func (s *Service) Interference(ctx context.Context) ([]ContactRecord, error) {
	rows, err := s.db().CaseRows(ctx, sqldb.CaseFilter{})
	if err != nil {
		return nil, err
	}
	var out []ContactRecord
	for _, r := range rows {
		var c Case
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return nil, err
		}
		for _, ct := range c.Contacts {
			out = append(out, ContactRecord{Case: c.ID, Respondent: c.Respondent, Contact: ct})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date > out[j].Date })
	return out, nil
}
