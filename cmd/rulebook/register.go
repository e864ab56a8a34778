package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"golang.org/x/term"
)

func init() {
	commands["import"] = command{"import members FILE.csv: add members from CSV, all or nothing", runImport}
	commands["export"] = command{"export members: write the register as CSV", runExport}
	commands["member"] = command{"member show ID: a member's particulars and status history", runMember}
	commands["events"] = command{"list events in the record", runEvents}
	commands["verify"] = command{"walk the hash chains of the record and the access log and report the first tampered, missing or reordered event or entry; with --checkpoint/--verifier, check signed checkpoints", runVerify}
	commands["rebuild"] = command{"rebuild the register and the cases from the events", runRebuild}
	commands["demo"] = command{"load the fictional demo organisation into an empty database", runDemo}
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "import members FILE.csv [--check] [--db DSN] [--rules FILE] [--actor NAME] [--json]")
	st := addStoreFlags(fs, e)
	actor := fs.String("actor", actorDefault(e), "who is importing, for the record")
	check := fs.Bool("check", false, "check the file against the register and the rule book, store nothing")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "members" {
		return errUsage{"usage: rulebook import members FILE.csv (use - for standard input)"}
	}
	name := pos[1]
	// A file is handed over as it is: the application reads it where it lies
	// (standard input it copies to a file of its own first), and the bar
	// follows its offset. Standard input's bytes are counted as they pass.
	cr := &countingReader{r: e.stdin}
	var r io.Reader = bufio.NewReaderSize(cr, 1<<20)
	read := cr.n.Load
	var size int64
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		r, read = f, func() int64 {
			off, _ := f.Seek(0, io.SeekCurrent)
			return off
		}
	}
	// An import may start a new register. A check stores nothing, not even a new
	// database: on a path with none it checks the file against an empty register,
	// in a scratch database removed afterwards.
	st.create = !*check
	if *check && missingSQLite(st.db) {
		if st.rules == "" {
			return fmt.Errorf("no database at %s: to check a file for a new register, give its rule book with --rules RULES.yaml", st.db)
		}
		dir, err := os.MkdirTemp("", "rulebook-check-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		st.db, st.create = filepath.Join(dir, "check.db"), true
	}
	a, ctx, done, err := st.app(ctx, *actor)
	if err != nil {
		return err
	}
	defer done()
	bar := newProgress(e, "importing", size, read)
	if *check {
		bar.label = "checking"
	}
	res, err := a.Import(ctx, r, name, *check, bar.rows)
	bar.done()
	if err != nil {
		var errs *memberscsv.Errors
		if errors.As(err, &errs) && *asJSON {
			writeJSON(e.stdout, map[string]any{"ok": false, "file": errs.File, "errors": errs.List, "more": errs.More})
		}
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"ok": true, "stored": !*check, "members": res.Members, "units": res.Units, "new_units": res.NewUnits})
	}
	if *check {
		fmt.Fprintf(e.stdout, "%s is good: %s and %s would be imported (nothing stored)\n", name, plural(res.Members, "member", "members"), plural(res.Units, "new unit", "new units"))
	} else {
		fmt.Fprintf(e.stdout, "imported %s and %s from %s in %s\n", plural(res.Members, "member", "members"), plural(res.Units, "new unit", "new units"), name, bar.elapsed())
	}
	printNewUnits(e, a.Rules(), res.NewUnits, *check)
	return nil
}

