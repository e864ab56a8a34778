package main

import (
	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/blt"
	_ "github.com/rulebook/rulebook/count/stv" // registers the STV methods
)

func init() {
	parseBLT = func(path string) (*count.Election, error) {
		e, x, err := blt.ParseFileExtra(path)
		if err != nil {
			return nil, err
		}
		e.TieOrder = x.TieOrder // Droop's [tie] option, honoured by the STV methods
		return e, nil
	}
}
