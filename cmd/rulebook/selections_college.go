package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count/college"
)

// Selections by electoral college and trigger ballots on the command line:
// `selection roll`, `selection ballot --section`, `selection trigger …`; show and
// count print a college's tables per section.

const rollUsage = `selection roll ID --section S --file F [--date D]   (the roll of a section whose voters the staff list: lines "ID,NAME"; - for standard input)`

const triggerUsage = `selection trigger open --id T --procedure P --contest C [--unit U] --holder M --closes D [--date D]
       selection trigger vote T --unit U --decision open|reselect [--date D]
       selection trigger close T [--date D] [--selection S --freeze-date D --nominations-close D --ballot D [--ballot-closes D]]
       selection trigger show T
  (every subcommand takes --json, --db and --rules)`

// firstPositional returns the index of the first argument that is not a flag or
// a flag's value (bools name the flags that take none), or -1.
func firstPositional(args []string, bools ...string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return i + 1
			}
			return -1
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return i
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") || slices.Contains(bools, name) {
			continue
		}
		i++ // the flag's value
	}
	return -1
}

func runSelectionRoll(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "selection roll", rollUsage)
	st := addStoreFlags(fs, e)
	sec := fs.String("section", "", "the section whose roll it is")
	file := fs.String("file", "", `the roll: a line per voter, "ID,NAME" (a header "id,name" and # comments allowed; - for standard input)`)
	sf := addStepFlags(fs, "the day the roll is entered (default today)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *sec == "" || *file == "" {
		return errUsage{"usage: rulebook " + rollUsage}
	}
	day, err := sf.day()
	if err != nil {
		return err
	}
	var r io.Reader = e.stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	voters, err := readRoll(r, *file)
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, sf.actor)
	if err != nil {
		return err
	}
	defer done()
	s, err := a.EnterRoll(ctx, pos[0], *sec, voters, day)
	if err != nil {
		return err
	}
	if sf.json {
		return writeJSON(e.stdout, s)
	}
	fmt.Fprintf(e.stdout, "selection %s: the roll of section %s entered: %s\n", s.ID, *sec, plural(s.College.Rolls[*sec], "voter", "voters"))
	return nil
}

// readRoll reads a section's roll as the pages do (app.ReadRoll).
func readRoll(r io.Reader, name string) ([]app.RollVoter, error) { return app.ReadRoll(r, name) }

// collegeBallot casts a ballot, or enters papers, in a section.
func collegeBallot(e *env, ctx context.Context, a *app.App, id, sec, member, ranking, papers string, rejected int64, day rulebook.Date, asJSON bool) error {
	if papers != "" {
		bs, err := readPapers(e, papers)
		if err != nil {
			return err
		}
		s, err := a.EnterCollegePapers(ctx, id, sec, day, bs, rejected)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(e.stdout, s)
		}
		t := s.College.Tallies
		for _, x := range t {
			if x.Section == sec && x.Round == s.College.Round {
				fmt.Fprintf(e.stdout, "selection %s, section %s, ballot %d: papers entered; %d cast through rulebook, %d entered by the tellers, %d rejected\n", id, sec, x.Round, x.Marked, x.Entered, x.Rejected)
			}
		}
		return nil
	}
	if member == "" || ranking == "" {
		return errUsage{"usage: rulebook selection ballot ID --section S --member M --ranking M1,M2,... | --section S --papers FILE"}
	}
	r, err := a.CastCollegeBallot(ctx, id, sec, member, splitList(ranking), day)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	if x := r.Refused; x != nil {
		return rulebook.Errorf(rulebook.ENotPermitted, "%s refused a ballot in section %s, recorded (event %s): %s (clause %s)", x.Member, sec, r.Event, x.Reason, x.Clause)
	}
	fmt.Fprintf(e.stdout, "selection %s: %s marked as having voted in section %s (event %s); the ballot is stored apart, with no link to the voter\n", id, member, sec, r.Event)
	return nil
}

// countSelection counts a selection; a college's next ballot, if it needs one,
// runs on the days given (ballot, closes).
func countSelection(ctx context.Context, a *app.App, v *app.SelectionView, day rulebook.Date, ballot, closes string) error {
	if v.CollegeSpec == nil {
		_, err := a.CountSelection(ctx, v.ID, day)
		return err
	}
	var next rulebook.Timetable
	var err error
	if next.Ballot, err = dateFlag("ballot", ballot, false); err != nil {
		return err
	}
	if next.BallotCloses, err = dateFlag("ballot-closes", closes, false); err != nil {
		return err
	}
	_, err = a.CountCollege(ctx, v.ID, day, next)
	return err
}

// printCollege prints a college's sections, rolls and electorates, and its count.
func printCollege(w io.Writer, v *app.SelectionView) {
	spec, run := v.CollegeSpec, v.College
	if spec == nil {
		return
	}
	fmt.Fprintf(w, "electoral college (%s):\n", spec.Rounds)
	for _, sec := range spec.Sections {
		who := "members who may " + sec.Vote
		if sec.Roll {
			who = "a roll"
		}
		line := fmt.Sprintf("  %s (%s): weight %s, voters %s", sec.Name, sec.ID, sec.Weight, who)
		if run != nil {
			if n, ok := run.Rolls[sec.ID]; ok {
				line += fmt.Sprintf("; %d on the roll", n)
			}
			if f := run.FrozenSection(sec.ID); f != nil {
				line += fmt.Sprintf("; %d frozen, sha256 %s", f.Count, f.Digest)
			}
			for _, t := range run.Tallies {
				if t.Section == sec.ID {
					line += fmt.Sprintf("; ballot %d: %d through rulebook, %d papers entered, %d rejected", t.Round, t.Marked, t.Entered, t.Rejected)
				}
			}
		}
		fmt.Fprintln(w, line)
	}
	if run != nil && run.Round > 1 && v.State == rulebook.SelectionBallot {
		fmt.Fprintf(w, "  ballot %d runs %s to %s, between %s\n", run.Round, run.Ballot, run.BallotCloses, strings.Join(run.Standing, ", "))
	}
}

