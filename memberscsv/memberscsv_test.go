package memberscsv_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/memberscsv"
)

// testUnits are the kinds of unit the tests' rule book would declare.
var testUnits = []string{"region", "branch"}

func readAll(t testing.TB, src string) ([]*memberscsv.Row, error) {
	r, err := memberscsv.NewReader(strings.NewReader(src), "members.csv", testUnits)
	if err != nil {
		return nil, err
	}
	var rows []*memberscsv.Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

func TestReadGood(t *testing.T) {
	rows, err := readAll(t, "\ufeffID,Name,joined,email,branch\nM1,Ann Example,2001-02-03,ann@example.org,north\n\nM2,\"Smith, Bob\",2002-03-04,,\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1].Member.Name != "Smith, Bob" || rows[0].Units[0] != "" || rows[0].Units[1] != "north" || rows[1].Line != 4 {
		t.Fatalf("%+v %+v", rows[0], rows[1])
	}
}

func TestReadBadRows(t *testing.T) {
	src := strings.Join([]string{
		"id,name,email,joined,status,status_since,branch",
		"M1,Ann,ann@example.org,2001-02-03,,,north",  // 2 ok
		"M2,,bob@example.org,2001-02-03,,,north",     // 3 name empty
		"M3,Cy,not-an-email,2001-02-03,,,north",      // 4 email
		"M1,Dup,,2001-02-03,,,north",                 // 5 duplicate id
		"M5,Eve,,03/02/2001,,,north",                 // 6 date
		"M6,Fay,,2001-02-03,,2002-01-01,north",       // 7 status_since without status
		"M7,Gus,,2001-02-03,lapsed,2000-01-01,north", // 8 status_since before joining
		"M 8,Hal,,2001-02-03,,,north",                // 9 bad id
		"M9,Ida,,2001-02-03,,,north,extra",           // 10 field count
		"M10,Jo,,2001-02-03,,,no branch",             // 11 bad branch id
	}, "\n") + "\n"
	_, err := readAll(t, src)
	var errs *memberscsv.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want *Errors", err)
	}
	want := map[int]string{3: "name", 4: "email", 5: "id", 6: "joined", 7: "status_since", 8: "status_since", 9: "id", 10: "row", 11: "branch"}
	got := map[int]string{}
	for _, e := range errs.List {
		got[e.Line] = e.Field
	}
	for line, field := range want {
		if got[line] != field {
			t.Errorf("row %d: got field %q, want %q (all: %v)", line, got[line], field, errs.List)
		}
	}
	if len(errs.List) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(errs.List), len(want), errs.List)
	}
	if !strings.Contains(err.Error(), "members.csv: row 5: id: \"M1\" already appears on row 2") {
		t.Errorf("message: %v", err)
	}
}

// The unit columns are the kinds the reader is given, and no others: a column
// naming a kind the rule book does not declare is refused by its name.
func TestUnitColumns(t *testing.T) {
	rows, err := readAll(t, "id,name,joined,branch,region\nM1,Ann,2001-02-03,b1,r1\nM2,Bob,2001-02-03,,r2\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := [][]string{rows[0].Units, rows[1].Units}; got[0][0] != "r1" || got[0][1] != "b1" || got[1][0] != "r2" || got[1][1] != "" {
		t.Errorf("units %q", got)
	}
	_, err = readAll(t, "id,name,joined,branch,section\n")
	var errs *memberscsv.Errors
	if !errors.As(err, &errs) || len(errs.List) != 1 || errs.List[0].Field != "section" || !strings.Contains(errs.List[0].Msg, "kind of unit the rule book declares") {
		t.Fatalf("undeclared kind: %v", err)
	}
	// With no kinds declared, no unit column is taken.
	r, err := memberscsv.NewReader(strings.NewReader("id,name,joined,branch\n"), "members.csv", nil)
	if !errors.As(err, &errs) || r != nil || errs.List[0].Field != "branch" {
		t.Fatalf("a unit column without kinds: %v", err)
	}
	r, err = memberscsv.NewReader(strings.NewReader("id,name,joined\nM1,Ann,2001-02-03\n"), "members.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if row, err := r.Next(); err != nil || row.Units != nil {
		t.Fatalf("%+v, %v", row, err)
	}
}

func TestBadHeader(t *testing.T) {
	for _, src := range []string{"", "id,name\n", "id,name,joined,colour\n", "id,name,joined,id\n"} {
		if _, err := readAll(t, src); err == nil {
			t.Errorf("header %q accepted", src)
		}
	}
}

