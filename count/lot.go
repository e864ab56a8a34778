package count

import (
	"fmt"
	"slices"
	"strings"
)

// Lot draws lots reproducibly. UK election rules settle an equality of votes "by lot";
// a count done by software must let anyone re-run the draw, so the draw is a pure
// function of a published seed and of the tied names (sorted, so that the order in
// which a file happens to list candidates does not change who is drawn).
//
// The generator is SplitMix64, fully specified here so that the draw does not depend on
// the Go version's math/rand.
type Lot struct {
	seed  int64
	state uint64
	used  bool
}

// NewLot returns a lot-drawer seeded with seed.
func NewLot(seed int64) *Lot { return &Lot{seed: seed, state: uint64(seed)} }

// Seed is the seed the drawer was created with.
func (l *Lot) Seed() int64 { return l.seed }

// Used reports whether any lot has been drawn.
func (l *Lot) Used() bool { return l.used }

func (l *Lot) next() uint64 {
	l.state += 0x9e3779b97f4a7c15
	z := l.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform integer in [0, n) by rejection, so no name is favoured.
func (l *Lot) intn(n int) int {
	if n <= 1 {
		return 0
	}
	limit := ^uint64(0) - ^uint64(0)%uint64(n)
	for {
		v := l.next()
		if v < limit {
			return int(v % uint64(n))
		}
	}
}

// Draw picks one of tied by lot and returns it with the record of the draw.
// purpose is "elect" or "eliminate" (or a rule's own word, e.g. "seat").
func (l *Lot) Draw(round int, purpose string, tied []string) (string, TieBreak) {
	names := slices.Clone(tied)
	slices.Sort(names)
	l.used = true
	chosen := names[l.intn(len(names))]
	return chosen, TieBreak{Round: round, Tied: names, Chosen: chosen, Purpose: purpose,
		How: fmt.Sprintf("lot (seed %d)", l.seed)}
}

// Order puts tied into the order a sequence of draws gives: the first name drawn
// first. It is used where several tied candidates must all be ranked (e.g. the last
// seats of a block vote).
func (l *Lot) Order(round int, purpose string, tied []string) ([]string, []TieBreak) {
	rest := slices.Clone(tied)
	var out []string
	var tbs []TieBreak
	for len(rest) > 1 {
		c, tb := l.Draw(round, purpose, rest)
		out = append(out, c)
		tbs = append(tbs, tb)
		rest = slices.DeleteFunc(rest, func(s string) bool { return s == c })
	}
	return append(out, rest...), tbs
}

// DrewLots reports whether any tie of r was settled by lot.
func (r *Result) DrewLots() bool {
	for _, tb := range r.TieBreaks {
		if strings.HasPrefix(tb.How, "lot") {
			return true
		}
	}
	return false
}

// DefaultSeedWarning is the warning a count gives when it drew lots from a seed
// nobody chose. how says how to give one (e.g. "give it to rulebook count as --seed N").
func DefaultSeedWarning(seed int64, how string) string {
	return fmt.Sprintf("A tie was settled by lot drawn from the default seed %d, not from a seed chosen for this count. "+
		"Anyone can re-run the draw, but the seed should be chosen in public before the count: %s, and count again.", seed, how)
}
