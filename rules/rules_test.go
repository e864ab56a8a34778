package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

func TestExamplesLoad(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 2 {
		t.Fatalf("want at least two example rule books, found %v", files)
	}
	for _, f := range files {
		rb, err := rules.LoadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(rb.SHA256) != 64 || rb.Organisation == "" {
			t.Errorf("%s: %+v", f, rb)
		}
	}
}

func TestVersionsAndAmendments(t *testing.T) {
	rb, err := rules.LoadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := rulebook.MustDate
	v1970, _ := rb.VersionAt(d("1999-12-31"))
	v2008, _ := rb.VersionAt(d("2008-01-01"))
	v2016, _ := rb.VersionAt(d("2017-04-04"))
	if v1970.ID != "1970" || v2008.ID != "2008" || v2016.ID != "2016" {
		t.Fatalf("versions: %s %s %s", v1970.ID, v2008.ID, v2016.ID)
	}
	if v2008.Until != d("2016-01-01") || !v2016.Until.IsZero() {
		t.Errorf("until dates: %s %s", v2008.Until, v2016.Until)
	}
	// The 2016 version amends clause 5.I.2 and the selection condition; earlier
	// versions keep theirs.
	if got := v1970.Action("vote_in_selection").Conditions[0].ContinuousMembership.String(); got != "12 months" {
		t.Errorf("1970 freeze condition %q", got)
	}
	if got := v2016.Action("vote_in_selection").Conditions[0].ContinuousMembership.String(); got != "6 months" {
		t.Errorf("2016 freeze condition %q", got)
	}
	if !strings.Contains(v2016.Clause("5.I.2").Text, "six months") || !strings.Contains(v1970.Clause("5.I.2").Text, "twelve months") {
		t.Error("clause 5.I.2 not amended per version")
	}
	if v1970.Status("sanction_suspended") != nil || v2016.Status("sanction_suspended") == nil {
		t.Error("sanction_suspended should exist only from 2016")
	}
	// Expulsion moved from the NEC to the NCC in 2008.
	if _, ok := v1970.MayImpose("nec", "active", "expelled"); !ok {
		t.Error("1970: the NEC may expel")
	}
	if _, ok := v2016.MayImpose("ncc", "admin_suspended", "expelled"); !ok {
		t.Error("2016: the NCC may expel")
	}
	if _, err := rb.VersionAt(d("1969-12-31")); rulebook.ErrorCode(err) != rulebook.ENoRules {
		t.Errorf("before the first version: %v", err)
	}
}

