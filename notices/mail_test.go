package notices

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test server got it.
type received struct {
	from string
	to   []string
	data []byte
	tls  bool
	user string
}

// testServer is a real SMTP server (go-smtp) on a loopback port, storing what it
// receives. refuse lists recipients it answers 550; block, when set, makes DATA wait
// until it is closed.
type testServer struct {
	srv    *smtp.Server
	addr   string
	mu     sync.Mutex
	msgs   []received
	refuse map[string]bool
	block  chan struct{}
	users  map[string]string
	// implicitTLS serves TLS from the first byte with srv.TLSConfig.
	implicitTLS bool
	// dataErr, when set, is the answer to the message (after its final dot).
	dataErr error
}

func startServer(t testing.TB, configure func(*testServer)) *testServer {
	t.Helper()
	ts := &testServer{refuse: map[string]bool{}}
	ts.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{ts: ts, conn: c}, nil
	}))
	ts.srv.Domain = "localhost"
	ts.srv.ReadTimeout = 5 * time.Second
	ts.srv.WriteTimeout = 5 * time.Second
	ts.srv.ErrorLog = nopLogger{}
	if configure != nil {
		configure(ts)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	if ts.implicitTLS {
		l = tls.NewListener(l, ts.srv.TLSConfig)
	}
	go ts.srv.Serve(l)
	t.Cleanup(func() {
		if ts.block != nil {
			select {
			case <-ts.block:
			default:
				close(ts.block)
			}
		}
		ts.srv.Close()
	})
	return ts
}

func (ts *testServer) messages() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...interface{}) {}
func (nopLogger) Println(...interface{})        {}

type session struct {
	ts   *testServer
	conn *smtp.Conn
	user string
	msg  received
}

