package httpapi

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// selectionRules is the example party's rule book, which declares the mayoral
// selection (alternative vote, endorsed by the NEC onto the official candidates).
const selectionRules = "../examples/labour-2016.yaml"

// newSelectionEnv is a server over db with the example rule book and its own
// roles: the returning officer runs selections (and is the token every request
// carries unless told otherwise), the NEC endorses, its disputes panel decides
// challenges, the membership office joins members, and a member votes.
func newSelectionEnv(t testing.TB, db *sqldb.DB) *env {
	t.Helper()
	rb, err := rules.LoadFile(selectionRules)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(selectionRules)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, clock: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	db.Now = e.now
	svc, err := register.New(context.Background(), db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	if e.app, err = app.New(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.app.Close() })
	e.clock = time.Date(2016, 10, 10, 10, 0, 0, 0, time.UTC)
	e.srv = NewServer(e.app, Options{})
	e.token = e.account("rita", "", "returning_officer")
	e.vars = map[string]string{
		"nia":   "Bearer " + e.account("nia", "", "nec", "nec_disputes_panel"),
		"paula": "Bearer " + e.account("paula", "", "membership_office"),
	}
	e.run([]step{join("ma", "Ann Abbot", "2010-01-01"), join("mb", "Bea Bell", "2010-01-01"), join("mc", "Cy Coe", "2010-01-01"),
		join("md", "Di Dunn", "2010-01-01"), join("mf", "Fay Ford", "2010-01-01"), join("me", "Ed Eade", "2016-05-01")})
	e.vars["bee"] = "Bearer " + e.account("bee", "mb", "member")
	return e
}

func as(who string) map[string]string { return map[string]string{"Authorization": "{{" + who + "}}"} }

func join(id, name, joined string) step {
	return step{name: "join " + id, method: "POST", path: "/api/v1/members", hdr: as("paula"), status: 201,
		body: `{"id":"` + id + `","name":"` + name + `","joined":"` + joined + `"}`}
}

