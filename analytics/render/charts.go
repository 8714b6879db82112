package render

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// The charts of the HTML page are drawn here, as inline SVG, from the report's own lines:
// every mark carries the exact number it stands for (data-value, a decimal string or an
// integer, and a <title> tooltip), so what a chart shows is what the JSON report says.
// Nothing is fetched or scripted; the page stays one self-contained file.

// palette is the Okabe–Ito palette (Okabe and Ito, "Color Universal Design", 2008), safe for
// the common colour-vision deficiencies, in the order series take it; otherColour is the
// "Other" series.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"}

const otherColour = "#999999"

// MaxSeries is how many series a chart draws before it folds the rest into "Other": all
// of them up to MaxSeries+1, otherwise the MaxSeries largest by cost and "Other".
const MaxSeries = 7

// OtherSeries names the series that stands for the rest.
const OtherSeries = "Other"

// chart is one chart of the page.
type chart struct {
	ID, Title, Note string
	SVG             template.HTML
	Legend          []legendItem
}

type legendItem struct {
	Label, Colour, Value string
}

// HeatMetrics are what the weekday × hour heatmap may show.
var HeatMetrics = []string{"calls", "cost"}

// series ranks keys by cost, largest first (ties by name), and maps each to the series it
// is drawn in: itself, or OtherSeries when there are more than MaxSeries+1.
func series(costs map[string]decimal.Decimal) ([]string, map[string]string) {
	keys := make([]string, 0, len(costs))
	for k := range costs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(costs[b].Cmp(costs[a]), strings.Compare(a, b)) })
	of := map[string]string{}
	if len(keys) <= MaxSeries+1 {
		for _, k := range keys {
			of[k] = k
		}
		return keys, of
	}
	for i, k := range keys {
		if i < MaxSeries {
			of[k] = k
		} else {
			of[k] = OtherSeries
		}
	}
	return append(keys[:MaxSeries:MaxSeries], OtherSeries), of
}

func colourOf(i int, name string) string {
	if name == OtherSeries || i >= len(palette) {
		return otherColour
	}
	return palette[i]
}

// keyName is how a chart labels a key: the model's name from the book, "(none)" for an
// empty key (a caller that is not an assumed role has no application).
func keyName(rep *analytics.Report, dim, key string) string {
	if key == "" {
		return "(none)"
	}
	if name := rep.ModelNames[key]; dim == "model" && name != "" {
		return name
	}
	return key
}

func esc(s string) string { return template.HTMLEscapeString(printable(s)) }

func f64(d decimal.Decimal) float64 { f, _ := d.Float64(); return f }

// Chart geometry, in SVG user units (the SVG scales to its container's width).
const (
	chartW   = 720
	marginL  = 64
	marginR  = 12
	marginT  = 10
	marginB  = 28
	barChart = 220
)

