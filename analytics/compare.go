package analytics

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Comparison is a report set against a baseline (Report.Compare): the period of equal length
// just before it, or a report saved by an earlier run. It is what a CI job looks at to see
// what changed, not only what it costs.
type Comparison struct {
	// Baseline says where the baseline came from: "previous period" or a saved report's file.
	Baseline string
	// Since and Until are the baseline's period.
	Since, Until time.Time
	// Totals are the baseline's totals.
	Totals Totals
	// New are the applications, users and models with calls in the report and none in the
	// baseline (with the report's totals); Vanished are those with calls in the baseline and
	// none in the report (with the baseline's). Largest cost first.
	New, Vanished []KeyTotals
	// Movers are the applications, users and models whose cost changed most (by the absolute
	// change, largest first), at most MaxMovers of them.
	Movers []Mover
	// Increase is the verdict of a --max-increase gate; nil without one (see CheckIncrease).
	Increase *IncreaseGate
}

// MaxMovers bounds Comparison.Movers.
const MaxMovers = 20

// KeyTotals are the totals of one application, user or model.
type KeyTotals struct {
	Dimension string // app, user or model
	Key       string
	Totals
}

// Mover is an application, user or model with its cost in the report and in the baseline.
type Mover struct {
	Dimension, Key    string
	Current, Baseline Totals
}

// CostDelta is the change of the mover's cost.
func (m Mover) CostDelta() decimal.Decimal { return m.Current.Cost.Sub(m.Baseline.Cost) }

// IncreaseGate is the verdict of a limit on the growth of the total cost (models and
// guardrails, Totals.TotalCost) against the baseline.
type IncreaseGate struct {
	MaxPercent decimal.Decimal
	Over       bool
}

// ChangePercent is the change from base to cur in percent, rounded to a hundredth; ok is
// false when base is zero (a change from nothing has no percentage).
func ChangePercent(base, cur decimal.Decimal) (pct decimal.Decimal, ok bool) {
	if base.IsZero() {
		return decimal.Zero, false
	}
	return cur.Sub(base).Mul(decimal.NewFromInt(100)).DivRound(base.Abs(), 2), true
}

// comparedDims are the dimensions Comparison lists new, vanished and moving keys of.
var comparedDims = []string{"app", "user", "model"}

// Previous is the query over the period of equal length just before q's, with the same
// filters.
func (q Query) Previous() Query {
	p := q
	d := q.Until.Sub(q.Since)
	p.Since, p.Until = q.Since.Add(-d), q.Since
	return p
}

// Compare sets base as the report's baseline: every line of every view gets the totals of
// the same line in base (Line.Baseline; zero totals when base has no such line), and the
// report a Comparison with base's period, totals, and its new, vanished and moving
// applications, users and models. Lines of the daily and hourly views (and the date and
// hour keys of a --group-by view) are matched with the day or hour as far into base's
// period as they are into the report's: with the previous period, the same weekday a
// period earlier. Lines only base has are not added to the views; Vanished lists them.
//
// Compare changes the report's lines in place; comparing again replaces what it set.
func (r *Report) Compare(base *Report, label string) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	hours := int(r.Since.Sub(base.Since) / time.Hour)
	days := int(civilDay(r.Since.In(loc)).Sub(civilDay(base.Since.In(loc))) / (24 * time.Hour))
	cs, bs := r.Since.In(loc), base.Since.In(loc)
	months := (cs.Year()-bs.Year())*12 + int(cs.Month()) - int(bs.Month())
	for i := range r.Views {
		v := &r.Views[i]
		idx := map[string]*Totals{}
		if bv := base.View(v.Name); bv != nil && sameDims(bv.Dims, v.Dims) {
			for j := range bv.Lines {
				idx[strings.Join(bv.Lines[j].Keys, "\x00")] = &bv.Lines[j].Totals
			}
		}
		shifted := make([]string, len(v.Dims))
		for j := range v.Lines {
			l := &v.Lines[j]
			for k, d := range v.Dims {
				shifted[k] = shiftKey(d.Name, l.Keys[k], days, hours, months)
			}
			bt := Totals{}
			if t := idx[strings.Join(shifted, "\x00")]; t != nil {
				bt = *t
			}
			l.Baseline = &bt
		}
	}
	c := &Comparison{Baseline: label, Since: base.Since, Until: base.Until, Totals: base.Totals}
	cur, was := keyTotals(r), keyTotals(base)
	for _, dim := range comparedDims {
		for key, t := range cur[dim] {
			b, ok := was[dim][key]
			if !ok || b.Calls == 0 {
				c.New = append(c.New, KeyTotals{Dimension: dim, Key: key, Totals: t})
			}
			if !t.Cost.Equal(b.Cost) {
				c.Movers = append(c.Movers, Mover{Dimension: dim, Key: key, Current: t, Baseline: b})
			}
		}
		for key, b := range was[dim] {
			t, ok := cur[dim][key]
			if !ok || t.Calls == 0 {
				c.Vanished = append(c.Vanished, KeyTotals{Dimension: dim, Key: key, Totals: b})
			}
			if !ok && !b.Cost.IsZero() {
				c.Movers = append(c.Movers, Mover{Dimension: dim, Key: key, Baseline: b})
			}
		}
	}
	byCost := func(a, b KeyTotals) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), cmp.Compare(b.Calls, a.Calls), cmp.Compare(slices.Index(comparedDims, a.Dimension), slices.Index(comparedDims, b.Dimension)), strings.Compare(a.Key, b.Key))
	}
	slices.SortFunc(c.New, byCost)
	slices.SortFunc(c.Vanished, byCost)
	slices.SortFunc(c.Movers, func(a, b Mover) int {
		return cmp.Or(b.CostDelta().Abs().Cmp(a.CostDelta().Abs()), b.CostDelta().Cmp(a.CostDelta()),
			cmp.Compare(slices.Index(comparedDims, a.Dimension), slices.Index(comparedDims, b.Dimension)), strings.Compare(a.Key, b.Key))
	})
	if len(c.Movers) > MaxMovers {
		c.Movers = c.Movers[:MaxMovers]
	}
	if old := r.Comparison; old != nil && old.Increase != nil {
		c.Increase = old.Increase
	}
	r.Comparison = c
	if c.Increase != nil {
		r.CheckIncrease(c.Increase.MaxPercent)
	}
}

