package discipline_test

import (
	"context"
	"os"
	"testing"

	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The demo's cases, stored as the service wrote them, equal their replay from the
// events; a rebuild from the events gives the same projection.
func TestDemoCasesReplayAndRebuild(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if err := demo.Load(ctx, db, rb, src); err != nil {
			t.Fatal(err)
		}
		reg, err := register.New(ctx, db, rb, src)
		if err != nil {
			t.Fatal(err)
		}
		ds := discipline.New(reg)
		if diffs, err := ds.CheckCases(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("stored cases differ from their events: %v %v", diffs, err)
		}
		before, _ := ds.Statistics(ctx)
		if err := sqldbtest.Exec(db, `UPDATE cases SET state = 'closed', data = '{}' WHERE id = 'D-2016-002'`); err != nil {
			t.Fatal(err)
		}
		if diffs, _ := ds.CheckCases(ctx); len(diffs) != 2 || diffs[0] != `cases: case D-2016-002: state is "closed", the events make it "under_investigation"` ||
			diffs[1] != `cases: case D-2016-002: data differs from the events` {
			t.Fatalf("damage not seen: %v", diffs)
		}
		n, err := ds.RebuildCases(ctx)
		if err != nil || n < 8 {
			t.Fatalf("rebuilt %d cases: %v", n, err)
		}
		if diffs, err := ds.CheckCases(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("after rebuild: %v %v", diffs, err)
		}
		after, _ := ds.Statistics(ctx)
		if len(after.Steps) != len(before.Steps) || len(after.Clauses) != len(before.Clauses) {
			t.Fatalf("statistics changed by a rebuild: %d/%d steps rows, %d/%d clause rows", len(before.Steps), len(after.Steps), len(before.Clauses), len(after.Clauses))
		}
		c, err := ds.Case(ctx, "D-2016-001")
		if err != nil {
			t.Fatal(err)
		}
		if !c.Closed || c.Outcome != "sanctioned" || len(c.ProvedCounts()) != 3 || c.Sanctions[0].CreditFrom.String() != "2016-04-28" || len(c.Refusals) != 1 || len(c.Complainants) != 4 || len(c.Contacts) != 1 {
			t.Fatalf("case D-2016-001: %+v", c)
		}
	})
}
