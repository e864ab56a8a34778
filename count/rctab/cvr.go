package rctab

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// overvoteMark is how readers pass an explicit overvote to the ballot builder.
const overvoteMark = "\x00overvote"

// ranking is one mark read from a cast vote record: a rank and what was marked there
// (a candidate name, code or alias; UWI; or overvoteMark).
type ranking struct {
	rank int
	cand string
}

// ballotSet collects ballots from all sources, merging identical rankings.
type ballotSet struct {
	cfg          *Config
	ids          map[string]int32
	overvoteID   int32
	groups       map[string]*Ballot
	ballots      []*Ballot
	unrecognized map[string]int
	// firstSeen tells where each unrecognized name first appears; source names the file
	firstSeen map[string]string
	source    string
	total     int64
	keyBuf    []byte
	idBuf     []int32
	order     []cvrRef
	// precincts and batches seen, for tabulateByPrecinct / tabulateByBatch checks
	precincts, batches map[string]bool
}

func newBallotSet(cfg *Config) *ballotSet {
	bs := &ballotSet{cfg: cfg, ids: map[string]int32{}, groups: map[string]*Ballot{}, unrecognized: map[string]int{}, firstSeen: map[string]string{},
		precincts: map[string]bool{}, batches: map[string]bool{}}
	names := cfg.candidateNames()
	for i, n := range names {
		bs.ids[n] = int32(i)
	}
	bs.overvoteID = int32(len(names))
	return bs
}

// place names a cast vote record in error messages; it is built only when needed.
type place struct {
	kind string
	n    int
}

func (p place) String() string {
	if p.n < 0 {
		return p.kind
	}
	return p.kind + " " + strconv.Itoa(p.n)
}

// label is a place that is already a string.
func label(s string) place { return place{s, -1} }

// cvrRef is one cast vote record in reading order, kept only for CDF output.
type cvrRef struct {
	b  *Ballot
	id string
}

// add records one cast vote record. where names it for error messages; precinct and
// batch identify its slices ("" when the source has none); id is RCTab's record id.
func (bs *ballotSet) add(where place, marks []ranking, precinct, batch, id string) error {
	if precinct != "" {
		bs.precincts[precinct] = true
	}
	if batch != "" {
		bs.batches[batch] = true
	}
	// slices only split ballots when a by-slice report is wanted
	if !bs.cfg.TabulateByPrecinct {
		precinct = ""
	}
	if !bs.cfg.TabulateByBatch {
		batch = ""
	}
	maxRank := 0
	for _, m := range marks {
		if m.rank < 1 {
			return fmt.Errorf("%s: invalid rank %d (ranks start at 1)", where.String(), m.rank)
		}
		if m.rank > maxRank {
			maxRank = m.rank
		}
	}
	// stable insertion sort by rank: rows are short and usually already in order
	for i := 1; i < len(marks); i++ {
		for j := i; j > 0 && marks[j].rank < marks[j-1].rank; j-- {
			marks[j], marks[j-1] = marks[j-1], marks[j]
		}
	}
	// the key encodes (rank, candidate id) pairs; ranks are only built for a new key
	bs.keyBuf = bs.keyBuf[:0]
	ids := bs.idBuf[:0]
	for _, m := range marks {
		var id int32
		if m.cand == overvoteMark {
			id = bs.overvoteID
		} else {
			name, ok := bs.cfg.aliasToName[m.cand]
			if m.cand == UWI && bs.cfg.uwiEnabled {
				name, ok = UWI, true
			}
			if !ok {
				if bs.unrecognized[m.cand] == 0 {
					bs.firstSeen[m.cand] = bs.source + " " + where.String()
				}
				bs.unrecognized[m.cand]++
				id = -1
			} else {
				id = bs.ids[name]
			}
		}
		ids = append(ids, id)
		if id >= 0 {
			bs.keyBuf = strconv.AppendInt(bs.keyBuf, int64(m.rank), 36)
			bs.keyBuf = append(bs.keyBuf, ':')
			if bs.cfg.GenerateCdfJSON {
				// the CDF output shows the names as read (aliases included)
				bs.keyBuf = strconv.AppendQuote(bs.keyBuf, m.cand)
			} else {
				bs.keyBuf = strconv.AppendInt(bs.keyBuf, int64(id), 36)
			}
			bs.keyBuf = append(bs.keyBuf, ',')
		}
	}
	bs.idBuf = ids
	if precinct != "" || batch != "" {
		bs.keyBuf = append(bs.keyBuf, 0)
		bs.keyBuf = append(bs.keyBuf, precinct...)
		bs.keyBuf = append(bs.keyBuf, 0)
		bs.keyBuf = append(bs.keyBuf, batch...)
	}
	bs.total++
	if b, ok := bs.groups[string(bs.keyBuf)]; ok {
		b.Weight++
		if bs.cfg.GenerateCdfJSON {
			bs.order = append(bs.order, cvrRef{b, id})
		}
		return nil
	}
	ranks := make([][]int32, maxRank)
	for i, m := range marks {
		if ids[i] >= 0 {
			ranks[m.rank-1] = append(ranks[m.rank-1], ids[i])
		}
	}
	// a ballot ending in ranks that held only unknown names keeps its length; trim
	// nothing, as RCTab's ranking list also spans the highest rank read
	b := &Ballot{Ranks: ranks, Weight: 1, Precinct: precinct, Batch: batch}
	if bs.cfg.GenerateCdfJSON {
		b.raw = make([][]string, maxRank)
		for i, m := range marks {
			if ids[i] >= 0 {
				name := m.cand
				if name == overvoteMark {
					name = "overvote"
				}
				b.raw[m.rank-1] = append(b.raw[m.rank-1], name)
			}
		}
		bs.order = append(bs.order, cvrRef{b, id})
	}
	bs.groups[string(bs.keyBuf)] = b
	bs.ballots = append(bs.ballots, b)
	return nil
}

