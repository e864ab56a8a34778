package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/sqldb"
)

// ComplaintDetail is a complaint with what its complainant added later.
type ComplaintDetail struct {
	Row sqldb.ComplaintRow `json:"complaint"`
	// Conduct and Clauses are as received (or as reported, before receipt).
	Conduct     rulebook.Date `json:"conduct,omitempty"`
	Clauses     []string      `json:"clauses,omitempty"`
	Information []Information `json:"information,omitempty"`
	// RespondentName and ComplainantName are their names on the register, for
	// pages (the complainant's when they are a member the reader may see).
	RespondentName, ComplainantName string `json:"-"`
}

// Information is something a complainant added to their complaint.
type Information struct {
	Date rulebook.Date `json:"date"`
	Text string        `json:"text"`
}

func (a *App) complaintRow(ctx context.Context, id string) (*sqldb.ComplaintRow, error) {
	rows, err := a.db().Complaints(ctx, sqldb.ComplaintFilter{ID: id})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound("complaint", id)
	}
	return &rows[0], nil
}

func (a *App) complaintDetail(ctx context.Context, id string) (*ComplaintDetail, error) {
	row, err := a.complaintRow(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &ComplaintDetail{Row: *row}
	evs, err := a.db().Events(ctx, sqldb.EventFilter{Subject: rulebook.ComplaintSubjectPrefix + id})
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		switch e.Type {
		case rulebook.EventComplaintReported:
			var r rulebook.ComplaintReported
			if json.Unmarshal(e.Data, &r) == nil && d.Conduct.IsZero() {
				d.Conduct = r.Conduct
			}
		case rulebook.EventComplaintReceived:
			var r rulebook.ComplaintReceived
			if json.Unmarshal(e.Data, &r) == nil {
				d.Conduct, d.Clauses = r.Conduct, r.Clauses
			}
		case rulebook.EventComplaintInformation:
			var r rulebook.ComplaintInformation
			if json.Unmarshal(e.Data, &r) == nil {
				d.Information = append(d.Information, Information{Date: e.Effective, Text: r.Text})
			}
		}
	}
	return d, nil
}

// Complaint returns a complaint: for complaints staff while it waits for a case,
// for the case team once it is in one, and for its complainant.
func (a *App) Complaint(ctx context.Context, id string) (*ComplaintDetail, error) {
	d, err := a.complaintDetail(ctx, id)
	if err != nil {
		return nil, err
	}
	r := Resource{Complaint: &d.Row}
	if d.Row.Case != "" {
		if c, err := a.cases.Case(ctx, d.Row.Case); err == nil {
			r.Case = c
		}
	}
	p, err := a.allow(ctx, ViewComplaint, r)
	if err != nil {
		return nil, err
	}
	if r.Case != nil && p.Member() != d.Row.Complainant {
		if ca := a.Policy.CaseAccess(p, r.Case); ca.View == StaffView && !a.Policy.shown(a.Policy.Hold(p), "complainants") {
			d.Row.Complainant = "[withheld]"
		}
	}
	names, err := a.db().MemberNames(ctx, []string{d.Row.Respondent, d.Row.Complainant})
	if err != nil {
		return nil, err
	}
	d.RespondentName = names[d.Row.Respondent]
	if d.Row.Complainant != "[withheld]" {
		d.ComplainantName = names[d.Row.Complainant]
	}
	return d, a.logAccess(ctx, p, "view_complaint", rulebook.ComplaintSubjectPrefix+id, "")
}

