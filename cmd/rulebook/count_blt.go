package main

import (
	"os"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/job"
)

func init() {
	parseBLT = func(path string) (*count.Election, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return job.ReadElection("blt", path, data) // keeps Droop's [tie] order for the STV rules
	}
}
