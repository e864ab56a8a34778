package app

import (
	"bufio"
	"context"
	"io"
	"net/mail"
	"os"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/sqldb"
)

// MemberView is a member's record with their whole standing and their status on a
// day. Contact details the reader's roles are not shown are blank, and
// Withheld says so.
type MemberView struct {
	Member rulebook.Member `json:"member"`
	// Units are the member's unit and the units above it, lowest first.
	Units         []rulebook.Unit        `json:"units"`
	StatusHistory []rulebook.StatusPoint `json:"status_history"`
	Restrictions  []rulebook.Restriction `json:"restrictions"`
	Today         rulebook.Date          `json:"today"`
	StatusToday   *rulebook.StatusPoint  `json:"status_today"`
	// AsRecorded is set for a view of what the register said at an instant.
	AsRecorded time.Time `json:"as_recorded,omitzero"`
	Withheld   []string  `json:"withheld,omitempty"`
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// memberView is h as p may see it, with units, the chain of units from the
// member's up (read here when nil).
func (a *App) memberView(ctx context.Context, p *Principal, h *rulebook.History, at time.Time, units []rulebook.Unit) (*MemberView, error) {
	v := &MemberView{Member: h.Member, Units: []rulebook.Unit{}, StatusHistory: orEmpty(h.Points), Restrictions: orEmpty(h.Restrictions), Today: a.Today(),
		StatusToday: h.StatusAt(a.Today()), AsRecorded: at}
	if units == nil && h.Member.Unit != "" {
		chain, err := a.db().UnitChain(ctx, h.Member.Unit)
		if err != nil {
			return nil, err
		}
		units = chain
	}
	v.Units = append(v.Units, units...)
	if a.Policy.RedactMember(p, &v.Member) {
		v.Withheld = []string{"contact details"}
	}
	return v, nil
}

// history reads a member's history as it stands, or as recorded at an instant.
func (a *App) history(ctx context.Context, id string, at time.Time) (*rulebook.History, error) {
	if at.IsZero() {
		return a.db().History(ctx, id)
	}
	return a.db().HistoryAsRecorded(ctx, id, at)
}

// Member returns a member's record: for readers of the register, and for the member.
// With at set, it is the record as the register had it at that instant.
func (a *App) Member(ctx context.Context, id string, at time.Time) (*MemberView, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ViewMember, Resource{Member: id})
	if err != nil {
		return nil, err
	}
	var h *rulebook.History
	var units []rulebook.Unit
	if at.IsZero() {
		// The record as it stands and the member's units, in one read.
		h, units, err = a.db().HistoryUnits(ctx, id)
	} else {
		h, err = a.history(ctx, id, at)
	}
	if err != nil {
		return nil, err
	}
	action, detail := "view_member", ""
	if !at.IsZero() {
		action, detail = "view_history", "as recorded at "+at.UTC().Format(time.RFC3339Nano)
	}
	if err := a.logAccess(ctx, p, action, id, detail); err != nil {
		return nil, err
	}
	return a.memberView(ctx, p, h, at, units)
}

// SearchMembers finds members by id or by name (surname first), at most limit.
func (a *App) SearchMembers(ctx context.Context, q string, limit int) ([]rulebook.Member, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, SearchMembers, Resource{})
	if err != nil {
		return nil, err
	}
	q = trim(q)
	if q == "" {
		return []rulebook.Member{}, nil
	}
	ms, err := a.db().SearchMembers(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		a.Policy.RedactMember(p, &ms[i])
	}
	if err := a.logAccess(ctx, p, "search_members", "members", q); err != nil {
		return nil, err
	}
	return orEmpty(ms), nil
}

// Members lists the register a page at a time (optionally the members of one unit
// and the units within it).
func (a *App) Members(ctx context.Context, f sqldb.MemberFilter) ([]rulebook.Member, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ReadRegister, Resource{})
	if err != nil {
		return nil, err
	}
	if f.Unit != "" {
		chain, err := a.db().UnitChain(ctx, f.Unit)
		if err != nil {
			return nil, err
		}
		if len(chain) == 0 {
			return nil, fieldErr("unit", "no unit %q on the register", f.Unit)
		}
	}
	ms, err := a.db().Members(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		a.Policy.RedactMember(p, &ms[i])
	}
	if err := a.logAccess(ctx, p, "list_members", "members", "unit "+f.Unit); err != nil {
		return nil, err
	}
	return orEmpty(ms), nil
}

