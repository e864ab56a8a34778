package rulebook

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// serveEvents is a member's record of a three-match ban, credited with a match
// played while under an interim suspension, with a postponed match that does not
// count, a transfer over the close season, and the new club's first match.
func serveEvents(t *testing.T) []Event {
	t.Helper()
	d := MustDate
	var evs []Event
	add := func(typ, subject, eff string, data any) {
		b, err := MarshalData(data)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, Event{Seq: int64(len(evs) + 1), ID: typ + "-" + eff, Type: typ, Subject: subject, Effective: d(eff), Data: b})
	}
	match := func(id, day, outcome string, counts bool, units ...string) {
		add(EventOccasionRecorded, OccasionSubjectPrefix+id, day, Occasion{ID: id, Kind: "matches", Units: units, Outcome: outcome, Counts: counts})
	}
	add(EventMemberJoined, "p1", "2023-08-01", MemberJoined{Member: Member{ID: "p1", Name: "Pat Lowry", Unit: "ashworth"}, Status: "registered"})
	add(EventStatusChanged, "p1", "2024-04-10", StatusChange{Status: "interim", Decision: Decision{Case: "K1"}})
	match("F1", "2024-04-13", "played", true, "ashworth", "brackenfield")
	add(EventStatusChanged, "p1", "2024-04-24", StatusChange{Status: "banned", Then: "registered", Count: 3, Occasions: "matches",
		Credit: &Period{From: d("2024-04-10"), Until: d("2024-04-24")}, Decision: Decision{Case: "K1", Sanction: "match_ban"}})
	match("F2", "2024-04-27", "postponed", false, "ashworth", "coldharbour")
	match("F3", "2024-05-04", "played", true, "ashworth", "coldharbour")
	add(EventMemberUpdated, "p1", "2024-07-01", MemberUpdated{Unit: "brackenfield"})
	match("F4", "2024-08-10", "played", true, "ashworth", "coldharbour")
	return evs
}

func statusOn(h *History, day string) string {
	if p := h.StatusAt(MustDate(day)); p != nil {
		return p.Status
	}
	return "(none)"
}

func TestServingInOccasions(t *testing.T) {
	evs := serveEvents(t)
	reg, err := Project(evs, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h := reg.Members["p1"]
	s := h.ServingOf(evs[3].ID)
	if s == nil || len(s.Counted) != 2 || !s.Counted[0].Credit || s.Served != 0 {
		t.Fatalf("before the new club plays: %+v", s)
	}
	// Ashworth's match after the transfer does not serve it; the end is not known.
	if got := statusOn(h, "2025-01-01"); got != "banned" {
		t.Errorf("status with a match still to serve: %s", got)
	}
	if n := s.ServedBefore(MustDate("2024-08-10")); n != 2 {
		t.Errorf("served before 10 August: %d", n)
	}
	d := MustDate
	more := append(evs, Event{Seq: int64(len(evs) + 1), ID: "F5", Type: EventOccasionRecorded, Subject: OccasionSubjectPrefix + "F5", Effective: d("2024-08-10"),
		Data: json.RawMessage(`{"id":"F5","kind":"matches","units":["brackenfield","dunmore"],"outcome":"played","counts":true}`)})
	reg, err = Project(more, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h = reg.Members["p1"]
	for day, want := range map[string]string{"2024-04-09": "registered", "2024-04-10": "interim", "2024-04-24": "banned", "2024-08-10": "banned", "2024-08-11": "registered"} {
		if got := statusOn(h, day); got != want {
			t.Errorf("status on %s: %s, want %s", day, got, want)
		}
	}
	if s := h.ServingOf(evs[3].ID); s.Served != d("2024-08-11") || s.Counted[2].Unit != "brackenfield" {
		t.Errorf("served: %+v", s)
	}

	// The same history comes from the member's own events and the occasions given
	// afterwards, as a database rebuilding one member does.
	var own []Event
	var occ []OccasionPoint
	for _, e := range more {
		if e.Subject == "p1" {
			own = append(own, e)
			continue
		}
		var o Occasion
		if err := json.Unmarshal(e.Data, &o); err != nil {
			t.Fatal(err)
		}
		occ = append(occ, OccasionPoint{Date: e.Effective, EventID: e.ID, Seq: e.Seq, Occasion: o})
	}
	one, err := Project(own, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := one.UnitsOf("p1"); !reflect.DeepEqual(got, []string{"ashworth", "brackenfield"}) {
		t.Errorf("units: %v", got)
	}
	one.AddOccasions(occ)
	if !reflect.DeepEqual(one.Members["p1"], h) {
		t.Errorf("member then occasions:\n%+v\nall in order:\n%+v", one.Members["p1"], h)
	}

	// The postponed match, rearranged and played in May, serves it then.
	moved := append(more, Event{Seq: int64(len(more) + 1), ID: "F2b", Type: EventOccasionRecorded, Subject: OccasionSubjectPrefix + "F2", Effective: d("2024-05-08"),
		Data: json.RawMessage(`{"id":"F2","kind":"matches","units":["ashworth","coldharbour"],"outcome":"played","counts":true}`)})
	reg, err = Project(moved, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := statusOn(reg.Members["p1"], "2024-05-09"); got != "registered" {
		t.Errorf("after the rearranged match: %s", got)
	}

	// An appeal that ends the ban on 1 August leaves no end to come: the change
	// that ended it says what follows.
	ended := append(evs[:len(evs):len(evs)], Event{Seq: int64(len(evs) + 1), ID: "appeal", Type: EventStatusChanged, Subject: "p1", Effective: d("2024-08-01"),
		Data: json.RawMessage(`{"status":"registered","ends":["` + evs[3].ID + `"]}`)}, more[len(more)-1])
	ended[len(ended)-1].Seq = int64(len(ended))
	reg, err = Project(ended, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h = reg.Members["p1"]
	if s := h.ServingOf(evs[3].ID); s.Ended != d("2024-08-01") || s.Served != 0 || len(s.Counted) != 2 {
		t.Errorf("ended: %+v", s)
	}
	if got := statusOn(h, "2024-08-11"); got != "registered" {
		t.Errorf("after the appeal: %s", got)
	}
}

// A ban served wholly by matches under the interim suspension never takes effect.
func TestServingWhollyCredited(t *testing.T) {
	evs := serveEvents(t)[:4]
	var sc StatusChange
	if err := json.Unmarshal(evs[3].Data, &sc); err != nil {
		t.Fatal(err)
	}
	sc.Count = 1
	evs[3].Data, _ = MarshalData(sc)
	reg, err := Project(evs, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h := reg.Members["p1"]
	if got := statusOn(h, "2024-04-24"); got != "registered" {
		t.Errorf("a ban already served: %s on its first day", got)
	}
	if s := h.ServingOf(evs[3].ID); s.Served != MustDate("2024-04-24") {
		t.Errorf("served %s", s.Served)
	}
}
