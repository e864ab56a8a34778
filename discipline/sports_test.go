package discipline

import (
	"strings"
	"testing"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// The tests in this file run a national sports body's rule book: bans counted in
// its matches, standard punishments for a sending-off, and clubs answerable for
// their supporters. What a match is, which outcomes count and what each
// punishment is are the rule book's.
const sportsBook = "../examples/sports-2024.yaml"

// sport is a fixture over the sports body's rule book with its clubs (as units
// the players belong to) created.
func sport(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	f := newFixture(t, db, sportsBook)
	for _, c := range []string{"ashworth", "brackenfield", "coldharbour", "dunmore"} {
		if _, err := f.reg.CreateUnit(ctx, "t", rulebook.Unit{ID: c, Name: strings.ToUpper(c[:1]) + c[1:], Kind: "club"}, d("2019-07-01")); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// player registers a player with a club.
func (f *fixture) player(joined, club string) string {
	f.t.Helper()
	return f.member(joined, rulebook.Member{Unit: club})
}

// joinAs registers someone with a status of their own (a match official, a club).
func (f *fixture) joinAs(id, name, joined, status, unit string) string {
	f.t.Helper()
	if _, err := f.reg.Join(ctx, "t", rulebook.Member{ID: id, Name: name, Unit: unit, Joined: d(joined)}, status); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// match records a match between clubs with its outcome.
func (f *fixture) match(id, day, outcome string, clubs ...string) *rulebook.Event {
	f.t.Helper()
	e, err := f.reg.RecordOccasion(ctx, "t", d(day), rulebook.Occasion{ID: id, Kind: "matches", Units: clubs, Outcome: outcome})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// report opens a case on an official's report about respondent.
func (f *fixture) report(date, conduct, respondent, official, clause string) string {
	f.t.Helper()
	f.n++
	cid := "R" + strings.ReplaceAll(date, "-", "") + "-" + respondent
	if _, err := f.reg.ReceiveComplaint(ctx, "t", d(date), rulebook.ComplaintReceived{ID: cid, Respondent: respondent, Complainant: official,
		From: "official", Via: "form", Conduct: d(conduct), Clauses: []string{clause}, Summary: "referee's report"}); err != nil {
		f.t.Fatal(err)
	}
	o, err := f.s.Open(ctx, "t", OpenInput{Kind: "complaint", Respondent: respondent, Date: d(date), Complaints: []string{cid}})
	if err != nil {
		f.t.Fatal(err)
	}
	return o.Case.ID
}

// commission is a panel of the Disciplinary Commission, with an independent member.
func commission(ids ...string) *Panel {
	p := &Panel{Body: "disciplinary_commission", Members: []PanelMember{{ID: "dc-ind", Name: "Morag Ellery", Section: "independent"}}}
	for _, id := range ids {
		p.Members = append(p.Members, PanelMember{ID: id, Name: "Commissioner " + id, Section: "football"})
	}
	return p
}

// consistent checks that the stored register and cases are what the events make them.
func (f *fixture) consistent(when string) {
	f.t.Helper()
	if diffs, err := f.db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
		f.t.Errorf("%s: register differs from the events: %v %v", when, diffs, err)
	}
	if diffs, err := f.s.CheckCases(ctx); err != nil || len(diffs) > 0 {
		f.t.Errorf("%s: cases differ from the events: %v %v", when, diffs, err)
	}
}

// TestSportMatchBan: a three-match ban is served only by matches the player's club
// plays — a postponed one does not count — carried across a transfer and over the
// close season, with the match missed under an interim suspension credited. Its end
// is not known until the last match is recorded, and an answer on any date says how
// many matches remain.
func TestSportMatchBan(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := sport(t, db)
		ref := f.joinAs("ref-okafor", "Ade Okafor", "2020-08-01", "official", "")
		pat := f.player("2023-07-15", "ashworth")
		id := f.report("2024-04-08", "2024-04-06", pat, ref, "8.1")
		f.take(id, Command{Transition: "charge", Date: d("2024-04-09"), Body: "competitions_department", Criteria: []string{"CHARGE"}, Rationale: "the report shows a case to answer",
			Charges: []Charge{{Count: 1, Clause: "8.1", Particulars: "struck an opponent after the final whistle"}}})
		f.take(id, Command{Transition: "interim_suspension", Date: d("2024-04-10"), Body: "disciplinary_commission", Criteria: []string{"INTERIM-RISK"}, Rationale: "violence"})
		f.take(id, Command{Transition: "list_hearing", Date: d("2024-04-11"), Body: "disciplinary_commission", Panel: commission("dc-1", "dc-2"), Hearing: &Hearing{Date: d("2024-04-22")}})
		f.match("F01", "2024-04-13", "played", "ashworth", "coldharbour") // missed under the interim suspension
		f.take(id, Command{Transition: "determine", Date: d("2024-04-22"), Body: "disciplinary_commission", Findings: []Finding{{Count: 1, Finding: "proved"}}})
		if _, err := f.s.HearMitigation(ctx, "t", id, d("2024-04-22"), "first offence"); err != nil {
			t.Fatal(err)
		}
		impose := Command{Transition: "impose_sanction", Date: d("2024-04-24"), Body: "disciplinary_commission", Rationale: "violent conduct",
			Sanction: &SanctionOrder{Sanction: "match_ban", Until: d("2024-06-01")}}
		_, err := f.s.Take(ctx, "t", id, impose)
		wantField(t, "a ban in matches given an end date", err, "sanction.until", "number of matches")
		impose.Sanction = &SanctionOrder{Sanction: "match_ban"}
		_, err = f.s.Take(ctx, "t", id, impose)
		wantField(t, "a ban in matches without a count", err, "sanction.count", "at most 12 matches")
		impose.Sanction.Count = 13
		_, err = f.s.Take(ctx, "t", id, impose)
		wantErr(t, "a ban over the menu's limit", err, rulebook.ENotPermitted, "at most 12 matches", "not 13 matches")
		impose.Sanction.Count = 3
		c := f.take(id, impose).Case
		if so := c.Sanctions[0]; so.Count != 3 || so.Unit != "matches" || so.CreditFrom != d("2024-04-10") || so.CreditUntil != d("2024-04-24") || !so.Until.IsZero() {
			t.Fatalf("the ban as decided: %+v", so)
		}

		f.match("F02", "2024-04-27", "postponed", "ashworth", "dunmore")
		a := f.may(pat, "play", "2024-05-01")
		if a.Allowed || a.Serving == nil || a.Serving.Sanction != "match_ban" || a.Serving.Clause != "8.2" || a.Serving.Served != 1 || a.Serving.Remaining != 2 {
			t.Fatalf("after a postponed match: %+v %+v", a, a.Serving)
		}
		if !strings.Contains(a.Reason, "Match ban") || !strings.Contains(a.Reason, "1 match served before 2024-05-01, 2 matches remain") {
			t.Errorf("the answer does not cite the ban and what remains: %s", a.Reason)
		}
		if a := f.may(pat, "train", "2024-05-01"); !a.Allowed {
			t.Errorf("a suspended player may train: %s", a.Reason)
		}
		f.match("F03", "2024-05-04", "played", "ashworth", "brackenfield")

		// The close season, and a transfer to Brackenfield: Ashworth's first match
		// of the new season does not serve Pat's ban; Brackenfield's does.
		if a := f.may(pat, "play", "2024-06-15"); a.Allowed || a.Serving.Remaining != 1 || !strings.Contains(a.Reason, "1 match remains") {
			t.Errorf("over the close season: %s", a.Reason)
		}
		if _, err := f.reg.Update(ctx, "t", pat, d("2024-07-01"), rulebook.MemberUpdated{Unit: "brackenfield"}); err != nil {
			t.Fatal(err)
		}
		f.match("F04", "2024-08-10", "played", "ashworth", "coldharbour")
		if got := f.statusOn(pat, "2024-12-31"); got != "suspended" {
			t.Errorf("with a match to serve and none recorded for the new club, on 31 December: %s", got)
		}
		before := time.Now()
		time.Sleep(2 * time.Millisecond)
		f.match("F05", "2024-08-17", "played", "brackenfield", "dunmore")
		a = f.may(pat, "play", "2024-08-17")
		if a.Allowed || a.Serving.Remaining != 1 {
			t.Errorf("on the day of the third match: %s", a.Reason)
		}
		if a := f.may(pat, "play", "2024-08-18"); !a.Allowed || a.Status != "registered" {
			t.Errorf("after the third match: %+v", a)
		}
		h := f.history(pat)
		if sv := h.Servings[0]; len(sv.Counted) != 3 || !sv.Counted[0].Credit || sv.Counted[2].Unit != "brackenfield" || sv.Served != d("2024-08-18") {
			t.Errorf("served: %+v", sv)
		}
		// What the register said before Brackenfield's match was recorded.
		then, err := f.db.HistoryAsRecorded(ctx, pat, before)
		if err != nil {
			t.Fatal(err)
		}
		if a, err := eligibility.Check(f.s.rb(), then, eligibility.Question{Action: "play", Date: d("2024-08-18")}); err != nil || a.Allowed || a.Serving.Remaining != 1 {
			t.Errorf("as recorded before the match: %+v %v", a, err)
		}
		f.consistent("after the ban was served")
		if err := f.db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if got := f.statusOn(pat, "2024-08-18"); got != "registered" {
			t.Errorf("after a rebuild: %s", got)
		}
		f.consistent("after a rebuild")
		// A check of the projection notices a match or a ban changed behind its back.
		for _, q := range []string{`UPDATE occasions SET counts = 0 WHERE id = 'F05'`, `DELETE FROM servings`} {
			if err := sqldbtest.Exec(db, q); err != nil {
				t.Fatal(err)
			}
			if diffs, err := f.db.CheckProjection(ctx); err != nil || len(diffs) == 0 {
				t.Errorf("%s: not noticed (%v)", q, err)
			}
		}
	})
}

// TestSportMatchRecords: a match recorded again replaces the earlier record (an
// abandoned match does not count), and one withdrawn as entered in error serves
// nothing; the bans it touched follow at once.
func TestSportMatchRecords(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := sport(t, db)
		ref := f.joinAs("ref-vance", "Iona Vance", "2020-08-01", "official", "")
		kim := f.player("2023-07-15", "dunmore")
		id := f.report("2024-09-09", "2024-09-07", kim, ref, "8.1")
		f.take(id, Command{Transition: "apply_standard_punishment", Date: d("2024-09-09"), Body: "competitions_department", Standard: "second_caution", Evidence: []string{"referee's report"}})
		m := f.match("G01", "2024-09-14", "played", "dunmore", "ashworth")
		if got := f.statusOn(kim, "2024-09-15"); got != "registered" {
			t.Fatalf("after the match: %s", got)
		}
		f.match("G01", "2024-09-14", "abandoned", "dunmore", "ashworth")
		if got := f.statusOn(kim, "2024-09-15"); got != "suspended" {
			t.Errorf("after the match was recorded as abandoned: %s", got)
		}
		wrong := f.match("G02", "2024-09-21", "played", "dunmore", "coldharbour")
		if got := f.statusOn(kim, "2024-09-22"); got != "registered" {
			t.Errorf("after the next match: %s", got)
		}
		if _, err := f.reg.Correct(ctx, "t", wrong.ID, "Dunmore did not play on 21 September: entered against the wrong club"); err != nil {
			t.Fatal(err)
		}
		if got := f.statusOn(kim, "2024-09-22"); got != "suspended" {
			t.Errorf("after the match was withdrawn: %s", got)
		}
		_, err := f.reg.RecordOccasion(ctx, "t", d("2024-09-28"), rulebook.Occasion{ID: "G03", Kind: "matches", Units: []string{"dunmore", "nowhere"}, Outcome: "played"})
		wantField(t, "a match of a club not on the register", err, "units", "nowhere")
		_, err = f.reg.RecordOccasion(ctx, "t", d("2024-09-28"), rulebook.Occasion{ID: "G03", Kind: "matches", Units: []string{"dunmore"}, Outcome: "won"})
		wantField(t, "an outcome the rule book does not list", err, "outcome", "played, postponed, abandoned")
		_, err = f.reg.RecordOccasion(ctx, "t", d("2024-09-28"), rulebook.Occasion{ID: "G03", Kind: "innings", Units: []string{"dunmore"}, Outcome: "played"})
		wantField(t, "an occasion the rule book does not declare", err, "kind", "matches")
		if m.ID == "" {
			t.Fatal("no event")
		}
		occ, err := f.db.Occasions(ctx, sqldb.OccasionFilter{Unit: "dunmore"})
		if err != nil || len(occ) != 1 || occ[0].Outcome != "abandoned" || occ[0].Counts {
			t.Errorf("Dunmore's matches: %+v %v", occ, err)
		}
		f.consistent("after matches recorded again and withdrawn")
	})
}

