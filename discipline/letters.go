package discipline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb"
)

// Letter fills a notice for the case from the record: the parties from the register,
// the allegations from the complaints, the charges with their clause texts under the
// rule book of the conduct, the hearing, the decision and the deadlines. It is
// addressed to the respondent, or to the member to (e.g. a complainant). Complainants
// are named to the respondent unless the rule book's subject-access rules withhold
// them, in which case the letter says so.
func (s *Service) Letter(ctx context.Context, c *Case, template, to string, date rulebook.Date) (notices.Letter, error) {
	last := c.LastDate()
	proc, vc, err := Versions(s.rb(), c, last)
	if err != nil {
		return notices.Letter{}, err
	}
	// The step the letter is about: the last that sends it (its transition's
	// notice), else the last step. A letter shown after later steps still
	// cites, is dated and is signed as when it was sent.
	step := letterStep(c, proc.Discipline, template)
	if date.IsZero() {
		date = last
		if step != nil {
			date = step.Date
		}
	}
	party := func(id string) notices.Party {
		h, err := s.db().History(ctx, id)
		if err != nil {
			return notices.Party{Name: id}
		}
		return notices.Party{Name: h.Member.Name, Email: h.Member.Email, Address: h.Member.Address, MemberID: id}
	}
	l := notices.Letter{Organisation: s.rb().Organisation, Ref: c.ID, Date: date, Respondent: party(c.Respondent), Body: c.Summary,
		Terms: proc.Discipline.Terms}
	l.To = l.Respondent
	if to != "" && to != c.Respondent {
		l.To = party(to)
	}
	var reasons []string
	for _, p := range c.Complainants {
		if l.To.MemberID == c.Respondent && c.withheld(p) {
			for _, w := range c.Withheld {
				if w.Person == p && !has(reasons, w.Reason) {
					reasons = append(reasons, w.Reason)
				}
			}
			continue
		}
		l.Complainants = append(l.Complainants, party(p))
	}
	if len(reasons) > 0 {
		l.ComplainantsWithheld = strings.Join(reasons, "; ")
	}
	for _, id := range c.Complaints {
		if cr, err := s.complaint(ctx, id); err == nil {
			l.Allegations = append(l.Allegations, notices.Allegation{Date: cr.Conduct, Summary: cr.Summary, Clauses: cr.Clauses})
		}
	}
	for _, ch := range c.Charges {
		cl := vc.Clause(ch.Clause)
		l.Charges = append(l.Charges, notices.Charge{Count: ch.Count, Clause: ch.Clause, ClauseTitle: cl.Title, ClauseText: strings.TrimSpace(cl.Text), Particulars: ch.Particulars, Finding: ch.Finding})
	}
	if h := c.Hearing; h != nil {
		nh := &notices.Hearing{Date: h.Date, Place: h.Place, Paper: h.Paper}
		if c.Panel != nil {
			for _, m := range c.Panel.Members {
				nh.Panel = append(nh.Panel, m.Name)
			}
		}
		l.Hearing = nh
	}
	if su := c.Suspension; su != nil {
		ns := &notices.Suspension{From: su.From, ReviewBy: su.ReviewBy, Clause: proc.Discipline.Suspension.Clause}
		removed, kept := suspensionRights(vc, proc.Discipline.Statuses.Suspended, su.Rights)
		ns.RightsRemoved, ns.RightsKept = removed, kept
		l.Suspension = ns
	}
	if step != nil {
		t := proc.Discipline.Transitions[step.Transition]
		if t != nil {
			l.Rules = append(l.Rules, rule(proc, t.Clause))
			if b := proc.Bodies[step.Body]; b != nil {
				l.Signatory = b.Name
			}
		}
		if c.Closed || len(c.InForce()) > 0 {
			d := &notices.Decision{Outcome: strings.ReplaceAll(c.Outcome, "_", " "), Reasons: step.Rationale, Body: "the " + l.Signatory}
			if step.Vote != nil {
				d.Vote = fmt.Sprintf("%d for, %d against", step.Vote.For, step.Vote.Against)
			}
			in := c.InForce()
			for i, so := range in {
				name := so.Sanction
				if sn := vc.Sanctions[so.Sanction]; sn != nil {
					name = sn.Name
				}
				if i == 0 || !so.Until.IsZero() {
					d.From, d.Until, d.CreditFrom = so.From, so.Until, so.CreditFrom
				}
				if len(in) == 1 && so.Amount.IsZero() && so.Count == 0 {
					d.Sanction = name
					continue
				}
				line := name
				if !so.Amount.IsZero() {
					line += fmt.Sprintf(" of %s, to be paid by %s", so.Amount, so.PayBy)
				}
				if so.Count > 0 {
					line += " (" + vc.Amount(so.Count, so.Unit) + ")"
				}
				if !so.Until.IsZero() {
					line += fmt.Sprintf(", from %s until %s", so.From, so.Until)
				}
				d.Sanctions = append(d.Sanctions, line)
			}
			// Final unless the procedure provides a permitted step from where the
			// case now stands.
			d.Final = true
			for _, t := range proc.Discipline.TransitionsFrom(c.State) {
				if t.IsPermitted() {
					d.Final = false
				}
				if !t.IsPermitted() && d.ReviewClause == "" {
					d.ReviewClause = t.Clause
				}
			}
			l.Decision = d
		}
	}
	if c.Trigger != nil {
		if tv, err := s.rb().VersionAt(c.Trigger.Conduct); err == nil {
			if tr := tv.Triggers[c.Trigger.Trigger]; tr != nil {
				l.Rules = append(l.Rules, rule(tv, tr.Clause))
			}
		}
		l.Evidence = s.evidence(ctx, c)
	}
	if r := proc.Readmission; r != nil && (template == "automatic_exclusion" || template == "readmission_decision") {
		nr := &notices.Readmission{Clause: r.Clause, How: "apply in writing to " + proc.BodiesInText(r.DecidedBy)}
		nr.Body = proc.BodiesInText(r.DecidedBy)
		if h, err := s.db().History(ctx, c.Respondent); err == nil {
			if p := h.StatusAt(date); p != nil && has(r.From, p.Status) {
				nr.Earliest = r.WaitingPeriod.AddTo(p.From)
			}
		}
		l.Readmission = nr
	}
	for _, d := range c.Deadlines(proc.Discipline) {
		if d.Kind == "hearing" || d.Kind == "condition" || d.Kind == "step" {
			l.Deadlines = append(l.Deadlines, notices.Deadline{What: d.What, Due: d.Due})
		}
	}
	for _, rf := range c.Refusals {
		if template == "review_refused" {
			l.Rules = append(l.Rules, rule(proc, rf.Clause))
			l.Body = rf.Demand
		}
	}
	sort.SliceStable(l.Deadlines, func(i, j int) bool { return l.Deadlines[i].Due < l.Deadlines[j].Due })
	if l.Signatory == "" {
		l.Signatory = "General Secretary"
	}
	return l, nil
}

