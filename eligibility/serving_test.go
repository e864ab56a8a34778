package eligibility_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
)

// An answer relying on a ban counted in matches says how many remain on the day
// asked about; once it is served, or when it never took effect, it says nothing
// of it.
func TestServingInAnswers(t *testing.T) {
	rb, err := rules.LoadFile("../examples/sports-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := rulebook.MustDate
	var evs []rulebook.Event
	add := func(typ, subject, eff, data string) {
		evs = append(evs, rulebook.Event{Seq: int64(len(evs) + 1), ID: "e" + string(rune('a'+len(evs))), Type: typ, Subject: subject, Effective: d(eff), Data: json.RawMessage(data)})
	}
	add(rulebook.EventMemberJoined, "p1", "2023-07-01", `{"member":{"id":"p1","name":"Nell Arbuthnot","branch":"ashworth"},"status":"registered"}`)
	add(rulebook.EventStatusChanged, "p1", "2024-09-02", `{"status":"suspended","then":"registered","count":2,"occasions":"matches","sanction":"match_ban","clause":"8.2"}`)
	add(rulebook.EventOccasionRecorded, "occasion/M1", "2024-09-07", `{"id":"M1","kind":"matches","units":["ashworth","dunmore"],"outcome":"played","counts":true}`)
	add(rulebook.EventOccasionRecorded, "occasion/M2", "2024-09-14", `{"id":"M2","kind":"matches","units":["ashworth","brackenfield"],"outcome":"played","counts":true}`)
	reg, err := rulebook.Project(evs, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h := reg.Members["p1"]
	ask := func(day string) *eligibility.Answer {
		a, err := eligibility.Check(rb, h, eligibility.Question{Action: "play", Date: d(day)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tc := range []struct {
		day       string
		remaining int
		says      string
	}{
		{"2024-09-02", 2, "0 matches served before 2024-09-02, 2 matches remain"},
		{"2024-09-07", 2, "0 matches served before 2024-09-07, 2 matches remain"},
		{"2024-09-08", 1, "1 match served before 2024-09-08, 1 match remains"},
		{"2024-09-14", 1, "Match ban (event eb, clause 8.2) lasts 2 matches"},
	} {
		a := ask(tc.day)
		if a.Allowed || a.Serving == nil || a.Serving.Remaining != tc.remaining || !strings.Contains(a.Reason, tc.says) {
			t.Errorf("on %s: %+v\n%s", tc.day, a.Serving, a.Reason)
		}
	}
	if a := ask("2024-09-15"); !a.Allowed || a.Serving != nil {
		t.Errorf("once served: %+v", a)
	}
	if a := ask("2024-09-01"); !a.Allowed || a.Serving != nil {
		t.Errorf("before the ban: %+v", a)
	}
}
