package rulebook

import (
	"encoding/json"
	"fmt"
	"sort"
)

// EventOccasionRecorded records an occasion of the kind the rule book declares (a
// match a team played, or one postponed), as staff enter it. A later record of the
// same id replaces the earlier (a postponed match rearranged and played).
const EventOccasionRecorded = "occasion.recorded"

// OccasionSubjectPrefix starts the subject of events about an occasion.
const OccasionSubjectPrefix = "occasion/"

// Occasion is the data of an occasion.recorded event; the event's Effective date
// is the day of the occasion.
type Occasion struct {
	ID string `json:"id"`
	// Kind is the rule book's occasion ("matches"), the unit sanctions count in.
	Kind string `json:"kind"`
	// Units are the units taking part (the teams playing), whose members'
	// measures counted in Kind it serves.
	Units   []string `json:"units"`
	Outcome string   `json:"outcome"`
	// Counts says whether the outcome counts toward measures served in Kind, as
	// the rule book in force on the day says: the record keeps what was decided.
	Counts bool   `json:"counts"`
	Name   string `json:"name,omitempty"`
}

// OccasionPoint is an occasion as the register holds it: its latest record.
type OccasionPoint struct {
	Date    Date   `json:"date"`
	EventID string `json:"event_id"`
	Seq     int64  `json:"seq"`
	Occasion
}

// Period is the days from From up to (not including) Until.
type Period struct {
	From  Date `json:"from"`
	Until Date `json:"until"`
}

// Serving is a measure that lasts a number of occasions rather than a period (a
// ban of three matches): from From the member has Status until their unit — the
// one they belonged to on each occasion's day, so it follows a transfer — has had
// Count counted occasions of kind Occasions on or after From, or in the Credit
// period (time under an interim suspension); Then follows the day after the last.
// Its end is not known in advance: it is worked out from the occasions recorded.
type Serving struct {
	EventID   string  `json:"event_id"`
	Seq       int64   `json:"seq"`
	From      Date    `json:"from"`
	Status    string  `json:"status"`
	Then      string  `json:"then"`
	Occasions string  `json:"occasions"`
	Count     int     `json:"count"`
	Credit    *Period `json:"credit,omitempty"`
	// Counted are the occasions that served it, in order, at most Count.
	Counted []CountedOccasion `json:"counted,omitempty"`
	// Served is the day the status ends, once Count occasions are counted.
	Served Date `json:"served,omitempty"`
	// Ended is the day a later decision ended the measure (an appeal): occasions
	// from then on do not serve it.
	Ended Date `json:"ended,omitempty"`
	Decision
}

// CountedOccasion is one occasion that served a measure.
type CountedOccasion struct {
	Occasion string `json:"occasion"`
	Date     Date   `json:"date"`
	Unit     string `json:"unit"`
	// Credit marks an occasion in the credited period before the measure began.
	Credit bool `json:"credit,omitempty"`
}

// ServedBefore counts the occasions that served s before d.
func (s *Serving) ServedBefore(d Date) int {
	n := 0
	for _, c := range s.Counted {
		if c.Date < d {
			n++
		}
	}
	return n
}

// ServingOf returns the measure served in occasions that event id began, or nil.
func (h *History) ServingOf(id string) *Serving {
	for i := range h.Servings {
		if h.Servings[i].EventID == id {
			return &h.Servings[i]
		}
	}
	return nil
}

// unitOf names the unit whose occasions serve a member's measures: the unit they
// belong to. It is the one place that says so.
func unitOf(m Member) string { return m.Unit }

// occasionState is what the register keeps for measures served in occasions:
// the occasions, by id and by unit, and the unit each member was in over time.
type occasionState struct {
	byID   map[string]*OccasionPoint
	byUnit map[string][]*OccasionPoint // sorted by date, then id
	units  map[string][]unitPoint      // by member, sorted by (from, seq)
	// counting lists the members with a measure served in occasions.
	counting map[string]bool
}

