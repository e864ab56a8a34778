package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/count/report"
)

func init() {
	commands["election"] = command{"public elections: enter, import, support, list, show, count, conduct, exclusions", runElection}
}

const electionUsage = `election enter --input CONTEST.json [--date D]        (the JSON shape of a contest: see docs/rulebook-format.md#public-elections)
       election import FILE.csv --id ID --kind fptp|sv|ams --title T --poll D [--nominated D] [--seats N] [--threshold P]
                [--previous ID] [--constituency ID ...] [--electorate N] [--rejected N] [--official-entry E] [--date D]
       election support ID --candidate NAME --member M --how nominated|campaigned --evidence TEXT [--date D]
       election list | show ID [--html REPORT.html]
       election count ID [--list PARTY=SELECTION ...] [--date D] [--html REPORT.html]
       election conduct ID                                    (members who stood against, or supported a rival to, an official candidate)
       election exclusions ID --body B [--date D]             (open a proposed automatic exclusion for each, with the evidence)
  (every subcommand takes --json, --db and --rules)`

func runElection(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "election", electionUsage)
	st := addStoreFlags(fs, e)
	var c rulebook.PublicContest
	input := fs.String("input", "", "enter: a JSON file holding the contest")
	fs.StringVar(&c.ID, "id", "", "import: the contest's id")
	fs.StringVar(&c.Kind, "kind", "", "import: fptp (a constituency or ward), sv (a mayoralty) or ams (a region's list seats)")
	fs.StringVar(&c.Title, "title", "", "import: the contest's title")
	poll := fs.String("poll", "", "import: polling day")
	nominated := fs.String("nominated", "", "import: the day the statement of persons nominated was published")
	fs.IntVar(&c.Seats, "seats", 0, "import: seats (fptp, default 1) or list seats (ams)")
	fs.StringVar(&c.Threshold, "threshold", "", "import: ams: the percentage of the list vote below which a party takes no list seat")
	fs.StringVar(&c.Previous, "previous", "", "import: the contest last time, for the change in vote shares")
	fs.Int64Var(&c.Electorate, "electorate", 0, "import: the electorate, for the turnout")
	fs.Int64Var(&c.Rejected, "rejected", 0, "import: rejected ballot papers")
	fs.StringVar(&c.OfficialEntry, "official-entry", "", "import: the official candidate's entry on the list a trigger checks, where it names no member")
	var constituencies, lists multi
	fs.Var(&constituencies, "constituency", "import: ams: a constituency contest of the region (repeat)")
	fs.Var(&lists, "list", "count: ams: PARTY=SELECTION, the party's list seats filled from the selection's endorsed list (repeat)")
	candidate := fs.String("candidate", "", "support: the candidate, by the name on the ballot paper")
	member := fs.String("member", "", "support: the member")
	how := fs.String("how", "", "support: nominated or campaigned")
	evidence := fs.String("evidence", "", "support: what shows it")
	body := fs.String("body", "", "exclusions: the body proposing the exclusions")
	html := fs.String("html", "", "show, count: write the count's report, round by round, to this HTML file")
	sf := addStepFlags(fs, "the day of the entry (default today)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errUsage{"usage: rulebook " + electionUsage}
	}
	sub, id := pos[0], ""
	switch sub {
	case "enter", "list":
		if len(pos) != 1 {
			return errUsage{"usage: rulebook " + electionUsage}
		}
	default:
		if len(pos) != 2 {
			return errUsage{fmt.Sprintf("usage: rulebook election %s %s ...", sub, map[bool]string{true: "FILE.csv", false: "ID"}[sub == "import"])}
		}
		id = pos[1]
	}
	day, err := sf.day()
	if err != nil {
		return err
	}
	if *html != "" && sub != "show" && sub != "count" {
		return errUsage{"election: --html is for show and count"}
	}
	// Read what is to be entered before taking the database.
	switch sub {
	case "enter":
		if *input == "" {
			return errUsage{"election enter: give --input CONTEST.json"}
		}
		b, err := os.ReadFile(*input)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("%s: %v", *input, err)
		}
	case "import":
		if c.Poll, err = dateFlag("poll", *poll, true); err != nil {
			return err
		}
		if c.Nominated, err = dateFlag("nominated", *nominated, false); err != nil {
			return err
		}
		c.Constituencies = constituencies
		f, err := os.Open(id)
		if err != nil {
			return err
		}
		err = rulebook.ParseContestCSV(f, id, c.Kind, &c)
		f.Close()
		if err != nil {
			return err
		}
	}
	a, ctx, done, err := st.app(ctx, sf.actor)
	if err != nil {
		return err
	}
	defer done()
	show := func(el *rulebook.PublicElection, what string) error {
		if sf.json {
			return writeJSON(e.stdout, el)
		}
		fmt.Fprintf(e.stdout, "election %s: %s\n", el.ID, what)
		return nil
	}
	switch sub {
	case "enter", "import":
		el, err := a.EnterElection(ctx, c, day)
		if err != nil {
			return err
		}
		what := fmt.Sprintf("%s entered (%s, polling day %s), %s, %s", el.Title, el.Kind, el.Poll, plural(len(el.Candidates), "candidate", "candidates"), plural(len(el.Parties), "party", "parties"))
		if el.Declared {
			what += ", votes declared"
		}
		if el.Replaces != "" {
			what += ", replacing the entry " + el.Replaces
		}
		return show(el, what)
	case "support":
		el, err := a.RecordSupport(ctx, id, rulebook.ElectionSupport{Candidate: *candidate, Member: *member, How: *how, Evidence: *evidence}, day)
		if err != nil {
			return err
		}
		return show(el, fmt.Sprintf("%s recorded as having %s for %s", *member, *how, *candidate))
	case "list":
		rows, err := a.Elections(ctx)
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, rows)
		}
		if len(rows) == 0 {
			fmt.Fprintln(e.stdout, "no elections")
			return nil
		}
		t := table(e.stdout)
		row(t, "", "ELECTION", "POLL", "METHOD", "STATE", "TITLE", "ELECTED", "OUTCOME")
		for _, r := range rows {
			state := "nominations"
			if r.Declared {
				state = "declared"
			}
			row(t, "", r.ID, r.Poll.String(), r.Kind, state, r.Title, cmp.Or(strings.Join(r.Winners, ", "), "-"), cmp.Or(r.Outcome, "-"))
		}
		return t.Flush()
	case "show":
		v, err := a.Election(ctx, id)
		if err != nil {
			return err
		}
		if err := writeElectionReport(*html, v.PublicElection); err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, v)
		}
		printElection(e, v)
		return nil
	case "count":
		l, err := app.ParseLists(lists)
		if err != nil {
			return err
		}
		el, err := a.CountElection(ctx, id, day, l)
		if err != nil {
			return err
		}
		if err := writeElectionReport(*html, el); err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, el)
		}
		printElection(e, &app.ElectionView{PublicElection: el, ByWard: app.WardResults(el)})
		return nil
	case "conduct", "exclusions":
		var found []app.PublicConduct
		if sub == "conduct" {
			found, err = a.ElectionConduct(ctx, id)
		} else {
			found, err = a.OpenElectionExclusions(ctx, id, *body, day)
		}
		if err != nil {
			return err
		}
		if sf.json {
			return writeJSON(e.stdout, found)
		}
		if len(found) == 0 {
			fmt.Fprintf(e.stdout, "election %s: no member stood against, or supported a rival to, an official candidate\n", id)
		}
		for _, c := range found {
			caseNote := "no case yet"
			if c.Case != "" {
				caseNote = "case " + c.Case
			}
			fmt.Fprintf(e.stdout, "%s %s %s (%s) against %s, on %s: trigger %s, entry %s on %s; %s\n  evidence: %s\n",
				c.Member, c.Name, c.How, c.Rival, c.Official, c.Date, c.Trigger, c.Entry, c.List, caseNote, strings.Join(c.Evidence, "; "))
		}
		return nil
	}
	return errUsage{"usage: rulebook " + electionUsage}
}

