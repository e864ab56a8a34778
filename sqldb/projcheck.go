package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rulebook/rulebook"
)

// The register's projection is checked, and rebuilt, a range of members at a
// time, so that neither holds more of a large record in memory than one range
// of it: a member's history follows from their own events, the tree of units
// (for an update of the first releases, which named units by kind) and the
// occasions of their units (for a measure served in occasions). The units and
// the occasions, which are few, are projected first, from their own events;
// then each range of members is read — its events by the events_subject index,
// its stored rows by their keys — projected, and compared or written, several
// ranges at once when checking.

// memberEventTypes are the types of the events about a member that the register
// projects from.
var memberEventTypes = []string{rulebook.EventMemberJoined, rulebook.EventMemberUpdated, rulebook.EventStatusChanged,
	rulebook.EventRightsRestricted, rulebook.EventConditionWaived, rulebook.EventCorrected}

// memberRangeSize is how many members a range holds.
var memberRangeSize = 4096

// registerBase is what every member's projection needs from beyond their own
// events: the units and the occasions, projected from their events.
type registerBase struct {
	db    *DB
	reg   *rulebook.Register
	units []rulebook.Unit
	// byUnit lists the occasions each unit took part in.
	byUnit map[string][]rulebook.OccasionPoint
	// data holds each occasion event's data as recorded, by event id.
	data map[string][]byte
}

// prefixEnd is the least string above every string beginning with prefix,
// which ends in '/'.
func prefixEnd(prefix string) string { return strings.TrimSuffix(prefix, "/") + "0" }

// prefixCond writes the condition that col begins with prefix (which ends in
// '/'), adding its arguments to args, so that the events_subject index finds
// them: on SQLite a range of subjects (its LIKE ignores case, and so no index
// serves it); on PostgreSQL LIKE, which it turns into that range itself where
// the collation allows, and which holds under every collation (a range need
// not: some put "account/x" after "account0").
func (db *DB) prefixCond(col, prefix string, args *[]any) string {
	if db.dialect == "postgres" {
		*args = append(*args, strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)+"%")
		return fmt.Sprintf(`%s LIKE $%d ESCAPE '\'`, col, len(*args))
	}
	*args = append(*args, prefix, prefixEnd(prefix))
	return fmt.Sprintf(`%s >= $%d AND %s < $%d`, col, len(*args)-1, col, len(*args))
}

// loadBase projects the units and the occasions from their events.
func (db *DB) loadBase(ctx context.Context, q querier) (*registerBase, error) {
	var evs []rulebook.Event
	for _, prefix := range []string{rulebook.UnitSubjectPrefix, rulebook.LegacyUnitSubjectPrefix, rulebook.OccasionSubjectPrefix} {
		var args []any
		part, err := queryEvents(ctx, q, `WHERE `+db.prefixCond("subject", prefix, &args)+` ORDER BY seq`, args...)
		if err != nil {
			return nil, err
		}
		evs = append(evs, part...)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	reg, err := rulebook.Project(evs, "", time.Time{})
	if err != nil {
		return nil, err
	}
	b := &registerBase{db: db, reg: reg, byUnit: map[string][]rulebook.OccasionPoint{}, data: map[string][]byte{}}
	for _, id := range sortedUnitIDs(reg) {
		b.units = append(b.units, *reg.Units[id])
	}
	for _, p := range reg.Occasions() {
		for _, u := range dedupe(p.Units) {
			b.byUnit[u] = append(b.byUnit[u], p)
		}
	}
	for i := range evs {
		if evs[i].Type == rulebook.EventOccasionRecorded {
			b.data[evs[i].ID] = evs[i].Data
		}
	}
	return b, nil
}

// idRange is a range of ids, from lo (or the first, if "") up to and not
// including hi (or to the last, if "").
type idRange struct{ lo, hi string }

// cond writes the condition selecting the range's ids in col, with its
// arguments.
func (r idRange) cond(col string) (string, []any) {
	switch {
	case r.lo == "" && r.hi == "":
		return "1 = 1", nil
	case r.lo == "":
		return col + " < $1", []any{r.hi}
	case r.hi == "":
		return col + " >= $1", []any{r.lo}
	}
	return col + " >= $1 AND " + col + " < $2", []any{r.lo, r.hi}
}

// memberRanges cuts the members' ids, in order, into ranges of
// memberRangeSize, sending each as it is found: the database counts its way
// from one range's first id to the next's (LIMIT 1 OFFSET n), rather than
// giving every id to be counted here. The first range starts below every id and
// the last ends above every id, so that every subject of an event falls in one
// of them.
func memberRanges(ctx context.Context, q querier, send func(idRange) bool) error {
	lo := ""
	for {
		hi, found, err := firstID(ctx, q, `SELECT id FROM members WHERE id >= $1 ORDER BY id LIMIT 1 OFFSET $2`, lo, memberRangeSize)
		if err != nil {
			return err
		}
		if !found {
			send(idRange{lo: lo})
			return nil
		}
		if !send(idRange{lo, hi}) {
			return nil
		}
		lo = hi
	}
}

// firstID runs a query for one id, and reports whether there was one.
func firstID(ctx context.Context, q querier, query string, args ...any) (string, bool, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return "", false, err
	}
	defer rows.Close()
	var id string
	if !rows.Next() {
		return "", false, rows.Err()
	}
	err = rows.Scan(&id)
	return id, err == nil, err
}

