package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
)

// Candidate selections over the API: the command line's `selection` and
// `official-candidates` with the same names (a subcommand's flags are the body's
// fields, repeated flags a list, dates YYYY-MM-DD and today when left out). The
// application decides who may do each; a member casts only their own ballot.

// selectionRoutes lists the selection endpoints, added to the server's routes.
func (s *Server) selectionRoutes() []route {
	routes := append(s.electionRoutes(), append(s.collegeRoutes(), s.triggerRoutes()...)...)
	return append(routes, []route{
		{pattern: "GET /api/v1/selections", handle: s.listSelections},
		{pattern: "POST /api/v1/selections", handle: s.openSelection, write: true},
		{pattern: "GET /api/v1/selections/{id}", handle: s.selection, query: []string{"on"}},
		{pattern: "POST /api/v1/selections/{id}/nominate", handle: s.nominate, write: true},
		{pattern: "POST /api/v1/selections/{id}/withdraw", handle: s.withdrawCandidate, write: true},
		{pattern: "POST /api/v1/selections/{id}/shortlist", handle: s.shortlist, write: true},
		{pattern: "GET /api/v1/selections/{id}/electorate", handle: s.selectionElectorate, query: []string{"format"}},
		{pattern: "POST /api/v1/selections/{id}/electorate/freeze", handle: s.freezeElectorate, write: true},
		{pattern: "GET /api/v1/selections/{id}/electorate/check", handle: s.checkElectorate},
		{pattern: "GET /api/v1/selections/{id}/ballot", handle: s.ballotPaper},
		{pattern: "POST /api/v1/selections/{id}/ballot", handle: s.castBallot, write: true},
		{pattern: "POST /api/v1/selections/{id}/papers", handle: s.enterPapers, write: true},
		{pattern: "POST /api/v1/selections/{id}/refuse", handle: s.refuseVoter, write: true},
		{pattern: "POST /api/v1/selections/{id}/challenge", handle: s.challenge, write: true},
		{pattern: "GET /api/v1/selections/{id}/refusals", handle: s.selectionRefusals},
		{pattern: "POST /api/v1/selections/{id}/close", handle: s.closeSelection, write: true},
		{pattern: "POST /api/v1/selections/{id}/count", handle: s.countSelection, write: true},
		{pattern: "POST /api/v1/selections/{id}/endorse", handle: s.endorse, write: true},
		{pattern: "POST /api/v1/selections/{id}/deselect", handle: s.deselect, write: true},
		{pattern: "GET /api/v1/ballots", handle: s.ballotPapers},
		{pattern: "GET /api/v1/official-candidates", handle: s.officialCandidates, query: []string{"on"}},
	}...)
}

// stepInput is the body every change to a selection takes: the fields of the
// command line's flags, each read by the changes that use it.
type stepInput struct {
	Date       rulebook.Date          `json:"date"`
	Candidate  string                 `json:"candidate"`
	Candidates []string               `json:"candidates"`
	Nominators []string               `json:"nominators"`
	Member     string                 `json:"member"`
	Ranking    []string               `json:"ranking"`
	Ballots    []rulebook.BallotCount `json:"ballots"`
	Rejected   int64                  `json:"rejected"`
	Reason     string                 `json:"reason"`
	Reasons    string                 `json:"reasons"`
	Clause     string                 `json:"clause"`
	Body       string                 `json:"body"`
	Decide     string                 `json:"decide"`
	Until      rulebook.Date          `json:"until"`
	Refuse     bool                   `json:"refuse"`
	Withdraw   bool                   `json:"withdraw"`
	// A college's: the section of a ballot or papers, and the days of the next
	// ballot a count may need.
	Section      string        `json:"section"`
	Ballot       rulebook.Date `json:"ballot"`
	BallotCloses rulebook.Date `json:"ballot_closes"`
}

