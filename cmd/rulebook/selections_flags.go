package main

import (
	"flag"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

// stepFlags are the flags every step of a selection, electoral college,
// trigger ballot or public election takes alike.
type stepFlags struct {
	date, actor string
	json        bool
}

func addStepFlags(fs *flag.FlagSet, dateUsage string) *stepFlags {
	f := &stepFlags{}
	fs.StringVar(&f.date, "date", "", dateUsage)
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.StringVar(&f.actor, "actor", "", "who is acting, for the record (default $USER)")
	return f
}

// day is the day of the step: --date, or today.
func (f *stepFlags) day() (rulebook.Date, error) {
	if f.date == "" {
		return today(), nil
	}
	return dateFlag("date", f.date, true)
}

// timetableFlags are a selection's timetable, given when it is opened (by
// selection open, or by a trigger ballot that asks for an open selection).
type timetableFlags struct {
	freeze, nominationsClose, ballot, ballotCloses string
}

func addTimetableFlags(fs *flag.FlagSet, prefix string) *timetableFlags {
	f := &timetableFlags{}
	fs.StringVar(&f.freeze, "freeze-date", "", prefix+"the day qualifying conditions are measured at")
	fs.StringVar(&f.nominationsClose, "nominations-close", "", prefix+"the last day of nominations")
	fs.StringVar(&f.ballot, "ballot", "", prefix+"the day the ballot opens (or the meeting)")
	fs.StringVar(&f.ballotCloses, "ballot-closes", "", prefix+"the day the ballot closes (default the day it opens)")
	return f
}

// fill sets in's timetable; every day but the ballot's close is required.
func (f *timetableFlags) fill(in *app.OpenSelectionInput) error {
	for _, d := range []struct {
		name, v string
		to      *rulebook.Date
	}{{"freeze-date", f.freeze, &in.FreezeDate}, {"nominations-close", f.nominationsClose, &in.NominationsClose}, {"ballot", f.ballot, &in.Ballot}, {"ballot-closes", f.ballotCloses, &in.BallotCloses}} {
		var err error
		if *d.to, err = dateFlag(d.name, d.v, d.name != "ballot-closes"); err != nil {
			return err
		}
	}
	return nil
}
