package ballotcsv

// sepMasksGo is sepMasks a word at a time, for any architecture: each byte of a word
// compared with a comma and a line end at once, exactly (no borrow between bytes).
func sepMasksGo(src []byte, sep, nl []uint64) {
	for k := range len(src) / 64 {
		var c, n uint64
		for j := range 8 {
			x := le64(src[64*k+8*j:])
			c |= eqBits(x, ',') << (8 * j)
			n |= eqBits(x, '\n') << (8 * j)
		}
		sep[k], nl[k] = c|n, n
	}
}

// eqBits has bit j set exactly when byte j of x is c.
func eqBits(x uint64, c byte) uint64 {
	const lo7, hi = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	t := x ^ (uint64(c) * 0x0101010101010101)
	z := ^((t&lo7 + lo7) | t) & hi // the high bit of each byte of t that is zero
	return (z >> 7) * 0x0102040810204080 >> 56
}
