package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook/app"
)

// selectionRefusals prints the refusals report: the refusals found wrong and
// those pending, then each decisive round's margin and verdict.
func selectionRefusals(ctx context.Context, e *env, a *app.App, id string, asJSON bool) error {
	rep, err := a.SelectionRefusals(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, rep)
	}
	w := e.stdout
	fmt.Fprintf(w, "selection %s (%s), counted %s by %s: elected %s\n", rep.Selection, rep.Contest, rep.Counted, rep.Method, strings.Join(rep.Elected, ", "))
	fmt.Fprintf(w, "%s refused a ballot; %d found wrong on challenge, %d challenge%s pending\n", plural(rep.Refused, "voter", "voters"), len(rep.Wrong), len(rep.Pending), map[bool]string{true: "", false: "s"}[len(rep.Pending) == 1])
	list := func(title string, fs []app.RefusalFound, decided bool) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		t := table(w)
		head := []string{"MEMBER", "NAME", "REFUSED", "CLAUSE", "CHALLENGED"}
		if decided {
			head = append(head, "DECIDED BY", "ON", "VOTED")
		}
		row(t, "  ", head...)
		for _, f := range fs {
			cells := []string{f.Member, orDash(f.Name), f.Refused.String(), f.Clause, f.Challenged.String()}
			if decided {
				cells = append(cells, f.Body, f.Decided.String(), map[bool]string{true: "yes, after admission", false: "no"}[f.Voted])
			}
			row(t, "  ", cells...)
		}
		t.Flush()
	}
	list("Found wrong (challenge upheld)", rep.Wrong, true)
	list("Challenges pending", rep.Pending, false)
	fmt.Fprintf(w, "\nDecisive rounds (%d turned away; %d if the pending challenges were upheld):\n", rep.TurnedAway, rep.WithPending)
	t := table(w)
	row(t, "  ", "ROUND", "DECISION", "CANDIDATE", "AGAINST", "GAP", "NEEDED", "VERDICT")
	for _, r := range rep.Rounds {
		needed := "-"
		if r.Assessed && r.Needed > 0 {
			needed = fmt.Sprint(r.Needed)
		}
		row(t, "  ", fmt.Sprint(r.Round), r.Decision, orDash(r.Candidate), orDash(r.Against), orDash(r.Gap), needed, r.Verdict)
		for _, s := range r.Sections {
			n := "none could"
			if s.Needed > 0 {
				n = fmt.Sprint(s.Needed)
			}
			row(t, "  ", "", "", "", "in "+s.Section, "", n, "")
		}
	}
	t.Flush()
	fmt.Fprintf(w, "\n%s.\n\nThe rule: %s\n", rep.Summary, rep.Rule)
	return nil
}
