package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
)

func init() {
	commands["retention"] = command{"retention [run] [--on DATE]: what the rule book's retention schedule says is due for erasure (run: erase it, recording each erasure)", runRetention}
	commands["erase"] = command{"erase MEMBER --reason TEXT: erase a member's particulars on a valid erasure request, recording the erasure", runErase}
}

func runRetention(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "retention", "retention [run] [--on DATE] [--json] [--db DSN]")
	st := addStoreFlags(fs, e)
	on := fs.String("on", "", "the day to work out what is due (default: today)")
	asJSON := fs.Bool("json", false, "write JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	run := len(pos) == 1 && pos[0] == "run"
	if len(pos) > 1 || (len(pos) == 1 && !run) {
		return errUsage{"usage: rulebook retention [run] [--on DATE]"}
	}
	a, ctx, done, err := st.app(ctx, actorDefault(e))
	if err != nil {
		return err
	}
	defer done()
	day := rulebook.DateOf(a.Now())
	if *on != "" {
		if day, err = dateFlag("on", *on, true); err != nil {
			return err
		}
	}
	out, err := a.Retention(ctx, day, run)
	if *asJSON {
		if out == nil {
			out = []app.Erased{}
		}
		if werr := writeJSON(e.stdout, out); werr != nil {
			return werr
		}
		return err
	}
	if len(out) > 0 {
		t := table(e.stdout)
		head := []string{"RECORD", "ERASES", "UNDER", "DUE"}
		if run {
			head = append(head, "ERASURE EVENT")
		}
		row(t, "", head...)
		for _, x := range out {
			what := "the personal data of " + plural(x.Events, "event", "events")
			if x.Subject == rulebook.AccessLogErasure {
				what = fmt.Sprintf("who, about whom and the detail of %s (to entry %d)", plural(int(x.Entries), "entry", "entries"), x.Through)
			}
			cells := []string{retentionRecord(x.Subject), what, cmp.Or(x.Clause, "-"), x.Due.String()}
			if run {
				cells = append(cells, x.Event)
			}
			row(t, "", cells...)
		}
		t.Flush()
	}
	if err != nil {
		return err
	}
	switch {
	case len(out) == 0:
		fmt.Fprintf(e.stdout, "nothing is due for erasure on %s\n", day)
	case !run:
		fmt.Fprintf(e.stdout, "%s due for erasure on %s under the rule book's retention schedule: 'rulebook retention run' erases them\n", plural(len(out), "record is", "records are"), day)
	default:
		fmt.Fprintf(e.stdout, "%s erased, each erasure recorded; the record still verifies ('rulebook verify')\n", plural(len(out), "record", "records"))
	}
	return nil
}

// retentionRecord names a record the retention schedule erases, as a person
// reads it: "access log", "case D-2016-001", or the member's id.
func retentionRecord(subject string) string {
	if subject == rulebook.AccessLogErasure {
		return "access log"
	}
	if kind, id, ok := strings.Cut(subject, "/"); ok {
		return kind + " " + id
	}
	return "member " + subject
}

func runErase(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "erase", "erase MEMBER --reason TEXT [--db DSN]")
	st := addStoreFlags(fs, e)
	reason := fs.String("reason", "", "the request, and why it is valid")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(*reason) == "" {
		return errUsage{"usage: rulebook erase MEMBER --reason TEXT"}
	}
	a, ctx, done, err := st.app(ctx, actorDefault(e))
	if err != nil {
		return err
	}
	defer done()
	x, err := a.EraseOnRequest(ctx, pos[0], *reason)
	if err != nil {
		return err
	}
	if x.Events == 0 {
		fmt.Fprintf(e.stdout, "%s: no personal data held apart to erase\n", x.Subject)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: the personal data of %s erased (erasure %s); the record still verifies\n", x.Subject, plural(x.Events, "event", "events"), x.Event)
	return nil
}
