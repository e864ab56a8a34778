package notices

import "testing"

// A letter template is named in the rule book's terms where it has them.
func TestLetterTitle(t *testing.T) {
	regulator := Letter{Terms: map[string]string{"suspension": "interim order", "charges": "allegations", "readmission": "restoration to the register"}}
	for tpl, want := range map[string]string{"administrative_suspension": "interim order", "notice_of_charges": "notice of allegations",
		"readmission_decision": "decision on restoration to the register", "hearing_notice": "hearing notice"} {
		if got := regulator.Title(tpl); got != want {
			t.Errorf("%s: %q, want %q", tpl, got, want)
		}
	}
	if got := (Letter{}).Title("notice_of_charges"); got != "notice of charges" {
		t.Errorf("default terms: %q", got)
	}
}