// stackedChart is cost per day, stacked by the report's StackedView dimension.
func stackedChart(rep *analytics.Report) *chart {
	v, daily := rep.View(analytics.StackedView), rep.View("daily")
	if v == nil || daily == nil || len(daily.Lines) == 0 {
		return nil
	}
	dim := v.Dims[1].Name
	totals := map[string]decimal.Decimal{}
	for _, l := range v.Lines {
		if l.Cost.IsPositive() {
			totals[l.Keys[1]] = totals[l.Keys[1]].Add(l.Cost)
		}
	}
	names, of := series(totals)
	idx := map[string]int{}
	for i, n := range names {
		idx[n] = i
	}
	days := map[string]int{}
	for i, l := range daily.Lines {
		days[l.Keys[0]] = i
	}
	// cost[day][series]
	cost := make([][]decimal.Decimal, len(daily.Lines))
	for i := range cost {
		cost[i] = make([]decimal.Decimal, len(names))
	}
	for _, l := range v.Lines {
		d, ok := days[l.Keys[0]]
		s, priced := of[l.Keys[1]]
		if !ok || !priced {
			continue
		}
		cost[d][idx[s]] = cost[d][idx[s]].Add(l.Cost)
	}
	top := decimal.Zero
	for i := range cost {
		sum := decimal.Zero
		for _, c := range cost[i] {
			sum = sum.Add(c)
		}
		top = decimal.Max(top, sum)
	}
	h := barChart
	plotW, plotH := float64(chartW-marginL-marginR), float64(h-marginT-marginB)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="Cost per day by %s">`, chartW, h, esc(dim))
	axis(&b, top, plotH, h)
	n := len(daily.Lines)
	bw := plotW / float64(n)
	labelEvery := max(1, n/10)
	for i, l := range daily.Lines {
		x := float64(marginL) + float64(i)*bw
		y := float64(h - marginB)
		for s, c := range cost[i] {
			if !c.IsPositive() {
				continue
			}
			ht := 0.0
			if top.IsPositive() {
				ht = f64(c) / f64(top) * plotH
			}
			y -= ht
			fmt.Fprintf(&b, `<rect class="mark" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s" data-date="%s" data-key="%s" data-value="%s"><title>%s, %s: %s</title></rect>`,
				x+bw*0.1, y, bw*0.8, ht, colourOf(s, names[s]), esc(l.Keys[0]), esc(names[s]), c.String(), esc(l.Keys[0]), esc(keyName(rep, dim, names[s])), usd(c))
		}
		if i%labelEvery == 0 {
			label := l.Keys[0]
			if len(label) == len(time.DateOnly) {
				label = label[5:] // MM-DD
			}
			fmt.Fprintf(&b, `<text x="%.2f" y="%d" font-size="10" text-anchor="middle">%s</text>`, x+bw/2, h-marginB+14, esc(label))
		}
	}
	b.WriteString(`</svg>`)
	c := &chart{ID: "daily", Title: "Cost per day by " + dim, SVG: template.HTML(b.String())}
	for i, n := range names {
		val := decimal.Zero
		for d := range cost {
			val = val.Add(cost[d][i])
		}
		c.Legend = append(c.Legend, legendItem{Label: keyName(rep, dim, n), Colour: colourOf(i, n), Value: usd(val)})
	}
	if len(names) == 0 {
		c.Note = "No priced cost in the period."
	}
	return c
}

// axis draws the y axis of a cost chart: 0, half and the top, as money.
func axis(b *strings.Builder, top decimal.Decimal, plotH float64, h int) {
	base := float64(h - marginB)
	for _, frac := range []float64{0, 0.5, 1} {
		y := base - frac*plotH
		v := top.Mul(decimal.NewFromFloat(frac))
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.2f" y2="%.2f" stroke="#d0d7de" stroke-width="1"/>`, marginL, chartW-marginR, y, y)
		fmt.Fprintf(b, `<text x="%d" y="%.2f" font-size="10" text-anchor="end">%s</text>`, marginL-6, y+3, usd(v))
	}
}

