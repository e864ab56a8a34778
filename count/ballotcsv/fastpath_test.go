package ballotcsv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/rulebook/rulebook/count"
)

// The fast paths of the packed reader (the line memo, the 64-byte field window, the
// name matcher) engage only where a block has slack bytes after a record, so the
// short inputs of FuzzParse seldom reach them. Here long files of records built to
// trip them — names of every length up to 20 bytes, sharing first bytes and first
// words, starting with '-' (which the word test for commas lets by), holding spaces;
// skipped, repeated and unknown preferences, trailing commas, CRLF line ends, quoted
// fields with commas and line breaks, comments, blank lines, counts of every size —
// must read exactly as the general parser reads them, in memory and streamed in
// blocks of several sizes, errors included.
func TestFastPathsAgree(t *testing.T) {
	pools := [][]string{
		{"A", "B", "C", "D"},
		{"Abbott", "Abbotts", "Abbott-Smith", "Abbott Smith", "Baxter", "B", "Chowdhury"},
		{"Candidate 1", "Candidate 10", "Candidate 11", "Candidate 2", "Candidat", "Candidate 100000", "Candidate 1000000", "Candidate 10000000x"},
		{"-dash", "-", "--", "x-", "Évans", "O'Brien", "van der Berg", "a=b"},
		{"Abcdefghijklmnop", "Abcdefghijklmnopq", "Abcdefgh", "Abcdefghi", "Abcdefg", "Abcdefghijklmnopqrstu"},
	}
	for pi, names := range pools {
		for seed := range uint64(4) {
			r := rand.New(rand.NewPCG(seed, uint64(pi)))
			data := genTricky(r, names, 3000, seed == 3)
			name := fmt.Sprintf("pool %d seed %d", pi, seed)
			e, err := Parse(data, "t.csv")
			if err != nil && !strings.Contains(err.Error(), "not a candidate") {
				t.Fatalf("%s: %v", name, err)
			}
			check := func(how string, p *packedResult) {
				t.Helper()
				if (err == nil) != (p.err == nil) {
					t.Fatalf("%s, %s: general %v, packed %v", name, how, err, p.err)
				}
				if err != nil {
					if p.err.Error() != err.Error() {
						t.Fatalf("%s, %s: general %v, packed %v", name, how, err, p.err)
					}
					return
				}
				if !slices.Equal(canon(p.p.Election().Ballots), canon(e.Ballots)) {
					t.Fatalf("%s, %s: ballots differ", name, how)
				}
				// In order of first preference, as the count takes them fastest.
				if !slices.IsSortedFunc(p.p.Rankings, func(a, b uint64) int { return int(a&15) - int(b&15) }) {
					t.Fatalf("%s, %s: rankings not in order of first preference", name, how)
				}
			}
			for _, workers := range []int{1, 3} {
				p, perr := ParsePacked(data, "t.csv", workers)
				check(fmt.Sprintf("in memory, %d workers", workers), &packedResult{p, perr})
			}
			func() {
				defer func(n int) { blockSize = n }(blockSize)
				for _, bs := range []int{200, 4096} {
					blockSize = bs
					p, perr := ReadPacked(iotest.HalfReader(bytes.NewReader(data)), "t.csv", 2)
					check(fmt.Sprintf("streamed in blocks of %d", bs), &packedResult{p, perr})
				}
			}()
		}
	}
}

type packedResult struct {
	p   *count.Packed
	err error
}

// genTricky writes n ballot records over names; with bad, one record late in the file
// names someone who is not a candidate.
func genTricky(r *rand.Rand, names []string, n int, bad bool) []byte {
	var b bytes.Buffer
	b.WriteString("candidates")
	for _, c := range names {
		b.WriteString(",")
		b.WriteString(quoteIfNeeded(c))
	}
	b.WriteString("\n")
	// A few records repeated often, so that the line memo has something to find.
	var common []string
	for range 20 {
		common = append(common, trickyRecord(r, names))
	}
	for i := range n {
		switch {
		case bad && i == n-50:
			b.WriteString("1," + names[0] + ",Nobody At All\n")
		case r.IntN(2) == 0:
			b.WriteString(common[r.IntN(len(common))])
		default:
			b.WriteString(trickyRecord(r, names))
		}
	}
	return b.Bytes()
}