// CheckIncrease sets the verdict of a limit of maxPercent on the growth of the total cost
// against the comparison's baseline: over when it grew by more, or when the baseline cost
// nothing and the report costs something. It does nothing without a comparison.
func (r *Report) CheckIncrease(maxPercent decimal.Decimal) {
	c := r.Comparison
	if c == nil {
		return
	}
	cur, base := r.Totals.TotalCost(), c.Totals.TotalCost()
	pct, ok := ChangePercent(base, cur)
	over := cur.IsPositive() && (!ok || pct.GreaterThan(maxPercent))
	c.Increase = &IncreaseGate{MaxPercent: maxPercent, Over: over}
}

// keyTotals are a report's totals per application, user and model, from its application ×
// user and model views. A user is its name, whatever application it called through; the
// empty application (a caller that is not an assumed role) is not listed.
func keyTotals(r *Report) map[string]map[string]Totals {
	out := map[string]map[string]Totals{}
	for _, d := range comparedDims {
		out[d] = map[string]Totals{}
	}
	put := func(dim, key string, t Totals) {
		if key == "" {
			return
		}
		s := out[dim][key]
		s.add(t)
		out[dim][key] = s
	}
	if v := r.View("by_app_user"); v != nil {
		for _, l := range v.Lines {
			put("app", l.Keys[0], l.Totals)
			put("user", l.Keys[1], l.Totals)
		}
	}
	if v := r.View("by_model"); v != nil {
		for _, l := range v.Lines {
			put("model", l.Keys[0], l.Totals)
		}
	}
	return out
}

func sameDims(a, b []Dimension) bool {
	return slices.EqualFunc(a, b, func(x, y Dimension) bool { return x.Name == y.Name })
}

// shiftKey is the key of the baseline line a time key is compared with: a date days earlier,
// an hour hours earlier, the ISO week of the Monday days earlier, a month months earlier.
// Other keys are their own.
func shiftKey(dim, key string, days, hours, months int) string {
	switch dim {
	case "date":
		if t, err := time.Parse(time.DateOnly, key); err == nil {
			return t.AddDate(0, 0, -days).Format(time.DateOnly)
		}
	case "hour":
		if t, err := time.Parse(hourKeyLayout, key); err == nil {
			return t.Add(-time.Duration(hours) * time.Hour).Format(hourKeyLayout)
		}
	case "week":
		var y, w int
		if _, err := fmt.Sscanf(key, "%d-W%d", &y, &w); err == nil {
			// the Monday of ISO week w: the week of January 4th is week 1
			jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
			monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
			return isoWeek(monday.AddDate(0, 0, -days))
		}
	case "month":
		if t, err := time.Parse("2006-01", key); err == nil {
			return t.AddDate(0, -months, 0).Format("2006-01")
		}
	}
	return key
}

// hourKeyLayout is the layout of the hour dimension's keys.
const hourKeyLayout = "2006-01-02T15:00Z"

// civilDay is the calendar day of t as a UTC midnight, for counting days across a DST change.
func civilDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// CostDelta is the change of the line's cost against its baseline (zero without one).
func (l *Line) CostDelta() decimal.Decimal {
	if l.Baseline == nil {
		return decimal.Zero
	}
	return l.Cost.Sub(l.Baseline.Cost)
}

// String describes the comparison's baseline: "previous period 2025-11-01 to 2025-11-08".
func (c *Comparison) String() string {
	return fmt.Sprintf("%s %s to %s", c.Baseline, c.Since.UTC().Format(time.RFC3339), c.Until.UTC().Format(time.RFC3339))
}
