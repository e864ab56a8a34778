package rctab

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func seedFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 200000 {
			f.Add(b)
		}
	}
}

// FuzzParseConfig: any bytes give a config or an error, never a panic.
func FuzzParseConfig(f *testing.F) {
	seedFiles(f, "testdata/cases/*/*_config.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("testdata/cases/x/fuzz_config.json", data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

// FuzzScanSheet feeds worksheet XML to the hand-written sheet scanner.
func FuzzScanSheet(f *testing.F) {
	zr, err := zip.OpenReader("testdata/cases/skip_to_next_test/skip_to_next_test_cvr.xlsx")
	if err == nil {
		for _, zf := range zr.File {
			if filepath.Ext(zf.Name) == ".xml" {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				f.Add(b)
			}
		}
		zr.Close()
	}
	f.Add([]byte(`<sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>A&amp;B</t></is></c></row></sheetData>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = scanSheet(data, []string{"x", "y"}, func(n int, cells []xlsxCell) error {
			for _, c := range cells {
				if c.Col < 0 {
					t.Fatalf("negative column in row %d", n)
				}
			}
			return nil
		})
	})
}

// FuzzCDF feeds CDF JSON and XML to their parsers.
func FuzzCDF(f *testing.F) {
	f.Add([]byte(`{"GpUnit":[{"@id":"g","Name":"P1"}],"Election":[{"Candidate":[{"@id":"c-a","Name":"A"},{"@id":"c-b","Name":"B"}],
"Contest":[{"@id":"k","Name":"test set 1","ContestSelection":[{"@id":"cs-a","CandidateIds":["c-a"]},{"@id":"cs-b","CandidateIds":["c-b"]},{"@id":"w","IsWriteIn":"true"}]}]}],
"CVR":[{"CurrentSnapshotId":"s","BallotStyleUnitId":"g","CVRSnapshot":[{"@id":"s","CVRContest":[{"ContestId":"k","CVRContestSelection":[
{"ContestSelectionId":"cs-a","SelectionPosition":[{"HasIndication":"yes","IsAllocable":"yes","Rank":1}]},{"ContestSelectionId":"cs-b","Rank":2}]}]}]}]}`))
	f.Add([]byte(`<CastVoteRecordReport><GpUnit ObjectId="g"><Name>P</Name></GpUnit><Election><Candidate ObjectId="c"><Name>A</Name></Candidate>
<Contest ObjectId="k"><Name>For Governor and Lieutenant Governor</Name><ContestSelection ObjectId="cs"><CandidateIds>c</CandidateIds></ContestSelection></Contest></Election>
<CVR><CurrentSnapshotId>s</CurrentSnapshotId><CVRSnapshot ObjectId="s"><CVRContest><ContestId>k</ContestId><CVRContestSelection><ContestSelectionId>cs</ContestSelectionId>
<SelectionPosition><HasIndication>yes</HasIndication><IsAllocable>yes</IsAllocable><Rank>1</Rank></SelectionPosition></CVRContestSelection></CVRContest></CVRSnapshot></CVR></CastVoteRecordReport>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseCDFJSON(data, "test set 1")
		_, _ = parseCDFXML(data, "For Governor and Lieutenant Governor")
	})
}

// FuzzParseDec: parsed numbers print back to an equal value.
func FuzzParseDec(f *testing.F) {
	for _, s := range []string{"0", "12", "-3.25", "0.0001", "1000000", ".5", "5.", "+7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDec(s)
		if err != nil {
			return
		}
		e, err := ParseDec(d.String())
		if err != nil || e.Cmp(d) != 0 {
			t.Fatalf("%q → %v → %q → %v (%v)", s, d, d.String(), e, err)
		}
	})
}

// FuzzGenericCSV reads fuzzed CSV cast vote records against a fixed config.
func FuzzGenericCSV(f *testing.F) {
	f.Add([]byte("Response ID,precinct_id,batch_id,Lettuce,Broccoli,Cucumber,Cauliflower,Write-In\nR1,p1,b1,,2,1,,\nR2,p1,b1,2,3,4,1,\nR3,p2,b2,3,5,2,1,4\n"))
	f.Add([]byte("a,b,c,Lettuce,Broccoli\n1,2,3,1,1\n"))
	f.Add([]byte("\ufeff\"Response ID\",\"precinct, id\",\"batch\nid\",\"Lettuce\",Broccoli\r\n\"R\n1\",\"p1, n\",b1,1,2\n"))
	cfg, err := LoadConfig("testdata/cases/generic_csv_test/generic_csv_test_config.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "cvr.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src := cfg.Sources[0]
		src.Path = p
		bs := newBallotSet(cfg)
		if err := readGenericCSV(cfg, &src, bs); err != nil {
			return
		}
		if err := bs.finish(); err != nil {
			return
		}
		if _, err := tabulate(cfg, bs.ballots, cfg.NumberOfWinners, nil); err != nil {
			return
		}
	})
}

