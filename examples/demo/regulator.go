package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Story is a demo organisation: the example rule book it runs under, the story
// played into the register and cases, and its accounts.
type Story struct {
	// RuleBook is the example rule book's file name (in package examples).
	RuleBook    string
	Title       string
	Protagonist string
	Load        func(ctx context.Context, db *sqldb.DB, rb *rules.RuleBook, source []byte) error
	Accounts    []Account
}

// Stories are the demo organisations, the first the default.
var Stories = []*Story{
	{RuleBook: "labour-2016.yaml", Title: "a political party (Labour-modelled, 2000–2018)", Protagonist: Protagonist, Load: Load, Accounts: Accounts},
	{RuleBook: "regulator-2020.yaml", Title: "a professional regulator (2020–2023)", Protagonist: RegulatorProtagonist, Load: LoadRegulator, Accounts: RegulatorAccounts},
}

// Find returns the story for an example rule book's file name.
func Find(ruleBook string) (*Story, error) {
	var names []string
	for _, s := range Stories {
		if s.RuleBook == ruleBook {
			return s, nil
		}
		names = append(names, "example:"+s.RuleBook)
	}
	return nil, fmt.Errorf("there is no demo story for %s: the demos run under %s", ruleBook, strings.Join(names, ", "))
}

// RegulatorProtagonist is the Fellow whose case the regulator's demo follows.
const RegulatorProtagonist = "R0001"

// RegulatorAccounts are the regulator demo's accounts.
var RegulatorAccounts = []Account{
	{app.AccountInput{Name: "admin", Display: "Alex Admin", Roles: []string{rulebook.RoleAdministrator}}, "manages accounts; sees no case"},
	{app.AccountInput{Name: "rhian", Display: "Rhian Poole", Roles: []string{"registrar"}}, "Registrar's office: receives allegations, runs every case, the register"},
	{app.AccountInput{Name: "ivor", Display: "Ivor Stead", Roles: []string{"investigating_committee"}}, "Investigating Committee: interim orders, referrals"},
	{app.AccountInput{Name: "tara", Display: "Tara Quinn", Roles: []string{"tribunal_clerk"}}, "Tribunal clerk: empanels, lists hearings, records decisions"},
	{app.AccountInput{Name: "leah", Display: "Leah Amos", Section: "lay", Roles: []string{"tribunal_panel"}}, "Tribunal lay member"},
	{app.AccountInput{Name: "bram", Display: "Bram Kell", Member: "R0009", Section: "registrant", Roles: []string{"tribunal_panel", rulebook.RoleMember}}, "Tribunal registrant member"},
	{app.AccountInput{Name: "abby", Display: "Abigail Frost", Roles: []string{"appeal_board"}}, "Appeal Board: appeals against the Tribunal"},
	{app.AccountInput{Name: "cora", Display: "Cora Lyle", Roles: []string{"council"}}, "Council: restoration to the register, exemptions"},
	{app.AccountInput{Name: "ruth", Display: "Ruth Ellery", Roles: []string{rulebook.RoleAuditor}}, "auditor: reads everything, changes nothing"},
	{app.AccountInput{Name: "imogen", Display: "Imogen Vale", Member: RegulatorProtagonist, Roles: []string{rulebook.RoleMember}}, "a respondent Fellow: fined and reprimanded, restored as a Fellow"},
	{app.AccountInput{Name: "owen", Display: "Owen Pryce", Member: "R0002", Roles: []string{rulebook.RoleMember}}, "a respondent whose striking off was varied on appeal"},
}

