// Command gocount counts every BLT file in a folder with rulebook's stv-scottish
// in one process and prints, as JSON, the parse and count times and each file's
// winners as 1-based candidate positions — the Go half of bench/stv-npm/run.sh.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
	"github.com/rulebook/rulebook/count/stv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gocount DIR")
		os.Exit(2)
	}
	files, _ := filepath.Glob(filepath.Join(os.Args[1], "*.blt"))
	var names []string
	var data [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".blt"))
		data = append(data, b)
	}
	out := struct {
		ParseMS float64           `json:"parse_ms"`
		CountMS float64           `json:"count_ms"`
		Winners map[string][]int  `json:"winners"`
		Errors  map[string]string `json:"errors"`
	}{Winners: map[string][]int{}, Errors: map[string]string{}}

	t0 := time.Now()
	elections := make([]*count.Election, len(data))
	for i := range data {
		e, _, err := blt.ParseBytes(data[i], names[i]+".blt")
		if err != nil {
			out.Errors[names[i]] = err.Error()
			continue
		}
		elections[i] = e
	}
	t1 := time.Now()
	results := make([]*count.Result, len(data))
	for i, e := range elections {
		if e == nil {
			continue
		}
		r, err := stv.Scottish(e, count.Options{}, stv.Config{})
		if err != nil {
			out.Errors[names[i]] = err.Error()
			continue
		}
		results[i] = r
	}
	t2 := time.Now()
	out.ParseMS = float64(t1.Sub(t0).Microseconds()) / 1000
	out.CountMS = float64(t2.Sub(t1).Microseconds()) / 1000
	for i, r := range results {
		if r == nil {
			continue
		}
		pos := map[string]int{}
		for k, c := range elections[i].Candidates {
			pos[c] = k + 1
		}
		var w []int
		for _, c := range r.Elected {
			w = append(w, pos[c])
		}
		sort.Ints(w)
		out.Winners[names[i]] = w
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		os.Exit(1)
	}
}
