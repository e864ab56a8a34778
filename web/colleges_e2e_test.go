package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCollege reads, as the returning officer, the demo's selection by
// electoral college (the sections, the round tables with the weighted totals,
// and the members' winner who lost the college), the trigger ballot that opened
// it, and the public elections, each page checked by axe-core.
func TestBrowserCollege(t *testing.T) {
	b := newBrowser(t)
	rita := b.user("rita")
	rita.signIn()

	rita.visit("/selections/combined-mayor-2013")
	rita.check("selection-college")
	rita.see("Electoral college", "Individual members (members)", "Affiliated organisations (affiliates)", "7 on it", "won the Individual members section")
	sections := rita.text("#college-sections")
	if !strings.Contains(sections, "50%") || !strings.Contains(sections, "frozen") {
		t.Errorf("the sections table does not show the weights and electorates:\n%s", clip(sections, 2000))
	}
	// The last round: 95/184 of the college to M0014, 89/184 to M0013.
	report := rita.text(".count-report")
	if !strings.Contains(report, "51.63%") || !strings.Contains(report, "48.37%") || !strings.Contains(report, "but lost the college") {
		t.Errorf("the college's round tables lack the weighted totals or the upset:\n%s", clip(report, 3000))
	}
	rita.see("Voters refused, against the margins")

	rita.click(`a[href="/triggers/combined-mayor-trigger-2013"]`)
	rita.do("wait", chromedp.Sleep(150*time.Millisecond), chromedp.WaitReady(chromedp.CSS("main")))
	rita.check("trigger")
	rita.see("eastfield-ward", "greenway-ward", "An open selection was opened")
	if asked := strings.TrimSpace(rita.text("#trigger-asked")); asked != "1" {
		t.Errorf("units asking: %q, want 1", asked)
	}
	units := rita.text("#trigger-units")
	if !strings.Contains(units, "asks for an open selection") || !strings.Contains(units, "23 January 2013") {
		t.Errorf("the units' decisions are not shown with their dates:\n%s", clip(units, 2000))
	}
	rita.visit("/triggers")
	rita.check("triggers")
	rita.see("combined-mayor-trigger-2013", "Open a trigger ballot")

	rita.visit("/elections")
	rita.check("elections")
	rita.see("Northport Central constituency, Assembly 2021")
	rita.visit("/elections/northport-central-2021")
	rita.check("election")
	if m := strings.TrimSpace(rita.text("#election-majority")); m != "300" {
		t.Errorf("majority %q, want 300", m)
	}
	cands := rita.text("#election-candidates")
	for _, want := range []string{"Martin Quell", "14,800", "Harbour", "Mill"} {
		if !strings.Contains(cands, want) {
			t.Errorf("the candidates table lacks %q:\n%s", want, clip(cands, 2000))
		}
	}
	// Who led each ward: Martin Quell took Harbour by 700 of 12,000 votes
	// though he lost the seat.
	wards := rita.text("#election-wards")
	for _, want := range []string{"Harbour", "Martin Quell (M0007) (Labour)", "5,600", "46.67%", "700", "Castle", "Ada Pennock (Conservative)"} {
		if !strings.Contains(wards, want) {
			t.Errorf("the wards table lacks %q:\n%s", want, clip(wards, 2000))
		}
	}
	// The count's own report, as the count page shows one, saying what it
	// counted and how.
	counted := rita.text(".count-report")
	for _, want := range []string{"First past the post", "the figures declared for election northport-central-2021", "SHA-256", "--kind fptp", "Martin Quell"} {
		if !strings.Contains(counted, want) {
			t.Errorf("the count's report lacks %q:\n%s", want, clip(counted, 3000))
		}
	}
}
