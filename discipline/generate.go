package discipline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// genCheckBook returns an error unless every version of rb in force over the days
// the plan's cases name has everything the plan names: the procedure for each kind
// of case, the members' status, the complaints' clauses, and every step's
// transition, bodies, panel rule, criteria, charges' clauses, sanction, factors,
// actions and trigger, with the list entry the trigger checks.
func genCheckBook(rb *rules.RuleBook, p *CasePlan) error {
	var probs planProblems
	add := func(path, format string, args ...any) { probs = append(probs, p.problem(path, format, args...)) }
	if rb == nil || len(rb.Versions) == 0 {
		add("", "there is no rule book")
		return probs
	}
	from, to := p.dates()
	first, err := rb.VersionAt(from)
	if err != nil {
		add("start", "the first case's conduct is on %s: %v", from, err)
		return probs
	}
	if k := p.Members.UnitKind; p.Members.Units > 0 {
		// Units are created on the members' joining day, under the rules then (or
		// the first rules, for a day before them), as an import creates them.
		v, err := rb.VersionAt(p.Members.Joined)
		if err != nil {
			v = rb.Versions[0]
		}
		if v.UnitKind(k) == nil {
			add("members.unit_kind", "rule book version %s (in force on %s, the members' joining day) declares no kind of unit %q", v.ID, p.Members.Joined, k)
		}
	}
	entry := func(list, id string) (int, *ListEntry) {
		for j := range p.ListEntries {
			if e := &p.ListEntries[j]; e.List == list && e.ID == id {
				return j, e
			}
		}
		return -1, nil
	}
	lastConduct := p.Start.AddDays(p.SpreadDays - 2)
	for _, v := range rb.Versions {
		if v != first && (v.InForceFrom <= from || v.InForceFrom > to) {
			continue
		}
		missing := func(path, what, id string) {
			add(path, "rule book version %s (in force from %s) has no %s %q", v.ID, v.InForceFrom, what, id)
		}
		x := v.Discipline
		if x == nil {
			add("", "rule book version %s (in force from %s) has no disciplinary procedure", v.ID, v.InForceFrom)
			continue
		}
		if v.Status(p.Members.Status) == nil {
			missing("members.status", "status", p.Members.Status)
		}
		complaints := false
		for i, sc := range p.Scripts {
			path := fmt.Sprintf("scripts[%d]", i)
			complaints = complaints || sc.Kind == "complaint"
			if x.Initial[sc.Kind] == "" {
				add(path+".kind", "rule book version %s (in force from %s) has no procedure for %s cases", v.ID, v.InForceFrom, sc.Kind)
			}
			for k, st := range sc.Steps {
				if st.Mitigation != "" {
					continue
				}
				sp := fmt.Sprintf("%s.steps[%d]", path, k)
				if x.Transitions[st.Transition] == nil {
					missing(sp+".transition", "transition", st.Transition)
				}
				if v.Bodies[st.Body] == nil {
					missing(sp+".body", "body", st.Body)
				}
				if pn := st.Panel; pn != nil {
					if v.Bodies[pn.Body] == nil {
						missing(sp+".panel.body", "body", pn.Body)
					} else if x.Panels[pn.Body] == nil {
						missing(sp+".panel.body", "panel rule for", pn.Body)
					}
				}
				for n, cr := range st.Criteria {
					if x.Criteria[cr] == nil {
						missing(fmt.Sprintf("%s.criteria[%d]", sp, n), "criterion", cr)
					}
				}
				for n, ch := range st.Charges {
					if v.Clauses[ch.Clause] == nil {
						missing(fmt.Sprintf("%s.charges[%d].clause", sp, n), "clause", ch.Clause)
					}
				}
				if so := st.Sanction; so != nil {
					if v.Sanctions[so.Sanction] == nil {
						missing(sp+".sanction.sanction", "sanction", so.Sanction)
					}
					for n, f := range so.Factors {
						if x.Factors[f] == nil {
							missing(fmt.Sprintf("%s.sanction.factors[%d]", sp, n), "factor", f)
						}
					}
				}
				if so := st.Suspend; so != nil {
					for a := range so.Rights {
						if v.Action(a) == nil {
							missing(sp+".suspend.rights."+a, "action", a)
						}
					}
				}
				if tc := st.Trigger; tc != nil {
					tr := v.Triggers[tc.Trigger]
					if tr == nil {
						missing(sp+".trigger.trigger", "trigger", tc.Trigger)
					} else if tr.Checks != "" {
						j, e := entry(tr.Checks, tc.Entry)
						switch {
						case e == nil:
							add(sp+".trigger.entry", "trigger %s of rule book version %s checks the %s list, and list_entries has no entry %q on it", tr.ID, v.ID, tr.Checks, tc.Entry)
						case e.From > from || !e.Until.IsZero() && e.Until <= lastConduct:
							add(fmt.Sprintf("list_entries[%d]", j), "entry %s must be on its list on every case's conduct, from %s to %s", e.ID, from, lastConduct)
						}
					}
				}
			}
		}
		if complaints {
			for n, cl := range p.Complaint.Clauses {
				if v.Clauses[cl] == nil {
					missing(fmt.Sprintf("complaint.clauses[%d]", n), "clause", cl)
				}
			}
		}
	}
	// A field missing from several versions, or named by several copies of a
	// step, is reported once for each version.
	seen := map[string]bool{}
	var out planProblems
	for _, pr := range probs {
		if k := pr.Error(); !seen[k] {
			seen[k] = true
			out = append(out, pr)
		}
	}
	return out.err()
}

