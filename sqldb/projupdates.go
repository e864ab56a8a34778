package sqldb

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

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

// The particulars an update sets, as a note holds them.
const (
	pName = iota
	pEmail
	pPhone
	pAddress
	pUnit
	nParticulars
)

// updateFold notes the members with updates for the digests (see above).
// Each stretch of the walk, and then the pass over personal, writes what it
// notes of them in a buffer of its own (foldNotes), without a lock: each note
// is linked to the one noted before it of the same member (heads, swapped
// atomically), and finish reads each member's notes after the walk. Nothing
// it holds has pointers, so the collector does not walk it; a member is 8
// bytes beside their notes (a fifth of a million members noted as strings in
// maps, then in a list behind a lock, cost the check a tenth of its time).
type updateFold struct {
	// The members with updates, read before the walk: the i'th's id is at
	// idAt[i] in ids, found by table (each slot an index plus one, beside
	// the high half of the id's hash), and most others told apart by filter
	// (a bit for each id's hash) without a look-up in it. None change after.
	seed   maphash.Seed
	filter []uint64
	table  []uint64
	ids    []byte
	idAt   []span
	// heads are each member's last note (a link: see foldNotes.link), and
	// bad a bit for each member to be compared whole.
	heads []atomic.Uint64
	bad   []atomic.Uint64
	// size is what the notes hold; past the budget the fold is spoilt, and
	// every member with updates is compared whole.
	size   atomic.Int64
	spoilt atomic.Bool
	mu     sync.Mutex
	// chunks are what the notes are written in, by id.
	chunks [][]byte
	// pending are the seqs of rows of personal to note: the first in slots
	// taken (as many as two a member: a sealed joining and an update or so
	// each; growing each stretch's cost a tenth of the fold), the rest of the
	// stretches done.
	slots   []pendingSeq
	taken   atomic.Int64
	pending []pendingSeq
	jh      *joiningHasher
}

// span is an id held in updateFold.ids.
type span struct{ off, n uint32 }

// foldNotes are what one stretch of the walk, or the pass over personal,
// notes of the members with updates: notes one after another, in chunks
// (growing one buffer copied it, and cost the fold a third), each
//
//	prev uint64 | kind byte | seq int64 | kind's fields | n byte | n × (k byte, uvarint length, value)
//
// prev the link to the member's note before it (0 for none), a link being
// the chunk's id plus one, shifted 32 bits, beside the note's offset in it.
type foldNotes struct {
	// buf is the chunk written in, up to its length; id its id.
	buf  []byte
	id   uint32
	pend []pendingSeq
}

// noteChunk is the size of a chunk of notes (a larger note has one of its own).
const noteChunk = 256 << 10

// The kinds of note, and the fields after their seq.
const (
	// noteJoining: day int64 | element summed hashSum | sealed byte.
	noteJoining = 'J'
	// noteUpdate: held apart byte (a row of personal to come).
	noteUpdate = 'U'
	// notePersonal, a row of personal: of the joining byte | its element
	// summed hashSum, if of the joining.
	notePersonal = 'P'
)

// The values a note holds beside the particulars (pName…pUnit).
const (
	kStatus = nParticulars + iota
	kJoinID
	nNoted
)

// pendingSeq is a seq whose row of personal sets particulars of member m
// (of their joining, if joining).
type pendingSeq struct {
	seq     int64
	m       int32
	joining bool
}