func (s *session) AuthMechanisms() []string {
	if s.ts.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if p, ok := s.ts.users[username]; !ok || p != password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.ts.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.msg = received{from: from, tls: isTLS, user: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ts.refuse[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.ts.block != nil {
		<-s.ts.block
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ts.dataErr != nil {
		return s.ts.dataErr
	}
	s.msg.data = b
	s.ts.mu.Lock()
	s.ts.msgs = append(s.ts.msgs, s.msg)
	s.ts.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{} }
func (s *session) Logout() error { return nil }

func sampleMail(t *testing.T) (*Rendered, []byte) {
	t.Helper()
	l := SampleLetter()
	l.To.Name = "Zoë <script>alert(1)</script> Sample"
	r, err := Default().Render("notice_of_charges", l)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := PDF(r, l)
	if err != nil {
		t.Fatal(err)
	}
	return r, pdf
}

// parsedMail is a received message taken apart with net/mail and mime/multipart.
type parsedMail struct {
	header     mail.Header
	text, html string
	pdf        []byte
	pdfName    string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("message has bare LF line endings")
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := parsedMail{header: m.Header}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("top-level Content-Type %q (%v); want multipart/mixed", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var kinds []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		kinds = append(kinds, pt)
		switch pt {
		case "multipart/alternative":
			ar := multipart.NewReader(part, pp["boundary"])
			var order []string
			for {
				ap, err := ar.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				at, ap2, _ := mime.ParseMediaType(ap.Header.Get("Content-Type"))
				if ap2["charset"] != "utf-8" {
					t.Errorf("%s part charset %q", at, ap2["charset"])
				}
				// multipart.Reader undoes quoted-printable itself.
				b, err := io.ReadAll(ap)
				if err != nil {
					t.Fatal(err)
				}
				// Text travels with CRLF line ends (RFC 2046 canonical form).
				if bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
					t.Errorf("%s part has bare LF line ends", at)
				}
				b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
				order = append(order, at)
				switch at {
				case "text/plain":
					p.text = string(b)
				case "text/html":
					p.html = string(b)
				}
			}
			if strings.Join(order, ",") != "text/plain,text/html" {
				t.Errorf("alternatives %v; want text/plain then text/html", order)
			}
		case "application/pdf":
			if part.Header.Get("Content-Transfer-Encoding") != "base64" {
				t.Errorf("PDF encoding %q", part.Header.Get("Content-Transfer-Encoding"))
			}
			p.pdfName = part.FileName()
			b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
			if err != nil {
				t.Fatal(err)
			}
			p.pdf = b
		}
	}
	if strings.Join(kinds, ",") != "multipart/alternative,application/pdf" {
		t.Errorf("parts %v", kinds)
	}
	return p
}

func TestSendDelivers(t *testing.T) {
	ts := startServer(t, nil)
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "Disputes Office <disputes@example.org>",
		Now: func() time.Time { return time.Date(2016, 4, 28, 9, 30, 0, 0, time.UTC) }}
	id, err := m.Send(context.Background(), []string{"Zoë Sample <zoe@example.org>", "rep@example.net"}, r, pdf)
	if err != nil {
		t.Fatal(err)
	}
	msgs := ts.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages; want 1", len(msgs))
	}
	got := msgs[0]
	if got.from != "disputes@example.org" || strings.Join(got.to, ",") != "zoe@example.org,rep@example.net" {
		t.Errorf("envelope from %q to %v", got.from, got.to)
	}
	p := parseMail(t, got.data)
	h := p.header
	if h.Get("Message-ID") != id || !strings.HasSuffix(id, "@example.org>") || !strings.HasPrefix(id, "<") {
		t.Errorf("Message-ID header %q, returned %q", h.Get("Message-ID"), id)
	}
	var dec mime.WordDecoder
	subj, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subj != r.Subject {
		t.Errorf("Subject %q (%v); want %q", subj, err, r.Subject)
	}
	if d, err := h.Date(); err != nil || !d.Equal(time.Date(2016, 4, 28, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("Date %v (%v)", d, err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Disputes Office" {
		t.Errorf("From %v (%v)", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Zoë Sample" || to[1].Address != "rep@example.net" {
		t.Errorf("To %v (%v)", to, err)
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Error("no MIME-Version")
	}
	if p.text != r.Text {
		t.Errorf("text part differs from the rendered text:\n%q\n%q", p.text, r.Text)
	}
	if p.html != r.HTML {
		t.Errorf("HTML part differs from the rendered HTML")
	}
	if !bytes.Equal(p.pdf, pdf) || p.pdfName != "notice_of_charges.pdf" {
		t.Errorf("attachment %q of %d bytes; want notice_of_charges.pdf of %d", p.pdfName, len(p.pdf), len(pdf))
	}
	if _, err := checkPDF(p.pdf); err != nil {
		t.Errorf("attached PDF: %v", err)
	}
	for _, ln := range strings.Split(string(got.data), "\r\n") {
		if len(ln) > 998 {
			t.Fatalf("line of %d octets breaks RFC 5322", len(ln))
		}
	}
}

func TestSendWithoutPDF(t *testing.T) {
	ts := startServer(t, nil)
	r, _ := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org"}
	if _, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(ts.messages()[0].data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	n := 0
	for {
		_, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d alternatives; want 2", n)
	}
}

func TestSendRecipientRefused(t *testing.T) {
	ts := startServer(t, func(ts *testServer) { ts.refuse["gone@example.org"] = true })
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org"}
	_, err := m.Send(context.Background(), []string{"zoe@example.org", "gone@example.org"}, r, pdf)
	if err == nil {
		t.Fatal("no error when the server refused a recipient")
	}
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 {
		t.Errorf("error %v does not carry the server's 550", err)
	}
	if !strings.Contains(err.Error(), "gone@example.org") || !strings.Contains(err.Error(), "no such mailbox") {
		t.Errorf("error %q does not name the recipient and the reason", err)
	}
	if n := len(ts.messages()); n != 0 {
		t.Errorf("%d messages delivered; a refused recipient must stop the whole sending", n)
	}
}

func TestSendServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: addr, From: "disputes@example.org"}
	_, err = m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf)
	if err == nil || !strings.Contains(err.Error(), "connecting to "+addr) {
		t.Fatalf("error %v; want one naming the connection to %s", err, addr)
	}
}

func TestSendContextCancelled(t *testing.T) {
	ts := startServer(t, func(ts *testServer) { ts.block = make(chan struct{}) })
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org"}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := m.Send(ctx, []string{"zoe@example.org"}, r, pdf)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v; want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v to give up after cancellation", d)
	}

	// Already cancelled: no connection is made at all.
	_, err = m.Send(ctx, []string{"zoe@example.org"}, r, pdf)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v; want context.Canceled", err)
	}

	// A deadline works the same way.
	dctx, dcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer dcancel()
	_, err = m.Send(dctx, []string{"zoe@example.org"}, r, pdf)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v; want context.DeadlineExceeded", err)
	}
}

func TestSendStartTLSAndAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	ts := startServer(t, func(ts *testServer) {
		ts.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		ts.users = map[string]string{"office": "s3cret"}
	})
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org", Username: "office", Password: "s3cret",
		StartTLS: true, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	if _, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf); err != nil {
		t.Fatal(err)
	}
	got := ts.messages()
	if len(got) != 1 || !got[0].tls || got[0].user != "office" {
		t.Fatalf("received %+v; want one message over TLS from user office", got)
	}

	// A wrong password is the server's 535, reported as such.
	m.Password = "wrong"
	_, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 535 || !strings.Contains(err.Error(), "AUTH") {
		t.Errorf("wrong password: error %v; want AUTH failing with 535", err)
	}

	// A certificate the client does not trust stops the sending before any password.
	m.Password = "s3cret"
	m.TLSConfig = &tls.Config{ServerName: "localhost", RootCAs: x509.NewCertPool()}
	_, err = m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted certificate: error %v; want a STARTTLS failure", err)
	}
	if n := len(ts.messages()); n != 1 {
		t.Errorf("%d messages; failed sendings must deliver nothing", n)
	}
}

func TestSendStartTLSNotOffered(t *testing.T) {
	ts := startServer(t, nil)
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org", StartTLS: true}
	_, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("error %v; want STARTTLS not offered", err)
	}
}

func TestSendBadInput(t *testing.T) {
	r, pdf := sampleMail(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		m    Mailer
		to   []string
		r    *Rendered
		want string
	}{
		"no recipients":    {Mailer{Addr: "127.0.0.1:1", From: "a@example.org"}, nil, r, "no recipients"},
		"bad recipient":    {Mailer{Addr: "127.0.0.1:1", From: "a@example.org"}, []string{"not an address"}, r, `recipient "not an address"`},
		"header injection": {Mailer{Addr: "127.0.0.1:1", From: "a@example.org"}, []string{"x@example.org\r\nBcc: y@example.org"}, r, "recipient"},
		"bad sender":       {Mailer{Addr: "127.0.0.1:1", From: "nobody"}, []string{"x@example.org"}, r, `sender "nobody"`},
		"no letter":        {Mailer{Addr: "127.0.0.1:1", From: "a@example.org"}, []string{"x@example.org"}, nil, "no rendered letter"},
		"bad server addr":  {Mailer{Addr: "example.org", From: "a@example.org"}, []string{"x@example.org"}, r, "server address"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.m.Send(ctx, tc.to, tc.r, pdf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSubjectHeaderCannotInject(t *testing.T) {
	r := &Rendered{Template: "x", Subject: "Hello\r\nBcc: victim@example.org", Text: "t", HTML: "<p>t</p>"}
	from, _ := mail.ParseAddress("a@example.org")
	to, _ := mail.ParseAddress("b@example.org")
	msg, err := buildMessage(from, []*mail.Address{to}, r, nil, "<id@example.org>", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Fatal("a newline in the subject added a header")
	}
}

func TestAuthNeedsTLSOffLoopback(t *testing.T) {
	if !isLoopback("127.0.0.1") || !isLoopback("::1") || !isLoopback("localhost") || isLoopback("mail.example.org") || isLoopback("192.0.2.1") {
		t.Fatal("isLoopback is wrong")
	}
}

// selfSigned makes a certificate for localhost and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}

func TestSendImplicitTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	ts := startServer(t, func(ts *testServer) {
		ts.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		ts.implicitTLS = true
		ts.users = map[string]string{"office": "s3cret"}
	})
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org", Username: "office", Password: "s3cret",
		ImplicitTLS: true, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	if _, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf); err != nil {
		t.Fatal(err)
	}
	if got := ts.messages(); len(got) != 1 || !got[0].tls || got[0].user != "office" {
		t.Fatalf("received %+v; want one message over TLS from user office", got)
	}
	m.TLSConfig = &tls.Config{ServerName: "localhost", RootCAs: x509.NewCertPool()}
	if _, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: error %v", err)
	}
	m.StartTLS = true
	if _, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf); err == nil || !strings.Contains(err.Error(), "exclusive") {
		t.Errorf("both TLS modes: error %v", err)
	}
}

