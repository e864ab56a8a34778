package sqldb_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rulebook/rulebook/sqldb"
)

// OpenExisting refuses a SQLite path with no file (a mistyped --db), naming it,
// and leaves no file behind; an existing database opens as with Open.
func TestOpenExistingRefusesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo.db")
	_, err := sqldb.OpenExisting(ctx, path)
	var nd *sqldb.NoDatabaseError
	if !errors.As(err, &nd) || nd.Path != path {
		t.Fatalf("a missing file: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenExisting created %s: %v", path, err)
	}
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqldb.OpenExisting(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatalf("an existing database: %v", err)
	}
	db.Close()
}
