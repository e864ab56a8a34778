// Package demo loads a fictional organisation whose story mirrors a publicly
// reported one: a former mayor excluded in 2000 for standing against the official
// candidate, readmitted in 2004, the subject of a complaint in 2010 for appearing with
// a rival candidate, administratively suspended in 2016 for bringing the party into
// disrepute, sanctioned in 2017 with credit for time served, suspended again from the
// day the sanction ended, and resigning in 2018. Everyone in it is fictional.
//
// The story is played through the register service, as staff would enter it, with
// the clock set to the day each entry was made, so the record is bitemporal: some
// decisions were entered days after they took effect, one was entered weeks before.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

//go:embed members.csv
var membersCSV []byte

// Protagonist is the member whose story the demo tells.
const Protagonist = "M0001"

// Load plays the demo story into db, which must hold no members. rb must be the
// Labour-modelled example rule book, and source its text.
func Load(ctx context.Context, db *sqldb.DB, rb *rules.RuleBook, source []byte) error {
	at, restore, err := clockOn(ctx, db)
	if err != nil {
		return err
	}
	defer restore()
	d := rulebook.MustDate

	at("1999-12-01 09:00")
	svc, err := register.New(ctx, db, rb, source)
	if err != nil {
		return err
	}
	const staff = "membership.office"
	const gs = "general.secretary"
	p := &player{ctx: ctx, svc: svc}

	for _, u := range []rulebook.Unit{
		{ID: "northport-central", Name: "Northport Central CLP", Kind: "constituency"},
		{ID: "eastfield", Name: "Eastfield CLP", Kind: "constituency"},
		{ID: "harbour-ward", Name: "Harbour Ward branch", Kind: "branch", Parent: "northport-central"},
		{ID: "castle-ward", Name: "Castle Ward branch", Kind: "branch", Parent: "northport-central"},
		{ID: "mill-ward", Name: "Mill Ward branch", Kind: "branch", Parent: "northport-central"},
		{ID: "eastfield-ward", Name: "Eastfield Ward branch", Kind: "branch", Parent: "eastfield"},
		{ID: "greenway-ward", Name: "Greenway Ward branch", Kind: "branch", Parent: "eastfield"},
	} {
		p.do(svc.CreateUnit(ctx, staff, u, d("1999-12-01")))
	}
	// The legacy register, imported when the system started.
	if _, err := svc.Import(ctx, staff, bytes.NewReader(membersCSV), "demo/members.csv", nil); err != nil {
		return err
	}

	ds := discipline.New(svc)
	w := &worker{player: p, ds: ds}

	// 2000: stands as an independent for mayor against the official candidate. The
	// trigger is checked against the dated list of official candidates.
	at("2000-02-21 09:00")
	w.list(discipline.ListEntry{List: "official_candidates", ID: "northport-mayor-2000", Name: "Howard Pellow",
		About: "official candidate, Northport mayoral election of 4 May 2000", From: d("2000-02-20"), Until: d("2000-05-05")})
	at("2000-04-05 10:30")
	k := w.open(staff, discipline.OpenInput{ID: "X-2000-001", Kind: "exclusion", Respondent: Protagonist, Date: d("2000-04-05"), Conduct: d("2000-04-04"),
		Summary: "Announced and registered as an independent candidate for Mayor of Northport against the official candidate"})
	w.take("compliance.officer", k, discipline.Command{Transition: "propose_exclusion", Date: d("2000-04-05"), Body: "compliance_unit",
		Trigger:  &discipline.TriggerClaim{Trigger: "stood_against_official_candidate", Conduct: d("2000-04-04"), Entry: "northport-mayor-2000"},
		Evidence: []string{"nomination papers published by the returning officer, 4 April 2000", "press conference of 4 April 2000"}})
	w.take(gs, k, discipline.Command{Transition: "confirm_exclusion", Date: d("2000-04-05"), Body: "general_secretary",
		Rationale: "Standing against the official candidate is the conduct clause 2.I.4.B names; the nomination is a public record."})

	// 2002: an application for readmission, refused by the NEC 17 to 13.
	at("2002-06-10 11:00")
	k = w.open(staff, discipline.OpenInput{ID: "R-2002-001", Kind: "readmission", Respondent: Protagonist, Date: d("2002-06-10"), Summary: "Application for readmission"})
	at("2002-07-24 09:00")
	w.take("nec.secretary", k, discipline.Command{Transition: "refuse_readmission", Date: d("2002-07-23"), Body: "nec",
		Vote: &discipline.Vote{For: 13, Against: 17}, Rationale: "The NEC declined to shorten the five-year waiting period."})

	// 2004: a second application; the NEC shortens the bar and readmits.
	at("2003-12-16 10:00")
	k = w.open(staff, discipline.OpenInput{ID: "R-2003-001", Kind: "readmission", Respondent: Protagonist, Date: d("2003-12-16"), Summary: "Second application for readmission"})
	at("2004-01-07 11:00")
	// Shortening the wait alone would not let them take part: the qualifying periods
	// of membership are waived for the 2004 mayoral selection, with the reasons, as
	// the NEC readmits.
	for _, wo := range []discipline.WaiveOrder{
		{Action: "vote_in_selection", Clause: "5.I.2", Until: d("2005-01-01")},
		{Action: "stand_as_candidate", Clause: "5.I.3", Until: d("2005-01-01")},
	} {
		w.take("nec.secretary", k, discipline.Command{Transition: "exempt", Date: d("2004-01-06"), Body: "nec", Waive: &wo,
			Rationale: "Readmitted to allow participation in the 2004 mayoral selection: the qualifying period of membership is waived for it."})
	}
	w.take("nec.secretary", k, discipline.Command{Transition: "readmit", Date: d("2004-01-06"), Body: "nec", Shorten: true,
		Vote:      &discipline.Vote{For: 24, Against: 5},
		Rationale: "The applicant has undertaken to stand as the Party's candidate; the NEC shortens the waiting period to allow participation in the mayoral selection."})

	// 2009: a complaint heard by the NCC on one count, ending in expulsion.
	at("2009-02-02 10:00")
	p.complaint(staff, d("2009-02-02"), rulebook.ComplaintReceived{ID: "C-2009-001", Respondent: "M0022", Complainant: "M0008", From: "member", Via: "letter",
		Conduct: d("2009-01-29"), Clauses: []string{"2.I.8"}, Summary: "Assaulted another member at the Mill Ward branch meeting of 29 January 2009."})
	k = w.open(staff, discipline.OpenInput{ID: "D-2009-001", Kind: "complaint", Respondent: "M0022", Date: d("2009-02-02"), Complaints: []string{"C-2009-001"}})
	w.take("compliance.officer", k, discipline.Command{Transition: "acknowledge", Date: d("2009-02-03"), Body: "compliance_unit"})
	w.take("compliance.officer", k, discipline.Command{Transition: "investigate", Date: d("2009-02-09"), Body: "compliance_unit", Criteria: []string{"INV-BREACH"},
		Rationale: "An assault at a meeting, if it happened, is conduct grossly detrimental to the Party."})
	at("2009-03-02 09:15")
	p.join(staff, rulebook.Member{ID: "M0031", Name: "Ellis Farrow", Email: "ellis.farrow@example.org", Unit: "mill-ward", Joined: d("2009-03-01")})
	at("2009-03-20 10:00")
	w.take("compliance.officer", k, discipline.Command{Transition: "report", Date: d("2009-03-20"), Body: "compliance_unit"})
	w.take("nec.secretary", k, discipline.Command{Transition: "refer", Date: d("2009-04-01"), Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"},
		Rationale: "Three witnesses give consistent statements.", Charges: []discipline.Charge{{Count: 1, Clause: "2.I.8", Particulars: "On 29 January 2009 struck another member at a branch meeting."}}})
	w.take("ncc.clerk", k, discipline.Command{Transition: "list_hearing", Date: d("2009-04-20"), Body: "ncc", Panel: nccPanel("ncc-01", "ncc-04", "ncc-05"),
		Hearing: &discipline.Hearing{Date: d("2009-05-28"), Place: "Regional office, Northport"}})
	at("2009-06-02 16:00")
	w.take("ncc.clerk", k, discipline.Command{Transition: "record_findings", Date: d("2009-05-28"), Body: "ncc",
		Findings: []discipline.Finding{{Count: 1, Finding: "proved", Reasons: "The panel accepted the witnesses' evidence."}}})
	w.mitigation("ncc.clerk", k, d("2009-05-28"), "The respondent said he had been provoked.")
	w.take("ncc.clerk", k, discipline.Command{Transition: "impose_sanction", Date: d("2009-06-01"), Body: "ncc", Rationale: "Violence against a member is incompatible with membership.",
		Sanction: &discipline.SanctionOrder{Sanction: "expulsion"}})

	// 2010: selected as the mayoral candidate, then appears with an independent
	// standing against the official candidate in Eastfield. Two councillors who backed
	// the same independent are excluded; the proposed exclusion of the mayoral
	// candidate is declined, with reasons, on the record.
	at("2010-09-01 09:00")
	w.list(discipline.ListEntry{List: "official_candidates", ID: "eastfield-mayor-2010", Name: "Idris Malik",
		About: "official candidate, Eastfield mayoral election of 21 October 2010", From: d("2010-09-01"), Until: d("2010-10-22")})
	at("2010-10-22 10:00")
	p.complaint(staff, d("2010-10-22"), rulebook.ComplaintReceived{ID: "C-2010-001", Respondent: Protagonist, Complainant: "M0012", From: "member", Via: "letter",
		Conduct: d("2010-10-18"), Clauses: []string{"2.I.4.B"},
		Summary: "Appeared on a platform with and endorsed the independent candidate standing against the official candidate for Eastfield mayor."})
	k = w.open(staff, discipline.OpenInput{ID: "D-2010-001", Kind: "complaint", Respondent: Protagonist, Date: d("2010-10-22"), Complaints: []string{"C-2010-001"}})
	w.take("compliance.officer", k, discipline.Command{Transition: "acknowledge", Date: d("2010-10-22"), Body: "compliance_unit"})
	at("2010-10-26 12:00")
	for i, m := range []string{"M0020", "M0021"} {
		x := w.open(staff, discipline.OpenInput{ID: fmt.Sprintf("X-2010-%03d", i+1), Kind: "exclusion", Respondent: m, Date: d("2010-10-25"), Conduct: d("2010-10-18"),
			Summary: "Campaigned for the independent candidate standing against the official candidate for Eastfield mayor"})
		w.take("compliance.officer", x, discipline.Command{Transition: "propose_exclusion", Date: d("2010-10-25"), Body: "compliance_unit",
			Trigger:  &discipline.TriggerClaim{Trigger: "supported_candidate_against_official", Conduct: d("2010-10-18"), Entry: "eastfield-mayor-2010"},
			Evidence: []string{"leaflets bearing the councillor's endorsement", "photographs of street stalls, 16 and 18 October 2010"}})
		w.take(gs, x, discipline.Command{Transition: "confirm_exclusion", Date: d("2010-10-25"), Body: "general_secretary",
			Rationale: "Campaigning for the independent candidate is support within clause 2.I.4.B."})
	}
	w.take("compliance.officer", k, discipline.Command{Transition: "propose_exclusion", Date: d("2010-10-26"), Body: "compliance_unit",
		Trigger:  &discipline.TriggerClaim{Trigger: "supported_candidate_against_official", Conduct: d("2010-10-18"), Entry: "eastfield-mayor-2010"},
		Evidence: []string{"video of the rally of 18 October 2010"}})
	at("2010-10-29 15:00")
	w.take(gs, k, discipline.Command{Transition: "decline_exclusion", Date: d("2010-10-29"), Body: "general_secretary",
		Rationale: "The General Secretary judged that sharing a platform did not amount to support within clause 2.I.4.B. Two councillors were excluded on the same day for campaigning for the same candidate."})

	// 2012: a lapse entered in error, then corrected; the record keeps both.
	at("2012-01-05 09:00")
	lapse := p.status(staff, "M0017", d("2012-01-01"), rulebook.StatusChange{Status: "lapsed", Decision: rulebook.Decision{
		Body: "membership_office", Clause: "2.II.4", Reason: "subscription more than six months in arrears"}}, 0)
	at("2012-02-01 14:00")
	p.do(svc.Correct(ctx, staff, lapse.ID, "the subscription had been paid by standing order; the lapse was entered in error"))

	// 2013: a trigger ballot on a sitting mayor, and a selection by electoral college.
	if err := collegeSelection(ctx, svc, at); err != nil {
		return err
	}

	// 2014: barred from holding office for two years by a disputes panel decision.
	at("2014-03-03 10:00")
	p.do(svc.Restrict(ctx, "nec.secretary", "M0009", d("2014-03-01"), rulebook.RightsRestricted{Rights: map[string]bool{"hold_office": false},
		Until: d("2016-03-01"), Decision: rulebook.Decision{Body: "nec_disputes_panel", Clause: "2.I.8", Reason: "misuse of branch funds while treasurer"}}))

	at("2015-11-21 09:00")
	p.join(staff, rulebook.Member{ID: "M0032", Name: "Dana Whitlock", Email: "dana.whitlock@example.org", Unit: "harbour-ward", Joined: d("2015-11-20")})
	at("2016-02-11 09:00")
	p.join(staff, rulebook.Member{ID: "M0033", Name: "Jonah Pryce", Unit: "castle-ward", Joined: d("2016-02-10")})

	// 2016: remarks in a radio interview; the General Secretary raises a complaint
	// and suspends the member administratively the same day.
	at("2016-04-28 15:20")
	p.complaint(gs, d("2016-04-28"), rulebook.ComplaintReceived{ID: "C-2016-001", Respondent: Protagonist, Complainant: "General Secretary", From: "general_secretary", Via: "email",
		Conduct: d("2016-04-28"), Clauses: []string{"2.I.8"},
		Summary: "Remarks in a radio interview, repeated in later broadcasts, said to bring the Party into disrepute."})
	k = w.open(staff, discipline.OpenInput{ID: "D-2016-001", Kind: "complaint", Respondent: Protagonist, Date: d("2016-04-28"), Complaints: []string{"C-2016-001"}})
	w.take("compliance.officer", k, discipline.Command{Transition: "acknowledge", Date: d("2016-04-28"), Body: "compliance_unit"})
	at("2016-04-28 17:45")
	w.take(gs, k, discipline.Command{Transition: "investigate_and_suspend", Date: d("2016-04-28"), Body: "general_secretary", Criteria: []string{"SUSP-SERIOUS"},
		Rationale: "The remarks, if found to bring the Party into disrepute, could warrant expulsion; the member holds no office but is a prominent representative."})
	// Letters from members demanding expulsion: one matter, several complainants.
	for i, c := range []struct{ id, who, from, via, when string }{
		{"C-2016-002", "M0005", "member", "letter", "2016-05-03"},
		{"C-2016-003", "M0014", "member", "email", "2016-05-04"},
		{"C-2016-004", "A. Reader (not a member)", "public", "form", "2016-05-09"},
	} {
		at(c.when + fmt.Sprintf(" %02d:00", 10+i))
		p.complaint(staff, d(c.when), rulebook.ComplaintReceived{ID: c.id, Respondent: Protagonist, Complainant: c.who, From: c.from, Via: c.via,
			Conduct: d("2016-04-28"), Clauses: []string{"2.I.8"}, Summary: "Demands the member's expulsion for the remarks of 28 April 2016."})
		w.link(staff, k, c.id, d(c.when))
	}
	// The complainants' identities are withheld from the respondent, a decision in
	// the case with its reason.
	at("2016-05-10 09:30")
	for _, who := range []string{"General Secretary", "M0005", "M0014", "A. Reader (not a member)"} {
		w.withhold(staff, k, d("2016-05-10"), discipline.Withholding{Person: who,
			Reason: "complainants in this case have been named and harassed online by the respondent's supporters"})
	}
	at("2016-05-12 16:00")
	w.contact(staff, k, d("2016-05-12"), discipline.ContactData{From: "Office of the Party Leader", Role: "no role in the case", Channel: "telephone",
		Summary: "Asked when the case would be decided and said an early decision would help the campaign."})
	at("2016-06-16 09:00")
	p.join(staff, rulebook.Member{ID: "M0034", Name: "Amira Solberg", Email: "amira.solberg@example.org", Unit: "harbour-ward", Joined: d("2016-06-15")})
	// A suspension decision that narrows the defaults: no vote in the leadership ballot.
	at("2016-07-20 11:00")
	p.complaint(staff, d("2016-07-20"), rulebook.ComplaintReceived{ID: "C-2016-005", Respondent: "M0025", Complainant: "M0004", From: "member", Via: "email",
		Conduct: d("2016-07-18"), Clauses: []string{"2.I.8"}, Summary: "Abusive messages to a councillor."})
	k25 := w.open(staff, discipline.OpenInput{ID: "D-2016-002", Kind: "complaint", Respondent: "M0025", Date: d("2016-07-20"), Complaints: []string{"C-2016-005"}})
	w.take("compliance.officer", k25, discipline.Command{Transition: "acknowledge", Date: d("2016-07-20"), Body: "compliance_unit"})
	at("2016-07-21 12:00")
	w.take(gs, k25, discipline.Command{Transition: "investigate_and_suspend", Date: d("2016-07-20"), Body: "general_secretary", Criteria: []string{"SUSP-RISK"},
		Rationale: "Continuing messages to the councillor; the NEC has decided suspended members may not vote in the leadership ballot.",
		Suspend:   &discipline.SuspendOrder{From: d("2016-07-20"), Rights: map[string]bool{"vote_in_all_member_ballot": false}}})

	p.selectionsOf2016(at)
	at("2016-10-20 10:00")
	w.take(gs, k, discipline.Command{Transition: "review_suspension", Date: d("2016-10-20"), Body: "general_secretary",
		Rationale: "The investigation continues; the reasons for the suspension stand."})
	at("2016-12-14 10:00")
	w.take("compliance.officer", k, discipline.Command{Transition: "report", Date: d("2016-12-14"), Body: "compliance_unit"})
	at("2017-01-24 18:00")
	w.take("nec.secretary", k, discipline.Command{Transition: "refer", Date: d("2017-01-24"), Body: "nec_disputes_panel", Criteria: []string{"REF-PRIMA-FACIE"},
		Rationale: "The recorded remarks and their repetition make out a prima facie case on three counts.",
		Charges: []discipline.Charge{
			{Count: 1, Clause: "2.I.8", Particulars: "Remarks in a radio interview on 28 April 2016."},
			{Count: 2, Clause: "2.I.8", Particulars: "Repetition of the remarks in broadcast interviews on 28 and 29 April 2016."},
			{Count: 3, Clause: "2.I.8", Particulars: "Further remarks to the press on 30 April 2016."},
		}})
	at("2017-02-10 12:00")
	w.conflict("ncc.clerk", k, d("2017-02-10"), discipline.Conflict{Person: "ncc-07", Reason: "publicly called for the respondent's expulsion in May 2016"})
	at("2017-03-10 12:00")
	w.take("ncc.clerk", k, discipline.Command{Transition: "list_hearing", Date: d("2017-03-10"), Body: "ncc", Panel: nccPanel("ncc-02", "ncc-05", "ncc-09"),
		Hearing: &discipline.Hearing{Date: d("2017-03-30"), Place: "Church House, Westminster"}})

	// 2017: the hearing body finds three counts proved and, after mitigation,
	// suspends the member from office and representation for two years, crediting
	// the time served since April 2016.
	at("2017-04-04 17:00")
	w.take("ncc.clerk", k, discipline.Command{Transition: "record_findings", Date: d("2017-04-04"), Body: "ncc", Findings: []discipline.Finding{
		{Count: 1, Finding: "proved"}, {Count: 2, Finding: "proved"}, {Count: 3, Finding: "proved"}}})
	w.mitigation("ncc.clerk", k, d("2017-04-04"), "Long service to the Party; the member maintained the remarks were historically accurate.")
	at("2017-04-04 18:10")
	w.take("ncc.clerk", k, discipline.Command{Transition: "impose_sanction", Date: d("2017-04-04"), Body: "ncc",
		Rationale: "Three counts of conduct grossly detrimental to the Party; two years, with credit for time served since 28 April 2016.",
		Sanction: &discipline.SanctionOrder{Sanction: "suspension_office_representation", From: d("2017-04-04"), Until: d("2018-04-27"),
			Factors: []string{"AGG-PUBLIC", "AGG-REPEATED", "MIT-SERVED"}}})
	// NEC members demand a review: recorded, and answered as not permitted.
	at("2017-04-11 10:00")
	w.take("nec.secretary", k, discipline.Command{Transition: "review", Date: d("2017-04-11"), Body: "nec_officers",
		Rationale: "Thirty NEC members ask that the NCC's sanction be reviewed as too lenient."})

	// 2018: new complaints open a new case, linked to the first; a new administrative
	// suspension, decided in March, starts the day the sanction ends. The member
	// resigns while under investigation.
	at("2018-03-15 16:00")
	p.complaint(staff, d("2018-03-15"), rulebook.ComplaintReceived{ID: "C-2018-001", Respondent: Protagonist, Complainant: "M0014", From: "member", Via: "email",
		Conduct: d("2018-03-02"), Clauses: []string{"2.I.8"}, Summary: "Repeated the remarks for which the member was sanctioned, in a newspaper interview."})
	k18 := w.open(staff, discipline.OpenInput{ID: "D-2018-001", Kind: "complaint", Respondent: Protagonist, Date: d("2018-03-15"), Complaints: []string{"C-2018-001"}, Linked: []string{"D-2016-001"}})
	w.take("compliance.officer", k18, discipline.Command{Transition: "acknowledge", Date: d("2018-03-15"), Body: "compliance_unit"})
	at("2018-03-15 16:30")
	w.take(gs, k18, discipline.Command{Transition: "investigate_and_suspend", Date: d("2018-03-15"), Body: "general_secretary", Criteria: []string{"SUSP-SERIOUS"},
		Rationale: "Further complaints under investigation; the suspension takes effect when the NCC sanction ends.",
		Suspend:   &discipline.SuspendOrder{From: d("2018-04-27")}})
	at("2018-05-21 12:00")
	w.take(staff, k18, discipline.Command{Transition: "respondent_resigned", Date: d("2018-05-21"), Body: "membership_office", Rationale: "Resigned by letter while under investigation."})
	if p.err == nil {
		p.err = selectionsAndElections(ctx, svc, at) // 2020-21: a list, a deselection, and the public elections
	}
	return p.err
}

