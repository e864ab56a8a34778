package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/app"
	"github.com/rulebook/rulebook/eligibility"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

var d = rulebook.MustDate

// electorateVocabulary draws histories the test rule book understands.
var electorateVocabulary = sqldbtest.Vocabulary{
	Statuses:    []string{"active", "admin_suspended", "auto_excluded", "expelled", "lapsed", "resigned"},
	Actions:     []string{"vote_in_selection", "hold_office", "attend_branch_meetings", "canvass"},
	WaiveAction: "vote_in_selection", WaiveClause: "5.I.2",
}

// The electorate streamed over HTTP, as JSON and as CSV, is the eligibility
// engine's answer over the stored histories, member for member, with the same
// count and refusals, on a generated register and on both engines.
func TestElectorateStreamedIsTheEngines(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		sqldbtest.RandomRegister(t, db, 11, 600, electorateVocabulary)
		hs, err := db.Histories(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []eligibility.Question{
			{Action: "vote_in_selection", Date: d("2016-09-20"), FreezeDate: d("2016-09-01")},
			{Action: "vote_in_selection", Date: d("2007-01-01")},
			{Action: "hold_office", Date: d("2012-03-04")},
			{Action: "attend_branch_meetings", Date: d("2001-06-01")},
		} {
			want, refused, err := eligibility.Electorate(e.app.Rules(), hs, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || len(want) == len(hs) {
				t.Fatalf("%+v: %d of %d may: the register does not test the question", q, len(want), len(hs))
			}
			path := "/api/v1/electorate?action=" + q.Action + "&date=" + q.Date.String()
			if !q.FreezeDate.IsZero() {
				path += "&freeze_date=" + q.FreezeDate.String()
			}
			w := e.do("GET", path, "", "", nil)
			var el app.Electorate
			if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%s: %d %s", path, w.Code, w.Body)
			}
			if err := json.Unmarshal(w.Body.Bytes(), &el); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !reflect.DeepEqual(el.Members, want) || el.Count != len(want) || !reflect.DeepEqual(el.Refused, refused) ||
				el.Action != q.Action || el.Date != q.Date || el.FreezeDate != q.FreezeDate {
				t.Fatalf("%s: streamed %d members (count %d, refused %v), the engine %d (refused %v)", path, len(el.Members), el.Count, el.Refused, len(want), refused)
			}
			// Byte for byte what encoding/json makes of the same electorate (the
			// members before the count).
			if exp := electorateJSON(t, &el); w.Body.String() != exp {
				t.Fatalf("%s: JSON differs from encoding/json's:\n%.300s\n%.300s", path, w.Body, exp)
			}
			w = e.do("GET", path, "", "", map[string]string{"Accept": "text/csv"})
			if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("%s as CSV: %d %s", path, w.Code, w.Body)
			}
			recs, err := csv.NewReader(w.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			wantCSV := [][]string{{"member", "name", "unit", "status"}}
			for _, x := range want {
				wantCSV = append(wantCSV, []string{x.Member, x.Name, x.Unit, x.Status})
			}
			if !reflect.DeepEqual(recs, wantCSV) {
				t.Fatalf("%s as CSV: %d rows, want %d", path, len(recs), len(wantCSV))
			}
		}
	})
}

// electorateJSON is el as encoding/json writes it, members before the count.
func electorateJSON(t *testing.T, el *app.Electorate) string {
	head, err := json.Marshal(struct {
		Action     string              `json:"action"`
		Date       rulebook.Date       `json:"date"`
		FreezeDate rulebook.Date       `json:"freeze_date,omitempty"`
		Version    string              `json:"rule_book_version"`
		Members    []eligibility.Entry `json:"members"`
		Count      int                 `json:"count"`
		Refused    map[string]int      `json:"refused"`
	}{el.Action, el.Date, el.FreezeDate, el.Version, el.Members, el.Count, el.Refused})
	if err != nil {
		t.Fatal(err)
	}
	return string(head) + "\n"
}

// firstWrite records what the handler had written when it first wrote.
type firstWrite struct {
	*httptest.ResponseRecorder
	first []byte
}

func (f *firstWrite) Write(b []byte) (int, error) {
	if f.first == nil {
		f.first = bytes.Clone(b)
	}
	return f.ResponseRecorder.Write(b)
}

// The electorate is sent as it is decided: the first bytes leave carrying a
// small part of it, not the whole list at once.
func TestElectorateStreams(t *testing.T) {
	e := newEnv(t, sqldbtest.Open(t, "sqlite"))
	sqldbtest.RandomRegister(t, e.db, 5, 6000, electorateVocabulary)
	for _, accept := range []string{"application/json", "text/csv"} {
		r := httptest.NewRequest("GET", "/api/v1/electorate?action=attend_branch_meetings&date=2016-06-01", nil)
		r.Header.Set("Authorization", "Bearer "+e.token)
		r.Header.Set("Accept", accept)
		w := &firstWrite{ResponseRecorder: httptest.NewRecorder()}
		e.srv.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", accept, w.Code, w.Body)
		}
		all := strings.Count(w.Body.String(), "\n")
		first := strings.Count(string(w.first), "\n")
		if accept == "application/json" {
			all, first = strings.Count(w.Body.String(), `"member":`), strings.Count(string(w.first), `"member":`)
		}
		if all < 2000 || first == 0 || first > all/2 {
			t.Errorf("%s: the first write carried %d of %d members", accept, first, all)
		}
	}
}