// Complaints lists complaints: every one (or those waiting for a case) for
// complaints staff and the auditor; a member's own for a member.
func (a *App) Complaints(ctx context.Context, f sqldb.ComplaintFilter) ([]sqldb.ComplaintRow, error) {
	p := PrincipalFrom(ctx)
	if err := a.Policy.Decide(p, ReceiveComplaints, Resource{}); err != nil {
		h := a.Policy.Hold(p)
		switch {
		case h.Auditor:
		case h.Member:
			f.Complainant = p.Account.Member
		default:
			return nil, err
		}
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	rows, err := a.db().Complaints(ctx, f)
	if err != nil {
		return nil, err
	}
	return orEmpty(rows), a.logAccess(ctx, p, "list_complaints", "complaints", "")
}

// ReceiveComplaint records a written complaint as received, naming the member it
// is about and the rules said to be broken. A complaint made through the form is
// received under its own id, keeping who made it and how.
func (a *App) ReceiveComplaint(ctx context.Context, received rulebook.Date, c rulebook.ComplaintReceived) (*rulebook.Event, error) {
	p, err := a.allow(ctx, ReceiveComplaints, Resource{})
	if err != nil {
		return nil, err
	}
	if received.IsZero() {
		received = a.Today()
	}
	c.Complainant, c.Summary = trim(c.Complainant), trim(c.Summary)
	if rulebook.ValidID(c.ID) {
		if row, err := a.complaintRow(ctx, c.ID); err == nil {
			if !row.Received.IsZero() {
				return nil, rulebook.Errorf(rulebook.EConflict, "complaint %s was already received on %s", c.ID, row.Received)
			}
			// The receipt of a reported complaint: who made it, and how, come
			// from the report.
			c.Complainant, c.From, c.Via = row.Complainant, row.From, "form"
			if c.Summary == "" {
				c.Summary = row.Summary
			}
			if received < row.Reported {
				return nil, fieldErr("received", "%s is before the complaint was made (%s)", received, row.Reported)
			}
		}
	}
	if c.Conduct > received {
		return nil, fieldErr("conduct", "the conduct (%s) cannot be after the complaint was received (%s)", c.Conduct, received)
	}
	return a.reg.ReceiveComplaint(ctx, p.Actor(), received, c)
}

// ReportInput is a complaint made through the complaint form.
type ReportInput struct {
	About     string        `json:"about"`
	AboutUnit string        `json:"about_unit"`
	Conduct   rulebook.Date `json:"conduct"`
	Summary   string        `json:"summary"`
}

// Reported is a complaint made: its reference and, for an anonymous one, the key
// to follow it with (shown once, never stored).
type Reported struct {
	ID  string `json:"id"`
	Key string `json:"key,omitempty"`
}

// ReportComplaint records a complaint made through the form: by a signed-in
// member as themselves, or by anyone anonymously, who gets a report key to follow
// it and add information later, as whistle-blowing lines give.
func (a *App) ReportComplaint(ctx context.Context, in ReportInput, addr string) (*Reported, error) {
	p, err := a.allow(ctx, ReportComplaint, Resource{})
	if err != nil {
		return nil, err
	}
	if !a.signIns.allow("report:"+addr, a.now()) {
		return nil, rulebook.Errorf(rulebook.ERateLimited, "too many complaints from your address in the last minute: wait a minute")
	}
	in.About, in.AboutUnit, in.Summary = trim(in.About), trim(in.AboutUnit), trim(in.Summary)
	switch {
	case in.About == "":
		return nil, fieldErr("about", "say who the complaint is about")
	case len(in.About) > 200 || len(in.AboutUnit) > 200:
		return nil, fieldErr("about", "is longer than 200 characters")
	case in.Summary == "":
		return nil, fieldErr("summary", "say what happened")
	case len(in.Summary) > 20000:
		return nil, fieldErr("summary", "is longer than 20,000 characters")
	case in.Conduct > a.Today():
		return nil, fieldErr("conduct", "%s is in the future", in.Conduct)
	}
	r := rulebook.ComplaintReported{About: in.About, AboutUnit: in.AboutUnit, Conduct: in.Conduct, Summary: in.Summary, From: "public"}
	if a.Policy.Hold(p).Member {
		r.Complainant, r.From = p.Account.Member, "member"
	}
	r.ID = newComplaintID(a.Today())
	if _, err := a.complaintRow(ctx, r.ID); err == nil {
		r.ID = newComplaintID(a.Today())
	}
	out := &Reported{ID: r.ID}
	actor := "public"
	if r.Complainant != "" {
		actor = p.Actor()
	}
	e, err := register.Event(rulebook.EventComplaintReported, rulebook.ComplaintSubjectPrefix+r.ID, actor, a.Today(), r)
	if err != nil {
		return nil, err
	}
	var then func(*sqldb.Appender) error
	if r.Complainant == "" {
		out.Key = newReportKey()
		then = func(ap *sqldb.Appender) error { return ap.PutReportKey(hashToken(normalKey(out.Key)), r.ID) }
	}
	if err := a.appendEvent(ctx, e, then); err != nil {
		return nil, err
	}
	return out, nil
}

func newComplaintID(d rulebook.Date) string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("C%d-%s", d.Time().Year(), strings.ToUpper(hex.EncodeToString(b[:])))
}

