package register_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

var (
	ctx = context.Background()
	d   = rulebook.MustDate
)

func newService(t testing.TB, db *sqldb.DB) *register.Service {
	src, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// newServiceFrom loads an example rule book, edited: each pair in edits replaces its
// first string with its second, which must be there.
func newServiceFrom(t testing.TB, db *sqldb.DB, file string, edits ...[2]string) *register.Service {
	src, err := os.ReadFile("../examples/" + file)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		if !bytes.Contains(src, []byte(e[0])) {
			t.Fatalf("%s has no %q to edit", file, e[0])
		}
		src = bytes.Replace(src, []byte(e[0]), []byte(e[1]), 1)
	}
	rb, err := rules.Load(file, src)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func join(t testing.TB, svc *register.Service, id, joined string) {
	t.Helper()
	if _, err := svc.Join(ctx, "t", rulebook.Member{ID: id, Name: "Member " + id, Joined: d(joined)}, ""); err != nil {
		t.Fatal(err)
	}
}

func TestStatusChangesFollowTheRuleBook(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		join(t, svc, "m1", "2001-01-01")
		join(t, svc, "m2", "2001-01-01")
		member := "m1"
		ch := func(from string, c rulebook.StatusChange, credit string) error {
			var cr rulebook.Date
			if credit != "" {
				cr = d(credit)
			}
			_, err := svc.ChangeStatus(ctx, "t", member, d(from), c, cr)
			return err
		}
		// The general secretary may not expel (only the NCC may, from 2008).
		err := ch("2016-04-28", rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{Body: "general_secretary"}}, "")
		if rulebook.ErrorCode(err) != rulebook.ENotPermitted || !strings.Contains(err.Error(), "6.I.1.C") || !strings.Contains(err.Error(), "ncc") {
			t.Fatalf("expulsion by the general secretary: %v", err)
		}
		// Before 2008 the NEC could; the rule in force on the date decides.
		if err := ch("2005-01-01", rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{Body: "nec"}}, ""); err != nil {
			t.Fatalf("expulsion by the NEC in 2005: %v", err)
		}
		if err := ch("2006-01-01", rulebook.StatusChange{Status: "active", Decision: rulebook.Decision{Body: "nec", Clause: "6.I.2", Reason: "readmitted"}}, ""); err != nil {
			t.Fatal(err)
		}
		if err := ch("2016-04-28", rulebook.StatusChange{Status: "admin_suspended", Decision: rulebook.Decision{Body: "general_secretary"}}, ""); err != nil {
			t.Fatal(err)
		}
		// The sanction may last two years, counted from the interim suspension.
		tooLong := rulebook.StatusChange{Status: "sanction_suspended", Until: d("2018-05-01"), Then: "active",
			Decision: rulebook.Decision{Body: "ncc", Sanction: "suspension_office_representation"}}
		if err := ch("2017-04-04", tooLong, "2016-04-28"); rulebook.ErrorCode(err) != rulebook.ENotPermitted || !strings.Contains(err.Error(), "2018-04-28") {
			t.Fatalf("sanction over the limit: %v", err)
		}
		ok := tooLong
		ok.Until = d("2018-04-27")
		if err := ch("2017-04-04", ok, "2016-04-28"); err != nil {
			t.Fatalf("sanction crediting time served: %v", err)
		}
		// A second sanction on top of the first is not a change the rule book provides.
		if err := ch("2017-06-01", ok, ""); rulebook.ErrorCode(err) != rulebook.ENotPermitted || !strings.Contains(err.Error(), "only from active or admin_suspended") {
			t.Fatalf("sanction on a sanctioned member: %v", err)
		}
		// Without the credit, the two years run from the decision.
		member = "m2"
		ok.Until = d("2019-04-05")
		if err := ch("2017-04-05", ok, ""); err != nil {
			t.Fatalf("two years from the decision: %v", err)
		}
		member = "m1"
		for name, c := range map[string]rulebook.StatusChange{
			"unknown status":    {Status: "banished", Decision: rulebook.Decision{Body: "ncc"}},
			"unknown body":      {Status: "active", Decision: rulebook.Decision{Body: "the_press"}},
			"no body":           {Status: "active"},
			"unknown action":    {Status: "active", Rights: map[string]bool{"fly": true}, Decision: rulebook.Decision{Body: "ncc"}},
			"until before from": {Status: "sanction_suspended", Until: d("2017-01-01"), Then: "active", Decision: rulebook.Decision{Body: "ncc"}},
			"no then":           {Status: "sanction_suspended", Until: d("2018-01-01"), Decision: rulebook.Decision{Body: "ncc"}},
			"unknown clause":    {Status: "active", Decision: rulebook.Decision{Body: "ncc", Clause: "99"}},
			"wrong body":        {Status: "sanction_suspended", Until: d("2018-01-01"), Then: "active", Decision: rulebook.Decision{Body: "nec", Sanction: "suspension_office_representation"}},
		} {
			if err := ch("2017-06-01", c, ""); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if _, err := svc.ChangeStatus(ctx, "t", "nobody", d("2017-01-01"), rulebook.StatusChange{Status: "active"}, 0); rulebook.ErrorCode(err) != rulebook.ENotFound {
			t.Errorf("unknown member: %v", err)
		}
		if _, err := svc.ChangeStatus(ctx, "t", "m1", d("2000-01-01"), rulebook.StatusChange{Status: "active", Decision: rulebook.Decision{Body: "nec"}}, 0); err == nil {
			t.Error("a status change before joining was accepted")
		}
	})
}

