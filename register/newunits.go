package register

import (
	"strings"

	"github.com/rulebook/rulebook"
)

// NewUnit is a unit an import creates because the register lacks it, with the
// first row that names it and, when its id is close to that of another unit of
// its kind, that unit: a new unit by a typo ("castel-ward" beside "castle-ward")
// is worth a look before the import.
type NewUnit struct {
	rulebook.Unit
	// Row is the first row of the file that names it.
	Row int `json:"row"`
	// Like is a unit of the same kind, on the register or new in the same file,
	// whose id is nearly the same.
	Like string `json:"like,omitempty"`
}

// maxLikeUnits bounds the units compared for likeness (the comparison is
// quadratic): a first import of a large register creates all its units at once.
const maxLikeUnits = 5000

// markLike sets Like on the new units whose ids are close to that of an existing
// unit, or of another new unit met earlier in the file, of the same kind.
func markLike(news []NewUnit, existing []rulebook.Unit) {
	if len(news)+len(existing) > maxLikeUnits {
		return
	}
	for i := range news {
		n := &news[i]
		for _, u := range existing {
			if u.Kind == n.Kind && nearlySame(u.ID, n.ID) {
				n.Like = u.ID
				break
			}
		}
		for j := 0; n.Like == "" && j < i; j++ {
			if news[j].Kind == n.Kind && nearlySame(news[j].ID, n.ID) {
				n.Like = news[j].ID
			}
		}
	}
}

// nearlySame reports whether two different ids differ only in case and
// separators, or by an edit or two (one for short ids). Ids that differ only
// in their numbers ("b0042" and "b0043", "ward-12" and "ward-21") are numbered
// units, not a typo: a register of numbered branches would otherwise warn of
// nearly every one.
func nearlySame(a, b string) bool {
	if a == b {
		return false
	}
	fold := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r == '.' || r == ' ' {
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	fa, fb := fold(a), fold(b)
	if fa == fb {
		return true
	}
	if noDigits(fa) == noDigits(fb) && len(noDigits(fa)) < len(fa) && len(noDigits(fb)) < len(fb) {
		return false
	}
	most := 2
	if min(len(fa), len(fb)) < 6 {
		most = 1
	}
	if min(len(fa), len(fb)) < 3 {
		return false
	}
	return editDistance(fa, fb, most) <= most
}

// editDistance is the Damerau–Levenshtein distance (with adjacent swaps) of a and
// b, or more than most once it is certain to exceed it.
func editDistance(a, b string, most int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > most || -d > most {
		return most + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func noDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
}
