package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// ReportSchema names the JSON contract of a report; see the README.
const ReportSchema = "bedrock-usage/report@1"

// Pricer prices usage; *pricing.Book implements it. It returns a *pricing.UnpricedError for
// usage it has no price for.
type Pricer interface {
	Cost(ctx context.Context, u pricing.Usage) (pricing.Cost, error)
}

var _ Pricer = (*pricing.Book)(nil)

// GuardrailPricer is implemented by a Pricer that prices guardrail units (*pricing.Book
// does). Without it, guardrail units are left unpriced.
type GuardrailPricer interface {
	GuardrailCost(region string, t time.Time, uses []pricing.GuardrailUse) (pricing.GuardrailCost, error)
}

var _ GuardrailPricer = (*pricing.Book)(nil)

// Totals are the measures of a report line: calls, tokens and cost. Cost covers the priced
// calls only; UnpricedCalls and UnpricedTokens say what is left out of it.
type Totals struct {
	Measures
	FailedCalls    int64
	Cost           decimal.Decimal
	UnpricedCalls  int64
	UnpricedTokens int64
	// UnknownTTLMaxExtra is the most the cost would rise if every cache write of unknown TTL
	// were a 1-hour write (they are priced at the 5-minute rate).
	UnknownTTLMaxExtra decimal.Decimal
	// GuardrailCost is the price of the guardrail units (Measures.Guardrail), apart from
	// Cost, the model cost; GuardrailUnpricedUnits are the units the book could not price.
	GuardrailCost          decimal.Decimal
	GuardrailUnpricedUnits int64
	// overflow is set when a sum of these totals overflowed int64.
	overflow bool
}

// TotalCost is the model cost and the guardrail cost together.
func (t *Totals) TotalCost() decimal.Decimal { return t.Cost.Add(t.GuardrailCost) }

func (t *Totals) add(o Totals) {
	if t.Measures.Add(o.Measures) {
		t.overflow = true
	}
	t.FailedCalls += o.FailedCalls
	// A decimal sum allocates: adding zero (most rows' extras, every unpriced row's cost)
	// is skipped.
	if !o.Cost.IsZero() {
		t.Cost = t.Cost.Add(o.Cost)
	}
	t.UnpricedCalls += o.UnpricedCalls
	t.UnpricedTokens += o.UnpricedTokens
	if !o.UnknownTTLMaxExtra.IsZero() {
		t.UnknownTTLMaxExtra = t.UnknownTTLMaxExtra.Add(o.UnknownTTLMaxExtra)
	}
	if !o.GuardrailCost.IsZero() {
		t.GuardrailCost = t.GuardrailCost.Add(o.GuardrailCost)
	}
	t.GuardrailUnpricedUnits += o.GuardrailUnpricedUnits
}

// PricedRow is a usage row with its cost.
type PricedRow struct {
	Row
	// Model is the resolved base model (from the price book when priced, otherwise the
	// logged id without profile prefix or ARN).
	Model string
	Scope pricing.Scope
	// Cost is the priced row's cost by component (input, output, cache reads, cache
	// writes), as the price book computed it; Totals.Cost is its total.
	Cost    pricing.Cost
	Totals  Totals
	Priced  bool
	Unprice string // why it is unpriced
	// GuardrailUnprice is why the row's guardrail units are unpriced ("" when priced or none).
	GuardrailUnprice string
}

// Dimension is a column a view groups by.
type Dimension struct {
	Name  string // JSON key and CSV column
	Title string // table heading
	value func(r *PricedRow, vc *viewCtx) string
}

// viewCtx is what a dimension's value may depend on besides the row: the row's metadata
// values and the report's time zone.
type viewCtx struct {
	meta []string
	loc  *time.Location
	// dates and hours memoize the date (in loc) and hour keys of the rows' hours: a report
	// has far fewer hours than rows, and several views key by them.
	dates, hours map[time.Time]string
}

func (vc *viewCtx) date(h time.Time) string {
	d, ok := vc.dates[h]
	if !ok {
		d = h.In(vc.loc).Format(time.DateOnly)
		if vc.dates == nil {
			vc.dates = map[time.Time]string{}
		}
		vc.dates[h] = d
	}
	return d
}

