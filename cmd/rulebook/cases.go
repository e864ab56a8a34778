package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/sqldb"
)

// mailFlags configure the letters a step sends.
type mailFlags struct {
	smtp, from, user, dir string
	startTLS              bool
	e                     *env
}

func addMailFlags(fs *flag.FlagSet, e *env) *mailFlags {
	m := &mailFlags{e: e}
	fs.StringVar(&m.smtp, "smtp", e.getenv("RULEBOOK_SMTP"), "SMTP server host:port for sending notices (env RULEBOOK_SMTP); without it notices are not e-mailed")
	fs.StringVar(&m.from, "smtp-from", e.getenv("RULEBOOK_SMTP_FROM"), "sender of notices, e.g. \"General Secretary <gs@example.org>\"")
	fs.StringVar(&m.user, "smtp-user", e.getenv("RULEBOOK_SMTP_USER"), "SMTP user (password from RULEBOOK_SMTP_PASSWORD)")
	fs.BoolVar(&m.startTLS, "smtp-starttls", true, "require STARTTLS (ignored for a server on this machine)")
	fs.StringVar(&m.dir, "templates", e.getenv("RULEBOOK_TEMPLATES"), "a directory of letter templates overriding the built-in ones")
	return m
}

func (m *mailFlags) templates() (*notices.Templates, error) {
	if m.dir == "" {
		return notices.Default(), nil
	}
	return notices.Load(m.dir)
}

// mailer returns the configured mailer and templates, or nils without --smtp.
func (m *mailFlags) mailer() (*notices.Mailer, *notices.Templates, error) {
	if m.smtp == "" {
		return nil, nil, nil
	}
	if m.from == "" {
		return nil, nil, errUsage{"--smtp needs --smtp-from (or RULEBOOK_SMTP_FROM)"}
	}
	tpl, err := m.templates()
	if err != nil {
		return nil, nil, err
	}
	host, _, _ := strings.Cut(m.smtp, ":")
	local := host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
	return &notices.Mailer{Addr: m.smtp, From: m.from, Username: m.user,
		Password: m.e.getenv("RULEBOOK_SMTP_PASSWORD"), StartTLS: m.startTLS && !local}, tpl, nil
}

// configure makes the service e-mail each step's notice, if an SMTP server is given.
func (m *mailFlags) configure(ds *discipline.Service) error {
	mailer, tpl, err := m.mailer()
	if err != nil || mailer == nil {
		return err
	}
	ds.Notify = discipline.MailNotifier(ds, tpl, mailer)
	return nil
}

func init() {
	commands["complaint"] = command{"complaint receive: record a written complaint about a member", runComplaint}
	commands["case"] = command{"disciplinary cases: open, step, show, list, letter, link, conflict, recuse, mitigation, contact, condition-met, role, withhold, update, correct, events", runCase}
	commands["deadlines"] = command{"due and overdue dates of open cases (time limits, suspension reviews, hearings)", runDeadlines}
	commands["statistics"] = command{"case statistics from the record: steps by quarter, body and outcome; cases by clause", runStatistics}
	commands["precedents"] = command{"past sanctions under a clause, most similar first", runPrecedents}
	commands["subject-access"] = command{"everything held about a person, redacted, with the statutory due date", runSubjectAccess}
	commands["interference"] = command{"the interference register: contacts about cases from outside their roles", runInterference}
	commands["list"] = command{"list add: an entry on a dated list the rule book declares (lists)", runList}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func today() rulebook.Date { return rulebook.DateOf(time.Now()) }

func runComplaint(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "complaint", "complaint receive --id ID --respondent M --complainant WHO [--cosignatory WHO ...] --from member|public|SOURCE --via letter|form|email|api --summary S --clause C [--clause C2] [--date D] [--conduct D]")
	st := addStoreFlags(fs, e)
	var c rulebook.ComplaintReceived
	var clauses multi
	fs.StringVar(&c.ID, "id", "", "complaint id")
	fs.StringVar(&c.Respondent, "respondent", "", "member complained about")
	fs.StringVar(&c.Complainant, "complainant", "", "member id, or the name of someone not on the register")
	var cosign multi
	fs.Var(&cosign, "cosignatory", "a further complainant of a joint complaint (repeat for more)")
	fs.StringVar(&c.From, "from", "member", "who complains: member, public, or a source the rule book declares (complaint_sources)")
	fs.StringVar(&c.Via, "via", "letter", "letter, form, email or api")
	fs.StringVar(&c.Summary, "summary", "", "the conduct complained of")
	fs.Var(&clauses, "clause", "a clause said to be broken (repeat for more)")
	date := fs.String("date", "", "date received (default today)")
	conduct := fs.String("conduct", "", "date of the conduct (default the date received)")
	actor := fs.String("actor", actorDefault(e), "who records it")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "receive" {
		return errUsage{"usage: rulebook complaint receive --id ID --respondent M ..."}
	}
	c.Cosignatories = cosign
	received := today()
	if *date != "" {
		if received, err = dateFlag("date", *date, true); err != nil {
			return err
		}
	}
	if c.Conduct, err = dateFlag("conduct", *conduct, false); err != nil {
		return err
	}
	c.Clauses = clauses
	a, ctx, done, err := st.app(ctx, *actor)
	if err != nil {
		return err
	}
	defer done()
	ev, err := a.ReceiveComplaint(ctx, received, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "complaint %s received (event %s)\n", c.ID, ev.ID)
	return nil
}

