package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rulebook/rulebook"
)

// TestBrowserErasure: the General Secretary, whose role may erase, sees what
// the retention schedule says is due on a day, erases it at a click, and
// erases a member's particulars on a request; the record still verifies, and
// the auditor, who reads everything, is not offered the page.
func TestBrowserErasure(t *testing.T) {
	b := newBrowser(t)
	const name = "Ysolde Brackenridge-Tarn"
	if _, _, err := b.f.app.Join(operator(), rulebook.Member{ID: "M0991", Name: name, Email: "ysolde@example.org", Unit: "harbour-ward", Joined: rulebook.MustDate("2026-11-02")}, ""); err != nil {
		t.Fatal(err)
	}
	morag := b.user("morag")
	morag.signIn()
	morag.visit("/erasure?on=2026-12-01")
	morag.check("erasure")
	due := morag.text("#erasure-due")
	if !strings.Contains(due, "case/") || !strings.Contains(due, "DP.3") {
		t.Errorf("the records due on 2026-12-01 are not listed with their clause:\n%s", clip(due, 2000))
	}
	// Each links to its file or record.
	morag.click(`#erasure-due a[href="/cases/D-2009-001"]`)
	morag.do("wait", chromedp.Sleep(150*time.Millisecond), chromedp.WaitReady(chromedp.CSS("main")))
	morag.see("D-2009-001")
	morag.visit("/erasure?on=2026-12-01")
	morag.submit(`form[action="/erasure/retention"]`)
	morag.see("erased under the retention schedule on 2026-12-01", "Nothing is due for erasure on 1 December 2026")

	morag.fill("#member", "M0991")
	morag.fill("#reason", "Request received 20 November 2026; identity checked.")
	morag.submit(`form[action="/erasure/request"]`)
	morag.see("Member M0991: the personal data of 1 event erased")
	h, err := b.f.db.History(operator(), "M0991")
	if err != nil || h.Member.Name != "" {
		t.Errorf("M0991 after the erasure: %+v %v", h, err)
	}
	// A request about no member is refused on the page, the form kept.
	morag.fill("#member", "M9999")
	morag.fill("#reason", "Request received 21 November 2026.")
	morag.submit(`form[action="/erasure/request"]`)
	if !strings.Contains(morag.text(".error, [role=alert]"), "M9999") {
		t.Errorf("the refusal does not name the member: %q", morag.text(".error, [role=alert]"))
	}
	if res, err := b.f.app.Verify(operator(), nil); err != nil || !res.OK {
		t.Fatalf("verify after the erasures: %+v %v", res, err)
	}

	ruth := b.user("ruth")
	ruth.signIn()
	ruth.visit("/dashboard")
	ruth.notSee("Erasure")
}
