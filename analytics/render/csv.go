package render

import (
	"io"
	"slices"
	"strconv"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// CSV writes the totals and the selected views as one table in long form: a "view" column
// ("totals" for the first row), one column per dimension used by any selected view (empty
// where a view does not have it), then the measures. Costs are exact decimals.
func CSV(w io.Writer, rep *analytics.Report, opts Options) error {
	views := selectViews(rep, opts.Views, false)
	var cols []string
	for _, v := range views {
		for _, d := range v.Dims {
			if !slices.Contains(cols, d.Name) {
				cols = append(cols, d.Name)
			}
		}
	}
	cw := NewCSVWriter(w)
	head := append([]string{"view"}, cols...)
	for _, c := range analytics.MeasureColumns() {
		head = append(head, c.Name)
	}
	head = append(head, "cost_usd", "unpriced_calls", "guardrail_cost_usd")
	folded := rep.Collapsed != nil // the column is there when the users were folded
	if folded {
		head = append(head, "folded_sessions")
	}
	compared := rep.Comparison != nil // the baseline columns are there when compared
	if compared {
		head = append(head, "cost_usd_baseline", "cost_usd_delta", "cost_change_pct", "calls_baseline", "calls_delta")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	totals := analytics.Line{Totals: rep.Totals}
	if compared {
		totals.Baseline = &rep.Comparison.Totals
	}
	all := append([]analytics.ViewResult{{View: analytics.View{Name: "totals"}, Lines: []analytics.Line{totals}}}, views...)
	for _, v := range all {
		for _, l := range v.Lines {
			rec := make([]string, 0, len(head))
			rec = append(rec, v.Name)
			for _, c := range cols {
				val := ""
				for j, d := range v.Dims {
					if d.Name == c {
						val = l.Keys[j]
					}
				}
				rec = append(rec, val)
			}
			for _, c := range analytics.MeasureColumns() {
				rec = append(rec, i64(l.Value(c)))
			}
			cost := l.Cost.String()
			if allUnpriced(l.Totals) {
				cost = "" // unpriced, not free
			}
			rec = append(rec, cost, i64(l.UnpricedCalls), l.GuardrailCost.String())
			if folded && v.Name != "totals" {
				rec = append(rec, i64(l.Sessions))
			} else if folded {
				rec = append(rec, "") // the totals fold nothing
			}
			if compared {
				if b := l.Baseline; b != nil {
					pct := ""
					if p, ok := analytics.ChangePercent(b.Cost, l.Cost); ok {
						pct = p.StringFixed(2)
					}
					rec = append(rec, b.Cost.String(), l.Cost.Sub(b.Cost).String(), pct, i64(b.Calls), i64(l.Calls-b.Calls))
				} else {
					rec = append(rec, "", "", "", "", "")
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
