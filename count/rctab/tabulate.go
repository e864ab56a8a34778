package rctab

import (
	"fmt"
	"sort"
)

// status is a ballot's state in a round (RCTab's StatusForRound).
type status int8

const (
	stActive status = iota
	stUndervote
	stOvervote
	stSkipped
	stRepeated
	stExhausted
	stFinalSurplus
	numStatuses
)

// Ballot is one cast vote record, or Weight identical ones: identical rankings are
// counted together, which gives exactly the same decimal results as counting them
// one by one (each copy carries the same value through every round).
type Ballot struct {
	// Ranks[r] lists the candidate ids marked at rank r+1 (empty: rank skipped).
	Ranks  [][]int32
	Weight int64
	// Precinct and Batch identify the ballot's slice for by-precinct/by-batch output.
	Precinct, Batch string

	status    status
	recipient int32 // -1: none
	won       []winShare

	// For CDF output only: the marks as read, and each round's allocation.
	raw   [][]string
	snaps map[int][]allocation
}

// allocation is one candidate's share of a ballot in a round (CDF snapshots).
type allocation struct {
	name string
	v    Dec
}

type winShare struct {
	cand int32
	v    Dec
}

func (b *Ballot) ftv() Dec {
	v := DecInt(1)
	for _, w := range b.won {
		v = v.Sub(w.v)
	}
	return v
}

func (b *Ballot) numRankings() int {
	n := 0
	for _, r := range b.Ranks {
		if len(r) > 0 {
			n++
		}
	}
	return n
}

// candStatus mirrors RCTab's CandidateStatus.
type candStatus int8

const (
	csContinuing candStatus = iota
	csWinner
	csEliminated
	csInvalid
	csExcluded
)

// roundTally is one round's counts (RCTab's RoundTally).
type roundTally struct {
	round     int
	cands     []int32 // in java.util.HashMap iteration order
	tally     map[int32]Dec
	statuses  [numStatuses]Dec
	threshold Dec
	lockedIn  Dec
}

func (t *roundTally) activeSum() Dec { return t.statuses[stActive].Add(t.statuses[stFinalSurplus]) }
func (t *roundTally) inactiveSum() Dec {
	s := DecInt(0)
	for st := stUndervote; st < numStatuses; st++ {
		if st != stFinalSurplus {
			s = s.Add(t.statuses[st])
		}
	}
	return s
}
func (t *roundTally) activeAndLockedIn() Dec { return t.activeSum().Add(t.lockedIn) }

func (t *roundTally) has(c int32) bool { _, ok := t.tally[c]; return ok }

// setViaSurplus sets a tally without counting active ballots, tracking locked-in votes.
func (t *roundTally) setViaSurplus(c int32, v Dec) {
	old, ok := t.tally[c]
	if !ok {
		old = DecInt(0)
		t.cands = append(t.cands, c)
	}
	t.lockedIn = t.lockedIn.Add(v.Sub(old))
	t.tally[c] = v
}

// transfers[round][from][to] as RCTab's TallyTransfers.
type transfers map[int]map[string]map[string]Dec

func (tr transfers) add(round int, from, to string, v Dec) {
	r := tr[round]
	if r == nil {
		r = map[string]map[string]Dec{}
		tr[round] = r
	}
	m := r[from]
	if m == nil {
		m = map[string]Dec{}
		r[from] = m
	}
	if old, ok := m[to]; ok {
		m[to] = old.Add(v)
	} else {
		m[to] = DecInt(0).Add(v)
	}
}

// ErrInteractiveTie is returned when the tie-break mode would ask an operator.
type ErrInteractiveTie struct {
	Round int
	Tied  []string
}

func (e *ErrInteractiveTie) Error() string {
	return fmt.Sprintf("round %d: tie among %q needs an operator's choice (tiebreakMode stopCountingAndAsk / previousRoundCountsThenAsk); this counter never prompts — choose another tiebreakMode", e.Round, e.Tied)
}

