package ballotcsv

import (
	"math/rand/v2"
	"testing"
)

// sepMasks (in assembly on amd64) agrees with the portable version and with a byte
// loop, on random bytes rich in commas, line ends and their neighbours.
func TestSepMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	alphabet := []byte{',', '\n', '-', '\v', 0, 0x80, 0xac, 0x8a, 'a', ',', '\n', 0x2b, 0x2d, 0x09, 0x0b, 0xff}
	for _, words := range []int{0, 1, 2, 3, 17, 100} {
		src := make([]byte, 64*words)
		for i := range src {
			src[i] = alphabet[r.IntN(len(alphabet))]
		}
		com, nl := make([]uint64, words), make([]uint64, words)
		gcom, gnl := make([]uint64, words), make([]uint64, words)
		sepMasks(src, com, nl)
		sepMasksGo(src, gcom, gnl)
		for k := range words {
			var wc, wn uint64
			for j := range 64 {
				switch src[64*k+j] {
				case ',':
					wc |= 1 << j
				case '\n':
					wc |= 1 << j
					wn |= 1 << j
				}
			}
			if com[k] != wc || nl[k] != wn || gcom[k] != wc || gnl[k] != wn {
				t.Fatalf("word %d of %d: separators %x (portable %x), want %x; line ends %x (portable %x), want %x",
					k, words, com[k], gcom[k], wc, nl[k], gnl[k], wn)
			}
		}
	}
}