// Eligibility answers whether a member may do an action on a date, with the
// clause that decides it; with at set, from what the register said then.
func (a *App) Eligibility(ctx context.Context, id string, q eligibility.Question, at time.Time) (*eligibility.Answer, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ViewMember, Resource{Member: id})
	if err != nil {
		return nil, err
	}
	h, err := a.history(ctx, id, at)
	if err != nil {
		return nil, err
	}
	ans, err := eligibility.Check(a.Rules(), h, q)
	if err != nil {
		return nil, withField(err, "date")
	}
	detail := q.Action + " on " + q.Date.String()
	if !at.IsZero() {
		detail += " as recorded at " + at.UTC().Format(time.RFC3339Nano)
	}
	return ans, a.logAccess(ctx, p, "eligibility", id, detail)
}

// EligibilityAll answers every action of the rule book in force on the date.
func (a *App) EligibilityAll(ctx context.Context, id string, date, freeze rulebook.Date, at time.Time) ([]*eligibility.Answer, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ViewMember, Resource{Member: id})
	if err != nil {
		return nil, err
	}
	v, err := a.Rules().VersionAt(date)
	if err != nil {
		return nil, withField(err, "date")
	}
	h, err := a.history(ctx, id, at)
	if err != nil {
		return nil, err
	}
	var out []*eligibility.Answer
	for _, act := range v.Actions {
		ans, err := eligibility.Check(a.Rules(), h, eligibility.Question{Action: act.ID, Date: date, FreezeDate: freeze})
		if err != nil {
			return nil, err
		}
		out = append(out, ans)
	}
	return out, a.logAccess(ctx, p, "eligibility", id, "every action on "+date.String())
}

// withField names field on a no_rules error, which is about the date asked.
func withField(err error, field string) error {
	if e, ok := err.(*rulebook.Error); ok && e.Code == rulebook.ENoRules && e.Field == "" {
		e.Field = field
	}
	return err
}

// Electorate is everyone who may do an action on a date.
type Electorate struct {
	Action     string              `json:"action"`
	Date       rulebook.Date       `json:"date"`
	FreezeDate rulebook.Date       `json:"freeze_date,omitempty"`
	Version    string              `json:"rule_book_version"`
	Count      int                 `json:"count"`
	Members    []eligibility.Entry `json:"members"`
	// Refused counts the members left out, by the status (or reason) that decided.
	Refused map[string]int `json:"refused"`
}

