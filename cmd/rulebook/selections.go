package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count"
)

func init() {
	commands["selection"] = command{"candidate selections: open, show, list, nominate, withdraw, shortlist, electorate, ballot, refuse, challenge, refusals, close, count, endorse, deselect; roll, trigger (electoral colleges, trigger ballots)", runSelection}
	commands["official-candidates"] = command{"official-candidates list [--on D]: the candidates endorsed onto the official list", runOfficialCandidates}
}

const selectionUsage = `selection open --id ID --procedure P --contest C [--unit U] --freeze-date D --nominations-close D --ballot D [--ballot-closes D] [--date D]
       selection list | show ID [--on D]
       selection nominate ID --candidate M --nominator M1 --nominator M2 ... [--date D]
       selection withdraw ID --candidate M [--reason R] [--date D]
       selection shortlist ID --candidate M ... [--body B] [--reasons R] [--date D]
       selection electorate ID [--freeze [--date D] | --check | --csv]
       selection ballot ID --member M --ranking M1,M2,... [--date D]     (a member's ballot)
       selection ballot ID --papers FILE [--rejected N] [--date D]      (papers the tellers counted: lines "PAPERS,M1,M2,...")
       selection refuse ID --member M --reason R [--clause C] [--date D]
       selection challenge ID --member M --reason R [--date D]
       selection challenge ID --member M --decide upheld|dismissed --body B --reasons R [--date D]
       selection close ID [--date D]
       selection count ID [--date D] [--ballot D --ballot-closes D]   (a college's next ballot, if it needs one)
       selection endorse ID --body B [--reasons R] [--candidate M] [--until D] [--refuse | --withdraw --candidate M] [--date D]
       selection deselect ID --candidate M --body B --reasons R [--date D]
       selection refusals ID [--json]   (refusals found wrong, and pending, against the margin of each decisive round)
       ` + rollUsage + `
       selection ballot ID --section S (--member M --ranking ... | --papers FILE)   (a ballot in a section of an electoral college)
       ` + triggerUsage