func (vc *viewCtx) hour(h time.Time) string {
	k, ok := vc.hours[h]
	if !ok {
		k = h.Format(hourKeyLayout)
		if vc.hours == nil {
			vc.hours = map[time.Time]string{}
		}
		vc.hours[h] = k
	}
	return k
}

// MetadataPrefix introduces a requestMetadata key in --group-by: metadata.tenant_id.
const MetadataPrefix = "metadata."

var dimensions = []Dimension{
	{"principal", "Principal", func(r *PricedRow, _ *viewCtx) string { return r.Principal }},
	{"kind", "Kind", func(r *PricedRow, _ *viewCtx) string { return r.PrincipalKind }},
	{"app", "App", func(r *PricedRow, _ *viewCtx) string { return r.App }},
	{"user", "User", func(r *PricedRow, _ *viewCtx) string { return r.User }},
	{"model", "Model", func(r *PricedRow, _ *viewCtx) string { return r.Model }},
	{"model_id", "Model ID", func(r *PricedRow, _ *viewCtx) string { return r.Row.Model }},
	{"scope", "Scope", func(r *PricedRow, _ *viewCtx) string { return string(r.Scope) }},
	{"region", "Region", func(r *PricedRow, _ *viewCtx) string { return r.Region }},
	{"inference_region", "Served in", func(r *PricedRow, _ *viewCtx) string { return r.ServedIn() }},
	{"left_geography", "Left geography", func(r *PricedRow, _ *viewCtx) string {
		if r.LeftGeography() {
			return "yes"
		}
		return "no"
	}},
	{"account", "Account", func(r *PricedRow, _ *viewCtx) string { return r.Account }},
	{"operation", "Operation", func(r *PricedRow, _ *viewCtx) string { return r.Operation }},
	{"error_code", "Error", func(r *PricedRow, _ *viewCtx) string { return r.ErrorCode }},
	{"tier", "Tier", func(r *PricedRow, _ *viewCtx) string {
		// The context tier whose rates applied (the model's threshold decides), or for an
		// unpriced row whether the call was over 200K.
		if (r.Priced && r.Cost.LongContext) || (!r.Priced && r.LongContext) {
			return "long-context"
		}
		return "standard"
	}},
	{"service_tier", "Service tier", func(r *PricedRow, _ *viewCtx) string {
		if r.ServiceTier == "" {
			return TierNotStated
		}
		return r.ServiceTier
	}},
	{"date", "Date", func(r *PricedRow, vc *viewCtx) string { return vc.date(r.Hour) }},
	{"week", "Week", func(r *PricedRow, vc *viewCtx) string { return isoWeek(r.Hour.In(vc.loc)) }},
	{"month", "Month", func(r *PricedRow, vc *viewCtx) string { return r.Hour.In(vc.loc).Format("2006-01") }},
	{"hour", "Hour (UTC)", func(r *PricedRow, vc *viewCtx) string { return vc.hour(r.Hour) }},
}

// DimensionNames lists the dimensions --group-by accepts (besides metadata.KEY).
func DimensionNames() []string {
	names := make([]string, len(dimensions))
	for i, d := range dimensions {
		names[i] = d.Name
	}
	return names
}

// ParseDimensions parses --group-by names. metadata.KEY dimensions are returned with the
// metadata keys they need, in order, so the query can ask for them.
func ParseDimensions(names []string) ([]Dimension, []string, error) {
	var dims []Dimension
	var meta []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if key, ok := strings.CutPrefix(n, MetadataPrefix); ok {
			if key == "" {
				return nil, nil, fmt.Errorf("--group-by %q: name a requestMetadata key, as in metadata.tenant_id", n)
			}
			i := slices.Index(meta, key)
			if i < 0 {
				meta = append(meta, key)
				i = len(meta) - 1
			}
			dims = append(dims, Dimension{Name: n, Title: key, value: func(_ *PricedRow, vc *viewCtx) string { return vc.meta[i] }})
			continue
		}
		j := slices.IndexFunc(dimensions, func(d Dimension) bool { return d.Name == n })
		if j < 0 {
			return nil, nil, fmt.Errorf("--group-by %q: unknown dimension; use one of %s, or metadata.KEY", n, strings.Join(DimensionNames(), ", "))
		}
		dims = append(dims, dimensions[j])
	}
	return dims, meta, nil
}

