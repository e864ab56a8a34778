package memberscsv

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

var (
	givenNames = []string{"Ada", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jon", "Kemi", "Liam", "Mona", "Nia", "Omar", "Pia", "Raj", "Sian", "Tom", "Uma", "Vic", "Wen", "Yan", "Zoe"}
	surnames   = []string{"Abbot", "Brook", "Carver", "Dale", "Eaton", "Fenn", "Garth", "Hale", "Irwin", "Joss", "Kerr", "Lowe", "Marsh", "Nash", "Orme", "Pike", "Quinn", "Rudd", "Shaw", "Thorne", "Upton", "Vance", "Wade", "York"}
)

// Generate writes n fictional members as CSV, for benchmarks and load tests. The
// same seed gives the same file. Members are spread over the given number of
// branches (grouped ten to a constituency), joining between 1990 and 2020; about one
// in fifty has a later status (statuses[i] from status_since).
func Generate(w io.Writer, n int, seed uint64, branches int, statuses []string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fmt.Fprintln(bw, "id,name,email,phone,address,branch,constituency,joined,status,status_since")
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = 30 * 365
	for i := 1; i <= n; i++ {
		g, s := givenNames[r.IntN(len(givenNames))], surnames[r.IntN(len(surnames))]
		b := r.IntN(branches)
		joined := start.AddDate(0, 0, r.IntN(span))
		status, since := "", ""
		if len(statuses) > 0 && r.IntN(50) == 0 {
			status = statuses[r.IntN(len(statuses))]
			since = joined.AddDate(0, 0, 1+r.IntN(2000)).Format(time.DateOnly)
		}
		fmt.Fprintf(bw, "G%07d,%s %s,%s.%s%d@example.org,,,b%04d,c%03d,%s,%s,%s\n", i, g, s, lowerASCII(g), lowerASCII(s), i, b, b/10,
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
