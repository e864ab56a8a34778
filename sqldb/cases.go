package sqldb

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
)

// CaseRow is a disciplinary case as stored: the columns lists and deadlines query,
// and the whole case as JSON. The discipline package owns its meaning.
type CaseRow struct {
	ID, Kind, Respondent, State string
	Closed                      bool
	Outcome                     string
	Opened, Conduct             rulebook.Date
	Updated                     int64 // seq of the last event applied
	Data                        []byte
	// OpenedIn is the state the case was opened in.
	OpenedIn string
	// Unit is the body handling the case; StateSince the day it entered its state
	// (for a closed case, the day it was decided); Sanction the sanction imposed.
	Unit       string
	StateSince rulebook.Date
	Sanction   string
	// Factors are the aggravating and mitigating factors of the sanction imposed.
	Factors []string
	// People lists who the case concerns and how ("respondent", "complainant",
	// "panel", "conflict", "recused", "investigator", "representative"), so that a
	// person's cases are found without reading every case.
	People []CasePerson
}

// CasePerson is one person a case concerns.
type CasePerson struct {
	Person, Relation string
}

// DeadlineRow is one due date of an open case.
type DeadlineRow struct {
	Case string        `json:"case"`
	N    int           `json:"-"`
	Kind string        `json:"kind"`
	What string        `json:"what"`
	Due  rulebook.Date `json:"due"`
	// Respondent and State are filled in when listing.
	Respondent string `json:"respondent,omitempty"`
	State      string `json:"state,omitempty"`
}

// StepRow is one step taken in a case, for statistics.
type StepRow struct {
	Seq                        int64
	Case, Transition, From, To string
	Day                        rulebook.Date
	Quarter, Body, BodyKind    string
	Clause, Outcome, Sanction  string
	DaysInState                int
	// Closing marks a step into a closed state; DaysOpen counts the days since the
	// case was opened.
	Closing  bool
	DaysOpen int
}