type unitPoint struct {
	from Date
	seq  int64
	unit string
}

func (r *Register) occ() *occasionState {
	if r.occasions == nil {
		r.occasions = &occasionState{byID: map[string]*OccasionPoint{}, byUnit: map[string][]*OccasionPoint{},
			units: map[string][]unitPoint{}, counting: map[string]bool{}}
	}
	return r.occasions
}

// noteUnit records that from from (by the event numbered seq) member id belongs
// to unit. Only changes are kept (called before the change is applied): a
// member never moved is in the unit they joined with.
func (r *Register) noteUnit(id string, from Date, seq int64, unit string) {
	st := r.occ()
	us := st.units[id]
	if len(us) == 0 {
		us = r.unitsOf(id)
	}
	i := sort.Search(len(us), func(i int) bool { return us[i].from > from || (us[i].from == from && us[i].seq > seq) })
	us = append(us, unitPoint{})
	copy(us[i+1:], us[i:])
	us[i] = unitPoint{from: from, seq: seq, unit: unit}
	st.units[id] = us
}

// unitsOf returns the units member id has been in, with the days they joined each.
func (r *Register) unitsOf(id string) []unitPoint {
	if us := r.occ().units[id]; len(us) > 0 {
		return us
	}
	h := r.Members[id]
	if h == nil {
		return nil
	}
	return []unitPoint{{from: h.Member.Joined, unit: unitOf(h.Member)}}
}

// UnitsOf lists the units member id has belonged to, for finding the occasions
// that may serve their measures.
func (r *Register) UnitsOf(id string) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range r.unitsOf(id) {
		if u.unit != "" && !seen[u.unit] {
			seen[u.unit] = true
			out = append(out, u.unit)
		}
	}
	sort.Strings(out)
	return out
}

