package rulebook

import "testing"

// An error names its field once: before the message, unless the message names it
// already.
func TestErrorNamesItsFieldOnce(t *testing.T) {
	for _, c := range []struct{ field, msg, want string }{
		{"complaints", "complaint C-1 is about M0001", "complaint C-1 is about M0001"},
		{"complaints", "a complaint case is opened on at least one received complaint", "a complaint case is opened on at least one received complaint"},
		{"clauses", "is empty", "clauses: is empty"},
		{"complaint", "complaint C-1 is about M0001, not the respondent M0002", "complaint C-1 is about M0001, not the respondent M0002"},
		{"action", `unknown action "fly"`, `unknown action "fly"`},
		{"person", "is required", "person: is required"},
		{"reason", "a recusal needs the person and the reason", "a recusal needs the person and the reason"},
		{"reason", "a recusal needs the person and the reason.", "a recusal needs the person and the reason."},
		{"date", "the date_of_birth is wrong", "date: the date_of_birth is wrong"},
		{"hearing.date", `"soon" is not a date`, `hearing.date: "soon" is not a date`},
		{"", "no member", "no member"},
	} {
		if got := FieldError(c.field, "%s", c.msg).Error(); got != c.want {
			t.Errorf("%s / %s: %q, want %q", c.field, c.msg, got, c.want)
		}
	}
}
