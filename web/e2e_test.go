package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/examples/demo"
)

// The browser tests drive Debian's Chromium (RULEBOOK_CHROMIUM, or chromium on the
// PATH) over the Chrome DevTools protocol: people sign in through the pages, fill
// in the forms the rule book generates and read what they are shown. Each page
// visited is checked with axe-core (web/testdata/axe, from the npm registry) and
// photographed into RULEBOOK_SCREENSHOTS (default screenshots/ at the top of the
// repository, which git ignores). Without Chromium the tests are skipped, except
// under CI, where they must run.

func chromiumPath(t *testing.T) string {
	if p := os.Getenv("RULEBOOK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required under CI (.ci/run installs Debian's chromium)")
	}
	t.Skip("no Chromium found (install Debian's chromium, or set RULEBOOK_CHROMIUM)")
	return ""
}

func axeSource(t *testing.T) string {
	b, err := os.ReadFile("testdata/axe/node_modules/axe-core/axe.min.js")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is required under CI (npm ci --prefix web/testdata/axe): %v", err)
		}
		t.Skipf("axe-core is not installed (npm ci --prefix web/testdata/axe): %v", err)
	}
	return string(b)
}

// browser is one Chromium, its pages served by the demo fixture.
type browser struct {
	t     *testing.T
	alloc context.Context
	base  string
	axe   string
	shots string
	f     *fixture
	// pages records the pages checked with axe, so each is checked once.
	pages map[string]bool
}

func newBrowser(t *testing.T) *browser {
	path := chromiumPath(t)
	axe := axeSource(t)
	return newBrowserOn(t, demoFixture(t), path, axe)
}

// newBrowserOn is newBrowser serving f, with Chromium at path and axe-core's
// source.
func newBrowserOn(t *testing.T, f *fixture, path, axe string) *browser {
	ts := httptest.NewServer(f.srv)
	t.Cleanup(ts.Close)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// The browser itself; each user gets a browser context inside it.
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(cancelRoot)
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	shots := os.Getenv("RULEBOOK_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join("..", "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, alloc: root, base: ts.URL, axe: axe, shots: shots, f: f, pages: map[string]bool{}}
}

// user is one person at the browser, with cookies of their own.
type user struct {
	b    *browser
	ctx  context.Context
	name string
}

func (b *browser) user(name string) *user {
	// A browser context of its own: its own cookies, as a different person's
	// browser would have.
	ctx, cancel := chromedp.NewContext(b.alloc, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("start Chromium: %v", err)
	}
	return &user{b: b, ctx: ctx, name: name}
}