// LoadRegulator plays the regulator's story into db, which must hold no members.
// rb must be the regulator example rule book and source its text.
//
// A Fellow is put under an interim order, then fined with a reprimand: the order
// ends and she is a Fellow again. A registrant struck off for dishonesty appeals,
// and the Appeal Board substitutes a year's suspension counted from the decision.
// A third, struck off a year earlier, applies for restoration after thirteen months
// and is refused: the five-year bar governs, not the general one-year wait.
func LoadRegulator(ctx context.Context, db *sqldb.DB, rb *rules.RuleBook, source []byte) error {
	at, restore, err := clockOn(ctx, db)
	if err != nil {
		return err
	}
	defer restore()
	d := rulebook.MustDate
	at("2020-01-02 09:00")
	svc, err := register.New(ctx, db, rb, source)
	if err != nil {
		return err
	}
	const registrar = "registrar.office"
	p := &player{ctx: ctx, svc: svc}
	// Registrants are listed by the region of their registered address.
	regions := []string{"north", "south"}
	for _, u := range []rulebook.Unit{{ID: "north", Name: "Northern Region"}, {ID: "south", Name: "Southern Region"}} {
		u.Kind = "region"
		p.do(svc.CreateUnit(ctx, registrar, u, d("2020-01-01")))
	}
	for i, m := range []rulebook.Member{
		{Name: "Imogen Vale", Email: "imogen.vale@example.org"},
		{Name: "Owen Pryce", Email: "owen.pryce@example.org"},
		{Name: "Gareth Moss", Email: "gareth.moss@example.org"},
		{Name: "Sunita Ray", Email: "sunita.ray@example.org"},
		{Name: "Hal Brennan", Email: "hal.brennan@example.org"},
		{Name: "Mina Okafor", Email: "mina.okafor@example.org"},
		{Name: "Piers Lindqvist", Email: "piers.lindqvist@example.org"},
		{Name: "Zara Whitcombe", Email: "zara.whitcombe@example.org"},
		{Name: "Bram Kell", Email: "bram.kell@example.org"},
		{Name: "Nell Ashby", Email: "nell.ashby@example.org"},
	} {
		m.ID = fmt.Sprintf("R%04d", i+1)
		m.Joined = d("2020-01-02")
		m.Unit = regions[i%2]
		p.join(registrar, m)
	}
	at("2021-01-05 10:00")
	p.status(registrar, RegulatorProtagonist, d("2021-01-04"), rulebook.StatusChange{Status: "fellow", Decision: rulebook.Decision{Body: "council", Reason: "elected a Fellow of the Council"}}, 0)

	ds := discipline.New(svc)
	w := &worker{player: p, ds: ds}
	panel := &discipline.Panel{Body: "tribunal", Members: []discipline.PanelMember{
		{ID: "lay-01", Name: "Leah Amos", Section: "lay"},
		{ID: "R0009", Name: "Bram Kell", Section: "registrant"},
		{ID: "R0010", Name: "Nell Ashby", Section: "registrant"},
	}}
	gbp := func(minor int64) rulebook.Money { return rulebook.Money{Currency: "GBP", Minor: minor} }
	// The Tribunal's roster, and the training each panel member has completed.
	for _, e := range []discipline.ListEntry{
		{List: "tribunal_roster", ID: "roster-lay-01", Name: "Leah Amos", Member: "lay-01", Section: "lay", From: d("2020-01-02")},
		{List: "tribunal_roster", ID: "roster-R0009", Name: "Bram Kell", Member: "R0009", Section: "registrant", From: d("2020-01-02")},
		{List: "tribunal_roster", ID: "roster-R0010", Name: "Nell Ashby", Member: "R0010", Section: "registrant", From: d("2020-01-02")},
		{List: "tribunal_training", ID: "training-lay-01-2020", Name: "Tribunal induction", Member: "lay-01", From: d("2020-02-03"), Until: d("2022-02-03")},
		{List: "tribunal_training", ID: "training-lay-01-2022", Name: "Tribunal refresher", Member: "lay-01", From: d("2022-01-17"), Until: d("2024-01-17")},
		{List: "tribunal_training", ID: "training-R0009-2020", Name: "Tribunal induction", Member: "R0009", From: d("2020-02-03"), Until: d("2022-02-03")},
		{List: "tribunal_training", ID: "training-R0009-2022", Name: "Tribunal refresher", Member: "R0009", From: d("2022-01-17"), Until: d("2024-01-17")},
		{List: "tribunal_training", ID: "training-R0010-2020", Name: "Tribunal induction", Member: "R0010", From: d("2020-02-03"), Until: d("2022-02-03")},
		{List: "tribunal_training", ID: "training-R0010-2022", Name: "Tribunal refresher", Member: "R0010", From: d("2022-01-24"), Until: d("2024-01-24")},
	} {
		w.listBy(registrar, e)
	}

	// 2021: Gareth Moss, struck off for falsifying valuations.
	at("2021-01-11 09:30")
	p.complaint(registrar, d("2021-01-11"), rulebook.ComplaintReceived{ID: "A-2021-001", Respondent: "R0003", Complainant: "Northshire Building Society (not a registrant)", From: "public", Via: "letter",
		Conduct: d("2020-11-30"), Clauses: []string{"5.1"}, Summary: "Valuations for a lender were inflated on three properties."})
	k := w.open(registrar, discipline.OpenInput{ID: "F-2021-001", Kind: "complaint", Respondent: "R0003", Date: d("2021-01-11"), Complaints: []string{"A-2021-001"}})
	w.take(registrar, k, discipline.Command{Transition: "acknowledge", Date: d("2021-01-12"), Body: "registrar"})
	w.take("ic.secretary", k, discipline.Command{Transition: "assess_interim", Date: d("2021-01-18"), Body: "investigating_committee", Criteria: []string{"IO-NONE"},
		Rationale: "The lender has suspended instructions to the registrant; no client is at risk meanwhile."})
	w.take("ic.secretary", k, discipline.Command{Transition: "refer", Date: d("2021-02-01"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
		Rationale: "The lender's file shows three inflated valuations signed by the registrant.",
		Charges:   []discipline.Charge{{Count: 1, Clause: "5.1", Particulars: "Inflated the valuations of three properties for a lender in November 2020."}}})
	w.take("tribunal.clerk", k, discipline.Command{Transition: "list_hearing", Date: d("2021-02-08"), Body: "tribunal", Panel: panel,
		Hearing: &discipline.Hearing{Date: d("2021-04-26"), Place: "Council offices, Northshire"}})
	at("2021-04-27 15:00")
	w.take("tribunal.clerk", k, discipline.Command{Transition: "determine", Date: d("2021-04-27"), Body: "tribunal",
		Findings: []discipline.Finding{{Count: 1, Finding: "proved", Reasons: "The registrant admitted signing the valuations knowing them to be too high."}}})
	w.mitigation("tribunal.clerk", k, d("2021-04-27"), "The registrant said he was under pressure from a client.")
	w.take("tribunal.clerk", k, discipline.Command{Transition: "impose_sanction", Date: d("2021-04-28"), Body: "tribunal", Seriousness: "high", Rationale: "Deliberate dishonesty in a professional report is incompatible with registration.",
		Sanctions: []discipline.SanctionOrder{{Sanction: "striking_off", Factors: []string{"DISHONESTY", "HARM"}}}})

	// 2022: Imogen Vale, a Fellow, under an interim order, then fined with a
	// reprimand; the order ends and she is a Fellow again.
	at("2022-01-10 09:00")
	p.complaint(registrar, d("2022-01-10"), rulebook.ComplaintReceived{ID: "A-2022-001", Respondent: RegulatorProtagonist, Complainant: "A. Client (not a registrant)", From: "public", Via: "form",
		Conduct: d("2021-12-06"), Clauses: []string{"5.1"}, Summary: "A structural survey missed subsidence the surveyor had been told of."})
	k = w.open(registrar, discipline.OpenInput{ID: "F-2022-001", Kind: "complaint", Respondent: RegulatorProtagonist, Date: d("2022-01-10"), Complaints: []string{"A-2022-001"}})
	w.take(registrar, k, discipline.Command{Transition: "acknowledge", Date: d("2022-01-11"), Body: "registrar"})
	at("2022-02-01 14:00")
	w.take("ic.secretary", k, discipline.Command{Transition: "interim_order", Date: d("2022-02-01"), Body: "investigating_committee", Criteria: []string{"IO-PUBLIC"},
		Rationale: "Two further structural surveys by the registrant are being checked; clients must be protected meanwhile."})
	w.take("ic.secretary", k, discipline.Command{Transition: "refer", Date: d("2022-03-01"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
		Rationale: "The survey report and the client's emails are consistent.",
		Charges: []discipline.Charge{
			{Count: 1, Clause: "5.1", Particulars: "Failed to report subsidence of which she had been told, in a survey of December 2021."},
			{Count: 2, Clause: "5.1", Particulars: "Failed to check two further structural reports in 2021."},
		}})
	w.take("tribunal.clerk", k, discipline.Command{Transition: "list_hearing", Date: d("2022-03-15"), Body: "tribunal", Panel: panel,
		Hearing: &discipline.Hearing{Date: d("2022-05-03"), Place: "Council offices, Northshire"}})
	at("2022-05-04 16:00")
	w.take("tribunal.clerk", k, discipline.Command{Transition: "determine", Date: d("2022-05-03"), Body: "tribunal",
		Findings: []discipline.Finding{{Count: 1, Finding: "proved", Reasons: "The client's email of 1 December 2021 told her of the cracking."},
			{Count: 2, Finding: "not_proved", Reasons: "Both reports were checked in time."}}})
	w.mitigation("tribunal.clerk", k, d("2022-05-03"), "Twenty years without a finding; she has retrained and apologised to the client.")
	w.take("tribunal.clerk", k, discipline.Command{Transition: "impose_sanction", Date: d("2022-05-04"), Body: "tribunal", Seriousness: "lower",
		Rationale: "A serious lapse, not repeated; insight shown. A fine marks its seriousness, a reprimand the finding.",
		Sanctions: []discipline.SanctionOrder{{Sanction: "fine", Amount: gbp(300000), Factors: []string{"HARM", "INSIGHT", "GOOD-HISTORY"}}, {Sanction: "reprimand"}}})
	at("2022-05-20 11:00")
	w.take(registrar, k, discipline.Command{Transition: "record_payment", Date: d("2022-05-20"), Body: "registrar"})

	// Gareth Moss applies for restoration after thirteen months: the striking
	// off's five-year bar governs, and the Council does not shorten it.
	at("2022-06-01 09:00")
	app := w.open(registrar, discipline.OpenInput{ID: "S-2022-001", Kind: "readmission", Respondent: "R0003", Date: d("2022-06-01"), Summary: "Application for restoration to the register"})

	// Owen Pryce, struck off with costs; the Appeal Board substitutes a year's
	// suspension counted from the Tribunal's decision, and keeps the costs.
	at("2022-06-06 09:00")
	p.complaint(registrar, d("2022-06-06"), rulebook.ComplaintReceived{ID: "A-2022-002", Respondent: "R0002", Complainant: "R0006", From: "member", Via: "email",
		Conduct: d("2022-05-16"), Clauses: []string{"5.1"}, Summary: "Signed off a colleague's inspection as his own."})
	k = w.open(registrar, discipline.OpenInput{ID: "F-2022-002", Kind: "complaint", Respondent: "R0002", Date: d("2022-06-06"), Complaints: []string{"A-2022-002"}})
	w.take(registrar, k, discipline.Command{Transition: "acknowledge", Date: d("2022-06-07"), Body: "registrar"})
	w.take("ic.secretary", k, discipline.Command{Transition: "assess_interim", Date: d("2022-06-13"), Body: "investigating_committee", Criteria: []string{"IO-NONE"},
		Rationale: "The firm now countersigns all his inspections."})
	w.take("ic.secretary", k, discipline.Command{Transition: "refer", Date: d("2022-06-20"), Body: "investigating_committee", Criteria: []string{"CASE-TO-ANSWER"},
		Rationale: "The inspection records show another surveyor attended.",
		Charges:   []discipline.Charge{{Count: 1, Clause: "5.1", Particulars: "Signed as his own an inspection carried out by a colleague, May 2022."}}})
	w.take("tribunal.clerk", k, discipline.Command{Transition: "list_hearing", Date: d("2022-06-27"), Body: "tribunal", Panel: panel,
		Hearing: &discipline.Hearing{Date: d("2022-08-30"), Place: "Council offices, Northshire"}})
	at("2022-07-13 10:00")
	w.take("council.secretary", app, discipline.Command{Transition: "refuse_restoration", Date: d("2022-07-12"), Body: "council", Vote: &discipline.Vote{For: 2, Against: 9},
		Rationale: "The five-year bar that striking off carries runs to 28 April 2026; nothing shown justifies shortening it."})
	at("2022-08-31 15:00")
	w.take("tribunal.clerk", k, discipline.Command{Transition: "determine", Date: d("2022-08-30"), Body: "tribunal",
		Findings: []discipline.Finding{{Count: 1, Finding: "proved", Reasons: "Admitted."}}})
	w.mitigation("tribunal.clerk", k, d("2022-08-30"), "He says the colleague was his trainee and he reviewed the work.")
	w.take("tribunal.clerk", k, discipline.Command{Transition: "impose_sanction", Date: d("2022-09-01"), Body: "tribunal", Seriousness: "high", Rationale: "Dishonesty in a professional record.",
		Sanctions: []discipline.SanctionOrder{{Sanction: "striking_off", Factors: []string{"DISHONESTY"}}, {Sanction: "costs", Amount: gbp(450000)}}})
	at("2022-09-20 12:00")
	w.take("owen.pryce", k, discipline.Command{Transition: "appeal", Date: d("2022-09-20"), Body: "registrant", Rationale: "Striking off is disproportionate: I reviewed my trainee's work."})
	at("2022-11-16 10:00")
	w.take("appeal.board", k, discipline.Command{Transition: "vary", Date: d("2022-11-15"), Body: "appeal_board", Seriousness: "high",
		Rationale: "The Tribunal did not weigh the supervision of the trainee; a year's suspension, counted from its decision, protects the public.",
		Sanctions: []discipline.SanctionOrder{{Sanction: "suspension", From: d("2022-09-01"), Until: d("2023-09-01")}, {Sanction: "costs", Amount: gbp(450000)}}})
	return p.err
}

// LoadAccountsOf creates a story's accounts, as LoadAccounts does the party's.
func LoadAccountsOf(ctx context.Context, a *app.App, accounts []Account) error {
	for _, x := range accounts {
		if _, err := a.CreateAccount(ctx, x.AccountInput, Password); err != nil {
			return fmt.Errorf("demo account %s: %w", x.Name, err)
		}
		if err := a.ProvisionSecondFactor(ctx, x.Name, TOTPSecret); err != nil {
			return fmt.Errorf("demo account %s: %w", x.Name, err)
		}
	}
	return nil
}
