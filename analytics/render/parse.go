package render

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// ParseJSON reads a report written by JSON back, so that a saved report (a CI artefact) can
// be rendered in another format without scanning the logs again. Everything the formats show
// comes back; the priced grain rows, which the JSON does not hold, do not. JSON of the result
// writes the same document.
func ParseJSON(r io.Reader) (*analytics.Report, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var doc map[string]json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a JSON report: %w", err)
	}
	var schema string
	if err := json.Unmarshal(doc["schema"], &schema); err != nil || schema != analytics.ReportSchema {
		return nil, fmt.Errorf("not a %s report (schema %q)", analytics.ReportSchema, schema)
	}
	p := &parser{doc: doc}
	rep := &analytics.Report{}
	var period struct {
		Since, Until time.Time
		TimeZone     string `json:"time_zone"`
	}
	p.get("period", &period)
	rep.Since, rep.Until = period.Since, period.Until
	rep.Location = time.UTC
	if period.TimeZone != "" {
		loc, err := time.LoadLocation(period.TimeZone)
		if err != nil {
			p.fail("period.time_zone %q: %v", period.TimeZone, err)
		} else {
			rep.Location = loc
		}
	}
	var generated time.Time
	p.get("generated_at", &generated)
	rep.GeneratedAt = generated.UTC()
	p.get("source", &rep.Source)
	p.get("engine", &rep.Scan.Engine)

	var filters struct {
		Regions, Apps, Users, Models []string
		Unmatched                    []struct {
			Filter, Value string
			DidYouMean    []string `json:"did_you_mean"`
		}
	}
	p.get("filters", &filters)
	rep.Filters = analytics.Filters{Regions: nilIfEmpty(filters.Regions), Apps: nilIfEmpty(filters.Apps), Users: nilIfEmpty(filters.Users), Models: nilIfEmpty(filters.Models)}
	for _, u := range filters.Unmatched {
		rep.Filters.Unmatched = append(rep.Filters.Unmatched, analytics.UnmatchedFilter{Filter: u.Filter, Value: u.Value, DidYouMean: nilIfEmpty(u.DidYouMean)})
	}
	var budget *struct {
		AmountUSD decimal.Decimal `json:"amount_usd"`
		TotalUSD  decimal.Decimal `json:"total_usd"`
		Over      bool
	}
	p.get("budget", &budget)
	if budget != nil {
		rep.Budget = &analytics.Budget{AmountUSD: budget.AmountUSD, TotalUSD: budget.TotalUSD, Over: budget.Over}
	}

	var totals map[string]json.RawMessage
	p.get("totals", &totals)
	rep.Totals = p.totals("totals", totals)
	rep.Totals.UnpricedTokens = p.int("totals.unpriced_tokens", totals["unpriced_tokens"])
	rep.Totals.UnknownTTLMaxExtra = p.dec("totals.cache_write_ttl_unknown_max_extra_usd", totals["cache_write_ttl_unknown_max_extra_usd"])
	rep.Totals.GuardrailUnpricedUnits = p.int("totals.guardrail_unpriced_units", totals["guardrail_unpriced_units"])
	var tiers map[string]int64
	p.raw("totals.service_tiers", totals["service_tiers"], &tiers)
	rep.Tiers.NotStatedTieredModels = tiers["not_stated_on_tiered_models"]
	delete(tiers, "not_stated_on_tiered_models")
	rep.Tiers.Calls = tiers

	views := slices.Clone(analytics.StandardViews)
	if _, ok := doc["stacked_by"]; ok { // absent in a report written before it existed
		var by string
		p.get("stacked_by", &by)
		v, err := analytics.StackedViewBy(by)
		if err != nil {
			p.fail("stacked_by: %v", err)
		}
		views = append(views, v)
	}
	if _, ok := doc["group_by"]; ok {
		var names []string
		p.get("group_by", &names)
		dims, _, err := analytics.ParseDimensions(names)
		if err != nil {
			p.fail("group_by: %v", err)
		}
		views = append(views, analytics.View{Name: analytics.GroupsView, Title: "Grouped by " + strings.Join(names, ", "), Dims: dims})
	}
	for _, v := range views {
		if _, ok := doc[v.Name]; !ok && v.Name == analytics.ResidencyView {
			continue // a report written before the view existed
		}
		var lines []map[string]json.RawMessage
		p.get(v.Name, &lines)
		vr := analytics.ViewResult{View: v}
		for i, l := range lines {
			where := fmt.Sprintf("%s[%d]", v.Name, i)
			line := analytics.Line{Totals: p.totals(where, l)}
			for _, d := range v.Dims {
				var k string
				p.raw(where+"."+d.Name, l[d.Name], &k)
				line.Keys = append(line.Keys, k)
			}
			if raw, ok := l["model_name"]; ok {
				var name string
				p.raw(where+".model_name", raw, &name)
				if model := l["model"]; model != nil {
					var id string
					p.raw(where+".model", model, &id)
					if rep.ModelNames == nil {
						rep.ModelNames = map[string]string{}
					}
					rep.ModelNames[id] = name
				}
			}
			if raw, ok := l["partial"]; ok {
				p.raw(where+".partial", raw, &line.Partial)
			}
			if raw, ok := l["folded_sessions"]; ok {
				line.Sessions = p.int(where+".folded_sessions", raw)
			}
			if raw, ok := l["cost_usd_baseline"]; ok {
				line.Baseline = &analytics.Totals{}
				line.Baseline.Cost = p.dec(where+".cost_usd_baseline", raw)
				line.Baseline.Calls = p.int(where+".calls_baseline", l["calls_baseline"])
			}
			vr.Lines = append(vr.Lines, line)
		}
		rep.Views = append(rep.Views, vr)
	}

	var unpriced []struct {
		ModelID        string `json:"model_id"`
		Region, Reason string
		Calls, Tokens  int64
	}
	p.get("unpriced", &unpriced)
	for _, u := range unpriced {
		m := analytics.UnpricedModel{ModelID: u.ModelID, Region: u.Region, Reason: u.Reason}
		m.Calls, m.InputTokens = u.Calls, u.Tokens // the JSON keeps the token sum only
		rep.Unpriced = append(rep.Unpriced, m)
	}
	p.get("skipped", &rep.Skipped)
	if len(rep.Skipped.Samples) == 0 {
		rep.Skipped.Samples = nil
	}
	if len(rep.Skipped.Files) == 0 {
		rep.Skipped.Files = nil
	}
	p.scan(rep)

	var prices struct {
		Books []struct {
			Kind, Name, Checked, Refreshed string
			Entries                        int
		}
		DiscountPercent decimal.Decimal `json:"discount_percent"`
		Warnings        []string
	}
	p.get("prices", &prices)
	for _, b := range prices.Books {
		rep.Prices.Books = append(rep.Prices.Books, pricing.BookInfo{Kind: b.Kind, Name: b.Name, Checked: b.Checked, Refreshed: b.Refreshed, Entries: b.Entries})
	}
	rep.Prices.DiscountPercent = prices.DiscountPercent
	rep.Prices.Warnings = nilIfEmpty(prices.Warnings)
	p.collapsed(rep)
	p.comparison(rep)
	p.anomalies(rep)
	var failures []string
	p.get("failures", &failures)
	rep.Failures = nilIfEmpty(failures)
	if raw, ok := doc["notes"]; ok {
		p.raw("notes", raw, &rep.Notes)
	}
	if p.err != nil {
		return nil, p.err
	}
	return rep, nil
}