// newReportKey draws a key of 100 random bits, written in groups for copying.
func newReportKey() string {
	b := make([]byte, 25)
	rand.Read(b)
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:20]
	return s[0:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:20]
}

// normalKey forgives how a key is typed back: case, spaces and dashes.
func normalKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '2' && r <= '7':
			return r
		}
		return -1
	}, k)
}

// ReportStatus is what an anonymous complainant sees of their complaint: where it
// has got to, never the case file.
type ReportStatus struct {
	ID       string        `json:"id"`
	Made     rulebook.Date `json:"made"`
	Received rulebook.Date `json:"received,omitempty"`
	// Stage is "made", "received", "under consideration" or "decided".
	Stage   string        `json:"stage"`
	Outcome string        `json:"outcome,omitempty"`
	Decided rulebook.Date `json:"decided,omitempty"`
	// Information is what the complainant has added.
	Information []Information `json:"information,omitempty"`
	// Survey is set when the complainant is invited to the confidence survey.
	Survey bool `json:"survey,omitempty"`
}

func (a *App) reportByKey(ctx context.Context, key string) (string, error) {
	id, err := a.db().ReportKey(ctx, hashToken(normalKey(key)))
	if err != nil {
		return "", rulebook.Errorf(rulebook.ENotFound, "no complaint has this report key: check it and try again")
	}
	return id, nil
}

// FollowReport tells an anonymous complainant where their complaint has got to.
func (a *App) FollowReport(ctx context.Context, key, addr string) (*ReportStatus, error) {
	p, err := a.allow(ctx, FollowReport, Resource{})
	if err != nil {
		return nil, err
	}
	if !a.signIns.allow("follow:"+addr, a.now()) {
		return nil, rulebook.Errorf(rulebook.ERateLimited, "too many attempts from your address: wait a minute")
	}
	id, err := a.reportByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	d, err := a.complaintDetail(ctx, id)
	if err != nil {
		return nil, err
	}
	st := &ReportStatus{ID: id, Made: d.Row.Reported, Received: d.Row.Received, Stage: "made", Information: d.Information}
	if !d.Row.Received.IsZero() {
		st.Stage = "received"
	}
	if d.Row.Case != "" {
		st.Stage = "under consideration"
		if c, err := a.cases.Case(ctx, d.Row.Case); err == nil && c.Closed {
			st.Stage, st.Outcome, st.Decided = "decided", outcomeWords(c.Outcome), c.StateSince
		}
	}
	invs, err := a.db().Invitations(ctx, reporterPerson(id))
	if err != nil {
		return nil, err
	}
	st.Survey = len(invs) > 0
	return st, a.logAccess(ctx, p, "follow_report", rulebook.ComplaintSubjectPrefix+id, "")
}

// outcomeWords turns an outcome id into words for people outside the case.
func outcomeWords(id string) string { return strings.ReplaceAll(id, "_", " ") }

