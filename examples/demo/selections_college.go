package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/register"
)

// CollegeSelection and CollegeTrigger are the demo's selection by electoral
// college and the trigger ballot that opened it.
const (
	CollegeSelection = "combined-mayor-2013"
	CollegeTrigger   = "combined-mayor-trigger-2013"
)

// collegeSelection plays, through the application's methods, the 2013 story of
// the (fictional) Eastfield and Greenway combined authority's mayoralty under the
// 2008 rule book: the branches' trigger ballot on the sitting mayor, Fergus
// Almond (M0013), in which Eastfield Ward asks for an open selection — one of
// two branches, at least the third the rule book requires — so a selection is
// opened; it is decided by the electoral college of members and affiliated
// organisations, half each. Almond wins the members' section (6 to 2) but loses
// the college to Joan Tillery (M0014), whom the affiliates back 18 to 5:
// Almond 89/184 (48.37%), Tillery 95/184 (51.63%). The NEC endorses Tillery.
func collegeSelection(ctx context.Context, svc *register.Service, at func(string)) error {
	a, err := app.New(ctx, svc)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = app.WithPrincipal(ctx, app.OperatorPrincipal("returning.officer"))
	d := rulebook.MustDate
	var failed error
	step := func(what string, err error) {
		if err != nil && failed == nil {
			failed = fmt.Errorf("demo: %s: %w", what, err)
		}
	}

	const contest = "Mayor of Eastfield and Greenway, election of 2 May 2013"
	at("2013-01-07 10:00")
	_, err = a.OpenTrigger(ctx, app.TriggerInput{ID: CollegeTrigger, Procedure: "mayoral_college", Contest: contest, Unit: "eastfield", Holder: "M0013",
		Date: d("2013-01-07"), Closes: d("2013-02-15")})
	step("trigger ballot", err)
	at("2013-01-24 09:00")
	_, err = a.DecideTrigger(ctx, CollegeTrigger, "eastfield-ward", true, d("2013-01-23"))
	step("Eastfield Ward's decision", err)
	at("2013-02-07 09:00")
	_, err = a.DecideTrigger(ctx, CollegeTrigger, "greenway-ward", false, d("2013-02-06"))
	step("Greenway Ward's decision", err)
	at("2013-02-18 11:00")
	_, err = a.CloseTrigger(ctx, CollegeTrigger, d("2013-02-18"), &app.OpenSelectionInput{ID: CollegeSelection,
		Timetable: rulebook.Timetable{FreezeDate: d("2013-03-01"), NominationsClose: d("2013-03-15"), Ballot: d("2013-04-02"), BallotCloses: d("2013-04-20")}})
	step("trigger ballot closed", err)

	at("2013-02-25 14:00")
	for _, n := range [][]string{{"M0013", "M0015", "M0019"}, {"M0014", "M0016", "M0024"}} {
		r, err := a.Nominate(ctx, CollegeSelection, app.NominationInput{Candidate: n[0], Nominators: n[1:], Date: d("2013-02-25")})
		step("nomination of "+n[0], err)
		if err == nil && r.Refused != nil {
			step("nomination of "+n[0], fmt.Errorf("refused: %s (clause %s)", r.Refused.Reason, r.Refused.Clause))
		}
	}
	// The affiliated unions' roll: their members who are levy payers in the area
	// (one of them, Ian Petrie, a Party member too, votes in both sections).
	at("2013-03-11 10:00")
	_, err = a.EnterRoll(ctx, CollegeSelection, "affiliates", []app.RollVoter{
		{ID: "U-1001", Name: "Bronwen Ashby"}, {ID: "U-1002", Name: "Dariusz Kowal"}, {ID: "U-1003", Name: "Eilidh Baird"},
		{ID: "U-1004", Name: "Tunde Adeyemi"}, {ID: "U-1005", Name: "Marta Lindqvist"}, {ID: "U-1006", Name: "Gareth Pryce"},
		{ID: "M0024", Name: "Ian Petrie"}}, d("2013-03-11"))
	step("affiliates' roll", err)
	at("2013-03-18 10:00")
	_, err = a.FreezeElectorate(ctx, CollegeSelection, d("2013-03-18"))
	step("electorates frozen", err)

	at("2013-04-05 12:00")
	for _, v := range []string{
		"members M0013 M0013", "members M0015 M0013", "members M0016 M0013,M0014", "members M0018 M0013", "members M0023 M0013", "members M0024 M0013",
		"members M0014 M0014", "members M0019 M0014,M0013",
		"affiliates U-1001 M0014", "affiliates U-1002 M0014", "affiliates U-1003 M0014,M0013", "affiliates U-1004 M0014", "affiliates U-1005 M0014",
		"affiliates U-1006 M0013", "affiliates M0024 M0014",
	} {
		f := strings.Fields(v)
		r, err := a.CastCollegeBallot(ctx, CollegeSelection, f[0], f[1], strings.Split(f[2], ","), d("2013-04-05"))
		step("ballot of "+f[1], err)
		if err == nil && r.Refused != nil {
			step("ballot of "+f[1], fmt.Errorf("refused: %s (clause %s)", r.Refused.Reason, r.Refused.Clause))
		}
	}
	// A union branch's meeting ballot, counted by its tellers.
	at("2013-04-20 18:00")
	_, err = a.EnterCollegePapers(ctx, CollegeSelection, "affiliates", d("2013-04-20"), []rulebook.BallotCount{
		{Ranking: []string{"M0014"}, Papers: 12}, {Ranking: []string{"M0013", "M0014"}, Papers: 4}}, 1)
	step("affiliates' papers", err)
	at("2013-04-22 10:00")
	_, err = a.CountSelection(ctx, CollegeSelection, d("2013-04-22"))
	step("count", err)
	at("2013-04-25 16:00")
	_, err = a.Endorse(ctx, CollegeSelection, d("2013-04-25"), rulebook.Endorsement{Body: "nec", Reasons: "A valid selection by the electoral college.", Until: d("2013-05-03")})
	step("endorsement", err)
	return failed
}