func (u *user) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	u.b.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		// The page may have no main (a JSON answer): look for it briefly.
		dctx, dcancel := context.WithTimeout(u.ctx, 5*time.Second)
		defer dcancel()
		loc, _ := chromedp.Run(dctx, chromedp.Location())
		body, _ := chromedp.Run(dctx, chromedp.Text(chromedp.CSS("main")))
		u.b.t.Fatalf("%s: %s: %v\n(at %s)\n%s", u.name, what, err, loc, clip(body, 1500))
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// visit opens a page and waits for it.
func (u *user) visit(path string) {
	u.b.t.Helper()
	u.do("visit "+path, chromedp.Navigate(u.b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// text is the text of the element sel. A node found on a page the browser
// then leaves (a form's answer arriving just after the wait for it) is gone
// before its text is read: it is looked for again on the page that replaced it.
func (u *user) text(sel string) string {
	u.b.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 20*time.Second)
	defer cancel()
	for {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil {
			return s
		}
		if !staleNode(err) || ctx.Err() != nil {
			u.b.t.Fatalf("%s: text of %s: %v", u.name, sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// staleNode reports whether err says a node (or its page) the browser was
// asked about no longer exists.
func staleNode(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "No node with given id") || strings.Contains(msg, "Cannot find context with specified id") ||
		strings.Contains(msg, "Could not find node with given id")
}

// main is the text of the page's main part.
func (u *user) main() string { return u.text("main") }

func (u *user) location() string {
	u.b.t.Helper()
	loc, err := chromedp.Run(u.ctx, chromedp.Location())
	if err != nil {
		u.b.t.Fatal(err)
	}
	return loc
}

// see checks the page says each of want.
func (u *user) see(want ...string) {
	u.b.t.Helper()
	m := u.main()
	for _, w := range want {
		if !strings.Contains(m, w) {
			u.b.t.Fatalf("%s at %s: the page does not say %q:\n%s", u.name, u.location(), w, clip(m, 3000))
		}
	}
}

func (u *user) notSee(bad ...string) {
	u.b.t.Helper()
	m := u.main()
	for _, w := range bad {
		if strings.Contains(m, w) {
			u.b.t.Fatalf("%s at %s: the page says %q, which it must not:\n%s", u.name, u.location(), w, clip(m, 3000))
		}
	}
}

// type fills a field (clearing it first).
func (u *user) fill(sel, value string) {
	u.b.t.Helper()
	q, _ := json.Marshal(sel)
	clear := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(e => { e.value = ""; return true })(document.querySelector(%s))`, q))(ctx, t)
		return chromedp.Void{}, err
	}
	u.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), clear, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// setDate sets a date field (typing into one goes by the browser's locale's parts).
func (u *user) setDate(sel, value string) {
	u.b.t.Helper()
	q, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	set := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(e => { e.value = %s; return true })(document.querySelector(%s))`, v, q))(ctx, t)
		return chromedp.Void{}, err
	}
	u.do("set date "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), set)
}

func (u *user) click(sel string) {
	u.b.t.Helper()
	u.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// submit clicks a form's button and waits for the next page.
func (u *user) submit(formSel string) {
	u.b.t.Helper()
	u.do("submit "+formSel, chromedp.Click(chromedp.CSS(formSel+` button[type="submit"]`)), chromedp.Sleep(150*time.Millisecond),
		chromedp.WaitReady(chromedp.CSS("main")))
}

// openStep opens a step's form on the case page.
func (u *user) openStep(id string) {
	u.b.t.Helper()
	u.click("#details-" + id + " > summary")
}

// keys types keys into whatever has the focus.
func (u *user) keys(k string) {
	u.b.t.Helper()
	u.do("keys", chromedp.KeyEvent(k))
}

// code is the current second-factor code of the demo accounts.
func code(t *testing.T) string {
	c, err := app.TOTPCode(demo.TOTPSecret, app.TOTPStep(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn signs in through the pages, by keyboard alone: the name field has the
// focus, Tab moves to the password, Enter sends the form.
func (u *user) signIn() {
	u.b.t.Helper()
	u.visit("/signin")
	u.check("sign-in")
	u.do("focus", chromedp.Focus(chromedp.CSS("#name")))
	u.keys(u.name + "\t" + demo.Password + "\r")
	u.do("wait", chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady(chromedp.CSS("main")))
	if strings.Contains(u.location(), "/signin/code") {
		u.check("code")
		u.do("focus", chromedp.Focus(chromedp.CSS("#code")))
		u.b.f.resetCode(u.b.t, u.name)
		u.keys(code(u.b.t) + "\r")
		u.do("wait", chromedp.Sleep(200*time.Millisecond), chromedp.WaitReady(chromedp.CSS("main")))
	}
	if !strings.Contains(u.location(), "/dashboard") {
		u.b.t.Fatalf("%s: signed in to %s, not the dashboard:\n%s", u.name, u.location(), clip(u.main(), 1000))
	}
}

// resetCode forgets the last code the account used, so the test may sign it in
// twice within thirty seconds.
func (f *fixture) resetCode(t *testing.T, name string) {
	sec, err := f.db.Secrets(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	sec.TOTPStep = 0
	if err := f.db.PutSecrets(context.Background(), name, sec); err != nil {
		t.Fatal(err)
	}
}

// axeResult is what the page check reports.
type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// check runs axe-core on the page, failing on serious or critical violations, and
// takes a screenshot.
func (u *user) check(name string) {
	u.b.t.Helper()
	t := u.b.t
	shot, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		os.WriteFile(filepath.Join(u.b.shots, name+".png"), shot, 0o644)
	}
	if u.b.pages[name] {
		return
	}
	u.b.pages[name] = true
	for _, v := range u.axeViolations(name) {
		t.Errorf("page %s (%s): accessibility: %s", name, u.location(), v)
	}
	u.keyboard(name)
}

// axeViolations runs axe-core on the page and returns its serious and critical
// violations.
func (u *user) axeViolations(name string) []string {
	u.b.t.Helper()
	t := u.b.t
	ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](u.b.axe+";true")); err != nil {
		t.Fatalf("inject axe-core into %s: %v", name, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", name, err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("axe result on %s: %v", name, err)
	}
	var out []string
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			out = append(out, fmt.Sprintf("%s %s: %s — at %s", v.Impact, v.ID, v.Help, strings.Join(where, ", ")))
		}
	}
	return out
}

// keyboard checks that every visible control of the page is reached by the Tab key
// alone, in turn: links, fields, buttons and the summaries that open forms.
func (u *user) keyboard(name string) {
	u.b.t.Helper()
	t := u.b.t
	ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
		const all = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary');
		let n = 0;
		for (const e of all) {
			if (!e.checkVisibility({checkVisibilityCSS: true}) || e.disabled || e.closest('[inert]')) continue;
			e.dataset.kb = String(n++);
		}
		if (document.activeElement) document.activeElement.blur();
		return n;
	})()`))
	if err != nil {
		t.Fatalf("keyboard check of %s: %v", name, err)
	}
	reached := map[string]bool{}
	// Radio buttons of one group take one Tab between them; arrows move within.
	groups, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const out = {};
		for (const e of document.querySelectorAll('input[type=radio][data-kb]')) out[e.dataset.kb] = e.name;
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	// A date field takes a Tab for each of its parts: allow several a control.
	for i := 0; i < 4*n+10 && len(reached) < n; i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		kb, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement && document.activeElement.dataset.kb || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if kb != "" {
			reached[kb] = true
			if g := groups[kb]; g != "" {
				for k, name := range groups {
					if name == g {
						reached[k] = true
					}
				}
			}
		}
	}
	var missed []string
	for i := range n {
		if k := fmt.Sprint(i); !reached[k] {
			what, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(e => e.outerHTML.slice(0, 120))(document.querySelector('[data-kb="`+k+`"]'))`))
			missed = append(missed, what)
		}
	}
	if len(missed) > 0 {
		t.Errorf("page %s: %d of %d controls are not reached by the keyboard: %s", name, len(missed), n, strings.Join(missed, "; "))
	}
}