// GenerateCases writes n cases with full histories into the database, for benchmarks
// and load tests: a long record, built in minutes where taking each case through
// Take (a transaction a step) would take hours. What the cases are is the plan's,
// in the ids of the Service's rule book (see CasePlan).
//
// Case i (from 0) is about a new member b%06d ("Member i", joined as the plan says)
// and has the id B%06d. It is opened on the plan's Start plus 7·i days modulo its
// SpreadDays (the days repeat), on the conduct of the day before, in the state and
// handled by the unit the procedure then in force says, as Open does: a complaint
// case on a complaint BC%06d made that day. It is then taken through the next of the
// plan's scripts, with steps 3 to 19 days apart. Each step is checked by Decide, its
// effects on the member (an administrative suspension, a sanction, an exclusion) by
// the register service, as Take does; the events are appended to the record and the
// step statistics counted. GenerateCases first adds the plan's list entries.
//
// Many cases are written to a transaction, and the case rows (the projection, its
// deadlines, clauses, complaints and people, and the running totals behind the
// statistics) in multi-row statements, but they are what Service.put would store:
// the record verifies, and replaying or rebuilding the cases changes nothing.
//
// GenerateCases returns an error at once, naming the plan's file, line and field,
// if the plan is incomplete or any version of the rule book in force over the days
// the cases name lacks what the plan names. The database must not already hold
// generated cases or members. It returns the case ids, in order. Cases are
// committed 5,000 at a time: after an error, those already committed stay.
func (s *Service) GenerateCases(ctx context.Context, plan *CasePlan, n int) ([]string, error) {
	if plan == nil {
		return nil, errors.New("generate cases: there is no case plan")
	}
	if err := plan.check(); err != nil {
		return nil, fmt.Errorf("generate cases: %w", err)
	}
	if err := genCheckBook(s.rb(), plan); err != nil {
		return nil, fmt.Errorf("generate cases: the plan names what the rule book does not have:\n%w", err)
	}
	if n <= 0 {
		return nil, nil
	}
	if _, err := s.db().CaseData(ctx, genCaseID(0)); err == nil {
		return nil, fmt.Errorf("generate cases: case %s already exists: the database already holds generated cases", genCaseID(0))
	}
	if _, err := s.db().History(ctx, genMemberID(0)); err == nil {
		return nil, fmt.Errorf("generate cases: member %s already exists: the database already holds generated members", genMemberID(0))
	}
	for j, e := range plan.ListEntries {
		if _, err := s.AddListEntry(ctx, genActor, e); err != nil {
			return nil, fmt.Errorf("generate cases: %w", plan.problem(fmt.Sprintf("list_entries[%d]", j), "adding %s to its list: %v", e.ID, err))
		}
	}
	if err := s.genUnits(ctx, plan, n); err != nil {
		return nil, fmt.Errorf("generate cases: %w", err)
	}
	histories := map[string]*rulebook.History{}
	env := Env{Rules: s.rb(), Member: func(id string) *rulebook.History { return histories[id] },
		List: func(list, id string) *ListEntry {
			for j := range plan.ListEntries {
				if e := &plan.ListEntries[j]; e.List == list && e.ID == id {
					return e
				}
			}
			return nil
		}}
	ids := make([]string, 0, n)
	const perTx = 5000
	for start := 0; start < n; start += perTx {
		a, err := s.db().Begin(ctx)
		if err != nil {
			return nil, err
		}
		batch, err := s.genBatch(a, env, histories, plan, start, min(n, start+perTx))
		if err == nil {
			err = a.PutNewCases(batch)
		}
		if start+perTx >= n {
			// The last transaction brings the planner's statistics up to date.
			a.AnalyzeAtCommit(slices.Concat([]string{"events"}, sqldb.RegisterTables, sqldb.CaseTables)...)
		}
		if err == nil {
			err = a.Commit()
		}
		if err != nil {
			a.Rollback()
			return nil, err
		}
		for _, r := range batch {
			ids = append(ids, r.Row.ID)
		}
	}
	return ids, nil
}

