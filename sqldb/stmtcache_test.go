package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCache checks that SQLite's readers, which keep the statements they
// compile, answer a kept statement given other values rightly; a query of the
// same text while the first's rows are open (on one connection); a statement
// kept across a change of the schema; and that a connection keeps at most
// stmtCacheMax statements.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 5; k++ {
		if _, err := db.w.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES ($1, $2)`, k, fmt.Sprint("v", k)); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT v FROM kv WHERE k >= $1 ORDER BY k`
	list := func(rows *sql.Rows, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, k := range []int{4, 2, 5, 6} {
		got := fmt.Sprint(list(conn.QueryContext(ctx, q, k)))
		want := fmt.Sprint(func() (w []string) {
			for i := k; i <= 5; i++ {
				w = append(w, fmt.Sprint("v", i))
			}
			return w
		}())
		if got != want {
			t.Errorf("k >= %d: %s, want %s", k, got, want)
		}
	}
	// The same text while its rows are open: each reads its own.
	outer, err := conn.QueryContext(ctx, q, 3)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, v+":"+fmt.Sprint(list(conn.QueryContext(ctx, q, 5))))
	}
	outer.Close()
	if got := fmt.Sprint(pairs); got != "[v3:[v5] v4:[v5] v5:[v5]]" {
		t.Errorf("nested: %s", got)
	}
	// A kept statement after the schema changed reads the table as it is now.
	const all = `SELECT * FROM kv WHERE k = $1`
	cols := func() int {
		rows, err := conn.QueryContext(ctx, all, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return len(c)
	}
	if n := cols(); n != 2 {
		t.Fatalf("%d columns", n)
	}
	if _, err := db.w.ExecContext(ctx, `ALTER TABLE kv ADD COLUMN w TEXT`); err != nil {
		t.Fatal(err)
	}
	if n := cols(); n != 3 {
		t.Errorf("after a column was added, the kept statement reads %d columns", n)
	}
	// The cache is bounded.
	for i := range stmtCacheMax + 10 {
		var v string
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM kv WHERE k = $1 AND %d = %d`, i, i), 1).Scan(&v); err != nil || v != "v1" {
			t.Fatalf("%q %v", v, err)
		}
	}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtCacheConn)
		if !ok {
			return fmt.Errorf("the readers' connection is a %T", dc)
		}
		if len(c.stmts) == 0 || len(c.stmts) > stmtCacheMax {
			return fmt.Errorf("%d statements kept", len(c.stmts))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
