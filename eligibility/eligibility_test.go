package eligibility_test

import (
	"fmt"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
)

// A two-version rule book: in 2010 a suspended member may vote in ballots; from 2015
// they may not, and the freeze-date condition doubles.
const twoVersions = `
organisation: Test Club
versions:
  - id: v1
    in_force_from: 2010-01-01
    default_status: active
    clauses:
      - {id: "1", text: Members may do everything.}
      - {id: "2", text: Suspended members may vote only.}
      - {id: "3", text: Voting in selections needs six months' membership at the freeze date.}
      - {id: "4", text: Former members have no rights.}
      - {id: "5", text: A restriction decided by the committee.}
    statuses:
      - {id: active, name: Active, member: true}
      - {id: suspended, name: Suspended, member: true}
      - {id: expelled, name: Expelled, member: false}
    actions:
      - id: vote
        name: Vote in a selection
        conditions: [{continuous_membership: 6 months, measured_at: freeze_date, clause: "3"}]
      - {id: attend, name: Attend meetings}
      - {id: office, name: Hold office}
    rights:
      active: {default: allow 1}
      suspended: {default: deny 2, vote: allow 2}
      expelled: {default: deny 4}
  - id: v2
    in_force_from: 2015-01-01
    clauses:
      - {id: "2", text: Suspended members may do nothing.}
      - {id: "3", text: Voting in selections needs twelve months' membership at the freeze date.}
    actions:
      - id: vote
        name: Vote in a selection
        conditions: [{continuous_membership: 12 months, measured_at: freeze_date, clause: "3"}]
    rights:
      suspended: {vote: deny 2}
`

