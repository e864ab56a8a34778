// Package count counts elections: first-past-the-post, supplementary vote, alternative
// vote, STV in several rule sets, and list PR. It is a pure library: no I/O beyond the
// readers and writers it is handed, no database, no clock.
//
// Every method returns a *Result whose JSON form is the stable, documented output of
// `rulebook count --json`. Vote totals are decimal strings so that no count ever passes
// through float64.
package count

// Result is the outcome of one count, with the round-by-round record behind it.
type Result struct {
	// Method names the counting rule, e.g. "irv", "stv-scottish", "dhondt".
	Method string `json:"method"`
	// Title is the election's title where the input gives one.
	Title string `json:"title,omitempty"`
	// Seats is the number of seats (or, for list methods, list seats) filled.
	Seats int `json:"seats_to_fill"`
	// Candidates lists every candidate (or party) in input order.
	Candidates []string `json:"candidates"`
	// Elected lists the winners in order of election.
	Elected []string `json:"elected"`
	// Quota is the election quota or winning threshold, where the rule has one.
	Quota string `json:"quota,omitempty"`
	// QuotaName says what Quota is: "Droop quota", "majority threshold (more than
	// half of the votes for continuing candidates)", "list threshold (share of all
	// list votes)", …
	QuotaName string `json:"quota_name,omitempty"`
	// Valid is the number of valid ballot papers (or votes, for rules counted from
	// tallies), where the rule knows it.
	Valid string `json:"valid_papers,omitempty"`
	// Rejected is the number of papers in the input that count for no candidate from
	// the start (blank, or with no usable first preference), where the rule knows it.
	// They are not among the valid papers.
	Rejected string `json:"rejected_papers,omitempty"`
	// Rounds is the round-by-round (stage-by-stage) record.
	Rounds []Round `json:"rounds"`
	// Seats allocated per party, for list and additional-member methods.
	PartySeats map[string]int `json:"seats,omitempty"`
	// Awards lists, for list methods, each seat award with the quotient that won it.
	Awards []Award `json:"awards,omitempty"`
	// TieBreaks records every tie settled and how, so a count can be re-run and checked.
	TieBreaks []TieBreak `json:"tie_breaks,omitempty"`
	// Majority is the winner's lead over the first candidate not elected (for a block
	// vote, the last elected over the first not elected), in votes, for plurality rules.
	Majority string `json:"majority,omitempty"`
	// Shares maps each candidate or party to its percentage of the valid votes
	// (first-round votes for ranked rules), as a decimal string to 2 places.
	Shares map[string]string `json:"shares,omitempty"`
	// Parties maps a candidate to its party or description, where the input gives one.
	Parties map[string]string `json:"parties,omitempty"`
	// TotalSeats is, for additional-member methods, constituency plus list seats per party.
	TotalSeats map[string]int `json:"total_seats,omitempty"`
	// Notes carries anything else a reader of the result must know (e.g. a seed used).
	Notes []string `json:"notes,omitempty"`
	// Warnings are things a returning officer must look at before declaring the
	// result: a tie settled by lot with the default seed, lines of the input that were
	// ignored, … Every output shows them first.
	Warnings []string `json:"warnings,omitempty"`
}

// Round is one round or stage of a count.
type Round struct {
	Number int `json:"round"`
	// Action says what happened at this stage, e.g. "first preferences",
	// "surplus of Smith", "exclusion of Jones".
	Action string `json:"action,omitempty"`
	// Tally maps each candidate still counted to its votes, as a decimal string.
	Tally map[string]string `json:"tally"`
	// Transfers maps each receiving candidate (or "exhausted") to the votes it gained
	// in this round, as a signed decimal string.
	Transfers map[string]string `json:"transfers,omitempty"`
	// Exhausted is the cumulative non-transferable total after this round.
	Exhausted string `json:"exhausted,omitempty"`
	// Loss is the cumulative amount lost to rounding/truncation, where the rule has any.
	Loss string `json:"loss,omitempty"`
	// Elected and Eliminated list the candidates elected / excluded in this round.
	Elected    []string `json:"elected,omitempty"`
	Eliminated []string `json:"eliminated,omitempty"`
}

// Award is one seat awarded under a highest-averages method.
type Award struct {
	Seat     int    `json:"seat"`
	Party    string `json:"party"`
	Quotient string `json:"quotient"`
	// Candidate is the list candidate seated, where lists of names were given.
	Candidate string `json:"candidate,omitempty"`
	// Skipped lists the names on the party's list passed over for this seat,
	// having been elected in a constituency.
	Skipped []string `json:"skipped,omitempty"`
	// PassedOver lists the parties whose quotient was higher than the winning one
	// but whose list of names had run out, so the seat passed them by.
	PassedOver []string `json:"passed_over,omitempty"`
}

// TieBreak records one tie and how the rule settled it.
type TieBreak struct {
	Round   int      `json:"round"`
	Tied    []string `json:"tied"`
	Chosen  string   `json:"chosen"`
	Purpose string   `json:"purpose"` // "elect" or "eliminate"
	How     string   `json:"how"`     // e.g. "earlier round", "lot (seed 42)", "candidate order"
}
