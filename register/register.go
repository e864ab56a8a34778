// Package register changes the member register through the event record, checking
// every change against the rule book version in force on the date it takes effect.
// It is the one place where register commands are validated; the CLI, the HTTP API
// and the demo all go through it.
package register

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Service carries out register commands.
type Service struct {
	DB    *sqldb.DB
	Rules *rules.RuleBook
}

// New returns a Service and records the rule book in use, if it is new to the record.
func New(ctx context.Context, db *sqldb.DB, rb *rules.RuleBook, source []byte) (*Service, error) {
	s := &Service{DB: db, Rules: rb}
	if err := s.adopt(ctx, source); err != nil {
		return nil, err
	}
	return s, nil
}

// adopt records the rule book's text, so every later decision can be traced to it.
func (s *Service) adopt(ctx context.Context, source []byte) error {
	known, err := s.DB.HasRuleBook(ctx, s.Rules.SHA256)
	if err != nil || known {
		return err
	}
	var ids []string
	for _, v := range s.Rules.Versions {
		ids = append(ids, v.ID)
	}
	data, _ := rulebook.MarshalData(rulebook.RuleBookAdopted{Organisation: s.Rules.Organisation, SHA256: s.Rules.SHA256, Versions: ids})
	a, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	e := &rulebook.Event{Type: rulebook.EventRuleBookAdopted, Subject: "rulebook/" + s.Rules.SHA256[:16], Actor: "system",
		Effective: rulebook.DateOf(s.DB.Now()), Data: data}
	if err := a.Add(e); err != nil {
		a.Rollback()
		return err
	}
	if err := s.DB.StoreRuleBook(ctx, a, s.Rules.SHA256, s.Rules.Source, source); err != nil {
		a.Rollback()
		return err
	}
	return a.Commit()
}

func (s *Service) version(field string, d rulebook.Date) (*rules.Version, error) {
	if d.IsZero() {
		return nil, rulebook.FieldError(field, "a date is required")
	}
	v, err := s.Rules.VersionAt(d)
	if err != nil {
		if e, ok := err.(*rulebook.Error); ok {
			e.Field = field
		}
		return nil, err
	}
	return v, nil
}

// factVersion returns the version an imported fact dated d — a joining, a status —
// is checked against: the version in force on d or, before the first version, the
// first. History from before the rule book is not conduct to judge (decisions still
// need rules in force, see version), but its statuses must be ones the earliest rules
// known define. Join, one member at a time, still refuses such dates, as the API
// promises: members from before the rule book arrive with the old records, by import.
func (s *Service) factVersion(field string, d rulebook.Date) (*rules.Version, error) {
	if first := s.Rules.Versions[0]; !d.IsZero() && d < first.InForceFrom {
		return first, nil
	}
	return s.version(field, d)
}

func event(typ, subject, actor string, eff rulebook.Date, data any) (*rulebook.Event, error) {
	if actor == "" {
		return nil, rulebook.FieldError("actor", "who is making the change must be recorded")
	}
	b, err := rulebook.MarshalData(data)
	if err != nil {
		return nil, err
	}
	return &rulebook.Event{Type: typ, Subject: subject, Actor: actor, Effective: eff, Data: b, Payload: data}, nil
}

// Join puts a new member on the register from m.Joined, with status (the rule book's
// default status when empty).
func (s *Service) Join(ctx context.Context, actor string, m rulebook.Member, status string) (*rulebook.Event, error) {
	e, err := s.joinEvent(actor, m, status, false)
	if err != nil {
		return nil, err
	}
	if err := s.checkUnit(ctx, m.Unit); err != nil {
		return nil, err
	}
	if _, err := s.DB.History(ctx, m.ID); err == nil {
		return nil, rulebook.Errorf(rulebook.EConflict, "member %s is already on the register", m.ID)
	}
	return e, s.DB.Append(ctx, e)
}

