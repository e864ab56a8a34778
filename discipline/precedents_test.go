package discipline

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestPrecedentPages checks the pages of precedents, read from the indexes, against
// the order worked out from every case: closed cases under the clause, those
// sharing most factors first, then by conduct, newest first.
func TestPrecedentPages(t *testing.T) {
	plan := readPlan(t, labourPlan)
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, labourBook)
		if _, err := f.s.GenerateCases(ctx, plan, 240); err != nil {
			t.Fatal(err)
		}
		const clause = "2.I.8"
		rows, err := db.Raw().QueryContext(ctx, `SELECT case_id FROM case_clauses WHERE clause = $1`, clause)
		if err != nil {
			t.Fatal(err)
		}
		var under []*Case
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			c, err := f.s.Case(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Closed {
				under = append(under, c)
			}
		}
		rows.Close()
		for _, factors := range [][]string{nil, {"AGG-PUBLIC"}, {"AGG-PUBLIC", "MIT-SERVED", "NO-SUCH-FACTOR"}} {
			shared := func(c *Case) int {
				n := 0
				if len(c.Sanctions) > 0 {
					for _, x := range factors {
						if slices.Contains(c.Factors(), x) {
							n++
						}
					}
				}
				return n
			}
			want := slices.Clone(under)
			sort.Slice(want, func(i, j int) bool {
				a, b := want[i], want[j]
				if shared(a) != shared(b) {
					return shared(a) > shared(b)
				}
				if a.Conduct != b.Conduct {
					return a.Conduct > b.Conduct
				}
				return a.ID < b.ID
			})
			var wantLines []string
			for _, c := range want {
				wantLines = append(wantLines, fmt.Sprintf("%s shared %d", c.ID, shared(c)))
			}
			var got []string
			const limit = 7
			for offset := 0; ; offset += limit {
				page, err := f.s.Precedents(ctx, clause, factors, limit, offset, nil)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != len(under) {
					t.Fatalf("factors %v: total %d, want %d", factors, page.Total, len(under))
				}
				for _, p := range page.Precedents {
					got = append(got, fmt.Sprintf("%s shared %d", p.Case, p.Shared))
				}
				if len(page.Precedents) < limit {
					break
				}
			}
			if !slices.Equal(got, wantLines) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(wantLines, "", " ")
				t.Errorf("factors %v: pages give\n%s\nwant\n%s", factors, g, w)
			}
			if len(factors) > 0 && shared(want[0]) == 0 {
				t.Fatalf("factors %v: no generated case shares them, so the test shows nothing", factors)
			}
		}
		if len(under) < 100 {
			t.Fatalf("only %d closed cases under %s", len(under), clause)
		}
	})
}
