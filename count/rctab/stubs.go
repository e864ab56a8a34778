package rctab

import "fmt"

func readHart(cfg *Config, src *Source, bs *ballotSet) error {
	return fmt.Errorf("hart not yet supported")
}