// genUnits creates the units the plan spreads the first n members over, in one
// transaction.
func (s *Service) genUnits(ctx context.Context, plan *CasePlan, n int) error {
	k := min(n, plan.Members.Units)
	if k <= 0 {
		return nil
	}
	a, err := s.db().Begin(ctx)
	if err != nil {
		return err
	}
	defer a.Rollback()
	for i := range k {
		u := rulebook.Unit{ID: genUnitID(i), Name: "Unit " + strconv.Itoa(i), Kind: plan.Members.UnitKind}
		e, err := genEvent(rulebook.EventUnitCreated, rulebook.UnitSubjectPrefix+u.ID, plan.Members.Joined, u)
		if err == nil {
			err = a.Add(e)
		}
		if err != nil {
			return fmt.Errorf("creating unit %s: %w", u.ID, err)
		}
	}
	return a.Commit()
}

// genActor is the actor of every generated event.
const genActor = "t"

func genCaseID(i int) string   { return fmt.Sprintf("B%06d", i) }
func genMemberID(i int) string { return fmt.Sprintf("b%06d", i) }
func genUnitID(i int) string   { return fmt.Sprintf("u%03d", i) }

// genBatch writes the events of cases start to end-1 through a, and returns their
// case rows, to be written by PutNewCases.
func (s *Service) genBatch(a *sqldb.Appender, env Env, histories map[string]*rulebook.History, plan *CasePlan, start, end int) ([]sqldb.NewCase, error) {
	var rows []sqldb.NewCase
	for i := start; i < end; i++ {
		sc := plan.scriptFor(i)
		day := plan.Start.AddDays((i * 7) % plan.SpreadDays)
		m := rulebook.Member{ID: genMemberID(i), Name: fmt.Sprintf("Member %d", i), Joined: plan.Members.Joined}
		if n := plan.Members.Units; n > 0 {
			m.Unit = genUnitID(i % n)
		}
		h := &rulebook.History{Member: m}
		histories[m.ID] = h
		id := genCaseID(i)
		fail := func(what string, err error) error { return fmt.Errorf("generate case %s: %s: %w", id, what, err) }
		join, err := genEvent(rulebook.EventMemberJoined, m.ID, m.Joined, rulebook.MemberJoined{Member: m, Status: plan.Members.Status})
		if err == nil {
			err = a.Add(join)
		}
		if err != nil {
			return nil, fail("joining member "+m.ID, err)
		}
		h.Points = append(h.Points, rulebook.StatusPoint{From: m.Joined, Status: plan.Members.Status, EventID: join.ID, Seq: join.Seq})

		// As Open does: the state and unit are the procedure's then.
		o := Opened{ID: id, Kind: sc.Kind, Respondent: m.ID, Conduct: day.AddDays(-1), Summary: "benchmark case"}
		proc, _, err := Versions(s.rb(), &Case{ID: id, Conduct: o.Conduct}, day)
		if err != nil {
			return nil, fail("opening", err)
		}
		o.State, o.Unit = proc.Discipline.Initial[sc.Kind], proc.Discipline.HandledBy
		var clauses []string
		if sc.Kind == "complaint" {
			pc := plan.Complaint
			cr := rulebook.ComplaintReceived{ID: "BC" + id[1:], Respondent: m.ID, Complainant: pc.Complainant, From: pc.From, Via: pc.Via,
				Conduct: o.Conduct, Clauses: pc.Clauses, Summary: pc.Summary}
			e, err := genEvent(rulebook.EventComplaintReceived, rulebook.ComplaintSubjectPrefix+cr.ID, day, cr)
			if err == nil {
				err = a.Add(e)
			}
			if err != nil {
				return nil, fail("receiving complaint "+cr.ID, err)
			}
			o.Complaints, o.Complainants = []string{cr.ID}, []string{cr.Complainant}
			clauses = append(clauses, cr.Clauses...)
		}
		c := &Case{}
		e, err := genEvent(EventCaseOpened, subject(id), day, o)
		if err == nil {
			err = a.Add(e)
		}
		if err == nil {
			err = c.Apply(e)
		}
		if err != nil {
			return nil, fail("opening", err)
		}
		for k := range sc.Steps {
			st := &sc.Steps[k]
			day = day.AddDays(genGapMin + (i+k)%genGapSpan)
			if st.Mitigation != "" {
				e, err := genEvent(EventMitigation, subject(id), day, Mitigation{Summary: st.Mitigation})
				if err == nil {
					err = a.Add(e)
				}
				if err == nil {
					err = c.Apply(e)
				}
				if err != nil {
					return nil, fail(fmt.Sprintf("step %d, mitigation on %s", k+1, day), err)
				}
				continue
			}
			cmd := st.command(c, day)
			if err := s.genStep(a, env, h, c, cmd); err != nil {
				return nil, fail(fmt.Sprintf("step %d, %s on %s", k+1, cmd.Transition, cmd.Date), err)
			}
			// A step dated later (findings at the hearing) moves the case on to its date.
			day = max(day, cmd.Date)
		}
		// As store does, the row is as of the case's last event (not the member
		// events that may follow it).
		r, err := s.caseRow(c, c.lastSeq, clauses)
		if err != nil {
			return nil, fail("projection", err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// genStep decides cmd on c and appends the step, with its effects on the member h,
// as Take and store do.
func (s *Service) genStep(a *sqldb.Appender, env Env, h *rulebook.History, c *Case, cmd Command) error {
	dec, err := Decide(env, c, cmd)
	if err != nil {
		return err
	}
	// As Take does: member effects checked by the register, ids given first so
	// the step names the suspension it imposes.
	var member []*rulebook.Event
	for _, eff := range dec.Effects {
		if eff.Status == nil {
			return fmt.Errorf("unexpected effect %+v", eff)
		}
		me, err := s.Reg.StatusEvent(h, genActor, eff.From, *eff.Status, eff.CreditFrom)
		if err != nil {
			return err
		}
		me.ID = rulebook.NewEventID()
		dec.Step.MemberEvents = append(dec.Step.MemberEvents, me.ID)
		member = append(member, me)
	}
	step, err := genEvent(EventStep, subject(c.ID), cmd.Date, dec.Step)
	if err != nil {
		return err
	}
	prevState, prevSince := c.State, c.StateSince
	if err := a.Add(step); err != nil {
		return err
	}
	for _, me := range member {
		if err := a.Add(me); err != nil {
			return err
		}
		var ch rulebook.StatusChange
		if err := json.Unmarshal(me.Data, &ch); err != nil {
			return err
		}
		h.Points = append(h.Points, rulebook.StatusPoint{From: me.Effective, Status: ch.Status, Rights: ch.Rights, EventID: me.ID, Seq: me.Seq})
		if !ch.Until.IsZero() {
			h.Points = append(h.Points, rulebook.StatusPoint{From: ch.Until, Status: ch.Then, EventID: me.ID, Seq: me.Seq})
		}
		sort.SliceStable(h.Points, func(i, j int) bool { return h.Points[i].From < h.Points[j].From })
	}
	if err := c.Apply(step); err != nil {
		return err
	}
	return s.recordStep(a, c, step, prevState, prevSince)
}

func genEvent(typ, subj string, eff rulebook.Date, data any) (*rulebook.Event, error) {
	b, err := rulebook.MarshalData(data)
	if err != nil {
		return nil, err
	}
	return &rulebook.Event{Type: typ, Subject: subj, Actor: genActor, Effective: eff, Data: b, Payload: data}, nil
}
