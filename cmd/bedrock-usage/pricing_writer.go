package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// pricingOutput is what a pricing command prints, in the three formats they share: the value
// for JSON, and one table of cells for CSV and the terminal (whose text may differ: empty
// rates are "" in CSV and "-" on a terminal, so each format has its own cells).
type pricingOutput struct {
	JSON     any
	CSVHead  []string
	CSVRows  [][]string
	TextHead []string
	TextRows [][]string
}

// writePricing writes out in format (table, json or csv).
func writePricing(w io.Writer, format string, out pricingOutput) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out.JSON)
	case "csv":
		cw := render.NewCSVWriter(w)
		cw.Write(out.CSVHead)
		for _, r := range out.CSVRows {
			cw.Write(r)
		}
		cw.Flush()
		return cw.Error()
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if len(out.TextHead) > 0 {
			fmt.Fprintln(tw, strings.Join(out.TextHead, "\t"))
		}
		for _, r := range out.TextRows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	return usageErr("--format %q: want table, json or csv", format)
}