// PutCase stores a case's projection, its deadlines, the clauses it concerns and the
// complaints it is built on, replacing what was stored, inside the appender's
// transaction.
func (a *Appender) PutCase(row CaseRow, deadlines []DeadlineRow, clauses, complaints []string) error {
	if err := a.flush(); err != nil {
		return err
	}
	ctx, tx := a.ctx, a.tx
	// Take the case's old clauses and outcome out of the running totals.
	var oldOutcome, oldSanction string
	switch err := tx.QueryRowContext(ctx, `SELECT outcome, sanction FROM cases WHERE id = $1`, row.ID).Scan(&oldOutcome, &oldSanction); {
	case err == nil:
		old, err := a.caseClauseList(row.ID)
		if err != nil {
			return err
		}
		for _, c := range old {
			a.clauseDelta[[2]string{c, oldOutcome}]--
			for _, sn := range sanctionIDs(oldSanction) {
				a.sanctionDelta[[2]string{c, sn}]--
			}
		}
		for _, q := range []string{`DELETE FROM case_deadlines WHERE case_id = $1`, `DELETE FROM case_clauses WHERE case_id = $1`,
			`DELETE FROM case_complaints WHERE case_id = $1`, `DELETE FROM case_people WHERE case_id = $1`, `DELETE FROM case_factors WHERE case_id = $1`,
			`UPDATE complaints SET case_id = '' WHERE case_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, row.ID); err != nil {
				return err
			}
		}
	case !strings.Contains(err.Error(), "no rows"):
		return err
	default:
		// A new case: its opening is a move into its first state.
		a.countFlow(flowKey{row.Opened.Quarter(), "", row.openingState(), false}, 0)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cases (`+caseCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, respondent = excluded.respondent, state = excluded.state,
			closed = excluded.closed, outcome = excluded.outcome, opened = excluded.opened, conduct = excluded.conduct,
			updated = excluded.updated, data = excluded.data, unit = excluded.unit, state_since = excluded.state_since, sanction = excluded.sanction`,
		row.values()...)
	if err != nil {
		return fmt.Errorf("store case %s: %w", row.ID, err)
	}
	a.queueCaseRows(row, deadlines, clauses, complaints)
	if err := a.flush(); err != nil {
		return err
	}
	return a.linkComplaints(row.ID, complaints)
}

// NewCase is a case to store with PutNewCases: what PutCase takes.
type NewCase struct {
	Row                 CaseRow
	Deadlines           []DeadlineRow
	Clauses, Complaints []string
}

// PutNewCases stores cases not stored before, as PutCase would, in multi-row
// statements: for writing a long generated record in minutes.
func (a *Appender) PutNewCases(cases []NewCase) error {
	if err := a.flush(); err != nil {
		return err
	}
	rows := newBatch("cases", strings.Split(caseCols, ", ")...)
	for _, c := range cases {
		rows.add(c.Row.values()...)
		a.countFlow(flowKey{c.Row.Opened.Quarter(), "", c.Row.openingState(), false}, 0)
		a.queueCaseRows(c.Row, c.Deadlines, c.Clauses, c.Complaints)
	}
	if err := a.flushBatch(rows); err != nil {
		return err
	}
	if err := a.flush(); err != nil {
		return err
	}
	var links [][2]string
	for _, c := range cases {
		for _, k := range c.Complaints {
			links = append(links, [2]string{k, c.Row.ID})
		}
	}
	return a.linkMany(links)
}

// linkMany marks complaints (each with its case: complaint, case) as part of
// their cases, many to a statement.
func (a *Appender) linkMany(links [][2]string) error {
	for len(links) > 0 {
		n := min(len(links), 500)
		var args []any
		var vals []string
		for _, l := range links[:n] {
			args = append(args, l[0], l[1])
			vals = append(vals, fmt.Sprintf("(CAST($%d AS TEXT), CAST($%d AS TEXT))", len(args)-1, len(args)))
		}
		if _, err := a.tx.ExecContext(a.ctx, `UPDATE complaints SET case_id = v.column2 FROM (VALUES `+strings.Join(vals, ", ")+`) AS v
			WHERE complaints.id = v.column1`, args...); err != nil {
			return err
		}
		links = links[n:]
	}
	return nil
}

// FirstEvents returns, by subject, the first event of type typ about each of
// the subjects named, read through the appender's transaction, many to a
// query.
func (a *Appender) FirstEvents(subjects []string, typ string) (map[string]rulebook.Event, error) {
	return firstEvents(a.ctx, a.tx, subjects, typ)
}

// firstEvents is FirstEvents through q.
func firstEvents(ctx context.Context, q querier, subjects []string, typ string) (map[string]rulebook.Event, error) {
	out := map[string]rulebook.Event{}
	for k := 0; k < len(subjects); k += 500 {
		args := []any{typ}
		list := in(&args, subjects[k:min(k+500, len(subjects))])
		evs, err := queryEvents(ctx, q, `WHERE type = $1 AND subject IN `+list+` ORDER BY seq`, args...)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if _, ok := out[e.Subject]; !ok {
				out[e.Subject] = e
			}
		}
	}
	return out, nil
}

const caseCols = "id, kind, respondent, state, closed, outcome, opened, conduct, updated, data, unit, state_since, sanction"

// values are the row's columns in the order of caseCols.
func (r CaseRow) values() []any {
	closed := 0
	if r.Closed {
		closed = 1
	}
	return []any{r.ID, r.Kind, r.Respondent, r.State, closed, r.Outcome, int64(r.Opened), int64(r.Conduct), r.Updated, string(r.Data),
		r.Unit, int64(r.StateSince), r.Sanction}
}

// queueCaseRows queues a stored case's rows in the other case tables, and its part
// of the running totals by clause.
func (a *Appender) queueCaseRows(row CaseRow, deadlines []DeadlineRow, clauses, complaints []string) {
	closed := 0
	if row.Closed {
		closed = 1
	}
	seenPerson := map[CasePerson]bool{}
	for _, p := range row.People {
		if p.Person != "" && !seenPerson[p] {
			seenPerson[p] = true
			a.casePeople.add(p.Person, row.ID, p.Relation)
		}
	}
	for i, d := range deadlines {
		a.caseDeadlines.add(row.ID, i, d.Kind, d.What, int64(d.Due))
	}
	for _, c := range complaints {
		a.caseComplaints.add(c, row.ID)
	}
	factors := slices.Compact(slices.Sorted(slices.Values(row.Factors)))
	seen := map[string]bool{}
	for _, c := range clauses {
		if !seen[c] {
			seen[c] = true
			a.caseClauses.add(row.ID, c, closed, int64(row.Conduct))
			for _, f := range factors {
				a.caseFactors.add(row.ID, c, f, closed, int64(row.Conduct))
			}
			a.clauseDelta[[2]string{c, row.Outcome}]++
			for _, sn := range sanctionIDs(row.Sanction) {
				a.sanctionDelta[[2]string{c, sn}]++
			}
		}
	}
}

// linkComplaints marks the complaints a case is built on as part of it (the rest
// wait for staff).
// sanctionIDs splits a case's sanctions ("fine+reprimand"): each is counted.
func sanctionIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "+")
}

func (a *Appender) linkComplaints(caseID string, complaints []string) error {
	if len(complaints) == 0 {
		return nil
	}
	st, err := a.Prepared(`UPDATE complaints SET case_id = $1 WHERE id = $2`)
	if err != nil {
		return err
	}
	for _, c := range complaints {
		if _, err := st.ExecContext(a.ctx, caseID, c); err != nil {
			return err
		}
	}
	return nil
}

func (a *Appender) caseClauseList(id string) ([]string, error) {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT clause FROM case_clauses WHERE case_id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// stepKey groups steps for the running totals.
type stepKey struct{ quarter, transition, to, body, bodyKind, outcome, sanction string }

// flowKey groups moves between states for the running totals.
type flowKey struct {
	quarter, from, to string
	closing           bool
}

func (a *Appender) countFlow(k flowKey, daysOpen int64) { a.countFlowBy(k, 1, daysOpen) }

func (a *Appender) countFlowBy(k flowKey, moves, daysOpen int64) {
	d := a.flowDelta[k]
	d[0] += moves
	d[1] += daysOpen
	a.flowDelta[k] = d
}

// openingState is the state a case was opened in: the from-state of its first step,
// or its state if it has taken none. Cases are stored whole, so the first step's
// row is not at hand; the caller passes it in OpenedIn.
func (r CaseRow) openingState() string {
	if r.OpenedIn != "" {
		return r.OpenedIn
	}
	return r.State
}

// flushCounts applies the changes to the running totals gathered since the last flush.
func (a *Appender) flushCounts() error {
	if a.holdCounts {
		return nil
	}
	exec := func(q string, args ...any) error {
		st, err := a.Prepared(q)
		if err == nil {
			_, err = st.ExecContext(a.ctx, args...)
		}
		return err
	}
	for k, d := range a.stepDelta {
		if d[0] == 0 && d[1] == 0 {
			continue
		}
		if err := exec(`INSERT INTO case_step_counts (quarter, transition, to_state, body, body_kind, outcome, sanction, steps, days)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (quarter, transition, to_state, body, body_kind, outcome, sanction)
			DO UPDATE SET steps = case_step_counts.steps + excluded.steps, days = case_step_counts.days + excluded.days`,
			k.quarter, k.transition, k.to, k.body, k.bodyKind, k.outcome, k.sanction, d[0], d[1]); err != nil {
			return err
		}
	}
	clear(a.stepDelta)
	for k, d := range a.clauseDelta {
		if d == 0 {
			continue
		}
		if err := exec(`INSERT INTO case_clause_counts (clause, outcome, cases) VALUES ($1, $2, $3)
			ON CONFLICT (clause, outcome) DO UPDATE SET cases = case_clause_counts.cases + excluded.cases`, k[0], k[1], d); err != nil {
			return err
		}
	}
	clear(a.clauseDelta)
	for k, d := range a.sanctionDelta {
		if d == 0 {
			continue
		}
		if err := exec(`INSERT INTO case_sanction_counts (clause, sanction, cases) VALUES ($1, $2, $3)
			ON CONFLICT (clause, sanction) DO UPDATE SET cases = case_sanction_counts.cases + excluded.cases`, k[0], k[1], d); err != nil {
			return err
		}
	}
	clear(a.sanctionDelta)
	for k, d := range a.flowDelta {
		if d[0] == 0 && d[1] == 0 {
			continue
		}
		closing := 0
		if k.closing {
			closing = 1
		}
		if err := exec(`INSERT INTO case_flow_counts (quarter, from_state, to_state, closing, moves, days_open) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (quarter, from_state, to_state, closing) DO UPDATE SET moves = case_flow_counts.moves + excluded.moves,
			days_open = case_flow_counts.days_open + excluded.days_open`, k.quarter, k.from, k.to, closing, d[0], d[1]); err != nil {
			return err
		}
	}
	clear(a.flowDelta)
	return nil
}

// HoldCounts keeps the running totals in memory, however many rows are
// written meanwhile, until ReleaseCounts writes them: a rebuild adds to the
// same few totals for every case, and writing them at every batch of cases
// costs more than the cases.
func (a *Appender) HoldCounts() { a.holdCounts = true }

// ReleaseCounts writes the running totals HoldCounts kept.
func (a *Appender) ReleaseCounts() error {
	a.holdCounts = false
	return a.flushCounts()
}

// AddCaseStep records a step for statistics.
func (a *Appender) AddCaseStep(r StepRow) {
	closing := 0
	if r.Closing {
		closing = 1
	}
	a.caseSteps.add(r.Seq, r.Case, r.Transition, r.From, r.To, int64(r.Day), r.Quarter, r.Body, r.BodyKind, r.Clause, r.Outcome, r.Sanction, r.DaysInState,
		closing, r.DaysOpen)
	d := a.stepDelta[stepKey{r.Quarter, r.Transition, r.To, r.Body, r.BodyKind, r.Outcome, r.Sanction}]
	d[0]++
	d[1] += int64(r.DaysInState)
	a.stepDelta[stepKey{r.Quarter, r.Transition, r.To, r.Body, r.BodyKind, r.Outcome, r.Sanction}] = d
	if r.From != r.To {
		days := int64(0)
		if r.Closing {
			days = int64(r.DaysOpen)
		}
		a.countFlow(flowKey{r.Quarter, r.From, r.To, r.Closing}, days)
	}
}

// PutListEntry stores an entry of a dated list the rule book declares, replacing
// an earlier version of it.
func (a *Appender) PutListEntry(list, id string, data []byte) error {
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO list_entries (list, id, data) VALUES ($1, $2, $3)
		ON CONFLICT (list, id) DO UPDATE SET data = excluded.data`, list, id, string(data))
	return err
}

// ClearListEntries deletes the dated lists inside the appender's transaction,
// before a rebuild from the events.
func (a *Appender) ClearListEntries() error {
	if err := a.flush(); err != nil {
		return err
	}
	_, err := a.tx.ExecContext(a.ctx, `DELETE FROM list_entries`)
	return err
}

// CaseData returns the stored JSON of one case.
func (db *DB) CaseData(ctx context.Context, id string) ([]byte, error) {
	var s string
	err := db.r.QueryRowContext(ctx, `SELECT data FROM cases WHERE id = $1`, id).Scan(&s)
	if err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return nil, rulebook.Errorf(rulebook.ENotFound, "no case %q", id)
		}
		return nil, err
	}
	return []byte(s), nil
}