func TestPartyMailAddress(t *testing.T) {
	for _, c := range []struct {
		p          Party
		name, addr string
	}{
		{Party{Name: "Rowan Ashdown", Email: "rowan@example.org"}, "Rowan Ashdown", "rowan@example.org"},
		{Party{Name: "Zoë\r\nBcc: x", Email: " zoe@example.org "}, "Zoë Bcc: x", "zoe@example.org"},
	} {
		got := c.p.MailAddress()
		if strings.ContainsAny(got, "\r\n") {
			t.Fatalf("%q has a line break", got)
		}
		a, err := mail.ParseAddress(got)
		if err != nil || a.Name != c.name || a.Address != c.addr {
			t.Errorf("%+v: %q parses as %v (%v)", c.p, got, a, err)
		}
	}
	if got := (Party{Name: "No Email"}).MailAddress(); got != "" {
		t.Errorf("no e-mail: %q", got)
	}
}

func TestLongHeadersFold(t *testing.T) {
	from, _ := mail.ParseAddress("a@example.org")
	var to []*mail.Address
	for i := 0; i < 30; i++ {
		to = append(to, &mail.Address{Name: "Recipient Number " + itoa(i), Address: "r" + itoa(i) + "@example.org"})
	}
	for _, subject := range []string{
		strings.Repeat("A long subject line in plain ASCII ", 60),
		strings.Repeat("Zoë Łukasiewicz ", 80),
		"Ref " + strings.Repeat("X", 3000) + " end",
		strings.Repeat("ü", 1500),
	} {
		r := &Rendered{Template: "x", Subject: subject, Text: "t", HTML: "<p>t</p>"}
		msg, err := buildMessage(from, to, r, nil, "<id@example.org>", time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		head := string(msg[:bytes.Index(msg, []byte("\r\n\r\n"))])
		for _, ln := range strings.Split(head, "\r\n") {
			if len(ln) > 998 {
				t.Fatalf("header line of %d octets", len(ln))
			}
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || got != flat(subject) {
			t.Errorf("subject comes back as %.60q… (%v); want %.60q…", got, err, flat(subject))
		}
		list, err := m.Header.AddressList("To")
		if err != nil || len(list) != 30 || list[29].Address != "r29@example.org" {
			t.Errorf("To header: %d addresses (%v)", len(list), err)
		}
	}
}

func TestSendMessageRefused(t *testing.T) {
	ts := startServer(t, func(ts *testServer) {
		ts.dataErr = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "message rejected as spam"}
	})
	r, pdf := sampleMail(t)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org"}
	_, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 554 || !strings.Contains(err.Error(), "message refused") || !strings.Contains(err.Error(), "spam") {
		t.Fatalf("error %v; want the server's 554 reported as the message refused", err)
	}
}
