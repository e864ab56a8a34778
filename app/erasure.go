package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/rules"
)

// Erased is what one erasure removed: the personal fields of Events events of
// Subject (a member, or a case with its complaints), on Basis.
type Erased struct {
	Subject string `json:"subject"`
	// Due is the day the retention period ended (retention only).
	Due    rulebook.Date `json:"due,omitempty"`
	Basis  string        `json:"basis"`
	Clause string        `json:"clause,omitempty"`
	Events int           `json:"events"`
	// Entries is, for the access log (Subject rulebook.AccessLogErasure), how
	// many of its entries were erased (or are due), and Through the id of the
	// last of them.
	Entries int64 `json:"entries,omitempty"`
	Through int64 `json:"through,omitempty"`
	// Event is the id of the erasure's own event in the record ("" in a dry
	// run; for the access log, erased some thousands of entries an event at
	// a time, the last).
	Event string `json:"event,omitempty"`
}

// EraseOnRequest erases the personal particulars of member on a valid erasure
// request: the fields held apart from their register events (name, contact
// details). Case files are not erased on request while the retention schedule
// keeps them (the organisation's defence of legal claims); a member who is the
// respondent in an open case is refused.
func (a *App) EraseOnRequest(ctx context.Context, member, reason string) (*Erased, error) {
	p, err := a.allow(ctx, EraseRecords, Resource{Member: member})
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, fieldErr("reason", "say what request this is and why it is valid")
	}
	if strings.Contains(member, "/") {
		return nil, fieldErr("member", "%q is not a member id", member)
	}
	if _, err := a.db().History(ctx, member); err != nil {
		return nil, err
	}
	open, err := a.db().OpenCasesOf(ctx, member)
	if err != nil {
		return nil, err
	}
	if len(open) > 0 {
		return nil, rulebook.Errorf(rulebook.EConflict, "member %s is the respondent in open case %s: their record is kept until it closes", member, strings.Join(open, ", "))
	}
	x, err := a.erase(ctx, p, member, nil, rulebook.Erasure{Subject: member, Basis: rulebook.ErasureRequest, Reason: reason}, 0)
	if err != nil || x.Events == 0 {
		return x, err
	}
	return x, a.db().Compact(ctx)
}

