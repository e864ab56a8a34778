package web

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/web/svg"
)

type deadlinesData struct {
	Until     rulebook.Date
	Deadlines []app.Deadline
	Overdue   int
}

func (s *Server) deadlinesPage(w http.ResponseWriter, r *http.Request) error {
	today := s.app.Today()
	until, err := queryDate(r.URL.Query(), "until", today.AddDays(30))
	if err != nil {
		return err
	}
	dl, err := s.app.Deadlines(r.Context(), until, today, 500)
	if err != nil {
		return err
	}
	d := deadlinesData{Until: until, Deadlines: dl}
	for _, x := range dl {
		if x.Overdue {
			d.Overdue++
		}
	}
	s.render(w, r, http.StatusOK, "deadlines", "Deadlines", d)
	return nil
}

type statisticsData struct {
	Stats         *discipline.Statistics
	OpenChart     template.HTML
	DecisionChart template.HTML
	SanctionChart template.HTML
	OpenText      []string
	Survey        []app.SurveyResult
	Sanctions     []sqldb.SanctionCount
	Quarters      []string
}

// openByState replays the moves between states into the number of open cases in
// each state at the end of each quarter.
func openByState(flows []sqldb.FlowCount, closed map[string]bool) (quarters []string, series []svg.Series) {
	byQ := map[string][]sqldb.FlowCount{}
	for _, f := range flows {
		if _, ok := byQ[f.Quarter]; !ok {
			quarters = append(quarters, f.Quarter)
		}
		byQ[f.Quarter] = append(byQ[f.Quarter], f)
	}
	sort.Strings(quarters)
	count := map[string]int{}
	var states []string
	var rows []map[string]int
	for _, q := range quarters {
		for _, f := range byQ[q] {
			if f.From != "" {
				count[f.From] -= f.Moves
			}
			if !closed[f.To] {
				if _, ok := count[f.To]; !ok {
					states = append(states, f.To)
				}
				count[f.To] += f.Moves
			}
		}
		snap := map[string]int{}
		for k, v := range count {
			snap[k] = v
		}
		rows = append(rows, snap)
	}
	for _, st := range states {
		sr := svg.Series{Name: st}
		for _, row := range rows {
			sr.Values = append(sr.Values, float64(max(row[st], 0)))
		}
		series = append(series, sr)
	}
	return quarters, series
}

func (s *Server) statisticsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := s.app.Statistics(ctx)
	if err != nil {
		return err
	}
	flows, err := s.app.Flows(ctx)
	if err != nil {
		return err
	}
	sanctions, err := s.app.SanctionCounts(ctx)
	if err != nil {
		return err
	}
	survey, err := s.app.SurveyResults(ctx)
	if err != nil {
		return err
	}
	closed := map[string]bool{}
	names := map[string]string{}
	for _, v := range s.app.Rules().Versions {
		if v.Discipline != nil {
			for id, x := range v.Discipline.States {
				closed[id] = closed[id] || x.Closed
				names[id] = x.Name
			}
		}
	}
	d := statisticsData{Stats: st, Survey: survey, Sanctions: sanctions}
	quarters, series := openByState(flows, closed)
	for i := range series {
		if n := names[series[i].Name]; n != "" {
			series[i].Name = n
		}
	}
	d.Quarters = quarters
	d.OpenChart = svg.StackedBars("Open cases by state at the end of each quarter", quarters, series, 860, 360)
	days := map[string][2]int{}
	for _, f := range flows {
		if f.Closing {
			x := days[f.Quarter]
			x[0] += f.Moves
			x[1] += int(f.DaysOpen)
			days[f.Quarter] = x
		}
	}
	var dq []string
	avg := svg.Series{Name: "average days from opening to decision"}
	for _, q := range quarters {
		if x := days[q]; x[0] > 0 {
			dq = append(dq, q)
			avg.Values = append(avg.Values, float64(x[1])/float64(x[0]))
		}
	}
	d.DecisionChart = svg.LineChart("Time from complaint to decision", dq, []svg.Series{avg}, 860, 320)
	var labels []string
	var values []float64
	for _, c := range sanctions {
		name := inWords(c.Sanction)
		if x := s.app.Rules().LatestSanction(c.Sanction); x != nil && x.Name != "" {
			name = x.Name
		}
		labels = append(labels, c.Clause+": "+name)
		values = append(values, float64(c.Cases))
	}
	d.SanctionChart = svg.HBars("Sanctions by clause", labels, values, 860)
	s.render(w, r, http.StatusOK, "statistics", "Statistics", d)
	return nil
}

