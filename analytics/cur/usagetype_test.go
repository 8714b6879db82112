package cur

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// The usage types are those AWS and FinOps sources show for Bedrock (see the sources in
// README, "Reconciling with the bill").
func TestParseUsageType(t *testing.T) {
	tests := []struct {
		name string
		ut   string
		want Usage
		ok   bool
	}{
		{"first-party input", "USE1-Claude4.6Sonnet-input-tokens",
			Usage{RegionCode: "USE1", Region: "us-east-1", Model: "Claude4.6Sonnet", Tokens: true, Kind: KindInput, Scope: ScopeRegional}, true},
		{"first-party cache read", "USW2-Claude4.6Sonnet-cache-read-input-token-count",
			Usage{RegionCode: "USW2", Region: "us-west-2", Model: "Claude4.6Sonnet", Tokens: true, Kind: KindCacheRead, Scope: ScopeRegional}, true},
		{"first-party cache write", "USW2-Claude4.5Sonnet-cache-write-input-token-count",
			Usage{RegionCode: "USW2", Region: "us-west-2", Model: "Claude4.5Sonnet", Tokens: true, Kind: KindCacheWrite, Scope: ScopeRegional}, true},
		{"first-party global", "USE1-Claude4Sonnet-input-tokens-cross-region-global",
			Usage{RegionCode: "USE1", Region: "us-east-1", Model: "Claude4Sonnet", Tokens: true, Kind: KindInput, Scope: ScopeGlobal}, true},
		{"first-party dotted model", "USE1-Nova2.0Lite-output-tokens",
			Usage{RegionCode: "USE1", Region: "us-east-1", Model: "Nova2.0Lite", Tokens: true, Kind: KindOutput, Scope: ScopeRegional}, true},
		{"mantle", "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard",
			Usage{RegionCode: "USW2", Region: "us-west-2", Model: "anthropic.claude-opus-4-8", Mantle: true, Tokens: true, Kind: KindCacheWrite, Scope: ScopeRegional}, true},
		{"mantle input flex", "USE1-openai.gpt-oss-120b-mantle-input-tokens-flex",
			Usage{RegionCode: "USE1", Region: "us-east-1", Model: "openai.gpt-oss-120b", Mantle: true, Tokens: true, Kind: KindInput, Scope: ScopeRegional, Tier: TierFlex}, true},
		{"marketplace input", "USW2-MP:USW2_InputTokenCount-Units",
			Usage{RegionCode: "USW2", Region: "us-west-2", Marketplace: true, Tokens: true, Kind: KindInput, Scope: ScopeRegional}, true},
		{"marketplace cache read global", "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units",
			Usage{RegionCode: "USE1", Region: "us-east-1", Marketplace: true, Tokens: true, Kind: KindCacheRead, Scope: ScopeGlobal}, true},
		{"marketplace 1h cache write is not an input count", "USE1-MP:USE1_CacheWrite1hInputTokenCount-Units",
			Usage{RegionCode: "USE1", Region: "us-east-1", Marketplace: true, Tokens: true, Kind: KindCacheWrite1h, Scope: ScopeRegional}, true},
		{"marketplace batch", "USE1-MP:USE1_InputTokenCount_Global_Batch-Units",
			Usage{RegionCode: "USE1", Region: "us-east-1", Marketplace: true, Tokens: true, Kind: KindInput, Scope: ScopeGlobal, Tier: TierBatch}, true},
		{"marketplace snake case", "EUC1-MP:EUC1_output_tokens_global_priority-Units",
			Usage{RegionCode: "EUC1", Region: "eu-central-1", Marketplace: true, Tokens: true, Kind: KindOutput, Scope: ScopeGlobal, Tier: TierPriority}, true},
		{"marketplace snake 1h", "USE1-MP:USE1_cache_write_tokens_1h_standard-Units",
			Usage{RegionCode: "USE1", Region: "us-east-1", Marketplace: true, Tokens: true, Kind: KindCacheWrite1h, Scope: ScopeRegional}, true},
		{"reserved is not token usage", "USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units",
			Usage{RegionCode: "USE1", Region: "us-east-1", Marketplace: true, Scope: ScopeRegional, Tier: TierReserved}, true},
		{"provisioned throughput is not token usage", "USE1-ProvisionedThroughput-ModelUnits",
			Usage{RegionCode: "USE1", Region: "us-east-1"}, true},
		{"unknown suffix word", "USE1-NovaLite-input-tokens-turbo", Usage{}, false},
		{"not bedrock shaped", "USE1-BoxUsage:t3.micro", Usage{}, false},
		{"unknown region code keeps its code", "XYZ9-NovaLite-input-tokens",
			Usage{RegionCode: "XYZ9", Model: "NovaLite", Tokens: true, Kind: KindInput, Scope: ScopeRegional}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseUsageType(tt.ut)
			if ok != tt.ok {
				t.Fatalf("ParseUsageType(%q) ok = %v, want %v", tt.ut, ok, tt.ok)
			}
			if !ok {
				return
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ParseUsageType(%q) (-want +got):\n%s", tt.ut, d)
			}
		})
	}
}

