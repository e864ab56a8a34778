package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
)

// TestPartiesLetters checks who may read a case's letters: those who see its
// whole record, any letter to anyone; its respondent and their
// representative, copies of the letters the case has sent written to the
// respondent, and no other; a complainant, their own copy of a letter written
// to each complainant (the acknowledgement), and no other; staff not shown
// every field, none.
func TestPartiesLetters(t *testing.T) {
	w := newWorld(t)
	const id = "D-2016-001"
	// Helen (M0010) represents the respondent, Rowan (M0001); Declan (M0005)
	// is one of the complainants.
	if _, err := w.a.GrantCaseRole(operator(), id, 0, discipline.CaseRole{Person: "M0010", Role: discipline.RoleRepresentative}); err != nil {
		t.Fatal(err)
	}
	all, err := w.a.Case(w.as(t, "morag"), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var toRespondent []app.CaseLetter
	var acknowledgement bool
	for _, l := range all.Letters {
		switch {
		case l.To == "":
			toRespondent = append(toRespondent, l)
		case l.Template == "acknowledgement":
			acknowledgement = acknowledgement || l.To == "M0005"
		default:
			t.Errorf("a letter of the case to %s: %+v", l.To, l)
		}
	}
	if len(toRespondent) < 2 || !acknowledgement || slices.ContainsFunc(toRespondent, func(l app.CaseLetter) bool { return l.Template == "acknowledgement" }) {
		t.Fatalf("the General Secretary is offered letters %+v: want those sent the respondent, and each complainant's acknowledgement", all.Letters)
	}
	// Each dated as the step that sent it; listed by date.
	for i, l := range all.Letters {
		if i > 0 && l.Date < all.Letters[i-1].Date {
			t.Errorf("letters out of date order: %+v", all.Letters)
		}
		if l.Template == "decision" && l.Date.String() != "2017-04-04" {
			t.Errorf("the decision letter dated %s, not the day of the sanction", l.Date)
		}
	}
	var declans []app.CaseLetter
	for _, l := range all.Letters {
		if l.To == "M0005" {
			declans = append(declans, l)
		}
	}
	for _, tc := range []struct {
		name string
		want []app.CaseLetter
		code string // reading a letter not offered
	}{
		{"morag", all.Letters, ""},
		{"ruth", all.Letters, ""},
		{"rowan", toRespondent, rulebook.EForbidden},
		{"helen", toRespondent, rulebook.EForbidden},
		{"declan", declans, rulebook.EForbidden},
		{"nia", nil, rulebook.EForbidden},
		{"kwame", nil, rulebook.ENotFound},
	} {
		ctx := w.as(t, tc.name)
		if f, err := w.a.Case(ctx, id, 0); err == nil {
			if !slices.Equal(f.Letters, tc.want) {
				t.Errorf("%s is offered letters %+v, want %+v", tc.name, f.Letters, tc.want)
			}
		} else if tc.code != rulebook.ENotFound {
			t.Errorf("%s: %v", tc.name, err)
		}
		for _, l := range all.Letters {
			got, err := w.a.Letter(ctx, id, l.Template, l.To, 0)
			if slices.Contains(tc.want, l) {
				want := l.To
				if want == "" {
					want = "M0001"
				}
				if err != nil {
					t.Errorf("%s reading letter %+v: %v", tc.name, l, err)
				} else if got.To.MemberID != want && got.To.Name != want {
					t.Errorf("%s's copy of letter %+v is to %+v", tc.name, l, got.To)
				}
				continue
			}
			if rulebook.ErrorCode(err) != tc.code {
				t.Errorf("%s reading letter %+v: %v, want %s", tc.name, l, err, tc.code)
			}
		}
	}
	// The respondent's copies withhold the complainants withheld from them.
	l, err := w.a.Letter(w.as(t, "rowan"), id, toRespondent[0].Template, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range l.Complainants {
		if c.MemberID == "M0005" {
			t.Errorf("the respondent's letter names the complainant withheld from him: %+v", l.Complainants)
		}
	}
	if l.ComplainantsWithheld == "" {
		t.Error("the respondent's letter does not say complainants were withheld")
	}
	// A complainant asking for the acknowledgement is given their own copy.
	if l, err := w.a.Letter(w.as(t, "declan"), id, "acknowledgement", "", 0); err != nil || l.To.MemberID != "M0005" {
		t.Errorf("the complainant's acknowledgement: to %+v, %v", l.To, err)
	}
	// No letter the case has not sent, and none addressed to anyone else.
	var unsent string
	for _, tpl := range []string{"notice_of_investigation", "review_refused", "automatic_exclusion", "readmission_decision"} {
		if !slices.ContainsFunc(all.Letters, func(l app.CaseLetter) bool { return l.Template == tpl }) {
			unsent = tpl
		}
	}
	if unsent == "" {
		t.Fatal("the case has sent every letter: no unsent one to ask for")
	}
	for _, name := range []string{"rowan", "helen"} {
		ctx := w.as(t, name)
		if _, err := w.a.Letter(ctx, id, unsent, "", 0); rulebook.ErrorCode(err) != rulebook.EForbidden || !strings.Contains(err.Error(), unsent) {
			t.Errorf("%s reading letter %s, which the case has not sent: %v", name, unsent, err)
		}
		if _, err := w.a.Letter(ctx, id, toRespondent[0].Template, "M0005", 0); rulebook.ErrorCode(err) != rulebook.EForbidden {
			t.Errorf("%s reading a letter to a complainant: %v", name, err)
		}
	}
	// The General Secretary may fill any letter, to anyone; one written to each
	// complainant names which.
	if _, err := w.a.Letter(w.as(t, "morag"), id, unsent, "M0005", 0); err != nil {
		t.Error(err)
	}
	if _, err := w.a.Letter(w.as(t, "morag"), id, "acknowledgement", "", 0); rulebook.ErrorCode(err) != rulebook.EInvalid || !strings.Contains(err.Error(), "M0005") {
		t.Errorf("an acknowledgement to no one in particular: %v", err)
	}
	// The respondent's reading is in the access log.
	log, err := w.a.AccessLog(operator(), discipline.SubjectPrefix+id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(log, func(e app.AccessEntry) bool { return e.Actor == "rowan" && e.Action == "letter" }) {
		t.Error("the respondent's reading of a letter is not in the access log")
	}
}
