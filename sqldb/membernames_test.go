package sqldb_test

import (
	"context"
	"maps"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestMemberNamesBatches checks that a list of ids longer than a query takes
// is asked for in batches, each id once, and that ids not on the register are
// left out.
func TestMemberNamesBatches(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		loadDemo(t, db)
		defer sqldb.SetMemberNamesBatch(2)()
		got, err := db.MemberNames(context.Background(), []string{"M0025", "M0004", "M0025", "M9999", "M0001", "M0004", "M0011"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"M0001": "Rowan Ashdown", "M0004": "Gwen Oduya", "M0011": "Samir Holt", "M0025": "Sofia Brandt"}
		if !maps.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if got, err := db.MemberNames(context.Background(), nil); err != nil || len(got) != 0 {
			t.Errorf("no ids: %v %v", got, err)
		}
	})
}