// printNewUnits lists the units an import creates (or would), so that one made
// by a typo in a unit column is seen, and warns of those whose ids are nearly
// those of other units of their kind.
func printNewUnits(e *env, rb *rules.RuleBook, units []register.NewUnit, check bool) {
	if len(units) == 0 {
		return
	}
	const most = 50
	verb := "created"
	if check {
		verb = "that would be created"
	}
	fmt.Fprintf(e.stdout, "units %s:\n", verb)
	// Those like another first, so that a typo is not lost beyond the first
	// rows of a long list.
	var like, others []register.NewUnit
	for _, u := range units {
		if u.Like != "" {
			like = append(like, u)
		} else {
			others = append(others, u)
		}
	}
	units = append(slices.Clip(like), others...)
	t := table(e.stdout)
	if len(like) > 0 {
		row(t, "  ", "UNIT", "KIND", "WITHIN", "FIRST ROW", "NOTE")
	} else {
		row(t, "  ", "UNIT", "KIND", "WITHIN", "FIRST ROW")
	}
	for i, u := range units {
		if i >= most {
			continue
		}
		kind := u.Kind
		if k := rb.UnitKind(u.Kind); k != nil {
			kind = k.Name
		}
		cells := []string{u.ID, kind, u.Parent, strconv.Itoa(u.Row)}
		if u.Like != "" {
			cells = append(cells, "like "+u.Like+"?")
		}
		row(t, "  ", cells...)
	}
	t.Flush()
	if len(units) > most {
		fmt.Fprintf(e.stdout, "  … and %d more (--json lists them all)\n", len(units)-most)
	}
	const mostWarnings = 10
	for i, u := range like {
		if i == mostWarnings {
			fmt.Fprintf(e.stderr, "WARNING: … and %d more new units nearly the same as another (marked \"like\" above; --json lists them all)\n", len(like)-i)
			break
		}
		fmt.Fprintf(e.stderr, "WARNING: row %d: unit %s is new, but %s of the same kind is nearly the same: a typo in the file?\n", u.Row, u.ID, u.Like)
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress draws a one-line progress bar on a terminal, and nothing otherwise.
type progress struct {
	e     *env
	label string
	total int64
	// read is how far into the total the work has got (bytes of a file).
	read   func() int64
	start  time.Time
	tty    bool
	last   time.Time
	nrows  int
	drawn  bool
	stderr *os.File
}

func newProgress(e *env, label string, total int64, read func() int64) *progress {
	p := &progress{e: e, label: label, total: total, read: read, start: time.Now()}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty, p.stderr = true, f
	}
	return p
}

func (p *progress) rows(n int) {
	if n < 0 || !p.tty {
		return
	}
	if n < p.nrows {
		// A failed import reads its file again, storing nothing, to list every
		// problem with its row: say so, rather than seem to start over.
		p.label, p.start = "listing the problems", time.Now()
	}
	p.nrows = n
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progress) draw() {
	rate := float64(p.nrows) / time.Since(p.start).Seconds()
	if p.total > 0 {
		frac := float64(p.read()) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		const width = 30
		full := int(frac * width)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < full {
				bar[i] = '#'
			}
		}
		fmt.Fprintf(p.stderr, "\r%s [%s] %3.0f%%  %d rows  %.0f rows/s ", p.label, bar, frac*100, p.nrows, rate)
	} else {
		fmt.Fprintf(p.stderr, "\r%s %d rows  %.0f rows/s ", p.label, p.nrows, rate)
	}
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.stderr, "\r\033[K")
	}
}

func (p *progress) elapsed() time.Duration { return time.Since(p.start).Round(time.Millisecond) }

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "export members [--date YYYY-MM-DD] [--out FILE.csv]")
	st := addStoreFlags(fs, e)
	date := fs.String("date", "", "give each member's status on this date (default today)")
	out := fs.String("out", "", "write to this file instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "members" {
		return errUsage{"usage: rulebook export members [--date D] [--out FILE]"}
	}
	on := rulebook.DateOf(time.Now())
	if *date != "" {
		if on, err = dateFlag("date", *date, true); err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	n, err := a.Export(ctx, bw, on)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "exported %s to %s\n", plural(n, "member", "members"), *out)
	}
	return nil
}