// parser collects the first error of a document's parts.
type parser struct {
	doc map[string]json.RawMessage
	err error
}

func (p *parser) fail(format string, a ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("the JSON report: "+format, a...)
	}
}

func (p *parser) get(key string, v any) {
	raw, ok := p.doc[key]
	if !ok {
		p.fail("no %q", key)
		return
	}
	p.raw(key, raw, v)
}

func (p *parser) raw(where string, raw json.RawMessage, v any) {
	if raw == nil {
		p.fail("no %s", where)
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		p.fail("%s: %v", where, err)
	}
}

func (p *parser) int(where string, raw json.RawMessage) int64 {
	var n int64
	p.raw(where, raw, &n)
	return n
}

func (p *parser) dec(where string, raw json.RawMessage) decimal.Decimal {
	var s string
	p.raw(where, raw, &s)
	d, err := decimal.NewFromString(s)
	if err != nil {
		p.fail("%s: %q is not a decimal", where, s)
	}
	return d
}

// totals reads the measures, cost and unpriced calls every line carries.
func (p *parser) totals(where string, m map[string]json.RawMessage) analytics.Totals {
	var t analytics.Totals
	for _, c := range analytics.MeasureColumns() {
		n := p.int(where+"."+c.Name, m[c.Name])
		if c == analytics.FailedCallsColumn {
			t.FailedCalls = n
			continue
		}
		for i := range analytics.MeasureDefs {
			if d := &analytics.MeasureDefs[i]; d.Name == c.Name && n != 0 {
				d.Set(&t.Measures, n)
			}
		}
	}
	if string(m["cost_usd"]) != "null" {
		t.Cost = p.dec(where+".cost_usd", m["cost_usd"])
	}
	t.UnpricedCalls = p.int(where+".unpriced_calls", m["unpriced_calls"])
	t.GuardrailCost = p.dec(where+".guardrail_cost_usd", m["guardrail_cost_usd"])
	return t
}

