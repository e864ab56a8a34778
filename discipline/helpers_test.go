package discipline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

var (
	ctx = context.Background()
	d   = rulebook.MustDate
)

const (
	labourBook = "../examples/labour-2016.yaml"
	clubBook   = "testdata/club.yaml"
)

// fixture is a discipline service over a real database and one rule book.
type fixture struct {
	t   testing.TB
	db  *sqldb.DB
	reg *register.Service
	s   *Service
	n   int // members and complaints made so far, for unique ids
}

func loadBook(t testing.TB, path string) (*rules.RuleBook, []byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return rb, src
}

func newFixture(t testing.TB, db *sqldb.DB, book string) *fixture {
	t.Helper()
	rb, src := loadBook(t, book)
	reg, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, reg: reg, s: New(reg)}
}

// unit creates a unit of the register, unless it is there already, and returns
// its id.
func (f *fixture) unit(id, kind, parent string) string {
	f.t.Helper()
	units, err := f.db.Units(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, u := range units {
		if u.ID == id {
			return id
		}
	}
	if _, err := f.reg.CreateUnit(ctx, "t", rulebook.Unit{ID: id, Name: "Unit " + id, Kind: kind, Parent: parent}, d("2000-01-01")); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// member joins a new member and returns the id.
func (f *fixture) member(joined string, m rulebook.Member) string {
	f.t.Helper()
	f.n++
	if m.ID == "" {
		m.ID = fmt.Sprintf("m%04d", f.n)
	}
	if m.Name == "" {
		m.Name = "Member " + m.ID
	}
	m.Joined = d(joined)
	if _, err := f.reg.Join(ctx, "t", m, ""); err != nil {
		f.t.Fatal(err)
	}
	return m.ID
}

// complaint receives a complaint about respondent and returns its id.
func (f *fixture) complaint(received, conduct, respondent, complainant, clause string) string {
	f.t.Helper()
	f.n++
	id := fmt.Sprintf("C%04d", f.n)
	_, err := f.reg.ReceiveComplaint(ctx, "t", d(received), rulebook.ComplaintReceived{ID: id, Respondent: respondent, Complainant: complainant,
		From: "member", Via: "letter", Conduct: d(conduct), Clauses: []string{clause}, Summary: "conduct complained of"})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// open opens a complaint case on a new complaint.
func (f *fixture) open(date, conduct, respondent, complainant, clause string) string {
	f.t.Helper()
	cid := f.complaint(date, conduct, respondent, complainant, clause)
	o, err := f.s.Open(ctx, "t", OpenInput{Kind: "complaint", Respondent: respondent, Date: d(date), Complaints: []string{cid}})
	if err != nil {
		f.t.Fatal(err)
	}
	return o.Case.ID
}

func (f *fixture) take(id string, cmd Command) *Outcome {
	f.t.Helper()
	o, err := f.s.Take(ctx, "t", id, cmd)
	if err != nil {
		f.t.Fatalf("%s on %s: %v", cmd.Transition, cmd.Date, err)
	}
	return o
}

func (f *fixture) get(id string) *Case {
	f.t.Helper()
	c, err := f.s.Case(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) history(id string) *rulebook.History {
	f.t.Helper()
	h, err := f.db.History(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// wantErr fails unless err has the code and its message contains every part.
func wantErr(t testing.TB, what string, err error, code string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: allowed, want %s error containing %q", what, code, parts)
		return
	}
	if rulebook.ErrorCode(err) != code {
		t.Errorf("%s: error %q has code %s, want %s", what, err, rulebook.ErrorCode(err), code)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not mention %q", what, err, p)
		}
	}
}

// wantField fails unless err is an invalid-input error naming field.
func wantField(t testing.TB, what string, err error, field string, parts ...string) {
	t.Helper()
	var e *rulebook.Error
	if err == nil || !asError(err, &e) || e.Code != rulebook.EInvalid || e.Field != field {
		t.Errorf("%s: got %v, want an invalid-input error on field %q", what, err, field)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not mention %q", what, err, p)
		}
	}
}

func asError(err error, e **rulebook.Error) bool {
	x, ok := err.(*rulebook.Error)
	if ok {
		*e = x
	}
	return ok
}

// sameJSON reports whether two cases encode to the same JSON (the projection is
// stored as JSON, so that is the equality that matters).
func sameJSON(a, b *Case) (bool, string, string) {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y), string(x), string(y)
}

// panel returns a panel of the hearing body from a pool of its members.
func nccPanel(ids ...string) *Panel {
	pool := map[string]PanelMember{
		"ncc-01": {ID: "ncc-01", Name: "Alun Rees", Section: "trade_union"},
		"ncc-02": {ID: "ncc-02", Name: "Ann Ryder", Section: "trade_union"},
		"ncc-04": {ID: "ncc-04", Name: "Grace Obi", Section: "clp"},
		"ncc-05": {ID: "ncc-05", Name: "Basil Coombe", Section: "clp"},
		"ncc-07": {ID: "ncc-07", Name: "Dermot Hale", Section: "clp"},
	}
	p := &Panel{Body: "ncc"}
	for _, id := range ids {
		m, ok := pool[id]
		if !ok {
			m = PanelMember{ID: id, Name: "Panel member " + id, Section: "clp"}
		}
		p.Members = append(p.Members, m)
	}
	return p
}
