package rctab

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
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
	total        int64
	keyBuf       []byte
	// precincts and batches seen, for tabulateByPrecinct / tabulateByBatch checks
	precincts, batches map[string]bool
}

func newBallotSet(cfg *Config) *ballotSet {
	bs := &ballotSet{cfg: cfg, ids: map[string]int32{}, groups: map[string]*Ballot{}, unrecognized: map[string]int{},
		precincts: map[string]bool{}, batches: map[string]bool{}}
	names := cfg.candidateNames()
	for i, n := range names {
		bs.ids[n] = int32(i)
	}
	bs.overvoteID = int32(len(names))
	return bs
}

// add records one cast vote record. where names it for error messages.
func (bs *ballotSet) add(where string, marks []ranking) error {
	maxRank := 0
	for _, m := range marks {
		if m.rank < 1 {
			return fmt.Errorf("%s: invalid rank %d (ranks start at 1)", where, m.rank)
		}
		if m.rank > maxRank {
			maxRank = m.rank
		}
	}
	sort.SliceStable(marks, func(i, j int) bool { return marks[i].rank < marks[j].rank })
	ranks := make([][]int32, maxRank)
	for _, m := range marks {
		var id int32
		switch {
		case m.cand == overvoteMark:
			id = bs.overvoteID
		default:
			name, ok := bs.cfg.aliasToName[m.cand]
			if m.cand == UWI && bs.cfg.uwiEnabled {
				name, ok = UWI, true
			}
			if !ok {
				bs.unrecognized[m.cand]++
				continue
			}
			id = bs.ids[name]
		}
		ranks[m.rank-1] = append(ranks[m.rank-1], id)
	}
	bs.keyBuf = bs.keyBuf[:0]
	for _, r := range ranks {
		for _, c := range r {
			bs.keyBuf = strconv.AppendInt(bs.keyBuf, int64(c), 36)
			bs.keyBuf = append(bs.keyBuf, ',')
		}
		bs.keyBuf = append(bs.keyBuf, ';')
	}
	bs.total++
	if b, ok := bs.groups[string(bs.keyBuf)]; ok {
		b.Weight++
		return nil
	}
	b := &Ballot{Ranks: ranks, Weight: 1}
	bs.groups[string(bs.keyBuf)] = b
	bs.ballots = append(bs.ballots, b)
	return nil
}

func (bs *ballotSet) finish() error {
	if len(bs.unrecognized) > 0 {
		var parts []string
		for n, k := range bs.unrecognized {
			parts = append(parts, fmt.Sprintf("%q (%d)", n, k))
		}
		sort.Strings(parts)
		return fmt.Errorf("cast vote records name candidates missing from the config's candidates (add them, or their codes/aliases): %s", strings.Join(parts, ", "))
	}
	return nil
}

// readSources loads every source of the config.
func readSources(cfg *Config) ([]*Ballot, error) {
	bs := newBallotSet(cfg)
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		var err error
		switch src.Provider {
		case "ess":
			err = readESS(cfg, src, bs)
		case "cdf":
			err = readCDF(cfg, src, bs)
		case "genericCsv":
			err = readGenericCSV(cfg, src, bs)
		case "dominion":
			err = readDominion(cfg, src, bs)
		case "clearBallot":
			err = readClearBallot(cfg, src, bs)
		case "hart":
			err = readHart(cfg, src, bs)
		default:
			err = fmt.Errorf("provider %q is not supported", src.Provider)
		}
		if err != nil {
			return nil, fmt.Errorf("cvrFileSources[%d] (%s): %w", i, src.RawPath, err)
		}
	}
	if err := bs.finish(); err != nil {
		return nil, err
	}
	if cfg.TabulateByPrecinct && len(bs.precincts) == 0 {
		return nil, fmt.Errorf("outputSettings.tabulateByPrecinct is true, but the cast vote records list no precincts")
	}
	if cfg.TabulateByBatch && len(bs.batches) == 0 {
		return nil, fmt.Errorf("outputSettings.tabulateByBatch is true, but the cast vote records list no batches")
	}
	return bs.ballots, nil
}

// readESS reads an ES&S .xlsx export: one row per ballot, one column per rank.
func readESS(cfg *Config, src *Source, bs *ballotSet) error {
	first := src.FirstVoteColumn - 1
	var marks []ranking
	return readXLSX(src.Path, func(num int, cells []xlsxCell) error {
		if num < src.FirstVoteRow {
			return nil
		}
		marks = marks[:0]
		last := 0
		blank := func(upto int) {
			for r := last + 1; r < upto; r++ {
				if src.TreatBlankAsUWI {
					marks = append(marks, ranking{r, UWI})
				}
			}
		}
		if src.PrecinctColumn > 0 {
			p := "missing_precinct_id"
			for _, c := range cells {
				if c.Col == src.PrecinctColumn-1 {
					p = c.Text
				}
			}
			bs.precincts[p] = true
		}
		if src.BatchColumn > 0 {
			b := "missing_batch_id"
			for _, c := range cells {
				if c.Col == src.BatchColumn-1 {
					b = c.Text
				}
			}
			bs.batches[b] = true
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
			blank(rank)
			cell := strings.TrimSpace(c.Text)
			parts := []string{cell}
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
			blank(cfg.MaxRankings + 1)
		}
		return bs.add(fmt.Sprintf("row %d", num), marks)
	})
}
