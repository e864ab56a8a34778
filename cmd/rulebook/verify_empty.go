package main

import (
	"context"
	"fmt"
	"os"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/checkpoint"
	"github.com/rulebook/rulebook/sqldb"
)

// verifyEmpty verifies a record that holds no events, if the database's is one
// (empty reports whether it is; if not, nothing is done). Such a record has no
// rule book to open the application with, and proves nothing about what was cut
// from it: a record emptied by someone with access to the database looks just
// the same. So it says so plainly; a checkpoint of a record that held events, or
// an expected head, fails; and the append-only guards and the stored rule books
// are checked as for any record (a rule book stored but adopted by no event is a
// fault). With --projection, every row of a projection is a difference, since no
// event made it.
func verifyEmpty(ctx context.Context, e *env, st *store, cpFile, verifier, expect string, proj, asJSON bool) (empty bool, err error) {
	db, err := st.open(ctx)
	if err != nil {
		return false, err
	}
	defer db.Close()
	// Whether there is one, not how many: counting a million took 130 ms.
	var held bool
	if err := db.Raw().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events)`).Scan(&held); err != nil || held {
		return false, err
	}
	if cpFile != "" {
		if verifier == "" {
			return true, errUsage{"--checkpoint needs --verifier KEY: the key that checks its signature"}
		}
		msg, err := os.ReadFile(cpFile)
		if err != nil {
			return true, err
		}
		vkey, err := readKey(verifier)
		if err != nil {
			return true, err
		}
		c, err := checkpoint.Open(msg, vkey)
		if err != nil {
			return true, rulebook.Errorf(rulebook.ETampered, "%v", err)
		}
		t, err := checkpoint.Build(nil)
		if err != nil {
			return true, err
		}
		// The access log may hold entries though the record holds no events.
		ah, err := db.AccessHashes(ctx)
		if err != nil {
			return true, err
		}
		at, err := checkpoint.Build(ah)
		if err != nil {
			return true, err
		}
		if err := checkpoint.Check(t, at, c); err != nil {
			return true, rulebook.Errorf(rulebook.ETampered, "%v", err)
		}
		// A checkpoint of an empty record proves only that it was empty then.
	}
	res, err := db.Verify(ctx, nil)
	if err != nil {
		return true, err
	}
	app.NoteEmpty(res)
	diffs := []string{}
	if proj {
		if diffs, err = emptyProjection(ctx, db); err != nil {
			return true, err
		}
	}
	ok := res.OK && len(diffs) == 0 && expect == ""
	if asJSON {
		out := map[string]any{"ok": ok, "events": res.Events, "head": res.Head, "unproven": res.Unproven}
		if res.Problem != nil {
			out["problem"] = res.Problem
		}
		if len(res.Faults) > 0 {
			out["faults"] = res.Faults
		}
		if proj {
			out["projection_differences"] = diffs
		}
		if expect != "" {
			out["expected_head_found"] = false
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return true, err
		}
	} else if res.OK {
		fmt.Fprintf(e.stdout, "ok: the record holds no events\nnote: %s (--checkpoint FILE, or --expect-head HASH)\n", res.Unproven)
	}
	for _, f := range res.Faults {
		fmt.Fprintln(e.stderr, "  "+f)
	}
	switch {
	case res.Problem != nil:
		return true, rulebook.Errorf(rulebook.ETampered, "the record fails verification: %s", res.Problem.Message)
	case len(res.Faults) > 0:
		return true, rulebook.Errorf(rulebook.ETampered, "the record holds no events, and verifying it found the faults above")
	case expect != "":
		return true, rulebook.Errorf(rulebook.ETampered, "the head %s you expected is not in the record, which holds no events: events were removed", expect)
	case len(diffs) > 0:
		for _, d := range diffs {
			fmt.Fprintln(e.stderr, "  "+d)
		}
		return true, fmt.Errorf("the stored projection holds rows no event made (run 'rulebook rebuild' to restore it)")
	case proj && !asJSON:
		fmt.Fprintln(e.stdout, "ok: the stored projection is empty, as the record is")
	}
	return true, nil
}

// emptyProjection lists the projection's tables that hold rows although the
// record holds no events.
func emptyProjection(ctx context.Context, db *sqldb.DB) ([]string, error) {
	diffs := []string{}
	tables := append(append(append([]string{}, sqldb.RegisterTables...), sqldb.CaseTables...), "list_entries", "accounts")
	for _, t := range tables {
		var n int64
		if err := db.Raw().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		if n > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows stored, and no event in the record", t, n))
		}
	}
	return diffs, nil
}
