package sqldbtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// Vocabulary is what RandomRegister draws from: statuses (the first the one
// members join with, most of them), actions to narrow or widen rights for, and
// the clause of a condition to waive with the action waived.
type Vocabulary struct {
	Statuses []string
	Actions  []string
	// Waive is the action and condition clause waivers exempt members from.
	WaiveAction, WaiveClause string
	// Units, if any, are the units members are drawn into ("" for none).
	Units []string
}

// RandomRegister appends to db, as the record would hold it, n members (seed
// decides them) with varied histories: joining days from 1990 to 2016, status
// changes (some for a time, then another; some with rights of their own),
// restrictions (some ended) and waivers, on days before and after joining. Ids
// mix cases and punctuation, to tell a bytewise order from others. It returns
// the member ids.
func RandomRegister(t testing.TB, db *sqldb.DB, seed uint64, n int, v Vocabulary) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed+1))
	d := rulebook.MakeDate(1990, 1, 1)
	day := func(from rulebook.Date, span int) rulebook.Date { return from.AddDays(r.IntN(span)) }
	data := func(x any) []byte {
		b, err := rulebook.MarshalData(x)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rights := func() map[string]bool {
		m := map[string]bool{}
		for range 1 + r.IntN(2) {
			m[v.Actions[r.IntN(len(v.Actions))]] = r.IntN(2) == 0
		}
		return m
	}
	prefixes := []string{"a", "B", "m-", "m_", "Z", "m.", "b"}
	var ids []string
	var evs []*rulebook.Event
	for i := range n {
		id := fmt.Sprintf("%s%04d", prefixes[r.IntN(len(prefixes))], i)
		ids = append(ids, id)
		joined := day(d, 26*365)
		status := v.Statuses[0]
		if r.IntN(10) == 0 {
			status = v.Statuses[r.IntN(len(v.Statuses))]
		}
		unit := ""
		if len(v.Units) > 0 {
			unit = v.Units[r.IntN(len(v.Units))]
		}
		evs = append(evs, &rulebook.Event{Type: rulebook.EventMemberJoined, Subject: id, Actor: "t", Effective: joined,
			Data: data(rulebook.MemberJoined{Member: rulebook.Member{ID: id, Name: fmt.Sprintf("Member %d <%s> & \"co\" é", i, id), Unit: unit}, Status: status})})
		for range r.IntN(4) {
			ch := rulebook.StatusChange{Status: v.Statuses[r.IntN(len(v.Statuses))], Decision: rulebook.Decision{Body: "b", Clause: "c"}}
			from := day(joined.AddDays(-30), 8000)
			if r.IntN(3) == 0 {
				ch.Until, ch.Then = day(from.AddDays(1), 900), v.Statuses[r.IntN(len(v.Statuses))]
			}
			if r.IntN(4) == 0 {
				ch.Rights = rights()
			}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventStatusChanged, Subject: id, Actor: "t", Effective: from, Data: data(ch)})
		}
		for range r.IntN(3) / 2 {
			rr := rulebook.RightsRestricted{Rights: rights(), Decision: rulebook.Decision{Body: "b"}}
			from := day(joined, 8000)
			if r.IntN(2) == 0 {
				rr.Until = day(from.AddDays(1), 2000)
			}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventRightsRestricted, Subject: id, Actor: "t", Effective: from, Data: data(rr)})
		}
		if r.IntN(8) == 0 {
			w := rulebook.Waiver{Action: v.WaiveAction, Clause: v.WaiveClause, Decision: rulebook.Decision{Body: "b", Reason: "r"}}
			from := day(joined, 1000)
			if r.IntN(2) == 0 {
				w.Until = day(from.AddDays(1), 2000)
			}
			evs = append(evs, &rulebook.Event{Type: rulebook.EventConditionWaived, Subject: id, Actor: "t", Effective: from, Data: data(w)})
		}
	}
	// In batches, as an import appends them.
	ctx := context.Background()
	for len(evs) > 0 {
		k := min(len(evs), 500)
		if err := db.Append(ctx, evs[:k]...); err != nil {
			t.Fatal(err)
		}
		evs = evs[k:]
	}
	return ids
}
