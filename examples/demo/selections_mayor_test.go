package demo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// TestSelectionsOf2016 checks the demo's selections as the application holds
// them: the mayoral count round by round, the refused nomination's clause, the
// ward's three seats by STV, the electorates matching the record, and the
// winners on the official list.
func TestSelectionsOf2016(t *testing.T) {
	ctx := context.Background()
	eachDemo(t, func(t *testing.T, db *sqldb.DB, rb *rules.RuleBook, src []byte) {
		svc, err := register.New(ctx, db, rb, src)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		ctx := app.WithPrincipal(ctx, app.OperatorPrincipal("test"))
		d := rulebook.MustDate

		m, err := a.Selection(ctx, "mayor-2016", d("2016-10-02"))
		if err != nil {
			t.Fatal(err)
		}
		if m.State != rulebook.SelectionEndorsed || m.Method != "irv" || m.Result == nil {
			t.Fatalf("mayor-2016: state %s, method %s, result %v", m.State, m.Method, m.Result)
		}
		if got := m.Result.Elected; !slices.Equal(got, []string{"M0002"}) || len(m.Result.Rounds) != 3 {
			t.Errorf("mayor-2016: elected %v in %d rounds, want M0002 in 3", got, len(m.Result.Rounds))
		}
		if r := m.Result.Rounds; len(r) == 3 && (r[0].Tally["M0002"] != "9" || r[2].Tally["M0002"] != "14" || r[2].Tally["M0007"] != "11") {
			t.Errorf("mayor-2016 rounds: %+v", r)
		}
		if m.Marked != 10 || m.Entered != 15 || m.Rejected != 1 {
			t.Errorf("mayor-2016: %d marked, %d entered, %d rejected", m.Marked, m.Entered, m.Rejected)
		}
		if len(m.Refused) != 1 || m.Refused[0].Candidate != demo.Protagonist || m.Refused[0].Clause != "6.I.1.B" {
			t.Errorf("mayor-2016 refusals: %+v", m.Refused)
		}
		// One voter wrongly turned away; Birch's final majority (14 to 11 of 25)
		// needed 3.
		rep, err := a.SelectionRefusals(ctx, "mayor-2016")
		if err != nil {
			t.Fatal(err)
		}
		if last := rep.Rounds[len(rep.Rounds)-1]; len(rep.Wrong) != 1 || rep.Wrong[0].Member != "M0033" || rep.TurnedAway != 1 ||
			last.Decision != "election" || last.Needed != 3 || last.Could {
			t.Errorf("mayor-2016 refusals report: %+v", rep)
		}
		w, err := a.Selection(ctx, "harbour-ward-2017", d("2016-10-02"))
		if err != nil {
			t.Fatal(err)
		}
		if w.Method != "stv-scottish" || w.Seats != 3 || w.Result == nil || len(w.Result.Elected) != 3 || len(w.Result.Rounds) < 3 || w.State != rulebook.SelectionEndorsed {
			t.Fatalf("harbour-ward-2017: %s %d seats, state %s, result %+v", w.Method, w.Seats, w.State, w.Result)
		}
		for _, id := range []string{"mayor-2016", "harbour-ward-2017"} {
			c, err := a.CheckElectorate(ctx, id)
			if err != nil || !c.OK {
				t.Errorf("%s: electorate check %+v %v", id, c, err)
			}
		}
		official, err := a.OfficialCandidates(ctx, d("2016-10-06"))
		if err != nil {
			t.Fatal(err)
		}
		var on []string
		for _, e := range official {
			on = append(on, e.Member)
		}
		slices.Sort(on)
		want := append([]string{"M0002"}, w.Result.Elected...)
		slices.Sort(want)
		if !slices.Equal(on, want) {
			t.Errorf("official candidates on 2016-10-06: %v, want %v", on, want)
		}
	})
}
