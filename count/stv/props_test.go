package stv

import (
	"fmt"
	"math/big"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/rulebook/rulebook/count"
)

type countMethod struct {
	name  string
	count func(*count.Election, count.Options, Config) (*count.Result, error)
}

var methodsUnderTest = []countMethod{
	{"stv-scottish", Scottish},
	{"stv-wigm", WIGM},
	{"stv-meek", Meek},
	{"stv-warren", Warren},
	{"stv-mpls", Minneapolis},
	{"stv-qpq", QPQ},
	{"stv-meek-prf", MeekPRF},
	{"stv-wigm-prf", func(e *count.Election, o count.Options, c Config) (*count.Result, error) {
		return WIGMPRF(e, o, c, false)
	}},
	{"stv-wigm-prf-batch", func(e *count.Election, o count.Options, c Config) (*count.Result, error) {
		return WIGMPRF(e, o, c, true)
	}},
	{"stv-cfer", func(e *count.Election, o count.Options, c Config) (*count.Result, error) { return CfER(e, o, c, false) }},
	{"stv-cfer-batch", func(e *count.Election, o count.Options, c Config) (*count.Result, error) { return CfER(e, o, c, true) }},
	{"stv-wigm-rational", func(e *count.Election, o count.Options, c Config) (*count.Result, error) {
		c.Arithmetic.Rational = true
		return WIGM(e, o, c)
	}},
}

// genElection draws a small election: up to 6 candidates, some perhaps
// withdrawn, rankings with the odd equal preference.
func genElection(t *rapid.T) *count.Election {
	n := rapid.IntRange(1, 6).Draw(t, "candidates")
	e := &count.Election{Seats: rapid.IntRange(1, n).Draw(t, "seats")}
	for i := range n {
		e.Candidates = append(e.Candidates, fmt.Sprintf("C%d", i+1))
	}
	if rapid.Bool().Draw(t, "withdrawals") {
		e.Withdrawn = make([]bool, n)
		for i := range n {
			e.Withdrawn[i] = rapid.IntRange(0, 4).Draw(t, "w") == 0
		}
	}
	nb := rapid.IntRange(1, 25).Draw(t, "ballots")
	for range nb {
		perm := rapid.Permutation(seq(n)).Draw(t, "ranking")
		k := rapid.IntRange(1, n).Draw(t, "length")
		b := count.Ballot{Weight: int64(rapid.IntRange(1, 30).Draw(t, "weight"))}
		for i := 0; i < k; i++ {
			if len(b.Ranks) > 0 && rapid.IntRange(0, 9).Draw(t, "eq") == 0 {
				last := &b.Ranks[len(b.Ranks)-1]
				*last = append(*last, perm[i])
				continue
			}
			b.Ranks = append(b.Ranks, []int{perm[i]})
		}
		e.Ballots = append(e.Ballots, b)
	}
	return e
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func standing(e *count.Election) int {
	k := 0
	for i := range e.Candidates {
		if e.Withdrawn == nil || !e.Withdrawn[i] {
			k++
		}
	}
	return k
}

func rat(t *rapid.T, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	return r
}

// TestPropertiesSound: every count that runs fills exactly the seats with
// distinct standing candidates, and (Scottish) each stage's votes, exhausted
// papers and rounding loss add up exactly to the valid papers.
func TestPropertiesSound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		for _, m := range methodsUnderTest {
			r, err := m.count(e, count.Options{Seed: 7}, Config{})
			if standing(e) < e.Seats {
				if err == nil {
					t.Fatalf("%s: counted with too few candidates", m.name)
				}
				continue
			}
			if err != nil {
				continue // e.g. no valid papers: refused, not half counted
			}
			if len(r.Elected) != e.Seats {
				t.Fatalf("%s: elected %v for %d seats", m.name, r.Elected, e.Seats)
			}
			seen := map[string]bool{}
			for _, c := range r.Elected {
				if seen[c] {
					t.Fatalf("%s: %s elected twice", m.name, c)
				}
				seen[c] = true
				for i, n := range e.Candidates {
					if n == c && e.Withdrawn != nil && e.Withdrawn[i] {
						t.Fatalf("%s: withdrawn %s elected", m.name, c)
					}
				}
			}
			if m.name != "stv-scottish" {
				continue
			}
			p, _ := prepare(e, count.Options{})
			want := new(big.Rat).SetInt64(p.valid)
			for _, rd := range r.Rounds {
				sum := new(big.Rat)
				for _, v := range rd.Tally {
					sum.Add(sum, rat(t, v))
				}
				sum.Add(sum, rat(t, rd.Exhausted))
				sum.Add(sum, rat(t, rd.Loss))
				if sum.Cmp(want) != 0 {
					t.Fatalf("round %d: votes+exhausted+loss = %s, valid papers %d", rd.Number, sum.FloatString(5), p.valid)
				}
				if rat(t, rd.Loss).Sign() < 0 {
					t.Fatalf("round %d: negative loss", rd.Number)
				}
			}
		}
	})
}

