package render

import (
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// HTML writes the report as one self-contained page (no scripts, no external assets): the
// totals, a bar per day, and each view as a table.
func HTML(w io.Writer, rep *analytics.Report, opts Options) error {
	type bar struct {
		Label, Cost string
		Pct         float64
		Calls       string
	}
	type table struct {
		Title string
		Head  []string
		Left  int
		Rows  [][]string
		More  int
	}
	var bars []bar
	if daily := rep.View("daily"); daily != nil {
		top := decimal.Zero
		for _, l := range daily.Lines {
			top = decimal.Max(top, l.Cost)
		}
		for _, l := range daily.Lines {
			pct := 0.0
			if top.IsPositive() {
				pct, _ = l.Cost.Div(top).Mul(decimal.NewFromInt(100)).Float64()
			}
			bars = append(bars, bar{Label: l.Keys[0], Cost: costCell(l.Totals), Pct: pct, Calls: count(l.Calls, "call", "calls")})
		}
	}
	var tables []table
	if c := rep.Comparison; c != nil && len(c.Movers) > 0 {
		tables = append(tables, table{Title: "Biggest changes", Head: moverTitles, Left: 2, Rows: moverRows(rep)})
	}
	if len(rep.Anomalies) > 0 {
		tables = append(tables, table{Title: "Anomalies", Head: anomalyTitles, Left: 3, Rows: anomalyRows(rep)})
	}
	var lists []string
	if c := rep.Comparison; c != nil {
		if l := keyList(rep, c.New, 20); l != "" {
			lists = append(lists, "New: "+l)
		}
		if l := keyList(rep, c.Vanished, 20); l != "" {
			lists = append(lists, "Vanished: "+l)
		}
	}
	for _, v := range selectViews(rep, opts.Views, true) {
		tb := table{Title: v.Title, Left: len(v.Dims)}
		for _, d := range v.Dims {
			tb.Head = append(tb.Head, d.Title)
		}
		tb.Head = append(tb.Head, measureTitles...)
		if compared(rep) {
			tb.Head = append(tb.Head, compareTitles...)
		}
		lines, more := limit(v, opts.Top)
		tb.More = more
		for _, l := range lines {
			var cells []string
			for _, k := range displayKeys(rep, v, l) {
				cells = append(cells, orDash(k))
			}
			cells = append(cells, measureCells(l.Totals)...)
			tb.Rows = append(tb.Rows, append(cells, compareCells(l)...))
		}
		tables = append(tables, tb)
	}
	return htmlPage.Execute(w, map[string]any{
		"Period":    period(rep),
		"Source":    rep.Source,
		"Generated": rep.GeneratedAt.Format(time.RFC3339),
		"Context":   contextLines(rep),
		"Summary":   summaryLines(rep),
		"Totals":    measureCells(rep.Totals),
		"Titles":    measureTitles,
		"Bars":      bars,
		"Tables":    tables,
		"Lists":     lists,
		"Unpriced":  unpricedLines(rep),
		"Skipped":   skippedLines(rep),
		"Failures":  rep.Failures,
		"Scan":      scanLine(rep),
		"Omitted":   omittedLine(rep, opts.Views),
	})
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(f float64) template.CSS { return template.CSS(fmt.Sprintf("width:%.1f%%", f)) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Bedrock usage, {{.Period}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e1e4e8;white-space:nowrap}
th{background:#f6f8fa;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.bars td{border:none;padding:.1rem .4rem}.bar{background:#4f7cff;height:.9rem;min-width:1px}
.warn{background:#fff8c5;padding:.5rem 1rem;border-left:4px solid #d4a72c}
.fail{background:#ffebe9;padding:.5rem 1rem;border-left:4px solid #cf222e}
footer{color:#57606a;margin-top:2rem;font-size:.85rem}
</style></head><body>
<h1>Bedrock usage, {{.Period}}</h1>
<p>Source: {{.Source}}{{range .Context}}<br>{{.}}{{end}}</p>
<p>{{range .Summary}}{{.}}<br>{{end}}</p>
<table><tr>{{range .Titles}}<th class="n">{{.}}</th>{{end}}</tr><tr>{{range .Totals}}<td class="n">{{.}}</td>{{end}}</tr></table>
{{if .Unpriced}}<div class="warn"><strong>Unpriced</strong> (no price: a model the price book does not know, or an application inference profile that could not be resolved; tokens counted, no cost):<ul>{{range .Unpriced}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{range .Failures}}<div class="fail">Missing from this report: {{.}}</div>{{end}}
{{range .Lists}}<p>{{.}}</p>{{end}}
{{if .Bars}}<h2>Cost per day</h2><table class="bars">{{range .Bars}}<tr><td>{{.Label}}</td><td style="width:70%"><div class="bar" style="{{pct .Pct}}"></div></td><td class="n">{{.Cost}}</td><td class="n">{{.Calls}}</td></tr>{{end}}</table>{{end}}
{{range .Tables}}{{$left := .Left}}<h2>{{.Title}}</h2>
<table><tr>{{range $i, $h := .Head}}<th{{if ge $i $left}} class="n"{{end}}>{{$h}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if ge $i $left}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table>{{if .More}}<p>… and {{.More}} more.</p>{{end}}
{{end}}
<footer>{{if .Omitted}}{{.Omitted}}<br>{{end}}{{range .Skipped}}{{.}}<br>{{end}}{{.Scan}} · source {{.Source}} · generated {{.Generated}} by bedrock-usage</footer>
</body></html>
`))
