package discipline

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/register"
)

// replayFuzzTypes are the event types whose data a case's replay reads back into
// typed payloads (Case.Apply, Retracted, stepRow).
var replayFuzzTypes = []string{EventCaseOpened, EventComplaintLinked, EventStep, EventRefused, EventConflictDeclared, EventRecusal,
	EventMitigation, EventContact, EventNoticeSent, EventConditionMet, EventCaseCorrected, EventCaseRoleGranted, EventCaseRoleEnded,
	EventMessage, EventIdentityWithheld, EventComplainantsUpdated, EventListEntry, "note.other"}

// FuzzCaseReplay: whatever bytes a case event's data holds, and whatever its
// type and date, replaying the case (as a rebuild and a check of the projection
// do) never panics, nor does computing what is stored for it (its row, deadlines,
// clauses, people, factors) or what its views read (next steps, orders in force,
// the clauses and counts proved). The record is the demo's case D-2016-001 (three
// counts, a credited sanction, a refused review demand); the fuzzer replaces one
// event's data, type and date, or inserts an event.
func FuzzCaseReplay(f *testing.F) {
	src, err := os.ReadFile("testdata/case-events.json")
	if err != nil {
		f.Fatal(err)
	}
	var base []rulebook.Event
	if err := json.Unmarshal(src, &base); err != nil {
		f.Fatal(err)
	}
	rb, _ := loadBook(f, labourBook)
	s := New(&register.Service{Rules: rb})
	f.Add(uint8(0), uint8(0), []byte(`{"id":"D-1","kind":"nonesuch","state":"nowhere"}`), int16(0))
	f.Add(uint8(4), uint8(2), []byte(`{"transition":"impose_sanction","sanction":{"sanction":"suspension","until":"2000-01-01"},"findings":[{"count":9}]}`), int16(-4000))
	f.Add(uint8(5), uint8(10), []byte(`{"corrects":"`+base[0].ID+`"}`), int16(0))
	f.Add(uint8(7), uint8(5), []byte(`{"person":"ncc-01"}`), int16(3))
	f.Add(uint8(9), uint8(2), []byte(`{"transition":"list_hearing","panel":{"members":null},"hearing":{"date":"1970-01-01"}}`), int16(1))
	f.Add(uint8(41), uint8(2), []byte(`null`), int16(0))
	f.Fuzz(func(t *testing.T, how, typ uint8, data []byte, day int16) {
		evs := append([]rulebook.Event(nil), base...)
		e := rulebook.Event{ID: "fz", Type: replayFuzzTypes[int(typ)%len(replayFuzzTypes)], Subject: base[0].Subject, Actor: "t",
			Effective: base[0].Effective.AddDays(int(day)), Data: json.RawMessage(data)}
		if how%2 == 0 {
			k := int(how/2) % len(evs)
			evs[k].Type, evs[k].Data, evs[k].Effective = e.Type, e.Data, e.Effective
		} else {
			k := int(how/2) % (len(evs) + 1)
			evs = append(evs[:k], append([]rulebook.Event{e}, evs[k:]...)...)
		}
		for i := range evs {
			evs[i].Seq = int64(i + 1)
			evs[i].Recorded = time.Date(2016, 1, 1, 0, 0, i, 0, time.UTC)
		}
		c, _, err := s.replay(evs)
		if err != nil {
			return
		}
		if _, err := s.caseRow(c, int64(len(evs)), []string{"2.I.8"}); err != nil {
			t.Fatalf("a replayed case has no row: %v", err)
		}
		for _, v := range rb.Versions {
			if v.Discipline != nil {
				c.NextSteps(v.Discipline)
				c.Deadlines(v.Discipline)
			}
		}
		c.InForce()
		c.ProvedClauses()
		c.ProvedCounts()
		c.Clone()
	})
}
