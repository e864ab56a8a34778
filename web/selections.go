package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count/report"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Candidate selections: the list, a selection's page with the forms of the steps
// the signed-in person's roles may take, the electorate's check, and the ballot a
// member casts online. Every read and change goes through the application, which
// decides; the pages only offer the forms the policy would allow.

type selectionsData struct {
	Selections []sqldb.SelectionRow
	// Procedures are the rule book's procedures in force today, to open one.
	Procedures []*rules.Selection
	Run        bool
}

func (s *Server) selectionsData(r *http.Request) (*selectionsData, error) {
	rows, err := s.app.Selections(r.Context())
	if err != nil {
		return nil, err
	}
	return &selectionsData{Selections: rows, Run: s.app.May(r.Context(), app.RunSelections, app.Resource{}),
		Procedures: s.proceduresToday(func(*rules.Selection) bool { return true })}, nil
}

// proceduresToday are the rule book's selection procedures in force today that
// keep, in the rule book's order: those a form may open.
func (s *Server) proceduresToday(keep func(*rules.Selection) bool) []*rules.Selection {
	var out []*rules.Selection
	if v, err := s.app.Rules().VersionAt(s.app.Today()); err == nil {
		for _, id := range v.SelectionOrder {
			if p := v.Selections[id]; keep(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// formDay reads the day of a step: the form's date, or today.
func (s *Server) formDay(f url.Values) (rulebook.Date, error) {
	d, err := formDate(f, "date")
	if err == nil && d.IsZero() {
		d = s.app.Today()
	}
	return d, err
}

// formTimetable reads the timetable of a selection to open (by its own form, or
// by a trigger ballot's close) into in.
func formTimetable(f url.Values, in *app.OpenSelectionInput) error {
	var err error
	for _, x := range []struct {
		name string
		to   *rulebook.Date
	}{{"freeze_date", &in.FreezeDate}, {"nominations_close", &in.NominationsClose}, {"ballot", &in.Ballot}, {"ballot_closes", &in.BallotCloses}} {
		if *x.to, err = formDate(f, x.name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) selectionsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.selectionsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "selections", "Selections", d)
	return nil
}

func (s *Server) openSelection(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	in := app.OpenSelectionInput{ID: strings.TrimSpace(f.Get("id")), Procedure: f.Get("procedure"), Contest: f.Get("contest"), Unit: strings.TrimSpace(f.Get("unit"))}
	var err error
	if in.Date, err = s.formDay(f); err == nil {
		err = formTimetable(f, &in)
	}
	if err == nil {
		if _, err = s.app.OpenSelection(r.Context(), in); err == nil {
			return s.done(w, r, "/selections/"+url.PathEscape(in.ID), "Selection "+in.ID+" opened.")
		}
	}
	if rulebook.ErrorCode(err) == rulebook.EUnauthorized {
		return err
	}
	d, err2 := s.selectionsData(r)
	if err2 != nil {
		return err2
	}
	return s.formError(w, r, "selections", "Selections", d, err)
}

// selectionData is a selection's page.
type selectionData struct {
	*app.SelectionView
	Procedure *rules.Selection
	// Report is the count, round by round, as the count page shows one.
	Report template.HTML
	// What the reader's roles may do: run the selection, and decide for the
	// bodies the procedure names.
	Run                                 bool
	Endorsers, Deselectors, Challengers []string
	Failed                              string
	// CollegeView is a college selection's sections and count (colleges.go);
	// RefusalReport the refusals report once counted.
	CollegeView   *collegeView
	RefusalReport *app.RefusalReport
}

// Named gives a member as "Name (id)", or the id.
func (d *selectionData) Named(id string) string { return rulebook.Person(d.Names[id], id) }

// HasSteps is whether the reader may take a step of the selection in its state
// (the page lists the steps under a heading only then).
func (d *selectionData) HasSteps() bool {
	switch d.State {
	case rulebook.SelectionNominations, rulebook.SelectionSealed:
		return d.Run
	case rulebook.SelectionBallot:
		return d.Run || len(d.Challengers) > 0
	case rulebook.SelectionCounted:
		return len(d.Endorsers) > 0
	case rulebook.SelectionEndorsed:
		return len(d.Endorsers) > 0 || len(d.Deselectors) > 0
	}
	return false
}

// CauseTrigger is the trigger ballot that opened the selection, if one did.
func (d *selectionData) CauseTrigger() string {
	t, _ := strings.CutPrefix(d.Cause, rulebook.TriggerSubjectPrefix)
	if t == d.Cause {
		return ""
	}
	return t
}

// Standing returns the standing checked for a candidate on the ballot, or nil.
func (d *selectionData) StandingOf(member string) *app.Standing {
	for i := range d.Standing {
		if d.Standing[i].Member == member {
			return &d.Standing[i]
		}
	}
	return nil
}

func (s *Server) selectionData(r *http.Request, id string) (*selectionData, error) {
	ctx := r.Context()
	v, err := s.app.Selection(ctx, id, rulebook.NoDate)
	if err != nil {
		return nil, err
	}
	d := &selectionData{SelectionView: v, Run: s.app.May(ctx, app.RunSelections, app.Resource{})}
	if ver, err := s.app.Rules().VersionAt(v.Opened); err == nil {
		d.Procedure = ver.Selection(v.Procedure)
	}
	if d.Procedure != nil {
		may := func(bodies []string) []string {
			var out []string
			for _, b := range bodies {
				if s.app.May(ctx, app.DecideForSelection, app.Resource{Body: b}) {
					out = append(out, b)
				}
			}
			return out
		}
		d.Endorsers, d.Deselectors, d.Challengers = may(d.Procedure.EndorsedBy), may(d.Procedure.DeselectedBy), may(d.Procedure.Challengers())
	}
	// A college's count is its round tables, per section; the summary's tallies
	// would be weighted percentages shown as votes.
	if v.Result != nil && v.CollegeSpec == nil {
		if d.Report, err = s.selectionReport(v); err != nil {
			return nil, err
		}
	}
	if d.CollegeView, err = collegeOf(v); err != nil {
		return nil, err
	}
	if d.RefusalReport, err = s.refusalsOf(ctx, v); err != nil {
		return nil, err
	}
	return d, nil
}

// selectionReport renders a selection's count with the count page's report,
// candidates by name: the sealed ballots are what was counted, and their digest is
// the file's.
func (s *Server) selectionReport(v *app.SelectionView) (template.HTML, error) {
	res := v.Result.Renamed(func(id string) string { return rulebook.Person(v.Names[id], id) })
	res.Normalize()
	sealed, err := json.Marshal(v.Sealed)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(sealed)
	meta := report.Meta{File: "the sealed ballots of selection " + v.ID, SHA256: hex.EncodeToString(sum[:]),
		Options: "--method " + v.Method + " --seats " + strconv.Itoa(v.Seats), Counted: v.Counted.Time(), Version: report.BuildVersion()}
	var b bytes.Buffer
	if err := report.WriteFragmentMeta(&b, res, meta); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

func (s *Server) selectionPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.selectionData(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "selection", "Selection "+d.ID, d)
	return nil
}

// selectionStep takes one step of a selection, named by the form's kind.
func (s *Server) selectionStep(w http.ResponseWriter, r *http.Request) error {
	if err := parseStepForm(r); err != nil {
		return err
	}
	id, f, ctx := r.PathValue("id"), r.PostForm, r.Context()
	kind := f.Get("kind")
	date, err := s.formDay(f)
	msg := ""
	if err == nil {
		switch kind {
		case "nominate":
			var res *app.NominationResult
			res, err = s.app.Nominate(ctx, id, app.NominationInput{Candidate: strings.TrimSpace(f.Get("candidate")), Nominators: fields(f.Get("nominators")), Date: date})
			if err == nil {
				msg = "Nomination of " + f.Get("candidate") + " recorded."
				if x := res.Refused; x != nil {
					msg = fmt.Sprintf("The nomination of %s is refused, and the refusal recorded: %s (clause %s).", x.Candidate, x.Reason, x.Clause)
				}
			}
		case "withdraw":
			_, err = s.app.Withdraw(ctx, id, strings.TrimSpace(f.Get("candidate")), date, f.Get("reason"))
			msg = "Withdrawal recorded."
		case "shortlist":
			_, err = s.app.Shortlist(ctx, id, date, rulebook.Shortlist{Candidates: f["candidates"], Body: f.Get("body"), Reasons: f.Get("reasons")})
			msg = "Shortlist recorded."
		case "freeze":
			_, err = s.app.FreezeElectorate(ctx, id, date)
			msg = "Electorate frozen."
		case "papers":
			var ballots []rulebook.BallotCount
			if ballots, err = papersFrom(f.Get("ballots")); err == nil {
				var rejected int
				if rejected, err = formInt(f, "rejected"); err == nil {
					if sec := f.Get("section"); sec != "" {
						_, err = s.app.EnterCollegePapers(ctx, id, sec, date, ballots, int64(rejected))
					} else {
						_, err = s.app.EnterPapers(ctx, id, date, ballots, int64(rejected))
					}
				}
			}
			msg = "Papers entered."
		case "roll":
			var voters []app.RollVoter
			if voters, err = rollFrom(r); err == nil {
				_, err = s.app.EnterRoll(ctx, id, f.Get("section"), voters, date)
			}
			msg = "Roll of section " + f.Get("section") + " entered."
		case "refuse":
			_, err = s.app.RefuseVoter(ctx, id, date, rulebook.VoterRefusal{Member: strings.TrimSpace(f.Get("member")), Clause: strings.TrimSpace(f.Get("clause")), Reason: f.Get("reason")})
			msg = "Refusal recorded."
		case "challenge":
			_, err = s.app.ChallengeRefusal(ctx, id, strings.TrimSpace(f.Get("member")), date, f.Get("reason"))
			msg = "Challenge recorded."
		case "decide":
			decide := f.Get("decide")
			if decide != "upheld" && decide != "dismissed" {
				err = rulebook.FieldError("decide", "choose upheld or dismissed")
				break
			}
			_, err = s.app.DecideChallenge(ctx, id, strings.TrimSpace(f.Get("member")), date, f.Get("body"), decide == "upheld", f.Get("reasons"))
			msg = "Challenge " + decide + "."
		case "close":
			_, err = s.app.CloseSelection(ctx, id, date)
			msg = "Ballots sealed."
		case "count":
			_, err = s.app.CountSelection(ctx, id, date)
			msg = "Counted."
		case "endorse":
			var until rulebook.Date
			if until, err = formDate(f, "until"); err == nil {
				_, err = s.app.Endorse(ctx, id, date, rulebook.Endorsement{Body: f.Get("body"), Reasons: f.Get("reasons"), Until: until})
			}
			msg = "Endorsed."
		case "refuse_endorsement":
			_, err = s.app.RefuseEndorsement(ctx, id, date, rulebook.Endorsement{Body: f.Get("body"), Reasons: f.Get("reasons")})
			msg = "Refusal to endorse recorded."
		case "deselect", "withdraw_endorsement":
			_, err = s.app.EndEndorsement(ctx, id, strings.TrimSpace(f.Get("candidate")), date, f.Get("body"), f.Get("reasons"), kind == "deselect")
			msg = "Deselection recorded."
			if kind != "deselect" {
				msg = "Endorsement withdrawn."
			}
		default:
			err = rulebook.FieldError("kind", "no step %q of a selection", kind)
		}
	}
	return s.stepDone(w, r, err, "/selections/"+url.PathEscape(id), msg, "selection", "Selection "+id, func() (any, error) {
		d, err := s.selectionData(r, id)
		if err == nil {
			d.Failed = kind
		}
		return d, err
	})
}

// stepDone answers a step of a selection or trigger ballot: done, it goes back
// to the page with msg; refused for access or for a page that is not there, the
// error is the answer; otherwise the page (its data read again, the failed
// step's form open) shows the error beside the form.
func (s *Server) stepDone(w http.ResponseWriter, r *http.Request, err error, back, msg, page, title string, failed func() (any, error)) error {
	if err == nil {
		return s.done(w, r, back, msg)
	}
	switch rulebook.ErrorCode(err) {
	case rulebook.EUnauthorized, rulebook.EForbidden, rulebook.ENotFound:
		return err
	}
	d, err2 := failed()
	if err2 != nil {
		return err2
	}
	return s.formError(w, r, page, title, d, err)
}

// fields splits a list of member ids given with commas or spaces.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// papersFrom reads the tellers' papers as the command line's file has them: one
// line per ranking, PAPERS,FIRST,SECOND,...
func papersFrom(text string) ([]rulebook.BallotCount, error) {
	var out []rulebook.BallotCount
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ",")
		n, err := strconv.ParseInt(strings.TrimSpace(parts[0]), 10, 64)
		if err != nil || len(parts) < 2 {
			return nil, rulebook.FieldError("ballots", "line %d: %q is not PAPERS,FIRST,SECOND,... (a number of papers, then the candidates by member id)", i+1, line)
		}
		var rk []string
		for _, p := range parts[1:] {
			if p = strings.TrimSpace(p); p != "" {
				rk = append(rk, p)
			}
		}
		out = append(out, rulebook.BallotCount{Papers: n, Ranking: rk})
	}
	return out, nil
}

func (s *Server) electorateCheckPage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.app.CheckElectorate(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "selection_check", "Electorate of "+c.Selection, c)
	return nil
}

func (s *Server) ballotsPage(w http.ResponseWriter, r *http.Request) error {
	bps, err := s.app.BallotPapers(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "ballots", "My ballots", bps)
	return nil
}

// ballotData is a member's ballot paper, with the places to rank the candidates in.
type ballotData struct {
	*app.BallotPaper
	Places []int
}

func (s *Server) ballotData(r *http.Request) (*ballotData, error) {
	bp, err := s.app.BallotPaper(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &ballotData{BallotPaper: bp}
	for i := range bp.Candidates {
		d.Places = append(d.Places, i+1)
	}
	return d, nil
}

func (s *Server) ballotPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.ballotData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "ballot", "Ballot: "+d.Contest, d)
	return nil
}

