package rulebook

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Event types of a public election (subject "election/ID"): the elections the
// organisation's candidates fight, as the returning officer declares them. A
// contest is entered (its candidates from the statement of persons nominated,
// and the votes once declared; entering it again replaces what was entered), a
// member's support for a candidate is recorded, and the contest is counted.
const (
	EventElectionEntered = "election.entered"
	EventElectionSupport = "election.support_recorded"
	EventElectionCounted = "election.counted"
)

// ElectionSubjectPrefix starts the subject of a public election's events.
const ElectionSubjectPrefix = "election/"

// The kinds of public contest.
const (
	ContestFPTP = "fptp" // a constituency or ward: first past the post (several seats: the block vote)
	ContestSV   = "sv"   // a mayoralty by supplementary vote: first and second preferences
	ContestAMS  = "ams"  // a region's additional member (list) seats
)

// ContestKinds lists the kinds of public contest.
func ContestKinds() []string { return []string{ContestFPTP, ContestSV, ContestAMS} }

// How a member supported a candidate.
const (
	SupportNominated  = "nominated"
	SupportCampaigned = "campaigned"
)

func init() {
	// What someone says a member did is personal; the candidates and votes of a
	// public election are the returning officer's published record.
	DeclarePersonal(EventElectionSupport, "evidence")
}

// PublicContest is the data of election.entered: a contest of a public
// election, with its candidates (or, for list seats, its parties) and the votes
// declared. A contest entered before the poll has candidates and no votes.
type PublicContest struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	// Poll is polling day; Nominated the day the statement of persons nominated
	// was published (standing against an official candidate dates from it).
	Poll      Date `json:"poll"`
	Nominated Date `json:"nominated,omitempty"`
	// Seats: seats filled (fptp; 1 when not given), list seats (ams).
	Seats int `json:"seats,omitempty"`
	// Threshold is the share of the list vote (a percentage, "5") below which a
	// party takes no list seat (ams).
	Threshold string `json:"threshold,omitempty"`
	// Previous is the contest last time, that change is measured from.
	Previous string `json:"previous,omitempty"`
	// Declared says the votes are entered (not only the nominations).
	Declared   bool              `json:"declared"`
	Electorate int64             `json:"electorate,omitempty"`
	Rejected   int64             `json:"rejected,omitempty"`
	Candidates []PublicCandidate `json:"candidates,omitempty"`
	// Wards name the columns of the candidates' ward breakdown.
	Wards   []string      `json:"wards,omitempty"`
	Parties []PublicParty `json:"parties,omitempty"`
	// Constituencies are the fptp contests of an ams region: their winners hold
	// seats, counted in the divisor, and are passed over on the lists.
	Constituencies []string `json:"constituencies,omitempty"`
	// OfficialEntry names the organisation's official candidate's entry on the
	// list a trigger checks, where that entry names no member.
	OfficialEntry string `json:"official_entry,omitempty"`
	// Replaces is the event that entered the contest before, when this one
	// replaces it.
	Replaces string `json:"replaces,omitempty"`
}

// PublicCandidate is a candidate in a public contest.
type PublicCandidate struct {
	Name  string `json:"name"`
	Party string `json:"party,omitempty"`
	// Member is the candidate's id on the register, when they are (or were) a
	// member of the organisation.
	Member string `json:"member,omitempty"`
	Votes  int64  `json:"votes"`
	// Second is, for sv, the second preferences the candidate gained in the
	// second round (only the top two gain any).
	Second int64 `json:"second,omitempty"`
	// Wards are the votes by ward, in the contest's Wards order.
	Wards []int64 `json:"wards,omitempty"`
	// Nominators are members of the organisation who signed the candidate's
	// nomination paper.
	Nominators []string `json:"nominators,omitempty"`
}

// Label is how the candidate is named in a count: with their member id when they
// are a member, so that a list and a constituency name the same person alike.
func (c PublicCandidate) Label() string { return CandidateLabel(c.Name, c.Member) }

