package sqldb

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"hash/maphash"
	"math"
	"slices"
	"sync"

	"github.com/rulebook/rulebook"
)

// A member who has changed their particulars (an update: a new e-mail address,
// a move to another unit) is stored as their joining with the updates applied,
// which the digests cannot prove from the joining alone. Beside a verify
// (VerifyProjection), the members with updates are known before the walk (an
// index of them, updatesSchema); the walk and its pass over personal note, for
// each of them, the particulars their joining and updates set, by seq, and
// the elements the joining was summed in; after them, each such member's
// joining is taken out of the events' side and put in again as the updates
// leave it (the last value set of each particular, as Register.Apply leaves
// it), written out as the members' side writes a stored member. So the digests
// prove their rows as they prove any other's, without reading their events
// again or projecting them. A member whose record does more — an update of the
// first releases (units named by kind), a second joining, particulars erased,
// another event that is compared whole — is compared whole as before; and all
// of them if noting them would hold more than captureBudget.

// updatesWhere selects the updates of members' particulars, as the index's
// condition says it.
const updatesWhere = `type = 'member.updated'`

// updatedMembersQuery reads the members with updates, by the index.
const updatedMembersQuery = `SELECT DISTINCT subject FROM events WHERE ` + updatesWhere

// updatesSchema is migration 18 (appended in schema.go, in order): an index
// of the members with updates, which verify --projection reads before its
// walk (a scan of the record without it). Partial, so that no other event's
// insert pays for it.
var updatesSchema = `CREATE INDEX IF NOT EXISTS events_updates ON events (subject) WHERE ` + updatesWhere

// The particulars an update sets, in the order of foldMember.vals.
const (
	pName = iota
	pEmail
	pPhone
	pAddress
	pUnit
	nParticulars
)

// updateFold notes the members with updates for the digests (see above).
// What it holds is free of pointers (values in two buffers, members found by
// an open-addressed table of their ids' hashes), so that the collector does
// not walk it: a fifth of a million members noted as strings in maps cost the
// check a tenth of its time.
type updateFold struct {
	// list are what is noted of the members with updates, read before the
	// walk: list[i]'s id is at idAt[i] in ids, found by table (each slot an
	// index in list plus one, beside the high half of the id's hash), and
	// most others told apart by filter (a bit for each id's hash) without a
	// look-up in it. These but list do not change after.
	seed   maphash.Seed
	filter []uint64
	table  []uint64
	ids    []byte
	idAt   []span
	list   []foldMember
	// mu guards the rest, and every foldMember.
	mu sync.Mutex
	// vals holds the values noted (a particular set again is held again).
	vals []byte
	// pending are the sealed joinings and updates of those members whose
	// particulars the pass over personal holds.
	pending []pendingSeq
	jh      *joiningHasher
	spoilt  bool
}

// span is a value held in one of an updateFold's buffers.
type span struct{ off, n uint32 }

// pendingSeq is a seq whose row of personal sets particulars of list[m].
type pendingSeq struct {
	seq int64
	m   int32
}

// foldMember is what an updateFold notes of one member: 120 bytes, a fifth
// of a million of them 23 MiB, whose pages are the most of its cost (first
// written by the walk, whose stretches share them out, not before it).
type foldMember struct {
	joinID  span
	status  span
	joinSeq int64
	day     int64
	// vals are the particulars as last set, and seqs the seqs that set them
	// (a record of more than 2³² events is compared whole: see seq32).
	vals [nParticulars]span
	seqs [nParticulars]uint32
	// orig is what the joining was summed in (with its row of personal, once
	// the pass over personal has summed it, if nOrig is 2).
	orig    digest
	pending int32
	joins   uint8
	nOrig   uint8
	bad     bool
}

// foldSize is about what a member noted costs beside their values: their
// foldMember and their part of the table and filter.
const foldSize = 120 + 8 + 16 + 1

