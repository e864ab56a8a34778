package rctab

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

var cvrExportName = regexp.MustCompile(`^CvrExport(?:_(\d+))?\.json$`)

type dominionMark struct {
	CandidateID json.Number `json:"CandidateId"`
	Rank        int         `json:"Rank"`
	IsAmbiguous bool        `json:"IsAmbiguous"`
}

type dominionContest struct {
	ID       json.Number    `json:"Id"`
	Marks    []dominionMark `json:"Marks"`
	Outstack []int          `json:"OutstackConditionIds"`
}

type dominionCard struct {
	Contests []dominionContest `json:"Contests"`
}

type dominionData struct {
	IsCurrent  *bool             `json:"IsCurrent"`
	PrecinctID *int              `json:"PrecinctId"`
	Cards      []dominionCard    `json:"Cards"`
	Contests   []dominionContest `json:"Contests"`
}

type dominionSession struct {
	TabulatorID json.Number   `json:"TabulatorId"`
	BatchID     json.Number   `json:"BatchId"`
	RecordID    json.Number   `json:"RecordId"`
	Original    *dominionData `json:"Original"`
	Modified    *dominionData `json:"Modified"`
}

// readDominion reads a Dominion export folder: CvrExport.json or CvrExport_N.json
// files of sessions, each with cards of contests of rank marks. Candidates are named
// by their Dominion ids, which the config maps to names as codes or aliases.
func readDominion(cfg *Config, src *Source, bs *ballotSet) error {
	entries, err := cfg.readDir(src.Path)
	if err != nil {
		return fmt.Errorf("reading the Dominion export folder: %w", err)
	}
	type file struct {
		name string
		n    int
	}
	var files []file
	for _, e := range entries {
		m := cvrExportName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		n := 0
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		}
		files = append(files, file{e.Name(), n})
	}
	if len(files) == 0 {
		return fmt.Errorf("no CvrExport.json or CvrExport_N.json in %s", src.Path)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].n < files[j].n })
	if src.ContestID == "" {
		return fmt.Errorf("contestId is required for Dominion sources")
	}
	// Contests the scanner flagged "InvalidContest" are not counted (as RCTab does).
	invalid := map[int]bool{}
	conditions, err := readDominionManifest(cfg, src.Path, "OutstackConditionManifest.json")
	if err != nil {
		return err
	}
	for _, c := range conditions {
		if c.Description == "InvalidContest" {
			invalid[c.ID] = true
		}
	}
	// precinct names, when the export has a precinct manifest
	precincts := map[int]string{}
	precinctList, err := readDominionManifest(cfg, src.Path, "PrecinctManifest.json")
	if err != nil {
		return err
	}
	for _, p := range precinctList {
		precincts[p.ID] = p.Description
	}
	for _, f := range files {
		data, err := cfg.readFile(cfg.join(src.Path, f.name))
		if err != nil {
			return err
		}
		var doc struct {
			Sessions []dominionSession `json:"Sessions"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: not a Dominion CVR export: %w", f.name, err)
		}
		for si, s := range doc.Sessions {
			where := fmt.Sprintf("%s session %d (tabulator %s batch %s record %s)", f.name, si+1, s.TabulatorID, s.BatchID, s.RecordID)
			d := s.Original
			if d == nil {
				return fmt.Errorf("%s: no Original data", where)
			}
			if d.IsCurrent != nil && !*d.IsCurrent {
				if s.Modified == nil {
					continue // not current and never adjudicated
				}
				d = s.Modified
			}
			var precinct string
			if d.PrecinctID != nil {
				name, ok := precincts[*d.PrecinctID]
				if !ok {
					return fmt.Errorf("%s: precinct id %d is not in PrecinctManifest.json", where, *d.PrecinctID)
				}
				precinct = name
			}
			batch := s.BatchID.String()
			cards := d.Cards
			if cards == nil {
				cards = []dominionCard{{Contests: d.Contests}}
			}
			for _, card := range cards {
				for _, c := range card.Contests {
					if c.ID.String() != src.ContestID {
						continue
					}
					skip := false
					for _, o := range c.Outstack {
						skip = skip || invalid[o]
					}
					if skip {
						continue
					}
					var marks []ranking
					for _, m := range c.Marks {
						if m.IsAmbiguous {
							continue
						}
						id := m.CandidateID.String()
						if src.UWILabel != "" && id == src.UWILabel {
							id = UWI
						}
						if m.Rank > cfg.MaxRankings && !cfg.maxRankingsIsMax {
							return fmt.Errorf("%s: rank %d is above maxRankingsAllowed (%d)", where, m.Rank, cfg.MaxRankings)
						}
						marks = append(marks, ranking{m.Rank, id})
					}
					if err := bs.add(label(where), marks, precinct, batch, s.TabulatorID.String()+"-"+batch+"-"+s.RecordID.String()); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// dominionManifestEntry is an entry of a Dominion manifest's List.
type dominionManifestEntry struct {
	Description string `json:"Description"`
	ID          int    `json:"Id"`
}

// readDominionManifest reads the List of the export's optional manifest name
// in dir; a file that cannot be read is taken as absent.
func readDominionManifest(cfg *Config, dir, name string) ([]dominionManifestEntry, error) {
	b, err := cfg.readFile(cfg.join(dir, name))
	if err != nil {
		return nil, nil
	}
	var m struct {
		List []dominionManifestEntry `json:"List"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m.List, nil
}
