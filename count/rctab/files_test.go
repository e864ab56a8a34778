package rctab

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// mapFS copies the files under dir into memory, as an upload would hold them.
func mapFS(t *testing.T, dir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(dir + "/" + p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Every case counts the same from an fs.FS as by path: the same reports, byte for
// byte, or the same failure. testdata/cases is also read from memory; the shared
// corpus (48 MB) only through os.DirFS.
func TestCountFSSameAsPath(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { sameAsPath(t, "testdata/cases", true) })
	t.Run("shared", func(t *testing.T) {
		if _, err := os.Stat(sharedDir); err != nil {
			t.Skip("no shared corpus")
		}
		sameAsPath(t, sharedDir, false)
	})
}

func sameAsPath(t *testing.T, dir string, inMemory bool) {
	fsyss := []fs.FS{os.DirFS(dir)}
	if inMemory {
		fsyss = append(fsyss, mapFS(t, dir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		cfg := name + "/" + name + "_config.json"
		if _, err := os.Stat(dir + "/" + cfg); err != nil {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			want, wantOut, wantErr := Count(dir + "/" + cfg)
			for _, fsys := range fsyss {
				got, gotOut, err := CountFS(fsys, cfg, Options{})
				if (err == nil) != (wantErr == nil) {
					t.Fatalf("%T: error %v, by path %v", fsys, err, wantErr)
				}
				if err != nil {
					continue
				}
				if len(got) != len(want) || len(gotOut) != len(wantOut) {
					t.Fatalf("%T: %d reports, by path %d", fsys, len(got), len(want))
				}
				for i := range got {
					if got[i].Name != want[i].Name || !bytes.Equal(got[i].Data, want[i].Data) {
						t.Errorf("%T: report %s differs from %s by path", fsys, got[i].Name, want[i].Name)
					}
				}
				if !slices.Equal(gotOut[0].Result().Elected, wantOut[0].Result().Elected) {
					t.Errorf("%T: elected %v, by path %v", fsys, gotOut[0].Result().Elected, wantOut[0].Result().Elected)
				}
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d cases", n)
	}
}

// Files missing from an fs.FS, or named by a path that leads out of it, are reported
// with the config field that names them.
func TestCountFSMissingFiles(t *testing.T) {
	cfgData, err := os.ReadFile("testdata/cases/tiebreak_seed_test/tiebreak_seed_test_config.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		// the config at the top: its "../_shared/tiebreak_cvr.xlsx" leads out of the files
		{"tiebreak_seed_test_config.json", fstest.MapFS{"tiebreak_seed_test_config.json": {Data: cfgData}},
			"cvrFileSources[0] (../_shared/tiebreak_cvr.xlsx).filePath: ../_shared/tiebreak_cvr.xlsx is not among the files given"},
		// in its folder, but the CVR was not given
		{"t/c_config.json", fstest.MapFS{"t/c_config.json": {Data: cfgData}},
			"cvrFileSources[0] (../_shared/tiebreak_cvr.xlsx).filePath: _shared/tiebreak_cvr.xlsx does not exist"},
		// an absolute path
		{"c.json", fstest.MapFS{"c.json": {Data: bytes.Replace(cfgData, []byte("../_shared/"), []byte("/tmp/"), 1)}},
			"(/tmp/tiebreak_cvr.xlsx).filePath: /tmp/tiebreak_cvr.xlsx is not among the files given"},
		{"nope.json", fstest.MapFS{}, "reading RCTab config: open nope.json: file does not exist"},
		// a CVR that is not a workbook
		{"t/c_config.json", fstest.MapFS{"t/c_config.json": {Data: cfgData}, "_shared/tiebreak_cvr.xlsx": {Data: []byte("no zip")}},
			"cvrFileSources[0] (../_shared/tiebreak_cvr.xlsx): _shared/tiebreak_cvr.xlsx: not a readable .xlsx workbook: zip: not a valid zip file"},
	} {
		_, _, err := CountFS(tc.fsys, tc.name, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	// and with the CVR beside it, the count goes through
	m := fstest.MapFS{"t/c_config.json": {Data: cfgData}}
	xlsx, err := os.ReadFile("testdata/cases/_shared/tiebreak_cvr.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	m[path.Join("_shared", "tiebreak_cvr.xlsx")] = &fstest.MapFile{Data: xlsx}
	if _, out, err := CountFS(m, "t/c_config.json", Options{}); err != nil || len(out[0].Result().Elected) == 0 {
		t.Fatalf("%v", err)
	}
}