// newUpdateFold reads the members with updates; nil if there are none, or if
// noting them would hold more than the budget.
func (db *DB) newUpdateFold(ctx context.Context, q querier, key [32]byte) (*updateFold, error) {
	rows, err := q.QueryContext(ctx, updatedMembersQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	f := &updateFold{seed: maphash.MakeSeed(), jh: newJoiningHasher(key)}
	// The ids first, then the members at once: growing them as they are read
	// cost a third of the fold.
	var id sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		// Not a member's (as queryIDs).
		if bytes.IndexByte(id, '/') >= 0 {
			continue
		}
		f.addID(id)
		if int64(len(f.idAt))*foldSize+int64(len(f.ids)) > f.budget() {
			// Past the budget, none is noted.
			return nil, rows.Err()
		}
	}
	n := len(f.idAt)
	if err := rows.Err(); err != nil || n == 0 {
		return nil, err
	}
	f.index()
	// About what each member's values take (the joining's id, status and
	// unit, the particulars held apart, an update's): pages not written to
	// cost nothing.
	f.vals = make([]byte, 0, min(int64(n)*160, f.budget()/2))
	// A sealed joining and an update or so each.
	f.pending = make([]pendingSeq, 0, 2*n)
	return f, nil
}

// addID adds a member with updates.
func (f *updateFold) addID(id []byte) {
	f.idAt = append(f.idAt, span{uint32(len(f.ids)), uint32(len(id))})
	f.ids = append(f.ids, id...)
}

// index makes what member looks the members up in, and the list.
func (f *updateFold) index() {
	n := len(f.idAt)
	f.list = make([]foldMember, n)
	slots := 1 << 10
	for slots < 2*n {
		slots <<= 1
	}
	f.table = make([]uint64, slots)
	// Eight bits or so an id: one other member's event in eight or so looks
	// in the table (more bits, more of them out of the cache).
	bits := 1 << 10
	for bits < 8*n {
		bits <<= 1
	}
	f.filter = make([]uint64, bits/64)
	for i := range n {
		h := maphash.Bytes(f.seed, f.id(int32(i)))
		b := h & uint64(len(f.filter)*64-1)
		f.filter[b/64] |= 1 << (b % 64)
		for j := h >> 32 & uint64(slots-1); ; j = (j + 1) & uint64(slots-1) {
			if f.table[j] == 0 {
				f.table[j] = h>>32<<32 | uint64(i+1)
				break
			}
		}
	}
}

// budget is what an updateFold may hold: twice a capture's, so that a fifth
// of a million members with updates fit.
func (f *updateFold) budget() int64 { return 2 * captureBudget }

// id returns list[i]'s id.
func (f *updateFold) id(i int32) []byte { s := f.idAt[i]; return f.ids[s.off : s.off+s.n] }

// val returns a value noted.
func (f *updateFold) val(s span) []byte { return f.vals[s.off : s.off+s.n] }

// keep holds v, and gives up past the budget: every member with updates is
// then compared whole.
func (f *updateFold) keep(v []byte) span {
	if len(v) == 0 || f.spoilt {
		return span{}
	}
	s := span{uint32(len(f.vals)), uint32(len(v))}
	f.vals = append(f.vals, v...)
	f.checkBudget()
	return s
}

// checkBudget spoils the fold if it holds more than its budget.
func (f *updateFold) checkBudget() {
	if int64(len(f.list))*foldSize+int64(len(f.ids))+int64(cap(f.vals))+16*int64(cap(f.pending)) > f.budget() {
		f.spoilt = true
		f.vals, f.pending = nil, nil
	}
}

// reset forgets what was noted, before a walk of the whole record again.
func (f *updateFold) reset() {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.spoilt {
		return
	}
	f.vals, f.pending = f.vals[:0], f.pending[:0]
	clear(f.list)
}

// member returns the index in list of the member with updates whose id is
// subject, -1 if none.
func (f *updateFold) member(subject []byte) int32 {
	if f == nil {
		return -1
	}
	h := maphash.Bytes(f.seed, subject)
	if b := h & uint64(len(f.filter)*64-1); f.filter[b/64]&(1<<(b%64)) == 0 {
		return -1
	}
	mask := uint64(len(f.table) - 1)
	for j := h >> 32 & mask; ; j = (j + 1) & mask {
		e := f.table[j]
		if e == 0 {
			return -1
		}
		if e>>32 == h>>32 {
			if i := int32(uint32(e)) - 1; bytes.Equal(f.id(i), subject) {
				return i
			}
		}
	}
}