// letterStep is the last step of c whose transition sends template, or else
// its last step (nil when it has none).
// SentLetter is a letter a case has sent, and when: the date of the last
// step that sent it, whose letter Letter fills, or of its last recorded
// sending.
type SentLetter struct {
	Template string        `json:"template"`
	Date     rulebook.Date `json:"date"`
}

// LettersSent lists the letters the case has sent, by date: those recorded
// as sent, and those its steps send (their transitions'
// notices, under the procedure in force at the case's last step, as Letter
// reads them).
func LettersSent(rb *rules.RuleBook, c *Case) ([]SentLetter, error) {
	proc, _, err := Versions(rb, c, c.LastDate())
	if err != nil {
		return nil, err
	}
	var out []SentLetter
	fromStep := map[string]bool{}
	add := func(tpl string, date rulebook.Date, step bool) {
		if tpl == "" {
			return
		}
		i := slices.IndexFunc(out, func(l SentLetter) bool { return l.Template == tpl })
		switch {
		case i < 0:
			out = append(out, SentLetter{Template: tpl, Date: date})
		case step || !fromStep[tpl]:
			// A step's date stands over a recorded sending's, as Letter dates
			// the letter by the step.
			out[i].Date = date
		}
		fromStep[tpl] = fromStep[tpl] || step
	}
	for _, n := range c.Notices {
		add(n.Template, n.Date, false)
	}
	for _, st := range c.Steps {
		if t := proc.Discipline.Transitions[st.Transition]; t != nil {
			add(t.Notice, st.Date, true)
		}
	}
	// By date, as a reader looks for them.
	slices.SortStableFunc(out, func(a, b SentLetter) int { return cmp.Compare(a.Date, b.Date) })
	return out, nil
}

