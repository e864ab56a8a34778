package rulebook

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Event types of a candidate selection (subject "selection/ID"). A selection is
// run under a procedure the rule book declares: candidates are nominated, the
// electorate is frozen, members vote, the ballots are sealed and counted, and a
// body endorses the winners, who then enter the official list.
const (
	EventSelectionOpened      = "selection.opened"
	EventNominated            = "selection.nominated"
	EventNominationRefused    = "selection.nomination_refused"
	EventCandidateWithdrawn   = "selection.withdrawn"
	EventShortlisted          = "selection.shortlisted"
	EventElectorateFrozen     = "selection.electorate_frozen"
	EventVoted                = "selection.voted"
	EventPapersEntered        = "selection.papers_entered"
	EventVoterRefused         = "selection.voter_refused"
	EventRefusalChallenged    = "selection.refusal_challenged"
	EventChallengeDecided     = "selection.challenge_decided"
	EventBallotsSealed        = "selection.ballots_sealed"
	EventSelectionCounted     = "selection.counted"
	EventEndorsed             = "selection.endorsed"
	EventEndorsementRefused   = "selection.endorsement_refused"
	EventEndorsementWithdrawn = "selection.endorsement_withdrawn"
	EventCandidateDeselected  = "selection.deselected"
)

// SelectionSubjectPrefix starts the subject of a selection's events.
const SelectionSubjectPrefix = "selection/"

const (
	selectionRankingSeparator  = ">"
	selectionEventTypePrefix   = "selection."
	selectionMaxRankingEntries = 1000
)

func init() {
	// Reasons are what people wrote about a member; ids, dates, clauses and
	// outcomes are not personal and stay when they are erased.
	DeclarePersonal(EventNominationRefused, "reason")
	DeclarePersonal(EventCandidateWithdrawn, "reason")
	DeclarePersonal(EventShortlisted, "reasons")
	DeclarePersonal(EventVoterRefused, "reason")
	DeclarePersonal(EventRefusalChallenged, "reason")
	DeclarePersonal(EventChallengeDecided, "reasons")
	DeclarePersonal(EventEndorsed, "reasons")
	DeclarePersonal(EventEndorsementRefused, "reasons")
	DeclarePersonal(EventEndorsementWithdrawn, "reasons")
	DeclarePersonal(EventCandidateDeselected, "reasons")
}

// IsSelectionEvent reports whether an event type is a selection's.
func IsSelectionEvent(typ string) bool { return strings.HasPrefix(typ, selectionEventTypePrefix) }

// Timetable is a selection's dates. Nominations are taken from the opening until
// NominationsClose; the ballot runs from Ballot to BallotCloses (the same day for a
// meeting). Who may vote is answered as of Ballot, with conditions measured at
// FreezeDate.
type Timetable struct {
	FreezeDate       Date `json:"freeze_date"`
	NominationsClose Date `json:"nominations_close"`
	Ballot           Date `json:"ballot"`
	BallotCloses     Date `json:"ballot_closes"`
}

// SelectionOpened is the data of selection.opened; its Effective date is the
// opening. Method and Seats are the procedure's at opening, kept so that the count
// is run as the selection was opened whatever later versions say.
type SelectionOpened struct {
	ID        string `json:"id"`
	Procedure string `json:"procedure"`
	// Contest is the office or election the candidate is chosen for.
	Contest string `json:"contest"`
	// Unit is the unit whose members vote (with the units within it).
	Unit   string `json:"unit,omitempty"`
	Seats  int    `json:"seats"`
	Method string `json:"method"`
	// List is the rule a list selection ranks its list by (rules.ListRankings).
	List    string `json:"list,omitempty"`
	Version string `json:"rule_book_version"`
	Timetable
	// College is the electoral college deciding the selection, if its procedure
	// has one (see colleges.go); Cause is what opened it, if not staff alone (the
	// trigger ballot, "trigger/ID", whose units asked for it).
	CollegeSpec *CollegeSpec `json:"college,omitempty"`
	Cause       string       `json:"cause,omitempty"`
}

// Nomination is the data of selection.nominated.
type Nomination struct {
	Candidate  string   `json:"candidate"`
	Nominators []string `json:"nominators,omitempty"`
}