// markBad notes that list[i] is compared whole.
func (f *updateFold) markBad(i int32) {
	f.mu.Lock()
	f.list[i].bad = true
	f.mu.Unlock()
}

// joining notes list[i]'s joining r, summed (by the walk) as the element h,
// and split if its row of personal is summed apart (sealed).
func (f *updateFold) joining(i int32, r *rulebook.RawEvent, h *hashSum, sealed bool) {
	m := &f.list[i]
	var j readParticulars
	ok := readJoining(r.Data, r.Effective, &j) && bytes.Equal(j.id, f.id(i))
	f.mu.Lock()
	defer f.mu.Unlock()
	m.joins++
	if !ok || m.joins > 1 || rulebook.HasPersonal(r.Data) && !sealed {
		m.bad = true
		return
	}
	m.joinSeq, m.day, m.joinID, m.status = r.Seq, r.Effective, f.keep(r.ID), f.keep(j.status)
	for k, v := range j.vals {
		f.set(m, k, v, r.Seq, true)
	}
	m.orig.add(h)
	m.nOrig = 1
	if sealed {
		f.pend(r.Seq, i)
	}
}

// pend notes that the row of personal of seq sets particulars of list[i].
func (f *updateFold) pend(seq int64, i int32) {
	if f.spoilt {
		return
	}
	f.pending = append(f.pending, pendingSeq{seq, i})
	f.list[i].pending++
	f.checkBudget()
}

// set sets m's particular k to v from seq, if seq comes after the one that
// set it (the joining sets each, empty or not; an update only those it gives).
func (f *updateFold) set(m *foldMember, k int, v []byte, seq int64, joining bool) {
	s, ok := seq32(seq)
	if !ok {
		m.bad = true
		return
	}
	if (joining || len(v) > 0) && s >= m.seqs[k] {
		m.vals[k], m.seqs[k] = f.keep(v), s
	}
}

// seq32 is seq in the 32 bits a foldMember holds it in, if it fits.
func seq32(seq int64) (uint32, bool) {
	return uint32(seq), seq >= 0 && seq <= math.MaxUint32
}

// update notes list[i]'s update r; false if they are to be compared whole.
func (f *updateFold) update(i int32, r *rulebook.RawEvent) bool {
	m := &f.list[i]
	var vals [nParticulars][]byte
	ok := readUpdate(r.Data, &vals)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok || m.bad || f.spoilt {
		m.bad = true
		return false
	}
	for k, v := range vals {
		f.set(m, k, v, r.Seq, false)
	}
	if rulebook.HasPersonal(r.Data) {
		f.pend(r.Seq, i)
	}
	return !f.spoilt
}

// readParticulars are a joining's fields as read, each nil where not given
// (an update's, vals alone).
type readParticulars struct {
	id, status, joined []byte
	vals               [nParticulars][]byte
}

// readJoining reads a joining's data (without a commitment: see
// unsealedTail), as Register.Apply reads it, of a joining effective on day
// eff; false if it cannot.
func readJoining(data []byte, eff int64, j *readParticulars) bool {
	tail := unsealedTail(data)
	if tail == nil {
		return false
	}
	if quickJoining(tail, j) {
		return validJoined(j.joined, eff)
	}
	// Escapes, and the like: what the quick reading set is not to be kept.
	var d rulebook.MemberJoined
	if json.Unmarshal(append([]byte("{"), tail...), &d) != nil {
		return false
	}
	mb := &d.Member
	*j = readParticulars{id: []byte(mb.ID), status: []byte(d.Status), vals: [nParticulars][]byte{[]byte(mb.Name), []byte(mb.Email), []byte(mb.Phone), []byte(mb.Address), []byte(mb.Unit)}}
	return true
}

// validJoined reports whether a joining's date (which Register.Apply reads,
// and sets aside for the day it is effective) reads: it is that day, as it
// is written, or else parsed.
func validJoined(b []byte, eff int64) bool {
	var day [10]byte
	if len(b) == 0 || bytes.Equal(b, appendDay(day[:0], eff)) {
		return true
	}
	var d rulebook.Date
	return d.UnmarshalText(b) == nil
}