func TestJoinAndComplaintValidation(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		join(t, svc, "m1", "2001-01-01")
		if _, err := svc.Join(ctx, "t", rulebook.Member{ID: "m1", Name: "again", Joined: d("2002-01-01")}, ""); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("duplicate join: %v", err)
		}
		if _, err := svc.Join(ctx, "t", rulebook.Member{ID: "m2", Name: "x", Joined: d("2002-01-01")}, "expelled"); err == nil {
			t.Error("joined as expelled")
		}
		if _, err := svc.Join(ctx, "", rulebook.Member{ID: "m3", Name: "x", Joined: d("2002-01-01")}, ""); err == nil {
			t.Error("joined with no actor")
		}
		c := rulebook.ComplaintReceived{ID: "C1", Respondent: "m1", Complainant: "m9", From: "member", Via: "letter", Conduct: d("2010-10-18"), Clauses: []string{"2.I.4.B"}, Summary: "appeared with a rival"}
		if _, err := svc.ReceiveComplaint(ctx, "t", d("2010-10-20"), c); err != nil {
			t.Fatal(err)
		}
		bad := c
		bad.ID, bad.Clauses = "C2", []string{"6.I.1.D"} // only in force from 2016
		if _, err := svc.ReceiveComplaint(ctx, "t", d("2010-10-20"), bad); err == nil || !strings.Contains(err.Error(), "1970") && !strings.Contains(err.Error(), "2008") {
			t.Errorf("clause not yet in force: %v", err)
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		join(t, svc, "EXIST", "2001-01-01")
		bad := "id,name,joined,status,status_since,branch\n" +
			"A1,Ann,2001-01-01,,,north\n" +
			"A2,Bob,1969-12-31,,,north\n" + // the one day a Date cannot hold
			"A3,Cy,2001-01-01,ghost,,north\n" + // unknown status
			"EXIST,Dee,2001-01-01,,,north\n" + // already on the register
			"A5,Eve,2001-01-01,expelled,,north\n" + // joins as a non-member
			"A6,Fay,2001-01-01,lapsed,2005-01-01,north\n" // fine
		_, err := svc.Import(ctx, "t", strings.NewReader(bad), "bad.csv", nil)
		var errs *memberscsv.Errors
		if !errors.As(err, &errs) {
			t.Fatalf("got %v", err)
		}
		got := map[int]string{}
		for _, e := range errs.List {
			got[e.Line] = e.Field
		}
		want := map[int]string{3: "joined", 4: "status", 5: "id", 6: "status"}
		for l, f := range want {
			if got[l] != f {
				t.Errorf("row %d: field %q, want %q (%v)", l, got[l], f, errs.List)
			}
		}
		if n, _ := db.CountMembers(ctx); n != 1 {
			t.Fatalf("%d members after a failed import, want 1", n)
		}
		if evs, _ := db.Events(ctx, sqldb.EventFilter{}); len(evs) != 2 {
			t.Fatalf("%d events after a failed import, want 2 (adoption and one join)", len(evs))
		}
		good := "id,name,joined,status,status_since,branch,constituency\n" +
			"A1,Ann,2001-01-01,,,north,c1\n" +
			"A6,Fay,2001-01-01,lapsed,2005-01-01,south,c1\n"
		res, err := svc.Import(ctx, "t", strings.NewReader(good), "good.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Members != 2 || res.Units != 3 {
			t.Fatalf("%+v", res)
		}
		h, _ := db.History(ctx, "A6")
		if h.StatusAt(d("2004-12-31")).Status != "active" || h.StatusAt(d("2005-01-01")).Status != "lapsed" {
			t.Fatalf("A6 history %+v", h.Points)
		}
		var out bytes.Buffer
		n, err := svc.Export(ctx, &out, d("2010-01-01"))
		if err != nil || n != 3 {
			t.Fatal(n, err)
		}
		if !strings.Contains(out.String(), "A6,Fay,,,,c1,south,2001-01-01,lapsed,2005-01-01") {
			t.Fatalf("export:\n%s", out.String())
		}
		if res, _ := db.Verify(ctx, nil); !res.OK {
			t.Fatalf("verify after import: %+v", res.Problem)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("projection after import: %v %v", diffs, err)
		}
	})
}

