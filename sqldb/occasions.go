package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
)

// The occasions recorded (matches played…) are kept one row per unit taking part,
// so that the occasions of a member's units come from an index; a measure served
// in occasions (a ban of three matches) is part of its member's history, in the
// servings table. When an occasion is recorded, the members whose measures it may
// serve are rebuilt from their events and the occasions of their units: the end
// of such a measure is known only once its last occasion is recorded.

// occasionRange is the range of subjects of occasion events, for an index scan.
var occasionRange = [2]string{rulebook.OccasionSubjectPrefix, strings.TrimSuffix(rulebook.OccasionSubjectPrefix, "/") + "0"}

// reprojectServing rebuilds member id if they have a measure served in occasions.
func (a *Appender) reprojectServing(id string) error {
	var n int
	if err := a.tx.QueryRowContext(a.ctx, `SELECT COUNT(*) FROM servings WHERE member_id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return a.reproject(id)
}

// occasionsFor gives reg, built from member id's own events, the occasions of the
// units they have belonged to, if they have a measure served in occasions.
func (a *Appender) occasionsFor(reg *rulebook.Register, id string) error {
	h := reg.Members[id]
	if h == nil || len(h.Servings) == 0 {
		return nil
	}
	units := reg.UnitsOf(id)
	if len(units) == 0 {
		return nil
	}
	var args []any
	rows, err := a.tx.QueryContext(a.ctx, `SELECT data, day, seq, event_id FROM occasions WHERE unit IN `+in(&args, units), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var ps []rulebook.OccasionPoint
	for rows.Next() {
		var p rulebook.OccasionPoint
		var data []byte
		var day int64
		if err := rows.Scan(&data, &day, &p.Seq, &p.EventID); err != nil {
			return err
		}
		if err := json.Unmarshal(data, &p.Occasion); err != nil {
			return err
		}
		if seen[p.ID] {
			continue // one row per unit taking part
		}
		seen[p.ID] = true
		p.Date = rulebook.Date(day)
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	reg.AddOccasions(ps)
	return nil
}

// reprojectOccasion rebuilds an occasion's rows from its events (the latest record
// not withdrawn by a correction), then the members whose measures it may serve or
// have served: those not served, or served after the earliest day the change
// touches, and not ended before it.
func (a *Appender) reprojectOccasion(subject string) error {
	evs, err := queryEvents(a.ctx, a.tx, `WHERE subject = $1 ORDER BY seq`, subject)
	if err != nil {
		return err
	}
	id := strings.TrimPrefix(subject, rulebook.OccasionSubjectPrefix)
	retracted := map[string]bool{}
	for _, e := range evs {
		if e.Type == rulebook.EventCorrected {
			var c rulebook.Correction
			if err := json.Unmarshal(e.Data, &c); err != nil {
				return err
			}
			retracted[c.Corrects] = true
		}
	}
	var latest *rulebook.Event
	for i := range evs {
		if evs[i].Type == rulebook.EventOccasionRecorded && !retracted[evs[i].ID] {
			latest = &evs[i]
		}
	}
	var old sql.NullInt64
	if err := a.tx.QueryRowContext(a.ctx, `SELECT MIN(day) FROM occasions WHERE id = $1`, id).Scan(&old); err != nil {
		return err
	}
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM occasions WHERE id = $1`, id); err != nil {
		return err
	}
	since := rulebook.Date(old.Int64)
	if latest != nil {
		var o rulebook.Occasion
		if err := json.Unmarshal(latest.Data, &o); err != nil {
			return err
		}
		if err := a.putOccasion(rulebook.OccasionPoint{Date: latest.Effective, EventID: latest.ID, Seq: latest.Seq, Occasion: o}, latest.Data); err != nil {
			return err
		}
		if !old.Valid || latest.Effective < since {
			since = latest.Effective
		}
	}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT DISTINCT member_id FROM servings WHERE (served = 0 OR served > $1) AND (ended = 0 OR ended > $1) ORDER BY member_id`, int64(since))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range ids {
		if err := a.reproject(m); err != nil {
			return err
		}
	}
	return nil
}

// putOccasion writes an occasion's rows; data is the event's data as recorded.
func (a *Appender) putOccasion(p rulebook.OccasionPoint, data []byte) error {
	counts := 0
	if p.Counts {
		counts = 1
	}
	for _, u := range dedupe(p.Units) {
		if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO occasions (id, unit, kind, day, outcome, counts, seq, event_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, u, p.Kind, int64(p.Date), p.Outcome, counts, p.Seq, p.EventID, string(data)); err != nil {
			return friendly(err)
		}
	}
	return nil
}

func dedupe(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	k := 0
	for i, x := range out {
		if i == 0 || x != out[k-1] {
			out[k] = x
			k++
		}
	}
	return out[:k]
}

// OccasionFilter selects occasions; zero fields select everything.
type OccasionFilter struct {
	ID       string
	Unit     string
	Kind     string
	From, To rulebook.Date // days, inclusive
}

// Occasions returns the occasions recorded (their latest records), by day and id.
func (db *DB) Occasions(ctx context.Context, f OccasionFilter) ([]rulebook.OccasionPoint, error) {
	return occasionRows(ctx, db.r, f)
}

func occasionRows(ctx context.Context, q querier, f OccasionFilter) ([]rulebook.OccasionPoint, error) {
	var conds []string
	var args []any
	if f.ID != "" {
		args = append(args, f.ID)
		conds = append(conds, fmt.Sprintf("id = $%d", len(args)))
	}
	if f.Unit != "" {
		args = append(args, f.Unit)
		conds = append(conds, fmt.Sprintf("unit = $%d", len(args)))
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		conds = append(conds, fmt.Sprintf("kind = $%d", len(args)))
	}
	if f.From != 0 {
		args = append(args, int64(f.From))
		conds = append(conds, fmt.Sprintf("day >= $%d", len(args)))
	}
	if f.To != 0 {
		args = append(args, int64(f.To))
		conds = append(conds, fmt.Sprintf("day <= $%d", len(args)))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := q.QueryContext(ctx, `SELECT id, day, seq, event_id, data FROM occasions`+where+` ORDER BY day, id, unit`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rulebook.OccasionPoint
	for rows.Next() {
		var p rulebook.OccasionPoint
		var id string
		var day int64
		var data []byte
		if err := rows.Scan(&id, &day, &p.Seq, &p.EventID, &data); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == id {
			continue
		}
		if err := json.Unmarshal(data, &p.Occasion); err != nil {
			return nil, err
		}
		p.Date = rulebook.Date(day)
		out = append(out, p)
	}
	return out, rows.Err()
}

// checkOccasions compares the stored occasions with reg's, adding a line for each
// that differs.
func (db *DB) checkOccasions(ctx context.Context, reg *rulebook.Register, add func(format string, args ...any)) error {
	rows, err := db.r.QueryContext(ctx, `SELECT id, unit, kind, day, outcome, counts, seq, event_id FROM occasions ORDER BY id, unit`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type row struct {
		kind, outcome, event string
		day, seq             int64
		counts               bool
	}
	have := map[[2]string]row{}
	for rows.Next() {
		var k [2]string
		var r row
		if err := rows.Scan(&k[0], &k[1], &r.kind, &r.day, &r.outcome, &r.counts, &r.seq, &r.event); err != nil {
			return err
		}
		have[k] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	want := map[[2]string]row{}
	for _, p := range reg.Occasions() {
		for _, u := range dedupe(p.Units) {
			want[[2]string{p.ID, u}] = row{kind: p.Kind, outcome: p.Outcome, event: p.EventID, day: int64(p.Date), seq: p.Seq, counts: p.Counts}
		}
	}
	for _, k := range sortedPairs(have, want) {
		h, hok := have[k]
		w, wok := want[k]
		switch {
		case !hok:
			add("occasion %s of %s is in the events but missing from the projection", k[0], k[1])
		case !wok:
			add("occasion %s of %s is stored but not in the events", k[0], k[1])
		case h != w:
			add("occasion %s of %s differs from the events", k[0], k[1])
		}
	}
	return nil
}

func sortedPairs[V any](ms ...map[[2]string]V) [][2]string {
	seen := map[[2]string]bool{}
	var out [][2]string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// withOccasions adds to a member's events the occasion events recorded (in stored
// order), when the member has a measure served in occasions: what they had served
// as recorded at an instant depends on the occasions recorded by then.
func withOccasions(ctx context.Context, q querier, evs []rulebook.Event) ([]rulebook.Event, error) {
	counted := false
	for i := range evs {
		if evs[i].Type != rulebook.EventStatusChanged {
			continue
		}
		var d struct {
			Count int `json:"count"`
		}
		if json.Unmarshal(evs[i].Data, &d) == nil && d.Count > 0 {
			counted = true
			break
		}
	}
	if !counted {
		return evs, nil
	}
	occ, err := queryEvents(ctx, q, `WHERE subject >= $1 AND subject < $2 ORDER BY seq`, occasionRange[0], occasionRange[1])
	if err != nil {
		return nil, err
	}
	all := append(evs, occ...)
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	return all, nil
}
