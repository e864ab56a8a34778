package sqldb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/rulebook/rulebook"
)

// memberHistory reads one member's history in one statement: the member, their
// status points, restrictions, waivers and servings, one kind of row after the
// other. It answers what historyRows does for one member; a read of a member's
// record or an eligibility answer made the five queries historyRows makes, each
// a round trip to PostgreSQL. The id is given as CAST($1 AS TEXT) so that
// SQLite's planner does not probe sqlite_stat4 with it and compile the
// statement again for each member.
//
// Each row is (part, o, seq, until, sub, t1…t8): part says which table it
// comes from, and the rest are that table's columns, in the order of the
// statements of historyRows. The statement has no ORDER BY: historyQuery puts
// each part's rows in (o, seq, sub) order itself. With one, SQLite merged the
// parts, each through a sorter of its own (five, with the units): a sixth of
// the CPU time of a member's read, to order rows that come from each primary
// key in that order already. Each part keeps an ORDER BY of its own, in its key's
// order, which costs nothing (SQLite reads the key in that order) and keeps the
// planner to the key: without it, statistics taken while waivers or servings
// held a row or two have SQLite scan the whole table for each read, however
// large it has grown since.
//
// The member's row carries the generations (generationsSchema) of the same
// snapshot: the extras' in o and the units' in sub, 0 where the row that holds
// them is missing, which no cache trusts.
const historyMemberSelects = `
	SELECT 0 AS part, COALESCE(generations.extras, 0) AS o, join_seq AS seq, joined AS until, COALESCE(generations.units, 0) AS sub,
		name AS t1, email AS t2, phone AS t3, address AS t4, unit AS t5, status AS t6, join_event AS t7, members.id AS t8
		FROM members LEFT JOIN generations ON generations.id = 1 WHERE members.id = CAST($1 AS TEXT)
	UNION ALL
	SELECT * FROM (SELECT 1, from_date, seq, 0, part, status, rights, event_id, decision, '', '', '', ''
		FROM status_points WHERE member_id = CAST($1 AS TEXT) ORDER BY from_date, seq, part) AS p`

// historyExtrasSelects are the rest of a member's history: the restrictions,
// waivers and servings that few members have (extras.go).
const historyExtrasSelects = `
	UNION ALL
	SELECT * FROM (SELECT 2, 0, seq, until_date, from_date, rights, event_id, decision, '', '', '', '', ''
		FROM restrictions WHERE member_id = CAST($1 AS TEXT) ORDER BY seq) AS r
	UNION ALL
	SELECT * FROM (SELECT 3, 0, seq, until_date, from_date, action, clause, event_id, decision, '', '', '', ''
		FROM waivers WHERE member_id = CAST($1 AS TEXT) ORDER BY seq) AS w
	UNION ALL
	SELECT * FROM (SELECT 4, 0, seq, 0, 0, data, '', '', '', '', '', '', ''
		FROM servings WHERE member_id = CAST($1 AS TEXT) ORDER BY seq) AS s`

const (
	// historyFullQuery is a member's whole history.
	historyFullQuery = historyMemberSelects + historyExtrasSelects
	// historyShortQuery is the history of a member known to have no
	// restrictions, waivers or servings at the extras' generation it reads.
	historyShortQuery = historyMemberSelects
	// historyUnitsQuery adds the member's unit and those above it (UnitChain's
	// walk, rows of part 5 with the depth in o), which a member's record shows
	// when its chain is not kept: one round trip fewer. The walk stops at a
	// unit with no parent rather than look for a unit with the empty id (there
	// is none): one lookup fewer a read.
	historyUnitsQuery = `
	WITH RECURSIVE up(id, name, kind, parent, depth) AS (
		SELECT u.id, u.name, u.kind, u.parent, 0 FROM units u WHERE u.id = (SELECT m.unit FROM members m WHERE m.id = CAST($1 AS TEXT))
		UNION ALL
		SELECT u.id, u.name, u.kind, u.parent, up.depth + 1 FROM units u JOIN up ON u.id = up.parent WHERE up.depth < $2 AND up.parent <> '')` +
		historyFullQuery + `
	UNION ALL
	SELECT 5, depth, 0, 0, 0, id, name, kind, parent, '', '', '', ''
		FROM up`
)

// generations are those a member's history was read beside (generationsSchema).
type generations struct{ units, extras int64 }