// printElection writes a contest for a person: its candidates (or parties) with
// their votes and ward figures, then the count.
func printElection(e *env, v *app.ElectionView) {
	el := v.PublicElection
	fmt.Fprintf(e.stdout, "%s (%s), polling day %s\n", el.Title, el.Kind, el.Poll)
	if !el.Declared {
		fmt.Fprintln(e.stdout, "  nominations only: no votes declared")
	}
	if len(el.Candidates) > 0 {
		t := table(e.stdout)
		head := []string{"CANDIDATE", "PARTY"}
		if el.Declared {
			head = append(head, "VOTES")
			if el.Kind == rulebook.ContestSV {
				head = append(head, "SECOND PREFERENCES")
			}
			if el.Count != nil {
				head = append(head, "SHARE")
			}
			for _, w := range el.Wards {
				head = append(head, "WARD "+w)
			}
		}
		nominated := slices.ContainsFunc(el.Candidates, func(c rulebook.PublicCandidate) bool { return len(c.Nominators) > 0 })
		if nominated {
			head = append(head, "NOMINATED BY")
		}
		row(t, "  ", head...)
		for _, c := range el.Candidates {
			cells := []string{c.Label(), orDash(c.Party)}
			if el.Declared {
				cells = append(cells, strconv.FormatInt(c.Votes, 10))
				if el.Kind == rulebook.ContestSV {
					cells = append(cells, strconv.FormatInt(c.Second, 10))
				}
				if el.Count != nil {
					cells = append(cells, percent(v.Share(c.Name, c.Member)))
				}
				for i := range el.Wards {
					var n int64
					if i < len(c.Wards) {
						n = c.Wards[i]
					}
					cells = append(cells, strconv.FormatInt(n, 10))
				}
			}
			if nominated {
				var by []string
				for _, m := range c.Nominators {
					by = append(by, v.Named(m))
				}
				cells = append(cells, orDash(strings.Join(by, ", ")))
			}
			row(t, "  ", cells...)
		}
		t.Flush()
	}
	if len(v.ByWard) > 0 {
		t := table(e.stdout)
		row(t, "  ", "WARD", "LED BY", "VOTES", "SHARE", "MAJORITY", "OF")
		for _, w := range v.ByWard {
			led := w.Leader
			if w.Party != "" {
				led += " (" + w.Party + ")"
			}
			if len(w.Tied) > 0 {
				led = "a tie: " + strings.Join(w.Tied, ", ")
			}
			row(t, "  ", w.Ward, led, strconv.FormatInt(w.Votes, 10), w.Share+"%", strconv.FormatInt(w.Majority, 10), strconv.FormatInt(w.Total, 10))
		}
		t.Flush()
	}
	if len(el.Parties) > 0 {
		t := table(e.stdout)
		seats := slices.ContainsFunc(el.Parties, func(p rulebook.PublicParty) bool { return p.ConstituencySeats > 0 })
		head := []string{"PARTY", "VOTES"}
		if el.Count != nil {
			head = append(head, "SHARE")
		}
		if seats {
			head = append(head, "CONSTITUENCY SEATS")
		}
		row(t, "  ", append(head, "LIST")...)
		for _, p := range el.Parties {
			cells := []string{p.Name, strconv.FormatInt(p.Votes, 10)}
			if el.Count != nil {
				cells = append(cells, percent(v.Share(p.Name, "")))
			}
			if seats {
				cells = append(cells, strconv.Itoa(p.ConstituencySeats))
			}
			list := strings.Join(p.List, ", ")
			if k := el.Count; list == "" && k != nil && k.Lists[p.Name] != "" {
				list = "selection " + k.Lists[p.Name]
			}
			row(t, "  ", append(cells, orDash(list))...)
		}
		t.Flush()
	}
	for _, s := range el.Supports {
		fmt.Fprintf(e.stdout, "  %s %s %s for %s: %s\n", s.Date, s.Member, s.How, s.Candidate, s.Evidence)
	}
	if k := el.Count; k != nil {
		fmt.Fprintf(e.stdout, "counted %s: elected %s\n", el.Counted, strings.Join(k.Winners, ", "))
		if k.Majority != "" {
			fmt.Fprintf(e.stdout, "  majority %s\n", k.Majority)
		}
		if k.Turnout != "" {
			fmt.Fprintf(e.stdout, "  turnout %s%%\n", k.Turnout)
		}
		if k.Outcome != "" {
			fmt.Fprintf(e.stdout, "  %s\n", k.Outcome)
		}
		for _, party := range slices.Sorted(maps.Keys(k.Change)) {
			fmt.Fprintf(e.stdout, "  change in share %s %s\n", party, k.Change[party])
		}
		for _, aw := range k.Result.Awards {
			line := fmt.Sprintf("  seat %d: %s, %s (quotient %s)", aw.Seat, aw.Party, aw.Candidate, report.Quotient(aw.Quotient))
			if len(aw.Skipped) > 0 {
				line += "; passed over, elected in a constituency: " + strings.Join(aw.Skipped, ", ")
			}
			fmt.Fprintln(e.stdout, line)
		}
	}
}

// percent is a share as the count gives it, with its sign; "-" for none.
func percent(share string) string {
	if share == "" {
		return "-"
	}
	return share + "%"
}

// writeElectionReport writes a counted contest's report to path (nothing if
// path is empty), as count --html writes one, saying what was counted.
func writeElectionReport(path string, el *rulebook.PublicElection) error {
	if path == "" {
		return nil
	}
	if el.Count == nil || el.Count.Result == nil {
		return fmt.Errorf("election %s is not counted yet: 'rulebook election count %s' counts it", el.ID, el.ID)
	}
	source, sum, options, err := app.ElectionCountSource(el)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	m := report.Meta{File: source, SHA256: sum, Options: options, Counted: el.Counted.Time(), Version: countVersion()}
	if err := report.WriteMeta(f, el.Count.Result, m); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
