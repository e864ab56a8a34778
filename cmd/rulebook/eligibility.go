package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/rules"
)

func init() {
	commands["eligibility"] = command{"may a member do an action on a date? with the deciding status and clause", runEligibility}
	commands["electorate"] = command{"everyone who may do an action on a date (e.g. vote in a selection)", runElectorate}
}

func runEligibility(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "eligibility", "eligibility MEMBER ACTION | --member ID --action ACTION [--date YYYY-MM-DD] [--freeze-date D] [--as-recorded T] [--json]")
	st := addStoreFlags(fs, e)
	member := fs.String("member", "", "member id")
	action := fs.String("action", "", "action id from the rule book (e.g. vote_in_selection)")
	date := fs.String("date", "", "the date asked about (YYYY-MM-DD; default today, as the API's date)")
	freeze := fs.String("freeze-date", "", "the contest's freeze date, for conditions measured at it")
	asRec := fs.String("as-recorded", "", "answer from what the register said at this instant (RFC 3339, or a date = end of that day)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	// "eligibility M0025 canvass" asks as the flags do: each argument gives
	// the first of the member and the action not given by a flag.
	for _, p := range pos {
		switch {
		case *member == "":
			*member = p
		case *action == "":
			*action = p
		default:
			return errUsage{fmt.Sprintf("eligibility: %q is one argument too many (usage: eligibility MEMBER ACTION, or --member ID --action ACTION)", p)}
		}
	}
	if *member == "" || *action == "" {
		return errUsage{"eligibility: a member and an action are required (eligibility MEMBER ACTION, or --member ID --action ACTION)"}
	}
	q, err := question(*action, *date, *freeze)
	if err != nil {
		return err
	}
	recorded, err := instantFlag("as-recorded", *asRec)
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	ans, err := a.Eligibility(ctx, *member, q, recorded)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, ans)
	}
	verdict := "NOT ALLOWED"
	if ans.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintf(e.stdout, "%s: %s (%s) — %s on %s\n", verdict, ans.Name, ans.Member, ans.ActionName, ans.Date)
	if !recorded.IsZero() {
		fmt.Fprintf(e.stdout, "  as recorded at: %s\n", recorded.UTC().Format(time.RFC3339))
	}
	if ans.StatusSince.IsZero() {
		fmt.Fprintf(e.stdout, "  status:    %s\n", ans.StatusName)
	} else {
		fmt.Fprintf(e.stdout, "  status:    %s (since %s)\n", ans.StatusName, ans.StatusSince)
	}
	fmt.Fprintf(e.stdout, "  rule book: version %s\n", ans.Version)
	fmt.Fprintf(e.stdout, "  because:   %s\n", ans.Reason)
	if ans.Clause != nil {
		fmt.Fprintf(e.stdout, "  clause %s", ans.Clause.ID)
		if ans.Clause.Title != "" {
			fmt.Fprintf(e.stdout, " (%s)", ans.Clause.Title)
		}
		fmt.Fprintf(e.stdout, ":\n    %s\n", wrap(ans.Clause.Text, 88, "    "))
	}
	return nil
}

// question reads the action, date and freeze date shared by eligibility and
// electorate. The date defaults to today, as the API's does.
func question(action, date, freeze string) (eligibility.Question, error) {
	d := today()
	if date != "" {
		var err error
		if d, err = dateFlag("date", date, true); err != nil {
			return eligibility.Question{}, err
		}
	}
	f, err := dateFlag("freeze-date", freeze, false)
	if err != nil {
		return eligibility.Question{}, err
	}
	return eligibility.Question{Action: action, Date: d, FreezeDate: f}, nil
}

