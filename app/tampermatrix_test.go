package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// projected is a table rebuilt from the events: its key, the columns that
// matter, and what names a row of it in a report of the projection check (the
// table's name, or — for the register's tables, reported member by member —
// the member the row belongs to).
type projected struct {
	table string
	keys  []string
	cols  []string
	// label and by name a row in the report, where it is not named by the
	// table: "member " and the column holding the member's id.
	label, by string
	// where, when set, chooses the row tampered with among those it selects.
	where string
}

// The members are tampered with twice: one with status changes (checked by
// replaying their events) and one with nothing beyond their joining (checked by
// the members' digests alone).
var projectedTables = []projected{
	{"members", []string{"id"}, []string{"name", "email", "phone", "address", "unit", "joined", "status", "join_event", "join_seq", "search_key"}, "member ", "id", "EXISTS (SELECT 1 FROM status_points s WHERE s.member_id = members.id)"},
	{"members", []string{"id"}, []string{"name", "email", "phone", "address", "unit", "joined", "status", "join_event", "join_seq", "search_key"}, "member ", "id", "NOT EXISTS (SELECT 1 FROM status_points s WHERE s.member_id = members.id) AND NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.member_id = members.id) AND NOT EXISTS (SELECT 1 FROM waivers w WHERE w.member_id = members.id) AND NOT EXISTS (SELECT 1 FROM servings v WHERE v.member_id = members.id)"},
	{"status_points", []string{"member_id", "from_date", "seq", "part"}, []string{"from_date", "status", "rights", "event_id", "decision"}, "member ", "member_id", ""},
	{"restrictions", []string{"member_id", "seq"}, []string{"from_date", "until_date", "rights", "event_id", "decision"}, "member ", "member_id", ""},
	{"waivers", []string{"member_id", "seq"}, []string{"from_date", "until_date", "action", "clause", "event_id", "decision"}, "member ", "member_id", ""},
	{"units", []string{"id"}, []string{"name", "kind", "parent"}, "unit ", "id", ""},
	{"complaints", []string{"id"}, []string{"reported", "received", "respondent", "about", "complainant", "from_kind", "via", "summary", "case_id"}, "", "", ""},
	{"complaint_counts", []string{"quarter"}, []string{"complaints"}, "", "", ""},
	{"cases", []string{"id"}, []string{"kind", "respondent", "state", "closed", "outcome", "opened", "conduct", "updated", "unit", "state_since", "sanction", "data"}, "", "", ""},
	{"case_deadlines", []string{"case_id", "n"}, []string{"kind", "what", "due"}, "", "", ""},
	{"case_steps", []string{"seq"}, []string{"case_id", "transition", "from_state", "to_state", "day", "quarter", "body", "body_kind", "clause", "outcome", "sanction", "days_in_state", "closing", "days_open"}, "", "", ""},
	{"case_clauses", []string{"case_id", "clause"}, []string{"closed", "conduct"}, "", "", ""},
	{"case_factors", []string{"case_id", "clause", "factor"}, []string{"closed", "conduct"}, "", "", ""},
	{"case_people", []string{"case_id", "person", "relation"}, []string{"person", "relation"}, "", "", ""},
	{"case_complaints", []string{"complaint"}, []string{"case_id"}, "", "", ""},
	{"case_step_counts", []string{"quarter", "transition", "to_state", "body", "body_kind", "outcome", "sanction"}, []string{"steps", "days"}, "", "", ""},
	{"case_clause_counts", []string{"clause", "outcome"}, []string{"cases"}, "", "", ""},
	{"case_sanction_counts", []string{"clause", "sanction"}, []string{"cases"}, "", "", ""},
	{"case_flow_counts", []string{"quarter", "from_state", "to_state", "closing"}, []string{"moves", "days_open"}, "", "", ""},
	{"list_entries", []string{"list", "id"}, []string{"data"}, "", "", ""},
	{"accounts", []string{"name"}, []string{"display", "member", "section", "roles", "disabled"}, "account ", "name", ""},
}

