package httpapi

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestBeliefsProperty makes random decisions about a member through the API, at
// random instants, some refused, some later withdrawn, and checks after each that:
//   - nothing is ever a 500;
//   - the stored register agrees with the history rebuilt from the record;
//   - asking later what was believed at an earlier instant gives exactly what the
//     API showed at that instant;
//   - eligibility on a date reports the status the history has in force that date.
func TestBeliefsProperty(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	statuses := []string{"active", "admin_suspended", "expelled", "auto_excluded", "lapsed", "resigned", "sanction_suspended"}
	bodies := []string{"nec", "general_secretary", "ncc", "nec_disputes_panel", "membership_office", "member"}
	// Moves the rule book allows (from some status), so that many decisions are accepted.
	moves := [][2]string{{"admin_suspended", "nec"}, {"active", "nec"}, {"expelled", "nec"}, {"lapsed", "membership_office"},
		{"active", "membership_office"}, {"resigned", "member"}, {"admin_suspended", "general_secretary"}, {"active", "general_secretary"}}
	actions := []string{"vote_in_selection", "hold_office", "attend_branch_meetings", "canvass"}
	n, accepted, refused := 0, map[string]int{}, 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		e.t = rt
		id := fmt.Sprintf("p%d", n)
		// Recorded after every joining day drawn (a joining in the future is refused).
		clock := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * 1000 * time.Hour)
		tick := func() {
			clock = clock.Add(time.Duration(rapid.IntRange(1, 5000).Draw(rt, "ms")) * time.Millisecond)
			e.setClock(clock.Format(time.RFC3339Nano))
		}
		day := func(label string) rulebook.Date {
			return rulebook.MakeDate(2000, 1, 1).AddDays(rapid.IntRange(0, 6000).Draw(rt, label))
		}
		send := func(method, path, body string) (int, map[string]any) {
			w := e.do(method, path, "application/json", body, nil)
			e.recs = e.recs[:0]
			if w.Code >= 500 {
				rt.Fatalf("%s %s %s: %d %s", method, path, body, w.Code, w.Body)
			}
			var v map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				rt.Fatalf("%s %s: not JSON: %s", method, path, w.Body)
			}
			return w.Code, v
		}
		tick()
		joined := day("joined")
		after := func(label string) rulebook.Date { return joined.AddDays(rapid.IntRange(0, 3000).Draw(rt, label)) }
		if code, v := send("POST", "/api/v1/members", fmt.Sprintf(`{"id":%q,"name":"P","joined":%q}`, id, joined)); code != 201 {
			rt.Fatalf("join: %d %v", code, v)
		}
		type snapshot struct {
			at      time.Time
			history string
		}
		var snaps []snapshot
		var events []string
		for i, steps := 0, rapid.IntRange(1, 8).Draw(rt, "steps"); i < steps; i++ {
			tick()
			var code int
			var v map[string]any
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0, 1:
				body := map[string]any{"status": rapid.SampledFrom(statuses).Draw(rt, "status"), "from": day("from").String(),
					"body": rapid.SampledFrom(bodies).Draw(rt, "body")}
				if rapid.IntRange(0, 3).Draw(rt, "valid") > 0 {
					m := rapid.SampledFrom(moves).Draw(rt, "move")
					body["status"], body["body"], body["from"] = m[0], m[1], after("from").String()
				}
				if rapid.Bool().Draw(rt, "until") {
					body["until"] = after("until").String()
					body["then"] = rapid.SampledFrom(statuses).Draw(rt, "then")
				}
				b, _ := json.Marshal(body)
				code, v = send("POST", "/api/v1/members/"+id+"/status", string(b))
			case 2:
				b, _ := json.Marshal(map[string]any{"rights": map[string]bool{rapid.SampledFrom(actions).Draw(rt, "action"): rapid.Bool().Draw(rt, "allow")},
					"from": after("rfrom").String()})
				code, v = send("POST", "/api/v1/members/"+id+"/restrictions", string(b))
			case 3:
				if len(events) == 0 {
					continue
				}
				ev := rapid.SampledFrom(events).Draw(rt, "corrects")
				code, v = send("POST", "/api/v1/corrections", fmt.Sprintf(`{"event_id":%q,"reason":"withdrawn"}`, ev))
			}
			if code == 201 {
				ev, _ := v["event"].(map[string]any)
				accepted[fmt.Sprint(ev["type"])]++
				if ev["type"] != rulebook.EventCorrected {
					events = append(events, fmt.Sprint(ev["id"]))
				}
			} else if refused++; code != 400 && code != 409 && code != 422 {
				rt.Fatalf("unexpected %d: %v", code, v)
			}
			_, cur := send("GET", "/api/v1/members/"+id, "")
			_, rebuilt := send("GET", "/api/v1/members/"+id+"/history", "")
			a, b := standing(cur), standing(rebuilt)
			if a != b {
				rt.Fatalf("stored register and rebuilt history differ:\nstored:  %s\nrebuilt: %s", a, b)
			}
			snaps = append(snaps, snapshot{clock, a})
			// Eligibility agrees with the history on a random date.
			d := day("asked")
			_, ans := send("GET", fmt.Sprintf("/api/v1/eligibility?member=%s&action=canvass&date=%s", id, d), "")
			want := "not_a_member"
			var points []rulebook.StatusPoint
			hb, _ := json.Marshal(cur["status_history"])
			if err := json.Unmarshal(hb, &points); err != nil {
				rt.Fatal(err)
			}
			h := rulebook.History{Points: points}
			if p := h.StatusAt(d); p != nil {
				want = p.Status
			}
			if ans["status"] != want {
				rt.Fatalf("eligibility on %s says status %v, history says %s: %v", d, ans["status"], want, ans)
			}
		}
		// Later, each earlier belief is recalled exactly.
		tick()
		for _, s := range snaps {
			_, v := send("GET", "/api/v1/members/"+id+"/history?as_recorded="+s.at.Format(time.RFC3339Nano), "")
			if got := standing(v); got != s.history {
				rt.Fatalf("as recorded at %s:\n got %s\nwant %s", s.at.Format(time.RFC3339Nano), got, s.history)
			}
		}
	})
	// The generators must reach the interesting cases, or the property says little.
	t.Logf("%d members; accepted %v; refused %d", n, accepted, refused)
	for _, typ := range []string{rulebook.EventStatusChanged, rulebook.EventRightsRestricted, rulebook.EventCorrected} {
		if accepted[typ] < 5 {
			t.Errorf("only %d %s events were accepted: the generators rarely produce valid decisions", accepted[typ], typ)
		}
	}
}

// standing is a member's status history and restrictions as canonical JSON.
func standing(v map[string]any) string {
	b, _ := json.Marshal([]any{v["status_history"], v["restrictions"]})
	return string(b)
}
