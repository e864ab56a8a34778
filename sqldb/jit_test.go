package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
	"github.com/rulebook/rulebook/sqldb/sqldbtest"
)

// PostgreSQL sessions run without JIT compilation (it slowed verify by a
// quarter), unless the DSN asks for it.
func TestPostgresSessionsWithoutJIT(t *testing.T) {
	ctx := context.Background()
	dsn := sqldbtest.NewPostgres(t)
	with := func(p string) string {
		if strings.Contains(dsn, "?") {
			return dsn + "&" + p
		}
		return dsn + "?" + p
	}
	for _, c := range []struct{ dsn, want string }{
		{dsn, "off"},
		{with("jit=on"), "on"},
		{with("options=-c%20jit%3Don"), "on"},
	} {
		db, err := sqldb.Open(ctx, c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.Raw().QueryRowContext(ctx, `SHOW jit`).Scan(&got)
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("%s: jit is %q (%v), want %q", c.dsn, got, err, c.want)
		}
	}
}
