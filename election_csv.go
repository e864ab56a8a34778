package rulebook

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// The public-election CSV: one contest a file, its header naming the columns in
// any order (case and spaces aside). A constituency, ward or mayoralty (fptp, sv)
// has a row per candidate:
//
//	candidate  the name on the ballot paper (required)
//	party      the party or description
//	member     the candidate's member id, when a member of the organisation
//	votes      votes (first preferences, for sv); empty in every row before the poll
//	second     sv: second preferences gained in the second round
//	nominators member ids of the organisation's members who signed the nomination, space-separated
//	ward:NAME  votes in ward NAME (any number of columns); votes, if given, must be their sum
//
// A region's list seats (ams) have a row per party: party (required), votes (the
// list votes), constituency_seats, and list (any number of columns, the list's
// names in order).
//
// Every error names the file, the line and the column.

// MaxContestRows bounds the rows of a contest file.
const MaxContestRows = 2000

// ParseContestCSV reads the candidates (or parties) of a contest of kind from
// r into c; file names r in errors.
func ParseContestCSV(r io.Reader, file, kind string, c *PublicContest) error {
	header, rows, err := count.ReadCSV(r, file, nil, true)
	if err != nil {
		return err
	}
	bad := func(line int, field, format string, args ...any) error {
		return &count.InputError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	col := map[string]int{}
	var wards, lists []int
	known := []string{"candidate", "party", "member", "votes", "second", "nominators", "ward:NAME"}
	if kind == ContestAMS {
		known = []string{"party", "votes", "constituency_seats", "list"}
	}
	for i, h := range header {
		key := strings.ToLower(h)
		switch {
		case kind != ContestAMS && strings.HasPrefix(key, "ward:"):
			name := strings.TrimSpace(h[len("ward:"):])
			if name == "" || slices.Contains(c.Wards, name) {
				return bad(1, h, "a ward column needs a name of its own (ward:NAME)")
			}
			if err := CheckLine("ward", name, MaxNameLen); err != nil {
				return bad(1, h, "%v", err)
			}
			c.Wards = append(c.Wards, name)
			wards = append(wards, i)
		case kind == ContestAMS && key == "list":
			lists = append(lists, i)
		case slices.Contains(known, key):
			if _, dup := col[key]; dup {
				return bad(1, h, "column given twice")
			}
			col[key] = i
		default:
			return bad(1, h, "unknown column for a %s contest (known: %s)", kind, strings.Join(known, ", "))
		}
	}
	required := "candidate"
	if kind == ContestAMS {
		required = "party"
	}
	if _, ok := col[required]; !ok {
		return bad(1, required, "the header has no %s column", required)
	}
	if kind != ContestSV {
		if _, ok := col["second"]; ok {
			return bad(1, "second", "second preferences are for a supplementary vote (sv) contest")
		}
	}
	if len(rows) == 0 {
		return bad(0, "", "no %ss", required)
	}
	if len(rows) > MaxContestRows {
		return bad(rows[MaxContestRows].Line, "", "more than %d rows", MaxContestRows)
	}
	cell := func(row count.CSVRow, name string) string {
		if i, ok := col[name]; ok && i < len(row.Fields) {
			return row.Fields[i]
		}
		return ""
	}
	number := func(row count.CSVRow, name, s string) (int64, error) {
		return count.ParseVotes(file, row.Line, name, s)
	}
	declared := -1 // whether the rows give votes: all must, or none
	seen := map[string]int{}
	var total int64
	for _, row := range rows {
		if len(row.Fields) > len(header) {
			return bad(row.Line, "", "%d fields, the header has %d", len(row.Fields), len(header))
		}
		name := cell(row, required)
		if name == "" {
			return bad(row.Line, required, "is empty")
		}
		if err := CheckLine(required, name, MaxNameLen); err != nil {
			return bad(row.Line, required, "%v", err)
		}
		if prev, dup := seen[name]; dup {
			return bad(row.Line, required, "%q already given on line %d", name, prev)
		}
		seen[name] = row.Line
		votes := cell(row, "votes")
		var wardVotes []int64
		var wardSum int64
		for k, i := range wards {
			s := ""
			if i < len(row.Fields) {
				s = row.Fields[i]
			}
			if s == "" {
				continue
			}
			n, err := number(row, header[i], s)
			if err != nil {
				return err
			}
			if wardVotes == nil {
				wardVotes = make([]int64, len(wards))
			}
			wardVotes[k] = n
			wardSum += n
		}
		has := votes != "" || wardVotes != nil
		switch {
		case declared < 0:
			declared = boolInt(has)
		case boolInt(has) != declared:
			return bad(row.Line, "votes", "votes are given for some rows and not others: give them for every row, or none before the poll")
		}
		var n int64
		if votes != "" {
			v, err := number(row, "votes", votes)
			if err != nil {
				return err
			}
			n = v
			if wardVotes != nil && wardSum != n {
				return bad(row.Line, "votes", "%d, but the wards add up to %d", n, wardSum)
			}
		} else {
			n = wardSum
		}
		total += n
		if total > count.MaxVotes {
			return bad(row.Line, "votes", "the total is more than %d", int64(count.MaxVotes))
		}
		if kind == ContestAMS {
			p := PublicParty{Name: name, Votes: n}
			if s := cell(row, "constituency_seats"); s != "" {
				cs, err := number(row, "constituency_seats", s)
				if err != nil {
					return err
				}
				if cs > 1000 {
					return bad(row.Line, "constituency_seats", "%d: implausibly many seats", cs)
				}
				p.ConstituencySeats = int(cs)
			}
			for _, i := range lists {
				if i < len(row.Fields) && row.Fields[i] != "" {
					if err := CheckLine("list", row.Fields[i], MaxNameLen); err != nil {
						return bad(row.Line, "list", "%v", err)
					}
					p.List = append(p.List, row.Fields[i])
				}
			}
			c.Parties = append(c.Parties, p)
			continue
		}
		pc := PublicCandidate{Name: name, Party: cell(row, "party"), Member: cell(row, "member"), Votes: n, Wards: wardVotes}
		if err := CheckLine("party", pc.Party, MaxNameLen); err != nil {
			return bad(row.Line, "party", "%v", err)
		}
		if pc.Member != "" && !ValidID(pc.Member) {
			return bad(row.Line, "member", "%q is not a member id", pc.Member)
		}
		if s := cell(row, "second"); s != "" {
			if pc.Second, err = number(row, "second", s); err != nil {
				return err
			}
		}
		for _, m := range strings.Fields(cell(row, "nominators")) {
			if !ValidID(m) {
				return bad(row.Line, "nominators", "%q is not a member id", m)
			}
			if slices.Contains(pc.Nominators, m) {
				return bad(row.Line, "nominators", "%s given twice", m)
			}
			pc.Nominators = append(pc.Nominators, m)
		}
		c.Candidates = append(c.Candidates, pc)
	}
	c.Kind, c.Declared = kind, declared == 1
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Check checks a contest as entered: its kind, title and dates, its
// candidates or parties, and that its figures can be counted.
func (c *PublicContest) Check() error {
	if !ValidID(c.ID) {
		return FieldError("id", "%q is not a valid id (letters, digits, '-', '_' and '.')", c.ID)
	}
	if !slices.Contains(ContestKinds(), c.Kind) {
		return FieldError("kind", "%q: one of %s", c.Kind, strings.Join(ContestKinds(), ", "))
	}
	if strings.TrimSpace(c.Title) == "" {
		return FieldError("title", "is required")
	}
	if err := CheckLine("title", c.Title, MaxLineLen); err != nil {
		return err
	}
	if c.Poll.IsZero() {
		return FieldError("poll", "polling day is required")
	}
	if !c.Nominated.IsZero() && c.Nominated > c.Poll {
		return FieldError("nominated", "%s is after polling day (%s)", c.Nominated, c.Poll)
	}
	if c.Previous != "" && (!ValidID(c.Previous) || c.Previous == c.ID) {
		return FieldError("previous", "%q is not another contest's id", c.Previous)
	}
	if c.Seats < 0 || c.Seats > 1000 {
		return FieldError("seats", "%d seats", c.Seats)
	}
	if c.Electorate < 0 || c.Rejected < 0 {
		return FieldError("electorate", "a negative figure")
	}
	switch c.Kind {
	case ContestAMS:
		if len(c.Candidates) > 0 {
			return FieldError("candidates", "a list contest has parties, not candidates")
		}
		if len(c.Parties) == 0 {
			return FieldError("parties", "a list contest needs its parties")
		}
		if c.Seats == 0 {
			return FieldError("seats", "give the number of list seats")
		}
		if c.Threshold != "" {
			if _, err := count.ParsePercent(c.Threshold); err != nil {
				return FieldError("threshold", "%v", err)
			}
		}
		for _, id := range c.Constituencies {
			if !ValidID(id) {
				return FieldError("constituencies", "%q is not a contest id", id)
			}
		}
		seen := map[string]bool{}
		for _, p := range c.Parties {
			if p.Name == "" || seen[p.Name] {
				return FieldError("parties", "each party needs a name of its own (%q)", p.Name)
			}
			if p.Votes < 0 || p.Votes > count.MaxVotes || p.ConstituencySeats < 0 {
				return FieldError("parties", "%s: a figure out of range", p.Name)
			}
			seen[p.Name] = true
		}
	default:
		if len(c.Parties) > 0 || len(c.Constituencies) > 0 {
			return FieldError("parties", "a %s contest has candidates, not parties", c.Kind)
		}
		if len(c.Candidates) == 0 {
			return FieldError("candidates", "a contest needs its candidates")
		}
		if c.Kind == ContestSV && c.Seats > 1 {
			return FieldError("seats", "a supplementary vote fills one seat")
		}
		seen := map[string]bool{}
		var seconds int64
		for _, p := range c.Candidates {
			if strings.TrimSpace(p.Name) == "" || seen[p.Name] {
				return FieldError("candidates", "each candidate needs a name of their own (%q)", p.Name)
			}
			seen[p.Name] = true
			if p.Member != "" && !ValidID(p.Member) {
				return FieldError("candidates", "%s: %q is not a member id", p.Name, p.Member)
			}
			if p.Votes < 0 || p.Votes > count.MaxVotes || p.Second < 0 || p.Second > count.MaxVotes {
				return FieldError("candidates", "%s: a figure out of range", p.Name)
			}
			if len(p.Wards) > 0 && len(p.Wards) != len(c.Wards) {
				return FieldError("candidates", "%s: %d ward figures for %d wards", p.Name, len(p.Wards), len(c.Wards))
			}
			if c.Kind != ContestSV && p.Second != 0 {
				return FieldError("candidates", "%s: second preferences are for a supplementary vote", p.Name)
			}
			seconds += p.Second
		}
		if !c.Declared && (seconds > 0 || slices.ContainsFunc(c.Candidates, func(p PublicCandidate) bool { return p.Votes > 0 })) {
			return FieldError("declared", "votes are given: the contest is declared")
		}
	}
	return nil
}