// rangeEvents reads the events about the members whose ids are in r, by
// member and then in stored order. Their text fields come joined in one value,
// as verify reads them, which spares converting four values a row.
func (db *DB) rangeEvents(ctx context.Context, q querier, r idRange) ([]rulebook.Event, error) {
	cond, args := r.cond("subject")
	var types []string
	for _, t := range memberEventTypes {
		args = append(args, t)
		types = append(types, fmt.Sprintf("$%d", len(args)))
	}
	// The personal fields held apart come with their events (see queryEvents).
	rows, err := q.QueryContext(ctx, `SELECT seq, effective, `+db.joined("id", "type", "subject", "data")+`, p.psalt, p.pdata FROM events
		LEFT JOIN (SELECT seq AS pseq, salt AS psalt, data AS pdata FROM personal) p ON p.pseq = events.seq WHERE `+cond+
		` AND type IN (`+strings.Join(types, ", ")+`) ORDER BY subject, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []rulebook.Event
	var blob sql.RawBytes
	var parts [4][]byte
	for rows.Next() {
		var e rulebook.Event
		var eff int64
		var salt, personal []byte
		if err := rows.Scan(&e.Seq, &eff, &blob, &salt, &personal); err != nil {
			return nil, err
		}
		if !splitFields(blob, parts[:]) {
			return nil, fmt.Errorf("event at seq %d: a field holds the unit separator (0x1f), which rulebook never writes", e.Seq)
		}
		// Other kinds of subject ("unit/…", "occasion/…") are not members'.
		if bytes.IndexByte(parts[2], '/') >= 0 {
			continue
		}
		e.ID, e.Type, e.Subject = string(parts[0]), string(parts[1]), string(parts[2])
		e.Effective, e.Data = rulebook.Date(eff), bytes.Clone(parts[3])
		if err := openPersonal(&e, salt, personal); err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// joined writes the expression joining text columns with the unit separator
// (0x1f), which no id, type, subject or one-line field holds and JSON escapes,
// as one value.
func (db *DB) joined(cols ...string) string {
	if db.dialect == "postgres" {
		return `concat_ws(chr(31), ` + strings.Join(cols, ", ") + `)`
	}
	return `CAST(concat_ws(char(31), ` + strings.Join(cols, ", ") + `) AS BLOB)`
}

// splitFields splits b at unit separators into len(parts) fields, the last
// taking the rest; it reports false if b holds too few.
func splitFields(b []byte, parts [][]byte) bool {
	for i := 0; i < len(parts)-1; i++ {
		k := bytes.IndexByte(b, 0x1f)
		if k < 0 {
			return false
		}
		parts[i], b = b[:k], b[k+1:]
	}
	parts[len(parts)-1] = b
	return true
}

// asJoined writes the condition, on a row m of members and a row e of events,
// that m is exactly what e makes it: e is m's joining, and m's particulars and
// status, written as the record writes a joining (rulebook.MarshalData:
// encoding/json, HTML left unescaped), are e's data byte for byte.
//
// The particulars must hold no quote, and the data no backslash, so that no
// text can pass for more than itself (a name ending in a quote and the next
// field, or a backslash and a letter for an escaped character): a member with
// a text JSON escapes is compared as any other.
func (db *DB) asJoined(m, e string) string {
	text := func(col string) string { return m + "." + col }
	opt := func(col string) string {
		return `CASE WHEN ` + text(col) + ` = '' THEN '' ELSE ',"` + col + `":"' || ` + text(col) + ` || '"' END`
	}
	// Dates are days from 1970-01-01, which is day 1; SQLite reads a number as a
	// Julian day.
	day := `date(` + text("joined") + ` + 2440586.5)`
	if db.dialect == "postgres" {
		day = `to_char(date '1969-12-31' + ` + text("joined") + `::integer, 'YYYY-MM-DD')`
	}
	// A quote in a particular could pass for the end of it and the next field;
	// a backslash in the data, for an escape the particular does not hold. The
	// rest JSON escapes (control characters, the line separators, invalid UTF-8)
	// cannot stand in a joining the record wrote, unescaped.
	var plain []string
	for _, col := range []string{"id", "name", "email", "phone", "address", "unit", "status"} {
		plain = append(plain, `strpos(`+text(col)+`, '"') = 0`)
	}
	plain = append(plain, `strpos(`+e+`.data, '\') = 0`)
	quotes := strings.Join(plain, " AND ")
	if db.dialect == "sqlite" {
		quotes = strings.ReplaceAll(quotes, "strpos(", "instr(")
	}
	data := `'{"member":{"id":"' || ` + text("id") + ` || '","name":"' || ` + text("name") + ` || '"' || ` + opt("email") + ` || ` + opt("phone") +
		` || ` + opt("address") + ` || ` + opt("unit") + ` || ',"joined":"' || ` + day + ` || '"}' || ` + opt("status") + ` || '}'`
	// A joining recorded since personal data is held apart (rulebook.SealPersonal)
	// stores null for each particular given, the commitment first; the
	// particulars are in its row of personal, in the order the data gives them.
	// (That row matches the commitment: the plain verify checks every one.)
	null := func(col string) string {
		return `CASE WHEN ` + text(col) + ` = '' THEN '' ELSE ',"` + col + `":null' END`
	}
	held := func(col string) string {
		return `CASE WHEN ` + text(col) + ` = '' THEN '' ELSE ',"member.` + col + `":"' || ` + text(col) + ` || '"' END`
	}
	substr := "substr"
	if db.dialect == "postgres" {
		substr = "substring"
	}
	sealed := `'{"` + rulebook.PersonalKey + `":"' || ` + substr + `(` + e + `.data, ` + fmt.Sprint(len(`{"`+rulebook.PersonalKey+`":"`)+1) + `, 64) || '","member":{"id":"' || ` + text("id") +
		` || '","name":null' || ` + null("email") + ` || ` + null("phone") + ` || ` + null("address") + ` || ` + opt("unit") +
		` || ',"joined":"' || ` + day + ` || '"}' || ` + opt("status") + ` || '}'`
	fields := `'{"member.name":"' || ` + text("name") + ` || '"' || ` + held("email") + ` || ` + held("phone") + ` || ` + held("address") + ` || '}'`
	personal := `EXISTS (SELECT 1 FROM personal p WHERE p.seq = ` + e + `.seq AND p.data = ` + fields + `)`
	return e + `.type = '` + rulebook.EventMemberJoined + `' AND ` + e + `.subject = ` + text("id") + ` AND ` + e + `.id = ` + text("join_event") +
		` AND ` + e + `.effective = ` + text("joined") + ` AND ` + quotes + ` AND (` + e + `.data = ` + data +
		` OR (` + text("name") + ` <> '' AND ` + e + `.data = ` + sealed + ` AND ` + personal + `))`
}

// noSlash writes the condition that a text holds no '/': a member's id, not
// another kind of subject ("unit/…", "case/…").
func (db *DB) noSlash(col string) string {
	if db.dialect == "postgres" {
		return `strpos(` + col + `, '/') = 0`
	}
	return `instr(` + col + `, '/') = 0`
}

// slowMembers returns the ids of the members in r that are not stored exactly
// as their joining alone makes them: the stored members that are not as their
// joining makes them (asJoined), or that have more stored than their joining
// (status points, restrictions, waivers, measures served in occasions); and the
// subjects of events about members that are not the stored joining of their
// member (a member's later events, or a joining not stored), read from the
// events_subject index alone. Only they need to be projected and compared; the
// rest are checked in the database alone, which for most members of a large
// register is all there is to check.
func (db *DB) slowMembers(ctx context.Context, q querier, r idRange) ([]string, error) {
	mc, args := r.cond("m.id")
	ec, _ := r.cond("e.subject")
	xc, _ := r.cond("member_id")
	query := `SELECT m.id FROM members m WHERE ` + mc + ` AND NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = m.join_seq AND ` + db.asJoined("m", "e") + `)
		UNION
		SELECT e.subject FROM events e WHERE ` + ec + ` AND ` + db.noSlash("e.subject") + `
			AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = e.subject AND m.join_seq = e.seq)`
	for _, t := range []string{"status_points", "restrictions", "waivers", "servings"} {
		query += ` UNION SELECT member_id FROM ` + t + ` WHERE ` + xc
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		// Other kinds of subject ("unit/…", "occasion/…") are not members'.
		if !strings.Contains(id, "/") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, rows.Err()
}

// subjectEvents reads the events about the members named, in stored order.
func subjectEvents(ctx context.Context, q querier, ids []string) ([]rulebook.Event, error) {
	var out []rulebook.Event
	for k := 0; k < len(ids); k += 1000 {
		var args []any
		list := in(&args, ids[k:min(k+1000, len(ids))])
		var types []string
		for _, t := range memberEventTypes {
			args = append(args, t)
			types = append(types, fmt.Sprintf("$%d", len(args)))
		}
		evs, err := queryEvents(ctx, q, `WHERE subject IN `+list+` AND type IN (`+strings.Join(types, ", ")+`) ORDER BY seq`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// projectRange projects the members whose ids are in r from their events, the
// units and the occasions of their units.
func (b *registerBase) projectRange(ctx context.Context, q querier, r idRange) (*rulebook.Register, error) {
	evs, err := b.db.rangeEvents(ctx, q, r)
	if err != nil {
		return nil, err
	}
	return b.project(evs)
}

// project projects members from their events (in any order of members), the
// units and the occasions of their units.
func (b *registerBase) project(evs []rulebook.Event) (*rulebook.Register, error) {
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	var units []rulebook.Unit
	if rulebook.NeedsUnits(evs) {
		units = b.units
	}
	reg, err := rulebook.ProjectWith(units, evs, "", time.Time{})
	if err != nil {
		return nil, err
	}
	// A measure served in occasions is served by the occasions of every unit its
	// member has been in, whenever they were recorded.
	var ps []rulebook.OccasionPoint
	seen := map[string]bool{}
	for id, h := range reg.Members {
		if len(h.Servings) == 0 {
			continue
		}
		for _, u := range reg.UnitsOf(id) {
			for _, p := range b.byUnit[u] {
				if !seen[p.ID] {
					seen[p.ID] = true
					ps = append(ps, p)
				}
			}
		}
	}
	if len(ps) > 0 {
		reg.AddOccasions(ps)
	}
	return reg, nil
}

// checkRange compares the stored histories of the members in r with what
// their events make them: in the database, those stored as their joining alone
// makes them (see asJoined); here, projected from their events, the rest.
func (b *registerBase) checkRange(ctx context.Context, q querier, r idRange, rep *diffReport) error {
	ids, err := b.db.slowMembers(ctx, q, r)
	if err != nil || len(ids) == 0 {
		return err
	}
	if checkStats != nil {
		checkStats(len(ids))
	}
	evs, err := subjectEvents(ctx, q, ids)
	if err != nil {
		return err
	}
	var stored []*rulebook.History
	for k := 0; k < len(ids); k += 1000 {
		var args []any
		list := in(&args, ids[k:min(k+1000, len(ids))])
		part, err := historyRows(ctx, q, func(col string) string { return col + " IN " + list }, args...)
		if err != nil {
			return err
		}
		stored = append(stored, part...)
	}
	want, err := b.project(evs)
	if err != nil {
		return err
	}
	type diff struct{ id, line string }
	var diffs []diff
	have := make(map[string]bool, len(stored))
	for _, h := range stored {
		id := h.Member.ID
		have[id] = true
		switch w := want.Members[id]; {
		case w == nil:
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s is stored but no event creates them", id)})
		case !sameHistory(w, h):
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s: stored projection differs from the events", id)})
		}
	}
	for id := range want.Members {
		if !have[id] {
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s is in the events but missing from the projection", id)})
		}
	}
	sort.Slice(diffs, func(i, j int) bool { return diffs[i].id < diffs[j].id })
	for _, d := range diffs {
		rep.add("members", d.line)
	}
	return nil
}

// checkStats, if set, is told how many members of a range were projected and
// compared whole (tests).
var checkStats func(slow int)

// sameHistory reports whether two histories are the same, nil and empty alike.
func sameHistory(x, y *rulebook.History) bool {
	a, b := normal(x), normal(y)
	if a.Member != b.Member || len(a.Points) != len(b.Points) || len(a.Restrictions) != len(b.Restrictions) ||
		len(a.Waivers) != len(b.Waivers) || len(a.Servings) != len(b.Servings) {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// checkMembers compares every member's stored history with what their events
// make it, several ranges at once, reporting in the order of the members' ids.
func (b *registerBase) checkMembers(ctx context.Context, q querier, rep *diffReport) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		rep *diffReport
		err error
	}
	var (
		mu      sync.Mutex
		results []*result
	)
	next := make(chan int)
	ranges := map[int]idRange{}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				mu.Lock()
				r, res := ranges[i], results[i]
				mu.Unlock()
				res.rep = &diffReport{byTable: map[string]int{}}
				if res.err = b.checkRange(ctx, q, r, res.rep); res.err != nil {
					cancel()
				}
			}
		}()
	}
	err := memberRanges(ctx, q, func(r idRange) bool {
		mu.Lock()
		i := len(results)
		results = append(results, &result{})
		ranges[i] = r
		mu.Unlock()
		select {
		case next <- i:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(next)
	wg.Wait()
	for _, res := range results {
		if res.err != nil {
			return res.err
		}
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, res := range results {
		rep.merge(res.rep)
	}
	return nil
}

// merge adds the differences o found after those r holds.
func (r *diffReport) merge(o *diffReport) {
	for _, d := range o.diffs {
		if len(r.diffs) < MaxDiffs {
			r.diffs = append(r.diffs, d)
		}
	}
	r.n += o.n
	for t, n := range o.byTable {
		r.byTable[t] += n
	}
}

// checkUnits compares the stored units with the base's.
func (b *registerBase) checkUnits(ctx context.Context, q querier, rep *diffReport) error {
	units, err := unitRows(ctx, q)
	if err != nil {
		return err
	}
	if len(units) != len(b.reg.Units) {
		rep.add("units", fmt.Sprintf("%d units stored, %d in the events", len(units), len(b.reg.Units)))
	}
	for _, u := range units {
		if w := b.reg.Units[u.ID]; w == nil || *w != u {
			rep.add("units", fmt.Sprintf("unit %s differs from the events", u.ID))
		}
	}
	return nil
}

// complaintProjection lists the tables the complaints fill from their events,
// with every column derived from them but the case a complaint is part of,
// which the case projection sets (and checks).
var complaintProjection = []projTable{
	{name: "complaints", key: []string{"id"}, cols: []string{"reported", "received", "respondent", "about", "complainant", "from_kind", "via", "summary", "seq"},
		label: func(v func(string) string) string { return "complaint " + v("id") }},
	{name: "complaint_counts", key: []string{"quarter"}, cols: []string{"complaints"}},
}

// eventBatch is how many events a rebuild or a check reads at a time where it
// writes between reads in the same transaction.
const eventBatch = 4096

// projectComplaints projects every complaint event again inside a's
// transaction, a batch of events at a time, after the complaints were cleared.
func (a *Appender) projectComplaints() error {
	var after int64
	for {
		args := []any{after, rulebook.EventComplaintReported, rulebook.EventComplaintReceived}
		cond := a.db.prefixCond("subject", rulebook.ComplaintSubjectPrefix, &args)
		evs, err := queryEvents(a.ctx, a.tx, fmt.Sprintf(`WHERE seq > $1 AND type IN ($2, $3) AND %s ORDER BY seq LIMIT %d`, cond, eventBatch), args...)
		if err != nil {
			return err
		}
		for i := range evs {
			if err := a.projectComplaint(&evs[i]); err != nil {
				return fmt.Errorf("event %s (%s): %w", evs[i].ID, evs[i].Type, err)
			}
		}
		if len(evs) < eventBatch {
			return nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// clearComplaints empties the complaints' tables inside a's transaction.
func (a *Appender) clearComplaints() error {
	for _, t := range []string{"complaints", "complaint_counts"} {
		if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	return nil
}

// checkComplaints compares the stored complaints and their counts with what
// their events make them, inside a's transaction (which is rolled back): the
// stored tables are copied aside, projected again from the events, and the two
// compared in SQL.
func (a *Appender) checkComplaints(rep *diffReport) error {
	if err := a.copyAside(complaintProjection); err != nil {
		return err
	}
	if err := a.clearComplaints(); err != nil {
		return err
	}
	if err := a.projectComplaints(); err != nil {
		return err
	}
	for _, t := range complaintProjection {
		if err := t.compare(a.ctx, a.tx, rep); err != nil {
			return fmt.Errorf("compare %s: %w", t.name, err)
		}
	}
	return nil
}

// copyAside copies each table's compared columns to verify_<name>, inside a's
// transaction. PostgreSQL keeps temporary tables out of its write-ahead log;
// SQLite keeps them in memory here (temp_store), so its copies are ordinary
// tables, in the file, that the rollback removes.
func (a *Appender) copyAside(tables []projTable) error {
	create := "CREATE TABLE"
	if a.db.dialect == "postgres" {
		create = "CREATE TEMPORARY TABLE"
	}
	for _, t := range tables {
		cols := strings.Join(append(append([]string{}, t.key...), t.cols...), ", ")
		if _, err := a.tx.ExecContext(a.ctx, create+` verify_`+t.name+` AS SELECT `+cols+` FROM `+t.name); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	return nil
}

// CheckProjection compares the stored register — the members' histories, the
// units, the occasions — and the complaints with what the events make them,
// holding the write lock so that nothing changes meanwhile; nothing stored is
// changed. The members are projected and compared a range at a time, several at
// once, and the complaints in SQL, so memory does not grow with the record. It
// returns one line per difference, at most MaxDiffs of them, and a last line
// counting the rest.
func (db *DB) CheckProjection(ctx context.Context) ([]string, error) {
	a, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	// Nothing the check does is ever kept.
	defer a.Rollback()
	// Reads go through the pool (no write can commit while the lock is held):
	// each range from a connection of its own.
	base, err := db.loadBase(ctx, db.r)
	if err != nil {
		return nil, err
	}
	rep := &diffReport{byTable: map[string]int{}}
	if err := base.checkMembers(ctx, db.r, rep); err != nil {
		return nil, err
	}
	if err := base.checkUnits(ctx, db.r, rep); err != nil {
		return nil, err
	}
	if err := db.checkOccasions(ctx, base.reg, func(format string, args ...any) { rep.add("occasions", fmt.Sprintf(format, args...)) }); err != nil {
		return nil, err
	}
	if err := a.checkComplaints(rep); err != nil {
		return nil, err
	}
	return rep.lines(), nil
}

// Rebuild throws the register's projection and the complaints away and
// rebuilds them from the events, in one transaction, a range of members at a
// time.
func (db *DB) Rebuild(ctx context.Context) error {
	a, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer a.Rollback()
	for _, t := range []string{"status_points", "restrictions", "waivers", "servings", "occasions", "members", "units"} {
		if _, err := a.tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	if err := a.clearComplaints(); err != nil {
		return err
	}
	if err := a.projectComplaints(); err != nil {
		return err
	}
	// The events are read through the transaction, under the lock, so that none
	// appended meanwhile is left out.
	base, err := db.loadBase(ctx, a.tx)
	if err != nil {
		return err
	}
	for _, u := range base.units {
		a.units.add(u.ID, u.Name, u.Kind, u.Parent)
	}
	for _, p := range base.reg.Occasions() {
		if err := a.putOccasion(p, base.data[p.EventID]); err != nil {
			return err
		}
	}
	// The ranges are cut from the ids of the members stored before, which the
	// transaction has deleted: read them from the events instead.
	ranges, err := eventMemberRanges(ctx, a.tx)
	if err != nil {
		return err
	}
	for _, r := range ranges {
		reg, err := base.projectRange(ctx, a.tx, r)
		if err != nil {
			return err
		}
		for _, id := range reg.SortedMemberIDs() {
			a.queueHistory(reg.Members[id])
		}
		if err := a.flush(); err != nil {
			return err
		}
	}
	if err := a.Commit(); err != nil {
		return err
	}
	return db.Analyze(ctx, RegisterTables...)
}

// eventMemberRanges cuts the subjects of the members' joinings, in order, into
// ranges of about memberRangeSize, covering every subject.
func eventMemberRanges(ctx context.Context, q querier) ([]idRange, error) {
	rows, err := q.QueryContext(ctx, `SELECT subject FROM events WHERE type = $1 ORDER BY subject`, rulebook.EventMemberJoined)
	if err != nil {
		return nil, err
	}
	var subjects []string
	n := 0
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		if n++; n > memberRangeSize {
			subjects = append(subjects, s)
			n = 1
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []idRange
	lo := ""
	for _, s := range subjects {
		if s == lo {
			continue
		}
		out = append(out, idRange{lo, s})
		lo = s
	}
	return append(out, idRange{lo: lo}), nil
}

// EachSubject calls f with the events of each subject beginning with prefix
// (which ends in '/'), subject by subject, each subject's in stored order. They
// are read through the appender's transaction a page at a time, so that f may
// write through it, and so that no more than a page and one subject's events are
// held at once.
func (a *Appender) EachSubject(prefix string, f func(evs []rulebook.Event) error) error {
	if err := a.flush(); err != nil {
		return err
	}
	var pending []rulebook.Event
	after, afterSeq := prefix, int64(0)
	for {
		args := []any{after, afterSeq}
		cond := a.db.prefixCond("subject", prefix, &args)
		page, err := queryEvents(a.ctx, a.tx, fmt.Sprintf(`WHERE (subject, seq) > ($1, $2) AND %s ORDER BY subject, seq LIMIT %d`, cond, eventBatch), args...)
		if err != nil {
			return err
		}
		for _, e := range page {
			if !strings.HasPrefix(e.Subject, prefix) {
				continue
			}
			if len(pending) > 0 && pending[0].Subject != e.Subject {
				if err := f(pending); err != nil {
					return err
				}
				pending = nil
			}
			pending = append(pending, e)
		}
		if len(page) < eventBatch {
			if len(pending) > 0 {
				return f(pending)
			}
			return nil
		}
		after, afterSeq = page[len(page)-1].Subject, page[len(page)-1].Seq
	}
}
