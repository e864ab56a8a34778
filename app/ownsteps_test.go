package app_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"context"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/sqldb"
)

// TestRespondentsOwnSteps checks a step the rule book gives the respondent
// themselves (a body marked respondent): the respondent and their
// representative take it from their own case, dated the day they take it; the
// case team records it for them if its roles record on cases; no one else may.
// The example party's rule book, its member body so marked: there the member
// themselves may close a case by resigning.
func TestRespondentsOwnSteps(t *testing.T) {
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	marked := strings.ReplaceAll(string(src), "{id: member, name: The member themselves, kind: person}", "{id: member, name: The member themselves, kind: person, respondent: true}")
	if marked == string(src) {
		t.Fatal("the example's member body is not declared as the test expects")
	}
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "rulebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := newWorldFrom(t, db, []byte(marked))
	// D-2016-002, open, is about Sofia Brandt (M0025), on a complaint by Gwen
	// Oduya (M0004); Helen (M0010) represents Sofia.
	const id = "D-2016-002"
	for _, in := range []app.AccountInput{{Name: "sofia", Display: "Sofia Brandt", Member: "M0025", Roles: []string{rulebook.RoleMember}},
		{Name: "gwen", Display: "Gwen Oduya", Member: "M0004", Roles: []string{rulebook.RoleMember}}} {
		if _, err := w.a.CreateAccount(operator(), in, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.a.GrantCaseRole(operator(), id, 0, discipline.CaseRole{Person: "M0010", Role: discipline.RoleRepresentative}); err != nil {
		t.Fatal(err)
	}
	bodiesFor := func(name, step string) ([]string, bool) {
		t.Helper()
		f, err := w.a.Case(w.as(t, name), id, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, o := range f.Steps {
			if o.Transition.ID == step {
				return o.Bodies, true
			}
		}
		return nil, false
	}
	for _, tc := range []struct {
		name   string
		member bool // may take the step for the member themselves
	}{
		{"sofia", true},  // the respondent
		{"helen", true},  // her representative
		{"casey", true},  // the case team, which records on cases: recording it as received
		{"morag", true},  // likewise
		{"paula", false}, // the membership office takes it for itself, not for her
		{"nia", false},   // the executive does not record on cases
		{"gwen", false},  // the complainant
		{"ruth", false},  // the auditor changes nothing
	} {
		err := w.a.Policy.Decide(app.PrincipalFrom(w.as(t, tc.name)), app.TakeStep, app.Resource{Case: caseOf(t, w, id), Body: "member"})
		if (err == nil) != tc.member {
			t.Errorf("%s taking a step for the member themselves: %v, want allowed %v", tc.name, err, tc.member)
		}
		bodies, listed := bodiesFor(tc.name, "respondent_resigned")
		if got := slices.Contains(bodies, "member"); got != tc.member {
			t.Errorf("%s is offered the resignation for %v, want the member themselves %v", tc.name, bodies, tc.member)
		}
		// A party is offered only their own steps; the case team sees the others' too.
		if tc.name == "gwen" && listed {
			t.Errorf("the complainant is offered the respondent's step")
		}
	}
	// A party's list of cases says which steps are theirs: Helen's, as the
	// representative, as Sofia's; not the complainant's.
	for _, tc := range []struct {
		name, relation string
		yours          bool
	}{{"sofia", "respondent", true}, {"helen", discipline.RoleRepresentative, true}, {"gwen", "complainant", false}} {
		acc, err := w.db.Account(context.Background(), tc.name)
		if err != nil {
			t.Fatal(err)
		}
		list, err := w.a.Cases(w.as(t, tc.name), sqldb.CaseFilter{Person: acc.Member, Relations: []string{tc.relation}})
		if err != nil || len(list.Cases) != 1 || list.Cases[0].ID != id {
			t.Fatalf("%s's cases: %+v %v", tc.name, list, err)
		}
		yours := list.Cases[0].Yours
		if got := slices.ContainsFunc(yours, func(o app.OwnStep) bool { return o.Name == "Close on the respondent's resignation" }); got != tc.yours {
			t.Errorf("%s's list offers %+v, want the resignation %v", tc.name, yours, tc.yours)
		}
	}
	sofia := w.as(t, "sofia")
	f, err := w.a.Case(sofia, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range f.Steps {
		if len(o.Bodies) != 1 || o.Bodies[0] != "member" {
			t.Errorf("the respondent is offered %s for %v", o.Transition.ID, o.Bodies)
		}
	}
	if len(f.Steps) == 0 {
		t.Fatal("the respondent is offered no step of her own")
	}
	// Not for another body, and not dated other than today.
	if _, err := w.a.TakeStep(sofia, id, discipline.Command{Transition: "respondent_resigned", Body: "membership_office"}); rulebook.ErrorCode(err) != rulebook.EForbidden {
		t.Errorf("the respondent taking the membership office's step: %v", err)
	}
	yesterday := w.a.Today().AddDays(-1)
	if _, err := w.a.TakeStep(sofia, id, discipline.Command{Transition: "respondent_resigned", Body: "member", Date: yesterday}); rulebook.ErrorCode(err) != rulebook.EInvalid || !strings.Contains(err.Error(), "dated the day you take it") {
		t.Errorf("the respondent dating her own step yesterday: %v", err)
	}
	if _, err := w.a.TakeStep(w.as(t, "gwen"), id, discipline.Command{Transition: "respondent_resigned", Body: "member"}); rulebook.ErrorCode(err) != rulebook.EForbidden {
		t.Errorf("the complainant taking the respondent's step: %v", err)
	}
	res, err := w.a.TakeStep(sofia, id, discipline.Command{Transition: "respondent_resigned", Body: "member", Rationale: "I resign."})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Case.Steps[len(res.Case.Steps)-1]
	if !res.Case.Closed || res.Case.Outcome != "respondent_left" || last.Actor != "sofia" || last.Body != "member" || last.Date != w.a.Today() {
		t.Errorf("after her resignation: closed %v, outcome %q, last step %+v", res.Case.Closed, res.Case.Outcome, last)
	}
}

// caseOf reads a case as stored.
func caseOf(t *testing.T, w *world, id string) *discipline.Case {
	t.Helper()
	f, err := w.a.Case(operator(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f.Case
}
