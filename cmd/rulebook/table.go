package main

import (
	"bytes"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rulebook/rulebook"
)

// table lines up columns for people (cells separated by tabs, each line ending
// in a newline): call Flush when the rows are written.
func table(w io.Writer) *tableWriter {
	tl := &trimLines{w: w}
	return &tableWriter{Writer: tabwriter.NewWriter(tl, 0, 0, 2, ' ', 0), lines: tl}
}

// tableWriter is a tabwriter whose lines are written without the spaces at
// their ends (the padding of a cell whose line has nothing after it).
type tableWriter struct {
	*tabwriter.Writer
	lines *trimLines
}

// Flush writes the table.
func (t *tableWriter) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	return t.lines.flush()
}

// trimLines writes each line, once whole, without the spaces at its end.
type trimLines struct {
	w   io.Writer
	buf []byte
}

func (t *trimLines) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	k := bytes.LastIndexByte(t.buf, '\n')
	if k < 0 {
		return len(p), nil
	}
	var out []byte
	for line := range bytes.Lines(t.buf[:k+1]) {
		out = append(append(out, bytes.TrimRight(line[:len(line)-1], " ")...), '\n')
	}
	t.buf = append(t.buf[:0], t.buf[k+1:]...)
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes what is left after the last line end.
func (t *trimLines) flush() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.w.Write(bytes.TrimRight(t.buf, " "))
	t.buf = t.buf[:0]
	return err
}

// row writes cells as one line of a table, with indent before the first.
func row(t io.Writer, indent string, cells ...string) {
	io.WriteString(t, indent+strings.Join(cells, "\t")+"\n")
}

// plural is n with the noun, in the singular for one.
func plural(n int, one, many string) string { return rulebook.Plural(n, one, many) }