// step reads a change's body, which may hold the date and the fields named (those
// the command line's subcommand takes): any other is refused, naming it, rather
// than ignored. The date is today when left out.
func (s *Server) step(r *http.Request, fields ...string) (stepInput, error) {
	var in stepInput
	if err := requireType(r, "application/json"); err != nil {
		return in, err
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return in, err
	}
	if err := rulebook.DecodeInput(b, &in); err != nil {
		return in, err
	}
	var given map[string]json.RawMessage
	if err := json.Unmarshal(b, &given); err != nil {
		return in, rulebook.FieldError("body", "a JSON object is required")
	}
	fields = append(fields, "date")
	for k := range given {
		if !slices.Contains(fields, k) {
			slices.Sort(fields)
			return in, rulebook.FieldError(k, "this change does not take %s (it takes: %s)", k, strings.Join(fields, ", "))
		}
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	return in, nil
}

func (s *Server) listSelections(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.app.Selections(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"selections": rows})
	return nil
}

func (s *Server) openSelection(w http.ResponseWriter, r *http.Request) error {
	var in app.OpenSelectionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Date.IsZero() {
		in.Date = s.app.Today()
	}
	sel, err := s.app.OpenSelection(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sel)
	return nil
}

func (s *Server) selection(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on", rulebook.NoDate)
	if err != nil {
		return err
	}
	v, err := s.app.Selection(r.Context(), r.PathValue("id"), on)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// changed answers a change with the selection as it now stands.
func changed(w http.ResponseWriter) func(*rulebook.Selection, error) error {
	return func(sel *rulebook.Selection, err error) error {
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sel)
		return nil
	}
}

func (s *Server) nominate(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "candidate", "nominators")
	if err != nil {
		return err
	}
	res, err := s.app.Nominate(r.Context(), r.PathValue("id"), app.NominationInput{Candidate: in.Candidate, Nominators: in.Nominators, Date: in.Date})
	if err != nil {
		return err
	}
	// A refusal is recorded, with its clause: the request was carried out.
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) withdrawCandidate(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "candidate", "reason")
	if err != nil {
		return err
	}
	return changed(w)(s.app.Withdraw(r.Context(), r.PathValue("id"), in.Candidate, in.Date, in.Reason))
}

func (s *Server) shortlist(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "candidates", "body", "reasons")
	if err != nil {
		return err
	}
	sel, err := s.app.Shortlist(r.Context(), r.PathValue("id"), in.Date, rulebook.Shortlist{Candidates: in.Candidates, Body: in.Body, Reasons: in.Reasons})
	return changed(w)(sel, err)
}

func (s *Server) selectionElectorate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return writeElectorate(w, r, map[string]any{"selection": id}, func() ([]eligibility.Entry, error) {
		return s.app.SelectionElectorate(r.Context(), id)
	})
}

// writeElectorate writes the electorate read returns, of a selection or of a
// college's section: as CSV with ?format=csv, else as JSON, the object about
// with its count and members.
func writeElectorate(w http.ResponseWriter, r *http.Request, about map[string]any, read func() ([]eligibility.Entry, error)) error {
	format := query(r).Get("format")
	if format != "" && format != "json" && format != "csv" {
		return rulebook.FieldError("format", "%q: json (the default) or csv", format)
	}
	list, err := read()
	if err != nil {
		return err
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		cw.Write([]string{"member", "name"})
		for _, x := range list {
			cw.Write([]string{x.Member, x.Name})
		}
		cw.Flush()
		return nil
	}
	about["count"], about["members"] = len(list), orEmpty(list)
	writeJSON(w, http.StatusOK, about)
	return nil
}

func (s *Server) freezeElectorate(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r)
	if err != nil {
		return err
	}
	return changed(w)(s.app.FreezeElectorate(r.Context(), r.PathValue("id"), in.Date))
}

func (s *Server) checkElectorate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.app.CheckElectorate(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	// A mismatch is the answer asked for, not a failure of the request.
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) ballotPaper(w http.ResponseWriter, r *http.Request) error {
	bp, err := s.app.BallotPaper(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, bp)
	return nil
}

func (s *Server) ballotPapers(w http.ResponseWriter, r *http.Request) error {
	bps, err := s.app.BallotPapers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ballots": bps})
	return nil
}

