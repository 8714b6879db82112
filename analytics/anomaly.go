package analytics

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// AnomalyRule is the rule that flags a day's cost as an anomaly. A day of one application,
// user or model is scored against the same key's cost on the Window days before it (days
// without calls count as $0): its score is the modified z-score of Iglewicz and Hoaglin,
// (cost − median) / (1.4826 × MAD), where MAD is the median absolute deviation of the
// window; the day is an anomaly when the score is over Threshold and the cost is at least
// MinCost above the median. The robust deviation is floored at a tenth of the median (and a
// cent), so a key that costs the same every day is not flagged for a small rise, and a key
// that cost nothing on every day of its window has no baseline and is not scored (a
// comparison lists it as new).
type AnomalyRule struct {
	Threshold float64
	MinCost   decimal.Decimal
	Window    int // days
}

// DefaultAnomalyRule is the rule --anomalies applies unless told otherwise: the threshold
// Iglewicz and Hoaglin recommend for the modified z-score, a dollar, and two weeks.
var DefaultAnomalyRule = AnomalyRule{Threshold: 3.5, MinCost: decimal.NewFromInt(1), Window: 14}

// Anomaly is a day whose cost was far above its trailing baseline.
type Anomaly struct {
	Dimension string // app, user or model
	Key       string
	Date      string // the day, in the report's time zone
	Cost      decimal.Decimal
	// Baseline is the median daily cost of the window before the day.
	Baseline decimal.Decimal
	Score    float64 // rounded to a hundredth
}

// HistorySince is where the rows a report's anomalies are scored against begin: the start
// of the day, in loc, Window days before the day since falls on.
func (r AnomalyRule) HistorySince(since time.Time, loc *time.Location) time.Time {
	s := since.In(loc)
	return time.Date(s.Year(), s.Month(), s.Day()-r.Window, 0, 0, 0, 0, loc)
}

// DailyCosts is the cost of every day of every application, user and model that a report
// and its history priced (ReportOptions.Daily): the series the anomaly rule scores. A user
// is its name, whatever application it called through; a generated session name is scored
// as its pattern (FoldUsers), since a name that lives for one call has no history of its
// own, while the fleet it belongs to does.
type DailyCosts struct {
	loc    *time.Location
	folder *sessions.Folder
	series map[string]map[string]map[string]decimal.Decimal // dimension → key → date → cost
	dates  map[time.Time]string                             // hour → its date in loc
}

// NewDailyCosts returns an empty DailyCosts whose days begin in loc (nil: UTC).
func NewDailyCosts(loc *time.Location) *DailyCosts {
	if loc == nil {
		loc = time.UTC
	}
	d := &DailyCosts{loc: loc, series: map[string]map[string]map[string]decimal.Decimal{}, dates: map[time.Time]string{}}
	for _, dim := range comparedDims {
		d.series[dim] = map[string]map[string]decimal.Decimal{}
	}
	return d
}

func (d *DailyCosts) add(pr *PricedRow) {
	if !pr.Priced || pr.Totals.Cost.IsZero() {
		return
	}
	date, ok := d.dates[pr.Hour]
	if !ok {
		date = pr.Hour.In(d.loc).Format(time.DateOnly)
		d.dates[pr.Hour] = date
	}
	for _, dim := range comparedDims {
		var key string
		switch dim {
		case "app":
			key = pr.App
		case "user":
			key = pr.User
			if d.folder != nil {
				if name, ok := d.folder.Fold(key); ok {
					key = name
				}
			}
		case "model":
			key = pr.Model
		}
		if key == "" {
			continue
		}
		days := d.series[dim][key]
		if days == nil {
			days = map[string]decimal.Decimal{}
			d.series[dim][key] = days
		}
		days[date] = days[date].Add(pr.Totals.Cost)
	}
}

// FoldUsers scores users with generated session names as the pattern they match (f's
// patterns, as CollapseSessions folds them); nil scores every name as it is.
func (d *DailyCosts) FoldUsers(f *sessions.Folder) { d.folder = f }

// Anomalies scores every day of [since, until) (in the DailyCosts' time zone) of every key by
// rule and returns the anomalies, highest score first.
func (d *DailyCosts) Anomalies(since, until time.Time, rule AnomalyRule) []Anomaly {
	var days []time.Time // civil days, as UTC midnights
	first, last := civilDay(since.In(d.loc)), civilDay(until.Add(-time.Nanosecond).In(d.loc))
	for t := first; !t.After(last) && len(days) < maxFilledDays; t = t.AddDate(0, 0, 1) {
		days = append(days, t)
	}
	out := []Anomaly{}
	window := make([]decimal.Decimal, rule.Window)
	for _, dim := range comparedDims {
		for key, costs := range d.series[dim] {
			for _, day := range days {
				x := costs[day.Format(time.DateOnly)]
				if x.LessThan(rule.MinCost) || x.IsZero() {
					continue
				}
				spent := false
				for i := range window {
					window[i] = costs[day.AddDate(0, 0, -rule.Window+i).Format(time.DateOnly)]
					spent = spent || window[i].IsPositive()
				}
				if !spent {
					continue
				}
				med := median(window)
				if x.Sub(med).LessThan(rule.MinCost) {
					continue
				}
				dev := make([]decimal.Decimal, len(window))
				for i, w := range window {
					dev[i] = w.Sub(med).Abs()
				}
				scale := median(dev).Mul(decimal.RequireFromString("1.4826"))
				scale = decimal.Max(scale, med.Div(decimal.NewFromInt(10)), decimal.New(1, -2))
				score, _ := x.Sub(med).Div(scale).Float64()
				if score <= rule.Threshold {
					continue
				}
				out = append(out, Anomaly{Dimension: dim, Key: key, Date: day.Format(time.DateOnly), Cost: x, Baseline: med, Score: math.Round(score*100) / 100})
			}
		}
	}
	slices.SortFunc(out, func(a, b Anomaly) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), b.Cost.Cmp(a.Cost), strings.Compare(a.Date, b.Date),
			cmp.Compare(slices.Index(comparedDims, a.Dimension), slices.Index(comparedDims, b.Dimension)), strings.Compare(a.Key, b.Key))
	})
	return out
}

// median is the median of vs (the mean of the middle two of an even count); vs is not
// changed.
func median(vs []decimal.Decimal) decimal.Decimal {
	s := slices.Clone(vs)
	sort.Slice(s, func(i, j int) bool { return s[i].LessThan(s[j]) })
	n := len(s)
	if n == 0 {
		return decimal.Zero
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1].Add(s[n/2]).Div(decimal.NewFromInt(2))
}