// AddInformation adds to a complaint: by an anonymous complainant with their
// report key (key set), or by the member who made it (id set).
func (a *App) AddInformation(ctx context.Context, key, id, text, addr string) error {
	text = trim(text)
	p := PrincipalFrom(ctx)
	actor := "public"
	if key != "" {
		if !a.signIns.allow("follow:"+addr, a.now()) {
			return rulebook.Errorf(rulebook.ERateLimited, "too many attempts from your address: wait a minute")
		}
		var err error
		if id, err = a.reportByKey(ctx, key); err != nil {
			return err
		}
	} else {
		row, err := a.complaintRow(ctx, id)
		if err != nil {
			return err
		}
		if !a.Policy.Hold(p).Member || row.Complainant != p.Account.Member {
			return notFound("complaint", id)
		}
		actor = p.Actor()
	}
	if text == "" {
		return fieldErr("text", "write something")
	}
	if len(text) > 20000 {
		return fieldErr("text", "is longer than 20,000 characters")
	}
	e, err := register.Event(rulebook.EventComplaintInformation, rulebook.ComplaintSubjectPrefix+id, actor, a.Today(), rulebook.ComplaintInformation{Text: text})
	if err != nil {
		return err
	}
	return a.db().Append(ctx, e)
}

// Count is a number published with small counts suppressed: fewer than five (but
// not none) shows as "<5", so that no one can be picked out.
type Count int

// SmallCount is the threshold below which published counts are suppressed.
const SmallCount = 5

func (n Count) String() string {
	if n > 0 && n < SmallCount {
		return "<5"
	}
	return strconv.Itoa(int(n))
}

// MarshalJSON publishes the count as String does.
func (n Count) MarshalJSON() ([]byte, error) { return json.Marshal(n.String()) }

// PublicQuarter is one quarter of the published statistics.
type PublicQuarter struct {
	Quarter    string           `json:"quarter"`
	Complaints Count            `json:"complaints_received"`
	Decided    Count            `json:"cases_decided"`
	Outcomes   map[string]Count `json:"outcomes"`
	// DaysToDecision is the average days from opening to decision, shown only
	// when enough cases were decided that no one's can be read from it.
	DaysToDecision string `json:"average_days_to_decision"`
}

// PublicStats are the statistics anyone may read.
type PublicStats struct {
	Organisation string           `json:"organisation"`
	Quarters     []PublicQuarter  `json:"quarters"`
	Clauses      map[string]Count `json:"cases_by_clause"`
	Outcomes     []string         `json:"outcomes"`
}

// PublicStatistics are quarterly figures for anyone to read: complaints received,
// cases decided by outcome, the time to decision, and cases by clause.
func (a *App) PublicStatistics(ctx context.Context) (*PublicStats, error) {
	ctx = onReplica(ctx)
	if _, err := a.allow(ctx, ReadPublicStats, Resource{}); err != nil {
		return nil, err
	}
	byQ := map[string]*PublicQuarter{}
	q := func(k string) *PublicQuarter {
		if byQ[k] == nil {
			byQ[k] = &PublicQuarter{Quarter: k, Outcomes: map[string]Count{}}
		}
		return byQ[k]
	}
	complaints, err := a.db().ComplaintsByQuarter(ctx)
	if err != nil {
		return nil, err
	}
	for k, n := range complaints {
		q(k).Complaints = Count(n)
	}
	steps, err := a.db().StepCounts(ctx)
	if err != nil {
		return nil, err
	}
	outcomes := map[string]bool{}
	for _, s := range steps {
		if s.Outcome != "" {
			q(s.Quarter).Outcomes[outcomeWords(s.Outcome)] += Count(s.Steps)
			outcomes[outcomeWords(s.Outcome)] = true
		}
	}
	flows, err := a.db().FlowCounts(ctx)
	if err != nil {
		return nil, err
	}
	days := map[string][2]int64{}
	for _, f := range flows {
		if f.Closing {
			d := days[f.Quarter]
			d[0] += int64(f.Moves)
			d[1] += f.DaysOpen
			days[f.Quarter] = d
		}
	}
	for k, d := range days {
		pq := q(k)
		pq.Decided = Count(d[0])
		pq.DaysToDecision = "—"
		if d[0] >= SmallCount {
			pq.DaysToDecision = strconv.FormatInt((d[1]+d[0]/2)/d[0], 10)
		}
	}
	out := &PublicStats{Organisation: a.Rules().Organisation, Clauses: map[string]Count{}}
	for _, pq := range byQ {
		out.Quarters = append(out.Quarters, *pq)
	}
	sort.Slice(out.Quarters, func(i, j int) bool { return out.Quarters[i].Quarter > out.Quarters[j].Quarter })
	clauses, err := a.db().ClauseCounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range clauses {
		out.Clauses[c.Clause] += Count(c.Cases)
	}
	for o := range outcomes {
		out.Outcomes = append(out.Outcomes, o)
	}
	sort.Strings(out.Outcomes)
	return out, nil
}