func TestModelIndex(t *testing.T) {
	ix := NewModelIndex([]ModelInfo{
		{ID: "anthropic.claude-sonnet-4-6", Name: "Claude Sonnet 4.6", PriceListNames: []string{"Claude Sonnet 4.6 (Amazon Bedrock Edition)"}},
		{ID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Name: "Claude Sonnet 4.5"},
		{ID: "anthropic.claude-3-5-sonnet-20240620-v1:0", Name: "Claude 3.5 Sonnet"},
		{ID: "anthropic.claude-3-5-sonnet-20241022-v2:0", Name: "Claude 3.5 Sonnet v2"},
		{ID: "amazon.nova-lite-v1:0", Name: "Amazon Nova Lite", PriceListNames: []string{"Nova Lite"}},
		{ID: "amazon.nova-2-lite-v1:0", Name: "Amazon Nova 2 Lite", PriceListNames: []string{"Nova 2.0 Lite"}},
		{ID: "anthropic.claude-opus-4-8", Name: "Claude Opus 4.8"},
		{ID: "x.twin-a", Name: "Twin Model"},
		{ID: "x.twin-b", Name: "Model Twin"},
	})
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"price list name", "Claude Sonnet 4.6 (Amazon Bedrock Edition)", "anthropic.claude-sonnet-4-6", true},
		{"usage type words in another order", "Claude4.6Sonnet", "anthropic.claude-sonnet-4-6", true},
		{"dated id by its name", "Claude4.5Sonnet", "anthropic.claude-sonnet-4-5-20250929-v1:0", true},
		{"v2 is its own model", "Claude3.5SonnetV2", "anthropic.claude-3-5-sonnet-20241022-v2:0", true},
		{"compact first-party name", "NovaLite", "amazon.nova-lite-v1:0", true},
		{"compact dotted name", "Nova2.0Lite", "amazon.nova-2-lite-v1:0", true},
		{"mantle model id", "anthropic.claude-opus-4-8", "anthropic.claude-opus-4-8", true},
		{"id without its version", "amazon.nova-lite", "amazon.nova-lite-v1:0", true},
		{"ambiguous words", "TwinModel", "", false},
		{"unknown", "Claude9Mega", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ix.Lookup(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestUnitTokens(t *testing.T) {
	tests := []struct {
		name, unit, desc, qty, cost string
		want                        int64
		ok                          bool
	}{
		{"tokens", "Tokens", "", "1000", "0.003", 1, true},
		{"thousands", "1K tokens", "", "1", "0.003", 1000, true},
		{"millions", "1M tokens", "", "1", "3", 1_000_000, true},
		{"units of a million, as the rate says", "Units", "$3.00 per million input tokens for Claude Sonnet 4.6 in US East (N. Virginia)", "2", "6", 1_000_000, true},
		{"units of one token, as the rate says", "Units", "$3.00 per million input tokens", "2000000", "6", 1, true},
		{"units per thousand", "Units", "$0.003 per 1K input tokens", "10", "0.03", 1000, true},
		{"a rate that fits neither", "Units", "$3.00 per million input tokens", "2", "5", 0, false},
		{"a price not stated", "Units", "Claude usage, per million tokens", "2", "6", 0, false},
		{"free: nothing to check the unit with", "Units", "$3.00 per million input tokens", "2", "0", 0, false},
		{"hours", "Hrs", "", "24", "480", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := unitTokens(tt.unit, tt.desc, decimal.RequireFromString(tt.qty), decimal.RequireFromString(tt.cost))
			if ok != tt.ok || (ok && !got.Equal(decimal.NewFromInt(tt.want))) {
				t.Errorf("unitTokens(%q, %q, %s, %s) = %s, %v; want %d, %v", tt.unit, tt.desc, tt.qty, tt.cost, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRegionCodes(t *testing.T) {
	for code, region := range regionCodes {
		if got := CodeOfRegion(region); got != code {
			t.Errorf("CodeOfRegion(%q) = %q, want %q", region, got, code)
		}
		if got := RegionOfCode(strings.ToLower(code)); got != region {
			t.Errorf("RegionOfCode(%q) = %q, want %q", code, got, region)
		}
	}
	if got := CodeOfRegion("xx-nowhere-9"); got != "" {
		t.Errorf("an unknown region has code %q, want none", got)
	}
}
