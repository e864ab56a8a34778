package notices

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
)

var update = flag.Bool("update", false, "rewrite the golden letters in testdata/golden")

// Clauses of the demo organisation's rule book (examples/labour-2016.yaml), as a
// letter quotes them.
var (
	clauseAutoExclusion = Rule{"2.I.4.B", "Automatic exclusion", "A member of the Party who joins and/or supports a political organisation other than an official Labour group or other unit of the Party, or supports any candidate who stands against an official Labour candidate, or publicly declares their intent to stand against a Labour candidate, shall automatically be ineligible to be or remain a Party member, subject to the provisions of Chapter 6.I.2."}
	clauseConduct       = Rule{"2.I.8", "Conduct prejudicial to the Party", "No member of the Party shall engage in conduct which in the opinion of the NEC is prejudicial, or in any act which in the opinion of the NEC is grossly detrimental to the Party. The NCC shall determine disputes under this clause."}
	clauseSuspension    = Rule{"6.I.1.B", "Administrative suspension", "Pending the final outcome of an investigation and any charges, the NEC may suspend the member from office or representation of the Party, notwithstanding that they have been or may be eligible to be selected as a candidate."}
	clauseReadmission   = Rule{"6.I.2", "Readmission", "A person expelled or automatically excluded from membership may apply to the NEC for readmission. Such an application will not normally be considered until five years have elapsed, but the NEC may consider it sooner."}
	clauseSanctions     = Rule{"6.I.1.D", "Sanctions of the NCC", "The NCC may, on finding a charge proved, expel the member, suspend them from holding office and representation for a period of up to two years (taking into account time already served under administrative suspension), or issue a reprimand. Its decisions are final."}
)

