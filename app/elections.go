package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sort"

	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/fptp"
	"github.com/rulebook/rulebook/count/listpr"
	"github.com/rulebook/rulebook/count/sv"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Public elections: the contests the organisation's candidates fight, entered as
// the returning officer declares them (subject election/ID), counted by the
// counting engine, and checked against the official candidates: a member who
// stands against one, or nominates or campaigns for a rival, is conduct a
// trigger the rule book declares catches.

// electionOf folds a public election from its events.
func electionOf(id string, evs []rulebook.Event) (*rulebook.PublicElection, error) {
	if len(evs) == 0 {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no public election %q", id)
	}
	p := &rulebook.PublicElection{}
	for i := range evs {
		if err := p.Apply(&evs[i]); err != nil {
			return nil, err
		}
	}
	if p.ID == "" {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no public election %q", id)
	}
	return p, nil
}

func (a *App) election(ctx context.Context, id string) (*rulebook.PublicElection, error) {
	evs, err := a.db().ElectionEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	return electionOf(id, evs)
}

func electionEvent(typ, id, actor string, d rulebook.Date, data any) (*rulebook.Event, error) {
	e, err := register.Event(typ, rulebook.ElectionSubjectPrefix+id, actor, d, data)
	if err == nil {
		e.ID = rulebook.NewEventID()
	}
	return e, err
}

// checkMembers refuses member ids the register does not hold.
func (a *App) checkMembers(ctx context.Context, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := names[id]; !ok {
			return fieldErr(field, "no member %q on the register", id)
		}
	}
	return nil
}

