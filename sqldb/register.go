package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

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

// MemberNames returns the names of the members named that exist, by id, in one
// query.
func (db *DB) MemberNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var args []any
	rows, err := db.r.QueryContext(ctx, `SELECT id, name FROM members WHERE id IN `+in(&args, ids), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

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
	where := func(col string) string {
		if cond == nil {
			return ""
		}
		return " WHERE " + cond(col)
	}
	members, err := q.QueryContext(ctx, `SELECT `+memberCols+`, status, join_event, join_seq FROM members`+where("id")+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*rulebook.History
	byID := map[string]*rulebook.History{}
	for members.Next() {
		h := &rulebook.History{Points: make([]rulebook.StatusPoint, 1, 2)}
		m := &h.Member
		var joined int64
		p := &h.Points[0]
		if err := members.Scan(&m.ID, &m.Name, &m.Email, &m.Phone, &m.Address, &m.Unit, &joined, &p.Status, &p.EventID, &p.Seq); err != nil {
			members.Close()
			return nil, err
		}
		m.Joined = rulebook.Date(joined)
		p.From, p.Reason = m.Joined, "joined"
		out = append(out, h)
		byID[m.ID] = h
	}
	members.Close()
	if err := members.Err(); err != nil {
		return nil, err
	}
	pw := where("member_id")
	rows, err := q.QueryContext(ctx, `SELECT member_id, from_date, seq, status, rights, event_id, decision FROM status_points`+pw+` ORDER BY member_id, from_date, seq, part`, args...)
	if err != nil {
		return nil, err
	}
	var cur *rulebook.History
	var curID string
	for rows.Next() {
		var mid, rights, decision sql.RawBytes
		var p rulebook.StatusPoint
		var from int64
		if err := rows.Scan(&mid, &from, &p.Seq, &p.Status, &rights, &p.EventID, &decision); err != nil {
			rows.Close()
			return nil, err
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
			return nil, unreadable("status_points", "rights", curID, err)
		}
		if err := unmarshalOpt(decision, &p.Decision); err != nil {
			rows.Close()
			return nil, unreadable("status_points", "decision", curID, err)
		}
		cur.Points = append(cur.Points, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rrows, err := q.QueryContext(ctx, `SELECT member_id, seq, from_date, until_date, rights, event_id, decision FROM restrictions`+pw+` ORDER BY member_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var r rulebook.Restriction
		var mid string
		var from, until int64
		var rights, decision []byte
		if err := rrows.Scan(&mid, &r.Seq, &from, &until, &rights, &r.EventID, &decision); err != nil {
			return nil, err
		}
		r.From, r.Until = rulebook.Date(from), rulebook.Date(until)
		if err := unmarshalOpt(rights, &r.Rights); err != nil {
			return nil, unreadable("restrictions", "rights", mid, err)
		}
		if err := unmarshalOpt(decision, &r.Decision); err != nil {
			return nil, unreadable("restrictions", "decision", mid, err)
		}
		if h := byID[mid]; h != nil {
			h.Restrictions = append(h.Restrictions, r)
		}
	}
	if err := rrows.Err(); err != nil {
		return nil, err
	}
	wrows, err := q.QueryContext(ctx, `SELECT member_id, seq, from_date, until_date, action, clause, event_id, decision FROM waivers`+pw+` ORDER BY member_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer wrows.Close()
	for wrows.Next() {
		var w rulebook.WaiverPoint
		var mid string
		var from, until int64
		var decision []byte
		if err := wrows.Scan(&mid, &w.Seq, &from, &until, &w.Action, &w.Clause, &w.EventID, &decision); err != nil {
			return nil, err
		}
		w.From, w.Until = rulebook.Date(from), rulebook.Date(until)
		if err := unmarshalOpt(decision, &w.Decision); err != nil {
			return nil, unreadable("waivers", "decision", mid, err)
		}
		if h := byID[mid]; h != nil {
			h.Waivers = append(h.Waivers, w)
		}
	}
	if err := wrows.Err(); err != nil {
		return nil, err
	}
	srows, err := q.QueryContext(ctx, `SELECT member_id, data FROM servings`+pw+` ORDER BY member_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var mid string
		var data []byte
		if err := srows.Scan(&mid, &data); err != nil {
			return nil, err
		}
		var sv rulebook.Serving
		if err := json.Unmarshal(data, &sv); err != nil {
			return nil, unreadable("servings", "data", mid, err)
		}
		if h := byID[mid]; h != nil {
			h.Servings = append(h.Servings, sv)
		}
	}
	return out, srows.Err()
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