// joinEvent checks a joining and returns its event, unstored; imported allows a
// joining date before the first version (see factVersion).
func (s *Service) joinEvent(actor string, m rulebook.Member, status string, imported bool) (*rulebook.Event, error) {
	if !rulebook.ValidID(m.ID) {
		return nil, rulebook.FieldError("id", "%q is not a valid member id (letters, digits, '-', '_' and '.')", m.ID)
	}
	if strings.TrimSpace(m.Name) == "" {
		return nil, rulebook.FieldError("name", "is required")
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	if err := notFuture(s.DB.Now(), "joined", m.Joined); err != nil {
		return nil, err
	}
	lookup := s.version
	if imported {
		lookup = s.factVersion
	}
	v, err := lookup("joined", m.Joined)
	if err != nil {
		return nil, err
	}
	if status == "" {
		status = v.DefaultStatus
	}
	st := v.Status(status)
	if st == nil {
		return nil, rulebook.FieldError("status", "unknown status %q in rule book version %s", status, v.ID)
	}
	if !st.Member {
		return nil, rulebook.FieldError("status", "a member cannot join with status %q, which is not a membership status", status)
	}
	return event(rulebook.EventMemberJoined, m.ID, actor, m.Joined, rulebook.MemberJoined{Member: m, Status: status})
}

// notFuture refuses a date of something that has happened (a joining, a status
// given) that lies in the future: a typed year (2062 for 2026) would otherwise put
// a member on the register who is no member on any day asked about until then. A
// day's grace allows for a clock in another time zone.
func notFuture(now time.Time, field string, d rulebook.Date) error {
	today := rulebook.DateOf(now)
	if d > today.AddDays(1) {
		return rulebook.FieldError(field, "%s is in the future (today is %s): enter what has happened, on or before today", d, today)
	}
	return nil
}

// Update changes a member's particulars.
func (s *Service) Update(ctx context.Context, actor, id string, eff rulebook.Date, u rulebook.MemberUpdated) (*rulebook.Event, error) {
	if _, err := s.DB.History(ctx, id); err != nil {
		return nil, err
	}
	if err := s.checkUnit(ctx, u.Unit); err != nil {
		return nil, err
	}
	particulars := rulebook.Member{Name: u.Name, Email: u.Email, Phone: u.Phone, Address: u.Address, Unit: u.Unit}
	if err := particulars.Check(); err != nil {
		return nil, err
	}
	e, err := event(rulebook.EventMemberUpdated, id, actor, eff, u)
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}

// ChangeStatus records a decision changing a member's status from date from. It is
// refused, citing the rule, if the rule book in force on that date does not let the
// deciding body make that change, or if a sanction's limits are exceeded.
// creditFrom, for a sanction that credits time served, is the date the interim
// suspension began; the sanction's maximum runs from there.
func (s *Service) ChangeStatus(ctx context.Context, actor, id string, from rulebook.Date, ch rulebook.StatusChange, creditFrom rulebook.Date) (*rulebook.Event, error) {
	h, err := s.DB.History(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := s.StatusEvent(h, actor, from, ch, creditFrom)
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}

// StatusEvent checks a status change for member h and returns the event that records
// it, without storing it (so callers can store it with others in one transaction).
func (s *Service) StatusEvent(h *rulebook.History, actor string, from rulebook.Date, ch rulebook.StatusChange, creditFrom rulebook.Date) (*rulebook.Event, error) {
	v, err := s.version("from", from)
	if err != nil {
		return nil, err
	}
	st := v.Status(ch.Status)
	if st == nil {
		return nil, rulebook.FieldError("status", "unknown status %q in rule book version %s", ch.Status, v.ID)
	}
	cur := h.StatusAt(from)
	if cur == nil {
		return nil, rulebook.FieldError("from", "member %s had not joined on %s (joined %s)", h.Member.ID, from, h.Member.Joined)
	}
	if ch.Body == "" {
		return nil, rulebook.FieldError("body", "the deciding body or officer is required")
	}
	if v.Bodies[ch.Body] == nil {
		return nil, rulebook.FieldError("body", "unknown body %q in rule book version %s", ch.Body, v.ID)
	}
	// Varying a measure (ending it with another of the same status, as an appeal
	// reducing a suspension does) is not a change of status.
	varied := len(ch.Ends) > 0 && cur.Status == ch.Status
	if rule, ok := v.MayImpose(ch.Body, cur.Status, ch.Status); !ok && !varied {
		if rule == nil {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "rule book version %s provides no way to move a member from %s to %s", v.ID, cur.Status, ch.Status)
		}
		cl := v.Clause(rule.Clause)
		if contains(rule.By, ch.Body) {
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "under clause %s (%s) %s may move a member to %s only from %s, and on %s member %s is %s",
				cl.ID, cl.Title, ch.Body, ch.Status, orAny(rule.From), from, h.Member.ID, cur.Status)
		}
		return nil, rulebook.Errorf(rulebook.ENotPermitted, "%s may not move a member from %s to %s: under clause %s (%s) only %s may",
			ch.Body, cur.Status, ch.Status, cl.ID, cl.Title, strings.Join(rule.By, " or "))
	}
	if ch.Clause == "" {
		if rule, _ := v.MayImpose(ch.Body, cur.Status, ch.Status); rule != nil {
			ch.Clause = rule.Clause
		}
	} else if v.Clauses[ch.Clause] == nil {
		return nil, rulebook.FieldError("clause", "clause %q is not in rule book version %s", ch.Clause, v.ID)
	}
	for a := range ch.Rights {
		if v.Action(a) == nil {
			return nil, rulebook.FieldError("rights", "unknown action %q in rule book version %s", a, v.ID)
		}
	}
	var sn *rules.Sanction
	if ch.Sanction != "" {
		sn = v.Sanctions[ch.Sanction]
	}
	if err := checkServing(v, sn, &ch); err != nil {
		return nil, err
	}
	if !ch.Until.IsZero() {
		if ch.Until <= from {
			return nil, rulebook.FieldError("until", "%s is not after the start %s", ch.Until, from)
		}
		if ch.Then == "" {
			return nil, rulebook.FieldError("then", "the status that follows on %s is required", ch.Until)
		}
		if v.Status(ch.Then) == nil {
			return nil, rulebook.FieldError("then", "unknown status %q", ch.Then)
		}
	}
	if ch.Sanction != "" {
		sn := v.Sanctions[ch.Sanction]
		if sn == nil {
			return nil, rulebook.FieldError("sanction", "unknown sanction %q in rule book version %s", ch.Sanction, v.ID)
		}
		// A body that may vary sanctions on appeal may substitute any on the menu.
		if !contains(sn.By, ch.Body) && !v.Varies(ch.Body) && !s.appliesStandard(v, ch.Body, sn.ID, ch.Count) {
			cl := v.Clause(sn.Clause)
			return nil, rulebook.Errorf(rulebook.ENotPermitted, "%s may not impose %s: under clause %s only %s may", ch.Body, sn.Name, cl.ID, strings.Join(sn.By, " or "))
		}
		if !sn.MaxDuration.IsZero() && !sn.Counted() {
			if ch.Until.IsZero() {
				return nil, rulebook.FieldError("until", "%s is limited to %s, so it needs an end date", sn.Name, sn.MaxDuration)
			}
			start := from
			// A varied sanction keeps the time already served under the one it replaces.
			if (sn.CreditForInterim || len(ch.Ends) > 0) && !creditFrom.IsZero() {
				start = creditFrom
			}
			if max := sn.MaxDuration.AddTo(start); ch.Until > max {
				return nil, rulebook.Errorf(rulebook.ENotPermitted, "%s may last at most %s under clause %s: from %s it must end by %s, not %s",
					sn.Name, sn.MaxDuration, sn.Clause, start, max, ch.Until)
			}
		}
	}
	// Leaving membership (expulsion, exclusion, resignation, lapse) ends whatever
	// earlier decisions had scheduled for later — the end of a suspension, a return
	// — which would otherwise bring the person back.
	if !st.Member {
		for _, p := range h.Points {
			if p.From > from && p.EventID != "" && !contains(ch.Ends, p.EventID) {
				ch.Ends = append(ch.Ends, p.EventID)
			}
		}
	}
	return event(rulebook.EventStatusChanged, h.Member.ID, actor, from, ch)
}

