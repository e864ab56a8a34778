package discipline

import (
	"slices"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCaseDigestsNameTheTable damages each table of the case projection in
// turn: the digests of that table, and of no other, must differ, and a
// rebuild must bring them back together.
func TestCaseDigestsNameTheTable(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f, h := newCheckHistory(t, db)
		checkClean(t, f.s, "as written by the service")
		differ := func() []string {
			t.Helper()
			out, err := db.CaseDigestsDiffer(ctx, func(w sqldb.CaseWriter) error { _, err := f.s.rebuild(w); return err })
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		for _, tc := range []struct {
			query  string
			tables []string
		}{
			{`UPDATE cases SET updated = updated + 1 WHERE id = $1`, []string{"cases"}},
			{`UPDATE case_deadlines SET what = what || 'x' WHERE case_id = $1`, []string{"case_deadlines"}},
			{`UPDATE case_steps SET days_open = days_open + 1 WHERE case_id = $1`, []string{"case_steps"}},
			{`UPDATE case_clauses SET conduct = conduct + 1 WHERE case_id = $1`, []string{"case_clauses"}},
			{`UPDATE case_factors SET conduct = conduct + 1 WHERE case_id = $1`, []string{"case_factors"}},
			{`DELETE FROM case_people WHERE case_id = $1`, []string{"case_people"}},
			{`DELETE FROM case_complaints WHERE case_id = $1`, []string{"case_complaints"}},
			{`UPDATE complaints SET case_id = '' WHERE case_id = $1`, []string{"complaints"}},
			{`UPDATE case_step_counts SET days = days + 1 WHERE $1 <> ''`, []string{"case_step_counts"}},
			{`UPDATE case_clause_counts SET cases = cases + 1 WHERE $1 <> ''`, []string{"case_clause_counts"}},
			{`UPDATE case_sanction_counts SET cases = cases + 1 WHERE $1 <> ''`, []string{"case_sanction_counts"}},
			{`UPDATE case_flow_counts SET days_open = days_open + 1 WHERE $1 <> ''`, []string{"case_flow_counts"}},
			{`UPDATE list_entries SET data = data || ' ' WHERE $1 <> ''`, []string{"list_entries"}},
			// Rows of the running totals that count nothing are kept up to date
			// but never written by a rebuild: they are not a difference.
			{`INSERT INTO case_clause_counts (clause, outcome, cases) VALUES ('9.9', $1, 0)`, nil},
		} {
			exec(t, db, tc.query, h.sanctioned)
			if got := differ(); !slices.Equal(got, tc.tables) {
				t.Errorf("%s: the digests of %v differ, want %v", tc.query, got, tc.tables)
			}
			if _, err := f.s.RebuildCases(ctx); err != nil {
				t.Fatal(err)
			}
			if got := differ(); len(got) > 0 {
				t.Fatalf("after a rebuild, the digests of %v differ", got)
			}
		}
	})
}