// Outcome is the full record of one tabulation, enough to write RCTab's reports.
type Outcome struct {
	cfg         *Config
	numWinners  int
	names       []string // candidate names by id (declared, then UWI)
	excluded    []bool
	rounds      []*roundTally // rounds[0] is round 1
	residual    []Dec         // cumulative residual surplus per round
	transfers   transfers
	winnerRound map[int32]int
	winnerOrder []int32 // insertion order
	elimRound   map[int32]int
	elimOrder   []int32
	// slices holds per-precinct / per-batch counts (kind → slice id → state) when the
	// config asks for tabulateByPrecinct / tabulateByBatch.
	slices map[string]map[string]*sliceState
	// ties records every tie-break, in order.
	ties []tieRecord
	// tieDecided marks candidates elected or eliminated by a tie-break.
	tieDecided   map[int32]bool
	nameSetOrder []string // java HashSet order of candidate names
}

// sliceState is one precinct's or batch's share of every round.
type sliceState struct {
	rounds    []*roundTally
	transfers transfers
}

// Slice kinds, as RCTab names them in file names and reports.
const (
	slicePrecinct = "precinct"
	sliceBatch    = "batch"
)

func (b *Ballot) slice(kind string) string {
	if kind == slicePrecinct {
		return b.Precinct
	}
	return b.Batch
}

type tieRecord struct {
	round   int
	tied    []string
	chosen  string
	winning bool
}

type tabulator struct {
	*Outcome
	ballots    []*Ballot
	overvoteID int32
	rng        *javaRandom
	perm       []string
	round      int
	kinds      []string
	// cur maps, for the round being counted, each slice kind and id to its tally
	cur map[string]map[string]*roundTally
}

// tabulate runs RCTab's round loop over the ballots. excludedExtra marks candidates
// excluded for this pass only (winners of earlier multi-pass IRV passes).
func tabulate(cfg *Config, ballots []*Ballot, numWinners int, excludedExtra map[string]bool) (*Outcome, error) {
	names := cfg.candidateNames()
	o := &Outcome{cfg: cfg, numWinners: numWinners, names: names, excluded: make([]bool, len(names)),
		transfers: transfers{}, winnerRound: map[int32]int{}, elimRound: map[int32]int{}, tieDecided: map[int32]bool{}}
	for i, c := range cfg.Candidates {
		o.excluded[i] = c.Excluded || excludedExtra[c.Name]
	}
	o.nameSetOrder = javaHashOrder(names, 0)
	t := &tabulator{Outcome: o, ballots: ballots, overvoteID: int32(len(names))}
	o.slices = map[string]map[string]*sliceState{}
	if cfg.TabulateByPrecinct {
		t.kinds = append(t.kinds, slicePrecinct)
	}
	if cfg.TabulateByBatch {
		t.kinds = append(t.kinds, sliceBatch)
	}
	for _, k := range t.kinds {
		o.slices[k] = map[string]*sliceState{}
		for _, b := range ballots {
			if id := b.slice(k); id != "" && o.slices[k][id] == nil {
				o.slices[k][id] = &sliceState{transfers: transfers{}}
			}
		}
	}
	for _, b := range ballots {
		b.status = stActive
		b.recipient = -1
		b.won = nil
		b.snaps = nil
	}
	switch cfg.TiebreakMode {
	case tieRandom, tievPrevThenRandom, tieGeneratePerm:
		t.rng = newJavaRandom(cfg.RandomSeed)
	}
	for _, c := range cfg.Candidates {
		t.perm = append(t.perm, c.Name)
	}
	if cfg.TiebreakMode == tieGeneratePerm {
		javaSortStrings(t.perm)
		javaShuffle(t.perm, t.rng)
	}
	if err := t.run(); err != nil {
		return nil, err
	}
	return o, nil
}

func (t *tabulator) numCandidates() int {
	n := len(t.names)
	for _, x := range t.excluded {
		if x {
			n--
		}
	}
	return n
}

func (t *tabulator) status(c int32) candStatus {
	if c == t.overvoteID {
		return csInvalid
	}
	if t.excluded[c] {
		return csExcluded
	}
	if _, ok := t.winnerRound[c]; ok {
		return csWinner
	}
	if _, ok := t.elimRound[c]; ok {
		return csEliminated
	}
	return csContinuing
}

func (t *tabulator) continuing(c int32) bool {
	s := t.status(c)
	return s == csContinuing || (s == csWinner && t.cfg.ContinueUntilTwo)
}

func (t *tabulator) usesSurpluses() bool {
	return t.numWinners > 1 && t.cfg.Mode != modeBottomsUp && t.cfg.Mode != modeMultiPass
}

