package sqldb

import (
	"bytes"
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"math/bits"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/rulebook/rulebook"
)

// The register's projection is checked, and rebuilt, so that neither holds
// more of a large record in memory than a range (a batch) of members: a
// member's history follows from their own events, the tree of units (for an
// update of the first releases, which named units by kind) and the occasions of
// their units (for a measure served in occasions). The units and the
// occasions, which are few, are projected first, from their own events.
//
// A rebuild then projects and writes a range of members at a time. A check
// finds first, in the database, the members stored exactly as their joining
// alone makes them, with nothing more stored and no other event (asJoined, and
// a count of the events): most members of a large register. Only the rest are
// read, projected from their events and compared here, a batch at a time,
// several at once.

// memberEventTypes are the types of the events about a member that the register
// projects from.
var memberEventTypes = []string{rulebook.EventMemberJoined, rulebook.EventMemberUpdated, rulebook.EventStatusChanged,
	rulebook.EventRightsRestricted, rulebook.EventConditionWaived, rulebook.EventCorrected}

// memberRangeSize is how many members a range holds.
var memberRangeSize = 32768

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
// them: a range of subjects, where the database orders text by its characters'
// codes (SQLite; PostgreSQL under the C collations), else LIKE, which holds under
// every collation (some put "case/x" after "case0") but which PostgreSQL reads
// the whole record for (its index serves LIKE under C alone). SQLite's LIKE
// ignores case, and so no index serves it either.
func (db *DB) prefixCond(ctx context.Context, col, prefix string, args *[]any) string {
	if db.dialect == "postgres" && !db.codeOrder(ctx) {
		*args = append(*args, strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)+"%")
		return fmt.Sprintf(`%s LIKE $%d ESCAPE '\'`, col, len(*args))
	}
	*args = append(*args, prefix, prefixEnd(prefix))
	return fmt.Sprintf(`%s >= $%d AND %s < $%d`, col, len(*args)-1, col, len(*args))
}

// codeOrder reports whether the PostgreSQL database orders text by its
// characters' codes (the C collations), asked once.
func (db *DB) codeOrder(ctx context.Context) bool {
	db.collation.Do(func() {
		var c string
		if err := db.r.QueryRowContext(ctx, `SELECT datcollate FROM pg_database WHERE datname = current_database()`).Scan(&c); err == nil {
			switch strings.ToLower(strings.ReplaceAll(c, "-", "")) {
			case "c", "posix", "c.utf8", "ucs_basic":
				db.codeOrdered = true
			}
		}
	})
	return db.codeOrdered
}

