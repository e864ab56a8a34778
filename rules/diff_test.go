package rules_test

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
)

// findChange returns the change of kind and id, or nil.
func findChange(cs []rules.Change, kind, id string) *rules.Change {
	for i := range cs {
		if cs[i].Kind == kind && cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}

type wantChange struct {
	kind, id, what string
	before, after  string // substrings the descriptions must hold ("" = don't check)
}

func checkChanges(t *testing.T, label string, cs []rules.Change, want []wantChange) {
	t.Helper()
	for _, w := range want {
		c := findChange(cs, w.kind, w.id)
		if c == nil {
			t.Errorf("%s: no change for %s %s", label, w.kind, w.id)
			continue
		}
		if c.What != w.what {
			t.Errorf("%s: %s %s is %q, want %q", label, w.kind, w.id, c.What, w.what)
		}
		if !strings.Contains(c.Before, w.before) || !strings.Contains(c.After, w.after) {
			t.Errorf("%s: %s %s: before %q, after %q; want them to hold %q and %q", label, w.kind, w.id, c.Before, c.After, w.before, w.after)
		}
		switch c.What {
		case "added":
			if c.Before != "" || c.After == "" {
				t.Errorf("%s: added %s %s has before %q, after %q", label, w.kind, w.id, c.Before, c.After)
			}
		case "removed":
			if c.Before == "" || c.After != "" {
				t.Errorf("%s: removed %s %s has before %q, after %q", label, w.kind, w.id, c.Before, c.After)
			}
		}
	}
}

func labourVersions(t *testing.T) (v1970, v2008, v2016 *rules.Version) {
	t.Helper()
	rb, err := rules.LoadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := rulebook.MustDate
	v1970, _ = rb.VersionAt(d("1999-12-31"))
	v2008, _ = rb.VersionAt(d("2008-01-01"))
	v2016, _ = rb.VersionAt(d("2017-04-04"))
	if v1970.ID != "1970" || v2008.ID != "2008" || v2016.ID != "2016" {
		t.Fatalf("versions: %s %s %s", v1970.ID, v2008.ID, v2016.ID)
	}
	return v1970, v2008, v2016
}

func TestDiffLabour(t *testing.T) {
	v1970, v2008, v2016 := labourVersions(t)

	checkChanges(t, "1970→2008", rules.Diff(v1970, v2008), []wantChange{
		{"body", "ncc", "added", "", "National Constitutional Committee"},
		{"body", "nec_disputes_panel", "added", "", "NEC Disputes Panel"},
		{"clause", "6.I.1.C", "changed", "The NEC shall have the power", "National Constitutional Committee"},
		{"sanction", "expulsion", "changed", "by nec;", "by ncc;"},
		{"state", "referred", "added", "", "Referred to the NCC"},
		{"transition", "impose_sanction", "added", "", "from heard to closed"},
		{"transition", "no_further_action", "changed", "from triage, under_investigation to closed", "awaiting_decision"},
		{"role", "nec", "changed", "acts for nec;", "acts for nec, nec_officers"},
		{"role", "ncc_panel", "added", "", "cases: assigned"},
		// 2008 adds a rule; the 1970 one moving the same statuses stays in force.
		{"status_change", "admin_suspended→active", "changed", "by nec, general_secretary", "by nec_disputes_panel"},
	})

	d := rules.Diff(v2008, v2016)
	checkChanges(t, "2008→2016", d, []wantChange{
		{"clause", "5.I.2", "changed", "twelve months", "six months"},
		{"clause", "6.I.1.D", "added", "", "Its decisions are final"},
		{"status", "sanction_suspended", "added", "", "Suspended from holding office and representation"},
		{"action", "vote_in_selection", "changed", "12 months", "6 months"},
		{"right", "sanction_suspended/vote_in_selection", "added", "", "allow 6.I.1.D"},
		{"right", "sanction_suspended/stand_as_candidate", "added", "", "deny 6.I.1.D"},
		{"right", "admin_suspended/attend_constituency_meetings", "changed", "deny 6.I.1.B", "may attend only to vote"},
		{"sanction", "suspension_office_representation", "added", "", "up to 2 years"},
		{"sanction", "expulsion", "changed", "clause 6.I.1.C", "clause 6.I.1.D"},
		{"status_change", "active,admin_suspended→sanction_suspended", "added", "", "by ncc"},
		{"transition", "impose_sanction", "changed", "clause 6.I.1.C", "clause 6.I.1.D"},
		{"transition", "review", "added", "", "refused"},
	})
	// The 2016 version restates admin_suspended/vote_in_selection as "deny 6.I.1.B",
	// which is what the status's default already said: its effect is unchanged, so
	// it is not reported (the change to voting in selections is the action's
	// condition, reported above).
	if c := findChange(d, "right", "admin_suspended/vote_in_selection"); c != nil {
		t.Errorf("a restated cell is reported as a change: %+v", *c)
	}
	// Nothing that did not change is reported.
	for _, c := range d {
		if c.Kind == "body" || c.Kind == "trigger" || c.Kind == "readmission" || c.Kind == "state" {
			t.Errorf("2008→2016: unexpected %+v", c)
		}
	}

	// Over both amendments at once: the first and the last text of each.
	checkChanges(t, "1970→2016", rules.Diff(v1970, v2016), []wantChange{
		{"clause", "5.I.2", "changed", "twelve months", "six months"},
		{"status", "sanction_suspended", "added", "", "a member"},
		{"body", "ncc", "added", "", "hearing body"},
		{"transition", "impose_sanction", "added", "", "clause 6.I.1.D"},
		{"sanction", "expulsion", "changed", "by nec; clause 6.I.1.C", "by ncc; clause 6.I.1.D"},
	})
	// And backwards.
	checkChanges(t, "2016→1970", rules.Diff(v2016, v1970), []wantChange{
		{"clause", "5.I.2", "changed", "six months", "twelve months"},
		{"status", "sanction_suspended", "removed", "Suspended from holding office", ""},
		{"body", "ncc", "removed", "hearing body", ""},
		{"right", "sanction_suspended/vote_in_selection", "removed", "allow 6.I.1.D", ""},
	})
}

// TestDiffOtherKinds amends the union example to reach the kinds the Labour
// example's amendments do not: triggers, readmission, repealed states and
// transitions, a step made not permitted, repealed status changes and new roles.
func TestDiffOtherKinds(t *testing.T) {
	base, err := os.ReadFile("../examples/union-2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(base) + `
  - id: "2025"
    title: Test amendments
    in_force_from: 2025-01-01
    lists:
      - {id: rival_unions, name: Rival unions, clause: "9.1"}
    automatic_exclusion:
      - {id: joined_rival_union, name: Joining a rival union, status: expelled, confirm_by: [general_secretary], checks: rival_unions, clause: "9.1"}
    readmission:
      from: [expelled]
      waiting_period: 3 years
      decided_by: [executive_council]
      may_shorten: true
      status: member
      clause: "9.9"
    repeal: {status_changes: true}
    bodies:
      - {id: member, name: The member themselves, kind: person}
    status_changes:
      - {to: resigned, by: [member], clause: "11.1"}
    access:
      roles:
        - {id: appeals_clerk, name: Appeals clerk, acts_for: [appeals_committee], cases: docket}
    discipline:
      initial: {exclusion: received}
      transitions:
        - {id: finalise, name: Close after the appeal period, from: [sanctioned], to: closed, by: [general_secretary], permitted: false, clause: "9.7"}
      repeal:
        states: [appeal_lodged]
        transitions: [appeal, dismiss_appeal, allow_appeal, vary_penalty]
`
	rb, err := rules.Load("union.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	v2023, v2025 := rb.Versions[1], rb.Versions[2]
	d := rules.Diff(v2023, v2025)
	checkChanges(t, "2023→2025", d, []wantChange{
		{"trigger", "joined_rival_union", "added", "", "checked against rival_unions"},
		{"readmission", "readmission", "changed", "after 2 years", "after 3 years; decided by executive_council; the wait may be shortened"},
		{"status_change", "any→resigned", "changed", "by member, branch_secretary", "by member;"},
		{"status_change", "member→retired", "removed", "by branch_secretary", ""},
		{"role", "appeals_clerk", "added", "", "acts for appeals_committee"},
		// The member no longer takes steps in their own case.
		{"body", "member", "changed", "the respondent themselves", "person"},
		{"state", "appeal_lodged", "removed", "Appeal lodged", ""},
		{"state", "received", "changed", "first state of complaint", "first state of complaint, exclusion"},
		{"transition", "appeal", "removed", "within 14 days", ""},
		{"transition", "finalise", "changed", "outcome penalty", "refused (not permitted)"},
	})
	if c := findChange(d, "clause", "4.3"); c != nil {
		t.Errorf("unchanged clause reported: %+v", *c)
	}
	// Against no version at all, everything is added.
	for _, c := range rules.Diff(nil, v2025) {
		if c.What != "added" {
			t.Errorf("Diff(nil, v): %+v", c)
		}
	}
	if n := len(rules.Diff(nil, nil)); n != 0 {
		t.Errorf("Diff(nil, nil) has %d changes", n)
	}
}

func allVersions(t *testing.T) []*rules.Version {
	t.Helper()
	var vs []*rules.Version
	for _, f := range []string{"../examples/labour-2016.yaml", "../examples/union-2019.yaml"} {
		rb, err := rules.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, rb.Versions...)
	}
	return vs
}

func TestDiffSameIsEmpty(t *testing.T) {
	for _, v := range allVersions(t) {
		if d := rules.Diff(v, v); len(d) != 0 {
			t.Errorf("Diff(%s, %s) = %+v", v.ID, v.ID, d)
		}
	}
}

// TestDiffSymmetric checks, for every pair of versions (across rule books too),
// that Diff(b, a) is Diff(a, b) with added and removed, and before and after,
// exchanged; that both are sorted by kind then id; and that ids are not repeated.
func TestDiffSymmetric(t *testing.T) {
	vs := allVersions(t)
	flip := map[string]string{"added": "removed", "removed": "added", "changed": "changed"}
	for _, a := range vs {
		for _, b := range vs {
			ab, ba := rules.Diff(a, b), rules.Diff(b, a)
			if a != b && len(ab) == 0 {
				t.Errorf("Diff(%s, %s) is empty", a.ID, b.ID)
			}
			if len(ab) != len(ba) {
				t.Errorf("Diff(%s, %s) has %d changes, the reverse %d", a.ID, b.ID, len(ab), len(ba))
				continue
			}
			for i := range ab {
				x, y := ab[i], ba[i]
				if x.Kind != y.Kind || x.ID != y.ID || flip[x.What] != y.What || x.Before != y.After || x.After != y.Before {
					t.Errorf("Diff(%s, %s)[%d] = %+v, reverse %+v", a.ID, b.ID, i, x, y)
				}
				if x.What == "changed" && x.Before == x.After {
					t.Errorf("Diff(%s, %s): changed with identical descriptions: %+v", a.ID, b.ID, x)
				}
			}
			sorted := sort.SliceIsSorted(ab, func(i, j int) bool {
				return ab[i].Kind < ab[j].Kind || (ab[i].Kind == ab[j].Kind && ab[i].ID < ab[j].ID)
			})
			if !sorted {
				t.Errorf("Diff(%s, %s) is not sorted by kind then id", a.ID, b.ID)
			}
			for i := 1; i < len(ab); i++ {
				if ab[i].Kind == ab[i-1].Kind && ab[i].ID == ab[i-1].ID {
					t.Errorf("Diff(%s, %s): %s %s twice", a.ID, b.ID, ab[i].Kind, ab[i].ID)
				}
			}
			kinds := []string{"clause", "status", "action", "right", "body", "status_change", "sanction", "trigger", "list", "guidance", "readmission", "state", "transition", "role", "occasion", "unit", "standard_punishment", "unit_kind", "retention", "selection"}
			for _, c := range ab {
				if !slices.Contains(kinds, c.Kind) {
					t.Errorf("unknown kind %q", c.Kind)
				}
			}
		}
	}
}
