package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rulebook/rulebook/count/rctab"
)

// runRCTab counts the contest described by an RCTab configuration file and writes
// RCTab's detailed reports (<stem>_detailed_report.json and .csv, one pair per pass for
// multi-pass IRV; by-precinct/by-batch reports and CDF cast vote records when the config
// asks for them) into outDir, or the config's outputDirectory when outDir is empty. It
// prints the paths written. Nothing is written unless the whole count succeeds. The
// clock is read here, not in the counting library, for the CDF GeneratedDate.
func runRCTab(ctx context.Context, e *env, configPath, outDir string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	written, err := rctab.Run(configPath, outDir, rctab.Options{Generated: time.Now()})
	if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintln(e.stdout, p)
	}
	return nil
}