// castBallot casts a member's ballot: the member signed in, unless the body names
// one (the policy lets no one cast another's).
func (s *Server) castBallot(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "member", "ranking", "section")
	if err != nil {
		return err
	}
	if in.Member == "" {
		in.Member = app.PrincipalFrom(r.Context()).Member()
	}
	// Without a section, a college selection refuses the ballot naming the field.
	var res *app.BallotResult
	if in.Section != "" {
		res, err = s.app.CastCollegeBallot(r.Context(), r.PathValue("id"), in.Section, in.Member, in.Ranking, in.Date)
	} else {
		res, err = s.app.CastBallot(r.Context(), r.PathValue("id"), in.Member, in.Ranking, in.Date)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) enterPapers(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "ballots", "rejected", "section")
	if err != nil {
		return err
	}
	if in.Section != "" {
		return changed(w)(s.app.EnterCollegePapers(r.Context(), r.PathValue("id"), in.Section, in.Date, in.Ballots, in.Rejected))
	}
	return changed(w)(s.app.EnterPapers(r.Context(), r.PathValue("id"), in.Date, in.Ballots, in.Rejected))
}

func (s *Server) refuseVoter(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "member", "reason", "clause")
	if err != nil {
		return err
	}
	return changed(w)(s.app.RefuseVoter(r.Context(), r.PathValue("id"), in.Date, rulebook.VoterRefusal{Member: in.Member, Clause: in.Clause, Reason: in.Reason}))
}

// challenge records a member's challenge to a refusal or, with decide, a body's
// decision on it.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "member", "reason", "decide", "body", "reasons")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	switch in.Decide {
	case "":
		return changed(w)(s.app.ChallengeRefusal(r.Context(), id, in.Member, in.Date, in.Reason))
	case "upheld", "dismissed":
		return changed(w)(s.app.DecideChallenge(r.Context(), id, in.Member, in.Date, in.Body, in.Decide == "upheld", in.Reasons))
	}
	return rulebook.FieldError("decide", "%q: upheld or dismissed (or leave it out to record the challenge)", in.Decide)
}

// selectionRefusals reports the refusals found wrong (and pending) against the
// margin of each decisive round: the command line's selection refusals.
func (s *Server) selectionRefusals(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.app.SelectionRefusals(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) closeSelection(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r)
	if err != nil {
		return err
	}
	return changed(w)(s.app.CloseSelection(r.Context(), r.PathValue("id"), in.Date))
}

// countSelection counts the sealed ballots (sealing them first if the ballot is
// still open) and answers with the selection as its readers see it, the count
// round by round.
func (s *Server) countSelection(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "ballot", "ballot_closes")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if in.Ballot.IsZero() && in.BallotCloses.IsZero() {
		_, err = s.app.CountSelection(r.Context(), id, in.Date)
	} else {
		// The next ballot's days: only a college may need one (else refused).
		_, err = s.app.CountCollege(r.Context(), id, in.Date, rulebook.Timetable{Ballot: in.Ballot, BallotCloses: in.BallotCloses})
	}
	if err != nil {
		return err
	}
	v, err := s.app.Selection(r.Context(), id, in.Date)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// endorse records a body's endorsement of the winners; with refuse, its refusal
// to endorse them; with withdraw, the end of one candidate's endorsement.
func (s *Server) endorse(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "body", "reasons", "candidates", "until", "refuse", "withdraw", "candidate")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	en := rulebook.Endorsement{Candidates: in.Candidates, Body: in.Body, Reasons: in.Reasons, Until: in.Until}
	switch {
	case in.Refuse && in.Withdraw:
		return rulebook.FieldError("withdraw", "refuse and withdraw are two different decisions: give one")
	case in.Refuse:
		return changed(w)(s.app.RefuseEndorsement(r.Context(), id, in.Date, en))
	case in.Withdraw:
		return changed(w)(s.app.EndEndorsement(r.Context(), id, in.Candidate, in.Date, in.Body, in.Reasons, false))
	}
	return changed(w)(s.app.Endorse(r.Context(), id, in.Date, en))
}

func (s *Server) deselect(w http.ResponseWriter, r *http.Request) error {
	in, err := s.step(r, "candidate", "body", "reasons")
	if err != nil {
		return err
	}
	return changed(w)(s.app.EndEndorsement(r.Context(), r.PathValue("id"), in.Candidate, in.Date, in.Body, in.Reasons, true))
}

func (s *Server) officialCandidates(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on", rulebook.NoDate)
	if err != nil {
		return err
	}
	list, err := s.app.OfficialCandidates(r.Context(), on)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"candidates": list})
	return nil
}