func (db *DB) memberHistory(ctx context.Context, id string) (*rulebook.History, error) {
	h, _, err := db.history(ctx, id)
	return h, err
}

// history reads a member's history and the generations beside it: without
// their restrictions, waivers and servings where the member is known to have
// none at the extras' generation the read sees (extras.go), whole otherwise.
func (db *DB) history(ctx context.Context, id string) (*rulebook.History, generations, error) {
	c := &db.extras
	kept := c.generation()
	if c.lacks(kept, id) {
		h, _, gen, err := db.historyQuery(ctx, historyShortQuery, id)
		if err != nil || gen.extras == kept {
			return h, gen, err
		}
		// The extras changed since they were kept: read them too.
	}
	h, _, gen, err := db.historyQuery(ctx, historyFullQuery, id)
	if err != nil {
		return nil, gen, err
	}
	if gen.extras != kept {
		db.keepExtras(ctx)
	}
	return h, gen, nil
}

// HistoryUnits returns a member's history and the chain of units from theirs up
// (as UnitChain gives it; empty when their unit is none), as one snapshot has
// them: the history and the unit generation in one statement, the chain kept
// from an earlier read at that generation (unitchains.go); failing that, the
// history and the walk up the units in one statement, whose chain is kept.
func (db *DB) HistoryUnits(ctx context.Context, id string) (*rulebook.History, []rulebook.Unit, error) {
	h, gen, err := db.history(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if h.Member.Unit == "" {
		return h, nil, nil
	}
	if chain, ok := db.units.get(gen.units, h.Member.Unit); ok {
		return h, chain, nil
	}
	if chain, ok, err := db.chainFromTree(ctx, gen.units, h.Member.Unit); err != nil {
		return nil, nil, err
	} else if ok {
		return h, chain, nil
	}
	// The whole read again, so that the history and the chain are of one
	// snapshot (the member may have moved meanwhile, or the units changed).
	h, chain, gen, err := db.historyQuery(ctx, historyUnitsQuery, id, maxUnitDepth)
	if err != nil {
		return nil, nil, err
	}
	if h.Member.Unit != "" {
		db.units.put(gen.units, h.Member.Unit, chain)
	}
	return h, chain, nil
}

// historyQuery runs q, a member's history, with args, and returns the history,
// its units (rows of part 5) and the generations read beside the member.
func (db *DB) historyQuery(ctx context.Context, q string, id string, args ...any) (*rulebook.History, []rulebook.Unit, generations, error) {
	var gen generations
	var h *rulebook.History
	var units []rulebook.Unit
	var points []rulebook.StatusPoint
	var restrictions []rulebook.Restriction
	var waivers []rulebook.WaiverPoint
	var servings []rulebook.Serving
	// Each part's rows' places, (o, seq, sub), to order them by.
	var keys [6][]histKey
	err := db.eachHistoryRow(ctx, q, append([]any{id}, args...), func(r *histRow) error {
		part, o, seq, until, sub, t := r.part, r.o, r.seq, r.until, r.sub, &r.t
		if part < 0 || part >= int64(len(keys)) {
			return fmt.Errorf("a row of part %d in a member's history", part)
		}
		keys[part] = append(keys[part], histKey{o, seq, sub})
		switch part {
		case 0:
			h = &rulebook.History{Points: make([]rulebook.StatusPoint, 1, 2)}
			m := &h.Member
			m.ID, m.Name, m.Email, m.Phone, m.Address, m.Unit = t[7], t[0], t[1], t[2], t[3], t[4]
			m.Joined = rulebook.Date(until)
			gen = generations{units: sub, extras: o}
			p := &h.Points[0]
			p.From, p.Reason, p.Status, p.EventID, p.Seq = m.Joined, "joined", t[5], t[6], seq
		case 5:
			units = append(units, rulebook.Unit{ID: t[0], Name: t[1], Kind: t[2], Parent: t[3]})
		case 1:
			p := rulebook.StatusPoint{From: rulebook.Date(o), Seq: seq, Status: t[0], EventID: t[2]}
			if err := unmarshalOpt([]byte(t[1]), &p.Rights); err != nil {
				return unreadable("status_points", "rights", id, err)
			}
			if err := unmarshalOpt([]byte(t[3]), &p.Decision); err != nil {
				return unreadable("status_points", "decision", id, err)
			}
			points = append(points, p)
		case 2:
			r := rulebook.Restriction{Seq: seq, From: rulebook.Date(sub), Until: rulebook.Date(until), EventID: t[1]}
			if err := unmarshalOpt([]byte(t[0]), &r.Rights); err != nil {
				return unreadable("restrictions", "rights", id, err)
			}
			if err := unmarshalOpt([]byte(t[2]), &r.Decision); err != nil {
				return unreadable("restrictions", "decision", id, err)
			}
			restrictions = append(restrictions, r)
		case 3:
			w := rulebook.WaiverPoint{Seq: seq, From: rulebook.Date(sub), EventID: t[2]}
			w.Until, w.Action, w.Clause = rulebook.Date(until), t[0], t[1]
			if err := unmarshalOpt([]byte(t[3]), &w.Decision); err != nil {
				return unreadable("waivers", "decision", id, err)
			}
			waivers = append(waivers, w)
		case 4:
			var sv rulebook.Serving
			if err := json.Unmarshal([]byte(t[0]), &sv); err != nil {
				return unreadable("servings", "data", id, err)
			}
			servings = append(servings, sv)
		}
		return nil
	})
	if err != nil {
		return nil, nil, generations{}, err
	}
	if h == nil {
		// Rows of a member who is not on the register are left out, as
		// historyRows leaves them out.
		return nil, nil, generations{}, rulebook.Errorf(rulebook.ENotFound, "no member %q", id)
	}
	h.Points = append(h.Points, sortByKeys(points, keys[1])...)
	h.Restrictions = sortByKeys(restrictions, keys[2])
	h.Waivers = sortByKeys(waivers, keys[3])
	h.Servings = sortByKeys(servings, keys[4])
	return h, sortByKeys(units, keys[5]), gen, nil
}

// histRow is a row of a member's history statement (memberHistorySelects).
type histRow struct {
	part, o, seq, until, sub int64
	t                        [8]string
}

// eachHistoryRow runs q, a member's history statement, with args, and calls f
// with each row (valid until f returns). On PostgreSQL it reads through pgx
// directly, the values as the server sends them, as the checks do
// (eachRawRow): database/sql's conversion of each of a row's thirteen values,
// and its locking around each, cost a member's read as much CPU time as the
// round trip to the server did.
func (db *DB) eachHistoryRow(ctx context.Context, q string, args []any, f func(*histRow) error) error {
	var r histRow
	if db.dialect != "postgres" {
		rows, err := db.r.QueryContext(db.point(ctx), q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t := &r.t
			if err := rows.Scan(&r.part, &r.o, &r.seq, &r.until, &r.sub, &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]); err != nil {
				return err
			}
			if err := f(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	c, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// Every value in text: the numbers as decimals, whatever their type.
	var ferr error
	err = db.eachRawRow(ctx, c, pgx.QueryResultFormats{pgx.TextFormatCode}, q, args, func(v [][]byte) {
		if ferr != nil {
			return
		}
		if len(v) != 13 {
			ferr = fmt.Errorf("history: %d values a row, not 13", len(v))
			return
		}
		for i, n := range [5]*int64{&r.part, &r.o, &r.seq, &r.until, &r.sub} {
			var err error
			if *n, err = strconv.ParseInt(string(v[i]), 10, 64); err != nil {
				ferr = fmt.Errorf("history: value %d of a row: %w", i+1, err)
				return
			}
		}
		for i := range r.t {
			if v[5+i] == nil {
				ferr = fmt.Errorf("history: value %d of a row is null", 6+i)
				return
			}
			r.t[i] = string(v[5+i])
		}
		ferr = f(&r)
	})
	return cmp.Or(err, ferr)
}

// histKey is a history row's place among the rows of its part.
type histKey struct{ o, seq, sub int64 }

func (k histKey) compare(l histKey) int {
	return cmp.Or(cmp.Compare(k.o, l.o), cmp.Compare(k.seq, l.seq), cmp.Compare(k.sub, l.sub))
}

// sortByKeys puts vals (one a key, in the order read) in the order of their
// keys, keeping the order read among equal keys, and returns them. They come
// in order from both engines, so this is mostly a check.
func sortByKeys[T any](vals []T, keys []histKey) []T {
	if slices.IsSortedFunc(keys, histKey.compare) {
		return vals
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return keys[a].compare(keys[b]) })
	out := make([]T, len(vals))
	for i, j := range idx {
		out[i] = vals[j]
	}
	return out
}
