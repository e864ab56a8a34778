package rulebook

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Event is one entry in the append-only record. Every change to the register (and,
// later, to a case or a selection) is an event; current state is a projection of them.
//
// Events are bitemporal: Effective is when the change takes effect in the world (a
// suspension effective from 27 April), Recorded is when it was entered. "What was true
// on D" looks at Effective; "what did we believe on D" first drops events Recorded
// after D.
//
// Each event's Hash covers its canonical encoding, which includes PrevHash, so
// editing, deleting or reordering any stored event breaks the chain after it.
type Event struct {
	Seq       int64           `json:"seq"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Subject   string          `json:"subject"`
	Effective Date            `json:"effective"`
	Recorded  time.Time       `json:"recorded"`
	Actor     string          `json:"actor"`
	Data      json.RawMessage `json:"data"`
	PrevHash  Hash            `json:"prev_hash"`
	Hash      Hash            `json:"hash"`
	// Payload is Data decoded (a pointer to the typed struct), when the event was
	// built in this process; projections use it rather than parse Data again. It is
	// not stored or hashed: Data is the record.
	Payload any `json:"-"`
	// Stored is Data as stored and hashed, when it differs: without the personal
	// fields held apart (see SealPersonal), which Data holds again once read.
	Stored json.RawMessage `json:"-"`
	// Erased says the event's personal fields were erased: Data is without them.
	Erased bool `json:"erased,omitempty"`
}

// StoredData is the data as stored and hashed.
func (e *Event) StoredData() json.RawMessage {
	if e.Stored != nil {
		return e.Stored
	}
	return e.Data
}

// Hash is a SHA-256 digest.
type Hash [32]byte

// String returns the digest in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText implements encoding.TextMarshaler (hex).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex).
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("hash must be 64 hex digits, got %d characters", len(b))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// ParseHash parses a hex digest.
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}

// eventDomain separates our encoding from any other use of SHA-256 and versions it.
const eventDomain = "rulebook/event/v1"

// AppendCanonical appends the canonical encoding of e (everything but Hash) to b.
// Fields are length-prefixed so that no two different events encode alike; Recorded
// is taken at microsecond precision, which both databases keep exactly.
func (e *Event) AppendCanonical(b []byte) []byte {
	return appendCanonical(b, e.Seq, e.ID, e.Type, e.Subject, int64(e.Effective), e.Recorded.UnixMicro(), e.Actor, e.StoredData(), &e.PrevHash)
}

func appendField[T string | []byte](b []byte, s T) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendCanonical[T string | []byte](b []byte, seq int64, id, typ, subject T, eff, recMicro int64, actor T, data []byte, prev *Hash) []byte {
	var num [24]byte
	b = append(b, eventDomain...)
	b = appendField(b, strconv.AppendInt(num[:0], seq, 10))
	b = appendField(b, id)
	b = appendField(b, typ)
	b = appendField(b, subject)
	b = appendField(b, strconv.AppendInt(num[:0], eff, 10))
	b = appendField(b, strconv.AppendInt(num[:0], recMicro, 10))
	b = appendField(b, actor)
	b = appendField(b, data)
	return append(b, prev[:]...)
}

// RawEvent is an event as read from storage, its fields still as bytes: the form
// verification reads a million of without building an Event for each.
type RawEvent struct {
	Seq                   int64
	ID, Type, Subject     []byte
	Effective, RecordedUs int64
	Actor, Data           []byte
	PrevHash, Hash        Hash
}

// Event returns r as an Event (for reporting a problem).
func (r *RawEvent) Event() Event {
	return Event{Seq: r.Seq, ID: string(r.ID), Type: string(r.Type), Subject: string(r.Subject), Effective: Date(r.Effective),
		Recorded: time.UnixMicro(r.RecordedUs).UTC(), Actor: string(r.Actor), Data: append(json.RawMessage(nil), r.Data...), PrevHash: r.PrevHash, Hash: r.Hash}
}

// ComputeHash returns the hash e should carry. buf is scratch space that may be reused
// across calls to avoid allocation; it is returned grown.
func (e *Event) ComputeHash(buf []byte) (Hash, []byte) {
	buf = e.AppendCanonical(buf[:0])
	return sha256.Sum256(buf), buf
}

// Seal sets e's PrevHash, Seq and Hash to follow prev (nil for the first event).
func (e *Event) Seal(prev *Event) {
	if prev == nil {
		e.Seq, e.PrevHash = 1, Hash{}
	} else {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Recorded = e.Recorded.UTC().Truncate(time.Microsecond)
	e.Hash, _ = e.ComputeHash(nil)
}

// NewEventID returns a fresh event id: "ev_" and 16 base32 characters, the first
// ten a millisecond clock so that ids sort by creation (and index inserts append
// rather than scatter), the rest a random number. Within one process ids are
// monotonic: a second id in the same millisecond takes the next number rather than
// a fresh random one, so a million ids made in a second cannot collide (with 32
// random bits each, some pair among them very likely would).
func NewEventID() string {
	idMu.Lock()
	ms := uint64(time.Now().UnixMilli())
	if ms <= idLastMs {
		ms = idLastMs
		idLastRand++
		if idLastRand == 0 { // the number wrapped: borrow the next millisecond
			ms++
		}
	} else {
		var r [4]byte
		if _, err := rand.Read(r[:]); err != nil {
			panic(err)
		}
		idLastRand = binary.BigEndian.Uint32(r[:])
	}
	idLastMs = ms
	var b [10]byte
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	binary.BigEndian.PutUint32(b[6:], idLastRand)
	idMu.Unlock()
	return "ev_" + idEncoding.EncodeToString(b[:])
}

var (
	idMu       sync.Mutex
	idLastMs   uint64
	idLastRand uint32
)

// The alphabet is in ASCII order so that encoded ids sort as their bytes do.
var idEncoding = base32.NewEncoding("23456789abcdefghijkmnpqrstuvwxyz").WithPadding(base32.NoPadding)

// Problem is the first fault found when verifying the record.
type Problem struct {
	// EventID is the id of the event at fault (as stored), Seq its position.
	EventID string `json:"event_id"`
	Seq     int64  `json:"seq"`
	// Kind is "tampered", "missing" or "reordered".
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	return fmt.Sprintf("event %s (seq %d) %s: %s", p.EventID, p.Seq, p.Kind, p.Message)
}

// Verifier checks a stream of events, in stored order, against the hash chain.
// Feed it with Next, then call Finish; it stops at the first problem.
type Verifier struct {
	prev    Hash
	prevSeq int64
	prevID  string
	n       int64
	buf     []byte
	// Lookup finds an earlier stored event by its hash, to tell a reordering from an
	// edit. It is asked only after a broken link, so the walk itself keeps no index
	// of hashes; nil means no such lookup.
	Lookup func(h Hash, before int64) (seq int64, ok bool)
	// A broken link whose cause shows only later (a swap puts the missing
	// predecessor after its successor) is held here while a few more events are read.
	pending     *Problem
	pendingPrev Hash
	lookahead   int
	// prevIDb holds the last id NextRaw saw, made a string only if a problem needs it.
	prevIDb []byte
}

// NewVerifier returns a Verifier for a record starting at seq 1.
func NewVerifier() *Verifier { return &Verifier{} }

// StartAfter makes v check a stretch of the record that begins after seq, whose last
// event had hash prev; the caller checks separately that the stretches join up.
func (v *Verifier) StartAfter(seq int64, prev Hash, prevID string) {
	v.prevSeq, v.prev, v.prevID = seq, prev, prevID
}

// lookaheadLimit bounds how far past a broken link the verifier looks for the
// event that link names, to tell a reordering from a deletion.
const lookaheadLimit = 4096

// Next checks e, which must be the next event in stored order. It returns the
// first problem once it is certain of it.
func (v *Verifier) Next(e *Event) *Problem {
	if v.prevID == "" && len(v.prevIDb) > 0 {
		v.prevID = string(v.prevIDb) // the last id NextRaw kept as bytes
	}
	if v.pending != nil {
		if e.Hash == v.pendingPrev {
			p := v.pending
			p.Kind = "reordered"
			p.Message = fmt.Sprintf("it was hashed as seq %s but stored before the event it follows (now at seq %d)", p.Message, e.Seq)
			return p
		}
		if v.lookahead++; v.lookahead > lookaheadLimit {
			return v.Finish()
		}
		return nil
	}
	want := v.prevSeq + 1
	if e.Seq != want {
		if e.Seq > want {
			return &Problem{EventID: e.ID, Seq: e.Seq, Kind: "missing",
				Message: fmt.Sprintf("expected seq %d after event %s, found seq %d: %s missing", want, v.prevIDOr(), e.Seq, Plural(int(e.Seq-want), "event", "events"))}
		}
		return &Problem{EventID: e.ID, Seq: e.Seq, Kind: "reordered", Message: fmt.Sprintf("seq %d appears after seq %d", e.Seq, v.prevSeq)}
	}
	h, buf := e.ComputeHash(v.buf)
	v.buf = buf
	if e.PrevHash != v.prev {
		if s, ok := v.lookup(e.PrevHash, e.Seq); ok {
			return &Problem{EventID: e.ID, Seq: e.Seq, Kind: "reordered",
				Message: fmt.Sprintf("it follows the event at seq %d, not the one before it", s)}
		}
		if h == e.Hash && v.prevSeq > 0 {
			// Intact itself, but it names a predecessor whose hash differs from the
			// stored one: the stored predecessor was altered and re-hashed.
			return &Problem{EventID: v.prevID, Seq: v.prevSeq, Kind: "tampered",
				Message: fmt.Sprintf("event %s (seq %d) records a different hash for it: it was altered and re-hashed, or replaced", e.ID, e.Seq)}
		}
		if orig := v.originalSeq(e); orig != 0 {
			// Hashed for a later position: events before it were removed and the
			// rest renumbered, or it was swapped with the event it follows.
			v.pending = &Problem{EventID: e.ID, Seq: e.Seq, Kind: "missing", Message: fmt.Sprint(orig)}
			v.pendingPrev = e.PrevHash
			return nil
		}
		return &Problem{EventID: e.ID, Seq: e.Seq, Kind: "tampered", Message: "previous-hash link does not match the event before it"}
	}
	if h != e.Hash {
		return &Problem{EventID: e.ID, Seq: e.Seq, Kind: "tampered", Message: "stored content does not match its hash"}
	}
	v.prev, v.prevSeq, v.prevID = e.Hash, e.Seq, e.ID
	v.prevIDb = v.prevIDb[:0]
	v.n++
	return nil
}

func (v *Verifier) lookup(h Hash, before int64) (int64, bool) {
	if v.Lookup == nil {
		return 0, false
	}
	return v.Lookup(h, before)
}

// NextRaw checks r like Next, without building an Event when all is well (the
// common case, by far); a fault is diagnosed by Next on the full event.
func (v *Verifier) NextRaw(r *RawEvent) *Problem {
	if v.pending == nil && r.Seq == v.prevSeq+1 && r.PrevHash == v.prev {
		v.buf = appendCanonical(v.buf[:0], r.Seq, r.ID, r.Type, r.Subject, r.Effective, r.RecordedUs, r.Actor, r.Data, &r.PrevHash)
		if sha256.Sum256(v.buf) == r.Hash {
			v.prev, v.prevSeq = r.Hash, r.Seq
			v.prevIDb = append(v.prevIDb[:0], r.ID...)
			v.prevID = ""
			v.n++
			return nil
		}
	}
	e := r.Event()
	return v.Next(&e)
}

// originalSeq returns the seq e was hashed with, if it is a little after its stored
// one, or 0.
func (v *Verifier) originalSeq(e *Event) int64 {
	c := *e
	for k := int64(1); k <= 64; k++ {
		c.Seq = e.Seq + k
		if h, _ := c.ComputeHash(nil); h == e.Hash {
			return c.Seq
		}
	}
	return 0
}

// Finish returns a problem still being examined when the events ran out, or nil.
func (v *Verifier) Finish() *Problem {
	p := v.pending
	if p != nil && p.Kind == "missing" {
		p.Message = fmt.Sprintf("it was hashed as seq %s: the event(s) before it were removed and the rest renumbered", p.Message)
	}
	v.pending = nil
	return p
}

func (v *Verifier) prevIDOr() string {
	if v.prevID == "" {
		return "(start)"
	}
	return v.prevID
}

// Count returns how many events verified so far.
func (v *Verifier) Count() int64 { return v.n }

// Head returns the hash of the last verified event (zero before any).
func (v *Verifier) Head() Hash { return v.prev }

// Canonical JSON for event data: encoding/json of a struct is deterministic (fields in
// declaration order, maps sorted), and the stored bytes are what is hashed, so the
// database must store Data byte for byte (TEXT, never JSONB).
func MarshalData(v any) (json.RawMessage, error) {
	// An encoder and its buffer are reused (an import marshals an event a
	// member), and the data copied out at its size.
	m := marshalers.Get().(*marshaler)
	defer marshalers.Put(m)
	m.buf.Reset()
	if err := m.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimRight(m.buf.Bytes(), "\n")), nil
}

type marshaler struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var marshalers = sync.Pool{New: func() any {
	m := &marshaler{}
	m.enc = json.NewEncoder(&m.buf)
	m.enc.SetEscapeHTML(false)
	return m
}}
