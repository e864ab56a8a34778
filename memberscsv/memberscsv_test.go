package memberscsv_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/memberscsv"
)

func readAll(t testing.TB, src string) ([]*memberscsv.Row, error) {
	r, err := memberscsv.NewReader(strings.NewReader(src), "members.csv")
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
	if len(rows) != 2 || rows[1].Member.Name != "Smith, Bob" || rows[0].Member.Branch != "north" || rows[1].Line != 4 {
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

func TestBadHeader(t *testing.T) {
	for _, src := range []string{"", "id,name\n", "id,name,joined,colour\n", "id,name,joined,id\n"} {
		if _, err := readAll(t, src); err == nil {
			t.Errorf("header %q accepted", src)
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
	if err := memberscsv.Generate(&buf, 500, 7, 20, []string{"lapsed"}); err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, buf.String())
	if err != nil || len(rows) != 500 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	var out bytes.Buffer
	w, _ := memberscsv.NewWriter(&out)
	for _, r := range rows {
		w.Write(memberscsv.Record{Member: r.Member, Status: r.Status, StatusSince: r.StatusSince})
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
		if a != b {
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
	f.Fuzz(func(t *testing.T, src string) {
		rows, err := readAll(t, src)
		if err != nil {
			var errs *memberscsv.Errors
			if errors.As(err, &errs) {
				for _, e := range errs.List {
					if e.Line < 1 || e.Field == "" {
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
