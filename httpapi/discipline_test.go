package httpapi

import (
	"context"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// disciplineRules is a fixed copy of the Labour-modelled example with its
// disciplinary procedure, as it stood when the case scenario was written.
const disciplineRules = "testdata/labour-2016.yaml"

// newCaseEnv is a server over db with the rule book that declares the procedure,
// "today" being 1 October 2016, after every date the scenario records.
func newCaseEnv(t testing.TB, db *sqldb.DB) *env {
	t.Helper()
	e := newEnvWith(t, db, disciplineRules)
	e.setClock("2016-10-01T10:00:00Z")
	return e
}

// elig asks whether ann may take action on date, and expects the answer.
func elig(name, action, date string, allowed bool, status, clause string) step {
	want := map[string]any{"allowed": allowed, "status": status}
	if clause != "" {
		want["clause.id"] = clause
	}
	return step{name: name, method: "GET", path: "/api/v1/eligibility?member=ann&action=" + action + "&date=" + date, status: 200, want: want}
}

func take(name, body string, status int, want map[string]any, contains ...string) step {
	return step{name: name, method: "POST", path: "/api/v1/cases/D-1/steps", body: body, status: status, want: want, contains: contains}
}

const (
	panelOK  = `{"body":"ncc","members":[{"id":"ncc-1","name":"Alun Rees","section":"trade_union"},{"id":"ncc-2","name":"Grace Obi","section":"clp"},{"id":"ncc-3","name":"Carys Lund","section":"clp"}]}`
	sanction = `"sanction":{"sanction":"suspension_office_representation","from":"2016-08-23","until":"2018-05-02","factors":["AGG-PUBLIC","MIT-SERVED"],` +
		`"conditions":[{"what":"complete the code of conduct course","due":"2016-12-01"}]}`
)

func panelWith(id, name, section string) string {
	return `{"body":"ncc","members":[{"id":"ncc-1","name":"Alun Rees","section":"trade_union"},{"id":"ncc-2","name":"Grace Obi","section":"clp"},` +
		`{"id":"` + id + `","name":"` + name + `","section":"` + section + `"}]}`
}

// caseScenario plays one complaint through the whole procedure over HTTP: complaint,
// opening, acknowledgement, investigation with administrative suspension, report,
// referral with charges, hearing, findings, mitigation, a sanction credited with
// time served, and a review demand the rule book does not permit. The member's
// eligibility answers are checked at each step that changes them, and each way a
// step can be refused is tried at the point in the story where it arises.
var caseScenario = []step{
	{name: "constituency", method: "POST", path: "/api/v1/units", body: `{"id":"north-cp","name":"North","kind":"constituency","effective":"2000-01-01"}`, status: 201},
	{name: "join ann", method: "POST", path: "/api/v1/members", body: `{"id":"ann","name":"Ann Archer","unit":"north-cp","joined":"2010-01-01"}`, status: 201},
	{name: "join dee", method: "POST", path: "/api/v1/members", body: `{"id":"dee","name":"Dee Dale","joined":"2012-01-01"}`, status: 201},
	{name: "join pat", method: "POST", path: "/api/v1/members", body: `{"id":"pat","name":"Pat Penn","unit":"north-cp","joined":"2011-01-01"}`, status: 201},
	elig("before the case ann may hold office", "hold_office", "2016-05-02", true, "active", ""),

	// Dated lists for automatic-exclusion triggers.
	{name: "list entry", method: "POST", path: "/api/v1/lists/official_candidates/entries", body: `{"id":"mayor-2016","name":"Idris Malik","about":"official candidate for mayor, 5 May 2016","from":"2016-03-01","until":"2016-05-06"}`,
		status: 201, want: map[string]any{"entry.list": "official_candidates", "entry.until": "2016-05-06", "event.type": "list.entry", "event.subject": "list/official_candidates/mayor-2016"}},
	{name: "list entry twice", method: "POST", path: "/api/v1/lists/official_candidates/entries", body: `{"id":"mayor-2016","name":"Idris Malik","from":"2016-03-01"}`, status: 409, want: code("conflict")},
	{name: "list entry ends before it starts", method: "POST", path: "/api/v1/lists/official_candidates/entries", body: `{"id":"x","name":"X","from":"2016-03-01","until":"2016-01-01"}`, status: 400, want: invalid("until")},
	{name: "list entry bad date", method: "POST", path: "/api/v1/lists/official_candidates/entries", body: `{"id":"x","name":"X","from":"March"}`, status: 400, want: invalid("from")},
	{name: "no such list", method: "POST", path: "/api/v1/lists/friends/entries", body: `{"id":"x","name":"X","from":"2016-03-01"}`, status: 404, want: code("not_found")},
	{name: "list", method: "GET", path: "/api/v1/lists/official_candidates", status: 200, want: map[string]any{"entries.#": 1, "entries.0.id": "mayor-2016"}},
	{name: "list on a day it was not in force", method: "GET", path: "/api/v1/lists/official_candidates?on=2016-05-06", status: 200, want: map[string]any{"entries.#": 0}},
	{name: "list bad day", method: "GET", path: "/api/v1/lists/proscribed_organisations?on=someday", status: 400, want: invalid("on")},
	{name: "no list", method: "GET", path: "/api/v1/lists/friends", status: 404, want: code("not_found")},

	// Intake.
	{name: "complaint", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-1","respondent":"ann","complainant":"dee","from":"member","via":"letter","conduct":"2016-04-28","clauses":["2.I.8"],"summary":"Remarks in a radio interview.","received":"2016-05-02"}`,
		status: 201, want: map[string]any{"complaint.id": "C-1", "complaint.conduct": "2016-04-28", "received": "2016-05-02", "event.type": "complaint.received", "event.subject": "complaint/C-1", "event.effective": "2016-05-02"}},
	{name: "complaint twice", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-1","respondent":"ann","complainant":"dee","from":"member","via":"letter","clauses":["2.I.8"],"summary":"Again.","received":"2016-05-02"}`, status: 409, want: code("conflict")},
	{name: "complaint under no clause", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-9","respondent":"ann","complainant":"dee","from":"member","via":"letter","clauses":["99.9"],"summary":"S.","received":"2016-05-02"}`, status: 400, want: invalid("clauses")},
	{name: "complaint about nobody", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-9","respondent":"zed","complainant":"dee","from":"member","via":"letter","clauses":["2.I.8"],"summary":"S."}`, status: 400, want: invalid("respondent")},
	{name: "complaint bad day", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-9","respondent":"ann","complainant":"dee","from":"member","via":"letter","clauses":["2.I.8"],"summary":"S.","received":"2016-02-30"}`, status: 400, want: invalid("received")},
	{name: "complaint before its conduct", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-9","respondent":"ann","complainant":"dee","from":"member","via":"letter","conduct":"2016-06-01","clauses":["2.I.8"],"summary":"S.","received":"2016-05-02"}`, status: 400, want: invalid("conduct")},
	{name: "complaint by pigeon", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-9","respondent":"ann","complainant":"dee","from":"member","via":"pigeon","clauses":["2.I.8"],"summary":"S."}`, status: 400, want: invalid("via")},
	{name: "complaint clauses not a list", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-9","respondent":"ann","clauses":"2.I.8"}`, status: 400, want: invalid("clauses")},
	{name: "duplicate letter", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-2","respondent":"ann","complainant":"A. Reader","from":"public","via":"form","conduct":"2016-04-28","clauses":["2.I.8"],"summary":"Demands expulsion for the remarks.","received":"2016-05-04"}`, status: 201},
	{name: "complaint not yet in a case", method: "GET", path: "/api/v1/complaints/C-1", status: 200, want: map[string]any{"complaint.complainant": "dee", "case": "-"}},
	{name: "no such complaint", method: "GET", path: "/api/v1/complaints/C-404", status: 404, want: code("not_found")},

	{name: "open", method: "POST", path: "/api/v1/cases", body: `{"id":"D-1","kind":"complaint","respondent":"ann","date":"2016-05-02","complaints":["C-1"]}`, status: 201, want: map[string]any{
		"case.id": "D-1", "case.state": "received", "case.conduct": "2016-04-28", "case.complainants.0": "dee", "case.summary": "Remarks in a radio interview.", "warnings.#": 0}},
	{name: "open on a complaint already in a case", method: "POST", path: "/api/v1/cases", body: `{"id":"D-9","kind":"complaint","respondent":"ann","date":"2016-05-02","complaints":["C-1"]}`, status: 409, want: code("conflict")},
	{name: "open unknown kind", method: "POST", path: "/api/v1/cases", body: `{"id":"D-9","kind":"feud","respondent":"ann","date":"2016-05-02","summary":"S."}`, status: 400, want: invalid("kind")},
	{name: "open bad date", method: "POST", path: "/api/v1/cases", body: `{"kind":"complaint","respondent":"ann","date":"yesterday"}`, status: 400, want: invalid("date")},
	{name: "open wrong type", method: "POST", path: "/api/v1/cases", body: `{"kind":1}`, status: 400, want: invalid("kind")},
	{name: "open unknown field", method: "POST", path: "/api/v1/cases", body: `{"kind":"complaint","respondent":"ann","urgency":"high"}`, status: 400, want: invalid("urgency")},
	{name: "open exclusion without conduct", method: "POST", path: "/api/v1/cases", body: `{"kind":"exclusion","respondent":"ann","date":"2016-05-02","summary":"S."}`, status: 400, want: invalid("conduct")},
	{name: "complaint now in the case", method: "GET", path: "/api/v1/complaints/C-1", status: 200, want: map[string]any{"case": "D-1"}},
	{name: "link the duplicate", method: "POST", path: "/api/v1/cases/D-1/complaints", body: `{"complaint":"C-2","date":"2016-05-04"}`, status: 201, want: map[string]any{
		"case.complaints.#": 2, "case.complainants.1": "A. Reader"}},
	{name: "link it twice", method: "POST", path: "/api/v1/cases/D-1/complaints", body: `{"complaint":"C-2","date":"2016-05-04"}`, status: 409, want: code("conflict")},
	{name: "link to no case", method: "POST", path: "/api/v1/cases/D-404/complaints", body: `{"complaint":"C-2"}`, status: 404, want: code("not_found")},
	{name: "steps open on receipt", method: "GET", path: "/api/v1/cases/D-1?on=2016-05-02", status: 200, want: map[string]any{
		"case.state": "received", "on": "2016-05-02", "procedure_version": "2016", "conduct_version": "2016", "steps.0.id": "acknowledge", "steps.0.to": "triage", "steps.0.by.1": "compliance_unit"}},
	{name: "case on a day before it opened", method: "GET", path: "/api/v1/cases/D-1?on=2016-05-01", status: 400, want: invalid("on")},
	{name: "no such case", method: "GET", path: "/api/v1/cases/D-404", status: 404, want: code("not_found")},

	// Each step, and each way a step is refused where it arises.
	take("findings from the wrong state", `{"transition":"record_findings","date":"2016-05-03","body":"ncc","findings":[{"count":1,"finding":"proved"}]}`, 422, code("not_permitted"), "6.I.1.C", "hearing_listed"),
	take("no such step", `{"transition":"banish","date":"2016-05-03","body":"ncc"}`, 400, invalid("transition"), "acknowledge"),
	take("step without a transition", `{"date":"2016-05-03","body":"ncc"}`, 400, invalid("transition")),
	take("acknowledge", `{"transition":"acknowledge","date":"2016-05-03","body":"compliance_unit"}`, 200, map[string]any{
		"case.state": "triage", "case.state_since": "2016-05-03", "case.steps.0.clause": "6.I.1.A", "case.steps.0.actor": "officer.jones", "case.steps.0.rule_book_version": "2016",
		"notice": "acknowledgement", "events.#": 1, "member_events.#": 0, "refused": "-"}),
	take("suspend by the wrong body", `{"transition":"investigate_and_suspend","date":"2016-05-03","body":"compliance_unit","criteria":["SUSP-SERIOUS"],"rationale":"R."}`, 422, code("not_permitted"), "6.I.1.B", "general_secretary"),
	take("suspend on free text alone", `{"transition":"investigate_and_suspend","date":"2016-05-03","body":"general_secretary","rationale":"Because."}`, 400, invalid("criteria")),
	take("investigate and suspend", `{"transition":"investigate_and_suspend","date":"2016-05-03","body":"general_secretary","criteria":["SUSP-SERIOUS"],"rationale":"If proved, expulsion is likely."}`, 200, map[string]any{
		"case.state": "under_investigation", "case.suspension.from": "2016-05-03", "case.suspension.review_by": "*", "member_events.#": 1,
		"member_events.0.type": "member.status_changed", "member_events.0.subject": "ann", "member_events.0.effective": "2016-05-03"}),
	elig("suspended: may not hold office", "hold_office", "2016-05-04", false, "admin_suspended", "6.I.1.B"),
	elig("suspended: may vote in an all-member ballot", "vote_in_all_member_ballot", "2016-05-04", true, "admin_suspended", "6.I.1.B"),
	elig("the day before: still active", "hold_office", "2016-05-02", true, "active", ""),
	{name: "interference", method: "POST", path: "/api/v1/cases/D-1/contacts", body: `{"from":"Office of the Leader","role":"no role in the case","channel":"telephone","summary":"Asked for an early decision.","date":"2016-05-12"}`,
		status: 201, want: map[string]any{"case.contacts.0.from": "Office of the Leader", "case.contacts.0.date": "2016-05-12", "case.contacts.0.event": "*"}},
	{name: "contact from nobody", method: "POST", path: "/api/v1/cases/D-1/contacts", body: `{"summary":"S."}`, status: 400, want: invalid("from")},
	take("report", `{"transition":"report","date":"2016-07-01","body":"compliance_unit"}`, 200, map[string]any{"case.state": "awaiting_decision"}),
	take("charges: count of the wrong type", `{"transition":"refer","date":"2016-07-15","body":"nec_disputes_panel","criteria":["REF-PRIMA-FACIE"],"rationale":"R.","charges":[{"count":"one","clause":"2.I.8","particulars":"P."}]}`, 400, invalid("charges.count")),
	take("charges under no clause", `{"transition":"refer","date":"2016-07-15","body":"nec_disputes_panel","criteria":["REF-PRIMA-FACIE"],"rationale":"R.","charges":[{"count":1,"clause":"99.9","particulars":"P."}]}`, 400, invalid("charges[0].clause")),
	take("refer with charges", `{"transition":"refer","date":"2016-07-15","body":"nec_disputes_panel","criteria":["REF-PRIMA-FACIE"],"rationale":"A prima facie case on two counts.",`+
		`"charges":[{"count":1,"clause":"2.I.8","particulars":"Remarks in a radio interview on 28 April 2016."},{"count":2,"clause":"2.I.8","particulars":"Repeating them on 29 April 2016."}]}`, 200, map[string]any{
		"case.state": "referred", "case.charges.#": 2, "case.charges.1.clause": "2.I.8", "notice": "notice_of_charges"}),
	{name: "a declared conflict", method: "POST", path: "/api/v1/cases/D-1/conflicts", body: `{"person":"ncc-9","reason":"called publicly for the respondent's expulsion","date":"2016-07-20"}`, status: 201,
		want: map[string]any{"case.conflicts.0.person": "ncc-9", "case.conflicts.0.date": "2016-07-20"}},
	{name: "a recusal", method: "POST", path: "/api/v1/cases/D-1/recusals", body: `{"person":"ncc-8","reason":"knows the respondent","date":"2016-07-20"}`, status: 201,
		want: map[string]any{"case.recusals.0.person": "ncc-8"}},
	{name: "a conflict without reason", method: "POST", path: "/api/v1/cases/D-1/conflicts", body: `{"person":"ncc-7","reason":" "}`, status: 400, want: invalid("reason")},
	{name: "a recusal of nobody", method: "POST", path: "/api/v1/cases/D-1/recusals", body: `{"reason":"R."}`, status: 400, want: invalid("person")},
	take("panel with a conflicted member", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelWith("ncc-9", "Dermot Hale", "clp")+`,"hearing":{"date":"2016-08-22"}}`,
		422, code("not_permitted"), "Dermot Hale (ncc-9) cannot sit", "declared a conflict of interest"),
	take("panel with a recused member", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelWith("ncc-8", "Basil Coombe", "clp")+`,"hearing":{"date":"2016-08-22"}}`,
		422, code("not_permitted"), "recused"),
	take("panel with the complainant", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelWith("dee", "Dee Dale", "clp")+`,"hearing":{"date":"2016-08-22"}}`,
		422, code("not_permitted"), "complainant"),
	take("panel from the respondent's constituency", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelWith("pat", "Pat Penn", "clp")+`,"hearing":{"date":"2016-08-22"}}`,
		422, code("not_permitted"), "north-cp"),
	take("panel without a trade union member", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":{"body":"ncc","members":[{"id":"ncc-2","name":"G","section":"clp"},{"id":"ncc-3","name":"C","section":"clp"},{"id":"ncc-4","name":"D","section":"clp"}]},"hearing":{"date":"2016-08-22"}}`,
		422, code("not_permitted"), "none sits for the trade union section", "6.I.1.C"),
	take("hearing on short notice", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelOK+`,"hearing":{"date":"2016-08-10"}}`,
		422, code("not_permitted"), "14 days", "6.I.1.C", "2016-08-15"),
	take("hearing date not a date", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelOK+`,"hearing":{"date":"2016-02-30"}}`, 400, invalid("hearing.date")),
	take("list the hearing", `{"transition":"list_hearing","date":"2016-08-01","body":"ncc","panel":`+panelOK+`,"hearing":{"date":"2016-08-22","place":"Regional office"}}`, 200, map[string]any{
		"case.state": "hearing_listed", "case.panel.members.#": 3, "case.hearing.date": "2016-08-22", "case.hearing.notice": "2016-08-01", "notice": "hearing_notice"}),
	take("a finding on one count only", `{"transition":"record_findings","date":"2016-08-22","body":"ncc","findings":[{"count":1,"finding":"proved"}]}`, 400, invalid("findings")),
	take("record findings", `{"transition":"record_findings","date":"2016-08-22","body":"ncc","findings":[{"count":1,"finding":"proved","reasons":"The recording."},{"count":2,"finding":"proved"}]}`, 200, map[string]any{
		"case.state": "heard", "case.charges.0.finding": "proved", "case.charges.1.finding": "proved"}),
	take("sanction before mitigation", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc","rationale":"R.",`+sanction+`}`, 422, code("not_permitted"), "mitigation"),
	{name: "mitigation", method: "POST", path: "/api/v1/cases/D-1/mitigation", body: `{"summary":"Apologised; long service.","date":"2016-08-22"}`, status: 201,
		want: map[string]any{"case.mitigation.heard": "2016-08-22", "case.mitigation.summary": "Apologised; long service."}},
	{name: "empty mitigation", method: "POST", path: "/api/v1/cases/D-1/mitigation", body: `{"summary":""}`, status: 400, want: invalid("summary")},
	{name: "withhold without a reason", method: "POST", path: "/api/v1/cases/D-1/withholdings", body: `{"person":"A. Reader"}`, status: 400, want: invalid("reason")},
	{name: "withhold someone not a complainant", method: "POST", path: "/api/v1/cases/D-1/withholdings", body: `{"person":"bob","reason":"r"}`, status: 400, want: invalid("person")},
	{name: "withhold a complainant's identity", method: "POST", path: "/api/v1/cases/D-1/withholdings", body: `{"person":"A. Reader","reason":"a risk of harassment","date":"2016-08-22"}`, status: 201,
		want: map[string]any{"case.withheld.0.person": "A. Reader", "case.withheld.0.reason": "a risk of harassment"}},
	{name: "an empty update", method: "POST", path: "/api/v1/cases/D-1/updates", body: `{"text":" "}`, status: 400, want: invalid("text")},
	{name: "update the complainants", method: "POST", path: "/api/v1/cases/D-1/updates", body: `{"text":"The hearing was held; a decision follows.","date":"2016-08-22"}`, status: 201,
		want: map[string]any{"case.updates.0.text": "The hearing was held; a decision follows.", "case.updates.0.date": "2016-08-22"}},
	take("sanction over the limit", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc","rationale":"R.","sanction":{"sanction":"suspension_office_representation","from":"2016-08-23","until":"2018-08-23"}}`,
		422, code("not_permitted"), "2 years", "6.I.1.D", "counted from 2016-05-03", "2018-05-03"),
	take("sanction by the wrong body", `{"transition":"impose_sanction","date":"2016-08-23","body":"nec_disputes_panel","rationale":"R.",`+sanction+`}`, 422, code("not_permitted"), "6.I.1.D", "ncc"),
	take("sanction not on the menu", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc","rationale":"R.","sanction":{"sanction":"pillory"}}`, 400, invalid("sanction.sanction")),
	take("sanction with an unknown factor", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc","rationale":"R.","sanction":{"sanction":"reprimand","factors":["AGG-HAT"]}}`, 400, invalid("sanction.factors")),
	take("sanction end not a date", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc","sanction":{"sanction":"suspension_office_representation","until":"2018-13-01"}}`, 400, invalid("sanction.until")),
	take("impose the sanction, credited with time served", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc","rationale":"Two counts; credit for time served since 3 May 2016.",`+sanction+`}`, 200, map[string]any{
		"case.state": "closed", "case.closed": true, "case.outcome": "sanctioned", "case.sanctions.0.sanction": "suspension_office_representation",
		"case.sanctions.0.credit_from": "2016-05-03", "case.sanctions.0.until": "2018-05-02", "case.conditions.0.due": "2016-12-01",
		"member_events.#": 1, "member_events.0.type": "member.status_changed", "member_events.0.effective": "2016-08-23", "notice": "decision"}),
	elig("sanctioned: may not hold office", "hold_office", "2016-09-01", false, "sanction_suspended", "6.I.1.D"),
	elig("sanctioned: may stand? no", "stand_as_candidate", "2017-06-01", false, "sanction_suspended", "6.I.1.D"),
	elig("sanctioned: may vote in an all-member ballot", "vote_in_all_member_ballot", "2017-06-01", true, "sanction_suspended", "6.I.1.D"),
	elig("after the sanction ends", "hold_office", "2018-06-01", true, "active", ""),
	take("a review demand, recorded and refused", `{"transition":"review","date":"2016-09-05","body":"nec_officers","rationale":"Thirty NEC members ask for the sanction to be reviewed as too lenient."}`, 200, map[string]any{
		"refused.clause": "6.I.1.D", "refused.transition": "review", "refused.demand": "*", "case.state": "closed", "case.refusals.0.clause": "6.I.1.D",
		"case.refusals.0.date": "2016-09-05", "events.#": 1, "member_events.#": 0}, "not permitted", "final"),
	take("a step on a closed case", `{"transition":"report","date":"2016-09-05","body":"compliance_unit"}`, 422, code("not_permitted")),
	elig("the refused review changed nothing", "hold_office", "2016-09-06", false, "sanction_suspended", "6.I.1.D"),
	{name: "condition met", method: "POST", path: "/api/v1/cases/D-1/conditions", body: `{"what":"complete the code of conduct course","date":"2016-09-20"}`, status: 201,
		want: map[string]any{"case.conditions.0.met": "2016-09-20"}},
	{name: "no such condition", method: "POST", path: "/api/v1/cases/D-1/conditions", body: `{"what":"write lines"}`, status: 400, want: invalid("what")},

	// Reading the case back.
	{name: "closed case", method: "GET", path: "/api/v1/cases/D-1", status: 200, want: map[string]any{
		"case.closed": true, "on": "2016-10-01", "steps.#": 1, "steps.0.id": "review", "steps.0.permitted": false, "steps.0.clause": "6.I.1.D",
		"case.steps.#": 7, "case.steps.6.transition": "impose_sanction"}},
	{name: "case events", method: "GET", path: "/api/v1/cases/D-1/events", status: 200, want: map[string]any{
		"events.#": 17, "events.0.type": "case.opened", "events.1.type": "case.complaint_linked", "events.16.type": "case.condition_met"}},
	{name: "events of no case", method: "GET", path: "/api/v1/cases/D-404/events", status: 404, want: code("not_found")},
	{name: "the decision letter as text", method: "GET", path: "/api/v1/cases/D-1/letters/decision?format=text", status: 200,
		contains: []string{"Notice of decision", "D-1", "Ann Archer"}},
	{name: "the charges as HTML", method: "GET", path: "/api/v1/cases/D-1/letters/notice_of_charges", status: 200, contains: []string{"<html", "2.I.8"}},
	{name: "the decision as PDF", method: "GET", path: "/api/v1/cases/D-1/letters/decision?format=pdf", status: 200, contains: []string{"%PDF-"}},
	{name: "a letter in no format", method: "GET", path: "/api/v1/cases/D-1/letters/decision?format=doc", status: 400, want: invalid("format")},
	{name: "no such letter", method: "GET", path: "/api/v1/cases/D-1/letters/love_letter", status: 400, want: invalid("template")},
	{name: "a letter of no case", method: "GET", path: "/api/v1/cases/D-404/letters/decision", status: 404, want: code("not_found")},
	{name: "a contact entered against the wrong case", method: "POST", path: "/api/v1/cases/D-1/contacts", body: `{"from":"A councillor","role":"no role in the case","channel":"e-mail","summary":"Asked about the hearing.","date":"2016-09-21"}`,
		status: 201, save: map[string]string{"wrongContact": "case.contacts.1.event"}},
	{name: "interference register", method: "GET", path: "/api/v1/interference", status: 200, want: map[string]any{"contacts.#": 2, "contacts.0.case": "D-1", "contacts.0.from": "A councillor"}},
	{name: "withdraw the contact", method: "POST", path: "/api/v1/cases/D-1/corrections", body: `{"event_id":"{{wrongContact}}","reason":"entered against the wrong case"}`, status: 201,
		want: map[string]any{"case.contacts.#": 1, "case.corrections.0.corrects": "{{wrongContact}}"}},
	{name: "withdraw it twice", method: "POST", path: "/api/v1/cases/D-1/corrections", body: `{"event_id":"{{wrongContact}}","reason":"again"}`, status: 409, want: code("conflict")},
	{name: "withdraw without a reason", method: "POST", path: "/api/v1/cases/D-1/corrections", body: `{"event_id":"{{wrongContact}}"}`, status: 400, want: invalid("reason")},
	{name: "withdraw nothing", method: "POST", path: "/api/v1/cases/D-1/corrections", body: `{"reason":"r"}`, status: 400, want: invalid("event_id")},
	{name: "interference register after the correction", method: "GET", path: "/api/v1/interference", status: 200, want: map[string]any{"contacts.#": 1}},

	// A second case, still open, for the lists and the deadlines.
	{name: "complaint about dee", method: "POST", path: "/api/v1/complaints", body: `{"id":"C-3","respondent":"dee","complainant":"ann","from":"member","via":"email","conduct":"2016-08-30","clauses":["2.I.8"],"summary":"Abuse at a meeting.","received":"2016-09-01"}`, status: 201},
	{name: "open the second case", method: "POST", path: "/api/v1/cases", body: `{"id":"D-2","kind":"complaint","respondent":"dee","date":"2016-09-01","complaints":["C-3"]}`, status: 201},
	{name: "cases of ann", method: "GET", path: "/api/v1/cases?respondent=ann", status: 200, want: map[string]any{"cases.#": 1, "cases.0.id": "D-1", "cases.0.outcome": "sanctioned", "cases.0.closed": true}},
	{name: "open cases", method: "GET", path: "/api/v1/cases?open=true", status: 200, want: map[string]any{"cases.#": 1, "cases.0.id": "D-2", "cases.0.state": "received"}},
	{name: "cases in a state", method: "GET", path: "/api/v1/cases?state=closed&limit=5", status: 200, want: map[string]any{"cases.#": 1, "cases.0.id": "D-1", "limit": 5}},
	{name: "cases bad open", method: "GET", path: "/api/v1/cases?open=maybe", status: 400, want: invalid("open")},
	// Received on Thursday 1 September: five working days is Thursday 8 September.
	{name: "deadlines, overdue", method: "GET", path: "/api/v1/deadlines?on=2016-09-09&within=120", status: 200, want: map[string]any{
		"deadlines.#": 1, "deadlines.0.case": "D-2", "deadlines.0.kind": "state", "deadlines.0.due": "2016-09-08", "deadlines.0.respondent": "dee",
		"deadlines.0.overdue": true, "overdue": 1}},
	{name: "deadlines, due that day is not yet overdue", method: "GET", path: "/api/v1/deadlines?on=2016-09-08&within=120", status: 200, want: map[string]any{
		"deadlines.0.overdue": false, "overdue": 0}},
	{name: "deadlines until before any", method: "GET", path: "/api/v1/deadlines?on=2016-09-01&within=6", status: 200, want: map[string]any{"deadlines.#": 0, "until": "2016-09-07"}},
	{name: "deadlines bad date", method: "GET", path: "/api/v1/deadlines?on=soon", status: 400, want: invalid("on")},
	{name: "statistics", method: "GET", path: "/api/v1/statistics", status: 200, want: map[string]any{
		"open_by_state.received": 1, "steps.#": "*", "clauses.0.clause": "2.I.8"}, contains: []string{`"transition":"impose_sanction"`, `"outcome":"sanctioned"`}},
	{name: "precedents", method: "GET", path: "/api/v1/precedents?clause=2.I.8&factor=AGG-PUBLIC&factor=MIT-RECORD", status: 200, want: map[string]any{
		"precedents.#": 1, "precedents.0.case": "D-1", "precedents.0.counts_proved": 2, "precedents.0.shared_factors": 1, "precedents.0.sanctions.0.until": "2018-05-02",
		"factors.#": 2}},
	{name: "precedents under another clause", method: "GET", path: "/api/v1/precedents?clause=6.I.4", status: 200, want: map[string]any{"precedents.#": 0, "factors.#": 0}},
	{name: "precedents without a clause", method: "GET", path: "/api/v1/precedents", status: 400, want: invalid("clause")},
	{name: "subject access", method: "GET", path: "/api/v1/subject-access/ann?requested=2016-09-30", status: 200, want: map[string]any{
		"member": "ann", "requested": "2016-09-30", "due": "2016-10-31", "register.member.id": "ann", "cases.#": 2, "cases.0.id": "*",
		"redactions.#": "*"}, absent: []string{`"A. Reader"`, `"Office of the Leader"`}},
	{name: "subject access bad date", method: "GET", path: "/api/v1/subject-access/ann?requested=later", status: 400, want: invalid("requested")},
	{name: "subject access of nobody", method: "GET", path: "/api/v1/subject-access/zed", status: 404, want: code("not_found")},
	{name: "the record verifies", method: "GET", path: "/api/v1/verify", status: 200, want: map[string]any{"ok": true}},

	// Every read of the case, its complaint and the member's export was logged.
	{name: "access log of the case", method: "GET", path: "/api/v1/access-log?subject=case/D-1", status: 200, want: map[string]any{
		"entries.#": 7, "entries.0.action": "precedents", "entries.1.action": "letter", "entries.2.action": "letter", "entries.3.action": "letter",
		"entries.4.action": "view_case_events", "entries.5.action": "view_case", "entries.6.action": "view_case"}},
	{name: "access log of the complaint", method: "GET", path: "/api/v1/access-log?subject=complaint/C-1", status: 200, want: map[string]any{"entries.#": 2, "entries.0.action": "view_complaint"}},
	{name: "access log of ann", method: "GET", path: "/api/v1/access-log?subject=ann&limit=1", status: 200, want: map[string]any{"entries.0.action": "subject_access", "entries.0.detail": "requested 2016-09-30"}},
}

// TestCaseWorkflow plays the case scenario on SQLite and PostgreSQL, checks every
// exchange against the OpenAPI document, and checks that the case the API built
// replays from its events alone to what the API showed.
func TestCaseWorkflow(t *testing.T) {
	sp := loadSpec(t)
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newCaseEnv(t, db)
		e.run(caseScenario)
		checkRecordedOnly(t, e.recs)
		for _, x := range e.recs {
			if x.pattern != "" && sp.operation(x.pattern) == nil {
				t.Errorf("%s: not documented", x.pattern)
			}
		}
		got, err := e.app.Discipline().Replay(context.Background(), "D-1")
		if err != nil {
			t.Fatal(err)
		}
		stored, err := e.app.Discipline().Case(context.Background(), "D-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != stored.State || len(got.Steps) != len(stored.Steps) || len(got.Refusals) != 1 || len(got.Sanctions) != 1 || got.Sanctions[0].CreditFrom != stored.Sanctions[0].CreditFrom {
			t.Errorf("replayed case differs from the projection the API served:\nreplayed %+v\nstored   %+v", got, stored)
		}
	})
}

// TestCaseAccessLogged checks that each read of a case, a complaint or a member's
// export leaves one entry naming the reader and the subject.
func TestCaseAccessLogged(t *testing.T) {
	e := newCaseEnv(t, sqldbtest.Open(t, "sqlite"))
	e.run(upTo(caseScenario, "open"))
	reads := []struct{ path, action, subject string }{
		{"/api/v1/cases/D-1", "view_case", "case/D-1"},
		{"/api/v1/cases/D-1/events", "view_case_events", "case/D-1"},
		{"/api/v1/complaints/C-1", "view_complaint", "complaint/C-1"},
		{"/api/v1/subject-access/ann", "subject_access", "ann"},
		{"/api/v1/cases?respondent=ann", "list_cases", "cases"},
		{"/api/v1/statistics", "statistics", "statistics"},
		{"/api/v1/deadlines", "deadlines", "deadlines"},
		// The generic event endpoints log reads of a case's or a complaint's events too.
		{"/api/v1/events?subject=case/D-1", "view_events", "case/D-1"},
		{"/api/v1/events?subject=complaint/C-1", "view_events", "complaint/C-1"},
	}
	for i, rd := range reads {
		reader := "reader-" + string(rune('a'+i))
		checkReadLogged(t, e, rd.path, reader, e.account(reader, "", "officer"), rd.action, rd.subject)
	}
	// A read that fails is not logged as a read.
	e.app.FlushAccessLog(context.Background())
	before, _ := e.db.AccessLog(context.Background(), "", 0)
	e.do("GET", "/api/v1/cases/D-404", "", "", nil)
	e.do("GET", "/api/v1/complaints/C-404", "", "", nil)
	e.app.FlushAccessLog(context.Background())
	after, _ := e.db.AccessLog(context.Background(), "", 0)
	if len(after) != len(before) {
		t.Errorf("failed reads were logged: %d entries, was %d", len(after), len(before))
	}
}

// upTo returns the steps of a scenario up to and including the one named.
func upTo(steps []step, name string) []step {
	for i, s := range steps {
		if s.name == name {
			return steps[:i+1]
		}
	}
	panic("no step " + name)
}

// caseFuzzTargets are the disciplinary endpoints whose input the fuzzer varies.
var caseFuzzTargets = []fuzzTarget{
	{"POST", "/api/v1/cases/D-1/steps"},
	{"POST", "/api/v1/complaints"},
	{"POST", "/api/v1/cases"},
	{"POST", "/api/v1/cases/D-1/complaints"},
	{"POST", "/api/v1/cases/D-1/conflicts"},
	{"POST", "/api/v1/cases/D-1/recusals"},
	{"POST", "/api/v1/cases/D-1/mitigation"},
	{"POST", "/api/v1/cases/D-1/withholdings"},
	{"POST", "/api/v1/cases/D-1/updates"},
	{"POST", "/api/v1/cases/D-1/contacts"},
	{"POST", "/api/v1/cases/D-1/conditions"},
	{"POST", "/api/v1/lists/official_candidates/entries"},
	{"GET", "/api/v1/cases"},
	{"GET", "/api/v1/cases/D-1"},
	{"GET", "/api/v1/deadlines"},
	{"GET", "/api/v1/precedents"},
	{"GET", "/api/v1/subject-access/ann"},
	{"GET", "/api/v1/lists/official_candidates"},
}

// FuzzCaseRequests sends arbitrary bodies and query strings to the disciplinary
// endpoints of a case awaiting its hearing. Whatever comes in, the answer is never
// a 500; an error is the documented JSON shape with a status matching its code; and
// a request refused as invalid names the field at fault.
func FuzzCaseRequests(f *testing.F) {
	f.Add(uint8(0), "", `{"transition":"record_findings","date":"2016-08-22","body":"ncc","findings":[{"count":1,"finding":"proved"},{"count":2,"finding":"not_proved"}]}`)
	f.Add(uint8(0), "", `{"transition":"list_hearing","date":"2016-08-02","body":"ncc","panel":`+panelOK+`,"hearing":{"date":"2016-08-03","paper":true}}`)
	f.Add(uint8(0), "", `{"transition":"impose_sanction","date":"2016-08-23","body":"ncc",`+sanction+`}`)
	f.Add(uint8(0), "", `{"transition":"review","date":"2016-09-05","body":"nec","vote":{"for":1,"against":-1},"suspend":{"from":"2016-09-05","rights":{"canvass":false}}}`)
	f.Add(uint8(0), "", `{"transition":"propose_exclusion","body":"compliance_unit","trigger":{"trigger":"stood_against_official_candidate","conduct":"2016-04-04","entry":"mayor-2016"},"evidence":["x"]}`)
	f.Add(uint8(1), "", `{"id":"C-5","respondent":"ann","complainant":"pat","from":"official","via":"api","conduct":"2016-04-28","clauses":["2.I.8"],"summary":"S.","received":"2016-05-09"}`)
	f.Add(uint8(2), "", `{"kind":"readmission","respondent":"dee","date":"2016-09-01","summary":"S.","linked":["D-1"]}`)
	f.Add(uint8(3), "", `{"complaint":"C-2","date":"2016-05-04"}`)
	f.Add(uint8(4), "", `{"person":"ncc-3","reason":"r","date":"2016-01-01"}`)
	f.Add(uint8(6), "", `{"summary":"s","date":"2016-13-01"}`)
	f.Add(uint8(7), "", `{"from":"x","summary":"y","channel":"letter","role":"none"}`)
	f.Add(uint8(8), "", `{"what":"w"}`)
	f.Add(uint8(9), "", `{"id":"e","name":"E","from":"2016-01-01","until":"2017-01-01"}`)
	f.Add(uint8(10), "respondent=ann&state=referred&open=true&limit=7", "")
	f.Add(uint8(11), "on=2016-08-01", "")
	f.Add(uint8(12), "on=2016-09-09&within=120&limit=2", "")
	f.Add(uint8(13), "clause=2.I.8&factor=AGG-PUBLIC&factor=", "")
	f.Add(uint8(14), "requested=1970-01-01", "")
	f.Add(uint8(15), "on=9999-12-31", "")
	f.Add(uint8(0), "", `{"transition":"record_findings","findings":[{"count":1e400}],"hearing":{"date":[]},"sanction":{"conditions":[{"due":"x"}]}}`)
	e := newCaseEnv(f, sqldbtest.Open(f, "sqlite"))
	e.run(upTo(caseScenario, "list the hearing"))
	f.Fuzz(func(t *testing.T, which uint8, query, body string) {
		fuzzRequest(t, e, caseFuzzTargets[int(which)%len(caseFuzzTargets)], query, body, true)
	})
}

// TestDemoOverAPI loads the demo organisation, whose story was played through the
// case workflow, and reads it back through the API: the facts the story is told
// for must be visible to a client.
func TestDemoOverAPI(t *testing.T) {
	ctx := context.Background()
	src, err := examples.FS.ReadFile(examples.Labour)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load(examples.Labour, src)
	if err != nil {
		t.Fatal(err)
	}
	db := sqldbtest.Open(t, "sqlite")
	if err := demo.Load(ctx, db, rb, src); err != nil {
		t.Fatal(err)
	}
	svc, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, clock: time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)} // after the demo's last entry (the 2021 elections)
	db.Now = e.now
	if e.app, err = app.New(ctx, svc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.app.Close() }) // before the database closes
	// The General Secretary sees every case and oversees; the auditor reads the
	// subject-access export.
	e.token = e.account("morag", "", "general_secretary", rulebook.RoleAuditor)
	e.srv = NewServer(e.app, Options{})
	e.run([]step{
		{name: "the 2016 case", method: "GET", path: "/api/v1/cases/D-2016-001", status: 200, want: map[string]any{
			"case.outcome": "sanctioned", "case.charges.#": 3, "case.complaints.#": 4, "case.sanctions.0.credit_from": "2016-04-28",
			"case.sanctions.0.until": "2018-04-27", "case.refusals.0.clause": "6.I.1.D", "case.refusals.0.body": "nec_officers",
			"case.contacts.0.from": "Office of the Party Leader", "case.conflicts.0.person": "ncc-07", "steps.0.id": "review", "steps.0.permitted": false}},
		{name: "the declined exclusion", method: "GET", path: "/api/v1/cases/D-2010-001", status: 200, want: map[string]any{
			"case.outcome": "exclusion_declined", "case.steps.2.transition": "decline_exclusion", "case.steps.2.body": "general_secretary"},
			contains: []string{"Two councillors were excluded"}},
		{name: "the new case follows from the old", method: "GET", path: "/api/v1/cases/D-2018-001", status: 200, want: map[string]any{
			"case.linked.0": "D-2016-001", "case.outcome": "respondent_left", "case.suspension.from": "2018-04-27"}},
		{name: "the protagonist's cases", method: "GET", path: "/api/v1/cases?respondent=M0001", status: 200, want: map[string]any{"cases.#": 6}},
		{name: "one case still open", method: "GET", path: "/api/v1/cases?open=true", status: 200, want: map[string]any{"cases.#": 1, "cases.0.id": "D-2016-002"}},
		{name: "in 2017: may vote in an all-member ballot", method: "GET", path: "/api/v1/eligibility?member=M0001&action=vote_in_all_member_ballot&date=2017-06-01", status: 200,
			want: map[string]any{"allowed": true, "status": "sanction_suspended"}},
		{name: "in 2017: may not stand", method: "GET", path: "/api/v1/eligibility?member=M0001&action=stand_as_candidate&date=2017-06-01", status: 200,
			want: map[string]any{"allowed": false, "clause.id": "6.I.1.D"}},
		{name: "precedents for disrepute", method: "GET", path: "/api/v1/precedents?clause=2.I.8&factor=AGG-PUBLIC&factor=AGG-REPEATED", status: 200, want: map[string]any{
			"precedents.0.case": "D-2016-001", "precedents.0.shared_factors": 2, "precedents.0.counts_proved": 3}},
		{name: "overdue", method: "GET", path: "/api/v1/deadlines?on=2018-06-01&within=4000", status: 200, want: map[string]any{
			"deadlines.0.case": "D-2016-002", "deadlines.0.respondent": "M0025", "deadlines.0.overdue": true}},
		{name: "statistics", method: "GET", path: "/api/v1/statistics", status: 200, want: map[string]any{
			"open_by_state.#": 1, "open_by_state.under_investigation": 1, "closed_by_staff.2010-Q4": 3, "closed_by_staff.2000-Q2": 1}},
		{name: "subject access", method: "GET", path: "/api/v1/subject-access/M0001?requested=2018-06-01", status: 200, want: map[string]any{
			"cases.#": 6, "redactions.#": "*", "register.member.id": "M0001"}, absent: []string{"A. Reader", `"M0012"`, "Office of the Party Leader"}},
	})
	checkRecordedOnly(t, e.recs)
}