func runCase(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "case", "case open|step|show|list|letter|link|conflict|recuse|mitigation|contact|condition-met|role|withhold|update|correct|events [CASE] [flags]")
	st := addStoreFlags(fs, e)
	actor := fs.String("actor", actorDefault(e), "who takes the step, for the record")
	asJSON := fs.Bool("json", false, "print JSON")
	date := fs.String("date", "", "date of the step or record (default today)")
	// open
	kind := fs.String("kind", "complaint", "open: complaint, exclusion or readmission")
	respondent := fs.String("respondent", "", "open: the member the case is about; list: filter")
	conduct := fs.String("conduct", "", "open: date of the conduct (exclusion cases)")
	summary := fs.String("summary", "", "open/mitigation/contact: what it is about")
	id := fs.String("id", "", "open: the case id (default generated)")
	var complaints, linked, criteria multi
	fs.Var(&complaints, "complaint", "open/link: a received complaint (repeat for more)")
	fs.Var(&linked, "linked", "open: an earlier case this one follows (repeat for more)")
	// step
	transition := fs.String("transition", "", "step: the step to take (see 'case show')")
	body := fs.String("body", "", "step: the deciding body or officer")
	fs.Var(&criteria, "criteria", "step: a published criterion the decision cites (repeat for more)")
	rationale := fs.String("rationale", "", "step: the reasons, and how the criteria apply")
	input := fs.String("input", "", "step: a JSON file with the rest of the command (charges, findings, panel, hearing, sanction, suspend, trigger, evidence, vote, shorten)")
	// records
	person := fs.String("person", "", "conflict/recuse/withhold: the person")
	reason := fs.String("reason", "", "conflict/recuse/withhold: the reason")
	text := fs.String("text", "", "update: what the complainants were told")
	from := fs.String("from", "", "contact: who made contact")
	role := fs.String("role", "", "contact: their role, if any")
	channel := fs.String("channel", "", "contact: telephone, e-mail, in person…")
	what := fs.String("what", "", "condition-met: the condition")
	caseRole := fs.String("role-in-case", "", "role: investigator or representative (with --person and --reason)")
	eventID := fs.String("event", "", "correct: the event of the case to withdraw as entered in error (with --reason)")
	open := fs.Bool("open", false, "list: only open cases")
	template := fs.String("template", "", "letter: the letter to write (acknowledgement, notice_of_investigation, …)")
	to := fs.String("to", "", "letter: the member it is addressed to (default the respondent)")
	pdfOut := fs.String("pdf", "", "letter: also write the PDF here")
	htmlOut := fs.String("html", "", "letter: also write the HTML here")
	mail := addMailFlags(fs, e)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errUsage{"usage: rulebook case open|step|show|list|link|conflict|recuse|mitigation|contact|condition-met|events [CASE]"}
	}
	on := today()
	if *date != "" {
		if on, err = dateFlag("date", *date, true); err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, *actor)
	if err != nil {
		return err
	}
	defer done()
	if err := mail.configure(a.Discipline()); err != nil {
		return err
	}
	caseArg := func() (string, error) {
		if len(pos) != 2 {
			return "", errUsage{fmt.Sprintf("usage: rulebook case %s CASE", pos[0])}
		}
		return pos[1], nil
	}
	var c *discipline.Case
	switch pos[0] {
	case "open":
		in := discipline.OpenInput{ID: *id, Kind: *kind, Respondent: *respondent, Date: on, Summary: *summary, Complaints: complaints, Linked: linked}
		if in.Conduct, err = dateFlag("conduct", *conduct, false); err != nil {
			return err
		}
		o, err := a.OpenCase(ctx, in)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, o)
		}
		fmt.Fprintf(e.stdout, "opened case %s (%s) about %s: %s\n", o.Case.ID, o.Case.Kind, o.Case.Respondent, o.Case.State)
		for _, w := range o.Warnings {
			fmt.Fprintln(e.stdout, "  WARNING: "+w)
		}
		return nil
	case "list":
		list, err := a.Cases(ctx, sqldb.CaseFilter{Respondent: *respondent, Open: *open, Limit: 1000})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, list.Cases)
		}
		t := table(e.stdout)
		if len(list.Cases) > 0 {
			row(t, "", "CASE", "KIND", "RESPONDENT", "OPENED", "STATE")
		} else {
			fmt.Fprintln(e.stdout, "no cases")
		}
		for _, r := range list.Cases {
			status := r.State
			if r.Closed {
				status = "closed: " + r.Outcome
			}
			row(t, "", r.ID, r.Kind, rulebook.Person(r.RespondentName, r.Respondent), r.Opened.String(), status)
		}
		t.Flush()
		if list.More {
			fmt.Fprintf(e.stdout, "(%d of more than %d cases)\n", len(list.Cases), list.Total)
		} else if list.Total > len(list.Cases) {
			fmt.Fprintf(e.stdout, "(%d of %d cases)\n", len(list.Cases), list.Total)
		}
		return nil
	case "step":
		cid, err := caseArg()
		if err != nil {
			return err
		}
		cmd := discipline.Command{}
		if *input != "" {
			b, err := os.ReadFile(*input)
			if err != nil {
				return err
			}
			if err := rulebook.DecodeInput(b, &cmd); err != nil {
				return inputError(*input, err)
			}
		}
		if *transition != "" {
			cmd.Transition = *transition
		}
		if *body != "" {
			cmd.Body = *body
		}
		if len(criteria) > 0 {
			cmd.Criteria = criteria
		}
		if *rationale != "" {
			cmd.Rationale = *rationale
		}
		if cmd.Date.IsZero() {
			cmd.Date = on
		}
		out, err := a.TakeStep(ctx, cid, cmd)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, out)
		}
		if out.Refused != nil {
			fmt.Fprintf(e.stdout, "REFUSED and recorded (event %s): %s\n", out.Events[0], out.Refused.Answer)
			return nil
		}
		for _, w := range out.Warnings {
			fmt.Fprintf(e.stdout, "WARNING: %s\n", w)
		}
		fmt.Fprintf(e.stdout, "case %s: %s — now %s (events %s)\n", out.Case.ID, cmd.Transition, out.Case.State, strings.Join(out.Events, ", "))
		if out.Notice != "" {
			fmt.Fprintf(e.stdout, "  notice to send: %s\n", out.Notice)
		}
		return nil
	case "show":
		cid, err := caseArg()
		if err != nil {
			return err
		}
		f, err := a.Case(ctx, cid, rulebook.NoDate)
		if err != nil {
			return err
		}
		return showCase(e, f, *asJSON)
	case "letter":
		cid, err := caseArg()
		if err != nil {
			return err
		}
		var d rulebook.Date
		if *date != "" {
			d = on
		}
		tpl, err := mail.templates()
		if err != nil {
			return err
		}
		a.UseLetters(tpl)
		l, err := a.Letter(ctx, cid, *template, *to, d)
		if err != nil {
			return err
		}
		r, err := tpl.Render(*template, l)
		if err != nil {
			return err
		}
		if *htmlOut != "" {
			if err := os.WriteFile(*htmlOut, []byte(r.HTML), 0o644); err != nil {
				return err
			}
		}
		if *pdfOut != "" {
			pdf, err := notices.PDF(r, l)
			if err != nil {
				return err
			}
			if err := os.WriteFile(*pdfOut, pdf, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(e.stdout, "Subject: %s\n\n%s", r.Subject, r.Text)
		return nil
	case "events":
		cid, err := caseArg()
		if err != nil {
			return err
		}
		evs, err := a.CaseEvents(ctx, cid)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, evs)
		}
		for _, ev := range evs {
			fmt.Fprintf(e.stdout, "%6d %s %-22s effective %s by %s\n       %s\n", ev.Seq, ev.ID, ev.Type, ev.Effective, ev.Actor, ev.Data)
		}
		return nil
	}
	cid, err := caseArg()
	if err != nil {
		return err
	}
	switch pos[0] {
	case "link":
		if len(complaints) != 1 {
			return errUsage{"usage: rulebook case link CASE --complaint C [--date D]"}
		}
		c, err = a.LinkComplaint(ctx, cid, complaints[0], on)
	case "conflict":
		c, err = a.DeclareConflict(ctx, cid, on, discipline.Conflict{Person: *person, Reason: *reason})
	case "recuse":
		c, err = a.Recuse(ctx, cid, on, discipline.Conflict{Person: *person, Reason: *reason})
	case "mitigation":
		c, err = a.HearMitigation(ctx, cid, on, *summary)
	case "withhold":
		c, err = a.WithholdIdentity(ctx, cid, on, discipline.Withholding{Person: *person, Reason: *reason})
	case "update":
		c, err = a.UpdateComplainants(ctx, cid, on, *text)
	case "contact":
		c, err = a.LogContact(ctx, cid, on, discipline.ContactData{From: *from, Role: *role, Channel: *channel, Summary: *summary})
	case "condition-met":
		c, err = a.ConditionMet(ctx, cid, on, *what)
	case "role":
		c, err = a.GrantCaseRole(ctx, cid, on, discipline.CaseRole{Person: *person, Role: *caseRole, Reason: *reason})
	case "correct":
		var d rulebook.Date
		if *date != "" {
			d = on
		}
		c, err = a.CorrectCase(ctx, cid, *eventID, *reason, d)
	default:
		return errUsage{fmt.Sprintf("unknown case command %q", pos[0])}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "case %s: %s recorded\n", c.ID, pos[0])
	return nil
}

