package discipline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// wantPlanProblem fails unless err reports a problem in file at line (0: any) on
// field whose message contains msg, and says so in its text as FILE:LINE: field:.
func wantPlanProblem(t *testing.T, what string, err error, file string, line int, field, msg string) {
	t.Helper()
	var probs planProblems
	if !errors.As(err, &probs) {
		t.Errorf("%s: got %v, want problems with the plan", what, err)
		return
	}
	for _, p := range probs {
		if p.File == file && (line == 0 || p.Line == line) && p.Field == field && strings.Contains(p.Msg, msg) {
			where := fmt.Sprintf("%s:%d: ", file, p.Line)
			if p.Line == 0 {
				where = file + ": "
			}
			if !strings.Contains(err.Error(), p.Error()) || !strings.HasPrefix(p.Error(), where) {
				t.Errorf("%s: %q does not say where: %q", what, err, p.Error())
			}
			return
		}
	}
	t.Errorf("%s: got\n%v\nwant a problem at %s:%d on field %q containing %q", what, err, file, line, field, msg)
}

// TestReadCasePlanProblems checks that a malformed plan is refused with the file,
// line and field of what is wrong.
func TestReadCasePlanProblems(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		line       int
		field, msg string
	}{
		{"syntax", "{\n  \"start\": \"2016-01-04\",\n  \"spread_days\": 10,,\n  \"scripts\": []\n}\n", 3, "", "invalid character ','"},
		{"unknown field", `{
  "start": "2016-01-04",
  "spread_days": 10,
  "scripts": [
    {"kind": "complaint", "copies": 1, "steps": [
      {"transition": "acknowledge", "body": "unit",
       "sanction": {"sanction": "reprimand", "until": "2017-01-01"}}]}
  ]
}
`, 7, "scripts[0].steps[0].sanction.until", "unknown field (the fields here are conditions, factors, from_after_days, sanction, until_after_days)"},
		{"field in the wrong case", "{\n  \"Start\": \"2016-01-04\"\n}\n", 2, "Start", "unknown field"},
		{"wrong type", "{\n  \"scripts\": [\n    {\"kind\": \"complaint\",\n     \"copies\": \"eight\"}]\n}\n", 4, "scripts[0].copies", "want a whole number, not a string"},
		{"not a whole number", "{\n  \"spread_days\": 1.5\n}\n", 2, "spread_days", "want a whole number, not 1.5"},
		{"bad date", "{\n  \"spread_days\": 10,\n  \"start\": \"2016-13-01\"\n}\n", 3, "start", "2016-13-01"},
		{"list for an object", "{\n  \"members\": []\n}\n", 2, "members", "want an object, not a list"},
		{"dated step", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2010-01-01", "status": "in"},
  "scripts": [{"kind": "exclusion", "copies": 1, "steps": [
    {"transition": "propose", "body": "unit"},
    {"transition": "confirm", "body": "unit", "date": "2016-02-01"}]}]
}
`, 6, "scripts[0].steps[1].date", "give no date"},
		{"mitigation with a transition", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2010-01-01", "status": "in"},
  "scripts": [{"kind": "exclusion", "copies": 1, "steps": [
    {"transition": "hear", "body": "unit", "mitigation": "long service"}]}]
}
`, 5, "scripts[0].steps[0]", "nothing else"},
		{"negative offset", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2010-01-01", "status": "in"},
  "scripts": [{"kind": "exclusion", "copies": 1, "steps": [
    {"transition": "list", "body": "panel",
     "hearing": {"date_after_days": -3}}]}]
}
`, 6, "scripts[0].steps[0].hearing.date_after_days", "negative"},
		{"readmission", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2010-01-01", "status": "in"},
  "scripts": [
    {"kind": "readmission", "copies": 1, "steps": []}]
}
`, 5, "scripts[0].kind", "complaint and exclusion"},
		{"complaint incomplete", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2010-01-01", "status": "in"},
  "complaint": {"complainant": "someone", "from": "member", "via": "email", "summary": "s"},
  "scripts": [{"kind": "complaint", "copies": 1, "steps": []}]
}
`, 4, "complaint.clauses", "name the clause"},
		{"joined after the conduct", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2016-01-04", "status": "in"},
  "scripts": [{"kind": "exclusion", "copies": 1, "steps": []}]
}
`, 3, "members.joined", "2016-01-03"},
		{"units without a kind", `{
  "start": "2016-01-04", "spread_days": 10,
  "members": {"joined": "2010-01-01", "status": "in", "units": 3},
  "scripts": [{"kind": "exclusion", "copies": 1, "steps": []}]
}
`, 3, "members.unit_kind", "name the kind of unit"},
		{"more after the plan", "{}\n{}\n", 2, "", "more after the plan"},
		{"truncated", "{\n  \"start\": \"2016-01-04\",\n  \"scripts\": [\n", 4, "scripts", "ends in the middle"},
		{"empty", "  \n", 0, "", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := ReadCasePlan(path)
			if p != nil {
				t.Errorf("read a plan: %+v", p)
			}
			wantPlanProblem(t, tc.name, err, path, tc.line, tc.field, tc.msg)
			t.Log(err)
		})
	}
	if _, err := ReadCasePlan("testdata/no-such-plan.json"); err == nil || !strings.Contains(err.Error(), "testdata/no-such-plan.json") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}