func runSelection(ctx context.Context, e *env, args []string) error {
	if i := firstPositional(args, "refuse", "withdraw", "freeze", "check", "csv", "json"); i >= 0 && (args[i] == "trigger" || args[i] == "roll") {
		rest := append(append([]string{}, args[:i]...), args[i+1:]...)
		if args[i] == "trigger" {
			return runTrigger(ctx, e, rest)
		}
		return runSelectionRoll(ctx, e, rest)
	}
	fs := newFlags(e, "selection", selectionUsage)
	st := addStoreFlags(fs, e)
	var in app.OpenSelectionInput
	fs.StringVar(&in.ID, "id", "", "open: the selection's id")
	fs.StringVar(&in.Procedure, "procedure", "", "open: the rule book's selection procedure")
	fs.StringVar(&in.Contest, "contest", "", "open: the office or election the candidate is selected for")
	fs.StringVar(&in.Unit, "unit", "", "open: the unit whose members vote (with the units within it)")
	tt := addTimetableFlags(fs, "open, and count for a college's next ballot: ")
	sf := addStepFlags(fs, "the day of the step (default today)")
	on := fs.String("on", "", "show: the day candidates' standing is checked (default today)")
	var candidates, nominators multi
	fs.Var(&candidates, "candidate", "a candidate, by member id (repeat for a shortlist)")
	fs.Var(&nominators, "nominator", "a nominator, by member id (repeat)")
	member := fs.String("member", "", "ballot, refuse, challenge: the member")
	section := fs.String("section", "", "ballot: the section of the electoral college the ballot is in")
	ranking := fs.String("ranking", "", "ballot: the candidates in order of preference, by member id, separated by commas")
	papers := fs.String("papers", "", "ballot: a file of papers the tellers counted, each line PAPERS,FIRST,SECOND,... (- for standard input)")
	rejected := fs.Int64("rejected", 0, "ballot --papers: papers rejected")
	reason := fs.String("reason", "", "withdraw, refuse, challenge: why")
	reasons := fs.String("reasons", "", "a body's reasons")
	clause := fs.String("clause", "", "refuse: the clause refusing (default the procedure's)")
	body := fs.String("body", "", "the body deciding")
	decide := fs.String("decide", "", "challenge: upheld or dismissed")
	until := fs.String("until", "", "endorse: the last day on the official list, exclusive (e.g. polling day)")
	refuse := fs.Bool("refuse", false, "endorse: refuse to endorse the winners")
	withdraw := fs.Bool("withdraw", false, "endorse: withdraw the endorsement of --candidate")
	doFreeze := fs.Bool("freeze", false, "electorate: work out the electorate from the register and freeze it")
	check := fs.Bool("check", false, "electorate: re-derive the frozen electorate from the record and compare")
	asCSV := fs.Bool("csv", false, "electorate: print CSV")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errUsage{"usage: rulebook " + selectionUsage}
	}
	sub := pos[0]
	id := ""
	if sub != "open" && sub != "list" {
		if len(pos) != 2 {
			return errUsage{fmt.Sprintf("usage: rulebook selection %s ID ...", sub)}
		}
		id = pos[1]
	} else if len(pos) != 1 {
		return errUsage{"usage: rulebook " + selectionUsage}
	}
	day, err := sf.day()
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, sf.actor)
	if err != nil {
		return err
	}
	defer done()
	show := func(s *rulebook.Selection, what string) error {
		if sf.json {
			return writeJSON(e.stdout, s)
		}
		fmt.Fprintf(e.stdout, "selection %s: %s (now at the stage %s)\n", s.ID, what, s.State)
		return nil
	}
	switch sub {
	case "open":
		in.Date = day
		if err := tt.fill(&in); err != nil {
			return err
		}
		s, err := a.OpenSelection(ctx, in)
		if err != nil {
			return err
		}
		return show(s, fmt.Sprintf("opened under %s for %s: nominations until %s, freeze date %s, ballot %s to %s", s.Procedure, s.Contest, s.NominationsClose, s.FreezeDate, s.Ballot, s.BallotCloses))
	case "list":
		rows, err := a.Selections(ctx)
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, rows)
		}
		if len(rows) == 0 {
			fmt.Fprintln(e.stdout, "no selections")
			return nil
		}
		t := table(e.stdout)
		row(t, "", "SELECTION", "OPENED", "PROCEDURE", "UNIT", "STATE")
		for _, r := range rows {
			row(t, "", r.ID, r.Opened.String(), r.Procedure, cmp.Or(r.Unit, "-"), r.State)
		}
		return t.Flush()
	case "show":
		onDay, err := dateFlag("on", *on, false)
		if err != nil {
			return err
		}
		v, err := a.Selection(ctx, id, onDay)
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, v)
		}
		printSelection(e.stdout, v)
		return nil
	case "nominate":
		r, err := a.Nominate(ctx, id, app.NominationInput{Candidate: first(candidates), Nominators: nominators, Date: day})
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, r)
		}
		if x := r.Refused; x != nil {
			who := "the nomination"
			if x.Who != "" {
				who = x.Who
			}
			return rulebook.Errorf(rulebook.ENotPermitted, "nomination of %s refused and recorded: %s: %s (clause %s)", x.Candidate, who, x.Reason, x.Clause)
		}
		return show(r.Selection, fmt.Sprintf("%s nominated by %s", first(candidates), strings.Join(nominators, ", ")))
	case "withdraw":
		s, err := a.Withdraw(ctx, id, first(candidates), day, *reason)
		if err != nil {
			return err
		}
		return show(s, first(candidates)+" withdrawn")
	case "shortlist":
		s, err := a.Shortlist(ctx, id, day, rulebook.Shortlist{Candidates: candidates, Body: *body, Reasons: *reasons})
		if err != nil {
			return err
		}
		return show(s, "shortlisted "+strings.Join(candidates, ", "))
	case "electorate":
		return selectionElectorate(ctx, e, a, id, day, *doFreeze, *check, *asCSV, sf.json)
	case "ballot":
		if *section != "" {
			return collegeBallot(e, ctx, a, id, *section, *member, *ranking, *papers, *rejected, day, sf.json)
		}
		if *papers != "" {
			bs, err := readPapers(e, *papers)
			if err != nil {
				return err
			}
			s, err := a.EnterPapers(ctx, id, day, bs, *rejected)
			if err != nil {
				return err
			}
			return show(s, fmt.Sprintf("papers entered; %d cast through rulebook, %d entered by the tellers, %d rejected", s.Marked, s.Entered, s.Rejected))
		}
		if *member == "" || *ranking == "" {
			return errUsage{"usage: rulebook selection ballot ID --member M --ranking M1,M2,... | --papers FILE"}
		}
		r, err := a.CastBallot(ctx, id, *member, splitList(*ranking), day)
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, r)
		}
		if x := r.Refused; x != nil {
			return rulebook.Errorf(rulebook.ENotPermitted, "%s refused a ballot, recorded (event %s): %s (clause %s)", x.Member, r.Event, x.Reason, x.Clause)
		}
		fmt.Fprintf(e.stdout, "selection %s: %s marked as having voted (event %s); the ballot is stored apart, with no link to the voter\n", id, *member, r.Event)
		return nil
	case "refuse":
		s, err := a.RefuseVoter(ctx, id, day, rulebook.VoterRefusal{Member: *member, Clause: *clause, Reason: *reason})
		if err != nil {
			return err
		}
		return show(s, *member+" refused a ballot")
	case "challenge":
		if *decide == "" {
			s, err := a.ChallengeRefusal(ctx, id, *member, day, *reason)
			if err != nil {
				return err
			}
			return show(s, "the refusal of "+*member+" challenged")
		}
		if *decide != "upheld" && *decide != "dismissed" {
			return errUsage{"--decide is upheld or dismissed"}
		}
		s, err := a.DecideChallenge(ctx, id, *member, day, *body, *decide == "upheld", *reasons)
		if err != nil {
			return err
		}
		return show(s, fmt.Sprintf("the challenge of %s %s by %s", *member, *decide, *body))
	case "refusals":
		return selectionRefusals(ctx, e, a, id, sf.json)
	case "close":
		s, err := a.CloseSelection(ctx, id, day)
		if err != nil {
			return err
		}
		return show(s, fmt.Sprintf("ballots sealed: %d papers (%d cast through rulebook, %d entered by the tellers)", s.Sealed.Papers, s.Sealed.Marked, s.Sealed.Entered))
	case "count":
		v, err := a.Selection(ctx, id, day)
		if err != nil {
			return err
		}
		if v.Result == nil {
			if err := countSelection(ctx, a, v, day, tt.ballot, tt.ballotCloses); err != nil {
				return err
			}
			if v, err = a.Selection(ctx, id, day); err != nil {
				return err
			}
		}
		if sf.json && v.College != nil {
			return writeJSON(e.stdout, v.College.Result)
		}
		if sf.json {
			return writeJSON(e.stdout, v.Result)
		}
		printCount(e.stdout, v)
		return nil
	case "endorse":
		var u rulebook.Date
		if u, err = dateFlag("until", *until, false); err != nil {
			return err
		}
		en := rulebook.Endorsement{Candidates: candidates, Body: *body, Reasons: *reasons, Until: u}
		var s *rulebook.Selection
		switch {
		case *refuse:
			s, err = a.RefuseEndorsement(ctx, id, day, en)
		case *withdraw:
			s, err = a.EndEndorsement(ctx, id, first(candidates), day, *body, *reasons, false)
		default:
			s, err = a.Endorse(ctx, id, day, en)
		}
		if err != nil {
			return err
		}
		what := "winners endorsed by " + *body
		if *refuse {
			what = "endorsement refused by " + *body
		} else if *withdraw {
			what = fmt.Sprintf("the endorsement of %s withdrawn by %s", first(candidates), *body)
		}
		return show(s, what)
	case "deselect":
		s, err := a.EndEndorsement(ctx, id, first(candidates), day, *body, *reasons, true)
		if err != nil {
			return err
		}
		return show(s, fmt.Sprintf("%s deselected by %s", first(candidates), *body))
	}
	return errUsage{fmt.Sprintf("unknown subcommand %q\nusage: rulebook %s", sub, selectionUsage)}
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// readPapers reads the tellers' papers: one line per ranking, the number of
// papers first, then the candidates in order of preference.
func readPapers(e *env, name string) ([]rulebook.BallotCount, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	var out []rulebook.BallotCount
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		n, err := strconv.ParseInt(strings.TrimSpace(rec[0]), 10, 64)
		if err != nil || len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: a line is PAPERS,FIRST,SECOND,... (a number of papers, then the candidates by member id)", name, line)
		}
		out = append(out, rulebook.BallotCount{Papers: n, Ranking: splitList(strings.Join(rec[1:], ","))})
	}
}

