package sqldb

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
)

// The rows stored beside a member's — status points, restrictions, waivers,
// measures served — are summed in the digests too, each as an element of its
// own (keyed by the member's id, in the range of the member's). A status
// change, a restriction of rights or a waiver that ends nothing and is served
// in no occasions makes its rows from itself alone (rulebook.LocalEffect):
// the events' side sums, for each such event, the rows it makes, written out
// as the record's projection writes them (the Appender), and the members'
// side every stored row. So a member whose events are their joining and such
// events — a lapsed member, a suspended one — is proved by the digests as one
// with their joining alone is, without reading their events again or
// projecting them: the sums agree only if their rows are those their events
// make. Only members with another event (an update, a correction, a measure
// ended or served in occasions) are projected from their events and compared
// whole, their stored rows taken out of the members' side and their events'
// put in.
//
// Two things the sums leave to the whole comparison. The order of a member's
// status points is that of their days, then seqs; a stored row's part (the
// second point of one change, at its end, is part 1) orders the points of one
// seq on one day, and is summed with the row. And a status point before the
// member's joining (by day, then seq) comes before the joining's in the
// projection, where the stored rows put the joining's first: a member with one
// is compared whole (earliestPoints).

// The kinds of element of the rows beside a member's.
const (
	elemPoint       = 'T'
	elemRestriction = 'R'
	elemWaiver      = 'W'
	elemServing     = 'V'
)

// rowTable is a table of rows beside a member's, as the digests read it: its
// columns after member_id, the first ints of them integers, the rest text.
type rowTable struct {
	name string
	tag  byte
	cols []string
	ints int
}

var rowTables = []rowTable{
	{"status_points", elemPoint, []string{"from_date", "seq", "part", "status", "rights", "event_id", "decision"}, 3},
	{"restrictions", elemRestriction, []string{"seq", "from_date", "until_date", "rights", "event_id", "decision"}, 3},
	{"waivers", elemWaiver, []string{"seq", "from_date", "until_date", "action", "clause", "event_id", "decision"}, 3},
	{"servings", elemServing, []string{"seq", "served", "ended", "data"}, 3},
}