// heatChart is the weekday × hour heatmap of calls or cost, in the report's time zone, from
// its hourly lines (each UTC hour counts on the weekday and hour its start falls on).
func heatChart(rep *analytics.Report, metric string) *chart {
	v := rep.View("hourly")
	if v == nil {
		return nil
	}
	if metric != "cost" {
		metric = "calls"
	}
	loc := rep.Location
	if loc == nil {
		loc = time.UTC
	}
	var cells [7][24]decimal.Decimal // Monday first
	for _, l := range v.Lines {
		t, err := time.Parse("2006-01-02T15:04Z", l.Keys[0])
		if err != nil {
			continue
		}
		t = t.In(loc)
		wd := (int(t.Weekday()) + 6) % 7
		val := decimal.NewFromInt(l.Calls)
		if metric == "cost" {
			val = l.Cost
		}
		cells[wd][t.Hour()] = cells[wd][t.Hour()].Add(val)
	}
	top := decimal.Zero
	for _, row := range cells {
		for _, c := range row {
			top = decimal.Max(top, c)
		}
	}
	const cw, ch, left, topM = 26, 20, 40, 18
	w, h := left+24*cw+4, topM+7*ch+4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="%s by weekday and hour">`, w, h, metric)
	for hr := 0; hr < 24; hr += 3 {
		fmt.Fprintf(&b, `<text x="%d" y="12" font-size="10" text-anchor="middle">%02d</text>`, left+hr*cw+cw/2, hr)
	}
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	for d, row := range cells {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="end">%s</text>`, left-6, topM+d*ch+14, days[d])
		for hr, c := range row {
			op := 0.0
			if top.IsPositive() {
				op = f64(c) / f64(top)
			}
			label := num(c.IntPart()) + " calls"
			if metric == "cost" {
				label = usd(c)
			}
			fmt.Fprintf(&b, `<rect class="mark" x="%d" y="%d" width="%d" height="%d" fill="#0072B2" fill-opacity="%.3f" stroke="#eaeef2" data-day="%s" data-hour="%d" data-value="%s"><title>%s %02d:00: %s</title></rect>`,
				left+hr*cw, topM+d*ch, cw-1, ch-1, 0.06+0.94*op, days[d], hr, c.String(), days[d], hr, label)
		}
	}
	b.WriteString(`</svg>`)
	title := "Calls by weekday and hour"
	if metric == "cost" {
		title = "Cost by weekday and hour"
	}
	return &chart{ID: "heatmap", Title: title + " (" + loc.String() + ")", SVG: template.HTML(b.String())}
}

// shareChart is the share of cost by the key of a one-dimension view (by_model, by_region),
// as one bar of slices.
func shareChart(rep *analytics.Report, view, id, title string) *chart {
	v := rep.View(view)
	if v == nil {
		return nil
	}
	dim := v.Dims[0].Name
	costs := map[string]decimal.Decimal{}
	total := decimal.Zero
	for _, l := range v.Lines {
		if l.Cost.IsPositive() {
			costs[l.Keys[0]] = costs[l.Keys[0]].Add(l.Cost)
			total = total.Add(l.Cost)
		}
	}
	names, of := series(costs)
	vals := make([]decimal.Decimal, len(names))
	for k, c := range costs {
		vals[slices.Index(names, of[k])] = vals[slices.Index(names, of[k])].Add(c)
	}
	const h = 44
	plotW := float64(chartW - 2*marginR)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, h, esc(title))
	x := float64(marginR)
	c := &chart{ID: id, Title: title}
	for i, n := range names {
		wd := f64(vals[i]) / f64(total) * plotW
		pct := vals[i].Mul(decimal.NewFromInt(100)).DivRound(total, 1)
		fmt.Fprintf(&b, `<rect class="mark" x="%.2f" y="6" width="%.2f" height="32" fill="%s" data-key="%s" data-value="%s"><title>%s: %s (%s%%)</title></rect>`,
			x, wd, colourOf(i, n), esc(n), vals[i].String(), esc(keyName(rep, dim, n)), usd(vals[i]), pct.StringFixed(1))
		x += wd
		c.Legend = append(c.Legend, legendItem{Label: keyName(rep, dim, n), Colour: colourOf(i, n), Value: usd(vals[i]) + " · " + pct.StringFixed(1) + "%"})
	}
	b.WriteString(`</svg>`)
	if len(names) == 0 {
		c.Note = "No priced cost in the period."
	}
	c.SVG = template.HTML(b.String())
	return c
}

// barItem is one bar of a bar chart.
type barItem struct {
	Label string
	Value decimal.Decimal
	Text  string // the value as shown
}

