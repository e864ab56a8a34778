package notices

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mailer sends letters through an SMTP server (a submission service or a local
// relay).
//
// It uses the client of github.com/emersion/go-smtp rather than net/smtp: net/smtp
// is frozen, while go-smtp is maintained, reports server replies as structured
// errors (code and enhanced code), speaks SMTPUTF8 for non-ASCII addresses, and is
// the same library the tests run a real server with.
type Mailer struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender, as an address or "Name <address>".
	From string
	// Username and Password, when Username is set, authenticate with AUTH PLAIN.
	// The password is only ever sent over TLS, or to a server on this machine.
	Username, Password string
	// StartTLS upgrades the connection with STARTTLS before anything else is said;
	// sending fails if the server does not offer it.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (submissions on port 465, which
	// RFC 8314 prefers to STARTTLS).
	ImplicitTLS bool
	// TLSConfig is used for either kind of TLS (nil: the system roots, server name
	// from Addr); tests set their own roots here.
	TLSConfig *tls.Config
	// Now gives the Date header's time; time.Now when nil.
	Now func() time.Time
}

// Send delivers the letter to every address in to, as one message: a
// multipart/alternative of the plain text and the HTML, with the PDF attached when
// pdf is not empty. It returns the message's Message-ID header value (with its angle
// brackets), which the caller records with the sending.
//
// Delivery is all or nothing: if the server refuses any recipient, the transaction
// is abandoned before the message is sent, and the error names the recipient and the
// server's reply. Cancelling ctx (or its deadline passing) closes the connection at
// once; the error then wraps ctx.Err().
func (m *Mailer) Send(ctx context.Context, to []string, r *Rendered, pdf []byte) (messageID string, err error) {
	if r == nil {
		return "", errors.New("notices: send: no rendered letter")
	}
	if len(to) == 0 {
		return "", errors.New("notices: send: no recipients")
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return "", fmt.Errorf("notices: send: sender %q: %v", m.From, err)
	}
	rcpts := make([]*mail.Address, len(to))
	for i, t := range to {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return "", fmt.Errorf("notices: send: recipient %q: %v", t, err)
		}
		rcpts[i] = a
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	messageID = newMessageID(from.Address)
	msg, err := buildMessage(from, rcpts, r, pdf, messageID, now())
	if err != nil {
		return "", err
	}
	if err := m.transmit(ctx, from.Address, rcpts, msg); err != nil {
		return "", err
	}
	return messageID, nil
}

