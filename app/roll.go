package app

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/rulebook/rulebook"
)

// ReadRoll reads a section's roll: a line per voter, their id and (optionally)
// their name; a first line "id,name" is a header.
func ReadRoll(r io.Reader, name string) ([]RollVoter, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	var out []RollVoter
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			if len(out) == 0 {
				return nil, fmt.Errorf("%s: the roll is empty", name)
			}
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "id") {
			continue
		}
		if len(rec) > 2 {
			return nil, fmt.Errorf("%s:%d: a line is ID,NAME (%d fields)", name, line, len(rec))
		}
		v := RollVoter{ID: strings.TrimSpace(rec[0])}
		if len(rec) == 2 {
			v.Name = strings.TrimSpace(rec[1])
		}
		if !rulebook.ValidID(v.ID) {
			return nil, fmt.Errorf("%s:%d: id %q is not a valid id (letters, digits, '-', '_' and '.')", name, line, v.ID)
		}
		out = append(out, v)
	}
}