func (t *tabulator) shouldContinue() bool {
	cfg := t.cfg
	nElim, nWin := len(t.elimRound), len(t.winnerRound)
	if cfg.StopAfterRound > 0 && t.round >= cfg.StopAfterRound {
		return false
	}
	if nWin == cfg.numDeclared() && t.numWinners > t.numCandidates() {
		return false
	}
	if cfg.ContinueUntilTwo {
		elimNow := false
		for _, r := range t.elimRound {
			if r == t.round {
				elimNow = true
			}
		}
		return nElim+nWin+1 < t.numCandidates() || elimNow
	}
	if cfg.Mode == modeBottomsUpPct {
		return nWin == 0
	}
	winNow := false
	for _, r := range t.winnerRound {
		if r == t.round {
			winNow = true
		}
	}
	return nWin < t.numWinners || (t.usesSurpluses() && winNow)
}

func (t *tabulator) name(c int32) string { return t.names[c] }

// tallyGroup is one entry of RCTab's tally-to-candidates TreeMap.
type tallyGroup struct {
	v     Dec
	cands []int32
}

// groupByTally builds the ascending tally → candidates map; candidates keep the order
// they are given in (RCTab iterates a HashMap key set).
func groupByTally(tally map[int32]Dec, cands []int32) []tallyGroup {
	var gs []tallyGroup
	for _, c := range cands {
		v := tally[c]
		found := false
		for i := range gs {
			if gs[i].v.Cmp(v) == 0 {
				gs[i].cands = append(gs[i].cands, c)
				found = true
				break
			}
		}
		if !found {
			gs = append(gs, tallyGroup{v: v, cands: []int32{c}})
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].v.Cmp(gs[j].v) < 0 })
	return gs
}

func (t *tabulator) run() error {
	cfg := t.cfg
	for t.shouldContinue() {
		t.round++
		rt, err := t.computeRound()
		if err != nil {
			return err
		}
		t.rounds = append(t.rounds, rt)
		if t.round == 1 {
			t.residual = append(t.residual, DecInt(0))
		} else {
			t.residual = append(t.residual, t.residual[t.round-2])
		}
		recompute := t.round == 1
		if t.numWinners <= 1 {
			recompute = !cfg.FirstRoundThreshold || t.round == 1
			// once the seat is filled (continueUntilTwoCandidatesRemain), the threshold stays
			if cfg.ContinueUntilTwo && t.numWinners > 0 && len(t.winnerRound) >= t.numWinners && t.round > 1 {
				recompute = false
			}
		}
		if recompute {
			t.setThreshold(rt)
		} else {
			rt.threshold = t.rounds[t.round-2].threshold
		}
		for _, k := range t.kinds {
			for _, st := range t.slices[k] {
				st.rounds[len(st.rounds)-1].threshold = rt.threshold
			}
		}
		groups := groupByTally(rt.tally, rt.cands)
		winners, err := t.identifyWinners(rt, groups)
		if err != nil {
			return err
		}
		if len(winners) > 0 {
			for _, w := range winners {
				t.winnerRound[w] = t.round
				t.winnerOrder = append(t.winnerOrder, w)
			}
			if t.usesSurpluses() {
				for _, w := range winners {
					votes := rt.tally[w]
					extra := votes.Sub(rt.threshold)
					frac := DecInt(0)
					if extra.Sign() == 1 {
						frac = cfg.divide(extra, votes)
					}
					for _, b := range t.ballots {
						if b.recipient == w {
							ftv := b.ftv()
							transfer := cfg.multiply(ftv, frac)
							b.won = append(b.won, winShare{cand: w, v: ftv.Sub(transfer)})
						}
					}
				}
			}
		} else if len(t.winnerRound) < t.numWinners ||
			(cfg.ContinueUntilTwo && len(t.elimRound) < t.numCandidates()-2) ||
			cfg.Mode == modeBottomsUpPct {
			if len(groups) == 0 {
				return fmt.Errorf("round %d: no continuing candidates are left to eliminate, and not every seat is filled", t.round)
			}
			elim := t.dropUWI(rt)
			if len(elim) == 0 {
				elim = t.belowMinimum(groups)
				if len(elim) > 0 && len(elim) == cfg.numDeclared() {
					return fmt.Errorf("round %d: every declared candidate is below the minimum vote threshold %s", t.round, cfg.MinimumVoteThreshold)
				}
			}
			if len(elim) == 0 && cfg.CutoffElimination && cfg.Mode == modeBottomsUpPct {
				// cutoff elimination: everyone below the percentage threshold goes at once
				for _, g := range groups {
					if g.v.Cmp(rt.threshold) < 0 {
						elim = append(elim, g.cands...)
					}
				}
				if len(elim) == len(rt.cands) {
					elim = nil
				}
			}
			if len(elim) == 0 && cfg.BatchElimination {
				elim = t.batchElimination(groups)
			}
			if len(elim) == 0 {
				loser, err := t.regularElimination(groups)
				if err != nil {
					return err
				}
				elim = []int32{loser}
			}
			for _, c := range elim {
				t.elimRound[c] = t.round
				t.elimOrder = append(t.elimOrder, c)
			}
		}
		if t.numWinners > 1 {
			t.updateWinnerTallies(rt)
		}
	}
	if t.round == 0 {
		return fmt.Errorf("no rounds were tabulated")
	}
	return nil
}

