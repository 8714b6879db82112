package cur

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/shopspring/decimal"
)

// Schema names the JSON shape of a reconciliation (see README, "reconcile JSON contract").
const Schema = "bedrock-usage/reconcile@1"

// Status of a comparison line.
const (
	StatusMatch      = "match"       // within the tolerance
	StatusDrift      = "drift"       // both sides have it, beyond the tolerance
	StatusBilledOnly = "billed only" // the bill has it, the logs do not
	StatusLoggedOnly = "logged only" // the logs have it, the bill does not
	// StatusPending is a line of the bill's last day while the bill is still filling it in
	// (the period goes on after it), or of a day after it: listed, not in the totals.
	StatusPending = "pending"
)

// Reasons a line is on one side only: what it probably is.
const (
	ReasonMantle       = "bedrock-mantle endpoint traffic, which invocation logging never records"
	ReasonBatch        = "batch inference, which invocation logging does not record"
	ReasonOtherAccount = "usage of another account than the logs'"
	ReasonNoLogging    = "no invocation log at all in that region on that day: logging off, or not delivered"
	ReasonNotInLogs    = "the logs have calls in that region that day, but none of this model, kind and scope: calls through another account, profile or endpoint, or hours without logging"
	ReasonUnmapped     = "a model the price book does not name, so the logs' calls to it cannot be matched"
	ReasonNotBilledYet = "not billed yet: CUR 2.0 data arrives a day or two late"
	ReasonPartialDay   = "the bill's last day, which the export may still be filling in: compared once the next day is billed"
	ReasonUnmappedPeer = "the bill has usage that day in that region under a model name the price book does not map (see the billed-only lines): probably this usage"
	ReasonReserved     = "reserved capacity, billed per hour or month rather than per token"
	ReasonUnpriced     = "calls the logs cannot price (an unknown model, or an application inference profile not resolved: see --profile-map), so they cannot be matched with the bill"
	ReasonNotBilled    = "logged but not billed: a free or credited use, a failed call billed as nothing, or usage another account pays for"
)

// explained are the reasons of billed-only usage that no invocation log can have: the
// unexplained drift leaves them out.
var explained = map[string]bool{ReasonMantle: true, ReasonBatch: true, ReasonOtherAccount: true}

// reducesPrice says whether an adjustment line takes off the price (a credit, a refund, a
// discount): what --discount would apply. Tax and fees do not.
func reducesPrice(lineItemType string) bool {
	l := strings.ToLower(lineItemType)
	return strings.Contains(l, "credit") || strings.Contains(l, "refund") || strings.Contains(l, "discount")
}

// RateBook is what reconcile needs of the price book.
type RateBook interface {
	EntryFor(model string, scope pricing.Scope, region, tier string, t time.Time) (*pricing.Entry, error)
}

var _ RateBook = (*pricing.Book)(nil)

// Options configure Reconcile.
type Options struct {
	Since, Until time.Time // the period compared, [Since, Until), whole UTC days
	Models       *ModelIndex
	Book         RateBook
	// Tolerance is the drift, in percent of the billed tokens and cost, within which a line
	// matches (default 1).
	Tolerance decimal.Decimal
	// BillSource and LogSource say where each side was read (for the report).
	BillSource, LogSource string
	GeneratedAt           time.Time
}

// Reconciliation is the bill set against the logs.
type Reconciliation struct {
	Since, Until time.Time
	GeneratedAt  time.Time
	BillSource   string
	LogSource    string
	Tolerance    decimal.Decimal
	// LastBilledDay is the newest usage day the bill has (CUR lags a day or two): logged
	// usage after it is "not billed yet".
	LastBilledDay time.Time
	Totals        Totals
	Lines         []Line
	Principals    []PrincipalLine
	Gaps          []Gap
	Rates         []Rate
	Other         []Other
	// Discount is the share of the usage cost that discount and credit lines took off (a
	// negotiated price the book does not know), in percent; zero when none.
	Discount decimal.Decimal
	// LineItems counts the export's line items read and the Bedrock ones among them.
	LineItems, BedrockLineItems int64
	Warnings                    []string
	// Skipped lists the export's files that could not be read, and why: their line items
	// are missing from the bill side.
	Skipped []string
	// MaxDrift, DriftGate ("total" or "unexplained") and OverDrift are set by CheckDrift.
	MaxDrift  *decimal.Decimal
	DriftGate string
	OverDrift bool
}