func mustDims(names ...string) []Dimension {
	d, _, err := ParseDimensions(names)
	if err != nil {
		panic(err)
	}
	return d
}

// View is a named grouping of a report.
type View struct {
	Name  string // JSON key: by_principal, …
	Title string
	Dims  []Dimension
	// ByTime orders lines by their keys (daily, hourly) instead of by cost.
	ByTime bool
}

// StandardViews are the views every report carries, in order.
var StandardViews = []View{
	{Name: "by_principal", Title: "By principal (role or user)", Dims: mustDims("principal")},
	{Name: "by_app_user", Title: "By application and user", Dims: mustDims("app", "user")},
	{Name: "by_model", Title: "By model", Dims: mustDims("model")},
	{Name: "by_region", Title: "By region", Dims: mustDims("region")},
	{Name: ResidencyView, Title: "Where calls were served (calling region, serving region)", Dims: mustDims("region", "inference_region", "left_geography")},
	{Name: "daily", Title: "Daily", Dims: mustDims("date"), ByTime: true},
	{Name: "hourly", Title: "Hourly", Dims: mustDims("hour"), ByTime: true},
}

// ResidencyView is the view of where calls were served: the calling region, the region that
// served the call (inferenceRegion, for cross-region inference) and whether that is outside
// the caller's geography.
const ResidencyView = "residency"

// GroupsView is the name of the view --group-by adds.
const GroupsView = "groups"

// StackedView is the name of the view of cost per day and one more dimension
// (ReportOptions.StackBy, the application unless it says otherwise): what the dashboard's
// stacked chart draws.
const StackedView = "daily_stacked"

// StackDims are the dimensions a StackedView may be by.
var StackDims = []string{"app", "model", "user", "region"}

// Line is one line of a view: its key values (in the view's dimension order) and totals.
type Line struct {
	Keys []string
	Totals
	// Partial marks a daily line whose day the range covers only in part (its first or
	// last day).
	Partial bool
	// Sessions is how many role session names this line folds into its user key (see
	// CollapseSessions); 0 on a line that folds none.
	Sessions int64
	// Baseline is the same line's totals in the report's comparison baseline (Compare):
	// zero totals when the baseline has no such line, nil when the report is compared with
	// nothing.
	Baseline *Totals
}

// ViewResult is a computed view.
type ViewResult struct {
	View
	Lines []Line
}

// UnpricedModel is a model the price book could not price, with what it left out.
type UnpricedModel struct {
	ModelID string
	Region  string
	Reason  string
	Totals
}

// Report is a computed usage and cost report, ready for a renderer.
type Report struct {
	Since, Until time.Time
	GeneratedAt  time.Time
	Source       string
	Totals       Totals
	Views        []ViewResult
	Unpriced     []UnpricedModel
	Skipped      invocationlog.Skipped
	Scan         Scan
	Failures     []string
	// Notes are the source's notes (Result.Notes).
	Notes []string
	// Location is the time zone of the daily view, the week and month dimensions and the
	// period as the human formats write it.
	Location *time.Location
	// ModelNames are the display names of the report's models (base model id → "Claude 3
	// Haiku"), from the price book; a model without one is not in it.
	ModelNames map[string]string
	// Filters are the query's filters and the values that matched nothing.
	Filters Filters
	// Budget is the budget verdict, when the report was made against a budget (set by the
	// caller, see CheckBudget).
	Budget *Budget
	// Prices says which price books priced the report.
	Prices Prices
	// Tiers counts the calls of each service tier.
	Tiers TierCounts
	// SortedBy is the measure SortViews ordered the views by; "" for the default order.
	SortedBy string
	// Collapsed says that generated session names were folded into one user per pattern
	// (CollapseSessions); nil when the users are the logged session names.
	Collapsed *SessionFold
	// Comparison is the baseline the report is compared with (Compare); nil for none.
	Comparison *Comparison
	// Anomalies are the days whose cost was far above their trailing baseline, when the
	// report was scored (Detection is the rule); nil otherwise.
	Anomalies []Anomaly
	Detection *AnomalyRule
}