func runElectorate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "electorate", "electorate --action ACTION [--date YYYY-MM-DD] [--freeze-date D] [--unit U] [--json|--csv]")
	st := addStoreFlags(fs, e)
	action := fs.String("action", "", "action id from the rule book (e.g. vote_in_selection)")
	date := fs.String("date", "", "the date of the contest (YYYY-MM-DD; default today, as the API's date)")
	freeze := fs.String("freeze-date", "", "the contest's freeze date")
	unit := fs.String("unit", "", "only members of this unit and the units within it")
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV (member,name,unit,status)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *action == "" {
		return errUsage{"electorate: --action is required"}
	}
	q, err := question(*action, *date, *freeze)
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	// JSON and CSV are written as the members are decided, through a buffer;
	// the table for people needs every row first, to line up its columns.
	switch {
	case *asJSON:
		_, _, err := a.WriteElectorate(ctx, e.stdout, app.ElectorateJSONIndented, q, *unit)
		return err
	case *asCSV:
		_, _, err := a.WriteElectorate(ctx, e.stdout, app.ElectorateCSV, q, *unit)
		return err
	}
	// The table comes after the count, and its columns are as wide as their
	// widest cell: the entries are kept (not the histories), then written
	// padded as text/tabwriter pads them, through a buffer.
	var list []eligibility.Entry
	widths := [4]int{len("MEMBER"), len("NAME"), len("UNIT"), len("STATUS")}
	el, err := a.EachElectorate(ctx, q, *unit, nil, func(x *eligibility.Entry) error {
		list = append(list, *x)
		for i, c := range [4]string{x.Member, x.Name, x.Unit, x.Status} {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
		return nil
	})
	if err != nil {
		return err
	}
	refused := el.Refused
	v, _ := a.Rules().VersionAt(q.Date)
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	fmt.Fprintf(out, "%s may %s on %s (rule book version %s", plural(len(list), "member", "members"), v.Action(q.Action).Name, q.Date, v.ID)
	if !q.FreezeDate.IsZero() {
		fmt.Fprintf(out, ", freeze date %s", q.FreezeDate)
	}
	fmt.Fprintln(out, "):")
	if len(list) > 0 {
		var line []byte
		pad := func(c string, w int) {
			line = append(line, c...)
			for n := utf8.RuneCountInString(c); n < w+2; n++ {
				line = append(line, ' ')
			}
		}
		row := func(a, b, c, d string) {
			line = append(line[:0], "  "...)
			pad(a, widths[0])
			pad(b, widths[1])
			pad(c, widths[2])
			line = append(append(line, d...), '\n')
			out.Write(line)
		}
		row("MEMBER", "NAME", "UNIT", "STATUS")
		for i := range list {
			x := &list[i]
			row(x.Member, x.Name, x.Unit, x.Status)
		}
	}
	if len(refused) > 0 {
		n := 0
		for _, k := range refused {
			n += k
		}
		fmt.Fprintf(out, "%s may not:\n", plural(n, "other member", "other members"))
		t := table(out)
		for _, k := range slices.Sorted(maps.Keys(refused)) {
			row(t, "  ", strconv.Itoa(refused[k]), refusedWhy(v, q, k))
		}
		t.Flush()
	}
	return out.Flush()
}

// refusedWhy says in words why the members an electorate counts under key (the
// status that decided, or what else did) may not take part.
func refusedWhy(v *rules.Version, q eligibility.Question, key string) string {
	switch key {
	case eligibility.ByCondition:
		var conds []string
		if a := v.Action(q.Action); a != nil {
			for _, c := range a.Conditions {
				if !c.ContinuousMembership.IsZero() {
					at := "the date"
					if c.MeasuredAt == "freeze_date" && !q.FreezeDate.IsZero() {
						at = "the freeze date"
					}
					conds = append(conds, fmt.Sprintf("%s of continuous membership at %s", c.ContinuousMembership, at))
				}
			}
		}
		if len(conds) == 0 {
			return "do not meet a condition the rule book sets for it"
		}
		return "do not meet its condition: " + strings.Join(conds, "; ")
	case eligibility.ByNotMember:
		return "were not on the register on the date"
	case eligibility.ByRestriction:
		return "are restricted from it"
	}
	if st := v.Status(key); st != nil && st.Name != "" && st.Name != key {
		return fmt.Sprintf("have the status %s (%s), which does not allow it", st.Name, key)
	}
	return fmt.Sprintf("have the status %s, which does not allow it", key)
}

// wrap folds text at width for the terminal.
func wrap(s string, width int, indent string) string {
	var out []byte
	line := 0
	for _, w := range splitWords(s) {
		if line > 0 && line+1+len(w) > width {
			out = append(out, '\n')
			out = append(out, indent...)
			line = 0
		} else if line > 0 {
			out = append(out, ' ')
			line++
		}
		out = append(out, w...)
		line += len(w)
	}
	return string(out)
}

func splitWords(s string) []string {
	var ws []string
	start := -1
	for i, r := range s {
		if r == ' ' || r == '\n' || r == '\t' {
			if start >= 0 {
				ws = append(ws, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		ws = append(ws, s[start:])
	}
	return ws
}