// FuzzVendorFiles feeds the same bytes to the Dominion, Clear Ballot and Hart readers.
func FuzzVendorFiles(f *testing.F) {
	f.Add([]byte(`{"Sessions":[{"TabulatorId":1,"BatchId":2,"RecordId":3,"Original":{"IsCurrent":true,"Cards":[{"Contests":[{"Id":1,"Marks":[{"CandidateId":1,"Rank":1,"IsAmbiguous":false}]}]}]}}]}`))
	f.Add([]byte("RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade,Choice_1_1:Democratic Primary:1:Vote For 1:Joe Biden:Democratic\n1,a,1,b,1,1,P,S,0,0,1\n"))
	f.Add([]byte("RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade,\"Choice_1_1:Democratic Primary:1:Vote For 1:Joe Biden:Democratic, Party\"\n1,\"a,\nb\",1,b,1,1,P,S,0,0,1\n"))
	f.Add([]byte(`<Cvr><Contests><Contest><Id>e9ca8235-893e-43df-93eb-3cc61eeb133c</Id><Options><Option><Name>Bruce Elfant</Name><Id>fa9ebe45-dd38-423d-a2a8-0bc2de9967f9</Id><Value>01</Value></Option></Options></Contest></Contests><CvrGuid>g</CvrGuid></Cvr>`))
	cfgs := map[string]*Config{}
	for _, c := range []string{"clear_ballot_kansas_primary", "hart_travis_county_officers"} {
		cfg, err := LoadConfig("testdata/cases/" + c + "/" + c + "_config.json")
		if err != nil {
			f.Fatal(err)
		}
		cfgs[c] = cfg
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "CvrExport.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cvr.xml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		dcfg := syntheticConfig(3, 1, modeSingle, ovExhaust, 1)
		_ = readDominion(dcfg, &Source{Path: dir, ContestID: "1"}, newBallotSet(dcfg))
		cb := cfgs["clear_ballot_kansas_primary"]
		src := cb.Sources[0]
		src.Path = filepath.Join(dir, "CvrExport.json")
		_ = readClearBallot(cb, &src, newBallotSet(cb))
		h := cfgs["hart_travis_county_officers"]
		hs := h.Sources[0]
		hs.Path = dir
		_ = readHart(h, &hs, newBallotSet(h))
	})
}

// xlsxSeeds are a minimal workbook, one with an inline string, and truncated
// copies of the first (a cut zip loses its central directory, or a member).
func xlsxSeeds(t testing.TB) [][]byte {
	ok := minimalXLSX(t, [][]string{{"id", "rank 1", "rank 2"}, {"1", "Ann", "Bob"}, {"2", "Bob&amp;Co", ""}})
	inline := buildZip(t, zipPart{"xl/worksheets/sheet1.xml", []byte(`<worksheet><sheetData><row><c t="inlineStr"><is><t>x</t></is></c><c r="C1"><v>2</v></c></row></sheetData></worksheet>`)})
	seeds := [][]byte{ok, inline}
	for _, n := range []int{len(ok) / 2, len(ok) - 22, len(ok) - 1} {
		seeds = append(seeds, ok[:n])
	}
	return seeds
}

// FuzzXLSX feeds whole files to the .xlsx reader: the zip container, the workbook
// and its relationships, shared strings and the sheet. Any input gives rows or an
// error, never a panic, and what is read keeps within the limits.
func FuzzXLSX(f *testing.F) {
	for _, s := range xlsxSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := &Config{fsys: fstest.MapFS{"ballots.xlsx": {Data: data}}}
		rows := 0
		err := readXLSX(cfg, "ballots.xlsx", func(num int, cells []xlsxCell) error {
			rows++
			if num < 1 {
				t.Fatalf("row number %d", num)
			}
			for _, c := range cells {
				if c.Col < 0 || c.Col >= maxXLSXColumns {
					t.Fatalf("row %d: column %d", num, c.Col)
				}
			}
			return nil
		})
		if err == nil && rows > MaxXLSXRows {
			t.Fatalf("%d rows read", rows)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "ballots.xlsx: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