// TestPropertiesMeekResidual: Meek's votes and residual account for every paper.
func TestPropertiesMeekResidual(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		r, err := Meek(e, count.Options{}, Config{Arithmetic: Arithmetic{Rational: true}})
		if err != nil {
			return
		}
		valid := new(big.Rat)
		for _, rd := range r.Rounds[:1] {
			for _, v := range rd.Tally {
				valid.Add(valid, rat(t, v))
			}
		}
		for _, rd := range r.Rounds {
			sum := rat(t, rd.Loss)
			for _, v := range rd.Tally {
				sum.Add(sum, rat(t, v))
			}
			// Shown to 12 places, each figure rounded: allow that much per figure.
			diff := new(big.Rat).Sub(sum, valid)
			tol := big.NewRat(int64(len(rd.Tally)+1), 2_000_000_000_000)
			if diff.Abs(diff).Cmp(tol) > 0 {
				t.Fatalf("round %d: votes+residual %s, papers %s", rd.Number, sum.FloatString(12), valid.FloatString(12))
			}
		}
	})
}

// TestPropertiesBallotOrder: the order ballots come in changes nothing.
func TestPropertiesBallotOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genElection(t)
		perm := rapid.Permutation(seq(len(e.Ballots))).Draw(t, "order")
		f := *e
		f.Ballots = make([]count.Ballot, len(e.Ballots))
		for i, j := range perm {
			f.Ballots[i] = e.Ballots[j]
		}
		for _, m := range methodsUnderTest {
			a, errA := m.count(e, count.Options{Seed: 3}, Config{})
			b, errB := m.count(&f, count.Options{Seed: 3}, Config{})
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s: errors %v / %v", m.name, errA, errB)
			}
			if errA == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: result depends on ballot order:\n%+v\n%+v", m.name, a, b)
			}
		}
	})
}

// TestOneStanding: one seat and one candidate left standing elects that candidate.
func TestOneStanding(t *testing.T) {
	e := &count.Election{
		Candidates: []string{"A", "B", "C"},
		Seats:      1,
		Withdrawn:  []bool{true, false, true},
		Ballots: []count.Ballot{
			{Weight: 5, Ranks: [][]int{{0}, {2}}},
			{Weight: 2, Ranks: [][]int{{1}}},
		},
	}
	for _, m := range methodsUnderTest {
		r, err := m.count(e, count.Options{}, Config{})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if !reflect.DeepEqual(r.Elected, []string{"B"}) {
			t.Errorf("%s: elected %v", m.name, r.Elected)
		}
	}
	one := &count.Election{Candidates: []string{"Solo"}, Seats: 1, Ballots: []count.Ballot{{Weight: 1, Ranks: [][]int{{0}}}}}
	for _, m := range methodsUnderTest {
		r, err := m.count(one, count.Options{}, Config{})
		if err != nil || !reflect.DeepEqual(r.Elected, []string{"Solo"}) {
			t.Errorf("%s: %v %v", m.name, r, err)
		}
	}
}

func TestRegistered(t *testing.T) {
	for _, n := range []string{"stv-scottish", "stv-wigm", "stv-meek", "stv-warren", "stv-mpls", "stv-cfer", "stv-cfer-batch", "stv-qpq", "stv-wigm-prf", "stv-wigm-prf-batch", "stv-meek-prf"} {
		if _, ok := count.LookupRanked(n); !ok {
			t.Errorf("%s not registered", n)
		}
	}
}