// cvrID builds a record id only when CDF output needs it.
func (bs *ballotSet) cvrID(prefix, sep string, n int, suffix string) string {
	if !bs.cfg.GenerateCdfJSON {
		return ""
	}
	return prefix + sep + strconv.Itoa(n) + suffix
}

// merge adds other's ballots and findings into bs.
func (bs *ballotSet) merge(other *ballotSet) {
	moved := map[*Ballot]*Ballot{}
	for k, b := range other.groups {
		if mine, ok := bs.groups[k]; ok {
			mine.Weight += b.Weight
			moved[b] = mine
			continue
		}
		bs.groups[k] = b
		bs.ballots = append(bs.ballots, b)
	}
	for _, r := range other.order {
		if m, ok := moved[r.b]; ok {
			r.b = m
		}
		bs.order = append(bs.order, r)
	}
	bs.total += other.total
	for n, c := range other.unrecognized {
		if bs.unrecognized[n] == 0 {
			bs.firstSeen[n] = other.firstSeen[n]
		}
		bs.unrecognized[n] += c
	}
	for p := range other.precincts {
		bs.precincts[p] = true
	}
	for p := range other.batches {
		bs.batches[p] = true
	}
}

func (bs *ballotSet) finish() error {
	if len(bs.unrecognized) > 0 {
		var parts []string
		for n, k := range bs.unrecognized {
			parts = append(parts, fmt.Sprintf("%q (%d times, first at %s)", n, k, bs.firstSeen[n]))
		}
		sort.Strings(parts)
		return fmt.Errorf("cast vote records name candidates missing from the config's candidates (add them, or their codes/aliases): %s", strings.Join(parts, ", "))
	}
	return nil
}

// readSources loads every source of the config.
func readSources(cfg *Config) ([]*Ballot, []cvrRef, error) {
	// Sources are read concurrently, each into its own set, then merged in order:
	// merging identical rankings makes the result independent of reading order.
	sets := make([]*ballotSet, len(cfg.Sources))
	errs := make([]error, len(cfg.Sources))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range cfg.Sources {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			sets[i] = newBallotSet(cfg)
			sets[i].source = cfg.Sources[i].RawPath
			errs[i] = readSource(cfg, &cfg.Sources[i], sets[i])
		}(i)
	}
	wg.Wait()
	bs := newBallotSet(cfg)
	for i := range cfg.Sources {
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("cvrFileSources[%d] (%s): %w", i, cfg.Sources[i].RawPath, errs[i])
		}
		bs.merge(sets[i])
	}
	if err := bs.finish(); err != nil {
		return nil, nil, err
	}
	if cfg.TabulateByPrecinct && len(bs.precincts) == 0 {
		return nil, nil, fmt.Errorf("outputSettings.tabulateByPrecinct is true, but the cast vote records list no precincts")
	}
	if cfg.TabulateByBatch && len(bs.batches) == 0 {
		return nil, nil, fmt.Errorf("outputSettings.tabulateByBatch is true, but the cast vote records list no batches")
	}
	return bs.ballots, bs.order, nil
}