// Totals of the compared token usage.
type Totals struct {
	BilledCost, LoggedCost, CostDrift decimal.Decimal
	// CostDriftPct is CostDrift in percent of the billed cost; nil when nothing was billed.
	CostDriftPct               *decimal.Decimal
	BilledTokens, LoggedTokens decimal.Decimal
	// OtherCost is the billed Bedrock cost that is not token usage (Other), not compared.
	OtherCost decimal.Decimal
	// NotBilledYet and PendingBilled are the logged and billed cost of the pending lines:
	// the bill's last day while the period goes on after it (the export refreshes during the
	// day), and the days after it (the bill lags a day or two). They are listed as lines and
	// left out of the totals compared, which end with the bill's last complete day.
	NotBilledYet, PendingBilled decimal.Decimal
	// Explained is the billed cost no invocation log can show (bedrock-mantle, batch, other
	// accounts); UnexplainedDrift is CostDrift without it, in percent of the billed cost
	// without it.
	Explained, UnexplainedDrift decimal.Decimal
	UnexplainedDriftPct         *decimal.Decimal
}

// Line is one day × region × model × token kind × scope × tier of both sides.
type Line struct {
	Day         time.Time
	Region      string
	Model       string // base model id; for an unmapped bill line, the bill's name with "?"
	Kind        string
	Scope       string
	Tier        string // "" standard, batch, priority, flex
	LongContext bool
	Mantle      bool
	Account     string // set on lines of another account than the logs'
	UsageTypes  []string
	// BilledTokens is unknown (TokensKnown false) when a billed unit is not understood.
	BilledTokens, LoggedTokens  decimal.Decimal
	TokensKnown                 bool
	BilledCost, LoggedCost      decimal.Decimal
	TokenDrift, CostDrift       decimal.Decimal
	TokenDriftPct, CostDriftPct *decimal.Decimal
	Status                      string
	Reason                      string
}

// PrincipalLine is the billed and logged cost of one IAM principal.
type PrincipalLine struct {
	Account, Principal     string
	BilledCost, LoggedCost decimal.Decimal
	CostDrift              decimal.Decimal
	CostDriftPct           *decimal.Decimal
	LoggedCalls            int64
	Status                 string
}

// Gap sums the lines on one side only by what they probably are.
type Gap struct {
	Side    string // StatusBilledOnly or StatusLoggedOnly
	Reason  string
	Lines   int
	Cost    decimal.Decimal // billed cost (billed only) or logged cost (logged only)
	Tokens  decimal.Decimal
	Regions []string
	Models  []string
}

// Rate is an effective rate learned from the bill (cost ÷ tokens) beside the book's.
type Rate struct {
	Model, Region, Scope, Tier, Kind string
	LongContext, Mantle              bool
	Tokens                           decimal.Decimal
	Cost                             decimal.Decimal
	Billed                           decimal.Decimal  // USD per million tokens
	Book                             *decimal.Decimal // nil when the book has no rate
	DiffPct                          *decimal.Decimal
	BookEntry                        string // where the book's rate comes from
}

// Other is billed Bedrock usage reconcile does not compare per token: provisioned or
// reserved throughput, other units, usage types it does not understand, and the bill's
// adjustments (credits, discounts, tax, refunds).
type Other struct {
	Kind         string // "adjustment", "not token usage", "not understood"
	LineItemType string
	UsageType    string
	Region       string
	Quantity     decimal.Decimal
	PricingUnit  string
	Cost         decimal.Decimal
	Lines        int64
}