// CandidateLabel names a candidate in a count: "Name (ID)" for a member.
func CandidateLabel(name, member string) string {
	if member == "" {
		return name
	}
	return name + " (" + member + ")"
}

// PublicParty is a party's list in a region's additional member contest.
type PublicParty struct {
	Name  string `json:"name"`
	Votes int64  `json:"votes"`
	// ConstituencySeats are the seats the party won in the region's
	// constituencies, when these are not entered as contests of their own.
	ConstituencySeats int `json:"constituency_seats,omitempty"`
	// List is the party's list, in order (empty: a list without names).
	List []string `json:"list,omitempty"`
}

// ElectionSupport is the data of election.support_recorded: a member who
// nominated or campaigned for a candidate, with the evidence.
type ElectionSupport struct {
	Candidate string `json:"candidate"`
	Member    string `json:"member"`
	How       string `json:"how"`
	Evidence  string `json:"evidence,omitempty"`
}

// ElectionCounted is the data of election.counted: the count, and what the
// declaration says of it.
type ElectionCounted struct {
	Result *count.Result `json:"result"`
	// Winners are the elected, as candidates (fptp, sv) or list members (ams).
	Winners []string `json:"winners"`
	// Majority is the winner's lead over the runner-up (fptp, sv: after
	// transfers), in votes.
	Majority string `json:"majority,omitempty"`
	// Turnout is the papers counted as a percentage of the electorate.
	Turnout string `json:"turnout,omitempty"`
	// Change is each party's share of the vote less its share in the previous
	// contest, in percentage points; Outcome "X gain from Y" or "X hold".
	Change  map[string]string `json:"change,omitempty"`
	Outcome string            `json:"outcome,omitempty"`
	// Lists are the organisation's list selections used, by party.
	Lists map[string]string `json:"lists,omitempty"`
}

// PublicElection is a contest as its events make it.
type PublicElection struct {
	PublicContest
	Entered  Date              `json:"entered"`
	Event    string            `json:"event"`
	Supports []RecordedSupport `json:"supports,omitempty"`
	Count    *ElectionCounted  `json:"count,omitempty"`
	Counted  Date              `json:"counted,omitempty"`
}

// RecordedSupport is a support record as the election holds it.
type RecordedSupport struct {
	ElectionSupport
	Date  Date   `json:"date"`
	Event string `json:"event"`
}

// ElectionID returns the election id of a subject, or "".
func ElectionID(subject string) string {
	id, ok := strings.CutPrefix(subject, ElectionSubjectPrefix)
	if !ok {
		return ""
	}
	return id
}

// Candidate returns the candidate named name, or nil.
func (p *PublicElection) Candidate(name string) *PublicCandidate {
	for i := range p.Candidates {
		if p.Candidates[i].Name == name {
			return &p.Candidates[i]
		}
	}
	return nil
}

// ConductDate is the day standing in the contest dates from: the nominations'
// publication, or polling day.
func (p *PublicContest) ConductDate() Date {
	if !p.Nominated.IsZero() {
		return p.Nominated
	}
	return p.Poll
}

// Apply folds one election event into p.
func (p *PublicElection) Apply(e *Event) error {
	bad := func(err error) error { return fmt.Errorf("event %s (%s): %v", e.ID, e.Type, err) }
	switch e.Type {
	case EventElectionEntered:
		var c PublicContest
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return bad(err)
		}
		supports := p.Supports
		// Entered again, the contest is replaced, and any count of it is undone:
		// it is counted again from what was entered.
		*p = PublicElection{PublicContest: c, Entered: e.Effective, Event: e.ID, Supports: supports}
	case EventElectionSupport:
		var s ElectionSupport
		if err := json.Unmarshal(e.Data, &s); err != nil {
			return bad(err)
		}
		p.Supports = append(p.Supports, RecordedSupport{ElectionSupport: s, Date: e.Effective, Event: e.ID})
	case EventElectionCounted:
		var c ElectionCounted
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return bad(err)
		}
		p.Count, p.Counted = &c, e.Effective
	default:
		return bad(fmt.Errorf("not an election event"))
	}
	return nil
}