// inputError names the --input file a JSON error is in; "body", the API's name
// for the whole document, is the file itself here.
func inputError(file string, err error) error {
	var re *rulebook.Error
	if errors.As(err, &re) && re.Field == "body" {
		return fmt.Errorf("%s: %s", file, re.Message)
	}
	return fmt.Errorf("%s: %v", file, err)
}

func showCase(e *env, f *app.CaseFile, asJSON bool) error {
	c, proc, conduct := f.Case, f.Procedure, f.Conduct
	next := c.NextSteps(proc.Discipline)
	deadlines := c.Deadlines(proc.Discipline)
	if asJSON {
		var ids []string
		for _, t := range next {
			ids = append(ids, t.ID)
		}
		return writeJSON(e.stdout, map[string]any{"case": c, "procedure_version": proc.ID, "conduct_version": conduct.ID, "next_steps": ids, "deadlines": deadlines, "letters": f.Letters})
	}
	x := proc.Discipline
	status := x.States[c.State].Name
	if c.Closed {
		status += " — " + c.Outcome
	}
	fmt.Fprintf(e.stdout, "case %s (%s) about %s, opened %s; conduct %s judged under rule book %s, procedure %s\n  %s\n  state: %s (since %s)\n",
		c.ID, c.Kind, f.Person(c.Respondent), c.Opened, c.Conduct, conduct.ID, proc.ID, c.Summary, status, c.StateSince)
	if len(c.Complainants) > 0 {
		var from []string
		for _, k := range c.Complainants {
			from = append(from, f.Person(k))
		}
		fmt.Fprintf(e.stdout, "  complaints: %s from %s\n", strings.Join(c.Complaints, ", "), strings.Join(from, "; "))
	}
	if len(c.Linked) > 0 {
		fmt.Fprintf(e.stdout, "  follows: %s\n", strings.Join(c.Linked, ", "))
	}
	for _, ch := range c.Charges {
		fmt.Fprintf(e.stdout, "  count %d under %s: %s %s\n", ch.Count, ch.Clause, ch.Particulars, bracket(ch.Finding))
	}
	if c.Panel != nil {
		var names []string
		for _, m := range c.Panel.Members {
			who := m.Name
			if m.Section != "" {
				who += " (" + proc.Discipline.SectionTitle(m.Section) + ")"
			}
			names = append(names, who)
		}
		fmt.Fprintf(e.stdout, "  panel of %s: %s\n", c.Panel.Body, strings.Join(names, ", "))
	}
	if c.Hearing != nil {
		fmt.Fprintf(e.stdout, "  hearing: %s at %s (notice %s)\n", c.Hearing.Date, c.Hearing.Place, c.Hearing.Notice)
	}
	if s := c.Suspension; s != nil {
		fmt.Fprintf(e.stdout, "  %s from %s, review by %s", f.Term("suspension"), s.From, s.ReviewBy)
		if !s.Lifted.IsZero() {
			fmt.Fprintf(e.stdout, ", ended %s", s.Lifted)
		}
		fmt.Fprintln(e.stdout)
	}
	for _, s := range c.Sanctions {
		fmt.Fprintf(e.stdout, "  sanction: %s\n", s)
	}
	fmt.Fprintln(e.stdout, "  steps:")
	for _, s := range c.Steps {
		fmt.Fprintf(e.stdout, "    %s  %-24s by %-18s %s → %s  [%s, %s]\n", s.Date, s.Transition, s.Body, s.From, orSame(s.To, s.From), s.Clause, s.Event)
		if s.Rationale != "" {
			fmt.Fprintf(e.stdout, "        %s\n", wrap(s.Rationale, 90, "        "))
		}
	}
	for _, r := range c.Refusals {
		fmt.Fprintf(e.stdout, "  REFUSED %s: %s demanded %s — %s\n", r.Date, r.Body, r.Transition, r.Answer)
	}
	for _, ct := range c.Contacts {
		fmt.Fprintf(e.stdout, "  CONTACT %s from %s (%s, %s): %s\n", ct.Date, ct.From, ct.Role, ct.Channel, ct.Summary)
	}
	if len(deadlines) > 0 && !c.Closed {
		sort.Slice(deadlines, func(i, j int) bool { return deadlines[i].Due < deadlines[j].Due })
		fmt.Fprintln(e.stdout, "  deadlines:")
		for _, d := range deadlines {
			fmt.Fprintf(e.stdout, "    %s  %s\n", d.Due, d.What)
		}
	}
	// The letters sent, by date: what `case letter` fills (a complainant's
	// copy with --to and their number, or name if they have none).
	if len(f.Letters) > 0 {
		fmt.Fprintln(e.stdout, "  letters:")
		tw := table(e.stdout)
		for _, l := range f.Letters {
			to := ""
			if l.To != "" {
				to = "to " + f.Person(l.To)
			}
			row(tw, "    ", l.Date.String(), l.Template, to)
		}
		tw.Flush()
	}
	var ids, late []string
	for _, t := range next {
		if !t.IsPermitted() {
			continue
		}
		// A time limit: the last day, or that it has passed.
		switch due := c.StepDue(x, t); {
		case due.IsZero():
			ids = append(ids, t.ID)
		case due < f.On:
			late = append(late, fmt.Sprintf("%s (by %s)", t.ID, due))
		default:
			ids = append(ids, fmt.Sprintf("%s (by %s)", t.ID, due))
		}
	}
	if len(late) > 0 {
		fmt.Fprintf(e.stdout, "  out of time: %s\n", strings.Join(late, ", "))
	}
	if len(ids) > 0 {
		fmt.Fprintf(e.stdout, "  next steps: %s\n", strings.Join(ids, ", "))
	}
	return nil
}