var (
	hundred = decimal.NewFromInt(100)
	million = decimal.NewFromInt(1_000_000)
)

// usageLineTypes are the line item types of billed usage; every other type (Credit,
// Refund, Tax, Fee, discounts) is an adjustment.
var usageLineTypes = map[string]bool{"Usage": true, "DiscountedUsage": true, "SavingsPlanCoveredUsage": true}

// Reconcile sets the bill's items against the logs.
func Reconcile(items []Item, logs *Logs, opts Options) *Reconciliation {
	tol := opts.Tolerance
	if tol.IsZero() {
		tol = decimal.NewFromInt(1)
	}
	rc := &Reconciliation{Since: opts.Since, Until: opts.Until, GeneratedAt: opts.GeneratedAt, BillSource: opts.BillSource,
		LogSource: opts.LogSource, Tolerance: tol}
	billed := map[lineKey]*sums{}
	usageTypes := map[lineKey]map[string]bool{}
	billPrincipals := map[dayPrincipal]*sums{}
	others := map[[4]string]*Other{}
	var usageCost, adjustCost decimal.Decimal
	addOther := func(kind string, it *Item, region string) {
		k := [4]string{kind, it.LineItemType, it.UsageType, region}
		o := others[k]
		if o == nil {
			o = &Other{Kind: kind, LineItemType: it.LineItemType, UsageType: it.UsageType, Region: region, PricingUnit: it.PricingUnit}
			others[k] = o
		}
		o.Quantity = o.Quantity.Add(it.Quantity)
		o.Cost = o.Cost.Add(it.Cost)
		o.Lines += it.Lines
		rc.Totals.OtherCost = rc.Totals.OtherCost.Add(it.Cost)
	}
	type rateKey struct {
		Model, Region, Scope, Tier, Kind string
		Long, Mantle                     bool
	}
	rates := map[rateKey]*sums{}
	for i := range items {
		it := &items[i]
		if it.Day.Before(opts.Since) || !it.Day.Before(opts.Until) {
			continue
		}
		if it.Day.After(rc.LastBilledDay) {
			rc.LastBilledDay = it.Day
		}
		u, ok := ParseUsageType(it.UsageType)
		region := it.RegionCode
		if region == "" {
			region = u.Region
		}
		if !usageLineTypes[it.LineItemType] {
			if reducesPrice(it.LineItemType) {
				adjustCost = adjustCost.Add(it.Cost)
			}
			addOther("adjustment", it, region)
			continue
		}
		usageCost = usageCost.Add(it.Cost)
		switch {
		case !ok:
			addOther("not understood", it, region)
			continue
		case !u.Tokens:
			addOther("not token usage", it, region)
			continue
		case region == "":
			addOther("not understood", it, region)
			continue
		}
		name := u.Model
		if u.Marketplace || name == "" {
			name = it.ProductName
		}
		model, mapped := opts.Models.Lookup(name)
		if !mapped {
			model = "?" + name
		}
		per, known := unitTokens(it.PricingUnit, it.Description, it.Quantity, it.Cost)
		tokens := decimal.Zero
		if known {
			tokens = it.Quantity.Mul(per)
		}
		k := lineKey{Day: it.Day, Region: region, Model: model, Kind: u.Kind, Scope: u.Scope, Tier: u.Tier, LongContext: u.LongContext, Mantle: u.Mantle}
		if it.Account != "" && len(logs.accounts) > 0 && !logs.accounts[it.Account] {
			k.Account = it.Account
		}
		s := billed[k]
		if s == nil {
			s = &sums{}
			billed[k] = s
			usageTypes[k] = map[string]bool{}
		}
		s.add(tokens, it.Cost, known)
		usageTypes[k][it.UsageType] = true
		if !u.Mantle && u.Tier != TierBatch && k.Account == "" {
			// Only usage the logs can see: mantle, batch and other accounts are gaps.
			bp := dayPrincipal{it.Day, billPrincipal(it.Principal)}
			ps := billPrincipals[bp]
			if ps == nil {
				ps = &sums{}
				billPrincipals[bp] = ps
			}
			ps.add(tokens, it.Cost, known)
		}
		if known && mapped && !tokens.IsZero() {
			rk := rateKey{model, region, u.Scope, u.Tier, u.Kind, u.LongContext, u.Mantle}
			r := rates[rk]
			if r == nil {
				r = &sums{}
				rates[rk] = r
			}
			r.add(tokens, it.Cost, true)
		}
	}
	if !usageCost.IsZero() && adjustCost.IsNegative() {
		rc.Discount = adjustCost.Neg().Div(usageCost).Mul(hundred).Round(2)
	}
	// The bill is refreshed during the day: its last day is complete only when the period
	// ends with it. Otherwise that day and the days after it are pending, listed but not in
	// the totals compared.
	pendingFrom := time.Time{}
	if !rc.LastBilledDay.IsZero() && rc.LastBilledDay.Add(24*time.Hour).Before(opts.Until) {
		pendingFrom = rc.LastBilledDay
	}
	pending := func(day time.Time) bool { return !pendingFrom.IsZero() && !day.Before(pendingFrom) }
	unmappedAt := map[[2]string]bool{}
	for k := range billed {
		if strings.HasPrefix(k.Model, "?") {
			unmappedAt[[2]string{k.Day.Format(time.DateOnly), k.Region}] = true
		}
	}
	// The lines: every key of either side.
	keys := map[lineKey]bool{}
	for k := range billed {
		keys[k] = true
	}
	for k, s := range logs.lines {
		if k.Day.Before(opts.Since) || !k.Day.Before(opts.Until) || (s.tokens.IsZero() && s.cost.IsZero()) {
			continue
		}
		keys[k] = true
	}
	for k := range keys {
		b, l := billed[k], logs.lines[k]
		ln := Line{Day: k.Day, Region: k.Region, Model: k.Model, Kind: k.Kind, Scope: k.Scope, Tier: k.Tier, LongContext: k.LongContext,
			Mantle: k.Mantle, Account: k.Account, TokensKnown: true}
		for ut := range usageTypes[k] {
			ln.UsageTypes = append(ln.UsageTypes, ut)
		}
		slices.Sort(ln.UsageTypes)
		if b != nil {
			ln.BilledTokens, ln.BilledCost, ln.TokensKnown = b.tokens, b.cost, b.known
		}
		if l != nil {
			ln.LoggedTokens, ln.LoggedCost = l.tokens, l.cost
		}
		ln.TokenDrift = ln.LoggedTokens.Sub(ln.BilledTokens)
		ln.CostDrift = ln.LoggedCost.Sub(ln.BilledCost)
		if ln.TokensKnown {
			ln.TokenDriftPct = pct(ln.TokenDrift, ln.BilledTokens)
		}
		ln.CostDriftPct = pct(ln.CostDrift, ln.BilledCost)
		switch {
		case pending(k.Day):
			ln.Status, ln.Reason = StatusPending, ReasonPartialDay
			if k.Day.After(rc.LastBilledDay) {
				ln.Reason = ReasonNotBilledYet
			}
		case b == nil:
			ln.Status = StatusLoggedOnly
			ln.Reason = ReasonNotBilled
			switch {
			case k.Tier == TierReserved:
				ln.Reason = ReasonReserved
			case l.unpriced:
				ln.Reason = ReasonUnpriced
			case unmappedAt[[2]string{k.Day.Format(time.DateOnly), k.Region}]:
				ln.Reason = ReasonUnmappedPeer
			}
		case l == nil:
			ln.Status = StatusBilledOnly
			ln.Reason = billedOnlyReason(&ln, logs)
		case within(ln.CostDriftPct, ln.CostDrift, tol) && (!ln.TokensKnown || within(ln.TokenDriftPct, ln.TokenDrift, tol)):
			ln.Status = StatusMatch
		default:
			ln.Status = StatusDrift
			dr := [2]string{k.Day.Format(time.DateOnly), k.Region}
			if h := bits.OnesCount32(logs.hours[dr]); ln.CostDrift.IsNegative() && h < 24 {
				ln.Reason = fmt.Sprintf("the logs of that day in that region have calls in %d of its 24 hours: hours without logging may explain what the logs lack", h)
			}
		}
		rc.Lines = append(rc.Lines, ln)
		if ln.Status == StatusPending {
			rc.Totals.NotBilledYet = rc.Totals.NotBilledYet.Add(ln.LoggedCost)
			rc.Totals.PendingBilled = rc.Totals.PendingBilled.Add(ln.BilledCost)
			continue
		}
		rc.Totals.BilledCost = rc.Totals.BilledCost.Add(ln.BilledCost)
		rc.Totals.LoggedCost = rc.Totals.LoggedCost.Add(ln.LoggedCost)
		if ln.TokensKnown { // a line whose billed tokens are unknown adds to neither side
			rc.Totals.BilledTokens = rc.Totals.BilledTokens.Add(ln.BilledTokens)
			rc.Totals.LoggedTokens = rc.Totals.LoggedTokens.Add(ln.LoggedTokens)
		}
		if ln.Status == StatusBilledOnly && explained[ln.Reason] {
			rc.Totals.Explained = rc.Totals.Explained.Add(ln.BilledCost)
		}
	}
	rc.Totals.CostDrift = rc.Totals.LoggedCost.Sub(rc.Totals.BilledCost)
	rc.Totals.CostDriftPct = pct(rc.Totals.CostDrift, rc.Totals.BilledCost)
	rc.Totals.UnexplainedDrift = rc.Totals.CostDrift.Add(rc.Totals.Explained)
	rc.Totals.UnexplainedDriftPct = pct(rc.Totals.UnexplainedDrift, rc.Totals.BilledCost.Sub(rc.Totals.Explained))
	slices.SortFunc(rc.Lines, func(a, b Line) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Model, b.Model),
			cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Tier, b.Tier),
			cmpBool(a.LongContext, b.LongContext), cmpBool(a.Mantle, b.Mantle), cmp.Compare(a.Account, b.Account))
	})
	rc.Gaps = gaps(rc.Lines)
	rc.Principals = principals(billPrincipals, logs, tol, func(day time.Time) bool { return !pending(day) && !day.Before(opts.Since) && day.Before(opts.Until) })
	for k, s := range rates {
		r := Rate{Model: k.Model, Region: k.Region, Scope: k.Scope, Tier: k.Tier, Kind: k.Kind, LongContext: k.Long, Mantle: k.Mantle,
			Tokens: s.tokens, Cost: s.cost, Billed: s.cost.Div(s.tokens).Mul(million).Round(6)}
		if opts.Book != nil && !k.Mantle { // the book prices the runtime API, not mantle
			if rate, where := bookRate(opts.Book, r, opts.Since); rate != nil {
				r.Book, r.BookEntry = rate, where
				r.DiffPct = pct(r.Billed.Sub(*rate), *rate)
			}
		}
		rc.Rates = append(rc.Rates, r)
	}
	slices.SortFunc(rc.Rates, func(a, b Rate) int {
		return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Scope, b.Scope),
			cmp.Compare(a.Tier, b.Tier), cmpBool(a.LongContext, b.LongContext), cmpBool(a.Mantle, b.Mantle), cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)))
	})
	for _, o := range others {
		rc.Other = append(rc.Other, *o)
	}
	slices.SortFunc(rc.Other, func(a, b Other) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), b.Cost.Abs().Cmp(a.Cost.Abs()), cmp.Compare(a.UsageType, b.UsageType), cmp.Compare(a.Region, b.Region))
	})
	attributed := false
	for k := range billPrincipals {
		attributed = attributed || k.Account != "" || k.Principal != "(not attributed)"
	}
	if len(billPrincipals) > 0 && !attributed {
		rc.Warnings = append(rc.Warnings, "the bill has no IAM principal (line_item_iam_principal is empty): turn on IAM principal data in the export (the CDK app's export does); AWS attributes usage from 2026-04-08 on")
	}
	if logs.unpriced > 0 {
		rc.Warnings = append(rc.Warnings, fmt.Sprintf("%d logged calls are unpriced (%s): their tokens are compared, their cost counts as zero", logs.unpriced, strings.Join(sortedSet(logs.unpricedModels), ", ")))
	}
	if rc.LastBilledDay.IsZero() {
		rc.Warnings = append(rc.Warnings, "the export has no Bedrock usage in the period: is the export delivered, and the period billed yet?")
	} else if last := opts.Until.Add(-24 * time.Hour); rc.LastBilledDay.Before(last) {
		rc.Warnings = append(rc.Warnings, fmt.Sprintf("the bill ends on %s, before the period does: that day (which the export may still be filling in) and the days after it are pending, not compared", rc.LastBilledDay.Format(time.DateOnly)))
	}
	return rc
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func kindOrder(k string) int {
	if i := slices.Index(Kinds, k); i >= 0 {
		return i
	}
	return len(Kinds)
}

