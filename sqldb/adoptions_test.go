package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestLatestAdoptionByIndex checks that the rule book in force is found by the
// index of adoptions, on both engines, rather than by reading the events
// backwards to the last adoption: a read every command and every server start
// makes, which took 120-390 ms on a record of a million events.
func TestLatestAdoptionByIndex(t *testing.T) {
	if !strings.Contains(sqldb.AdoptionsWhere, "'"+rulebook.EventRuleBookAdopted+"'") {
		t.Fatalf("the index's condition %q does not name %q", sqldb.AdoptionsWhere, rulebook.EventRuleBookAdopted)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if p := indexPlan(t, db, sqldb.LatestAdoptionQuery); !strings.Contains(p, "events_adoptions") {
			t.Errorf("the last adoption is not found by its index:\n%s", p)
		}
	})
}

// TestUpdatedMembersByIndex checks that verify --projection finds the members
// with updates by their index (migration 18), on both engines, rather than
// by reading the record.
func TestUpdatedMembersByIndex(t *testing.T) {
	if !strings.Contains(sqldb.UpdatesWhere, "'"+rulebook.EventMemberUpdated+"'") {
		t.Fatalf("the index's condition %q does not name %q", sqldb.UpdatesWhere, rulebook.EventMemberUpdated)
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if p := indexPlan(t, db, sqldb.UpdatedMembersQuery); !strings.Contains(p, "events_updates") {
			t.Errorf("the members with updates are not found by their index:\n%s", p)
		}
	})
}

// indexPlan returns how the database would run query.
func indexPlan(t *testing.T, db *sqldb.DB, query string) string {
	ctx := context.Background()
	if db.Dialect() == "sqlite" {
		return strings.Join(sqlitePlan(t, db, query), "\n")
	}
	// However small the table, the index must be usable: with scans priced
	// out, a query it cannot answer is still scanned.
	conn, err := db.Raw().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `RESET enable_seqscan`)
	rows, err := conn.QueryContext(ctx, `EXPLAIN `+query)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