// TestGenerateCasesPlanProblems checks that a plan naming what the rule book does
// not have is refused before anything is written, with the file, line and field.
func TestGenerateCasesPlanProblems(t *testing.T) {
	src, err := os.ReadFile(labourPlan)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sqldbtest.Open(t, "sqlite"), labourBook)
	for _, tc := range []struct {
		name, old, new, field, msg string
	}{
		{"transition", `{"transition": "report", "body": "compliance_unit"}`, `{"transition": "report_up", "body": "compliance_unit"}`,
			"scripts[2].steps[2].transition", `has no transition "report_up"`},
		{"body", `"body": "nec_disputes_panel"`, `"body": "nec_panel"`, "scripts[2].steps[3].body", `has no body "nec_panel"`},
		{"sanction", `"sanction": "reprimand"`, `"sanction": "rebuke"`, "scripts[4].steps[7].sanction.sanction", `has no sanction "rebuke"`},
		{"factor", `"factors": ["MIT-SERVED"]`, `"factors": ["MIT-SORRY"]`, "scripts[5].steps[7].sanction.factors[0]", `has no factor "MIT-SORRY"`},
		{"clause", `"clauses": ["2.I.8"]`, `"clauses": ["9.Z"]`, "complaint.clauses[0]", `has no clause "9.Z"`},
		{"status", `"status": "active"`, `"status": "dormant"`, "members.status", `has no status "dormant"`},
		{"unit kind", `"unit_kind": "constituency"`, `"unit_kind": "ward"`, "members.unit_kind", `declares no kind of unit "ward"`},
		{"list entry", `"id": "bench-cand"`, `"id": "other-cand"`, "scripts[7].steps[0].trigger.entry", `no entry "bench-cand"`},
		{"list entry too late", `"from": "2016-01-01"}`, `"from": "2017-01-01"}`, "list_entries[0]", "must be on its list on every case's conduct"},
		{"start", "\"start\": \"2016-01-04\",\n  \"spread_days\": 1450,\n  \"members\": {\"joined\": \"2010-01-01\"",
			"\"start\": \"1960-01-04\",\n  \"spread_days\": 1450,\n  \"members\": {\"joined\": \"1950-01-01\"", "start", "1960-01-03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(string(src), tc.old, tc.new, 1)
			if text == string(src) {
				t.Fatalf("%s is not in %s", tc.old, labourPlan)
			}
			line := 0
			if i := strings.Index(text, tc.new); i >= 0 {
				line = 1 + strings.Count(text[:i], "\n")
			}
			if tc.name == "list entry" {
				line = 0 // every trigger claim naming it
			}
			path := filepath.Join(t.TempDir(), "cases.json")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			plan, err := ReadCasePlan(path)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := f.s.GenerateCases(ctx, plan, 10)
			if len(ids) != 0 {
				t.Errorf("%d cases written", len(ids))
			}
			wantPlanProblem(t, tc.name, err, path, line, tc.field, tc.msg)
			t.Log(err)
		})
	}
	if _, err := f.db.CaseData(ctx, genCaseID(0)); err == nil {
		t.Error("a case was written")
	}
}

// FuzzReadCasePlan checks that no input makes the plan reader, or the check of a
// plan it accepts against the rule book, panic; and that what it refuses it
// locates within the file.
func FuzzReadCasePlan(f *testing.F) {
	src, err := os.ReadFile(labourPlan)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	rb, _ := loadBook(f, labourBook)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseCasePlan("fuzz.json", data)
		if err != nil {
			var probs planProblems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("%T %v: want problems with the plan", err, err)
			}
			lines := 1 + strings.Count(string(data), "\n")
			for _, pr := range probs {
				if pr.File != "fuzz.json" || pr.Line < 0 || pr.Line > lines {
					t.Fatalf("problem %q is not located in the %d lines of the file", pr.Error(), lines)
				}
			}
			return
		}
		if p == nil || p.check() != nil {
			t.Fatalf("accepted a plan that does not check: %v", p.check())
		}
		genCheckBook(rb, p)
		for i := range 3 {
			if p.scriptFor(i) == nil {
				t.Fatal("no script")
			}
		}
	})
}
