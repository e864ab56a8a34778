package discipline_test

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
	"github.com/rulebook/rulebook/examples/demo"
	"github.com/rulebook/rulebook/notices"
	"github.com/rulebook/rulebook/register"
	"github.com/rulebook/rulebook/rules"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

func demoService(t *testing.T) *discipline.Service {
	ctx := context.Background()
	src, err := os.ReadFile("../examples/labour-2016.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Load("labour-2016.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	db := sqldbtest.Open(t, "sqlite")
	if err := demo.Load(ctx, db, rb, src); err != nil {
		t.Fatal(err)
	}
	reg, err := register.New(ctx, db, rb, src)
	if err != nil {
		t.Fatal(err)
	}
	return discipline.New(reg)
}

// Every letter of the demo story renders from the record, with the facts due
// process requires, as HTML, text and PDF.
func TestDemoLetters(t *testing.T) {
	ctx := context.Background()
	ds := demoService(t)
	tpl := notices.Default()
	for _, tc := range []struct {
		caseID, template string
		want             []string
	}{
		{"D-2016-001", "notice_of_charges", []string{"Count 1", "2.I.8", "grossly detrimental", "Rowan Ashdown"}},
		{"D-2016-001", "hearing_notice", []string{"30 March 2017", "Church House", "Ann Ryder"}},
		{"D-2016-001", "decision", []string{"Suspension from holding office and representation", "27 April 2018", "28 April 2016"}},
		{"D-2016-001", "review_refused", []string{"6.I.1.D", "decisions are final"}},
		{"D-2016-002", "administrative_suspension", []string{"20 July 2016", "Vote in a ballot of all individual members", "Attend branch meetings"}},
		{"X-2000-001", "automatic_exclusion", []string{"2.I.4.B", "nomination papers", "readmission"}},
		{"R-2003-001", "readmission_decision", []string{"24 for, 5 against"}},
	} {
		c, err := ds.Case(ctx, tc.caseID)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ds.Letter(ctx, c, tc.template, "", 0)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.caseID, tc.template, err)
		}
		r, err := tpl.Render(tc.template, l)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.caseID, tc.template, err)
		}
		text := strings.Join(strings.Fields(r.Text), " ")
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %s: letter lacks %q:\n%s", tc.caseID, tc.template, w, r.Text)
			}
		}
		pdf, err := notices.PDF(r, l)
		if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Errorf("%s %s: PDF: %v", tc.caseID, tc.template, err)
		}
	}
	// The respondent's copy withholds the complainants, and says so.
	c, _ := ds.Case(ctx, "D-2016-001")
	l, _ := ds.Letter(ctx, c, "notice_of_charges", "", 0)
	if len(l.Complainants) != 0 || l.ComplainantsWithheld == "" {
		t.Errorf("complainants named to the respondent: %+v", l.Complainants)
	}
}

// A step that sends a notice e-mails it through a real SMTP server and records the
// sending as an event.
func TestStepSendsNotice(t *testing.T) {
	ctx := context.Background()
	ds := demoService(t)
	srv := startSMTP(t)
	ds.Notify = discipline.MailNotifier(ds, notices.Default(), &notices.Mailer{Addr: srv.addr, From: "General Secretary <gs@example.org>"})
	ds.Reg.DB.Now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	// M0025's case is under investigation with a suspension: a review sends no
	// notice, but a new complaint case's investigation does.
	if _, err := ds.Reg.ReceiveComplaint(ctx, "t", rulebook.MustDate("2029-12-01"), rulebook.ComplaintReceived{ID: "C-2029-001", Respondent: "M0002",
		Complainant: "M0003", From: "member", Via: "letter", Clauses: []string{"2.I.8"}, Summary: "Abusive remarks at a meeting."}); err != nil {
		t.Fatal(err)
	}
	o, err := ds.Open(ctx, "t", discipline.OpenInput{ID: "D-2029-001", Kind: "complaint", Respondent: "M0002", Date: rulebook.MustDate("2029-12-01"), Complaints: []string{"C-2029-001"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Take(ctx, "t", o.Case.ID, discipline.Command{Transition: "acknowledge", Date: rulebook.MustDate("2029-12-02"), Body: "compliance_unit"}); err != nil {
		t.Fatal(err)
	}
	out, err := ds.Take(ctx, "t", o.Case.ID, discipline.Command{Transition: "investigate", Date: rulebook.MustDate("2029-12-03"), Body: "compliance_unit",
		Criteria: []string{"INV-BREACH"}, Rationale: "Witnessed by several members."})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].to[0], "priya.castellan@example.org") || !strings.Contains(string(msgs[0].data), "application/pdf") {
		t.Fatalf("messages: %d %+v", len(msgs), msgs)
	}
	if n := len(out.Case.Notices); n != 1 || out.Case.Notices[0].Template != "notice_of_investigation" || out.Case.Notices[0].MessageID == "" {
		t.Fatalf("notice not recorded: %+v", out.Case.Notices)
	}
	if res, _ := ds.Reg.DB.Verify(ctx, nil); !res.OK {
		t.Fatalf("verify: %+v", res.Problem)
	}
}

type smtpServer struct {
	addr string
	mu   sync.Mutex
	msgs []smtpMsg
}

type smtpMsg struct {
	to   []string
	data []byte
}

func (s *smtpServer) messages() []smtpMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMsg(nil), s.msgs...)
}

func startSMTP(t *testing.T) *smtpServer {
	s := &smtpServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

type smtpSession struct {
	s   *smtpServer
	msg smtpMsg
}

func (x *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.msg.to = append(x.msg.to, to)
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.msg.data = b
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, x.msg)
	x.s.mu.Unlock()
	return nil
}
func (x *smtpSession) Reset()        { x.msg = smtpMsg{} }
func (x *smtpSession) Logout() error { return nil }
