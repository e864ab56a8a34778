package rulebook

import "slices"

// EventComplaintReceived records a complaint about a member as received: a letter, a
// form or an API submission. It is the intake record that the discipline workflow
// builds its cases on; receiving a complaint changes no one's rights.
const EventComplaintReceived = "complaint.received"

// ComplaintSubjectPrefix starts the subject of events about a complaint.
const ComplaintSubjectPrefix = "complaint/"

// ComplaintReceived is the data of a complaint.received event. The event's Effective
// date is the date the complaint was received.
type ComplaintReceived struct {
	ID         string `json:"id"`
	Respondent string `json:"respondent"`
	// Complainant is a member id or, for someone not on the register, a name.
	Complainant string `json:"complainant"`
	// Cosignatories are the further complainants of a complaint made jointly (one
	// letter signed by several people): each is a complainant of the case, notified
	// and redacted as one.
	Cosignatories []string `json:"cosignatories,omitempty"`
	// From says who complained: "member", "public", or a source the rule book
	// declares (complaint_sources), such as an official or an officer acting on
	// their own initiative.
	From string `json:"from"`
	// Via is how it arrived: "letter", "form", "email" or "api".
	Via string `json:"via"`
	// Conduct is the date of the conduct complained of; the rule book in force then
	// is the one it is judged under.
	Conduct Date     `json:"conduct"`
	Clauses []string `json:"clauses"`
	Summary string   `json:"summary"`
}

// Complainants lists everyone who made the complaint, the first signatory first.
func (c *ComplaintReceived) Complainants() []string {
	out := []string{c.Complainant}
	for _, p := range c.Cosignatories {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// ComplaintSources are the sources of a complaint every rule book has: a member,
// and a member of the public. A rule book may declare more.
var ComplaintSources = []string{"member", "public"}

// EventComplaintReported records a complaint made through the complaint form, by a
// signed-in member or by anyone without an account, before staff have identified
// the member it is about. Staff then receive it (complaint.received, same id),
// naming the respondent and the rules said to be broken.
const EventComplaintReported = "complaint.reported"

// EventComplaintInformation records further information a complainant adds to a
// complaint after making it (an anonymous one, with its report key).
const EventComplaintInformation = "complaint.information_added"

// ComplaintReported is the data of a complaint.reported event. The event's
// Effective date is the date it was made.
type ComplaintReported struct {
	ID string `json:"id"`
	// About is who the complaint is about, in the complainant's words, and
	// AboutUnit the unit they give, as they give it.
	About     string `json:"about"`
	AboutUnit string `json:"about_unit,omitempty"`
	// Complainant is the member id of a signed-in member, or "" for an anonymous
	// complaint (followed with a report key, which is never recorded).
	Complainant string `json:"complainant,omitempty"`
	// From is "member" or "public".
	From    string `json:"from"`
	Conduct Date   `json:"conduct,omitempty"`
	Summary string `json:"summary"`
}

// ComplaintInformation is the data of a complaint.information_added event.
type ComplaintInformation struct {
	Text string `json:"text"`
}

// Anonymous is how a complaint made without an account names its complainant.
const Anonymous = "anonymous"
