package notices_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/notices"
)

func ExampleTemplates_Render() {
	l := notices.Letter{
		Organisation: "Example Club",
		Ref:          "C-2024-007",
		Date:         rulebook.MustDate("2024-05-01"),
		To:           notices.Party{Name: "Pat Member", Email: "pat@example.org", MemberID: "M0107"},
		Respondent:   notices.Party{Name: "Pat Member", MemberID: "M0107"},
		Charges: []notices.Charge{{Count: 1, Clause: "7.2", ClauseTitle: "Conduct at meetings",
			ClauseText: "Members shall conduct themselves courteously at meetings."}},
		Hearing:   &notices.Hearing{Date: rulebook.MustDate("2024-06-03"), Time: "19:00", Place: "The clubhouse", Panel: []string{"A", "B", "C"}},
		Signatory: "Club Secretary",
	}
	r, err := notices.Default().Render("hearing_notice", l)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Subject)
	for _, ln := range strings.Split(r.Text, "\n") {
		if strings.HasPrefix(ln, "  - ") {
			fmt.Println(strings.ReplaceAll(ln, "\u00a0", " ")) // dates use no-break spaces
		}
	}
	// Output:
	// Notice of hearing (reference C-2024-007)
	//   - Date: 3 June 2024
	//   - Time: 19:00
	//   - Place: The clubhouse
	//   - Panel: A, B, C
	//   - You may attend the hearing and put your case. You may be assisted or
	//   - The evidence for each charge will be presented first; you may
	//   - If you do not attend, the hearing may go ahead in your absence.
	//   - The panel will decide each count separately. If any charge is found
}

func ExampleMailer_Send() {
	l := notices.SampleLetter()
	r, err := notices.Default().Render("notice_of_investigation", l)
	if err != nil {
		log.Fatal(err)
	}
	pdf, err := notices.PDF(r, l)
	if err != nil {
		log.Fatal(err)
	}
	m := &notices.Mailer{Addr: "smtp.example.org:587", From: "Disputes <disputes@example.org>",
		Username: "disputes", Password: "…", StartTLS: true}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := m.Send(ctx, []string{l.To.MailAddress()}, r, pdf)
	if err != nil {
		log.Fatal(err) // record the failure on the case; nothing was sent
	}
	fmt.Println("sent as", id) // record the sending, with id, as an event
}
