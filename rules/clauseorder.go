package rules

import (
	"cmp"
	"strconv"
	"strings"
)

// CompareClauses orders clause numbers as a rule book numbers them: part by
// part (split at "."), numbers by value (2 before 10), Roman numerals by value
// (II before IV before IX), anything else as text ("A" before "B"; a chapter
// named "DP" after the numbered ones).
func CompareClauses(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if c := compareClausePart(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

func compareClausePart(a, b string) int {
	if x, err := strconv.Atoi(a); err == nil {
		if y, err := strconv.Atoi(b); err == nil {
			return cmp.Compare(x, y)
		}
	}
	if x, ok := roman(a); ok {
		if y, ok := roman(b); ok {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(a, b)
}

// roman is the value of a Roman numeral written with I, V and X alone (the
// letters C, D, L and M number sub-clauses as often as they count hundreds).
func roman(s string) (int, bool) {
	if s == "" || strings.Trim(s, "IVX") != "" {
		return 0, false
	}
	val := map[byte]int{'I': 1, 'V': 5, 'X': 10}
	n := 0
	for i := 0; i < len(s); i++ {
		v := val[s[i]]
		if i+1 < len(s) && val[s[i+1]] > v {
			n -= v
		} else {
			n += v
		}
	}
	return n, true
}
