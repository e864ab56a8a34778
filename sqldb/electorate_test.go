package sqldb_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestPutElectorateFrom: an electorate stored as it comes, in chunks (on
// PostgreSQL one COPY), reads back member for member, ids with characters
// COPY escapes included; storing again replaces it; a duplicate fails the
// store, the sender is not left waiting, and nothing of it is kept.
func TestPutElectorateFrom(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var ids []string
		for i := range 30_000 {
			ids = append(ids, fmt.Sprintf("M%06d", i))
		}
		ids = append(ids, `back\slash`, "tab\there", "new\nline", "cr\rhere", "Zoë", `\N`, "")
		put := func(sel string, ids []string, chunk int) error {
			a, err := db.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Rollback()
			chunks := make(chan []string)
			go func() {
				defer close(chunks)
				for rest := ids; len(rest) > 0; {
					n := min(chunk, len(rest))
					chunks <- rest[:n]
					rest = rest[n:]
				}
			}()
			if err := a.PutElectorateFrom(sel, chunks); err != nil {
				return err
			}
			return a.Commit()
		}
		if err := put("s1", ids, 7000); err != nil {
			t.Fatal(err)
		}
		if err := put("s2", []string{"M000001"}, 1); err != nil {
			t.Fatal(err)
		}
		got, err := db.Electorate(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Sorted(slices.Values(ids))
		if !slices.Equal(got, want) {
			t.Fatalf("stored %d members, want %d (first difference near %q)", len(got), len(want), firstDiff(got, want))
		}
		if err := put("s1", []string{"M000002", "M000003"}, 1); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Electorate(ctx, "s1"); err != nil || strings.Join(got, ",") != "M000002,M000003" {
			t.Errorf("replaced: %v %v", got, err)
		}
		if err := put("s1", append(slices.Clone(ids), ids[10]), 5000); err == nil {
			t.Error("a member twice is stored")
		}
		if got, err := db.Electorate(ctx, "s1"); err != nil || strings.Join(got, ",") != "M000002,M000003" {
			t.Errorf("after the failed store: %v %v", got, err)
		}
		if got, err := db.Electorate(ctx, "s2"); err != nil || strings.Join(got, ",") != "M000001" {
			t.Errorf("another selection's: %v %v", got, err)
		}
	})
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " / " + b[i]
		}
	}
	return ""
}