// LastDate is the date of the case's last step, or of its opening.
func (c *Case) LastDate() rulebook.Date {
	if n := len(c.Steps); n > 0 {
		return c.Steps[n-1].Date
	}
	return c.Opened
}

func letterStep(c *Case, x *rules.Discipline, template string) *StepRecord {
	for i := len(c.Steps) - 1; i >= 0; i-- {
		if t := x.Transitions[c.Steps[i].Transition]; t != nil && t.Notice == template {
			return &c.Steps[i]
		}
	}
	if n := len(c.Steps); n > 0 {
		return &c.Steps[n-1]
	}
	return nil
}

func (s *Service) evidence(ctx context.Context, c *Case) []string {
	// Exactly this case's subject: as a prefix, case/X would take in case/X2's evidence.
	evs, err := s.db().Events(ctx, sqldb.EventFilter{Subject: subject(c.ID), Type: EventStep})
	if err != nil {
		return nil
	}
	var out []string
	for i := range evs {
		var st Step
		if evs[i].Type == EventStep && jsonInto(evs[i].Data, &st) == nil {
			out = append(out, st.Evidence...)
		}
	}
	return out
}

func rule(v *rules.Version, id string) notices.Rule {
	cl := v.Clause(id)
	return notices.Rule{Clause: cl.ID, Title: cl.Title, Text: strings.TrimSpace(cl.Text)}
}

// suspensionRights lists, by action name, what a suspension removes and keeps: the
// rights matrix for the suspended status, adjusted by the decision's own rights.
func suspensionRights(v *rules.Version, status string, override map[string]bool) (removed, kept []string) {
	si, ok := v.StatusIndex(status)
	if !ok {
		return nil, nil
	}
	for ai, a := range v.Actions {
		allowed := v.Cell(si, ai).Allowed
		if o, ok := override[a.ID]; ok {
			allowed = o
		}
		if allowed {
			kept = append(kept, a.Name)
		} else {
			removed = append(removed, a.Name)
		}
	}
	return removed, kept
}

// MailNotifier returns a Notify function that renders the step's letter from the
// templates and e-mails it, with its PDF, to whom the template is written: the
// respondent, or each complainant on the register (an acknowledgement), through
// the mailer.
func MailNotifier(s *Service, t *notices.Templates, m *notices.Mailer) func(ctx context.Context, c *Case, template string) ([]string, string, error) {
	return func(ctx context.Context, c *Case, template string) ([]string, string, error) {
		recipients := []string{c.Respondent}
		if t.Addressee(template) == notices.ToComplainants {
			recipients = nil
			for _, p := range c.Complainants {
				if _, err := s.db().History(ctx, p); err == nil {
					recipients = append(recipients, p)
				}
			}
		}
		var to []string
		var lastID string
		for _, r := range recipients {
			l, err := s.Letter(ctx, c, template, r, 0)
			if err != nil {
				return nil, "", err
			}
			addr := l.To.MailAddress()
			if addr == "" {
				continue // no e-mail address on the register: a letter goes by post
			}
			rd, err := t.Render(template, l)
			if err != nil {
				return nil, "", err
			}
			pdf, err := notices.PDF(rd, l)
			if err != nil {
				return nil, "", err
			}
			id, err := m.Send(ctx, []string{addr}, rd, pdf)
			if err != nil {
				return to, lastID, err
			}
			to, lastID = append(to, r), id
		}
		return to, lastID, nil
	}
}
