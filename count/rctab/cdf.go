package rctab

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// NIST SP 1500-103 Common Data Format cast vote records, JSON or XML. Both are read
// into one small model and then turned into rankings the way RCTab does.

type cdfModel struct {
	gpUnits    map[string]string // id → name
	candidates map[string]string // id → name
	contest    *cdfContest
	cvrs       []cdfCVR
}

type cdfContest struct {
	id, name   string
	selections map[string]cdfSelection
}

type cdfSelection struct {
	writeIn bool
	candIDs []string
}

type cdfCVR struct {
	current   string
	unitID    string
	hasUnit   bool
	snapshots []cdfSnapshot
}

type cdfSnapshot struct {
	id       string
	contests []cdfCVRContest
}

type cdfCVRContest struct {
	contestID  string
	selections []cdfCVRSelection
}

type cdfCVRSelection struct {
	selID     string
	rank      *int
	status    string
	positions []cdfPosition
}

type cdfPosition struct {
	writeIn              bool
	hasIndication, alloc string
	rank                 *int
}

func readCDF(cfg *Config, src *Source, bs *ballotSet) error {
	data, err := cfg.readFile(src.Path)
	if err != nil {
		return err
	}
	var m *cdfModel
	switch {
	case strings.HasSuffix(strings.ToLower(src.Path), ".json"):
		m, err = parseCDFJSON(data, src.ContestID)
	case strings.HasSuffix(strings.ToLower(src.Path), ".xml"):
		m, err = parseCDFXML(data, src.ContestID)
	default:
		err = fmt.Errorf("CDF files must end in .json or .xml")
	}
	if err != nil {
		return err
	}
	fileName := cfg.base(src.Path)
	index := 0
	for i, cvr := range m.cvrs {
		where := fmt.Sprintf("CVR %d", i+1)
		var contest *cdfCVRContest
		for si := range cvr.snapshots {
			s := &cvr.snapshots[si]
			if s.id != cvr.current {
				continue
			}
			for ci := range s.contests {
				if s.contests[ci].contestID == m.contest.id {
					contest = &s.contests[ci]
					break
				}
			}
			break
		}
		if contest == nil {
			continue // no votes in this contest
		}
		index++
		var precinct string
		if cvr.hasUnit {
			precinct = m.gpUnits[cvr.unitID]
		}
		var marks []ranking
		for _, sel := range contest.selections {
			if sel.status == "needs-adjudication" {
				continue
			}
			cs, ok := m.contest.selections[sel.selID]
			if !ok {
				return fmt.Errorf("%s: ContestSelection %q not found in contest %q", where, sel.selID, m.contest.name)
			}
			var name string
			if cs.writeIn {
				name = UWI
			} else {
				if len(cs.candIDs) == 0 {
					return fmt.Errorf("ContestSelection %q has no CandidateIds", sel.selID)
				}
				n, ok := m.candidates[cs.candIDs[0]]
				if !ok {
					return fmt.Errorf("candidate %q of ContestSelection %q is not in the candidate list", cs.candIDs[0], sel.selID)
				}
				name = n
				if src.OvervoteLabel != "" && name == src.OvervoteLabel {
					name = overvoteMark
				} else if src.UWILabel != "" && name == src.UWILabel {
					name = UWI
				}
			}
			if sel.rank != nil {
				marks = append(marks, ranking{*sel.rank, name})
				continue
			}
			for _, p := range sel.positions {
				n := name
				if p.writeIn {
					n = UWI
				}
				if p.hasIndication == "no" || p.alloc == "no" {
					continue
				}
				if p.rank == nil {
					return fmt.Errorf("%s: a SelectionPosition has no Rank", where)
				}
				marks = append(marks, ranking{*p.rank, n})
			}
		}
		for _, mk := range marks {
			if mk.rank > cfg.MaxRankings && !cfg.maxRankingsIsMax {
				return fmt.Errorf("%s: rank %d is above maxRankingsAllowed (%d)", where, mk.rank, cfg.MaxRankings)
			}
		}
		if err := bs.add(label(where), marks, precinct, "", sanitize(bs.cvrID(fileName, "(", index, ")"))); err != nil {
			return err
		}
	}
	return nil
}

