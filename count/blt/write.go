package blt

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rulebook/rulebook/count"
)

// Write writes e in plain BLT: quoted names (a quote mark doubled), withdrawn
// candidates on a line of their own, equal rankings joined by "=". Parse reads
// the output back to the same election.
func Write(w io.Writer, e *count.Election) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%d %d\n", len(e.Candidates), e.Seats)
	var wd []string
	for i, x := range e.Withdrawn {
		if x {
			wd = append(wd, "-"+strconv.Itoa(i+1))
		}
	}
	if len(wd) > 0 {
		bw.WriteString(strings.Join(wd, " ") + "\n")
	}
	for _, b := range e.Ballots {
		if b.Weight <= 0 {
			return fmt.Errorf("blt: cannot write a ballot of weight %d", b.Weight)
		}
		bw.WriteString(strconv.FormatInt(b.Weight, 10))
		for _, r := range b.Ranks {
			bw.WriteByte(' ')
			for i, c := range r {
				if i > 0 {
					bw.WriteByte('=')
				}
				bw.WriteString(strconv.Itoa(c + 1))
			}
		}
		bw.WriteString(" 0\n")
	}
	bw.WriteString("0\n")
	for _, n := range e.Candidates {
		bw.WriteString(quote(n) + "\n")
	}
	bw.WriteString(quote(e.Title) + "\n")
	return bw.Flush()
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