func bracket(s string) string {
	if s == "" {
		return ""
	}
	return "[" + s + "]"
}

func orSame(to, from string) string {
	if to == "" {
		return from
	}
	return to
}

func runDeadlines(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "deadlines", "deadlines [--on D] [--within DAYS] [--json]")
	st := addStoreFlags(fs, e)
	onF := fs.String("on", "", "the date to judge overdue by (default today)")
	within := fs.Int("within", 30, "also list what falls due within this many days")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	on := today()
	var err error
	if *onF != "" {
		if on, err = dateFlag("on", *onF, true); err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	rows, err := a.Deadlines(ctx, on.AddDays(*within), on, 0)
	if err != nil {
		return err
	}
	if *asJSON {
		type item struct {
			app.Deadline
			Days int `json:"days_overdue,omitempty"`
		}
		out := []item{}
		for _, r := range rows {
			out = append(out, item{r, max(0, int(on-r.Due))})
		}
		return writeJSON(e.stdout, out)
	}
	if len(rows) == 0 {
		fmt.Fprintf(e.stdout, "nothing overdue on %s, and nothing due within %s after it\n", on, plural(*within, "day", "days"))
		return nil
	}
	t := table(e.stdout)
	row(t, "", "DUE", "", "CASE", "RESPONDENT", "WHAT")
	for _, r := range rows {
		mark := "due"
		if r.Due < on {
			mark = "OVERDUE by " + plural(int(on-r.Due), "day", "days")
		}
		row(t, "", r.Due.String(), mark, r.Case, rulebook.Person(r.RespondentName, r.Respondent), r.What)
	}
	return t.Flush()
}

