package cur

import (
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/shopspring/decimal"
)

// lineKey is the grain of the comparison: day × region × model × token kind × scope × tier ×
// long context. Mantle and Account (another account's) are set on billed usage only, so such
// usage never joins a logged line.
type lineKey struct {
	Day                              time.Time
	Region, Model, Kind, Scope, Tier string
	LongContext, Mantle              bool
	Account                          string
}

type principalKey struct{ Account, Principal string }

// dayPrincipal is a principal's logged usage of one day: the comparison keeps only the days
// the bill has.
type dayPrincipal struct {
	Day time.Time
	principalKey
}

type sums struct {
	tokens decimal.Decimal
	cost   decimal.Decimal
	known  bool // tokens known (the bill's unit was understood)
	calls  int64
	// unpriced: logged calls the book could not price are in these sums
	unpriced bool
	added    bool // add has been called
}

// add adds one item: the tokens stay known while every item's are.
func (s *sums) add(tokens, cost decimal.Decimal, known bool) {
	s.known = known && (s.known || !s.added)
	s.added = true
	s.tokens = s.tokens.Add(tokens)
	s.cost = s.cost.Add(cost)
}

// Logs is the logs' side of a reconciliation: the report's priced rows summed at the
// comparison's grain, by principal, and by day and region (to tell a region or day without
// logging from a model the logs do not have). Feed it with Add from
// analytics.ReportOptions.Observe.
type Logs struct {
	lines          map[lineKey]*sums
	principals     map[dayPrincipal]*sums
	dayRegions     map[[2]string]int64  // calls per day and region
	hours          map[[2]string]uint32 // the hours of the day with calls, a bit each, per day and region
	accounts       map[string]bool
	unpriced       int64 // calls the book could not price (their tokens are compared, not their cost)
	unpricedModels map[string]bool
}

// NewLogs returns an empty Logs.
func NewLogs() *Logs {
	return &Logs{lines: map[lineKey]*sums{}, principals: map[dayPrincipal]*sums{}, dayRegions: map[[2]string]int64{}, hours: map[[2]string]uint32{},
		accounts: map[string]bool{}, unpricedModels: map[string]bool{}}
}

// Add adds one priced row of the report.
func (l *Logs) Add(pr *analytics.PricedRow) {
	day := pr.Hour.UTC().Truncate(24 * time.Hour)
	dr := [2]string{day.Format(time.DateOnly), pr.Region}
	l.dayRegions[dr] += pr.Calls
	l.hours[dr] |= 1 << uint(pr.Hour.UTC().Hour())
	if pr.Account != "" {
		l.accounts[pr.Account] = true
	}
	if !pr.Priced {
		l.unpriced += pr.Calls
		l.unpricedModels[pr.Row.Model] = true
	}
	scope := ScopeRegional
	if pr.Scope == pricing.ScopeGlobal || (!pr.Priced && strings.HasPrefix(pr.Row.Model, "global.")) {
		scope = ScopeGlobal
	}
	tier := pr.ServiceTier
	if tier == pricing.TierDefault {
		tier = TierStandard
	}
	long := pr.Cost.LongContext || (!pr.Priced && pr.LongContext)
	cw5 := pr.CacheWriteTokens - pr.CacheWrite1hTokens
	per := [...]struct {
		kind   string
		tokens int64
		cost   decimal.Decimal
	}{
		{KindInput, pr.InputTokens, pr.Cost.Input},
		{KindOutput, pr.OutputTokens, pr.Cost.Output},
		{KindCacheRead, pr.CacheReadTokens, pr.Cost.CacheRead},
		{KindCacheWrite, cw5, pr.Cost.CacheWrite},
		{KindCacheWrite1h, pr.CacheWrite1hTokens, pr.Cost.CacheWrite1h},
	}
	pk := dayPrincipal{day, principalKey{pr.Account, principalLabel(pr.PrincipalKind, pr.App, pr.User, pr.Principal)}}
	ps := l.principals[pk]
	if ps == nil {
		ps = &sums{known: true}
		l.principals[pk] = ps
	}
	ps.calls += pr.Calls
	for _, k := range per {
		if k.tokens == 0 && k.cost.IsZero() {
			continue
		}
		key := lineKey{Day: day, Region: pr.Region, Model: pr.Model, Kind: k.kind, Scope: scope, Tier: tier, LongContext: long}
		s := l.lines[key]
		if s == nil {
			s = &sums{known: true}
			l.lines[key] = s
		}
		s.unpriced = s.unpriced || !pr.Priced
		t := decimal.NewFromInt(k.tokens)
		s.tokens = s.tokens.Add(t)
		s.cost = s.cost.Add(k.cost)
		ps.tokens = ps.tokens.Add(t)
		ps.cost = ps.cost.Add(k.cost)
	}
}

// principalLabel names a caller the same way for the logs and the bill: the role and session
// of an assumed role ("ChatApp/session-1"), otherwise the principal (an IAM user's name).
func principalLabel(kind, app, user, principal string) string {
	if app != "" {
		if user == "" {
			return app
		}
		return app + "/" + user
	}
	if principal == "" {
		return "(not attributed)"
	}
	return principal
}

// billPrincipal is principalLabel of a line_item_iam_principal ARN, and its account.
func billPrincipal(arn string) principalKey {
	if strings.TrimSpace(arn) == "" {
		return principalKey{Principal: "(not attributed)"}
	}
	c := invocationlog.ParseARN(arn)
	return principalKey{c.Account, principalLabel(string(c.Kind), c.App(), c.User(), c.Principal())}
}
