package discipline

import (
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestConflictsBlockEmpanelment: declared conflicts, complainants (including
// those of linked complaints), the respondent, members of the respondent's
// constituency (from 2016: "same_unit:constituency") and recusals each keep a
// person off the panel. A member's constituency is their own unit's, or the one
// their branch lies within.
func TestConflictsBlockEmpanelment(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, labourBook)
		for _, c := range []string{"north", "south", "east"} {
			f.unit(c, "constituency", "")
		}
		f.unit("harbour", "branch", "north")
		m := func(id, unit string) string {
			return f.member("2005-01-01", rulebook.Member{ID: id, Unit: unit})
		}
		resp := m("resp", "harbour")
		comp := m("comp", "south")
		later := m("later", "south")
		neighbour := m("neighbour", "north")
		m("declarer", "south")
		m("recuser", "south")
		m("tu-1", "south")
		m("clp-1", "south")
		m("clp-2", "east")

		// A case brought to referral, with a second complaint linked to it.
		refer := func(conduct string) (string, rulebook.Date) {
			id := f.open("2016-05-03", conduct, resp, comp, "2.I.8")
			day := d("2016-05-03")
			for _, cmd := range []Command{
				{Transition: "acknowledge", Body: "compliance_unit"},
				{Transition: "investigate", Body: "compliance_unit", Criteria: []string{"INV-BREACH"}, Rationale: "r"},
				{Transition: "report", Body: "compliance_unit"},
				{Transition: "refer", Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"}, Rationale: "r", Charges: []Charge{{Count: 1, Clause: "2.I.8", Particulars: "p"}}},
			} {
				day = day.AddDays(1)
				cmd.Date = day
				f.take(id, cmd)
			}
			return id, day.AddDays(1)
		}
		id, day := refer("2016-05-02")
		second := f.complaint("2016-05-05", "2016-05-02", resp, later, "2.I.8")
		if _, err := f.s.Link(ctx, "t", id, second, d("2016-05-05")); err != nil {
			t.Fatal(err)
		}
		if c := f.get(id); len(c.Complainants) != 2 || len(c.Complaints) != 2 {
			t.Fatalf("linked complaint: %+v", c)
		}
		if _, err := f.s.DeclareConflict(ctx, "t", id, day, Conflict{Person: "declarer", Reason: "called for expulsion"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DeclareConflict(ctx, "t", id, day, Conflict{Person: "x"}); rulebook.ErrorCode(err) != rulebook.EInvalid {
			t.Errorf("conflict without a reason: %v", err)
		}
		if _, err := f.s.Recuse(ctx, "t", id, day, Conflict{Person: "recuser", Reason: "works with the respondent"}); err != nil {
			t.Fatal(err)
		}
		list := func(third string) error {
			p := &Panel{Body: "ncc", Members: []PanelMember{{ID: "tu-1", Name: "TU", Section: "trade_union"}, {ID: "clp-1", Name: "CLP", Section: "clp"},
				{ID: third, Name: "Third " + third, Section: "clp"}}}
			_, err := f.s.Take(ctx, "t", id, Command{Transition: "list_hearing", Body: "ncc", Date: day, Panel: p, Hearing: &Hearing{Date: day.AddDays(20)}})
			return err
		}
		for _, c := range []struct {
			who  string
			want string
		}{
			{comp, "is a complainant in this case"},
			{later, "is a complainant in this case"},
			{resp, "is the respondent"},
			{neighbour, "belongs to the respondent's Constituency Labour Party (north)"},
			{"declarer", "declared a conflict of interest on " + day.String() + ": called for expulsion"},
			{"recuser", "recused on " + day.String() + ": works with the respondent"},
		} {
			wantErr(t, c.who+" on the panel", list(c.who), rulebook.ENotPermitted, "("+c.who+") cannot sit", c.want)
		}
		if err := list("clp-2"); err != nil {
			t.Fatalf("a panel with no conflict: %v", err)
		}
		// A member who recuses after empanelment leaves the panel, which must then
		// be made up again before findings.
		if _, err := f.s.Recuse(ctx, "t", id, day.AddDays(1), Conflict{Person: "clp-1", Reason: "illness in the family"}); err != nil {
			t.Fatal(err)
		}
		c := f.get(id)
		if len(c.Panel.Members) != 2 || len(c.Recusals) != 2 {
			t.Fatalf("after the recusal: panel %+v, recusals %+v", c.Panel, c.Recusals)
		}
		_, err := f.s.Take(ctx, "t", id, Command{Transition: "record_findings", Body: "ncc", Date: day.AddDays(20), Findings: []Finding{{Count: 1, Finding: "proved"}}})
		wantErr(t, "findings by a depleted panel", err, rulebook.ENotPermitted, "has 3 members", "not 2")
		p := &Panel{Body: "ncc", Members: []PanelMember{{ID: "tu-1", Name: "TU", Section: "trade_union"}, {ID: "clp-1", Name: "CLP", Section: "clp"}, {ID: "clp-2", Name: "CLP 2", Section: "clp"}}}
		_, err = f.s.Take(ctx, "t", id, Command{Transition: "list_hearing", Body: "ncc", Date: day.AddDays(2), Panel: p, Hearing: &Hearing{Date: day.AddDays(20)}})
		wantErr(t, "the recused member put back", err, rulebook.ENotPermitted, "(clp-1) cannot sit", "recused")
		p.Members[1] = PanelMember{ID: "clp-3", Name: "CLP 3", Section: "clp"}
		f.take(id, Command{Transition: "list_hearing", Body: "ncc", Date: day.AddDays(2), Panel: p, Hearing: &Hearing{Date: day.AddDays(20)}})
		f.take(id, Command{Transition: "record_findings", Body: "ncc", Date: day.AddDays(20), Findings: []Finding{{Count: 1, Finding: "proved"}}})

		// Before 2016 the rule book had no constituency rule: for conduct in 2015
		// the neighbour may sit.
		old, oday := refer("2015-06-01")
		p = &Panel{Body: "ncc", Members: []PanelMember{{ID: "tu-1", Name: "TU", Section: "trade_union"}, {ID: "clp-1", Name: "CLP", Section: "clp"}, {ID: neighbour, Name: "N", Section: "clp"}}}
		if _, err := f.s.Take(ctx, "t", old, Command{Transition: "list_hearing", Body: "ncc", Date: oday, Panel: p, Hearing: &Hearing{Date: oday.AddDays(20)}}); err != nil {
			t.Errorf("the neighbour under the 2008 rules: %v", err)
		}
	})
}