// CaseFilter selects cases; zero fields select everything.
type CaseFilter struct {
	Respondent string
	State      string
	// States selects cases in any of several states.
	States []string
	Open   bool
	// Closed selects closed cases only.
	Closed bool
	Kind   string
	// Clause selects the cases concerning a clause; Body those in which a body has
	// taken a step; OpenedBy those opened on or before a date (older cases).
	Clause   string
	Body     string
	OpenedBy rulebook.Date
	// Person and Relations select the cases a person is concerned in, in one of
	// the relations (any, when Relations is empty).
	Person    string
	Relations []string
	// Scope, when set, limits the cases to those a reader may see.
	Scope  *CaseScope
	Limit  int
	Offset int

	// walkClause and walkBody are set by planFilter.
	walkClause, walkBody bool
}

// CaseScope is the set of cases a reader may see, as a query: the policy that
// decides it lives in the application layer, which also checks every case read.
type CaseScope struct {
	// All lets every case through the staff part; otherwise a case passes it if
	// it is handled by one of Units, open in one of States (any open state with
	// AnyOpen, any closed case with AnyClosed), or bears a step of StepBodies.
	All        bool
	Units      []string
	States     []string
	AnyOpen    bool
	AnyClosed  bool
	StepBodies []string
	// Person is the reader as cases name people. Cases in which they hold one of
	// Assigned relations pass the staff part; those in which they hold one of
	// Barred never do; those in which they hold one of Party pass whatever else.
	Person   string
	Assigned []string
	Barred   []string
	Party    []string
}