func runMember(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "member", "member show ID [--as-recorded T] [--json]")
	st := addStoreFlags(fs, e)
	asRec := fs.String("as-recorded", "", "show what the register said at this instant (RFC 3339, or a date)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "show" {
		return errUsage{"usage: rulebook member show ID"}
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
	h, err := a.Member(ctx, pos[1], recorded)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, h)
	}
	m := h.Member
	fmt.Fprintf(e.stdout, "%s  %s\n", m.ID, m.Name)
	t := table(e.stdout)
	for _, u := range h.Units {
		kind := u.Kind
		if k := a.Rules().UnitKind(u.Kind); k != nil {
			kind = k.Name
		}
		unit := u.ID
		if u.Name != "" && u.Name != u.ID {
			unit = u.Name + " (" + u.ID + ")"
		}
		row(t, "  ", kind+":", unit)
	}
	row(t, "  ", "joined:", m.Joined.String())
	for _, f := range [][2]string{{"e-mail:", m.Email}, {"telephone:", m.Phone}, {"address:", m.Address}} {
		if f[1] != "" {
			row(t, "  ", f[0], f[1])
		}
	}
	t.Flush()
	fmt.Fprintln(e.stdout, "status history:")
	t = table(e.stdout)
	row(t, "  ", "FROM", "STATUS", "BY", "UNDER", "EVENT", "REASON")
	for _, p := range h.StatusHistory {
		row(t, "  ", p.From.String(), p.Status, p.Body, p.Clause, p.EventID, p.Reason)
	}
	t.Flush()
	for _, r := range h.Restrictions {
		var kept, lost []string
		for _, id := range slices.Sorted(maps.Keys(r.Rights)) {
			name := id
			if v, err := a.Rules().VersionAt(r.From); err == nil && v.Action(id) != nil {
				name = v.Action(id).Name
			}
			if r.Rights[id] {
				kept = append(kept, name)
			} else {
				lost = append(lost, name)
			}
		}
		fmt.Fprintf(e.stdout, "restriction from %s until %s [%s]\n", r.From, orOpen(r.Until), r.EventID)
		if len(lost) > 0 {
			fmt.Fprintf(e.stdout, "  may not: %s\n", strings.Join(lost, "; "))
		}
		if len(kept) > 0 {
			fmt.Fprintf(e.stdout, "  may still: %s\n", strings.Join(kept, "; "))
		}
		if r.Reason != "" {
			fmt.Fprintf(e.stdout, "  because: %s\n", r.Reason)
		}
	}
	return nil
}

func orOpen(d rulebook.Date) string {
	if d.IsZero() {
		return "further notice"
	}
	return d.String()
}

