package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

const labourBook = "../examples/labour-2016.yaml"

func TestSelectionInTheLabourBook(t *testing.T) {
	rb, err := rules.LoadFile(labourBook)
	if err != nil {
		t.Fatal(err)
	}
	v2008, _ := rb.VersionAt(rulebook.MustDate("2008-06-01"))
	v2016, _ := rb.VersionAt(rulebook.MustDate("2016-06-01"))
	if v2008.Selection("mayoral_selection") != nil {
		t.Error("the 2008 rule book has a selection procedure the 2016 one added")
	}
	s := v2016.Selection("mayoral_selection")
	if s == nil {
		t.Fatal("the 2016 rule book has no mayoral selection")
	}
	if s.Vote != "vote_in_selection" || s.Stand != "stand_as_candidate" || s.Method != "irv" || s.Seats != 1 || s.Nominations.Min != 2 ||
		s.OfficialList != "official_candidates" || s.CandidatesList != "selection_candidates" || s.EndorsedBy[0] != "nec" {
		t.Errorf("procedure %+v", s)
	}
	if got := s.Challengers(); len(got) != 1 || got[0] != "nec_disputes_panel" {
		t.Errorf("challenges decided by %v", got)
	}
	if !v2016.Lists[s.CandidatesList].Warns {
		t.Error("the candidates' list does not warn")
	}
	if got := rb.OfficialLists(); len(got) != 1 || got[0] != "official_candidates" {
		t.Errorf("official lists %v", got)
	}
}

// TestSelectionAmended: a later version replaces a procedure by id and repeals
// another; the versions before keep theirs.
func TestSelectionAmended(t *testing.T) {
	src, err := os.ReadFile(labourBook)
	if err != nil {
		t.Fatal(err)
	}
	later := `
  - id: "2020"
    in_force_from: 2020-01-01
    selections:
      - {id: mayoral_selection, name: Mayoral selection (two seats), vote: vote_in_selection, stand: stand_as_candidate, method: stv-scottish, seats: 2, endorsed_by: [nec], clause: "5.I.1"}
      - {id: council_selection, name: Council selection, vote: vote_in_selection, stand: stand_as_candidate, method: fptp, endorsed_by: [nec], clause: "5.I.1"}
  - id: "2021"
    in_force_from: 2021-01-01
    repeal: {selections: [council_selection]}
`
	rb, err := rules.Load("labour.yaml", append(src, later...))
	if err != nil {
		t.Fatal(err)
	}
	at := func(d string) *rules.Version {
		v, err := rb.VersionAt(rulebook.MustDate(d))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if s := at("2017-01-01").Selection("mayoral_selection"); s.Method != "irv" || s.Seats != 1 {
		t.Errorf("2016: %+v", s)
	}
	if s := at("2020-06-01").Selection("mayoral_selection"); s.Method != "stv-scottish" || s.Seats != 2 || s.OfficialList != "" {
		t.Errorf("2020: %+v", s)
	}
	if s := at("2020-06-01").Selection("council_selection"); s == nil || s.Seats != 1 {
		t.Errorf("2020 council selection %+v", s)
	}
	if at("2021-06-01").Selection("council_selection") != nil || at("2021-06-01").Selection("mayoral_selection") == nil {
		t.Error("the 2021 repeal did not take out only the council selection")
	}
	// In the order first declared: the college of 2008, the example's own of 2016, then the one 2020 adds.
	if got := strings.Join(rb.SelectionProcedures(), " "); got != "mayoral_college mayoral_selection ward_selection list_selection council_selection" {
		t.Errorf("procedures %s", got)
	}
}

func TestSelectionMistakes(t *testing.T) {
	src, err := os.ReadFile(labourBook)
	if err != nil {
		t.Fatal(err)
	}
	const at = "versions[2].selections[0]"
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"an unknown voting action", "vote: vote_in_selection\n        stand", "vote: vote_in_selections\n        stand",
			[]string{at + ".vote", `unknown action "vote_in_selections"`, "known: vote_in_selection, vote_in_all_member_ballot"}},
		{"no standing action", "        stand: stand_as_candidate\n", "", []string{at + ".stand", "is required", "stand_as_candidate"}},
		{"an unknown method", "method: irv", "method: borda", []string{at + ".method", `unknown method "borda"`, "fptp", "irv", "stv-scottish"}},
		{"an unknown body", "endorsed_by: [nec]", "endorsed_by: [nec_executive]", []string{at + ".endorsed_by", `unknown body "nec_executive"`, "known: nec, general_secretary"}},
		{"no endorsing body", "        endorsed_by: [nec]\n", "", []string{at + ".endorsed_by", "at least one body"}},
		{"an undeclared list", "official_list: official_candidates", "official_list: officials", []string{at + ".official_list", `unknown list "officials"`, "known: official_candidates"}},
		{"the official list for candidates", "candidates_list: selection_candidates", "candidates_list: official_candidates", []string{at + ".candidates_list", "official list too"}},
		{"no clause", "        clause: \"5.I.1\"\n      - id: ward_selection", "      - id: ward_selection", []string{at + ".clause", "a clause is required"}},
		{"a clause not in the version", `clause: "5.I.1"` + "\n      - id: ward_selection", `clause: "5.I.9"` + "\n      - id: ward_selection", []string{at + ".clause", `clause "5.I.9" is not in version 2016`}},
		{"negative seats", "seats: 1", "seats: -2", []string{at + ".seats", "at least one seat"}},
		{"an unknown list ranking", "list: repeated", "list: borda", []string{"versions[2].selections[2].list", `unknown list ranking "borda"`, "known: repeated"}},
		{"a list counted by first preferences", "method: irv\n        seats: 4", "method: fptp\n        seats: 4", []string{"versions[2].selections[2].method", `not "fptp"`}},
		{"an unknown conduct caught", "catches: standing_against", "catches: standing", []string{"automatic_exclusion[0].catches", `unknown conduct "standing"`, "standing_against, supporting_rival"}},
		{"a trigger catching without a list", "checks: official_candidates\n        catches: standing_against", "catches: standing_against", []string{"automatic_exclusion[0].catches", "give checks"}},
		{"a misspelt key", "seats: 1", "seat: 1", []string{at + ".seat", "unknown field", "seats"}},
		{"a repeal of nothing", "    selections:\n", "    repeal: {selections: [council]}\n    selections:\n", []string{"versions[2].repeal.selections", `cannot repeal selection "council"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each mistake is made in the 2016 version's procedure (earlier versions
			// declare procedures of their own).
			s := string(src)
			v := strings.Index(s, `  - id: "2016"`)
			if strings.Contains(tc.old, "catches:") {
				v = 0 // the triggers are declared in an earlier version
			}
			if v < 0 || !strings.Contains(s[v:], tc.old) {
				t.Fatalf("the example's 2016 version has no %q", tc.old)
			}
			_, err := rules.Load("labour.yaml", []byte(s[:v]+strings.Replace(s[v:], tc.old, tc.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\ndoes not mention %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "labour.yaml:") {
				t.Errorf("no line: %v", err)
			}
		})
	}
}
