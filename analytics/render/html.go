package render

import (
	"html/template"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// Dashboard makes the HTML page the dashboard's (`serve`): a filter bar that is a plain GET
// form (it works without script) holding the request's values, preset periods, download
// links with the same filters, and the script that updates the page in place. Without it
// the page is one self-contained file (`--format html`) whose filters are static text.
type Dashboard struct {
	// Values are the request's query parameters.
	Values url.Values
	// Script is the path of the page's script (served by the dashboard, same origin).
	Script string
}

// Presets are the periods the dashboard's filter bar offers as one click: label and since.
var Presets = []struct{ Label, Since string }{
	{"24h", "24h"}, {"7d", "7d"}, {"30d", "30d"}, {"This month", "this-month"}, {"Last month", "last-month"},
}

// filterFields are the text fields of the filter bar: parameter, label, datalist.
var filterFields = []struct{ Name, Label, List string }{
	{"since", "From", ""}, {"until", "To", ""}, {"region", "Region", "dl-region"}, {"app", "Application", "dl-app"},
	{"user", "User", "dl-user"}, {"model", "Model", "dl-model"}, {"group-by", "Group by", "dl-dims"},
}

// carried are the parameters the filter bar keeps as they are (hidden fields).
var carried = []string{"timezone", "top", "collapse-sessions", "anomaly-threshold", "anomaly-min-cost"}

// HTML writes the report as one page: the totals, charts (inline SVG: cost per day stacked,
// a weekday × hour heatmap, shares by model and region, top applications and users, tokens
// by kind) and each view as a table; with opts.Dashboard, the dashboard's filter bar too.
// It loads nothing from the network.
func HTML(w io.Writer, rep *analytics.Report, opts Options) error {
	type table struct {
		ID, Title string
		Head      []string
		Left      int
		Rows      [][]string
		More      int
	}
	var tables []table
	if c := rep.Comparison; c != nil && len(c.Movers) > 0 {
		tables = append(tables, table{ID: "movers", Title: "Biggest changes", Head: moverTitles, Left: 2, Rows: moverRows(rep)})
	}
	if len(rep.Anomalies) > 0 {
		tables = append(tables, table{ID: "anomalies", Title: "Anomalies", Head: anomalyTitles, Left: 3, Rows: anomalyRows(rep)})
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
		tb := table{ID: v.Name, Title: v.Title, Left: len(v.Dims)}
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
	heat := "calls"
	stack := "app"
	if v := rep.View(analytics.StackedView); v != nil {
		stack = v.Dims[1].Name
	}
	data := map[string]any{
		"Period":    period(rep),
		"Source":    rep.Source,
		"Generated": rep.GeneratedAt.Format(time.RFC3339),
		"Context":   contextLines(rep),
		"Summary":   summaryLines(rep),
		"Totals":    measureCells(rep.Totals),
		"Titles":    measureTitles,
		"Tables":    tables,
		"Lists":     lists,
		"Unpriced":  unpricedLines(rep),
		"Skipped":   skippedLines(rep),
		"Failures":  rep.Failures,
		"Scan":      scanLine(rep),
		"Omitted":   omittedLine(rep, opts.Views),
		"Cost":      usd(rep.Totals.Cost),
		"CostValue": rep.Totals.Cost.String(),
		"AllCost":   usd(rep.Totals.TotalCost()),
		"Calls":     num(rep.Totals.Calls),
		"CallsN":    rep.Totals.Calls,
		"Tokens":    num(rep.Totals.Tokens()),
	}
	if d := opts.Dashboard; d != nil {
		heat = d.Values.Get("heat")
		if s := d.Values.Get("stack"); s != "" {
			stack = s
		}
		data["Form"] = dashboardForm(rep, d, stack, heat)
		data["Script"] = d.Script
	} else {
		data["Static"] = "Stacked by " + stack + "; heatmap of calls"
	}
	data["Charts"] = charts(rep, heat)
	data["Style"] = template.CSS(pageStyle)
	return htmlPage.Execute(w, data)
}

// form is what the filter bar's template needs.
type form struct {
	Fields []field
	Hidden []hidden
	Stack  []option
	Heat   []option
	// Compare and Anomalies are the check boxes' states.
	Compare, Anomalies bool
	Presets            []link
	Downloads          []link
	Lists              map[string][]string
}

type field struct{ Name, Label, List, Value, Placeholder string }
type hidden struct{ Name, Value string }
type option struct {
	Value    string
	Selected bool
}
type link struct{ Label, Href string }

// dashboardForm builds the filter bar from the request's values and the report's keys.
func dashboardForm(rep *analytics.Report, d *Dashboard, stack, heat string) form {
	v := d.Values
	f := form{Compare: v.Get("compare") == "previous", Anomalies: rep.Detection != nil}
	loc := rep.Location
	if loc == nil {
		loc = time.UTC
	}
	placeholders := map[string]string{
		"since": rep.Since.In(loc).Format("2006-01-02 15:04"), "until": rep.Until.In(loc).Format("2006-01-02 15:04"),
		"region": "all", "app": "all", "user": "all", "model": "all", "group-by": "app,metadata.team",
	}
	for _, ff := range filterFields {
		f.Fields = append(f.Fields, field{Name: ff.Name, Label: ff.Label, List: ff.List, Value: strings.Join(v[ff.Name], ","), Placeholder: placeholders[ff.Name]})
	}
	for _, name := range carried {
		for _, val := range v[name] {
			f.Hidden = append(f.Hidden, hidden{name, val})
		}
	}
	for _, s := range analytics.StackDims {
		f.Stack = append(f.Stack, option{s, s == stack})
	}
	if heat == "" {
		heat = "calls"
	}
	for _, h := range HeatMetrics {
		f.Heat = append(f.Heat, option{h, h == heat})
	}
	for _, p := range Presets {
		q := cloneValues(v)
		q.Set("since", p.Since)
		q.Del("until")
		f.Presets = append(f.Presets, link{p.Label, "?" + q.Encode()})
	}
	for _, dl := range []struct{ label, path string }{{"CSV", "/report.csv"}, {"JSON", "/report.json"}, {"Markdown", "/report.md"}} {
		href := dl.path
		if enc := v.Encode(); enc != "" {
			href += "?" + enc
		}
		f.Downloads = append(f.Downloads, link{dl.label, href})
	}
	keys := func(view string, i int) []string {
		var out []string
		if vr := rep.View(view); vr != nil {
			for _, l := range vr.Lines {
				if k := l.Keys[i]; k != "" && !slices.Contains(out, k) && len(out) < 200 {
					out = append(out, k)
				}
			}
		}
		return out
	}
	f.Lists = map[string][]string{
		"dl-region": keys("by_region", 0), "dl-app": keys("by_app_user", 0), "dl-user": keys("by_app_user", 1),
		"dl-model": keys("by_model", 0), "dl-dims": analytics.DimensionNames(),
	}
	return f
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// pageStyle is the style sheet of every HTML page (the report, the dashboard, reconcile).
const pageStyle = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#fff}
#page{max-width:1200px;margin:0 auto;padding:1.5rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.6rem 0 .4rem}
.meta{color:#57606a;margin:.2rem 0 .8rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0}
.scroll{overflow-x:auto}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e1e4e8;white-space:nowrap}
th{background:#f6f8fa;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.warn{background:#fff8c5;padding:.5rem 1rem;border-left:4px solid #d4a72c;margin:.5rem 0}
.fail{background:#ffebe9;padding:.5rem 1rem;border-left:4px solid #cf222e;margin:.5rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:.8rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}
.card span{color:#57606a;font-size:.85rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:1rem}
figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.6rem}
figcaption{font-weight:600;margin-bottom:.3rem}
svg{width:100%;height:auto;display:block}svg text{fill:#1b1f24;font-family:inherit}
.legend{list-style:none;padding:0;margin:.4rem 0 0;display:flex;flex-wrap:wrap;gap:.2rem .9rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem;border-radius:2px}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.7rem;margin:.6rem 0}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:#57606a}
form.filters input[type=text],form.filters select{box-sizing:border-box;font:inherit;padding:.25rem .4rem;border:1px solid #d0d7de;border-radius:4px;min-width:7.5rem;max-width:12rem}
form.filters .check{flex-direction:row;align-items:center;gap:.3rem}
form.filters button{font:inherit;padding:.3rem .9rem;border-radius:4px;border:1px solid #0969da;background:#0969da;color:#fff}
nav a{margin-right:.7rem}
body[data-loading] #page{opacity:.6}
footer{color:#57606a;margin-top:2rem;font-size:.85rem}
@media (max-width:600px){#page{padding:.8rem}form.filters input[type=text],form.filters select{max-width:none;width:100%}form.filters label{flex:1 1 45%}}
`

var htmlPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Bedrock usage, {{.Period}}</title>
<style>
{{.Style}}</style></head><body>
<div id="page">
<h1>Bedrock usage, {{.Period}}</h1>
<p class="meta">Source: {{.Source}}{{range .Context}}<br>{{.}}{{end}}</p>
{{with .Form}}<form class="filters" id="filters" method="get" action="">
{{range .Fields}}<label>{{.Label}}<input type="text" name="{{.Name}}" id="f-{{.Name}}" value="{{.Value}}" placeholder="{{.Placeholder}}"{{if .List}} list="{{.List}}"{{end}} autocomplete="off"></label>
{{end}}<label>Stack by<select name="stack" id="f-stack">{{range .Stack}}<option{{if .Selected}} selected{{end}}>{{.Value}}</option>{{end}}</select></label>
<label>Heatmap<select name="heat" id="f-heat">{{range .Heat}}<option{{if .Selected}} selected{{end}}>{{.Value}}</option>{{end}}</select></label>
<label class="check"><input type="checkbox" name="compare" value="previous" id="f-compare"{{if .Compare}} checked{{end}}>vs previous</label>
<label class="check"><input type="checkbox" name="anomalies" value="1" id="f-anomalies"{{if .Anomalies}} checked{{end}}>anomalies</label>
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<button type="submit" id="f-apply">Apply</button>
{{range $id, $vals := .Lists}}<datalist id="{{$id}}">{{range $vals}}<option value="{{.}}">{{end}}</datalist>{{end}}
</form>
<nav class="presets" id="presets">Period: {{range .Presets}}<a href="{{.Href}}" data-nav>{{.Label}}</a>{{end}}</nav>
<nav class="downloads" id="downloads">Download: {{range .Downloads}}<a href="{{.Href}}">{{.Label}}</a>{{end}}</nav>
{{end}}{{with .Static}}<p class="meta">{{.}}</p>{{end}}
<main id="report">
<div class="cards">
<div class="card"><span>Cost (models)</span><b id="total-cost" data-value="{{.CostValue}}">{{.Cost}}</b></div>
<div class="card"><span>With guardrails</span><b>{{.AllCost}}</b></div>
<div class="card"><span>Calls</span><b id="total-calls" data-value="{{.CallsN}}">{{.Calls}}</b></div>
<div class="card"><span>Tokens</span><b>{{.Tokens}}</b></div>
</div>
<p>{{range .Summary}}{{.}}<br>{{end}}</p>
<div class="scroll"><table><tr>{{range .Titles}}<th class="n">{{.}}</th>{{end}}</tr><tr>{{range .Totals}}<td class="n">{{.}}</td>{{end}}</tr></table></div>
{{if .Unpriced}}<details class="warn"{{if le (len .Unpriced) 3}} open{{end}}><summary><strong>Unpriced: {{len .Unpriced}} model{{if gt (len .Unpriced) 1}}s{{end}} or profile{{if gt (len .Unpriced) 1}}s{{end}}</strong> (no price: a model the price book does not know, or an application inference profile that could not be resolved; tokens counted, no cost)</summary><ul>{{range .Unpriced}}<li>{{.}}</li>{{end}}</ul></details>{{end}}
{{range .Failures}}<div class="fail">Missing from this report: {{.}}</div>{{end}}
{{range .Lists}}<p>{{.}}</p>{{end}}
<div class="charts">{{range .Charts}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}{{with .Note}}<p class="meta">{{.}}</p>{{end}}{{with .Legend}}<ul class="legend">{{range .}}<li><i style="background:{{.Colour}}"></i>{{.Label}} {{.Value}}</li>{{end}}</ul>{{end}}</figure>
{{end}}</div>
{{range .Tables}}{{$left := .Left}}<h2 id="v-{{.ID}}">{{.Title}}</h2>
<div class="scroll"><table><tr>{{range $i, $h := .Head}}<th{{if ge $i $left}} class="n"{{end}}>{{$h}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if ge $i $left}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table></div>{{if .More}}<p>… and {{.More}} more.</p>{{end}}
{{end}}
</main>
<footer>{{if .Omitted}}{{.Omitted}}<br>{{end}}{{range .Skipped}}{{.}}<br>{{end}}{{.Scan}} · source {{.Source}} · generated {{.Generated}} by bedrock-usage</footer>
</div>
{{with .Script}}<script src="{{.}}"></script>{{end}}
</body></html>
`))
