package count

import (
	"fmt"
	"sort"
	"sync"
)

// Election is a ranked-ballot election in the form every ranked method counts:
// candidates by index, and each distinct ranking once with the number of papers
// that carry it. Parsers (BLT, our CSV, RCTab's cast-vote records) produce it.
type Election struct {
	Title string
	// Candidates holds the names in input order; a candidate's index is its id.
	Candidates []string
	// Seats is the number of seats to fill (1 for single-winner methods).
	Seats int
	// Withdrawn marks candidates withdrawn before the count (BLT "-n" lines).
	// It is nil or has one entry per candidate.
	Withdrawn []bool
	// Ballots holds each distinct ranking once.
	Ballots []Ballot
	// TieOrder, when the input gives one (BLT's [tie] option), orders candidate
	// indices for ties that no earlier stage separates; nil otherwise.
	TieOrder []int
}

// Ballot is one distinct ranking and how many papers carry it.
type Ballot struct {
	Weight int64
	// Ranks lists preference positions in order; each position holds the
	// candidate indices ranked there — usually one, more for an equal ranking
	// (BLT "3=4"), which each rule treats in its own way.
	Ranks [][]int
}

// Options are the parameters of a count that do not come from the ballots.
type Options struct {
	// Seats overrides Election.Seats when positive.
	Seats int
	// ThresholdPercent is a share of the vote (a decimal string such as "5")
	// below which a party or candidate is excluded, for rules that have one.
	ThresholdPercent string
	// Seed makes a count's drawing of lots reproducible; it is recorded in the result.
	Seed int64
	// TieOrder, when set, overrides Election.TieOrder.
	TieOrder []int
}

// RankedMethod counts a ranked-ballot election.
type RankedMethod func(e *Election, o Options) (*Result, error)

var (
	methodsMu sync.RWMutex
	methods   = map[string]RankedMethod{}
)

// RegisterRanked makes a ranked method available by name (e.g. "stv-scottish").
// It is called from the init functions of the packages that implement methods.
func RegisterRanked(name string, m RankedMethod) {
	methodsMu.Lock()
	defer methodsMu.Unlock()
	if _, dup := methods[name]; dup {
		panic(fmt.Sprintf("count: method %q registered twice", name))
	}
	methods[name] = m
}

// LookupRanked returns the ranked method registered under name.
func LookupRanked(name string) (RankedMethod, bool) {
	methodsMu.RLock()
	defer methodsMu.RUnlock()
	m, ok := methods[name]
	return m, ok
}

// RankedMethods lists the registered ranked methods, sorted.
func RankedMethods() []string {
	methodsMu.RLock()
	defer methodsMu.RUnlock()
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
