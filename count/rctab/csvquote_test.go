package rctab

import (
	"strings"
	"testing"
	"testing/fstest"
)

// The generic CSV reader takes RFC 4180 quoting in the header and the records, and
// names the line a bad record starts on, counting line breaks inside quoted fields.
func TestGenericCSVQuoting(t *testing.T) {
	cfg, err := LoadConfig("testdata/cases/generic_csv_test/generic_csv_test_config.json")
	if err != nil {
		t.Fatal(err)
	}
	read := func(data string) (*ballotSet, error) {
		c := *cfg
		c.fsys = fstest.MapFS{"cvr.csv": {Data: []byte(data)}}
		src := cfg.Sources[0]
		src.Path = "cvr.csv"
		bs := newBallotSet(&c)
		return bs, readGenericCSV(&c, &src, bs)
	}
	good := "\ufeff\"Response ID\",\"precinct, id\",\"batch\nid\",\"Lettuce\",Broccoli,\"Cucumber\",Cauliflower,Write-In\r\n" +
		"R1,\"p1, north\",b1,,2,1,,\n" +
		"\"R\n2\",p1,b1,2,3,4,1,\n"
	bs, err := read(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs.ballots) != 2 {
		t.Fatalf("%d ballots", len(bs.ballots))
	}
	_, err = read(good + "R3,p2,b2,x,,,,\n")
	if err == nil || !strings.Contains(err.Error(), "line 6 column 4") {
		t.Fatalf("%v", err)
	}
	_, err = read(good + "R3,p2,\"b2\"x,1,,,,\n")
	if err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Fatalf("%v", err)
	}
}

// The Clear Ballot reader takes RFC 4180 quoting: a quoted choice header may hold a
// comma, and a quoted field a line break.
func TestClearBallotQuoting(t *testing.T) {
	cfg, err := LoadConfig("testdata/cases/clear_ballot_kansas_primary/clear_ballot_kansas_primary_config.json")
	if err != nil {
		t.Fatal(err)
	}
	src := cfg.Sources[0]
	contest := src.ContestID
	data := "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade," +
		"\"Choice_1_1:" + contest + ":1:Vote For 1:Joe Biden:Democratic, Party\",Choice_2_1:" + contest + ":2:Vote For 1:Joe Biden:Democratic\n" +
		"1,\"ED,004\",1,b1,1,10,\"Precinct\nNorth\",S,0,0,1,0\n" +
		"2,ED-004,2,b2,1,10,P,S,0,0,0,x\n"
	c := *cfg
	c.fsys = fstest.MapFS{"cvr.csv": {Data: []byte(data)}}
	src.Path = "cvr.csv"
	err = readClearBallot(&c, &src, newBallotSet(&c))
	if err == nil || !strings.Contains(err.Error(), "line 4 column 12") {
		t.Fatalf("%v", err)
	}
}
