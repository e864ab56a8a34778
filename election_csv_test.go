package rulebook

import (
	"errors"
	"strings"
	"testing"
)

func TestParseContestCSV(t *testing.T) {
	in := "\ufeffCandidate, Party ,member,ward:Harbour,ward:Castle,votes,nominators\n" +
		"Ann Official,Labour,M0002,600,400,1000,\n" +
		"\"Rowan Ashdown\",Independent,M0001,500,100,,M0020 M0021\n" +
		"Cy Blue,Conservative,,50,25,75,\n"
	var c PublicContest
	if err := ParseContestCSV(strings.NewReader(in), "n.csv", ContestFPTP, &c); err != nil {
		t.Fatal(err)
	}
	if !c.Declared || len(c.Candidates) != 3 || strings.Join(c.Wards, "|") != "Harbour|Castle" {
		t.Fatalf("%+v", c)
	}
	r := c.Candidates[1]
	if r.Votes != 600 || r.Member != "M0001" || strings.Join(r.Nominators, ",") != "M0020,M0021" || r.Wards[1] != 100 || r.Label() != "Rowan Ashdown (M0001)" {
		t.Fatalf("%+v", r)
	}
	var n PublicContest
	if err := ParseContestCSV(strings.NewReader("candidate,party,member\nA,X,M1\nB,Y,\n"), "n.csv", ContestSV, &n); err != nil || n.Declared {
		t.Fatalf("nominations only: %v %+v", err, n)
	}
	var a PublicContest
	if err := ParseContestCSV(strings.NewReader("party,votes,constituency_seats,list,list\nLabour,900,2,Ann (M0002),Bo\nGreen,300,,Cat\n"), "r.csv", ContestAMS, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Parties) != 2 || a.Parties[0].ConstituencySeats != 2 || strings.Join(a.Parties[0].List, "|") != "Ann (M0002)|Bo" {
		t.Fatalf("%+v", a)
	}
	for _, tc := range []struct{ kind, in, want string }{
		{ContestFPTP, "name,votes\nA,1\n", "n.csv:1: field name: unknown column"},
		{ContestFPTP, "party,votes\nX,1\n", "n.csv:1: field candidate: the header has no candidate column"},
		{ContestFPTP, "candidate,votes\nA,1\nB,\n", "n.csv:3: field votes: votes are given for some rows"},
		{ContestFPTP, "candidate,votes\nA,1\nA,2\n", `n.csv:3: field candidate: "A" already given on line 2`},
		{ContestFPTP, "candidate,votes\nA,x\n", `n.csv:2: field votes: "x" is not a whole number`},
		{ContestFPTP, "candidate,ward:N,votes\nA,3,4\n", "n.csv:2: field votes: 4, but the wards add up to 3"},
		{ContestFPTP, "candidate,second\nA,1\n", "n.csv:1: field second: second preferences are for"},
		{ContestFPTP, "candidate,member\nA,M 1\n", `n.csv:2: field member: "M 1" is not a member id`},
		{ContestFPTP, "candidate,nominators\nA,M1 M1\n", "n.csv:2: field nominators: M1 given twice"},
		{ContestFPTP, "candidate,ward:,votes\nA,3,4\n", "n.csv:1: field ward:: a ward column needs a name"},
		{ContestAMS, "party,votes,constituency_seats\nA,1,-1\n", "r.csv:2: field constituency_seats"},
		{ContestFPTP, "candidate,votes\n", "n.csv: no candidates"},
	} {
		var c PublicContest
		file := "n.csv"
		if tc.kind == ContestAMS {
			file = "r.csv"
		}
		err := ParseContestCSV(strings.NewReader(tc.in), file, tc.kind, &c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestContestCheck(t *testing.T) {
	ok := PublicContest{ID: "mayor-2021", Kind: ContestSV, Title: "Mayor", Poll: MustDate("2021-05-06"), Declared: true,
		Candidates: []PublicCandidate{{Name: "A", Votes: 10, Second: 2}, {Name: "B", Votes: 8}}}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(*PublicContest)
		want   string
	}{
		{func(c *PublicContest) { c.Kind = "stv" }, "kind"},
		{func(c *PublicContest) { c.Title = " " }, "title"},
		{func(c *PublicContest) { c.Poll = NoDate }, "poll"},
		{func(c *PublicContest) { c.Nominated = MustDate("2021-06-01") }, "nominated"},
		{func(c *PublicContest) { c.Seats = 2 }, "seats"},
		{func(c *PublicContest) { c.Candidates = append(c.Candidates, PublicCandidate{Name: "A"}) }, "candidates"},
		{func(c *PublicContest) { c.Declared = false }, "declared"},
		{func(c *PublicContest) { c.Previous = c.ID }, "previous"},
		{func(c *PublicContest) { c.Parties = []PublicParty{{Name: "X"}} }, "parties"},
	} {
		c := ok
		c.Candidates = append([]PublicCandidate(nil), ok.Candidates...)
		tc.change(&c)
		var e *Error
		if err := c.Check(); !errors.As(err, &e) || e.Field != tc.want {
			t.Errorf("%+v: %v, want an error in %q", c, err, tc.want)
		}
	}
}

func FuzzParseContestCSV(f *testing.F) {
	f.Add("fptp", "candidate,party,member,ward:A,ward:B,votes,nominators\nAnn,Lab,M0002,1,2,3,\nBo,Ind,M0001,2,2,,M0020 M0021\n")
	f.Add("sv", "candidate,party,votes,second\nA,X,100,20\nB,Y,90,30\nC,Z,50,\n")
	f.Add("ams", "party,votes,constituency_seats,list,list\nLab,900,2,Ann,Bo\nGreen,300,,Cat\n")
	f.Add("fptp", "candidate\n\"A,\"\"B\"\n")
	f.Fuzz(func(t *testing.T, kind, in string) {
		var c PublicContest
		err := ParseContestCSV(strings.NewReader(in), "f.csv", kind, &c)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		// What parses is a contest, once given the rest, that checks or says why.
		c.ID, c.Title, c.Poll, c.Seats = "x", "x", MustDate("2021-05-06"), 1
		if c.Kind != kind {
			t.Fatalf("kind %q, parsed as %q", kind, c.Kind)
		}
		_ = c.Check()
		for _, p := range c.Candidates {
			if p.Name == "" || p.Votes < 0 {
				t.Fatalf("%+v", p)
			}
		}
	})
}