// TierNotStated is the service_tier value of calls whose log states no tier.
const TierNotStated = "not_stated"

// TierCounts are the calls of each service tier the logs state (Key.ServiceTier: priority,
// default, flex, reserved, or TierNotStated), and how many of the calls that state none are
// of a model the price book prices at another tier than standard: those are priced at
// standard rates, which they may not have been billed at (InvokeModel calls never log a
// tier; Converse calls log the one that served them).
type TierCounts struct {
	Calls                 map[string]int64
	NotStatedTieredModels int64
}

// TierPricer is implemented by a Pricer that knows which models have tier prices
// (*pricing.Book does).
type TierPricer interface {
	HasTiers(model string) bool
}

var _ TierPricer = (*pricing.Book)(nil)

// View returns the computed view with the given name, or nil.
func (r *Report) View(name string) *ViewResult {
	for i := range r.Views {
		if r.Views[i].Name == name {
			return &r.Views[i]
		}
	}
	return nil
}

// Prices are the price books that applied to a report, highest precedence first, and the
// flat discount.
type Prices struct {
	Books           []pricing.BookInfo
	DiscountPercent decimal.Decimal
	// Warnings are price files that were left out (a refreshed file that does not parse).
	Warnings []string
}

// PriceBooks is implemented by a Pricer that can say which books it prices with
// (*pricing.Book does).
type PriceBooks interface {
	Books() []pricing.BookInfo
	Discount() decimal.Decimal
	Warnings() []string
}

var _ PriceBooks = (*pricing.Book)(nil)

// ModelNamer is implemented by a Pricer that knows models' display names (*pricing.Book).
type ModelNamer interface {
	DisplayName(model string) string
}

var _ ModelNamer = (*pricing.Book)(nil)

// ReportOptions configure BuildReport.
type ReportOptions struct {
	Source      string
	GeneratedAt time.Time
	// GroupBy adds a "groups" view over these dimensions.
	GroupBy []Dimension
	// MetadataKeys are the query's metadata keys (the order of Key.Meta values).
	MetadataKeys []string
	// Location is the time zone where days, weeks and months begin (nil: UTC).
	Location *time.Location
	// StackBy is the second dimension of the StackedView (one of StackDims; "" is "app").
	StackBy string
	// Daily, when set, is given the cost of every priced row, for anomaly detection: the
	// same DailyCosts may be given the rows of several reports (a history and the report).
	Daily *DailyCosts
	// Consume lets BuildReport release the result's rows as it prices them (Result.Drain):
	// for a result read once, so that a report of a million groups does not hold the groups
	// and its views at once. The result has no rows afterwards.
	Consume bool
	// Observe, when set, is given every row the report counts, priced, after the filters
	// (reconcile sums the logs' side of a bill with it).
	Observe func(*PricedRow)
}

