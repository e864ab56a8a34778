// Package examples holds the example rule books shipped with rulebook, embedded so
// that `rulebook serve --demo` needs no files beside the binary.
package examples

import "embed"

// FS holds every *.yaml rule book in this directory.
//
//go:embed *.yaml
var FS embed.FS

// Labour is the file name of the rule book modelled on the UK Labour Party's, used by
// the demo.
const Labour = "labour-2016.yaml"