type precedentsData struct {
	Clause string
	// Choices are the factors of every version of the rule book, by id; Chosen
	// those ticked.
	Choices           []*rules.Factor
	Chosen            map[string]bool
	Result            *discipline.Precedents
	Prev, Next, Shown string
}

// Factor is the factor id as the rule book gives it, nil if none does.
func (d precedentsData) Factor(id string) *rules.Factor {
	for _, f := range d.Choices {
		if f.ID == id {
			return f
		}
	}
	return nil
}

func (s *Server) precedentsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := precedentsData{Clause: strings.TrimSpace(q.Get("clause")), Chosen: map[string]bool{}}
	if !s.app.May(r.Context(), app.ReadPrecedents, app.Resource{}) {
		return rulebook.Errorf(rulebook.EForbidden, "your roles do not read precedents")
	}
	seen := map[string]bool{}
	for _, v := range s.app.Rules().Versions {
		if v.Discipline == nil {
			continue
		}
		for _, id := range sortedKeys(v.Discipline.Factors) {
			if !seen[id] {
				seen[id] = true
				d.Choices = append(d.Choices, v.Discipline.Factors[id])
			}
		}
	}
	sort.SliceStable(d.Choices, func(i, j int) bool { return d.Choices[i].Kind < d.Choices[j].Kind })
	factors := []string{}
	for _, f := range q["factor"] {
		if f = strings.TrimSpace(f); f != "" && !d.Chosen[f] {
			d.Chosen[f] = true
			factors = append(factors, f)
		}
	}
	if d.Clause != "" {
		offset, _ := strconv.Atoi(q.Get("offset"))
		offset = max(offset, 0)
		const limit = 50
		res, err := s.app.Precedents(r.Context(), d.Clause, factors, limit, offset)
		if err != nil {
			return err
		}
		d.Result = res
		d.Prev, d.Next, d.Shown = pager("/precedents", q, offset, limit, len(res.Precedents), res.Total, res.More)
	}
	s.render(w, r, http.StatusOK, "precedents", "Precedents", d)
	return nil
}

func (s *Server) interferencePage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Interference(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "interference", "Interference register", list)
	return nil
}

type accessLogData struct {
	Subject string
	Entries []app.AccessEntry
}

func (s *Server) accessLogPage(w http.ResponseWriter, r *http.Request) error {
	subject := strings.TrimSpace(r.URL.Query().Get("subject"))
	es, err := s.app.AccessLog(r.Context(), subject, 500)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "accesslog", "Access log", accessLogData{Subject: subject, Entries: es})
	return nil
}

type verifyData struct {
	Result  *sqldb.VerifyResult
	Diffs   []string
	Checked bool
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.Verify(r.Context(), nil)
	if err != nil {
		return err
	}
	d := verifyData{Result: res}
	if res.OK && r.URL.Query().Get("projection") == "1" {
		if d.Diffs, err = s.app.CheckProjection(r.Context()); err != nil {
			return err
		}
		d.Checked = true
	}
	s.render(w, r, http.StatusOK, "verify", "Verify the record", d)
	return nil
}

type transparencyData struct {
	Stats   *app.PublicStats
	Clauses []struct {
		Clause string
		Cases  app.Count
	}
}

func (s *Server) transparency(w http.ResponseWriter, r *http.Request) error {
	st, err := s.app.PublicStatistics(r.Context())
	if err != nil {
		return err
	}
	d := transparencyData{Stats: st}
	for _, c := range sortedKeys(st.Clauses) {
		d.Clauses = append(d.Clauses, struct {
			Clause string
			Cases  app.Count
		}{c, st.Clauses[c]})
	}
	s.render(w, r, http.StatusOK, "transparency", "Published statistics", d)
	return nil
}

var _ = fmt.Sprint
var _ = strconv.Itoa
