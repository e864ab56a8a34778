package app_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The electorate frozen with a selection, read from the stored register a
// batch at a time, is the eligibility engine's answer over the stored histories
// of the selection's units, on a generated register and on both engines; and
// the check re-deriving it from the record agrees.
func TestFreezeElectorateIsTheEngines(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newParty(t, db)
		sqldbtest.RandomRegister(t, db, 9, 400, sqldbtest.Vocabulary{
			Statuses:    []string{"active", "admin_suspended", "auto_excluded", "expelled", "lapsed", "resigned"},
			Actions:     []string{"vote_in_selection", "hold_office", "attend_branch_meetings"},
			WaiveAction: "vote_in_selection", WaiveClause: "5.I.2",
			Units: []string{"harbour", "harbour-ward", "hill", ""},
		})
		p.open()
		s, err := p.a.FreezeElectorate(p.ctx, "mayor-2016", d("2016-09-02"))
		p.fatal(err)
		hs, err := db.Histories(context.Background())
		p.fatal(err)
		var kept []*rulebook.History
		for _, h := range hs {
			if h.Member.Unit == "harbour" || h.Member.Unit == "harbour-ward" {
				kept = append(kept, h)
			}
		}
		list, _, err := eligibility.Electorate(p.a.Rules(), kept, eligibility.Question{Action: s.Electorate.Action, Date: d("2016-09-20"), FreezeDate: d("2016-09-01")})
		p.fatal(err)
		var want []string
		for _, e := range list {
			want = append(want, e.Member)
		}
		if len(want) < 50 || len(want) == len(kept) {
			t.Fatalf("%d of %d may vote: the register does not test the freeze", len(want), len(kept))
		}
		got, err := p.a.SelectionElectorate(p.ctx, "mayor-2016")
		p.fatal(err)
		var ids []string
		for _, e := range got {
			ids = append(ids, e.Member)
		}
		if !reflect.DeepEqual(ids, want) || s.Electorate.Count != len(want) || s.Electorate.Digest != rulebook.ElectorateDigest(want) {
			t.Fatalf("frozen %d (count %d), the engine %d", len(ids), s.Electorate.Count, len(want))
		}
		c, err := p.a.CheckElectorate(p.ctx, "mayor-2016")
		p.fatal(err)
		if !c.OK || len(c.Differences) > 0 {
			t.Fatalf("check: %+v", c)
		}
	})
}
