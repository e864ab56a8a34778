//go:build !amd64

package ballotcsv

// sepMasks sets com[k] and nl[k], for each 64 bytes src[64k:64k+64], to the bits of
// its commas and of its line ends. len(src) is a multiple of 64; com and nl hold
// len(src)/64 words.
func sepMasks(src []byte, com, nl []uint64) { sepMasksGo(src, com, nl) }