// TestEveryProjectedColumnTampered changes each column that matters of each
// table rebuilt from the events, directly in the database as an insider would,
// and checks that the projection check names it, alone and beside the verify
// (verify --projection); the demo's projections, and
// the same after putting each value back, are clean. (The occasions, servings
// and selections tables, empty in this demo, are tampered with in their own
// tests.)
func TestEveryProjectedColumnTampered(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, _ := demoInto(t, db)
		ctx := operator()
		if diffs, err := a.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("the demo's projections differ from the record: %v %v", diffs, err)
		}
		checked, want := 0, 0
		// check tampers with column k of each table given at once, and sees each
		// named; a value rulebook could not have written stops the check with an
		// error naming it, and then each is tampered with and checked alone.
		var check func(ps []projected, k int)
		check = func(ps []projected, k int) {
			var changes []change
			for _, p := range ps {
				changes = append(changes, tamper(t, db, p, p.cols[k]))
			}
			diffs, err := a.CheckProjection(ctx)
			report := strings.Join(diffs, "\n")
			if err != nil {
				report = err.Error()
			}
			// verify --projection compares otherwise (the members' sums split
			// the sealed joinings from their rows of personal, summed beside
			// the verify): it must name the same.
			res, vdiffs, verr := a.VerifyProjection(ctx, nil)
			vreport := strings.Join(vdiffs, "\n")
			if verr != nil {
				vreport = verr.Error()
			} else if !res.OK {
				t.Fatalf("verify --projection: the record fails to verify with %s tampered: %+v", ps[0].table, res)
			}
			for _, c := range changes {
				c.undo()
			}
			if (err != nil || verr != nil) && len(ps) > 1 {
				for _, p := range ps {
					check([]projected{p}, k)
				}
				return
			}
			for _, c := range changes {
				if !strings.Contains(report, c.names) {
					t.Errorf("%s.%s changed, not reported (looked for %q):\n%s", c.table, c.col, c.names, report)
				}
				if !strings.Contains(vreport, c.names) {
					t.Errorf("%s.%s changed, not reported by verify --projection (looked for %q):\n%s", c.table, c.col, c.names, vreport)
				}
				checked++
			}
		}
		maxCols := 0
		for _, p := range projectedTables {
			maxCols = max(maxCols, len(p.cols))
			want += len(p.cols)
		}
		// Round k changes column k of each table that has one, a few tables at a
		// time, so that each difference shows within the report's limit.
		for k := 0; k < maxCols; k++ {
			var round []projected
			for _, p := range projectedTables {
				if k < len(p.cols) {
					round = append(round, p)
				}
			}
			for len(round) > 0 {
				n := min(len(round), 4)
				check(round[:n], k)
				round = round[n:]
			}
		}
		if checked != want {
			t.Errorf("%d columns tampered with, of %d", checked, want)
		}
		if diffs, err := a.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("with every value put back: %v %v", diffs, err)
		}
	})
}

// change is one column changed in the database.
type change struct {
	table, col, names string
	undo              func()
}

// tamper changes col in the first row of p.table (by key) and returns how the
// report names it and how to put it back.
func tamper(t *testing.T, db *sqldb.DB, p projected, col string) (c change) {
	t.Helper()
	ctx := context.Background()
	sel := strings.Join(append(append([]string{}, p.keys...), col), ", ")
	filter := ""
	if p.where != "" {
		filter = " WHERE " + p.where
	}
	q := fmt.Sprintf(`SELECT %s FROM %s%s ORDER BY %s LIMIT 1`, sel, p.table, filter, strings.Join(p.keys, ", "))
	vals := make([]any, len(p.keys)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.Raw().QueryRowContext(ctx, q).Scan(ptrs...); err == sql.ErrNoRows {
		t.Fatalf("%s: the demo has no rows to tamper with", p.table)
	} else if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	old := vals[len(vals)-1]
	var changed any
	switch v := old.(type) {
	case int64:
		changed = v + 1
		if col == "closed" || col == "closing" || col == "disabled" {
			changed = 1 - v
		}
	case []byte:
		changed = changedText(col, string(v))
	case string:
		changed = changedText(col, v)
	default:
		t.Fatalf("%s.%s: a %T", p.table, col, old)
	}
	where := make([]string, len(p.keys))
	args := []any{changed}
	for i, k := range p.keys {
		args = append(args, vals[i])
		where[i] = fmt.Sprintf("%s = $%d", k, i+2)
	}
	upd := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s`, p.table, col, strings.Join(where, " AND "))
	if err := sqldbtest.Exec(db, upd, args...); err != nil {
		t.Fatalf("%s: %v", upd, err)
	}
	c.table, c.col, c.names = p.table, col, p.table
	if p.by != "" {
		c.names = p.label + fmt.Sprint(vals[indexOf(p.keys, p.by)])
	}
	// A changed key column moves the row: put it back by the new key.
	back := append([]any{old}, args[1:]...)
	if i := indexOf(p.keys, col); i >= 0 {
		back[i+1] = changed
	}
	c.undo = func() {
		if err := sqldbtest.Exec(db, upd, back...); err != nil {
			t.Fatalf("undo %s: %v", upd, err)
		}
	}
	return c
}

// changedText changes a text value in a way that matters: a JSON document
// stays one, with a value in it changed (an element added to a list, a letter
// to the first text in an object); a number stays a number; anything else gains
// a letter.
func changedText(col, v string) string {
	var doc any
	if strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &doc); err == nil {
			b, _ := json.Marshal(changedJSON(doc))
			return string(b)
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return strconv.FormatInt(n+1, 10)
	}
	return v + "x"
}

func changedJSON(doc any) any {
	switch d := doc.(type) {
	case []any:
		return append(d, "x")
	case map[string]any:
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := d[k].(string); ok && s != "" {
				d[k] = s + "x"
				return d
			}
		}
		for _, k := range keys {
			if inner, ok := d[k].(map[string]any); ok {
				d[k] = changedJSON(inner)
				return d
			}
		}
		d["x"] = "x"
	}
	return doc
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}
