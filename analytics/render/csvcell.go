package render

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSVWriter writes CSV whose cells cannot act as spreadsheet formulas: a cell that begins
// with =, +, -, @, a tab or a carriage return, and is not a number, gets a leading ' (the
// OWASP advice against CSV injection). Names in a report come from the logs (role session
// names, requestMetadata values), which whoever calls Bedrock chooses.
type CSVWriter struct{ *csv.Writer }

// NewCSVWriter returns a CSVWriter on w. Every CSV the project writes goes through one.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{csv.NewWriter(w)} }

// Write writes one record, neutralising its cells.
func (w *CSVWriter) Write(rec []string) error {
	out := rec
	for i, c := range rec {
		if s := SafeCell(c); s != c {
			if &out[0] == &rec[0] {
				out = append([]string(nil), rec...)
			}
			out[i] = s
		}
	}
	return w.Writer.Write(out)
}

// SafeCell is c, with a leading ' when a spreadsheet would read it as a formula.
func SafeCell(c string) string {
	if c == "" {
		return c
	}
	switch c[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(c, 64); err == nil {
			return c // a number, such as -5 or +1.5
		}
		return "'" + c
	}
	return c
}