func (t *tabulator) setThreshold(rt *roundTally) {
	cfg := t.cfg
	total := rt.activeSum()
	var th Dec
	if cfg.Mode == modeBottomsUpPct {
		th = total.Mul(cfg.BottomsUpPercent)
	} else {
		div := int64(t.numWinners + 1)
		if cfg.HareQuota {
			div = int64(t.numWinners)
		}
		var decimals int32
		if cfg.NonIntegerThreshold {
			decimals = cfg.DecimalPlaces
		}
		if cfg.HareQuota {
			th = total.Div(DecInt(div), decimals, roundUp)
		} else {
			th = total.Div(DecInt(div), decimals, roundDown).Add(Dec{u: 1, s: decimals})
		}
	}
	if cfg.MinimumVoteThreshold.Sign() == 1 && cfg.MinimumVoteThreshold.Cmp(th) > 0 {
		th = cfg.MinimumVoteThreshold
	}
	rt.threshold = th
}

func (t *tabulator) uwiID() int32 {
	for i, n := range t.names {
		if n == UWI {
			return int32(i)
		}
	}
	return -1
}

func (t *tabulator) uwiSign(rt *roundTally) int {
	u := t.uwiID()
	if u < 0 {
		return 0
	}
	v, ok := rt.tally[u]
	if !ok {
		return 0
	}
	return v.Sign()
}

func (t *tabulator) identifyWinners(rt *roundTally, groups []tallyGroup) ([]int32, error) {
	cfg := t.cfg
	var sel []int32
	if t.uwiSign(rt) != 0 {
		return nil, nil
	}
	if cfg.Mode == modeBottomsUpPct {
		n := 0
		for _, c := range rt.cands {
			if rt.tally[c].Cmp(rt.threshold) > 0 {
				n++
			}
		}
		if n == len(rt.cands) {
			sel = append(sel, rt.cands...)
		}
		return sel, nil
	}
	unfilled := t.numWinners - len(t.winnerRound)
	if unfilled > 0 {
		if len(rt.cands) <= unfilled {
			sel = append(sel, rt.cands...)
		} else if cfg.FirstRoundThreshold && len(rt.cands)-1 == t.numWinners {
			sel = append(sel, groups[len(groups)-1].cands...)
		} else if cfg.Mode != modeBottomsUp {
			u := t.uwiID()
			for _, g := range groups {
				if g.v.Cmp(rt.threshold) >= 0 {
					for _, c := range g.cands {
						if c != u {
							sel = append(sel, c)
						}
					}
				}
			}
		}
	}
	multi := len(sel) > 1 && (cfg.Mode == modeOnlyOnePerRnd || cfg.FirstRoundThreshold)
	none := t.numWinners == 1 && len(sel) == 0 && len(rt.cands) == 2 && unfilled == 1
	if none {
		for _, g := range groups {
			if g.v.Cmp(cfg.MinimumVoteThreshold) < 0 {
				none = false
			}
		}
	}
	if multi || none {
		top := groups[len(groups)-1]
		sel = append([]int32(nil), top.cands...)
		if len(sel) > 1 {
			w, err := t.tiebreak(true, sel, top.v)
			if err != nil {
				return nil, err
			}
			sel = []int32{w}
		}
	}
	return sel, nil
}

func (t *tabulator) dropUWI(rt *roundTally) []int32 {
	if t.uwiSign(rt) == 1 {
		return []int32{t.uwiID()}
	}
	return nil
}