// printCollegeCount prints a college's count, per section, and says plainly
// when a section's winner lost the college. It reports false if there is none.
func printCollegeCount(w io.Writer, v *app.SelectionView) bool {
	if v.College == nil || v.College.Result == nil {
		return false
	}
	if v.Counted.IsZero() {
		fmt.Fprintln(w, "count so far:")
	} else {
		fmt.Fprintf(w, "count on %s:\n", v.Counted)
	}
	college.WriteText(w, v.College.Result, func(c string) string { return named(v, c) })
	return true
}

func runTrigger(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "selection trigger", triggerUsage)
	st := addStoreFlags(fs, e)
	var in app.TriggerInput
	fs.StringVar(&in.ID, "id", "", "open: the trigger ballot's id")
	fs.StringVar(&in.Procedure, "procedure", "", "open: the selection procedure whose trigger ballot it is")
	fs.StringVar(&in.Contest, "contest", "", "open: the office the holder holds")
	fs.StringVar(&in.Unit, "unit", "", "open: the area whose units vote; vote: the unit deciding")
	fs.StringVar(&in.Holder, "holder", "", "open: the sitting holder, by member id")
	closes := fs.String("closes", "", "open: the last day units may decide")
	decision := fs.String("decision", "", "vote: open (the unit asks for an open selection) or reselect")
	selection := fs.String("selection", "", "close: the id of the selection to open if the units ask for one")
	tt := addTimetableFlags(fs, "close: the open selection's timetable: ")
	sf := addStepFlags(fs, "the day of the step (default today)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || (pos[0] == "open") != (len(pos) == 1) {
		return errUsage{"usage: rulebook " + triggerUsage}
	}
	day, err := sf.day()
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, sf.actor)
	if err != nil {
		return err
	}
	defer done()
	show := func(t *rulebook.Trigger) error {
		if sf.json {
			return writeJSON(e.stdout, t)
		}
		printTrigger(e.stdout, t)
		return nil
	}
	switch pos[0] {
	case "open":
		in.Date = day
		if in.Closes, err = dateFlag("closes", *closes, true); err != nil {
			return err
		}
		t, err := a.OpenTrigger(ctx, in)
		if err != nil {
			return err
		}
		return show(t)
	case "vote":
		if *decision != "open" && *decision != "reselect" {
			return errUsage{"--decision is open or reselect"}
		}
		t, err := a.DecideTrigger(ctx, pos[1], in.Unit, *decision == "open", day)
		if err != nil {
			return err
		}
		return show(t)
	case "close":
		var open *app.OpenSelectionInput
		if *selection != "" {
			open = &app.OpenSelectionInput{ID: *selection}
			if err := tt.fill(open); err != nil {
				return err
			}
		}
		r, err := a.CloseTrigger(ctx, pos[1], day, open)
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, r)
		}
		return show(r.Trigger)
	case "show":
		t, err := a.Trigger(ctx, pos[1])
		if err != nil {
			return err
		}
		return show(t)
	}
	return errUsage{fmt.Sprintf("unknown subcommand %q\nusage: rulebook %s", pos[0], triggerUsage)}
}

func printTrigger(w io.Writer, t *rulebook.Trigger) {
	fmt.Fprintf(w, "trigger ballot %s: %s holds %s; procedure %s; %s units of kind %s within %s (rule book %s, clause %s)\n",
		t.ID, t.Holder, t.Contest, t.Procedure, t.Share, t.UnitKind, orDash(t.Unit), t.Version, t.Clause)
	fmt.Fprintf(w, "  opened %s, units decide until %s\n", t.Opened, t.Closes)
	for _, u := range t.Units {
		if d := t.Decision(u); d != nil {
			what := "reselect the holder"
			if d.Open {
				what = "an open selection"
			}
			fmt.Fprintf(w, "  %-24s %s asked for %s (event %s)\n", u, d.Date, what, d.Event)
		} else {
			fmt.Fprintf(w, "  %-24s (no decision)\n", u)
		}
	}
	if c := t.Closed; c != nil {
		fmt.Fprintf(w, "closed %s: %d of %d units asked for an open selection (%s needed): ", t.ClosedOn, c.Asked, c.Units, c.Share)
		switch {
		case c.Outcome == rulebook.TriggerOpenSelection:
			fmt.Fprintf(w, "selection %s opened\n", c.Selection)
		case c.Kept:
			fmt.Fprintf(w, "%s reselected; stays on %s (entry %s)\n", c.Holder, c.List, c.Entry)
		case c.Entry != "":
			fmt.Fprintf(w, "%s reselected; entered on %s (entry %s)\n", c.Holder, c.List, c.Entry)
		default:
			fmt.Fprintf(w, "%s reselected\n", c.Holder)
		}
	}
}

// printFrozenCollege prints the electorates a college's freeze made, a section
// at a time.
func printFrozenCollege(e *env, s *rulebook.Selection, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, s.College.Frozen)
	}
	for _, f := range s.College.Frozen {
		who := "on the roll"
		if f.Action != "" {
			who = fmt.Sprintf("may %s on %s, conditions measured at %s", f.Action, f.Date, f.FreezeDate)
		}
		fmt.Fprintf(e.stdout, "selection %s, section %s: electorate frozen: %s %s (rule book version %s); sha256 %s\n",
			s.ID, f.Section, plural(f.Count, "voter", "voters"), who, f.Version, f.Digest)
	}
	return nil
}
