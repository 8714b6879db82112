package cur

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
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

// billItem is a bill item; a description "per million" states the item's own rate, as AWS's
// do ("$1.10 per million …").
func billItem(ut, unit, desc, qty, cost, principal string) Item {
	if desc == "per million" {
		desc = "$" + dec(cost).Div(dec(qty)).String() + " per million tokens"
	}
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
		{"match", []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", alice)},
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
	if over := rc.CheckDrift(decimal.Zero, false); over {
		t.Errorf("CheckDrift(0) with no drift: over")
	}
	nothing := reconcileOne(nil, loggedRow(2_000_000, "2.2", true))
	if !nothing.CheckDrift(decimal.NewFromInt(50), false) {
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
	f, notes := rc.PriceFile("bedrock-usage-cur", time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC), nil)
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

// TestReconcileWhileBilling: while the bill is still filling in the period, its last day and
// the days after it are pending, for the totals and the principals alike.
func TestReconcileWhileBilling(t *testing.T) {
	d4 := d3.Add(24 * time.Hour)
	alice := "arn:aws:sts::123456789012:assumed-role/ChatbotApp/alice"
	half := billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "1", "1.1", alice)
	half.Day = d4 // the last day, half billed
	items := []Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", alice), half}
	logs := NewLogs()
	for _, day := range []time.Time{d3, d4, d4.Add(24 * time.Hour)} {
		r := loggedRow(2_000_000, "2.2", true)
		r.Hour = day.Add(3 * time.Hour)
		logs.Add(r)
	}
	rc := Reconcile(items, logs, Options{Since: d3, Until: d3.Add(7 * 24 * time.Hour), Models: hIdx})
	if !rc.Totals.CostDrift.IsZero() || !rc.Totals.BilledCost.Equal(dec("2.2")) {
		t.Errorf("totals: billed %s, drift %s; want the first day only, no drift", rc.Totals.BilledCost, rc.Totals.CostDrift)
	}
	if !rc.Totals.NotBilledYet.Equal(dec("4.4")) || !rc.Totals.PendingBilled.Equal(dec("1.1")) {
		t.Errorf("pending: logged %s, billed %s; want 4.40 and 1.10", rc.Totals.NotBilledYet, rc.Totals.PendingBilled)
	}
	var statuses []string
	for _, l := range rc.Lines {
		statuses = append(statuses, l.Day.Format("02")+" "+l.Status)
	}
	if diff := cmp.Diff([]string{"03 match", "04 pending", "05 pending"}, statuses); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if len(rc.Principals) != 1 || rc.Principals[0].Status != StatusMatch || !rc.Principals[0].LoggedCost.Equal(dec("2.2")) {
		t.Errorf("principals %+v: want alice matching on the first day only", rc.Principals)
	}
	// A closed period billed to its end has no pending day.
	closed := Reconcile(items, logs, Options{Since: d3, Until: d4.Add(24 * time.Hour), Models: hIdx})
	if !closed.Totals.PendingBilled.IsZero() || !closed.Totals.BilledCost.Equal(dec("3.3")) {
		t.Errorf("closed period: billed %s, pending %s; want 3.30 and none", closed.Totals.BilledCost, closed.Totals.PendingBilled)
	}
}

func TestReconcileReasonsAndAdjustments(t *testing.T) {
	unmapped := billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", "")
	unmapped.ProductName = "Claude Haiku 4.6 (Amazon Bedrock Edition)"
	tax := Item{Day: d3, Account: "123456789012", LineItemType: "Tax", ProductCode: "AmazonBedrock", Cost: dec("0.22"), Lines: 1}
	credit := Item{Day: d3, Account: "123456789012", LineItemType: "Credit", ProductCode: "AmazonBedrock", Cost: dec("-0.22"), Lines: 1}
	rc := reconcileOne([]Item{unmapped, tax, credit}, loggedRow(2_000_000, "2.2", true))
	reasons := map[string]string{}
	for _, l := range rc.Lines {
		reasons[l.Status] = l.Reason
	}
	if diff := cmp.Diff(map[string]string{StatusBilledOnly: ReasonUnmapped, StatusLoggedOnly: ReasonUnmappedPeer}, reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if !rc.Discount.Equal(dec("10")) {
		t.Errorf("discount %s%%: want 10, the credit only (tax is not a discount)", rc.Discount)
	}
}

// geoBook prices Haiku for geographic profiles only, as the book does some models.
type geoBook struct{}

func (geoBook) EntryFor(model string, scope pricing.Scope, region, tier string, t time.Time) (*pricing.Entry, error) {
	if scope != pricing.ScopeGeo {
		return nil, &pricing.UnpricedError{ModelID: model, Region: region, Reason: "geo only"}
	}
	d := dec("1.1")
	return &pricing.Entry{Model: model, Scopes: []pricing.Scope{pricing.ScopeGeo}, Rates: pricing.Rates{Input: &d, Output: &d}}, nil
}

func TestBookRateOfRegionalUsage(t *testing.T) {
	logs := NewLogs()
	rc := Reconcile([]Item{billItem("USE1-MP:USE1_InputTokenCount-Units", "Units", "per million", "2", "2.2", "")}, logs,
		Options{Since: d3, Until: d3.Add(24 * time.Hour), Models: hIdx, Book: geoBook{}})
	if len(rc.Rates) != 1 || rc.Rates[0].Book == nil || !rc.Rates[0].DiffPct.IsZero() {
		t.Fatalf("rates %+v: want the geo rate of the book set beside the regional rate billed", rc.Rates)
	}
}

// TestReadParquetRequiredColumns: a file without a column the comparison needs is refused
// whole, not read as zero.
func TestReadParquetRequiredColumns(t *testing.T) {
	type partial struct {
		UsageType string  `parquet:"line_item_usage_type"`
		Amount    float64 `parquet:"line_item_usage_amount"`
	}
	var b bytes.Buffer
	w := parquet.NewGenericWriter[partial](&b)
	if _, err := w.Write([]partial{{"USE1-NovaLite-input-tokens", 1}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	err := ReadParquet(bytes.NewReader(b.Bytes()), int64(b.Len()), func(*LineItem) { t.Error("a row of a refused file") })
	if err == nil || !strings.Contains(err.Error(), "line_item_unblended_cost") {
		t.Errorf("got %v, want the missing columns named", err)
	}
}
