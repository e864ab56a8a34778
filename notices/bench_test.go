package notices

import (
	"context"
	"testing"
)

func BenchmarkRender(b *testing.B) {
	tpl, l := Default(), SampleLetter()
	for b.Loop() {
		if _, err := tpl.Render("notice_of_charges", l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPDF(b *testing.B) {
	l := SampleLetter()
	r, err := Default().Render("notice_of_charges", l)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := PDF(r, l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSend(b *testing.B) {
	ts := startServer(b, nil)
	l := SampleLetter()
	r, _ := Default().Render("notice_of_charges", l)
	pdf, _ := PDF(r, l)
	m := &Mailer{Addr: ts.addr, From: "disputes@example.org"}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Send(context.Background(), []string{"zoe@example.org"}, r, pdf); err != nil {
			b.Fatal(err)
		}
	}
}