// pct is d in percent of base, to two decimals; nil when base is zero.
func pct(d, base decimal.Decimal) *decimal.Decimal {
	if base.IsZero() {
		return nil
	}
	p := d.Div(base).Mul(hundred).Round(2)
	return &p
}

// within says whether a drift is within tol percent (a drift of less than a cent, or of no
// token, always is).
func within(p *decimal.Decimal, d decimal.Decimal, tol decimal.Decimal) bool {
	if d.Abs().LessThan(decimal.New(1, -2)) {
		return true
	}
	return p != nil && p.Abs().LessThanOrEqual(tol)
}

// billedOnlyReason says what a billed line the logs do not have probably is.
func billedOnlyReason(ln *Line, logs *Logs) string {
	switch {
	case ln.Mantle:
		return ReasonMantle
	case ln.Tier == TierBatch:
		return ReasonBatch
	case ln.Account != "":
		return ReasonOtherAccount
	case logs.dayRegions[[2]string{ln.Day.Format(time.DateOnly), ln.Region}] == 0:
		return ReasonNoLogging
	case strings.HasPrefix(ln.Model, "?"):
		return ReasonUnmapped
	}
	return ReasonNotInLogs
}

func gaps(lines []Line) []Gap {
	type gk struct{ side, reason string }
	m := map[gk]*Gap{}
	regions := map[gk]map[string]bool{}
	models := map[gk]map[string]bool{}
	for _, ln := range lines {
		if ln.Status != StatusBilledOnly && ln.Status != StatusLoggedOnly {
			continue
		}
		k := gk{ln.Status, ln.Reason}
		g := m[k]
		if g == nil {
			g = &Gap{Side: ln.Status, Reason: ln.Reason}
			m[k] = g
			regions[k], models[k] = map[string]bool{}, map[string]bool{}
		}
		g.Lines++
		if ln.Status == StatusBilledOnly {
			g.Cost, g.Tokens = g.Cost.Add(ln.BilledCost), g.Tokens.Add(ln.BilledTokens)
		} else {
			g.Cost, g.Tokens = g.Cost.Add(ln.LoggedCost), g.Tokens.Add(ln.LoggedTokens)
		}
		regions[k][ln.Region] = true
		models[k][ln.Model] = true
	}
	var out []Gap
	for k, g := range m {
		g.Regions, g.Models = sortedSet(regions[k]), sortedSet(models[k])
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(a.Side, b.Side), b.Cost.Cmp(a.Cost), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// principals sets the billed cost of each principal against the logged, over the days
// keep accepts (the bill's complete days of the period).
func principals(billedByDay map[dayPrincipal]*sums, logs *Logs, tol decimal.Decimal, keep func(time.Time) bool) []PrincipalLine {
	billed, logged := map[principalKey]*sums{}, map[principalKey]*sums{}
	fold := func(into map[principalKey]*sums, from map[dayPrincipal]*sums) {
		for k, s := range from {
			if !keep(k.Day) {
				continue
			}
			t := into[k.principalKey]
			if t == nil {
				t = &sums{}
				into[k.principalKey] = t
			}
			t.tokens, t.cost, t.calls = t.tokens.Add(s.tokens), t.cost.Add(s.cost), t.calls+s.calls
		}
	}
	fold(billed, billedByDay)
	fold(logged, logs.principals)
	keys := map[principalKey]bool{}
	for k := range billed {
		keys[k] = true
	}
	for k := range logged {
		keys[k] = true
	}
	var out []PrincipalLine
	for k := range keys {
		p := PrincipalLine{Account: k.Account, Principal: k.Principal}
		b, l := billed[k], logged[k]
		if b != nil {
			p.BilledCost = b.cost
		}
		if l != nil {
			p.LoggedCost, p.LoggedCalls = l.cost, l.calls
		}
		p.CostDrift = p.LoggedCost.Sub(p.BilledCost)
		p.CostDriftPct = pct(p.CostDrift, p.BilledCost)
		switch {
		case b == nil:
			p.Status = StatusLoggedOnly
		case l == nil:
			p.Status = StatusBilledOnly
		case within(p.CostDriftPct, p.CostDrift, tol):
			p.Status = StatusMatch
		default:
			p.Status = StatusDrift
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b PrincipalLine) int {
		return cmp.Or(decimal.Max(b.BilledCost, b.LoggedCost).Cmp(decimal.Max(a.BilledCost, a.LoggedCost)), cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Account, b.Account))
	})
	return out
}

// bookRate is the book's rate for an effective rate's model, scope, region, tier and kind
// at t, and the entry's origin.
func bookRate(book RateBook, r Rate, t time.Time) (*decimal.Decimal, string) {
	scope := pricing.ScopeInRegion
	if r.Scope == ScopeGlobal {
		scope = pricing.ScopeGlobal
	}
	e, err := book.EntryFor(r.Model, scope, r.Region, r.Tier, t)
	if err != nil && scope == pricing.ScopeInRegion {
		// Regional usage is in-region and geographic calls at one rate; a model the book
		// prices for geographic profiles only has it there.
		e, err = book.EntryFor(r.Model, pricing.ScopeGeo, r.Region, r.Tier, t)
	}
	if err != nil {
		return nil, ""
	}
	rates := &e.Rates
	if r.LongContext {
		if e.LongContext == nil {
			return nil, ""
		}
		rates = e.LongContext
	}
	var v *decimal.Decimal
	switch r.Kind {
	case KindInput:
		v = rates.Input
	case KindOutput:
		v = rates.Output
	case KindCacheRead:
		v = rates.CacheRead
	case KindCacheWrite:
		v = rates.CacheWrite
	case KindCacheWrite1h:
		v = rates.CacheWrite1h
	}
	return v, e.Origin()
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CheckDrift records the --max-drift verdict: over when the total's cost drift, in percent
// of the billed cost, is larger than max either way, or when the logs cost something and the
// bill nothing. With unexplained, the drift is the unexplained one: without the billed usage
// no invocation log can show (bedrock-mantle, batch, other accounts).
func (rc *Reconciliation) CheckDrift(max decimal.Decimal, unexplained bool) bool {
	rc.MaxDrift, rc.DriftGate = &max, "total"
	p, logged := rc.Totals.CostDriftPct, rc.Totals.LoggedCost
	if unexplained {
		rc.DriftGate = "unexplained"
		p = rc.Totals.UnexplainedDriftPct
	}
	rc.OverDrift = (p != nil && p.Abs().GreaterThan(max)) || (p == nil && !logged.IsZero())
	return rc.OverDrift
}