// in appends a placeholder list for vals to args and returns it, "($3, $4)".
func in[T any](args *[]any, vals []T) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		*args = append(*args, v)
		fmt.Fprintf(&b, "$%d", len(*args))
	}
	b.WriteByte(')')
	return b.String()
}

// where builds the scope's condition on the cases table, named t in the query.
func (sc *CaseScope) where(args *[]any, t string) string {
	personIn := func(rel []string) string {
		*args = append(*args, sc.Person)
		p := len(*args)
		return fmt.Sprintf("%sid IN (SELECT case_id FROM case_people WHERE person = $%d AND relation IN %s)", t, p, in(args, rel))
	}
	var staff []string
	if sc.All {
		staff = append(staff, "1 = 1")
	}
	if len(sc.Units) > 0 {
		staff = append(staff, t+"unit IN "+in(args, sc.Units))
	}
	if sc.AnyOpen {
		staff = append(staff, t+"closed = 0")
	} else if len(sc.States) > 0 {
		staff = append(staff, "("+t+"closed = 0 AND "+t+"state IN "+in(args, sc.States)+")")
	}
	if sc.AnyClosed {
		staff = append(staff, t+"closed = 1")
	}
	if len(sc.StepBodies) > 0 {
		staff = append(staff, t+"id IN (SELECT case_id FROM case_steps WHERE body IN "+in(args, sc.StepBodies)+")")
	}
	if sc.Person != "" && len(sc.Assigned) > 0 {
		staff = append(staff, personIn(sc.Assigned))
	}
	var parts []string
	if len(staff) > 0 {
		cond := "(" + strings.Join(staff, " OR ") + ")"
		if sc.Person != "" && len(sc.Barred) > 0 {
			cond = "(" + cond + " AND NOT " + personIn(sc.Barred) + ")"
		}
		parts = append(parts, cond)
	}
	if sc.Person != "" && len(sc.Party) > 0 {
		parts = append(parts, personIn(sc.Party))
	}
	if len(parts) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func (f *CaseFilter) where(args *[]any) string {
	var conds []string
	if f.Respondent != "" {
		*args = append(*args, f.Respondent)
		conds = append(conds, fmt.Sprintf("respondent = $%d", len(*args)))
	}
	if f.State != "" {
		*args = append(*args, f.State)
		conds = append(conds, fmt.Sprintf("state = $%d", len(*args)))
	}
	if len(f.States) > 0 {
		conds = append(conds, "state IN "+in(args, f.States))
	}
	if f.Kind != "" {
		*args = append(*args, f.Kind)
		conds = append(conds, fmt.Sprintf("kind = $%d", len(*args)))
	}
	if f.Open {
		conds = append(conds, "closed = 0")
	}
	if f.Closed {
		conds = append(conds, "closed = 1")
	}
	if !f.OpenedBy.IsZero() {
		*args = append(*args, int64(f.OpenedBy))
		conds = append(conds, fmt.Sprintf("opened <= $%d", len(*args)))
	}
	if f.Clause != "" {
		*args = append(*args, f.Clause)
		if f.walkClause {
			conds = append(conds, fmt.Sprintf("EXISTS (SELECT 1 FROM case_clauses k WHERE k.case_id = cases.id AND k.clause = $%d)", len(*args)))
		} else {
			conds = append(conds, fmt.Sprintf("id IN (SELECT case_id FROM case_clauses WHERE clause = $%d)", len(*args)))
		}
	}
	if f.Body != "" {
		*args = append(*args, f.Body)
		if f.walkBody {
			conds = append(conds, fmt.Sprintf("EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = cases.id AND s.body = $%d)", len(*args)))
		} else {
			conds = append(conds, fmt.Sprintf("id IN (SELECT case_id FROM case_steps WHERE body = $%d)", len(*args)))
		}
	}
	if f.Person != "" {
		*args = append(*args, f.Person)
		c := fmt.Sprintf("id IN (SELECT case_id FROM case_people WHERE person = $%d", len(*args))
		if len(f.Relations) > 0 {
			c += " AND relation IN " + in(args, f.Relations)
		}
		conds = append(conds, c+")")
	}
	if f.Scope != nil {
		conds = append(conds, f.Scope.where(args, ""))
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// CountCap is as far as CountCases counts: a list's "of more than 1,000" costs
// the same at any size.
const CountCap = 1000

// CountCases counts the cases a filter selects (ignoring its limit and offset), up
// to CountCap; more says there are more than that.
func (db *DB) CountCases(ctx context.Context, f CaseFilter) (n int, more bool, err error) {
	if err := db.planFilter(ctx, &f); err != nil {
		return 0, false, err
	}
	var args []any
	err = db.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM cases%s LIMIT %d) t`, f.where(&args), CountCap+1), args...).Scan(&n)
	if n > CountCap {
		return CountCap, true, err
	}
	return n, false, err
}

// denseAt is how many cases a clause or a body's steps must concern for a list
// to walk the cases in order, checking each, rather than fetch the ones concerned
// and sort them: the first is quick when they are many, the second when few.
const denseAt = 2000

// planFilter decides how the filter's clause and body conditions are to be
// checked, from how many cases they concern (counted to denseAt, from the index).
func (db *DB) planFilter(ctx context.Context, f *CaseFilter) error {
	many := func(q, arg string) (bool, error) {
		var n int
		err := db.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM (%s LIMIT %d) t`, q, denseAt), arg).Scan(&n)
		return n >= denseAt, err
	}
	var err error
	if f.Clause != "" {
		if f.walkClause, err = many(`SELECT 1 FROM case_clauses WHERE clause = $1`, f.Clause); err != nil {
			return err
		}
	}
	if f.Body != "" {
		if f.walkBody, err = many(`SELECT 1 FROM case_steps WHERE body = $1`, f.Body); err != nil {
			return err
		}
	}
	return nil
}

