package count

import (
	"cmp"
	"slices"
	"strings"
)

// Renamed returns a copy of r with each candidate c named name(c) wherever the
// result names them: its lists, tallies, shares and parties, the awards, the
// tie-breaks, and — where it stands as a word of its own — the rounds' actions,
// the notes and the warnings. A count run over ids (a selection's members) is
// so shown by name without being counted again.
func (r *Result) Renamed(name func(string) string) *Result {
	out := *r
	to := make(map[string]string, len(r.Candidates))
	for _, c := range r.Candidates {
		to[c] = name(c)
	}
	one := func(c string) string {
		if n, ok := to[c]; ok {
			return n
		}
		return c
	}
	list := func(cs []string) []string { return mapStrings(cs, one) }
	keyed := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		o := make(map[string]string, len(m))
		for k, v := range m {
			o[one(k)] = v
		}
		return o
	}
	// Longest first, so that of two candidates one of whose names starts the
	// other's, the longer is found.
	byLength := slices.SortedFunc(func(yield func(string) bool) {
		for c := range to {
			if !yield(c) {
				return
			}
		}
	}, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	text := func(s string) string { return renameWords(s, byLength, to) }
	texts := func(ss []string) []string { return mapStrings(ss, text) }

	out.Candidates, out.Elected, out.Shares = list(r.Candidates), list(r.Elected), keyed(r.Shares)
	if r.Parties != nil {
		out.Parties = make(map[string]string, len(r.Parties))
		for k, v := range r.Parties {
			out.Parties[one(k)] = v
		}
	}
	if r.Rounds != nil {
		out.Rounds = make([]Round, len(r.Rounds))
		for i, rd := range r.Rounds {
			rd.Action = text(rd.Action)
			rd.Tally, rd.Transfers, rd.Elected, rd.Eliminated = keyed(rd.Tally), keyed(rd.Transfers), list(rd.Elected), list(rd.Eliminated)
			out.Rounds[i] = rd
		}
	}
	if r.Awards != nil {
		out.Awards = make([]Award, len(r.Awards))
		for i, a := range r.Awards {
			a.Candidate, a.Skipped = one(a.Candidate), list(a.Skipped)
			out.Awards[i] = a
		}
	}
	if r.TieBreaks != nil {
		out.TieBreaks = make([]TieBreak, len(r.TieBreaks))
		for i, t := range r.TieBreaks {
			t.Tied, t.Chosen = list(t.Tied), one(t.Chosen)
			out.TieBreaks[i] = t
		}
	}
	out.Notes, out.Warnings = texts(r.Notes), texts(r.Warnings)
	return &out
}

// mapStrings is f of each of ss, nil for nil.
func mapStrings(ss []string, f func(string) string) []string {
	if ss == nil {
		return nil
	}
	o := make([]string, len(ss))
	for i, s := range ss {
		o[i] = f(s)
	}
	return o
}

// renameWords replaces each of names (longest first) in s by to[name] where it
// stands as a word of its own: not run on from a letter, digit or underscore
// either side.
func renameWords(s string, names []string, to map[string]string) string {
	var b strings.Builder
	at := 0 // s[:at] is in b
	for i := 0; i < len(s); i++ {
		if i > 0 && isWordByte(s[i-1]) {
			continue
		}
		for _, n := range names {
			if n != "" && strings.HasPrefix(s[i:], n) && (i+len(n) == len(s) || !isWordByte(s[i+len(n)])) {
				b.WriteString(s[at:i])
				b.WriteString(to[n])
				i += len(n) - 1
				at = i + 1
				break
			}
		}
	}
	if at == 0 {
		return s
	}
	b.WriteString(s[at:])
	return b.String()
}

// isWordByte is true of the bytes of letters, digits and underscores (any byte
// of a character beyond ASCII counts as a letter's).
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
