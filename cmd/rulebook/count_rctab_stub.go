package main

import (
	"context"
	"errors"
)

// runRCTab is a stand-in until the RCTab-compatible tabulator (count/rctab and
// cmd/rulebook/count_rctab.go) is merged; delete this file at that merge.
func runRCTab(ctx context.Context, e *env, configPath, outDir string) error {
	return errors.New("RCTab support is not built in to this build of rulebook (count/rctab is not merged yet)")
}

func init() { rctabMissing = true }
