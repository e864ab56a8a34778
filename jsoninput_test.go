package rulebook

import (
	"strings"
	"testing"
)

type inputPanel struct {
	Members []struct {
		ID string `json:"id"`
	} `json:"members"`
}

type inputCommand struct {
	Panel   *inputPanel `json:"panel"`
	Hearing struct {
		Date Date `json:"date"`
	} `json:"hearing"`
	Vote struct {
		For int `json:"for"`
	} `json:"vote"`
	Urgent bool `json:"urgent"`
}

// Input refused is explained in JSON's terms, with the field: never a Go type
// (httpapi.joinInput, []discipline.PanelMember), never a bare EOF.
func TestDecodeInputSpeaksJSON(t *testing.T) {
	for doc, want := range map[string]string{
		``:                                 "body: is empty: a JSON object is required",
		"  \n":                             "body: is empty: a JSON object is required",
		`[]`:                               "body: expected an object, got a JSON array",
		`{"panel":[1]}`:                    "panel: expected an object, got a JSON array",
		`{"panel":{"members":{"a":1}}}`:    "panel.members: expected an array, got a JSON object",
		`{"panel":{"members":[{"id":5}]}}`: "panel.members.id: expected a string, got a JSON number",
		`{"vote":{"for":"x"}}`:             "vote.for: expected a whole number, got a JSON string",
		`{"urgent":"yes"}`:                 "urgent: expected true or false, got a JSON string",
		`{"hearing":{"date":"soon"}}`:      `hearing.date: "soon" is not a date in the form YYYY-MM-DD`,
		`{"hearing":{"date":5}}`:           "hearing.date: expected a string, got a JSON number",
		`{"panel":`:                        "body: the JSON is cut short",
		`{"colour":"red"}`:                 "colour: unknown field",
		`{} {}`:                            "body: unexpected data after the JSON object",
	} {
		var c inputCommand
		err := DecodeInput([]byte(doc), &c)
		if err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", doc, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "rulebook.") || strings.Contains(err.Error(), "[]") || strings.Contains(err.Error(), "Go ")) {
			t.Errorf("%q: a Go type in %q", doc, err)
		}
	}
}
