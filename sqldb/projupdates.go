package sqldb

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/maphash"
	"maps"
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

// foldCost is about what noting a member with updates holds: the member, in
// the map, with their particulars.
const foldCost = 384

// updateFold notes the members with updates for the digests (see above).
type updateFold struct {
	// members are the members with updates, read before the walk and only
	// read after; filter tells most others apart without a look-up in it.
	members map[string]int32
	list    []foldMember
	filter  memberFilter
	mu      sync.Mutex
	// pending are the sealed joinings and updates of those members whose
	// particulars the pass over personal holds, by seq.
	pending map[int64]*foldMember
	jh      *joiningHasher
	size    int64
	spoilt  bool
}

// foldMember is what an updateFold notes of one member.
type foldMember struct {
	id      string
	joins   int
	joinSeq int64
	day     int64
	joinID  string
	status  string
	// vals are the particulars as last set, and seqs the seqs that set them.
	vals [nParticulars]string
	seqs [nParticulars]int64
	// orig are the elements the joining was summed in (the second, of its row
	// of personal, once the pass over personal has summed it).
	orig    [2]hashSum
	nOrig   int
	pending int
	bad     bool
}

// newUpdateFold reads the members with updates; nil if there are none.
func (db *DB) newUpdateFold(ctx context.Context, q querier, key [32]byte) (*updateFold, error) {
	ids, err := queryIDs(ctx, q, updatedMembersQuery)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	f := &updateFold{members: make(map[string]int32, len(ids)), list: make([]foldMember, len(ids)), pending: map[int64]*foldMember{}, jh: newJoiningHasher(key)}
	// What each member noted costs, about: past the budget, none is.
	if !f.grow(len(ids) * foldCost) {
		return nil, nil
	}
	for i, id := range ids {
		f.members[id] = int32(i)
		f.list[i].id = id
	}
	f.filter = newMemberFilter(ids)
	return f, nil
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
	f.size = int64(len(f.members)) * foldCost
	f.pending = map[int64]*foldMember{}
	for i := range f.list {
		f.list[i] = foldMember{id: f.list[i].id}
	}
}

// member returns the member with updates whose id is subject, if any.
func (f *updateFold) member(subject []byte) *foldMember {
	if f == nil || !f.filter.may(subject) {
		return nil
	}
	if i, ok := f.members[string(subject)]; ok {
		return &f.list[i]
	}
	return nil
}

// grow counts n bytes more noted, and gives up past the budget: every member
// with updates is then compared whole.
func (f *updateFold) grow(n int) bool {
	f.size += int64(n)
	// Twice the capture's: a fifth of a million members with updates fit.
	if f.size > 2*captureBudget {
		f.spoilt = true
		f.pending = nil
	}
	return !f.spoilt
}

// markBad notes that m is compared whole.
func (f *updateFold) markBad(m *foldMember) {
	f.mu.Lock()
	m.bad = true
	f.mu.Unlock()
}

// joining notes m's joining r, summed (by the walk) as the element h, and
// split if its row of personal is summed apart (sealed).
func (f *updateFold) joining(m *foldMember, r *rulebook.RawEvent, h *hashSum, sealed bool) {
	var d rulebook.MemberJoined
	tail := unsealedTail(r.Data)
	ok := tail != nil && quickJoining(tail, &d)
	if !ok && tail != nil {
		// What the quick reading set is not to be kept.
		d = rulebook.MemberJoined{}
		ok = json.Unmarshal(append([]byte("{"), tail...), &d) == nil
	}
	ok = ok && d.Member.ID == m.id
	f.mu.Lock()
	defer f.mu.Unlock()
	m.joins++
	if !ok || m.joins > 1 {
		m.bad = true
		return
	}
	mb := d.Member
	m.joinSeq, m.day, m.joinID, m.status = r.Seq, r.Effective, string(r.ID), d.Status
	for i, v := range [nParticulars]string{mb.Name, mb.Email, mb.Phone, mb.Address, mb.Unit} {
		m.set(i, v, r.Seq, true)
	}
	m.orig[0], m.nOrig = *h, 1
	if rulebook.HasPersonal(r.Data) {
		if !sealed {
			m.bad = true
			return
		}
		if f.grow(64) {
			f.pending[r.Seq] = m
			m.pending++
		}
	}
}

// set sets particular i to v from seq, if seq comes after the one that set it
// (the joining sets each, empty or not; an update only those it gives).
func (m *foldMember) set(i int, v string, seq int64, joining bool) {
	if (joining || v != "") && seq >= m.seqs[i] {
		m.vals[i], m.seqs[i] = v, seq
	}
}