// Electorate lists everyone who may do q.Action on q.Date (in one unit and the
// units within it, when unit is given).
func (a *App) Electorate(ctx context.Context, q eligibility.Question, unit string) (*Electorate, error) {
	var list []eligibility.Entry
	el, err := a.EachElectorate(ctx, q, unit, nil, func(e *eligibility.Entry) error {
		list = append(list, *e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	el.Members = orEmpty(list)
	return el, nil
}

// EachElectorate works out who may do q.Action on q.Date (in one unit and the
// units within it, when unit is given) member by member as the register is
// read, in member-id order: head is called once the question is found good,
// before any member (with the electorate's action, dates and rule book
// version), then each for every member who may (the entry is reused after
// each returns). It returns the electorate's count and refusals, without its
// members. Nothing is held of the register but the member being decided, so
// an electorate of a million is streamed in little memory.
func (a *App) EachElectorate(ctx context.Context, q eligibility.Question, unit string, head func(*Electorate) error, each func(*eligibility.Entry) error) (*Electorate, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, ReadRegister, Resource{})
	if err != nil {
		return nil, err
	}
	dc, err := eligibility.NewDecider(a.Rules(), q)
	if err != nil {
		return nil, withField(err, "date")
	}
	var below map[string]bool
	if unit != "" {
		units, err := a.db().Units(ctx)
		if err != nil {
			return nil, err
		}
		tree := rulebook.NewUnits(units)
		if err := knownUnit(tree, unit); err != nil {
			return nil, err
		}
		below = tree.Below(unit)
	}
	detail := q.Action + " on " + q.Date.String()
	if !q.FreezeDate.IsZero() {
		detail += ", freeze date " + q.FreezeDate.String()
	}
	if unit != "" {
		detail += ", unit " + unit
	}
	// Logged before the first member leaves: a list cut short was still read.
	if err := a.logAccess(ctx, p, "electorate", "electorate/"+q.Action, detail); err != nil {
		return nil, err
	}
	el := &Electorate{Action: q.Action, Date: q.Date, FreezeDate: q.FreezeDate, Version: dc.Version().ID}
	if head != nil {
		if err := head(el); err != nil {
			return nil, err
		}
	}
	var e eligibility.Entry
	err = a.db().EachVoter(ctx, true, func(h *rulebook.History) error {
		if below != nil && !below[h.Member.Unit] {
			return nil
		}
		ok, status, err := dc.Decide(h)
		if err != nil || !ok {
			return err
		}
		el.Count++
		e = eligibility.Entry{Member: h.Member.ID, Name: h.Member.Name, Unit: h.Member.Unit, Status: status}
		return each(&e)
	})
	if err != nil {
		return nil, err
	}
	el.Refused = dc.Refused
	return el, nil
}

// ElectorateFormat is how WriteElectorate writes an electorate.
type ElectorateFormat int

const (
	// ElectorateJSON is the Electorate as JSON, compact, HTML-escaped as the
	// API writes JSON; its members come before its count and refusals, which
	// are known only at the end.
	ElectorateJSON ElectorateFormat = iota
	// ElectorateJSONIndented is the same indented by two spaces and not
	// HTML-escaped, as the command line prints JSON.
	ElectorateJSONIndented
	// ElectorateCSV is a header (member,name,unit,status) and a row a member.
	ElectorateCSV
)

// WriteElectorate streams the electorate EachElectorate works out to w in the
// format asked for, through a buffer (not a write a member). Nothing is written
// to w before the question is found good and the first buffer is full, so an
// error returned while written is 0 may still be answered in place of it.
func (a *App) WriteElectorate(ctx context.Context, w io.Writer, format ElectorateFormat, q eligibility.Question, unit string) (el *Electorate, written int64, err error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	var buf []byte
	n := 0
	indent, html := format == ElectorateJSONIndented, format == ElectorateJSON
	el, err = a.EachElectorate(ctx, q, unit, func(el *Electorate) error {
		if format == ElectorateCSV {
			_, err := bw.WriteString("member,name,unit,status\n")
			return err
		}
		_, err := bw.Write(appendElectorateHead(buf[:0], el, indent, html))
		return err
	}, func(e *eligibility.Entry) error {
		buf = buf[:0]
		if format == ElectorateCSV {
			buf = appendCSVRecord(buf, e)
			_, err := bw.Write(buf)
			return err
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		buf = appendJSONEntry(buf, e, indent, html)
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return nil, cw.n, err
	}
	if format != ElectorateCSV {
		if buf, err = appendElectorateTail(buf[:0], el, n, indent, html); err != nil {
			return nil, cw.n, err
		}
		if _, err := bw.Write(buf); err != nil {
			return nil, cw.n, err
		}
	}
	err = bw.Flush()
	return el, cw.n, err
}

// countingWriter counts what reaches w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Units lists the register's units.
func (a *App) Units(ctx context.Context) ([]rulebook.Unit, error) {
	if _, err := a.allow(ctx, ReadLists, Resource{}); err != nil {
		return nil, err
	}
	us, err := a.db().Units(ctx)
	return orEmpty(us), err
}

// CreateUnit adds a unit of a kind the rule book declares.
func (a *App) CreateUnit(ctx context.Context, u rulebook.Unit, eff rulebook.Date) (*rulebook.Event, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, err
	}
	return a.reg.CreateUnit(ctx, p.Actor(), u, eff)
}

// knownUnit refuses a filter by a unit the register does not hold, which would
// otherwise answer with no one.
func knownUnit(tree rulebook.Units, id string) error {
	if tree[id] == nil {
		return fieldErr("unit", "no unit %q on the register", id)
	}
	return nil
}

// checkEmail checks what the register itself does not: an e-mail address that
// parses.
func checkEmail(email string) error {
	if email != "" {
		if ad, err := mail.ParseAddress(email); err != nil || ad.Address != email {
			return fieldErr("email", "%q is not an e-mail address", email)
		}
	}
	return nil
}

// Join puts a new member on the register, returning the event and the member's
// record as entered (the writer's own entry: not logged as a read).
func (a *App) Join(ctx context.Context, m rulebook.Member, status string) (*rulebook.Event, *MemberView, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, nil, err
	}
	if err := checkEmail(m.Email); err != nil {
		return nil, nil, err
	}
	e, err := a.reg.Join(ctx, p.Actor(), m, status)
	if err != nil {
		return nil, nil, err
	}
	v, err := a.entered(ctx, p, m.ID)
	return e, v, err
}

// entered is the record of a member just changed, for the answer to the change.
func (a *App) entered(ctx context.Context, p *Principal, id string) (*MemberView, error) {
	h, err := a.db().History(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.memberView(ctx, p, h, time.Time{}, nil)
}

// UpdateMember changes a member's particulars.
func (a *App) UpdateMember(ctx context.Context, id string, eff rulebook.Date, u rulebook.MemberUpdated) (*rulebook.Event, *MemberView, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, nil, err
	}
	if u.IsZero() {
		return nil, nil, fieldErr("body", "nothing to change: give at least one of name, email, phone, address, unit")
	}
	if err := checkEmail(u.Email); err != nil {
		return nil, nil, err
	}
	e, err := a.reg.Update(ctx, p.Actor(), id, eff, u)
	if err != nil {
		return nil, nil, err
	}
	v, err := a.entered(ctx, p, id)
	return e, v, err
}

// ChangeStatus records a decision changing a member's status, checked against
// the rule book; the deciding body must be one the principal acts for.
func (a *App) ChangeStatus(ctx context.Context, id string, from rulebook.Date, ch rulebook.StatusChange, creditFrom rulebook.Date) (*rulebook.Event, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, err
	}
	if ch.Status == "" {
		return nil, fieldErr("status", "is required")
	}
	if ch.Body == "" {
		return nil, fieldErr("body", "the deciding body or officer is required")
	}
	if err := a.actsFor(p, ch.Body); err != nil {
		return nil, err
	}
	return a.reg.ChangeStatus(ctx, p.Actor(), id, from, ch, creditFrom)
}

// Restrict records a decision allowing or barring actions for a member.
func (a *App) Restrict(ctx context.Context, id string, from rulebook.Date, r rulebook.RightsRestricted) (*rulebook.Event, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, err
	}
	if r.Body != "" {
		if err := a.actsFor(p, r.Body); err != nil {
			return nil, err
		}
	}
	return a.reg.Restrict(ctx, p.Actor(), id, from, r)
}