// readSource reads one source with the reader for its provider.
func readSource(cfg *Config, src *Source, bs *ballotSet) error {
	switch src.Provider {
	case "ess":
		return readESS(cfg, src, bs)
	case "cdf":
		return readCDF(cfg, src, bs)
	case "genericCsv":
		return readGenericCSV(cfg, src, bs)
	case "dominion":
		return readDominion(cfg, src, bs)
	case "clearBallot":
		return readClearBallot(cfg, src, bs)
	case "hart":
		return readHart(cfg, src, bs)
	}
	return fmt.Errorf("provider %q is not supported", src.Provider)
}

// blankUWI marks the empty cells between ranks last and upto as undeclared write-ins
// when the source treats blanks that way (RCTab's handleEmptyCells).
func blankUWI(marks []ranking, src *Source, last, upto int) []ranking {
	if src.TreatBlankAsUWI {
		for r := last + 1; r < upto; r++ {
			marks = append(marks, ranking{r, UWI})
		}
	}
	return marks
}

// readESS reads an ES&S .xlsx export: one row per ballot, one column per rank.
func readESS(cfg *Config, src *Source, bs *ballotSet) error {
	first := src.FirstVoteColumn - 1
	var marks []ranking
	fileID := sanitize(cfg.base(src.Path))
	index := 0
	partsBuf := make([]string, 0, 4)
	return readXLSX(cfg, src.Path, func(num int, cells []xlsxCell) error {
		if num < src.FirstVoteRow {
			return nil
		}
		index++
		marks = marks[:0]
		last := 0
		var precinct, batch string
		if src.PrecinctColumn > 0 {
			precinct = "missing_precinct_id"
			for _, c := range cells {
				if c.Col == src.PrecinctColumn-1 {
					precinct = c.Text
				}
			}
		}
		if src.BatchColumn > 0 {
			batch = "missing_batch_id"
			for _, c := range cells {
				if c.Col == src.BatchColumn-1 {
					batch = c.Text
				}
			}
		}
		if src.IDColumn > 0 {
			found := false
			for _, c := range cells {
				found = found || c.Col == src.IDColumn-1
			}
			if !found {
				return fmt.Errorf("row %d: cast vote record id missing from column %d (idColumnIndex); if the file looks right, copy the data into a new .xlsx file", num, src.IDColumn)
			}
		}
		for _, c := range cells {
			if c.Col == src.PrecinctColumn-1 || c.Col == src.IDColumn-1 || c.Col == src.BatchColumn-1 {
				continue
			}
			// with maxRankingsAllowed "max" every column from the first vote column is a rank
			if c.Col < first || (!cfg.maxRankingsIsMax && c.Col >= first+cfg.MaxRankings) {
				continue
			}
			rank := c.Col - first + 1
			marks = blankUWI(marks, src, last, rank)
			cell := strings.TrimSpace(c.Text)
			parts := append(partsBuf[:0], cell)
			if src.OvervoteDelimiter != "" {
				parts = strings.Split(cell, src.OvervoteDelimiter)
			}
			for _, p := range parts {
				p = strings.TrimSpace(p)
				switch {
				case p == "":
					if len(parts) > 1 {
						return fmt.Errorf("row %d column %d: a cell split by the overvote delimiter has a blank part", num, c.Col+1)
					}
					if src.TreatBlankAsUWI {
						marks = append(marks, ranking{rank, UWI})
					}
				case src.SkippedRankLabel != "" && p == src.SkippedRankLabel:
				case src.OvervoteLabel != "" && p == src.OvervoteLabel:
					marks = append(marks, ranking{rank, overvoteMark})
				case src.UWILabel != "" && p == src.UWILabel:
					marks = append(marks, ranking{rank, UWI})
				default:
					marks = append(marks, ranking{rank, p})
				}
			}
			last = rank
		}
		if !cfg.maxRankingsIsMax {
			marks = blankUWI(marks, src, last, cfg.MaxRankings+1)
		}
		return bs.add(place{"row", num}, marks, precinct, batch, bs.cvrID(fileID, "-", index, ""))
	})
}
