package rctab

import (
	"sort"
	"unicode/utf16"
)

// RCTab keeps candidates in java.util.HashMap/HashSet and several report details
// (the order of candidates elected or eliminated in the same round, the order of tied
// rows in the CSV) follow those maps' iteration order. We reproduce that order from
// String.hashCode and the table size rather than guess it.

// javaStringHash is java.lang.String.hashCode.
func javaStringHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(c)
	}
	return h
}

// javaHashCapacity is the table size of a HashMap after n puts from empty.
func javaHashCapacity(n int) int {
	c := 16
	for float64(n) > float64(c)*0.75 {
		c *= 2
	}
	return c
}

func javaBucket(s string, capacity int) int {
	h := uint32(javaStringHash(s))
	h ^= h >> 16
	return int(h & uint32(capacity-1))
}

// javaHashOrder returns keys (given in insertion order) in the iteration order of a
// java.util.HashMap holding exactly them, with the given capacity (0: as grown by puts).
func javaHashOrder(keys []string, capacity int) []string {
	if capacity == 0 {
		capacity = javaHashCapacity(len(keys))
	}
	out := append([]string(nil), keys...)
	sort.SliceStable(out, func(i, j int) bool {
		return javaBucket(out[i], capacity) < javaBucket(out[j], capacity)
	})
	return out
}

// javaRandom is a port of java.util.Random (48-bit linear congruential generator).
type javaRandom struct{ seed int64 }

const (
	jrMult = 0x5DEECE66D
	jrAdd  = 0xB
	jrMask = (int64(1) << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ jrMult) & jrMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*jrMult + jrAdd) & jrMask
	return int32(uint64(r.seed) >> (48 - bits))
}

func (r *javaRandom) nextDouble() float64 {
	return float64((int64(r.next(26))<<27)+int64(r.next(27))) * (1.0 / float64(int64(1)<<53))
}

func (r *javaRandom) nextInt(bound int32) int32 {
	if bound&(-bound) == bound {
		return int32((int64(bound) * int64(r.next(31))) >> 31)
	}
	for {
		bits := r.next(31)
		val := bits % bound
		if bits-val+(bound-1) >= 0 {
			return val
		}
	}
}

// javaShuffle is java.util.Collections.shuffle(list, rnd) for a random-access list.
func javaShuffle(list []string, r *javaRandom) {
	for i := len(list); i > 1; i-- {
		j := r.nextInt(int32(i))
		list[i-1], list[j] = list[j], list[i-1]
	}
}

// javaLess is String.compareTo order (UTF-16 code units).
func javaLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func javaSortStrings(s []string) {
	sort.SliceStable(s, func(i, j int) bool { return javaLess(s[i], s[j]) })
}