// loadBase projects the units and the occasions from their events.
func (db *DB) loadBase(ctx context.Context, q querier) (*registerBase, error) {
	var evs []rulebook.Event
	for _, prefix := range []string{rulebook.UnitSubjectPrefix, rulebook.LegacyUnitSubjectPrefix, rulebook.OccasionSubjectPrefix} {
		var args []any
		part, err := queryEvents(ctx, q, `WHERE `+db.prefixCond(ctx, "subject", prefix, &args)+` ORDER BY seq`, args...)
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
	return db.memberEvents(ctx, q, cond, args, nil)
}

// membersEvents is rangeEvents for the members ids (any order); keep, if not
// nil, is given each of their rows of personal (its seq and its data, as
// held).
func (db *DB) membersEvents(ctx context.Context, q querier, ids []string, keep func(seq int64, personal []byte)) ([]rulebook.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cond, args := db.idSet(ids)
	return db.memberEvents(ctx, q, cond("subject"), args, keep)
}

// rangesCompared, if set, is told each time a range of members is compared
// in the database, its digests having differed (tests).
var rangesCompared func()

// memberEvents reads the events about members where cond (on subject, with
// its arguments args, numbered from $1) holds, as rangeEvents does.
func (db *DB) memberEvents(ctx context.Context, q querier, cond string, args []any, keep func(seq int64, personal []byte)) ([]rulebook.Event, error) {
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
		if keep != nil && personal != nil {
			keep(e.Seq, personal)
		}
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
//
// concat_ws leaves a NULL out, separator and all: each column stands as
// chr(30) when NULL, so that a row always has as many separators as columns
// less one, and a separator within a value (an insider's, with a NULL after it
// to make up the count) makes one more, which splitFields' callers refuse.
func (db *DB) joined(cols ...string) string {
	vals := make([]string, len(cols))
	for i, c := range cols {
		if db.dialect == "postgres" {
			vals[i] = `COALESCE(` + c + `::text, chr(30))`
		} else {
			vals[i] = `COALESCE(` + c + `, char(30))`
		}
	}
	if db.dialect == "postgres" {
		return `concat_ws(chr(31), ` + strings.Join(vals, ", ") + `)`
	}
	return `CAST(concat_ws(char(31), ` + strings.Join(vals, ", ") + `) AS BLOB)`
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

// notJoined returns, by id, the stored members in r that are not exactly as
// their joining alone makes them (asJoined), or that have more stored than
// their joining (status points, restrictions, waivers, measures served in
// occasions); and how many members r holds in all.
func (db *DB) notJoined(ctx context.Context, q querier, r idRange) ([]string, int, error) {
	mc, args := r.cond("m.id")
	xc, _ := r.cond("member_id")
	// Each member's joining is read by its seq, one at a time: on PostgreSQL
	// behind a fence (OFFSET 0), or the planner, unsure of a fresh table, may
	// sort the whole record to join it to a range of members.
	query := `SELECT m.id FROM members m WHERE ` + mc + ` AND NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = m.join_seq AND ` + db.asJoined("m", "e") + `)`
	if db.dialect == "postgres" {
		query = `SELECT m.id FROM members m LEFT JOIN LATERAL (SELECT * FROM events e WHERE e.seq = m.join_seq OFFSET 0) e ON true
			WHERE ` + mc + ` AND NOT COALESCE(` + db.asJoined("m", "e") + `, false)`
	}
	for _, t := range []string{"status_points", "restrictions", "waivers", "servings"} {
		query += ` UNION SELECT member_id FROM ` + t + ` WHERE ` + xc
	}
	ids, err := queryIDs(ctx, q, query, args...)
	if err != nil {
		return nil, 0, err
	}
	var n int
	err = scanOne(ctx, q, &n, `SELECT COUNT(*) FROM members m WHERE `+mc, args...)
	return ids, n, err
}

// strayEvents returns the subjects in r of events about members that are not
// the stored joining of their member: a member's later events, or a joining
// not stored.
func (db *DB) strayEvents(ctx context.Context, q querier, r idRange) ([]string, error) {
	ec, args := r.cond("e.subject")
	query := `SELECT DISTINCT e.subject FROM events e WHERE ` + ec + ` AND ` + db.noSlash("e.subject") + `
		AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = e.subject AND m.join_seq = e.seq)`
	if db.dialect == "postgres" {
		query = `SELECT DISTINCT e.subject FROM events e LEFT JOIN LATERAL (SELECT m.join_seq FROM members m WHERE m.id = e.subject OFFSET 0) m ON true
			WHERE ` + ec + ` AND ` + db.noSlash("e.subject") + ` AND m.join_seq IS DISTINCT FROM e.seq`
	}
	return queryIDs(ctx, q, query, args...)
}

// queryIDs runs a query for ids, and returns those of members (not "unit/…",
// "occasion/…"), in order.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
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
		if !strings.Contains(id, "/") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, rows.Err()
}

// scanOne runs a query for one value.
func scanOne(ctx context.Context, q querier, v any, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(v); err != nil {
		return err
	}
	return rows.Close()
}

// subjectEvents reads every event about the members named, in stored order.
func (db *DB) subjectEvents(ctx context.Context, q querier, ids []string) ([]rulebook.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cond, args := db.idSet(ids)
	return queryEvents(ctx, q, `WHERE `+cond("subject")+` ORDER BY seq`, args...)
}

// idSet writes the condition that a column is one of ids, with its
// arguments: the ids passed as one argument, an array on PostgreSQL, a JSON
// array on SQLite. The statement is then the same however many ids there are,
// and quick to prepare, where a list of a thousand parameters takes longer to
// prepare than to run. (JSON holds only UTF-8: other ids go in a list.)
func (db *DB) idSet(ids []string) (cond func(col string) string, args []any) {
	switch {
	case db.dialect == "postgres":
		return func(col string) string { return col + " = ANY($1)" }, []any{ids}
	case !slices.ContainsFunc(ids, func(id string) bool { return !utf8.ValidString(id) }):
		list, _ := json.Marshal(ids)
		return func(col string) string { return col + " IN (SELECT value FROM json_each($1))" }, []any{string(list)}
	}
	list := in(&args, ids)
	return func(col string) string { return col + " IN " + list }, args
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
	// The units are given whether or not an update of the first releases
	// needs them (only those read them): asking (NeedsUnits) decoded every
	// update once more than the projection does, a fifth of projecting a
	// register of members who had moved.
	reg, err := rulebook.ProjectWith(b.units, evs, "", time.Time{})
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
//
// Which members those are is found from the stored members: each is either
// as their joining makes them, with nothing more stored, or not. That the
// events hold nothing more about the first — no later event, no joining of a
// member not stored — is then a matter of counting: the events about members
// in r must be one for each of the first and all those about the rest. Only if
// they are not are the events read for the strays.
func (b *registerBase) checkRange(ctx context.Context, q querier, r idRange, rep *memberDiffs) error {
	if rangesCompared != nil {
		rangesCompared()
	}
	ids, stored, err := b.db.notJoined(ctx, q, r)
	if err != nil {
		return err
	}
	var events int
	ec, args := r.cond("subject")
	if err := scanOne(ctx, q, &events, `SELECT COUNT(*) FROM events WHERE `+ec+` AND `+b.db.noSlash("subject"), args...); err != nil {
		return err
	}
	evs, err := b.db.subjectEvents(ctx, q, ids)
	if err != nil {
		return err
	}
	// ids are all stored members (or, in a damaged projection, points of
	// members that are not: then the count fails, and the strays are looked for).
	if events != stored-len(ids)+len(evs) {
		stray, err := b.db.strayEvents(ctx, q, r)
		if err != nil {
			return err
		}
		var more []string
		for _, id := range stray {
			if _, found := slices.BinarySearch(ids, id); !found {
				more = append(more, id)
			}
		}
		extra, err := b.db.subjectEvents(ctx, q, more)
		if err != nil {
			return err
		}
		ids, evs = append(ids, more...), append(evs, extra...)
		sort.Strings(ids)
	}
	_, err = b.compareMembers(ctx, q, ids, evs, ids, rep)
	return err
}

// compareMembers compares the stored histories of the members ids (in order)
// with what their events evs (every event about them) make them, and returns
// how many of them are stored.
func (b *registerBase) compareMembers(ctx context.Context, q querier, ids []string, evs []rulebook.Event, keyed []string, rep *memberDiffs) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if checkStats != nil {
		checkStats(len(ids))
	}
	have, err := b.db.historiesOf(ctx, q, ids)
	if err != nil {
		return 0, err
	}
	var keys []string
	if len(keyed) > 0 {
		kcond, kargs := b.db.idSet(keyed)
		more, err := searchKeyDiffs(ctx, q, kcond, kargs)
		if err != nil {
			return 0, err
		}
		keys = append(keys, more...)
	}
	mine := evs[:0]
	for _, e := range evs {
		if slices.Contains(memberEventTypes, e.Type) {
			mine = append(mine, e)
		}
	}
	want, err := b.project(mine)
	if err != nil {
		return 0, err
	}
	type diff struct{ id, line string }
	var diffs []diff
	seen := make(map[string]bool, len(have))
	for _, h := range have {
		id := h.Member.ID
		seen[id] = true
		switch w := want.Members[id]; {
		case w == nil:
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s is stored but no event creates them", id)})
		case !sameHistory(w, h):
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s: stored projection differs from the events", id)})
		}
	}
	for id := range want.Members {
		if !seen[id] {
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s is in the events but missing from the projection", id)})
		}
	}
	// Rows beyond a joining stored for someone neither stored nor in the
	// events: dormant until a member of that id joins, whose history they
	// would then join.
	var strays []string
	for _, id := range ids {
		if !seen[id] && want.Members[id] == nil {
			strays = append(strays, id)
		}
	}
	if len(strays) > 0 {
		cond, args := b.db.idSet(strays)
		for _, t := range []string{"status_points", "restrictions", "waivers", "servings"} {
			found, err := queryIDs(ctx, q, `SELECT DISTINCT member_id FROM `+t+` WHERE `+cond("member_id"), args...)
			if err != nil {
				return 0, err
			}
			for _, id := range found {
				diffs = append(diffs, diff{id, fmt.Sprintf("member %s: rows of %s are stored for them, but no event creates them", id, t)})
			}
		}
	}
	// A name changed leaves its key behind: the member is named once, for
	// whatever else differs.
	named := make(map[string]bool, len(diffs))
	for _, d := range diffs {
		named[d.id] = true
	}
	for _, id := range keys {
		if !named[id] {
			diffs = append(diffs, diff{id, fmt.Sprintf("member %s: stored search key is not their name's (a search by name finds them wrongly, or not at all)", id)})
		}
	}
	sort.SliceStable(diffs, func(i, j int) bool { return diffs[i].id < diffs[j].id })
	for _, d := range diffs {
		rep.add(d.id, d.line)
	}
	return len(have), nil
}

// searchKeyDiffs returns the members where cond selects (on their id) whose
// stored search key is not their stored name's: the projection keeps it
// rulebook.SearchKey(name), and nothing in the events says it otherwise.
func searchKeyDiffs(ctx context.Context, q querier, cond func(col string) string, args []any) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, search_key FROM members WHERE `+cond("id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	var id, name, key []byte
	for rows.Next() {
		if err := rows.Scan(&id, &name, &key); err != nil {
			return nil, err
		}
		if !isSearchKey(name, key) {
			out = append(out, string(id))
		}
	}
	return out, rows.Err()
}

// isSearchKey reports whether key is rulebook.SearchKey(name), without
// allocating for a name in ASCII of ordinary length.
func isSearchKey(name, key []byte) bool {
	var small [128]byte
	if len(name) > len(small) {
		return rulebook.SearchKey(string(name)) == string(key)
	}
	low := small[:len(name)]
	for i, c := range name {
		if c >= 0x80 {
			return rulebook.SearchKey(string(name)) == string(key)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	// The words as strings.Fields finds them in ASCII: runs of anything but
	// its spaces (\t \n \v \f \r and ' '); the last first, then the rest.
	var words [16][2]int
	n := 0
	for i := 0; i < len(low); {
		for i < len(low) && asciiSpace(low[i]) {
			i++
		}
		j := i
		for j < len(low) && !asciiSpace(low[j]) {
			j++
		}
		if j > i {
			if n == len(words) {
				return rulebook.SearchKey(string(name)) == string(key)
			}
			words[n] = [2]int{i, j}
			n++
		}
		i = j
	}
	rest := key
	take := func(w [2]int) bool {
		x := low[w[0]:w[1]]
		if !bytes.HasPrefix(rest, x) {
			return false
		}
		rest = rest[len(x):]
		return true
	}
	sp := func() bool {
		if len(rest) == 0 || rest[0] != ' ' {
			return false
		}
		rest = rest[1:]
		return true
	}
	if n == 0 {
		return len(key) == 0
	}
	if !take(words[n-1]) {
		return false
	}
	for k := 0; k < n-1; k++ {
		if !sp() || !take(words[k]) {
			return false
		}
	}
	return len(rest) == 0
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
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
// make it, reporting in the order of the members' ids: by digests, a range of
// members at a time, several at once (checkDigests), the events read here.
func (b *registerBase) checkMembers(ctx context.Context, q querier, rep *diffReport) error {
	dr, key, err := b.db.newDigestRanges(ctx, q)
	if err != nil {
		return err
	}
	return b.checkDigests(ctx, q, dr, key, nil, nil, rep)
}

// memberDiffs gathers the differences of members' histories, by member: the
// first MaxDiffs in the order of the members' ids, the rest counted.
type memberDiffs struct {
	list []memberDiff
	n    int
}

type memberDiff struct{ id, line string }

// add adds a difference; they come in the order of the members' ids.
func (m *memberDiffs) add(id, line string) {
	m.n++
	if len(m.list) < MaxDiffs {
		m.list = append(m.list, memberDiff{id, line})
	}
}

// merge adds o's differences, keeping the first MaxDiffs of both by id.
func (m *memberDiffs) merge(o *memberDiffs) {
	if o == nil {
		return
	}
	m.n += o.n
	m.list = append(m.list, o.list...)
	sort.SliceStable(m.list, func(i, j int) bool { return m.list[i].id < m.list[j].id })
	if len(m.list) > MaxDiffs {
		m.list = m.list[:MaxDiffs]
	}
}

// report adds the differences to rep, the ones not listed counted.
func (m *memberDiffs) report(rep *diffReport) {
	for _, d := range m.list {
		rep.add("members", d.line)
	}
	rep.n += m.n - len(m.list)
	rep.byTable["members"] += m.n - len(m.list)
}

// checkConn takes a connection of the readers' pool for a worker of the check.
// PostgreSQL compiles a costly query (JIT) before running it, which takes
// longer than running the check's queries of a range: not on this connection.
func (db *DB) checkConn(ctx context.Context) (*sql.Conn, error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if db.dialect == "postgres" {
		if _, err := conn.ExecContext(ctx, `SET jit = off`); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// releaseCheckConn gives a connection of checkConn back to the pool as it was.
func (db *DB) releaseCheckConn(conn *sql.Conn) {
	if db.dialect == "postgres" {
		if _, err := conn.ExecContext(context.Background(), `RESET jit`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	conn.Close()
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

// errOneByOne stops eachComplaintRow where two complaints' events name the same
// complaint, which rulebook never writes: such a record is projected one event
// at a time.
var errOneByOne = errors.New("complaints to project one event at a time")

// eachComplaintRow works out each complaint's row from its events, read a
// complaint at a time through each, as projectComplaint would leave it (but for
// its case, the case projection's to set), and gives it to row with the seq of
// its last event; it returns the complaints counted by quarter.
func eachComplaintRow(each func(prefix string, f func(evs []rulebook.Event) error) error, row func(r *ComplaintRow, seq int64) error) (map[string]int64, error) {
	counts := map[string]int64{}
	err := each(rulebook.ComplaintSubjectPrefix, func(evs []rulebook.Event) error {
		var r ComplaintRow
		var seq int64
		for i := range evs {
			e := &evs[i]
			if e.Type != rulebook.EventComplaintReported && e.Type != rulebook.EventComplaintReceived {
				continue
			}
			x, err := complaintRowOf(e)
			if err != nil {
				return fmt.Errorf("event %s (%s): %w", e.ID, e.Type, err)
			}
			if x.ID != strings.TrimPrefix(e.Subject, rulebook.ComplaintSubjectPrefix) {
				return errOneByOne
			}
			if seq == 0 {
				r = x
				made := r.Reported
				if made.IsZero() {
					made = r.Received
				}
				counts[made.Quarter()]++
			} else {
				r.Received, r.Respondent, r.Complainant, r.From, r.Via, r.Summary = x.Received, x.Respondent, x.Complainant, x.From, x.Via, x.Summary
			}
			seq = e.Seq
		}
		if seq == 0 {
			return nil
		}
		return row(&r, seq)
	})
	return counts, err
}

// projectComplaints projects every complaint event again inside a's
// transaction, after the complaints were cleared, as projectComplaint would
// one event at a time: a complaint at a time, its row worked out from its
// events and written many to a statement, and the counts by quarter at the
// end. A record where two complaints' events name the same complaint (which
// rulebook never writes) is projected one event at a time instead.
func (a *Appender) projectComplaints() error {
	rows := newBatch("complaints", "id", "reported", "received", "respondent", "about", "complainant", "from_kind", "via", "summary", "seq", "case_id")
	counts, err := eachComplaintRow(a.EachSubject, func(r *ComplaintRow, seq int64) error {
		rows.add(r.ID, int64(r.Reported), int64(r.Received), r.Respondent, r.About, r.Complainant, r.From, r.Via, r.Summary, seq, "")
		if rows.rows >= 500 {
			return a.flushBatch(rows)
		}
		return nil
	})
	if errors.Is(err, errOneByOne) {
		return a.projectComplaintsOneByOne()
	}
	if err != nil {
		return err
	}
	if err := a.flushBatch(rows); err != nil {
		return err
	}
	for q, n := range counts {
		if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO complaint_counts (quarter, complaints) VALUES ($1, $2)`, q, n); err != nil {
			return err
		}
	}
	// A complaint's case is the case projection's to set, as projectComplaint
	// takes it.
	_, err = a.tx.ExecContext(a.ctx, `UPDATE complaints SET case_id = cc.case_id FROM case_complaints cc WHERE cc.complaint = complaints.id`)
	return err
}

