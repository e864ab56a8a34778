package register_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/memberscsv"
	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// onceReader can be read once only (a pipe): an import of it keeps the ids.
type onceReader struct{ r io.Reader }

func (o onceReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestImportFindsRepeatsByTheKey: an import of a file that can be read again
// keeps none of its ids nor the register's, the register's key refusing a
// member already on it or given twice; it then reads the file again to report
// every problem by row, just as the import of a file read once (which keeps
// the ids) reports them, whether the repeat is in the same batch of rows or
// far apart, the last row or among other problems; a check (which is rolled
// back) reports the same; and nothing is stored.
func TestImportFindsRepeatsByTheKey(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := newService(t, db)
		join(t, svc, "EXIST", "2001-01-01")
		// rows makes a file of n good rows, then the extra rows.
		rows := func(n int, extra ...string) string {
			var b strings.Builder
			b.WriteString("id,name,joined,branch\n")
			for i := range n {
				fmt.Fprintf(&b, "R%05d,Member %d,2001-01-01,north\n", i, i)
			}
			for _, x := range extra {
				b.WriteString(x + "\n")
			}
			return b.String()
		}
		cases := []struct {
			name, file string
			want       []string // line: field: message
		}{
			{"on the register", rows(3, "EXIST,Dee,2001-01-01,north"),
				[]string{`5: id: member EXIST is already on the register`}},
			{"twice in one batch", rows(3, "R00001,Again,2001-01-01,north"),
				[]string{`5: id: "R00001" already appears on row 3`}},
			{"twice, batches apart, the last row", rows(3000, "R00002,Again,2001-01-01,north"),
				[]string{`3002: id: "R00002" already appears on row 4`}},
			{"among other problems", rows(2, "R00000,Again,2001-01-01,north", "B1,Bad,2001-02-30,north", "EXIST,Dee,2001-01-01,north"),
				[]string{`4: id: "R00000" already appears on row 2`, `5: joined: `, `6: id: member EXIST is already on the register`}},
			{"after a name too long", rows(2, "L1,"+strings.Repeat("n", rulebook.MaxTextLen+1)+",2001-01-01,north", "R00001,Again,2001-01-01,north"),
				[]string{`4: name: `, `5: id: "R00001" already appears on row 3`}},
		}
		for _, c := range cases {
			for _, how := range []string{"again", "once"} {
				for _, check := range []bool{false, true} {
					var r io.Reader = strings.NewReader(c.file)
					if how == "once" {
						r = onceReader{r}
					}
					imp := svc.Import
					if check {
						imp = svc.CheckImport
					}
					_, err := imp(ctx, "t", r, "f.csv", nil)
					var errs *memberscsv.Errors
					if !errors.As(err, &errs) {
						t.Fatalf("%s (read %s, check %v): %v", c.name, how, check, err)
					}
					var got []string
					for _, e := range errs.List {
						got = append(got, fmt.Sprintf("%d: %s: %s", e.Line, e.Field, e.Msg))
					}
					ok := len(got) == len(c.want)
					for i := 0; ok && i < len(got); i++ {
						ok = strings.HasPrefix(got[i], c.want[i])
					}
					if !ok {
						t.Errorf("%s (read %s, check %v):\n%s\nwant\n%s", c.name, how, check, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
					}
					if n, _ := db.CountMembers(ctx); n != 1 {
						t.Fatalf("%s (read %s, check %v): %d members stored, want 1", c.name, how, check, n)
					}
				}
			}
		}
		// A good file is stored either way.
		for i, r := range []io.Reader{strings.NewReader(rows(1500)), onceReader{strings.NewReader(strings.ReplaceAll(rows(10), "R0", "S0"))}} {
			if res, err := svc.Import(ctx, "t", r, "good.csv", nil); err != nil || res.Members != []int{1500, 10}[i] {
				t.Fatalf("good file %d: %+v %v", i, res, err)
			}
		}
		if n, _ := db.CountMembers(ctx); n != 1511 {
			t.Fatalf("%d members, want 1511", n)
		}
		if diffs, err := db.CheckProjection(ctx); err != nil || len(diffs) > 0 {
			t.Fatalf("projection: %v %v", diffs, err)
		}
	})
}

// A reader told to leave repeats keeps no ids: it reports none given twice.
func TestReaderLeavesRepeats(t *testing.T) {
	rd, err := memberscsv.NewReader(strings.NewReader("id,name,joined\nA,Ann,2001-01-01\nA,Ann,2001-01-01\n"), "f.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	rd.LeaveRepeats()
	var ids []string
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, row.Member.ID)
	}
	if !slices.Equal(ids, []string{"A", "A"}) {
		t.Fatalf("%v", ids)
	}
}