// scan reads the scan figures: a number is a count (bytes when its name says so), a string
// an amount in USD. The sentence the human formats show is rebuilt from the figures the
// engines report.
func (p *parser) scan(rep *analytics.Report) {
	raw, ok := p.doc["scan"]
	if !ok {
		p.fail("no \"scan\"")
		return
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		p.fail("scan: %v", err)
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			p.fail("scan: %v", err)
			return
		}
		name, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			p.fail("scan.%s: %v", name, err)
			return
		}
		f := analytics.Figure{Name: name}
		switch v := v.(type) {
		case json.Number:
			n, err := v.Int64()
			if err != nil {
				p.fail("scan.%s: %v", name, err)
			}
			f.N = n
			if name == "bytes" || strings.HasSuffix(name, "_bytes") {
				f.Kind = analytics.FigureBytes
			}
		case string:
			d, err := decimal.NewFromString(v)
			if err != nil {
				p.fail("scan.%s: %q is not a decimal", name, v)
			}
			f.Kind, f.USD = analytics.FigureUSD, d
		default:
			p.fail("scan.%s: neither a number nor a decimal string", name)
		}
		rep.Scan.Figures = append(rep.Scan.Figures, f)
	}
	// The sentence of a files engine when its figures are there (the extra sentences an
	// engine adds, such as the local engine's body fetches, are not in the JSON); otherwise
	// the figures by name.
	names := make([]string, len(rep.Scan.Figures))
	for i, f := range rep.Scan.Figures {
		names[i] = f.Name
	}
	if len(names) >= 3 && slices.Equal(names[:3], []string{"files", "bytes", "records"}) {
		rep.Scan.Summary = analytics.FilesSummary
		if slices.Contains(names, "sources") && slices.Contains(names, "duplicates") {
			rep.Scan.Summary += analytics.MultiSummary
		}
		return
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, strings.ReplaceAll(n, "_", " ")+" {"+n+"}")
	}
	rep.Scan.Summary = "Scan: " + strings.Join(parts, ", ")
}