func runEvents(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "events", "events [--subject S] [--type T] [--after SEQ] [--limit N] [--json]")
	st := addStoreFlags(fs, e)
	subject := fs.String("subject", "", "only events about this subject (a member id, unit/ID, complaint/ID)")
	typ := fs.String("type", "", "only events of this type")
	after := fs.Int64("after", 0, "only events after this seq")
	limit := fs.Int("limit", 0, "at most this many")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	evs, err := a.Events(ctx, sqldb.EventFilter{Subject: *subject, Type: *typ, AfterSeq: *after, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, evs)
	}
	for _, ev := range evs {
		fmt.Fprintf(e.stdout, "%6d %s %-24s %-22s effective %s recorded %s by %s\n       %s\n", ev.Seq, ev.ID, ev.Type, ev.Subject,
			ev.Effective, ev.Recorded.Format("2006-01-02 15:04"), ev.Actor, ev.Data)
	}
	return nil
}

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "verify [--checkpoint FILE] [--verifier KEY] [--expect-head HASH] [--projection] [--json]")
	st := addStoreFlags(fs, e)
	expect := fs.String("expect-head", "", "the head hash you noted at an earlier verify: catches events removed from the end")
	proj := fs.Bool("projection", false, "also rebuild the register, the cases (and every table derived from them), the dated lists and the accounts from the events, and compare them with the stored ones, table by table and column by column (nothing is changed)")
	asJSON := fs.Bool("json", false, "print JSON")
	cpFile := fs.String("checkpoint", "", "a signed checkpoint kept outside the database: proves the record and the access log extend it (nothing cut, rewritten or chained again)")
	verifier := fs.String("verifier", e.getenv("RULEBOOK_CHECKPOINT_VERIFIER"), "the checkpoints' verifier key, or its file: also checks the checkpoints kept in the database, and names the first event (and access-log entry) after the last that still holds")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if st.rules == "" {
		// A record that holds no events has no rule book to open the application
		// with; it is verified all the same, and says what it cannot prove.
		if empty, err := verifyEmpty(ctx, e, st, *cpFile, *verifier, *expect, *proj, *asJSON); empty || err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	// Proven by a checkpoint: nothing cut from the end, nothing chained again.
	proven, cpSize, cpOrigin, cpAccess := false, int64(0), "", int64(-1)
	if *cpFile != "" && *verifier == "" {
		return errUsage{"--checkpoint needs --verifier KEY: the key that checks its signature"}
	}
	var vkey string
	if *verifier != "" {
		if vkey, err = readKey(*verifier); err != nil {
			return err
		}
	}
	if *cpFile != "" {
		msg, err := os.ReadFile(*cpFile)
		if err != nil {
			return err
		}
		c, err := a.VerifyCheckpoint(ctx, msg, vkey)
		if err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(e.stdout, "ok: the record extends the checkpoint of %d events signed by %s", c.Size, c.Origin)
			if c.Access != nil {
				fmt.Fprintf(e.stdout, ", and the access log its %d entries", c.Access.Size)
			}
			fmt.Fprintln(e.stdout)
		}
		proven, cpSize, cpOrigin = true, c.Size, c.Origin
		if c.Access != nil {
			cpAccess = c.Access.Size
		}
	}
	// The checkpoints kept in the database, signed by the same key: where the last
	// that holds ends, damage begins.
	var stored *app.StoredCheck
	if vkey != "" {
		if stored, err = a.CheckStoredCheckpoints(ctx, vkey); err != nil {
			return err
		}
		switch {
		case *asJSON || len(stored.Faults) > 0:
		case stored.Opened > 0:
			fmt.Fprintf(e.stdout, "ok: the checkpoints kept in the database hold (%d kept; the newest covers %d events and %d access-log entries)\n",
				stored.Stored, stored.Events, stored.Entries)
		default:
			fmt.Fprintf(e.stdout, "note: none of the %d checkpoints kept in the database is signed by that key\n", stored.Stored)
		}
	}
	bar := newProgress(e, "verifying", 0, nil)
	start := time.Now()
	var res *sqldb.VerifyResult
	var diffs []string
	if *proj {
		// The record read once, for the chain and the projection alike.
		res, diffs, err = a.VerifyProjection(ctx, func(k int64) { bar.rows(int(k)) })
	} else {
		res, err = a.Verify(ctx, func(k int64) { bar.rows(int(k)) })
	}
	bar.done()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	headOK := true
	if *expect != "" && res.OK {
		want, err := rulebook.ParseHash(*expect)
		if err != nil {
			return fmt.Errorf("--expect-head: %v", err)
		}
		// The expected head must be the head now, or an event still in the record.
		if want != res.Head {
			if headOK, err = a.HasEventHash(ctx, want); err != nil {
				return err
			}
		}
	}
	var storedFaults []string
	if stored != nil {
		storedFaults = stored.Faults
	}
	if *asJSON {
		out := map[string]any{"ok": res.OK && len(diffs) == 0 && headOK && len(storedFaults) == 0, "events": res.Events, "head": res.Head,
			"access_entries": res.AccessEntries, "access_head": res.AccessHead, "seconds": elapsed.Seconds()}
		if res.Problem != nil {
			out["problem"] = res.Problem
		}
		if faults := append(append([]string{}, res.Faults...), storedFaults...); len(faults) > 0 {
			out["faults"] = faults
		}
		if stored != nil {
			out["kept_checkpoints"] = map[string]any{"kept": stored.Stored, "events": stored.Events, "access_entries": stored.Entries}
		}
		if *expect == "" && !proven {
			out["unproven"] = res.Unproven
		}
		if proven {
			cp := map[string]any{"size": cpSize, "origin": cpOrigin}
			if cpAccess >= 0 {
				cp["access_size"] = cpAccess
			}
			out["checkpoint"] = cp
		}
		if *proj {
			out["projection_differences"] = diffs
		}
		if *expect != "" {
			out["expected_head_found"] = headOK
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else if res.OK {
		fmt.Fprintf(e.stdout, "ok: %d events verified in %s; head %s\n", res.Events, elapsed.Round(time.Millisecond), res.Head)
		fmt.Fprintf(e.stdout, "ok: %d access-log entries verified; head %s\n", res.AccessEntries, res.AccessHead)
		if *expect == "" && !proven {
			fmt.Fprintf(e.stdout, "note: %s (--checkpoint FILE, or --expect-head HASH)\n", res.Unproven)
		}
	}
	for _, f := range append(append([]string{}, res.Faults...), storedFaults...) {
		fmt.Fprintln(e.stderr, "  "+f)
	}
	switch {
	case res.Problem != nil:
		return rulebook.Errorf(rulebook.ETampered, "the record fails verification at event %s (seq %d): %s: %s",
			res.Problem.EventID, res.Problem.Seq, res.Problem.Kind, res.Problem.Message)
	case len(storedFaults) > 0:
		return rulebook.Errorf(rulebook.ETampered, "a signed checkpoint kept in the database no longer holds: the record or the access log was changed where it says (above)")
	case len(res.Faults) > 0:
		return rulebook.Errorf(rulebook.ETampered, "%s, above: the access log, a rule book's text, or the defences that keep the record and the access log append-only were tampered with", plural(len(res.Faults), "fault", "faults"))
	case !headOK:
		return rulebook.Errorf(rulebook.ETampered, "the head %s you expected is not in the record: events were removed from its end", *expect)
	case len(diffs) > 0:
		for _, d := range diffs {
			fmt.Fprintln(e.stderr, "  "+d)
		}
		return fmt.Errorf("the stored projection differs from the events (run 'rulebook rebuild' to restore it)")
	case *proj && !*asJSON:
		fmt.Fprintln(e.stdout, "ok: the stored projection matches a rebuild from the events")
	}
	return nil
}

func runRebuild(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rebuild", "rebuild [--db DSN]")
	st := addStoreFlags(fs, e)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	n, cases, accounts, err := a.Rebuild(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rebuilt the register (%s), %s and %s from the events in %s\n", plural(n, "member", "members"), plural(cases, "case", "cases"), plural(accounts, "account", "accounts"), time.Since(start).Round(time.Millisecond))
	return nil
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--db DSN] [--rules example:NAME]")
	st := addStoreFlags(fs, e)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	story, err := demoStory(st.rules)
	if err != nil {
		return err
	}
	st.rules = "example:" + story.RuleBook
	st.create = true
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := loadDemo(ctx, db, story); err != nil {
		return err
	}
	db.Close()
	a, actx, done, err := st.app(ctx, "demo")
	if err != nil {
		return err
	}
	defer done()
	if err := demo.LoadAccountsOf(actx, a, story.Accounts); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "loaded the demo organisation, %s, into %s\n", story.Title, st.db)
	printDemoAccounts(e, story)
	return nil
}

// demoStory finds the demo told under --rules (example:NAME; the party's by default).
func demoStory(rulesFlag string) (*demo.Story, error) {
	if rulesFlag == "" {
		return demo.Stories[0], nil
	}
	name, ok := strings.CutPrefix(rulesFlag, "example:")
	if !ok {
		return nil, errUsage{fmt.Sprintf("the demo runs under an example rule book (--rules example:NAME), not %s", rulesFlag)}
	}
	return demo.Find(name)
}

// loadDemo plays a demo story into db under its embedded example rule book.
func loadDemo(ctx context.Context, db *sqldb.DB, story *demo.Story) error {
	src, err := examples.FS.ReadFile(story.RuleBook)
	if err != nil {
		return err
	}
	rb, _, err := readRules("example:" + story.RuleBook)
	if err != nil {
		return err
	}
	return story.Load(ctx, db, rb, src)
}
