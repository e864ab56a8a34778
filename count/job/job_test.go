package job

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/report"
)

// read returns a test file's bytes and its name as an upload would give it.
func read(t *testing.T, file string) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(file), data
}

// render checks that the web page's report can show r.
func render(t *testing.T, r *count.Result) {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteFragment(&b, r); err != nil {
		t.Fatalf("report: %v", err)
	}
	if !strings.Contains(b.String(), "rulebook-count") {
		t.Fatalf("report: %.200s", b.String())
	}
}

// The winners are those `rulebook count` gives for the same file and flags (before
// it counted through this package); see testdata/README.md for the files made here.
func TestCount(t *testing.T) {
	const (
		scot  = "../irv/testdata/scotland/"
		bltd  = "../blt/testdata/"
		leith = "testdata/edinburgh_2019_by_election_leith_walk.csv"
		lon   = "../listpr/testdata/london-assembly-2016.csv"
	)
	for _, tc := range []struct {
		spec    Spec
		file    string
		elected []string
		seats   map[string]int // party seats, for list methods
	}{
		// blt, the format guessed from the extension
		{Spec{Method: "irv"}, scot + "edinburgh_2019_by_election_leith_walk.blt", []string{"Rob MUNN"}, nil},
		{Spec{Method: "stv-scottish"}, scot + "edinburgh_2019_by_election_leith_walk.blt", []string{"Rob MUNN"}, nil},
		{Spec{Method: "irv", Format: "blt"}, scot + "aberdeen_2019_by_election_torry-ferryhill.blt", []string{"Audrey NICOLL"}, nil},
		{Spec{Method: "stv-scottish"}, scot + "highland_2021_by_election_fort_william.blt", []string{`Sarah FANET "Scottish National Party (SNP)"`}, nil},
		{Spec{Method: "stv-scottish"}, bltd + "aberdeen_2012_ward1.blt",
			[]string{`Lab "Barney CROCKETT"`, `SNP "Neil MACGREGOR"`, `SNP "Gill SAMARAI"`, `Lab "Graeme LAWRENCE"`}, nil},
		{Spec{Method: "stv-meek"}, bltd + "aberdeen_2012_ward1.blt",
			[]string{`Lab "Barney CROCKETT"`, `SNP "Neil MACGREGOR"`, `Lab "Graeme LAWRENCE"`, `SNP "Gill SAMARAI"`}, nil},
		{Spec{Method: "stv-wigm"}, bltd + "SCwopt.blt", []string{"Rebecca Rotzler", "Steve Kramer", "Budd Dickinson", "Tom Sevigny"}, nil},
		{Spec{Method: "stv-meek"}, bltd + "SCwopt.blt", []string{"Rebecca Rotzler", "Steve Kramer", "Kristen Olsen", "Budd Dickinson"}, nil},
		{Spec{Method: "stv-scottish"}, bltd + "42t.blt", []string{"Castor", "Helen"}, nil},
		{Spec{Method: "stv-meek"}, bltd + "42t.blt", []string{"Castor", "Pollux"}, nil}, // [tie] order kept
		{Spec{Method: "sv"}, scot + "edinburgh_2019_by_election_leith_walk.blt", []string{"Rob MUNN"}, nil},
		// csv (ranked), the same ballots: irv by the packed fast path
		{Spec{Method: "irv"}, leith, []string{"Rob MUNN"}, nil},
		{Spec{Method: "stv-scottish", Format: "csv"}, leith, []string{"Rob MUNN"}, nil},
		{Spec{Method: "stv-meek", Seats: 2}, leith, []string{"Rob MUNN", "Lorna SLATER"}, nil},
		{Spec{Method: "sv"}, leith, []string{"Rob MUNN"}, nil}, // guessed from the candidates record
		// fptp-csv
		{Spec{Method: "fptp"}, "testdata/tower-hamlets-mayor-2010.fptp.csv", []string{"Lutfur Rahman"}, nil},
		{Spec{Method: "fptp", Format: "fptp-csv", Seats: 2}, "testdata/tower-hamlets-mayor-2010.fptp.csv", []string{"Lutfur Rahman", "Helal Uddin Abbas"}, nil},
		// sv-pairs
		{Spec{Method: "sv"}, "testdata/london-mayor-2012.sv.csv", []string{"Boris Johnson"}, nil},
		{Spec{Method: "sv", Format: "sv-pairs"}, "testdata/london-mayor-2012.sv.csv", []string{"Boris Johnson"}, nil},
		// ams-csv: the London Assembly 2016 list seats as declared
		{Spec{Method: "ams", Seats: 11, Threshold: "5"}, lon, nil,
			map[string]int{"Labour": 3, "Conservative": 3, "Green": 2, "UKIP": 2, "Liberal Democrats": 1}},
		{Spec{Method: "ams", Format: "ams-csv", Seats: 11}, lon, nil, // 5% by default
			map[string]int{"Labour": 3, "Conservative": 3, "Green": 2, "UKIP": 2, "Liberal Democrats": 1}},
		{Spec{Method: "dhondt", Seats: 11}, lon, nil,
			map[string]int{"Labour": 3, "Conservative": 3, "Green": 2, "UKIP": 1, "Liberal Democrats": 1, "Women's Equality": 1}},
		{Spec{Method: "sainte-lague", Seats: 11}, lon, nil,
			map[string]int{"Labour": 1, "Conservative": 3, "Green": 2, "UKIP": 2, "Liberal Democrats": 2, "Women's Equality": 1}},
		// exhaustive-csv
		{Spec{Method: "exhaustive"}, "testdata/formats-example.exhaustive.csv", []string{"B"}, nil},
	} {
		name, data := read(t, tc.file)
		r, err := Count(tc.spec, name, data)
		if err != nil {
			t.Errorf("%+v %s: %v", tc.spec, name, err)
			continue
		}
		if tc.seats != nil {
			got := map[string]int{}
			for p, n := range r.PartySeats {
				if n > 0 {
					got[p] = n
				}
			}
			if !mapsEqual(got, tc.seats) {
				t.Errorf("%+v %s: seats %v, want %v", tc.spec, name, got, tc.seats)
			}
		} else if !slices.Equal(r.Elected, tc.elected) {
			t.Errorf("%+v %s: elected %q, want %q", tc.spec, name, r.Elected, tc.elected)
		}
		render(t, r)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The same ballots as BLT and as ranked CSV count alike, by every ranked path.
func TestCountBLTAndCSVAlike(t *testing.T) {
	_, blt := read(t, "../irv/testdata/scotland/edinburgh_2019_by_election_leith_walk.blt")
	_, csv := read(t, "testdata/edinburgh_2019_by_election_leith_walk.csv")
	for _, m := range []string{"irv", "stv-scottish", "stv-wigm", "sv"} {
		a, err := Count(Spec{Method: m}, "leith.blt", blt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Count(Spec{Method: m}, "leith.csv", csv)
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: BLT and CSV counts differ:\n%s\n%s", m, ja, jb)
		}
	}
}

// rctabCases copies ../rctab/testdata/cases into memory, as uploaded files.
func rctabCases(t *testing.T) fstest.MapFS {
	t.Helper()
	const dir = "../rctab/testdata/cases"
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(dir, p))
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// expectedWinners reads the winners from RCTab's expected detailed report, which
// `rulebook count --rctab` reproduces byte for byte.
func expectedWinners(t *testing.T, data []byte) []string {
	var rep struct {
		Results []struct {
			TallyResults []struct {
				Elected string `json:"elected"`
			} `json:"tallyResults"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rep.Results {
		for _, tr := range r.TallyResults {
			if tr.Elected != "" {
				out = append(out, tr.Elected)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Every RCTab test case with an expected report counts, from memory, to RCTab's
// winners (for a multi-pass contest, the first pass's); the invalid ones fail.
func TestCountRCTab(t *testing.T) {
	files := rctabCases(t)
	n := 0
	for name := range files {
		stem, ok := strings.CutSuffix(path.Base(name), "_config.json")
		if !ok || path.Dir(name) != stem {
			continue
		}
		r, err := CountRCTab(files, name)
		exp := files[stem+"/"+stem+"_expected_detailed_report.json"]
		if exp == nil {
			exp = files[stem+"/"+stem+"_1_expected_detailed_report.json"]
		}
		if exp == nil {
			if err == nil {
				t.Errorf("%s: counted, but RCTab refuses it", stem)
			}
			continue
		}
		n++
		if err != nil {
			t.Errorf("%s: %v", stem, err)
			continue
		}
		got := slices.Sorted(slices.Values(r.Elected))
		if want := expectedWinners(t, exp.Data); !slices.Equal(got, want) {
			t.Errorf("%s: elected %q, RCTab %q", stem, got, want)
		}
		render(t, r)
	}
	if n < 15 {
		t.Fatalf("only %d RCTab cases", n)
	}

	// An upload of the config and its CVR side by side.
	flat := fstest.MapFS{
		"config.json":              files["generic_csv_test/generic_csv_test_config.json"],
		"generic_csv_test_cvr.csv": files["generic_csv_test/generic_csv_test_cvr.csv"],
	}
	r, err := CountRCTab(flat, "config.json")
	if err != nil || !slices.Equal(r.Elected, []string{"Cucumber"}) {
		t.Fatalf("%v %v", r, err)
	}
}

// Errors name what is wrong: the Spec field, or the file, line and field.
func TestErrors(t *testing.T) {
	perthName, perth := read(t, "../blt/testdata/perth_kinross_2016_by_election_ward9.blt")
	_, bltData := read(t, "../blt/testdata/42t.blt")
	_, lonData := read(t, "../listpr/testdata/london-assembly-2016.csv")
	for _, tc := range []struct {
		spec  Spec
		name  string
		data  []byte
		field string // of a *SpecError; "" for a file's error
		want  string
	}{
		{Spec{Method: "nope"}, "x.csv", nil, "method", `unknown method "nope" (the methods are fptp, sv, irv,`},
		{Spec{Method: ""}, "x.csv", nil, "method", `unknown method ""`},
		{Spec{Method: "fptp", Format: "blt"}, "x.blt", nil, "format", "method fptp reads the fptp-csv format, not blt"},
		{Spec{Method: "irv", Format: "sv-pairs"}, "x.csv", nil, "format", "ranked methods read csv or blt, not sv-pairs"},
		{Spec{Method: "sv", Format: "ams-csv"}, "x.csv", nil, "format", "method sv reads sv-pairs, csv or blt, not ams-csv"},
		{Spec{Method: "ams", Format: "csv", Seats: 11}, "x.csv", nil, "format", "method ams reads the ams-csv format, not csv"},
		{Spec{Method: "exhaustive", Format: "nope"}, "x.csv", nil, "format", "method exhaustive reads the exhaustive-csv format, not nope"},
		{Spec{Method: "ams"}, "x.csv", nil, "seats", "method ams needs the number of list seats to allocate"},
		{Spec{Method: "sv", Seats: 2}, "x.csv", nil, "seats", "elects one candidate"},
		{Spec{Method: "stv-meek", Seats: -1}, "x.csv", nil, "seats", "seats must be positive"},
		{Spec{Method: "irv", Threshold: "5"}, "x.csv", nil, "threshold", "a threshold does not apply to method irv"},
		// files that are not what the method reads, or are corrupt: file, line, field
		{Spec{Method: "fptp"}, "42t.blt", bltData, "", "42t.blt:1: "},
		{Spec{Method: "irv", Format: "csv"}, "42t.blt", bltData, "", "42t.blt:1: no candidates record"},
		{Spec{Method: "stv-meek", Format: "blt"}, "bad.csv", []byte("first,second,count\nA,B,x\n"), "", "bad.csv:1: field 1 (candidates)"},
		{Spec{Method: "stv-scottish"}, perthName, perth, "", `perth_kinross_2016_by_election_ward9.blt:1: field 2 (seats): "1," is not a number of seats`},
		{Spec{Method: "stv-meek"}, "dir/w.blt", []byte("2 1\n1 1 2 0\n1 3 0\n0\n\"A\"\n\"B\"\n\"T\"\n"), "", "w.blt:3:"},
		{Spec{Method: "sv"}, "bad.csv", []byte("first,second,count\nA,B,x\n"), "", "bad.csv:2: field count"},
		{Spec{Method: "irv"}, "r.csv", []byte("candidates,A,B\n1,A\n2,C\n"), "", "r.csv:3:"},
		{Spec{Method: "stv-wigm"}, "r.csv", []byte("candidates,A,B\n1,A=B\nx,B\n"), "", "r.csv:3:"},
		{Spec{Method: "fptp"}, "w.csv", []byte("candidate,party,votes\nA,,12x\n"), "", `w.csv:2: field votes: "12x" is not a whole number`},
		{Spec{Method: "dhondt", Seats: 3}, "l.csv", []byte("party,list_votes,constituency_seats\nA,1,0\nB,-2,0\n"), "", "l.csv:3: field list_votes"},
		{Spec{Method: "exhaustive"}, "e.csv", []byte("round,candidate,votes\n1,A,40\n1,A,1\n"), "", `e.csv:3: field candidate: "A" already has votes in round 1`},
		{Spec{Method: "ams", Seats: 11, Threshold: "five"}, "l.csv", lonData, "", `threshold "five" is not a decimal percentage`},
		{Spec{Method: "irv"}, "empty.csv", nil, "", "empty.csv"},
		{Spec{Method: "fptp"}, "empty.csv", nil, "", "empty.csv:1: empty file"},
	} {
		_, err := Count(tc.spec, tc.name, tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v %s: got %v, want %q", tc.spec, tc.name, err, tc.want)
			continue
		}
		var se *SpecError
		if isSpec := errors.As(err, &se); isSpec != (tc.field != "") || isSpec && se.Field != tc.field {
			t.Errorf("%+v: %#v, want a SpecError for %q", tc.spec, err, tc.field)
		}
		// Check finds the same problems with the Spec before any file is read.
		if cerr := Check(tc.spec, tc.name); tc.field != "" && (cerr == nil || cerr.Error() != err.Error()) {
			t.Errorf("%+v: Check %v, Count %v", tc.spec, cerr, err)
		} else if tc.field == "" && cerr != nil {
			t.Errorf("%+v: Check %v", tc.spec, cerr)
		}
	}

	// An RCTab contest whose CVR is corrupt, or missing.
	files := rctabCases(t)
	files["generic_csv_test/generic_csv_test_cvr.csv"] = &fstest.MapFile{Data: []byte("a,b,c,Lettuce\n1,2,3,x\n")}
	_, err := CountRCTab(files, "generic_csv_test/generic_csv_test_config.json")
	if err == nil || !strings.Contains(err.Error(), `cvrFileSources[0] (generic_csv_test_cvr.csv): line 2 column 4: expected a rank number, got "x"`) {
		t.Errorf("corrupt CVR: %v", err)
	}
	delete(files, "generic_csv_test/generic_csv_test_cvr.csv")
	_, err = CountRCTab(files, "generic_csv_test/generic_csv_test_config.json")
	if err == nil || !strings.Contains(err.Error(), "generic_csv_test/generic_csv_test_cvr.csv does not exist") {
		t.Errorf("missing CVR: %v", err)
	}
	files["bad_config.json"] = &fstest.MapFile{Data: []byte(`{"rules": 3}`)}
	if _, err = CountRCTab(files, "bad_config.json"); err == nil || !strings.Contains(err.Error(), "RCTab config bad_config.json is not valid JSON") {
		t.Errorf("bad config: %v", err)
	}
}

// Every method listed counts with its own format; every format is read by a method.
func TestChoices(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range Methods() {
		if c.ID == "" || c.Name == "" || ids[c.ID] {
			t.Errorf("method %+v", c)
		}
		ids[c.ID] = true
		if err := Check(Spec{Method: c.ID, Seats: 1}, "x.csv"); err != nil {
			t.Errorf("%s: %v", c.ID, err)
		}
	}
	for _, m := range []string{"fptp", "sv", "irv", "stv-scottish", "stv-meek", "stv-wigm", "dhondt", "sainte-lague", "ams", "exhaustive"} {
		if !ids[m] {
			t.Errorf("%s not listed", m)
		}
	}
	for _, f := range Formats() {
		ok := false
		for m := range ids {
			ok = ok || Check(Spec{Method: m, Format: f.ID, Seats: 1}, "x") == nil
		}
		if !ok || f.Name == "" {
			t.Errorf("format %+v is read by no method", f)
		}
	}
}

// A tie settled by lot from a seed nobody chose is a warning in the result, which says
// how to choose one; a seed given for the count is not.
func TestDefaultSeedWarning(t *testing.T) {
	tie := []byte("candidate,party,votes\nA,,10\nB,,10\nC,,3\n")
	for _, c := range []struct {
		spec Spec
		warn bool
	}{
		{Spec{Method: "fptp"}, true},
		{Spec{Method: "fptp", Seed: 0, SeedGiven: true}, false},
		{Spec{Method: "fptp", Seed: 7, SeedGiven: true}, false},
	} {
		r, err := Count(c.spec, "tie.csv", tie)
		if err != nil {
			t.Fatal(err)
		}
		got := len(r.Warnings) == 1 && strings.Contains(r.Warnings[0], "default seed 0") && strings.Contains(r.Warnings[0], "--seed N")
		if got != c.warn || (!c.warn && len(r.Warnings) > 0) {
			t.Errorf("%+v: warnings %q", c.spec, r.Warnings)
		}
	}
	// No tie, no warning.
	r, err := Count(Spec{Method: "fptp"}, "w.csv", []byte("candidate,party,votes\nA,,10\nB,,9\n"))
	if err != nil || len(r.Warnings) != 0 {
		t.Fatalf("%v %q", err, r.Warnings)
	}
}

// Lines after a BLT file's end reach the result as a warning naming the line.
func TestBLTTrailingWarning(t *testing.T) {
	r, err := Count(Spec{Method: "stv-scottish"}, "w.blt", []byte("2 1\n3 1 0\n2 2 0\n0\n\"A\"\n\"B\"\n\"Ward\"\n4 2 1 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], `w.blt:8: ignored "4 2 1 0"`) {
		t.Fatalf("%q", r.Warnings)
	}
}

// CountReader streams an IRV ranked CSV and counts as Count does; a file the packed
// form cannot hold is read again from the start.
func TestCountReader(t *testing.T) {
	for _, in := range []string{
		"candidates,A,B,C\n40,A\n35,B,A\n20,C,B\n5,C\n",
		"candidates,A,B,C\n40,A\n35,B,A\n20,C=B\n5,C\n", // an equal ranking: not packable
	} {
		want, err := Count(Spec{Method: "irv"}, "x.csv", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := CountReader(Spec{Method: "irv"}, "x.csv", strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Fatalf("streamed %s\nwhole %s", b, a)
		}
	}
	if _, err := CountReader(Spec{Method: "irv"}, "x.csv", strings.NewReader("candidates,A\n1,B\n")); err == nil || !strings.Contains(err.Error(), "x.csv:2") {
		t.Fatal(err)
	}
}

// A threshold is refused by the methods that have none, rather than ignored.
func TestThresholdRefused(t *testing.T) {
	for _, m := range []string{"fptp", "sv", "irv", "stv-scottish", "stv-meek", "stv-wigm"} {
		var se *SpecError
		if err := Check(Spec{Method: m, Threshold: "5"}, "x.blt"); !errors.As(err, &se) || se.Field != "threshold" {
			t.Errorf("%s: %v", m, err)
		}
	}
}

// Every ranked method lists a candidate as excluded in the round whose action names
// their exclusion or defeat, as the report's tables and headings rely on.
func TestExcludedInTheRoundThatNamesThem(t *testing.T) {
	name, data := read(t, "../stv/testdata/scotland/glasgow_2012_ward13.blt")
	for _, m := range Methods() {
		if !isRanked(m.ID) && m.ID != "sv" {
			continue
		}
		spec := Spec{Method: m.ID, SeedGiven: true}
		if m.ID == "irv" || m.ID == "sv" {
			spec.Seats = 1
		}
		r, err := Count(spec, name, data)
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		for _, rd := range r.Rounds {
			for _, verb := range []string{"exclusion of ", "defeat of "} {
				i := strings.Index(rd.Action, verb)
				if i < 0 {
					continue
				}
				who := rd.Action[i+len(verb):]
				for _, tail := range []string{" (surplus ", " (quota "} {
					if j := strings.Index(who, tail); j >= 0 {
						who = who[:j] // Meek's "(surplus …, why)", QPQ's "(quota …); count restarts"
					}
				}
				if strings.HasSuffix(who, " losers") || who == "a batch" {
					if len(rd.Eliminated) == 0 {
						t.Errorf("%s round %d %q: nobody eliminated", m.ID, rd.Number, rd.Action)
					}
					continue
				}
				if !slices.Contains(rd.Eliminated, who) {
					t.Errorf("%s round %d %q: eliminated %v", m.ID, rd.Number, rd.Action, rd.Eliminated)
				}
			}
		}
	}
}
