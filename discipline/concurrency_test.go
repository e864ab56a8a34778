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