// importProblems imports src and returns its problems by row: field and reason.
func importProblems(t *testing.T, svc *register.Service, src string) map[int]memberscsv.RowError {
	t.Helper()
	_, err := svc.Import(ctx, "t", strings.NewReader(src), "members.csv", nil)
	var errs *memberscsv.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want *memberscsv.Errors", err)
	}
	got := map[int]memberscsv.RowError{}
	for _, e := range errs.List {
		got[e.Line] = e
	}
	return got
}

// An imported status must be one a rule of the version in force on status_since lets
// some body give, in one step, to a member with the status they joined with.
//
// Every status of the two examples is one step from their default status, so the
// union's rule book is edited: suspension from membership only follows suspension
// from office (two steps from "member"), and no rule moves a member to "retired".
func TestImportFollowsStatusChanges(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newServiceFrom(t, db, "union-2019.yaml",
			[2]string{"{to: suspended, from: [member, suspended_from_office]", "{to: suspended, from: [suspended_from_office]"},
			[2]string{"      - {to: retired, from: [member], by: [branch_secretary], clause: \"3.6\"}\n", ""})
		join(t, svc, "EXIST", "2020-01-01")
		good := "A1,Ann,2020-01-01,out_of_benefit,2021-01-01\n" + // one step
			"A2,Bob,2020-01-01,member,2021-06-01\n" + // the joining status again: no change
			"A3,Cy,2020-01-01,suspended_from_office,2020-01-01\n" + // joined with it
			"A4,Dee,2020-01-01,resigned,2022-01-01\n" // a rule from any status
		bad := "B1,Eve,2020-01-01,suspended,2021-01-01\n" + // two steps
			"B2,Fay,2020-01-01,retired,2021-01-01\n" + // no rule leads there
			"B3,Gus,2020-01-01,ghost,2021-01-01\n" // not a status
		head := "id,name,joined,status,status_since\n"
		got := importProblems(t, svc, head+good+bad)
		for line, want := range map[int][]string{
			6: {"version 2019", "only from suspended_from_office", "not from member", "9.5", "one step", "status changes"},
			7: {"no rule moving a member to retired", "joined as member"},
			8: {`unknown status "ghost"`},
		} {
			e := got[line]
			for _, w := range want {
				if e.Field != "status" || !strings.Contains(e.Msg, w) {
					t.Errorf("row %d: got %+v, want field status and %q", line, e, w)
				}
			}
		}
		if len(got) != 3 {
			t.Errorf("%d problems, want 3: %v", len(got), got)
		}
		if n, _ := db.CountMembers(ctx); n != 1 {
			t.Fatalf("%d members after a refused import, want 1", n)
		}
		res, err := svc.Import(ctx, "t", strings.NewReader(head+good), "members.csv", nil)
		if err != nil || res.Members != 4 {
			t.Fatalf("%+v %v", res, err)
		}
		for id, want := range map[string]string{"A1": "out_of_benefit", "A2": "member", "A3": "suspended_from_office", "A4": "resigned"} {
			if h, err := db.History(ctx, id); err != nil || h.StatusAt(d("2023-01-01")).Status != want {
				t.Errorf("%s: %v %v, want %s", id, h, err, want)
			}
		}
	})
}

