package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/rulebook/rulebook/rules"
)

func init() {
	commands["rules"] = command{"rules check FILE...: validate rule books; rules show FILE: print a version", runRules}
}

func runRules(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rules", "rules check FILE... | rules show FILE [--version ID] [--json]")
	version := fs.String("version", "", "for show: the version id (default the latest)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 || (pos[0] != "check" && pos[0] != "show") {
		return errUsage{"usage: rulebook rules check FILE... | rulebook rules show FILE [--version ID]"}
	}
	if pos[0] == "show" {
		rb, _, err := readRules(pos[1])
		if err != nil {
			return err
		}
		return showRules(e, rb, *version, *asJSON)
	}
	type result struct {
		File     string          `json:"file"`
		OK       bool            `json:"ok"`
		Versions []string        `json:"versions,omitempty"`
		Problems []rules.Problem `json:"problems,omitempty"`
		Error    string          `json:"error,omitempty"`
	}
	var out []result
	bad := 0
	for _, f := range pos[1:] {
		rb, _, err := readRules(f)
		r := result{File: f, OK: err == nil}
		var ps rules.Problems
		switch {
		case err == nil:
			for _, v := range rb.Versions {
				r.Versions = append(r.Versions, fmt.Sprintf("%s (in force from %s)", v.ID, v.InForceFrom))
			}
		case errors.As(err, &ps):
			r.Problems = ps
		default:
			r.Error = err.Error()
		}
		if !r.OK {
			bad++
		}
		out = append(out, r)
		if !*asJSON {
			if r.OK {
				fmt.Fprintf(e.stdout, "%s: ok: %s, %s\n", f, rb.Organisation, plural(len(rb.Versions), "version", "versions"))
			} else {
				fmt.Fprintln(e.stderr, err)
			}
		}
	}
	if *asJSON {
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	}
	if bad > 0 {
		if bad == 1 {
			return fmt.Errorf("1 of %s has problems", plural(len(pos)-1, "rule book", "rule books"))
		}
		return fmt.Errorf("%d of %d rule books have problems", bad, len(pos)-1)
	}
	return nil
}

func showRules(e *env, rb *rules.RuleBook, id string, asJSON bool) error {
	v := rb.Versions[len(rb.Versions)-1]
	if id != "" {
		v = nil
		for _, x := range rb.Versions {
			if x.ID == id {
				v = x
			}
		}
		if v == nil {
			return fmt.Errorf("no version %q", id)
		}
	}
	if asJSON {
		return writeJSON(e.stdout, rules.Describe(rb, v))
	}
	fmt.Fprintf(e.stdout, "%s — version %s (%s), in force from %s", rb.Organisation, v.ID, v.Title, v.InForceFrom)
	if !v.Until.IsZero() {
		fmt.Fprintf(e.stdout, " until %s", v.Until)
	}
	fmt.Fprintf(e.stdout, "\n\nrights (status × action; clause):\n%-22s", "")
	for i := range v.Actions {
		fmt.Fprintf(e.stdout, " %-9s", fmt.Sprintf("A%d", i+1))
	}
	fmt.Fprintln(e.stdout)
	for si, s := range v.Statuses {
		fmt.Fprintf(e.stdout, "%-22s", s.ID)
		for ai := range v.Actions {
			c := v.Cell(si, ai)
			mark := "no "
			if c.Allowed {
				mark = "yes"
			}
			fmt.Fprintf(e.stdout, " %s %-5s", mark, c.Clause)
		}
		fmt.Fprintln(e.stdout)
	}
	for i, a := range v.Actions {
		fmt.Fprintf(e.stdout, "  A%d = %s (%s)", i+1, a.ID, a.Name)
		for _, c := range a.Conditions {
			fmt.Fprintf(e.stdout, "; needs %s continuous membership at the %s (%s)", c.ContinuousMembership, c.MeasuredAt, c.Clause)
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}
