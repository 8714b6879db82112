package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// compareFlags are report's --compare, --max-increase and anomaly flags.
type compareFlags struct {
	Compare       string // "previous", a JSON report's file, or ""
	MaxIncrease   string
	Anomalies     bool
	Threshold     float64
	MinCost       string
	FailOnAnomaly bool
}

// comparePrevious is the --compare value for the period of equal length before the report's.
const comparePrevious = "previous"

func (c *compareFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&c.Compare, "compare", "", `compare with a baseline: "previous" (the period of equal length just before, read from the same source) or a JSON report saved by an earlier run; adds each line's baseline cost and change, and lists new, vanished and most changed applications, users and models`)
	fl.StringVar(&c.MaxIncrease, "max-increase", "", "with --compare: exit 4 when the total cost (models and guardrails) grew by more than this percentage over the baseline (or from nothing)")
	fl.BoolVar(&c.Anomalies, "anomalies", false, "list the days whose cost, per application, user and model, was far above the median of the 14 days before (reads those days too; see --anomaly-threshold)")
	fl.Float64Var(&c.Threshold, "anomaly-threshold", analytics.DefaultAnomalyRule.Threshold, "the score over which a day is an anomaly: its distance above the 14-day median in robust standard deviations (1.4826 × MAD; implies --anomalies)")
	fl.StringVar(&c.MinCost, "anomaly-min-cost", analytics.DefaultAnomalyRule.MinCost.String(), "the least a day must cost above its median, in USD, to be an anomaly (implies --anomalies)")
	fl.BoolVar(&c.FailOnAnomaly, "fail-on-anomaly", false, "exit 4 when an anomaly is found (implies --anomalies)")
}

// comparePlan is what the flags ask for, checked before the scan.
type comparePlan struct {
	previous    bool
	file        string
	maxIncrease *decimal.Decimal
	rule        *analytics.AnomalyRule
	failOn      bool
	// stack and heat are the dashboard's chart parameters (the daily_stacked view's
	// dimension, the heatmap's metric).
	stack, heat string
}

// chartParams reads a dashboard request's stack= and heat= parameters into the plan.
func (p *comparePlan) chartParams(v url.Values) error {
	if s := v.Get("stack"); s != "" {
		if !slices.Contains(analytics.StackDims, s) {
			return fmt.Errorf("stack=%q: use one of %s", s, strings.Join(analytics.StackDims, ", "))
		}
		p.stack = s
	}
	if h := v.Get("heat"); h != "" {
		if !slices.Contains(render.HeatMetrics, h) {
			return fmt.Errorf("heat=%q: use one of %s", h, strings.Join(render.HeatMetrics, ", "))
		}
		p.heat = h
	}
	return nil
}

// plan checks the flags; changed says which were given.
func (c *compareFlags) plan(changed func(string) bool) (*comparePlan, error) {
	p := &comparePlan{failOn: c.FailOnAnomaly}
	switch c.Compare {
	case "":
	case comparePrevious:
		p.previous = true
	default:
		if _, err := os.Stat(c.Compare); err != nil {
			return nil, usageErr(`--compare %q: give "previous" or a JSON report saved by an earlier run (%v)`, c.Compare, err)
		}
		p.file = c.Compare
	}
	if c.MaxIncrease != "" {
		if c.Compare == "" {
			return nil, usageErr("--max-increase needs --compare previous or --compare FILE")
		}
		m, err := decimal.NewFromString(strings.TrimSuffix(c.MaxIncrease, "%"))
		if err != nil {
			return nil, usageErr("--max-increase %q: give a percentage, like 10 or 12.5", c.MaxIncrease)
		}
		p.maxIncrease = &m
	}
	if c.Anomalies || c.FailOnAnomaly || changed("anomaly-threshold") || changed("anomaly-min-cost") {
		rule, bad := anomalyRule(strconv.FormatFloat(c.Threshold, 'g', -1, 64), c.MinCost)
		switch bad {
		case "threshold":
			return nil, usageErr("--anomaly-threshold %v: give a positive number (the default is %v)", c.Threshold, analytics.DefaultAnomalyRule.Threshold)
		case "min-cost":
			return nil, usageErr("--anomaly-min-cost %q: give an amount in USD, like 1 or 0.50", c.MinCost)
		}
		p.rule = rule
	}
	return p, nil
}

// servePlan is a dashboard request's comparison and anomaly parameters: compare=previous
// (a file cannot be named over the web) and anomalies=1, with anomaly-threshold and
// anomaly-min-cost.
func servePlan(v url.Values) (*comparePlan, error) {
	p := &comparePlan{}
	switch c := v.Get("compare"); c {
	case "", "none":
	case comparePrevious:
		p.previous = true
	default:
		return nil, fmt.Errorf("compare=%q: the dashboard compares with the previous period only (compare=previous)", c)
	}
	// On the web anomalies=1 alone turns the rule on (the filter bar's check box); the
	// threshold and minimum only tune it, so that unticking the box turns it off.
	on := false
	if a := v.Get("anomalies"); a != "" {
		b, err := strconv.ParseBool(a)
		if err != nil {
			return nil, fmt.Errorf("anomalies=%q: want 1 or 0", a)
		}
		on = b
	}
	if on {
		rule, bad := anomalyRule(v.Get("anomaly-threshold"), v.Get("anomaly-min-cost"))
		switch bad {
		case "threshold":
			return nil, fmt.Errorf("anomaly-threshold=%q: want a positive number", v.Get("anomaly-threshold"))
		case "min-cost":
			return nil, fmt.Errorf("anomaly-min-cost=%q: want an amount in USD", v.Get("anomaly-min-cost"))
		}
		p.rule = rule
	}
	return p, nil
}