func runStatistics(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "statistics", "statistics [--json]")
	st := addStoreFlags(fs, e)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	s, err := a.Statistics(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, s)
	}
	fmt.Fprintln(e.stdout, "steps by quarter:")
	t := table(e.stdout)
	if len(s.Steps) > 0 {
		row(t, "  ", "QUARTER", "STEP", "BY", "BODY KIND", "STEPS", "OUTCOME", "AVERAGE DAYS IN THE STATE BEFORE")
	} else {
		row(t, "  ", "none")
	}
	for _, r := range s.Steps {
		out := r.Outcome
		if r.Sanction != "" {
			out += " (" + r.Sanction + ")"
		}
		row(t, "  ", r.Quarter, r.Transition, r.Body, r.BodyKind, strconv.Itoa(r.Steps), out, fmt.Sprintf("%.0f", r.AvgDays))
	}
	t.Flush()
	fmt.Fprintln(e.stdout, "cases by clause and outcome:")
	t = table(e.stdout)
	if len(s.Clauses) > 0 {
		row(t, "  ", "CLAUSE", "OUTCOME", "CASES")
	} else {
		row(t, "  ", "none")
	}
	for _, r := range s.Clauses {
		out := r.Outcome
		if out == "" {
			out = "(open)"
		}
		row(t, "  ", r.Clause, out, strconv.Itoa(r.Cases))
	}
	t.Flush()
	for _, part := range []struct {
		title  string
		counts map[string]int
	}{{"cases closed by staff or officers, by quarter:", s.ClosedByStaff}, {"open cases by state:", s.Open}} {
		fmt.Fprintln(e.stdout, part.title)
		t = table(e.stdout)
		if len(part.counts) == 0 {
			row(t, "  ", "none")
		}
		for _, k := range slices.Sorted(maps.Keys(part.counts)) {
			row(t, "  ", k, strconv.Itoa(part.counts[k]))
		}
		t.Flush()
	}
	return nil
}