// comparison reads the comparison: null, or absent in a report written before it existed,
// when the report is compared with nothing. Its lists keep the calls and costs the JSON holds.
func (p *parser) comparison(rep *analytics.Report) {
	raw, ok := p.doc["comparison"]
	if !ok || string(raw) == "null" {
		return
	}
	var c struct {
		Baseline string
		Period   struct{ Since, Until time.Time }
		Totals   map[string]json.RawMessage
		Increase *struct {
			MaxPercent decimal.Decimal `json:"max_percent"`
			Over       bool
		} `json:"max_increase"`
		New, Vanished []struct {
			Dimension, Key string
			Calls          int64
			Cost           decimal.Decimal `json:"cost_usd"`
			Unpriced       int64           `json:"unpriced_calls"`
		}
		Movers []struct {
			Dimension, Key   string
			Calls            int64
			CallsBaseline    int64           `json:"calls_baseline"`
			Cost             decimal.Decimal `json:"cost_usd"`
			CostBaseline     decimal.Decimal `json:"cost_usd_baseline"`
			Unpriced         int64           `json:"unpriced_calls"`
			UnpricedBaseline int64           `json:"unpriced_calls_baseline"`
		}
	}
	p.raw("comparison", raw, &c)
	out := &analytics.Comparison{Baseline: c.Baseline, Since: c.Period.Since, Until: c.Period.Until}
	if c.Totals != nil {
		out.Totals = p.totals("comparison.totals", c.Totals)
	}
	if c.Increase != nil {
		out.Increase = &analytics.IncreaseGate{MaxPercent: c.Increase.MaxPercent, Over: c.Increase.Over}
	}
	for _, k := range c.New {
		out.New = append(out.New, analytics.KeyTotals{Dimension: k.Dimension, Key: k.Key, Totals: analytics.Totals{Measures: analytics.Measures{Calls: k.Calls}, Cost: k.Cost, UnpricedCalls: k.Unpriced}})
	}
	for _, k := range c.Vanished {
		out.Vanished = append(out.Vanished, analytics.KeyTotals{Dimension: k.Dimension, Key: k.Key, Totals: analytics.Totals{Measures: analytics.Measures{Calls: k.Calls}, Cost: k.Cost, UnpricedCalls: k.Unpriced}})
	}
	for _, m := range c.Movers {
		out.Movers = append(out.Movers, analytics.Mover{Dimension: m.Dimension, Key: m.Key,
			Current:  analytics.Totals{Measures: analytics.Measures{Calls: m.Calls}, Cost: m.Cost, UnpricedCalls: m.Unpriced},
			Baseline: analytics.Totals{Measures: analytics.Measures{Calls: m.CallsBaseline}, Cost: m.CostBaseline, UnpricedCalls: m.UnpricedBaseline}})
	}
	rep.Comparison = out
}

// anomalies reads the anomaly rule and the anomalies (absent in a report written before
// they existed).
func (p *parser) anomalies(rep *analytics.Report) {
	if raw, ok := p.doc["anomaly_detection"]; ok && string(raw) != "null" {
		var r struct {
			Threshold  float64
			MinCost    decimal.Decimal `json:"min_cost_usd"`
			WindowDays int             `json:"window_days"`
		}
		p.raw("anomaly_detection", raw, &r)
		rep.Detection = &analytics.AnomalyRule{Threshold: r.Threshold, MinCost: r.MinCost, Window: r.WindowDays}
	}
	raw, ok := p.doc["anomalies"]
	if !ok {
		return
	}
	var as []struct {
		Dimension, Key, Date string
		Cost                 decimal.Decimal `json:"cost_usd"`
		Baseline             decimal.Decimal `json:"baseline_usd"`
		Score                float64
	}
	p.raw("anomalies", raw, &as)
	for _, a := range as {
		rep.Anomalies = append(rep.Anomalies, analytics.Anomaly{Dimension: a.Dimension, Key: a.Key, Date: a.Date, Cost: a.Cost, Baseline: a.Baseline, Score: a.Score})
	}
	if rep.Detection != nil && rep.Anomalies == nil {
		rep.Anomalies = []analytics.Anomaly{}
	}
}

// collapsed reads collapsed_sessions: null, or absent in a report written before it existed,
// when the users are the logged session names.
func (p *parser) collapsed(rep *analytics.Report) {
	raw, ok := p.doc["collapsed_sessions"]
	if !ok || string(raw) == "null" {
		return
	}
	var c struct {
		Patterns []struct{ Name, Regexp string }
		Sessions int64
		Lines    int
	}
	p.raw("collapsed_sessions", raw, &c)
	fold := &analytics.SessionFold{Sessions: c.Sessions, Lines: c.Lines}
	for i, pt := range c.Patterns {
		sp, err := sessions.NewPattern(pt.Name, pt.Regexp)
		if err != nil {
			p.fail("collapsed_sessions.patterns[%d]: %v", i, err)
			return
		}
		fold.Patterns = append(fold.Patterns, sp)
	}
	rep.Collapsed = fold
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
