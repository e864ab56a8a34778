package demo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

// The 2016 selections, made through the application as the returning officer and
// the NEC would make them: the party's candidate for mayor by alternative vote
// (the suspended former mayor's nomination refused with the clause, members
// voting online and the tellers entering the postal papers, the count taking
// three rounds), and three council candidates for Harbour Ward by STV.

// selectionsOf2016 plays the 2016 selections; at sets the record's clock.
func (p *player) selectionsOf2016(at func(string)) {
	if p.err != nil {
		return
	}
	a, err := app.New(p.ctx, p.svc)
	if err != nil {
		p.err = err
		return
	}
	defer a.Close()
	(&selector{player: p, a: a}).play(at)
}

// selector runs selections through the application, stopping at the first error.
type selector struct {
	*player
	a *app.App
}

func (s *selector) fail(what string, err error) {
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("demo: %s: %w", what, err)
	}
}

// as is the context of the command line acting as who.
func (s *selector) as(who string) *selector {
	return &selector{player: &player{ctx: app.WithPrincipal(s.ctx, app.OperatorPrincipal(who)), svc: s.svc}, a: s.a}
}

func (s *selector) do(who, what string, f func(x *selector) error) {
	if s.err != nil {
		return
	}
	x := s.as(who)
	s.fail(what, f(x))
}

// nominate records a nomination, which must be accepted.
func (s *selector) nominate(id, candidate string, date string, nominators ...string) {
	if r := s.nomination(id, candidate, date, nominators...); r != nil && s.err == nil {
		s.err = fmt.Errorf("demo: the nomination of %s in %s was refused: %s (clause %s)", candidate, id, r.Reason, r.Clause)
	}
}

// nomination records a nomination and returns its refusal, if it was refused.
func (s *selector) nomination(id, candidate string, date string, nominators ...string) *rulebook.NominationRefusal {
	var refused *rulebook.NominationRefusal
	s.do("returning.officer", "nominate "+candidate, func(x *selector) error {
		r, err := x.a.Nominate(x.ctx, id, app.NominationInput{Candidate: candidate, Nominators: nominators, Date: rulebook.MustDate(date)})
		if err == nil {
			refused = r.Refused
		}
		return err
	})
	return refused
}

// ballots casts members' ballots online: member then ranking, "M0002>M0005".
func (s *selector) ballots(id, date string, votes map[string]string) {
	for _, m := range sortedKeys(votes) {
		s.do("returning.officer", "ballot of "+m, func(x *selector) error {
			r, err := x.a.CastBallot(x.ctx, id, m, strings.Split(votes[m], ">"), rulebook.MustDate(date))
			if err == nil && r.Refused != nil {
				err = fmt.Errorf("refused: %s (clause %s)", r.Refused.Reason, r.Refused.Clause)
			}
			return err
		})
	}
}