// anomalyRule is the default anomaly rule with threshold and minCost (USD, a leading "$"
// allowed) as given ("" keeps the default); bad is "threshold" or "min-cost" when that one
// is not valid.
func anomalyRule(threshold, minCost string) (rule *analytics.AnomalyRule, bad string) {
	r := analytics.DefaultAnomalyRule
	if threshold != "" {
		f, err := strconv.ParseFloat(threshold, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, "threshold"
		}
		r.Threshold = f
	}
	if minCost != "" {
		d, err := decimal.NewFromString(strings.TrimPrefix(minCost, "$"))
		if err != nil || d.IsNegative() {
			return nil, "min-cost"
		}
		r.MinCost = d
	}
	return &r, ""
}

// key is the plan's part of a dashboard page's cache key.
func (p *comparePlan) key() string {
	k := strconv.FormatBool(p.previous) + "/" + p.stack + "/" + p.heat
	if p.rule != nil {
		k += fmt.Sprintf("/%v/%s", p.rule.Threshold, p.rule.MinCost)
	}
	return k
}

// baseline is the report a report is compared with, and under what name.
type baseline struct {
	rep   *analytics.Report
	label string
}

// reportInputs are what builds a report, so that a baseline and a history can be built as
// the report was.
type reportInputs struct {
	f        *factory
	src      analytics.Source
	where    string
	dims     []analytics.Dimension
	metaKeys []string
	book     *pricing.Book
	loc      *time.Location
	stack    string // the daily_stacked view's dimension ("" for app)
}

// build runs q on the source and prices the answer; daily, when not nil, is given the cost
// of every row (for anomaly detection).
func (in *reportInputs) build(ctx context.Context, q analytics.Query, daily *analytics.DailyCosts) (*analytics.Report, error) {
	res, err := in.src.Usage(ctx, q)
	if err != nil {
		return nil, usageFrom(err)
	}
	return analytics.BuildReport(ctx, q, res, in.book, analytics.ReportOptions{
		Source: in.where, GeneratedAt: in.f.Now(), GroupBy: in.dims, MetadataKeys: in.metaKeys, Location: in.loc,
		StackBy: in.stack, Daily: daily, Consume: true,
	})
}

// extend builds what the plan adds to rep (made from q): its baseline, read again from the
// source for the previous period or from a saved report, and its anomalies, scored against
// the rows of the Window days before q (daily holds rep's own). What the extra reads could
// not read is added to rep's failures, so that --strict sees an incomplete baseline.
func (p *comparePlan) extend(ctx context.Context, in *reportInputs, q analytics.Query, rep *analytics.Report, daily *analytics.DailyCosts) (*baseline, error) {
	var base *baseline
	historyUntil := q.Since
	switch {
	case p.previous:
		prev := q.Previous()
		b, err := in.build(ctx, prev, daily)
		if err != nil {
			return nil, fmt.Errorf("the previous period: %w", err)
		}
		noteMissing(rep, "the previous period", b)
		base = &baseline{rep: b, label: "previous period"}
		historyUntil = prev.Since
	case p.file != "":
		data, err := os.ReadFile(p.file)
		if err != nil {
			return nil, fmt.Errorf("--compare: %w", err)
		}
		b, err := render.ParseJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("--compare %s: %w", p.file, err)
		}
		base = &baseline{rep: b, label: "report " + p.file}
	}
	if p.rule != nil {
		hq := q
		hq.Since, hq.Until = p.rule.HistorySince(q.Since, in.loc), historyUntil
		if hq.Since.Before(hq.Until) {
			h, err := in.build(ctx, hq, daily)
			if err != nil {
				return nil, fmt.Errorf("the anomaly baseline: %w", err)
			}
			noteMissing(rep, "the anomaly baseline", h)
		}
		rule := *p.rule
		rep.Detection = &rule
		rep.Anomalies = daily.Anomalies(q.Since, q.Until, rule)
	}
	if base != nil {
		rep.Compare(base.rep, base.label)
		if p.maxIncrease != nil {
			rep.CheckIncrease(*p.maxIncrease)
		}
	}
	return base, nil
}

// noteMissing adds the parts of an extra read (the previous period, the anomaly history)
// that failed (an Athena region) to the report's failures.
func noteMissing(rep *analytics.Report, what string, extra *analytics.Report) {
	for _, f := range extra.Failures {
		rep.Failures = append(rep.Failures, what+": "+f)
	}
}

// gateFailures are the comparison and anomaly gates the report failed (exit 4).
func (p *comparePlan) gateFailures(rep *analytics.Report) []string {
	var out []string
	if c := rep.Comparison; c != nil && c.Increase != nil && c.Increase.Over {
		base, cur := c.Totals.TotalCost(), rep.Totals.TotalCost()
		grew := "from nothing"
		if pct, ok := analytics.ChangePercent(base, cur); ok {
			grew = "by " + pct.StringFixed(2) + "%"
		}
		out = append(out, fmt.Sprintf("cost %s USD grew %s over the %s (%s USD), more than --max-increase %s%%", cur.StringFixed(2), grew, c.Baseline, base.StringFixed(2), c.Increase.MaxPercent))
	}
	if p.failOn && len(rep.Anomalies) > 0 {
		var first []string
		for i, a := range rep.Anomalies {
			if i == 3 {
				first = append(first, fmt.Sprintf("and %d more", len(rep.Anomalies)-3))
				break
			}
			first = append(first, fmt.Sprintf("%s %s on %s: %s USD against a median of %s (score %.2f)", a.Dimension, a.Key, a.Date, a.Cost.StringFixed(2), a.Baseline.StringFixed(2), a.Score))
		}
		out = append(out, fmt.Sprintf("%d anomalies (--fail-on-anomaly): %s", len(rep.Anomalies), strings.Join(first, "; ")))
	}
	return out
}
