package notices

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultTerms are the words letters use for the steps of a procedure, unless the
// rule book names them in its own terms (a regulator's "interim order" for an
// administrative suspension, "allegations" for charges, "restoration to the
// register" for readmission).
var DefaultTerms = map[string]string{
	"suspension": "administrative suspension",
	// the suspension, once named: "the suspension will be reviewed"
	"suspension_short": "suspension",
	"suspended":        "administratively suspended",
	"charge":           "charge",
	"charges":          "charges",
	"readmission":      "readmission",
	"sanction":         "sanction",
	"membership":       "membership",
}

// Term returns the organisation's word for key, as the letter's Terms give it, or
// the default.
func (l Letter) Term(key string) string {
	if t := strings.TrimSpace(l.Terms[key]); t != "" {
		return t
	}
	return DefaultTerms[key]
}

// TermTitle is Term with its first letter capitalised, for headings and the start
// of a sentence.
func (l Letter) TermTitle(key string) string {
	t := l.Term(key)
	r, n := utf8.DecodeRuneInString(t)
	if n == 0 {
		return t
	}
	return string(unicode.ToUpper(r)) + t[n:]
}

// ATitle is Term with the indefinite article, capitalised ("An interim order").
func (l Letter) ATitle(key string) string {
	t := l.Term(key)
	a := "A "
	if t != "" && strings.ContainsRune("aeiouAEIOU", rune(t[0])) {
		a = "An "
	}
	return a + t
}

// Title names letter template tpl in the letter's terms, for a list of letters:
// a regulator's "interim order" and "notice of allegations" where a party's are
// "administrative suspension" and "notice of charges".
func (l Letter) Title(tpl string) string {
	switch tpl {
	case "administrative_suspension":
		return l.Term("suspension")
	case "notice_of_charges":
		return "notice of " + l.Term("charges")
	case "readmission_decision":
		return "decision on " + l.Term("readmission")
	}
	return strings.ReplaceAll(tpl, "_", " ")
}