func (t *tabulator) belowMinimum(groups []tallyGroup) []int32 {
	min := t.cfg.MinimumVoteThreshold
	var out []int32
	if min.Sign() == 1 && groups[0].v.Cmp(min) < 0 {
		for _, g := range groups {
			if g.v.Cmp(min) < 0 {
				out = append(out, g.cands...)
			} else {
				break
			}
		}
	}
	return out
}

func (t *tabulator) batchElimination(groups []tallyGroup) []int32 {
	running := DecInt(0)
	var seen []int32
	done := map[int32]bool{}
	var elims, prev []int32
	for _, g := range groups {
		next := append([]int32(nil), elims...)
		if running.Cmp(g.v) < 0 {
			for _, c := range seen {
				if !done[c] {
					done[c] = true
					next = append(next, c)
				}
			}
		}
		running = running.Add(t.cfg.multiply(g.v, DecInt(int64(len(g.cands)))))
		seen = append(seen, g.cands...)
		if len(next) > len(elims) {
			prev = elims
			elims = next
		}
	}
	if t.cfg.ContinueUntilTwo && len(elims)+len(t.elimRound) == t.numCandidates()-1 {
		elims = prev
	}
	if len(elims) > 1 {
		return elims
	}
	return nil
}

func (t *tabulator) regularElimination(groups []tallyGroup) (int32, error) {
	low := groups[0]
	if len(low.cands) == 1 {
		return low.cands[0], nil
	}
	return t.tiebreak(false, append([]int32(nil), low.cands...), low.v)
}

// tiebreak is RCTab's Tiebreak.selectCandidate; tied names are sorted first.
func (t *tabulator) tiebreak(selectingWinner bool, tied []int32, votes Dec) (int32, error) {
	names := make([]string, len(tied))
	byName := map[string]int32{}
	for i, c := range tied {
		names[i] = t.name(c)
		byName[names[i]] = c
	}
	javaSortStrings(names)
	var pick string
	switch t.cfg.TiebreakMode {
	case tieInteractive:
		return 0, &ErrInteractiveTie{Round: t.round, Tied: names}
	case tieRandom:
		pick = t.random(names)
	case tieUseCandidateOrder, tieGeneratePerm:
		perm := append([]string(nil), t.perm...)
		if !selectingWinner {
			for i, j := 0, len(perm)-1; i < j; i, j = i+1, j-1 {
				perm[i], perm[j] = perm[j], perm[i]
			}
		}
		for _, p := range perm {
			if _, ok := byName[p]; ok {
				pick = p
				break
			}
		}
	default: // previous round counts, then random or ask
		contention := names
		for r := t.round - 1; r > 0; r-- {
			rt := t.rounds[r-1]
			order := javaHashOrder(contention, javaCopyCapacity(len(contention)))
			ids := make([]int32, len(order))
			for i, n := range order {
				ids[i] = byName[n]
			}
			gs := groupByTally(rt.tally, ids)
			g := gs[0]
			if selectingWinner {
				g = gs[len(gs)-1]
			}
			contention = nil
			for _, c := range g.cands {
				contention = append(contention, t.name(c))
			}
			if len(contention) == 1 {
				pick = contention[0]
				break
			}
		}
		if pick == "" {
			if t.cfg.TiebreakMode == tiePrevThenAsk {
				return 0, &ErrInteractiveTie{Round: t.round, Tied: contention}
			}
			pick = t.random(contention)
		}
	}
	c, ok := byName[pick]
	if !ok {
		return 0, fmt.Errorf("round %d: tie-break found no candidate among %q", t.round, names)
	}
	t.tieDecided[c] = true
	t.ties = append(t.ties, tieRecord{round: t.round, tied: names, chosen: pick, winning: selectingWinner})
	return c, nil
}

func (t *tabulator) random(names []string) string {
	d := t.rng.nextDouble()
	i := int(d * float64(len(names)))
	return names[i]
}

// javaCopyCapacity is the table size of new HashSet<>(collection of n).
func javaCopyCapacity(n int) int {
	want := int(float32(n)/0.75) + 1
	if want < 16 {
		want = 16
	}
	c := 1
	for c < want {
		c *= 2
	}
	return c
}