// BuildReport prices every row and computes the views. Pricing happens here, once, in Go,
// whatever the engine. Only a Pricer error other than *pricing.UnpricedError fails it.
func BuildReport(ctx context.Context, q Query, res *Result, p Pricer, opts ReportOptions) (*Report, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	rep := &Report{
		Since: q.Since, Until: q.Until, GeneratedAt: opts.GeneratedAt.UTC(), Source: opts.Source,
		Skipped: res.Skipped, Scan: res.Scan, Location: loc, Notes: res.Notes,
	}
	for _, f := range res.Failures {
		rep.Failures = append(rep.Failures, f.Error())
	}
	if pb, ok := p.(PriceBooks); ok {
		rep.Prices = Prices{Books: pb.Books(), DiscountPercent: pb.Discount(), Warnings: pb.Warnings()}
	}
	unpriced := map[[3]string]*UnpricedModel{}
	hasTiers := map[string]bool{}
	tiered := func(model string) bool {
		has, ok := hasTiers[model]
		if !ok {
			if tp, isTP := p.(TierPricer); isTP {
				has = tp.HasTiers(model)
			}
			hasTiers[model] = has
		}
		return has
	}
	var cands candidateSet // model ids the exact model filter rejected
	rep.Filters = Filters{Regions: q.Regions, Apps: q.Apps, Users: q.Users, Models: q.Models}
	var seen *filterSeen
	if rep.Filters.Any() {
		seen = newFilterSeen()
	}
	views := make([]*viewAcc, 0, len(StandardViews)+1)
	for _, v := range StandardViews {
		views = append(views, newViewAcc(v))
	}
	stack, err := StackedViewBy(opts.StackBy)
	if err != nil {
		return nil, err
	}
	views = append(views, newViewAcc(stack))
	if len(opts.GroupBy) > 0 {
		views = append(views, newViewAcc(View{Name: GroupsView, Title: "Grouped by " + dimNames(opts.GroupBy), Dims: opts.GroupBy}))
	}
	vc := &viewCtx{loc: loc}
	models := map[string]bool{}  // the report's models, for their display names
	bases := map[string]string{} // each distinct model id is parsed once
	// The rows are priced and added to the totals and every view one at a time: a report
	// holds its views' lines, never its rows.
	var pr PricedRow // one for every row: the views' dimension functions make it escape
	each := res.Each
	if opts.Consume {
		each = res.Drain
	}
	each(func(row *Row) {
		if err != nil {
			return
		}
		base, ok := bases[row.Model]
		if !ok {
			base = BaseModelID(row.Model)
			bases[row.Model] = base
		}
		if pr, err = priceRow(ctx, *row, base, p); err != nil {
			return
		}
		// The model filter, once, now that application inference profiles are resolved.
		if !q.ModelMatches(row.Model, base, pr.Model) {
			cands.add(3, row.Model)
			cands.add(3, pr.Model)
			return
		}
		if !pr.Priced {
			k := [3]string{row.Model, row.Region, pr.Unprice}
			u := unpriced[k]
			if u == nil {
				u = &UnpricedModel{ModelID: row.Model, Region: row.Region, Reason: pr.Unprice}
				unpriced[k] = u
			}
			u.add(pr.Totals)
		}
		rep.Totals.add(pr.Totals)
		rep.Tiers.add(&pr, tiered)
		vc.meta = pr.MetaValues(len(opts.MetadataKeys))
		for _, v := range views {
			v.add(&pr, vc)
		}
		if seen != nil {
			seen.add(&pr)
		}
		if opts.Daily != nil {
			opts.Daily.add(&pr)
		}
		if opts.Observe != nil {
			opts.Observe(&pr)
		}
		models[pr.Model] = true
	})
	if err != nil {
		return nil, err
	}
	for _, u := range unpriced {
		rep.Unpriced = append(rep.Unpriced, *u)
	}
	slices.SortFunc(rep.Unpriced, func(a, b UnpricedModel) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), strings.Compare(a.ModelID, b.ModelID), strings.Compare(a.Region, b.Region))
	})
	for _, v := range views {
		vr := v.result()
		if v.view.Name == "daily" {
			vr.Lines = everyDay(vr.Lines, q.Since, q.Until, loc)
		}
		rep.Views = append(rep.Views, vr)
	}
	if mn, ok := p.(ModelNamer); ok {
		for m := range models {
			if name := mn.DisplayName(m); name != "" {
				if rep.ModelNames == nil {
					rep.ModelNames = map[string]string{}
				}
				rep.ModelNames[m] = name
			}
		}
	}
	if seen != nil {
		c := res.Candidates
		c.Models = append(slices.Clone(c.Models), cands.result().Models...)
		rep.Filters.Unmatched = unmatchedFilters(q, seen, c)
	}
	// A sum that does not fit an int64 is an error naming where, never a wrapped number.
	if rep.Totals.overflow {
		return nil, fmt.Errorf("the report's totals: %w", ErrOverflow)
	}
	for _, v := range rep.Views {
		for _, l := range v.Lines {
			if l.overflow {
				return nil, fmt.Errorf("view %s, line %s: %w", v.Name, strings.Join(l.Keys, " / "), ErrOverflow)
			}
		}
	}
	return rep, nil
}