func runPrecedents(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "precedents", "precedents --clause C [--factor F]... [--limit N] [--offset N] [--json]")
	st := addStoreFlags(fs, e)
	clause := fs.String("clause", "", "the clause charged")
	var factors multi
	fs.Var(&factors, "factor", "an aggravating or mitigating factor of the case in hand (repeat)")
	limit := fs.Int("limit", 50, "how many to list (at most 200)")
	offset := fs.Int("offset", 0, "how many to skip")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *clause == "" {
		return errUsage{"precedents: --clause is required"}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	ps, err := a.Precedents(ctx, *clause, factors, *limit, *offset)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, ps)
	}
	of := plural(ps.Total, "closed case", "closed cases")
	if ps.More {
		of = "more than " + of
	}
	if len(ps.Precedents) == 0 {
		if ps.Offset > 0 {
			fmt.Fprintf(e.stdout, "%s under clause %s; none from %d on\n", of, ps.Clause, ps.Offset+1)
		} else {
			fmt.Fprintf(e.stdout, "no closed case concerns clause %s\n", ps.Clause)
		}
		return nil
	}
	fmt.Fprintf(e.stdout, "%s under clause %s; %d to %d:\n", of, ps.Clause, ps.Offset+1, ps.Offset+len(ps.Precedents))
	// With the factors of the case in hand, a precedent is a case that shares at
	// least one; the others under the clause are listed apart, as no precedent.
	var like, unlike []discipline.Precedent
	for _, p := range ps.Precedents {
		if len(factors) == 0 || p.Shared > 0 {
			like = append(like, p)
		} else {
			unlike = append(unlike, p)
		}
	}
	print := func(list []discipline.Precedent) {
		t := table(e.stdout)
		row(t, "  ", "CASE", "CONDUCT", "PROVED", "SANCTION", "FACTORS")
		for _, p := range list {
			sanction := p.Outcome
			if len(p.Sanctions) > 0 {
				var ss []string
				for _, s := range p.Sanctions {
					ss = append(ss, s.String())
				}
				sanction = strings.Join(ss, "; ")
			}
			fs := strings.Join(p.Factors, ", ")
			if fs == "" {
				fs = "none recorded"
			}
			if len(factors) > 0 {
				fs += fmt.Sprintf(" (%d shared)", p.Shared)
			}
			row(t, "  ", p.Case, p.Conduct.String(), plural(p.Counts, "count", "counts"), sanction, fs)
		}
		t.Flush()
	}
	switch {
	case len(factors) == 0:
		fmt.Fprintln(e.stdout, "newest first (give --factor for those of the case in hand to rank them by likeness):")
		print(like)
	case len(like) > 0:
		fmt.Fprintf(e.stdout, "precedents, sharing most of %s first:\n", strings.Join(factors, ", "))
		print(like)
	default:
		fmt.Fprintf(e.stdout, "no precedent: none of these shares any of %s\n", strings.Join(factors, ", "))
	}
	if len(factors) > 0 && len(unlike) > 0 {
		fmt.Fprintf(e.stdout, "under the same clause, sharing none of the factors (not precedents):\n")
		print(unlike)
	}
	return nil
}

