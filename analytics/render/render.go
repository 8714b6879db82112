// Package render renders an analytics.Report: a table for terminals, CSV, the JSON contract
// bedrock-usage/report@1, Markdown for CI job summaries and pull-request comments, and a
// self-contained HTML page (also what `bedrock-usage serve` shows).
// Renderers only format; every number comes computed in the Report.
package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// Formats are the output formats, in the order --help lists them.
var Formats = []string{"table", "csv", "json", "markdown", "html"}

// Options shape the human formats (table, markdown) and CSV.
type Options struct {
	// Top limits the lines of each view in table and markdown output (0: all). Daily and
	// hourly views are never cut. JSON always carries every line.
	Top int
	// Views selects the views to show in table, markdown and CSV output, by name; empty
	// means the default set (every standard view but hourly for table and markdown; all
	// for CSV). A --group-by view is always shown.
	Views []string
	// Color lets the table use ANSI colour (the CLI sets it on a terminal, unless NO_COLOR
	// is set or TERM is dumb): headings bold, warnings yellow, failures red.
	Color bool
	// Dashboard, for HTML, makes the page the dashboard's (filter bar, script); nil for a
	// self-contained file.
	Dashboard *Dashboard
	// Width is the terminal's width in columns: the table truncates its widest text column
	// (with "…") so that lines fit, never a number. 0 means no limit (not a terminal).
	Width int
}

// Render writes rep in format.
func Render(w io.Writer, rep *analytics.Report, format string, opts Options) error {
	switch format {
	case "json":
		return JSON(w, rep)
	case "table":
		return Table(w, rep, opts)
	case "csv":
		return CSV(w, rep, opts)
	case "markdown", "md":
		return Markdown(w, rep, opts)
	case "html":
		return HTML(w, rep, opts)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// ViewNames lists the views Options.Views accepts.
func ViewNames() []string {
	var n []string
	for _, v := range analytics.StandardViews {
		n = append(n, v.Name)
	}
	return append(n, analytics.StackedView, analytics.GroupsView)
}

// selectViews picks the views to show.
func selectViews(rep *analytics.Report, names []string, human bool) []analytics.ViewResult {
	var out []analytics.ViewResult
	for _, v := range rep.Views {
		switch {
		case len(names) > 0:
			if !slices.Contains(names, v.Name) {
				continue
			}
		case v.Name == analytics.GroupsView:
		case human && (v.Name == "hourly" || quiet(v)):
			continue
		case human && rep.View(analytics.GroupsView) != nil:
			// With --group-by, the human formats focus on the grouping.
			continue
		}
		out = append(out, v)
	}
	return out
}

// quiet says whether the human formats leave a view out without naming it: the chart view
// (the dashboard draws it), and a residency view whose calls were all served where they
// were made (nothing to see).
func quiet(v analytics.ViewResult) bool {
	return v.Name == analytics.StackedView || (v.Name == analytics.ResidencyView && !crossRegion(v))
}

// crossRegion says whether a residency view has a call served outside its calling region.
func crossRegion(v analytics.ViewResult) bool {
	for _, l := range v.Lines {
		if l.Keys[0] != l.Keys[1] {
			return true
		}
	}
	return false
}

// residencyLine says how many calls were served outside their caller's geography, and
// where; "" when none were.
func residencyLine(rep *analytics.Report) string {
	v := rep.View(analytics.ResidencyView)
	if v == nil {
		return ""
	}
	var out int64
	var routes []string
	for _, l := range v.Lines {
		if l.Keys[2] == "yes" {
			out += l.Calls
			if len(routes) < 3 {
				routes = append(routes, l.Keys[0]+" → "+l.Keys[1])
			}
		}
	}
	if out == 0 {
		return ""
	}
	verb := "were"
	if out == 1 {
		verb = "was"
	}
	return fmt.Sprintf("Residency: %s of %s calls %s served outside their caller's geography (%s); see %q", num(out),
		num(rep.Totals.Calls), verb, strings.Join(routes, ", "), "Where calls were served")
}

// limit cuts a view to its top n lines, except time views.
func limit(v analytics.ViewResult, n int) ([]analytics.Line, int) {
	if n <= 0 || v.ByTime || len(v.Lines) <= n {
		return v.Lines, 0
	}
	return v.Lines[:n], len(v.Lines) - n
}