func (m *Mailer) transmit(ctx context.Context, from string, rcpts []*mail.Address, msg []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("notices: send via %s: %w", m.Addr, err)
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("notices: send: server address %q: %v", m.Addr, err)
	}
	if m.StartTLS && m.ImplicitTLS {
		return errors.New("notices: send: StartTLS and ImplicitTLS are exclusive")
	}
	cfg := m.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	var conn net.Conn
	if m.ImplicitTLS {
		d := tls.Dialer{Config: cfg}
		conn, err = d.DialContext(ctx, "tcp", m.Addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", m.Addr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("notices: connecting to %s: %w", m.Addr, ctx.Err())
		}
		return fmt.Errorf("notices: connecting to %s: %w", m.Addr, err)
	}
	// Closing the connection is the one way to interrupt every blocking step of the
	// SMTP conversation (the client sets its own per-command deadlines).
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fail := func(step string, err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("notices: send via %s: %s: %w", m.Addr, step, ctx.Err())
		}
		return fmt.Errorf("notices: send via %s: %s: %w", m.Addr, step, err)
	}
	var c *smtp.Client
	if m.StartTLS {
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			return fail("STARTTLS", err)
		}
		// The handshake happens on the first write; make it happen now, so that a
		// certificate failure is reported as such and before anything else is said.
		if err := c.Hello("localhost"); err != nil {
			c.Close()
			return fail("STARTTLS (TLS handshake)", err)
		}
	} else {
		c = smtp.NewClient(conn)
		if err := c.Hello("localhost"); err != nil {
			return fail("EHLO", err)
		}
	}
	defer c.Close()
	if m.Username != "" {
		_, isTLS := c.TLSConnectionState()
		if !isTLS && !m.ImplicitTLS && !isLoopback(host) {
			return fail("AUTH", errors.New("refusing to send the password without TLS (set StartTLS)"))
		}
		if err := c.Auth(sasl.NewPlainClient("", m.Username, m.Password)); err != nil {
			return fail("AUTH", err)
		}
	}
	opts := &smtp.MailOptions{}
	if !isASCII(from) || !allASCIIAddrs(rcpts) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return fail("MAIL FROM", errors.New("an address is not ASCII and the server does not offer SMTPUTF8"))
		}
		opts.UTF8 = true
	}
	if err := c.Mail(from, opts); err != nil {
		return fail("MAIL FROM <"+from+">", err)
	}
	for _, rc := range rcpts {
		if err := c.Rcpt(rc.Address, nil); err != nil {
			c.Reset()
			return fail("recipient <"+rc.Address+"> refused", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("message refused", err)
	}
	// The message is accepted once the server has answered the final dot; a failed
	// QUIT does not undo that.
	_ = c.Quit()
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allASCIIAddrs(as []*mail.Address) bool {
	for _, a := range as {
		if !isASCII(a.Address) {
			return false
		}
	}
	return true
}

// newMessageID makes a globally unique Message-ID in the sender's domain.
func newMessageID(from string) string {
	var b [16]byte
	rand.Read(b[:])
	domain := "rulebook.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// buildMessage writes the MIME message: headers, then multipart/mixed holding a
// multipart/alternative (text first, so that clients prefer the HTML) and the PDF.
// Text parts are quoted-printable, so lines stay short and 8-bit-clean whatever the
// letter contains; the PDF is base64 in 76-column lines. Lines end in CRLF.
func buildMessage(from *mail.Address, to []*mail.Address, r *Rendered, pdf []byte, messageID string, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	var tos []string
	for _, a := range to {
		tos = append(tos, a.String())
	}
	subject := strings.Join(strings.Fields(cleanString(r.Subject)), " ")
	hdr := []struct{ k, v string }{
		{"From", from.String()},
		{"To", strings.Join(tos, ", ")},
		{"Subject", encodeHeaderText(subject)},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", messageID},
		{"MIME-Version", "1.0"},
		{"X-Rulebook-Template", mime.QEncoding.Encode("utf-8", strings.Join(strings.Fields(cleanString(r.Template)), "_"))},
	}
	for _, h := range hdr {
		buf.WriteString(foldHeader(h.k, h.v))
	}
	var altBody bytes.Buffer
	alt := multipart.NewWriter(&altBody)
	if err := writeAlternatives(alt, r); err != nil {
		return nil, err
	}
	altType := mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt.Boundary()})
	if len(pdf) == 0 {
		// No attachment: the alternatives are the whole message.
		fmt.Fprintf(&buf, "Content-Type: %s\r\n\r\n", altType)
		buf.Write(altBody.Bytes())
		return buf.Bytes(), nil
	}
	mixed := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "Content-Type: %s\r\n\r\n", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", altType)
	pw, err := mixed.CreatePart(h)
	if err != nil {
		return nil, err
	}
	pw.Write(altBody.Bytes())

	name := attachmentName(r)
	ah := textproto.MIMEHeader{}
	ah.Set("Content-Type", mime.FormatMediaType("application/pdf", map[string]string{"name": name}))
	ah.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	ah.Set("Content-Transfer-Encoding", "base64")
	aw, err := mixed.CreatePart(ah)
	if err != nil {
		return nil, err
	}
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		io.WriteString(aw, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	io.WriteString(aw, enc+"\r\n")
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeHeaderText encodes unstructured header text (RFC 2047) when it is not
// plain ASCII, or when it has a word too long to fold (encoded words can be split
// anywhere, and the space between two of them is not part of the text).
func encodeHeaderText(s string) string {
	long := false
	for _, w := range strings.Fields(s) {
		if len(w) > 200 {
			long = true
		}
	}
	if !long {
		return mime.QEncoding.Encode("utf-8", s)
	}
	var words []string
	for len(s) > 0 {
		n := min(len(s), 30)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n++
		}
		var b strings.Builder
		for i := 0; i < n; i++ {
			c := s[i]
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				b.WriteByte(c)
			} else if c == ' ' {
				b.WriteByte('_')
			} else {
				fmt.Fprintf(&b, "=%02X", c)
			}
		}
		words = append(words, "=?utf-8?q?"+b.String()+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// foldHeader writes one header field, folded at spaces so that lines stay within
// 78 characters where the value allows (RFC 5322 2.2.3).
func foldHeader(name, value string) string {
	var b strings.Builder
	b.WriteString(name + ":")
	col := len(name) + 1
	for _, w := range strings.Split(value, " ") {
		if col+1+len(w) > 78 && col > len(name)+1 {
			b.WriteString("\r\n")
			col = 0
		}
		b.WriteString(" " + w)
		col += 1 + len(w)
	}
	b.WriteString("\r\n")
	return b.String()
}

func writeAlternatives(w *multipart.Writer, r *Rendered) error {
	for _, p := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", r.Text},
		{"text/html; charset=utf-8", r.HTML},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", p.ctype)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(h)
		if err != nil {
			return err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := io.WriteString(qp, cleanString(p.body)); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
	}
	return w.Close()
}

// attachmentName is the PDF's file name: the template and the reference, in
// characters every mail client and file system accepts.
func attachmentName(r *Rendered) string {
	base := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, r.Template)
	if base == "" {
		base = "letter"
	}
	return base + ".pdf"
}