// readUpdate reads an update's data (without a commitment) as Register.Apply
// reads it, each particular not given empty; false if it cannot, or if it is
// an update of the first releases.
func readUpdate(data []byte, vals *[nParticulars][]byte) bool {
	tail := unsealedTail(data)
	if tail == nil {
		return false
	}
	if quickUpdate(tail, vals) {
		return true
	}
	*vals = [nParticulars][]byte{}
	var d rulebook.MemberUpdated
	if json.Unmarshal(append([]byte("{"), tail...), &d) != nil || d.Legacy() {
		return false
	}
	*vals = [nParticulars][]byte{[]byte(d.Name), []byte(d.Email), []byte(d.Phone), []byte(d.Address), []byte(d.Unit)}
	return true
}

// unsealedTail returns an object's data after its opening brace, without a
// commitment to personal fields held apart if it holds one (the fields held
// apart stand in it as null); nil if it is not an object.
func unsealedTail(data []byte) []byte {
	if !rulebook.HasPersonal(data) {
		if len(data) < 2 || data[0] != '{' {
			return nil
		}
		return data[1:]
	}
	rest, ok := sealedRest(data)
	switch {
	case !ok || len(rest) < 2:
		return nil
	case rest[1] == '}':
		return rest[1:]
	case rest[1] == ',':
		return rest[2:]
	}
	return nil
}

// The keys of a member and of an update today (rulebook.Member,
// rulebook.MemberUpdated).
var (
	memberKeys = []string{"id", "name", "email", "phone", "address", "unit", "joined"}
	updateKeys = []string{pName: "name", pEmail: "email", pPhone: "phone", pAddress: "address", pUnit: "unit"}
)

// The paths of the particulars held apart from a joining and from an update.
var (
	joiningPaths = [...]string{pName: "member.name", pEmail: "member.email", pPhone: "member.phone", pAddress: "member.address"}
	updatePaths  = [...]string{pName: "name", pEmail: "email", pPhone: "phone", pAddress: "address"}
)

// opener returns what the verify's pass over personal calls with each row it
// has checked against its commitment (see SubjectCapture.opener): the
// particulars of the pending joinings and updates are noted from their rows.
// The pass runs after the walk, alone, in seq order: it takes no lock, and
// finds the pending by a cursor over them, sorted by seq.
func (f *updateFold) opener() func(seq int64, salt, data []byte) {
	if f == nil || f.spoilt || len(f.pending) == 0 {
		return nil
	}
	pending := f.pending
	slices.SortFunc(pending, func(a, b pendingSeq) int { return cmp.Compare(a.seq, b.seq) })
	return func(seq int64, _, data []byte) {
		for len(pending) > 0 && pending[0].seq < seq {
			pending = pending[1:]
		}
		if len(pending) == 0 || pending[0].seq != seq {
			return
		}
		m := &f.list[pending[0].m]
		pending = pending[1:]
		m.pending--
		paths := updatePaths
		joining := seq == m.joinSeq
		if joining {
			paths = joiningPaths
			m.orig.add(f.jh.personal(seq, data))
			m.nOrig = 2
		}
		set := func(p, v []byte) bool {
			k := slices.Index(paths[:], string(p))
			if k < 0 || v == nil {
				// A path a rule book declares personal beyond the
				// particulars, or a value not a string.
				return false
			}
			f.set(m, k, v, seq, joining)
			return true
		}
		if rest, ok := rulebook.QuickPairs(data[min(1, len(data)):], set); ok && len(data) > 0 && data[0] == '{' && len(rest) == 0 {
			return
		}
		var fields map[string]string
		if json.Unmarshal(data, &fields) != nil {
			m.bad = true
			return
		}
		for p, v := range fields {
			if !set([]byte(p), []byte(v)) {
				m.bad = true
				return
			}
		}
	}
}