func trickyRecord(r *rand.Rand, names []string) string {
	var b strings.Builder
	switch r.IntN(40) {
	case 0:
		return "# a comment, with \"quotes\n"
	case 1:
		return "\n"
	case 2:
		return "7\n" // a count and no names
	case 3:
		return fmt.Sprintf("\"%d\",%s\n", r.IntN(9)+1, names[r.IntN(len(names))])
	}
	switch r.IntN(6) {
	case 0:
		fmt.Fprint(&b, r.IntN(1000000))
	case 1:
		fmt.Fprint(&b, uint64(1)<<32-1)
	default:
		b.WriteString("1")
	}
	for k := r.IntN(12); k > 0; k-- {
		b.WriteByte(',')
		switch r.IntN(30) {
		case 0:
			continue // a skipped preference
		case 1:
			b.WriteString(`"` + strings.ReplaceAll(names[r.IntN(len(names))], `"`, `""`) + `"`)
			continue
		case 2:
			b.WriteString(" " + names[r.IntN(len(names))])
			continue
		}
		b.WriteString(quoteIfNeeded(names[r.IntN(len(names))]))
	}
	if r.IntN(15) == 0 {
		b.WriteByte(',') // a trailing comma
	}
	if r.IntN(10) == 0 {
		b.WriteByte('\r')
	}
	b.WriteByte('\n')
	return b.String()
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// A quoted field holding a comma, a doubled quote and line breaks is read whole
// wherever a block boundary falls in it: before, on and after each of its bytes.
func TestQuotedFieldAcrossBlockBoundary(t *testing.T) {
	defer func(n int) { blockSize = n }(blockSize)
	const head = "candidates,Ann,\"B, \"\"b\"\"\r\nline\",Cy\n"
	field := "\"B, \"\"b\"\"\r\nline\""
	for _, bs := range []int{64, 128} {
		blockSize = bs
		for pad := range 2 * len(field) {
			// Filler records, then the quoted field starting pad bytes further on.
			var b strings.Builder
			b.WriteString(head)
			b.WriteString("1," + strings.Repeat("Ann,", pad/4) + strings.Repeat(",", pad%4) + field + ",Cy\n")
			b.WriteString("2,Cy," + field + "\n")
			b.WriteString(strings.Repeat("1,Ann\n", 40))
			data := []byte(b.String())
			e, err := Parse(data, "b.csv")
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadPacked(iotest.OneByteReader(bytes.NewReader(data)), "b.csv", 2)
			if err != nil {
				t.Fatalf("block %d, pad %d: %v", bs, pad, err)
			}
			if !slices.Equal(canon(p.Election().Ballots), canon(e.Ballots)) || p.Papers() != 43 {
				t.Fatalf("block %d, pad %d: %v, want %v", bs, pad, p.Election().Ballots, e.Ballots)
			}
			// An error after it is placed on its line.
			bad := append(slices.Clone(data), "1,Zed\n"...)
			if _, err := ReadPacked(bytes.NewReader(bad), "b.csv", 2); err == nil || !strings.Contains(err.Error(), "b.csv:47: field 2") {
				t.Fatalf("block %d, pad %d: %v", bs, pad, err)
			}
		}
	}
}

// The general path alone (taken for blocks too large for the fast path's int32
// positions, which no test can afford to build) reads a block as the fast path does.
func TestParseGeneralAgrees(t *testing.T) {
	data := genTricky(rand.New(rand.NewPCG(5, 5)), []string{"Abbott", "Baxter", "-x", "C d"}, 3000, false)
	h, err := parseHeader(data, "g.csv")
	if err != nil {
		t.Fatal(err)
	}
	fast, err := ParsePacked(data, "g.csv", 1)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(h, "g.csv", 1)
	lines, be := r.workers[0].parseGeneral(h.body, len(h.body))
	if be != nil {
		t.Fatal(be.err)
	}
	if want := bytes.Count(h.body, []byte{'\n'}); lines != want {
		t.Fatalf("%d lines, want %d", lines, want)
	}
	if !slices.Equal(canon(r.assemble().Election().Ballots), canon(fast.Election().Ballots)) {
		t.Fatal("the general path read the block differently")
	}
}

// The perfect-hash name matcher reads a record only as the name matcher it stands in
// front of reads it, and reads every record of distinct names with LF line ends: on
// fields that are names, near misses of names (a byte changed, cut short, run on,
// padded with NUL bytes), empty fields and repeated names, for sets of names alike in
// their first bytes and lengths, short and long.
func TestPHNamesAgree(t *testing.T) {
	var numbered []string
	for i := range 15 {
		numbered = append(numbered, fmt.Sprintf("Candidate %d", i+10))
	}
	pools := [][]string{
		{"A", "B", "C", "D"},
		{"Abbott", "Abbotts", "Abbott-Smith", "Abbott Smith", "Baxter", "B", "Chowdhury"},
		numbered,
		{"-dash", "-", "--", "x-", "Évans", "O'Brien", "van der Berg", "a=b"},
		{"Abcdefghijklmnop", "Abcdefghijklmnopq", "Abcdefgh", "Abcdefghi", "Abcdefg", "Abcdefghijklmnopqrstu"},
		{"Abbott", "Baxter", "Chowdhury", "Dlamini", "Evans", "Fitzgerald", "Gallagher", "Hussain", "Ivanova", "Jones", "Kowalski", "Lindqvist"},
	}
	r := rand.New(rand.NewPCG(11, 12))
	for pi, names := range pools {
		fn := newFastNames(names)
		ph := newPHNames(fn, names)
		if ph == nil {
			t.Fatalf("pool %d: no perfect hash", pi)
		}
		field := func() (string, bool) { // a field, and whether it is a name
			nm := names[r.IntN(len(names))]
			switch r.IntN(8) {
			case 0:
				b := []byte(nm)
				b[r.IntN(len(b))] ^= 1 << r.IntN(7)
				return string(b), slices.Contains(names, string(b))
			case 1:
				return nm[:r.IntN(len(nm))], slices.Contains(names, nm[:r.IntN(len(nm))]) && false
			case 2:
				return nm + "x", slices.Contains(names, nm+"x")
			case 3:
				return nm + "\x00", false
			}
			return nm, true
		}
		for range 20000 {
			var rec strings.Builder
			rec.WriteString("1")
			clean := true
			var seen []string
			for k := 1 + r.IntN(15); k > 0; k-- {
				f, ok := field()
				if r.IntN(3) > 0 && !ok {
					f, ok = names[r.IntN(len(names))], true
				}
				if !ok || f == "" || slices.Contains(seen, f) {
					clean = false
				}
				seen = append(seen, f)
				rec.WriteString("," + f)
			}
			if r.IntN(20) == 0 {
				rec.WriteString("\r")
				clean = false
			}
			rec.WriteString("\n")
			buf := make([]byte, 64*((rec.Len()+slack+63)/64))
			e := copy(buf, rec.String()) - 1
			words := len(buf) / 64
			sep, nl := make([]uint64, words+1), make([]uint64, words+1)
			sepMasks(buf, sep, nl)
			sep[words] = ^uint64(0)
			wt, q, ok := ph.count(buf, 0, e, sep)
			var key uint64
			if ok {
				key, _, _, ok = ph.names(buf, q, e, e, sep)
			}
			fkey, fwt, fok := fn.fields(buf, 0, e, sep)
			if ok && (!fok || key != fkey || wt != fwt) {
				t.Fatalf("pool %d, %q: perfect hash %x %d, name matcher %x %d %v", pi, rec.String(), key, wt, fkey, fwt, fok)
			}
			if clean && !ok {
				t.Fatalf("pool %d, %q: not read by the perfect hash", pi, rec.String())
			}
		}
	}
}
