package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
)

// MaxDiffs is how many differences a check of the projection reports; the rest
// are counted.
const MaxDiffs = 20

// projTable is a table derived from the events: how a stored copy of it is
// compared, row by row and column by column, with what a rebuild writes.
type projTable struct {
	name string
	// key is the primary key; cols the other columns compared.
	key, cols []string
	// caseCol names the case a row belongs to ("" for running totals and lists).
	caseCol string
	// live keeps only the rows that count: running totals brought back to zero stay
	// as rows when kept up to date, but a rebuild writes none.
	live string
	// label names a row in a report from its values (formatted); nil names it by
	// its key.
	label func(v func(col string) string) string
}

// caseProjection lists every table the case projection (and the dated lists)
// fills from the events, with every column derived from them: a rebuild must
// write each of them, and a check compares each of them.
var caseProjection = []projTable{
	{name: "cases", key: []string{"id"}, caseCol: "id",
		cols:  []string{"kind", "respondent", "state", "closed", "outcome", "opened", "conduct", "updated", "unit", "state_since", "sanction", "data"},
		label: func(func(string) string) string { return "" }},
	{name: "case_deadlines", key: []string{"case_id", "n"}, cols: []string{"kind", "what", "due"}, caseCol: "case_id",
		label: func(v func(string) string) string { return fmt.Sprintf("deadline %s (%s)", v("due"), v("kind")) }},
	{name: "case_steps", key: []string{"seq"}, caseCol: "case_id",
		cols: []string{"case_id", "transition", "from_state", "to_state", "day", "quarter", "body", "body_kind", "clause", "outcome", "sanction",
			"days_in_state", "closing", "days_open"},
		label: func(v func(string) string) string {
			return fmt.Sprintf("step %s (%s on %s)", v("seq"), v("transition"), v("day"))
		}},
	{name: "case_clauses", key: []string{"case_id", "clause"}, cols: []string{"closed", "conduct"}, caseCol: "case_id",
		label: func(v func(string) string) string { return "clause " + v("clause") }},
	{name: "case_factors", key: []string{"case_id", "clause", "factor"}, cols: []string{"closed", "conduct"}, caseCol: "case_id",
		label: func(v func(string) string) string {
			return fmt.Sprintf("factor %s under clause %s", v("factor"), v("clause"))
		}},
	{name: "case_people", key: []string{"case_id", "person", "relation"}, caseCol: "case_id",
		label: func(v func(string) string) string { return v("relation") + " " + v("person") }},
	{name: "case_complaints", key: []string{"complaint"}, cols: []string{"case_id"}, caseCol: "case_id",
		label: func(v func(string) string) string { return "complaint " + v("complaint") }},
	// A complaint's case is the case projection's to set; the rest of the row is
	// the register's (CheckProjection).
	{name: "complaints", key: []string{"id"}, cols: []string{"case_id"},
		label: func(v func(string) string) string { return "complaint " + v("id") }},
	{name: "case_step_counts", key: []string{"quarter", "transition", "to_state", "body", "body_kind", "outcome", "sanction"},
		cols: []string{"steps", "days"}, live: "steps <> 0 OR days <> 0"},
	{name: "case_clause_counts", key: []string{"clause", "outcome"}, cols: []string{"cases"}, live: "cases <> 0"},
	{name: "case_sanction_counts", key: []string{"clause", "sanction"}, cols: []string{"cases"}, live: "cases <> 0"},
	{name: "case_flow_counts", key: []string{"quarter", "from_state", "to_state", "closing"}, cols: []string{"moves", "days_open"},
		live: "moves <> 0 OR days_open <> 0"},
	{name: "list_entries", key: []string{"list", "id"}, cols: []string{"data"},
		label: func(v func(string) string) string { return fmt.Sprintf("entry %s on %s", v("id"), v("list")) }},
}

// How columns are shown in a report, by name (the projection's names are used
// consistently across its tables).
var (
	dateCols = map[string]bool{"opened": true, "conduct": true, "state_since": true, "due": true, "day": true, "reported": true, "received": true}
	boolCols = map[string]bool{"closed": true, "closing": true}
	numCols  = map[string]bool{"n": true, "seq": true, "updated": true, "days_in_state": true, "days_open": true, "steps": true, "days": true,
		"cases": true, "moves": true, "complaints": true}
	// JSON documents are too long to quote: a report says they differ.
	docCols = map[string]bool{"data": true}
)

func showValue(col, v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case dateCols[col] && err == nil:
		if n == 0 {
			return "none"
		}
		return rulebook.Date(n).String()
	case boolCols[col] && err == nil:
		return strconv.FormatBool(n != 0)
	case numCols[col]:
		return v
	}
	return strconv.Quote(v)
}

