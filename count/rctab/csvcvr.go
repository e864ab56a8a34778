package rctab

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// readGenericCSV reads RCTab's generic CSV: a header row naming candidates from the
// first vote column on, then one row per ballot whose cells hold the rank given to
// each candidate.
func readGenericCSV(cfg *Config, src *Source, bs *ballotSet) error {
	f, err := cfg.open(src.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	// RFC 4180 throughout, the header too: quoted fields may hold commas, quotes and
	// line breaks, so errors name the line a record starts on, not its number.
	r := count.NewCSVReader(f)
	first := src.FirstVoteColumn - 1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("line 1: reading the header row: %w", csvLineErr(err))
	}
	var names []string
	for col := first; col < len(header); col++ {
		n := strings.TrimSpace(header[col])
		if n == "" {
			return fmt.Errorf("line 1 column %d: candidate name is empty", col+1)
		}
		names = append(names, n)
	}
	row := 1 // records read, the header included
	var marks []ranking
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		if err != nil {
			return csvLineErr(err)
		}
		if row < src.FirstVoteRow {
			continue
		}
		line, _ := r.FieldPos(0)
		// RCTab's generic CSV reader names missing ids "no precinct id" / "no batch id"
		var precinct, batch string
		if src.PrecinctColumn > 0 {
			precinct = "no precinct id"
			if src.PrecinctColumn <= len(rec) && strings.TrimSpace(rec[src.PrecinctColumn-1]) != "" {
				precinct = rec[src.PrecinctColumn-1]
			}
		}
		if src.BatchColumn > 0 {
			batch = "no batch id"
			if src.BatchColumn <= len(rec) && strings.TrimSpace(rec[src.BatchColumn-1]) != "" {
				batch = rec[src.BatchColumn-1]
			}
		}
		marks = marks[:0]
		for col := first; col < len(rec); col++ {
			s := strings.TrimSpace(rec[col])
			if s == "" {
				continue
			}
			rank, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("line %d column %d: expected a rank number, got %q", line, col+1, s)
			}
			if col-first >= len(names) {
				return fmt.Errorf("line %d column %d: no candidate named in the header for this column", line, col+1)
			}
			if rank > cfg.MaxRankings && !cfg.maxRankingsIsMax {
				return fmt.Errorf("line %d column %d: rank %d is above maxRankingsAllowed (%d)", line, col+1, rank, cfg.MaxRankings)
			}
			name := names[col-first]
			if src.UWILabel != "" && name == src.UWILabel {
				name = UWI
			}
			marks = append(marks, ranking{rank, name})
		}
		if err := bs.add(place{"line", line}, marks, precinct, batch, strconv.Itoa(row-1)); err != nil {
			return err
		}
	}
	return nil
}

// csvLineErr words an encoding/csv error by the line it is on.
func csvLineErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d column %d: %w", pe.Line, pe.Column, pe.Err)
	}
	return err
}