func orAny(from []string) string {
	if len(from) == 0 {
		return "any status"
	}
	return strings.Join(from, " or ")
}

// uniq returns list without repeats, in first-seen order.
func uniq(list []string) []string {
	var out []string
	for _, x := range list {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Restrict records a decision allowing or barring actions for a member from date from.
func (s *Service) Restrict(ctx context.Context, actor, id string, from rulebook.Date, r rulebook.RightsRestricted) (*rulebook.Event, error) {
	if _, err := s.DB.History(ctx, id); err != nil {
		return nil, err
	}
	e, err := s.RestrictEvent(actor, id, from, r)
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}

// RestrictEvent checks a restriction and returns the event recording it, unstored.
func (s *Service) RestrictEvent(actor, id string, from rulebook.Date, r rulebook.RightsRestricted) (*rulebook.Event, error) {
	v, err := s.version("from", from)
	if err != nil {
		return nil, err
	}
	if len(r.Rights) == 0 {
		return nil, rulebook.FieldError("rights", "name at least one action")
	}
	for a := range r.Rights {
		if v.Action(a) == nil {
			return nil, rulebook.FieldError("rights", "unknown action %q in rule book version %s", a, v.ID)
		}
	}
	if !r.Until.IsZero() && r.Until <= from {
		return nil, rulebook.FieldError("until", "%s is not after the start %s", r.Until, from)
	}
	if r.Body != "" && v.Bodies[r.Body] == nil {
		return nil, rulebook.FieldError("body", "unknown body %q in rule book version %s", r.Body, v.ID)
	}
	if r.Clause != "" && v.Clauses[r.Clause] == nil {
		return nil, rulebook.FieldError("clause", "clause %q is not in rule book version %s", r.Clause, v.ID)
	}
	return event(rulebook.EventRightsRestricted, id, actor, from, r)
}

// Correct withdraws an earlier event from the record's meaning, with a reason. The
// event itself stays in the record; the projection of its subject is rebuilt.
func (s *Service) Correct(ctx context.Context, actor, eventID, reason string) (*rulebook.Event, error) {
	e, err := s.CorrectionEvent(ctx, actor, eventID, reason)
	if err != nil {
		return nil, err
	}
	return e, s.DB.Append(ctx, e)
}

// CorrectionEvent checks a correction and returns the event recording it, unstored.
func (s *Service) CorrectionEvent(ctx context.Context, actor, eventID, reason string) (*rulebook.Event, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, rulebook.FieldError("reason", "a correction must say why")
	}
	old, err := s.DB.Event(ctx, eventID)
	if err != nil {
		return nil, err
	}
	switch old.Type {
	case rulebook.EventCorrected, rulebook.EventRuleBookAdopted:
		return nil, rulebook.Errorf(rulebook.ENotPermitted, "event %s is a %s, which cannot be corrected", eventID, old.Type)
	}
	prior, err := s.DB.Events(ctx, sqldb.EventFilter{Subject: old.Subject, Type: rulebook.EventCorrected})
	if err != nil {
		return nil, err
	}
	for _, p := range prior {
		var c rulebook.Correction
		if json.Unmarshal(p.Data, &c) == nil && c.Corrects == eventID {
			return nil, rulebook.Errorf(rulebook.EConflict, "event %s was already corrected by %s", eventID, p.ID)
		}
	}
	return event(rulebook.EventCorrected, old.Subject, actor, old.Effective, rulebook.Correction{Corrects: eventID, Reason: reason})
}

// Event builds an unstored event of any type, for other packages' commands (the
// discipline workflow) to store with register events in one transaction.
func Event(typ, subject, actor string, eff rulebook.Date, data any) (*rulebook.Event, error) {
	return event(typ, subject, actor, eff, data)
}

// ImportResult summarises an import.
type ImportResult struct {
	Members int `json:"members"`
	// Units counts the units new to the register, created from the file;
	// NewUnits lists them, each with the first row naming it and any unit of its
	// kind with a nearly identical id (a typo creates a unit as readily as a name).
	Units    int       `json:"units"`
	NewUnits []NewUnit `json:"new_units"`
	Events   int       `json:"events"`
}

// Import reads members from CSV and puts them all on the register in one
// transaction, or none of them: every bad row is reported (row, field, reason) and
// nothing is stored. The file's unit columns are the kinds of unit the rule book
// declares; units it names that the register does not hold are created, each
// within the unit the row names of the kind above it. progress, if set, is called
// with the rows read so far.
func (s *Service) Import(ctx context.Context, actor string, r io.Reader, name string, progress func(rows int)) (*ImportResult, error) {
	return s.importCSV(ctx, actor, r, name, progress, false)
}

// CheckImport does everything Import does — every row checked against the register
// and the rule book, every event written — and then rolls back, so a file can be
// tried before it is imported. Nothing is stored.
func (s *Service) CheckImport(ctx context.Context, actor string, r io.Reader, name string, progress func(rows int)) (*ImportResult, error) {
	return s.importCSV(ctx, actor, r, name, progress, true)
}

// A file that can be read again is imported keeping none of its ids, nor
// the register's, so that memory does not grow with the file or the register:
// the register's key on ids refuses a member already on it or given twice,
// and the import fails. Any failure (but the caller's cancelling) then reads
// the file again, as a check that keeps every id, to report every problem
// with its row; if that finds none, the first failure is reported as it was.
// A file read once (a pipe) is imported keeping the ids, as that check does.
func (s *Service) importCSV(ctx context.Context, actor string, r io.Reader, name string, progress func(rows int), dryRun bool) (*ImportResult, error) {
	rs, ok := r.(io.ReadSeeker)
	var start int64
	if ok {
		var err error
		start, err = rs.Seek(0, io.SeekCurrent)
		ok = err == nil
	}
	if !ok {
		return s.importPass(ctx, actor, r, name, progress, passMode{dryRun: dryRun, holdIDs: true})
	}
	res, err := s.importPass(ctx, actor, rs, name, progress, passMode{dryRun: dryRun})
	if err == nil || ctx.Err() != nil {
		return res, err
	}
	if _, serr := rs.Seek(start, io.SeekStart); serr != nil {
		return nil, err
	}
	if _, cerr := s.importPass(ctx, actor, rs, name, progress, passMode{dryRun: true, holdIDs: true, report: true}); cerr != nil {
		var errs *memberscsv.Errors
		if errors.As(cerr, &errs) {
			return nil, cerr
		}
	}
	return nil, err
}

// passMode is what an import's pass over the file does.
type passMode struct {
	// dryRun rolls back what the pass stored (a check).
	dryRun bool
	// holdIDs keeps the register's ids and the file's, to report a member
	// already on the register or given twice by row.
	holdIDs bool
	// report only checks the rows, storing none: the pass that reports the
	// problems of a failed import.
	report bool
}

// importPass reads the file, and stores it as mode says.
func (s *Service) importPass(ctx context.Context, actor string, r io.Reader, name string, progress func(rows int), mode passMode) (*ImportResult, error) {
	rd, err := memberscsv.NewReader(r, name, s.Rules.UnitKinds())
	if err != nil {
		return nil, err
	}
	var existing map[string]bool
	if mode.holdIDs {
		if existing, err = s.DB.MemberIDs(ctx); err != nil {
			return nil, err
		}
	} else {
		rd.LeaveRepeats()
	}
	units, err := s.DB.Units(ctx)
	if err != nil {
		return nil, err
	}
	pl := newPlacer(rd.Units(), rulebook.NewUnits(units))
	steps := make(map[*rules.Version]*rules.Steps, len(s.Rules.Versions))
	for _, v := range s.Rules.Versions {
		steps[v] = v.Steps()
	}
	a, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.Rollback()
	// A first load into a small register builds its indexes once, at the end.
	if err := a.BulkLoad(bulkLoadMax); err != nil {
		return nil, err
	}
	// Reading, checking, encoding and sealing rows (Prepare) runs beside the
	// chaining of the events before them, and the database writes each full set
	// of batches while the next is chained (Stream): three stages at once.
	a.Stream()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*sqldb.Prepared, 4)
	res := &ImportResult{}
	var readErr error
	go func() {
		defer close(batches)
		readErr = s.importRows(ctx, rd, actor, existing, pl, steps, res, a.Prepare, batches, progress, mode.report)
	}()
	for b := range batches {
		for _, p := range b {
			if err := a.AddPrepared(p); err != nil {
				cancel()
				for range batches {
				}
				return nil, err
			}
			res.Events++
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	if errs := rd.Errs(); errs != nil {
		return nil, errs
	}
	if res.NewUnits == nil {
		res.NewUnits = []NewUnit{}
	}
	markLike(res.NewUnits, units)
	if mode.dryRun {
		// Whatever the database would refuse is found before the rollback.
		if err := a.Flush(); err != nil {
			return nil, err
		}
		a.Rollback()
	} else {
		if res.Members >= 1000 {
			// A large import changes what the planner should expect of the register.
			a.AnalyzeAtCommit(slices.Concat([]string{"events"}, sqldb.RegisterTables)...)
		}
		if err := a.Commit(); err != nil {
			return nil, err
		}
	}
	if progress != nil {
		progress(-1)
	}
	return res, nil
}

// bulkLoadMax is the largest record an import rebuilds the indexes of.
const bulkLoadMax = 50_000

// importRows reads and checks every row, sending the events of good rows in
// batches until the first bad row (none, if checkOnly); after that it only
// reads on, to report every problem.
func (s *Service) importRows(ctx context.Context, rd *memberscsv.Reader, actor string, existing map[string]bool, pl *placer,
	steps map[*rules.Version]*rules.Steps, res *ImportResult, prepare func(*rulebook.Event) (*sqldb.Prepared, error),
	out chan<- []*sqldb.Prepared, progress func(int), checkOnly bool) error {
	const batchSize = 1024
	batch := make([]*sqldb.Prepared, 0, batchSize)
	failed := false
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		batch = make([]*sqldb.Prepared, 0, batchSize)
		return nil
	}
	// rowEvents holds a row's events until all of them are prepared: a row is
	// stored whole or reported.
	var rowEvents []*sqldb.Prepared
	for n := 1; ; n++ {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := err.(*memberscsv.Errors); ok {
				break // reported through rd.Errs
			}
			return err
		}
		if progress != nil && n%8192 == 0 {
			progress(n)
		}
		if existing[row.Member.ID] {
			rd.Fail(row.Line, "id", "member %s is already on the register", row.Member.ID)
			failed = true
			continue
		}
		var created []rulebook.Unit
		join, status, err := s.importEvents(actor, row, steps, pl, &created)
		if err != nil {
			field, msg := "row", err.Error()
			if e, ok := err.(*rulebook.Error); ok && e.Field != "" {
				field, msg = e.Field, e.Message
			}
			rd.Fail(row.Line, field, "%s", msg)
			failed = true
			continue
		}
		if failed {
			continue
		}
		// Units are created as they are first met, before the members in them.
		evs := make([]*rulebook.Event, 0, len(created)+2)
		for _, u := range created {
			e, err := event(rulebook.EventUnitCreated, rulebook.UnitSubjectPrefix+u.ID, actor, row.Member.Joined, u)
			if err != nil {
				return err
			}
			evs = append(evs, e)
		}
		evs = append(evs, join)
		if status != nil {
			evs = append(evs, status)
		}
		rowEvents = rowEvents[:0]
		for _, e := range evs {
			p, err := prepare(e)
			if err != nil {
				field, msg := "row", err.Error()
				if e, ok := err.(*rulebook.Error); ok {
					msg = e.Message
				}
				rd.Fail(row.Line, field, "%s", msg)
				failed = true
				break
			}
			rowEvents = append(rowEvents, p)
		}
		if failed {
			continue
		}
		for _, u := range created {
			res.Units++
			res.NewUnits = append(res.NewUnits, NewUnit{Unit: u, Row: row.Line})
		}
		res.Members++
		if checkOnly {
			// Checked as a stored row is, and sent nowhere.
			continue
		}
		batch = append(batch, rowEvents...)
		if len(batch) >= batchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if failed || rd.Errs() != nil {
		return nil
	}
	return send()
}

// importEvents checks a row against the rule book and returns its events: the
// joining, and a status change when the row gives a later status_since. steps holds
// each version's one-step status changes.
//
// The file does not say who decided a later status, nor what came between, so the
// status must be one some body could have given, in one step under the version in
// force on status_since, to a member with the status they joined with. A longer
// history is recorded as status changes, each naming the body that decided it.
//
// The row's units place the member (see placer.place), under the version the
// joining is checked against; the units new to the register go in created.
func (s *Service) importEvents(actor string, row *memberscsv.Row, steps map[*rules.Version]*rules.Steps, pl *placer, created *[]rulebook.Unit) (join, status *rulebook.Event, err error) {
	if len(row.Units) > 0 {
		v, err := s.factVersion("joined", row.Member.Joined)
		if err != nil {
			return nil, nil, err
		}
		if row.Member.Unit, *created, err = pl.place(row, v); err != nil {
			return nil, nil, err
		}
	}
	m := row.Member
	if row.Status == "" || row.StatusSince.IsZero() || row.StatusSince == m.Joined {
		join, err = s.joinEvent(actor, m, row.Status, true)
		return join, nil, err
	}
	if join, err = s.joinEvent(actor, m, "", true); err != nil {
		return nil, nil, err
	}
	joined := join.Payload.(rulebook.MemberJoined).Status
	if err := notFuture(s.DB.Now(), "status_since", row.StatusSince); err != nil {
		return nil, nil, err
	}
	v, err := s.factVersion("status_since", row.StatusSince)
	if err != nil {
		return nil, nil, err
	}
	if v.Status(row.Status) == nil {
		return nil, nil, rulebook.FieldError("status", "unknown status %q in rule book version %s", row.Status, v.ID)
	}
	// The status they joined with needs no rule to stay in force: an exported register
	// gives a readmitted member's status so, and must import again.
	if row.Status != joined {
		if rule, ok := steps[v].Rule(joined, row.Status); !ok {
			if rule == nil {
				return nil, nil, rulebook.FieldError("status", "rule book version %s (in force on %s) has no rule moving a member to %s, so a member who joined as %s cannot have been given it",
					v.ID, row.StatusSince, row.Status, joined)
			}
			var from, clauses []string
			for _, r := range steps[v].Into(row.Status) {
				from = append(from, r.From...)
				clauses = append(clauses, r.Clause)
			}
			cite := "clause " + clauses[0]
			if clauses = uniq(clauses); len(clauses) > 1 {
				cite = "clauses " + strings.Join(clauses, ", ")
			}
			return nil, nil, rulebook.FieldError("status", "under rule book version %s (in force on %s, %s) a member is moved to %s only from %s, not from %s, the status on joining: "+
				"a row can give only a status one step from the joining status, so import the member without status and status_since and record their history as status changes",
				v.ID, row.StatusSince, cite, row.Status, strings.Join(uniq(from), " or "), joined)
		}
	}
	status, err = event(rulebook.EventStatusChanged, m.ID, actor, row.StatusSince,
		rulebook.StatusChange{Status: row.Status, Decision: rulebook.Decision{Reason: "status as imported"}})
	return join, status, err
}

// Export writes the register as CSV, each member with the status in force on date.
func (s *Service) Export(ctx context.Context, w io.Writer, on rulebook.Date) (int, error) {
	hs, err := s.DB.Histories(ctx)
	if err != nil {
		return 0, err
	}
	units, err := s.DB.Units(ctx)
	if err != nil {
		return 0, err
	}
	tree, kinds := rulebook.NewUnits(units), s.Rules.UnitKinds()
	cw, err := memberscsv.NewWriter(w, kinds)
	if err != nil {
		return 0, err
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Member.ID < hs[j].Member.ID })
	for _, h := range hs {
		rec := memberscsv.Record{Member: h.Member, Units: unitsOf(tree, h.Member.Unit, kinds)}
		if p := h.StatusAt(on); p != nil {
			rec.Status, rec.StatusSince = p.Status, p.From
		}
		if err := cw.Write(rec); err != nil {
			return 0, err
		}
	}
	return len(hs), cw.Flush()
}
