// Package notices writes the letters of the disciplinary process — acknowledgement,
// notice of investigation, administrative suspension, charges, hearing, decision,
// refused review, automatic exclusion, readmission — from html/template files, renders
// each to HTML, plain text and PDF, and sends it by e-mail over SMTP.
//
// It holds no state and touches no database: the caller (the discipline workflow)
// fills a Letter from the case and records the sending as an event. The only I/O is
// the SMTP connection Mailer.Send opens, and Load reading a template directory.
//
// One template per kind is the single source of a letter: the plain-text alternative
// and the PDF are derived from the rendered HTML's structure (headings, paragraphs,
// list items, quotations), so the three forms cannot drift apart.
package notices

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulebook/rulebook"
)

// Letter is everything a notice may need; templates use what they need.
type Letter struct {
	Organisation string
	Ref          string        // case reference, e.g. "C-2016-001"
	Date         rulebook.Date // date of the letter
	To           Party         // recipient
	Respondent   Party
	Complainants []Party      // may be redacted by the caller
	Allegations  []Allegation // the conduct complained of
	Charges      []Charge     // one per count
	Hearing      *Hearing
	Decision     *Decision
	Suspension   *Suspension // administrative suspension: from, rights removed, review date
	Deadlines    []Deadline  // e.g. "evidence by", "appeal within"
	Signatory    string      // e.g. "General Secretary"
	Body         string      // free paragraphs, already plain text

	// Rules are the clauses the letter relies on, with their text, where there are no
	// charges to carry them (an investigation, a suspension, an exclusion, a refused
	// review): due process means quoting the rule, not just numbering it.
	Rules []Rule
	// ComplainantsWithheld, when set, says why complainants are not named
	// (recorded reason); without it an empty Complainants list says nothing.
	ComplainantsWithheld string
	// Evidence lists what a decision taken without a hearing (automatic exclusion)
	// relies on, so that the member can see and answer it.
	Evidence []string
	// Readmission is the way back after an exclusion or expulsion, or after a refused
	// readmission.
	Readmission *Readmission
	// Contact is whom to contact about the letter (e.g. an office's e-mail address);
	// the Signatory when empty.
	Contact string
	// Terms are the rule book's own words for the procedure's steps (see
	// DefaultTerms); templates write them with .Term and .TermTitle.
	Terms map[string]string
}

// Party is a person a letter is about or addressed to. Address may hold several
// lines separated by newlines.
type Party struct{ Name, Email, Address, MemberID string }

// MailAddress is the party's e-mail address with their name, ready for Mailer.Send
// ("Rowan Ashdown <rowan@example.org>", the name encoded if need be); "" without an
// e-mail address.
func (p Party) MailAddress() string {
	if strings.TrimSpace(p.Email) == "" {
		return ""
	}
	return (&mail.Address{Name: strings.Join(strings.Fields(cleanString(p.Name)), " "), Address: strings.TrimSpace(p.Email)}).String()
}

// Charge is one count: the clause said to be broken, its text, the particulars of the
// conduct, and (in a decision) the panel's finding on it.
type Charge struct {
	Count                                                 int
	Clause, ClauseTitle, ClauseText, Particulars, Finding string
}

// Allegation is one piece of conduct complained of, with the clauses cited.
type Allegation struct {
	Date    rulebook.Date
	Summary string
	Clauses []string
}

// Hearing is when and where (or, for a paper hearing, by when) the charges are heard.
type Hearing struct {
	Date        rulebook.Date
	Time, Place string
	Panel       []string
	Paper       bool
}

// Decision is the outcome of a step. Final says no appeal or review lies, under
// ReviewClause. CreditFrom is the start of time already served (an administrative
// suspension) that counts towards the sanction.
type Decision struct {
	Outcome, Sanction string
	// Sanctions lists each sanction of a decision that imposes several (a fine and
	// a reprimand), as sentences; Sanction is used when there is one.
	Sanctions    []string
	From, Until  rulebook.Date
	CreditFrom   rulebook.Date
	Reasons      string
	Final        bool
	ReviewClause string

	// Body is who decided (e.g. "the National Constitutional Committee").
	Body string
	// Vote records the vote where one was taken (e.g. "carried 12 to 3").
	Vote string
}