// barsChart draws horizontal bars, longest first as given.
func barsChart(id, title string, items []barItem) *chart {
	const w, rowH, labelW = 520, 22, 190
	h := len(items)*rowH + 8
	top := decimal.Zero
	for _, it := range items {
		top = decimal.Max(top, it.Value)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, esc(title))
	plotW := float64(w - labelW - 130)
	for i, it := range items {
		y := 4 + i*rowH
		wd := 0.0
		if top.IsPositive() {
			wd = f64(it.Value) / f64(top) * plotW
		}
		label := it.Label
		if r := []rune(label); len(r) > 30 {
			label = string(r[:29]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>`, labelW-6, y+14, esc(label))
		fmt.Fprintf(&b, `<rect class="mark" x="%d" y="%d" width="%.2f" height="%d" fill="%s" data-key="%s" data-value="%s"><title>%s: %s</title></rect>`,
			labelW, y+2, wd, rowH-6, palette[0], esc(it.Label), it.Value.String(), esc(it.Label), esc(it.Text))
		fmt.Fprintf(&b, `<text x="%.2f" y="%d" font-size="12">%s</text>`, float64(labelW)+wd+6, y+14, esc(it.Text))
	}
	b.WriteString(`</svg>`)
	c := &chart{ID: id, Title: title, SVG: template.HTML(b.String())}
	if len(items) == 0 {
		c.Note = "No priced cost in the period."
	}
	return c
}

// TopBars is how many bars the top applications and users charts draw.
const TopBars = 10

// topCharts are the top applications (their application × user lines summed) and the top
// users (application × user lines), by cost.
func topCharts(rep *analytics.Report) []*chart {
	v := rep.View("by_app_user")
	if v == nil {
		return nil
	}
	apps := map[string]decimal.Decimal{}
	var users []barItem
	for _, l := range v.Lines {
		if !l.Cost.IsPositive() {
			continue
		}
		if l.Keys[0] != "" {
			apps[l.Keys[0]] = apps[l.Keys[0]].Add(l.Cost)
		}
		label := l.Keys[1]
		if l.Keys[0] != "" {
			label += " (" + l.Keys[0] + ")"
		}
		users = append(users, barItem{Label: label, Value: l.Cost, Text: usd(l.Cost)})
	}
	slices.SortStableFunc(users, func(a, b barItem) int { return cmp.Or(b.Value.Cmp(a.Value), strings.Compare(a.Label, b.Label)) })
	var appItems []barItem
	for a, c := range apps {
		appItems = append(appItems, barItem{Label: a, Value: c, Text: usd(c)})
	}
	slices.SortFunc(appItems, func(a, b barItem) int { return cmp.Or(b.Value.Cmp(a.Value), strings.Compare(a.Label, b.Label)) })
	return []*chart{
		barsChart("top-apps", "Top applications by cost", appItems[:min(TopBars, len(appItems))]),
		barsChart("top-users", "Top users by cost", users[:min(TopBars, len(users))]),
	}
}

// tokenChart is the report's tokens by kind.
func tokenChart(rep *analytics.Report) *chart {
	t := rep.Totals
	var items []barItem
	for _, k := range []struct {
		name string
		n    int64
	}{{"Input", t.InputTokens}, {"Output", t.OutputTokens}, {"Cache read", t.CacheReadTokens}, {"Cache write", t.CacheWriteTokens}} {
		items = append(items, barItem{Label: k.name, Value: decimal.NewFromInt(k.n), Text: num(k.n) + " tokens"})
	}
	c := barsChart("tokens", "Tokens by kind", items)
	c.Note = ""
	return c
}

// charts are the page's charts, in order; heat is the heatmap's metric.
func charts(rep *analytics.Report, heat string) []*chart {
	var out []*chart
	add := func(c *chart) {
		if c != nil {
			out = append(out, c)
		}
	}
	add(stackedChart(rep))
	add(heatChart(rep, heat))
	add(shareChart(rep, "by_model", "models", "Share of cost by model"))
	add(shareChart(rep, "by_region", "regions", "Share of cost by region"))
	for _, c := range topCharts(rep) {
		add(c)
	}
	add(tokenChart(rep))
	return out
}
