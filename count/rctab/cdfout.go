package rctab

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// cdfJSON renders the cast vote records as NIST CDF JSON with one interpreted snapshot
// per round, as RCTab's generateCdfJson does: each selection says whether the ballot
// counted for it that round and with what fraction of a vote.
func (o *Outcome) cdfJSON(order []cvrRef, generated time.Time) []byte {
	cfg := o.cfg
	n := len(o.rounds)
	csID := func(name string) string { return "cs-" + strings.ToLower(sanitize(name)) }
	cID := func(name string) string { return "c-" + strings.ToLower(sanitize(name)) }

	// precincts become GpUnits gpu-1, gpu-2, ... in RCTab's HashSet order
	gpu := map[string]string{}
	var gpUnits []any
	gpUnits = append(gpUnits, jObj{"@id": "gpu-election", "Type": "other", "OtherType": "Election Scope Jurisdiction",
		"Name": cfg.ContestJurisdiction, "@type": "GpUnit"})
	if cfg.TabulateByPrecinct {
		var seen []string
		have := map[string]bool{}
		for _, r := range order {
			if p := r.b.Precinct; p != "" && !have[p] {
				have[p] = true
				seen = append(seen, p)
			}
		}
		for i, p := range javaHashOrder(seen, 0) {
			gpu[p] = fmt.Sprintf("gpu-%d", i+1)
			gpUnits = append(gpUnits, jObj{"@id": gpu[p], "Type": "precinct", "Name": p, "@type": "GpUnit"})
		}
	}

	var cvrs []any
	for _, r := range order {
		b := r.b
		id := sanitize(r.id)
		snaps := []any{o.cdfSnapshot(b, id, 0, nil, csID)}
		var prev []allocation
		for round := 1; round <= n; round++ {
			cur, ok := b.snaps[round]
			if !ok {
				cur = prev
			}
			snaps = append(snaps, o.cdfSnapshot(b, id, round, cur, csID))
			prev = cur
		}
		m := jObj{"BallotPrePrintedId": id, "CurrentSnapshotId": snapshotID(id, n), "CVRSnapshot": snaps,
			"ElectionId": "election-001", "@type": "CVR"}
		if cfg.TabulateByPrecinct {
			if g, ok := gpu[b.Precinct]; ok {
				m["BallotStyleUnitId"] = g
			}
		}
		cvrs = append(cvrs, m)
	}

	names := append([]string(nil), cfg.candidateNames()...)
	for _, s := range cfg.Sources {
		if s.OvervoteLabel != "" {
			names = append(names, "overvote")
			break
		}
	}
	javaSortStrings(names)
	var cands, sels []any
	for _, name := range names {
		cands = append(cands, jObj{"@id": cID(name), "Name": name})
		sels = append(sels, jObj{"@id": csID(name), "@type": "ContestSelection", "CandidateIds": []any{cID(name)}})
	}
	election := jObj{"@id": "election-001", "Candidate": cands, "ElectionScopeId": "gpu-election", "@type": "Election",
		"Contest": []any{jObj{"@id": "contest-001", "@type": "CandidateContest", "ContestSelection": sels, "Name": cfg.ContestName}}}
	out := jObj{"CVR": cvrs, "Election": []any{election}, "GpUnit": gpUnits,
		"ReportGeneratingDeviceIds": []any{"rd-001"},
		"ReportingDevice":           []any{jObj{"@id": "rd-001", "@type": "CVR.ReportingDevice", "Application": "RCTab", "Manufacturer": "Bright Spots"}},
		"Version":                   "1.0.0", "@type": "CVR.CastVoteRecordReport"}
	if !generated.IsZero() {
		out["GeneratedDate"] = generated.Format("2006-01-02T15:04:05Z07:00")
	}
	var buf bytes.Buffer
	writeJackson(&buf, out, 0)
	return buf.Bytes()
}

func snapshotID(id string, round int) string {
	if round > 0 {
		return fmt.Sprintf("ballot-%s-round-%d", id, round)
	}
	return "ballot-" + id
}

// cdfSnapshot is one CVRSnapshot: the original marks (round 0) or a round's reading.
func (o *Outcome) cdfSnapshot(b *Ballot, id string, round int, alloc []allocation, csID func(string) string) jObj {
	// candidates with the ranks they were given, by best rank then name
	ranks := map[string][]int{}
	var order []string
	for i, at := range b.raw {
		for _, name := range at {
			if _, ok := ranks[name]; !ok {
				order = append(order, name)
			}
			ranks[name] = append(ranks[name], i+1)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, c := ranks[order[i]][0], ranks[order[j]][0]
		if a != c {
			return a < c
		}
		return javaLess(order[i], order[j])
	})
	var selections []any
	for _, name := range order {
		allocable := "unknown"
		votes := DecInt(1)
		if round > 0 {
			allocable = "no"
			for _, a := range alloc {
				if a.name == name {
					allocable = "yes"
					votes = a.v
					break
				}
			}
		}
		fractional := ""
		if !(votes.u == 1 && votes.s == 0) {
			// BigDecimal.remainder(ONE) keeps the scale; print it without the leading 0
			whole := votes.SetScaleDown(0)
			rem := votes.Sub(whole)
			if rem.Sign() == 1 {
				fractional = strings.TrimPrefix(rem.String(), "0")
			}
		}
		var positions []any
		for _, rk := range ranks[name] {
			p := jObj{"HasIndication": "yes", "IsAllocable": allocable, "NumberVotes": int(votes.SetScaleDown(0).u),
				"Rank": rk, "@type": "CVR.SelectionPosition"}
			if fractional != "" {
				p["FractionalVotes"] = fractional
			}
			positions = append(positions, p)
			if allocable == "yes" {
				allocable = "no" // only the first of duplicate rankings is allocable
			}
		}
		selections = append(selections, jObj{"ContestSelectionId": csID(name), "SelectionPosition": positions,
			"@type": "CVR.CVRContestSelection"})
	}
	if selections == nil {
		selections = []any{}
	}
	typ := "original"
	if round > 0 {
		typ = "interpreted"
	}
	return jObj{"@id": snapshotID(id, round), "@type": "CVR.CVRSnapshot", "Type": typ,
		"CVRContest": []any{jObj{"ContestId": "contest-001", "CVRContestSelection": selections, "@type": "CVR.CVRContest"}}}
}
