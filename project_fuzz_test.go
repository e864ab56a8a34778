package rulebook

import (
	"encoding/json"
	"testing"
	"time"
)

// projectFuzzTypes are the event types whose data the register's projection reads
// back into typed payloads (Register.Apply, ProjectWith, NeedsUnits).
var projectFuzzTypes = []string{EventUnitCreated, LegacyUnitCreated, EventMemberJoined, EventMemberUpdated, EventStatusChanged,
	EventRightsRestricted, EventConditionWaived, EventCorrected, EventOccasionRecorded, EventRuleBookAdopted, "note.other"}

// projectFuzzBase is a small record touching every payload the projection reads:
// units, members (one in the form of the first releases), a suspension with an
// end, a ban served in occasions, occasions, a restriction, a waiver, an update,
// a measure ended early and a correction.
func projectFuzzBase() []Event {
	d := MustDate("2020-01-01")
	raw := []struct {
		typ, subject string
		day          int
		data         string
	}{
		{EventUnitCreated, "unit/north", 0, `{"id":"north","name":"North","kind":"region"}`},
		{LegacyUnitCreated, "branch/b1", 0, `{"id":"b1","name":"B1","kind":"branch","parent":"north"}`},
		{EventMemberJoined, "M1", 1, `{"member":{"id":"M1","name":"Ann Example","unit":"north","joined":"2020-01-02"},"status":"active"}`},
		{EventMemberJoined, "M2", 1, `{"member":{"id":"M2","name":"Bob Example","branch":"b1","constituency":"north","joined":"2020-01-02"}}`},
		{EventStatusChanged, "M1", 10, `{"status":"suspended","until":"2020-06-01","then":"active","body":"nec","clause":"1.2"}`},
		{EventStatusChanged, "M2", 12, `{"status":"banned","then":"active","count":2,"occasions":"matches","credit":{"from":"2020-01-05","until":"2020-01-12"}}`},
		{EventOccasionRecorded, "occasion/o1", 14, `{"id":"o1","kind":"matches","units":["b1","north"],"outcome":"played","counts":true}`},
		{EventMemberUpdated, "M2", 15, `{"unit":"north","name":"Bob Moved"}`},
		{EventOccasionRecorded, "occasion/o2", 16, `{"id":"o2","kind":"matches","units":["north"],"outcome":"played","counts":true}`},
		{EventRightsRestricted, "M1", 20, `{"rights":{"vote":false},"until":"2021-01-01"}`},
		{EventConditionWaived, "M1", 21, `{"action":"vote","condition_clause":"2.1","until":"2022-01-01","body":"nec"}`},
		{EventMemberUpdated, "M1", 22, `{"constituency":"north"}`},
		{EventStatusChanged, "M1", 30, `{"status":"active","ends":["e4"],"reason":"appeal"}`},
		{EventCorrected, "M1", 31, `{"corrects":"e9","reason":"entered in error"}`},
		{EventRuleBookAdopted, "rulebook", 0, `{"organisation":"x","sha256":"00","versions":["a"]}`},
		{EventMemberJoined, "M3", 40, `{"member":{"id":"M3","name":"Cy Example","unit":"b1"}}`},
	}
	evs := make([]Event, len(raw))
	for i, r := range raw {
		evs[i] = Event{Seq: int64(i + 1), ID: "e" + itoa(i), Type: r.typ, Subject: r.subject, Actor: "t",
			Effective: d.AddDays(r.day), Recorded: time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC), Data: json.RawMessage(r.data)}
	}
	return evs
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// FuzzProject: whatever bytes an event's data holds, and whatever its type,
// subject and date, projecting the record never panics, and every member it
// yields has a status history (a rebuild writes the member's row from its first
// point). The fuzzer either replaces one event's data (and type) or inserts an
// event.
func FuzzProject(f *testing.F) {
	f.Add(uint8(0), uint8(4), "M1", []byte(`{"status":"suspended","ends":["e2"]}`), int16(0))
	f.Add(uint8(1), uint8(2), "M3", []byte(`{"member":{"id":"M3","name":"C","joined":"2020-01-02"}}`), int16(5))
	f.Add(uint8(2), uint8(4), "M2", []byte(`{"status":"x","count":3,"occasions":"matches"}`), int16(-40))
	f.Add(uint8(3), uint8(8), "occasion/o1", []byte(`{"id":"o1","kind":"matches","units":["north","north"],"counts":true}`), int16(2))
	f.Add(uint8(4), uint8(3), "M1", []byte(`{"name":1}`), int16(0))
	f.Add(uint8(5), uint8(7), "M1", []byte(`{"corrects":"e2"}`), int16(0))
	f.Add(uint8(6), uint8(3), "M9", []byte(`{"branch":"b1"}`), int16(0))
	f.Add(uint8(7), uint8(1), "unit/x", []byte(`{"id":"x","parent":"x"}`), int16(0))
	f.Add(uint8(33), uint8(5), "M3", []byte(`{"ends":["e15"]}`), int16(-10))
	f.Fuzz(func(t *testing.T, how, typ uint8, subject string, data []byte, day int16) {
		evs := projectFuzzBase()
		e := Event{ID: "fz", Type: projectFuzzTypes[int(typ)%len(projectFuzzTypes)], Subject: subject, Actor: "t",
			Effective: MustDate("2020-01-01").AddDays(int(day)), Data: json.RawMessage(data)}
		if how%2 == 0 {
			k := int(how/2) % len(evs)
			evs[k].Type, evs[k].Data, evs[k].Effective = e.Type, e.Data, e.Effective
		} else {
			k := int(how/2) % (len(evs) + 1)
			evs = append(evs[:k], append([]Event{e}, evs[k:]...)...)
		}
		for i := range evs {
			evs[i].Seq = int64(i + 1)
			evs[i].Recorded = time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC)
		}
		NeedsUnits(evs)
		for _, asOf := range []time.Time{{}, time.Date(2020, 1, 1, 0, 0, len(evs)/2, 0, time.UTC)} {
			reg, err := ProjectWith([]Unit{{ID: "north", Kind: "region"}}, evs, "active", asOf)
			if err != nil {
				continue
			}
			for _, id := range reg.SortedMemberIDs() {
				h := reg.Members[id]
				if len(h.Points) == 0 {
					t.Fatalf("member %s: the history has no points, not even the joining", id)
				}
				h.StatusAt(h.Member.Joined)
				h.StatusAt(MustDate("2030-01-01"))
				h.WaiverAt("vote", "2.1", MustDate("2021-06-01"))
				reg.UnitsOf(id)
				reg.Units.Chain(h.Member.Unit)
				for i := range h.Servings {
					h.Servings[i].ServedBefore(MustDate("2030-01-01"))
				}
				if _, err := MarshalData(h); err != nil {
					t.Fatalf("member %s: the history does not encode: %v", id, err)
				}
			}
			reg.Occasions()
		}
	})
}
