package rctab

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Report is one output file.
type Report struct {
	Name string
	Data []byte
}

// Options are inputs of a count that are not in the configuration.
type Options struct {
	// Generated is written as the GeneratedDate of CDF output (omitted when zero); the
	// package never reads the clock itself.
	Generated time.Time
}

// Count loads an RCTab configuration, reads its cast vote records, tabulates, and
// returns the reports RCTab would write, without writing them: the detailed report
// (JSON and CSV; one pair per pass, numbered from 1, for multiPassIrv), per-precinct and
// per-batch reports when configured, and the CDF cast vote records when
// generateCdfJson is set.
func Count(configPath string) ([]Report, []*Outcome, error) { return CountWith(configPath, Options{}) }

// CountWith is Count with options.
func CountWith(configPath string, opts Options) ([]Report, []*Outcome, error) {
	return CountFS(osFiles{}, configPath, opts)
}

// CountFS is CountWith for a configuration read from fsys, with the cast vote records
// it names read from fsys too (see LoadConfigFS). fsys must allow concurrent reads,
// as fstest.MapFS and os.DirFS do: sources are read in parallel. Outcome.Result gives
// a pass's count in the shared count.Result form.
func CountFS(fsys fs.FS, configName string, opts Options) ([]Report, []*Outcome, error) {
	cfg, err := LoadConfigFS(fsys, configName)
	if err != nil {
		return nil, nil, err
	}
	ballots, order, err := readSources(cfg)
	if err != nil {
		return nil, nil, err
	}
	stem := reportStem(cfg.base(configName))
	var reports []Report
	var outcomes []*Outcome
	if cfg.Mode == modeMultiPass {
		excluded := map[string]bool{}
		for pass := 1; pass <= cfg.NumberOfWinners; pass++ {
			o, err := tabulate(cfg, ballots, 1, excluded)
			if err != nil {
				return nil, nil, fmt.Errorf("pass %d: %w", pass, err)
			}
			if len(o.winnerOrder) != 1 {
				return nil, nil, fmt.Errorf("pass %d: expected exactly one winner, found %d", pass, len(o.winnerOrder))
			}
			s := stem + "_" + strconv.Itoa(pass)
			reports = append(reports, Report{s + "_detailed_report.json", o.DetailedJSON()}, Report{s + "_detailed_report.csv", o.DetailedCSV()})
			reports = append(reports, o.sliceReports(s)...)
			if cfg.GenerateCdfJSON {
				reports = append(reports, Report{s + "_cdf_cvr.json", o.cdfJSON(order, opts.Generated)})
			}
			outcomes = append(outcomes, o)
			excluded[o.names[o.winnerOrder[0]]] = true
		}
	} else {
		o, err := tabulate(cfg, ballots, cfg.NumberOfWinners, nil)
		if err != nil {
			return nil, nil, err
		}
		reports = append(reports, Report{stem + "_detailed_report.json", o.DetailedJSON()}, Report{stem + "_detailed_report.csv", o.DetailedCSV()})
		reports = append(reports, o.sliceReports(stem)...)
		if cfg.GenerateCdfJSON {
			reports = append(reports, Report{stem + "_cdf_cvr.json", o.cdfJSON(order, opts.Generated)})
		}
		outcomes = append(outcomes, o)
	}
	return reports, outcomes, nil
}

// Run counts the contest configured at configPath and writes its reports into outDir
// (when empty, the config's outputDirectory, relative to the config file). Nothing is
// written unless the whole count succeeds.
func Run(configPath, outDir string, opts Options) ([]string, error) {
	reports, outcomes, err := CountWith(configPath, opts)
	if err != nil {
		return nil, err
	}
	if outDir == "" {
		cfg := outcomes[0].cfg
		outDir = cfg.OutputDirectory
		if outDir == "" {
			outDir = "."
		}
		if !filepath.IsAbs(outDir) {
			outDir = filepath.Join(cfg.Dir, outDir)
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, r := range reports {
		p := filepath.Join(outDir, filepath.FromSlash(r.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(p, r.Data, 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

// reportStem is the config file name without "_config.json" (or ".json").
func reportStem(configPath string) string {
	b := filepath.Base(configPath)
	if s, ok := strings.CutSuffix(b, "_config.json"); ok {
		return s
	}
	return strings.TrimSuffix(b, filepath.Ext(b))
}