// Suspension is an administrative suspension pending the outcome of a case: not a
// sanction, so the letter says which rights go and which stay, and when it is reviewed.
type Suspension struct {
	From, ReviewBy rulebook.Date
	RightsRemoved  []string
	RightsKept     []string
	Clause         string
}

// Deadline is something the recipient may or must do by a date.
type Deadline struct {
	What string
	Due  rulebook.Date
}

// Rule is a clause of the rule book quoted in a letter.
type Rule struct{ Clause, Title, Text string }

// Readmission says how and when a person may apply to come back.
type Readmission struct {
	Body     string        // who decides applications
	Clause   string        // the clause providing for readmission
	Earliest rulebook.Date // earliest date an application will be considered, if any
	How      string        // how to apply, in plain words
}

// Rendered is one letter rendered: the template it came from, the e-mail subject
// (the HTML document's title), the HTML document and its plain-text form.
type Rendered struct{ Template, Subject, HTML, Text string }

// cleanString makes s safe for every output: invalid UTF-8 becomes U+FFFD and control
// characters other than newline and tab are dropped (they have no meaning in a letter
// and some, like NUL or form feed, upset PDF and mail readers).
func cleanString(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, badControl) < 0 {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\r' {
			return '\n'
		}
		if badControl(r) {
			return -1
		}
		return r
	}, s)
}

func badControl(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
}

func cleanStrings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = cleanString(s)
	}
	return out
}

func (p Party) clean() Party {
	return Party{cleanString(p.Name), cleanString(p.Email), cleanString(p.Address), cleanString(p.MemberID)}
}

// clean returns a copy of l with every string made safe by cleanString; the caller's
// letter is not modified.
func (l Letter) clean() Letter {
	c := l
	c.Organisation = cleanString(l.Organisation)
	if l.Terms != nil {
		c.Terms = map[string]string{}
		for k, v := range l.Terms {
			c.Terms[k] = cleanString(v)
		}
	}
	c.Ref = cleanString(l.Ref)
	c.To = l.To.clean()
	c.Respondent = l.Respondent.clean()
	c.Complainants = nil
	for _, p := range l.Complainants {
		c.Complainants = append(c.Complainants, p.clean())
	}
	c.Allegations = nil
	for _, a := range l.Allegations {
		c.Allegations = append(c.Allegations, Allegation{a.Date, cleanString(a.Summary), cleanStrings(a.Clauses)})
	}
	c.Charges = nil
	for _, ch := range l.Charges {
		c.Charges = append(c.Charges, Charge{ch.Count, cleanString(ch.Clause), cleanString(ch.ClauseTitle),
			cleanString(ch.ClauseText), cleanString(ch.Particulars), cleanString(ch.Finding)})
	}
	if h := l.Hearing; h != nil {
		c.Hearing = &Hearing{h.Date, cleanString(h.Time), cleanString(h.Place), cleanStrings(h.Panel), h.Paper}
	}
	if d := l.Decision; d != nil {
		dc := *d
		dc.Outcome, dc.Sanction, dc.Reasons = cleanString(d.Outcome), cleanString(d.Sanction), cleanString(d.Reasons)
		dc.Sanctions = cleanStrings(d.Sanctions)
		dc.ReviewClause, dc.Body, dc.Vote = cleanString(d.ReviewClause), cleanString(d.Body), cleanString(d.Vote)
		c.Decision = &dc
	}
	if s := l.Suspension; s != nil {
		c.Suspension = &Suspension{s.From, s.ReviewBy, cleanStrings(s.RightsRemoved), cleanStrings(s.RightsKept), cleanString(s.Clause)}
	}
	c.Deadlines = nil
	for _, d := range l.Deadlines {
		c.Deadlines = append(c.Deadlines, Deadline{cleanString(d.What), d.Due})
	}
	c.Signatory = cleanString(l.Signatory)
	c.Body = cleanString(l.Body)
	c.Rules = nil
	for _, r := range l.Rules {
		c.Rules = append(c.Rules, Rule{cleanString(r.Clause), cleanString(r.Title), cleanString(r.Text)})
	}
	c.ComplainantsWithheld = cleanString(l.ComplainantsWithheld)
	c.Evidence = cleanStrings(l.Evidence)
	if r := l.Readmission; r != nil {
		c.Readmission = &Readmission{cleanString(r.Body), cleanString(r.Clause), r.Earliest, cleanString(r.How)}
	}
	c.Contact = cleanString(l.Contact)
	return c
}