// storyLetters are the letters of the demo organisation's story (see README.md): the
// 2000 automatic exclusion, the 2004 readmission, the 2016 complaint and
// administrative suspension, the 2017 charges, hearing and decision with credit for
// time served, and the refused review demand.
func storyLetters() []struct {
	kind string
	l    Letter
} {
	d := rulebook.MustDate
	org := "Example Labour-style Party"
	rowan := Party{Name: "Rowan Ashdown", Email: "rowan.ashdown@example.org", Address: "12 Quay Street\nHarbourtown\nHT1 4AB", MemberID: "M0001"}
	gs := "General Secretary"
	contact := "the Governance and Legal Unit, disputes@example.org"
	exclusion := Letter{Organisation: org, Ref: "AE-2000-004", Date: d("2000-04-20"), To: rowan, Respondent: rowan, Signatory: gs, Contact: contact,
		Allegations: []Allegation{{Date: d("2000-04-03"), Summary: "You were nominated as a candidate for Mayor of Harbourtown in the election of 4 May 2000, standing against the official Party candidate.", Clauses: []string{"2.I.4.B"}}},
		Rules:       []Rule{clauseAutoExclusion, clauseReadmission},
		Evidence: []string{"The statement of persons nominated for the mayoral election of 4 May 2000, published by the returning officer on 3 April 2000, listing Rowan Ashdown as an independent candidate.",
			"The Party's list of official candidates for 4 May 2000, which names another candidate for Mayor of Harbourtown."},
		Decision:    &Decision{Outcome: "Automatically excluded", From: d("2000-04-03"), Body: "the General Secretary", Final: true, ReviewClause: "6.I.2", Reasons: "The nomination is a matter of public record and was not withdrawn by the close of nominations."},
		Readmission: &Readmission{Body: "the National Executive Committee", Clause: "6.I.2", Earliest: d("2005-04-03"), How: "An application may be made in writing to the General Secretary at any time; the NEC may consider it before five years have elapsed."},
	}
	readmission := Letter{Organisation: org, Ref: "RA-2003-011", Date: d("2004-01-28"), To: rowan, Respondent: rowan, Signatory: gs, Contact: contact,
		Decision: &Decision{Outcome: "Your application is granted: you are readmitted to membership.", From: d("2004-01-27"), Body: "the National Executive Committee",
			Vote: "carried by 18 votes to 9", Reasons: "The NEC exercised its power under clause 6.I.2 to consider the application before five years had elapsed."},
		Rules: []Rule{clauseReadmission},
	}
	complaint := []Allegation{{Date: d("2016-04-27"), Summary: "In a radio interview you made remarks about the Party and its members which are said to bring the Party into disrepute.", Clauses: []string{"2.I.8"}}}
	complainants := []Party{{Name: "Jo Complainant", MemberID: "M0042"}, {Name: "Kit Complainant", MemberID: "M0043"}}
	jo := Party{Name: "Jo Complainant", Email: "jo@example.org", MemberID: "M0042"}
	ack := Letter{Organisation: org, Ref: "C-2016-001", Date: d("2016-04-29"), To: jo, Respondent: rowan, Allegations: complaint, Signatory: gs, Contact: contact}
	suspension := &Suspension{From: d("2016-04-28"), ReviewBy: d("2016-07-28"), Clause: "6.I.1.B",
		RightsRemoved: []string{"hold office in the Party", "represent the Party", "stand as a Party candidate", "sign nomination papers", "vote in candidate selections", "attend constituency meetings"},
		RightsKept:    []string{"attend branch meetings", "vote in all-member ballots"}}
	investigation := Letter{Organisation: org, Ref: "C-2016-001", Date: d("2016-04-28"), To: rowan, Respondent: rowan, Complainants: complainants,
		Allegations: complaint, Rules: []Rule{clauseConduct}, Suspension: suspension, Signatory: gs, Contact: contact,
		Deadlines: []Deadline{{"Your written response to the allegations", d("2016-05-19")}}}
	susp := investigation
	susp.Rules = []Rule{clauseSuspension, clauseConduct}
	counts := []Charge{
		{Count: 1, Clause: "2.I.8", ClauseTitle: clauseConduct.Title, ClauseText: clauseConduct.Text, Particulars: "On 27 April 2016, in a radio interview, you made remarks about the Party and its members which brought the Party into disrepute."},
		{Count: 2, Clause: "2.I.8", ClauseTitle: clauseConduct.Title, ClauseText: clauseConduct.Text, Particulars: "On 27 April 2016, outside the broadcaster's studio, you repeated those remarks to the press."},
		{Count: 3, Clause: "2.I.8", ClauseTitle: clauseConduct.Title, ClauseText: clauseConduct.Text, Particulars: "On 28 April 2016, on a television programme, you repeated those remarks."},
	}
	hearing := &Hearing{Date: d("2017-03-30"), Time: "10:00", Place: "The Party's head office, Harbourtown", Panel: []string{"A. Panellist (chair)", "B. Panellist", "C. Panellist"}}
	charges := Letter{Organisation: org, Ref: "C-2016-001", Date: d("2017-01-16"), To: rowan, Respondent: rowan, Complainants: complainants, Charges: counts, Hearing: hearing, Signatory: gs, Contact: contact,
		Deadlines: []Deadline{{"Your written answer to the charges", d("2017-02-13")}, {"Documents and witness statements you rely on", d("2017-03-09")}}}
	notice := charges
	notice.Date = d("2017-02-27")
	notice.Deadlines = []Deadline{{"Objections to any panel member", d("2017-03-09")}, {"Documents and witness statements you rely on", d("2017-03-09")}, {"Whether you will attend, and who will represent you", d("2017-03-16")}}
	found := make([]Charge, len(counts))
	copy(found, counts)
	for i := range found {
		found[i].Finding = "proved"
	}
	decision := Letter{Organisation: org, Ref: "C-2016-001", Date: d("2017-04-04"), To: rowan, Respondent: rowan, Charges: found, Signatory: "Secretary to the National Constitutional Committee", Contact: contact,
		Decision: &Decision{Outcome: "All three charges are proved.", Sanction: "Suspension from holding office and representation of the Party for two years. You remain free to vote in all-member ballots and candidate selections and to attend branch meetings.",
			From: d("2017-04-04"), Until: d("2018-04-27"), CreditFrom: d("2016-04-28"), Body: "a panel of the National Constitutional Committee", Final: true, ReviewClause: "6.I.1.D",
			Reasons: "The remarks were made publicly on three occasions and were not withdrawn.\n\nThe panel took into account your long service and the time already spent under administrative suspension."},
		Rules: []Rule{clauseSanctions}}
	review := Letter{Organisation: org, Ref: "C-2016-001", Date: d("2017-04-21"), To: Party{Name: "Members of the National Executive Committee", Address: "c/o the General Secretary"}, Respondent: rowan, Signatory: gs, Contact: contact,
		Decision: &Decision{Outcome: "Suspension from holding office and representation for two years", From: d("2017-04-04"), Body: "the National Constitutional Committee", Final: true, ReviewClause: "6.I.1.D"},
		Rules:    []Rule{clauseSanctions}}
	return []struct {
		kind string
		l    Letter
	}{
		{"automatic_exclusion", exclusion},
		{"readmission_decision", readmission},
		{"acknowledgement", ack},
		{"notice_of_investigation", investigation},
		{"administrative_suspension", susp},
		{"notice_of_charges", charges},
		{"hearing_notice", notice},
		{"decision", decision},
		{"review_refused", review},
	}
}

// TestStoryLetters renders the demo story's letters and compares their subject and
// text with the reviewed copies in testdata/golden (go test -run StoryLetters
// -update rewrites them after a deliberate change of wording). Letters are legal
// documents: their wording should change only on purpose, and the diff of a golden
// file is how that is reviewed.
func TestStoryLetters(t *testing.T) {
	tpl := Default()
	for i, s := range storyLetters() {
		r, err := tpl.Render(s.kind, s.l)
		if err != nil {
			t.Fatalf("%s: %v", s.kind, err)
		}
		checkTextLayout(t, r.Text)
		if _, err := PDF(r, s.l); err != nil {
			t.Fatalf("%s: %v", s.kind, err)
		}
		got := "Subject: " + r.Subject + "\n\n" + r.Text
		file := filepath.Join("testdata", "golden", itoa(i+1)+"_"+s.kind+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s:\n%s", s.kind, file, diffLines(string(want), got))
		}
	}
}

// diffLines shows the first lines where two texts differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)) && len(out) < 10; i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, "line "+itoa(i+1)+":\n  want "+a+"\n  got  "+b)
		}
	}
	return strings.Join(out, "\n")
}
