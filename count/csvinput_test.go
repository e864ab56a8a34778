package count

import (
	"strings"
	"testing"
)

// ReadCSV reads RFC 4180 everywhere: a byte-order mark before a quoted header field,
// quoted header names, and data fields holding commas, doubled quotes and line breaks,
// each row placed on the line it starts.
func TestReadCSVQuoting(t *testing.T) {
	in := "\ufeff\"candidate\",\"party\",\"votes\"\r\n" +
		"\"Smith, Ann \"\"Nan\"\"\nJr\",\"Red,\nParty\",\"1204\"\r\n" +
		"Bob,,987\n"
	h, rows, err := ReadCSV(strings.NewReader(in), "q.csv", []string{"candidate", "party", "votes"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h, "|") != "candidate|party|votes" || len(rows) != 2 {
		t.Fatalf("%q %v", h, rows)
	}
	if rows[0].Fields[0] != "Smith, Ann \"Nan\"\nJr" || rows[0].Fields[1] != "Red,\nParty" || rows[0].Line != 2 || rows[1].Line != 5 {
		t.Fatalf("%+v", rows)
	}
	_, _, err = ReadCSV(strings.NewReader("candidate,party,votes\n\"A\nB\",x,1\n\"C\"x,y,2\n"), "q.csv", []string{"candidate", "party", "votes"}, false)
	if err == nil || !strings.HasPrefix(err.Error(), "q.csv:4:") {
		t.Fatalf("%v", err)
	}
}