// row returns the keyed hash of a row beside a member's: its tag, the
// member's id, the integers (eight bytes each) and the texts, each with its
// length.
func (j *joiningHasher) row(tag byte, member []byte, ints []int64, texts [][]byte) *hashSum {
	b := append(j.buf[:0], tag)
	b = binary.AppendUvarint(b, uint64(len(member)))
	b = append(b, member...)
	for _, n := range ints {
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	for _, t := range texts {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	j.buf = b
	return j.kh.hash(b)
}

// localElems adds to d the elements of the rows that an event about a member
// (subject) makes by itself, if it is one that does (rulebook.LocalEffect),
// written out as the Appender stores them; it reports false for any other,
// and for one that holds personal fields apart (stored is its data as
// stored), whose rows need its fields.
func (j *joiningHasher) localElems(d *digest, typ, subject, id []byte, seq, eff int64, stored []byte) bool {
	x := &j.fx
	switch string(typ) {
	case rulebook.EventStatusChanged, rulebook.EventRightsRestricted, rulebook.EventConditionWaived:
	default:
		return false
	}
	if rulebook.HasPersonal(stored) || !rulebook.LocalEffect(string(typ), string(id), seq, rulebook.Date(eff), stored, x) {
		return false
	}
	var texts [4][]byte
	for i, p := range x.Points {
		j.dec = appendDecision(j.dec[:0], &p.Decision)
		texts = [4][]byte{[]byte(p.Status), []byte(rightsJSON(p.Rights)), []byte(p.EventID), j.dec}
		d.add(j.row(elemPoint, subject, []int64{int64(p.From), p.Seq, int64(i)}, texts[:4]))
	}
	for _, r := range x.Restrictions {
		j.dec = appendDecision(j.dec[:0], &r.Decision)
		texts = [4][]byte{[]byte(rightsJSON(r.Rights)), []byte(r.EventID), j.dec}
		d.add(j.row(elemRestriction, subject, []int64{r.Seq, int64(r.From), int64(r.Until)}, texts[:3]))
	}
	for _, w := range x.Waivers {
		j.dec = appendDecision(j.dec[:0], &w.Decision)
		texts = [4][]byte{[]byte(w.Action), []byte(w.Clause), []byte(w.EventID), j.dec}
		d.add(j.row(elemWaiver, subject, []int64{w.Seq, int64(w.From), int64(w.Until)}, texts[:4]))
	}
	return true
}

// appendDecision appends a decision as the Appender stores one (mustJSON:
// encoding/json, HTML left unescaped, nothing for none), without reflection.
func appendDecision(dst []byte, d *rulebook.Decision) []byte {
	n := len(dst)
	for _, f := range [...]struct {
		key string
		v   string
	}{{`"body":`, d.Body}, {`"clause":`, d.Clause}, {`"reason":`, d.Reason}, {`"case":`, d.Case}, {`"sanction":`, d.Sanction}} {
		if f.v == "" {
			continue
		}
		if len(dst) == n {
			dst = append(dst, '{')
		} else {
			dst = append(dst, ',')
		}
		dst = append(dst, f.key...)
		dst = appendJSONString(dst, []byte(f.v))
	}
	if len(dst) == n {
		return dst
	}
	return append(dst, '}')
}

// eachStoredRow reads the rows beside the members' where cond holds (on
// member_id; all if cond is nil) and calls f with each row's member and its
// element's hash (valid until f returns), or nil if the row cannot be summed
// (a NULL, a value not an integer where one should be: it is compared whole),
// and, for a status point, its day and seq (else nil).
func (db *DB) eachStoredRow(ctx context.Context, q querier, cond func(col string) string, args []any, jh *joiningHasher, f func(member []byte, h *hashSum, point *[2]int64)) error {
	var parts [8][]byte
	var ints [3]int64
	for _, t := range rowTables {
		fields := parts[:1+len(t.cols)]
		query := `SELECT ` + db.joined(append([]string{"member_id"}, t.cols...)...) + ` FROM ` + t.name
		if cond != nil {
			query += ` WHERE ` + cond("member_id")
		}
		err := db.eachValue(ctx, q, query, args, func(v []byte) {
			ok := splitFields(v, fields) && bytes.IndexByte(fields[len(fields)-1], 0x1f) < 0
			member := fields[0]
			if !ok {
				member, _, _ = bytes.Cut(v, []byte{0x1f})
			}
			for i := 0; ok && i < t.ints; i++ {
				ints[i], ok = parseInt(fields[1+i])
			}
			for _, x := range fields {
				// A NULL, as the joined columns write one (see DB.joined).
				if ok && len(x) == 1 && x[0] == 30 {
					ok = false
				}
			}
			if !ok {
				f(member, nil, nil)
				return
			}
			var point *[2]int64
			if t.tag == elemPoint {
				point = &[2]int64{ints[0], ints[1]}
			}
			f(member, jh.row(t.tag, member, ints[:t.ints], fields[1+t.ints:]), point)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// earliestPoints holds, for each member with stored status points, the
// earliest of them (by day, then seq), so that the members' side can tell a
// member with one before their joining (compared whole: see above). It is
// filled with every point, in any order, before it is read (done).
type earliestPoints struct {
	ids []string
	at  [][2]int64
}

func (e *earliestPoints) add(member []byte, point [2]int64) {
	e.ids = append(e.ids, string(member))
	e.at = append(e.at, point)
}

func pointBefore(a, b [2]int64) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// done leaves each member's earliest point, by id, for cursors.
func (e *earliestPoints) done() {
	idx := make([]int, len(e.ids))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := strings.Compare(e.ids[a], e.ids[b]); c != 0 {
			return c
		}
		if pointBefore(e.at[a], e.at[b]) {
			return -1
		}
		if pointBefore(e.at[b], e.at[a]) {
			return 1
		}
		return 0
	})
	var ids []string
	var at [][2]int64
	for _, i := range idx {
		if n := len(ids); n == 0 || ids[n-1] != e.ids[i] {
			ids, at = append(ids, e.ids[i]), append(at, e.at[i])
		}
	}
	e.ids, e.at = ids, at
}

// before reports, through a cursor over the members (cur, met mostly in
// order), whether the member id has a status point before their joining (day
// joined, at seq).
func (e *earliestPoints) before(cur *idCursor, id []byte, joined, seq int64) bool {
	if !cur.has(id) {
		return false
	}
	return pointBefore(e.at[cur.i], [2]int64{joined, seq})
}
