package sqldb_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestHistoryOneStatement checks that one member's history, read in one
// statement, is what the read of every history gives for them: over the demo's
// members, and members given restrictions, waivers and servings besides.
func TestHistoryOneStatement(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		loadDemo(t, db)
		hs, err := db.Histories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) < 3 {
			t.Fatalf("%d members", len(hs))
		}
		// Rows of the kinds the demo has none of, for two members (the projection's
		// rows as its writers store them).
		serving, _ := json.Marshal(rulebook.Serving{EventID: "e-s", Seq: 7, From: rulebook.MustDate("2016-01-01"), Status: "suspended", Then: "active", Occasions: "meeting", Count: 2})
		decision, _ := json.Marshal(rulebook.Decision{Reason: "a reason"})
		for _, id := range []string{hs[0].Member.ID, hs[2].Member.ID} {
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO restrictions (member_id, seq, from_date, until_date, rights, event_id, decision) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					[]any{id, 901, 16000, 16100, `{"stand_as_candidate":false}`, "e-r1", string(decision)}},
				{`INSERT INTO restrictions (member_id, seq, from_date, until_date, rights, event_id) VALUES ($1, $2, $3, $4, $5, $6)`,
					[]any{id, 900, 15000, 0, `{"vote":false}`, "e-r0"}},
				{`INSERT INTO waivers (member_id, seq, from_date, until_date, action, clause, event_id, decision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					[]any{id, 905, 16500, 16600, "stand_as_candidate", "4.II.1", "e-w", string(decision)}},
				{`INSERT INTO waivers (member_id, seq, from_date, until_date, action, clause, event_id, decision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					[]any{id, 903, 16400, 0, "vote", "4.II.2", "e-w0", ""}},
				{`INSERT INTO servings (member_id, seq, served, ended, data) VALUES ($1, $2, $3, $4, $5)`,
					[]any{id, 910, 0, 0, string(serving)}},
			} {
				if _, err := db.Raw().ExecContext(ctx, q.sql, q.args...); err != nil {
					t.Fatalf("%s: %v", q.sql, err)
				}
			}
		}
		if hs, err = db.Histories(ctx); err != nil {
			t.Fatal(err)
		}
		rich, long := 0, 0
		for _, want := range hs {
			got, err := db.History(ctx, want.Member.ID)
			if err != nil {
				t.Fatalf("%s: %v", want.Member.ID, err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("%s:\n got %s\nwant %s", want.Member.ID, g, w)
			}
			// With the member's units, as UnitChain walks them.
			gotH, gotUnits, err := db.HistoryUnits(ctx, want.Member.ID)
			if err != nil {
				t.Fatalf("%s: %v", want.Member.ID, err)
			}
			var wantUnits []rulebook.Unit
			if want.Member.Unit != "" {
				if wantUnits, err = db.UnitChain(ctx, want.Member.Unit); err != nil {
					t.Fatal(err)
				}
				if len(wantUnits) < 2 {
					t.Errorf("%s: the unit chain of %s is %v", want.Member.ID, want.Member.Unit, wantUnits)
				}
			}
			if !reflect.DeepEqual(gotH, want) || !reflect.DeepEqual(gotUnits, wantUnits) {
				t.Errorf("%s with units: %v, want %v", want.Member.ID, gotUnits, wantUnits)
			}
			if len(want.Restrictions) >= 2 && len(want.Waivers) >= 2 && len(want.Servings) >= 1 {
				rich++
			}
			if len(want.Points) > 3 {
				long++
			}
		}
		if rich != 2 || long == 0 {
			t.Errorf("%d members with every kind of row, %d with a long history: the test compared too little", rich, long)
		}
		if _, err := db.History(ctx, "no-such-member"); rulebook.ErrorCode(err) != rulebook.ENotFound {
			t.Errorf("an unknown member: %v", err)
		}
		if _, _, err := db.HistoryUnits(ctx, "no-such-member"); rulebook.ErrorCode(err) != rulebook.ENotFound {
			t.Errorf("an unknown member with units: %v", err)
		}
	})
}

