package web

import (
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/rules"
)

// Trigger ballots: the list (and the form to open one), and a ballot's page with
// its units, each one's decision and date, the share needed and reached, the
// outcome and the selection it opened; the forms to record a decision and to
// close are offered only to those the policy lets run selections.

type triggersData struct {
	Triggers []*rulebook.Trigger
	// Procedures are those in force today that declare a trigger ballot.
	Procedures []*rules.Selection
	Run        bool
}

func (s *Server) triggersData(r *http.Request) (*triggersData, error) {
	list, err := s.app.Triggers(r.Context())
	if err != nil {
		return nil, err
	}
	return &triggersData{Triggers: list, Run: s.app.May(r.Context(), app.RunSelections, app.Resource{}),
		Procedures: s.proceduresToday(func(p *rules.Selection) bool { return p.Trigger != nil })}, nil
}

func (s *Server) triggersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.triggersData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "triggers", "Trigger ballots", d)
	return nil
}

func (s *Server) openTrigger(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	in := app.TriggerInput{ID: strings.TrimSpace(f.Get("id")), Procedure: f.Get("procedure"), Contest: f.Get("contest"),
		Unit: strings.TrimSpace(f.Get("unit")), Holder: strings.TrimSpace(f.Get("holder"))}
	var err error
	if in.Date, err = s.formDay(f); err == nil {
		in.Closes, err = formDate(f, "closes")
	}
	if err == nil {
		if _, err = s.app.OpenTrigger(r.Context(), in); err == nil {
			return s.done(w, r, "/triggers/"+url.PathEscape(in.ID), "Trigger ballot "+in.ID+" opened.")
		}
	}
	switch rulebook.ErrorCode(err) {
	case rulebook.EUnauthorized, rulebook.EForbidden:
		return err
	}
	d, err2 := s.triggersData(r)
	if err2 != nil {
		return err2
	}
	return s.formError(w, r, "triggers", "Trigger ballots", d, err)
}

// triggerData is a trigger ballot's page.
type triggerData struct {
	*app.TriggerView
	// Needed is the number of units the share asks for; Reached whether the
	// units that asked make it.
	Needed  int
	Reached bool
	Run     bool
	Failed  string
}

// Pending lists the units that have not decided.
func (d *triggerData) Pending() []string {
	var out []string
	for _, u := range d.Units {
		if d.Decision(u) == nil {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) triggerData(r *http.Request, id string) (*triggerData, error) {
	t, err := s.app.TriggerView(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &triggerData{TriggerView: t, Run: s.app.May(r.Context(), app.RunSelections, app.Resource{})}
	if share, err := (&rules.TriggerBallot{Share: t.Share}).ShareRat(); err == nil && len(t.Units) > 0 {
		// The fewest units whose share of those balloted is at least the share.
		n := new(big.Rat).Mul(share, big.NewRat(int64(len(t.Units)), 1))
		d.Needed = int(new(big.Int).Quo(new(big.Int).Add(n.Num(), new(big.Int).Sub(n.Denom(), big.NewInt(1))), n.Denom()).Int64())
		d.Reached = t.Asked() >= d.Needed
	}
	return d, nil
}

func (s *Server) triggerPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.triggerData(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "trigger", "Trigger ballot "+d.ID, d)
	return nil
}

// triggerStep records a unit's decision, or closes the ballot (opening the
// selection the form describes when the units asked for one).
func (s *Server) triggerStep(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, f, ctx := r.PathValue("id"), r.PostForm, r.Context()
	kind := f.Get("kind")
	date, err := s.formDay(f)
	msg := ""
	if err == nil {
		switch kind {
		case "decide":
			decision := f.Get("decision")
			if decision != "open" && decision != "reselect" {
				err = rulebook.FieldError("decision", "choose whether the unit asks for an open selection or reselects the holder")
				break
			}
			_, err = s.app.DecideTrigger(ctx, id, strings.TrimSpace(f.Get("unit")), decision == "open", date)
			msg = "The decision of " + f.Get("unit") + " is recorded."
		case "close":
			var open *app.OpenSelectionInput
			if sel := strings.TrimSpace(f.Get("selection")); sel != "" {
				open = &app.OpenSelectionInput{ID: sel}
				err = formTimetable(f, open)
			}
			if err == nil {
				var res *app.TriggerResult
				if res, err = s.app.CloseTrigger(ctx, id, date, open); err == nil {
					msg = "Trigger ballot closed: the holder is reselected."
					if res.Selection != nil {
						return s.done(w, r, "/selections/"+url.PathEscape(res.Selection.ID), "Trigger ballot closed: selection "+res.Selection.ID+" opened.")
					}
				}
			}
		default:
			err = rulebook.FieldError("kind", "no step %q of a trigger ballot", kind)
		}
	}
	return s.stepDone(w, r, err, "/triggers/"+url.PathEscape(id), msg, "trigger", "Trigger ballot "+id, func() (any, error) {
		d, err := s.triggerData(r, id)
		if err == nil {
			d.Failed = kind
		}
		return d, err
	})
}
