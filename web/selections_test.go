package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/httpapi"
)

// TestSelectionPages reads the selection pages of the demo as the people they
// are for: the count round by round with names, the refused nomination with its
// clause, the forms each may use, and a member's ballots.
func TestSelectionPages(t *testing.T) {
	f := demoFixture(t)
	get := func(who, path string) (int, string) {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = "192.0.2.1:1234"
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: f.sessions[who]})
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	for _, tc := range []struct {
		who, path string
		status    int
		see, not  []string
	}{
		{"rita", "/selections", 200, []string{"mayor-2016", "harbour-ward-2017", "Open a selection"}, nil},
		{"ruth", "/selections", 200, []string{"mayor-2016"}, []string{"Open a selection"}},
		{"rita", "/selections/mayor-2016", 200, []string{"Mayor of Northport, May 2017", "Priya Castellan (M0002)", "Rowan Ashdown (M0001)", "6.I.1.B",
			"Round 3", "Check the electorate against the record", "endorsed by the National Executive Committee"}, []string{"Deselect a candidate"}},
		{"nia", "/selections/mayor-2016", 200, []string{"Deselect a candidate", "Withdraw an endorsement"}, []string{"Enter the tellers"}},
		// In words: the unit, the method, the candidates in the rounds' headings;
		// no heading over steps the reader has none of.
		{"rita", "/selections/mayor-2016", 200, []string{"by the members of Northport Central CLP.",
			"<dt>Procedure</dt><dd>Selection of the Party&#39;s candidate for mayor: clause 5.I.1 (", "<dt>Counted by</dt><dd>Alternative vote (instant-runoff), 1 seat",
			"exclusion of Samir Holt (M0011)"}, []string{"exclusion of M0", "Steps you may take"}},
		// The count report's style keeps to the report: the page's own body and
		// tables are left alone.
		{"rita", "/static/count-report.css", 200, []string{".rulebook-count td, .rulebook-count th {"}, []string{"body {", "\ntd"}},
		{"rita", "/selections/harbour-ward-2017", 200, []string{"stv-scottish", "3 seats", "Round 2"}, nil},
		{"rita", "/selections/mayor-2016/electorate/check", 200, []string{"The electorate matches the record."}, nil},
		{"declan", "/ballots", 200, []string{"No selection is taking ballots"}, nil},
		{"declan", "/ballots/mayor-2016", 200, []string{"You have voted in this selection."}, []string{"Cast my ballot"}},
		{"rowan", "/ballots/mayor-2016", 200, []string{"You are not in the electorate"}, nil},
		// The college: sections with their rolls and electorates, the round tables,
		// the members' winner who lost the college, and the refusals report.
		{"rita", "/selections/combined-mayor-2013", 200, []string{"Electoral college", "Individual members (members)", "Affiliated organisations (affiliates)",
			"7 on it", "College total", "won the Individual members section", "but lost the college", "Voters refused, against the margins", `href="/triggers/combined-mayor-trigger-2013"`}, []string{"Enter the roll of"}},
		{"ruth", "/selections/combined-mayor-2013", 200, []string{"Electoral college", "but lost the college"}, []string{"Steps you may take"}},
		// The mayoral selection with a voter wrongly refused: the refusals report.
		{"rita", "/selections/mayor-2016", 200, []string{"Voters refused, against the margins", "Refusals found wrong on a challenge", "The margin of each decisive round"}, nil},
		{"rita", "/selections", 200, []string{`href="/triggers"`, `href="/elections"`}, nil},
		{"rita", "/triggers", 200, []string{"combined-mayor-trigger-2013", "Open a trigger ballot", "combined-mayor-2013</a> opened"}, nil},
		{"ruth", "/triggers", 200, []string{"combined-mayor-trigger-2013"}, []string{"Open a trigger ballot"}},
		{"rita", "/triggers/combined-mayor-trigger-2013", 200, []string{"Fergus Almond (M0013) holds", "units within Eastfield CLP decide",
			"Eastfield Ward branch (eastfield-ward)", "Greenway Ward branch (greenway-ward)", "asks for an open selection", "reselect the holder",
			"Share needed", "An open selection was opened", "23 January 2013"}, []string{"Record a unit"}},
		{"nia", "/triggers/combined-mayor-trigger-2013", 200, []string{"eastfield-ward"}, []string{"Close the trigger ballot"}},
		{"declan", "/triggers", 403, nil, nil},
		{"declan", "/triggers/combined-mayor-trigger-2013", 403, nil, nil},
		{"rita", "/elections", 200, []string{"Northport Central constituency, Assembly 2021", "Mayor of Northport, 2021"}, nil},
		{"ruth", "/elections/northport-central-2021", 200, []string{"Majority", "Share", "Candidates"}, nil},
		{"rita", "/elections/assembly-region-2021", 200, []string{"List seats", `<td class="num">42,000</td>`, `the list of selection <a href="/selections/assembly-list-2020">`,
			`<td class="num">21,000</td>`}, []string{"21000.000000"}},
		{"rita", "/elections/northport-central-2021", 200, []string{"First past the post, polling day 6 May 2021", `<td class="num">15,100</td>`}, nil},
		{"declan", "/elections", 403, nil, nil},
		{"rita", "/elections/nope", 404, nil, nil},
		{"declan", "/selections/mayor-2016", 403, nil, nil},
		{"rita", "/ballots", 403, nil, nil},
	} {
		code, body := get(tc.who, tc.path)
		if code != tc.status {
			t.Errorf("%s GET %s: %d, want %d: %.300s", tc.who, tc.path, code, tc.status, body)
			continue
		}
		for _, s := range tc.see {
			if !strings.Contains(body, s) {
				t.Errorf("%s GET %s: the page does not say %q", tc.who, tc.path, s)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(body, s) {
				t.Errorf("%s GET %s: the page says %q", tc.who, tc.path, s)
			}
		}
	}
}
