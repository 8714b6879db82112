package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// bookEntry is an entry of analytics/pricing/book.json, read here with plain encoding/json.
type bookEntry struct {
	Model       string            `json:"model"`
	Scopes      []string          `json:"scopes"`
	Regions     []string          `json:"regions"`
	From        string            `json:"from"`
	Until       string            `json:"until"`
	LongContext map[string]string `json:"long_context"`
}

// independentCost prices one record from the book file with the test's own, simple reading
// of the rules (exact base id and scope; entry by date and region; long context over 200K
// input tokens; cache tokens need a cache rate). ok is false when it cannot be priced.
func independentCost(t *testing.T, entries []bookEntry, raw []map[string]any, profiles map[string]string,
	modelID, region string, at time.Time, in, out, cr, cw int64) (decimal.Decimal, bool) {
	t.Helper()
	id := modelID
	if target, ok := profiles[id]; ok {
		id = target
	}
	if strings.HasPrefix(id, "arn:") {
		parts := strings.SplitN(id, ":", 6)
		typ, res, _ := strings.Cut(parts[5], "/")
		if typ != "inference-profile" && typ != "foundation-model" {
			return decimal.Zero, false
		}
		id = res
	}
	scope, base := "in-region", id
	if p, rest, ok := strings.Cut(id, "."); ok {
		switch p {
		case "global":
			scope, base = "global", rest
		case "us", "eu", "apac", "jp", "au", "ca", "us-gov":
			scope, base = "geo", rest
		}
	}
	day := at.Format(time.DateOnly)
	for i, e := range entries {
		if e.Model != base || !contains(e.Scopes, scope) || day < e.From || (e.Until != "" && day >= e.Until) {
			continue
		}
		if len(e.Regions) > 0 && !contains(e.Regions, region) {
			continue
		}
		rates := map[string]string{}
		for _, k := range []string{"input", "output", "cache_read", "cache_write"} {
			if v, ok := raw[i][k].(string); ok {
				rates[k] = v
			}
		}
		if in+cr+cw > 200000 && e.LongContext != nil {
			rates = e.LongContext
		}
		cost := decimal.Zero
		for _, p := range []struct {
			rate   string
			tokens int64
		}{{"input", in}, {"output", out}, {"cache_read", cr}, {"cache_write", cw}} {
			if p.tokens == 0 {
				continue
			}
			r, ok := rates[p.rate]
			if !ok {
				return decimal.Zero, false
			}
			cost = cost.Add(decimal.RequireFromString(r).Mul(decimal.NewFromInt(p.tokens)).Div(decimal.NewFromInt(1_000_000)))
		}
		return cost, true
	}
	return decimal.Zero, false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestReportCostsMatchIndependentPricing prices every generated record one by one from the
// book file and checks the report's total cost and unpriced calls against the sum.
func TestReportCostsMatchIndependentPricing(t *testing.T) {
	dir := generate(t)
	data, err := os.ReadFile("../../analytics/pricing/book.json")
	if err != nil {
		t.Fatal(err)
	}
	var book struct {
		Entries []bookEntry `json:"entries"`
	}
	if err := json.Unmarshal(data, &book); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	since, until := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC)
	profiles := loggen.ProfileMap(loggen.Config{Out: dir, Seed: 7, Records: 20000, Since: since, Until: until})
	mapFile := filepath.Join(t.TempDir(), "profiles.json")
	pm, _ := json.Marshal(profiles)
	if err := os.WriteFile(mapFile, pm, 0o644); err != nil {
		t.Fatal(err)
	}

	want, unpriced, calls := decimal.Zero, 0.0, 0.0
	eachRecordLine(t, dir, func(_ string, line []byte) error {
		var r struct {
			Timestamp time.Time `json:"timestamp"`
			Region    string    `json:"region"`
			ModelID   string    `json:"modelId"`
			Input     struct {
				In int64 `json:"inputTokenCount"`
				CR int64 `json:"cacheReadInputTokenCount"`
				CW int64 `json:"cacheWriteInputTokenCount"`
			} `json:"input"`
			Output struct {
				Out int64 `json:"outputTokenCount"`
			} `json:"output"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		if r.Timestamp.Before(since) || !r.Timestamp.Before(until) {
			return nil
		}
		calls++
		c, ok := independentCost(t, book.Entries, raw.Entries, profiles, r.ModelID, r.Region, r.Timestamp, r.Input.In, r.Output.Out, r.Input.CR, r.Input.CW)
		if !ok {
			unpriced++
			return nil
		}
		want = want.Add(c)
		return nil
	})

	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--profile-map", mapFile, "--offline", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	_, doc := totalsOf(t, cli.out.Bytes())
	tot := doc["totals"].(map[string]any)
	got := decimal.RequireFromString(tot["cost_usd"].(string))
	if !got.Equal(want) {
		t.Errorf("total cost: got %s, want %s (priced record by record from book.json)", got, want)
	}
	if got := tot["unpriced_calls"].(float64); got != unpriced {
		t.Errorf("unpriced calls: got %v, want %v", got, unpriced)
	}
	if unpriced == 0 || unpriced > calls/50 {
		t.Errorf("unpriced calls: %v of %v; the generator's unknown model should leave a few, and only a few", unpriced, calls)
	}
	if want.IsZero() {
		t.Fatal("nothing was priced: the test proves nothing")
	}
}
