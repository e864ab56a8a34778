package rulebook

import (
	"strings"
	"testing"
	"time"
)

// An instant asked about is an RFC 3339 instant, or a date meaning the end of that
// day; anything else is refused saying what is taken.
func TestParseInstant(t *testing.T) {
	for in, want := range map[string]string{
		"2016-05-01T12:00:00Z":        "2016-05-01T12:00:00Z",
		"2016-05-08T00:00:00+02:00":   "2016-05-07T22:00:00Z",
		"2016-05-04T15:30:00.123456Z": "2016-05-04T15:30:00.123456Z",
		"2016-05-01":                  "2016-05-01T23:59:59.999999Z",
	} {
		got, err := ParseInstant(in)
		if err != nil || got.UTC().Format(time.RFC3339Nano) != want {
			t.Errorf("%s: %v %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2016-02-30", "2016-05-01 12:00"} {
		if _, err := ParseInstant(in); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("%q: %v", in, err)
		}
	}
}
