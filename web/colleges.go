package web

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count/college"
)

// Selections by electoral college on the selection page: each section (weight,
// who votes, the roll and the electorate frozen, what its ballot holds), the
// college's round tables as count/college writes them, the staff's forms to enter
// a roll and papers per section; and, once counted, the refusals report.

// collegeView is a college selection's sections and count, for its page.
type collegeView struct {
	Rounds   string
	Round    int
	Ballot   rulebook.Date
	Closes   rulebook.Date
	Standing []string
	Sections []sectionView
	// Report is count/college's WriteHTML: made by html/template, so escaped.
	Report template.HTML
}

// sectionView is a section as the page shows it.
type sectionView struct {
	rulebook.CollegeSectionSpec
	// OnRoll is the number on the roll entered (-1: none yet); Frozen the
	// electorate frozen (-1: not yet).
	OnRoll, Frozen          int
	Marked, Entered, Reject int64
}

func collegeOf(v *app.SelectionView) (*collegeView, error) {
	spec, run := v.CollegeSpec, v.College
	if spec == nil {
		return nil, nil
	}
	c := &collegeView{Rounds: spec.Rounds, Round: 1, Ballot: v.Ballot, Closes: v.BallotCloses}
	if run != nil {
		c.Round, c.Ballot, c.Closes, c.Standing = run.Round, run.Ballot, run.BallotCloses, run.Standing
	}
	for _, sec := range spec.Sections {
		sv := sectionView{CollegeSectionSpec: sec, OnRoll: -1, Frozen: -1}
		if run != nil {
			if n, ok := run.Rolls[sec.ID]; ok {
				sv.OnRoll = n
			}
			if f := run.FrozenSection(sec.ID); f != nil {
				sv.Frozen = f.Count
			}
			for _, t := range run.Tallies {
				if t.Section == sec.ID && t.Round == run.Round {
					sv.Marked, sv.Entered, sv.Reject = t.Marked, t.Entered, t.Rejected
				}
			}
		}
		c.Sections = append(c.Sections, sv)
	}
	if run != nil && run.Result != nil {
		var b bytes.Buffer
		name := func(id string) string { return rulebook.Person(v.Names[id], id) }
		if err := college.WriteHTML(&b, run.Result, name); err != nil {
			return nil, err
		}
		c.Report = template.HTML(b.String())
	}
	return c, nil
}

// refusalsOf is the refusals report of a counted selection, or nil before the
// count (the application refuses it then).
func (s *Server) refusalsOf(ctx context.Context, v *app.SelectionView) (*app.RefusalReport, error) {
	if v.Counted.IsZero() {
		return nil, nil
	}
	rep, err := s.app.SelectionRefusals(ctx, v.ID)
	if rulebook.ErrorCode(err) == rulebook.ENotPermitted {
		return nil, nil
	}
	return rep, err
}

// maxRollUpload bounds a roll uploaded as a file: a hundred thousand voters
// with long names.
const maxRollUpload = 16 << 20

// parseStepForm reads a step's form, a roll's file too when it comes as one.
func parseStepForm(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return r.ParseMultipartForm(maxRollUpload)
	}
	return r.ParseForm()
}

// rollFrom reads the roll a form gives: the file uploaded, else the text typed.
func rollFrom(r *http.Request) ([]app.RollVoter, error) {
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, err
			}
			defer f.Close()
			vs, err := app.ReadRoll(io.LimitReader(f, maxRollUpload), fhs[0].Filename)
			return vs, withField(err, "file")
		}
	}
	text := r.PostForm.Get("roll")
	if strings.TrimSpace(text) == "" {
		return nil, rulebook.FieldError("roll", "give the roll: a line per voter, ID,NAME, typed or as a file")
	}
	vs, err := app.ReadRoll(strings.NewReader(text), "the roll")
	return vs, withField(err, "roll")
}

// withField names the field a reading error is about.
func withField(err error, field string) error {
	if err == nil || rulebook.ErrorCode(err) != rulebook.EInternal {
		return err
	}
	return rulebook.FieldError(field, "%s", err.Error())
}