// TestSportStandardPunishment: a sending-off's standard punishment is applied on
// the referee's report without a hearing, as the rule book in force at the conduct
// fixes it; uncontested, it stands; contested in time, it goes to a hearing, which
// may rescind or reduce it.
func TestSportStandardPunishment(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := sport(t, db)
		ref := f.joinAs("ref-okafor", "Ade Okafor", "2020-08-01", "official", "")
		// Uncontested: one match, served by Coldharbour's next match.
		lee := f.player("2022-08-01", "coldharbour")
		id := f.report("2024-09-09", "2024-09-07", lee, ref, "8.1")
		apply := Command{Transition: "apply_standard_punishment", Date: d("2024-09-09"), Body: "competitions_department", Evidence: []string{"referee's report: second caution, 78th minute"}}
		_, err := f.s.Take(ctx, "t", id, apply)
		wantField(t, "no standard punishment named", err, "standard", "second_caution, serious_foul_play, violent_conduct")
		apply.Standard = "second_caution"
		apply.Sanction = &SanctionOrder{Sanction: "match_ban", Count: 2}
		_, err = f.s.Take(ctx, "t", id, apply)
		wantField(t, "a standard punishment with sanctions of the step's own", err, "sanctions", "fixes its own")
		apply.Sanction = nil
		c := f.take(id, apply).Case
		if !c.Closed || c.Outcome != "standard_punishment" || c.Standard == nil || c.Standard.ContestBy != d("2024-09-16") || len(c.Sanctions) != 1 || c.Sanctions[0].Count != 1 {
			t.Fatalf("after the standard punishment: %+v %+v", c, c.Standard)
		}
		// The contest's last day, as pages and lists give it, is the
		// punishment's: the step itself has no time limit of its own.
		proc, _, err := Versions(f.s.rb(), c, c.LastDate())
		if err != nil {
			t.Fatal(err)
		}
		x := proc.Discipline
		if due := c.StepDue(x, x.Transitions["contest"]); due != d("2024-09-16") {
			t.Errorf("the contest is due by %s, want 2024-09-16", due)
		}
		if got := f.statusOn(lee, "2024-09-09"); got != "suspended" {
			t.Errorf("on the day it was applied: %s", got)
		}
		if l, err := f.s.Letter(ctx, c, "decision", "", rulebook.NoDate); err != nil || l.Decision == nil || len(l.Decision.Sanctions) != 1 || l.Decision.Sanctions[0] != "Match ban (1 match)" {
			t.Errorf("the decision letter: %+v %v", l.Decision, err)
		}
		f.match("H01", "2024-09-14", "played", "coldharbour", "brackenfield")
		if a := f.may(lee, "play", "2024-09-15"); !a.Allowed {
			t.Errorf("after the match: %s", a.Reason)
		}
		_, err = f.s.Take(ctx, "t", id, Command{Transition: "contest", Date: d("2024-09-17"), Body: "participant", Rationale: "the second caution was for another player"})
		wantErr(t, "a contest after seven days", err, rulebook.ENotPermitted, "out of time", "within 7 days", "2024-09-16")

		// The schedule in force at the conduct decides, whenever it is applied:
		// violent conduct was three matches and £150 until July 2024, four matches
		// and £250 since.
		old := f.player("2022-08-01", "coldharbour")
		idOld := f.report("2024-07-02", "2024-06-29", old, ref, "8.1")
		o := f.take(idOld, Command{Transition: "apply_standard_punishment", Date: d("2024-07-02"), Body: "competitions_department", Standard: "violent_conduct", Evidence: []string{"report"}}).Case
		if o.Sanctions[0].Count != 3 || o.Sanctions[1].Amount.String() != "GBP 150.00" || o.Sanctions[1].PayBy.IsZero() {
			t.Errorf("violent conduct in June 2024: %+v", o.Sanctions)
		}
		recent := f.player("2022-08-01", "coldharbour")
		idNew := f.report("2024-09-09", "2024-09-07", recent, ref, "8.1")
		n := f.take(idNew, Command{Transition: "apply_standard_punishment", Date: d("2024-09-09"), Body: "competitions_department", Standard: "violent_conduct", Evidence: []string{"report"}}).Case
		if n.Sanctions[0].Count != 4 || n.Sanctions[1].Amount.String() != "GBP 250.00" {
			t.Errorf("violent conduct in September 2024: %+v", n.Sanctions)
		}

		// Contested in time: the case goes to a hearing, and the punishment stands
		// until the Commission rescinds it.
		sam := f.player("2022-08-01", "ashworth")
		id2 := f.report("2024-09-09", "2024-09-07", sam, ref, "8.1")
		f.take(id2, Command{Transition: "apply_standard_punishment", Date: d("2024-09-09"), Body: "competitions_department", Standard: "serious_foul_play", Evidence: []string{"report"}})
		c2 := f.take(id2, Command{Transition: "contest", Date: d("2024-09-12"), Body: "participant", Rationale: "the tackle was fair: video evidence"}).Case
		if c2.State != "contested" || c2.Closed {
			t.Fatalf("after the contest: %s", c2.State)
		}
		f.take(id2, Command{Transition: "list_contest", Date: d("2024-09-12"), Body: "disciplinary_commission", Panel: commission("dc-1", "dc-2"), Hearing: &Hearing{Date: d("2024-09-16")}})
		f.match("H02", "2024-09-14", "played", "ashworth", "dunmore")
		if a := f.may(sam, "play", "2024-09-15"); a.Allowed || a.Serving.Remaining != 2 {
			t.Errorf("while the contest is pending: %s", a.Reason)
		}
		c2 = f.take(id2, Command{Transition: "rescind_punishment", Date: d("2024-09-16"), Body: "disciplinary_commission", Rationale: "the video shows a fair challenge"}).Case
		if c2.Outcome != "punishment_rescinded" || c2.Sanctions[0].EndedHow != "quashed" {
			t.Errorf("after the hearing: %+v", c2)
		}
		if a := f.may(sam, "play", "2024-09-16"); !a.Allowed {
			t.Errorf("after the punishment was rescinded: %s", a.Reason)
		}
		f.match("H03", "2024-09-21", "played", "ashworth", "brackenfield")
		if got := f.statusOn(sam, "2024-12-01"); got != "registered" {
			t.Errorf("a rescinded ban was served again: %s", got)
		}

		// Reduced to one match, counted from the first: the match already missed
		// serves it, so it ends on the day it is reduced.
		max := f.player("2022-08-01", "brackenfield")
		id3 := f.report("2024-09-09", "2024-09-07", max, ref, "8.1")
		f.take(id3, Command{Transition: "apply_standard_punishment", Date: d("2024-09-09"), Body: "competitions_department", Standard: "serious_foul_play", Evidence: []string{"report"}})
		f.take(id3, Command{Transition: "contest", Date: d("2024-09-10"), Body: "participant", Rationale: "reckless, not serious foul play"})
		f.take(id3, Command{Transition: "list_contest", Date: d("2024-09-10"), Body: "disciplinary_commission", Panel: commission("dc-1", "dc-2"), Hearing: &Hearing{Date: d("2024-09-16")}})
		f.take(id3, Command{Transition: "reduce_punishment", Date: d("2024-09-16"), Body: "disciplinary_commission", Rationale: "reckless only",
			Sanction: &SanctionOrder{Sanction: "match_ban", From: d("2024-09-09"), Count: 1}})
		for day, want := range map[string]string{"2024-09-15": "suspended", "2024-09-16": "registered", "2024-10-01": "registered"} {
			if got := f.statusOn(max, day); got != want {
				t.Errorf("reduced ban, on %s: %s, want %s", day, got, want)
			}
		}
		f.consistent("after standard punishments")
	})
}

