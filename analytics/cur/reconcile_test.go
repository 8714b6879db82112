package cur

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

const haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"

var (
	d3   = time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)
	dec  = decimal.RequireFromString
	hIdx = NewModelIndex([]ModelInfo{{ID: haiku, Name: "Claude Haiku 4.5", PriceListNames: []string{"Claude Haiku 4.5 (Amazon Bedrock Edition)"}}})
)

func billItem(ut, unit, desc, qty, cost, principal string) Item {
	return Item{Day: d3, Account: "123456789012", LineItemType: "Usage", ProductCode: "AmazonBedrockFoundationModels", UsageType: ut,
		Principal: principal, RegionCode: "us-east-1", PricingUnit: unit, Description: desc, ProductName: "Claude Haiku 4.5 (Amazon Bedrock Edition)",
		Quantity: dec(qty), Cost: dec(cost), Lines: 1}
}

func loggedRow(in int64, cost string, priced bool) *analytics.PricedRow {
	pr := &analytics.PricedRow{Row: analytics.Row{Key: analytics.Key{Hour: d3.Add(5 * time.Hour), Region: "us-east-1", Account: "123456789012",
		PrincipalKind: "assumed-role", App: "ChatbotApp", User: "alice", Principal: "ChatbotApp", Model: "us." + haiku},
		Measures: analytics.Measures{Calls: 3, InputTokens: in}}, Model: haiku, Scope: pricing.ScopeGeo, Priced: priced}
	if priced {
		pr.Cost.Input, pr.Cost.Total = dec(cost), dec(cost)
	}
	return pr
}

func reconcileOne(items []Item, rows ...*analytics.PricedRow) *Reconciliation {
	logs := NewLogs()
	for _, r := range rows {
		logs.Add(r)
	}
	return Reconcile(items, logs, Options{Since: d3, Until: d3.Add(24 * time.Hour), Models: hIdx})
}

func TestReconcileLines(t *testing.T) {
	alice := "arn:aws:sts::123456789012:assumed-role/ChatbotApp/alice"
	tests := []struct {
		name       string
		items      []Item
		row        *analytics.PricedRow
		wantStatus string
		wantReason string
		wantKnown  bool
	}{
		{"match", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "$1.10 per million input tokens", "2", "2.2", alice)},
			loggedRow(2_000_000, "2.2", true), StatusMatch, "", true},
		{"within the 1% tolerance", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", alice)},
			loggedRow(2_000_000, "2.21", true), StatusMatch, "", true},
		{"beyond it", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", alice)},
			loggedRow(2_000_000, "2.3", true), StatusDrift, "", true},
		{"tokens off", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2.5", "2.2", alice)},
			loggedRow(2_000_000, "2.2", true), StatusDrift, "", true},
		{"a unit not understood compares cost only", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "Claude usage", "2", "2.2", alice)},
			loggedRow(2_000_000, "2.2", true), StatusMatch, "", false},
		{"no logs that day in that region", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", alice)},
			nil, StatusBilledOnly, ReasonNoLogging, true},
		{"unpriced in the logs", nil, loggedRow(2_000_000, "", false), StatusLoggedOnly, ReasonUnpriced, true},
		{"logged, not billed", []Item{billItem("USE1-MP:USE1_OutputTokenCount-Units", "Units", "per million", "1", "5.5", alice)},
			loggedRow(2_000_000, "2.2", true), StatusLoggedOnly, ReasonNotBilled, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []*analytics.PricedRow
			if tt.row != nil {
				rows = append(rows, tt.row)
			}
			rc := reconcileOne(tt.items, rows...)
			var got *Line
			for i := range rc.Lines {
				if rc.Lines[i].Kind == KindInput {
					got = &rc.Lines[i]
				}
			}
			if got == nil {
				t.Fatalf("no input line in %+v", rc.Lines)
			}
			if got.Status != tt.wantStatus || got.Reason != tt.wantReason || got.TokensKnown != tt.wantKnown {
				t.Errorf("got %s (%q), tokens known %v; want %s (%q), %v", got.Status, got.Reason, got.TokensKnown, tt.wantStatus, tt.wantReason, tt.wantKnown)
			}
			if got.Model != haiku || got.Scope != ScopeRegional {
				t.Errorf("line model %q scope %q; want %s, regional (a geo profile bills as regional)", got.Model, got.Scope, haiku)
			}
		})
	}
}

func TestReconcileTotalsAndWarnings(t *testing.T) {
	items := []Item{
		billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", ""),
		{Day: d3, Account: "123456789012", LineItemType: "Credit", ProductCode: "AmazonBedrock", Cost: dec("-0.22"), Lines: 1},
	}
	rc := reconcileOne(items, loggedRow(2_000_000, "2.2", true))
	if !rc.Discount.Equal(dec("10")) {
		t.Errorf("discount %s%%, want 10 (a credit of 0.22 on 2.20)", rc.Discount)
	}
	if !rc.Totals.CostDrift.IsZero() || rc.Totals.CostDriftPct == nil || !rc.Totals.CostDriftPct.IsZero() {
		t.Errorf("drift %s (%v), want none: credits are not compared", rc.Totals.CostDrift, rc.Totals.CostDriftPct)
	}
	if !strings.Contains(strings.Join(rc.Warnings, "\n"), "no IAM principal") {
		t.Errorf("warnings %q: want the missing IAM principal data said", rc.Warnings)
	}
	if over := rc.CheckDrift(decimal.Zero); over {
		t.Errorf("CheckDrift(0) with no drift: over")
	}
	nothing := reconcileOne(nil, loggedRow(2_000_000, "2.2", true))
	if !nothing.CheckDrift(decimal.NewFromInt(50)) {
		t.Errorf("logged cost and an empty bill: want over any --max-drift")
	}
	if !strings.Contains(strings.Join(nothing.Warnings, "\n"), "no Bedrock usage in the period") {
		t.Errorf("warnings %q: want the empty bill said", nothing.Warnings)
	}
}

// TestPriceFile: the learned rates as a price file the book loads, per model, region, scope
// and tier, with input and output both or not at all.
func TestPriceFile(t *testing.T) {
	items := []Item{
		billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", ""),
		billItem("USE1-MP:USE1_OutputTokenCount-Units", "Units", "per million", "0.5", "2.75", ""),
		billItem("USE1-MP:USE1_CacheReadInputTokenCount-Units", "Units", "per million", "4", "0.44", ""),
		billItem("USE1-MP:USE1_InputTokenCount_Global-Units", "Units", "per million", "1", "1", ""),
	}
	rc := reconcileOne(items)
	f, notes := rc.PriceFile("bedrock-usage-cur", time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC))
	if len(f.Entries) != 1 {
		t.Fatalf("%d entries, want 1 (the global scope has no output rate)", len(f.Entries))
	}
	e := f.Entries[0]
	got := map[string]string{"input": e.Input.String(), "output": e.Output.String(), "cache_read": e.CacheRead.String(), "from": e.From, "region": strings.Join(e.Region, ","), "model": e.Model}
	want := map[string]string{"input": "1.1", "output": "5.5", "cache_read": "0.11", "from": "2025-11-03", "region": "us-east-1", "model": haiku}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "global") {
		t.Errorf("notes %q: want the global rate said unwritten", notes)
	}
	data, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.ParseFile("billed.json", data); err != nil {
		t.Errorf("the book does not read the file: %v\n%s", err, data)
	}
	if !bytes.Contains(data, []byte("CUR 2.0 export bedrock-usage-cur")) {
		t.Errorf("the entries do not name their source:\n%s", data)
	}
}