// TestHistoryKeepsToKeys checks that SQLite reads each part of a member's
// history by its key whatever statistics it holds: taken while waivers and
// servings held a row or two, the planner preferred to scan them, for every
// read, however large they grew before statistics were next taken.
func TestHistoryKeepsToKeys(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	for _, q := range []string{
		`INSERT INTO waivers (member_id, seq, from_date, until_date, action, clause, event_id, decision) VALUES ('m1', 1, 0, 0, 'vote', '1', 'e1', ''), ('m1', 2, 0, 0, 'vote', '1', 'e2', '')`,
		`INSERT INTO servings (member_id, seq, served, ended, data) VALUES ('m1', 3, 0, 0, '{}'), ('m1', 4, 0, 0, '{}')`,
		`INSERT INTO restrictions (member_id, seq, from_date, until_date, rights, event_id) VALUES ('m1', 5, 0, 0, '{}', 'e5'), ('m1', 6, 0, 0, '{}', 'e6')`,
		`INSERT INTO status_points (member_id, from_date, seq, part, status, event_id) VALUES ('m1', 0, 7, 0, 'active', 'e7'), ('m1', 0, 8, 0, 'active', 'e8')`,
		`ANALYZE`,
	} {
		if err := sqldbtest.Exec(db, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range sqldb.HistoryQueries {
		args := []any{"m1"}
		if strings.Contains(q, "$2") {
			args = append(args, 64)
		}
		plan := sqlitePlan(t, db, q, args...)
		// Not generations: a table of one row, that SQLite may scan.
		tables := []string{"members", "status_points", "restrictions", "waivers", "servings"}
		if !strings.Contains(q, "restrictions") {
			tables = tables[:2]
		}
		for _, table := range tables {
			found := false
			for _, d := range plan {
				if strings.HasPrefix(d, "SCAN "+table) || strings.Contains(d, "TEMP B-TREE") {
					t.Errorf("%s in the plan:\n%s", d, strings.Join(plan, "\n"))
				}
				found = found || strings.HasPrefix(d, "SEARCH "+table+" ")
			}
			if !found {
				t.Errorf("no search of %s in the plan:\n%s", table, strings.Join(plan, "\n"))
			}
		}
	}
}

// TestHistoryExtrasSeenAtOnce checks that a member's history, read without the
// restrictions, waivers and servings of members known to have none, shows a
// row of each the moment another process adds it, and stops showing it the
// moment that process deletes it; and that most reads did leave those tables
// out.
func TestHistoryExtrasSeenAtOnce(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		loadDemo(t, db)
		other, err := sqldb.Open(ctx, db.DSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		// check compares every member's history, as db reads one, with the
		// histories read whole.
		check := func(when string) {
			t.Helper()
			want, err := db.Histories(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				got, err := db.History(ctx, w.Member.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("%s: %s: %d restrictions, %d waivers, %d servings; want %d, %d, %d", when, w.Member.ID,
						len(got.Restrictions), len(got.Waivers), len(got.Servings), len(w.Restrictions), len(w.Waivers), len(w.Servings))
				}
			}
		}
		check("at first")
		check("again")
		loads, short := sqldb.ExtrasStats(db)
		hs, err := db.Histories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if loads == 0 || short < int64(len(hs))/2 {
			t.Fatalf("%d reads of the members with extras, %d of %d histories read without them: the short read is not tested", loads, short, 2*len(hs))
		}
		id := hs[1].Member.ID
		for _, q := range []string{
			`INSERT INTO restrictions (member_id, seq, from_date, until_date, rights, event_id) VALUES ($1, 900, 15000, 0, '{"vote":false}', 'e-r0')`,
			`DELETE FROM restrictions WHERE member_id = $1 AND seq = 900`,
			`INSERT INTO waivers (member_id, seq, from_date, until_date, action, clause, event_id, decision) VALUES ($1, 903, 16400, 0, 'vote', '4.II.2', 'e-w0', '')`,
			`UPDATE waivers SET until_date = 16500 WHERE member_id = $1 AND seq = 903`,
			`INSERT INTO servings (member_id, seq, served, ended, data) VALUES ($1, 910, 0, 0, '{"event":"e-s"}')`,
			`DELETE FROM servings WHERE member_id = $1`,
		} {
			if _, err := other.Raw().ExecContext(ctx, q, id); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			check(q)
		}
	})
}

// loadDemo loads the demo organisation into db.
func loadDemo(t *testing.T, db *sqldb.DB) {
	t.Helper()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(context.Background(), db, rb, src); err != nil {
		t.Fatal(err)
	}
}

// sqlitePlan is SQLite's plan for q, a line a step.
func sqlitePlan(t *testing.T, db *sqldb.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Raw().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
