package sqldb

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
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
	// counted, if not "", keeps the stored rows whose digest the events' rows
	// are compared with, where the events make only those (a complaint's case).
	counted string
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
	{name: "complaints", key: []string{"id"}, cols: []string{"case_id"}, counted: "case_id <> ''",
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

// CaseWriter is what a rebuild of the case projection and the dated lists
// reads the events through and writes its rows to: an Appender stores them
// (a rebuild, or the detailed check); a check's digests sum them instead
// (CaseDigestsDiffer). Appender implements it.
type CaseWriter interface {
	EachSubject(prefix string, f func(evs []rulebook.Event) error) error
	FirstEvents(subjects []string, typ string) (map[string]rulebook.Event, error)
	EventsWithSubjectPrefix(prefix string) ([]rulebook.Event, error)
	ClearCases() error
	HoldCounts()
	ReleaseCounts() error
	PutNewCases(cases []NewCase) error
	AddCaseStep(r StepRow)
	ClearListEntries() error
	PutListEntry(list, id string, data []byte) error
}

// CheckCaseProjection compares the stored case projection and dated lists with
// what rebuild writes from the events. It compares them first by digests
// (CaseDigestsDiffer), which rewrites nothing; only if a table's digests
// differ is it compared row by row (checkCaseRows), to name what differs —
// only the tables whose digests differ, the rest being known to agree.
//
// It returns one line per difference, by table, case and column, at most MaxDiffs
// of them, and a last line counting the rest.
func (db *DB) CheckCaseProjection(ctx context.Context, rebuild func(w CaseWriter) error) ([]string, error) {
	differ, err := db.CaseDigestsDiffer(ctx, rebuild)
	if err != nil || len(differ) == 0 {
		return nil, err
	}
	var tables []projTable
	for _, t := range caseProjection {
		if slices.Contains(differ, t.name) {
			tables = append(tables, t)
		}
	}
	return db.checkCaseRows(ctx, tables, rebuild)
}

// checkCaseRows compares the given tables of the stored case projection and
// dated lists with what rebuild writes from the events, row by row. In one transaction, under the
// write lock, it copies each table aside, lets rebuild replace the tables,
// compares the copy with the result in SQL (a full join on the key: only
// differing rows come back, and no table is copied into memory), and rolls
// everything back. rebuild must read the events through the appender, in the
// same transaction.
func (db *DB) checkCaseRows(ctx context.Context, tables []projTable, rebuild func(w CaseWriter) error) ([]string, error) {
	a, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	// Nothing the check does is ever kept.
	defer a.Rollback()
	if err := a.copyAside(tables); err != nil {
		return nil, err
	}
	if err := rebuild(a); err != nil {
		return nil, err
	}
	if err := a.flush(); err != nil {
		return nil, err
	}
	r := &diffReport{byTable: map[string]int{}}
	for _, t := range tables {
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
	// tables are the tables of diffs, line by line (for merge).
	tables []string
}

func (r *diffReport) add(table, line string) {
	r.n++
	r.byTable[table]++
	if len(r.diffs) < MaxDiffs {
		r.diffs = append(r.diffs, line)
		r.tables = append(r.tables, table)
	}
}

// merge adds o's differences after r's, as if they had been added to r.
func (r *diffReport) merge(o *diffReport) {
	rest := maps.Clone(o.byTable)
	for i, line := range o.diffs {
		r.add(o.tables[i], line)
		rest[o.tables[i]]--
	}
	for t, n := range rest {
		if n > 0 {
			r.n += n
			r.byTable[t] += n
		}
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

// The case projection is checked first by digests: one keyed hash per row,
// summed per table (see digest), on each side. The events' side replays every
// case as a rebuild does, through the very functions that make a rebuild's rows
// (queueCaseRows, AddCaseStep, the running totals), into a shadow appender that
// holds no transaction and whose rows are summed rather than written; the
// stored side reads each table once, in whatever order it comes. Nothing is
// copied, deleted or written, and memory holds a batch of rows, the running
// totals and the dated lists (which are few). The key is drawn afresh for each
// check, so that no edit can be made to sum to the same digest.

// rowHasher hashes rows of a table under a key (keyedHash): the table's name
// and each value with its length, integers as decimal text (as the database
// gives them back as text).
type rowHasher struct {
	kh  *keyedHash
	buf []byte
}

func newRowHasher(key [32]byte) rowHasher { return rowHasher{kh: newKeyedHash(key)} }

func (r *rowHasher) begin(table string) {
	r.buf = r.buf[:0]
	r.bytes([]byte(table))
}

func (r *rowHasher) bytes(b []byte) {
	r.buf = binary.AppendUvarint(r.buf, uint64(len(b)))
	r.buf = append(r.buf, b...)
}

// value adds a value as a rebuild passes it to the database.
func (r *rowHasher) value(v any) {
	var tmp [24]byte
	switch x := v.(type) {
	case string:
		r.buf = binary.AppendUvarint(r.buf, uint64(len(x)))
		r.buf = append(r.buf, x...)
	case []byte:
		r.bytes(x)
	case int:
		r.bytes(strconv.AppendInt(tmp[:0], int64(x), 10))
	case int64:
		r.bytes(strconv.AppendInt(tmp[:0], x, 10))
	default:
		// Every column of the case projection is text or an integer.
		r.bytes(fmt.Appendf(nil, "%T %v", v, v))
	}
}

func (r *rowHasher) done() *hashSum { return r.kh.hash(r.buf) }

// projCols are a projected table's columns in the order both sides hash
// them: the key, then the other columns.
func (t *projTable) projCols() []string { return append(append([]string{}, t.key...), t.cols...) }

// storedWhere selects the stored rows a digest counts: for the running totals
// those that count, for the complaints those the case projection has set.
func (t *projTable) storedWhere() string {
	switch {
	case t.live != "":
		return " WHERE " + t.live
	case t.counted != "":
		return " WHERE " + t.counted
	}
	return ""
}

// caseEvents is how a CaseWriter reads the events.
type caseEvents interface {
	EachSubject(prefix string, f func(evs []rulebook.Event) error) error
	FirstEvents(subjects []string, typ string) (map[string]rulebook.Event, error)
	EventsWithSubjectPrefix(prefix string) ([]rulebook.Event, error)
}

// poolEvents reads the events through the readers' pool: beside a
// VerifyProjection, whose appender holds the write lock (so that nothing is
// appended meanwhile) and whose transaction is in use.
type poolEvents struct {
	ctx context.Context
	db  *DB
}

func (p poolEvents) EachSubject(prefix string, f func(evs []rulebook.Event) error) error {
	return p.db.eachSubject(p.ctx, p.db.r, prefix, f)
}

func (p poolEvents) FirstEvents(subjects []string, typ string) (map[string]rulebook.Event, error) {
	return firstEvents(p.ctx, p.db.r, subjects, typ)
}

func (p poolEvents) EventsWithSubjectPrefix(prefix string) ([]rulebook.Event, error) {
	return p.db.eventsWithSubjectPrefix(p.ctx, p.db.r, prefix)
}

// caseDigester is the CaseWriter of a check by digests: it reads the events
// through a (in an appender's transaction, under the write lock) and sums the
// rows a rebuild would write.
type caseDigester struct {
	a      caseEvents
	shadow *Appender
	h      rowHasher
	sums   map[string]*digest
	// order maps, for each batch of the shadow, the table's hashed columns to
	// the batch's.
	order map[*batch][]int
	lists map[[2]string][]byte
	// kept are the events the verify's walk kept (SubjectCapture), if any.
	kept *keptEvents
}

// newCaseDigester returns a digester reading the events through ev, whose
// batches take the columns of a's.
func newCaseDigester(a *Appender, ev caseEvents, key [32]byte) *caseDigester {
	like := func(b *batch) *batch { return newBatch(b.table, b.cols...) }
	sh := &Appender{
		caseDeadlines: like(a.caseDeadlines), caseClauses: like(a.caseClauses), caseFactors: like(a.caseFactors),
		caseComplaints: like(a.caseComplaints), casePeople: like(a.casePeople), caseSteps: like(a.caseSteps),
		stepDelta: map[stepKey][2]int64{}, clauseDelta: map[[2]string]int64{}, sanctionDelta: map[[2]string]int64{},
		flowDelta: map[flowKey][2]int64{}, holdCounts: true,
	}
	d := &caseDigester{a: ev, shadow: sh, h: newRowHasher(key), sums: map[string]*digest{},
		order: map[*batch][]int{}, lists: map[[2]string][]byte{}}
	for _, t := range caseProjection {
		d.sums[t.name] = &digest{}
	}
	for _, b := range d.batches() {
		d.order[b] = columnOrder(b.table, b.cols)
	}
	return d
}

// columnOrder returns, for each column table hashes (projCols), its place in
// cols.
func columnOrder(table string, cols []string) []int {
	for _, t := range caseProjection {
		if t.name != table {
			continue
		}
		var out []int
		for _, c := range t.projCols() {
			out = append(out, slices.Index(cols, c))
		}
		return out
	}
	panic("no projected table " + table)
}

func (d *caseDigester) batches() []*batch {
	sh := d.shadow
	return []*batch{sh.caseDeadlines, sh.caseClauses, sh.caseFactors, sh.caseComplaints, sh.casePeople, sh.caseSteps}
}

// add sums a row of table, its values in the order of projCols.
func (d *caseDigester) add(table string, vals ...any) {
	d.h.begin(table)
	for _, v := range vals {
		d.h.value(v)
	}
	d.sums[table].add(d.h.done())
}

// drain sums the rows queued in the shadow's batches, and empties them.
func (d *caseDigester) drain() {
	for _, b := range d.batches() {
		order, n := d.order[b], len(b.cols)
		for r := 0; r < b.rows; r++ {
			row := b.args[r*n : (r+1)*n]
			d.h.begin(b.table)
			for _, i := range order {
				d.h.value(row[i])
			}
			d.sums[b.table].add(d.h.done())
		}
		clear(b.args)
		b.args, b.rows = b.args[:0], 0
	}
}

func (d *caseDigester) EachSubject(prefix string, f func(evs []rulebook.Event) error) error {
	if d.kept.holds(prefix) {
		if keptStats != nil {
			keptStats()
		}
		return eachKept(d.kept.withPrefix(prefix), f)
	}
	return d.a.EachSubject(prefix, f)
}

func (d *caseDigester) FirstEvents(subjects []string, typ string) (map[string]rulebook.Event, error) {
	if !slices.ContainsFunc(subjects, func(s string) bool { return !d.kept.holds(s) }) {
		if keptStats != nil {
			keptStats()
		}
		out := map[string]rulebook.Event{}
		for _, s := range subjects {
			for _, e := range d.kept.subject(s) {
				if e.Type == typ {
					out[s] = e
					break
				}
			}
		}
		return out, nil
	}
	return d.a.FirstEvents(subjects, typ)
}

func (d *caseDigester) EventsWithSubjectPrefix(prefix string) ([]rulebook.Event, error) {
	return d.a.EventsWithSubjectPrefix(prefix)
}

// keptStats, if set, is told each time a check replays the events the
// verify's walk kept rather than reading them, or finds among them the first
// events it asks for (tests).
var keptStats func()

// ClearCases and ClearListEntries clear nothing: the digests start empty.
func (d *caseDigester) ClearCases() error       { return nil }
func (d *caseDigester) ClearListEntries() error { return nil }

// HoldCounts holds nothing more: the shadow always holds its totals.
func (d *caseDigester) HoldCounts() {}

// PutNewCases sums the rows PutNewCases stores.
func (d *caseDigester) PutNewCases(cases []NewCase) error {
	cols := strings.Split(caseCols, ", ")
	order := columnOrder("cases", cols)
	vals := make([]any, len(order))
	for _, c := range cases {
		v := c.Row.values()
		for i, k := range order {
			vals[i] = v[k]
		}
		d.add("cases", vals...)
		d.shadow.countFlow(flowKey{c.Row.Opened.Quarter(), "", c.Row.openingState(), false}, 0)
		d.shadow.queueCaseRows(c.Row, c.Deadlines, c.Clauses, c.Complaints)
		// Each complaint the case is built on is marked as part of it (linkMany).
		for _, k := range c.Complaints {
			d.add("complaints", k, c.Row.ID)
		}
	}
	d.drain()
	return nil
}

// AddCaseStep sums a step's row, and counts it in the running totals.
func (d *caseDigester) AddCaseStep(r StepRow) {
	d.shadow.AddCaseStep(r)
	if d.shadow.caseSteps.rows >= 500 {
		d.drain()
	}
}

// ReleaseCounts sums the running totals as flushCounts writes them: those that
// are not zero.
func (d *caseDigester) ReleaseCounts() error {
	d.drain()
	sh := d.shadow
	for k, v := range sh.stepDelta {
		if v[0] != 0 || v[1] != 0 {
			d.add("case_step_counts", k.quarter, k.transition, k.to, k.body, k.bodyKind, k.outcome, k.sanction, v[0], v[1])
		}
	}
	for k, v := range sh.clauseDelta {
		if v != 0 {
			d.add("case_clause_counts", k[0], k[1], v)
		}
	}
	for k, v := range sh.sanctionDelta {
		if v != 0 {
			d.add("case_sanction_counts", k[0], k[1], v)
		}
	}
	for k, v := range sh.flowDelta {
		if v[0] != 0 || v[1] != 0 {
			closing := 0
			if k.closing {
				closing = 1
			}
			d.add("case_flow_counts", k.quarter, k.from, k.to, closing, v[0], v[1])
		}
	}
	clear(sh.stepDelta)
	clear(sh.clauseDelta)
	clear(sh.sanctionDelta)
	clear(sh.flowDelta)
	return nil
}

// PutListEntry keeps the entry, replacing an earlier version of it, as
// PutListEntry stores it; the entries are summed at the end.
func (d *caseDigester) PutListEntry(list, id string, data []byte) error {
	d.lists[[2]string{list, id}] = bytes.Clone(data)
	return nil
}

func (d *caseDigester) finish() {
	d.drain()
	for k, data := range d.lists {
		d.add("list_entries", k[0], k[1], string(data))
	}
	clear(d.lists)
}

// storedDigests sums the stored rows of each of tables, as caseDigester sums
// the rows the events make.
func storedDigests(ctx context.Context, q querier, pg bool, key [32]byte, tables []projTable) (map[string]*digest, error) {
	h := newRowHasher(key)
	out := map[string]*digest{}
	for _, t := range tables {
		cols := t.projCols()
		query := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + t.name + t.storedWhere()
		sum := &digest{}
		row := func(vals [][]byte) error {
			if len(vals) != len(cols) {
				return fmt.Errorf("read %s: %d columns, not %d", t.name, len(vals), len(cols))
			}
			h.begin(t.name)
			for _, v := range vals {
				h.bytes(v)
			}
			sum.add(h.done())
			return nil
		}
		if c, ok := q.(*sql.Conn); ok && pg {
			// Read raw, every column as text (each is text or an integer, and
			// NULL is nil, as database/sql gives them), without a string a
			// value.
			var rerr error
			err := withPgx(c, func(pc *pgx.Conn) error {
				rows, err := pc.Query(ctx, query, pgx.QueryResultFormats{pgx.TextFormatCode})
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() && rerr == nil {
					rerr = row(rows.RawValues())
				}
				return rows.Err()
			})
			if err = errors.Join(err, rerr); err != nil {
				return nil, fmt.Errorf("read %s: %w", t.name, err)
			}
			out[t.name] = sum
			continue
		}
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		bs := make([][]byte, len(cols))
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read %s: %w", t.name, err)
			}
			for i, v := range vals {
				bs[i] = v
			}
			if err := row(bs); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
		out[t.name] = sum
	}
	return out, nil
}

// CaseDigestsDiffer compares the stored case projection and dated lists with
// what rebuild writes from the events by digests, a sum per table, and returns
// the tables whose sums differ. It holds the write lock while it runs, so
// that both sides see the same events and rows; the stored tables are read on
// a connection of their own while the events are replayed. If a CaseCheck
// under ctx made this comparison beside a VerifyProjection, its answer is
// taken instead.
func (db *DB) CaseDigestsDiffer(ctx context.Context, rebuild func(w CaseWriter) error) ([]string, error) {
	if cc := caseCheckFrom(ctx); cc != nil {
		if differ, ok := cc.result(); ok {
			return differ, nil
		}
	}
	a, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.Rollback()
	_, head := a.Head()
	return db.caseDigestsDiffer(ctx, a, a, head, rebuild)
}

// caseDigestsDiffer is CaseDigestsDiffer under a's write lock, the events
// read through ev. The case events the verify's walk kept, if it ran under ctx
// and verified the record to head, stand in for a second read of them.
func (db *DB) caseDigestsDiffer(ctx context.Context, a *Appender, ev caseEvents, head rulebook.Hash, rebuild func(w CaseWriter) error) ([]string, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	var stored map[string]*digest
	var serr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := db.checkConn(ctx)
		if err != nil {
			serr = err
			return
		}
		defer db.releaseCheckConn(conn)
		stored, serr = storedDigests(ctx, conn, db.dialect == "postgres", key, caseProjection)
	}()
	d := newCaseDigester(a, ev, key)
	d.kept, _ = subjectCaptureFrom(ctx).take(head)
	err := rebuild(d)
	<-done
	if err := errors.Join(err, serr); err != nil {
		return nil, err
	}
	d.finish()
	var differ []string
	for _, t := range caseProjection {
		if *d.sums[t.name] != *stored[t.name] {
			differ = append(differ, t.name)
		}
	}
	return differ, nil
}

// A CaseCheck compares the case projection by digests (CaseDigestsDiffer)
// beside a VerifyProjection's check of the register, rather than after it:
// once the walk has kept the case events, under the same write lock, on
// connections of its own. CaseDigestsDiffer under the same context then takes
// its answer. (It is not started, and CaseDigestsDiffer compares afresh, when
// the record does not verify.)
type CaseCheck struct {
	rebuild func(w CaseWriter) error
	done    chan struct{}
	differ  []string
	err     error
}

type caseCheckKey struct{}

// WithCaseCheck returns a context under which VerifyProjection compares the
// case projection with what rebuild writes, beside its own check.
func WithCaseCheck(ctx context.Context, rebuild func(w CaseWriter) error) context.Context {
	return context.WithValue(ctx, caseCheckKey{}, &CaseCheck{rebuild: rebuild})
}

func caseCheckFrom(ctx context.Context) *CaseCheck {
	cc, _ := ctx.Value(caseCheckKey{}).(*CaseCheck)
	return cc
}

// start runs the comparison under a's write lock, the record verified to
// head, on a goroutine; the caller waits for it before it lets the lock go.
func (cc *CaseCheck) start(ctx context.Context, db *DB, a *Appender, head rulebook.Hash) {
	cc.done = make(chan struct{})
	go func() {
		defer close(cc.done)
		cc.differ, cc.err = db.caseDigestsDiffer(ctx, a, poolEvents{ctx, db}, head, cc.rebuild)
	}()
}

// wait waits for the comparison, if it was started.
func (cc *CaseCheck) wait() {
	if cc.done != nil {
		<-cc.done
	}
}

// result returns the tables whose digests differed, once only; ok is false if
// the comparison was not made or failed (and is then made again).
func (cc *CaseCheck) result() (differ []string, ok bool) {
	if cc.done == nil {
		return nil, false
	}
	<-cc.done
	differ, ok = cc.differ, cc.err == nil
	cc.done, cc.differ = nil, nil
	return differ, ok
}
