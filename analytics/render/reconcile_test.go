package render

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

// fixedBook prices every model at $3 input, $15 output, $0.30 cache read per million.
type fixedBook struct{}

func (fixedBook) EntryFor(model string, scope pricing.Scope, region, tier string, t time.Time) (*pricing.Entry, error) {
	d := func(s string) *decimal.Decimal { v := decimal.RequireFromString(s); return &v }
	return &pricing.Entry{Model: model, Rates: pricing.Rates{Input: d("3"), Output: d("15"), CacheRead: d("0.3")}}, nil
}

// reconcileFixture is a small reconciliation with a line of each status, a gap of each side,
// principals, rates and other lines.
func reconcileFixture(t *testing.T) *cur.Reconciliation {
	t.Helper()
	day := func(d int) time.Time { return time.Date(2025, 11, d, 0, 0, 0, 0, time.UTC) }
	dec := decimal.RequireFromString
	const sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0"
	claude := "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
	items := cur.NewItems()
	add := func(d int, ut, principal, product string, qty, cost, desc string) {
		items.AddItem(cur.Item{Day: day(d), Account: "123456789012", LineItemType: "Usage", ProductCode: "AmazonBedrockFoundationModels",
			UsageType: ut, Principal: principal, RegionCode: "us-east-1", PricingUnit: "Units", Description: desc, ProductName: product},
			dec(qty), dec(cost), 1)
	}
	alice := "arn:aws:sts::123456789012:assumed-role/ChatbotApp/alice"
	add(3, "USE1-MP:USE1_InputTokenCount-Units", alice, claude, "1", "3", "$3.00 per million input tokens")
	add(3, "USE1-MP:USE1_OutputTokenCount-Units", alice, claude, "0.1", "1.65", "$16.50 per million output tokens")
	add(3, "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units", "", claude, "2", "0.6", "$0.30 per million cache read tokens")
	add(3, "USE1-anthropic.claude-sonnet-4-5-mantle-input-tokens-standard", "arn:aws:iam::123456789012:user/bob", "", "50000", "0.25", "$5.00 per million input tokens")
	add(4, "USE1-MP:USE1_InputTokenCount-Units", alice, claude, "0.2", "0.6", "$3.00 per million input tokens")
	items.AddItem(cur.Item{Day: day(3), Account: "123456789012", LineItemType: "Tax", ProductCode: "AmazonBedrock"}, decimal.Zero, dec("0.42"), 1)
	items.AddItem(cur.Item{Day: day(3), Account: "123456789012", LineItemType: "Usage", ProductCode: "AmazonBedrock", UsageType: "USE1-ProvisionedThroughput-ModelUnits", RegionCode: "us-east-1", PricingUnit: "Hrs"}, dec("24"), dec("480"), 24)

	logs := cur.NewLogs()
	row := func(d int, user string, in, out, cr int64, cin, cout, ccr string, scope pricing.Scope) {
		pr := analytics.PricedRow{Row: analytics.Row{Key: analytics.Key{Hour: day(d).Add(10 * time.Hour), Region: "us-east-1", Account: "123456789012",
			PrincipalKind: "assumed-role", App: "ChatbotApp", User: user, Principal: "ChatbotApp", Model: "us." + sonnet},
			Measures: analytics.Measures{Calls: 10, InputTokens: in, OutputTokens: out, CacheReadTokens: cr}},
			Model: sonnet, Scope: scope, Priced: true}
		pr.Cost = pricing.Cost{Input: dec(cin), Output: dec(cout), CacheRead: dec(ccr)}
		pr.Cost.Total = pr.Cost.Input.Add(pr.Cost.Output).Add(pr.Cost.CacheRead)
		logs.Add(&pr)
	}
	row(3, "alice", 1_000_000, 100_000, 0, "3", "1.5", "0", pricing.ScopeGeo)
	row(3, "carol", 0, 0, 2_000_000, "0", "0", "0.6", pricing.ScopeGlobal)
	row(4, "alice", 100_000, 0, 0, "0.3", "0", "0", pricing.ScopeInRegion)
	row(5, "alice", 500_000, 0, 0, "1.5", "0", "0", pricing.ScopeInRegion)
	ix := cur.NewModelIndex([]cur.ModelInfo{{ID: sonnet, Name: "Claude Sonnet 4.5", PriceListNames: []string{claude}}})
	rc := cur.Reconcile(items.All(), logs, cur.Options{Since: day(1), Until: day(6), Models: ix, Book: fixedBook{},
		BillSource: "./cur (2 Parquet files)", LogSource: "./logs", GeneratedAt: time.Date(2025, 11, 7, 8, 0, 0, 0, time.UTC)})
	rc.LineItems, rc.BedrockLineItems = 7, 7
	rc.CheckDrift(decimal.NewFromInt(5), false)
	return rc
}

func TestReconcileGolden(t *testing.T) {
	rc := reconcileFixture(t)
	for _, f := range []struct{ format, file string }{
		{"table", "reconcile.txt"}, {"csv", "reconcile.csv"}, {"json", "reconcile.json"}, {"markdown", "reconcile.md"}, {"html", "reconcile.html"},
	} {
		t.Run(f.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Reconciliation(&b, rc, f.format, ReconcileOptions{Top: 20}); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", f.file), b.Bytes())
		})
	}
	var b bytes.Buffer
	if err := Reconciliation(&b, rc, "json", ReconcileOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseReconciliationJSON(&b); err != nil {
		t.Errorf("the JSON does not read back: %v", err)
	}
}