// clockOn checks db holds no members and sets its clock to the moments a story's
// entries were made (at "2006-01-02 15:04"), so the record is bitemporal as it would
// be; restore puts the real clock back.
func clockOn(ctx context.Context, db *sqldb.DB) (at func(string), restore func(), err error) {
	if n, err := db.CountMembers(ctx); err != nil {
		return nil, nil, err
	} else if n > 0 {
		return nil, nil, fmt.Errorf("the database already holds %d members: load the demo into an empty database", n)
	}
	realNow := db.Now
	var clock time.Time
	db.Now = func() time.Time { return clock }
	at = func(s string) {
		t, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			panic(err)
		}
		clock = t.UTC()
	}
	return at, func() { db.Now = realNow }, nil
}

// nccPanel draws a panel from the NCC's members (fictional), by id.
func nccPanel(ids ...string) *discipline.Panel {
	pool := map[string]discipline.PanelMember{
		"ncc-01": {ID: "ncc-01", Name: "Alun Rees", Section: "trade_union"},
		"ncc-02": {ID: "ncc-02", Name: "Ann Ryder", Section: "trade_union"},
		"ncc-04": {ID: "ncc-04", Name: "Grace Obi", Section: "clp"},
		"ncc-05": {ID: "ncc-05", Name: "Basil Coombe", Section: "clp"},
		"ncc-07": {ID: "ncc-07", Name: "Dermot Hale", Section: "clp"},
		"ncc-09": {ID: "ncc-09", Name: "Carys Lund", Section: "clp"},
	}
	p := &discipline.Panel{Body: "ncc"}
	for _, id := range ids {
		p.Members = append(p.Members, pool[id])
	}
	return p
}

