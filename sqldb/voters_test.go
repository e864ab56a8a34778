package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

var voterVocabulary = sqldbtest.Vocabulary{Statuses: []string{"active", "suspended", "lapsed", "expelled"}, Actions: []string{"vote", "stand", "attend"},
	WaiveAction: "vote", WaiveClause: "5.1"}

// voterOf is what EachVoter promises of a history: the member's id, unit,
// joining day (and name, when asked), the status points' days, statuses and
// rights, and the restrictions' and waivers' days, rights, actions and clauses.
func voterOf(h *rulebook.History, names bool) string {
	s := fmt.Sprintf("%q unit=%q joined=%s", h.Member.ID, h.Member.Unit, h.Member.Joined)
	if names {
		s += fmt.Sprintf(" name=%q", h.Member.Name)
	}
	for _, p := range h.Points {
		s += fmt.Sprintf("\n  point %s %s %v", p.From, p.Status, normRights(p.Rights))
	}
	for _, r := range h.Restrictions {
		s += fmt.Sprintf("\n  restriction %d %s–%s %v", r.Seq, r.From, r.Until, normRights(r.Rights))
	}
	for _, w := range h.Waivers {
		s += fmt.Sprintf("\n  waiver %d %s–%s %s %s", w.Seq, w.From, w.Until, w.Action, w.Clause)
	}
	return s
}

func normRights(m map[string]bool) map[string]bool {
	if len(m) == 0 {
		return nil
	}
	return m
}

// EachVoter reads, member by member in bytewise id order, what the stored
// histories hold, across batches and by the one merged statement alike.
func TestEachVoter(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		sqldbtest.RandomRegister(t, db, 7, 300, voterVocabulary)
		// A row of a member the members table does not hold is passed over.
		if err := sqldbtest.Exec(db, `INSERT INTO status_points (member_id, from_date, seq, part, status, event_id) VALUES ('m-0000x', 1, 99999, 0, 'active', 'e')`); err != nil {
			t.Fatal(err)
		}
		hs, err := db.Histories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, names := range []bool{false, true} {
			var want []string
			for _, h := range hs {
				want = append(want, voterOf(h, names))
			}
			for _, batch := range []int{1, 7, 300, 1000} {
				restore := sqldb.SetVoterBatch(batch)
				for how, each := range map[string]func(context.Context, bool, func(*sqldb.Voter) error) error{"batched": db.EachVoter, "merged": db.EachVoterMerged} {
					var got []string
					prev := ""
					if err := each(ctx, names, func(h *sqldb.Voter) error {
						if h.Member.ID <= prev {
							t.Fatalf("%s: %s after %s", how, h.Member.ID, prev)
						}
						prev = h.Member.ID
						got = append(got, voterOf(h, names))
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					// Histories lists by the database's order: compare as sets, the
					// order being checked above.
					if !reflect.DeepEqual(sorted(got), sorted(want)) {
						for i := range min(len(got), len(want)) {
							if sorted(got)[i] != sorted(want)[i] {
								t.Fatalf("%s, batch %d, names %v: member %d\n got %s\nwant %s", how, batch, names, i, sorted(got)[i], sorted(want)[i])
							}
						}
						t.Fatalf("%s, batch %d: %d members, want %d", how, batch, len(got), len(want))
					}
				}
				restore()
			}
		}
		// f's error ends the reading, and is returned.
		restore := sqldb.SetVoterBatch(7)
		stop, seen := errors.New("enough"), 0
		err = db.EachVoter(ctx, false, func(*sqldb.Voter) error {
			if seen++; seen == 10 {
				return stop
			}
			return nil
		})
		restore()
		if err != stop || seen != 10 {
			t.Fatalf("f's error after %d members: %v", seen, err)
		}
		// A stored rights column rulebook could not have written is refused,
		// naming the member.
		if err := sqldbtest.Exec(db, `UPDATE status_points SET rights = '{bad' WHERE member_id = (SELECT MIN(member_id) FROM status_points WHERE member_id <> 'm-0000x')`); err != nil {
			t.Fatal(err)
		}
		err = db.EachVoter(ctx, false, func(*sqldb.Voter) error { return nil })
		if rulebook.ErrorCode(err) != rulebook.ETampered {
			t.Fatalf("a damaged rights column: %v", err)
		}
	})
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c
}
