package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/sqldb"
)

type membersData struct {
	Query   string
	Members []rulebook.Member
	// Units are the register's units to choose from (for readers of the lists),
	// Unit the one chosen: its members and those of the units within it are
	// listed a page at a time.
	Units      []unitOption
	unitNames  map[string]string
	Unit       string
	Prev, Next string
}

// unitOption is a unit as a form offers it, named with its kind's name in the
// rule book ("Region: The North").
type unitOption struct {
	ID, Label string
}

// UnitName is the name of unit id as the register has it ("Harbour Ward
// branch"), or the id of a unit it does not hold.
func (d membersData) UnitName(id string) string {
	if n, ok := d.unitNames[id]; ok {
		return n
	}
	return id
}

const membersPerPage = 100

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	search := strings.TrimSpace(q.Get("q"))
	d := membersData{Query: search, Unit: strings.TrimSpace(q.Get("unit")), unitNames: map[string]string{}}
	if us, err := s.app.Units(r.Context()); err == nil {
		for _, u := range us {
			d.Units = append(d.Units, unitOption{ID: u.ID, Label: s.kindName(u.Kind) + ": " + u.Name})
			d.unitNames[u.ID] = u.Name
		}
	}
	switch {
	case search != "":
		ms, err := s.app.SearchMembers(r.Context(), search, 50)
		if err != nil {
			return err
		}
		d.Members = ms
	case d.Unit != "":
		offset, err := formInt(q, "offset")
		if err != nil {
			return err
		}
		ms, err := s.app.Members(r.Context(), sqldb.MemberFilter{Unit: d.Unit, Limit: membersPerPage + 1, Offset: offset})
		if err != nil {
			return err
		}
		page := func(off int) string {
			return "/members?" + url.Values{"unit": {d.Unit}, "offset": {strconv.Itoa(off)}}.Encode()
		}
		if len(ms) > membersPerPage {
			ms, d.Next = ms[:membersPerPage], page(offset+membersPerPage)
		}
		if offset > 0 {
			d.Prev = page(max(0, offset-membersPerPage))
		}
		d.Members = ms
	default:
		if _, err := s.app.SearchMembers(r.Context(), "", 0); err != nil {
			return err // not allowed to search at all
		}
	}
	s.render(w, r, http.StatusOK, "members", "Members", d)
	return nil
}

// kindName is a kind of unit as the rule book names it.
func (s *Server) kindName(kind string) string {
	if k := s.app.Rules().UnitKind(kind); k != nil {
		return k.Name
	}
	return kind
}

type memberData struct {
	View        *app.MemberView
	Date        rulebook.Date
	Freeze      rulebook.Date
	AsRecorded  time.Time
	Answers     []*eligibility.Answer
	StatusNames map[string]string
	Cases       *app.CaseList
	Own         bool
	// KindNames names the kinds of the member's units as the rule book does.
	KindNames map[string]string
}

func (s *Server) memberPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	q := r.URL.Query()
	date, err := queryDate(q, "date", s.app.Today())
	if err != nil {
		return err
	}
	freeze, err := queryDate(q, "freeze_date", rulebook.NoDate)
	if err != nil {
		return err
	}
	at, err := queryInstant(q, "as_recorded")
	if err != nil {
		return err
	}
	v, err := s.app.Member(r.Context(), id, at)
	if err != nil {
		return err
	}
	answers, err := s.app.EligibilityAll(r.Context(), id, date, freeze, at)
	if err != nil {
		return err
	}
	d := memberData{View: v, Date: date, Freeze: freeze, AsRecorded: at, Answers: answers, StatusNames: map[string]string{},
		Own: app.PrincipalFrom(r.Context()).Member() == id, KindNames: map[string]string{}}
	for _, u := range v.Units {
		d.KindNames[u.Kind] = s.kindName(u.Kind)
	}
	for _, ver := range s.app.Rules().Versions {
		for _, st := range ver.Statuses {
			d.StatusNames[st.ID] = st.Name
		}
	}
	if cl, err := s.app.Cases(r.Context(), sqldb.CaseFilter{Respondent: id, Limit: 50}); err == nil {
		d.Cases = cl
	}
	s.render(w, r, http.StatusOK, "member", v.Member.Name, d)
	return nil
}