// worker plays the disciplinary steps of the story.
type worker struct {
	*player
	ds *discipline.Service
}

func (w *worker) open(actor string, in discipline.OpenInput) string {
	if w.err != nil {
		return in.ID
	}
	o, err := w.ds.Open(w.ctx, actor, in)
	if err != nil {
		w.err = fmt.Errorf("demo: open %s: %w", in.ID, err)
		return in.ID
	}
	return o.Case.ID
}

func (w *worker) take(actor, id string, cmd discipline.Command) {
	if w.err != nil {
		return
	}
	if _, err := w.ds.Take(w.ctx, actor, id, cmd); err != nil {
		w.err = fmt.Errorf("demo: case %s: %s on %s: %w", id, cmd.Transition, cmd.Date, err)
	}
}

func (w *worker) link(actor, id, complaint string, date rulebook.Date) {
	if w.err == nil {
		_, w.err = w.ds.Link(w.ctx, actor, id, complaint, date)
	}
}

func (w *worker) withhold(actor, id string, date rulebook.Date, wh discipline.Withholding) {
	if w.err == nil {
		_, w.err = w.ds.WithholdIdentity(w.ctx, actor, id, date, wh)
	}
}

func (w *worker) mitigation(actor, id string, date rulebook.Date, s string) {
	if w.err == nil {
		_, w.err = w.ds.HearMitigation(w.ctx, actor, id, date, s)
	}
}

