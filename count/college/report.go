package college

import (
	"fmt"
	"html/template"
	"io"
	"math/big"
	"slices"
	"strings"
)

// UpsetLine says plainly that a section's winner lost the college.
func UpsetLine(u Upset, name func(string) string) string {
	return fmt.Sprintf("%s won the %s section (%s%% of its votes) but lost the college: %s%% weighted, against %s%% for %s",
		name(u.Candidate), u.SectionName, u.SectionPercent, u.CollegePercent, u.WinnerPercent, name(u.Winner))
}

// order lists a round's candidates, highest weighted total first.
func (r *Round) order() []string {
	out := make([]string, 0, len(r.TotalExact))
	for c := range r.TotalExact {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := new(big.Rat).SetString(r.TotalExact[a])
		y, _ := new(big.Rat).SetString(r.TotalExact[b])
		if c := y.Cmp(x); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out
}

// WriteText writes the published table of a college count: per round, each
// section's votes, percentages and weighted contributions, and the weighted
// totals; then the winner, and a line for each section whose winner lost the
// college. name labels a candidate (nil: as the result names them).
func WriteText(w io.Writer, res *Result, name func(string) string) error {
	if name == nil {
		name = func(s string) string { return s }
	}
	var b strings.Builder
	fmt.Fprintf(&b, "electoral college (%s)", strings.TrimPrefix(res.Method, "college-"))
	if res.Title != "" {
		fmt.Fprintf(&b, ": %s", res.Title)
	}
	b.WriteString("\n  sections:")
	for i, s := range res.Sections {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %s (%s) weight %s%% (%s)", sep, s.Name, s.ID, s.WeightPercent, s.Weight)
	}
	b.WriteString("\n")
	for _, r := range res.Rounds {
		fmt.Fprintf(&b, "  round %d: %s\n", r.Number, r.Action)
		order := r.order()
		for i, sr := range r.Sections {
			s := res.Sections[i]
			fmt.Fprintf(&b, "    %s (weight %s%%): %s valid", s.Name, s.WeightPercent, sr.Valid)
			if sr.Exhausted != "" {
				fmt.Fprintf(&b, ", %s exhausted", sr.Exhausted)
			}
			fmt.Fprintf(&b, "\n      %-32s %10s %9s %9s\n", "candidate", "votes", "percent", "weighted")
			for _, c := range order {
				fmt.Fprintf(&b, "      %-32s %10s %8s%% %8s%%\n", name(c), sr.Votes[c], sr.Percent[c], sr.Contribution[c])
			}
		}
		b.WriteString("    weighted total (college)\n")
		for _, c := range order {
			fmt.Fprintf(&b, "      %-32s %8s%%  exactly %s\n", name(c), r.Total[c], r.TotalExact[c])
		}
		for _, c := range r.Elected {
			fmt.Fprintf(&b, "    elected: %s\n", name(c))
		}
		for _, c := range r.Eliminated {
			fmt.Fprintf(&b, "    eliminated: %s\n", name(c))
		}
	}
	for _, tb := range res.TieBreaks {
		fmt.Fprintf(&b, "  tie in round %d between %s: %s chosen to %s by %s\n", tb.Round, strings.Join(tb.Tied, ", "), tb.Chosen, tb.Purpose, tb.How)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	if !res.Complete {
		var next []string
		for _, c := range res.Next {
			next = append(next, name(c))
		}
		fmt.Fprintf(&b, "no candidate has more than half of the college: ballot %d is needed, between %s\n", len(res.Rounds)+1, strings.Join(next, ", "))
	} else {
		fmt.Fprintf(&b, "selected by the college: %s\n", name(res.Elected[0]))
	}
	for _, u := range res.Upsets {
		fmt.Fprintf(&b, "! %s\n", UpsetLine(u, name))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var page = template.Must(template.New("college").Parse(`<section class="college">
<h2>Electoral college ({{.Kind}}){{with .Res.Title}}: {{.}}{{end}}</h2>
{{range .Upsets}}<p class="upset"><strong>{{.}}</strong></p>
{{end}}<table>
<caption>Sections</caption>
<thead><tr><th scope="col">Section</th><th scope="col" class="num">Weight</th></tr></thead>
<tbody>{{range .Res.Sections}}<tr><th scope="row">{{.Name}}</th><td class="num">{{.WeightPercent}}% ({{.Weight}})</td></tr>{{end}}</tbody>
</table>
{{range .Rounds}}<table>
<caption>Round {{.Number}}: {{.Action}}</caption>
<thead><tr><th scope="col">Candidate</th>{{range .Sections}}<th scope="col" class="num">{{.}} votes</th><th scope="col" class="num">{{.}} %</th><th scope="col" class="num">{{.}} weighted</th>{{end}}<th scope="col" class="num">College total</th><th scope="col">Outcome</th></tr></thead>
<tbody>{{range .Rows}}<tr><th scope="row">{{.Name}}</th>{{range .Cells}}<td class="num">{{.Votes}}</td><td class="num">{{.Percent}}%</td><td class="num">{{.Weighted}}%</td>{{end}}<td class="num">{{.Total}}%</td><td>{{.Outcome}}</td></tr>{{end}}</tbody>
</table>
{{end}}<p>{{.Outcome}}</p>
</section>
`))

type htmlCell struct{ Votes, Percent, Weighted string }
type htmlRow struct {
	Name           string
	Cells          []htmlCell
	Total, Outcome string
}
type htmlRound struct {
	Number   int
	Action   string
	Sections []string
	Rows     []htmlRow
}

// WriteHTML writes the same table as WriteText as an HTML fragment (escaped by
// html/template), for a page to embed.
func WriteHTML(w io.Writer, res *Result, name func(string) string) error {
	if name == nil {
		name = func(s string) string { return s }
	}
	data := struct {
		Kind    string
		Res     *Result
		Upsets  []string
		Rounds  []htmlRound
		Outcome string
	}{Kind: strings.TrimPrefix(res.Method, "college-"), Res: res}
	for _, u := range res.Upsets {
		data.Upsets = append(data.Upsets, UpsetLine(u, name))
	}
	for _, r := range res.Rounds {
		hr := htmlRound{Number: r.Number, Action: r.Action}
		for _, s := range res.Sections {
			hr.Sections = append(hr.Sections, s.Name)
		}
		for _, c := range r.order() {
			row := htmlRow{Name: name(c), Total: r.Total[c]}
			for _, sr := range r.Sections {
				row.Cells = append(row.Cells, htmlCell{sr.Votes[c], sr.Percent[c], sr.Contribution[c]})
			}
			switch {
			case slices.Contains(r.Elected, c):
				row.Outcome = "elected"
			case slices.Contains(r.Eliminated, c):
				row.Outcome = "eliminated"
			}
			hr.Rows = append(hr.Rows, row)
		}
		data.Rounds = append(data.Rounds, hr)
	}
	if res.Complete {
		data.Outcome = "Selected by the college: " + name(res.Elected[0])
	} else {
		var next []string
		for _, c := range res.Next {
			next = append(next, name(c))
		}
		data.Outcome = fmt.Sprintf("No candidate has more than half of the college: ballot %d is needed, between %s.", len(res.Rounds)+1, strings.Join(next, ", "))
	}
	return page.Execute(w, data)
}
