package college

import (
	"bytes"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/count"
)

// b is a ballot of papers ranking candidates by index.
func b(papers int64, ranks ...int) count.Ballot {
	x := count.Ballot{Weight: papers}
	for _, r := range ranks {
		x.Ranks = append(x.Ranks, []int{r})
	}
	return x
}

func w(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, err := ParseWeight(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two sections of half each, as a 2010 mayoral selection: Ash wins the members'
// section (600 to 400, 60%) and loses the college, the affiliates giving Birch 70%:
// Ash 0.5×60% + 0.5×30% = 45%, Birch 0.5×40% + 0.5×70% = 55%.
func TestMembersWinnerLosesCollege(t *testing.T) {
	e := &Election{Title: "Mayor", Candidates: []string{"Ash", "Birch"}, Rounds: Preferential, Sections: []Section{
		{ID: "members", Name: "Individual members", Weight: w(t, "50%"), Ballots: [][]count.Ballot{{b(600, 0), b(400, 1)}}},
		{ID: "affiliates", Name: "Affiliated organisations", Weight: w(t, "1/2"), Ballots: [][]count.Ballot{{b(300, 0, 1), b(700, 1)}}},
	}}
	res, err := Count(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete || !reflect.DeepEqual(res.Elected, []string{"Birch"}) || len(res.Rounds) != 1 {
		t.Fatalf("elected %v in %d rounds, complete %v", res.Elected, len(res.Rounds), res.Complete)
	}
	r := res.Rounds[0]
	for k, want := range map[string]string{
		"total Ash": "9/20", "total Birch": "11/20", "pct Ash": "45.00", "pct Birch": "55.00",
		"members Ash": "60.00", "affiliates Ash": "30.00", "members Ash weighted": "30.00", "affiliates Birch weighted": "35.00",
		"members Ash exact": "3/10", "affiliates Birch votes": "700",
	} {
		var got string
		switch k {
		case "total Ash":
			got = r.TotalExact["Ash"]
		case "total Birch":
			got = r.TotalExact["Birch"]
		case "pct Ash":
			got = r.Total["Ash"]
		case "pct Birch":
			got = r.Total["Birch"]
		case "members Ash":
			got = r.Sections[0].Percent["Ash"]
		case "affiliates Ash":
			got = r.Sections[1].Percent["Ash"]
		case "members Ash weighted":
			got = r.Sections[0].Contribution["Ash"]
		case "affiliates Birch weighted":
			got = r.Sections[1].Contribution["Birch"]
		case "members Ash exact":
			got = r.Sections[0].ContributionExact["Ash"]
		case "affiliates Birch votes":
			got = r.Sections[1].Votes["Birch"]
		}
		if got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if !res.SectionWinnerLost || len(res.Upsets) != 1 {
		t.Fatalf("upsets %+v", res.Upsets)
	}
	want := Upset{Section: "members", SectionName: "Individual members", Candidate: "Ash", SectionPercent: "60.00", CollegePercent: "45.00", Winner: "Birch", WinnerPercent: "55.00"}
	if res.Upsets[0] != want {
		t.Errorf("upset %+v, want %+v", res.Upsets[0], want)
	}
	var text bytes.Buffer
	if err := WriteText(&text, res, nil); err != nil {
		t.Fatal(err)
	}
	line := "! Ash won the Individual members section (60.00% of its votes) but lost the college: 45.00% weighted, against 55.00% for Birch"
	if !strings.Contains(text.String(), line) || !strings.Contains(text.String(), "selected by the college: Birch") {
		t.Errorf("text report lacks the upset line:\n%s", text.String())
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, res, func(s string) string { return s + " <&>" }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<p class="upset"><strong>Ash &lt;&amp;&gt; won the Individual members section`) {
		t.Errorf("HTML report lacks the escaped upset line:\n%s", page.String())
	}
}

// threeSections is a college of three equal sections, as a 2000 mayoral
// selection: Dee, Lee and Nye; Nye is eliminated in round 1, and in round 2
// (Nye's ballots transferred, or a second ballot) Dee wins the college while Lee
// wins the members' and the affiliates' sections.
//
// Round 1: members Dee 200, Lee 500, Nye 300; representatives 70, 10, 20;
// affiliates 400, 500, 100: Dee (20+70+40)/3 = 43.33%, Lee (50+10+50)/3 =
// 36.67%, Nye (30+20+10)/3 = 20%.
// Round 2: members Dee 300, Lee 650 (50 exhausted); representatives 85, 15;
// affiliates 430, 560 (10 exhausted): Dee = (6/19 + 17/20 + 43/99)/3 =
// 60197/112860 (53.34%), Lee = (13/19 + 3/20 + 56/99)/3 = 52663/112860 (46.66%).
func threeSections(t *testing.T, rounds string) *Election {
	third := w(t, "1/3")
	e := &Election{Title: "Mayor 2000", Candidates: []string{"Dee", "Lee", "Nye"}, Rounds: rounds}
	if rounds == Preferential {
		e.Sections = []Section{
			{ID: "members", Name: "Members", Weight: third, Ballots: [][]count.Ballot{{b(200, 0), b(500, 1), b(100, 2, 0), b(150, 2, 1), b(50, 2)}}},
			{ID: "reps", Name: "Representatives", Weight: third, Ballots: [][]count.Ballot{{b(70, 0), b(10, 1, 0), b(15, 2, 0), b(5, 2, 1)}}},
			{ID: "affiliates", Name: "Affiliates", Weight: third, Ballots: [][]count.Ballot{{b(400, 0, 2), b(500, 1), b(30, 2, 0), b(60, 2, 1), b(10, 2)}}},
		}
		return e
	}
	e.Sections = []Section{
		{ID: "members", Name: "Members", Weight: third, Ballots: [][]count.Ballot{{b(200, 0), b(500, 1), b(300, 2)}, {b(300, 0), b(650, 1)}}},
		{ID: "reps", Name: "Representatives", Weight: third, Ballots: [][]count.Ballot{{b(70, 0), b(10, 1), b(20, 2)}, {b(85, 0), b(15, 1)}}},
		{ID: "affiliates", Name: "Affiliates", Weight: third, Ballots: [][]count.Ballot{{b(400, 0), b(500, 1), b(100, 2)}, {b(430, 0), b(560, 1)}}},
	}
	return e
}

func TestThreeSectionsSecondRound(t *testing.T) {
	for _, rounds := range []string{Preferential, Exhaustive} {
		t.Run(rounds, func(t *testing.T) {
			res, err := Count(threeSections(t, rounds), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Complete || !reflect.DeepEqual(res.Elected, []string{"Dee"}) || len(res.Rounds) != 2 {
				t.Fatalf("elected %v in %d rounds", res.Elected, len(res.Rounds))
			}
			r1, r2 := res.Rounds[0], res.Rounds[1]
			if want := map[string]string{"Dee": "13/30", "Lee": "11/30", "Nye": "1/5"}; !reflect.DeepEqual(r1.TotalExact, want) {
				t.Errorf("round 1 totals %v, want %v", r1.TotalExact, want)
			}
			if want := map[string]string{"Dee": "43.33", "Lee": "36.67", "Nye": "20.00"}; !reflect.DeepEqual(r1.Total, want) {
				t.Errorf("round 1 percentages %v, want %v", r1.Total, want)
			}
			if !reflect.DeepEqual(r1.Eliminated, []string{"Nye"}) || r1.Elected != nil {
				t.Errorf("round 1 eliminated %v, elected %v", r1.Eliminated, r1.Elected)
			}
			if want := map[string]string{"Dee": "60197/112860", "Lee": "52663/112860"}; !reflect.DeepEqual(r2.TotalExact, want) {
				t.Errorf("round 2 totals %v, want %v", r2.TotalExact, want)
			}
			if want := map[string]string{"Dee": "53.34", "Lee": "46.66"}; !reflect.DeepEqual(r2.Total, want) {
				t.Errorf("round 2 percentages %v, want %v", r2.Total, want)
			}
			m := r2.Sections[0]
			if m.Votes["Dee"] != "300" || m.Votes["Lee"] != "650" || m.Valid != "950" || m.Percent["Lee"] != "68.42" || m.ContributionExact["Dee"] != "2/19" {
				t.Errorf("round 2 members %+v", m)
			}
			if rounds == Preferential && (m.Exhausted != "50" || r2.Sections[2].Exhausted != "10") {
				t.Errorf("exhausted papers: members %q, affiliates %q", m.Exhausted, r2.Sections[2].Exhausted)
			}
			var lost []string
			for _, u := range res.Upsets {
				lost = append(lost, u.Section+":"+u.Candidate)
			}
			if !res.SectionWinnerLost || !reflect.DeepEqual(lost, []string{"members:Lee", "affiliates:Lee"}) {
				t.Errorf("upsets %v", lost)
			}
		})
	}
}

// An exhaustive college with only its first ballot says which ballot comes next.
func TestExhaustiveNeedsNextBallot(t *testing.T) {
	e := threeSections(t, Exhaustive)
	for i := range e.Sections {
		e.Sections[i].Ballots = e.Sections[i].Ballots[:1]
	}
	res, err := Count(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || len(res.Elected) != 0 || !reflect.DeepEqual(res.Next, []string{"Dee", "Lee"}) {
		t.Fatalf("complete %v, elected %v, next %v", res.Complete, res.Elected, res.Next)
	}
	// A second ballot may not give votes to the candidate eliminated.
	for i := range e.Sections {
		e.Sections[i].Ballots = append(e.Sections[i].Ballots, []count.Ballot{b(1, 2)})
	}
	if _, err := Count(e, Options{}); err == nil || !strings.Contains(err.Error(), "Nye, who is not standing") {
		t.Fatalf("votes for an eliminated candidate: %v", err)
	}
}

func TestWeights(t *testing.T) {
	for s, want := range map[string]string{"50%": "1/2", "1/3": "1/3", "33.5%": "67/200", "0.25": "1/4", "100%": "1"} {
		r, err := ParseWeight(s)
		if err != nil || r.RatString() != want {
			t.Errorf("ParseWeight(%q) = %v, %v; want %s", s, r, err, want)
		}
	}
	for _, s := range []string{"", "0", "-1/2", "120%", "1/3%", "abc", "1e-1", "1/0"} {
		if _, err := ParseWeight(s); err == nil {
			t.Errorf("ParseWeight(%q) accepted", s)
		}
	}
	e := &Election{Candidates: []string{"A"}, Rounds: Preferential, Sections: []Section{
		{ID: "x", Weight: big.NewRat(1, 2), Ballots: [][]count.Ballot{{b(1, 0)}}},
		{ID: "y", Weight: big.NewRat(1, 3), Ballots: [][]count.Ballot{{b(1, 0)}}},
	}}
	if _, err := Count(e, Options{}); err == nil || !strings.Contains(err.Error(), "add up to 5/6") {
		t.Errorf("weights of 5/6: %v", err)
	}
}

// A tie for last place goes to the earlier round, else to lot, and is recorded.
func TestTieForLast(t *testing.T) {
	e := &Election{Candidates: []string{"A", "B", "C"}, Rounds: Preferential, Sections: []Section{
		{ID: "s", Name: "S", Weight: big.NewRat(1, 1), Ballots: [][]count.Ballot{{b(4, 0), b(3, 1, 0), b(3, 2, 0)}}},
	}}
	res, err := Count(e, Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TieBreaks) != 1 || res.TieBreaks[0].How != "lot (seed 7)" || !reflect.DeepEqual(res.Elected, []string{"A"}) {
		t.Fatalf("tie breaks %+v, elected %v", res.TieBreaks, res.Elected)
	}
}