// papers enters the tellers' papers: "PAPERS,FIRST,SECOND,…" each.
func (s *selector) papers(id, date string, rejected int64, lines ...string) {
	var bs []rulebook.BallotCount
	for _, l := range lines {
		parts := strings.Split(l, ",")
		var n int64
		fmt.Sscan(parts[0], &n)
		bs = append(bs, rulebook.BallotCount{Papers: n, Ranking: parts[1:]})
	}
	s.do("returning.officer", "papers of "+id, func(x *selector) error {
		_, err := x.a.EnterPapers(x.ctx, id, rulebook.MustDate(date), bs, rejected)
		return err
	})
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// play runs both selections, in the order of the record's clock: the party's
// candidate for Mayor of Northport (Priya Castellan, M0002; Martin Quell, M0007;
// Gwen Oduya, M0004; Samir Holt, M0011: 25 papers, no majority on first
// preferences, Holt then Oduya excluded, Castellan selected on the third round),
// and three council candidates for Harbour Ward chosen at a meeting of the
// constituency party (members who cannot attend vote online on the day, the
// tellers enter the papers cast in the room).
func (s *selector) play(at func(string)) {
	const mayor, ward = "mayor-2016", "harbour-ward-2017"
	d := rulebook.MustDate
	open := func(in app.OpenSelectionInput) {
		s.do("returning.officer", "open "+in.ID, func(x *selector) error {
			_, err := x.a.OpenSelection(x.ctx, in)
			return err
		})
	}
	step := func(who, what string, f func(x *selector) error) { s.do(who, what, f) }

	at("2016-07-25 10:00")
	open(app.OpenSelectionInput{ID: mayor, Procedure: "mayoral_selection", Contest: "Mayor of Northport, May 2017", Unit: "northport-central", Date: d("2016-07-25"),
		Timetable: rulebook.Timetable{FreezeDate: d("2016-09-01"), NominationsClose: d("2016-08-15"), Ballot: d("2016-09-20"), BallotCloses: d("2016-09-30")}})
	at("2016-08-01 11:00")
	s.nominate(mayor, "M0002", "2016-08-01", "M0003", "M0010")
	s.nominate(mayor, "M0007", "2016-08-01", "M0008", "M0012")
	at("2016-08-01 12:00")
	open(app.OpenSelectionInput{ID: ward, Procedure: "ward_selection", Contest: "Harbour Ward (three seats), Northport City Council, May 2017",
		Unit: "northport-central", Date: d("2016-08-01"),
		Timetable: rulebook.Timetable{FreezeDate: d("2016-08-31"), NominationsClose: d("2016-09-05"), Ballot: d("2016-09-15"), BallotCloses: d("2016-09-15")}})
	at("2016-08-05 14:00")
	s.nominate(mayor, "M0004", "2016-08-05", "M0005", "M0006")
	s.nominate(mayor, "M0011", "2016-08-05", "M0006", "M0009")
	// The former mayor, suspended since April, is nominated: refused, citing the
	// clause that bars a suspended member from standing.
	at("2016-08-12 16:30")
	if r := s.nomination(mayor, Protagonist, "2016-08-12", "M0003", "M0009"); s.err == nil && r == nil {
		s.err = fmt.Errorf("demo: the suspended member's nomination was not refused")
	}
	at("2016-08-20 10:00")
	s.nominate(ward, "M0010", "2016-08-20", "M0002", "M0003")
	s.nominate(ward, "M0003", "2016-08-20", "M0002", "M0010")
	s.nominate(ward, "M0009", "2016-08-20", "M0004", "M0007")
	at("2016-08-25 10:00")
	s.nominate(ward, "M0012", "2016-08-25", "M0008", "M0031")
	s.nominate(ward, "M0006", "2016-08-25", "M0005", "M0011")
	at("2016-09-02 09:00")
	step("returning.officer", "freeze "+mayor, func(x *selector) error {
		_, err := x.a.FreezeElectorate(x.ctx, mayor, d("2016-09-02"))
		return err
	})
	at("2016-09-06 09:00")
	step("returning.officer", "freeze "+ward, func(x *selector) error {
		_, err := x.a.FreezeElectorate(x.ctx, ward, d("2016-09-06"))
		return err
	})
	at("2016-09-15 19:00")
	s.ballots(ward, "2016-09-15", map[string]string{
		"M0002": "M0010>M0003>M0009", "M0004": "M0010>M0012>M0003", "M0005": "M0003>M0010", "M0007": "M0009>M0006>M0012",
	})
	at("2016-09-15 21:30")
	s.papers(ward, "2016-09-15", 0,
		"5,M0010,M0003,M0009", "1,M0010,M0012,M0006",
		"3,M0003,M0009,M0010", "1,M0003,M0006",
		"3,M0009,M0003,M0012",
		"2,M0012,M0006,M0009",
		"1,M0006,M0012,M0010")
	at("2016-09-16 10:00")
	step("returning.officer", "count "+ward, func(x *selector) error {
		_, err := x.a.CountSelection(x.ctx, ward, d("2016-09-16"))
		return err
	})
	at("2016-09-21 20:00")
	s.ballots(mayor, "2016-09-21", map[string]string{
		"M0003": "M0002>M0004", "M0010": "M0002>M0007", "M0002": "M0002>M0004", "M0009": "M0002>M0004",
		"M0008": "M0007>M0002", "M0012": "M0007>M0004", "M0031": "M0007>M0011",
		"M0005": "M0004>M0002", "M0006": "M0004>M0002",
		"M0011": "M0011>M0004>M0002",
	})
	// A member turned away at the count's drop-in session as not on the list; her
	// challenge is upheld, but she does not come back to vote: the refusals report
	// weighs her against the margins.
	at("2016-09-22 18:00")
	step("returning.officer", "refuse a voter in "+mayor, func(x *selector) error {
		_, err := x.a.RefuseVoter(x.ctx, mayor, d("2016-09-22"), rulebook.VoterRefusal{Member: "M0033", Reason: "not on the printed list of the electorate at the door"})
		return err
	})
	at("2016-09-23 09:00")
	step("returning.officer", "challenge in "+mayor, func(x *selector) error {
		_, err := x.a.ChallengeRefusal(x.ctx, mayor, "M0033", d("2016-09-23"), "I am in the electorate: the printed list was out of date")
		return err
	})
	at("2016-09-27 14:00")
	step("nec.secretary", "decide the challenge in "+mayor, func(x *selector) error {
		_, err := x.a.DecideChallenge(x.ctx, mayor, "M0033", d("2016-09-27"), "nec_disputes_panel", true,
			"The member is in the frozen electorate; the list at the door was printed before the freeze.")
		return err
	})
	at("2016-09-28 11:00")
	step("nec.secretary", "endorse "+ward, func(x *selector) error {
		_, err := x.a.Endorse(x.ctx, ward, d("2016-09-28"), rulebook.Endorsement{Body: "nec", Until: d("2017-05-05"),
			Reasons: "The selection meeting was properly convened and the count checked; the NEC endorses the three candidates."})
		return err
	})
	at("2016-09-30 18:00")
	s.papers(mayor, "2016-09-30", 1,
		"3,M0002,M0007", "2,M0002,M0004",
		"3,M0007,M0002", "2,M0007",
		"2,M0004,M0002", "1,M0004,M0007",
		"1,M0011,M0004,M0007", "1,M0011,M0007")
	step("returning.officer", "close "+mayor, func(x *selector) error {
		_, err := x.a.CloseSelection(x.ctx, mayor, d("2016-09-30"))
		return err
	})
	at("2016-10-01 10:00")
	step("returning.officer", "count "+mayor, func(x *selector) error {
		_, err := x.a.CountSelection(x.ctx, mayor, d("2016-10-01"))
		return err
	})
	at("2016-10-05 11:00")
	step("nec.secretary", "endorse "+mayor, func(x *selector) error {
		_, err := x.a.Endorse(x.ctx, mayor, d("2016-10-05"), rulebook.Endorsement{Body: "nec", Until: d("2017-05-05"),
			Reasons: "The ballot was conducted in accordance with the procedure; the NEC endorses the selected candidate."})
		return err
	})
}