// finish takes the joinings of the members with updates out of the events'
// side and puts them in as the updates leave them, or lists the members among
// those with more, to be compared whole. sealed are the sealed joinings.
func (f *updateFold) finish(side *digestSide, dr *digestRanges, sealed *sealedSeqs) {
	if f == nil {
		return
	}
	jh := f.jh
	var fields [8][]byte
	var data, small []byte
	for k := range f.list {
		m := &f.list[k]
		id := f.id(int32(k))
		if f.spoilt || m.bad || m.joins != 1 || m.pending != 0 {
			side.more = append(side.more, string(id))
			continue
		}
		for i, v := range m.vals {
			fields[1+i] = f.val(v)
		}
		fields[0], fields[6], fields[7] = id, f.val(m.status), f.val(m.joinID)
		var d digest
		if sealed.has(m.joinSeq) {
			// As the members' side writes out a stored member whose joining is
			// sealed (eachMemberJoining): one with no particulars it cannot.
			small = personalFields(small[:0], &fields)
			if len(small) == 0 || m.nOrig != 2 {
				side.more = append(side.more, string(id))
				continue
			}
			data = sealedJoiningRest(data[:0], &fields, m.day)
			d.add(jh.hash(elemSealed, m.joinSeq, m.day, fields[0], fields[7], data))
			d.add(jh.personal(m.joinSeq, small))
		} else {
			data = plainJoining(data[:0], &fields, m.day)
			d.add(jh.hash(elemJoining, m.joinSeq, m.day, fields[0], fields[7], data))
		}
		s := &side.sums[dr.of(fields[0])]
		s.subDigest(&m.orig)
		s.addDigest(&d)
	}
}

// bothOpeners returns an opener (see SubjectCapture.opener) calling a and b,
// either nil.
func bothOpeners(a, b func(seq int64, salt, data []byte)) func(seq int64, salt, data []byte) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(seq int64, salt, data []byte) {
		a(seq, salt, data)
		b(seq, salt, data)
	}
}

// quickJoining reads a joining's data after its opening brace (without a
// commitment: see unsealedTail), as json.Unmarshal would, if MarshalData wrote
// it: its member's keys today's (so no unit of the first releases is looked
// for), its values strings or null; the date it holds is not read. ok is
// false for any other data, and j is then not to be used. The values are
// data's bytes: nothing is allocated.
func quickJoining(data []byte, j *readParticulars) bool {
	const head = `"member":{`
	if !bytes.HasPrefix(data, []byte(head)) {
		return false
	}
	rest, ok := rulebook.QuickPairs(data[len(head):], func(key, val []byte) bool {
		if val == nil {
			// A null leaves the field as it was, as encoding/json leaves it.
			return slices.Contains(memberKeys, string(key))
		}
		switch string(key) {
		case "id":
			j.id = val
		case "name":
			j.vals[pName] = val
		case "email":
			j.vals[pEmail] = val
		case "phone":
			j.vals[pPhone] = val
		case "address":
			j.vals[pAddress] = val
		case "unit":
			j.vals[pUnit] = val
		case "joined":
			j.joined = val
		default:
			return false
		}
		return true
	})
	if !ok {
		return false
	}
	switch {
	case string(rest) == "}":
		return true
	case len(rest) > 1 && rest[0] == ',':
		// The status, the joining's only other key.
		after, ok := rulebook.QuickPairs(rest[1:], func(key, val []byte) bool {
			if string(key) != "status" {
				return false
			}
			if val != nil {
				j.status = val
			}
			return true
		})
		return ok && len(after) == 0
	}
	return false
}

// quickUpdate reads an update's data after its opening brace (without a
// commitment) as json.Unmarshal would, if MarshalData wrote it: today's keys
// alone (so it is no update of the first releases), strings or null. ok is
// false for any other data. As quickJoining, nothing is allocated.
func quickUpdate(data []byte, vals *[nParticulars][]byte) bool {
	rest, ok := rulebook.QuickPairs(data, func(key, val []byte) bool {
		if val == nil {
			return slices.Contains(updateKeys, string(key))
		}
		k := slices.Index(updateKeys, string(key))
		if k < 0 {
			return false
		}
		vals[k] = val
		return true
	})
	return ok && len(rest) == 0
}
