package count

// Normalize replaces nil lists and maps that the JSON form promises with empty ones, so
// that `elected`, `candidates`, `rounds` and each round's `tally` are never null.
func (r *Result) Normalize() {
	if r.Elected == nil {
		r.Elected = []string{}
	}
	if r.Candidates == nil {
		r.Candidates = []string{}
	}
	if r.Rounds == nil {
		r.Rounds = []Round{}
	}
	for i := range r.Rounds {
		if r.Rounds[i].Tally == nil {
			r.Rounds[i].Tally = map[string]string{}
		}
	}
}