var caseIDRE = regexp.MustCompile(`/cases/([A-Za-z0-9._-]+)`)

// TestBrowserStory walks a complaint through the procedure in the browser, each
// step taken by the role the rule book gives it, and at each step someone who
// may not is refused: a member complains, complaints staff receive it and open a
// case, the executive suspends and refers it with two charges, the hearing body's
// secretary empanels a panel (one member's declared conflict blocks them), the
// panel finds one count proved and imposes a sanction, and the respondent sees the
// outcome. An anonymous complaint is followed with its report key.
func TestBrowserStory(t *testing.T) {
	b := newBrowser(t)
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }

	// The public pages.
	anon := b.user("anon")
	anon.visit("/")
	anon.check("home")
	anon.see("Make a complaint", "Sign in")
	anon.visit("/transparency")
	anon.check("transparency")
	anon.visit("/rules")
	anon.check("rules")
	anon.visit("/rules/2016")
	anon.check("rules-version")
	anon.see("Rights of members", "The disciplinary procedure")
	anon.visit("/rules/diff?from=2008&to=2016")
	anon.check("rules-diff")
	anon.see("5.I.2")

	// An anonymous complaint, followed with its key.
	anon.visit("/report")
	anon.check("report")
	anon.fill("#about", "Owen Trask")
	anon.fill("#summary", "Took leaflets paid for by the branch to sell.")
	anon.submit(`form[action="/report"]`)
	anon.check("report-made")
	key := anon.text("#report-key")
	if len(key) != 23 {
		t.Fatalf("report key %q", key)
	}
	anon.visit("/report/follow")
	anon.check("follow")
	anon.fill("#key", strings.ToLower(key))
	anon.submit(`form[action="/report/follow"]`)
	anon.see("made")
	anon.fill("#text", "It happened again on Saturday.")
	anon.submit(`form[action="/report/information"]`)
	anon.see("It happened again on Saturday.")
	// Signed-out people are sent to sign in.
	anon.visit("/cases")
	if !strings.Contains(anon.location(), "/signin") {
		t.Fatalf("an anonymous visitor reached %s", anon.location())
	}

	// A member complains, as themselves.
	declan := b.user("declan")
	declan.signIn()
	declan.check("dashboard-member")
	declan.visit("/report")
	declan.see("You are signed in")
	declan.fill("#about", "Helen Bracewell")
	declan.fill("#about_unit", "Harbour Ward")
	declan.fill("#summary", "Shouted abuse at a volunteer at the ward meeting and threatened to have them removed.")
	declan.submit(`form[action="/report"]`)
	ref := declan.text("#complaint-ref")
	declan.visit("/complaints")
	declan.see(ref)
	// A member may not reach the staff's intake.
	declan.visit("/complaints/new")
	declan.see("Not allowed")

	// Complaints staff receive it and open a case.
	casey := b.user("casey")
	casey.signIn()
	casey.check("dashboard-staff")
	casey.visit("/complaints")
	casey.check("complaints")
	casey.see(ref, "Helen Bracewell")
	casey.visit("/complaints/" + ref)
	casey.check("complaint")
	casey.fill("#respondent", "M0010")
	casey.click(`input[name="clause"][value="2.I.8"]`)
	casey.submit(`form[action="/complaints"]`)
	casey.see("Complaint " + ref + " received")
	casey.submit(`form[action="/cases"]`)
	m := caseIDRE.FindStringSubmatch(casey.location())
	if m == nil {
		t.Fatalf("no case opened: at %s\n%s", casey.location(), casey.main())
	}
	id := m[1]
	casey.check("case-staff")
	casey.see("Case "+id, "Received", "Helen Bracewell")
	// The rule book gives staff the acknowledgement; the suspension is for others,
	// and the page says under which clause.
	casey.see("Suspend administratively during the case: only the General Secretary or the National Executive Committee may take this step, under clause 6.I.1.B")
	casey.openStep("acknowledge")
	casey.submit("#step-acknowledge")
	casey.see("Recorded: Acknowledge the complaint", "Awaiting a triage decision")
	// Withholding the complainant's identity is a decision in the case, with a reason.
	casey.click("#details-record-withhold > summary")
	casey.fill("#wh-reason", "The complainant fears reprisals at branch meetings.")
	casey.submit("#record-withhold")
	casey.see("Complainant's identity withheld recorded")

	// A panel member not on its panel does not know the case exists.
	kwame := b.user("kwame")
	kwame.signIn()
	kwame.visit("/cases/" + id)
	kwame.see("Not found")

	// The executive suspends while it is investigated.
	nia := b.user("nia")
	nia.signIn()
	nia.check("dashboard-executive")
	nia.see(id)
	nia.visit("/cases/" + id)
	// The executive is not shown who complained.
	nia.see("[complainant 1 withheld]")
	nia.notSee("M0005")
	nia.openStep("investigate_and_suspend")
	nia.click(`#step-investigate_and_suspend input[value="SUSP-RISK"]`)
	nia.fill("#investigate_and_suspend-rationale", "Threats to a volunteer at a meeting: the member should not represent the Party while this is investigated.")
	nia.submit("#step-investigate_and_suspend")
	nia.see("Under investigation", "Administrative suspension from")
	// The respondent's standing changed with it.
	nia.visit("/members/M0010")
	nia.check("member")
	nia.see("Administratively suspended pending investigation")

	// Staff report; the executive's disputes panel refers it with two charges.
	casey.visit("/cases/" + id)
	casey.openStep("report")
	casey.submit("#step-report")
	casey.see("With the NEC Disputes Panel")
	nia.visit("/cases/" + id)
	nia.openStep("refer")
	nia.do("choose body", chromedp.SetValue(chromedp.CSS("#refer-body"), "nec_disputes_panel"))
	nia.click(`#step-refer input[value="REF-PRIMA-FACIE"]`)
	nia.do("count 1", chromedp.SetValue(chromedp.CSS("#refer-cc1"), "2.I.8"))
	nia.fill("#refer-cp1", "Shouted abuse at a volunteer at the ward meeting.")
	nia.do("count 2", chromedp.SetValue(chromedp.CSS("#refer-cc2"), "2.I.8"))
	nia.fill("#refer-cp2", "Threatened to have the volunteer removed from the party.")
	nia.fill("#refer-rationale", "Two witnesses give consistent accounts of both.")
	nia.submit("#step-refer")
	nia.see("Referred to the NCC with charges", "Shouted abuse", "Threatened")

	// The hearing body's secretary records a panel member's conflict, and the
	// panel with that member is refused, citing the rule.
	tom := b.user("tom")
	tom.signIn()
	tom.visit("/cases/" + id)
	tom.check("case-secretary")
	tom.click("#details-record-conflict > summary")
	tom.fill("#cf-person", "M0023")
	tom.fill("#cf-reason", "Is a close friend of the volunteer.")
	tom.submit("#record-conflict")
	tom.see("Conflict of interest recorded")
	tom.openStep("list_hearing")
	tom.click(`#step-list_hearing input[value="M0015|Kwame Boateng|trade_union"]`)
	tom.click(`#step-list_hearing input[value="M0016|Irene Sallow|clp"]`)
	tom.click(`#step-list_hearing input[value="M0023|Maeve Connell|clp"]`)
	tom.setDate("#list_hearing-hdate", day(21))
	tom.fill("#list_hearing-hplace", "Regional office")
	tom.submit("#step-list_hearing")
	tom.see("That was not done", "Maeve Connell (M0023) cannot sit", "declared a conflict of interest")
	// The form is open again with what was typed; choose another.
	tom.click(`#step-list_hearing input[value="M0015|Kwame Boateng|trade_union"]`)
	tom.click(`#step-list_hearing input[value="M0016|Irene Sallow|clp"]`)
	tom.click(`#step-list_hearing input[value="M0019|Viktor Lane|clp"]`)
	tom.submit("#step-list_hearing")
	tom.see("Hearing listed", "Heard by the National Constitutional Committee: Irene Sallow (CLP section); Kwame Boateng (Trade union section)", "Viktor Lane",
		"Maeve Connell (M0023): Is a close friend of the volunteer.")
	// The conflicted member never sees the case.
	maeve := b.user("maeve")
	maeve.signIn()
	maeve.visit("/cases/" + id)
	maeve.see("Not found")

	// The panel, now empanelled, finds one count proved.
	kwame.visit("/cases/" + id)
	kwame.check("case-panel")
	kwame.see("Hearing listed")
	kwame.openStep("record_findings")
	kwame.click(`#step-record_findings input[name="finding_1"][value="proved"]`)
	kwame.fill("#record_findings-fr1", "Both witnesses heard it.")
	kwame.click(`#step-record_findings input[name="finding_2"][value="not_proved"]`)
	kwame.submit("#step-record_findings")
	kwame.see("Charges determined")
	// A sanction before mitigation is refused, with the rule.
	kwame.openStep("impose_sanction")
	kwame.submit("#step-impose_sanction")
	kwame.see("That was not done", "mitigation must be heard")
	// The secretary records the mitigation; the panel imposes a sanction.
	tom.visit("/cases/" + id)
	tom.click("#details-record-mitigation > summary")
	tom.fill("#mit-summary", "Apologised at the hearing; no previous findings in 20 years.")
	tom.submit("#record-mitigation")
	kwame.visit("/cases/" + id)
	kwame.openStep("impose_sanction")
	kwame.do("sanction", chromedp.SetValue(chromedp.CSS("#impose_sanction-sanction"), "suspension_office_representation"))
	kwame.setDate("#impose_sanction-suntil", day(180))
	kwame.click(`#step-impose_sanction input[value="MIT-APOLOGY"]`)
	kwame.fill("#impose_sanction-rationale", "One count proved; the apology and long record weigh for a short suspension.")
	kwame.submit("#step-impose_sanction")
	kwame.see("Closed", "sanctioned", "Suspension from holding office and representation")
	kwame.visit("/cases/" + id + "/bundle")
	kwame.check("bundle")
	kwame.see("Hearing bundle", "Charges and findings", "Timeline")
	// Both counts are under 2.I.8: its text once. Dates as a bundle writes them.
	if bundle := kwame.text("main"); strings.Count(bundle, "Clause 2.I.8 ") != 1 || !strings.Contains(bundle, "Heard by\nthe National Constitutional Committee") ||
		!strings.Contains(bundle, "Prepared "+time.Now().UTC().Format("2 January 2006")) ||
		!strings.Contains(bundle, "Factor, mitigating: The member apologised promptly and sincerely. (MIT-APOLOGY)") || strings.Contains(bundle, time.Now().UTC().Format("2006-01-02")) {
		t.Errorf("the bundle:\n%s", clip(bundle, 4000))
	}

	// The respondent sees the outcome, and not who complained.
	helen := b.user("helen")
	helen.signIn()
	helen.see(id, "sanctioned")
	helen.visit("/cases/" + id)
	helen.check("case-respondent")
	helen.see("respondent", "Suspension from holding office and representation", "[complainant 1 withheld]",
		// The factors and criteria in the rule book's words, not codes alone.
		"mitigating: The member apologised promptly and sincerely. (MIT-APOLOGY)",
		"Criteria: SUSP-RISK — Allowing the member to continue to hold office or represent the Party")
	helen.notSee("Declan", "M0005", "Maeve")
	// No step is hers to take.
	helen.notSee("Next steps you may take")
	helen.visit("/members/M0010")
	helen.see("Suspended from holding office and representation")
	// She is invited to the survey.
	helen.visit("/dashboard")
	helen.see("Tell us how it went")
	helen.visit("/surveys/" + id)
	helen.check("survey")
	helen.click(`input[name="fair"][value="4"]`)
	helen.click(`input[name="confidence"][value="3"]`)
	helen.submit(`form[action="/surveys/` + id + `"]`)
	helen.see("Thank you")

	// The complainant sees the case as complainant.
	declan.visit("/cases/" + id)
	declan.see("complainant", "sanctioned")
	declan.notSee("Next steps you may take")

	// Oversight: statistics with their charts, the access log, the interference
	// register; the auditor verifies the record.
	morag := b.user("morag")
	morag.signIn()
	morag.visit("/statistics")
	morag.check("statistics")
	morag.see("Open cases by state", "Time from complaint to decision", "Sanctions by clause")
	morag.visit("/access-log?subject=case/" + id)
	morag.check("access-log")
	morag.see("Kwame Boateng (kwame)", "Helen Bracewell (helen)")
	morag.visit("/interference")
	morag.check("interference")
	morag.see("Office of the Party Leader")
	ruth := b.user("ruth")
	ruth.signIn()
	ruth.visit("/verify?projection=1")
	ruth.check("verify")
	ruth.see("The record verifies", "match a rebuild")

	// The other main pages, for the accessibility check.
	casey.visit("/members?q=bracewell")
	casey.check("members")
	casey.see("Helen Bracewell", "Harbour Ward branch")
	casey.visit("/cases")
	casey.check("cases")
	casey.visit("/deadlines")
	casey.check("deadlines")
	casey.visit("/precedents?clause=2.I.8")
	casey.check("precedents")
	casey.visit("/account")
	casey.check("account")
	admin := b.user("admin")
	admin.signIn()
	admin.visit("/admin/accounts")
	admin.check("accounts")
	admin.visit("/cases/" + id)
	admin.see("Not found")
	rita := b.user("rita")
	rita.signIn()
	rita.visit("/count")
	rita.check("count")
	// A real ward: Leith Walk's 2019 by-election, by alternative vote.
	blt, err := filepath.Abs("../count/irv/testdata/scotland/edinburgh_2019_by_election_leith_walk.blt")
	if err != nil {
		t.Fatal(err)
	}
	rita.do("choose method", chromedp.SetValue(chromedp.CSS("#method"), "irv"))
	rita.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#ballots"), []string{blt}))
	rita.submit(`form[action="/count"]`)
	rita.check("count-report")
	rita.see("Round")
	// The report names the file counted and its digest.
	rita.see("edinburgh_2019_by_election_leith_walk.blt")
	if b, err := os.ReadFile(blt); err != nil {
		t.Fatal(err)
	} else {
		sum := sha256.Sum256(b)
		rita.see(hex.EncodeToString(sum[:]))
	}
	// The others may not count.
	casey.visit("/count")
	casey.see("Not allowed")

	// The checker itself finds what it should: a field without a label and an
	// image without a text alternative.
	checker := b.user("checker")
	checker.do("bad page", chromedp.Navigate(`data:text/html,<!doctype html><html lang="en"><title>x</title><main><img src="x.png"><input type="text"></main></html>`))
	if v := strings.Join(checker.axeViolations("bad"), "\n"); !strings.Contains(v, "image-alt") || !strings.Contains(v, "label") {
		t.Errorf("axe-core did not find the faults of a faulty page: %q", v)
	}

	// The anonymous complaint is still only "made": no one has received it.
	anon.visit("/report/follow")
	anon.fill("#key", key)
	anon.submit(`form[action="/report/follow"]`)
	anon.see("made", "It happened again on Saturday.")
}