func runSubjectAccess(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "subject-access", "subject-access MEMBER [--requested D] [--json] [--out FILE.json]")
	st := addStoreFlags(fs, e)
	requested := fs.String("requested", "", "the date the request was received (default today)")
	out := fs.String("out", "", "write the complete export (JSON, as given to the person) to this file")
	asJSON := fs.Bool("json", false, "print the complete export as JSON instead of a summary for people")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage{"usage: rulebook subject-access MEMBER [--requested D] [--json] [--out FILE.json]"}
	}
	on := today()
	if *requested != "" {
		if on, err = dateFlag("requested", *requested, true); err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	sa, err := a.SubjectAccess(ctx, pos[0], on)
	if err != nil {
		return err
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := writeJSON(f, sa); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "subject access export for %s written to %s: %s, %s; due %s\n", pos[0], *out,
			plural(len(sa.Cases), "case", "cases"), plural(len(sa.Redacted), "redaction", "redactions"), sa.Due)
		if !*asJSON {
			return nil
		}
	}
	if *asJSON {
		return writeJSON(e.stdout, sa)
	}
	return showSubjectAccess(e, sa)
}

// showSubjectAccess summarises a subject access export for whoever answers the
// request: what is held, what was withheld, and when the answer is due.
func showSubjectAccess(e *env, sa *discipline.SubjectAccess) error {
	w := e.stdout
	name := ""
	if sa.History != nil {
		name = sa.History.Member.Name
	}
	fmt.Fprintf(w, "subject access request from %s, received %s: the answer is due by %s\n", rulebook.Person(name, sa.Member), sa.Requested, sa.Due)
	if h := sa.History; h != nil {
		m := h.Member
		fmt.Fprintln(w, "\nthe register holds:")
		t := table(w)
		for _, f := range [][2]string{{"name:", m.Name}, {"e-mail:", m.Email}, {"telephone:", m.Phone}, {"address:", m.Address}, {"unit:", m.Unit}, {"joined:", m.Joined.String()}} {
			if f[1] != "" {
				row(t, "  ", f[0], f[1])
			}
		}
		t.Flush()
		if len(h.Points) > 0 {
			fmt.Fprintln(w, "  status history:")
			t = table(w)
			for _, p := range h.Points {
				row(t, "    ", p.From.String(), p.Status, p.Body, p.Clause, p.Reason)
			}
			t.Flush()
		}
	}
	fmt.Fprintf(w, "\nthe record holds %s about them\n", plural(len(sa.Events), "event", "events"))
	if len(sa.Cases) == 0 {
		fmt.Fprintln(w, "they are party to no case")
	} else {
		fmt.Fprintf(w, "\nthey are party to %s:\n", plural(len(sa.Cases), "case", "cases"))
		t := table(w)
		row(t, "  ", "CASE", "AS", "KIND", "OPENED", "STATE")
		for _, c := range sa.Cases {
			as := "complainant"
			if c.Respondent == sa.Member {
				as = "respondent"
			}
			state := c.State
			if c.Closed {
				state = "closed: " + c.Outcome
			}
			row(t, "  ", c.ID, as, c.Kind, c.Opened.String(), state)
		}
		t.Flush()
	}
	if len(sa.Redacted) == 0 {
		fmt.Fprintln(w, "\nnothing is withheld")
	} else {
		fmt.Fprintf(w, "\nwithheld from their copy (%d):\n", len(sa.Redacted))
		for _, r := range sa.Redacted {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
	fmt.Fprintln(w, "\nthe complete export, to give them: --out FILE.json (or --json)")
	return nil
}

func runList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "list", "list add --list LIST --id ID --name N [--about A] [--member ID] [--section S] --from D [--until D]")
	st := addStoreFlags(fs, e)
	var le discipline.ListEntry
	fs.StringVar(&le.List, "list", "", "a list the rule book declares")
	fs.StringVar(&le.ID, "id", "", "entry id")
	fs.StringVar(&le.Name, "name", "", "the candidate or organisation")
	fs.StringVar(&le.About, "about", "", "the election, or a description")
	fs.StringVar(&le.Member, "member", "", "the person the entry is about (a candidate, a panel member, training completed)")
	fs.StringVar(&le.Section, "section", "", "the roster section a panel member sits for")
	from := fs.String("from", "", "on the list from")
	until := fs.String("until", "", "on the list until (exclusive)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "add" {
		return errUsage{"usage: rulebook list add --list L --id ID --name N --from D"}
	}
	if le.From, err = dateFlag("from", *from, true); err != nil {
		return err
	}
	if le.Until, err = dateFlag("until", *until, false); err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	ev, err := a.AddListEntry(ctx, le)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s to %s (event %s)\n", le.ID, le.List, ev.ID)
	return nil
}

func runInterference(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "interference", "interference [--json]")
	st := addStoreFlags(fs, e)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	list, err := a.Interference(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "no contacts from outside the cases' roles are recorded")
		return nil
	}
	t := table(e.stdout)
	row(t, "", "DATE", "CASE", "RESPONDENT", "FROM", "ROLE", "BY", "WHAT")
	for _, c := range list {
		role := c.Role
		if role == "" {
			role = "(none)"
		}
		row(t, "", c.Date.String(), c.Case, c.Respondent, c.From, role, c.Channel, c.Summary)
	}
	return t.Flush()
}
