package rulebook

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
	// From says who complained: "member", "official", "public" or "general_secretary"
	// (raised on the general secretary's own initiative).
	From string `json:"from"`
	// Via is how it arrived: "letter", "form", "email" or "api".
	Via string `json:"via"`
	// Conduct is the date of the conduct complained of; the rule book in force then
	// is the one it is judged under.
	Conduct Date     `json:"conduct"`
	Clauses []string `json:"clauses"`
	Summary string   `json:"summary"`
}