func parseCDFJSON(data []byte, contestName string) (*cdfModel, error) {
	type jPos struct {
		CVRWriteIn    json.RawMessage `json:"CVRWriteIn"`
		HasIndication *string         `json:"HasIndication"`
		IsAllocable   *string         `json:"IsAllocable"`
		Rank          *int            `json:"Rank"`
	}
	type jSel struct {
		ContestSelectionID string `json:"ContestSelectionId"`
		Rank               *int   `json:"Rank"`
		Status             string `json:"Status"`
		SelectionPosition  []jPos `json:"SelectionPosition"`
	}
	var r struct {
		GpUnit []struct {
			ID   string `json:"@id"`
			Name string `json:"Name"`
		} `json:"GpUnit"`
		Election []struct {
			Candidate []struct {
				ID   string `json:"@id"`
				Name string `json:"Name"`
			} `json:"Candidate"`
			Contest []struct {
				ID               string `json:"@id"`
				Name             string `json:"Name"`
				ContestSelection []struct {
					ID           string   `json:"@id"`
					CandidateIds []string `json:"CandidateIds"`
					IsWriteIn    any      `json:"IsWriteIn"`
				} `json:"ContestSelection"`
			} `json:"Contest"`
		} `json:"Election"`
		CVR []struct {
			CurrentSnapshotID string  `json:"CurrentSnapshotId"`
			BallotStyleUnitID *string `json:"BallotStyleUnitId"`
			CVRSnapshot       []struct {
				ID         string `json:"@id"`
				CVRContest []struct {
					ContestID           string `json:"ContestId"`
					CVRContestSelection []jSel `json:"CVRContestSelection"`
				} `json:"CVRContest"`
			} `json:"CVRSnapshot"`
		} `json:"CVR"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("not a CDF CastVoteRecordReport JSON file: %w", err)
	}
	m := &cdfModel{gpUnits: map[string]string{}, candidates: map[string]string{}}
	for _, g := range r.GpUnit {
		m.gpUnits[g.ID] = g.Name
	}
	for _, e := range r.Election {
		for _, c := range e.Candidate {
			if _, dup := m.candidates[c.ID]; dup {
				return nil, fmt.Errorf("Candidate %q appears more than once", c.ID)
			}
			m.candidates[c.ID] = c.Name
		}
		for _, c := range e.Contest {
			if c.Name != contestName || m.contest != nil {
				continue
			}
			ct := &cdfContest{id: c.ID, name: c.Name, selections: map[string]cdfSelection{}}
			for _, s := range c.ContestSelection {
				wi := fmt.Sprint(s.IsWriteIn) == "true"
				ct.selections[s.ID] = cdfSelection{writeIn: wi, candIDs: s.CandidateIds}
			}
			m.contest = ct
		}
	}
	if m.contest == nil {
		return nil, fmt.Errorf("contest %q (contestId in the config) not found", contestName)
	}
	for _, c := range r.CVR {
		cv := cdfCVR{current: c.CurrentSnapshotID}
		if c.BallotStyleUnitID != nil {
			cv.unitID, cv.hasUnit = *c.BallotStyleUnitID, true
		}
		for _, s := range c.CVRSnapshot {
			sn := cdfSnapshot{id: s.ID}
			for _, cc := range s.CVRContest {
				x := cdfCVRContest{contestID: cc.ContestID}
				for _, sel := range cc.CVRContestSelection {
					y := cdfCVRSelection{selID: sel.ContestSelectionID, rank: sel.Rank, status: sel.Status}
					for _, p := range sel.SelectionPosition {
						z := cdfPosition{writeIn: len(p.CVRWriteIn) > 0 && string(p.CVRWriteIn) != "null", rank: p.Rank}
						if p.HasIndication != nil {
							z.hasIndication = *p.HasIndication
						}
						if p.IsAllocable != nil {
							z.alloc = *p.IsAllocable
						}
						y.positions = append(y.positions, z)
					}
					x.selections = append(x.selections, y)
				}
				sn.contests = append(sn.contests, x)
			}
			cv.snapshots = append(cv.snapshots, sn)
		}
		m.cvrs = append(m.cvrs, cv)
	}
	return m, nil
}

func parseCDFXML(data []byte, contestName string) (*cdfModel, error) {
	type xPos struct {
		CVRWriteIn    []struct{} `xml:"CVRWriteIn"`
		HasIndication string     `xml:"HasIndication"`
		IsAllocable   string     `xml:"IsAllocable"`
		Rank          string     `xml:"Rank"`
	}
	type xSel struct {
		ContestSelectionID string `xml:"ContestSelectionId"`
		Rank               string `xml:"Rank"`
		Status             string `xml:"Status"`
		SelectionPosition  []xPos `xml:"SelectionPosition"`
	}
	var r struct {
		GpUnit []struct {
			ID   string `xml:"ObjectId,attr"`
			Name string `xml:"Name"`
		} `xml:"GpUnit"`
		Election []struct {
			Candidate []struct {
				ID   string `xml:"ObjectId,attr"`
				Name string `xml:"Name"`
			} `xml:"Candidate"`
			Contest []struct {
				ID               string `xml:"ObjectId,attr"`
				Name             string `xml:"Name"`
				ContestSelection []struct {
					ID           string   `xml:"ObjectId,attr"`
					CandidateIds []string `xml:"CandidateIds"`
					IsWriteIn    string   `xml:"IsWriteIn"`
				} `xml:"ContestSelection"`
			} `xml:"Contest"`
		} `xml:"Election"`
		CVR []struct {
			CurrentSnapshotID string  `xml:"CurrentSnapshotId"`
			BallotStyleUnitID *string `xml:"BallotStyleUnitId"`
			CVRSnapshot       []struct {
				ID         string `xml:"ObjectId,attr"`
				CVRContest []struct {
					ContestID           string `xml:"ContestId"`
					CVRContestSelection []xSel `xml:"CVRContestSelection"`
				} `xml:"CVRContest"`
			} `xml:"CVRSnapshot"`
		} `xml:"CVR"`
	}
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("not a CDF CastVoteRecordReport XML file: %w", err)
	}
	if len(r.GpUnit) == 0 {
		return nil, fmt.Errorf("field GpUnit missing from the CDF file (common with older, unsupported formats)")
	}
	m := &cdfModel{gpUnits: map[string]string{}, candidates: map[string]string{}}
	for _, g := range r.GpUnit {
		m.gpUnits[g.ID] = g.Name
	}
	for _, e := range r.Election {
		for _, c := range e.Candidate {
			if _, dup := m.candidates[c.ID]; dup {
				return nil, fmt.Errorf("Candidate %q appears more than once", c.ID)
			}
			m.candidates[c.ID] = c.Name
		}
		for _, c := range e.Contest {
			if c.Name != contestName || m.contest != nil {
				continue
			}
			ct := &cdfContest{id: c.ID, name: c.Name, selections: map[string]cdfSelection{}}
			for _, s := range c.ContestSelection {
				ct.selections[s.ID] = cdfSelection{writeIn: s.IsWriteIn == "true", candIDs: s.CandidateIds}
			}
			m.contest = ct
		}
	}
	if m.contest == nil {
		return nil, fmt.Errorf("contest %q (contestId in the config) not found", contestName)
	}
	atoi := func(s string) (*int, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("bad Rank %q", s)
		}
		return &n, nil
	}
	for _, c := range r.CVR {
		cv := cdfCVR{current: c.CurrentSnapshotID}
		if c.BallotStyleUnitID != nil {
			cv.unitID, cv.hasUnit = *c.BallotStyleUnitID, true
		}
		for _, s := range c.CVRSnapshot {
			sn := cdfSnapshot{id: s.ID}
			for _, cc := range s.CVRContest {
				x := cdfCVRContest{contestID: cc.ContestID}
				for _, sel := range cc.CVRContestSelection {
					rk, err := atoi(sel.Rank)
					if err != nil {
						return nil, err
					}
					y := cdfCVRSelection{selID: sel.ContestSelectionID, rank: rk, status: sel.Status}
					for _, p := range sel.SelectionPosition {
						prk, err := atoi(p.Rank)
						if err != nil {
							return nil, err
						}
						y.positions = append(y.positions, cdfPosition{writeIn: len(p.CVRWriteIn) > 0,
							hasIndication: p.HasIndication, alloc: p.IsAllocable, rank: prk})
					}
					x.selections = append(x.selections, y)
				}
				sn.contests = append(sn.contests, x)
			}
			cv.snapshots = append(cv.snapshots, sn)
		}
		m.cvrs = append(m.cvrs, cv)
	}
	return m, nil
}
