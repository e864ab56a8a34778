package rctab

import "fmt"

func readClearBallot(cfg *Config, src *Source, bs *ballotSet) error {
	return fmt.Errorf("clear ballot not yet supported")
}
func readHart(cfg *Config, src *Source, bs *ballotSet) error {
	return fmt.Errorf("hart not yet supported")
}