// NominationRefusal is the data of selection.nomination_refused: who was refused
// (the candidate, or a nominator), the action they needed and the clause and
// reason of the eligibility answer that refused them.
type NominationRefusal struct {
	Candidate  string   `json:"candidate"`
	Nominators []string `json:"nominators,omitempty"`
	Who        string   `json:"who"`
	Action     string   `json:"action,omitempty"`
	Clause     string   `json:"clause"`
	Reason     string   `json:"reason"`
}

// Withdrawal is the data of selection.withdrawn.
type Withdrawal struct {
	Candidate string `json:"candidate"`
	Reason    string `json:"reason,omitempty"`
}

// Shortlist is the data of selection.shortlisted: the candidates who go to the
// ballot, decided by a body.
type Shortlist struct {
	Candidates []string `json:"candidates"`
	Body       string   `json:"body,omitempty"`
	Reasons    string   `json:"reasons,omitempty"`
}

// FrozenElectorate is the data of selection.electorate_frozen. It holds the
// electorate's size and digest, not the list (which may be half a million ids):
// the list is a projection, re-derived from the register and checked against it.
type FrozenElectorate struct {
	Action     string `json:"action"`
	Count      int    `json:"count"`
	Digest     Hash   `json:"sha256"`
	Version    string `json:"rule_book_version"`
	Date       Date   `json:"date"`
	FreezeDate Date   `json:"freeze_date,omitempty"`
	Unit       string `json:"unit,omitempty"`
}