// projectComplaintsOneByOne is projectComplaints an event at a time, in stored
// order, after clearing what it wrote.
func (a *Appender) projectComplaintsOneByOne() error {
	if err := a.clearComplaints(); err != nil {
		return err
	}
	var after int64
	for {
		args := []any{after, rulebook.EventComplaintReported, rulebook.EventComplaintReceived}
		cond := a.db.prefixCond(a.ctx, "subject", rulebook.ComplaintSubjectPrefix, &args)
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
// their events make them, inside a's transaction (which is rolled back): by
// digests of the rows on each side, and where they differ row by row, the
// stored tables copied aside, projected again from the events and the two
// compared in SQL, so that each difference is named.
//
// kept, if not nil, holds the events the verify's walk kept, which the sums
// of the rows the events make are worked out from instead of reading them
// again.
func (a *Appender) checkComplaints(rep *diffReport, kept *keptEvents) error {
	// Most checks find nothing to report: sums of the rows on each side say so
	// without writing a row. Where they differ, the rows are projected again
	// and compared, to name the differences.
	if agree, err := a.complaintDigestsAgree(kept); err != nil || agree {
		return err
	}
	if complaintsCompared != nil {
		complaintsCompared()
	}
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

// complaintsCompared, if set, is told each time the complaints are compared
// row by row, their digests having differed (tests).
var complaintsCompared func()

// complaintDigestsAgree reports whether the stored complaints and their counts
// sum, under a key drawn for the check, to what their events make them (as
// the case projection's digests are compared); false also where the record
// is projected one event at a time.
func (a *Appender) complaintDigestsAgree(kept *keptEvents) (bool, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return false, err
	}
	each := a.EachSubject
	if kept.holds(rulebook.ComplaintSubjectPrefix) {
		each = func(prefix string, f func(evs []rulebook.Event) error) error {
			if keptStats != nil {
				keptStats()
			}
			return eachKept(kept.withPrefix(prefix), f)
		}
	}
	h := newRowHasher(key)
	var rows, quarters digest
	counts, err := eachComplaintRow(each, func(r *ComplaintRow, seq int64) error {
		h.begin("complaints")
		for _, v := range []any{r.ID, int64(r.Reported), int64(r.Received), r.Respondent, r.About, r.Complainant, r.From, r.Via, r.Summary, seq} {
			h.value(v)
		}
		rows.add(h.done())
		return nil
	})
	if errors.Is(err, errOneByOne) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for q, n := range counts {
		h.begin("complaint_counts")
		h.value(q)
		h.value(n)
		quarters.add(h.done())
	}
	stored, err := storedDigests(a.ctx, a.tx, false, key, complaintProjection)
	if err != nil {
		return false, err
	}
	return *stored["complaints"] == rows && *stored["complaint_counts"] == quarters, nil
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
// changed. The members are compared in the database where their joining is
// all there is, and otherwise projected and compared a batch at a time, several
// at once; the complaints are compared in SQL; so memory does not grow with the
// record. It returns one line per difference, at most MaxDiffs of them, and a
// last line counting the rest.
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
	return db.checkRest(ctx, a, base, rep)
}

// VerifyProjection is Verify and then, if the record verifies, CheckProjection,
// with the record read once: the walk that verifies the chain sums the
// members' joinings for the check as it goes (joiningPass) — the sealed ones
// split from their rows of personal, which the verify's pass over personal
// sums once it has checked them against their commitments — and keeps the
// events of the subjects a SubjectCapture under ctx names. The stored members
// are summed beside the pass over personal (memberPass), without their rows of
// personal. After the walk, a CaseCheck under ctx
// compares the case projection beside the register's check. The write lock is held from before the walk to the end of the
// checks, so that all see the same events. diffs is nil if the record does not
// verify.
func (db *DB) VerifyProjection(ctx context.Context, progress func(n int64)) (res *VerifyResult, diffs []string, err error) {
	a, err := db.Begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer a.Rollback()
	dr, key, err := db.newDigestRanges(ctx, db.r)
	if err != nil {
		return nil, nil, err
	}
	// The members' side is read once the walk has found which joinings are
	// sealed, beside the verify's pass over personal: the members are then
	// read without their rows of personal, which PostgreSQL would join by
	// hashing the whole of personal, and SQLite by looking each up (with the
	// salt in hex and a commitment worked out for each member, two fifths of
	// the members' side; reading it beside the walk, where SQLite leaves a
	// core idle at times, did not make up for it: 3.4–3.5 s against 3.7–3.9 s
	// on the benchmark record). (The write lock keeps the members as the walk
	// finds the record.)
	var maxSeq int64
	if err := scanOne(ctx, db.r, &maxSeq, `SELECT COALESCE(MAX(seq), 0) FROM events`); err != nil {
		return nil, nil, err
	}
	jp := newJoiningPass(dr, key, maxSeq)
	if jp.updates, err = db.newUpdateFold(ctx, db.r, key); err != nil {
		return nil, nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	var mp *memberPass
	jp.walked = func() { mp = db.startMemberPass(mctx, dr, key, jp.sealed) }
	defer func() {
		cancel()
		if mp != nil {
			mp.wg.Wait()
		}
	}()
	if res, err = db.Verify(context.WithValue(ctx, joiningPassKey{}, jp), progress); err != nil || !res.OK {
		return res, nil, err
	}
	if mp == nil {
		return nil, nil, errors.New("verify --projection: the members were not read")
	}
	// The walk and the pass over personal are done: the members with updates
	// are put in as their updates leave them, beside what follows until the
	// digests are compared.
	folded := make(chan struct{})
	go func() {
		defer close(folded)
		jp.updates.finish(jp.side, dr, jp.sealed)
	}()
	defer func() { <-folded }()
	// The complaints are compared in the write transaction beside the rest
	// (which reads through the pool), from the events the walk kept: reported
	// after it, as CheckProjection reports them.
	crep := &diffReport{byTable: map[string]int{}}
	cerr := make(chan error, 1)
	// The head is taken now: a return below sets res before the deferred wait
	// for this goroutine.
	head := res.Head
	capture := subjectCaptureFrom(ctx)
	if capture != nil {
		capture.finish(head)
	}
	go func() {
		kept, _ := capture.take(head)
		cerr <- a.checkComplaints(crep, kept)
	}()
	complaints := func() error {
		if cerr == nil {
			return nil
		}
		err := <-cerr
		cerr = nil
		return err
	}
	// Before the transaction is rolled back.
	defer complaints()
	// The case projection is compared beside the register (CaseCheck).
	if cc := caseCheckFrom(ctx); cc != nil {
		cc.start(ctx, db, a, head)
		defer cc.wait()
	}
	base, err := db.loadBase(ctx, db.r)
	if err != nil {
		return nil, nil, err
	}
	rep := &diffReport{byTable: map[string]int{}}
	<-folded
	if err := base.checkDigests(ctx, db.r, dr, key, jp.side, mp, rep); err != nil {
		return nil, nil, err
	}
	if err := db.checkUnitsOccasions(ctx, base, rep); err != nil {
		return nil, nil, err
	}
	if err := complaints(); err != nil {
		return nil, nil, err
	}
	rep.merge(crep)
	return res, rep.lines(), nil
}

// checkRest is CheckProjection after the members: the units, the occasions
// and the complaints.
func (db *DB) checkRest(ctx context.Context, a *Appender, base *registerBase, rep *diffReport) ([]string, error) {
	if err := db.checkUnitsOccasions(ctx, base, rep); err != nil {
		return nil, err
	}
	if err := a.checkComplaints(rep, nil); err != nil {
		return nil, err
	}
	return rep.lines(), nil
}

// checkUnitsOccasions compares the units and the occasions.
func (db *DB) checkUnitsOccasions(ctx context.Context, base *registerBase, rep *diffReport) error {
	if err := base.checkUnits(ctx, db.r, rep); err != nil {
		return err
	}
	return db.checkOccasions(ctx, base.reg, func(format string, args ...any) { rep.add("occasions", fmt.Sprintf(format, args...)) })
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
	a.AnalyzeAtCommit(RegisterTables...)
	return a.Commit()
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
	return a.db.eachSubject(a.ctx, a.tx, prefix, f)
}

// eachSubject is EachSubject through q.
func (db *DB) eachSubject(ctx context.Context, q querier, prefix string, f func(evs []rulebook.Event) error) error {
	var pending []rulebook.Event
	after, afterSeq := prefix, int64(0)
	for {
		args := []any{after, afterSeq}
		cond := db.prefixCond(ctx, "subject", prefix, &args)
		page, err := queryEvents(ctx, q, fmt.Sprintf(`WHERE (subject, seq) > ($1, $2) AND %s ORDER BY subject, seq LIMIT %d`, cond, eventBatch), args...)
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

// The register is first compared by digests, a range of members at a time, so
// that a sound register costs two sequential reads — of the events and of the
// members — rather than a look-up of every member's joining. Each side sums, in
// a digest per range, one keyed hash per joining: the events, each joining
// event as stored (seq, day, subject, id, data); the members, each stored
// member written out as the joining that would make it (the record writes a
// joining the same way every time, and the commitment to the particulars held
// apart follows from them and their salt); and both, the rows beside a
// member's that their events make (see rowTables). The members with more to
// them than that — an event that changes their row or ends a measure, or a row
// that cannot be written out — are taken out of the members' side, what their
// events make put in instead, and they are projected from their events and
// compared whole, as before. Only a range
// whose digests differ is compared as before (checkRange), which names what
// differs. The key is drawn afresh for every check, so that no edit can be made
// to sum to the same digest.
//
// Beside a verify (VerifyProjection) a sealed joining — its
// particulars held apart, a commitment to them in its data — is summed split
// in two elements (joiningElems): its data from the end of the commitment on (elemSealed),
// summed by the walk, and its row of personal as held (elemPersonal), summed
// by the verify's pass over personal, only once that row is found to match the
// commitment. A stored member sums the same two from their row alone: the data
// with their particulars null, and their particulars as the row of personal
// would hold them. So neither side needs the salt nor works the commitment
// out, and the members are read without their rows of personal (a join of two
// tables the size of the register, which PostgreSQL hashes whole and SQLite
// looks up row by row). It is as
// sound as summing the data whole: both elements carry the joining's seq, so
// the sums agree only if, for each member, the joining at their seq has the
// data written out from their row but for the commitment, and the row of
// personal at that seq holds their particulars; and that row matches the
// commitment in that joining's data (else the verify fails and nothing is
// compared), so the commitment is the one their particulars make. Which
// joinings are sealed the walk marks by seq (sealedSeqs); a member whose
// joining is marked otherwise than their row reads sums otherwise, and is
// compared whole. A check alone (CheckProjection), which does not check the
// rows of personal against the commitments, sums every joining whole as before.

// digest is a sum of 128-bit hashes, modulo 2^128: a multiset of elements,
// whatever their order.
type digest [2]uint64

// hashSum is a keyed hash's value (keyedHash).
type hashSum [16]byte

func (d *digest) add(h *hashSum) {
	var c uint64
	d[0], c = bits.Add64(d[0], binary.LittleEndian.Uint64(h[:8]), 0)
	d[1], _ = bits.Add64(d[1], binary.LittleEndian.Uint64(h[8:]), c)
}

func (d *digest) addDigest(o *digest) {
	var c uint64
	d[0], c = bits.Add64(d[0], o[0], 0)
	d[1], _ = bits.Add64(d[1], o[1], c)
}

func (d *digest) subDigest(o *digest) {
	var c uint64
	d[0], c = bits.Sub64(d[0], o[0], 0)
	d[1], _ = bits.Sub64(d[1], o[1], c)
}

func (d *digest) sub(h *hashSum) {
	var c uint64
	d[0], c = bits.Sub64(d[0], binary.LittleEndian.Uint64(h[:8]), 0)
	d[1], _ = bits.Sub64(d[1], binary.LittleEndian.Uint64(h[8:]), c)
}

// keyedHash is the keyed hash whose values a digest sums: a pseudorandom
// function of the element, under a key drawn afresh for each check, after any
// edit was made; so no edit can be chosen to make two different multisets sum
// alike (a sum of a random function's values modulo 2^128 is a multiset hash:
// Clarke et al., "Incremental multiset hash functions", 2003; two given
// multisets sum alike with a chance of about one in 2^128). No
// collision-resistant hash is needed, as none would be without the key: a
// pseudorandom function suffices. This one is GHASH (AES-GCM's authenticator
// with a fixed nonce, an almost-universal hash of the element, give or take a
// constant, with a chance of about one in 2^120 that two elements collide) put
// through AES under a second key: an almost-universal hash followed by a
// pseudorandom permutation is a pseudorandom function (Wegman–Carter), here
// for some 2^22 elements a check, far below the 2^64 where a permutation's
// values begin to tell it from a function. Both run in the processor's AES and
// carry-less multiply instructions, at half the cost of SHA-256 here; AES-128
// and one block out cost two thirds of AES-256 and two (81 ns against 118 ns
// for a joining), a tenth of verify --projection's hashing.
type keyedHash struct {
	gmac  cipher.AEAD
	out   cipher.Block
	nonce [12]byte
	tag   [16]byte
	sum   hashSum
	// Where GCM with a fixed nonce is refused (Go's FIPS 140-only mode),
	// SHA-256 of the key and the element instead, cut to 128 bits.
	sha hash.Hash
	key [32]byte
	buf [32]byte
}

// keyedHashSHA makes every keyedHash the SHA-256 one (tests).
var keyedHashSHA bool

// newKeyedHash derives the hash's two AES-128 keys from key.
func newKeyedHash(key [32]byte) *keyedHash {
	k := &keyedHash{key: key}
	k1 := sha256.Sum256(append([]byte("rulebook/check/ghash\x00"), key[:]...))
	k2 := sha256.Sum256(append([]byte("rulebook/check/aes\x00"), key[:]...))
	b1, err := aes.NewCipher(k1[:16])
	if err == nil {
		k.gmac, err = cipher.NewGCM(b1)
	}
	if err == nil {
		k.out, err = aes.NewCipher(k2[:16])
	}
	if err != nil || keyedHashSHA {
		k.gmac, k.out, k.sha = nil, nil, sha256.New()
	}
	return k
}

// hash returns the hash of m, valid until the next call.
func (k *keyedHash) hash(m []byte) *hashSum {
	if k.sha != nil {
		k.sha.Reset()
		k.sha.Write(k.key[:])
		k.sha.Write(m)
		copy(k.sum[:], k.sha.Sum(k.buf[:0]))
		return &k.sum
	}
	t := k.gmac.Seal(k.tag[:0], k.nonce[:], nil, m)
	k.out.Encrypt(k.sum[:], t)
	return &k.sum
}

// joiningHasher hashes joinings, as stored, under a key.
type joiningHasher struct {
	kh  *keyedHash
	buf []byte
	// fx and dec are localElems' to reuse.
	fx  rulebook.Effect
	dec []byte
}

// appendDay appends a day joined as rulebook.Date writes it (YYYY-MM-DD), the
// days of years 1 to 9999 worked out here (civil from days, H. Hinnant) rather
// than through time.Format, a tenth of the members scan.
func appendDay(dst []byte, joined int64) []byte {
	d := rulebook.Date(joined)
	// 0001-01-01 and 9999-12-31.
	if d == rulebook.NoDate || d < -719161 || d > 2932897 {
		return append(dst, d.String()...)
	}
	z := int64(d) - 1 + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	return append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10))
}

func newJoiningHasher(key [32]byte) *joiningHasher {
	return &joiningHasher{kh: newKeyedHash(key)}
}

// The kinds of element a digest sums, each hashed after its tag so that no
// element of one kind can pass for one of another.
const (
	// elemJoining is a joining whole: its data as stored.
	elemJoining = 'J'
	// elemSealed is a joining whose particulars are held apart, without its
	// commitment: its data as stored from the quote that closes the commitment.
	elemSealed = 'S'
	// elemPersonal is the particulars a sealed joining holds apart, as its row
	// of personal holds them (fields, by seq).
	elemPersonal = 'P'
)

// hash returns the keyed hash of an element of a joining (tag elemJoining or
// elemSealed): its seq, day, subject, id and data, each but the last with its
// length.
func (j *joiningHasher) hash(tag byte, seq, day int64, subject, id, data []byte) *hashSum {
	b := append(j.buf[:0], tag)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = binary.BigEndian.AppendUint64(b, uint64(day))
	b = binary.AppendUvarint(b, uint64(len(subject)))
	b = append(b, subject...)
	b = binary.AppendUvarint(b, uint64(len(id)))
	b = append(b, id...)
	b = append(b, data...)
	j.buf = b
	return j.kh.hash(b)
}

// personal returns the keyed hash of the particulars held apart from the
// sealed joining at seq (elemPersonal), as their row of personal holds them.
func (j *joiningHasher) personal(seq int64, fields []byte) *hashSum {
	b := append(j.buf[:0], elemPersonal)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = append(b, fields...)
	j.buf = b
	return j.kh.hash(b)
}

// sealedRest returns the part of stored data after its commitment (from the
// quote that closes it), if the data is sealed (rulebook.SealPersonal).
func sealedRest(stored []byte) ([]byte, bool) {
	// The commitment's hex is not decoded here, where the walk decodes it
	// already for the pass over personal: a commitment that is not hex matches
	// no row of personal, and that pass names it.
	const n = len(`{"`+rulebook.PersonalKey+`":"`) + 64
	if !rulebook.HasPersonal(stored) || len(stored) <= n || stored[n] != '"' {
		return nil, false
	}
	return stored[n:], true
}

// joiningElems adds to d what a joining as recorded sums to: the element of
// its data whole, or, sealed, the element of its data after the commitment and
// that of its row of personal (fields, nil if the row is gone: erased). split
// is false where the members' side writes out the commitment (CheckProjection
// alone): the data whole, sealed or not.
func joiningElems(d *digest, jh *joiningHasher, split bool, seq, day int64, subject, id, stored, fields []byte) {
	if split {
		if rest, ok := sealedRest(stored); ok {
			d.add(jh.hash(elemSealed, seq, day, subject, id, rest))
			if fields != nil {
				d.add(jh.personal(seq, fields))
			}
			return
		}
	}
	d.add(jh.hash(elemJoining, seq, day, subject, id, stored))
}

// digestRanges holds the bounds of the ranges a digest check cuts the members
// into: range i holds the ids from bounds[i-1] (or the first) up to bounds[i]
// (or the last).
type digestRanges struct {
	ranges []idRange
	bounds []string
}

// of returns the index of the range holding id.
func (d *digestRanges) of(id []byte) int {
	return sort.Search(len(d.bounds), func(i int) bool { return d.bounds[i] > string(id) })
}

// rangeCursor finds the ranges of ids met mostly in order (events by seq,
// members by page): the range of the last id is tried first, two comparisons,
// where a search takes seven on a million members.
type rangeCursor struct {
	dr *digestRanges
	i  int
}

// of returns the index of the range holding id.
func (c *rangeCursor) of(id []byte) int {
	b := c.dr.bounds
	if i := c.i; (i == 0 || b[i-1] <= string(id)) && (i == len(b) || string(id) < b[i]) {
		return i
	}
	c.i = c.dr.of(id)
	return c.i
}

// rangeSample is how many sampled ids a digest range of 8,192 members holds,
// on PostgreSQL (sampledBounds): one member in 64 is drawn.
const rangeSample = 128

// sampledBounds cuts the members into ranges of about memberRangeSize at ids
// drawn from a sample of them, on PostgreSQL: TABLESAMPLE SYSTEM reads about
// one page in 64, where memberRanges walks the whole index, a round trip a
// range, before the check can start. The ranges only localise differences and
// bound what the slow comparison of one holds, so sizes near memberRangeSize
// serve; but the pages drawn hold runs of ids, so the fewer pages, the more the
// ranges' sizes spread (drawing one page in 256 for ranges of 32,768 cut them
// from 6,000 to 84,000 members; one in 64, from 15,000 to 47,000). ok is false
// if too few ids were drawn to cut at (a small register: memberRanges counts
// it out instead).
func sampledBounds(ctx context.Context, q querier) (bounds []string, ok bool, err error) {
	pct := min(100, 100*float64(rangeSample)/float64(min(memberRangeSize, 64*rangeSample)))
	ids, err := queryIDs(ctx, q, `SELECT id FROM members TABLESAMPLE SYSTEM ($1::real)`, pct)
	if err != nil || len(ids) < 4*rangeSample {
		return nil, false, err
	}
	// The sampled ids a range holds.
	per := max(1, int(float64(memberRangeSize)*pct/100))
	// In the order ranges are looked up in (digestRanges.of).
	slices.Sort(ids)
	for i := per; i < len(ids); i += per {
		if len(bounds) == 0 || ids[i] > bounds[len(bounds)-1] {
			bounds = append(bounds, ids[i])
		}
	}
	return bounds, true, nil
}

// newDigestRanges cuts the members into ranges (sampledBounds on
// PostgreSQL, else memberRanges) and draws a fresh key.
func (db *DB) newDigestRanges(ctx context.Context, q querier) (*digestRanges, [32]byte, error) {
	dr := &digestRanges{}
	var key [32]byte
	if db.dialect == "postgres" {
		bounds, ok, err := sampledBounds(ctx, q)
		if err != nil {
			return nil, key, err
		}
		if ok {
			lo := ""
			for _, b := range bounds {
				dr.ranges = append(dr.ranges, idRange{lo, b})
				lo = b
			}
			dr.ranges = append(dr.ranges, idRange{lo: lo})
			dr.bounds = bounds
			_, err := rand.Read(key[:])
			return dr, key, err
		}
	}
	if err := memberRanges(ctx, q, func(r idRange) bool {
		dr.ranges = append(dr.ranges, r)
		if r.hi != "" {
			dr.bounds = append(dr.bounds, r.hi)
		}
		return true
	}); err != nil {
		return nil, key, err
	}
	_, err := rand.Read(key[:])
	return dr, key, err
}

// memberRowsQuery reads stored members as the digest check does, each row
// one value: the fields joined by the unit separator (id, name, email, phone,
// address, unit, status, join_event, the day joined, the joining's seq, the
// name's search key), and,
// with salt, last the salt of the particulars held apart from the joining, in
// hex after an "s" ("" if none is held). One value a row is what the driver
// converts fastest (as verify reads the events). Without salt no row of
// personal is joined to the members: which joinings are sealed the verify's
// walk has found (sealedSeqs).
func (db *DB) memberRowsQuery(where string, salt bool) string {
	return `SELECT ` + db.joined(memberRowCols(db.dialect, salt)...) + memberRowsFrom(salt) + where
}

// memberColsQuery is memberRowsQuery with the columns apart, each as text but
// the day joined and the joining's seq, which are bigints, sent in their
// binary form (memberColsFormats): the server writes a tenth less out.
func (db *DB) memberColsQuery(where string, salt bool) string {
	cols := memberRowCols(db.dialect, salt)
	for i, c := range cols {
		if i == 8 || i == 9 {
			cols[i] = c + "::bigint"
		} else {
			cols[i] = c + "::text"
		}
	}
	return `SELECT ` + strings.Join(cols, ", ") + memberRowsFrom(salt) + where
}

// memberColsFormats are the formats memberColsQuery's columns are sent in (the
// salt's last, where there is one).
var memberColsFormats = pgx.QueryResultFormats{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0}

// memberRow is a member's row as eachMemberJoining reads it: the columns of
// memberRowCols (without the salt), each as text, but for the day joined and
// the joining's seq, which PostgreSQL sends as eight bytes (binary).
type memberRow struct {
	parts  [][]byte
	binary bool
}

// ints returns the day joined and the joining's seq.
func (r *memberRow) ints() (joined, seq int64, ok bool) {
	if r.binary {
		if len(r.parts[8]) != 8 || len(r.parts[9]) != 8 {
			return 0, 0, false
		}
		return int64(binary.BigEndian.Uint64(r.parts[8])), int64(binary.BigEndian.Uint64(r.parts[9])), true
	}
	joined, ok = parseInt(r.parts[8])
	seq, ok2 := parseInt(r.parts[9])
	return joined, seq, ok && ok2
}

// memberRowCols are the columns of a member's row as a check reads it: the
// member's, and their joining's salt if salt (see memberRowsQuery).
func memberRowCols(dialect string, salt bool) []string {
	cols := []string{"m.id", "m.name", "m.email", "m.phone", "m.address", "m.unit", "m.status", "m.join_event", "m.joined", "m.join_seq", "m.search_key"}
	if !salt {
		return cols
	}
	hex := `COALESCE('s' || hex(p.salt), '')`
	if dialect == "postgres" {
		hex = `COALESCE('s' || encode(p.salt, 'hex'), '')`
	}
	return append(cols, hex)
}

func memberRowsFrom(salt bool) string {
	if !salt {
		return ` FROM members m`
	}
	return ` FROM members m LEFT JOIN personal p ON p.seq = m.join_seq`
}

// joiningOf writes out a stored member (a row of memberRowsQuery) as the data
// of the joining that makes them, as stored, appending it to dst; ok is false
// if the row cannot be (a separator in a field, particulars held apart that
// are all empty).
func joiningOf(dst []byte, f *[8][]byte, joined int64, salt []byte, held bool) ([]byte, bool) {
	if !held {
		return plainJoining(dst, f, joined), true
	}
	// Sealed as rulebook.SealPersonal seals it: each particular given is null in
	// the data, and the commitment to them all (in the data's order) leads it.
	// Most fit on the stack: no allocation a member.
	var small [256]byte
	fields := personalFields(small[:0], f)
	if len(fields) == 0 {
		return dst, false
	}
	c := rulebook.PersonalCommitment(salt, fields)
	dst = append(dst, `{"`+rulebook.PersonalKey+`":"`...)
	dst = hex.AppendEncode(dst, c[:])
	return sealedJoiningRest(dst, f, joined), true
}

// plainJoining appends the data of a joining that holds its particulars in
// itself.
func plainJoining(dst []byte, f *[8][]byte, joined int64) []byte {
	id, name, email, phone, address, unit, status := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
	dst = append(dst, `{"member":{"id":`...)
	dst = appendJSONString(dst, id)
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, name)
	for _, x := range []struct {
		key string
		v   []byte
	}{{`,"email":`, email}, {`,"phone":`, phone}, {`,"address":`, address}, {`,"unit":`, unit}} {
		if len(x.v) > 0 {
			dst = append(dst, x.key...)
			dst = appendJSONString(dst, x.v)
		}
	}
	return joiningEnd(dst, joined, status)
}

// personalFields appends the particulars a sealed joining holds apart, as
// its row of personal holds them (rulebook.SealPersonal: a JSON object from
// path to value, the empty left out); nothing if all are empty.
func personalFields(dst []byte, f *[8][]byte) []byte {
	n := len(dst)
	for _, x := range []struct {
		path string
		v    []byte
	}{{`"member.name":`, f[1]}, {`"member.email":`, f[2]}, {`"member.phone":`, f[3]}, {`"member.address":`, f[4]}} {
		if len(x.v) == 0 {
			continue
		}
		if len(dst) == n {
			dst = append(dst, '{')
		} else {
			dst = append(dst, ',')
		}
		dst = append(dst, x.path...)
		dst = appendJSONString(dst, x.v)
	}
	if len(dst) == n {
		return dst
	}
	return append(dst, '}')
}

// sealedJoiningRest appends the data of a sealed joining after its commitment
// (sealedRest): from the quote that closes it, each particular given null.
func sealedJoiningRest(dst []byte, f *[8][]byte, joined int64) []byte {
	id, name, email, phone, address, unit, status := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
	dst = append(dst, `","member":{"id":`...)
	dst = appendJSONString(dst, id)
	if len(name) > 0 {
		dst = append(dst, `,"name":null`...)
	} else {
		dst = append(dst, `,"name":""`...)
	}
	for _, x := range []struct {
		key string
		v   []byte
	}{{`,"email":null`, email}, {`,"phone":null`, phone}, {`,"address":null`, address}} {
		if len(x.v) > 0 {
			dst = append(dst, x.key...)
		}
	}
	if len(unit) > 0 {
		dst = append(dst, `,"unit":`...)
		dst = appendJSONString(dst, unit)
	}
	return joiningEnd(dst, joined, status)
}

// joiningEnd appends what ends the data of a joining, sealed or not: the day
// joined, closing the member, and the status joined with, if any.
func joiningEnd(dst []byte, joined int64, status []byte) []byte {
	dst = append(dst, `,"joined":"`...)
	dst = appendDay(dst, joined)
	dst = append(dst, `"}`...)
	if len(status) > 0 {
		dst = append(dst, `,"status":`...)
		dst = appendJSONString(dst, status)
	}
	return append(dst, '}')
}

// appendJSONString appends s as encoding/json writes it with HTML left
// unescaped (rulebook.MarshalData): as it is where nothing needs escaping.
func appendJSONString(dst, s []byte) []byte {
	plain := true
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if !plain && utf8.Valid(s) && !bytes.ContainsAny(s, "\"\\\u2028\u2029") && !bytes.ContainsFunc(s, func(r rune) bool { return r < 0x20 }) {
		plain = true
	}
	if plain {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(string(s))
	return append(dst, bytes.TrimRight(b.Bytes(), "\n")...)
}

// digestSide is one side's sums, by range, and the members found to have more
// than their joining and the rows it and their other events make by
// themselves (ids, unsorted, repeated).
type digestSide struct {
	sums []digest
	more []string
	// fold are the notes of a stretch of the walk (updateFold).
	fold *foldNotes
}

// joiningDigests sums, by range, every joining event about a member and the
// rows each event that makes them by itself makes (see rowTables), and lists
// the subjects of every other event about a member.
func (db *DB) joiningDigests(ctx context.Context, q querier, dr *digestRanges, key [32]byte) (*digestSide, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, effective, `+db.joined("type", "subject", "id", "data")+` FROM events WHERE `+db.noSlash("subject"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	side := &digestSide{sums: make([]digest, len(dr.ranges))}
	jh := newJoiningHasher(key)
	var blob sql.RawBytes
	var parts [4][]byte
	for rows.Next() {
		var seq, eff int64
		if err := rows.Scan(&seq, &eff, &blob); err != nil {
			return nil, err
		}
		if !splitFields(blob, parts[:]) {
			return nil, fmt.Errorf("event at seq %d: a field holds the unit separator (0x1f), which rulebook never writes", seq)
		}
		side.noteJoining(dr, jh, seq, eff, parts[0], parts[1], parts[2], parts[3])
	}
	return side, rows.Err()
}

// noteJoining adds an event about a member to the side: to its range's sum a
// joining (joiningElems, whole) or the rows an event that makes them by
// itself makes (localElems); the subject of any other to those with more.
func (side *digestSide) noteJoining(dr *digestRanges, jh *joiningHasher, seq, eff int64, typ, subject, id, data []byte) {
	d := &side.sums[dr.of(subject)]
	if string(typ) != rulebook.EventMemberJoined {
		if !jh.localElems(d, typ, subject, id, seq, eff, data) {
			side.more = append(side.more, string(subject))
		}
		return
	}
	joiningElems(d, jh, false, seq, eff, subject, id, data, nil)
}

// note is noteJoining for an event of the verify's walk, where a sealed
// joining is split (joiningElems): its data after the commitment is summed
// here, its seq marked sealed, and the range it is summed in returned (-1 for
// any other event) for the verify's pass over personal, which sums its row
// of personal once checked against the commitment (personalSummer).
func (side *digestSide) note(jp *joiningPass, jh *joiningHasher, cur *rangeCursor, r *rulebook.RawEvent) int32 {
	i := cur.of(r.Subject)
	// A member with updates is noted for the fold (updateFold): their
	// joining and updates, and any other event but one that makes its rows
	// by itself, after which they are compared whole.
	if string(r.Type) != rulebook.EventMemberJoined {
		if jh.localElems(&side.sums[i], r.Type, r.Subject, r.ID, r.Seq, r.Effective, r.Data) {
			return -1
		}
		m := jp.updates.member(r.Subject)
		switch {
		case m >= 0 && string(r.Type) == rulebook.EventMemberUpdated && jp.updates.update(side.notes(), m, r):
		default:
			if m >= 0 {
				jp.updates.markBad(m)
			}
			side.more = append(side.more, string(r.Subject))
		}
		return -1
	}
	m := jp.updates.member(r.Subject)
	if rest, ok := sealedRest(r.Data); ok && jp.sealed.set(r.Seq) {
		h := jh.hash(elemSealed, r.Seq, r.Effective, r.Subject, r.ID, rest)
		side.sums[i].add(h)
		if m >= 0 {
			jp.updates.joining(side.notes(), m, r, h, true)
		}
		return int32(i)
	}
	h := jh.hash(elemJoining, r.Seq, r.Effective, r.Subject, r.ID, r.Data)
	side.sums[i].add(h)
	if m >= 0 {
		jp.updates.joining(side.notes(), m, r, h, false)
	}
	return -1
}

// joiningPass is the events' side of a digest check, summed by the verify's
// walk (each stretch its own, merged), so that verify --projection reads the
// record once; the rows of personal of the sealed joinings (marked in sealed)
// are summed by the verify's pass over personal. walked, if set, is called
// once the walk has verified the chain (and so found every sealed joining),
// before the pass over personal.
type joiningPass struct {
	dr     *digestRanges
	key    [32]byte
	mu     sync.Mutex
	side   *digestSide
	sealed *sealedSeqs
	walked func()
	// updates, if set, notes the members with updates (updateFold).
	updates *updateFold
}

type joiningPassKey struct{}

// newJoiningPass makes a joining pass over a record of maxSeq events, which
// splits the sealed joinings (see joiningElems).
func newJoiningPass(dr *digestRanges, key [32]byte, maxSeq int64) *joiningPass {
	jp := &joiningPass{dr: dr, key: key, sealed: newSealedSeqs(maxSeq)}
	jp.reset()
	return jp
}

// reset forgets what was summed, before a walk of the whole record again.
func (jp *joiningPass) reset() {
	jp.mu.Lock()
	jp.side = &digestSide{sums: make([]digest, len(jp.dr.ranges))}
	jp.sealed.clear()
	jp.mu.Unlock()
	jp.updates.reset()
}

// personalSummer returns what the verify's pass over personal calls with each
// row it has checked against its commitment, the range its joining was summed
// in (as note returned it), and what merges the sums once the pass is done.
func (jp *joiningPass) personalSummer() (add func(rng int32, seq int64, fields []byte), done func()) {
	side := &digestSide{sums: make([]digest, len(jp.dr.ranges))}
	jh := newJoiningHasher(jp.key)
	return func(rng int32, seq int64, fields []byte) {
			if rng >= 0 && int(rng) < len(side.sums) {
				side.sums[rng].add(jh.personal(seq, fields))
			}
		}, func() {
			jp.merge(side)
		}
}

// sealedSeqs marks the seqs of the sealed joinings the verify's walk found, a
// bit each (the record's size over eight, in bytes), so that the members' side
// needs no row of personal to tell a sealed joining from one that holds its
// particulars in itself. Stretches of the walk mark their bits at once.
type sealedSeqs struct{ w []atomic.Uint64 }

func newSealedSeqs(maxSeq int64) *sealedSeqs {
	return &sealedSeqs{w: make([]atomic.Uint64, maxSeq/64+1)}
}

// set marks seq, and reports false if it is beyond the record the set was
// made for (its joining is then summed whole, and the member compared whole).
func (s *sealedSeqs) set(seq int64) bool {
	if seq < 0 || seq/64 >= int64(len(s.w)) {
		return false
	}
	s.w[seq/64].Or(1 << (seq % 64))
	return true
}

func (s *sealedSeqs) has(seq int64) bool {
	return seq >= 0 && seq/64 < int64(len(s.w)) && s.w[seq/64].Load()&(1<<(seq%64)) != 0
}

func (s *sealedSeqs) clear() {
	for i := range s.w {
		s.w[i].Store(0)
	}
}

// merge adds a stretch's sums.
func (jp *joiningPass) merge(o *digestSide) {
	jp.mu.Lock()
	defer jp.mu.Unlock()
	jp.side.merge(o)
	jp.updates.adopt(o.fold)
}

// merge adds o's sums, range by range, and its members with more.
func (side *digestSide) merge(o *digestSide) {
	for i := range o.sums {
		side.sums[i].addDigest(&o.sums[i])
	}
	side.more = append(side.more, o.more...)
}

// memberPass is the members' side of a digest check: every stored member
// written out as their joining (joiningOf) and every row beside theirs
// (rowTables) summed by range, and those that cannot be, or that have a status
// point before their joining, listed. The members are read in parts (runs of
// ranges) after the rows beside them (the first task), each worker taking the
// next task on a connection of its own, so that verify --projection reads them
// beside the verify's pass over personal — one worker, more once it is done —
// and a check alone beside the events' side.
type memberPass struct {
	db  *DB
	dr  *digestRanges
	key [32]byte
	// sealed, if not nil, are the seqs of the sealed joinings, which the
	// members are summed against split (joiningElems); else each is written
	// out whole, commitment and all, from their row of personal.
	sealed *sealedSeqs
	parts  []idRange
	// pages, if set, are the first page of each part on PostgreSQL, which
	// then reads the table's pages in order rather than ranges of ids.
	pages []int64
	next  atomic.Int64
	// earliest are the members' earliest status points, read first; ready is
	// closed once they are.
	earliest  earliestPoints
	ready     chan struct{}
	readyOnce sync.Once
	wg        sync.WaitGroup
	mu        sync.Mutex
	side      *digestSide
	err       error
}

// memberPassParts is about how many parts a member pass cuts the ranges into:
// enough for the workers to share the last of them out.
const memberPassParts = 16

// startMemberPass starts a member pass with one worker.
func (db *DB) startMemberPass(ctx context.Context, dr *digestRanges, key [32]byte, sealed *sealedSeqs) *memberPass {
	mp := &memberPass{db: db, dr: dr, key: key, sealed: sealed, side: &digestSide{sums: make([]digest, len(dr.ranges))}, ready: make(chan struct{})}
	n := memberPassParts
	if db.dialect == "postgres" && sealed == nil {
		// PostgreSQL joins a part's members to their personal rows by hashing
		// the whole of personal, for every part: the members are read whole,
		// one hash join, on the server's cores.
		n = 1
	}
	per := max(1, (len(dr.ranges)+n-1)/n)
	for i := 0; i < len(dr.ranges); i += per {
		j := min(i+per, len(dr.ranges)) - 1
		mp.parts = append(mp.parts, idRange{lo: dr.ranges[i].lo, hi: dr.ranges[j].hi})
	}
	if db.dialect == "postgres" && sealed != nil && len(mp.parts) > 1 {
		// PostgreSQL reads a part of the table's pages in order (a TID range
		// scan) for a fifth less than a range of ids through the key; the
		// sums are by the ids the rows hold, whichever part reads them.
		if pages, ok := heapPages(ctx, db.r, "members"); ok && pages >= int64(len(mp.parts)) {
			mp.pages = make([]int64, len(mp.parts))
			for i := range mp.pages {
				mp.pages[i] = pages * int64(i) / int64(len(mp.parts))
			}
		}
	}
	mp.help(ctx, 1)
	return mp
}

// pagesRead, if set, is told each time a member pass reads a part of the
// table's pages (tests).
var pagesRead func()

// heapPages returns how many pages a PostgreSQL table holds, if the server
// scans a range of them in order (TID range scans, from PostgreSQL 14).
func heapPages(ctx context.Context, q querier, table string) (int64, bool) {
	var version, pages int64
	if scanOne(ctx, q, &version, `SELECT current_setting('server_version_num')::bigint`) != nil || version < 140000 {
		return 0, false
	}
	err := scanOne(ctx, q, &pages, `SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint`, table)
	return pages, err == nil
}

// part returns the condition on a row m of members that it is in part i
// (from 1) of the pass, and its arguments.
func (mp *memberPass) part(i int) (string, []any) {
	if mp.pages == nil {
		return mp.parts[i-1].cond("m.id")
	}
	if pagesRead != nil {
		pagesRead()
	}
	// The last part to the end, so that a row past the size measured is read.
	if i == len(mp.pages) {
		return "m.ctid >= $1::tid", []any{fmt.Sprintf("(%d,0)", mp.pages[i-1])}
	}
	return "m.ctid >= $1::tid AND m.ctid < $2::tid", []any{fmt.Sprintf("(%d,0)", mp.pages[i-1]), fmt.Sprintf("(%d,0)", mp.pages[i])}
}

// help adds n workers.
func (mp *memberPass) help(ctx context.Context, n int) {
	for range n {
		mp.wg.Add(1)
		go func() {
			defer mp.wg.Done()
			if err := mp.work(ctx); err != nil {
				mp.mu.Lock()
				mp.err = errors.Join(mp.err, err)
				mp.mu.Unlock()
				// The other workers take nothing more, nor wait.
				mp.next.Store(int64(len(mp.parts) + 1))
				mp.readyOnce.Do(func() { close(mp.ready) })
			}
		}()
	}
}

// work reads parts until none is left; the first task is the rows beside
// the members'.
func (mp *memberPass) work(ctx context.Context) error {
	if mp.next.Load() > int64(len(mp.parts)) {
		return nil
	}
	conn, err := mp.db.checkConn(ctx)
	if err != nil {
		return err
	}
	defer mp.db.releaseCheckConn(conn)
	side := &digestSide{sums: make([]digest, len(mp.dr.ranges))}
	jh := newJoiningHasher(mp.key)
	for {
		i := int(mp.next.Add(1) - 1)
		if i > len(mp.parts) {
			break
		}
		cur := rangeCursor{dr: mp.dr}
		if i == 0 {
			err := mp.db.eachStoredRow(ctx, conn, nil, nil, jh, func(member []byte, h *hashSum, point *[2]int64) {
				if h == nil {
					side.more = append(side.more, string(member))
					return
				}
				side.sums[cur.of(member)].add(h)
				if point != nil {
					mp.earliest.add(member, *point)
				}
			})
			if err != nil {
				return err
			}
			mp.earliest.done()
			mp.readyOnce.Do(func() { close(mp.ready) })
			continue
		}
		select {
		case <-mp.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		cond, args := mp.part(i)
		ec := idCursor{ids: mp.earliest.ids}
		before := func(id []byte, joined, seq int64) bool { return mp.earliest.before(&ec, id, joined, seq) }
		err := mp.db.eachMemberJoining(ctx, conn, " WHERE "+cond, args, mp.key, mp.sealed, before, func(id []byte, d *digest, whole bool) {
			if d != nil {
				side.sums[cur.of(id)].addDigest(d)
			}
			if d == nil || whole {
				side.more = append(side.more, string(id))
			}
		})
		if err != nil {
			return err
		}
	}
	mp.mu.Lock()
	defer mp.mu.Unlock()
	mp.side.merge(side)
	return nil
}

// parseInt reads a decimal integer as the database writes one, without the
// string strconv would take (an allocation a row, where most of a member's row
// is read in place).
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil
	}
	digits := b
	if b[0] == '-' || b[0] == '+' {
		digits = b[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if b[0] == '-' {
		n = -n
	}
	return n, true
}

// idCursor tells which ids are among some (ids, in order), for ids met
// mostly in order (a part of the members, read in the order they were
// written): a step or two along them for each, rather than a look-up in a
// map, where ids come in order; a search where they do not.
type idCursor struct {
	ids  []string
	i    int
	last []byte
}

func (c *idCursor) has(id []byte) bool {
	if c.last == nil || bytes.Compare(id, c.last) < 0 {
		c.i = sort.Search(len(c.ids), func(k int) bool { return c.ids[k] >= string(id) })
	} else {
		for c.i < len(c.ids) && c.ids[c.i] < string(id) {
			c.i++
		}
	}
	c.last = append(c.last[:0], id...)
	return c.i < len(c.ids) && c.ids[c.i] == string(id)
}

// wait waits for the workers, and returns the side.
func (mp *memberPass) wait() (*digestSide, error) {
	mp.wg.Wait()
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if mp.err == nil && mp.next.Load() <= int64(len(mp.parts)) {
		return nil, errors.New("check: the members were not all read")
	}
	return mp.side, mp.err
}

// eachMemberJoining calls f with the id of each stored member where selects
// (all if ""), and the sum of the elements of the joining that makes them
// (joiningElems: split if sealed is given, else whole, commitment and all), or
// nil if they cannot be written out as one; whole if before (if given) says
// they have a status point before their joining (day joined and seq).
func (db *DB) eachMemberJoining(ctx context.Context, q querier, where string, args []any, key [32]byte, sealed *sealedSeqs, before func(id []byte, joined, seq int64) bool, f func(id []byte, d *digest, whole bool)) error {
	jh := newJoiningHasher(key)
	var parts [12][]byte
	fields := parts[:]
	if sealed != nil {
		fields = parts[:11]
	}
	mr := &memberRow{parts: parts[:11]}
	var data, salt []byte
	var small [256]byte
	// One element sum for every row: f adds it, and keeps nothing of it.
	var d digest
	// row sums the row in parts, if ok (it was read whole, no column NULL);
	// id is the member's as far as it can be told.
	row := func(ok bool, id []byte) {
		var joined, seq int64
		if ok {
			joined, seq, ok = mr.ints()
		}
		// The search key is no part of the joining, but decides who a search
		// finds: one that is not the name's is compared whole (searchKeyDiffs).
		ok = ok && isSearchKey(parts[1], parts[10])
		var held bool
		if ok && sealed != nil {
			held = sealed.has(seq)
		} else if ok {
			held = len(parts[11]) > 0
			if held {
				var err error
				salt, err = hex.AppendDecode(salt[:0], parts[11][1:])
				ok = err == nil && parts[11][0] == 's'
			}
		}
		if !ok {
			// Compared whole.
			f(id, nil, true)
			return
		}
		f8 := (*[8][]byte)(parts[:8])
		d = digest{}
		switch {
		case sealed == nil:
			if data, ok = joiningOf(data[:0], f8, joined, salt, held); ok {
				d.add(jh.hash(elemJoining, seq, joined, parts[0], parts[7], data))
			}
		case held:
			// Split as the verify's walk and its pass over personal sum a
			// sealed joining: no commitment to work out here.
			p := personalFields(small[:0], f8)
			if ok = len(p) > 0; ok {
				data = sealedJoiningRest(data[:0], f8, joined)
				d.add(jh.hash(elemSealed, seq, joined, parts[0], parts[7], data))
				d.add(jh.personal(seq, p))
			}
		default:
			data = plainJoining(data[:0], f8, joined)
			d.add(jh.hash(elemJoining, seq, joined, parts[0], parts[7], data))
		}
		if !ok {
			f(parts[0], nil, true)
			return
		}
		f(parts[0], &d, before != nil && before(parts[0], joined, seq))
	}
	// PostgreSQL, on a connection of its own, sends the columns apart, read
	// raw (a NULL as nil): joining them there (concat_ws) cost the server
	// more than reading the rows.
	if c, isConn := q.(*sql.Conn); isConn && db.dialect == "postgres" {
		mr.binary = true
		return db.eachRawRow(ctx, c, memberColsFormats[:len(fields)], db.memberColsQuery(where, sealed == nil), args, func(vals [][]byte) {
			ok := len(vals) == len(fields)
			for i := range fields {
				if ok {
					parts[i] = vals[i]
					ok = vals[i] != nil
				}
			}
			var id []byte
			if len(vals) > 0 {
				id = vals[0]
			}
			row(ok, id)
		})
	}
	return db.eachValue(ctx, q, db.memberRowsQuery(where, sealed == nil), args, func(blob []byte) {
		ok := splitFields(blob, fields) && bytes.IndexByte(fields[len(fields)-1], 0x1f) < 0
		id, _, _ := bytes.Cut(blob, []byte{0x1f})
		row(ok, id)
	})
}

// eachRawRow runs query on a PostgreSQL connection of its own and calls f
// with each row's values as sent in formats (one for all the columns, or one
// for each: as text, pgx.TextFormatCode, or in the binary form,
// pgx.BinaryFormatCode: a text's or a bytea's bytes as they are, a bigint's
// eight bytes big-endian), nil for a NULL, valid until it returns, through
// pgx directly (see eachValue).
func (db *DB) eachRawRow(ctx context.Context, c *sql.Conn, formats pgx.QueryResultFormats, query string, args []any, f func(vals [][]byte)) error {
	return withPgx(c, func(pc *pgx.Conn) error {
		rows, err := pc.Query(ctx, query, append([]any{formats}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f(rows.RawValues())
		}
		return rows.Err()
	})
}

// withPgx runs f on c's PostgreSQL connection as pgx has it, for what
// database/sql cannot do (COPY) or does at a cost a hot path notices (the
// conversion of every value of every row).
func withPgx(c *sql.Conn, f func(*pgx.Conn) error) error {
	return c.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T (not PostgreSQL's)", dc)
		}
		return f(pc.Conn())
	})
}

// eachValue runs query, for one value a row, and calls f with each row's,
// valid until it returns: on PostgreSQL, given a connection of its own,
// through pgx directly, whose raw values spare database/sql's locking and
// conversion of every row (as verify reads the events).
func (db *DB) eachValue(ctx context.Context, q querier, query string, args []any, f func(v []byte)) error {
	if c, ok := q.(*sql.Conn); ok && db.dialect == "postgres" {
		return withPgx(c, func(pc *pgx.Conn) error {
			rows, err := pc.Query(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				v := rows.RawValues()
				if len(v) != 1 {
					return fmt.Errorf("check: %d values a row, not one", len(v))
				}
				f(v[0])
			}
			return rows.Err()
		})
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var v sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return err
		}
		f(v)
	}
	return rows.Err()
}

// checkDigests is checkMembers by digests (see digest), several ranges at
// once.
// The events' side is summed by the verify's walk when there is one (events),
// else read here; the members' side is read by mp when it is given (started
// beside the walk), else here, beside the events'.
func (b *registerBase) checkDigests(ctx context.Context, q querier, dr *digestRanges, key [32]byte, events *digestSide, mp *memberPass, rep *diffReport) error {
	db := b.db
	if mp == nil {
		mp = db.startMemberPass(ctx, dr, key, nil)
	}
	var eerr error
	if events == nil {
		// The two sides are read at once, each on a connection of its own.
		conn, err := db.checkConn(ctx)
		if err != nil {
			eerr = err
		} else {
			events, eerr = db.joiningDigests(ctx, conn, dr, key)
			db.releaseCheckConn(conn)
		}
	}
	// Whatever is left of the members' side is shared out.
	mp.help(ctx, runtime.GOMAXPROCS(0)-1)
	members, merr := mp.wait()
	if err := errors.Join(eerr, merr); err != nil {
		return err
	}
	var wg sync.WaitGroup
	if len(events.sums) != len(dr.ranges) {
		return fmt.Errorf("check: the events were summed in %d ranges, not %d", len(events.sums), len(dr.ranges))
	}
	more := append(events.more, members.more...)
	events.more, members.more = nil, nil
	sort.Strings(more)
	more = slices.Compact(more)
	// The members with more than their joining, by range.
	byRange := make([][]string, len(dr.ranges))
	for _, id := range more {
		i := dr.of([]byte(id))
		byRange[i] = append(byRange[i], id)
	}
	more = nil

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		rep *memberDiffs
		err error
	}
	results := make([]result, len(dr.ranges))
	next := make(chan int)
	// Twice the cores: each worker waits on the database between its ranges'
	// comparisons, which left a core of two half idle at the end.
	for range min(2*runtime.GOMAXPROCS(0), 4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := db.checkConn(ctx)
			for i := range next {
				res := &results[i]
				res.rep = &memberDiffs{}
				if res.err = err; err == nil {
					res.err = b.checkDigestRange(ctx, conn, dr.ranges[i], byRange[i], members.sums[i], events.sums[i], key, mp.sealed, res.rep)
				}
				byRange[i] = nil
				if res.err != nil {
					cancel()
				}
			}
			if conn != nil {
				db.releaseCheckConn(conn)
			}
		}()
	}
	for i := range dr.ranges {
		select {
		case next <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
	all := &memberDiffs{}
	for _, res := range results {
		if res.err != nil {
			return res.err
		}
		all.merge(res.rep)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	all.report(rep)
	return nil
}

// checkDigestRange compares the members in r: those with more than their
// joining and the rows their events make by themselves (ids, in order) whole,
// and the rest by the digests of their joinings and rows, stored (mine) and
// recorded (theirs); if these differ, the range is compared as checkRange
// compares it.
func (b *registerBase) checkDigestRange(ctx context.Context, q querier, r idRange, ids []string, mine, theirs digest, key [32]byte, sealed *sealedSeqs, rep *memberDiffs) error {
	// The events the register projects from are all that is needed: among
	// them every joining, and, where the sums split the sealed ones, their
	// rows of personal as held.
	var fields map[int64][]byte
	var keep func(seq int64, personal []byte)
	if sealed != nil && len(ids) > 0 {
		fields = map[int64][]byte{}
		keep = func(seq int64, personal []byte) { fields[seq] = personal }
	}
	evs, err := b.db.membersEvents(ctx, q, ids, keep)
	if err != nil {
		return err
	}
	// The members whose search keys are left to check: those whose rows could
	// not be summed (a key not their name's is one reason).
	var keyed []string
	if len(ids) > 0 {
		// Their stored rows out, what their events make in.
		cond, args := b.db.idSet(ids)
		err := b.db.eachMemberJoining(ctx, q, ` WHERE `+cond("m.id"), args, key, sealed, nil, func(id []byte, d *digest, _ bool) {
			if d != nil {
				mine.subDigest(d)
			} else {
				keyed = append(keyed, string(id))
			}
		})
		if err != nil {
			return err
		}
		jh := newJoiningHasher(key)
		err = b.db.eachStoredRow(ctx, q, cond, args, jh, func(_ []byte, h *hashSum, _ *[2]int64) {
			if h != nil {
				mine.sub(h)
			}
		})
		if err != nil {
			return err
		}
		for i := range evs {
			e := &evs[i]
			stored := e.Stored
			if stored == nil {
				stored = e.Data
			}
			if e.Type != rulebook.EventMemberJoined {
				jh.localElems(&mine, []byte(e.Type), []byte(e.Subject), []byte(e.ID), e.Seq, int64(e.Effective), stored)
				continue
			}
			joiningElems(&mine, jh, sealed != nil, e.Seq, int64(e.Effective), []byte(e.Subject), []byte(e.ID), stored, fields[e.Seq])
		}
	}
	if mine != theirs {
		return b.checkRange(ctx, q, r, rep)
	}
	// The rows summed above had their search keys checked as they were read.
	sort.Strings(keyed)
	_, err = b.compareMembers(ctx, q, ids, evs, keyed, rep)
	return err
}

// SubjectCapture keeps the events whose subject begins with a prefix as the
// verify's walk reads them, so that the checks after it (the case digests,
// CaseDigestsDiffer, and the complaints') replay them without reading them
// again. Those that hold personal fields apart are opened as a read would open
// them, with the rows of personal that the verify's own pass over them hands
// over (see opener), once that pass has checked every row against its
// commitment. It holds at most captureBudget bytes of them: past that, or if
// one cannot be opened, it gives up and the checks read the events themselves,
// as they do whenever the record changed after the walk.
type SubjectCapture struct {
	prefixes []string
	size     atomic.Int64
	spoilt   atomic.Bool
	mu       sync.Mutex
	parts    map[int64]*capturePart // by the first seq of the stretch that read them
	// held are the personal fields of the kept events that hold them apart, by
	// seq, as the verify's pass over personal read them.
	held  map[int64]heldRow
	ready bool
	head  rulebook.Hash
	evs   []rulebook.Event // by subject, then seq, once the walk verified
	kept  *keptEvents      // evs, once taken
}

// capturePart is what a stretch of the walk kept: its events, and the seqs
// (in order) of those holding personal fields apart.
type capturePart struct {
	// evs are kept in chunks, so that none is copied as they grow (an
	// event is some 250 bytes: a slice grown by doubling copied the most
	// kept a few times over).
	evs    [][]rulebook.Event
	n      int
	sealed []int64
}

// captureChunk is how many events a chunk of a capturePart holds.
const captureChunk = 1024

func (p *capturePart) add(e rulebook.Event) {
	if k := len(p.evs); k == 0 || len(p.evs[k-1]) == cap(p.evs[k-1]) {
		p.evs = append(p.evs, make([]rulebook.Event, 0, captureChunk))
	}
	k := len(p.evs) - 1
	p.evs[k] = append(p.evs[k], e)
	p.n++
}

// heldRow is a row of personal.
type heldRow struct{ salt, data []byte }

// captureBudget bounds what a SubjectCapture holds, so that memory does not
// grow with the record.
var captureBudget int64 = 64 << 20

type subjectCaptureKey struct{}

// WithSubjectCapture returns a context under which VerifyProjection's walk
// keeps the events of subjects beginning with any of prefixes (each ending in
// '/') for its check of the complaints and the CaseDigestsDiffer run under
// the same context.
func WithSubjectCapture(ctx context.Context, prefixes ...string) context.Context {
	return context.WithValue(ctx, subjectCaptureKey{}, &SubjectCapture{prefixes: prefixes, parts: map[int64]*capturePart{}})
}

// captures reports whether subject begins with one of the prefixes.
func (c *SubjectCapture) captures(subject []byte) bool {
	for _, p := range c.prefixes {
		if bytes.HasPrefix(subject, []byte(p)) {
			return true
		}
	}
	return false
}

func subjectCaptureFrom(ctx context.Context) *SubjectCapture {
	c, _ := ctx.Value(subjectCaptureKey{}).(*SubjectCapture)
	return c
}

// keep notes an event of a stretch's walk in kept, if its subject is
// captured and the capture has not given up.
func (c *SubjectCapture) keep(kept *capturePart, r *rulebook.RawEvent) {
	if c.spoilt.Load() || !c.captures(r.Subject) {
		return
	}
	if c.size.Add(int64(len(r.Data)+len(r.ID)+len(r.Subject)+len(r.Type)+len(r.Actor)+200)) > captureBudget {
		c.spoil()
		return
	}
	if rulebook.HasPersonal(r.Data) {
		kept.sealed = append(kept.sealed, r.Seq)
	}
	kept.add(r.Event())
}

// add files a stretch's events under its first seq.
func (c *SubjectCapture) add(lo int64, kept *capturePart) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.spoilt.Load() {
		c.parts[lo] = kept
	}
}

// spoil gives up, freeing what was kept.
func (c *SubjectCapture) spoil() {
	c.spoilt.Store(true)
	c.mu.Lock()
	c.parts, c.evs, c.held = nil, nil, nil
	c.mu.Unlock()
}

// reset forgets what was kept, before a walk of the whole record again.
func (c *SubjectCapture) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.spoilt.Load() {
		c.parts, c.held = map[int64]*capturePart{}, nil
		c.size.Store(0)
	}
}

// opener returns what the verify's pass over personal (in seq order) calls
// with each row, to keep the rows of the kept events that hold their personal
// fields apart; nil if there are none (or nothing is captured).
func (c *SubjectCapture) opener() func(seq int64, salt, data []byte) {
	if c == nil || c.spoilt.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var want []int64
	for _, p := range c.parts {
		want = append(want, p.sealed...)
	}
	// The walk is over: only the pass writes to held, and finish reads it after.
	held := map[int64]heldRow{}
	c.held = held
	if len(want) == 0 {
		return nil
	}
	slices.Sort(want)
	return func(seq int64, salt, data []byte) {
		for len(want) > 0 && want[0] < seq {
			want = want[1:]
		}
		if len(want) == 0 || want[0] != seq {
			return
		}
		if c.size.Add(int64(len(salt)+len(data)+64)) > captureBudget {
			c.spoil()
			want = nil
			return
		}
		held[seq] = heldRow{bytes.Clone(salt), bytes.Clone(data)}
	}
}

// finish makes what the walk kept ready for the check, once the record
// verified to head: the events by subject, each subject's in seq order, those
// holding personal fields apart opened as a read opens them (openPersonal). It
// works on a goroutine of its own, beside the check of the register, having
// taken the lock first, so that take waits for it.
func (c *SubjectCapture) finish(head rulebook.Hash) {
	c.mu.Lock()
	go func() {
		defer c.mu.Unlock()
		c.finishLocked(head)
	}()
}

// finishLocked is finish's work, with c.mu held.
func (c *SubjectCapture) finishLocked(head rulebook.Hash) {
	if c.spoilt.Load() {
		return
	}
	los := slices.Sorted(maps.Keys(c.parts))
	n := 0
	for _, lo := range los {
		n += c.parts[lo].n
	}
	// The events stay in their chunks until sorted: pointers to them are
	// sorted by subject, then seq, and each event is copied once.
	ptrs := make([]*rulebook.Event, 0, n)
	for _, lo := range los {
		p := c.parts[lo]
		if len(p.sealed) > 0 && c.held == nil {
			// The pass over personal did not run, or gave up: read them.
			c.spoilt.Store(true)
			c.parts, c.evs = nil, nil
			return
		}
		for _, chunk := range p.evs {
			for i := range chunk {
				e := &chunk[i]
				ptrs = append(ptrs, e)
				if !rulebook.HasPersonal(e.Data) {
					continue
				}
				// A row not held reads as erased, as a read without one does.
				var salt, data []byte
				if h, ok := c.held[e.Seq]; ok {
					salt, data = h.salt, h.data
				}
				// The pass over personal handed over only rows it had checked
				// against the commitments of these very events.
				if err := openPersonalChecked(e, salt, data, true); err != nil {
					// A read says what is wrong.
					c.spoilt.Store(true)
					c.parts, c.evs, c.held = nil, nil, nil
					return
				}
			}
		}
	}
	slices.SortFunc(ptrs, func(x, y *rulebook.Event) int {
		if d := strings.Compare(x.Subject, y.Subject); d != 0 {
			return d
		}
		return cmp.Compare(x.Seq, y.Seq)
	})
	c.evs = make([]rulebook.Event, len(ptrs))
	for i, e := range ptrs {
		c.evs[i] = *e
	}
	c.parts, c.held = nil, nil
	c.ready, c.head = true, head
}

// take returns the prefixes and the kept events (by subject, then seq), if
// the walk that kept them verified the record up to head (that is, nothing was
// appended since): the same to every check that takes them, which only reads
// them.
func (c *SubjectCapture) take(head rulebook.Hash) (*keptEvents, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kept == nil && c.ready && !c.spoilt.Load() {
		c.kept = &keptEvents{prefixes: c.prefixes, evs: c.evs}
		c.evs = nil
	}
	if c.kept == nil || c.head != head {
		return nil, false
	}
	return c.kept, true
}

// keptEvents are the events a SubjectCapture kept, by subject and then seq:
// all those of every subject beginning with one of prefixes.
type keptEvents struct {
	prefixes []string
	evs      []rulebook.Event
}

// holds reports whether the events of subjects beginning with prefix were kept.
func (k *keptEvents) holds(prefix string) bool {
	return k != nil && slices.ContainsFunc(k.prefixes, func(p string) bool { return strings.HasPrefix(prefix, p) })
}

// subject returns the kept events of subject, in seq order.
func (k *keptEvents) subject(subject string) []rulebook.Event {
	i, _ := slices.BinarySearchFunc(k.evs, subject, func(e rulebook.Event, s string) int { return strings.Compare(e.Subject, s) })
	j := i
	for j < len(k.evs) && k.evs[j].Subject == subject {
		j++
	}
	return k.evs[i:j:j]
}

// withPrefix returns the kept events of the subjects beginning with prefix.
func (k *keptEvents) withPrefix(prefix string) []rulebook.Event {
	i, _ := slices.BinarySearchFunc(k.evs, prefix, func(e rulebook.Event, s string) int { return strings.Compare(e.Subject, s) })
	j := i
	for j < len(k.evs) && strings.HasPrefix(k.evs[j].Subject, prefix) {
		j++
	}
	return k.evs[i:j:j]
}

// eachKept calls f with the events of each subject in evs (by subject, then
// seq), as EachSubject would.
func eachKept(evs []rulebook.Event, f func(evs []rulebook.Event) error) error {
	for len(evs) > 0 {
		n := 1
		for n < len(evs) && evs[n].Subject == evs[0].Subject {
			n++
		}
		if err := f(evs[:n:n]); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}
