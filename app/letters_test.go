package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
)

// TestRespondentsLetters checks who may read a case's letters: those who see
// its whole record, any letter; its respondent and their representative,
// copies of the letters the case has sent the respondent, and no other; a
// complainant, and staff not shown every field, none.
func TestRespondentsLetters(t *testing.T) {
	w := newWorld(t)
	const id = "D-2016-001"
	// Helen (M0010) represents the respondent.
	if _, err := w.a.GrantCaseRole(operator(), id, 0, discipline.CaseRole{Person: "M0010", Role: discipline.RoleRepresentative}); err != nil {
		t.Fatal(err)
	}
	all, err := w.a.Case(w.as(t, "morag"), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Letters) < 2 {
		t.Fatalf("the General Secretary is offered letters %v: want those the case has sent", all.Letters)
	}
	var unsent string
	for _, tpl := range []string{"acknowledgement", "notice_of_investigation", "administrative_suspension", "notice_of_charges", "hearing_notice", "decision", "review_refused", "automatic_exclusion", "readmission_decision"} {
		if !slices.Contains(all.Letters, tpl) {
			unsent = tpl
		}
	}
	if unsent == "" {
		t.Fatal("the case has sent every letter: no unsent one to ask for")
	}
	for _, tc := range []struct {
		name    string
		letters bool // offered the letters sent, and may read them
		code    string
	}{
		{"morag", true, ""},
		{"ruth", true, ""},
		{"rowan", true, ""},
		{"helen", true, ""},
		{"declan", false, rulebook.EForbidden},
		{"nia", false, rulebook.EForbidden},
		{"kwame", false, rulebook.ENotFound},
	} {
		ctx := w.as(t, tc.name)
		if f, err := w.a.Case(ctx, id, 0); err == nil {
			want := all.Letters
			if !tc.letters {
				want = nil
			}
			if !slices.Equal(f.Letters, want) {
				t.Errorf("%s is offered letters %v, want %v", tc.name, f.Letters, want)
			}
		} else if tc.code != rulebook.ENotFound {
			t.Errorf("%s: %v", tc.name, err)
		}
		for _, tpl := range all.Letters {
			l, err := w.a.Letter(ctx, id, tpl, "", 0)
			if tc.letters {
				if err != nil {
					t.Errorf("%s reading letter %s: %v", tc.name, tpl, err)
				} else if l.To.MemberID != "M0001" {
					t.Errorf("%s's copy of letter %s is to %q, not the respondent", tc.name, tpl, l.To.MemberID)
				}
				continue
			}
			if rulebook.ErrorCode(err) != tc.code {
				t.Errorf("%s reading letter %s: %v, want %s", tc.name, tpl, err, tc.code)
			}
		}
	}
	// The respondent's copies withhold the complainants withheld from them.
	l, err := w.a.Letter(w.as(t, "rowan"), id, all.Letters[0], "", 0)
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
	// No letter the case has not sent, and none addressed to anyone else.
	for _, name := range []string{"rowan", "helen"} {
		ctx := w.as(t, name)
		if _, err := w.a.Letter(ctx, id, unsent, "", 0); rulebook.ErrorCode(err) != rulebook.EForbidden || !strings.Contains(err.Error(), unsent) {
			t.Errorf("%s reading letter %s, which the case has not sent: %v", name, unsent, err)
		}
		if _, err := w.a.Letter(ctx, id, all.Letters[0], "M0005", 0); rulebook.ErrorCode(err) != rulebook.EForbidden {
			t.Errorf("%s reading a letter to a complainant: %v", name, err)
		}
	}
	// The General Secretary may fill any letter, to anyone.
	if _, err := w.a.Letter(w.as(t, "morag"), id, unsent, "M0005", 0); err != nil {
		t.Error(err)
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