func (t *tabulator) newTally() *roundTally {
	rt := &roundTally{round: t.round, tally: map[int32]Dec{}, lockedIn: DecInt(0)}
	for i := range rt.statuses {
		rt.statuses[i] = DecInt(0)
	}
	var keys []string
	for _, n := range t.nameSetOrder {
		c := t.idOf(n)
		if t.continuing(c) {
			keys = append(keys, n)
		}
	}
	for _, n := range javaHashOrder(keys, 0) {
		c := t.idOf(n)
		rt.cands = append(rt.cands, c)
		rt.tally[c] = DecInt(0)
	}
	return rt
}

func (t *tabulator) idOf(name string) int32 {
	for i, n := range t.names {
		if n == name {
			return int32(i)
		}
	}
	return -1
}

func (t *tabulator) recordSelection(b *Ballot, rt *roundTally, sel int32, st status) {
	ftv := b.ftv()
	if ftv.Sign() == 1 {
		from := "uncounted"
		if b.recipient >= 0 {
			from = t.name(b.recipient)
		}
		to := "exhausted"
		if sel >= 0 {
			to = t.name(sel)
		}
		t.transfers.add(t.round, from, to, ftv.MulInt(b.Weight))
		for _, k := range t.kinds {
			if id := b.slice(k); id != "" {
				t.slices[k][id].transfers.add(t.round, from, to, ftv.MulInt(b.Weight))
			}
		}
	}
	b.recipient = sel
	if sel < 0 {
		b.status = st
	}
	if st != stActive {
		t.addStatus(rt, b, st, ftv.MulInt(b.Weight))
	}
	if t.cfg.GenerateCdfJSON {
		var snap []allocation
		for _, w := range b.won {
			snap = append(snap, allocation{t.name(w.cand), w.v})
		}
		if sel >= 0 {
			snap = append(snap, allocation{t.name(sel), b.ftv()})
		}
		if b.snaps == nil {
			b.snaps = map[int][]allocation{}
		}
		b.snaps[t.round] = snap
	}
}

// addStatus counts v ballots of status st in the round and in the ballot's slices.
func (t *tabulator) addStatus(rt *roundTally, b *Ballot, st status, v Dec) {
	rt.statuses[st] = rt.statuses[st].Add(v)
	for _, k := range t.kinds {
		if id := b.slice(k); id != "" {
			s := t.cur[k][id]
			s.statuses[st] = s.statuses[st].Add(v)
		}
	}
}

func (t *tabulator) increment(rt *roundTally, b *Ballot, c int32) {
	v := b.ftv().MulInt(b.Weight)
	rt.statuses[stActive] = rt.statuses[stActive].Add(v)
	rt.tally[c] = rt.tally[c].Add(v)
	for _, k := range t.kinds {
		if id := b.slice(k); id != "" {
			s := t.cur[k][id]
			s.statuses[stActive] = s.statuses[stActive].Add(v)
			s.tally[c] = s.tally[c].Add(v)
		}
	}
}

func (t *tabulator) computeRound() (*roundTally, error) {
	cfg := t.cfg
	rt := t.newTally()
	t.cur = map[string]map[string]*roundTally{}
	for _, k := range t.kinds {
		t.cur[k] = map[string]*roundTally{}
		for id, st := range t.slices[k] {
			s := t.newTally()
			t.cur[k][id] = s
			st.rounds = append(st.rounds, s)
		}
	}
	final := t.usesSurpluses() && t.numWinners == len(t.winnerRound)
	seen := map[int32]bool{}
	for _, b := range t.ballots {
		if b.status != stActive {
			t.addStatus(rt, b, b.status, b.ftv().MulInt(b.Weight))
			continue
		}
		if b.recipient >= 0 && t.continuing(b.recipient) {
			t.increment(rt, b, b.recipient)
			continue
		}
		if b.numRankings() == 0 {
			t.recordSelection(b, rt, -1, stUndervote)
			continue
		}
		// the highest rank that holds a mark (RCTab's maxRankingNumber)
		maxRank := len(b.Ranks)
		for maxRank > 0 && len(b.Ranks[maxRank-1]) == 0 {
			maxRank--
		}
		last := 0
		clear(seen)
		for ri, cands := range b.Ranks {
			if len(cands) == 0 {
				continue
			}
			rank := ri + 1
			if final {
				t.recordSelection(b, rt, -1, stFinalSurplus)
				break
			}
			if cfg.MaxSkippedRanks >= 0 && rank-last > cfg.MaxSkippedRanks+1 {
				t.recordSelection(b, rt, -1, stSkipped)
				break
			}
			last = rank
			if cfg.ExhaustOnDuplicate {
				dup := false
				for _, c := range cands {
					if seen[c] {
						dup = true
						break
					}
					seen[c] = true
				}
				if dup {
					t.recordSelection(b, rt, -1, stRepeated)
					break
				}
			}
			dec, err := t.overvoteDecision(cands)
			if err != nil {
				return nil, err
			}
			if dec == ovdExhaust {
				t.recordSelection(b, rt, -1, stOvervote)
				break
			} else if dec == ovdSkip {
				if rank == maxRank {
					t.recordSelection(b, rt, -1, stExhausted)
				}
				continue
			}
			selected := int32(-1)
			for _, c := range cands {
				if t.continuing(c) {
					selected = c
					break
				}
			}
			if selected >= 0 {
				t.recordSelection(b, rt, selected, stActive)
				t.increment(rt, b, selected)
				break
			}
			if rank == maxRank {
				t.recordSelection(b, rt, -1, stExhausted)
			}
		}
	}
	return rt, nil
}

