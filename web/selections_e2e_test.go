package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// selectOption chooses an option of a select element by its value.
func selectOption(sel, value string) chromedp.Action[chromedp.Void] {
	q, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		ok, err := chromedp.Evaluate[bool](fmt.Sprintf(`(e => { if (!e) return false; e.value = %s; return e.value === %s })(document.querySelector(%s))`, v, v, q))(ctx, t)
		if err == nil && !ok {
			err = fmt.Errorf("no option %s in %s", value, sel)
		}
		return chromedp.Void{}, err
	}
}

// TestBrowserSelection runs a selection through the pages: the returning officer
// opens it and takes the nominations (the former mayor's refused, with the
// clause), freezes the electorate; a member casts a ranked ballot online and is
// told it is recorded, not how they voted; the tellers' papers are entered and
// the count shown round by round; the NEC endorses the winner, who is then among
// the official candidates.
func TestBrowserSelection(t *testing.T) {
	b := newBrowser(t)
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	const id = "mayor-e2e"

	rita := b.user("rita")
	rita.signIn()
	rita.visit("/selections")
	rita.check("selections")
	rita.see("mayor-2016", "harbour-ward-2017")
	rita.fill("#sel-id", id)
	// The mayoral procedure decided by a ballot of members (the rule book also
	// declares a college and others).
	rita.do("choose the procedure", chromedp.SetValue(chromedp.CSS("#sel-procedure"), "mayoral_selection"))
	rita.fill("#sel-contest", "Mayor of Northport (by-election)")
	rita.fill("#sel-unit", "northport-central")
	rita.setDate("#sel-date", day(-10))
	rita.setDate("#sel-nominations-close", day(-1))
	rita.setDate("#sel-freeze-date", day(-30))
	rita.setDate("#sel-ballot", day(0))
	rita.setDate("#sel-ballot-closes", day(1))
	rita.submit("#open-selection")
	rita.see("Selection " + id + " opened.")
	rita.check("selection-open")
	nominate := func(candidate, nominators string) {
		t.Helper()
		rita.openStep("nominate")
		rita.fill("#nominate-candidate", candidate)
		rita.fill("#nominate-nominators", nominators)
		rita.setDate("#nominate-date", day(-5))
		rita.submit("#step-nominate")
	}
	nominate("M0002", "M0003, M0010")
	rita.see("Nomination of M0002 recorded.")
	nominate("M0007", "M0008, M0012")
	nominate("M0004", "M0005, M0011")
	// The former mayor resigned in 2018: the nomination is refused and the
	// refusal recorded, with the clause.
	nominate("M0001", "M0003, M0009")
	rita.see("The nomination of M0001 is refused", "Nominations refused", "Rowan Ashdown (M0001)")
	refused := rita.text("main table:nth-of-type(2) tbody tr")
	if !strings.Contains(refused, "2.II.3") && !strings.Contains(refused, "6.I.1") {
		t.Errorf("the refusal names no clause: %q", refused)
	}
	rita.openStep("freeze")
	rita.submit("#step-freeze")
	rita.see("Electorate frozen.", "Check the electorate against the record")
	rita.check("selection-frozen")
	rita.click(`a[href="/selections/` + id + `/electorate/check"]`)
	rita.do("wait", chromedp.Sleep(150*time.Millisecond), chromedp.WaitReady(chromedp.CSS("main")))
	rita.see("The electorate matches the record.")
	rita.check("selection-electorate-check")

	// A member in the electorate votes online.
	declan := b.user("declan")
	declan.signIn()
	declan.visit("/ballots")
	declan.check("ballots")
	declan.see("Mayor of Northport (by-election)", "Open now.")
	declan.visit("/ballots/" + id)
	declan.check("ballot")
	declan.do("rank", selectOption("#rank-M0002", "1"), selectOption("#rank-M0007", "2"))
	declan.submit("#ballot-form")
	declan.see("Your ballot in "+id+" is recorded", "is not shown again")
	declan.notSee("M0002", "M0007")
	declan.visit("/ballots/" + id)
	declan.see("You have voted in this selection.")
	declan.notSee("Priya Castellan")
	declan.check("ballot-voted")

	// The tellers' papers, then the count round by round.
	rita.visit("/selections/" + id)
	rita.see("Voted: 1 through rulebook")
	rita.openStep("papers")
	rita.fill("#papers-ballots", "2,M0007,M0002\n1,M0004,M0002\n2,M0002")
	rita.submit("#step-papers")
	rita.see("Papers entered.", "5 papers entered by the tellers")
	rita.openStep("count")
	rita.submit("#step-count")
	rita.see("Counted.", "The count", "Priya Castellan (M0002)", "Gwen Oduya (M0004)")
	rita.check("selection-counted")
	report := rita.text(".count-report")
	if !strings.Contains(report, "Round 2") || !strings.Contains(report, "Gwen Oduya (M0004)") {
		t.Errorf("the count report does not show the rounds:\n%s", clip(report, 2000))
	}

	// The NEC endorses the winner, who joins the official candidates.
	nia := b.user("nia")
	nia.signIn()
	nia.visit("/selections/" + id)
	nia.openStep("endorse")
	nia.fill("#endorse-reasons", "A valid ballot.")
	nia.submit("#step-endorse")
	nia.see("Endorsed.", "Priya Castellan (M0002) endorsed by the National Executive Committee")
	nia.check("selection-endorsed")
	nia.do("read the official candidates", chromedp.Navigate(b.base+"/api/v1/official-candidates?on="+day(0)), chromedp.WaitReady(chromedp.CSS("body")))
	if body := nia.text("body"); !strings.Contains(body, `"id":"`+id+`-M0002"`) || !strings.Contains(body, `"member":"M0002"`) {
		t.Errorf("the winner is not among the official candidates: %s", clip(body, 2000))
	}
}
