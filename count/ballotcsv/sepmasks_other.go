//go:build !amd64

package ballotcsv

// sepMasks sets sep[k] and nl[k], for each 64 bytes src[64k:64k+64], to the bits of
// its separators (commas and line ends) and of its line ends. len(src) is a multiple
// of 64; sep and nl hold len(src)/64 words.
func sepMasks(src []byte, sep, nl []uint64) { sepMasksGo(src, sep, nl) }