type ovDecision int8

const (
	ovdNone ovDecision = iota
	ovdExhaust
	ovdSkip
)

func (t *tabulator) overvoteDecision(cands []int32) (ovDecision, error) {
	rule := t.cfg.OvervoteRule
	explicit := false
	for _, c := range cands {
		if c == t.overvoteID {
			explicit = true
		}
	}
	if explicit {
		if len(cands) != 1 {
			return 0, fmt.Errorf("a ranking holds both the overvote label and candidates")
		}
		if rule == ovExhaust {
			return ovdExhaust, nil
		}
		if rule == ovSkip {
			return ovdSkip, nil
		}
		return 0, fmt.Errorf("overvoteRule %q can't be used with an explicit overvote label", rule)
	}
	if len(cands) <= 1 {
		return ovdNone, nil
	}
	switch rule {
	case ovExhaust:
		return ovdExhaust, nil
	case ovSkip:
		return ovdSkip, nil
	}
	n := 0
	for _, c := range cands {
		if t.continuing(c) {
			n++
			if n > 1 {
				return ovdExhaust, nil
			}
		}
	}
	return ovdNone, nil
}

func (t *tabulator) updateWinnerTallies(rt *roundTally) {
	var prev *roundTally
	if len(t.rounds) >= 2 {
		prev = t.rounds[len(t.rounds)-2]
	}
	var process []int32
	requiring := map[int32]bool{}
	for _, name := range javaHashOrder(t.winnerNames(), 0) {
		w := t.idOf(name)
		r := t.winnerRound[w]
		if r == t.round {
			continue
		}
		process = append(process, w)
		if r == t.round-1 {
			requiring[w] = true
		}
	}
	for _, w := range process {
		if requiring[w] {
			rt.setViaSurplus(w, DecInt(0))
		} else {
			rt.setViaSurplus(w, prev.tally[w])
		}
	}
	for _, k := range t.kinds {
		if len(process) == 0 {
			break
		}
		for _, st := range t.slices[k] {
			srt, sprev := st.rounds[len(st.rounds)-1], st.rounds[len(st.rounds)-2]
			for _, w := range process {
				if requiring[w] {
					srt.setViaSurplus(w, DecInt(0))
				} else {
					srt.setViaSurplus(w, sprev.tally[w])
				}
			}
		}
	}
	if len(requiring) > 0 {
		for _, b := range t.ballots {
			for _, ws := range b.won {
				if requiring[ws.cand] {
					v := ws.v.MulInt(b.Weight)
					rt.setViaSurplus(ws.cand, rt.tally[ws.cand].Add(v))
					for _, k := range t.kinds {
						if id := b.slice(k); id != "" {
							s := t.cur[k][id]
							s.setViaSurplus(ws.cand, s.tally[ws.cand].Add(v))
						}
					}
				}
			}
		}
		for _, w := range process {
			if !requiring[w] {
				continue
			}
			res := rt.tally[w].Sub(rt.threshold)
			if res.Sign() == 1 {
				t.residual[t.round-1] = t.residual[t.round-1].Add(res)
				rt.setViaSurplus(w, rt.threshold)
				t.transfers.add(t.round, t.name(w), "residual surplus", res)
			}
		}
	}
}

func (o *Outcome) winnerNames() []string {
	var out []string
	for _, w := range o.winnerOrder {
		out = append(out, o.names[w])
	}
	return out
}