// Retention returns what the retention schedule of the rule book in force on
// day on says is due for erasure that day, and with run erases it, recording
// each erasure in the chain.
func (a *App) Retention(ctx context.Context, on rulebook.Date, run bool) ([]Erased, error) {
	p, err := a.allow(ctx, EraseRecords, Resource{})
	if err != nil {
		return nil, err
	}
	if on.IsZero() {
		return nil, fieldErr("on", "give the day the retention schedule is applied on")
	}
	v, err := a.Rules().VersionAt(on)
	if err != nil {
		return nil, err
	}
	type due struct {
		subject    string
		complaints []string
		when       rulebook.Date
		r          *rules.Retention
	}
	var dues []due
	if r := v.RetentionOf(rules.RetainCases); r != nil {
		closed, err := a.db().ClosedCases(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range closed {
			if when := r.Keep.AddTo(c.Closed); when <= on {
				dues = append(dues, due{discipline.SubjectPrefix + c.Case, c.Complaints, when, r})
			}
		}
	}
	if r := v.RetentionOf(rules.RetainMembers); r != nil {
		member := func(status string) bool {
			s := v.Status(status)
			return s == nil || s.Member
		}
		gone, err := a.db().Departed(ctx, on, member)
		if err != nil {
			return nil, err
		}
		for _, d := range gone {
			if when := r.Keep.AddTo(d.Left); when <= on {
				// A respondent's particulars stay while a case about them is open.
				if open, err := a.db().OpenCasesOf(ctx, d.Member); err != nil {
					return nil, err
				} else if len(open) > 0 {
					continue
				}
				dues = append(dues, due{d.Member, nil, when, r})
			}
		}
	}
	var out []Erased
	for _, d := range dues {
		er := rulebook.Erasure{Subject: d.subject, Basis: rulebook.ErasureRetention, Clause: d.r.Clause,
			Reason: fmt.Sprintf("kept %s after %s, until %s", d.r.Keep, map[string]string{rules.RetainCases: "the case closed", rules.RetainMembers: "membership ended"}[d.r.Records], d.when)}
		if !run {
			n, err := a.db().PersonalCount(ctx, append([]string{d.subject}, complaintSubjects(d.complaints)...))
			if err != nil {
				return nil, err
			}
			out = append(out, Erased{Subject: d.subject, Due: d.when, Basis: er.Basis, Clause: er.Clause, Events: n})
			continue
		}
		e, err := a.erase(ctx, p, d.subject, d.complaints, er, d.when)
		if err != nil {
			return out, err
		}
		out = append(out, *e)
	}
	if r := v.RetentionOf(rules.RetainAccess); r != nil {
		x, err := a.eraseAccess(ctx, p, r, on, run)
		if err != nil {
			return out, err
		}
		if x != nil {
			out = append(out, *x)
		}
	}
	if run && len(out) > 0 {
		if err := a.db().Compact(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

func complaintSubjects(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = rulebook.ComplaintSubjectPrefix + id
	}
	return out
}

// erase deletes, in one transaction, the personal fields held apart from the
// events of subject (and of the complaints given), records the erasure naming
// those events, and writes the projections again without them.
func (a *App) erase(ctx context.Context, p *Principal, subject string, complaints []string, er rulebook.Erasure, due rulebook.Date) (*Erased, error) {
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback()
	var seqs []int64
	for _, s := range append([]string{subject}, complaintSubjects(complaints)...) {
		ss, ids, err := ap.PersonalHeld(s)
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, ss...)
		er.Events = append(er.Events, ids...)
	}
	if len(seqs) == 0 {
		return &Erased{Subject: subject, Due: due, Basis: er.Basis, Clause: er.Clause}, nil
	}
	if err := ap.ErasePersonal(seqs); err != nil {
		return nil, err
	}
	data, err := rulebook.MarshalData(er)
	if err != nil {
		return nil, err
	}
	e := &rulebook.Event{Type: rulebook.EventErased, Subject: rulebook.ErasureSubjectPrefix + subject, Actor: p.Actor(),
		Effective: rulebook.DateOf(a.now()), Data: data, Payload: er}
	if err := ap.Add(e); err != nil {
		return nil, err
	}
	if id, ok := strings.CutPrefix(subject, discipline.SubjectPrefix); ok {
		if err := a.cases.Reproject(ap, id); err != nil {
			return nil, err
		}
	} else if err := ap.Reproject(subject); err != nil {
		return nil, err
	}
	for _, id := range complaints {
		if err := ap.ReprojectComplaint(id); err != nil {
			return nil, err
		}
	}
	if err := ap.Commit(); err != nil {
		return nil, err
	}
	return &Erased{Subject: subject, Due: due, Basis: er.Basis, Clause: er.Clause, Events: len(seqs), Event: e.ID}, nil
}

// eraseAccess erases (with run; otherwise counts) the access-log entries past
// the retention period r gives them on day on: those logged before the first
// day whose period has not ended. It returns nil when none is due.
func (a *App) eraseAccess(ctx context.Context, p *Principal, r *rules.Retention, on rulebook.Date, run bool) (*Erased, error) {
	// The last day of logging whose entries are due (AddTo never goes back
	// as its date goes forward): a day at a time, some thousands at most.
	last := on
	for r.Keep.AddTo(last) > on {
		last--
	}
	before := (last + 1).Time()
	x := &Erased{Subject: rulebook.AccessLogErasure, Due: r.Keep.AddTo(last), Basis: rulebook.ErasureRetention, Clause: r.Clause}
	if !run {
		n, through, err := a.db().AccessDue(ctx, before)
		if err != nil || n == 0 {
			return nil, err
		}
		x.Entries, x.Through = n, through
		return x, nil
	}
	// Entries still queued are stored first, so that none logged before the
	// day is left behind the erasure.
	if err := a.access.flush(ctx); err != nil {
		return nil, err
	}
	// A transaction, and an erasure recorded, for each accessErasureChunk
	// entries: the first run over years of reads does not hold the writer,
	// and the access log's own writer behind it, for long.
	var after int64
	for {
		n, through, id, err := a.eraseAccessChunk(ctx, p, r, before, last, after)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		x.Entries, x.Through, x.Event, after = x.Entries+n, through, id, through
	}
	if x.Entries == 0 {
		return nil, nil
	}
	return x, nil
}

// accessErasureChunk is the most access-log entries one erasure erases.
var accessErasureChunk = 50_000

// eraseAccessChunk erases the next accessErasureChunk entries due after entry
// after, recording the erasure, and returns how many, the last, and the id of
// the erasure's event.
func (a *App) eraseAccessChunk(ctx context.Context, p *Principal, r *rules.Retention, before time.Time, last rulebook.Date, after int64) (int64, int64, string, error) {
	ap, err := a.db().Begin(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	defer ap.Rollback()
	n, through, err := ap.EraseAccess(before, after, accessErasureChunk)
	if err != nil || n == 0 {
		return 0, 0, "", err
	}
	er := rulebook.Erasure{Subject: rulebook.AccessLogErasure, Events: []string{}, Basis: rulebook.ErasureRetention, Clause: r.Clause,
		Reason:        fmt.Sprintf("kept %s after each entry was logged: %d entries logged before %s, after entry %d", r.Keep, n, last+1, after),
		AccessThrough: through}
	data, err := rulebook.MarshalData(er)
	if err != nil {
		return 0, 0, "", err
	}
	e := &rulebook.Event{Type: rulebook.EventErased, Subject: rulebook.ErasureSubjectPrefix + rulebook.AccessLogErasure, Actor: p.Actor(),
		Effective: rulebook.DateOf(a.now()), Data: data, Payload: er}
	if err := ap.Add(e); err != nil {
		return 0, 0, "", err
	}
	return n, through, e.ID, ap.Commit()
}
