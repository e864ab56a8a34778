package job

import (
	"errors"
	"io"
	"testing"

	"github.com/rulebook/rulebook/count/report"
)

// FuzzCount: any bytes, with any method and format, give a result the web page's
// report can render, or an error; never a panic. The seeds (testdata/fuzz/FuzzCount)
// hold one small file of each format.
func FuzzCount(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, format, name string, seats int8, threshold string, data []byte) {
		spec := Spec{Method: method, Format: format, Seats: int(seats), Threshold: threshold, Seed: 7}
		res, err := Count(spec, name, data)
		checkErr := Check(spec, name)
		var se *SpecError
		if errors.As(checkErr, &se) && (err == nil || err.Error() != checkErr.Error()) {
			t.Fatalf("Check: %v, Count: %v", checkErr, err)
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if checkErr != nil {
			t.Fatalf("Check: %v, but Count counted", checkErr)
		}
		res.Normalize()
		if err := report.WriteFragment(io.Discard, res); err != nil {
			t.Fatalf("report: %v", err)
		}
	})
}