// SurveyQuestions are the confidence survey's statements, each answered from 1
// (strongly disagree) to 5 (strongly agree).
var SurveyQuestions = []struct{ ID, Text string }{
	{"understood", "I understood what would happen at each stage"},
	{"fair", "I was treated fairly"},
	{"timely", "The case was dealt with in a reasonable time"},
	{"confidence", "I have confidence in the process"},
}

func checkScores(scores map[string]int) error {
	if len(scores) == 0 {
		return fieldErr("scores", "answer at least one question")
	}
	for q, s := range scores {
		known := false
		for _, x := range SurveyQuestions {
			known = known || x.ID == q
		}
		if !known {
			return fieldErr("scores", "no question %q", q)
		}
		if s < 1 || s > 5 {
			return fieldErr("scores."+q, "answer from 1 to 5")
		}
	}
	return nil
}

// SurveyInvitations lists the principal's unanswered survey invitations.
func (a *App) SurveyInvitations(ctx context.Context) ([]sqldb.Invitation, error) {
	p, err := a.allow(ctx, AnswerSurvey, Resource{})
	if err != nil {
		return nil, err
	}
	invs, err := a.db().Invitations(ctx, p.Account.Member)
	return orEmpty(invs), err
}

// AnswerSurvey records a member's answers about a case, apart from who gave them.
func (a *App) AnswerSurvey(ctx context.Context, caseID string, scores map[string]int) error {
	p, err := a.allow(ctx, AnswerSurvey, Resource{})
	if err != nil {
		return err
	}
	if err := checkScores(scores); err != nil {
		return err
	}
	return a.db().Answer(ctx, caseID, p.Account.Member, scores)
}

// AnswerSurveyByKey records an anonymous complainant's answers.
func (a *App) AnswerSurveyByKey(ctx context.Context, key string, scores map[string]int, addr string) error {
	if !a.signIns.allow("follow:"+addr, a.now()) {
		return rulebook.Errorf(rulebook.ERateLimited, "too many attempts from your address: wait a minute")
	}
	id, err := a.reportByKey(ctx, key)
	if err != nil {
		return err
	}
	if err := checkScores(scores); err != nil {
		return err
	}
	invs, err := a.db().Invitations(ctx, reporterPerson(id))
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		return rulebook.Errorf(rulebook.ENotFound, "no unanswered survey for this complaint")
	}
	return a.db().Answer(ctx, invs[0].Case, reporterPerson(id), scores)
}

// SurveyResult is the answers to one question from one kind of party in a quarter.
type SurveyResult struct {
	Quarter  string `json:"quarter"`
	Party    string `json:"party"`
	Question string `json:"question"`
	Answers  Count  `json:"answers"`
	// Average is shown only for enough answers that no one's can be read from it.
	Average string `json:"average"`
}

// SurveyResults are the survey's answers in aggregate, for oversight.
func (a *App) SurveyResults(ctx context.Context) ([]SurveyResult, error) {
	p, err := a.allow(ctx, Oversee, Resource{})
	if err != nil {
		return nil, err
	}
	counts, err := a.db().SurveyCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := []SurveyResult{}
	for _, c := range counts {
		r := SurveyResult{Quarter: c.Quarter, Party: c.Party, Question: c.Question, Answers: Count(c.Answers), Average: "—"}
		if c.Answers >= SmallCount {
			r.Average = strconv.FormatFloat(float64(c.Total)/float64(c.Answers), 'f', 1, 64)
		}
		out = append(out, r)
	}
	return out, a.logAccess(ctx, p, "survey_results", "survey", "")
}
