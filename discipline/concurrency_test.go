package discipline_test

import (
	"context"
	"sync"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
)

// Two staff acknowledging the same complaint at once: one step is recorded, the
// other is refused, and the record stays consistent.
func TestConcurrentSteps(t *testing.T) {
	ctx := context.Background()
	ds := demoService(t)
	if _, err := ds.Reg.ReceiveComplaint(ctx, "t", rulebook.MustDate("2019-01-02"), rulebook.ComplaintReceived{ID: "C-2019-009", Respondent: "M0004",
		Complainant: "M0003", From: "member", Via: "letter", Clauses: []string{"2.I.8"}, Summary: "Remarks at a meeting."}); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Open(ctx, "t", discipline.OpenInput{ID: "D-2019-009", Kind: "complaint", Respondent: "M0004", Date: rulebook.MustDate("2019-01-02"), Complaints: []string{"C-2019-009"}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = ds.Take(ctx, "t", "D-2019-009", discipline.Command{Transition: "acknowledge", Date: rulebook.MustDate("2019-01-03"), Body: "compliance_unit"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if c := rulebook.ErrorCode(err); c != rulebook.EConflict && c != rulebook.ENotPermitted {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of the concurrent acknowledgements were recorded, want 1: %v", ok, errs)
	}
	c, err := ds.Replay(ctx, "D-2019-009")
	if err != nil || len(c.Steps) != 1 {
		t.Fatalf("replay: %v %+v", err, c)
	}
	if diffs, _ := ds.CheckCases(ctx); len(diffs) > 0 {
		t.Fatal(diffs)
	}
}

// A step entered in error is withdrawn with its effect on the member; the record
// keeps both, and replay, projection and verification agree.
func TestCorrectStep(t *testing.T) {
	ctx := context.Background()
	ds := demoService(t)
	d := rulebook.MustDate
	if _, err := ds.Reg.ReceiveComplaint(ctx, "t", d("2019-01-02"), rulebook.ComplaintReceived{ID: "C-2019-010", Respondent: "M0006",
		Complainant: "M0003", From: "member", Via: "letter", Clauses: []string{"2.I.8"}, Summary: "Remarks at a meeting."}); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Open(ctx, "t", discipline.OpenInput{ID: "D-2019-010", Kind: "complaint", Respondent: "M0006", Date: d("2019-01-02"), Complaints: []string{"C-2019-010"}}); err != nil {
		t.Fatal(err)
	}
	ack, err := ds.Take(ctx, "t", "D-2019-010", discipline.Command{Transition: "acknowledge", Date: d("2019-01-03"), Body: "compliance_unit"})
	if err != nil {
		t.Fatal(err)
	}
	susp, err := ds.Take(ctx, "t", "D-2019-010", discipline.Command{Transition: "investigate_and_suspend", Date: d("2019-01-04"), Body: "general_secretary",
		Criteria: []string{"SUSP-RISK"}, Rationale: "entered against the wrong member"})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := ds.Reg.DB.History(ctx, "M0006")
	if h.StatusAt(d("2019-02-01")).Status != "admin_suspended" {
		t.Fatal("not suspended")
	}
	if _, err := ds.Correct(ctx, "t", "D-2019-010", ack.Events[0], "wrong", 0); rulebook.ErrorCode(err) != rulebook.ENotPermitted {
		t.Fatalf("withdrawing an earlier step: %v", err)
	}
	c, err := ds.Correct(ctx, "t", "D-2019-010", susp.Events[0], "the suspension was recorded against the wrong member", 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != "triage" || c.Suspension != nil || len(c.Steps) != 1 || len(c.Corrections) != 1 {
		t.Fatalf("after the correction: %+v", c)
	}
	h, _ = ds.Reg.DB.History(ctx, "M0006")
	if h.StatusAt(d("2019-02-01")).Status != "active" {
		t.Fatalf("the member's suspension was not withdrawn: %+v", h.Points)
	}
	if _, err := ds.Correct(ctx, "t", "D-2019-010", susp.Events[0], "again", 0); rulebook.ErrorCode(err) != rulebook.EConflict {
		t.Fatalf("second correction: %v", err)
	}
	r, _ := ds.Replay(ctx, "D-2019-010")
	stored, _ := ds.Case(ctx, "D-2019-010")
	if r.State != stored.State || len(r.Steps) != len(stored.Steps) {
		t.Fatalf("replay %+v vs stored %+v", r, stored)
	}
	if diffs, _ := ds.CheckCases(ctx); len(diffs) > 0 {
		t.Fatal(diffs)
	}
	if diffs, _ := ds.Reg.DB.CheckProjection(ctx); len(diffs) > 0 {
		t.Fatal(diffs)
	}
	if res, _ := ds.Reg.DB.Verify(ctx, nil); !res.OK {
		t.Fatal(res.Problem)
	}
}