// actsFor refuses a decision recorded for a body the principal does not act for.
func (a *App) actsFor(p *Principal, body string) error {
	if p.Operator != "" || body == "" {
		return nil
	}
	for _, r := range a.Policy.Hold(p).Roles {
		if r.ActsForBody(body) {
			return nil
		}
	}
	return rulebook.Errorf(rulebook.EForbidden, "%s does not act for %s", p.Actor(), body)
}

// Correct withdraws an event of the register entered in error.
func (a *App) Correct(ctx context.Context, eventID, reason string) (*rulebook.Event, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, err
	}
	if eventID == "" {
		return nil, fieldErr("event_id", "is required")
	}
	return a.reg.Correct(ctx, p.Actor(), eventID, reason)
}

// Import adds members from CSV, all or nothing; with check, stores nothing.
func (a *App) Import(ctx context.Context, r io.Reader, name string, check bool, progress func(int)) (*register.ImportResult, error) {
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return nil, err
	}
	// The import holds the writer while it reads its rows: an upload is read to a
	// file of its own first, so that a slow client keeps no one else waiting.
	if _, isFile := r.(*os.File); !isFile {
		f, err := spool(r)
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		r = f
	}
	if check {
		return a.reg.CheckImport(ctx, p.Actor(), r, name, progress)
	}
	return a.reg.Import(ctx, p.Actor(), r, name, progress)
}

// spool copies r to a temporary file, readable by its owner only, and returns it
// positioned at its start.
func spool(r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "rulebook-upload-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// Export writes the register as CSV with each member's status on a date.
func (a *App) Export(ctx context.Context, w io.Writer, on rulebook.Date) (int, error) {
	ctx = onReplica(ctx)
	p, err := a.allow(ctx, EditRegister, Resource{})
	if err != nil {
		return 0, err
	}
	if err := a.logAccess(ctx, p, "export_members", "members", "status on "+on.String()); err != nil {
		return 0, err
	}
	return a.reg.Export(ctx, w, on)
}