// newUpdateFold reads the members with updates; nil if there are none, or if
// noting them would hold more than the budget.
func (db *DB) newUpdateFold(ctx context.Context, q querier, key [32]byte) (*updateFold, error) {
	rows, err := q.QueryContext(ctx, updatedMembersQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	f := &updateFold{seed: maphash.MakeSeed(), jh: newJoiningHasher(key)}
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
	if err := rows.Err(); err != nil || len(f.idAt) == 0 {
		return nil, err
	}
	f.index()
	f.slots = make([]pendingSeq, 2*len(f.idAt))
	f.size.Store(int64(len(f.idAt)) * foldSize)
	return f, nil
}

// foldSize is about what a member costs before anything is noted: their id's
// span, head, and part of the table and filter.
const foldSize = 8 + 8 + 16 + 1 + 2*16

// addID adds a member with updates.
func (f *updateFold) addID(id []byte) {
	f.idAt = append(f.idAt, span{uint32(len(f.ids)), uint32(len(id))})
	f.ids = append(f.ids, id...)
}

// index makes what member looks the members up in, and their heads.
func (f *updateFold) index() {
	n := len(f.idAt)
	f.heads = make([]atomic.Uint64, n)
	f.bad = make([]atomic.Uint64, n/64+1)
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

// id returns the i'th member's id.
func (f *updateFold) id(i int32) []byte { s := f.idAt[i]; return f.ids[s.off : s.off+s.n] }

// reset forgets what was noted, before a walk of the whole record again.
func (f *updateFold) reset() {
	if f == nil || f.spoilt.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.heads {
		f.heads[i].Store(0)
	}
	for i := range f.bad {
		f.bad[i].Store(0)
	}
	f.chunks, f.pending = nil, nil
	f.taken.Store(0)
	f.size.Store(int64(len(f.idAt)) * foldSize)
}

// member returns the index of the member with updates whose id is subject,
// -1 if none.
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

// markBad notes that member i is compared whole.
func (f *updateFold) markBad(i int32) { f.bad[i/64].Or(1 << (i % 64)) }

func (f *updateFold) isBad(i int32) bool { return f.bad[i/64].Load()&(1<<(i%64)) != 0 }

// adopt takes the seqs of rows of personal a stretch of the walk noted.
func (f *updateFold) adopt(n *foldNotes) {
	if f == nil || n == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, n.pend...)
}

// note writes a note of member i in n: of kind, at seq, with the kind's
// fields and vals (nil: not noted), links it, and reports false if the fold is
// spoilt (nothing is then noted).
func (n *foldNotes) note(f *updateFold, i int32, kind byte, seq int64, fields []byte, vals *[nNoted][]byte) bool {
	need := 8 + 1 + 8 + len(fields) + 1
	for _, v := range vals {
		need += 1 + binary.MaxVarintLen64 + len(v)
	}
	if cap(n.buf)-len(n.buf) < need {
		// A small budget (tests) is not spent on a chunk or two.
		size := max(min(noteChunk, int(f.budget()/32)), need)
		if f.spoilt.Load() || f.size.Add(int64(size)) > f.budget() {
			f.spoilt.Store(true)
			return false
		}
		c := make([]byte, 0, size)
		f.mu.Lock()
		n.id = uint32(len(f.chunks))
		f.chunks = append(f.chunks, c[:cap(c)])
		f.mu.Unlock()
		n.buf = c
	}
	off := len(n.buf)
	b := binary.LittleEndian.AppendUint64(n.buf, 0)
	b = append(b, kind)
	b = binary.LittleEndian.AppendUint64(b, uint64(seq))
	b = append(b, fields...)
	at := len(b)
	b = append(b, 0)
	for k, v := range vals {
		if v != nil {
			b = append(b, byte(k))
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
			b[at]++
		}
	}
	link := uint64(n.id+1)<<32 | uint64(off)
	binary.LittleEndian.PutUint64(b[off:], f.heads[i].Swap(link))
	n.buf = b
	return true
}

// pendRow notes that the row of personal of seq sets particulars of member i.
func (n *foldNotes) pendRow(f *updateFold, seq int64, i int32, joining bool) {
	p := pendingSeq{seq, i, joining}
	if k := f.taken.Add(1) - 1; k < int64(len(f.slots)) {
		f.slots[k] = p
		return
	}
	n.pend = append(n.pend, p)
	if f.size.Add(16) > f.budget() {
		f.spoilt.Store(true)
	}
}

// joining notes member i's joining r, summed (by the walk) as the element h,
// and split if its row of personal is summed apart (sealed), in n.
func (f *updateFold) joining(n *foldNotes, i int32, r *rulebook.RawEvent, h *hashSum, sealed bool) {
	var j readParticulars
	if !readJoining(r.Data, r.Effective, &j) || !bytes.Equal(j.id, f.id(i)) || rulebook.HasPersonal(r.Data) && !sealed {
		f.markBad(i)
		return
	}
	var fields [8 + 16 + 1]byte
	binary.LittleEndian.PutUint64(fields[:], uint64(r.Effective))
	copy(fields[8:], h[:])
	fields[24] = b2u(sealed)
	// The joining sets each particular, empty or not.
	var vals [nNoted][]byte
	for k, v := range j.vals {
		vals[k] = v
		if v == nil {
			vals[k] = []byte{}
		}
	}
	vals[kStatus], vals[kJoinID] = j.status, r.ID
	if n.note(f, i, noteJoining, r.Seq, fields[:], &vals) && sealed {
		n.pendRow(f, r.Seq, i, true)
	}
}

// update notes member i's update r in n; false if they are to be compared
// whole.
func (f *updateFold) update(n *foldNotes, i int32, r *rulebook.RawEvent) bool {
	var vals [nNoted][]byte
	if !readUpdate(r.Data, (*[nParticulars][]byte)(vals[:nParticulars])) {
		f.markBad(i)
		return false
	}
	held := rulebook.HasPersonal(r.Data)
	if !n.note(f, i, noteUpdate, r.Seq, []byte{b2u(held)}, &vals) {
		return false
	}
	if held {
		n.pendRow(f, r.Seq, i, false)
	}
	return true
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// notes returns the side's notes for the fold, made on first use.
func (side *digestSide) notes() *foldNotes {
	if side.fold == nil {
		side.fold = &foldNotes{}
	}
	return side.fold
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
// The pass runs after the walk, alone, in seq order: it finds the pending by a
// cursor over them, sorted by seq, and notes in a buffer of its own.
func (f *updateFold) opener() func(seq int64, salt, data []byte) {
	if f == nil || f.spoilt.Load() {
		return nil
	}
	pending := append(f.slots[:min(f.taken.Load(), int64(len(f.slots)))], f.pending...)
	if len(pending) == 0 {
		return nil
	}
	slices.SortFunc(pending, func(a, b pendingSeq) int { return cmp.Compare(a.seq, b.seq) })
	out := &foldNotes{}
	return func(seq int64, _, data []byte) {
		for len(pending) > 0 && pending[0].seq < seq {
			pending = pending[1:]
		}
		if len(pending) == 0 || pending[0].seq != seq {
			return
		}
		p := pending[0]
		pending = pending[1:]
		paths := updatePaths
		if p.joining {
			paths = joiningPaths
		}
		var vals [nNoted][]byte
		set := func(path, v []byte) bool {
			k := slices.Index(paths[:], string(path))
			if k < 0 || v == nil {
				// A path a rule book declares personal beyond the
				// particulars, or a value not a string.
				return false
			}
			vals[k] = v
			return true
		}
		rest, ok := rulebook.QuickPairs(data[min(1, len(data)):], set)
		if !ok || len(data) == 0 || data[0] != '{' || len(rest) != 0 {
			vals = [nNoted][]byte{}
			var fields map[string]string
			ok = json.Unmarshal(data, &fields) == nil
			for path, v := range fields {
				ok = ok && set([]byte(path), []byte(v))
			}
		}
		if !ok {
			f.markBad(p.m)
			return
		}
		fields := []byte{b2u(p.joining)}
		if p.joining {
			fields = append(fields, f.jh.personal(seq, data)[:]...)
		}
		out.note(f, p.m, notePersonal, seq, fields, &vals)
	}
}

// folded is a member with updates as their notes leave them.
type folded struct {
	// vals are the particulars, status and joining's id as last set.
	vals         [nNoted][]byte
	joinSeq, day int64
	// orig is what the joining was summed in, with its row of personal if
	// sealed (nOrig 2).
	orig  digest
	nOrig int
}

// resolve reads member i's notes, newest first: each value is the one set
// last, by seq, and of two set at one seq (a sealed joining's particular,
// empty in it, and its row of personal) the one noted after. ok is false if
// the member is to be compared whole: one joining or more, a row of personal
// missing, a note that could not be made. seqs is room for the seqs.
func (f *updateFold) resolve(i int32, seqs *[2][]int64) (r folded, ok bool) {
	if f.isBad(i) {
		return r, false
	}
	var best [nNoted]int64
	joins := 0
	want, got := seqs[0][:0], seqs[1][:0]
	defer func() { seqs[0], seqs[1] = want, got }()
	for link := f.heads[i].Load(); link != 0; {
		b := f.chunks[link>>32-1][uint32(link):]
		link = binary.LittleEndian.Uint64(b)
		kind, seq := b[8], int64(binary.LittleEndian.Uint64(b[9:]))
		b = b[17:]
		// The joining and its row set every particular, empty or not; an
		// update and its row only those they give.
		every := false
		switch kind {
		case noteJoining:
			joins++
			r.joinSeq, r.day = seq, int64(binary.LittleEndian.Uint64(b))
			r.orig.add((*hashSum)(b[8:24]))
			r.nOrig++
			if b[24] == 1 {
				want = append(want, seq)
			}
			b, every = b[25:], true
		case noteUpdate:
			if b[0] == 1 {
				want = append(want, seq)
			}
			b = b[1:]
		case notePersonal:
			got = append(got, seq)
			if b[0] == 1 {
				r.orig.add((*hashSum)(b[1:17]))
				r.nOrig++
				b, every = b[17:], true
			} else {
				b = b[1:]
			}
		}
		n := int(b[0])
		b = b[1:]
		for range n {
			k := b[0]
			l, w := binary.Uvarint(b[1:])
			v := b[1+w : 1+w+int(l)]
			b = b[1+w+int(l):]
			if (every || len(v) > 0) && seq > best[k] {
				best[k], r.vals[k] = seq, v
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	return r, joins == 1 && slices.Equal(want, got)
}

// finish takes the joinings of the members with updates out of the events'
// side and puts them in as the updates leave them, or lists the members among
// those with more, to be compared whole. sealed are the sealed joinings.
func (f *updateFold) finish(side *digestSide, dr *digestRanges, sealed *sealedSeqs) {
	if f == nil {
		return
	}
	jh := f.jh
	spoilt := f.spoilt.Load()
	var fields [8][]byte
	var data, small []byte
	var seqs [2][]int64
	for k := range f.idAt {
		id := f.id(int32(k))
		m, ok := f.resolve(int32(k), &seqs)
		if spoilt || !ok {
			side.more = append(side.more, string(id))
			continue
		}
		copy(fields[1:1+nParticulars], m.vals[:nParticulars])
		fields[0], fields[6], fields[7] = id, m.vals[kStatus], m.vals[kJoinID]
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
