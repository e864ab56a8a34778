package memberscsv

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

var (
	givenNames = []string{"Ada", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jon", "Kemi", "Liam", "Mona", "Nia", "Omar", "Pia", "Raj", "Sian", "Tom", "Uma", "Vic", "Wen", "Yan", "Zoe"}
	surnames   = []string{"Abbot", "Brook", "Carver", "Dale", "Eaton", "Fenn", "Garth", "Hale", "Irwin", "Joss", "Kerr", "Lowe", "Marsh", "Nash", "Orme", "Pike", "Quinn", "Rudd", "Shaw", "Thorne", "Upton", "Vance", "Wade", "York"}
)

// Level is one kind of unit generated members are spread over: Count units of
// Kind, whose ids are the kind's first letter and a number ("b0042").
type Level struct {
	Kind  string
	Count int
}

// Generate writes n fictional members as CSV, for benchmarks and load tests. The
// same seed gives the same file. levels go from the top of the hierarchy down:
// each member is in one unit of the lowest level, and the units of each level are
// grouped evenly into those of the level above (2,000 of one within 200 of the
// one above: ten to one). Members join between 1990 and 2020; about one in fifty
// has a later status (statuses[i] from status_since).
func Generate(w io.Writer, n int, seed uint64, levels []Level, statuses []string) error {
	return GenerateLater(w, n, seed, levels, statuses, 50)
}

// GenerateLater is Generate with about one member in every later given a later
// status (every member, if later is 1): a register where many have lapsed.
func GenerateLater(w io.Writer, n int, seed uint64, levels []Level, statuses []string, later int) error {
	if later < 1 {
		return fmt.Errorf("generate: one member in %d cannot have a later status", later)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	kinds := make([]string, len(levels))
	formats := make([]string, len(levels))
	for i, l := range levels {
		if l.Kind == "" || l.Count < 1 {
			return fmt.Errorf("generate: level %d needs a kind and at least one unit", i)
		}
		kinds[i] = l.Kind
		formats[i] = fmt.Sprintf("%c%%0%dd", l.Kind[0], max(3, len(strconv.Itoa(l.Count-1))))
	}
	fmt.Fprintln(bw, strings.Join(Columns(kinds), ","))
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = 30 * 365
	units := make([]byte, 0, 64)
	for i := 1; i <= n; i++ {
		g, s := givenNames[r.IntN(len(givenNames))], surnames[r.IntN(len(surnames))]
		units = units[:0]
		if len(levels) > 0 {
			low := levels[len(levels)-1].Count
			b := r.IntN(low)
			for j, l := range levels {
				units = fmt.Appendf(units, ","+formats[j], b*l.Count/low)
			}
		}
		joined := start.AddDate(0, 0, r.IntN(span))
		status, since := "", ""
		if len(statuses) > 0 && r.IntN(later) == 0 {
			status = statuses[r.IntN(len(statuses))]
			since = joined.AddDate(0, 0, 1+r.IntN(2000)).Format(time.DateOnly)
		}
		fmt.Fprintf(bw, "G%07d,%s %s,%s.%s%d@example.org,,%s,%s,%s,%s\n", i, g, s, lowerASCII(g), lowerASCII(s), i, units,
			joined.Format(time.DateOnly), status, since)
	}
	return bw.Flush()
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