// CheckCaseProjection compares the stored case projection and dated lists with
// what rebuild writes from the events. In one transaction, under the write lock,
// it copies each table aside, lets rebuild replace the tables, compares the copy
// with the result in SQL (a full join on the key: only differing rows come back,
// and no table is copied into memory), and rolls everything back. rebuild must
// read the events through the appender, in the same transaction.
//
// It returns one line per difference, by table, case and column, at most MaxDiffs
// of them, and a last line counting the rest.
func (db *DB) CheckCaseProjection(ctx context.Context, rebuild func(a *Appender) error) ([]string, error) {
	a, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	// Nothing the check does is ever kept.
	defer a.Rollback()
	if err := a.copyAside(caseProjection); err != nil {
		return nil, err
	}
	if err := rebuild(a); err != nil {
		return nil, err
	}
	if err := a.flush(); err != nil {
		return nil, err
	}
	r := &diffReport{byTable: map[string]int{}}
	for _, t := range caseProjection {
		if err := t.compare(ctx, a.tx, r); err != nil {
			return nil, fmt.Errorf("compare %s: %w", t.name, err)
		}
	}
	return r.lines(), nil
}

// diffReport gathers differences: the first MaxDiffs in full, the rest counted.
type diffReport struct {
	diffs   []string
	n       int
	byTable map[string]int
}

func (r *diffReport) add(table, line string) {
	r.n++
	r.byTable[table]++
	if len(r.diffs) < MaxDiffs {
		r.diffs = append(r.diffs, line)
	}
}

func (r *diffReport) lines() []string {
	if r.n <= len(r.diffs) {
		return r.diffs
	}
	tables := make([]string, 0, len(r.byTable))
	for t := range r.byTable {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	var per []string
	for _, t := range tables {
		per = append(per, fmt.Sprintf("%s %d", t, r.byTable[t]))
	}
	return append(r.diffs, fmt.Sprintf("... and %d more differences (%d in all: %s)", r.n-len(r.diffs), r.n, strings.Join(per, ", ")))
}

// compare reports the rows of the stored copy (verify_<name>) and of the rebuilt
// table that differ: missing on one side, or with a column that differs.
func (t *projTable) compare(ctx context.Context, tx *sql.Tx, r *diffReport) error {
	all := append(append([]string{}, t.key...), t.cols...)
	var sel, on, differ, order []string
	for _, c := range all {
		sel = append(sel, "s."+c)
	}
	for _, c := range all {
		sel = append(sel, "r."+c)
	}
	for _, k := range t.key {
		on = append(on, "s."+k+" = r."+k)
	}
	// Every column is NOT NULL, so a null key is a row missing on that side.
	differ = append(differ, "s."+t.key[0]+" IS NULL", "r."+t.key[0]+" IS NULL")
	for _, c := range t.cols {
		differ = append(differ, "s."+c+" <> r."+c)
	}
	if t.caseCol != "" {
		order = append(order, "COALESCE(r."+t.caseCol+", s."+t.caseCol+")")
	}
	for _, k := range t.key {
		order = append(order, "COALESCE(s."+k+", r."+k+")")
	}
	side := func(table string) string {
		if t.live == "" {
			return table
		}
		return "(SELECT * FROM " + table + " WHERE " + t.live + ")"
	}
	q := `SELECT ` + strings.Join(sel, ", ") + ` FROM ` + side("verify_"+t.name) + ` s FULL JOIN ` + side(t.name) + ` r ON ` +
		strings.Join(on, " AND ") + ` WHERE ` + strings.Join(differ, " OR ") + ` ORDER BY ` + strings.Join(order, ", ")
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]sql.NullString, 2*len(all))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	idx := map[string]int{}
	for i, c := range all {
		idx[c] = i
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		stored, rebuilt := vals[:len(all)], vals[len(all):]
		have, want := stored[0].Valid, rebuilt[0].Valid
		// A row is named by what the events make it, or else by what is stored.
		named := rebuilt
		if !want {
			named = stored
		}
		v := func(col string) string { return named[idx[col]].String }
		prefix := t.name + ": "
		if t.caseCol != "" {
			prefix += "case " + v(t.caseCol)
		}
		label := ""
		if t.label != nil {
			label = t.label(func(col string) string { return plain(col, v(col)) })
		} else {
			var parts []string
			for _, k := range t.key {
				parts = append(parts, k+" "+showValue(k, v(k)))
			}
			label = strings.Join(parts, ", ")
		}
		if label != "" {
			if t.caseCol != "" {
				prefix += ": "
			}
			prefix += label
		}
		switch {
		case !have:
			r.add(t.name, prefix+" missing")
		case !want:
			r.add(t.name, prefix+" is stored but not in the events")
		default:
			for _, c := range t.cols {
				s, w := stored[idx[c]].String, rebuilt[idx[c]].String
				if s == w {
					continue
				}
				if docCols[c] {
					r.add(t.name, prefix+": "+c+" differs from the events")
				} else {
					r.add(t.name, prefix+": "+fmt.Sprintf("%s is %s, the events make it %s", c, showValue(c, s), showValue(c, w)))
				}
			}
		}
	}
	return rows.Err()
}

// plain shows a value inside a row's label: dates as dates, the rest as stored.
func plain(col, v string) string {
	if dateCols[col] {
		return showValue(col, v)
	}
	return v
}