func selectionElectorate(ctx context.Context, e *env, a *app.App, id string, day rulebook.Date, freeze, check, asCSV, asJSON bool) error {
	switch {
	case freeze:
		s, err := a.FreezeElectorate(ctx, id, day)
		if err != nil {
			return err
		}
		if s.College != nil {
			return printFrozenCollege(e, s, asJSON)
		}
		if asJSON {
			return writeJSON(e.stdout, s.Electorate)
		}
		f := s.Electorate
		fmt.Fprintf(e.stdout, "selection %s: electorate frozen: %s may %s on %s, conditions measured at %s (rule book version %s); sha256 %s\n",
			id, plural(f.Count, "member", "members"), f.Action, f.Date, f.FreezeDate, f.Version, f.Digest)
		return nil
	case check:
		c, err := a.CheckElectorate(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			if err := writeJSON(e.stdout, c); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(e.stdout, "frozen:  %s, sha256 %s (the record)\n", plural(c.Frozen.Count, "member", "members"), c.Frozen.Digest)
			fmt.Fprintf(e.stdout, "stored:  %s, sha256 %s\n", plural(c.Stored.Count, "member", "members"), c.Stored.Digest)
			fmt.Fprintf(e.stdout, "derived: %s, sha256 %s (the register as recorded when it was frozen)\n", plural(c.Derived.Count, "member", "members"), c.Derived.Digest)
			for _, d := range c.Differences {
				fmt.Fprintln(e.stdout, "  "+d)
			}
		}
		if !c.OK {
			return rulebook.Errorf(rulebook.ETampered, "the electorate of selection %s does not match the record", id)
		}
		if !asJSON {
			fmt.Fprintln(e.stdout, "ok: the electorate matches the record")
		}
		return nil
	}
	list, err := a.SelectionElectorate(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case asJSON:
		return writeJSON(e.stdout, list)
	case asCSV:
		w := csv.NewWriter(e.stdout)
		w.Write([]string{"member", "name"})
		for _, x := range list {
			w.Write([]string{x.Member, x.Name})
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(e.stdout, "%s in the electorate of selection %s\n", plural(len(list), "member", "members"), id)
	for _, x := range list {
		fmt.Fprintf(e.stdout, "  %-10s %s\n", x.Member, x.Name)
	}
	return nil
}

func named(v *app.SelectionView, id string) string { return rulebook.Person(v.Names[id], id) }

func printSelection(w io.Writer, v *app.SelectionView) {
	s := v.Selection
	fmt.Fprintf(w, "selection %s: %s — %s\n", s.ID, v.Name, s.Contest)
	fmt.Fprintf(w, "  stage %s; unit %s; %s, %s; rule book %s, clause %s\n", s.State, orDash(s.Unit), s.Method, plural(s.Seats, "seat", "seats"), s.Version, v.Clause)
	fmt.Fprintf(w, "  opened %s; nominations close %s; freeze date %s; ballot %s to %s\n", s.Opened, s.NominationsClose, s.FreezeDate, s.Ballot, s.BallotCloses)
	fmt.Fprintln(w, "candidates:")
	for _, c := range s.Candidates {
		var nom []string
		for _, n := range c.Nominators {
			nom = append(nom, named(v, n))
		}
		line := fmt.Sprintf("  %s, nominated %s by %s", named(v, c.Member), c.Nominated, orDash(strings.Join(nom, ", ")))
		switch {
		case !c.Withdrawn.IsZero():
			line += fmt.Sprintf("; withdrew %s", c.Withdrawn)
		case c.Dropped:
			line += "; not shortlisted"
		}
		fmt.Fprintln(w, line)
	}
	for _, st := range v.Standing {
		if !st.Allowed {
			fmt.Fprintf(w, "  ! on %s %s may no longer stand (clause %s): %s\n", v.On, named(v, st.Member), st.Clause, st.Reason)
		}
	}
	if len(s.Refused) > 0 {
		fmt.Fprintln(w, "nominations refused:")
		for _, r := range s.Refused {
			who := ""
			switch r.Who {
			case "":
				who = " (too few nominators)"
			case r.Candidate:
			default:
				who = " (nominator " + r.Who + ")"
			}
			fmt.Fprintf(w, "  %s %s%s: %s\n", r.Date, named(v, r.Candidate), who, withClause(r.Reason, r.Clause))
		}
	}
	printCollege(w, v)
	if f := s.Electorate; f != nil {
		fmt.Fprintf(w, "electorate: %s frozen (%s on %s, measured at %s, version %s), sha256 %s\n", plural(f.Count, "member", "members"), f.Action, f.Date, f.FreezeDate, f.Version, f.Digest)
		fmt.Fprintf(w, "voted: %d through rulebook, %d papers entered by the tellers, %d rejected\n", s.Marked, s.Entered, s.Rejected)
	}
	for _, r := range s.Refusals {
		fmt.Fprintf(w, "  refused %s %s: %s", r.Date, named(v, r.Member), withClause(r.Reason, r.Clause))
		if c := r.Challenge; c != nil {
			switch {
			case r.Decided.IsZero():
				fmt.Fprintf(w, "; challenged %s", r.Challenged)
			case c.Upheld:
				fmt.Fprintf(w, "; challenge upheld by %s on %s: %s", c.Body, r.Decided, c.Reasons)
			default:
				fmt.Fprintf(w, "; challenge dismissed by %s on %s: %s", c.Body, r.Decided, c.Reasons)
			}
		}
		fmt.Fprintln(w)
	}
	if s.Sealed != nil {
		fmt.Fprintf(w, "sealed: %d papers in %d distinct rankings\n", s.Sealed.Papers, len(s.Sealed.Ballots))
	}
	if s.Result != nil || s.College != nil && s.College.Result != nil {
		printCount(w, v)
	}
	for _, en := range s.Endorsements {
		fmt.Fprintf(w, "endorsed %s by %s: %s", en.Date, en.Body, named(v, en.Candidates[0]))
		if !en.Until.IsZero() {
			fmt.Fprintf(w, " until %s", en.Until)
		}
		if !en.Ended.IsZero() {
			fmt.Fprintf(w, "; %s %s by %s: %s", en.How, en.Ended, en.EndedBy.Body, en.EndedBy.Reasons)
		}
		fmt.Fprintln(w)
	}
	if r := s.Refusal; r != nil {
		fmt.Fprintf(w, "endorsement refused %s by %s: %s\n", r.Date, r.Body, r.Reasons)
	}
}

// withClause is a reason with the clause it was given under, unless it names
// the clause already (an eligibility answer's reason does).
func withClause(reason, clause string) string {
	if clause == "" || strings.Contains(reason, "clause "+clause) {
		return reason
	}
	return reason + " (clause " + clause + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printCount(w io.Writer, v *app.SelectionView) {
	if printCollegeCount(w, v) {
		return
	}
	if v.Result == nil {
		fmt.Fprintf(w, "selection %s is not counted\n", v.ID)
		return
	}
	// Counted over members' ids; read by name.
	res := v.Result.Renamed(func(id string) string { return named(v, id) })
	fmt.Fprintf(w, "count (%s, %s) on %s:\n", res.Method, plural(res.Seats, "seat", "seats"), v.Counted)
	for _, r := range res.Rounds {
		fmt.Fprintf(w, "  round %d%s\n", r.Number, actionOf(r))
		names := make([]string, 0, len(r.Tally))
		for c := range r.Tally {
			names = append(names, c)
		}
		// Most votes first (tallies are decimals: STV's carry fractions).
		sort.Slice(names, func(i, j int) bool {
			x, _ := new(big.Rat).SetString(r.Tally[names[i]])
			y, _ := new(big.Rat).SetString(r.Tally[names[j]])
			if x == nil || y == nil || x.Cmp(y) == 0 {
				return names[i] < names[j]
			}
			return x.Cmp(y) > 0
		})
		t := table(w)
		for _, c := range names {
			row(t, "    ", c, r.Tally[c])
		}
		t.Flush()
		if len(r.Eliminated) > 0 {
			fmt.Fprintf(w, "    excluded: %s\n", strings.Join(r.Eliminated, ", "))
		}
	}
	fmt.Fprintf(w, "selected: %s\n", strings.Join(res.Elected, ", "))
}

func actionOf(r count.Round) string {
	if r.Action == "" {
		return ""
	}
	return ": " + r.Action
}

func runOfficialCandidates(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "official-candidates", "official-candidates list [--on D] [--json]")
	st := addStoreFlags(fs, e)
	on := fs.String("on", "", "only those on the list on this day")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "list" {
		return errUsage{"usage: rulebook official-candidates list [--on D] [--json]"}
	}
	day, err := dateFlag("on", *on, false)
	if err != nil {
		return err
	}
	a, ctx, done, err := st.app(ctx, "")
	if err != nil {
		return err
	}
	defer done()
	list, err := a.OfficialCandidates(ctx, day)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, list)
	}
	if len(list) == 0 {
		if day.IsZero() {
			fmt.Fprintln(e.stdout, "no official candidates")
		} else {
			fmt.Fprintf(e.stdout, "no official candidates on %s\n", day)
		}
		return nil
	}
	// UNTIL is the first day off the list (polling day, say).
	t := table(e.stdout)
	row(t, "", "FROM", "UNTIL", "ENTRY", "NAME", "FOR")
	for _, l := range list {
		until := "-"
		if !l.Until.IsZero() {
			until = l.Until.String()
		}
		row(t, "", l.From.String(), until, l.ID, l.Name, l.About)
	}
	return t.Flush()
}
