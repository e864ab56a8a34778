package ballotcsv

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Write writes e in the ranked CSV format, so that ballots read from another format
// (BLT, a cast-vote record) can be kept, inspected and re-counted in this one.
// Names that need it are quoted; a name with a line break, one starting with a digit or
// containing "=" cannot be written.
func Write(w io.Writer, e *count.Election) error {
	for _, c := range e.Candidates {
		switch {
		case c == "" || strings.ContainsAny(c, "\r\n="):
			return fmt.Errorf("ballotcsv: candidate name %q cannot be written", c)
		case c[0] >= '0' && c[0] <= '9':
			return fmt.Errorf("ballotcsv: candidate name %q starts with a digit", c)
		case c != strings.TrimSpace(c):
			return fmt.Errorf("ballotcsv: candidate name %q has surrounding spaces", c)
		}
	}
	if strings.ContainsAny(e.Title, "\r\n") {
		return fmt.Errorf("ballotcsv: title has a line break")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("candidates")
	for _, c := range e.Candidates {
		bw.WriteByte(',')
		bw.WriteString(quote(c))
	}
	bw.WriteByte('\n')
	if e.Title != "" {
		fmt.Fprintf(bw, "title,%s\n", quote(e.Title))
	}
	if e.Seats > 0 {
		fmt.Fprintf(bw, "seats,%d\n", e.Seats)
	}
	var wd []string
	for i, x := range e.Withdrawn {
		if x {
			wd = append(wd, quote(e.Candidates[i]))
		}
	}
	if len(wd) > 0 {
		fmt.Fprintf(bw, "withdrawn,%s\n", strings.Join(wd, ","))
	}
	for i, b := range e.Ballots {
		if b.Weight < 0 {
			return fmt.Errorf("ballotcsv: ballot %d has negative weight", i+1)
		}
		bw.WriteString(strconv.FormatInt(b.Weight, 10))
		for _, r := range b.Ranks {
			bw.WriteByte(',')
			names := make([]string, len(r))
			for j, c := range r {
				if c < 0 || c >= len(e.Candidates) {
					return fmt.Errorf("ballotcsv: ballot %d ranks candidate %d of %d", i+1, c+1, len(e.Candidates))
				}
				names[j] = e.Candidates[c]
			}
			bw.WriteString(quote(strings.Join(names, "=")))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// quote quotes a field when it holds a comma or a quote (or would otherwise be read as
// something else: a leading #).
func quote(s string) string {
	if !strings.ContainsAny(s, `,"#`) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
