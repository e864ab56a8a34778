package demo

import (
	"context"
	"fmt"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/register"
)

// selectionsAndElections plays, through the application's methods, the
// elections of 2021 (the mayoral and assembly polls put back from 2020): the
// Party's list for the assembly region, ranked by repeated counts and endorsed,
// which fills its list seats in the additional member count, passing over a
// candidate who won a constituency; the mayoral candidate selected in 2020,
// endorsed, then deselected, and a replacement selected and endorsed; and the
// mayoral election by supplementary vote, in which the deselected candidate
// stood against the official one, with the automatic exclusions that followed.
func selectionsAndElections(ctx context.Context, svc *register.Service, at func(string)) (err error) {
	a, err := app.New(ctx, svc)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = app.WithPrincipal(ctx, app.OperatorPrincipal("returning.officer"))
	d := rulebook.MustDate
	check := func(_ any, e error) {
		if err == nil && e != nil {
			err = e
		}
	}
	nominate := func(sel string, day rulebook.Date, cands ...[3]string) {
		for _, c := range cands {
			r, e := a.Nominate(ctx, sel, app.NominationInput{Candidate: c[0], Nominators: []string{c[1], c[2]}, Date: day})
			check(r, e)
			if e == nil && r.Refused != nil {
				check(nil, fmt.Errorf("demo: nomination of %s in %s refused: %s", c[0], sel, r.Refused.Reason))
			}
		}
	}
	selection := func(in app.OpenSelectionInput, cands [][3]string, ballots []rulebook.BallotCount, counted, endorsed rulebook.Date, reasons string) {
		at(in.Date.String() + " 09:00")
		check(a.OpenSelection(ctx, in))
		nominate(in.ID, in.Date, cands...)
		at(in.NominationsClose.String() + " 17:00")
		check(a.FreezeElectorate(ctx, in.ID, in.NominationsClose))
		at(in.BallotCloses.String() + " 18:00")
		check(a.EnterPapers(ctx, in.ID, in.BallotCloses, ballots, 0))
		at(counted.String() + " 10:00")
		check(a.CountSelection(ctx, in.ID, counted))
		at(endorsed.String() + " 11:00")
		check(a.Endorse(ctx, in.ID, endorsed, rulebook.Endorsement{Body: "nec", Reasons: reasons}))
	}
	timetable := func(freeze, closes, ballot, ballotCloses string) rulebook.Timetable {
		return rulebook.Timetable{FreezeDate: d(freeze), NominationsClose: d(closes), Ballot: d(ballot), BallotCloses: d(ballotCloses)}
	}

	// The assembly list: four places, each an alternative-vote count of the same
	// ballots with those placed above withdrawn. Gwen Oduya wins place 1 after two
	// exclusions (70 of 105), Fergus Almond place 2 outright (70), Chloe Ramsden
	// place 3 (55 to 50), Martin Quell place 4.
	selection(app.OpenSelectionInput{ID: "assembly-list-2020", Procedure: "list_selection", Contest: "Northport and Eastfield Assembly region (list seats), 2020",
		Date: d("2020-01-06"), Timetable: timetable("2020-01-06", "2020-01-31", "2020-02-10", "2020-02-20")},
		[][3]string{{"M0004", "M0005", "M0012"}, {"M0013", "M0014", "M0015"}, {"M0007", "M0008", "M0024"}, {"M0018", "M0016", "M0019"}},
		[]rulebook.BallotCount{
			{Ranking: []string{"M0004", "M0013", "M0018"}, Papers: 40},
			{Ranking: []string{"M0013", "M0004", "M0007"}, Papers: 30},
			{Ranking: []string{"M0007", "M0018", "M0013"}, Papers: 20},
			{Ranking: []string{"M0018", "M0007", "M0004"}, Papers: 15},
		}, d("2020-02-21"), d("2020-02-25"), "The list as the members ranked it.")

	// The mayoral candidate, selected in 2020 for the poll put back to 2021.
	selection(app.OpenSelectionInput{ID: "northport-mayor-2020", Procedure: "mayoral_selection", Contest: "Mayor of Northport, 2020", Unit: "northport-central",
		Date: d("2020-03-02"), Timetable: timetable("2020-03-02", "2020-03-20", "2020-04-06", "2020-04-17")},
		[][3]string{{"M0006", "M0003", "M0032"}, {"M0011", "M0012", "M0008"}},
		[]rulebook.BallotCount{{Ranking: []string{"M0006", "M0011"}, Papers: 48}, {Ranking: []string{"M0011", "M0006"}, Papers: 41}},
		d("2020-04-20"), d("2020-04-28"), "A valid ballot of the members of Northport Central.")
	at("2020-11-20 14:00")
	check(a.EndEndorsement(ctx, "northport-mayor-2020", "M0006", d("2020-11-19"), "nec",
		"The NEC withdrew the candidate's selection after she refused to stand on the Party's manifesto for the postponed poll.", true))
	selection(app.OpenSelectionInput{ID: "northport-mayor-2021", Procedure: "mayoral_selection", Contest: "Mayor of Northport, 2021", Unit: "northport-central",
		Date: d("2020-12-01"), Timetable: timetable("2020-12-01", "2020-12-18", "2021-01-11", "2021-01-22")},
		[][3]string{{"M0011", "M0012", "M0008"}, {"M0033", "M0005", "M0034"}},
		[]rulebook.BallotCount{{Ranking: []string{"M0011", "M0033"}, Papers: 52}, {Ranking: []string{"M0033", "M0011"}, Papers: 30}},
		d("2021-01-25"), d("2021-01-28"), "A valid ballot of the members of Northport Central, after the deselection of the candidate chosen in 2020.")
	if err != nil {
		return err
	}

	// 2021: the public elections. The statement of persons nominated for mayor
	// shows the deselected candidate standing as an independent, nominated by a
	// member, against the official candidate.
	at("2021-04-09 09:00")
	mayor := rulebook.PublicContest{ID: "northport-mayor-2021", Kind: rulebook.ContestSV, Title: "Mayor of Northport, 2021", Poll: d("2021-05-06"), Nominated: d("2021-04-08"),
		Previous: "northport-mayor-2016", Electorate: 176000, Rejected: 1120,
		Candidates: []rulebook.PublicCandidate{
			{Name: "Samir Holt", Party: "Labour", Member: "M0011"},
			{Name: "Edwin Marlow", Party: "Conservative"},
			{Name: "Aisha Penhallow", Party: "Independent", Member: "M0006", Nominators: []string{"M0003"}},
			{Name: "Lena Okafor", Party: "Green"},
		}}
	check(a.EnterElection(ctx, mayor, d("2021-04-08")))
	check(a.EnterElection(ctx, rulebook.PublicContest{ID: "northport-mayor-2016", Kind: rulebook.ContestSV, Title: "Mayor of Northport, 2016", Poll: d("2016-05-05"), Declared: true,
		Candidates: []rulebook.PublicCandidate{
			{Name: "Priya Castellan", Party: "Labour", Member: "M0002", Votes: 35000, Second: 5000},
			{Name: "Edwin Marlow", Party: "Conservative", Votes: 28000, Second: 3000},
			{Name: "Lena Okafor", Party: "Green", Votes: 8000},
			{Name: "Dev Anand", Party: "Liberal Democrats", Votes: 6000},
		}}, d("2016-05-06")))
	at("2021-04-09 11:00")
	cases, e := a.OpenElectionExclusions(ctx, "northport-mayor-2021", "compliance_unit", d("2021-04-09"))
	check(nil, e)
	at("2021-04-16 15:00")
	for _, c := range cases {
		step := discipline.Command{Transition: "confirm_exclusion", Date: d("2021-04-16"), Body: "general_secretary",
			Rationale: "Standing against the Party's official candidate is the conduct clause 2.I.4.B names; the statement of persons nominated is a public record."}
		if c.How != "stood" {
			step = discipline.Command{Transition: "decline_exclusion", Date: d("2021-04-16"), Body: "general_secretary",
				Rationale: "The member signed the nomination paper before the candidate's deselection was announced, and has since withdrawn his support in writing."}
		}
		check(a.TakeStep(ctx, c.Case, step))
	}

	// Polling day: the declarations, and the counts.
	at("2021-05-08 18:00")
	declared := mayor
	declared.Declared = true
	for i, v := range []struct{ first, second int64 }{{31200, 9650}, {24900, 5120}, {22400, 0}, {9800, 0}} {
		declared.Candidates[i].Votes, declared.Candidates[i].Second = v.first, v.second
	}
	check(a.EnterElection(ctx, declared, d("2021-05-08")))
	check(a.CountElection(ctx, "northport-mayor-2021", d("2021-05-08"), nil))
	for _, c := range []rulebook.PublicContest{
		{ID: "northport-central-2021", Kind: rulebook.ContestFPTP, Title: "Northport Central constituency, Assembly 2021", Poll: d("2021-05-06"), Declared: true,
			Wards: []string{"Harbour", "Castle", "Mill"},
			Candidates: []rulebook.PublicCandidate{
				{Name: "Ada Pennock", Party: "Conservative", Votes: 15100, Wards: []int64{4900, 5200, 5000}},
				{Name: "Martin Quell", Party: "Labour", Member: "M0007", Votes: 14800, Wards: []int64{5600, 4700, 4500}},
				{Name: "Lena Okafor", Party: "Green", Votes: 4100, Wards: []int64{1500, 1300, 1300}},
			}},
		{ID: "eastfield-2021", Kind: rulebook.ContestFPTP, Title: "Eastfield constituency, Assembly 2021", Poll: d("2021-05-06"), Declared: true,
			Candidates: []rulebook.PublicCandidate{
				{Name: "Fergus Almond", Party: "Labour", Member: "M0013", Votes: 17300},
				{Name: "Hugh Darby", Party: "Conservative", Votes: 13900},
				{Name: "Nell Ashworth", Party: "Liberal Democrats", Votes: 3500},
			}},
		{ID: "assembly-region-2021", Kind: rulebook.ContestAMS, Title: "Northport and Eastfield Assembly region, 2021", Poll: d("2021-05-06"), Declared: true,
			Seats: 4, Threshold: "5", Constituencies: []string{"northport-central-2021", "eastfield-2021"},
			Parties: []rulebook.PublicParty{
				{Name: "Labour", Votes: 42000},
				{Name: "Conservative", Votes: 38000, List: []string{"Ada Pennock", "Hugh Darby", "Rosa Fenwick"}},
				{Name: "Green", Votes: 13000, List: []string{"Lena Okafor", "Tam Reid"}},
				{Name: "Liberal Democrats", Votes: 6000, List: []string{"Nell Ashworth"}},
			}},
	} {
		check(a.EnterElection(ctx, c, d("2021-05-08")))
	}
	for _, id := range []string{"northport-central-2021", "eastfield-2021"} {
		check(a.CountElection(ctx, id, d("2021-05-08"), nil))
	}
	// The Party's list seats are filled from its endorsed list, in order.
	check(a.CountElection(ctx, "assembly-region-2021", d("2021-05-08"), map[string]string{"Labour": "assembly-list-2020"}))
	return err
}