func dimNames(ds []Dimension) string {
	n := make([]string, len(ds))
	for i, d := range ds {
		n[i] = d.Name
	}
	return strings.Join(n, ", ")
}

// StackedViewBy is the StackedView by dimension dim (one of StackDims; "" is "app").
func StackedViewBy(dim string) (View, error) {
	if dim == "" {
		dim = "app"
	}
	if !slices.Contains(StackDims, dim) {
		return View{}, fmt.Errorf("stack by %q: use one of %s", dim, strings.Join(StackDims, ", "))
	}
	return View{Name: StackedView, Title: "Daily by " + dim, Dims: mustDims("date", dim), ByTime: true}, nil
}

// add counts a row's calls; tiered says (and remembers) whether a model has tier prices.
func (t *TierCounts) add(r *PricedRow, tiered func(model string) bool) {
	if t.Calls == nil {
		t.Calls = map[string]int64{}
	}
	tier := r.ServiceTier
	if tier == "" {
		tier = TierNotStated
		if r.Priced && tiered(r.Model) {
			t.NotStatedTieredModels += r.Calls
		}
	}
	t.Calls[tier] += r.Calls
}

func priceRow(ctx context.Context, row Row, base string, p Pricer) (PricedRow, error) {
	pr := PricedRow{Row: row, Model: base}
	pr.Totals = Totals{Measures: row.Measures}
	if row.Failed() {
		pr.Totals.FailedCalls = row.Calls
	}
	c, err := p.Cost(ctx, pricing.Usage{
		ModelID: row.Model, Region: row.Region, Time: row.Hour, LongContext: row.LongContext,
		Over100K: row.Over100K, ServiceTier: row.ServiceTier,
		InputTokens: row.InputTokens, OutputTokens: row.OutputTokens,
		CacheReadTokens: row.CacheReadTokens, CacheWriteTokens: row.CacheWriteTokens,
		CacheWrite1hTokens: row.CacheWrite1hTokens, CacheWriteUnknownTTLTokens: row.CacheWriteUnknownTTLTokens,
	})
	priceGuardrail(&pr, p)
	var ue *pricing.UnpricedError
	switch {
	case errors.As(err, &ue):
		pr.Unprice = ue.Reason
		pr.Totals.UnpricedCalls = row.Calls
		pr.Totals.UnpricedTokens = pr.Totals.Tokens()
		return pr, nil
	case err != nil:
		return pr, fmt.Errorf("pricing %s in %s: %w", row.Model, row.Region, err)
	}
	pr.Priced = true
	pr.Cost = c
	pr.Totals.Cost = c.Total
	pr.Totals.UnknownTTLMaxExtra = c.UnknownTTLMaxExtra
	pr.Scope = c.Scope
	if c.Model != "" {
		pr.Model = c.Model
	}
	return pr, nil
}

// priceGuardrail prices a row's guardrail units, apart from its model cost: a policy the
// book has no price for leaves all of the row's units unpriced.
func priceGuardrail(pr *PricedRow, p Pricer) {
	units := pr.GuardrailUnits()
	if units == 0 {
		return
	}
	gp, ok := p.(GuardrailPricer)
	if !ok {
		pr.Totals.GuardrailUnpricedUnits = units
		return
	}
	uses := make([]pricing.GuardrailUse, len(invocationlog.GuardrailPolicies))
	for i, pol := range invocationlog.GuardrailPolicies {
		uses[i] = pricing.GuardrailUse{Policy: pol.Name, Units: pr.GuardrailValues()[i]}
	}
	c, err := gp.GuardrailCost(pr.Region, pr.Hour, uses)
	if err != nil {
		pr.Totals.GuardrailUnpricedUnits = units
		pr.GuardrailUnprice = err.Error()
		return
	}
	pr.Totals.GuardrailCost = c.Total
}

// viewAcc computes a view row by row.
type viewAcc struct {
	view View
	idx  map[string]int
	// lines are held in fixed-size chunks while the view grows (a view can have a line per
	// group: a million, when every call has its own session name), so that growing never
	// copies them, nor holds an old and a new slice at once; result makes them one slice.
	// (Moving a fast-growing view to one slice sized by projection was measured: it holds the
	// groups and the full-size slice at once, a higher peak than the copy at the end.)
	chunks [][]Line
	n      int
	// arena holds the lines' key values, lineChunk lines' worth at a time, so a line's Keys
	// is a slice of it rather than an allocation of its own.
	arena []string
	keys  []string // the row's key values (scratch)
	id    []byte   // their join (scratch)
}