// Occasions returns the occasions the register holds, by id.
func (r *Register) Occasions() []OccasionPoint {
	st := r.occ()
	out := make([]OccasionPoint, 0, len(st.byID))
	for _, p := range st.byID {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// AddOccasions puts occasions into the register (each replacing an earlier record
// of its id), and works out again the measures they may serve. The record's own
// occasion.recorded events come through Apply; this is for a register built for
// some members only, given the occasions of their units.
func (r *Register) AddOccasions(ps []OccasionPoint) {
	for i := range ps {
		r.putOccasion(ps[i])
	}
	for _, id := range sortedKeys(r.occ().counting) {
		r.serve(id)
	}
}

// putOccasion stores p unless a later record of its id is held, and returns the
// earliest day the change touches (the old record's day, if earlier).
func (r *Register) putOccasion(p OccasionPoint) (Date, bool) {
	st := r.occ()
	since := p.Date
	if old := st.byID[p.ID]; old != nil {
		if old.Seq > p.Seq {
			return 0, false
		}
		since = min(since, old.Date)
		for _, u := range old.Units {
			list := st.byUnit[u]
			for i, x := range list {
				if x == old {
					st.byUnit[u] = append(list[:i:i], list[i+1:]...)
					break
				}
			}
		}
	}
	np := &p
	st.byID[p.ID] = np
	for _, u := range p.Units {
		list := st.byUnit[u]
		i := sort.Search(len(list), func(i int) bool {
			return list[i].Date > np.Date || (list[i].Date == np.Date && list[i].ID > np.ID)
		})
		list = append(list, nil)
		copy(list[i+1:], list[i:])
		list[i] = np
		st.byUnit[u] = list
	}
	return since, true
}

// recordOccasion applies an occasion.recorded event.
func (r *Register) recordOccasion(e *Event) error {
	d, ok := e.Payload.(Occasion)
	if !ok {
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
	}
	since, ok := r.putOccasion(OccasionPoint{Date: e.Effective, EventID: e.ID, Seq: e.Seq, Occasion: d})
	if !ok {
		return nil
	}
	for _, id := range sortedKeys(r.occ().counting) {
		h := r.Members[id]
		for i := range h.Servings {
			if h.Servings[i].Touches(since) {
				r.serve(id)
				break
			}
		}
	}
	return nil
}

// Touches reports whether an occasion on d (or one moved from d) may change what
// has served s: not once s is served before d, or ended before it.
func (s *Serving) Touches(d Date) bool {
	return (s.Served == 0 || d < s.Served) && (s.Ended == 0 || d < s.Ended)
}

// addServing starts a measure served in occasions, from a status change.
func (r *Register) addServing(id string, h *History, e *Event, d *StatusChange) {
	h.Servings = append(h.Servings, Serving{EventID: e.ID, Seq: e.Seq, From: e.Effective, Status: d.Status, Then: d.Then,
		Occasions: d.Occasions, Count: d.Count, Credit: d.Credit, Decision: d.Decision})
	r.occ().counting[id] = true
	r.serve(id)
}

// serve works out member id's measures served in occasions from the occasions
// held: which occasions counted, and the day each measure ends, which becomes a
// point of the status history. It depends only on what the register holds, not
// on the order it learnt it.
func (r *Register) serve(id string) {
	h, st := r.Members[id], r.occ()
	if h == nil {
		return
	}
	units := r.unitsOf(id)
	for i := range h.Servings {
		s := &h.Servings[i]
		// Drop the end worked out before: every point of the measure's event but
		// the first, which is the measure itself.
		first, kept := true, h.Points[:0]
		for _, p := range h.Points {
			if p.EventID == s.EventID {
				if !first {
					continue
				}
				first = false
			}
			kept = append(kept, p)
		}
		h.Points = kept
		var found []CountedOccasion
		seen := map[string]bool{}
		in := func(d Date) (ok, credit bool) {
			if s.Ended != 0 && d >= s.Ended {
				return false, false
			}
			if d >= s.From {
				return true, false
			}
			if c := s.Credit; c != nil && d >= c.From && d < c.Until {
				return true, true
			}
			return false, false
		}
		for j, u := range units {
			if u.unit == "" {
				continue
			}
			until := NoDate
			if j+1 < len(units) {
				until = units[j+1].from
			}
			for _, o := range st.byUnit[u.unit] {
				if o.Date < u.from || (until != NoDate && o.Date >= until) || o.Kind != s.Occasions || !o.Counts || seen[o.ID] {
					continue
				}
				if ok, credit := in(o.Date); ok {
					seen[o.ID] = true
					found = append(found, CountedOccasion{Occasion: o.ID, Date: o.Date, Unit: u.unit, Credit: credit})
				}
			}
		}
		sort.Slice(found, func(i, j int) bool {
			if found[i].Date != found[j].Date {
				return found[i].Date < found[j].Date
			}
			return found[i].Occasion < found[j].Occasion
		})
		if len(found) > s.Count {
			found = found[:s.Count]
		}
		s.Counted, s.Served = found, 0
		if len(found) < s.Count || s.Count == 0 {
			continue
		}
		// It ends the day after the last occasion; one served wholly by credit
		// ends as it begins, so it never takes effect.
		s.Served = max(found[len(found)-1].Date.AddDays(1), s.From)
		if s.Ended != 0 && s.Served >= s.Ended {
			s.Served = 0
			continue
		}
		h.addPoint(StatusPoint{From: s.Served, Status: s.Then, EventID: s.EventID, Seq: s.Seq,
			Decision: Decision{Body: s.Body, Clause: s.Clause, Case: s.Case, Sanction: s.Sanction,
				Reason: fmt.Sprintf("end of %s, served in %s", s.Status, s.Occasions)}})
	}
}

// endServings marks the measures served in occasions that ids began as ended on d.
func (h *History) endServings(ids []string, d Date) {
	for _, id := range ids {
		if s := h.ServingOf(id); s != nil && (s.Ended == 0 || d < s.Ended) {
			s.Ended = d
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