func TestBadRuleBooks(t *testing.T) {
	base, err := os.ReadFile("../examples/union-2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := string(base)
	cases := []struct {
		name      string
		old, new  string // replace old with new in the union example
		wantLine  int    // 0 = don't check
		wantField string
		wantMsg   string
	}{
		{"unknown field", "    procedure: current\n", "    procedure: current\n    procedur: x\n", 12, "versions[0].procedur", "unknown field"},
		{"unknown status in matrix", "      retired:\n        default: deny 3.6", "      retird:\n        default: deny 3.6", 0, "versions[0].rights.retird", "unknown status"},
		{"unknown action in matrix", "        hold_office: deny 9.3", "        hold_offce: deny 9.3", 0, "versions[0].rights.suspended_from_office.hold_offce", "unknown action"},
		{"unknown clause", `default: allow 4.2}`, `default: allow 4.99}`, 0, "versions[0].rights.member.default", `clause "4.99"`},
		{"missing cell", "      suspended: {default: deny 9.5}\n", "      suspended: {attend_branch_meetings: deny 9.5}\n", 0, "versions[0].rights.suspended", `no entry for action "vote_in_union_ballot"`},
		{"bad cell", "default: allow 4.2}", "default: perhaps 4.2}", 0, "", "must start with allow or deny"},
		{"bad date", "in_force_from: 2019-09-01", "in_force_from: 2019-13-01", 0, "", "not a date"},
		{"versions out of order", "in_force_from: 2023-04-15", "in_force_from: 2018-04-15", 0, "versions[1].in_force_from", "not after the previous version"},
		{"bad duration", "max_duration: 5 years", "max_duration: 5 fortnights", 0, "", "unknown unit"},
		{"unknown body", "by: [disciplinary_committee], clause: \"9.5\"}\n      - id: bar_from_office", "by: [tribunal], clause: \"9.5\"}\n      - id: bar_from_office", 0, "versions[0].sanctions[0].by", `unknown body "tribunal"`},
		{"clause without text", `{id: "3.1", title: Membership, text: "Any person employed in education in the region may be admitted to membership by the branch committee."}`, `{id: "3.1", title: Membership}`, 0, "versions[0].clauses[0].text", "no text"},
		{"default status not a member", "default_status: member", "default_status: expelled", 0, "versions[0].default_status", "not a membership status"},
		{"duplicate status", "      - {id: retired, name: Retired member", "      - {id: member, name: Retired member", 0, "versions[0].statuses[2].id", "appears twice"},
		{"bad measured_at", "measured_at: freeze_date, clause: \"4.3\"}\n      - {id: hold_office", "measured_at: yesterday, clause: \"4.3\"}\n      - {id: hold_office", 40, "versions[0].actions[3].conditions[0].measured_at", "must be"},
		{"repeal unknown", "    actions:\n      - id: stand_for_office\n        name: Stand for branch or national office\n        conditions:\n          - {continuous_membership: 24", "    repeal: {statuses: [ghost]}\n    actions:\n      - id: stand_for_office\n        name: Stand for branch or national office\n        conditions:\n          - {continuous_membership: 24", 0, "versions[1].repeal.statuses", `cannot repeal "ghost"`},
		{"unknown capability", "cases: all\n          may: [read_register,", "cases: all\n          may: [read_everything, read_register,", 0, "versions[0].access.roles[0].may", `unknown capability "read_everything"`},
		{"unknown case scope", "cases: assigned, may", "cases: mine, may", 0, "versions[0].access.roles[1].cases", `unknown scope "mine"`},
		{"role acts for unknown body", "acts_for: [disciplinary_committee], cases", "acts_for: [tribunal], cases", 0, "versions[0].access.roles[1].acts_for", `unknown body "tribunal"`},
		{"built-in role redeclared", "- {id: disciplinary_committee, name: Disciplinary Committee member", "- {id: auditor, name: Disciplinary Committee member", 0, "versions[0].access.roles[1].id", "built-in role"},
		{"confidential to unknown role", "{field: complainants, shown_to: [general_secretary]}", "{field: complainants, shown_to: [gen_sec]}", 0, "versions[0].access.confidential[0].shown_to", `unknown role "gen_sec"`},
		{"unknown confidential field", "{field: complainants, shown_to", "{field: diary, shown_to", 0, "versions[0].access.confidential[0].field", `unknown field "diary"`},
		{"not yaml", "organisation: Northshire", "organisation: [Northshire", 4, "", "did not find expected"},
		{"unit within an unknown kind", "      - {kind: branch, name: Branch}\n", "      - {kind: branch, name: Branch, within: district}\n", 61, "versions[0].unit_kinds[0].within", `unknown unit kind "district"`},
		{"units in a cycle", "      - {kind: branch, name: Branch}\n", "      - {kind: branch, name: Branch, within: district}\n      - {kind: district, name: District, within: branch}\n", 61, "versions[0].unit_kinds[0].within", "branch within district within branch"},
		{"unit within itself", "      - {kind: branch, name: Branch}\n", "      - {kind: branch, name: Branch, within: branch}\n", 61, "versions[0].unit_kinds[0].within", "cannot lie within themselves"},
		{"unit kind twice", "      - {kind: branch, name: Branch}\n", "      - {kind: branch, name: Branch}\n      - {kind: branch, name: Workplace}\n", 62, "versions[0].unit_kinds[1].kind", "declared twice"},
		{"unit kind a CSV column", "      - {kind: branch, name: Branch}\n", "      - {kind: branch, name: Branch}\n      - {kind: email, name: E-mail list}\n", 62, "versions[0].unit_kinds[1].kind", "column of the members CSV"},
		{"unit kind without a name", "      - {kind: branch, name: Branch}\n", "      - {kind: branch}\n", 61, "versions[0].unit_kinds[0].name", "is required"},
		{"conflict over an undeclared kind", `"same_unit:branch"`, `"same_unit:ward"`, 119, "versions[0].discipline.conflicts[2]", `names unit kind "ward", which this version does not declare`},
		{"conflict rule of the first releases", `"same_unit:branch"`, "same_branch", 119, "versions[0].discipline.conflicts[2]", `unknown conflict rule "same_branch"`},
		{"repeal unknown unit kind", "  - id: \"2023\"\n", "  - id: \"2023\"\n    repeal: {unit_kinds: [ward]}\n", 0, "versions[1].repeal.unit_kinds", `cannot repeal unit kind "ward"`},
		{"panel section twice", "size: 3, sections: [], clause", "size: 3, sections: [lay, {id: lay, name: Lay members}], clause", 143, "versions[0].discipline.panels[0].sections[1].id", `section "lay" is listed twice`},
		{"panel section without an id", "size: 3, sections: [], clause", "size: 3, sections: [{name: Lay members}], clause", 143, "versions[0].discipline.panels[0].sections[0].id", "a section needs an id"},
		{"panel section key misspelt", "size: 3, sections: [], clause", "size: 3, sections: [{id: lay, nmae: Lay members}], clause", 143, "versions[0].discipline.panels[0].sections[0].nmae", "unknown field"},
		{"repealed kind a conflict rule still names", "  - id: \"2023\"\n", "  - id: \"2023\"\n    repeal: {unit_kinds: [branch]}\n", 0, "versions[1].discipline.conflicts[2]", `names unit kind "branch"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("test is stale: %q not in the example", tc.old)
			}
			src := strings.Replace(good, tc.old, tc.new, 1)
			_, err := rules.Load("union.yaml", []byte(src))
			if err == nil {
				t.Fatal("loaded a bad rule book")
			}
			var ps rules.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want rules.Problems: %v", err, err)
			}
			found := false
			for _, p := range ps {
				if strings.Contains(p.Msg, tc.wantMsg) && (tc.wantField == "" || p.Field == tc.wantField) {
					found = true
					if p.File != "union.yaml" || p.Line == 0 {
						t.Errorf("problem lacks a location: %+v", p)
					}
					if tc.wantLine != 0 && p.Line != tc.wantLine {
						t.Errorf("line %d, want %d", p.Line, tc.wantLine)
					}
					// The line named must be the one that holds the mistake.
					if last := tc.wantField[strings.LastIndexAny(tc.wantField, ".]")+1:]; tc.wantField != "" && strings.Contains(tc.new, last+":") {
						line := strings.Split(src, "\n")[p.Line-1]
						last := tc.wantField[strings.LastIndexAny(tc.wantField, ".]")+1:]
						if last != "" && !strings.Contains(line, strings.TrimSuffix(last, "]")) && !strings.Contains(tc.new, strings.TrimSpace(line)) {
							t.Errorf("line %d is %q, which does not hold %s", p.Line, line, tc.wantField)
						}
					}
				}
			}
			if !found {
				t.Fatalf("no problem with field %q and message %q in:\n%v", tc.wantField, tc.wantMsg, err)
			}
			if !strings.HasPrefix(err.Error(), "union.yaml:") {
				t.Errorf("message does not start with file:line: %v", err)
			}
		})
	}
}

// TestAccessRoles checks that the bodies a rule book declares become roles, that
// declared roles refine them, and that the union's roles are its own.
func TestAccessRoles(t *testing.T) {
	d := rulebook.MustDate
	lab, err := rules.LoadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2016, _ := lab.VersionAt(d("2020-01-01"))
	a := v2016.Access
	if r := a.Role("ncc_panel"); r == nil || r.Cases != "assigned" || !r.ActsForBody("ncc") || !r.NeedsTwoFactor() {
		t.Errorf("ncc_panel: %+v", r)
	}
	if r := a.Role("compliance_unit"); r == nil || r.Cases != "unit" || !r.Can("open_cases") || r.Can("oversight") {
		t.Errorf("compliance_unit: %+v", r)
	}
	// nec_officers is acted for by the nec role, but is still a body, so a role of its own.
	if r := a.Role("nec_officers"); r == nil || !r.FromBody || r.Cases != "docket" || len(r.May) != 0 {
		t.Errorf("a body not declared as a role becomes one seeing its docket, and nothing else: %+v", r)
	}
	if a.Role("member") != nil {
		t.Error("the body \"member\" must not become a role: member is built in")
	}
	if !a.ShownTo("complainants", "general_secretary") || a.ShownTo("complainants", "nec") || !a.ShownTo("panel", "nec") {
		t.Error("confidential fields")
	}
	v1970, _ := lab.VersionAt(d("2000-01-01"))
	if v1970.Access.Role("ncc_panel") != nil {
		t.Error("the NCC's roles come with the NCC, in 2008")
	}
	if v2016.Discipline.HandledBy != "compliance_unit" {
		t.Errorf("handled_by %q", v2016.Discipline.HandledBy)
	}
	union, err := rules.LoadFile("../examples/union-2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := union.VersionAt(d("2020-01-01"))
	var ids []string
	for _, id := range u.Access.RoleOrder {
		ids = append(ids, id)
	}
	want := "general_secretary disciplinary_committee executive_council appeals_committee branch_secretary"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("union roles %q, want %q", got, want)
	}
}

func TestDuration(t *testing.T) {
	d := rulebook.MustDate
	for _, tc := range []struct {
		dur, from, want string
	}{
		{"2 years", "2016-04-28", "2018-04-28"},
		{"6 months", "2016-08-31", "2017-02-28"},
		{"1 month", "2016-01-31", "2016-02-29"},
		{"14 days", "2017-04-04", "2017-04-18"},
		{"10 working days", "2017-04-07", "2017-04-21"}, // a Friday
		{"2 weeks", "2017-04-04", "2017-04-18"},
	} {
		du, err := rules.ParseDuration(tc.dur)
		if err != nil {
			t.Fatal(err)
		}
		if got := du.AddTo(d(tc.from)); got != d(tc.want) {
			t.Errorf("%s after %s = %s, want %s", tc.dur, tc.from, got, tc.want)
		}
	}
	for _, bad := range []string{"", "two years", "2", "-1 days", "3 fortnights"} {
		if _, err := rules.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

// FuzzLoad checks that no input makes the loader panic, and that whatever it
// accepts is internally consistent.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{"../examples/labour-2016.yaml", "../examples/union-2019.yaml", "../examples/sports-2024.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("organisation: x\nversions: []\n"))
	f.Add([]byte("versions:\n  - {id: a, in_force_from: 2020-01-01}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rb, err := rules.Load("fuzz.yaml", b)
		if err != nil {
			var ps rules.Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					if p.File != "fuzz.yaml" {
						t.Fatalf("problem without file: %+v", p)
					}
				}
			}
			return
		}
		for _, v := range rb.Versions {
			for si := range v.Statuses {
				for ai := range v.Actions {
					if c := v.Cell(si, ai); v.Clauses[c.Clause] == nil {
						t.Fatalf("accepted cell citing missing clause %q", c.Clause)
					}
				}
			}
		}
	})
}

// Unit kinds are the rule book's: declared in a version, amended and repealed by
// later ones, ordered from the top of the hierarchy down.
func TestUnitKinds(t *testing.T) {
	lab, err := rules.LoadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lab.UnitKinds(), " "); got != "constituency branch" {
		t.Errorf("labour unit kinds %q", got)
	}
	v := lab.Versions[2]
	if v.UnitDepth("branch") != 1 || v.UnitDepth("constituency") != 0 || v.UnitDepth("ward") != -1 {
		t.Errorf("depths %d %d %d", v.UnitDepth("branch"), v.UnitDepth("constituency"), v.UnitDepth("ward"))
	}
	if !v.UnitKindAbove("constituency", "branch") || v.UnitKindAbove("branch", "constituency") || v.UnitKindAbove("branch", "branch") {
		t.Error("constituency is above branch, and nothing else")
	}
	reg, err := rules.LoadFile("../examples/regulator-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(reg.UnitKinds(), " "); got != "region" {
		t.Errorf("regulator unit kinds %q", got)
	}
	// A later version puts districts above branches, declared after them; it
	// replaces branch, and the order is still from the top down.
	base, err := os.ReadFile("../examples/union-2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(base), "  - id: \"2023\"\n", "  - id: \"2023\"\n    unit_kinds:\n      - {kind: branch, name: Branch, within: district}\n      - {kind: district, name: District}\n", 1)
	un, err := rules.Load("union.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(un.UnitKinds(), " "); got != "district branch" {
		t.Errorf("amended unit kinds %q", got)
	}
	if v := un.Versions[0]; v.UnitKind("district") != nil || v.UnitKind("branch").Within != "" {
		t.Errorf("the 2019 version changed: %+v", v.UnitKinds)
	}
	// A rule book may declare none: its members belong to no unit.
	src = strings.Replace(string(base), "    unit_kinds:\n      - {kind: branch, name: Branch}\n", "", 1)
	src = strings.Replace(src, `"same_unit:branch", `, "", 1)
	none, err := rules.Load("union.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(none.UnitKinds()) != 0 {
		t.Errorf("unit kinds %q", none.UnitKinds())
	}
}