const lineChunk = 2048

func (a *viewAcc) line(n int) *Line { return &a.chunks[n/lineChunk][n%lineChunk] }

// bigView is the number of lines past which a view's result makes room before it copies.
const bigView = 16 * lineChunk

func newViewAcc(v View) *viewAcc {
	return &viewAcc{view: v, idx: map[string]int{}, keys: make([]string, len(v.Dims))}
}

func (a *viewAcc) add(r *PricedRow, vc *viewCtx) {
	for j, d := range a.view.Dims {
		a.keys[j] = d.value(r, vc)
	}
	// A line's id is its single value, or its values joined by NULs; the lookup does not
	// allocate, only a new line's id is made a string.
	var n int
	var ok bool
	if len(a.keys) == 1 {
		n, ok = a.idx[a.keys[0]]
	} else {
		a.id = a.id[:0]
		for j, k := range a.keys {
			if j > 0 {
				a.id = append(a.id, 0)
			}
			a.id = append(a.id, k...)
		}
		n, ok = a.idx[string(a.id)]
	}
	if !ok {
		id := a.keys[0]
		if len(a.keys) > 1 {
			id = string(a.id)
		}
		n = a.n
		a.idx[id] = n
		if n%lineChunk == 0 {
			a.chunks = append(a.chunks, make([]Line, 0, lineChunk))
		}
		if len(a.arena) < len(a.keys) {
			a.arena = make([]string, lineChunk*len(a.keys))
		}
		k := a.arena[:len(a.keys):len(a.keys)]
		a.arena = a.arena[len(a.keys):]
		copy(k, a.keys)
		c := &a.chunks[len(a.chunks)-1]
		*c = append(*c, Line{Keys: k})
		a.n++
	}
	a.line(n).add(r.Totals)
}

func (a *viewAcc) result() ViewResult {
	if a.n > bigView {
		// A large view is about to be copied into one slice: let its index (a string and
		// an entry per line) go first, so that the copy reuses that memory rather than
		// adding to it.
		a.idx, a.arena = nil, nil
		debug.FreeOSMemory()
	}
	lines := make([]Line, 0, a.n)
	for i, c := range a.chunks {
		lines = append(lines, c...)
		a.chunks[i] = nil // each chunk can go as soon as it is copied
	}
	a.idx, a.chunks, a.arena = nil, nil, nil
	sortLines(lines, a.view.ByTime)
	return ViewResult{View: a.view, Lines: lines}
}

// sortLines puts a view's lines in report order: by time, or by cost, tokens and calls
// (largest first), then by keys. A view can have a million lines (one per generated session
// name), so it sorts a permutation rather than the lines themselves, and compares costs by
// their nearest float64 first: correctly rounded conversion is monotonic, so two costs whose
// floats differ are ordered as the floats are, and only equal floats fall back to the exact
// decimal comparison.
func sortLines(lines []Line, byTime bool) {
	order := make([]int32, len(lines))
	var costs []float64
	if !byTime {
		costs = make([]float64, len(lines))
	}
	for i := range lines {
		order[i] = int32(i)
		if costs != nil {
			costs[i], _ = lines[i].Cost.Float64()
		}
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &lines[i], &lines[j]
		if !byTime {
			if c := cmp.Compare(costs[j], costs[i]); c != 0 {
				return c
			}
			if c := b.Cost.Cmp(a.Cost); c != 0 {
				return c
			}
			if c := cmp.Compare(b.Tokens(), a.Tokens()); c != 0 {
				return c
			}
			if c := cmp.Compare(b.Calls, a.Calls); c != 0 {
				return c
			}
		}
		return slices.Compare(a.Keys, b.Keys)
	})
	// Apply the permutation in place, one cycle at a time: lines[k] becomes lines[order[k]].
	for k := range order {
		if order[k] < 0 {
			continue
		}
		tmp := lines[k]
		dst := k
		for {
			src := int(order[dst])
			order[dst] = -1
			if src == k {
				lines[dst] = tmp
				break
			}
			lines[dst] = lines[src]
			dst = src
		}
	}
}

