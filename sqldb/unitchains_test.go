package sqldb_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestUnitChainsFollowTheUnits checks that a member's record, whose chain of
// units is kept in memory by the units' generation, shows the units as they
// stand after each change made from another connection of another DB (as by
// another process), by SQL that goes round the register: a unit renamed,
// moved under another, deleted, added, and the member moved; and that the
// chains are served from memory while nothing changes.
func TestUnitChainsFollowTheUnits(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		loadDemo(t, db)
		other, err := sqldb.Open(ctx, db.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		hs, err := db.Histories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Two members of one unit with at least two units above it: the demo's
		// first member with a unit, another put in it, and a unit put on top.
		var a, b string
		for _, h := range hs {
			switch {
			case h.Member.Unit == "":
			case a == "":
				a = h.Member.ID
			case b == "":
				b = h.Member.ID
			}
		}
		if b == "" {
			t.Fatal("the demo has fewer than two members with a unit")
		}
		ha, err := db.History(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		start, err := db.UnitChain(ctx, ha.Member.Unit)
		if err != nil || len(start) == 0 {
			t.Fatalf("the chain of %s: %v %v", ha.Member.Unit, start, err)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO units (id, name, kind, parent) VALUES ('top', 'Top', 'region', '')`, nil},
			{`UPDATE units SET parent = 'top' WHERE id = $1`, []any{start[len(start)-1].ID}},
			{`UPDATE members SET unit = $1 WHERE id = $2`, []any{ha.Member.Unit, b}},
		} {
			if err := sqldbtest.Exec(db, q.sql, q.args...); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
		// read reads id's record and checks its chain against the walk, returning it.
		read := func(what, id string) []rulebook.Unit {
			t.Helper()
			h, got, err := db.HistoryUnits(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			want, err := db.UnitChain(ctx, h.Member.Unit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(want) == 0 {
				return got
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: the chain of %s is %v, the units say %v", what, id, got, want)
			}
			return got
		}
		change := func(q string, args ...any) {
			t.Helper()
			if _, err := other.Raw().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		chain := read("first read", a)
		if len(chain) < 3 {
			t.Fatalf("the chain of %s is %v: too short to test", a, chain)
		}
		hits := sqldb.UnitChainHits(db)
		read("again", a)
		read("another member of the unit", b)
		if n := sqldb.UnitChainHits(db) - hits; n != 2 {
			t.Errorf("%d of 2 reads served their chain from memory", n)
		}
		// The first read missed and read every unit: members of every other
		// unit find theirs in memory, each as the walk up the units finds it.
		if n := sqldb.UnitTreeLoads(db); n != 1 {
			t.Errorf("the units were read whole %d times, want once", n)
		}
		units := map[string]bool{}
		for _, h := range hs {
			if h.Member.Unit != "" && !units[h.Member.Unit] {
				units[h.Member.Unit] = true
				read("a member of "+h.Member.Unit, h.Member.ID)
			}
		}
		if n := sqldb.UnitTreeLoads(db); n != 1 || len(units) < 3 {
			t.Errorf("after reading members of %d units, the units were read whole %d times, want once", len(units), n)
		}

		change(`UPDATE units SET name = 'Renamed' WHERE id = $1`, chain[1].ID)
		if got := read("a unit above renamed", a); got[1].Name != "Renamed" {
			t.Errorf("after the rename: %v", got)
		}
		read("the other member after the rename", b)
		if n := sqldb.UnitTreeLoads(db); n != 2 {
			t.Errorf("after a change, the units were read whole %d times in all, want twice", n)
		}

		// A new unit above the member's, between it and the one above.
		change(`INSERT INTO units (id, name, kind, parent) VALUES ('inserted', 'Inserted', $1, $2)`, chain[1].Kind, chain[1].ID)
		change(`UPDATE units SET parent = 'inserted' WHERE id = $1`, chain[0].ID)
		if got := read("a unit put in between", a); len(got) != len(chain)+1 || got[1].ID != "inserted" {
			t.Errorf("after the insertion: %v", got)
		}
		change(`UPDATE units SET parent = $1 WHERE id = $2`, chain[2].ID, chain[0].ID)
		if got := read("the unit moved up past the one above", a); len(got) != len(chain)-1 || got[1].ID != chain[2].ID {
			t.Errorf("after the move: %v", got)
		}
		change(`DELETE FROM units WHERE id = $1`, chain[2].ID)
		if got := read("the unit above deleted", a); len(got) != 1 {
			t.Errorf("after the deletion: %v", got)
		}
		change(`DELETE FROM units WHERE id = $1`, chain[0].ID)
		if got := read("the member's unit deleted", a); len(got) != 0 {
			t.Errorf("after the deletion of the member's unit: %v", got)
		}
		change(`UPDATE members SET unit = 'inserted' WHERE id = $1`, a)
		if got := read("the member moved", a); len(got) != 2 || got[0].ID != "inserted" {
			t.Errorf("after the move of the member: %v", got)
		}
		// The same read through the one that made the change.
		if _, got, err := other.HistoryUnits(ctx, a); err != nil || len(got) != 2 || got[0].ID != "inserted" {
			t.Errorf("through the other DB: %v %v", got, err)
		}
	})
}