func load(t testing.TB) *rules.RuleBook {
	rb, err := rules.Load("two.yaml", []byte(twoVersions))
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

var d = rulebook.MustDate

func history() *rulebook.History {
	return &rulebook.History{
		Member: rulebook.Member{ID: "m1", Name: "Test Member", Joined: d("2010-03-01")},
		Points: []rulebook.StatusPoint{
			{From: d("2010-03-01"), Status: "active", EventID: "e1", Seq: 1},
			{From: d("2012-01-01"), Status: "suspended", EventID: "e2", Seq: 2, Decision: rulebook.Decision{Body: "committee", Clause: "2"}},
			{From: d("2013-01-01"), Status: "active", EventID: "e3", Seq: 3},
			{From: d("2016-01-01"), Status: "suspended", EventID: "e4", Seq: 4},
			{From: d("2016-06-01"), Status: "suspended", EventID: "e5", Seq: 5, Rights: map[string]bool{"attend": true}, Decision: rulebook.Decision{Body: "committee", Clause: "2"}},
			{From: d("2017-01-01"), Status: "expelled", EventID: "e6", Seq: 6},
			{From: d("2018-01-01"), Status: "active", EventID: "e7", Seq: 7},
		},
		Restrictions: []rulebook.Restriction{
			{From: d("2013-06-01"), Until: d("2014-06-01"), Rights: map[string]bool{"office": false}, EventID: "r1", Seq: 8, Decision: rulebook.Decision{Clause: "5", Body: "committee"}},
		},
	}
}

func TestCheck(t *testing.T) {
	rb := load(t)
	h := history()
	cases := []struct {
		action, date, freeze string
		allowed              bool
		version, status, by  string
		clause, event        string
	}{
		{"attend", "2010-02-01", "", false, "v1", "not_a_member", eligibility.ByNotMember, "", ""},
		{"attend", "2010-03-01", "", true, "v1", "active", eligibility.ByMatrix, "1", ""},
		// Suspended under v1: may vote (clause 2 as it then read), may not attend.
		{"vote", "2012-06-01", "2012-05-01", true, "v1", "suspended", eligibility.ByMatrix, "2", ""},
		{"attend", "2012-06-01", "", false, "v1", "suspended", eligibility.ByMatrix, "2", ""},
		// Freeze date: 6 months under v1 (joined 2010-03-01).
		{"vote", "2010-10-01", "2010-08-31", false, "v1", "active", eligibility.ByCondition, "3", ""},
		{"vote", "2010-10-01", "2010-09-01", true, "v1", "active", eligibility.ByMatrix, "1", ""},
		// A restriction in force bars office; before and after it does not.
		{"office", "2013-07-01", "", false, "v1", "active", eligibility.ByRestriction, "5", "r1"},
		{"office", "2014-06-01", "", true, "v1", "active", eligibility.ByMatrix, "1", ""},
		// Suspended under v2: may not vote; the same question in 2012 was answered yes.
		{"vote", "2016-02-01", "2016-01-15", false, "v2", "suspended", eligibility.ByMatrix, "2", ""},
		// The decision of 2016-06-01 widens the defaults: may attend.
		{"attend", "2016-07-01", "", true, "v2", "suspended", eligibility.ByDecision, "2", "e5"},
		{"attend", "2016-02-01", "", false, "v2", "suspended", eligibility.ByMatrix, "2", ""},
		{"vote", "2017-06-01", "", false, "v2", "expelled", eligibility.ByMatrix, "4", ""},
		// Readmitted 2018-01-01: continuity restarts, 12 months needed under v2.
		{"vote", "2018-10-01", "2018-09-01", false, "v2", "active", eligibility.ByCondition, "3", ""},
		{"vote", "2019-02-01", "2019-01-01", true, "v2", "active", eligibility.ByMatrix, "1", ""},
		// Without a freeze date the condition is measured on the date asked about.
		{"vote", "2019-01-01", "", true, "v2", "active", eligibility.ByMatrix, "1", ""},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s on %s freeze %s", tc.action, tc.date, tc.freeze)
		q := eligibility.Question{Action: tc.action, Date: d(tc.date)}
		if tc.freeze != "" {
			q.FreezeDate = d(tc.freeze)
		}
		a, err := eligibility.Check(rb, h, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Allowed != tc.allowed || a.Version != tc.version || a.Status != tc.status || a.DecidedBy != tc.by || a.Event != tc.event {
			t.Errorf("%s: got allowed=%v version=%s status=%s by=%s event=%s (%s)", name, a.Allowed, a.Version, a.Status, a.DecidedBy, a.Event, a.Reason)
		}
		if tc.clause != "" && (a.Clause == nil || a.Clause.ID != tc.clause || a.Clause.Text == "") {
			t.Errorf("%s: clause %+v, want %s with text", name, a.Clause, tc.clause)
		}
		if a.Reason == "" {
			t.Errorf("%s: no reason given", name)
		}
	}
	// The clause text quoted is the version in force on the date asked about.
	a1, _ := eligibility.Check(rb, h, eligibility.Question{Action: "vote", Date: d("2012-06-01")})
	a2, _ := eligibility.Check(rb, h, eligibility.Question{Action: "vote", Date: d("2016-02-01")})
	if a1.Clause.Text == a2.Clause.Text {
		t.Errorf("clause 2 quoted identically under both versions: %q", a1.Clause.Text)
	}
}

func TestCheckErrors(t *testing.T) {
	rb := load(t)
	h := history()
	if _, err := eligibility.Check(rb, h, eligibility.Question{Action: "vote", Date: d("2009-12-31")}); rulebook.ErrorCode(err) != rulebook.ENoRules {
		t.Errorf("before any rule book: %v", err)
	}
	if _, err := eligibility.Check(rb, h, eligibility.Question{Action: "fly", Date: d("2012-01-01")}); rulebook.ErrorCode(err) != rulebook.EInvalid {
		t.Errorf("unknown action: %v", err)
	}
	h.Points = append(h.Points, rulebook.StatusPoint{From: d("2020-01-01"), Status: "ghost", EventID: "e9", Seq: 9})
	if _, err := eligibility.Check(rb, h, eligibility.Question{Action: "vote", Date: d("2020-02-01")}); err == nil {
		t.Error("a status the rule book does not define was answered")
	}
}

func TestElectorate(t *testing.T) {
	rb := load(t)
	var hs []*rulebook.History
	for i, joined := range []string{"2010-01-01", "2014-12-01", "2015-06-01"} {
		hs = append(hs, &rulebook.History{Member: rulebook.Member{ID: fmt.Sprintf("m%d", 3-i), Name: "x", Joined: d(joined)},
			Points: []rulebook.StatusPoint{{From: d(joined), Status: "active"}}})
	}
	hs = append(hs, history())
	list, refused, err := eligibility.Electorate(rb, hs, eligibility.Question{Action: "vote", Date: d("2016-02-01"), FreezeDate: d("2016-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	// m3 (2010) and m2 (2014-12) have 12 months at the freeze date; m1 (2015-06)
	// does not; the test member is suspended.
	if len(list) != 2 || list[0].Member != "m2" || list[1].Member != "m3" {
		t.Fatalf("electorate %+v", list)
	}
	if refused[eligibility.ByCondition] != 1 || refused["suspended"] != 1 {
		t.Fatalf("refused %v", refused)
	}
}

// The engine's speed goal: a single check in at most 2 µs.
func BenchmarkCheck(b *testing.B) {
	rb := load(b)
	h := history()
	q := eligibility.Question{Action: "vote", Date: d("2019-02-01"), FreezeDate: d("2019-01-01")}
	for b.Loop() {
		if _, err := eligibility.Check(rb, h, q); err != nil {
			b.Fatal(err)
		}
	}
}

// The electorate goal: 1,000,000 members in at most 1 s.
func BenchmarkElectorate1M(b *testing.B) {
	rb := load(b)
	hs := make([]*rulebook.History, 1_000_000)
	for i := range hs {
		joined := d("2010-01-01").AddDays(i % 3000)
		h := &rulebook.History{Member: rulebook.Member{ID: fmt.Sprintf("G%07d", i), Name: "Member", Joined: joined},
			Points: []rulebook.StatusPoint{{From: joined, Status: "active", Seq: int64(i)}}}
		if i%20 == 0 {
			h.Points = append(h.Points, rulebook.StatusPoint{From: joined.AddDays(400), Status: "suspended", Seq: int64(i) + 1})
		}
		hs[i] = h
	}
	q := eligibility.Question{Action: "vote", Date: d("2018-06-01"), FreezeDate: d("2018-01-01")}
	for b.Loop() {
		list, _, err := eligibility.Electorate(rb, hs, q)
		if err != nil || len(list) == 0 {
			b.Fatal(err)
		}
	}
}
