package main

import (
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
	verb := "due"
	if run {
		verb = "erased"
	}
	for _, x := range out {
		// The clause, and the erasure's event once recorded.
		why := strings.TrimSpace(x.Clause + " " + x.Event)
		if x.Subject == rulebook.AccessLogErasure {
			fmt.Fprintf(e.stdout, "access log\t%s: who, about whom and the detail of %d entries (up to entry %d) %s (%s, due %s)\n", x.Basis, x.Entries, x.Through, verb, why, x.Due)
			continue
		}
		fmt.Fprintf(e.stdout, "%s\t%s: %d event(s)' personal data %s (%s, due %s)\n", x.Subject, x.Basis, x.Events, verb, why, x.Due)
	}
	if err != nil {
		return err
	}
	switch {
	case len(out) == 0:
		fmt.Fprintf(e.stdout, "nothing is due for erasure on %s\n", day)
	case !run:
		fmt.Fprintf(e.stdout, "%d record(s) due for erasure on %s: 'rulebook retention run' erases them\n", len(out), day)
	default:
		fmt.Fprintf(e.stdout, "%d record(s) erased; the record still verifies ('rulebook verify')\n", len(out))
	}
	return nil
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
	fmt.Fprintf(e.stdout, "%s: the personal data of %d event(s) erased (erasure %s); the record still verifies\n", x.Subject, x.Events, x.Event)
	return nil
}