// update notes m's update r; false if m is to be compared whole.
func (f *updateFold) update(m *foldMember, r *rulebook.RawEvent) bool {
	var d rulebook.MemberUpdated
	tail := unsealedTail(r.Data)
	ok := tail != nil && quickUpdate(tail, &d)
	if !ok && tail != nil {
		d = rulebook.MemberUpdated{}
		ok = json.Unmarshal(append([]byte("{"), tail...), &d) == nil && !d.Legacy()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok || m.bad || f.spoilt {
		m.bad = true
		return false
	}
	for i, v := range [nParticulars]string{d.Name, d.Email, d.Phone, d.Address, d.Unit} {
		m.set(i, v, r.Seq, false)
	}
	if rulebook.HasPersonal(r.Data) {
		if !f.grow(64) {
			return false
		}
		f.pending[r.Seq] = m
		m.pending++
	}
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
	updateKeys = []string{"name", "email", "phone", "address", "unit"}
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
// finds the pending by a cursor over their seqs.
func (f *updateFold) opener() func(seq int64, salt, data []byte) {
	if f == nil {
		return nil
	}
	var seqs []int64
	if !f.spoilt {
		seqs = slices.Sorted(maps.Keys(f.pending))
	}
	if len(seqs) == 0 {
		return nil
	}
	return func(seq int64, _, data []byte) {
		for len(seqs) > 0 && seqs[0] < seq {
			seqs = seqs[1:]
		}
		if len(seqs) == 0 || seqs[0] != seq {
			return
		}
		seqs = seqs[1:]
		m := f.pending[seq]
		m.pending--
		paths := updatePaths
		joining := seq == m.joinSeq
		if joining {
			paths = joiningPaths
			m.orig[1], m.nOrig = *f.jh.personal(seq, data), 2
		}
		set := func(p, v []byte) bool {
			i := slices.Index(paths[:], string(p))
			if i < 0 || v == nil {
				// A path a rule book declares personal beyond the
				// particulars, or a value not a string.
				return false
			}
			m.set(i, string(v), seq, joining)
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
		id := m.id
		if f.spoilt || m.bad || m.joins != 1 || m.pending != 0 {
			side.more = append(side.more, id)
			continue
		}
		for i, v := range m.vals {
			fields[1+i] = []byte(v)
		}
		fields[0], fields[6], fields[7] = []byte(m.id), []byte(m.status), []byte(m.joinID)
		var d digest
		if sealed.has(m.joinSeq) {
			// As the members' side writes out a stored member whose joining is
			// sealed (eachMemberJoining): one with no particulars it cannot.
			small = personalFields(small[:0], &fields)
			if len(small) == 0 || m.nOrig != 2 {
				side.more = append(side.more, id)
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
		for i := range m.nOrig {
			s.sub(&m.orig[i])
		}
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

// memberFilter is a set of bits, one set for each id's hash: an id whose bit
// is clear is not among them. The walk asks of every member's event; a
// look-up in a map of a fifth of the members cost more than noting them.
type memberFilter struct {
	seed maphash.Seed
	bits []uint64
}

func newMemberFilter(ids []string) memberFilter {
	n := 1 << 10
	for n < 8*len(ids) {
		n <<= 1
	}
	f := memberFilter{seed: maphash.MakeSeed(), bits: make([]uint64, n/64)}
	for _, id := range ids {
		h := maphash.String(f.seed, id) & uint64(n-1)
		f.bits[h/64] |= 1 << (h % 64)
	}
	return f
}

// may reports whether id may be among the ids (false: it is not).
func (f *memberFilter) may(id []byte) bool {
	h := maphash.Bytes(f.seed, id) & uint64(len(f.bits)*64-1)
	return f.bits[h/64]&(1<<(h%64)) != 0
}

// quickJoining reads a joining's data after its opening brace (without a
// commitment: see unsealedTail), as json.Unmarshal would, if MarshalData wrote
// it: its member's keys today's (so no unit of the first releases is looked
// for), its values strings or null. ok is false for any other data, and d is
// then not to be used.
func quickJoining(data []byte, d *rulebook.MemberJoined) bool {
	const head = `"member":{`
	if !bytes.HasPrefix(data, []byte(head)) {
		return false
	}
	m := &d.Member
	rest, ok := rulebook.QuickPairs(data[len(head):], func(key, val []byte) bool {
		if val == nil {
			// A null leaves the field as it was, as encoding/json leaves it.
			return slices.Contains(memberKeys, string(key))
		}
		switch string(key) {
		case "id":
			m.ID = string(val)
		case "name":
			m.Name = string(val)
		case "email":
			m.Email = string(val)
		case "phone":
			m.Phone = string(val)
		case "address":
			m.Address = string(val)
		case "unit":
			m.Unit = string(val)
		case "joined":
			return m.Joined.UnmarshalText(val) == nil
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
				d.Status = string(val)
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
// false for any other data.
func quickUpdate(data []byte, d *rulebook.MemberUpdated) bool {
	rest, ok := rulebook.QuickPairs(data, func(key, val []byte) bool {
		if val == nil {
			return slices.Contains(updateKeys, string(key))
		}
		switch string(key) {
		case "name":
			d.Name = string(val)
		case "email":
			d.Email = string(val)
		case "phone":
			d.Phone = string(val)
		case "address":
			d.Address = string(val)
		case "unit":
			d.Unit = string(val)
		default:
			return false
		}
		return true
	})
	return ok && len(rest) == 0
}