func (w *worker) conflict(actor, id string, date rulebook.Date, c discipline.Conflict) {
	if w.err == nil {
		_, w.err = w.ds.DeclareConflict(w.ctx, actor, id, date, c)
	}
}

func (w *worker) contact(actor, id string, date rulebook.Date, c discipline.ContactData) {
	if w.err == nil {
		_, w.err = w.ds.LogContact(w.ctx, actor, id, date, c)
	}
}

func (w *worker) list(e discipline.ListEntry) { w.listBy("membership.office", e) }

func (w *worker) listBy(actor string, e discipline.ListEntry) {
	if w.err == nil {
		_, w.err = w.ds.AddListEntry(w.ctx, actor, e)
	}
}

// player stops at the first error, so the story reads as a list of steps.
type player struct {
	ctx context.Context
	svc *register.Service
	err error
}

func (p *player) do(e *rulebook.Event, err error) *rulebook.Event {
	if err != nil && p.err == nil {
		p.err = err
	}
	return e
}

func (p *player) status(actor, id string, from rulebook.Date, ch rulebook.StatusChange, credit rulebook.Date) *rulebook.Event {
	if p.err != nil {
		return &rulebook.Event{}
	}
	e, err := p.svc.ChangeStatus(p.ctx, actor, id, from, ch, credit)
	if err != nil {
		p.err = fmt.Errorf("demo: %s → %s on %s: %w", id, ch.Status, from, err)
		return &rulebook.Event{}
	}
	return e
}

func (p *player) join(actor string, m rulebook.Member) {
	if p.err == nil {
		p.do(p.svc.Join(p.ctx, actor, m, ""))
	}
}

func (p *player) complaint(actor string, received rulebook.Date, c rulebook.ComplaintReceived) {
	if p.err == nil {
		p.do(p.svc.ReceiveComplaint(p.ctx, actor, received, c))
	}
}