// castBallot casts the signed-in member's ballot: each candidate given a place
// (1 first), those left blank unranked. The answer says the ballot was recorded,
// never how: the ranking is neither shown again nor kept beside the voter.
func (s *Server) castBallot(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("id")
	ranking, err := rankingFrom(r.PostForm)
	if err == nil {
		var res *app.BallotResult
		member := app.PrincipalFrom(r.Context()).Member()
		if sec := r.PostForm.Get("section"); sec != "" {
			res, err = s.app.CastCollegeBallot(r.Context(), id, sec, member, ranking, s.app.Today())
		} else {
			res, err = s.app.CastBallot(r.Context(), id, member, ranking, s.app.Today())
		}
		if err == nil {
			if x := res.Refused; x != nil {
				err = rulebook.Errorf(rulebook.ENotPermitted, "your ballot was refused, and the refusal recorded: %s (clause %s)", x.Reason, x.Clause)
			} else {
				return s.done(w, r, "/ballots", "Your ballot in "+id+" is recorded (receipt "+res.Event+"). How you voted is not stored with your name and is not shown again.")
			}
		}
	}
	switch rulebook.ErrorCode(err) {
	case rulebook.EUnauthorized, rulebook.EForbidden, rulebook.ENotFound:
		return err
	}
	d, err2 := s.ballotData(r)
	if err2 != nil {
		return err2
	}
	// The form comes back empty: what was chosen is not echoed into the page.
	r.PostForm = url.Values{}
	return s.formError(w, r, "ballot", "Ballot: "+d.Contest, d, err)
}

// rankingFrom reads a ballot form: rank.MEMBER = its place.
func rankingFrom(f url.Values) ([]string, error) {
	placed := map[int]string{}
	max := 0
	for k, vs := range f {
		m, ok := strings.CutPrefix(k, "rank.")
		if !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(vs[0]))
		if err != nil || n < 1 {
			return nil, rulebook.FieldError("ranking", "%q is not a place (1 for your first preference, 2 for your second…)", vs[0])
		}
		if other, dup := placed[n]; dup {
			return nil, rulebook.FieldError("ranking", "%s and %s are both given place %d: give each place once", other, m, n)
		}
		placed[n] = m
		if n > max {
			max = n
		}
	}
	var out []string
	for i := 1; i <= max; i++ {
		c, ok := placed[i]
		if !ok {
			return nil, rulebook.FieldError("ranking", "no candidate is given place %d: number your preferences 1, 2, 3… without gaps", i)
		}
		out = append(out, c)
	}
	return out, nil
}