// Imported members who joined before the first version of the rule book are facts to
// record: their joining, and a status_since before the first version, are checked
// against the first version. Decisions and eligibility before it still have no rules to go by.
func TestImportBeforeTheFirstVersion(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db) // labour-2016.yaml: the first version is in force from 1970-01-01
		head := "id,name,joined,status,status_since\n"
		got := importProblems(t, svc, head+
			"P1,Ann,1960-05-01,,\n"+
			"P2,Bob,1960-05-01,sanction_suspended,1965-01-01\n"+ // a status only from 2016
			"P3,Cy,1960-05-01,expelled,\n"+ // joined as a non-member
			"P4,Dee,1969-12-30,lapsed,1969-12-30\n") // joined as a non-member
		for line, want := range map[int]string{3: `unknown status "sanction_suspended" in rule book version 1970`, 4: "not a membership status", 5: "not a membership status"} {
			if e := got[line]; e.Field != "status" || !strings.Contains(e.Msg, want) {
				t.Errorf("row %d: got %+v, want field status and %q", line, e, want)
			}
		}
		if _, ok := got[2]; ok || len(got) != 3 {
			t.Errorf("problems: %v", got)
		}
		good := head + "P1,Ann,1960-05-01,,\n" + "P2,Bob,1960-05-01,lapsed,1965-01-01\n" + "P3,Cy,1969-12-30,admin_suspended,1970-06-01\n"
		if _, err := svc.Import(ctx, "t", strings.NewReader(good), "members.csv", nil); err != nil {
			t.Fatal(err)
		}
		// One member at a time, a joining before the rule book is still refused, as the
		// API promises: such members come with the old records, by import.
		if _, err := svc.Join(ctx, "t", rulebook.Member{ID: "P4", Name: "Eve", Joined: d("1950-01-01")}, ""); rulebook.ErrorCode(err) != rulebook.ENoRules {
			t.Fatalf("joining in 1950 one at a time: %v", err)
		}
		h, _ := db.History(ctx, "P2")
		if h.StatusAt(d("1964-12-31")).Status != "active" || h.StatusAt(d("1965-01-01")).Status != "lapsed" {
			t.Fatalf("P2 history %+v", h.Points)
		}
		// A decision before the first version is still refused: no rules were in force.
		if _, err := svc.ChangeStatus(ctx, "t", "P1", d("1965-01-01"), rulebook.StatusChange{Status: "lapsed", Decision: rulebook.Decision{Body: "membership_office"}}, 0); rulebook.ErrorCode(err) != rulebook.ENoRules {
			t.Errorf("status change in 1965: %v", err)
		}
		// Eligibility on a date before the first version has no answer but the reason.
		h, _ = db.History(ctx, "P1")
		q := eligibility.Question{Action: "vote_in_selection", Date: d("1969-06-01")}
		if _, err := eligibility.Check(svc.Rules, h, q); rulebook.ErrorCode(err) != rulebook.ENoRules || !strings.Contains(err.Error(), "1970-01-01") {
			t.Errorf("eligibility in 1969: %v", err)
		}
		// After it, membership from before the rule book counts towards the twelve
		// months of continuous membership the 1970 version asks for.
		q.Date = d("1970-02-01")
		if ans, err := eligibility.Check(svc.Rules, h, q); err != nil || !ans.Allowed {
			t.Errorf("eligibility in 1970: %+v %v", ans, err)
		}
	})
}