// Header problems name the column and the line the header is really on; a column
// without a name is reported by its position, not as a field called "". The first
// problem is checked: a header without its required columns has more.
func TestHeaderProblemsAreLocated(t *testing.T) {
	for src, want := range map[string]memberscsv.RowError{
		",":                             {Line: 1, Field: "header", Msg: "column 1 has no name"},
		"id,name,joined,  \n":           {Line: 1, Field: "header", Msg: "column 4 has no name"},
		"id,name,joined,\xff\n":         {Line: 1, Field: "header", Msg: "column 4 is not valid UTF-8"},
		"\n\nid,name,joined,colour\n":   {Line: 3, Field: "colour", Msg: "unknown column"},
		"\r\n\nid,name,joined,joined\n": {Line: 3, Field: "joined", Msg: "twice"},
		"\n\nid,name\n":                 {Line: 3, Field: "joined", Msg: "missing"},
		"\n\nid,\"name,joined\n":        {Line: 3, Field: "header", Msg: "quote"},
	} {
		_, err := readAll(t, src)
		var errs *memberscsv.Errors
		if !errors.As(err, &errs) {
			t.Errorf("%q: got %v, want *Errors", src, err)
			continue
		}
		if got := errs.List[0]; got.Line != want.Line || got.Field != want.Field || !strings.Contains(got.Msg, want.Msg) {
			t.Errorf("%q: got %+v, want %+v", src, got, want)
		}
	}
}

// 1969-12-31 is day 0 of rulebook.Date, "no date": it is refused by name rather
// than read as a joining date that is missing.
func TestUnrecordableDate(t *testing.T) {
	_, err := readAll(t, "id,name,joined,status,status_since\nM1,Ann,1969-12-31,,\nM2,Bob,1960-01-01,lapsed,1969-12-31\nM3,Cy,1969-12-30,,\n")
	var errs *memberscsv.Errors
	if !errors.As(err, &errs) || len(errs.List) != 2 {
		t.Fatalf("got %v, want two problems", err)
	}
	for i, want := range []memberscsv.RowError{{Line: 2, Field: "joined"}, {Line: 3, Field: "status_since"}} {
		if got := errs.List[i]; got.Line != want.Line || got.Field != want.Field || !strings.Contains(got.Msg, "1969-12-31 cannot be recorded") {
			t.Errorf("problem %d: %+v", i, got)
		}
	}
}

func TestBrokenQuoteStops(t *testing.T) {
	_, err := readAll(t, "id,name,joined\nM1,\"Ann,2001-01-01\nM2,Bob,2001-01-01\n")
	var errs *memberscsv.Errors
	if !errors.As(err, &errs) || errs.List[0].Line != 2 {
		t.Fatalf("got %v", err)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := memberscsv.Generate(&buf, 500, 7, []memberscsv.Level{{Kind: "region", Count: 2}, {Kind: "branch", Count: 20}}, []string{"lapsed"}); err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, buf.String())
	if err != nil || len(rows) != 500 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	// Branches are grouped ten to a region.
	if u := rows[0].Units; u[0] == "" || u[1] == "" || u[0][1:] != fmt.Sprintf("%03d", mustAtoi(t, u[1][1:])/10) {
		t.Fatalf("generated units %q", u)
	}
	var out bytes.Buffer
	w, _ := memberscsv.NewWriter(&out, testUnits)
	for _, r := range rows {
		if err := w.Write(memberscsv.Record{Member: r.Member, Units: r.Units, Status: r.Status, StatusSince: r.StatusSince}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	again, err := readAll(t, out.String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		a, b := *rows[i], *again[i]
		a.Line, b.Line = 0, 0
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("row %d changed: %+v → %+v", i, a, b)
		}
	}
}

// FuzzReader: any input gives rows or a located error, never a panic, and a row
// returned is always complete.
func FuzzReader(f *testing.F) {
	f.Add("id,name,joined\nM1,Ann,2001-02-03\n")
	f.Add("id,name,joined,email,status,status_since\nM1,\"A, B\",2001-02-03,a@b.c,lapsed,2002-01-01\n")
	f.Add("id,name,joined\nM1,\"Ann,2001-02-03\n")
	f.Add("\ufeffid,name,joined\r\nM1,Ann,2001-02-03\r\n")
	f.Add(",")
	f.Add("\n\nid,name,joined,colour\n")
	f.Add("id,name,joined,region,branch\nM1,Ann,2001-02-03,r1,b1\n")
	f.Fuzz(func(t *testing.T, src string) {
		rows, err := readAll(t, src)
		if err != nil {
			var errs *memberscsv.Errors
			if errors.As(err, &errs) {
				// A problem is on a line of the file (or the line after the last,
				// for an empty file) and names a field a person could find.
				lines := strings.Count(src, "\n") + 1
				for _, e := range errs.List {
					if e.Line < 1 || e.Line > lines || strings.TrimSpace(e.Field) == "" {
						t.Fatalf("unlocated problem %+v", e)
					}
				}
			}
			return
		}
		for _, r := range rows {
			if r.Member.ID == "" || r.Member.Name == "" || r.Member.Joined.IsZero() {
				t.Fatalf("incomplete row accepted: %+v", r)
			}
		}
	})
}

func mustAtoi(t testing.TB, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
