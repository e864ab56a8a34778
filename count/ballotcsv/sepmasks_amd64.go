package ballotcsv

//go:noescape
func sepMasksAsm(src *byte, words int, sep, nl *uint64)

// sepMasks sets sep[k] and nl[k], for each 64 bytes src[64k:64k+64], to the bits of
// its separators (commas and line ends) and of its line ends. len(src) is a multiple
// of 64; sep and nl hold len(src)/64 words.
func sepMasks(src []byte, sep, nl []uint64) {
	words := len(src) / 64
	if words == 0 {
		return
	}
	_, _ = sep[words-1], nl[words-1]
	sepMasksAsm(&src[0], words, &sep[0], &nl[0])
}
