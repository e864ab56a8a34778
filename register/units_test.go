package register_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

func wantField(t *testing.T, what string, err error, field, msg string) {
	t.Helper()
	e, ok := err.(*rulebook.Error)
	if !ok || e.Field != field || !strings.Contains(e.Message, msg) {
		t.Errorf("%s: got %v, want a problem with %s saying %q", what, err, field, msg)
	}
}

func members(t *testing.T, db *sqldb.DB, unit string) []string {
	t.Helper()
	ms, err := db.Members(ctx, sqldb.MemberFilter{Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// Units are of the kinds the rule book declares, each within a unit of the kind
// the rule book puts it in.
func TestCreateUnit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		create := func(u rulebook.Unit) error {
			_, err := svc.CreateUnit(ctx, "t", u, d("2016-01-01"))
			return err
		}
		wantField(t, "a kind the rule book does not declare", create(rulebook.Unit{ID: "r1", Name: "North", Kind: "region"}), "kind", `declares no kind of unit "region"`)
		wantField(t, "no kind, of two", create(rulebook.Unit{ID: "r1", Name: "North"}), "kind", "constituency, branch")
		wantField(t, "no name", create(rulebook.Unit{ID: "c1", Kind: "constituency"}), "name", "required")
		wantField(t, "a bad id", create(rulebook.Unit{ID: "c 1", Name: "C", Kind: "constituency"}), "id", "not a valid id")
		wantField(t, "an unknown parent", create(rulebook.Unit{ID: "b1", Name: "B", Kind: "branch", Parent: "c1"}), "parent", `no unit "c1"`)
		e, err := svc.CreateUnit(ctx, "t", rulebook.Unit{ID: "c1", Name: "Central", Kind: "constituency"}, d("2016-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != rulebook.EventUnitCreated || e.Subject != "unit/c1" {
			t.Errorf("recorded as %s %s", e.Type, e.Subject)
		}
		wantField(t, "the top kind within another", create(rulebook.Unit{ID: "c2", Name: "C", Kind: "constituency", Parent: "c1"}), "parent", "lies within no other unit")
		if err := create(rulebook.Unit{ID: "b1", Name: "Harbour", Kind: "branch", Parent: "c1"}); err != nil {
			t.Fatal(err)
		}
		wantField(t, "a parent of the wrong kind", create(rulebook.Unit{ID: "b2", Name: "B", Kind: "branch", Parent: "b1"}), "parent", "b1 is a branch, and under rule book version 2016 a branch lies within a constituency")
		if err := create(rulebook.Unit{ID: "b1", Name: "Again", Kind: "branch"}); rulebook.ErrorCode(err) != rulebook.EConflict {
			t.Errorf("a unit twice: %v", err)
		}
		// A parent may be unknown: the unit is then within nothing the register knows.
		if err := create(rulebook.Unit{ID: "b3", Name: "Loose", Kind: "branch"}); err != nil {
			t.Fatal(err)
		}
		units, _ := db.Units(ctx)
		if len(units) != 3 || units[1].ID != "b3" || units[0].Parent != "c1" {
			t.Errorf("units %+v", units)
		}
		// Members join a unit the register holds; lists take in the units below.
		if _, err := svc.Join(ctx, "t", rulebook.Member{ID: "m0", Name: "Nowhere", Unit: "b9", Joined: d("2016-02-01")}, ""); err == nil {
			t.Error("joined a unit the register does not hold")
		} else {
			wantField(t, "an unknown unit", err, "unit", `no unit "b9"`)
		}
		for id, unit := range map[string]string{"m1": "b1", "m2": "c1", "m3": "b3"} {
			if _, err := svc.Join(ctx, "t", rulebook.Member{ID: id, Name: "Member " + id, Unit: unit, Joined: d("2016-02-01")}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if got := members(t, db, "c1"); !slices.Equal(got, []string{"m1", "m2"}) {
			t.Errorf("members of c1: %q", got)
		}
		if got := members(t, db, "b1"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("members of b1: %q", got)
		}
		if _, err := svc.Update(ctx, "t", "m3", d("2017-01-01"), rulebook.MemberUpdated{Unit: "nowhere"}); err == nil {
			t.Error("moved to a unit the register does not hold")
		}
		if _, err := svc.Update(ctx, "t", "m3", d("2017-01-01"), rulebook.MemberUpdated{Unit: "b1"}); err != nil {
			t.Fatal(err)
		}
		if got := members(t, db, "c1"); !slices.Equal(got, []string{"m1", "m2", "m3"}) {
			t.Errorf("members of c1 after m3 moved: %q", got)
		}
	})
}

// The members CSV's unit columns are the rule book's kinds. An import places each
// member in the lowest unit its row names, creates the units the register lacks
// within those the row names above them, and refuses a row the tree contradicts,
// by row and column, storing nothing.
func TestImportUnits(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		good := "id,name,joined,branch,constituency\n" +
			"A1,Ann,2001-01-01,b1,c1\n" +
			"A2,Bob,2001-01-01,,c1\n" +
			"A3,Cy,2001-01-01,b2,c2\n" +
			"A4,Di,2001-01-01,b1,\n" +
			"A5,Ed,2001-01-01,,\n"
		res, err := svc.Import(ctx, "t", strings.NewReader(good), "good.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Members != 5 || res.Units != 4 {
			t.Errorf("%+v", res)
		}
		for unit, want := range map[string][]string{"c1": {"A1", "A2", "A4"}, "b1": {"A1", "A4"}, "c2": {"A3"}} {
			if got := members(t, db, unit); !slices.Equal(got, want) {
				t.Errorf("members of %s: %q, want %q", unit, got, want)
			}
		}
		evs, _ := db.Events(ctx, sqldb.EventFilter{Subject: "unit/b1"})
		if len(evs) != 1 || evs[0].Type != rulebook.EventUnitCreated || !strings.Contains(string(evs[0].Data), `"parent":"c1"`) {
			t.Errorf("b1 created as %+v", evs)
		}
		before, _ := db.Events(ctx, sqldb.EventFilter{})
		bad := "id,name,joined,constituency,branch\n" +
			"B1,Fay,2001-01-01,c2,b1\n" + // the tree has b1 in c1
			"B2,Gus,2001-01-01,b1,\n" + // b1 is a branch
			"B3,Hal,2001-01-01,c3,b9\n" + // fine: both new
			"B4,Ida,2001-01-01,,b8\n" + // fine: new, its constituency not given
			"B5,Jo,2001-01-01,c3,b8\n" + // b8 is in no constituency
			"B6,Kit,2001-01-01,c4,b9\n" // b9 is new, but in c3
		got := importProblems(t, svc, bad)
		want := map[int][2]string{
			2: {"constituency", "the register has branch b1 within constituency c1, not c2"},
			3: {"constituency", "b1 is a branch on the register, not a constituency"},
			6: {"constituency", "the register has branch b8 within no constituency, not within c3"},
			7: {"constituency", "the register has branch b9 within constituency c3, not c4"},
		}
		for line, w := range want {
			if e := got[line]; e.Field != w[0] || !strings.Contains(e.Msg, w[1]) {
				t.Errorf("row %d: %+v, want %s: %s", line, e, w[0], w[1])
			}
		}
		if len(got) != len(want) {
			t.Errorf("problems %+v", got)
		}
		after, _ := db.Events(ctx, sqldb.EventFilter{})
		if len(after) != len(before) {
			t.Errorf("a refused import stored %d events", len(after)-len(before))
		}
		if units, _ := db.Units(ctx); len(units) != 4 {
			t.Errorf("a refused import left %d units", len(units))
		}
		// A column naming a kind the rule book does not declare is refused by name.
		_, err = svc.Import(ctx, "t", strings.NewReader("id,name,joined,region\nC1,Lu,2001-01-01,north\n"), "regions.csv", nil)
		var errs *memberscsv.Errors
		if !errors.As(err, &errs) || errs.List[0].Field != "region" || errs.List[0].Line != 1 {
			t.Errorf("an undeclared kind's column: %v", err)
		}

		// The export writes the same columns, each member's unit of each kind; it
		// imports into an empty register as the same tree and places.
		var out bytes.Buffer
		if _, err := svc.Export(ctx, &out, d("2010-01-01")); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out.String(), "\n")
		if lines[0] != "id,name,email,phone,address,constituency,branch,joined,status,status_since" || lines[4] != "A4,Di,,,,c1,b1,2001-01-01,active,2001-01-01" {
			t.Errorf("export:\n%s", out.String())
		}
		db2 := sqldbtest.Open(t, db.Dialect())
		svc2 := newService(t, db2)
		if _, err := svc2.Import(ctx, "t", bytes.NewReader(out.Bytes()), "export.csv", nil); err != nil {
			t.Fatal(err)
		}
		for _, unit := range []string{"c1", "b1", "c2", "b2"} {
			if a, b := members(t, db, unit), members(t, db2, unit); !slices.Equal(a, b) {
				t.Errorf("members of %s: %q before the export, %q after", unit, a, b)
			}
		}
		if diffs, err := db2.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Errorf("projection after import: %v %v", diffs, err)
		}
	})
}