// ElectorateDigest is the SHA-256 of the member ids, sorted bytewise, each
// followed by a newline: what `sort | sha256sum` gives for a list of them.
func ElectorateDigest(ids []string) Hash {
	sorted := ids
	if !slices.IsSorted(ids) {
		sorted = slices.Clone(ids)
		slices.Sort(sorted)
	}
	h := sha256.New()
	for _, id := range sorted {
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

// Voted is the data of selection.voted: the marked register. It names the member
// and nothing of how they voted; the ballot itself is stored only added to the
// ballots of the same ranking.
type Voted struct {
	Member string `json:"member"`
}

// BallotCount is a distinct ranking (candidate member ids, first preference first)
// and the papers that carry it.
type BallotCount struct {
	Ranking []string `json:"ranking"`
	Papers  int64    `json:"papers"`
}

// PapersEntered is the data of selection.papers_entered: ballot papers the
// tellers counted by hand (at a meeting, by post), entered added up.
type PapersEntered struct {
	Papers   int64         `json:"papers"`
	Rejected int64         `json:"rejected,omitempty"`
	Ballots  []BallotCount `json:"ballots"`
}

// VoterRefusal is the data of selection.voter_refused.
type VoterRefusal struct {
	Member string `json:"member"`
	Clause string `json:"clause"`
	Reason string `json:"reason"`
}

// Challenge is the data of selection.refusal_challenged and, with a body and a
// decision, of selection.challenge_decided. Upheld means the refusal was wrong:
// the member is admitted to vote.
type Challenge struct {
	Member  string `json:"member"`
	Refusal string `json:"refusal"` // the event refusing them
	Reason  string `json:"reason,omitempty"`
	Body    string `json:"body,omitempty"`
	Upheld  bool   `json:"upheld,omitempty"`
	Reasons string `json:"reasons,omitempty"`
}

// Sealed is the data of selection.ballots_sealed: every ballot of the selection,
// added up by distinct ranking (candidates by their place in Candidates, first
// preference first, after the number of papers), and the papers. Papers is Marked
// (ballots cast through rulebook, each marked on the register) and Entered (papers
// the tellers entered); the count runs from these ballots alone.
type Sealed struct {
	Candidates []string  `json:"candidates"`
	Ballots    [][]int64 `json:"ballots"`
	Papers     int64     `json:"papers"`
	Marked     int64     `json:"marked"`
	Entered    int64     `json:"entered"`
	Rejected   int64     `json:"rejected,omitempty"`
}

// Counts returns the sealed ballots as rankings of member ids.
func (s *Sealed) Counts() ([]BallotCount, error) {
	out := make([]BallotCount, 0, len(s.Ballots))
	for i, b := range s.Ballots {
		if len(b) < 2 || b[0] <= 0 {
			return nil, fmt.Errorf("sealed ballot %d is not a number of papers and a ranking", i)
		}
		r := make([]string, len(b)-1)
		for k, c := range b[1:] {
			if c < 0 || int(c) >= len(s.Candidates) {
				return nil, fmt.Errorf("sealed ballot %d ranks candidate %d of %d", i, c, len(s.Candidates))
			}
			r[k] = s.Candidates[c]
		}
		out = append(out, BallotCount{Ranking: r, Papers: b[0]})
	}
	return out, nil
}

// SealBallots adds up ballots (in any order) as a Sealed: the same ballots give
// the same Sealed however they were cast.
func SealBallots(candidates []string, ballots []BallotCount) (*Sealed, error) {
	index := map[string]int64{}
	for i, c := range candidates {
		index[c] = int64(i)
	}
	sum := map[string]int64{}
	for _, b := range ballots {
		if b.Papers <= 0 {
			continue
		}
		sum[RankingKey(b.Ranking)] += b.Papers
	}
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := &Sealed{Candidates: candidates, Ballots: make([][]int64, 0, len(keys))}
	for _, k := range keys {
		row := []int64{sum[k]}
		for _, c := range ParseRanking(k) {
			i, ok := index[c]
			if !ok {
				return nil, fmt.Errorf("a ballot ranks %s, who is not a candidate", c)
			}
			row = append(row, i)
		}
		s.Ballots = append(s.Ballots, row)
		s.Papers += sum[k]
	}
	return s, nil
}

// RankingKey is how a ranking is stored: the candidates' ids, first preference
// first, joined by ">".
func RankingKey(r []string) string { return strings.Join(r, selectionRankingSeparator) }

// ParseRanking reads a stored ranking.
func ParseRanking(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, selectionRankingSeparator)
}

// CheckRanking refuses a ranking that is empty, ranks someone who is not a
// candidate on the ballot, or ranks a candidate twice.
func CheckRanking(r []string, onBallot []string) error {
	if len(r) == 0 {
		return FieldError("ranking", "rank at least one candidate (%s)", strings.Join(onBallot, ", "))
	}
	if len(r) > selectionMaxRankingEntries {
		return FieldError("ranking", "%d preferences: at most %d", len(r), selectionMaxRankingEntries)
	}
	for i, c := range r {
		if !slices.Contains(onBallot, c) {
			return FieldError("ranking", "%q is not a candidate on the ballot (%s)", c, strings.Join(onBallot, ", "))
		}
		if slices.Contains(r[:i], c) {
			return FieldError("ranking", "%s is ranked twice", c)
		}
	}
	return nil
}

// Counted is the data of selection.counted.
type Counted struct {
	Result *count.Result `json:"result"`
}

// Endorsement is the data of selection.endorsed, selection.endorsement_refused,
// selection.endorsement_withdrawn and selection.deselected: a body's decision
// about the winners (or one candidate). An endorsement names the entry each
// winner has on the official list.
type Endorsement struct {
	Candidates []string `json:"candidates,omitempty"`
	Body       string   `json:"body"`
	Clause     string   `json:"clause"`
	Reasons    string   `json:"reasons,omitempty"`
	// Entries are the official list's entries, by candidate, that the decision
	// made or ended.
	Entries map[string]string `json:"entries,omitempty"`
	Until   Date              `json:"until,omitempty"`
}

// The states of a selection.
const (
	SelectionNominations = "nominations" // open: nominations are taken
	SelectionBallot      = "ballot"      // the electorate is frozen: ballots are cast
	SelectionSealed      = "sealed"      // the ballots are sealed
	SelectionCounted     = "counted"     // the result is declared
	SelectionEndorsed    = "endorsed"    // the winners endorsed
	SelectionRefused     = "endorsement_refused"
)

// Selection is a selection as its events make it.
type Selection struct {
	SelectionOpened
	Opened     Date                 `json:"opened"`
	State      string               `json:"state"`
	Candidates []SelectionCandidate `json:"candidates"`
	Shortlist  *Shortlist           `json:"shortlist,omitempty"`
	Refused    []SelectionRefusal   `json:"nominations_refused,omitempty"`
	Electorate *FrozenElectorate    `json:"electorate,omitempty"`
	// FrozenSeq is the seq of the event that froze the electorate: the record up to
	// it is what the electorate is re-derived from.
	FrozenSeq int64                   `json:"electorate_seq,omitempty"`
	Marked    int64                   `json:"marked"`
	Entered   int64                   `json:"entered"`
	Rejected  int64                   `json:"rejected,omitempty"`
	Refusals  []SelectionVoterRefusal `json:"voters_refused,omitempty"`
	// Admitted are members a challenge admitted to vote though not in the
	// electorate frozen.
	Admitted     []string            `json:"admitted,omitempty"`
	Sealed       *Sealed             `json:"sealed,omitempty"`
	Result       *count.Result       `json:"result,omitempty"`
	Counted      Date                `json:"counted,omitempty"`
	Endorsements []SelectionDecision `json:"endorsements,omitempty"`
	Refusal      *SelectionDecision  `json:"endorsement_refused,omitempty"`
	Updated      int64               `json:"updated"`
	// College is the progress of a selection by electoral college.
	College *CollegeRun `json:"college_run,omitempty"`
}

// SelectionCandidate is a candidate nominated.
type SelectionCandidate struct {
	Member     string   `json:"member"`
	Nominators []string `json:"nominators,omitempty"`
	Nominated  Date     `json:"nominated"`
	Event      string   `json:"event"`
	Withdrawn  Date     `json:"withdrawn,omitempty"`
	Reason     string   `json:"withdrawal_reason,omitempty"`
	// Dropped is set when a shortlist left the candidate off the ballot.
	Dropped bool `json:"dropped,omitempty"`
}

// SelectionRefusal is a nomination refused.
type SelectionRefusal struct {
	NominationRefusal
	Date  Date   `json:"date"`
	Event string `json:"event"`
}

// SelectionVoterRefusal is a member refused a ballot, with any challenge.
type SelectionVoterRefusal struct {
	VoterRefusal
	Date      Date       `json:"date"`
	Event     string     `json:"event"`
	Challenge *Challenge `json:"challenge,omitempty"`
	// Challenged and Decided are the days the challenge was made and decided.
	Challenged Date `json:"challenged,omitempty"`
	Decided    Date `json:"decided,omitempty"`
}

// SelectionDecision is an endorsement as the selection holds it: by whom, and
// whether it has ended.
type SelectionDecision struct {
	Endorsement
	Date  Date   `json:"date"`
	Event string `json:"event"`
	// Ended, for an endorsement, is the day it was withdrawn or the candidate
	// deselected, and EndedBy that decision.
	Ended   Date         `json:"ended,omitempty"`
	EndedBy *Endorsement `json:"ended_by,omitempty"`
	How     string       `json:"how,omitempty"` // "withdrawn" or "deselected"
}

// SelectionID returns the selection id of a subject, or "".
func SelectionID(subject string) string {
	id, _ := strings.CutPrefix(subject, SelectionSubjectPrefix)
	if id == subject {
		return ""
	}
	return id
}

// Candidate returns the candidate nominated as member, or nil.
func (s *Selection) Candidate(member string) *SelectionCandidate {
	for i := range s.Candidates {
		if s.Candidates[i].Member == member {
			return &s.Candidates[i]
		}
	}
	return nil
}

// OnBallot lists the candidates the ballot offers: nominated, not withdrawn, and
// on the shortlist if one was made.
func (s *Selection) OnBallot() []string {
	var out []string
	for _, c := range s.Candidates {
		if c.Withdrawn.IsZero() && !c.Dropped {
			out = append(out, c.Member)
		}
	}
	return out
}

// Endorsed returns the endorsement of member in force (not ended), or nil.
func (s *Selection) Endorsed(member string) *SelectionDecision {
	for i := range s.Endorsements {
		d := &s.Endorsements[i]
		if d.Ended.IsZero() && slices.Contains(d.Candidates, member) {
			return d
		}
	}
	return nil
}

// VoterRefusal returns the latest refusal of member's ballot, or nil.
func (s *Selection) VoterRefusal(member string) *SelectionVoterRefusal {
	for i := len(s.Refusals) - 1; i >= 0; i-- {
		if s.Refusals[i].Member == member {
			return &s.Refusals[i]
		}
	}
	return nil
}

// Apply folds one selection event into s.
func (s *Selection) Apply(e *Event) error {
	bad := func(err error) error { return fmt.Errorf("event %s (%s): %v", e.ID, e.Type, err) }
	into := func(v any) error {
		if err := json.Unmarshal(e.Data, v); err != nil {
			return bad(err)
		}
		return nil
	}
	defer func() { s.Updated = e.Seq }()
	switch e.Type {
	case EventSelectionOpened:
		var o SelectionOpened
		if err := into(&o); err != nil {
			return err
		}
		*s = Selection{SelectionOpened: o, Opened: e.Effective, State: SelectionNominations, Candidates: []SelectionCandidate{}}
	case EventNominated:
		var n Nomination
		if err := into(&n); err != nil {
			return err
		}
		s.Candidates = append(s.Candidates, SelectionCandidate{Member: n.Candidate, Nominators: n.Nominators, Nominated: e.Effective, Event: e.ID})
	case EventNominationRefused:
		var r NominationRefusal
		if err := into(&r); err != nil {
			return err
		}
		s.Refused = append(s.Refused, SelectionRefusal{NominationRefusal: r, Date: e.Effective, Event: e.ID})
	case EventCandidateWithdrawn:
		var w Withdrawal
		if err := into(&w); err != nil {
			return err
		}
		if c := s.Candidate(w.Candidate); c != nil {
			c.Withdrawn, c.Reason = e.Effective, w.Reason
		}
	case EventShortlisted:
		var l Shortlist
		if err := into(&l); err != nil {
			return err
		}
		s.Shortlist = &l
		for i := range s.Candidates {
			s.Candidates[i].Dropped = !slices.Contains(l.Candidates, s.Candidates[i].Member)
		}
	case EventElectorateFrozen:
		var f FrozenElectorate
		if err := into(&f); err != nil {
			return err
		}
		s.Electorate, s.FrozenSeq, s.State = &f, e.Seq, SelectionBallot
	case EventVoted:
		s.Marked++
	case EventPapersEntered:
		var p PapersEntered
		if err := into(&p); err != nil {
			return err
		}
		s.Entered += p.Papers
		s.Rejected += p.Rejected
	case EventVoterRefused:
		var r VoterRefusal
		if err := into(&r); err != nil {
			return err
		}
		s.Refusals = append(s.Refusals, SelectionVoterRefusal{VoterRefusal: r, Date: e.Effective, Event: e.ID})
	case EventRefusalChallenged, EventChallengeDecided:
		var c Challenge
		if err := into(&c); err != nil {
			return err
		}
		for i := range s.Refusals {
			r := &s.Refusals[i]
			if r.Event != c.Refusal {
				continue
			}
			if e.Type == EventRefusalChallenged {
				r.Challenge, r.Challenged = &c, e.Effective
				break
			}
			if r.Challenge != nil {
				c.Reason = r.Challenge.Reason
			}
			r.Challenge, r.Decided = &c, e.Effective
			if c.Upheld && !slices.Contains(s.Admitted, c.Member) {
				s.Admitted = append(s.Admitted, c.Member)
			}
		}
	case EventBallotsSealed:
		var b Sealed
		if err := into(&b); err != nil {
			return err
		}
		s.Sealed, s.State = &b, SelectionSealed
	case EventSelectionCounted:
		var c Counted
		if err := into(&c); err != nil {
			return err
		}
		s.Result, s.Counted, s.State = c.Result, e.Effective, SelectionCounted
	case EventEndorsed:
		var d Endorsement
		if err := into(&d); err != nil {
			return err
		}
		// One decision per candidate, so that each endorsement ends on its own.
		for _, c := range d.Candidates {
			one := d
			one.Candidates = []string{c}
			one.Entries = map[string]string{c: d.Entries[c]}
			s.Endorsements = append(s.Endorsements, SelectionDecision{Endorsement: one, Date: e.Effective, Event: e.ID})
		}
		s.State = SelectionEndorsed
	case EventEndorsementRefused:
		var d Endorsement
		if err := into(&d); err != nil {
			return err
		}
		s.Refusal = &SelectionDecision{Endorsement: d, Date: e.Effective, Event: e.ID}
		s.State = SelectionRefused
	case EventEndorsementWithdrawn, EventCandidateDeselected:
		var d Endorsement
		if err := into(&d); err != nil {
			return err
		}
		how := "withdrawn"
		if e.Type == EventCandidateDeselected {
			how = "deselected"
		}
		for _, c := range d.Candidates {
			if x := s.Endorsed(c); x != nil {
				dd := d
				x.Ended, x.EndedBy, x.How = e.Effective, &dd, how
			}
		}
	default:
		if ok, err := s.applyCollege(e); ok {
			return err
		}
		return bad(fmt.Errorf("not a selection event"))
	}
	return nil
}
