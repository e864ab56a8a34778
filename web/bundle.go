package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/notices"
)

// bundle builds the hearing bundle of a case as the reader may see it (the
// redactions of their roles apply): summary, complaints, charges and findings,
// panel and hearing, the timeline, and the letters sent.
func (s *Server) bundle(r *http.Request) (*notices.Bundle, error) {
	d, err := s.caseData(r, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !d.Staff {
		return nil, rulebook.Errorf(rulebook.EForbidden, "the hearing bundle is for the case team and the panel")
	}
	c, p := d.File.Case, app.PrincipalFrom(r.Context())
	b := &notices.Bundle{Organisation: s.app.Rules().Organisation, Title: "Hearing bundle", Ref: c.ID,
		Subtitle:     "Respondent: " + d.File.Person(c.Respondent),
		Prepared:     fmt.Sprintf("Prepared %s by %s", s.app.Today().Long(), p.Actor()),
		Confidential: "CONFIDENTIAL — disciplinary case file; special category personal data"}
	if c.Hearing != nil {
		b.Subtitle += " — hearing " + c.Hearing.Date.Long()
	}
	var complainants []string
	for _, k := range c.Complainants {
		complainants = append(complainants, d.File.Person(k))
	}
	summary := notices.Section{Title: "The case", Blocks: []notices.Block{{Fields: [][2]string{
		{"Reference", c.ID}, {"Kind", c.Kind}, {"Respondent", d.File.Person(c.Respondent)},
		{"State", d.StateNames[c.State] + " since " + c.StateSince.Long()}, {"Opened", c.Opened.Long()},
		{"Conduct", c.Conduct.Long() + ", judged under rule book version " + d.File.Conduct.ID},
		{"Procedure", "rule book version " + d.File.Procedure.ID}, {"Complainants", strings.Join(complainants, "; ")},
	}}, {Text: c.Summary}}}
	if len(d.File.Redactions) > 0 {
		summary.Blocks = append(summary.Blocks, notices.Block{Text: "Withheld from this copy under the rule book: " + strings.Join(d.File.Redactions, "; ") + "."})
	}
	b.Sections = append(b.Sections, summary)
	if len(d.File.Complaints) > 0 {
		sec := notices.Section{Title: "Complaints"}
		for _, k := range d.File.Complaints {
			sec.Blocks = append(sec.Blocks, notices.Block{Heading: "Complaint " + k.Row.ID}, notices.Block{Fields: [][2]string{
				{"From", d.File.Person(k.Row.Complainant) + " (" + k.Row.From + ", by " + k.Row.Via + ")"}, {"Received", k.Row.Received.Long()},
				{"Rules", strings.Join(k.Clauses, ", ")}}}, notices.Block{Text: k.Row.Summary})
			for _, inf := range k.Information {
				sec.Blocks = append(sec.Blocks, notices.Block{Text: "Added " + inf.Date.Long() + ": " + inf.Text})
			}
		}
		b.Sections = append(b.Sections, sec)
	}
	if len(c.Charges) > 0 {
		sec := notices.Section{Title: d.File.TermTitle("charges") + " and findings", Blocks: []notices.Block{{Header: []string{"Count", "Clause", "Particulars", "Finding"}}}}
		for _, ch := range c.Charges {
			finding := strings.ReplaceAll(ch.Finding, "_", " ")
			if ch.Reasons != "" {
				finding += ": " + ch.Reasons
			}
			sec.Blocks[0].Rows = append(sec.Blocks[0].Rows, []string{fmt.Sprint(ch.Count), ch.Clause, ch.Particulars, finding})
		}
		// Each clause charged, once, however many counts are under it.
		printed := map[string]bool{}
		for _, ch := range c.Charges {
			if cl := d.File.Conduct.Clauses[ch.Clause]; cl != nil && !printed[cl.ID] {
				printed[cl.ID] = true
				sec.Blocks = append(sec.Blocks, notices.Block{Heading: "Clause " + cl.ID + " " + cl.Title}, notices.Block{Text: cl.Text})
			}
		}
		b.Sections = append(b.Sections, sec)
	}
	if c.Panel != nil || c.Hearing != nil {
		sec := notices.Section{Title: "Panel and hearing"}
		var f [][2]string
		if c.Panel != nil {
			f = append(f, [2]string{"Heard by", d.File.Procedure.BodiesInText([]string{c.Panel.Body})})
			for _, m := range c.Panel.Members {
				who := m.Name
				if m.Section != "" {
					who += " (" + d.File.Procedure.Discipline.SectionTitle(m.Section) + ")"
				}
				f = append(f, [2]string{"Panel member", who})
			}
		}
		if h := c.Hearing; h != nil {
			f = append(f, [2]string{"Hearing", strings.TrimSuffix(h.Date.Long()+" at "+h.Place, " at ")}, [2]string{"Notice given", h.Notice.Long()})
			if !h.EvidenceBy.IsZero() {
				f = append(f, [2]string{"Evidence due", h.EvidenceBy.Long()})
			}
		}
		sec.Blocks = append(sec.Blocks, notices.Block{Fields: f})
		b.Sections = append(b.Sections, sec)
	}
	tl := notices.Section{Title: "Timeline", Blocks: []notices.Block{{Header: []string{"Date", "What", "By", "Detail"}}}}
	for _, e := range d.Timeline {
		by := e.By
		if e.Clause != "" {
			by += ", clause " + e.Clause
		}
		detail := e.Detail
		if len(e.Criteria) > 0 {
			detail = strings.TrimSpace("Criteria: " + strings.Join(e.Criteria, "; ") + ". " + detail)
		}
		tl.Blocks[0].Rows = append(tl.Blocks[0].Rows, []string{e.Date.Long(), e.What, by, detail})
	}
	b.Sections = append(b.Sections, tl)
	if c.Mitigation != nil || len(c.Sanctions) > 0 {
		sec := notices.Section{Title: "Mitigation and sanction"}
		if m := c.Mitigation; m != nil {
			sec.Blocks = append(sec.Blocks, notices.Block{Heading: "Mitigation heard " + m.Heard.Long()}, notices.Block{Text: m.Summary})
		}
		for _, sn := range c.Sanctions {
			txt := d.File.SanctionName(sn.Sanction)
			if !sn.Amount.IsZero() {
				txt += " of " + sn.Amount.String() + ", to be paid by " + sn.PayBy.Long()
			}
			txt += " from " + sn.From.Long()
			if !sn.Until.IsZero() {
				txt += " until " + sn.Until.Long()
			}
			if !sn.Ended.IsZero() {
				txt += " — " + sn.EndedHow + " on " + sn.Ended.Long()
			}
			sec.Blocks = append(sec.Blocks, notices.Block{Heading: "Sanction"}, notices.Block{Text: txt})
			for _, id := range sn.Factors {
				factor := id
				if x := d.File.Factor(id); x != nil {
					factor = x.Kind + ": " + x.Text + " (" + id + ")"
				}
				sec.Blocks = append(sec.Blocks, notices.Block{Text: "Factor, " + factor})
			}
		}
		b.Sections = append(b.Sections, sec)
	}
	if s.app.May(r.Context(), app.ViewCaseRecord, app.Resource{Case: c}) {
		for _, cl := range d.File.Letters {
			tpl := cl.Template
			l, err := s.app.Letter(r.Context(), c.ID, tpl, cl.To, rulebook.NoDate)
			if err != nil {
				continue
			}
			rd, err := s.letters.Render(tpl, l)
			if err != nil {
				continue
			}
			b.Sections = append(b.Sections, notices.Section{Title: "Letter: " + d.File.LetterLabel(cl), Blocks: []notices.Block{{Heading: rd.Subject}, {Pre: rd.Text}}})
		}
	}
	return b, nil
}

func (s *Server) bundlePage(w http.ResponseWriter, r *http.Request) error {
	b, err := s.bundle(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "bundle", "Hearing bundle "+b.Ref, b)
	return nil
}

func (s *Server) bundlePDF(w http.ResponseWriter, r *http.Request) error {
	b, err := s.bundle(r)
	if err != nil {
		return err
	}
	pdf, err := notices.BundlePDF(*b)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", b.Ref+"-hearing-bundle.pdf"))
	_, err = w.Write(pdf)
	return err
}
