package pricing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/internal/fixtures"
)

// TestPricesRealLogRecords prices every record of a published invocation-log fixture
// (testdata/elastic-integrations-test-aws-bedrock.ndjson, from elastic/integrations; see
// /work/shared/fixtures/invocation-logs/SOURCES.md) and compares each cost with one computed
// here from a hand-written rate table: tokens × rate / 1,000,000.
func TestPricesRealLogRecords(t *testing.T) {
	type rates struct{ in, out string }
	want := map[string]rates{ // base model (scope) → $/MTok, from the pricing pages, not the book
		"anthropic.claude-3-haiku-20240307-v1:0 in-region":    {"0.25", "1.25"},
		"anthropic.claude-3-sonnet-20240229-v1:0 in-region":   {"3", "15"},
		"anthropic.claude-3-5-sonnet-20240620-v1:0 in-region": {"3", "15"},
		// One record of the fixture is dated 2026-07-29: extended-access price.
		"anthropic.claude-3-5-sonnet-20240620-v1:0 in-region extended": {"6", "30"},
		"anthropic.claude-v2:1 in-region":                              {"8", "24"},
		"ai21.jamba-instruct-v1:0 in-region":                           {"0.5", "0.7"},
		"anthropic.claude-haiku-4-5-20251001-v1:0 geo":                 {"1.10", "5.50"},
	}
	b := mustLoad(t)
	dec := invocationlog.NewDecoder(fixtures.ElasticReader(), fixtures.ElasticName)
	var rec invocationlog.Record
	priced, unpriced := 0, 0
	for dec.Next(&rec) {
		u := Usage{ModelID: rec.ModelID, Region: rec.Region, Time: rec.Timestamp, LongContext: rec.Input.InputTokenCount+rec.Input.CacheReadInputTokenCount+rec.Input.CacheWriteInputTokenCount > invocationlog.LongContextThreshold,
			InputTokens: rec.Input.InputTokenCount, OutputTokens: rec.Output.OutputTokenCount,
			CacheReadTokens: rec.Input.CacheReadInputTokenCount, CacheWriteTokens: rec.Input.CacheWriteInputTokenCount}
		c, err := b.Cost(context.Background(), u)
		var ue *UnpricedError
		if errors.As(err, &ue) {
			if rec.ModelID != "dummy-model-v1" {
				t.Errorf("%s at %s: unpriced: %v", rec.ModelID, rec.Timestamp, err)
			}
			unpriced++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		key := c.Model + " " + string(c.Scope)
		if c.Model == "anthropic.claude-3-5-sonnet-20240620-v1:0" && !rec.Timestamp.Before(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)) {
			key += " extended"
		}
		r, ok := want[key]
		if !ok {
			t.Errorf("%s priced as %s %s, which this test has no rate for", rec.ModelID, c.Model, c.Scope)
			continue
		}
		exp := decimal.NewFromInt(u.InputTokens).Mul(decimal.RequireFromString(r.in)).
			Add(decimal.NewFromInt(u.OutputTokens).Mul(decimal.RequireFromString(r.out))).
			Div(decimal.NewFromInt(1_000_000))
		if u.CacheReadTokens != 0 || u.CacheWriteTokens != 0 {
			t.Errorf("%s: fixture has cache tokens; extend this test", rec.ModelID)
		}
		if !c.Total.Equal(exp) {
			t.Errorf("%s (%d in, %d out): got %s, want %s", rec.ModelID, u.InputTokens, u.OutputTokens, c.Total, exp)
		}
		priced++
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	if priced < 15 || unpriced != 1 {
		t.Errorf("priced %d, unpriced %d; want at least 15 priced and exactly 1 (dummy-model-v1) unpriced", priced, unpriced)
	}
}
