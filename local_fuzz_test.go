package rulebook

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzLocalEffect: whatever an event's type, data, day and place in the
// record, if LocalEffect says it makes its rows by itself, then projecting the
// record with it gives each member the history they have without it, but for
// its subject's, which holds its effect besides: its points, restriction and
// waiver, and nothing else changed (what a check of the projection relies on
// to sum such an event's rows without projecting its member).
func FuzzLocalEffect(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(4), []byte(`{"status":"suspended","until":"2020-06-01","then":"active","body":"nec"}`), int16(3))
	f.Add(uint8(1), uint8(1), uint8(9), []byte(`{"rights":{"vote":false},"until":"2021-01-01","case":"C1"}`), int16(20))
	f.Add(uint8(2), uint8(2), uint8(16), []byte(`{"action":"vote","condition_clause":"2.1"}`), int16(-5))
	f.Add(uint8(0), uint8(1), uint8(2), []byte(`{"status":"x","rights":{"vote":true},"until":"2019-01-01"}`), int16(40))
	f.Add(uint8(1), uint8(0), uint8(0), []byte(`{"rights":{}}`), int16(0))
	f.Add(uint8(0), uint8(0), uint8(5), []byte(`{"status":"x","ends":["e04"]}`), int16(5))
	f.Add(uint8(0), uint8(1), uint8(7), []byte(`{"status":"x","count":1,"occasions":"matches"}`), int16(1))
	f.Fuzz(func(t *testing.T, typ, who, at uint8, data []byte, day int16) {
		types := []string{EventStatusChanged, EventRightsRestricted, EventConditionWaived, EventMemberUpdated}
		members := []string{"M1", "M2", "M3"}
		base := projectFuzzBase()
		for i := range base {
			base[i].Seq = int64(10 * (i + 1))
		}
		k := int(at) % (len(base) + 1)
		e := Event{ID: "fz", Seq: int64(10*k + 5), Type: types[int(typ)%len(types)], Subject: members[int(who)%len(members)], Actor: "t",
			Effective: MustDate("2020-01-01").AddDays(int(day)), Recorded: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Data: json.RawMessage(data)}
		var x Effect
		if !LocalEffect(e.Type, e.ID, e.Seq, e.Effective, e.Data, &x) {
			return
		}
		with := append(append(append([]Event(nil), base[:k]...), e), base[k:]...)
		units := []Unit{{ID: "north", Kind: "region"}}
		before, err := ProjectWith(units, base, "active", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		after, err := ProjectWith(units, with, "active", time.Time{})
		if err != nil {
			// Apply says why (a member not yet joined).
			return
		}
		for id, h := range after.Members {
			b := before.Members[id]
			if b == nil {
				t.Fatalf("member %s appears", id)
			}
			if id != e.Subject {
				if !reflect.DeepEqual(h, b) {
					t.Fatalf("member %s changed:\n%+v\n%+v", id, b, h)
				}
				continue
			}
			if !reflect.DeepEqual(h.Member, b.Member) || !reflect.DeepEqual(h.Servings, b.Servings) {
				t.Fatalf("member %s changed beyond the effect:\n%+v\n%+v", id, b, h)
			}
			if !sameBut(h.Points, b.Points, x.Points) || !sameBut(h.Restrictions, b.Restrictions, x.Restrictions) || !sameBut(h.Waivers, b.Waivers, x.Waivers) {
				t.Fatalf("member %s: not the history without the event and its effect:\nbefore %+v\nafter %+v\neffect %+v", id, b, h, x)
			}
		}
	})
}

// sameBut reports whether got, less one of each of added, is want, in order.
func sameBut[T any](got, want, added []T) bool {
	rest := append([]T(nil), got...)
	for _, a := range added {
		i := 0
		for i < len(rest) && !reflect.DeepEqual(rest[i], a) {
			i++
		}
		if i == len(rest) {
			return false
		}
		rest = append(rest[:i], rest[i+1:]...)
	}
	return len(rest) == len(want) && (len(want) == 0 || reflect.DeepEqual(rest, want))
}

// FuzzQuickStatusChange: whatever the data, a status change read by the quick
// path is the one json.Unmarshal reads, and it takes no data json.Unmarshal
// refuses.
func FuzzQuickStatusChange(f *testing.F) {
	for _, s := range []string{`{}`, `{"status":"admin_suspended","reason":"status as imported"}`,
		`{"status":"sanction_suspended","until":"2018-01-25","then":"admin_suspended","body":"ncc","clause":"6.I.1.D","reason":"r","case":"B000040","sanction":"suspension_office_representation"}`,
		`{"status":"x","status":"y"}`, `{"Status":"x"}`, `{"status":"x",}`, `{"status":"a\"b"}`, `{"status":"é"}`, "{\"status\":\"\xff\"}",
		`{"until":"2020-13-01"}`, `{"until":""}`, `{"status":"x","rights":{"vote":true}}`, `{"status":null}`, ` {"status":"x"}`, `{"status" : "x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var quick, full StatusChange
		if !quickStatusChange(data, &quick) {
			return
		}
		if err := json.Unmarshal(data, &full); err != nil {
			t.Fatalf("%q: read quickly, refused by json.Unmarshal: %v", data, err)
		}
		if !reflect.DeepEqual(quick, full) {
			t.Fatalf("%q: read quickly as %+v, by json.Unmarshal as %+v", data, quick, full)
		}
	})
}
