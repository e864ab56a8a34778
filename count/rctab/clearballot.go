package rctab

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Clear Ballot's RCV CSV: ten fixed columns, then one column per (choice, rank) whose
// header is "Choice_..:CONTEST:RANK:VOTE RULE:CHOICE NAME:PARTY"; a 1 marks it.
const clearBallotChoicesBegin = 10

func readClearBallot(cfg *Config, src *Source, bs *ballotSet) error {
	f, err := cfg.open(src.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	// RFC 4180 throughout, the header too (a quoted choice header may hold commas).
	r := count.NewCSVReader(f)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("line 1: no header row")
	}
	if err != nil {
		return csvLineErr(err)
	}
	if len(header) < clearBallotChoicesBegin {
		return fmt.Errorf("line 1: no choice columns")
	}
	type choice struct {
		col  int
		rank int
		name string
	}
	var choices []choice
	for col := clearBallotChoicesBegin; col < len(header); col++ {
		fields := strings.Split(header[col], ":")
		if len(fields) != 6 {
			return fmt.Errorf("line 1 column %d: choice header %q should have 6 ':'-separated fields", col+1, header[col])
		}
		if fields[1] != src.ContestID {
			continue
		}
		rank, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("line 1 column %d: bad rank %q", col+1, fields[2])
		}
		if rank > cfg.MaxRankings {
			return fmt.Errorf("line 1 column %d: rank %d exceeds maxRankingsAllowed (%d)", col+1, rank, cfg.MaxRankings)
		}
		name := fields[4]
		if src.UWILabel != "" && name == src.UWILabel {
			name = UWI
		}
		choices = append(choices, choice{col, rank, name})
	}
	var marks []ranking
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return csvLineErr(err)
		}
		line, _ := r.FieldPos(0)
		if len(row) <= 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		var precinct string
		if len(row) > 4 {
			precinct = row[4]
		}
		marks = marks[:0]
		for _, c := range choices {
			if c.col >= len(row) {
				return fmt.Errorf("line %d: only %d columns, choice column %d missing", line, len(row), c.col+1)
			}
			v, err := strconv.Atoi(strings.TrimSpace(row[c.col]))
			if err != nil {
				return fmt.Errorf("line %d column %d: expected 0 or 1, got %q", line, c.col+1, row[c.col])
			}
			if v == 1 {
				marks = append(marks, ranking{c.rank, c.name})
			}
		}
		if err := bs.add(place{"line", line}, marks, precinct, "", field(row, 3)); err != nil {
			return err
		}
	}
	return nil
}

func field(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}
