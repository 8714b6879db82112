package render

import (
	"bufio"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// JSON writes the report as the documented contract "bedrock-usage/report@1" (see the
// README): costs are decimal strings, times RFC 3339 UTC, keys in a fixed order.
//
// It is written as it is built, indented, through one buffer: a report of a million users is
// never held twice in memory.
func JSON(w io.Writer, rep *analytics.Report) error {
	b := obj{w: bufio.NewWriterSize(w, 64<<10)}
	b.open()
	b.str("schema", analytics.ReportSchema)
	b.str("generated_at", rep.GeneratedAt.Format(time.RFC3339))
	b.str("source", rep.Source)
	b.str("engine", rep.Scan.Engine)
	b.key("period")
	b.open()
	b.str("since", rep.Since.UTC().Format(time.RFC3339))
	b.str("until", rep.Until.UTC().Format(time.RFC3339))
	tz := "UTC"
	if rep.Location != nil {
		tz = rep.Location.String()
	}
	b.str("time_zone", tz)
	b.close()
	f := rep.Filters
	b.key("filters")
	b.open()
	for _, l := range []struct {
		name string
		vals []string
	}{{"regions", f.Regions}, {"apps", f.Apps}, {"users", f.Users}, {"models", f.Models}} {
		b.key(l.name)
		b.raw(orEmpty(l.vals))
	}
	b.key("unmatched")
	b.array(len(f.Unmatched), func(i int) {
		u := f.Unmatched[i]
		b.open()
		b.str("filter", u.Filter)
		b.str("value", u.Value)
		b.key("did_you_mean")
		b.raw(orEmpty(u.DidYouMean))
		b.close()
	})
	b.close()
	b.key("budget")
	if bu := rep.Budget; bu == nil {
		b.raw(nil)
	} else {
		b.open()
		b.str("amount_usd", bu.AmountUSD.String())
		b.str("total_usd", bu.TotalUSD.String())
		b.str("remaining_usd", bu.RemainingUSD().String())
		b.key("over")
		b.raw(bu.Over)
		b.close()
	}
	comparison(&b, rep)
	b.key("totals")
	b.open()
	measures(&b, rep.Totals)
	b.int("unpriced_tokens", rep.Totals.UnpricedTokens)
	b.str("cache_write_ttl_unknown_max_extra_usd", rep.Totals.UnknownTTLMaxExtra.String())
	b.int("guardrail_unpriced_units", rep.Totals.GuardrailUnpricedUnits)
	b.str("total_cost_usd", rep.Totals.TotalCost().String())
	b.key("service_tiers")
	b.open()
	for _, tier := range append(slices.Clone(invocationlog.ServiceTiers), analytics.TierNotStated) {
		b.int(tier, rep.Tiers.Calls[tier])
	}
	b.int("not_stated_on_tiered_models", rep.Tiers.NotStatedTieredModels)
	b.close()
	b.close()
	for _, v := range rep.Views {
		if v.Name == analytics.StackedView {
			b.str("stacked_by", v.Dims[1].Name)
		}
		if v.Name == analytics.GroupsView {
			b.key("group_by")
			names := make([]string, len(v.Dims))
			for i, d := range v.Dims {
				names[i] = d.Name
			}
			b.raw(names)
		}
		b.key(v.Name)
		b.array(len(v.Lines), func(i int) {
			l := v.Lines[i]
			b.open()
			for j, d := range v.Dims {
				b.str(d.Name, l.Keys[j])
				if name := rep.ModelNames[l.Keys[j]]; d.Name == "model" && name != "" {
					b.str("model_name", name)
				}
			}
			if v.Name == "daily" {
				b.key("partial")
				b.raw(l.Partial)
			}
			if l.Sessions > 0 {
				b.int("folded_sessions", l.Sessions)
			}
			measures(&b, l.Totals)
			if l.Baseline != nil {
				change(&b, "cost_usd", l.Baseline.Cost, l.Cost)
				b.int("calls_baseline", l.Baseline.Calls)
				b.int("calls_delta", l.Calls-l.Baseline.Calls)
			}
			b.close()
		})
	}
	anomalies(&b, rep)
	b.key("collapsed_sessions")
	if c := rep.Collapsed; c == nil {
		b.raw(nil)
	} else {
		b.open()
		b.key("patterns")
		b.array(len(c.Patterns), func(i int) {
			b.open()
			b.str("name", c.Patterns[i].Name)
			b.str("regexp", c.Patterns[i].Expr)
			b.close()
		})
		b.int("sessions", c.Sessions)
		b.int("lines", int64(c.Lines))
		b.close()
	}
	b.key("unpriced")
	b.array(len(rep.Unpriced), func(i int) {
		u := rep.Unpriced[i]
		b.open()
		b.str("model_id", u.ModelID)
		b.str("region", u.Region)
		b.str("reason", u.Reason)
		b.int("calls", u.Calls)
		b.int("tokens", u.Tokens())
		b.close()
	})
	b.key("skipped")
	b.raw(rep.Skipped)
	b.key("scan")
	b.open()
	for _, f := range rep.Scan.Figures {
		if f.Kind == analytics.FigureUSD {
			b.str(f.Name, f.USD.String())
		} else {
			b.int(f.Name, f.N)
		}
	}
	b.close()
	b.key("prices")
	b.open()
	b.key("books")
	b.array(len(rep.Prices.Books), func(i int) {
		bk := rep.Prices.Books[i]
		b.open()
		b.str("kind", bk.Kind)
		b.str("name", bk.Name)
		b.str("checked", bk.Checked)
		if bk.Refreshed != "" {
			b.str("refreshed", bk.Refreshed)
		}
		b.int("entries", int64(bk.Entries))
		b.close()
	})
	b.str("discount_percent", rep.Prices.DiscountPercent.String())
	b.key("warnings")
	b.raw(orEmpty(rep.Prices.Warnings))
	b.close()
	b.key("failures")
	b.raw(orEmpty(rep.Failures))
	if len(rep.Notes) > 0 {
		b.key("notes")
		b.raw(rep.Notes)
	}
	b.close()
	b.w.WriteByte('\n')
	return b.w.Flush()
}

// change writes a cost's baseline, its change and the change in percent (null from a
// baseline of zero): name_baseline, name_delta, and cost_change_pct (or total_cost_change_pct).
func change(b *obj, name string, base, cur decimal.Decimal) {
	b.str(name+"_baseline", base.String())
	b.str(name+"_delta", cur.Sub(base).String())
	b.key(strings.TrimSuffix(name, "_usd") + "_change_pct")
	if pct, ok := analytics.ChangePercent(base, cur); ok {
		b.raw(json.Number(pct.StringFixed(2)))
	} else {
		b.raw(nil)
	}
}

// comparison writes the comparison object: null without a baseline.
func comparison(b *obj, rep *analytics.Report) {
	b.key("comparison")
	c := rep.Comparison
	if c == nil {
		b.raw(nil)
		return
	}
	b.open()
	b.str("baseline", c.Baseline)
	b.key("period")
	b.open()
	b.str("since", c.Since.UTC().Format(time.RFC3339))
	b.str("until", c.Until.UTC().Format(time.RFC3339))
	b.close()
	b.key("totals")
	b.open()
	measures(b, c.Totals)
	b.str("total_cost_usd", c.Totals.TotalCost().String())
	b.close()
	change(b, "total_cost_usd", c.Totals.TotalCost(), rep.Totals.TotalCost())
	b.int("calls_delta", rep.Totals.Calls-c.Totals.Calls)
	b.key("max_increase")
	if g := c.Increase; g == nil {
		b.raw(nil)
	} else {
		b.open()
		b.str("max_percent", g.MaxPercent.String())
		b.key("over")
		b.raw(g.Over)
		b.close()
	}
	keys := func(name string, ks []analytics.KeyTotals) {
		b.key(name)
		b.array(len(ks), func(i int) {
			b.open()
			b.str("dimension", ks[i].Dimension)
			b.str("key", ks[i].Key)
			b.int("calls", ks[i].Calls)
			b.str("cost_usd", ks[i].Cost.String())
			b.int("unpriced_calls", ks[i].UnpricedCalls)
			b.close()
		})
	}
	keys("new", c.New)
	keys("vanished", c.Vanished)
	b.key("movers")
	b.array(len(c.Movers), func(i int) {
		m := c.Movers[i]
		b.open()
		b.str("dimension", m.Dimension)
		b.str("key", m.Key)
		b.int("calls", m.Current.Calls)
		b.int("calls_baseline", m.Baseline.Calls)
		b.str("cost_usd", m.Current.Cost.String())
		change(b, "cost_usd", m.Baseline.Cost, m.Current.Cost)
		b.int("unpriced_calls", m.Current.UnpricedCalls)
		b.int("unpriced_calls_baseline", m.Baseline.UnpricedCalls)
		b.close()
	})
	b.close()
}

// anomalies writes the anomaly rule (null when the report was not scored) and the anomalies.
func anomalies(b *obj, rep *analytics.Report) {
	b.key("anomaly_detection")
	if r := rep.Detection; r == nil {
		b.raw(nil)
	} else {
		b.open()
		b.key("threshold")
		b.raw(r.Threshold)
		b.str("min_cost_usd", r.MinCost.String())
		b.int("window_days", int64(r.Window))
		b.close()
	}
	b.key("anomalies")
	b.array(len(rep.Anomalies), func(i int) {
		a := rep.Anomalies[i]
		b.open()
		b.str("dimension", a.Dimension)
		b.str("key", a.Key)
		b.str("date", a.Date)
		b.str("cost_usd", a.Cost.String())
		b.str("baseline_usd", a.Baseline.String())
		b.key("score")
		b.raw(a.Score)
		b.close()
	})
}

func measures(b *obj, t analytics.Totals) {
	for _, c := range analytics.MeasureColumns() {
		b.int(c.Name, t.Value(c))
	}
	if allUnpriced(t) {
		b.key("cost_usd")
		b.raw(nil) // no price, not a price of zero
	} else {
		b.str("cost_usd", t.Cost.String())
	}
	b.int("unpriced_calls", t.UnpricedCalls)
	b.str("guardrail_cost_usd", t.GuardrailCost.String())
}

// obj writes JSON with keys in the order they are added, indented as json.Indent with two
// spaces would indent it (the documented layout), straight to w: empty objects and arrays
// stay {} and [], and every element starts on its own line.
type obj struct {
	w *bufio.Writer
	// depth is the nesting; empty[depth] says the object or array opened there has no
	// member yet.
	depth int
	empty []bool
	// afterKey is set between a key and its value, which follows on the same line.
	afterKey bool
}

// newline ends the line and indents the next at the current depth.
func (o *obj) newline() {
	o.w.WriteByte('\n')
	for range o.depth {
		o.w.WriteString("  ")
	}
}

// member starts a value at the current depth: a key's value, or an array element.
func (o *obj) member() {
	if o.afterKey {
		o.afterKey = false
		return
	}
	if o.depth > 0 {
		if !o.empty[o.depth] {
			o.w.WriteByte(',')
		}
		o.empty[o.depth] = false
		o.newline()
	}
}

func (o *obj) push(c byte) {
	o.member()
	o.w.WriteByte(c)
	o.depth++
	for len(o.empty) <= o.depth {
		o.empty = append(o.empty, true)
	}
	o.empty[o.depth] = true
}

func (o *obj) pop(c byte) {
	wasEmpty := o.empty[o.depth]
	o.depth--
	if !wasEmpty {
		o.newline()
	}
	o.w.WriteByte(c)
}

func (o *obj) open()  { o.push('{') }
func (o *obj) close() { o.pop('}') }

func (o *obj) key(k string) {
	o.member()
	o.w.Write(appendString(o.scratch(), k))
	o.w.WriteString(": ")
	o.afterKey = true
}

// array writes n elements, each written by elem.
func (o *obj) array(n int, elem func(i int)) {
	o.push('[')
	for i := range n {
		elem(i)
	}
	o.pop(']')
}

// raw writes a plain value (a list, a struct with its own MarshalJSON) as a member.
func (o *obj) raw(v any) {
	prefix := strings.Repeat("  ", o.depth)
	j, err := json.MarshalIndent(v, prefix, "  ")
	if err != nil {
		panic(err) // only plain values are written
	}
	o.member()
	o.w.Write(j)
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.member()
	o.w.Write(appendString(o.scratch(), v))
}

func (o *obj) int(k string, v int64) {
	o.key(k)
	o.member()
	o.w.Write(strconv.AppendInt(o.scratch(), v, 10))
}

// scratch is a small buffer for one value (the bufio.Writer's own free space when it has
// room: no allocation per value).
func (o *obj) scratch() []byte {
	if o.w.Available() >= 64 {
		return o.w.AvailableBuffer()
	}
	return nil
}

// appendString appends s as a JSON string, escaped as encoding/json escapes it (HTML
// characters included), so the layout matches what json.Marshal wrote before.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			j, _ := json.Marshal(s)
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// orEmpty is l, or an empty list (written [] rather than null).
func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// allUnpriced reports whether every call of a line is unpriced: its cost is unknown, and the
// machine formats write none (null in JSON, an empty cell in CSV) rather than 0.
func allUnpriced(t analytics.Totals) bool { return t.Calls > 0 && t.UnpricedCalls == t.Calls }