// EnterElection records a public contest: its candidates from the statement of
// persons nominated and, once declared, the votes. Entered again, it replaces
// what was entered (the record keeps both).
func (a *App) EnterElection(ctx context.Context, c rulebook.PublicContest, d rulebook.Date) (*rulebook.PublicElection, error) {
	p, err := a.allow(ctx, RecordElections, Resource{})
	if err != nil {
		return nil, err
	}
	c.Title = trim(c.Title)
	for i := range c.Candidates {
		c.Candidates[i].Name, c.Candidates[i].Party = trim(c.Candidates[i].Name), trim(c.Candidates[i].Party)
	}
	if c.Kind != rulebook.ContestAMS && c.Seats == 0 {
		c.Seats = 1
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	var ids []string
	for _, k := range c.Candidates {
		if k.Member != "" {
			ids = append(ids, k.Member)
		}
		ids = append(ids, k.Nominators...)
	}
	if err := a.checkMembers(ctx, "candidates", ids); err != nil {
		return nil, err
	}
	d = a.dated(d)
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	evs, err := ap.ElectionEvents(c.ID)
	if err != nil {
		return nil, err
	}
	c.Replaces = ""
	if len(evs) > 0 {
		was, err := electionOf(c.ID, evs)
		if err != nil {
			return nil, err
		}
		c.Replaces = was.Event
	}
	e, err := electionEvent(rulebook.EventElectionEntered, c.ID, p.Actor(), d, c)
	if err != nil {
		return nil, err
	}
	if err := ap.Add(e); err != nil {
		return nil, err
	}
	evs = append(evs, *e)
	if err := ap.Commit(); err != nil {
		return nil, err
	}
	return electionOf(c.ID, evs)
}

// RecordSupport records that a member nominated or campaigned for a candidate
// in a public contest, with the evidence.
func (a *App) RecordSupport(ctx context.Context, id string, s rulebook.ElectionSupport, d rulebook.Date) (*rulebook.PublicElection, error) {
	p, err := a.allow(ctx, RecordElections, Resource{})
	if err != nil {
		return nil, err
	}
	s.Evidence = trim(s.Evidence)
	if !slices.Contains([]string{rulebook.SupportNominated, rulebook.SupportCampaigned}, s.How) {
		return nil, fieldErr("how", "%q: %s or %s", s.How, rulebook.SupportNominated, rulebook.SupportCampaigned)
	}
	if s.Evidence == "" {
		return nil, fieldErr("evidence", "say what shows it")
	}
	if err := rulebook.CheckText("evidence", s.Evidence, rulebook.MaxLineLen*8); err != nil {
		return nil, err
	}
	if err := a.checkMembers(ctx, "member", []string{s.Member}); err != nil {
		return nil, err
	}
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	evs, err := ap.ElectionEvents(id)
	if err != nil {
		return nil, err
	}
	el, err := electionOf(id, evs)
	if err != nil {
		return nil, err
	}
	if el.Candidate(s.Candidate) == nil {
		return nil, fieldErr("candidate", "%q is not a candidate in %s (%s)", s.Candidate, id, strings.Join(candidateNames(el), ", "))
	}
	e, err := electionEvent(rulebook.EventElectionSupport, id, p.Actor(), a.dated(d), s)
	if err != nil {
		return nil, err
	}
	if err := ap.Add(e); err != nil {
		return nil, err
	}
	if err := ap.Commit(); err != nil {
		return nil, err
	}
	return electionOf(id, append(evs, *e))
}

func candidateNames(el *rulebook.PublicElection) []string {
	out := make([]string, len(el.Candidates))
	for i, c := range el.Candidates {
		out[i] = c.Name
	}
	return out
}

// ElectionSummary is a public contest as a list shows it.
type ElectionSummary struct {
	ID       string        `json:"id"`
	Kind     string        `json:"kind"`
	Title    string        `json:"title"`
	Poll     rulebook.Date `json:"poll"`
	Declared bool          `json:"declared"`
	Winners  []string      `json:"winners,omitempty"`
	Outcome  string        `json:"outcome,omitempty"`
}

// Elections lists the public contests entered, the latest poll first.
func (a *App) Elections(ctx context.Context) ([]ElectionSummary, error) {
	if _, err := a.allow(ctx, ViewElections, Resource{}); err != nil {
		return nil, err
	}
	ids, err := a.db().ElectionIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := []ElectionSummary{}
	for _, id := range ids {
		el, err := a.election(ctx, id)
		if err != nil {
			return nil, err
		}
		s := ElectionSummary{ID: el.ID, Kind: el.Kind, Title: el.Title, Poll: el.Poll, Declared: el.Declared}
		if el.Count != nil {
			s.Winners, s.Outcome = el.Count.Winners, el.Count.Outcome
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Poll > out[j].Poll })
	return out, nil
}

// ElectionView is a public contest with the names of the members it names.
type ElectionView struct {
	*rulebook.PublicElection
	Names map[string]string `json:"names"`
	// ByWard is who led in each ward, where the votes were declared ward by
	// ward (fptp): worked out from the figures declared, not recorded.
	ByWard []WardResult `json:"by_ward,omitempty"`
}

// Share is a candidate's (or party's) share of the vote as the count gives it
// (the count names a member candidate "Name (id)"); "" before the count.
func (v *ElectionView) Share(name, member string) string {
	if v.Count == nil || v.Count.Result == nil {
		return ""
	}
	if s, ok := v.Count.Result.Shares[name]; ok {
		return s
	}
	return v.Count.Result.Shares[rulebook.CandidateLabel(name, member)]
}

// Named gives a member as "Name (id)", or the id.
func (v *ElectionView) Named(id string) string { return rulebook.Person(v.Names[id], id) }

// WardResult is the lead in one ward of a contest whose votes were declared
// ward by ward.
type WardResult struct {
	Ward string `json:"ward"`
	// Leader is the candidate with the most votes in the ward, as the count
	// names them; "" when two or more tie for it (Tied names them).
	Leader string   `json:"leader,omitempty"`
	Party  string   `json:"party,omitempty"`
	Tied   []string `json:"tied,omitempty"`
	Votes  int64    `json:"votes"`
	// Share is the leader's percentage of the ward's votes; Majority their
	// lead over the runner-up.
	Share    string `json:"share"`
	Majority int64  `json:"majority"`
	Total    int64  `json:"total"`
}

// WardResults works out who led in each ward from the votes declared by ward.
func WardResults(el *rulebook.PublicElection) []WardResult {
	var out []WardResult
	for i, ward := range el.Wards {
		r := WardResult{Ward: ward}
		var second int64
		for _, c := range el.Candidates {
			if i >= len(c.Wards) {
				continue
			}
			v := c.Wards[i]
			r.Total += v
			switch {
			case v > r.Votes || len(r.Tied) == 0 && r.Leader == "":
				second = max(second, r.Votes)
				r.Leader, r.Party, r.Votes, r.Tied = c.Label(), c.Party, v, nil
			case v == r.Votes:
				if r.Tied == nil {
					r.Tied = []string{r.Leader}
				}
				r.Tied = append(r.Tied, c.Label())
				second = v
			default:
				second = max(second, v)
			}
		}
		if len(r.Tied) > 0 {
			r.Leader, r.Party = "", ""
		}
		r.Majority, r.Share = r.Votes-second, count.Percent(r.Votes, r.Total, 2)
		out = append(out, r)
	}
	return out
}

// Election returns a public contest as entered and counted.
func (a *App) Election(ctx context.Context, id string) (*ElectionView, error) {
	p, err := a.allow(ctx, ViewElections, Resource{})
	if err != nil {
		return nil, err
	}
	el, err := a.election(ctx, id)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range el.Candidates {
		if c.Member != "" {
			ids = append(ids, c.Member)
		}
		ids = append(ids, c.Nominators...)
	}
	for _, s := range el.Supports {
		ids = append(ids, s.Member)
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &ElectionView{PublicElection: el, Names: names, ByWard: WardResults(el)}, a.logAccess(ctx, p, "view_election", rulebook.ElectionSubjectPrefix+id, "")
}

// CountElection counts a declared public contest by its kind — first past the
// post, supplementary vote, or a region's additional member seats — with the
// majority, the turnout and the change since the previous contest, and records
// the count. lists gives, by party, the organisation's list selection whose
// endorsed list (as it stood on polling day) fills that party's list seats.
func (a *App) CountElection(ctx context.Context, id string, d rulebook.Date, lists map[string]string) (*rulebook.PublicElection, error) {
	p, err := a.allow(ctx, RecordElections, Resource{})
	if err != nil {
		return nil, err
	}
	el, err := a.election(ctx, id)
	if err != nil {
		return nil, err
	}
	counted, err := a.countContest(ctx, el, lists)
	if err != nil {
		return nil, err
	}
	e, err := electionEvent(rulebook.EventElectionCounted, id, p.Actor(), a.dated(d), counted)
	if err != nil {
		return nil, err
	}
	if err := a.appendEvent(ctx, e, nil); err != nil {
		return nil, err
	}
	return a.election(ctx, id)
}

func electionSeed(id string) int64 {
	sum := sha256.Sum256([]byte(rulebook.ElectionSubjectPrefix + id))
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
}

// countContest counts a contest (without recording it).
func (a *App) countContest(ctx context.Context, el *rulebook.PublicElection, lists map[string]string) (*rulebook.ElectionCounted, error) {
	if !el.Declared {
		return nil, notPermitted("%s is not declared: enter its votes first", el.ID)
	}
	if len(lists) > 0 && el.Kind != rulebook.ContestAMS {
		return nil, fieldErr("list", "a list fills list seats: %s is a %s contest", el.ID, el.Kind)
	}
	seed := electionSeed(el.ID)
	out := &rulebook.ElectionCounted{}
	var res *count.Result
	var err error
	switch el.Kind {
	case rulebook.ContestFPTP:
		c := &fptp.Contest{Title: el.Title}
		for _, k := range el.Candidates {
			c.Candidates = append(c.Candidates, fptp.Candidate{Name: k.Label(), Party: k.Party, Votes: k.Votes})
		}
		res, err = fptp.Count(c, max(el.Seats, 1), seed)
		if err == nil {
			out.Majority = res.Majority
		}
	case rulebook.ContestSV:
		var b *sv.Ballots
		if b, err = svBallots(el); err != nil {
			return nil, err
		}
		res, err = sv.Count(b, seed)
		if err == nil {
			out.Majority = finalLead(res)
		}
	case rulebook.ContestAMS:
		res, out.Lists, err = a.countRegion(ctx, el, lists, seed)
	}
	if err != nil {
		return nil, rulebook.Errorf(rulebook.EInvalid, "%s: %v", el.ID, err)
	}
	if res.Parties == nil && el.Kind != rulebook.ContestAMS {
		res.Parties = map[string]string{}
		for _, k := range el.Candidates {
			res.Parties[k.Label()] = k.Party
		}
	}
	out.Result, out.Winners = res, res.Elected
	papers := el.Rejected
	for _, v := range shareVotes(el) {
		papers += v
	}
	if el.Electorate > 0 && (el.Kind != rulebook.ContestFPTP || el.Seats <= 1) {
		out.Turnout = count.Percent(papers, el.Electorate, 2)
	}
	if el.Previous != "" {
		prev, err := a.election(ctx, el.Previous)
		if err != nil {
			return nil, fieldErr("previous", "%v", err)
		}
		if !prev.Declared {
			return nil, fieldErr("previous", "%s is not declared", prev.ID)
		}
		out.Change = shareChange(shareVotes(prev), shareVotes(el))
		if el.Kind != rulebook.ContestAMS && max(el.Seats, 1) == 1 {
			was := prev.Count
			if was == nil {
				if was, err = a.countContest(ctx, prev, nil); err != nil {
					return nil, err
				}
			}
			out.Outcome = outcome(partyOf(prev, was.Winners), partyOf(el, out.Winners))
		}
	}
	return out, nil
}

// svBallots makes the papers of a supplementary vote from its declared figures:
// each candidate's first preferences, and the second preferences the top two
// gained from the papers of those eliminated. Which eliminated candidate's papers
// each second preference came from is not declared and does not change the
// count: they are taken from the eliminated candidates' papers in turn.
func svBallots(el *rulebook.PublicElection) (*sv.Ballots, error) {
	b := &sv.Ballots{Title: el.Title}
	var gainers []rulebook.PublicCandidate
	var pool []rulebook.PublicCandidate // candidates whose papers may carry a second preference
	for _, k := range el.Candidates {
		b.Candidates = append(b.Candidates, k.Label())
		if k.Second > 0 {
			gainers = append(gainers, k)
		} else {
			pool = append(pool, k)
		}
	}
	if len(gainers) > 2 {
		return nil, fieldErr("candidates", "%d candidates gain second preferences: only the top two do", len(gainers))
	}
	left := make([]int64, len(pool))
	for i, k := range pool {
		left[i] = k.Votes
	}
	i := 0
	for _, g := range gainers {
		need := g.Second
		for need > 0 {
			for i < len(pool) && (left[i] == 0 || slices.ContainsFunc(gainers, func(x rulebook.PublicCandidate) bool { return x.Name == pool[i].Name })) {
				i++
			}
			if i >= len(pool) {
				return nil, fieldErr("candidates", "%s gains %d second preferences, more than the papers of the candidates eliminated hold", g.Name, g.Second)
			}
			n := min(need, left[i])
			b.Pairs = append(b.Pairs, sv.Pair{First: pool[i].Label(), Second: g.Label(), Count: n})
			left[i] -= n
			need -= n
		}
	}
	for _, g := range gainers {
		b.Pairs = append(b.Pairs, sv.Pair{First: g.Label(), Count: g.Votes})
	}
	for j, k := range pool {
		if left[j] > 0 {
			b.Pairs = append(b.Pairs, sv.Pair{First: k.Label(), Count: left[j]})
		}
	}
	return b, nil
}

// finalLead is the winner's lead in the last round of a count.
func finalLead(r *count.Result) string {
	if len(r.Rounds) == 0 || len(r.Elected) == 0 {
		return ""
	}
	last := r.Rounds[len(r.Rounds)-1].Tally
	win, _ := new(big.Rat).SetString(last[r.Elected[0]])
	if win == nil {
		return ""
	}
	var runner *big.Rat
	for c, v := range last {
		if c == r.Elected[0] {
			continue
		}
		if x, ok := new(big.Rat).SetString(v); ok && (runner == nil || x.Cmp(runner) > 0) {
			runner = x
		}
	}
	if runner == nil {
		return ""
	}
	return new(big.Rat).Sub(win, runner).RatString()
}

// countRegion allocates a region's list seats: the constituency seats each party
// holds from the region's constituency contests (their winners passed over on
// the lists) or as entered, the lists entered or the organisation's endorsed ones.
func (a *App) countRegion(ctx context.Context, el *rulebook.PublicElection, lists map[string]string, seed int64) (*count.Result, map[string]string, error) {
	c := &listpr.Contest{Title: el.Title}
	seats := map[string]int{}
	for _, id := range el.Constituencies {
		con, err := a.election(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if con.Kind != rulebook.ContestFPTP {
			return nil, nil, fieldErr("constituencies", "%s is a %s contest, not a constituency", id, con.Kind)
		}
		got := con.Count
		if got == nil {
			if got, err = a.countContest(ctx, con, nil); err != nil {
				return nil, nil, err
			}
		}
		c.ConstituencyWinners = append(c.ConstituencyWinners, got.Winners...)
		for _, w := range got.Winners {
			seats[got.Result.Parties[w]]++
		}
	}
	used := map[string]string{}
	for party, sel := range lists {
		if !slices.ContainsFunc(el.Parties, func(p rulebook.PublicParty) bool { return p.Name == party }) {
			return nil, nil, fieldErr("list", "no party %q in %s", party, el.ID)
		}
		used[party] = sel
	}
	for _, p := range el.Parties {
		lp := listpr.Party{Name: p.Name, Votes: p.Votes, ConstituencySeats: p.ConstituencySeats, ListCandidates: p.List}
		if len(el.Constituencies) > 0 {
			lp.ConstituencySeats = seats[p.Name]
		}
		if sel := used[p.Name]; sel != "" {
			places, err := a.endorsedList(ctx, sel, el.Poll)
			if err != nil {
				return nil, nil, err
			}
			lp.ListCandidates = nil
			for _, pl := range places {
				lp.ListCandidates = append(lp.ListCandidates, rulebook.CandidateLabel(pl.Name, pl.Member))
			}
			if len(lp.ListCandidates) == 0 {
				return nil, nil, fieldErr("list", "selection %s has no one endorsed on %s", sel, el.Poll)
			}
		}
		lp.HasCandidateList = len(lp.ListCandidates) > 0
		c.Parties = append(c.Parties, lp)
	}
	opt := listpr.Options{Method: "ams", Seats: el.Seats, Div: listpr.DHondt, CountPrior: true, Seed: seed}
	if el.Threshold != "" {
		t, err := count.ParsePercent(el.Threshold)
		if err != nil {
			return nil, nil, fieldErr("threshold", "%v", err)
		}
		opt.Threshold = t
	}
	res, err := listpr.Allocate(c, opt)
	if err != nil {
		return nil, nil, err
	}
	if len(used) == 0 {
		used = nil
	}
	return res, used, nil
}

// shareVotes is each party's vote (a candidate without a party stands as
// themself).
func shareVotes(el *rulebook.PublicElection) map[string]int64 {
	out := map[string]int64{}
	for _, p := range el.Parties {
		out[p.Name] += p.Votes
	}
	for _, k := range el.Candidates {
		party := k.Party
		if party == "" {
			party = k.Name
		}
		out[party] += k.Votes
	}
	return out
}

// shareChange is each party's share of the vote less its share before, in
// percentage points to two places (a party that did not stand before changes
// from nothing; one that stood before and not now, to nothing).
func shareChange(before, now map[string]int64) map[string]string {
	total := func(m map[string]int64) int64 {
		var t int64
		for _, v := range m {
			t += v
		}
		return t
	}
	tb, tn := total(before), total(now)
	share := func(v, t int64) *big.Rat {
		if t == 0 {
			return new(big.Rat)
		}
		return big.NewRat(v*100, t)
	}
	out := map[string]string{}
	for p := range now {
		out[p] = ""
	}
	for p := range before {
		out[p] = ""
	}
	for p := range out {
		d := new(big.Rat).Sub(share(now[p], tn), share(before[p], tb))
		s := d.FloatString(2)
		if d.Sign() >= 0 {
			s = "+" + s
		}
		out[p] = s
	}
	return out
}

func partyOf(el *rulebook.PublicElection, winners []string) string {
	if len(winners) == 0 {
		return ""
	}
	for _, k := range el.Candidates {
		if k.Label() == winners[0] {
			if k.Party != "" {
				return k.Party
			}
			return k.Name
		}
	}
	return winners[0]
}

func outcome(before, now string) string {
	if before == now {
		return now + " hold"
	}
	return now + " gain from " + before
}

// PublicConduct is what a public contest shows a member did that a trigger the
// rule book declares catches: stood against an official candidate, or
// nominated or campaigned for such a rival.
type PublicConduct struct {
	Member  string `json:"member"`
	Name    string `json:"name,omitempty"`
	Catches string `json:"catches"`
	Trigger string `json:"trigger"`
	List    string `json:"list"`
	Entry   string `json:"entry"`
	// Official is the official candidate stood against; Rival who the member
	// stood as or supported.
	Official string        `json:"official"`
	Rival    string        `json:"rival"`
	How      string        `json:"how"` // "stood", "nominated", "campaigned"
	Date     rulebook.Date `json:"date"`
	Evidence []string      `json:"evidence"`
	// Case is the case opened on it, if one was.
	Case string `json:"case,omitempty"`
}

// ElectionConduct finds, in a public contest, the members who stood against an
// official candidate (on the list a trigger checks, on the day the nominations
// were published) and those who nominated or campaigned for such a rival, by the
// triggers of the rule book in force then, with any case already opened on each.
func (a *App) ElectionConduct(ctx context.Context, id string) ([]PublicConduct, error) {
	if _, err := a.allow(ctx, ViewElections, Resource{}); err != nil {
		return nil, err
	}
	el, err := a.election(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.electionConduct(ctx, el)
}

func (a *App) electionConduct(ctx context.Context, el *rulebook.PublicElection) ([]PublicConduct, error) {
	if el.Kind == rulebook.ContestAMS {
		return []PublicConduct{}, nil // a list contest has parties, not rival candidates
	}
	on := el.ConductDate()
	v, err := a.Rules().VersionAt(on)
	if err != nil {
		return nil, err
	}
	out := []PublicConduct{}
	for _, catches := range rules.PublicConducts() {
		for _, t := range v.PublicTriggers(catches) {
			stored, err := a.db().ListEntries(ctx, t.Checks)
			if err != nil {
				return nil, err
			}
			// The official candidates: those of the contest with an entry in force
			// on the list, or the entry the contest names.
			official := map[string]discipline.ListEntry{} // candidate name → entry
			for _, raw := range stored {
				var l discipline.ListEntry
				if err := json.Unmarshal(raw, &l); err != nil {
					return nil, err
				}
				if !l.InForce(on) {
					continue
				}
				for _, k := range el.Candidates {
					if (l.Member != "" && l.Member == k.Member) || (l.ID == el.OfficialEntry && l.Member == "" && l.Name == k.Name) {
						official[k.Name] = l
					}
				}
				if l.ID == el.OfficialEntry && len(official) == 0 {
					official[""] = l // an official candidate the contest does not name
				}
			}
			if len(official) != 1 {
				continue // no official candidate in the contest (or several: a block vote)
			}
			var entry discipline.ListEntry
			var offName string
			for n, l := range official {
				entry, offName = l, n
			}
			if offName == "" {
				offName = entry.Name
			}
			for _, k := range el.Candidates {
				if _, ok := official[k.Name]; ok {
					continue
				}
				base := PublicConduct{Catches: catches, Trigger: t.ID, List: t.Checks, Entry: entry.ID, Official: offName, Rival: k.Name}
				party := k.Party
				if party == "" {
					party = "no description"
				}
				switch catches {
				case rules.CatchesStanding:
					if k.Member == "" || k.Member == entry.Member {
						continue
					}
					c := base
					c.Member, c.How, c.Date = k.Member, "stood", on
					c.Evidence = []string{fmt.Sprintf("nominated as a candidate (%s) in %s, polling day %s, against the official candidate %s: the statement of persons nominated, %s", party, el.Title, el.Poll, offName, on)}
					out = append(out, c)
				case rules.CatchesSupporting:
					for _, m := range k.Nominators {
						c := base
						c.Member, c.How, c.Date = m, rulebook.SupportNominated, on
						c.Evidence = []string{fmt.Sprintf("signed the nomination paper of %s (%s) in %s, against the official candidate %s: the nomination papers, %s", k.Name, party, el.Title, offName, on)}
						out = append(out, c)
					}
					for _, s := range el.Supports {
						if s.Candidate != k.Name {
							continue
						}
						c := base
						c.Member, c.How, c.Date = s.Member, s.How, s.Date
						c.Evidence = []string{fmt.Sprintf("%s %s (%s) in %s, against the official candidate %s: %s", s.How, "for "+k.Name, party, el.Title, offName, s.Evidence)}
						out = append(out, c)
					}
				}
			}
		}
	}
	var ids []string
	for _, c := range out {
		ids = append(ids, c.Member)
	}
	names, err := a.db().MemberNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Name = names[out[i].Member]
		if out[i].Case, err = a.caseOnConduct(ctx, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// caseOnConduct returns the case already relying on the trigger and entry
// against the member, or "".
func (a *App) caseOnConduct(ctx context.Context, c PublicConduct) (string, error) {
	rows, err := a.db().CaseRows(ctx, sqldb.CaseFilter{Respondent: c.Member})
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		var k discipline.Case
		if err := json.Unmarshal(r.Data, &k); err != nil {
			return "", err
		}
		if k.Trigger != nil && k.Trigger.Trigger == c.Trigger && k.Trigger.Entry == c.Entry {
			return k.ID, nil
		}
	}
	return "", nil
}

// exclusionStep is the step of the procedure in force on d that proposes an
// automatic exclusion (the one requiring a trigger) and the kind of case that
// opens in a state it may be taken from.
func (a *App) exclusionStep(d rulebook.Date) (string, *rules.Transition, error) {
	v, err := a.Rules().VersionAt(d)
	if err != nil {
		return "", nil, err
	}
	if v.Discipline == nil {
		return "", nil, notPermitted("rule book %s has no disciplinary procedure", v.ID)
	}
	kinds := make([]string, 0, len(v.Discipline.Initial))
	for k := range v.Discipline.Initial {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, id := range v.Discipline.TransOrder {
		t := v.Discipline.Transitions[id]
		if t == nil || !slices.Contains(t.Requires, "trigger") {
			continue
		}
		for _, k := range kinds {
			if slices.Contains(t.From, v.Discipline.Initial[k]) {
				return k, t, nil
			}
		}
	}
	return "", nil, notPermitted("rule book %s has no step proposing an automatic exclusion (one requiring a trigger) from the state a case opens in", v.ID)
}

// OpenElectionExclusions opens, for each conduct the contest shows that no case
// yet relies on, a case proposing the automatic exclusion, the step taken for
// body on d with the trigger, the official list's entry and the evidence. The
// rule book decides the rest (who confirms, and whether the trigger holds).
func (a *App) OpenElectionExclusions(ctx context.Context, id, body string, d rulebook.Date) ([]PublicConduct, error) {
	if _, err := a.allow(ctx, OpenCase, Resource{}); err != nil {
		return nil, err
	}
	el, err := a.election(ctx, id)
	if err != nil {
		return nil, err
	}
	found, err := a.electionConduct(ctx, el)
	if err != nil {
		return nil, err
	}
	d = a.dated(d)
	kind, step, err := a.exclusionStep(d)
	if err != nil {
		return nil, err
	}
	for i := range found {
		c := &found[i]
		if c.Case != "" {
			continue
		}
		what := "Stood as a candidate in " + el.Title
		if c.How != "stood" {
			what = strings.ToUpper(c.How[:1]) + c.How[1:] + " for " + c.Rival + ", a candidate in " + el.Title + ","
		}
		op, err := a.OpenCase(ctx, discipline.OpenInput{Kind: kind, Respondent: c.Member, Date: d, Conduct: c.Date,
			Summary: what + " against the official candidate " + c.Official + " (public election " + el.ID + ")"})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Member, err)
		}
		if _, err := a.TakeStep(ctx, op.Case.ID, discipline.Command{Transition: step.ID, Date: d, Body: body,
			Trigger:  &discipline.TriggerClaim{Trigger: c.Trigger, Conduct: c.Date, Entry: c.Entry},
			Evidence: c.Evidence}); err != nil {
			return nil, fmt.Errorf("case %s (%s): %w", op.Case.ID, c.Member, err)
		}
		c.Case = op.Case.ID
	}
	return found, nil
}

// ParseLists reads --list values: PARTY=SELECTION.
func ParseLists(vals []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		party, sel, ok := strings.Cut(v, "=")
		party, sel = strings.TrimSpace(party), strings.TrimSpace(sel)
		if !ok || party == "" || sel == "" {
			return nil, fieldErr("list", "%q: give PARTY=SELECTION", v)
		}
		if _, dup := out[party]; dup {
			return nil, fieldErr("list", "two lists for %s", party)
		}
		out[party] = sel
	}
	return out, nil
}

// ElectionCountSource says, for a counted contest's report, what was counted:
// the figures declared as the record holds them (source, and the SHA-256 of
// the contest's JSON as entered, sum) and how (options, in the words of the
// entry and the count's flags).
func ElectionCountSource(el *rulebook.PublicElection) (source, sum, options string, err error) {
	b, err := json.Marshal(el.PublicContest)
	if err != nil {
		return "", "", "", err
	}
	h := sha256.Sum256(b)
	source = fmt.Sprintf("the figures declared for election %s, entered in event %s", el.ID, el.Event)
	options = "--kind " + el.Kind
	if el.Seats > 0 {
		options += fmt.Sprintf(" --seats %d", el.Seats)
	}
	if el.Threshold != "" {
		options += " --threshold " + el.Threshold
	}
	if el.Count != nil {
		for _, party := range slices.Sorted(maps.Keys(el.Count.Lists)) {
			options += " --list " + party + "=" + el.Count.Lists[party]
		}
	}
	// A tie is settled by lot with a seed drawn from the election's id.
	options += fmt.Sprintf(" (ties by lot, seed %d from the election's id)", electionSeed(el.ID))
	return source, hex.EncodeToString(h[:]), options, nil
}
