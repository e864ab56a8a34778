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
	if n, err := db.CountMembers(ctx); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("the database already holds %d members: load the demo into an empty database", n)
	}
	realNow := db.Now
	defer func() { db.Now = realNow }()
	var clock time.Time
	db.Now = func() time.Time { return clock }
	at := func(s string) {
		t, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			panic(err)
		}
		clock = t.UTC()
	}
	d := rulebook.MustDate

	at("1999-12-01 09:00")
	svc, err := register.New(ctx, db, rb, source)
	if err != nil {
		return err
	}
	const staff = "membership.office"
	const gs = "general.secretary"
	p := &player{ctx: ctx, svc: svc}

	for _, b := range []rulebook.Branch{
		{ID: "northport-central", Name: "Northport Central CLP", Kind: "constituency"},
		{ID: "eastfield", Name: "Eastfield CLP", Kind: "constituency"},
		{ID: "harbour-ward", Name: "Harbour Ward branch", Kind: "branch", Parent: "northport-central"},
		{ID: "castle-ward", Name: "Castle Ward branch", Kind: "branch", Parent: "northport-central"},
		{ID: "mill-ward", Name: "Mill Ward branch", Kind: "branch", Parent: "northport-central"},
		{ID: "eastfield-ward", Name: "Eastfield Ward branch", Kind: "branch", Parent: "eastfield"},
		{ID: "greenway-ward", Name: "Greenway Ward branch", Kind: "branch", Parent: "eastfield"},
	} {
		p.do(svc.CreateBranch(ctx, staff, b, d("1999-12-01")))
	}
	// The legacy register, imported when the system started.
	if _, err := svc.Import(ctx, staff, bytes.NewReader(membersCSV), "demo/members.csv", nil); err != nil {
		return err
	}

	// 2000: stands as an independent for mayor against the official candidate.
	at("2000-04-05 10:30")
	p.status(gs, Protagonist, d("2000-04-04"), rulebook.StatusChange{Status: "auto_excluded", Decision: rulebook.Decision{
		Body: "general_secretary", Clause: "2.I.4.B",
		Reason: "stood as an independent candidate for Mayor of Northport against the official Party candidate"}}, 0)

	// 2004: readmitted three years into the five-year bar; the NEC shortened it.
	at("2004-01-07 11:00")
	p.status("nec.secretary", Protagonist, d("2004-01-06"), rulebook.StatusChange{Status: "active", Decision: rulebook.Decision{
		Body: "nec", Clause: "6.I.2", Reason: "readmitted by vote of the NEC, which shortened the five-year waiting period"}}, 0)

	at("2009-03-02 09:15")
	p.join(staff, rulebook.Member{ID: "M0031", Name: "Ellis Farrow", Email: "ellis.farrow@example.org", Branch: "mill-ward", Constituency: "northport-central", Joined: d("2009-03-01")})

	// 2009: an expulsion by the hearing body.
	at("2009-06-02 16:00")
	p.status("ncc.clerk", "M0022", d("2009-06-01"), rulebook.StatusChange{Status: "expelled", Decision: rulebook.Decision{
		Body: "ncc", Clause: "6.I.1.C", Sanction: "expulsion", Reason: "charge of violent conduct at a branch meeting found proved"}}, 0)

	// 2010: selected as the mayoral candidate, then appears with an independent
	// standing against an official candidate. Two councillors who backed the same
	// independent are excluded; no action is taken against the mayoral candidate.
	at("2010-10-22 10:00")
	p.complaint(staff, d("2010-10-22"), rulebook.ComplaintReceived{ID: "C-2010-001", Respondent: Protagonist, Complainant: "M0012", From: "member", Via: "letter",
		Conduct: d("2010-10-18"), Clauses: []string{"2.I.4.B"},
		Summary: "Appeared on a platform with and endorsed the independent candidate standing against the official candidate for Eastfield mayor."})
	at("2010-10-26 12:00")
	for _, m := range []string{"M0020", "M0021"} {
		p.status(gs, m, d("2010-10-25"), rulebook.StatusChange{Status: "auto_excluded", Decision: rulebook.Decision{
			Body: "general_secretary", Clause: "2.I.4.B", Reason: "supported the independent candidate standing against the official candidate for Eastfield mayor"}}, 0)
	}

	// 2012: a lapse entered in error, then corrected; the record keeps both.
	at("2012-01-05 09:00")
	lapse := p.status(staff, "M0017", d("2012-01-01"), rulebook.StatusChange{Status: "lapsed", Decision: rulebook.Decision{
		Body: "membership_office", Clause: "2.II.4", Reason: "subscription more than six months in arrears"}}, 0)
	at("2012-02-01 14:00")
	p.do(svc.Correct(ctx, staff, lapse.ID, "the subscription had been paid by standing order; the lapse was entered in error"))

	// 2014: barred from holding office for two years by a disputes panel decision.
	at("2014-03-03 10:00")
	p.do(svc.Restrict(ctx, "nec.secretary", "M0009", d("2014-03-01"), rulebook.RightsRestricted{Rights: map[string]bool{"hold_office": false},
		Until: d("2016-03-01"), Decision: rulebook.Decision{Body: "nec_disputes_panel", Clause: "2.I.8", Reason: "misuse of branch funds while treasurer"}}))

	at("2015-11-21 09:00")
	p.join(staff, rulebook.Member{ID: "M0032", Name: "Dana Whitlock", Email: "dana.whitlock@example.org", Branch: "harbour-ward", Constituency: "northport-central", Joined: d("2015-11-20")})
	at("2016-02-11 09:00")
	p.join(staff, rulebook.Member{ID: "M0033", Name: "Jonah Pryce", Branch: "castle-ward", Constituency: "northport-central", Joined: d("2016-02-10")})

	// 2016: remarks in a radio interview; administrative suspension the same day.
	at("2016-04-28 15:20")
	p.complaint(gs, d("2016-04-28"), rulebook.ComplaintReceived{ID: "C-2016-001", Respondent: Protagonist, Complainant: "General Secretary", From: "general_secretary", Via: "email",
		Conduct: d("2016-04-28"), Clauses: []string{"2.I.8"},
		Summary: "Remarks in a radio interview, repeated in later broadcasts, said to bring the Party into disrepute."})
	at("2016-04-28 17:45")
	p.status(gs, Protagonist, d("2016-04-28"), rulebook.StatusChange{Status: "admin_suspended", Decision: rulebook.Decision{
		Body: "general_secretary", Clause: "6.I.1.B", Case: "C-2016-001",
		Reason: "pending investigation of conduct bringing the Party into disrepute (2.I.8)"}}, 0)
	// Letters from members demanding expulsion: one matter, several complainants.
	for i, c := range []struct{ id, who, from, via, when string }{
		{"C-2016-002", "M0005", "member", "letter", "2016-05-03"},
		{"C-2016-003", "M0014", "member", "email", "2016-05-04"},
		{"C-2016-004", "A. Reader (not a member)", "public", "form", "2016-05-09"},
	} {
		at(c.when + fmt.Sprintf(" %02d:00", 10+i))
		p.complaint(staff, d(c.when), rulebook.ComplaintReceived{ID: c.id, Respondent: Protagonist, Complainant: c.who, From: c.from, Via: c.via,
			Conduct: d("2016-04-28"), Clauses: []string{"2.I.8"}, Summary: "Demands the member's expulsion for the remarks of 28 April 2016."})
	}
	at("2016-06-16 09:00")
	p.join(staff, rulebook.Member{ID: "M0034", Name: "Amira Solberg", Email: "amira.solberg@example.org", Branch: "harbour-ward", Constituency: "northport-central", Joined: d("2016-06-15")})
	// A suspension decision that narrows the defaults: no vote in the leadership ballot.
	at("2016-07-21 12:00")
	p.status(gs, "M0025", d("2016-07-20"), rulebook.StatusChange{Status: "admin_suspended", Rights: map[string]bool{"vote_in_all_member_ballot": false},
		Decision: rulebook.Decision{Body: "general_secretary", Clause: "6.I.1.B", Reason: "abusive messages to a councillor; the NEC decided suspended members may not vote in the leadership ballot"}}, 0)

	// 2017: the hearing body finds three counts proved: suspension from office and
	// representation for two years, crediting the time served since April 2016.
	at("2017-04-04 18:10")
	p.status("ncc.clerk", Protagonist, d("2017-04-04"), rulebook.StatusChange{Status: "sanction_suspended", Until: d("2018-04-27"), Then: "active",
		Decision: rulebook.Decision{Body: "ncc", Clause: "6.I.1.D", Sanction: "suspension_office_representation", Case: "C-2016-001",
			Reason: "three counts of conduct grossly detrimental to the Party (2.I.8) found proved; two years, with credit for time served since 28 April 2016"}},
		d("2016-04-28"))

	// 2018: a new administrative suspension, decided in March, to start the day the
	// sanction ends; then the member resigns while under investigation.
	at("2018-03-15 16:30")
	p.status(gs, Protagonist, d("2018-04-27"), rulebook.StatusChange{Status: "admin_suspended", Decision: rulebook.Decision{
		Body: "general_secretary", Clause: "6.I.1.B", Reason: "further complaints under investigation; to take effect when the NCC sanction ends"}}, 0)
	at("2018-05-21 12:00")
	p.status(Protagonist, Protagonist, d("2018-05-21"), rulebook.StatusChange{Status: "resigned", Decision: rulebook.Decision{
		Body: "member", Clause: "6.I.4", Reason: "resigned while under investigation"}}, 0)
	return p.err
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