// A regulator lists its registrants by region only; a rule book may declare no
// units at all.
func TestRegionsOnlyAndNone(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newServiceFrom(t, db, "regulator-2020.yaml")
		src := "id,name,joined,region\nR1,Ann,2020-02-01,north\nR2,Bob,2020-02-01,south\nR3,Cy,2020-02-01,north\nR4,Di,2020-02-01,\n"
		res, err := svc.Import(ctx, "t", strings.NewReader(src), "registrants.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Members != 4 || res.Units != 2 {
			t.Errorf("%+v", res)
		}
		if got := members(t, db, "north"); !slices.Equal(got, []string{"R1", "R3"}) {
			t.Errorf("registrants in the north: %q", got)
		}
		units, _ := db.Units(ctx)
		if len(units) != 2 || units[0].Kind != "region" {
			t.Errorf("units %+v", units)
		}
		// The kind may go unnamed: the regulator declares one.
		if _, err := svc.CreateUnit(ctx, "t", rulebook.Unit{ID: "west", Name: "The West"}, d("2021-01-01")); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Import(ctx, "t", strings.NewReader("id,name,joined,branch\nR5,Ed,2020-02-01,b1\n"), "branches.csv", nil)
		var errs *memberscsv.Errors
		if !errors.As(err, &errs) || errs.List[0].Field != "branch" {
			t.Errorf("a party's column in a regulator's file: %v", err)
		}
		var out bytes.Buffer
		if _, err := svc.Export(ctx, &out, d("2021-01-01")); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "id,name,email,phone,address,region,joined,status,status_since\nR1,Ann,,,,north,") {
			t.Errorf("export:\n%s", out.String())
		}
	})
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newServiceFrom(t, db, "union-2019.yaml",
			[2]string{"    unit_kinds:\n      - {kind: branch, name: Branch}\n", ""}, [2]string{`"same_unit:branch", `, ""})
		if _, err := svc.Import(ctx, "t", strings.NewReader("id,name,joined\nU1,Ann,2020-02-01\n"), "members.csv", nil); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Import(ctx, "t", strings.NewReader("id,name,joined,branch\nU2,Bob,2020-02-01,b1\n"), "members.csv", nil)
		var errs *memberscsv.Errors
		if !errors.As(err, &errs) || errs.List[0].Field != "branch" {
			t.Errorf("a unit column where the rule book declares none: %v", err)
		}
		if _, err := svc.CreateUnit(ctx, "t", rulebook.Unit{ID: "b1", Name: "B", Kind: "branch"}, d("2020-01-01")); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
			t.Errorf("a unit where the rule book declares none: %v", err)
		}
		var out bytes.Buffer
		if _, err := svc.Export(ctx, &out, d("2021-01-01")); err != nil || !strings.HasPrefix(out.String(), "id,name,email,phone,address,joined,status,status_since\n") {
			t.Errorf("export: %v\n%s", err, out.String())
		}
	})
}
