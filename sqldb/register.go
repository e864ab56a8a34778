package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rulebook/rulebook"
)

// Units returns every unit, by id.
func (db *DB) Units(ctx context.Context) ([]rulebook.Unit, error) {
	return unitRows(ctx, db.r)
}

func unitRows(ctx context.Context, q querier) ([]rulebook.Unit, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, kind, parent FROM units ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Unit
	for rows.Next() {
		var u rulebook.Unit
		if err := rows.Scan(&u.ID, &u.Name, &u.Kind, &u.Parent); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// maxUnitDepth bounds a walk up the tree of units: no rule book nests units
// this deep, and a loop (which the register never records, but a tampered
// projection could hold) ends there.
const maxUnitDepth = 64

// UnitChain returns unit id and the units above it, lowest first, as
// rulebook.Units.Chain does, reading those units alone: a member's page or a
// joining reads a few units, not the whole tree. A unit the register does not
// hold ends the chain (none at all: the unit is not on the register).
func (db *DB) UnitChain(ctx context.Context, id string) ([]rulebook.Unit, error) {
	rows, err := db.r.QueryContext(ctx, `WITH RECURSIVE up(id, name, kind, parent, depth) AS (
			SELECT id, name, kind, parent, 0 FROM units WHERE id = CAST($1 AS TEXT)
			UNION ALL
			SELECT u.id, u.name, u.kind, u.parent, up.depth + 1 FROM units u JOIN up ON u.id = up.parent WHERE up.depth < $2)
		SELECT id, name, kind, parent FROM up ORDER BY depth`, id, maxUnitDepth)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Unit
	for rows.Next() {
		var u rulebook.Unit
		if err := rows.Scan(&u.ID, &u.Name, &u.Kind, &u.Parent); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// MemberFilter selects members; zero fields select everything.
type MemberFilter struct {
	// Unit selects the members of a unit and of the units within it.
	Unit   string
	Limit  int
	Offset int
}

// memberCols are the columns memberRows reads.
const memberCols = `id, name, email, phone, address, unit, joined`

// Members returns members' particulars, by id.
func (db *DB) Members(ctx context.Context, f MemberFilter) ([]rulebook.Member, error) {
	q := `SELECT ` + memberCols + ` FROM members`
	var args []any
	if f.Unit != "" {
		// The unit and those within it, at any remove, then their members by the
		// members_unit index.
		q = `WITH RECURSIVE below(id) AS (SELECT CAST($1 AS TEXT) UNION SELECT u.id FROM units u JOIN below b ON u.parent = b.id)
			SELECT ` + memberCols + ` FROM members WHERE unit IN (SELECT id FROM below)`
		args = append(args, f.Unit)
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d OFFSET %d`, f.Limit, f.Offset)
	}
	return memberRows(db.r.QueryContext(ctx, q, args...))
}

// SearchMembers finds members whose id is q, or whose name's search key begins
// with q's (see rulebook.SearchKey), at most limit, by name.
func (db *DB) SearchMembers(ctx context.Context, q string, limit int) ([]rulebook.Member, error) {
	key := rulebook.SearchKey(q)
	if key == "" {
		return nil, nil
	}
	// The range [key, key+U+10FFFF) is "begins with key" over the index, compared
	// bytewise in both engines.
	col := "search_key"
	if db.dialect == "postgres" {
		col = `search_key COLLATE "C"`
	}
	return memberRows(db.r.QueryContext(ctx, `SELECT `+memberCols+` FROM members WHERE id = $1
		UNION ALL
		SELECT `+memberCols+` FROM (
			SELECT `+memberCols+` FROM members
			WHERE `+col+` >= $2 AND `+col+` < $3 AND id <> $1 ORDER BY `+col+`, id LIMIT $4) m`,
		strings.TrimSpace(q), key, key+"\U0010FFFF", limit))
}

// memberRows reads members' particulars as Members and SearchMembers select them.
func memberRows(rows *sql.Rows, err error) ([]rulebook.Member, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.Member
	for rows.Next() {
		var m rulebook.Member
		var joined int64
		if err := rows.Scan(&m.ID, &m.Name, &m.Email, &m.Phone, &m.Address, &m.Unit, &joined); err != nil {
			return nil, err
		}
		m.Joined = rulebook.Date(joined)
		out = append(out, m)
	}
	return out, rows.Err()
}

// RegisterTables are the tables the register's projection and the complaints
// fill, and CaseTables those the case projection fills, for Analyze.
var (
	RegisterTables = []string{"members", "status_points", "restrictions", "waivers", "units", "complaints", "complaint_counts", "servings", "occasions"}
	CaseTables     = []string{"cases", "case_deadlines", "case_clauses", "case_complaints", "case_people", "case_factors", "case_steps"}
)

// MemberNames returns the names of the members named that exist, by id: a
// query for every memberNamesBatch distinct ids (a list of any length stays
// within the engines' limits on parameters).
func (db *DB) MemberNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		batch := ids[:min(len(ids), memberNamesBatch)]
		ids = ids[len(batch):]
		var args []any
		rows, err := db.r.QueryContext(ctx, `SELECT id, name FROM members WHERE id IN `+in(&args, batch), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// memberNamesBatch is the most ids MemberNames asks for at once.
var memberNamesBatch = 1000

// CountMembers returns how many members the register holds.
func (db *DB) CountMembers(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM members`).Scan(&n)
	return n, err
}

// History returns one member's history from the projection.
func (db *DB) History(ctx context.Context, id string) (*rulebook.History, error) {
	return db.memberHistory(ctx, id) // in one statement (history.go)
}

// Histories returns every member's history from the projection, by member id.
func (db *DB) Histories(ctx context.Context) ([]*rulebook.History, error) {
	return db.histories(ctx, "")
}

// HistoryAsRecorded rebuilds one member's history from the events recorded by asOf:
// what the register said about them at that moment.
func (db *DB) HistoryAsRecorded(ctx context.Context, id string, asOf time.Time) (*rulebook.History, error) {
	evs, err := queryEvents(ctx, db.r, `WHERE subject = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	if evs, err = withOccasions(ctx, db.r, evs); err != nil {
		return nil, err
	}
	var units []rulebook.Unit
	if rulebook.NeedsUnits(evs) {
		if units, err = db.Units(ctx); err != nil {
			return nil, err
		}
	}
	reg, err := rulebook.ProjectWith(units, evs, "", asOf)
	if err != nil {
		return nil, err
	}
	h := reg.Members[id]
	if h == nil {
		return nil, rulebook.Errorf(rulebook.ENotFound, "no member %q was on the register as recorded at %s", id, asOf.UTC().Format(time.RFC3339))
	}
	return h, nil
}

func (db *DB) histories(ctx context.Context, id string) ([]*rulebook.History, error) {
	if id == "" {
		return historyRows(ctx, db.r, nil)
	}
	// CAST: so that SQLite's planner does not look the id up in its statistics
	// (sqlite_stat4), which would have it compile the statements again for each
	// member asked about — most of the time of reading one history.
	return historyRows(ctx, db.r, func(col string) string { return col + " = CAST($1 AS TEXT)" }, id)
}

// historyRows reads the stored histories of the members cond selects (nil: all
// of them), by id. cond writes the condition for the column holding the
// member's id ("id" in members, "member_id" in the rest), over args.
func historyRows(ctx context.Context, q querier, cond func(col string) string, args ...any) ([]*rulebook.History, error) {
	return historyRowsWhere(ctx, q, cond, args, cond, args)
}

// historiesOf reads the stored histories of the members ids names.
func (db *DB) historiesOf(ctx context.Context, q querier, ids []string) ([]*rulebook.History, error) {
	cond, args := db.idSet(ids)
	if db.dialect != "postgres" || len(ids) == 0 {
		return historyRows(ctx, q, cond, args...)
	}
	// PostgreSQL's planner reads the whole of a table of status points that
	// is small beside the members (a few pages), testing each row against
	// every id of the array: a tenth of a check's time went there. The rows
	// of the ids' span, lowest to highest, are read by the key instead, and
	// those of members not named skipped.
	span := func(col string) string { return col + " BETWEEN $1 AND $2" }
	return historyRowsWhere(ctx, q, cond, args, span, []any{slices.Min(ids), slices.Max(ids)})
}

// historyRowsWhere is historyRows with the condition on the tables beside
// members apart: rest (over restArgs) may select more members than cond,
// whose rows are then skipped.
func historyRowsWhere(ctx context.Context, q querier, cond func(col string) string, args []any, rest func(col string) string, restArgs []any) ([]*rulebook.History, error) {
	out, byID, err := memberHistories(ctx, q, cond, args)
	if err != nil {
		return nil, err
	}
	return out, historyRest(ctx, q, byID, rest, restArgs)
}

// whereCond is " WHERE " and cond on col, or nothing if cond is nil.
func whereCond(cond func(col string) string, col string) string {
	if cond == nil {
		return ""
	}
	return " WHERE " + cond(col)
}

// memberHistories reads the members' rows where cond holds, each as a
// history holding its joining's status point, in order and by id.
func memberHistories(ctx context.Context, q querier, cond func(col string) string, args []any) ([]*rulebook.History, map[string]*rulebook.History, error) {
	members, err := q.QueryContext(ctx, `SELECT `+memberCols+`, status, join_event, join_seq FROM members`+whereCond(cond, "id")+` ORDER BY id`, args...)
	if err != nil {
		return nil, nil, err
	}
	var out []*rulebook.History
	byID := map[string]*rulebook.History{}
	// The text columns are read as nullable, so that a NULL (in a column
	// declared NOT NULL: the table was altered) is named, with its member.
	cols := [...]string{"name", "email", "phone", "address", "unit", "status", "join_event"}
	var text [len(cols)]sql.NullString
	for members.Next() {
		h := &rulebook.History{Points: make([]rulebook.StatusPoint, 1, 2)}
		m := &h.Member
		var joined int64
		p := &h.Points[0]
		if err := members.Scan(&m.ID, &text[0], &text[1], &text[2], &text[3], &text[4], &joined, &text[5], &text[6], &p.Seq); err != nil {
			members.Close()
			return nil, nil, err
		}
		for i, v := range text {
			if !v.Valid {
				members.Close()
				return nil, nil, unreadable("members", cols[i], m.ID, errors.New("NULL"))
			}
		}
		m.Name, m.Email, m.Phone, m.Address, m.Unit = text[0].String, text[1].String, text[2].String, text[3].String, text[4].String
		p.Status, p.EventID = text[5].String, text[6].String
		m.Joined = rulebook.Date(joined)
		p.From, p.Reason = m.Joined, "joined"
		out = append(out, h)
		byID[m.ID] = h
	}
	members.Close()
	return out, byID, members.Err()
}

// historyRest reads the rest of the histories of byID (their status points
// beyond the joining's, restrictions, waivers, measures served) from the rows
// where rest holds (over restArgs), skipping those of other members.
func historyRest(ctx context.Context, q querier, byID map[string]*rulebook.History, rest func(col string) string, restArgs []any) error {
	pw := whereCond(rest, "member_id")
	rows, err := q.QueryContext(ctx, `SELECT member_id, from_date, seq, status, rights, event_id, decision FROM status_points`+pw+` ORDER BY member_id, from_date, seq, part`, restArgs...)
	if err != nil {
		return err
	}
	var cur *rulebook.History
	var curID string
	for rows.Next() {
		var mid, rights, decision sql.RawBytes
		var p rulebook.StatusPoint
		var from int64
		if err := rows.Scan(&mid, &from, &p.Seq, &p.Status, &rights, &p.EventID, &decision); err != nil {
			rows.Close()
			return err
		}
		if string(mid) != curID {
			curID = string(mid)
			cur = byID[curID]
		}
		if cur == nil {
			continue
		}
		p.From = rulebook.Date(from)
		if err := unmarshalOpt(rights, &p.Rights); err != nil {
			rows.Close()
			return unreadable("status_points", "rights", curID, err)
		}
		if err := unmarshalOpt(decision, &p.Decision); err != nil {
			rows.Close()
			return unreadable("status_points", "decision", curID, err)
		}
		cur.Points = append(cur.Points, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rrows, err := q.QueryContext(ctx, `SELECT member_id, seq, from_date, until_date, rights, event_id, decision FROM restrictions`+pw+` ORDER BY member_id, seq`, restArgs...)
	if err != nil {
		return err
	}
	defer rrows.Close()
	for rrows.Next() {
		var r rulebook.Restriction
		var mid string
		var from, until int64
		var rights, decision []byte
		if err := rrows.Scan(&mid, &r.Seq, &from, &until, &rights, &r.EventID, &decision); err != nil {
			return err
		}
		h := byID[mid]
		if h == nil {
			continue
		}
		r.From, r.Until = rulebook.Date(from), rulebook.Date(until)
		if err := unmarshalOpt(rights, &r.Rights); err != nil {
			return unreadable("restrictions", "rights", mid, err)
		}
		if err := unmarshalOpt(decision, &r.Decision); err != nil {
			return unreadable("restrictions", "decision", mid, err)
		}
		h.Restrictions = append(h.Restrictions, r)
	}
	if err := rrows.Err(); err != nil {
		return err
	}
	wrows, err := q.QueryContext(ctx, `SELECT member_id, seq, from_date, until_date, action, clause, event_id, decision FROM waivers`+pw+` ORDER BY member_id, seq`, restArgs...)
	if err != nil {
		return err
	}
	defer wrows.Close()
	for wrows.Next() {
		var w rulebook.WaiverPoint
		var mid string
		var from, until int64
		var decision []byte
		if err := wrows.Scan(&mid, &w.Seq, &from, &until, &w.Action, &w.Clause, &w.EventID, &decision); err != nil {
			return err
		}
		h := byID[mid]
		if h == nil {
			continue
		}
		w.From, w.Until = rulebook.Date(from), rulebook.Date(until)
		if err := unmarshalOpt(decision, &w.Decision); err != nil {
			return unreadable("waivers", "decision", mid, err)
		}
		h.Waivers = append(h.Waivers, w)
	}
	if err := wrows.Err(); err != nil {
		return err
	}
	srows, err := q.QueryContext(ctx, `SELECT member_id, data FROM servings`+pw+` ORDER BY member_id, seq`, restArgs...)
	if err != nil {
		return err
	}
	defer srows.Close()
	for srows.Next() {
		var mid string
		var data []byte
		if err := srows.Scan(&mid, &data); err != nil {
			return err
		}
		h := byID[mid]
		if h == nil {
			continue
		}
		var sv rulebook.Serving
		if err := json.Unmarshal(data, &sv); err != nil {
			return unreadable("servings", "data", mid, err)
		}
		h.Servings = append(h.Servings, sv)
	}
	return srows.Err()
}

// unreadable is the error for a stored row rulebook could not have written:
// the projection was edited outside it.
func unreadable(table, col, member string, err error) error {
	return rulebook.Errorf(rulebook.ETampered, "member %s: the stored %s.%s cannot be read (%v): it was edited outside rulebook; 'rulebook rebuild' writes it again from the record", member, table, col, err)
}

func unmarshalOpt(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

func sortedUnitIDs(reg *rulebook.Register) []string {
	ids := make([]string, 0, len(reg.Units))
	for id := range reg.Units {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// normal gives nil and empty maps/slices one form so that equal histories compare equal.
func normal(h *rulebook.History) rulebook.History {
	c := *h
	c.Points = append([]rulebook.StatusPoint(nil), h.Points...)
	for i := range c.Points {
		if len(c.Points[i].Rights) == 0 {
			c.Points[i].Rights = nil
		}
	}
	c.Restrictions = append([]rulebook.Restriction(nil), h.Restrictions...)
	if len(c.Restrictions) == 0 {
		c.Restrictions = nil
	}
	c.Servings = nil
	for _, s := range h.Servings {
		if len(s.Counted) == 0 {
			s.Counted = nil
		}
		c.Servings = append(c.Servings, s)
	}
	return c
}

// Voter is what eligibility needs of one member to answer who may take part in
// a contest, as EachVoter reads it: the member's id, unit, joining day and
// status points, restrictions and waivers (and their name, when asked for) —
// not their contact details, the events behind them, the decisions' reasons
// nor the measures served in occasions, which explain an answer but do not
// decide it.
type Voter = rulebook.History

// EachVoter calls f for every member of the register in id order (bytewise),
// with what eligibility needs of their history (see Voter), reading the
// register a batch of members at a time, all in one snapshot, as f goes: an
// electorate of a million is decided without a million histories in memory.
// The history passed to f is reused for another member: f must copy what it
// keeps. With names, each member's name is read too.
func (db *DB) EachVoter(ctx context.Context, names bool, f func(h *Voter) error) error {
	bytewise, err := bytewiseOrder(ctx, db.r, db.dialect)
	if err != nil {
		return err
	}
	if !bytewise {
		// The members' index is in another order than the lists and the digest
		// sort them: one statement sorts it all bytewise instead.
		return eachVoterMerged(ctx, db.r, db.dialect, names, bytewise, f)
	}
	if db.dialect == "postgres" {
		// pgx itself, below database/sql: the columns are read as the bytes
		// that came, not a string made of each and copied again.
		conn, err := db.r.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return withPgx(conn, func(pc *pgx.Conn) error {
			// Repeatable read: every batch reads the same register.
			tx, err := pc.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			return eachVoterBatched(pgxSource{ctx, tx}, names, f)
		})
	}
	// One transaction, so that every batch reads the same register.
	tx, err := db.r.pick(ctx).BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return eachVoterBatched(sqlSource{ctx, tx}, names, f)
}

// voterSource runs the statements EachVoter reads the register by, one at a
// time, each read to its end before the next.
type voterSource interface {
	// query runs q; kinds says of each column whether it is an integer ('i')
	// or text ('s').
	query(q, kinds string, args ...any) (voterRows, error)
}

// voterRows are a statement's rows: text columns as bytes valid until Next.
type voterRows interface {
	Next() bool
	Err() error
	Close()
	text(i int) []byte
	int(i int) (int64, error)
}

type sqlSource struct {
	ctx context.Context
	tx  *sql.Tx
}

func (s sqlSource) query(q, kinds string, args ...any) (voterRows, error) {
	rows, err := s.tx.QueryContext(s.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	r := &sqlRows{rows: rows, texts: make([]sql.RawBytes, len(kinds)), ints: make([]int64, len(kinds)), dest: make([]any, len(kinds))}
	for i, k := range kinds {
		if k == 'i' {
			r.dest[i] = &r.ints[i]
		} else {
			r.dest[i] = &r.texts[i]
		}
	}
	return r, nil
}

type sqlRows struct {
	rows  *sql.Rows
	texts []sql.RawBytes
	ints  []int64
	dest  []any
	err   error
}

func (r *sqlRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	r.err = r.rows.Scan(r.dest...)
	return r.err == nil
}

func (r *sqlRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

func (r *sqlRows) Close()                   { r.rows.Close() }
func (r *sqlRows) text(i int) []byte        { return r.texts[i] }
func (r *sqlRows) int(i int) (int64, error) { return r.ints[i], nil }

type pgxSource struct {
	ctx context.Context
	tx  pgx.Tx
}

func (s pgxSource) query(q, kinds string, args ...any) (voterRows, error) {
	rows, err := s.tx.Query(s.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return &pgxRows{rows: rows}, nil
}

type pgxRows struct {
	rows pgx.Rows
	vals [][]byte
}

func (r *pgxRows) Next() bool {
	if !r.rows.Next() {
		return false
	}
	r.vals = r.rows.RawValues()
	return true
}

func (r *pgxRows) Err() error        { return r.rows.Err() }
func (r *pgxRows) Close()            { r.rows.Close() }
func (r *pgxRows) text(i int) []byte { return r.vals[i] }

// int decodes an integer column in either of PostgreSQL's wire formats.
func (r *pgxRows) int(i int) (int64, error) {
	b := r.vals[i]
	if r.rows.FieldDescriptions()[i].Format == pgx.BinaryFormatCode {
		switch len(b) {
		case 2:
			return int64(int16(binary.BigEndian.Uint16(b))), nil
		case 4:
			return int64(int32(binary.BigEndian.Uint32(b))), nil
		case 8:
			return int64(binary.BigEndian.Uint64(b)), nil
		}
		return 0, fmt.Errorf("electorate: an integer of %d bytes", len(b))
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// voterBatch is how many members EachVoter reads at a time: the members by
// their primary key, then the status points, restrictions and waivers of the
// same range of ids by theirs, each a statement read to its end (PostgreSQL
// reads one result at a time on a connection).
var voterBatch = 8192

// eachVoterBatched reads the batches in a goroutine of their own while f is
// called for the members of the batch before: the database (or SQLite's
// reading, on another core) works while the members read are decided and
// written. Two batches are in hand at most.
func eachVoterBatched(src voterSource, names bool, f func(h *Voter) error) error {
	free, full, done := make(chan []Voter, 2), make(chan []Voter, 1), make(chan struct{})
	free <- make([]Voter, voterBatch)
	free <- make([]Voter, voterBatch)
	var readErr error
	go func() {
		defer close(full)
		readErr = readVoterBatches(src, names, free, full, done)
	}()
	var err error
	for b := range full {
		for i := range b {
			if err != nil {
				break
			}
			err = f(&b[i])
			if err != nil {
				close(done) // the reader stops at its next batch
			}
		}
		free <- b[:cap(b)]
	}
	if err != nil {
		return err
	}
	return readErr
}

// readVoterBatches reads the register a batch at a time into the buffers free
// gives, and sends each on full, until the register ends or done is closed.
func readVoterBatches(src voterSource, names bool, free <-chan []Voter, full chan<- []Voter, done <-chan struct{}) error {
	name, kinds := "", "siss"
	if names {
		name, kinds = ", name", "sisss"
	}
	// The first batch takes ids from '' on (every id), later ones those after
	// the last read.
	from := func(first bool) string {
		if first {
			return ">="
		}
		return ">"
	}
	shared := map[string]string{}
	intern := func(b []byte) string {
		if t, ok := shared[string(b)]; ok {
			return t
		}
		t := string(b)
		shared[t] = t
		return t
	}
	last := ""
	for first := true; ; first = false {
		var batch []Voter
		select {
		case <-done:
			return nil
		default:
		}
		select {
		case batch = <-free:
		case <-done:
			return nil
		}
		rows, err := src.query(`SELECT id, joined, status, unit`+name+` FROM members WHERE id `+from(first)+` $1 ORDER BY id LIMIT `+strconv.Itoa(voterBatch), kinds, last)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			joined, err := rows.int(1)
			if err != nil {
				rows.Close()
				return err
			}
			h := &batch[n]
			n++
			h.Member = rulebook.Member{ID: string(rows.text(0)), Unit: intern(rows.text(3)), Joined: rulebook.Date(joined)}
			if names {
				h.Member.Name = string(rows.text(4))
			}
			h.Points = append(h.Points[:0], rulebook.StatusPoint{From: h.Member.Joined, Status: intern(rows.text(2))})
			h.Points[0].Reason = "joined"
			h.Restrictions, h.Waivers = h.Restrictions[:0], h.Waivers[:0]
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		members := batch[:n]
		lo, hi := last, members[n-1].Member.ID
		// The rows of the range, in member order: each is matched by walking
		// forward through the batch (a row of an id the members table does not
		// hold is passed over, as Histories does); add reads one into h.
		attach := func(cols, kinds, table, order string, add func(r voterRows, h *Voter) error) error {
			rows, err := src.query(`SELECT member_id, `+cols+` FROM `+table+` WHERE member_id `+from(first)+` $1 AND member_id <= $2 ORDER BY member_id, `+order, kinds, lo, hi)
			if err != nil {
				return err
			}
			defer rows.Close()
			i := 0
			for rows.Next() {
				mid := rows.text(0)
				for i < n && members[i].Member.ID < string(mid) {
					i++
				}
				if i < n && members[i].Member.ID == string(mid) {
					if err := add(rows, &members[i]); err != nil {
						return err
					}
				}
			}
			return rows.Err()
		}
		ints := func(r voterRows, cols ...int) ([3]int64, error) {
			var out [3]int64
			for k, c := range cols {
				v, err := r.int(c)
				if err != nil {
					return out, err
				}
				out[k] = v
			}
			return out, nil
		}
		if err := attach(`from_date, seq, status, rights`, "siiss", "status_points", "from_date, seq, part", func(r voterRows, h *Voter) error {
			v, err := ints(r, 1, 2)
			if err != nil {
				return err
			}
			p := rulebook.StatusPoint{From: rulebook.Date(v[0]), Seq: v[1], Status: intern(r.text(3))}
			if err := unmarshalOpt(r.text(4), &p.Rights); err != nil {
				return unreadable("status_points", "rights", h.Member.ID, err)
			}
			h.Points = append(h.Points, p)
			return nil
		}); err != nil {
			return err
		}
		if err := attach(`seq, from_date, until_date, rights`, "siiis", "restrictions", "seq", func(r voterRows, h *Voter) error {
			v, err := ints(r, 1, 2, 3)
			if err != nil {
				return err
			}
			rs := rulebook.Restriction{Seq: v[0], From: rulebook.Date(v[1]), Until: rulebook.Date(v[2])}
			if err := unmarshalOpt(r.text(4), &rs.Rights); err != nil {
				return unreadable("restrictions", "rights", h.Member.ID, err)
			}
			h.Restrictions = append(h.Restrictions, rs)
			return nil
		}); err != nil {
			return err
		}
		if err := attach(`seq, from_date, until_date, action, clause`, "siiiss", "waivers", "seq", func(r voterRows, h *Voter) error {
			v, err := ints(r, 1, 2, 3)
			if err != nil {
				return err
			}
			w := rulebook.WaiverPoint{Seq: v[0], From: rulebook.Date(v[1])}
			w.Until, w.Action, w.Clause = rulebook.Date(v[2]), intern(r.text(4)), intern(r.text(5))
			h.Waivers = append(h.Waivers, w)
			return nil
		}); err != nil {
			return err
		}
		full <- members
		if n < voterBatch {
			return nil
		}
		last = hi
	}
}

// voterKinds are the rows of one member EachVoter's statement merges.
const (
	voterMember = iota
	voterPoint
	voterRestriction
	voterWaiver
)

// voterQuery merges the members, status points, restrictions and waivers by
// member id, sorted bytewise (COLLATE "C") where the database's collation is
// not, for eachVoterMerged. Each row is (member, kind, three integers,
// three texts): the member's joining day, status, unit and name; a point's
// day, sequence, part, status and rights; a restriction's sequence, days and
// rights; a waiver's sequence, days, action and clause. Rows of one member come
// together; their order within it is put right by the reader.
func voterQuery(dialect string, names, bytewise bool) string {
	name, id, mid := "''", "id", "member_id"
	if names {
		name = "name"
	}
	if !bytewise {
		// A database whose collation is not bytewise would list members in
		// another order than the digest and the lists sort them: ask for it.
		id, mid = `id COLLATE "C"`, `member_id COLLATE "C"`
	}
	i := func(col string) string { return col }
	if dialect == "postgres" {
		i = func(col string) string { return "CAST(" + col + " AS BIGINT)" }
	}
	return `SELECT ` + id + ` AS mid, ` + i("0") + ` AS k, ` + i("joined") + ` AS a, ` + i("0") + ` AS b, ` + i("0") + ` AS c, status AS s, unit AS t, ` + name + ` AS u FROM members
		UNION ALL SELECT ` + mid + `, ` + i("1") + `, ` + i("from_date") + `, seq, ` + i("part") + `, status, rights, '' FROM status_points
		UNION ALL SELECT ` + mid + `, ` + i("2") + `, seq, ` + i("from_date") + `, ` + i("until_date") + `, '', rights, '' FROM restrictions
		UNION ALL SELECT ` + mid + `, ` + i("3") + `, seq, ` + i("from_date") + `, ` + i("until_date") + `, action, clause, '' FROM waivers
		ORDER BY mid`
}

// bytewiseOrder reports whether the database orders text bytewise, as Go
// does: SQLite's default, and PostgreSQL's C (and C.UTF-8) collations.
func bytewiseOrder(ctx context.Context, q querier, dialect string) (bool, error) {
	if dialect != "postgres" {
		return true, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT datcollate, datlocprovider FROM pg_database WHERE datname = current_database()`)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var coll, provider string
	if rows.Next() {
		if err := rows.Scan(&coll, &provider); err != nil {
			return false, err
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	switch provider {
	case "b": // builtin: C or C.UTF-8, both in code point order
		return true, nil
	case "c":
		switch coll {
		case "C", "POSIX", "C.UTF-8", "C.utf8":
			return true, nil
		}
	}
	return false, nil
}

// eachVoterMerged is EachVoter in one statement merging the four tables,
// sorted bytewise by the database when its collation is not (see voterQuery).
func eachVoterMerged(ctx context.Context, q querier, dialect string, names, bytewise bool, f func(h *Voter) error) error {
	rows, err := q.QueryContext(ctx, voterQuery(dialect, names, bytewise))
	if err != nil {
		return err
	}
	defer rows.Close()
	// The few thousand units and handful of statuses, actions and clauses are
	// shared, not one string a row; the history and its slices are reused.
	shared := map[string]string{}
	intern := func(b []byte) string {
		if s, ok := shared[string(b)]; ok {
			return s
		}
		s := string(b)
		shared[s] = s
		return s
	}
	var (
		h       Voter
		parts   []int64 // the part of each point after the joining one
		cur     []byte  // the member whose rows are being read
		have    bool    // whether cur's members row has been read
		started bool
		mid     sql.RawBytes
		s, t, u sql.RawBytes
		kind    int
		a, b, c int64
	)
	flush := func() error {
		if !started {
			return nil
		}
		if !have {
			// Rows of a member the members table does not hold: the projection
			// was edited outside rulebook (the member is left out, as before).
			return nil
		}
		sortVoter(&h, parts)
		return f(&h)
	}
	for rows.Next() {
		if err := rows.Scan(&mid, &kind, &a, &b, &c, &s, &t, &u); err != nil {
			return err
		}
		if !started || string(mid) != string(cur) {
			if started && string(mid) < string(cur) {
				return rulebook.Errorf(rulebook.EInternal, "the register was read out of order (member %s after %s)", mid, cur)
			}
			if err := flush(); err != nil {
				return err
			}
			started, have = true, false
			cur = append(cur[:0], mid...)
			h.Member = rulebook.Member{}
			h.Points, h.Restrictions, h.Waivers, parts = h.Points[:0], h.Restrictions[:0], h.Waivers[:0], parts[:0]
			if len(h.Points) == 0 {
				h.Points = append(h.Points, rulebook.StatusPoint{}) // the joining point, filled by the members row
			}
		}
		switch kind {
		case voterMember:
			have = true
			m := &h.Member
			m.ID, m.Unit, m.Joined = string(mid), intern(t), rulebook.Date(a)
			if names {
				m.Name = string(u)
			}
			h.Points[0] = rulebook.StatusPoint{From: m.Joined, Status: intern(s)}
			h.Points[0].Reason = "joined"
		case voterPoint:
			p := rulebook.StatusPoint{From: rulebook.Date(a), Seq: b, Status: intern(s)}
			if err := unmarshalOpt(t, &p.Rights); err != nil {
				return unreadable("status_points", "rights", string(mid), err)
			}
			h.Points = append(h.Points, p)
			parts = append(parts, c)
		case voterRestriction:
			r := rulebook.Restriction{Seq: a, From: rulebook.Date(b), Until: rulebook.Date(c)}
			if err := unmarshalOpt(t, &r.Rights); err != nil {
				return unreadable("restrictions", "rights", string(mid), err)
			}
			h.Restrictions = append(h.Restrictions, r)
		case voterWaiver:
			w := rulebook.WaiverPoint{Seq: a, From: rulebook.Date(b)}
			w.Until, w.Action, w.Clause = rulebook.Date(c), intern(s), intern(t)
			h.Waivers = append(h.Waivers, w)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// sortVoter puts a member's rows in the order Histories reads them, whatever
// order the merge gave them in: the points after the joining one by (day,
// sequence, part), restrictions and waivers by sequence. There are a handful.
func sortVoter(h *Voter, parts []int64) {
	ps := h.Points[1:]
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0; j-- {
			x, y := &ps[j-1], &ps[j]
			if x.From < y.From || (x.From == y.From && (x.Seq < y.Seq || (x.Seq == y.Seq && parts[j-1] <= parts[j]))) {
				break
			}
			*x, *y = *y, *x
			parts[j-1], parts[j] = parts[j], parts[j-1]
		}
	}
	slices.SortStableFunc(h.Restrictions, func(x, y rulebook.Restriction) int { return cmp.Compare(x.Seq, y.Seq) })
	slices.SortStableFunc(h.Waivers, func(x, y rulebook.WaiverPoint) int { return cmp.Compare(x.Seq, y.Seq) })
}
