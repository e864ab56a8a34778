package rctab

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// GeneratedBy is written where RCTab writes its own version.
const GeneratedBy = "RCTab 2.0.0"

// jObj is a JSON object; Jackson (as configured by RCTab) writes map keys sorted.
type jObj map[string]any

// writeJackson writes v like Jackson's DefaultPrettyPrinter, which RCTab uses.
func writeJackson(buf *bytes.Buffer, v any, level int) {
	switch x := v.(type) {
	case jObj:
		if len(x) == 0 {
			buf.WriteString("{ }")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		javaSortStrings(keys)
		buf.WriteString("{\n")
		for i, k := range keys {
			buf.WriteString(strings.Repeat("  ", level+1))
			writeJSONString(buf, k)
			buf.WriteString(" : ")
			writeJackson(buf, x[k], level+1)
			if i < len(keys)-1 {
				buf.WriteString(",")
			}
			buf.WriteString("\n")
		}
		buf.WriteString(strings.Repeat("  ", level) + "}")
	case []any:
		if len(x) == 0 {
			buf.WriteString("[ ]")
			return
		}
		buf.WriteString("[ ")
		for i, e := range x {
			if i > 0 {
				buf.WriteString(", ")
			}
			writeJackson(buf, e, level)
		}
		buf.WriteString(" ]")
	case string:
		writeJSONString(buf, x)
	case Dec:
		writeJSONString(buf, x.String())
	case int:
		buf.WriteString(strconv.Itoa(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	default:
		buf.WriteString("null")
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			buf.WriteString(`\"`)
		case r == '\\':
			buf.WriteString(`\\`)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte("0123456789ABCDEF"[r>>4])
			buf.WriteByte("0123456789ABCDEF"[r&15])
		default:
			buf.WriteRune(r)
		}
	}
	buf.WriteByte('"')
}

// roundsOf groups candidates by the round of an event, in java.util.HashMap order of
// the whole map, as RCTab's ResultsWriter sees it.
func roundsOf(o *Outcome, order []int32, byRound map[int32]int) map[int][]string {
	var names []string
	for _, c := range order {
		names = append(names, o.names[c])
	}
	// RCTab 2.0 lists the candidates of one round alphabetically.
	javaSortStrings(names)
	out := map[int][]string{}
	for _, n := range names {
		for _, c := range order {
			if o.names[c] == n {
				out[byRound[c]] = append(out[byRound[c]], n)
				break
			}
		}
	}
	return out
}

// view is what one report shows: the whole contest, or one precinct or batch.
type view struct {
	rounds    []*roundTally
	transfers transfers
	kind, id  string // slice kind and id; "" for the whole contest
}

func (o *Outcome) whole() view { return view{rounds: o.rounds, transfers: o.transfers} }

func (v view) numNoRankings() Dec { return v.rounds[0].statuses[stUndervote] }

func (v view) totalBallots() Dec {
	r := v.rounds[0]
	return r.activeSum().Add(r.inactiveSum())
}

func (o *Outcome) usesSurpluses() bool {
	return o.numWinners > 1 && o.cfg.Mode != modeBottomsUp && o.cfg.Mode != modeMultiPass
}

// DetailedJSON renders RCTab's detailed report JSON.
func (o *Outcome) DetailedJSON() []byte { return o.renderJSON(o.whole()) }

// DetailedCSV renders RCTab's detailed report CSV (the summary CSV plus the
// "Inactive Ballots by ..." rows).
func (o *Outcome) DetailedCSV() []byte { return o.renderCSV(o.whole()) }

func (o *Outcome) renderJSON(v view) []byte {
	cfg := o.cfg
	won := roundsOf(o, o.winnerOrder, o.winnerRound)
	lost := roundsOf(o, o.elimOrder, o.elimRound)
	var results []any
	n := len(v.rounds)
	for i, rt := range v.rounds {
		round := i + 1
		var actions []any
		add := func(kind string, names []string) {
			for _, name := range names {
				tr := jObj{}
				if m := v.transfers[round+1][name]; m != nil {
					for k, v := range m {
						tr[k] = v
					}
				}
				actions = append(actions, jObj{kind: name, "transfers": tr})
			}
		}
		add("elected", won[round])
		add("eliminated", lost[round])
		tally := jObj{}
		for c, x := range rt.tally {
			tally[o.names[c]] = x
		}
		inactive := jObj{
			"overvotes":        rt.statuses[stOvervote],
			"skippedRankings":  rt.statuses[stSkipped],
			"exhaustedChoices": rt.statuses[stExhausted],
			"repeatedRankings": rt.statuses[stRepeated],
		}
		if o.usesSurpluses() && round == n {
			inactive["finalRoundSurplus"] = rt.statuses[stFinalSurplus]
		}
		if actions == nil {
			actions = []any{}
		}
		results = append(results, jObj{
			"round": round, "tallyResults": actions, "tally": tally,
			"threshold": rt.threshold, "inactiveBallots": inactive,
		})
	}
	under := v.numNoRankings()
	conf := jObj{"generatedBy": GeneratedBy, "contest": cfg.ContestName, "jurisdiction": cfg.ContestJurisdiction,
		"office": cfg.ContestOffice, "date": cfg.ContestDate}
	if v.kind != "" {
		conf[v.kind] = v.id
	}
	out := jObj{
		"jsonFormatVersion": "1",
		"config":            conf,
		"summary": jObj{"finalThreshold": v.rounds[n-1].threshold, "numWinners": o.numWinners,
			"numCandidates": len(o.names), "totalNumBallots": v.totalBallots(),
			"undervotes": under.SetScaleDown(0).u},
		"results": results,
	}
	var buf bytes.Buffer
	writeJackson(&buf, out, 0)
	return buf.Bytes()
}

// csvCell quotes like Apache Commons CSV's default (minimal) quoting.
func csvCell(s string, first bool) string {
	if s == "" {
		if first {
			return `""`
		}
		return ""
	}
	// Commons CSV (the version RCTab 2.0 uses) also quotes a value starting with a
	// character up to '#', or ending in one up to ' '.
	q := s[0] <= '#' || strings.ContainsAny(s, ",\"\r\n") || s[len(s)-1] <= ' '
	if !q {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

type csvOut struct {
	buf   bytes.Buffer
	first bool
}

func (w *csvOut) cell(s string) {
	if !w.first {
		w.buf.WriteByte(',')
	}
	w.buf.WriteString(csvCell(s, w.first))
	w.first = false
}
func (w *csvOut) end() { w.buf.WriteByte('\n'); w.first = true }
func (w *csvOut) record(cells ...string) {
	for _, c := range cells {
		w.cell(c)
	}
	w.end()
}

// candidateOrder is RCTab's report row order: round-1 tallies, highest first, UWI last,
// ties in HashMap order.
func (o *Outcome) candidateOrder() []int32 {
	r1 := o.rounds[0]
	order := append([]int32(nil), r1.cands...)
	uwi := int32(-1)
	for i, n := range o.names {
		if n == UWI {
			uwi = int32(i)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a == uwi {
			return false
		}
		if b == uwi {
			return true
		}
		return r1.tally[a].Cmp(r1.tally[b]) > 0
	})
	return order
}

func (o *Outcome) numCandidatesNotExcluded() int {
	n := len(o.names)
	for _, x := range o.excluded {
		if x {
			n--
		}
	}
	return n
}

func (o *Outcome) renderCSV(v view) []byte {
	cfg := o.cfg
	w := &csvOut{first: true}
	n := len(v.rounds)
	slice := v.kind != ""
	mark := ""
	if slice {
		mark = "†"
	}
	won := roundsOf(o, o.winnerOrder, o.winnerRound)
	lost := roundsOf(o, o.elimOrder, o.elimRound)
	kind := "Multi-Winner"
	if cfg.Mode == modeSingle {
		kind = "Single-Winner"
	}
	var winners []string
	var rounds []int
	for r := range won {
		rounds = append(rounds, r)
	}
	sort.Ints(rounds)
	for _, r := range rounds {
		winners = append(winners, won[r]...)
	}
	w.record("Contest Information")
	w.record("Generated By", GeneratedBy)
	w.record("CSV Format Version", "1")
	w.record("Type of Election", kind)
	w.record("Contest", cfg.ContestName)
	w.record("Jurisdiction", cfg.ContestJurisdiction)
	w.record("Office", cfg.ContestOffice)
	w.record("Date", cfg.ContestDate)
	w.record("Winner(s)", strings.Join(winners, ", "))
	if slice {
		w.record(strings.ToUpper(v.kind[:1])+v.kind[1:], v.id)
	} else {
		w.record("Final Threshold", v.rounds[n-1].threshold.String())
	}
	w.end()
	w.record("Contest Summary")
	if cfg.Mode == modeBottomsUpPct {
		w.record("Number to be Elected", "All candidates over the "+cfg.bottomsUpPercentRaw+"% threshold")
	} else {
		w.record("Number to be Elected", strconv.Itoa(o.numWinners))
	}
	w.record("Number of Candidates", strconv.Itoa(o.numCandidatesNotExcluded()))
	w.record("Total Number of Ballots", v.totalBallots().String())
	w.record("Number of Undervotes (No Rankings)", v.numNoRankings().String())
	w.end()

	w.cell("Rounds")
	for r := 1; r <= n; r++ {
		w.cell("Round " + strconv.Itoa(r) + " Votes")
		w.cell("% of vote")
		w.cell("transfer")
	}
	w.end()
	action := func(label string, m map[int][]string) {
		w.cell(label)
		for r := 1; r <= n; r++ {
			var names []string
			for _, name := range m[r] {
				if o.tieDecided[o.id(name)] {
					name += "*"
				}
				names = append(names, name)
			}
			w.cell(strings.Join(names, "; "))
			w.cell("")
			w.cell("")
		}
		w.end()
	}
	action("Eliminated"+mark, lost)
	action("Elected"+mark, won)
	tallyOf := func(r int, c int32) Dec {
		if x, ok := v.rounds[r-1].tally[c]; ok {
			return x
		}
		return DecInt(0)
	}
	for _, c := range o.candidateOrder() {
		w.cell(o.names[c])
		for r := 1; r <= n; r++ {
			x := tallyOf(r, c)
			w.cell(x.String())
			div := v.rounds[0].activeAndLockedIn()
			if (cfg.Mode == modeSingle || cfg.Mode == modeBottomsUpPct) && !cfg.FirstRoundThreshold {
				div = v.rounds[r-1].activeAndLockedIn()
			}
			w.cell(percentString(x, div))
			if r < n {
				w.cell(tallyOf(r+1, c).Sub(x).String())
			} else {
				w.cell("0")
			}
		}
		w.end()
	}
	w.cell("Active Ballots")
	for r := 1; r <= n; r++ {
		w.cell(v.rounds[r-1].activeAndLockedIn().String())
		w.cell("")
		w.cell("")
	}
	w.end()
	if !slice {
		w.cell("Current Round Threshold")
		for r := 1; r <= n; r++ {
			w.cell(v.rounds[r-1].threshold.String())
			w.cell("")
			w.cell("")
		}
		w.end()
	}
	for _, s := range []struct {
		label string
		st    status
	}{{"Overvotes", stOvervote}, {"Skipped Rankings", stSkipped}, {"Exhausted Choices", stExhausted}, {"Repeated Rankings", stRepeated}} {
		w.cell("Inactive Ballots by " + s.label)
		for r := 1; r <= n; r++ {
			x := v.rounds[r-1].statuses[s.st]
			w.cell(x.String())
			w.cell("")
			if r < n {
				w.cell(v.rounds[r].statuses[s.st].Sub(x).String())
			} else {
				w.cell("0")
			}
		}
		w.end()
	}
	w.cell("Inactive Ballots Total")
	under := v.numNoRankings()
	for r := 1; r <= n; r++ {
		x := v.rounds[r-1].inactiveSum()
		w.cell(x.Sub(under).String())
		w.cell("")
		if r < n {
			w.cell(v.rounds[r].inactiveSum().Sub(x).String())
		} else {
			w.cell("0")
		}
	}
	w.end()
	if !slice && o.residual[n-1].Sign() == 1 {
		w.cell("Residual surplus")
		for r := 1; r <= n; r++ {
			w.cell(o.residual[r-1].String())
			w.cell("")
			w.cell("")
		}
		w.end()
	}
	if o.usesSurpluses() {
		w.cell("Final Round Surplus")
		for r := 1; r <= n; r++ {
			x := v.rounds[r-1].statuses[stFinalSurplus]
			if x.u == 0 && x.s == 0 {
				w.cell("")
			} else {
				w.cell(x.String())
			}
			w.cell("")
			w.cell("")
		}
		w.end()
	}
	if slice {
		w.end()
		w.record("†Elect/Eliminate decisions are from the full contest. All other results on this report are at the " + v.kind + " level.")
	}
	if len(o.tieDecided) > 0 {
		w.end()
		w.record("*Tie resolved in accordance with election law")
	}
	return w.buf.Bytes()
}

func (o *Outcome) id(name string) int32 {
	for i, n := range o.names {
		if n == name {
			return int32(i)
		}
	}
	return -1
}

// sanitize is RCTab's file-name cleaning: anything but letters, digits, _ - . becomes _.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			if r >= 0x10000 { // one UTF-16 unit each in Java
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

// sliceReports renders the by-precinct and by-batch reports, named as RCTab names
// them, in folders "Tabulate by Precinct" and "Tabulate by Batch".
func (o *Outcome) sliceReports(stem string) []Report {
	var out []Report
	for _, kind := range []string{slicePrecinct, sliceBatch} {
		states := o.slices[kind]
		if len(states) == 0 {
			continue
		}
		var ids []string
		for id := range states {
			ids = append(ids, id)
		}
		javaSortStrings(ids)
		dir := "Tabulate by " + strings.ToUpper(kind[:1]) + kind[1:] + "/"
		used := map[string]bool{}
		for _, id := range ids {
			name := sanitize(id) + "_" + kind
			for n := 2; used[name]; n++ {
				name = sanitize(id) + "_" + kind + "_" + strconv.Itoa(n)
			}
			used[name] = true
			st := states[id]
			v := view{rounds: st.rounds, transfers: st.transfers, kind: kind, id: id}
			base := dir + stem + "_" + name + "_detailed_report"
			out = append(out, Report{base + ".json", o.renderJSON(v)}, Report{base + ".csv", o.renderCSV(v)})
		}
	}
	return out
}
