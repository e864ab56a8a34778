package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// TestCaseStepsProperty opens a complaint case and takes random steps through the
// API, chosen from the steps the case view offers and filled in as staff might
// (sometimes badly), and checks after each that:
//   - nothing is ever a 500, and every refusal is a documented 4xx;
//   - an accepted step moves the case to the state the rule book names, and a
//     forbidden one (review) is recorded as refused without moving it;
//   - the case the API serves is the case rebuilt from its events alone;
//   - the record still verifies.
func TestCaseStepsProperty(t *testing.T) {
	e := newCaseEnv(t, sqldbtest.Open(t, "sqlite"))
	e.run(upTo(caseScenario, "join pat"))
	ctx := context.Background()
	n := 0
	taken := map[string]int{}
	rapid.Check(t, func(rt *rapid.T) {
		n++
		e.t = rt
		send := func(method, path, body string) (int, map[string]any) {
			ctype := ""
			if body != "" {
				ctype = "application/json"
			}
			w := e.do(method, path, ctype, body, nil)
			e.recs = e.recs[:0]
			if w.Code >= 500 || (w.Code >= 300 && httpStatus[errCode(w.Body.Bytes())] != w.Code) {
				rt.Fatalf("%s %s %s: %d %s", method, path, body, w.Code, w.Body)
			}
			var v map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				rt.Fatalf("%s %s: not JSON: %s", method, path, w.Body)
			}
			return w.Code, v
		}
		id := fmt.Sprintf("P-%d", n)
		day := rulebook.MustDate("2016-05-02")
		if code, v := send("POST", "/api/v1/complaints", fmt.Sprintf(`{"id":"C%s","respondent":"ann","complainant":"dee","from":"member","via":"api","conduct":"2016-04-28","clauses":["2.I.8"],"summary":"S.","received":%q}`, id, day)); code != 201 {
			rt.Fatalf("complaint: %d %v", code, v)
		}
		if code, v := send("POST", "/api/v1/cases", fmt.Sprintf(`{"id":%q,"kind":"complaint","respondent":"ann","date":%q,"complaints":["C%s"]}`, id, day, id)); code != 201 {
			rt.Fatalf("open: %d %v", code, v)
		}
		for i, steps := 0, rapid.IntRange(1, 16).Draw(rt, "steps"); i < steps; i++ {
			day = day.AddDays(rapid.IntRange(0, 40).Draw(rt, "days"))
			var view caseView
			getJSON(rt, e, "/api/v1/cases/"+id+"?on="+day.String(), &view)
			c := view.Case
			var offered []availableStep
			for _, s := range view.Steps {
				if !needsAny(s.Requires, "trigger", "vote", "waiting_period") && !needsAny(s.Effects, "resignation") {
					offered = append(offered, s)
				}
			}
			if len(offered) == 0 || c.Closed && len(c.Refusals) > 0 {
				break
			}
			// Mostly steps that move the case on, so that runs reach the hearing.
			var moving []availableStep
			for _, s := range offered {
				if s.To != "" && s.Permitted && s.To != "closed" && s.To != "under_investigation" || s.ID == "impose_sanction" || c.State == "triage" && s.To == "under_investigation" {
					moving = append(moving, s)
				}
			}
			pool := offered
			if len(moving) > 0 && rapid.IntRange(0, 4).Draw(rt, "move on") > 0 {
				pool = moving
			}
			st := rapid.SampledFrom(pool).Draw(rt, "step")
			if needsAny(st.Requires, "mitigation") && c.Mitigation == nil && len(c.ProvedCounts()) > 0 && rapid.Bool().Draw(rt, "mitigate") {
				send("POST", "/api/v1/cases/"+id+"/mitigation", fmt.Sprintf(`{"summary":"m","date":%q}`, day))
			}
			cmd := map[string]any{"transition": st.ID, "date": day.String(), "body": rapid.SampledFrom(st.By).Draw(rt, "body")}
			if rapid.IntRange(0, 9).Draw(rt, "wrong body") == 0 {
				cmd["body"] = "nobody"
			}
			if rapid.IntRange(0, 4).Draw(rt, "reasoned") > 0 {
				cmd["rationale"] = "r"
			}
			if len(st.Criteria) > 0 && rapid.IntRange(0, 4).Draw(rt, "criteria") > 0 {
				cmd["criteria"] = []string{rapid.SampledFrom(st.Criteria).Draw(rt, "criterion")}
			}
			for _, req := range st.Requires {
				switch req {
				case "evidence":
					cmd["evidence"] = []string{"e"}
				case "charges":
					ch := []discipline.Charge{{Count: 1, Clause: "2.I.8", Particulars: "p"}}
					if rapid.Bool().Draw(rt, "two counts") {
						ch = append(ch, discipline.Charge{Count: 2, Clause: "2.I.8", Particulars: "q"})
					}
					cmd["charges"] = ch
				case "panel":
					if c.Panel == nil || rapid.Bool().Draw(rt, "new panel") {
						cmd["panel"] = json.RawMessage(panelOK)
					}
				case "hearing":
					cmd["hearing"] = map[string]string{"date": day.AddDays(rapid.IntRange(7, 40).Draw(rt, "notice")).String()}
				case "findings":
					var fs []discipline.Finding
					for _, ch := range c.Charges {
						fs = append(fs, discipline.Finding{Count: ch.Count, Finding: rapid.SampledFrom([]string{"proved", "not_proved"}).Draw(rt, "finding")})
					}
					cmd["findings"] = fs
				case "sanction":
					so := map[string]any{"sanction": rapid.SampledFrom([]string{"reprimand", "expulsion", "suspension_office_representation"}).Draw(rt, "sanction")}
					if so["sanction"] == "suspension_office_representation" {
						so["until"] = day.AddDays(rapid.IntRange(1, 800).Draw(rt, "length")).String()
					}
					cmd["sanction"] = so
				}
			}
			if needsAny(st.Effects, "admin_suspension") && rapid.Bool().Draw(rt, "scheduled") {
				cmd["suspend"] = map[string]string{"from": day.AddDays(rapid.IntRange(0, 30).Draw(rt, "later")).String()}
			}
			body, _ := json.Marshal(cmd)
			code, v := send("POST", "/api/v1/cases/"+id+"/steps", string(body))
			if code != 200 {
				continue
			}
			got, _ := get(v, "case.state")
			_, refused := get(v, "refused")
			switch {
			case !st.Permitted:
				if !refused || got != c.State {
					rt.Fatalf("%s, which the rule book forbids, was not recorded as refused: %v", st.ID, v)
				}
				taken["refused "+st.ID]++
			case refused:
				rt.Fatalf("%s was refused though permitted: %v", st.ID, v)
			case st.To != "" && got != st.To, st.To == "" && got != c.State:
				rt.Fatalf("%s from %s: state %v, want %q", st.ID, c.State, got, st.To)
			default:
				taken[st.ID]++
			}
			// The case served is the case its events make.
			stored, err := e.app.Discipline().Case(ctx, id)
			if err != nil {
				rt.Fatal(err)
			}
			replayed, err := e.app.Discipline().Replay(ctx, id)
			if err != nil {
				rt.Fatal(err)
			}
			if a, b := caseJSON(stored), caseJSON(replayed); a != b {
				rt.Fatalf("after %s the projection differs from the replay:\nserved   %s\nreplayed %s", st.ID, a, b)
			}
		}
		if _, v := send("GET", "/api/v1/verify", ""); v["ok"] != true {
			rt.Fatalf("the record does not verify: %v", v)
		}
	})
	t.Logf("steps accepted over %d cases: %v", n, taken)
	if len(taken) < 8 {
		t.Errorf("only %d kinds of step were ever accepted (%v): the generator is not reaching the procedure", len(taken), taken)
	}
}

func needsAny(list []string, want ...string) bool {
	for _, x := range list {
		for _, w := range want {
			if x == w {
				return true
			}
		}
	}
	return false
}

func errCode(b []byte) string {
	var v apiError
	json.Unmarshal(b, &v)
	return v.Error.Code
}

func getJSON(rt *rapid.T, e *env, path string, v any) {
	w := e.do("GET", path, "", "", nil)
	e.recs = e.recs[:0]
	if w.Code != 200 {
		rt.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		rt.Fatal(err)
	}
}

// caseJSON is a case as JSON for comparison. The suspension's event is left out:
// the projection links it to the member event that imposed the suspension, the
// replay to the case step that decided it (both are in the record).
func caseJSON(c *discipline.Case) string {
	cp := *c
	if c.Suspension != nil {
		s := *c.Suspension
		s.Event = ""
		cp.Suspension = &s
	}
	b, _ := json.Marshal(cp)
	return string(b)
}
