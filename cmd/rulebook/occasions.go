package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

func init() {
	commands["occasions"] = command{"occasions add|list: the occasions sanctions are counted in (a team's matches), as they happen", runOccasions}
}

func runOccasions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "occasions", "occasions add --kind K --id ID --date D --units U1,U2 --outcome O [--name N] | occasions list [--unit U] [--kind K] [--from D] [--to D] [--json]")
	st := addStoreFlags(fs, e)
	var o rulebook.Occasion
	fs.StringVar(&o.Kind, "kind", "", "the kind of occasion the rule book declares (e.g. matches)")
	fs.StringVar(&o.ID, "id", "", "the occasion's id; recording an id again replaces the earlier record")
	fs.StringVar(&o.Outcome, "outcome", "", "one of the outcomes the rule book lists (e.g. played, postponed)")
	fs.StringVar(&o.Name, "name", "", "a description (e.g. the competition and round)")
	units := fs.String("units", "", "the units taking part, by id, separated by commas (for list: one unit)")
	unit := fs.String("unit", "", "list: only the occasions of this unit")
	date := fs.String("date", "", "the day of the occasion")
	from := fs.String("from", "", "list: from this day")
	to := fs.String("to", "", "list: to this day (inclusive)")
	actor := fs.String("actor", actorDefault(e), "who is recording, for the record")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "add" && pos[0] != "list") {
		return errUsage{"usage: rulebook occasions add --kind K --id ID --date D --units U1,U2 --outcome O | occasions list [--unit U]"}
	}
	a, ctx, done, err := st.app(ctx, *actor)
	if err != nil {
		return err
	}
	defer done()
	if pos[0] == "list" {
		f := sqldb.OccasionFilter{Unit: *unit, Kind: o.Kind}
		if f.From, err = dateFlag("from", *from, false); err != nil {
			return err
		}
		if f.To, err = dateFlag("to", *to, false); err != nil {
			return err
		}
		ps, err := a.Occasions(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, ps)
		}
		if len(ps) == 0 {
			fmt.Fprintln(e.stdout, "no occasions")
			return nil
		}
		t := table(e.stdout)
		row(t, "", "DATE", "OCCASION", "KIND", "OUTCOME", "UNITS", "COUNTS", "NAME")
		for _, p := range ps {
			counts := "no"
			if p.Counts {
				counts = "yes"
			}
			row(t, "", p.Date.String(), p.ID, p.Kind, p.Outcome, strings.Join(p.Units, " v "), counts, p.Name)
		}
		return t.Flush()
	}
	day, err := dateFlag("date", *date, true)
	if err != nil {
		return err
	}
	for _, u := range strings.Split(*units, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.Units = append(o.Units, u)
		}
	}
	ev, err := a.RecordOccasion(ctx, day, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"event": ev.ID, "occasion": ev.Payload})
	}
	rec := ev.Payload.(rulebook.Occasion)
	counts := "does not count toward sanctions"
	if rec.Counts {
		counts = "counts toward sanctions"
	}
	fmt.Fprintf(e.stdout, "recorded %s %s on %s: %s, %s (event %s)\n", o.Kind, o.ID, day, o.Outcome, counts, ev.ID)
	return nil
}
