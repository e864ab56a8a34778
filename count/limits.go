package count

import "fmt"

// Limits on one count, so that no input can make a count exhaust memory or run
// for days. Every ranked method checks them (CheckSize) before it allocates
// anything per candidate, and the parsers refuse a file that passes them as
// soon as they read the figure.
const (
	// MaxCandidates bounds the candidates of a ranked count. A count's record
	// keeps each continuing candidate's tally at each round, and there is up to
	// a round per candidate, so the record grows as the square of the
	// candidates (so does SV's table of second preferences): at 1,000 it is
	// some tens of MB. Real elections have a few dozen candidates.
	MaxCandidates = 1000
	// MaxWork bounds candidates × preferences (the preferences of the distinct
	// rankings, as given): a count may revisit every preference once a round,
	// and there is up to a round per candidate. A million distinct rankings of
	// six preferences among 15 candidates is 9×10⁷; the limit is 1.7×10¹⁰.
	MaxWork = 1 << 34
)

// CheckSize refuses an election beyond MaxCandidates or MaxWork; method names
// the rule in the error.
func CheckSize(method string, e *Election) error {
	n := len(e.Candidates)
	if n > MaxCandidates {
		return fmt.Errorf("%s: %d candidates; a count takes at most %d", method, n, MaxCandidates)
	}
	var prefs int64
	for _, b := range e.Ballots {
		prefs += int64(len(b.Ranks))
	}
	if w := prefs * int64(n); w > MaxWork {
		return fmt.Errorf("%s: %d candidates and %d preferences are %d steps a round, beyond the limit of %d for one count", method, n, prefs, w, int64(MaxWork))
	}
	return nil
}