// selectionScenario runs a selection through every endpoint: opened, candidates
// nominated (one refused with the clause), one withdrawn, shortlisted, the
// electorate frozen and checked, a member's own ballot cast online, the tellers'
// papers entered, a voter refused and the challenge decided, the ballots sealed
// and counted, the winner endorsed onto the official candidates and deselected.
var selectionScenario = []step{
	{name: "open", method: "POST", path: "/api/v1/selections", status: 201,
		body: `{"id":"mayor","procedure":"mayoral_selection","contest":"Mayor of Testport","freeze_date":"2016-08-01","nominations_close":"2016-08-15","ballot":"2016-09-01","ballot_closes":"2016-09-30","date":"2016-07-01"}`,
		want: map[string]any{"state": "nominations", "method": "irv", "seats": 1}},
	{name: "open again", method: "POST", path: "/api/v1/selections", status: 409, want: code("conflict"),
		body: `{"id":"mayor","procedure":"mayoral_selection","contest":"Mayor of Testport","freeze_date":"2016-08-01","nominations_close":"2016-08-15","ballot":"2016-09-01","date":"2016-07-01"}`},
	{name: "open, no such procedure", method: "POST", path: "/api/v1/selections", status: 400, want: invalid("procedure"),
		body: `{"id":"x","procedure":"nothing","contest":"X","freeze_date":"2016-08-01","nominations_close":"2016-08-15","ballot":"2016-09-01","date":"2016-07-01"}`},
	{name: "open as the NEC", method: "POST", path: "/api/v1/selections", hdr: as("nia"), status: 403, want: code("forbidden"),
		body: `{"id":"y","procedure":"mayoral_selection","contest":"Y","freeze_date":"2016-08-01","nominations_close":"2016-08-15","ballot":"2016-09-01","date":"2016-07-01"}`},
	{name: "open, not JSON", method: "POST", path: "/api/v1/selections", ctype: "text/plain", body: "x", status: 415, want: code("unsupported_media_type")},

	{name: "nominate", method: "POST", path: "/api/v1/selections/mayor/nominate", status: 200,
		body: `{"candidate":"ma","nominators":["mc","md"],"date":"2016-07-10"}`, want: map[string]any{"selection.candidates.0.member": "ma", "refused": "-"}},
	{name: "nominate another", method: "POST", path: "/api/v1/selections/mayor/nominate", status: 200,
		body: `{"candidate":"md","nominators":["mc","mf"],"date":"2016-07-11"}`, want: map[string]any{"selection.candidates.1.member": "md"}},
	{name: "nominate a third", method: "POST", path: "/api/v1/selections/mayor/nominate", status: 200,
		body: `{"candidate":"mf","nominators":["mc","md"],"date":"2016-07-11"}`},
	{name: "nominate a new member: refused with the clause", method: "POST", path: "/api/v1/selections/mayor/nominate", status: 200,
		body: `{"candidate":"me","nominators":["mc","md"],"date":"2016-07-12"}`, want: map[string]any{"refused.candidate": "me", "refused.clause": "5.I.3"}},
	{name: "nominate with a field it does not take", method: "POST", path: "/api/v1/selections/mayor/nominate", status: 400,
		body: `{"candidate":"mc","ranking":["ma"]}`, want: invalid("ranking")},
	{name: "nominate in no selection", method: "POST", path: "/api/v1/selections/nope/nominate", status: 404,
		body: `{"candidate":"mc","nominators":["ma","md"]}`, want: code("not_found")},
	{name: "withdraw", method: "POST", path: "/api/v1/selections/mayor/withdraw", status: 200,
		body: `{"candidate":"mf","reason":"standing elsewhere","date":"2016-07-20"}`, want: map[string]any{"candidates.2.withdrawn": "2016-07-20"}},
	{name: "shortlist", method: "POST", path: "/api/v1/selections/mayor/shortlist", status: 200,
		body: `{"candidates":["ma","md"],"date":"2016-08-16"}`, want: map[string]any{"shortlist.candidates.#": 2}},
	{name: "freeze too early", method: "POST", path: "/api/v1/selections/mayor/electorate/freeze", status: 400, body: `{"date":"2016-06-01"}`, want: invalid("date")},
	{name: "freeze", method: "POST", path: "/api/v1/selections/mayor/electorate/freeze", status: 200, body: `{"date":"2016-08-17"}`,
		want: map[string]any{"state": "ballot", "electorate.count": 5}},
	{name: "electorate", method: "GET", path: "/api/v1/selections/mayor/electorate", status: 200, want: map[string]any{"count": 5, "members.0.member": "ma", "members.0.name": "Ann Abbot"}},
	{name: "electorate as CSV", method: "GET", path: "/api/v1/selections/mayor/electorate?format=csv", status: 200, contains: []string{"member,name\nma,Ann Abbot\n"}},
	{name: "electorate, bad format", method: "GET", path: "/api/v1/selections/mayor/electorate?format=xml", status: 400, want: invalid("format")},
	{name: "electorate, misspelt parameter", method: "GET", path: "/api/v1/selections/mayor/electorate?fromat=csv", status: 400, want: invalid("fromat")},
	{name: "check the electorate", method: "GET", path: "/api/v1/selections/mayor/electorate/check", status: 200, want: map[string]any{"ok": true, "derived.count": 5}},
	{name: "check an electorate not frozen", method: "GET", path: "/api/v1/selections/nope/electorate/check", status: 404, want: code("not_found")},

	{name: "ballot paper", method: "GET", path: "/api/v1/selections/mayor/ballot", hdr: as("bee"), status: 200,
		want: map[string]any{"candidates.#": 2, "candidates.0.name": "Ann Abbot", "in_electorate": true, "voted": false}},
	{name: "a member's own ballot", method: "POST", path: "/api/v1/selections/mayor/ballot", hdr: as("bee"), status: 200,
		body: `{"ranking":["md","ma"],"date":"2016-09-02"}`, want: map[string]any{"member": "mb", "event": "*", "refused": "-"}, absent: []string{`"md","ma"`}},
	{name: "a second ballot", method: "POST", path: "/api/v1/selections/mayor/ballot", hdr: as("bee"), status: 409,
		body: `{"ranking":["ma"],"date":"2016-09-03"}`, want: code("conflict")},
	{name: "a ballot for someone else", method: "POST", path: "/api/v1/selections/mayor/ballot", hdr: as("bee"), status: 403,
		body: `{"member":"mc","ranking":["ma"],"date":"2016-09-03"}`, want: code("forbidden")},
	{name: "staff cast no ballot", method: "POST", path: "/api/v1/selections/mayor/ballot", status: 403,
		body: `{"member":"mc","ranking":["ma"],"date":"2016-09-03"}`, want: code("forbidden")},
	{name: "the ballot paper after voting", method: "GET", path: "/api/v1/selections/mayor/ballot", hdr: as("bee"), status: 200, want: map[string]any{"voted": true}},
	{name: "a member's ballots", method: "GET", path: "/api/v1/ballots", hdr: as("bee"), status: 200, want: map[string]any{"ballots.0.selection": "mayor"}},
	{name: "staff have no ballots", method: "GET", path: "/api/v1/ballots", status: 403, want: code("forbidden")},
	{name: "papers", method: "POST", path: "/api/v1/selections/mayor/papers", status: 200,
		body: `{"ballots":[{"papers":3,"ranking":["ma","md"]},{"papers":2,"ranking":["md"]}],"rejected":1,"date":"2016-09-30"}`,
		want: map[string]any{"entered": 5, "rejected": 1, "marked": 1}},
	{name: "papers ranking no candidate", method: "POST", path: "/api/v1/selections/mayor/papers", status: 400,
		body: `{"ballots":[{"papers":1,"ranking":["mf"]}],"date":"2016-09-30"}`, want: invalid("ballots[0].ranking")},
	{name: "refuse a voter", method: "POST", path: "/api/v1/selections/mayor/refuse", status: 200,
		body: `{"member":"mc","reason":"not shown to be who they said","date":"2016-09-03"}`, want: map[string]any{"voters_refused.0.clause": "5.I.1"}},
	{name: "challenge", method: "POST", path: "/api/v1/selections/mayor/challenge", status: 200,
		body: `{"member":"mc","reason":"I brought my card","date":"2016-09-04"}`, want: map[string]any{"voters_refused.0.challenged": "2016-09-04"}},
	{name: "decide, not upheld or dismissed", method: "POST", path: "/api/v1/selections/mayor/challenge", hdr: as("nia"), status: 400,
		body: `{"member":"mc","decide":"maybe","body":"nec_disputes_panel","reasons":"x"}`, want: invalid("decide")},
	{name: "decide the challenge", method: "POST", path: "/api/v1/selections/mayor/challenge", hdr: as("nia"), status: 200,
		body: `{"member":"mc","decide":"dismissed","body":"nec_disputes_panel","reasons":"the card was not the member's","date":"2016-09-05"}`,
		want: map[string]any{"voters_refused.0.challenge.upheld": "-", "voters_refused.0.decided": "2016-09-05"}},
	{name: "refuse a voter wrongly", method: "POST", path: "/api/v1/selections/mayor/refuse", status: 200,
		body: `{"member":"mf","reason":"not on the list at the door","date":"2016-09-06"}`, want: map[string]any{"voters_refused.1.member": "mf"}},
	{name: "challenge it", method: "POST", path: "/api/v1/selections/mayor/challenge", status: 200,
		body: `{"member":"mf","reason":"I am a member","date":"2016-09-06"}`},
	{name: "uphold the challenge", method: "POST", path: "/api/v1/selections/mayor/challenge", hdr: as("nia"), status: 200,
		body: `{"member":"mf","decide":"upheld","body":"nec_disputes_panel","reasons":"on the register all along","date":"2016-09-30"}`,
		want: map[string]any{"admitted.0": "mf"}},
	{name: "refusals before the count", method: "GET", path: "/api/v1/selections/mayor/refusals", status: 422, want: code("not_permitted")},
	{name: "close", method: "POST", path: "/api/v1/selections/mayor/close", status: 200, body: `{"date":"2016-09-30"}`, want: map[string]any{"state": "sealed", "sealed.papers": 6}},
	{name: "close again", method: "POST", path: "/api/v1/selections/mayor/close", status: 422, body: `{"date":"2016-09-30"}`, want: code("not_permitted")},
	{name: "count", method: "POST", path: "/api/v1/selections/mayor/count", status: 200, body: `{"date":"2016-10-01"}`,
		want: map[string]any{"state": "counted", "result.elected.0": "ma", "result.rounds.0.tally.ma": "3", "names.ma": "Ann Abbot"}},
	// Ann Abbot and Di Dunn tied 3 to 3, settled by lot: the one voter turned away
	// could have changed it.
	{name: "refusals", method: "GET", path: "/api/v1/selections/mayor/refusals", status: 200,
		want: map[string]any{"found_wrong.#": 1, "found_wrong.0.member": "mf", "found_wrong.0.name": "Fay Ford", "found_wrong.0.body": "nec_disputes_panel",
			"found_wrong.0.voted": false, "pending.#": 0, "turned_away": 1, "rounds.0.decision": "election", "rounds.0.gap": "0", "rounds.0.needed": 1,
			"rounds.0.could": true, "could_have_changed_result": true}},
	{name: "refusals as a member", method: "GET", path: "/api/v1/selections/mayor/refusals", hdr: as("bee"), status: 403, want: code("forbidden")},
	{name: "refusals of no selection", method: "GET", path: "/api/v1/selections/nope/refusals", status: 404, want: code("not_found")},
	{name: "show", method: "GET", path: "/api/v1/selections/mayor?on=2016-10-02", status: 200,
		want: map[string]any{"nominations_refused.0.clause": "5.I.3", "standing.0.allowed": true, "on": "2016-10-02", "procedure_name": "*"}},
	{name: "show, bad day", method: "GET", path: "/api/v1/selections/mayor?on=tomorrow", status: 400, want: invalid("on")},
	{name: "endorse as the returning officer", method: "POST", path: "/api/v1/selections/mayor/endorse", status: 403,
		body: `{"body":"nec","date":"2016-10-03"}`, want: code("forbidden")},
	{name: "endorse", method: "POST", path: "/api/v1/selections/mayor/endorse", hdr: as("nia"), status: 200,
		body: `{"body":"nec","reasons":"a valid ballot","date":"2016-10-03"}`, want: map[string]any{"state": "endorsed", "endorsements.0.candidates.0": "ma"}},
	{name: "refuse and withdraw at once", method: "POST", path: "/api/v1/selections/mayor/endorse", hdr: as("nia"), status: 400,
		body: `{"body":"nec","reasons":"x","refuse":true,"withdraw":true}`, want: invalid("withdraw")},
	{name: "official candidates, as a member", method: "GET", path: "/api/v1/official-candidates?on=2016-10-04", hdr: as("bee"), status: 403, want: code("forbidden")},
	{name: "official candidates", method: "GET", path: "/api/v1/official-candidates?on=2016-10-04", hdr: as("nia"), status: 200,
		want: map[string]any{"candidates.#": 1, "candidates.0.member": "ma", "candidates.0.list": "official_candidates"}},
	{name: "official candidates, bad day", method: "GET", path: "/api/v1/official-candidates?on=2016-13-01", hdr: as("nia"), status: 400, want: invalid("on")},
	{name: "deselect", method: "POST", path: "/api/v1/selections/mayor/deselect", hdr: as("nia"), status: 200,
		body: `{"candidate":"ma","body":"nec","reasons":"brought the party into disrepute","date":"2016-10-08"}`,
		want: map[string]any{"endorsements.0.how": "deselected", "endorsements.0.ended": "2016-10-08"}},
	{name: "withdraw an endorsement that ended", method: "POST", path: "/api/v1/selections/mayor/endorse", hdr: as("nia"), status: 400,
		body: `{"body":"nec","reasons":"x","withdraw":true,"candidate":"ma","date":"2016-10-09"}`, want: invalid("candidate")},
	{name: "no longer official", method: "GET", path: "/api/v1/official-candidates?on=2016-10-09", hdr: as("nia"), status: 200, want: map[string]any{"candidates.#": 0}},
	// Public elections: Ann Abbot, the endorsed candidate, wins a ward by 40 votes.
	{name: "enter an election", method: "POST", path: "/api/v1/elections", status: 201,
		body: `{"id":"ward-2016","kind":"fptp","title":"Testport Central ward","poll":"2016-11-03","declared":true,"electorate":1000,"rejected":2,` +
			`"candidates":[{"name":"Ann Abbot","party":"Labour","member":"ma","votes":240},{"name":"Zed Zane","party":"Other","votes":200}],"date":"2016-11-04"}`,
		want: map[string]any{"id": "ward-2016", "declared": true, "candidates.0.member": "ma"}},
	{name: "enter an election naming no member", method: "POST", path: "/api/v1/elections", status: 400,
		body: `{"id":"ward-x","kind":"fptp","title":"X","poll":"2016-11-03","declared":true,"candidates":[{"name":"Q","member":"nobody","votes":1}]}`, want: invalid("candidates")},
	{name: "enter an election as a member", method: "POST", path: "/api/v1/elections", hdr: as("bee"), status: 403,
		body: `{"id":"ward-y","kind":"fptp","title":"Y","poll":"2016-11-03"}`, want: code("forbidden")},
	{name: "enter an election, a field it does not take", method: "POST", path: "/api/v1/elections", status: 400,
		body: `{"id":"ward-z","kind":"fptp","title":"Z","poll":"2016-11-03","colour":"red"}`, want: invalid("colour")},
	{name: "count the election", method: "POST", path: "/api/v1/elections/ward-2016/count", status: 200, body: `{"date":"2016-11-04"}`,
		want: map[string]any{"count.winners.0": "Ann Abbot (ma)", "count.majority": "40", "names.ma": "Ann Abbot"}},
	{name: "count no election", method: "POST", path: "/api/v1/elections/nope/count", status: 404, body: `{}`, want: code("not_found")},
	{name: "an election", method: "GET", path: "/api/v1/elections/ward-2016", status: 200, want: map[string]any{"count.majority": "40", "counted": "2016-11-04"}},
	{name: "no such election", method: "GET", path: "/api/v1/elections/nope", status: 404, want: code("not_found")},
	{name: "elections", method: "GET", path: "/api/v1/elections", status: 200, want: map[string]any{"elections.0.id": "ward-2016", "elections.0.declared": true}},
	{name: "elections as a member", method: "GET", path: "/api/v1/elections", hdr: as("bee"), status: 403, want: code("forbidden")},
	{name: "list", method: "GET", path: "/api/v1/selections", status: 200, want: map[string]any{"selections.0.id": "mayor", "selections.0.state": "endorsed"}},
	{name: "list as a member", method: "GET", path: "/api/v1/selections", hdr: as("bee"), status: 403, want: code("forbidden")},
	{name: "show as a member", method: "GET", path: "/api/v1/selections/mayor", hdr: as("bee"), status: 403, want: code("forbidden")},
}
