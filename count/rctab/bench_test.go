package rctab

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkMinneapolisScale reads the 13 ES&S workbooks of the Minneapolis 2013
// mayoral scale case (about 1.03 million ballots), tabulates all 33 rounds and renders
// both reports.
func BenchmarkMinneapolisScale(b *testing.B) {
	cfg := filepath.Join(sharedDir, "2013_minneapolis_mayor_scale", "2013_minneapolis_mayor_scale_config.json")
	if _, err := os.Stat(cfg); err != nil {
		b.Skipf("shared data absent: %v", err)
	}
	for i := 0; i < b.N; i++ {
		if _, _, err := Count(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMinneapolisTabulate isolates the round loop over the ballots already read.
func BenchmarkMinneapolisTabulate(b *testing.B) {
	path := filepath.Join(sharedDir, "2013_minneapolis_mayor_scale", "2013_minneapolis_mayor_scale_config.json")
	cfg, err := LoadConfig(path)
	if err != nil {
		b.Skipf("shared data absent: %v", err)
	}
	ballots, _, err := readSources(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tabulate(cfg, ballots, cfg.NumberOfWinners, nil); err != nil {
			b.Fatal(err)
		}
	}
}