// TestSportClubSanctioned: a club is fined and docked points for its supporters'
// conduct, within the limits of the rule book in force at the conduct; its status
// is its own, and non-payment suspends it until it pays.
func TestSportClubSanctioned(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := sport(t, db)
		commissioner := f.joinAs("mc-harlow", "Jean Harlow", "2019-08-01", "official", "")
		club := f.joinAs("club-brackenfield", "Brackenfield Town FC", "2019-07-01", "affiliated", "brackenfield")
		if a := f.may(club, "enter_competitions", "2024-09-01"); !a.Allowed {
			t.Fatalf("an affiliated club: %s", a.Reason)
		}
		if a := f.may(club, "play", "2024-09-01"); a.Allowed {
			t.Errorf("a club may play: %s", a.Reason)
		}
		id := f.report("2024-09-16", "2024-09-14", club, commissioner, "9.1")
		f.take(id, Command{Transition: "charge", Date: d("2024-09-17"), Body: "competitions_department", Criteria: []string{"CHARGE"}, Rationale: "the commissioner's report and the police log",
			Charges: []Charge{{Count: 1, Clause: "9.1", Particulars: "failed to ensure its supporters did not throw missiles and pyrotechnics onto the pitch"}}})
		// A commissioner of Brackenfield's own cannot sit.
		f.joinAs("dc-brack", "Owen Brackley", "2019-07-01", "registered", "brackenfield")
		_, err := f.s.Take(ctx, "t", id, Command{Transition: "list_hearing", Date: d("2024-09-18"), Body: "disciplinary_commission", Panel: commission("dc-1", "dc-brack"),
			Hearing: &Hearing{Date: d("2024-09-30")}})
		wantErr(t, "a panel member from the club charged", err, rulebook.ENotPermitted, "brackenfield")
		f.take(id, Command{Transition: "list_hearing", Date: d("2024-09-18"), Body: "disciplinary_commission", Panel: commission("dc-1", "dc-2"), Hearing: &Hearing{Date: d("2024-09-30")}})
		f.take(id, Command{Transition: "determine", Date: d("2024-09-30"), Body: "disciplinary_commission", Findings: []Finding{{Count: 1, Finding: "proved"}}})
		if _, err := f.s.HearMitigation(ctx, "t", id, d("2024-09-30"), "the club has banned eleven supporters for life"); err != nil {
			t.Fatal(err)
		}
		gbp := func(s string) rulebook.Money {
			m, err := rulebook.ParseMoney("GBP", s)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		impose := Command{Transition: "impose_sanction", Date: d("2024-10-01"), Body: "disciplinary_commission", Rationale: "missiles thrown; the club acted promptly",
			Sanctions: []SanctionOrder{{Sanction: "fine", Amount: gbp("2,500.00"), Factors: []string{"MISSILES", "CLUB-ACTION"}}, {Sanction: "points_deduction", Count: 19}}}
		_, err = f.s.Take(ctx, "t", id, impose)
		wantErr(t, "more points than the 2024 rule book allows", err, rulebook.ENotPermitted, "at most 18 points", "not 19 points")
		impose.Sanctions[1].Count = 0
		_, err = f.s.Take(ctx, "t", id, impose)
		wantField(t, "a deduction of nothing", err, "sanctions[1].count", "up to 18")
		impose.Sanctions[1].Count = 3
		impose.Sanctions[0].Count = 2
		_, err = f.s.Take(ctx, "t", id, impose)
		wantField(t, "a count on a fine", err, "sanctions[0].count", "not counted")
		impose.Sanctions[0].Count = 0
		c := f.take(id, impose).Case
		if len(c.Sanctions) != 2 || c.Sanctions[1].Count != 3 || c.Sanctions[1].Unit != "points" || c.Sanctions[0].PayBy != d("2024-10-29") {
			t.Fatalf("sanctions: %+v", c.Sanctions)
		}
		if got := f.statusOn(club, "2024-10-01"); got != "affiliated" {
			t.Errorf("a fine and a deduction change no status: %s", got)
		}
		l, err := f.s.Letter(ctx, f.get(id), "decision", "", rulebook.NoDate)
		if err != nil {
			t.Fatal(err)
		}
		if l.Decision == nil || len(l.Decision.Sanctions) != 2 || l.Decision.Sanctions[1] != "Deduction of league points (3 points)" || !strings.Contains(l.Decision.Sanctions[0], "GBP 2,500.00") {
			t.Errorf("the decision letter: %+v", l.Decision)
		}
		counts, err := f.db.SanctionCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, sc := range counts {
			got[sc.Clause+" "+sc.Sanction] = sc.Cases
		}
		if got["9.1 fine"] != 1 || got["9.1 points_deduction"] != 1 {
			t.Errorf("sanction counts: %+v", counts)
		}
		f.take(id, Command{Transition: "record_non_payment", Date: d("2024-10-30"), Body: "competitions_department", Rationale: "unpaid after a reminder"})
		if a := f.may(club, "enter_competitions", "2024-10-30"); a.Allowed || a.Status != "suspended_unpaid" {
			t.Errorf("after non-payment: %+v", a)
		}
		f.take(id, Command{Transition: "record_payment", Date: d("2024-11-04"), Body: "competitions_department"})
		if got := f.statusOn(club, "2024-11-04"); got != "affiliated" {
			t.Errorf("after payment: %s", got)
		}
		f.consistent("after the club's case")
	})
}
