package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

func TestCollegeInTheLabourBook(t *testing.T) {
	rb, err := rules.LoadFile(labourBook)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := rb.VersionAt(rulebook.MustDate("2010-06-01"))
	s := v.Selection("mayoral_college")
	if s == nil || s.College == nil || s.Trigger == nil {
		t.Fatalf("the 2008 rule book has no college procedure with a trigger ballot: %+v", s)
	}
	if s.Method != rules.MethodCollege || s.Seats != 1 || s.College.Rounds != "preferential" || strings.Join(s.College.SectionIDs(), ",") != "members,affiliates" {
		t.Errorf("procedure %+v, college %+v", s, s.College)
	}
	ws, err := s.College.Weights()
	if err != nil || ws[0].RatString() != "1/2" || ws[1].RatString() != "1/2" {
		t.Errorf("weights %v, %v", ws, err)
	}
	if sh, err := s.Trigger.ShareRat(); err != nil || sh.RatString() != "1/3" || s.Trigger.Units != "branch" {
		t.Errorf("trigger %+v: %v %v", s.Trigger, sh, err)
	}
}

func TestCollegeMistakes(t *testing.T) {
	src, err := os.ReadFile(labourBook)
	if err != nil {
		t.Fatal(err)
	}
	const at = "versions[1].selections[0]"
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"weights short of the whole", "weight: 1/2, roll: true", "weight: 1/3, roll: true", []string{at + ".college.sections", "add up to 83.33% (5/6), not 100%"}},
		{"a bad weight", "weight: 50%, vote", "weight: half, vote", []string{at + ".college.sections[0].weight", `"half"`}},
		{"an unknown section action", "vote: vote_in_selection}", "vote: vote_in_selections}", []string{at + ".college.sections[0].vote", `unknown action "vote_in_selections"`}},
		{"neither vote nor roll", "weight: 1/2, roll: true", "weight: 1/2", []string{at + ".college.sections[1].vote", "is required unless roll: true"}},
		{"both vote and roll", "weight: 1/2, roll: true", "weight: 1/2, roll: true, vote: vote_in_selection", []string{at + ".college.sections[1]", "not both"}},
		{"a section twice", "{id: affiliates,", "{id: members,", []string{at + ".college.sections[1].id", `section "members" is declared twice`}},
		{"unknown rounds", "rounds: preferential", "rounds: borda", []string{at + ".college.rounds", `"borda"`, "exhaustive"}},
		{"a method beside the college", "        college:\n", "        method: irv\n        college:\n", []string{at + ".method", "leave method out"}},
		{"two seats", "        college:\n", "        seats: 2\n        college:\n", []string{at + ".seats", "a college selects one candidate"}},
		{"an unknown unit kind", "units: branch, share", "units: ward, share", []string{at + ".trigger_ballot.units", `unknown unit kind "ward"`, "constituency, branch"}},
		{"a bad share", "share: 1/3", "share: 150%", []string{at + ".trigger_ballot.share", "outside"}},
		{"a trigger clause not in the version", `clause: "5.II.2"}`, `clause: "5.II.9"}`, []string{at + ".trigger_ballot.clause", `"5.II.9"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := string(src)
			if !strings.Contains(s, tc.old) {
				t.Fatalf("the example has no %q", tc.old)
			}
			_, err := rules.Load("labour.yaml", []byte(strings.Replace(s, tc.old, tc.new, 1)))
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
