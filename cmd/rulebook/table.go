package main

import (
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rulebook/rulebook"
)

// table lines up columns for people (cells separated by tabs, each line ending
// in a newline): call Flush when the rows are written.
func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// row writes cells as one line of a table, with indent before the first.
func row(t io.Writer, indent string, cells ...string) {
	io.WriteString(t, indent+strings.Join(cells, "\t")+"\n")
}

// plural is n with the noun, in the singular for one.
func plural(n int, one, many string) string { return rulebook.Plural(n, one, many) }