func TestCorrect(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		join(t, svc, "m1", "2001-01-01")
		e, err := svc.ChangeStatus(ctx, "t", "m1", d("2012-01-01"), rulebook.StatusChange{Status: "lapsed", Decision: rulebook.Decision{Body: "membership_office"}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Correct(ctx, "t", e.ID, ""); err == nil {
			t.Error("correction without a reason accepted")
		}
		c, err := svc.Correct(ctx, "t", e.ID, "entered in error")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Correct(ctx, "t", e.ID, "again"); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("second correction: %v", err)
		}
		if _, err := svc.Correct(ctx, "t", c.ID, "undo"); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("correcting a correction: %v", err)
		}
		h, _ := db.History(ctx, "m1")
		if h.StatusAt(d("2013-01-01")).Status != "active" {
			t.Fatalf("after correction %+v", h.Points)
		}
	})
}

// A first load into a small SQLite register drops its secondary indexes and builds
// them again before committing: afterwards they are all there, and a failed load
// leaves them as they were.
func TestBulkImportRebuildsIndexes(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	svc := newService(t, db)
	indexes := func() int {
		var n int
		if err := db.Raw().QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('events_id', 'events_subject', 'members_unit')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var csv bytes.Buffer
	if err := memberscsv.Generate(&csv, 2000, 3, []memberscsv.Level{{Kind: "constituency", Count: 2}, {Kind: "branch", Count: 20}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Import(ctx, "t", bytes.NewReader(csv.Bytes()), "gen.csv", nil); err != nil {
		t.Fatal(err)
	}
	if n := indexes(); n != 3 {
		t.Fatalf("%d of 3 indexes after a bulk import", n)
	}
	// The indexes built at the end were analysed, in the import's own
	// transaction: the planner knows the members it now holds.
	var stat string
	if err := db.Raw().QueryRow(`SELECT stat FROM sqlite_stat1 WHERE idx = 'members_unit'`).Scan(&stat); err != nil {
		t.Fatalf("the statistics of the index built by the import: %v", err)
	}
	if f := strings.Fields(stat); len(f) < 2 || f[0] != "2000" {
		t.Fatalf("the statistics of members_unit after importing 2,000 members: %q", stat)
	}
	if _, err := svc.Import(ctx, "t", strings.NewReader("id,name,joined\nG0000001,Again,2001-01-01\n"), "dup.csv", nil); err == nil {
		t.Fatal("a member already on the register was imported again")
	}
	if n := indexes(); n != 3 {
		t.Fatalf("%d of 3 indexes after a failed import", n)
	}
	if h, err := db.History(ctx, "G0000002"); err != nil || h.Member.ID != "G0000002" {
		t.Fatalf("lookup after the bulk import: %v", err)
	}
	if evs, err := db.Events(ctx, sqldb.EventFilter{Subject: "G0000002"}); err != nil || len(evs) != 1 {
		t.Fatalf("events by subject after the bulk import: %d %v", len(evs), err)
	}
}

// A large import takes the bulk paths — sealing and encoding beside the
// chaining, batches written while the next are queued, PostgreSQL's COPY — and
// must store exactly what one event at a time would: the record verifies, the
// personal data held apart matches its commitments and reads back, and the
// projection matches the events. A failure in the database after several
// batches were written (here a trigger refusing one member, as a disk full or
// a constraint would) leaves nothing of the import, and the record intact.
func TestLargeImportBulkPaths(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		const n = 12_000 // several batches of 4,096 events, each COPYed
		var csv bytes.Buffer
		if err := memberscsv.Generate(&csv, n, 7, []memberscsv.Level{{Kind: "constituency", Count: 20}, {Kind: "branch", Count: 200}}, []string{"lapsed", "admin_suspended"}); err != nil {
			t.Fatal(err)
		}
		// A name and an address with the characters COPY's text format escapes
		// (a free-text address may break lines), and quotes.
		const name, address = `Back\slash "Quote"`, "Tab\tBack\\slash\nNew line \"Quote\"" // the CSV reader reads \r\n as \n
		lines := strings.Split(csv.String(), "\n")
		for i, l := range lines {
			if f := strings.Split(l, ","); f[0] == "G0000007" {
				f[1], f[4] = `"Back\slash ""Quote"""`, "\"Tab\tBack\\slash\r\nNew line \"\"Quote\"\"\""
				lines[i] = strings.Join(f, ",")
			}
		}
		text := strings.Join(lines, "\n")

		// First a failure in the database, after some batches are written.
		refuse := `CREATE TRIGGER refuse_one BEFORE INSERT ON members WHEN NEW.id = 'G0010000' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`
		if db.Dialect() == "postgres" {
			refuse = `CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 'G0010000' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
				CREATE TRIGGER refuse_one BEFORE INSERT ON members FOR EACH ROW EXECUTE FUNCTION refuse_one()`
		}
		if err := sqldbtest.Exec(db, refuse); err != nil {
			t.Fatal(err)
		}
		before, err := db.Verify(ctx, nil)
		if err != nil || !before.OK {
			t.Fatal(err, before)
		}
		if _, err := svc.Import(ctx, "t", strings.NewReader(text), "big.csv", nil); err == nil || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("import through a refusing database: %v", err)
		}
		if k, _ := db.CountMembers(ctx); k != 0 {
			t.Fatalf("%d members stored by a failed import", k)
		}
		if res, err := db.Verify(ctx, nil); err != nil || !res.OK || res.Events != before.Events || res.Head != before.Head {
			t.Fatalf("record after a failed import: %+v %v (before: %+v)", res, err, before)
		}
		drop := `DROP TRIGGER refuse_one`
		if db.Dialect() == "postgres" {
			drop = `DROP TRIGGER refuse_one ON members`
		}
		if err := sqldbtest.Exec(db, drop); err != nil {
			t.Fatal(err)
		}

		res, err := svc.Import(ctx, "t", strings.NewReader(text), "big.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Members != n || res.Units != 220 {
			t.Fatalf("%+v", res)
		}
		if k, _ := db.CountMembers(ctx); k != n {
			t.Fatalf("%d members stored of %d", k, n)
		}
		v, err := db.Verify(ctx, nil)
		if err != nil || !v.OK || len(v.Faults) > 0 {
			t.Fatalf("verify after a large import: %+v %v", v, err)
		}
		if v.Events != before.Events+int64(res.Events) {
			t.Fatalf("%d events, want %d", v.Events, before.Events+int64(res.Events))
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("projection after a large import: %v %v", diffs, err)
		}
		h, err := db.History(ctx, "G0000007")
		if err != nil || h.Member.Name != name || h.Member.Address != address {
			t.Fatalf("G0000007: %+v %v", h, err)
		}
		evs, err := db.Events(ctx, sqldb.EventFilter{Subject: "G0000007"})
		if err != nil || len(evs) < 1 || !strings.Contains(string(evs[0].Data), `"address":"Tab\tBack\\slash\nNew line \"Quote\""`) {
			t.Fatalf("G0000007's joining as read back: %v %v", evs, err)
		}
		if !rulebook.HasPersonal(evs[0].StoredData()) {
			t.Fatalf("G0000007's name is stored in the record, not held apart: %s", evs[0].StoredData())
		}
	})
}