// Budget is a report's verdict against a budget: the amount, the total it is compared with
// (model and guardrail cost, Totals.TotalCost) and whether the total is over it.
type Budget struct {
	AmountUSD decimal.Decimal
	TotalUSD  decimal.Decimal
	Over      bool
}

// RemainingUSD is what is left of the budget (negative when over).
func (b Budget) RemainingUSD() decimal.Decimal { return b.AmountUSD.Sub(b.TotalUSD) }

// CheckBudget sets the report's budget verdict for amount.
func (r *Report) CheckBudget(amount decimal.Decimal) {
	total := r.Totals.TotalCost()
	r.Budget = &Budget{AmountUSD: amount, TotalUSD: total, Over: total.GreaterThan(amount)}
}

// isoWeek is t's ISO 8601 week: "2025-W45".
func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// maxFilledDays bounds the days everyDay adds (a century of zero lines helps nobody).
const maxFilledDays = 3660

// everyDay returns the daily lines with a zero line for each day of [since, until) in loc
// that had no call, and marks the first and last day partial when the range does not cover
// them whole. Lines are in date order, as computeView sorts them.
func everyDay(lines []Line, since, until time.Time, loc *time.Location) []Line {
	first := since.In(loc)
	firstDay := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	last := until.Add(-time.Nanosecond).In(loc)
	lastDay := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, loc)
	have := map[string]int{}
	for i, l := range lines {
		have[l.Keys[0]] = i
	}
	var out []Line
	n := 0
	for d := firstDay; !d.After(lastDay) && n < maxFilledDays; d, n = d.AddDate(0, 0, 1), n+1 {
		key := d.Format(time.DateOnly)
		var l Line
		if i, ok := have[key]; ok {
			l = lines[i]
			delete(have, key)
		} else {
			l = Line{Keys: []string{key}}
		}
		next := d.AddDate(0, 0, 1)
		l.Partial = since.After(d) || until.Before(next)
		out = append(out, l)
	}
	// Lines outside the range's days (none, unless the days were cut at maxFilledDays).
	for _, l := range lines {
		if _, ok := have[l.Keys[0]]; ok {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Line) int { return strings.Compare(a.Keys[0], b.Keys[0]) })
	return out
}

// SortKeys are the measures SortViews orders by: cost (the default order), total_cost (with
// guardrails), and every measure column.
func SortKeys() []string {
	keys := []string{"cost", "total_cost"}
	for _, c := range MeasureColumns() {
		keys = append(keys, c.Name)
	}
	return keys
}

// SortViews orders the lines of every view that is not by time by the measure named by
// (one of SortKeys), largest first, ties by cost and then by key, and records the order in
// SortedBy, so that a report derived from this one (CollapseSessions) keeps it.
func (r *Report) SortViews(by string) error {
	if !slices.Contains(SortKeys(), by) {
		return fmt.Errorf("--sort %q: use one of %s", by, strings.Join(SortKeys(), ", "))
	}
	for i := range r.Views {
		if !r.Views[i].ByTime {
			sortLinesBy(r.Views[i].Lines, by)
		}
	}
	r.SortedBy = by
	return nil
}

// sortLinesBy orders lines by the measure named by (one of SortKeys), largest first, ties
// by cost and then by key.
func sortLinesBy(lines []Line, by string) {
	value := func(l *Line) decimal.Decimal {
		switch by {
		case "cost":
			return l.Cost
		case "total_cost":
			return l.TotalCost()
		}
		for _, c := range MeasureColumns() {
			if c.Name == by {
				return decimal.NewFromInt(l.Value(c))
			}
		}
		return decimal.Zero
	}
	slices.SortStableFunc(lines, func(a, b Line) int {
		if c := value(&b).Cmp(value(&a)); c != 0 {
			return c
		}
		if c := b.Cost.Cmp(a.Cost); c != 0 {
			return c
		}
		return slices.Compare(a.Keys, b.Keys)
	})
}
