package curtest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// Bill writes the bill AWS would send for priced rows of a report: one line item a day per
// region, model, token kind, scope, tier and IAM principal, with the rows' tokens and cost.
// Anthropic models bill as Marketplace editions (USE1-MP:USE1_InputTokenCount-Units, the
// model in product_name, quantities in millions of tokens), others first-party style
// (USE1-NovaLite-input-tokens, in thousands).
type Bill struct {
	Account string
	// Names gives a base model's display name and Price List name.
	Names func(model string) (name, priceList string)
}

type billKey struct {
	day                              time.Time
	region, model, kind, scope, tier string
	long                             bool
	principal                        string
}

// FromRows builds the line items.
func (b Bill) FromRows(rows []analytics.PricedRow) []cur.LineItem {
	sums := map[billKey]*[2]decimal.Decimal{}
	for _, pr := range rows {
		scope := cur.ScopeRegional
		if pr.Scope == pricing.ScopeGlobal {
			scope = cur.ScopeGlobal
		}
		tier := pr.ServiceTier
		if tier == pricing.TierDefault {
			tier = ""
		}
		for _, k := range []struct {
			kind   string
			tokens int64
			cost   decimal.Decimal
		}{
			{cur.KindInput, pr.InputTokens, pr.Cost.Input}, {cur.KindOutput, pr.OutputTokens, pr.Cost.Output},
			{cur.KindCacheRead, pr.CacheReadTokens, pr.Cost.CacheRead},
			{cur.KindCacheWrite, pr.CacheWriteTokens - pr.CacheWrite1hTokens, pr.Cost.CacheWrite},
			{cur.KindCacheWrite1h, pr.CacheWrite1hTokens, pr.Cost.CacheWrite1h},
		} {
			if k.tokens == 0 {
				continue
			}
			key := billKey{pr.Hour.UTC().Truncate(24 * time.Hour), pr.Region, pr.Model, k.kind, scope, tier, pr.Cost.LongContext, PrincipalARN(pr.Row)}
			s := sums[key]
			if s == nil {
				s = &[2]decimal.Decimal{}
				sums[key] = s
			}
			s[0] = s[0].Add(decimal.NewFromInt(k.tokens))
			s[1] = s[1].Add(k.cost)
		}
	}
	keys := make([]billKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, c billKey) int {
		return cmp.Or(a.day.Compare(c.day), cmp.Compare(a.region, c.region), cmp.Compare(a.model, c.model), cmp.Compare(a.kind, c.kind),
			cmp.Compare(a.scope, c.scope), cmp.Compare(a.tier, c.tier), cmp.Compare(fmt.Sprint(a.long), fmt.Sprint(c.long)), cmp.Compare(a.principal, c.principal))
	})
	out := make([]cur.LineItem, 0, len(keys))
	for _, k := range keys {
		s := sums[k]
		out = append(out, b.item(k, s[0], s[1]))
	}
	return out
}

var camel = map[string]string{
	cur.KindInput: "InputTokenCount", cur.KindOutput: "OutputTokenCount", cur.KindCacheRead: "CacheReadInputTokenCount",
	cur.KindCacheWrite: "CacheWriteInputTokenCount", cur.KindCacheWrite1h: "CacheWrite1hInputTokenCount",
}

var dashed = map[string]string{
	cur.KindInput: "input-tokens", cur.KindOutput: "output-tokens", cur.KindCacheRead: "cache-read-input-token-count",
	cur.KindCacheWrite: "cache-write-input-token-count", cur.KindCacheWrite1h: "cache-write-1h-input-token-count",
}

func (b Bill) item(k billKey, tokens, cost decimal.Decimal) cur.LineItem {
	code := cur.CodeOfRegion(k.region)
	name, pl := b.Names(k.model)
	li := cur.LineItem{
		PayerAccount: b.Account, UsageAccount: b.Account, LineItemType: "Usage", UsageStart: k.day, UsageEnd: k.day.Add(24 * time.Hour),
		Operation: "InvokeModelInference", RegionCode: k.region, IAMPrincipal: k.principal,
	}
	li.UnblendedCost, _ = cost.Float64()
	if strings.HasPrefix(k.model, "anthropic.") {
		comp := camel[k.kind]
		if k.scope == cur.ScopeGlobal {
			comp += "_Global"
		}
		if k.tier != "" {
			comp += "_" + strings.ToUpper(k.tier[:1]) + k.tier[1:]
		}
		if k.long {
			comp += "_LongContext"
		}
		li.UsageType = code + "-MP:" + code + "_" + comp + "-Units"
		li.ProductCode = "AmazonBedrockFoundationModels"
		li.Product = map[string]string{"product_name": pl, "servicename": pl, "region": k.region}
		li.PricingUnit = "Units"
		li.UsageAmount, _ = tokens.Div(decimal.NewFromInt(1_000_000)).Float64()
		li.Description = fmt.Sprintf("AWS Marketplace software usage|$%s per million %s tokens of %s", cost.Div(tokens).Mul(decimal.NewFromInt(1_000_000)).Round(6), strings.ReplaceAll(k.kind, "_", " "), pl)
	} else {
		ut := code + "-" + strings.ReplaceAll(name, " ", "") + "-" + dashed[k.kind]
		if k.scope == cur.ScopeGlobal {
			ut += "-cross-region-global"
		}
		if k.tier != "" {
			ut += "-" + k.tier
		}
		if k.long {
			ut += "-long-context"
		}
		li.UsageType = ut
		li.ProductCode = "AmazonBedrock"
		li.Product = map[string]string{"product_name": "Amazon Bedrock", "servicename": "Amazon Bedrock", "model": name}
		li.PricingUnit = "1K tokens"
		li.UsageAmount, _ = tokens.Div(decimal.NewFromInt(1000)).Float64()
		li.Description = name + " " + k.kind + " tokens"
	}
	if li.UnblendedCost != 0 && li.UsageAmount != 0 {
		li.UnblendedRate = decimal.NewFromFloat(li.UnblendedCost / li.UsageAmount).String()
	}
	return li
}

// PrincipalARN is the IAM principal ARN of a row's caller, as line_item_iam_principal
// carries it.
func PrincipalARN(r analytics.Row) string {
	acct := r.Account
	switch r.PrincipalKind {
	case "assumed-role":
		return "arn:aws:sts::" + acct + ":assumed-role/" + r.App + "/" + r.User
	case "iam-user":
		return "arn:aws:iam::" + acct + ":user/" + r.Principal
	case "identity-center":
		return "arn:aws:sts::" + acct + ":assumed-role/AWSReservedSSO_Test_0123456789abcdef/" + r.Principal
	case "federated-user":
		return "arn:aws:sts::" + acct + ":federated-user/" + r.Principal
	case "iam-role":
		return "arn:aws:iam::" + acct + ":role/" + r.App
	case "root":
		return "arn:aws:iam::" + acct + ":root"
	}
	return ""
}
