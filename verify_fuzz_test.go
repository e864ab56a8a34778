package rulebook

import (
	"fmt"
	"testing"
)

// FuzzVerifier: a record of sealed events with one byte of one event changed, or
// two events swapped, or one dropped, never verifies — and the verifier never
// panics, whatever it is given.
func FuzzVerifier(f *testing.F) {
	f.Add(uint8(3), uint16(10), uint8(1), uint8(0))
	f.Add(uint8(0), uint16(0), uint8(0xff), uint8(1))
	f.Add(uint8(7), uint16(500), uint8(0x20), uint8(2))
	f.Fuzz(func(t *testing.T, which uint8, at uint16, xor uint8, how uint8) {
		const n = 8
		evs := make([]Event, n)
		var prev Event
		for i := range evs {
			e := &evs[i]
			e.Seq, e.ID, e.Type, e.Subject, e.Actor = int64(i+1), fmt.Sprintf("ev%d", i), "note.test", "test/x", "t"
			e.Effective = MustDate("2020-01-01").AddDays(i)
			e.Data = []byte(fmt.Sprintf(`{"n":%d,"text":"an event of the record"}`, i))
			e.Seal(&prev)
			prev = *e
		}
		k := int(which) % n
		switch how % 3 {
		case 0: // change a byte of the data (xor 0 changes nothing: skip)
			if xor == 0 {
				return
			}
			d := append([]byte(nil), evs[k].Data...)
			d[int(at)%len(d)] ^= xor
			evs[k].Data = d
		case 1: // swap with the next
			if k == n-1 {
				return
			}
			evs[k], evs[k+1] = evs[k+1], evs[k]
		case 2: // drop it
			if k == n-1 {
				return // cutting the end is for checkpoints to catch
			}
			evs = append(evs[:k], evs[k+1:]...)
		}
		v := NewVerifier()
		var problem *Problem
		for i := range evs {
			if p := v.Next(&evs[i]); p != nil && problem == nil {
				problem = p
			}
		}
		if p := v.Finish(); p != nil && problem == nil {
			problem = p
		}
		if problem == nil {
			t.Fatalf("a changed record verified (change %d at event %d)", how%3, k+1)
		}
	})
}