// CaseRows returns cases, newest first.
func (db *DB) CaseRows(ctx context.Context, f CaseFilter) ([]CaseRow, error) {
	if err := db.planFilter(ctx, &f); err != nil {
		return nil, err
	}
	var args []any
	const cols = `SELECT id, kind, respondent, state, closed, outcome, opened, conduct, updated, data, unit, state_since FROM cases`
	where := f.where(&args)
	q := cols + where + " ORDER BY opened DESC, id"
	if f.Limit > 0 {
		// The page is chosen on the ids alone: sorting whole rows would carry every
		// matching case's JSON through the sort.
		page := "SELECT id FROM cases" + where + " ORDER BY opened DESC, id" + fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
		q = cols + " WHERE id IN (" + page + ") ORDER BY opened DESC, id"
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CaseRow
	for rows.Next() {
		var r CaseRow
		var closed int
		var opened, conduct, since int64
		var data string
		if err := rows.Scan(&r.ID, &r.Kind, &r.Respondent, &r.State, &closed, &r.Outcome, &opened, &conduct, &r.Updated, &data, &r.Unit, &since); err != nil {
			return nil, err
		}
		r.Closed, r.Opened, r.Conduct, r.Data, r.StateSince = closed == 1, rulebook.Date(opened), rulebook.Date(conduct), []byte(data), rulebook.Date(since)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DueBy returns the deadlines of open cases falling on or before until, soonest
// first (at most limit; 0 for all), of the cases in scope (all when nil).
//
// The deadlines are walked in their index's order a chunk at a time, and each
// chunk's cases looked up: joined in one query, a planner that underestimates how
// many are overdue sorts them all to return the first fifty.
func (db *DB) DueBy(ctx context.Context, until rulebook.Date, limit int, scope *CaseScope) ([]DeadlineRow, error) {
	// A short list is usually filled by a chunk a little longer than itself.
	chunk := dueChunk
	if limit > 0 {
		chunk = min(chunk, max(2*limit, 64))
	}
	var out []DeadlineRow
	after := DeadlineRow{Due: math.MinInt32}
	for {
		rows, err := db.r.QueryContext(ctx, fmt.Sprintf(`SELECT case_id, n, kind, what, due FROM case_deadlines
			WHERE due <= $1 AND (due > $2 OR due = $2 AND (case_id > $3 OR case_id = $3 AND n > $4))
			ORDER BY due, case_id, n LIMIT %d`, chunk), int64(until), int64(after.Due), after.Case, after.N)
		if err != nil {
			return nil, err
		}
		var page []DeadlineRow
		for rows.Next() {
			var d DeadlineRow
			var due int64
			if err := rows.Scan(&d.Case, &d.N, &d.Kind, &d.What, &due); err != nil {
				rows.Close()
				return nil, err
			}
			d.Due = rulebook.Date(due)
			page = append(page, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		after = page[len(page)-1]
		cases, err := db.deadlineCases(ctx, page, scope)
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			c, ok := cases[d.Case]
			if !ok || c.closed && d.Kind != "condition" {
				continue
			}
			d.Respondent, d.State = c.respondent, c.state
			out = append(out, d)
			if len(out) == limit {
				return out, nil
			}
		}
		if len(page) < chunk {
			return out, nil
		}
	}
}

// dueChunk is how many deadlines DueBy reads at a time.
var dueChunk = 1000

type deadlineCase struct {
	respondent, state string
	closed            bool
}

// deadlineCases looks up the cases of a chunk of deadlines that are in scope.
func (db *DB) deadlineCases(ctx context.Context, page []DeadlineRow, scope *CaseScope) (map[string]deadlineCase, error) {
	var ids []string
	seen := map[string]bool{}
	for _, d := range page {
		if !seen[d.Case] {
			seen[d.Case] = true
			ids = append(ids, d.Case)
		}
	}
	var args []any
	q := `SELECT c.id, c.respondent, c.state, c.closed FROM cases c WHERE c.id IN ` + in(&args, ids)
	if scope != nil {
		q += " AND " + scope.where(&args, "c.")
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]deadlineCase{}
	for rows.Next() {
		var id string
		var c deadlineCase
		var closed int
		if err := rows.Scan(&id, &c.respondent, &c.state, &closed); err != nil {
			return nil, err
		}
		c.closed = closed == 1
		out[id] = c
	}
	return out, rows.Err()
}

// StepCount is one line of the step statistics.
type StepCount struct {
	Quarter    string  `json:"quarter"`
	Transition string  `json:"transition"`
	To         string  `json:"to_state"`
	Body       string  `json:"body"`
	BodyKind   string  `json:"body_kind"`
	Outcome    string  `json:"outcome,omitempty"`
	Sanction   string  `json:"sanction,omitempty"`
	Steps      int     `json:"steps"`
	AvgDays    float64 `json:"average_days_in_previous_state"`
}

// StepCounts groups every step taken by quarter, step, body and outcome.
func (db *DB) StepCounts(ctx context.Context) ([]StepCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT quarter, transition, to_state, body, body_kind, outcome, sanction, steps, CAST(days AS REAL) / steps
		FROM case_step_counts WHERE steps > 0 ORDER BY quarter, transition, body, outcome, sanction, to_state, body_kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StepCount
	for rows.Next() {
		var s StepCount
		if err := rows.Scan(&s.Quarter, &s.Transition, &s.To, &s.Body, &s.BodyKind, &s.Outcome, &s.Sanction, &s.Steps, &s.AvgDays); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ClauseCount counts cases by a clause they concern and their outcome.
type ClauseCount struct {
	Clause  string `json:"clause"`
	Outcome string `json:"outcome"`
	Cases   int    `json:"cases"`
}

// ClauseCounts counts cases per clause and outcome ("" while open).
func (db *DB) ClauseCounts(ctx context.Context) ([]ClauseCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT clause, outcome, cases FROM case_clause_counts WHERE cases > 0 ORDER BY clause, outcome`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ClauseCount
	for rows.Next() {
		var c ClauseCount
		if err := rows.Scan(&c.Clause, &c.Outcome, &c.Cases); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SanctionCount counts cases by a clause they concern and the sanction imposed.
type SanctionCount struct {
	Clause   string `json:"clause"`
	Sanction string `json:"sanction"`
	Cases    int    `json:"cases"`
}

// SanctionCounts counts sanctioned cases per clause and sanction.
func (db *DB) SanctionCounts(ctx context.Context) ([]SanctionCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT clause, sanction, cases FROM case_sanction_counts WHERE cases > 0 ORDER BY clause, sanction`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SanctionCount
	for rows.Next() {
		var c SanctionCount
		if err := rows.Scan(&c.Clause, &c.Sanction, &c.Cases); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PrecedentPage is a page of the closed cases under a clause.
type PrecedentPage struct {
	// Data are the cases' stored JSON, and Shared how many of the factors asked
	// about each one's sanction has; Total is how many closed cases concern the
	// clause, counted to CountCap (More says there are more).
	Data   [][]byte
	Shared []int
	Total  int
	More   bool
}

// Precedents returns limit of the closed cases concerning a clause from offset:
// those whose sanction shares the most of factors first, then the rest, each
// group by conduct, newest first. The order comes from the indexes, so a page
// costs the same at 100 cases as at 100,000 (but for counting the sharers).
func (db *DB) Precedents(ctx context.Context, clause string, factors []string, limit, offset int) (*PrecedentPage, error) {
	page := &PrecedentPage{}
	if err := db.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM case_clauses WHERE clause = $1 AND closed = 1 LIMIT %d) t`, CountCap+1),
		clause).Scan(&page.Total); err != nil {
		return nil, err
	}
	if page.Total > CountCap {
		page.Total, page.More = CountCap, true
	}
	type sharer struct {
		id      string
		n       int
		conduct int64
	}
	var sharers []sharer
	notSharing := ""
	var restArgs []any
	if len(factors) > 0 {
		args := []any{clause}
		rows, err := db.r.QueryContext(ctx, `SELECT case_id, COUNT(*), conduct FROM case_factors
			WHERE clause = $1 AND closed = 1 AND factor IN `+in(&args, factors)+` GROUP BY case_id, conduct`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var x sharer
			if err := rows.Scan(&x.id, &x.n, &x.conduct); err != nil {
				rows.Close()
				return nil, err
			}
			sharers = append(sharers, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		sort.Slice(sharers, func(i, j int) bool {
			a, b := sharers[i], sharers[j]
			if a.n != b.n {
				return a.n > b.n
			}
			if a.conduct != b.conduct {
				return a.conduct > b.conduct
			}
			return a.id < b.id
		})
		restArgs = []any{clause}
		notSharing = ` AND NOT EXISTS (SELECT 1 FROM case_factors f WHERE f.case_id = k.case_id AND f.clause = k.clause AND f.factor IN ` + in(&restArgs, factors) + `)`
	} else {
		restArgs = []any{clause}
	}
	var ids []string
	shared := map[string]int{}
	for _, x := range sharers[min(offset, len(sharers)):min(offset+limit, len(sharers))] {
		ids = append(ids, x.id)
		shared[x.id] = x.n
	}
	if more := limit - len(ids); more > 0 {
		skip := max(0, offset-len(sharers))
		rows, err := db.r.QueryContext(ctx, `SELECT k.case_id FROM case_clauses k WHERE k.clause = $1 AND k.closed = 1`+notSharing+
			fmt.Sprintf(` ORDER BY k.conduct DESC, k.case_id LIMIT %d OFFSET %d`, more, skip), restArgs...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return page, nil
	}
	var args []any
	rows, err := db.r.QueryContext(ctx, `SELECT id, data FROM cases WHERE id IN `+in(&args, ids), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	data := map[string][]byte{}
	for rows.Next() {
		var id, d string
		if err := rows.Scan(&id, &d); err != nil {
			return nil, err
		}
		data[id] = []byte(d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		page.Data = append(page.Data, data[id])
		page.Shared = append(page.Shared, shared[id])
	}
	return page, nil
}

// ListEntries returns the stored entries of a dated list.
func (db *DB) ListEntries(ctx context.Context, list string) (map[string][]byte, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, data FROM list_entries WHERE list = $1`, list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var id, data string
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		out[id] = []byte(data)
	}
	return out, rows.Err()
}

// OpenByState counts open cases by state.
func (db *DB) OpenByState(ctx context.Context) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM cases WHERE closed = 0 GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// ClearCases deletes the case projection (cases, deadlines, clauses, steps) inside
// the appender's transaction, before a rebuild from the events.
func (a *Appender) ClearCases() error {
	if err := a.flush(); err != nil {
		return err
	}
	for _, t := range []string{"case_deadlines", "case_clauses", "case_complaints", "case_people", "case_factors", "case_steps", "case_step_counts", "case_clause_counts", "case_flow_counts", "case_sanction_counts", "cases"} {
		if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE complaints SET case_id = '' WHERE case_id <> ''`); err != nil {
		return err
	}
	return nil
}

// EventsWithSubjectPrefix returns, in stored order, the events whose subject starts
// with prefix (e.g. every case's events).
func (db *DB) EventsWithSubjectPrefix(ctx context.Context, prefix string) ([]rulebook.Event, error) {
	return db.eventsWithSubjectPrefix(ctx, db.r, prefix)
}

// EventsWithSubjectPrefix returns the events whose subject starts with prefix
// inside the appender's transaction: a rebuild reads the events under the same
// lock as it writes, so that none appended meanwhile is left out.
func (a *Appender) EventsWithSubjectPrefix(prefix string) ([]rulebook.Event, error) {
	if err := a.flush(); err != nil {
		return nil, err
	}
	return a.db.eventsWithSubjectPrefix(a.ctx, a.tx, prefix)
}

func (db *DB) eventsWithSubjectPrefix(ctx context.Context, q querier, prefix string) ([]rulebook.Event, error) {
	if !strings.HasSuffix(prefix, "/") {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
		return queryEvents(ctx, q, `WHERE subject LIKE $1 ESCAPE '\' ORDER BY seq`, esc+"%")
	}
	var args []any
	return queryEvents(ctx, q, `WHERE `+db.prefixCond(ctx, "subject", prefix, &args)+` ORDER BY seq`, args...)
}

// CaseDataSeq returns the stored JSON of one case and the seq of the last event it
// reflects, so that a change can be refused if the case moved on meanwhile.
func (db *DB) CaseDataSeq(ctx context.Context, id string) ([]byte, int64, error) {
	var s string
	var seq int64
	err := db.r.QueryRowContext(db.point(ctx), `SELECT data, updated FROM cases WHERE id = $1`, id).Scan(&s, &seq)
	if err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return nil, 0, rulebook.Errorf(rulebook.ENotFound, "no case %q", id)
		}
		return nil, 0, err
	}
	return []byte(s), seq, nil
}

// CasesData returns the stored JSON and last seq of each of the cases named that
// exists, by id, in one query.
func (db *DB) CasesData(ctx context.Context, ids []string) (map[string][]byte, map[string]int64, error) {
	data, seqs := map[string][]byte{}, map[string]int64{}
	if len(ids) == 0 {
		return data, seqs, nil
	}
	var args []any
	rows, err := db.r.QueryContext(ctx, `SELECT id, data, updated FROM cases WHERE id IN `+in(&args, ids), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, s string
		var seq int64
		if err := rows.Scan(&id, &s, &seq); err != nil {
			return nil, nil, err
		}
		data[id], seqs[id] = []byte(s), seq
	}
	return data, seqs, rows.Err()
}

// CaseUpdated returns, inside the appender's transaction (under the write lock),
// the seq of the last event the stored case reflects, or 0 if there is none.
func (a *Appender) CaseUpdated(id string) (int64, error) {
	var seq int64
	err := a.tx.QueryRowContext(a.ctx, `SELECT updated FROM cases WHERE id = $1`, id).Scan(&seq)
	if err != nil && strings.Contains(err.Error(), "no rows") {
		return 0, nil
	}
	return seq, err
}

// CaseEvents returns one subject's events inside the appender's transaction, so
// that events just added are included.
func (a *Appender) CaseEvents(subject string) ([]rulebook.Event, error) {
	if err := a.flush(); err != nil {
		return nil, err
	}
	return queryEvents(a.ctx, a.tx, `WHERE subject = $1 ORDER BY seq`, subject)
}

// DeleteCaseSteps removes a case's step rows before they are written again.
func (a *Appender) DeleteCaseSteps(caseID string) error {
	if err := a.flush(); err != nil {
		return err
	}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT quarter, transition, from_state, to_state, body, body_kind, outcome, sanction, days_in_state, closing, days_open
		FROM case_steps WHERE case_id = $1`, caseID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k stepKey
		var from string
		var days, closing, daysOpen int64
		if err := rows.Scan(&k.quarter, &k.transition, &from, &k.to, &k.body, &k.bodyKind, &k.outcome, &k.sanction, &days, &closing, &daysOpen); err != nil {
			rows.Close()
			return err
		}
		d := a.stepDelta[k]
		d[0]--
		d[1] -= days
		a.stepDelta[k] = d
		if from != k.to {
			// As AddCaseStep counted it: days open only for a move into a closed state.
			counted := int64(0)
			if closing == 1 {
				counted = daysOpen
			}
			a.countFlowBy(flowKey{k.quarter, from, k.to, closing == 1}, -1, -counted)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = a.tx.ExecContext(a.ctx, `DELETE FROM case_steps WHERE case_id = $1`, caseID)
	return err
}

// CaseOfComplaint returns the case a complaint is part of, or "".
func (db *DB) CaseOfComplaint(ctx context.Context, complaint string) (string, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT case_id FROM case_complaints WHERE complaint = $1`, complaint).Scan(&id)
	if err != nil && strings.Contains(err.Error(), "no rows") {
		return "", nil
	}
	return id, err
}
