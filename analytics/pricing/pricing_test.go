package pricing

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s+"T12:00:00Z")
	if err != nil {
		panic(err)
	}
	return t
}

func mustLoad(t *testing.T, opts ...Option) *Book {
	t.Helper()
	b, err := Load(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return b
}

func TestEmbeddedBookLoads(t *testing.T) {
	f, err := EmbeddedBook()
	if err != nil {
		t.Fatalf("embedded book: %v", err)
	}
	if len(f.Entries) < 20 {
		t.Fatalf("got %d entries, want at least 20", len(f.Entries))
	}
	for i, e := range f.Entries {
		if e.Source == "" || e.Checked == "" {
			t.Errorf("entry %d (%s, %s): source %q checked %q, want both", i, e.Model, e.Origin(), e.Source, e.Checked)
		}
		if _, ok := f.Models[e.Model]; !ok {
			t.Errorf("entry %d (%s): model has no \"models\" record (name)", i, e.Model)
		}
		if e.Input == nil || e.Output == nil {
			t.Errorf("entry %d (%s): incomplete", i, e.Model)
		}
	}
	// Every model of issue 3 is in the book.
	for _, id := range []string{
		"anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-sonnet-20240229-v1:0",
		"anthropic.claude-3-opus-20240229-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0",
		"anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20241022-v2:0",
		"anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0",
		"anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-opus-4-20250514-v1:0",
		"anthropic.claude-opus-4-1-20250805-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0",
		"anthropic.claude-opus-4-5-20251101-v1:0",
	} {
		if _, ok := f.Models[id]; !ok {
			t.Errorf("model %s missing from the book", id)
		}
	}
}

// TestEmbeddedBookNoOverlaps checks pairwise, independently of ParseFile's own check, that no
// two entries price the same model, scope and region on the same day.
func TestEmbeddedBookNoOverlaps(t *testing.T) {
	f, err := EmbeddedBook()
	if err != nil {
		t.Fatal(err)
	}
	regionsOf := func(e Entry) []string {
		if len(e.Region) == 0 {
			return []string{"*"}
		}
		return e.Region
	}
	end := func(e Entry) time.Time {
		if e.Until == "" {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		u, _ := time.Parse(dateLayout, e.Until)
		return u
	}
	for i := range f.Entries {
		for j := i + 1; j < len(f.Entries); j++ {
			a, b := f.Entries[i], f.Entries[j]
			if a.Model != b.Model || a.Tier != b.Tier {
				continue
			}
			af, _ := time.Parse(dateLayout, a.From)
			bf, _ := time.Parse(dateLayout, b.From)
			if !(af.Before(end(b)) && bf.Before(end(a))) {
				continue
			}
			for _, sa := range a.Scopes {
				for _, sb := range b.Scopes {
					for _, ra := range regionsOf(a) {
						for _, rb := range regionsOf(b) {
							if sa == sb && ra == rb {
								t.Errorf("%s and %s overlap for %s %s %s", a.Origin(), b.Origin(), a.Model, sa, ra)
							}
						}
					}
				}
			}
		}
	}
}

func TestOverlapRejected(t *testing.T) {
	data := `{"version":1,"entries":[
{"model":"x.m-v1:0","scopes":["in-region","geo"],"from":"2025-01-01","input":"1","output":"2"},
{"model":"x.m-v1:0","scopes":["geo"],"from":"2025-06-01","input":"1","output":"2"}
]}`
	_, err := ParseFile("p.json", []byte(data))
	if err == nil || !strings.Contains(err.Error(), "overlap") || !strings.Contains(err.Error(), "p.json:2") || !strings.Contains(err.Error(), "p.json:3") {
		t.Fatalf("got %v, want an overlap error naming p.json:2 and p.json:3", err)
	}
	// Adjacent ranges do not overlap.
	ok := `{"version":1,"entries":[
{"model":"x.m-v1:0","scopes":["geo"],"from":"2025-01-01","until":"2025-06-01","input":"1","output":"2"},
{"model":"x.m-v1:0","scopes":["geo"],"from":"2025-06-01","input":"1","output":"2"}
]}`
	if _, err := ParseFile("p.json", []byte(ok)); err != nil {
		t.Fatalf("adjacent ranges: %v", err)
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"syntax", "{\"version\":1,\n\"entries\":[\n{\"model\": }]}", "p.json:3"},
		{"unknown field", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"1\",\"ouput\":\"2\"}]}", "unknown field \"ouput\""},
		{"input without output", "{\"version\":1,\"entries\":[\n\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"1\"}]}", "p.json:3: entry 0 (m): output: missing"},
		{"bad decimal", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"abc\",\"output\":\"2\"}]}", "p.json:2"},
		{"bad scope", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"regional\"],\"from\":\"2025-01-01\",\"input\":\"1\",\"output\":\"2\"}]}", "scopes: \"regional\""},
		{"bad date", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"1/1/2025\",\"input\":\"1\",\"output\":\"2\"}]}", "from: \"1/1/2025\""},
		{"until before from", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"until\":\"2024-01-01\",\"input\":\"1\",\"output\":\"2\"}]}", "until: 2024-01-01 is not after"},
		{"negative", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"-1\",\"output\":\"2\"}]}", "input: negative"},
		{"version", "{\"version\":2,\"entries\":[]}", "version 2"},
		{"currency", "{\"version\":1,\"currency\":\"EUR\",\"entries\":[]}", "currency \"EUR\""},
		{"no entries", "{\"version\":1}", "no \"entries\""},
		{"truncated", "{\"version\":1,\"entries\":[", "unexpected end"},
		{"long-context tier and flat", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"1\",\"output\":\"2\",\"long_context\":{\"input\":\"2\",\"output\":\"4\"},\"flat_long_context\":true}]}", "p.json:2: entry 0 (m): flat_long_context: true with long_context rates"},
		{"unknown tier", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"tier\":\"turbo\",\"input\":\"1\",\"output\":\"2\"}]}", "tier: \"turbo\""},
		{"threshold without long-context rates", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"long_context_threshold\":100000,\"input\":\"1\",\"output\":\"2\"}]}", "long_context_threshold: set without"},
		{"odd threshold", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"long_context_threshold\":150000,\"long_context\":{\"input\":\"2\",\"output\":\"4\"},\"input\":\"1\",\"output\":\"2\"}]}", "150000 is not a threshold"},
		{"guardrail policy", "{\"version\":1,\"entries\":[],\"guardrails\":[\n\n{\"policy\":\"profanity\",\"from\":\"2025-01-01\",\"per_1000_units\":\"0.1\"}]}", "p.json:3: guardrail entry 0 (profanity): policy"},
		{"guardrail without a rate", "{\"version\":1,\"entries\":[],\"guardrails\":[{\"policy\":\"topic\",\"from\":\"2025-01-01\"}]}", "per_1000_units: missing"},
		{"guardrail until before from", "{\"version\":1,\"entries\":[],\"guardrails\":[{\"policy\":\"topic\",\"from\":\"2025-01-01\",\"until\":\"2024-01-01\",\"per_1000_units\":\"0.1\"}]}", "until: 2024-01-01 is not after"},
		{"guardrail overlap", "{\"version\":1,\"entries\":[],\"guardrails\":[{\"policy\":\"topic\",\"from\":\"2025-01-01\",\"per_1000_units\":\"0.1\"},{\"policy\":\"topic\",\"from\":\"2025-06-01\",\"per_1000_units\":\"0.2\"}]}", "both price guardrail policy topic"},
		{"guardrail unknown field", "{\"version\":1,\"entries\":[],\"guardrails\":[{\"policy\":\"topic\",\"from\":\"2025-01-01\",\"per_1000\":\"0.1\"}]}", "unknown field \"per_1000\""},
		{"flat_long_context not a boolean", "{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"1\",\"output\":\"2\",\"flat_long_context\":\"flat\"}]}", "flat_long_context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile("p.json", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestResolveForms(t *testing.T) {
	const s45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
	dir := t.TempDir()
	pm := filepath.Join(dir, "profiles.json")
	os.WriteFile(pm, []byte(`{
  "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.`+s45+`",
  "def456": "eu.`+s45+`",
  "ghi789": "arn:aws:bedrock:us-east-1::foundation-model/`+s45+`"
}`), 0o644)
	b := mustLoad(t, WithProfileMapFile(pm))
	tests := []struct {
		name, id  string
		wantModel string
		wantScope Scope
		wantErr   string
	}{
		{"bare", s45, s45, ScopeInRegion, ""},
		{"us profile", "us." + s45, s45, ScopeGeo, ""},
		{"eu profile", "eu." + s45, s45, ScopeGeo, ""},
		{"apac profile", "apac." + s45, s45, ScopeGeo, ""},
		{"jp profile", "jp." + s45, s45, ScopeGeo, ""},
		{"au profile", "au." + s45, s45, ScopeGeo, ""},
		{"ca profile", "ca." + s45, s45, ScopeGeo, ""},
		{"us-gov profile", "us-gov." + s45, s45, ScopeGeo, ""},
		{"global profile", "global." + s45, s45, ScopeGlobal, ""},
		{"profile ARN", "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu." + s45, s45, ScopeGeo, ""},
		{"global profile ARN", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global." + s45, s45, ScopeGlobal, ""},
		{"foundation-model ARN", "arn:aws:bedrock:us-east-1::foundation-model/" + s45, s45, ScopeInRegion, ""},
		{"app profile by ARN → global", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123", s45, ScopeGlobal, ""},
		{"app profile by id → geo", "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/def456", s45, ScopeGeo, ""},
		{"app profile → foundation model", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/ghi789", s45, ScopeInRegion, ""},
		{"app profile unmapped", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/zzz", "", "", "no profile map entry"},
		{"provisioned ARN", "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz", "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz", ScopeInRegion, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model, scope, _, err := b.Resolve(context.Background(), tt.id)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got err %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if model != tt.wantModel || scope != tt.wantScope {
				t.Fatalf("got %s %s, want %s %s", model, scope, tt.wantModel, tt.wantScope)
			}
		})
	}
}

type wantCost struct{ input, output, cacheRead, cacheWrite, total string }

func checkCost(t *testing.T, got Cost, w wantCost) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  decimal.Decimal
		want string
	}{
		{"input", got.Input, w.input}, {"output", got.Output, w.output},
		{"cache read", got.CacheRead, w.cacheRead}, {"cache write", got.CacheWrite, w.cacheWrite},
		{"total", got.Total, w.total},
	} {
		if !c.got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}
}

// Expected costs were computed independently with Python's decimal module:
// tokens × rate / 1,000,000 per part, summed.
func TestCostTiers(t *testing.T) {
	const (
		s45  = "anthropic.claude-sonnet-4-5-20250929-v1:0"
		s4   = "anthropic.claude-sonnet-4-20250514-v1:0"
		h45  = "anthropic.claude-haiku-4-5-20251001-v1:0"
		o45  = "anthropic.claude-opus-4-5-20251101-v1:0"
		o41  = "anthropic.claude-opus-4-1-20250805-v1:0"
		s35  = "anthropic.claude-3-5-sonnet-20241022-v2:0"
		h3   = "anthropic.claude-3-haiku-20240307-v1:0"
		nova = "amazon.nova-micro-v1:0"
		h55  = "anthropic.claude-haiku-5-5"
	)
	b := mustLoad(t)
	tests := []struct {
		name      string
		u         Usage
		wantScope Scope
		want      wantCost
	}{
		{"sonnet 4.5 geo (+10%)", Usage{ModelID: "us." + s45, Region: "us-east-1", Time: day("2026-01-10"), InputTokens: 1234567, OutputTokens: 89012, CacheReadTokens: 345678, CacheWriteTokens: 23456},
			ScopeGeo, wantCost{"4.0740711", "1.468698", "0.11407374", "0.096756", "5.75359884"}},
		{"sonnet 4.5 in-region (+10%)", Usage{ModelID: s45, Region: "us-west-2", Time: day("2026-01-10"), InputTokens: 1234567, OutputTokens: 89012, CacheReadTokens: 345678, CacheWriteTokens: 23456},
			ScopeInRegion, wantCost{"4.0740711", "1.468698", "0.11407374", "0.096756", "5.75359884"}},
		{"sonnet 4.5 global", Usage{ModelID: "global." + s45, Region: "eu-central-1", Time: day("2026-01-10"), InputTokens: 1234567, OutputTokens: 89012, CacheReadTokens: 345678, CacheWriteTokens: 23456},
			ScopeGlobal, wantCost{"3.703701", "1.33518", "0.1037034", "0.08796", "5.2305444"}},
		{"sonnet 4.5 global long context", Usage{ModelID: "global." + s45, Region: "us-east-1", Time: day("2026-01-10"), LongContext: true, InputTokens: 250001, OutputTokens: 1000},
			ScopeGlobal, wantCost{"1.500006", "0.0225", "0", "0", "1.522506"}},
		{"sonnet 4.5 geo long context", Usage{ModelID: "eu." + s45, Region: "eu-west-1", Time: day("2026-01-10"), LongContext: true, InputTokens: 250001, OutputTokens: 1000, CacheReadTokens: 7, CacheWriteTokens: 3},
			ScopeGeo, wantCost{"1.6500066", "0.02475", "0.00000462", "0.00002475", "1.67478597"}},
		{"sonnet 4 long context", Usage{ModelID: "us." + s4, Region: "us-east-1", Time: day("2025-09-01"), LongContext: true, InputTokens: 300000, OutputTokens: 5000, CacheReadTokens: 100000, CacheWriteTokens: 50000},
			ScopeGeo, wantCost{"1.8", "0.1125", "0.06", "0.375", "2.3475"}},
		{"sonnet 4 standard", Usage{ModelID: "us." + s4, Region: "us-east-1", Time: day("2025-09-01"), InputTokens: 300000, OutputTokens: 5000, CacheReadTokens: 100000, CacheWriteTokens: 50000},
			ScopeGeo, wantCost{"0.9", "0.075", "0.03", "0.1875", "1.1925"}},
		{"haiku 4.5 regional, one token each", Usage{ModelID: "apac." + h45, Region: "ap-northeast-1", Time: day("2025-11-01"), InputTokens: 1, OutputTokens: 1, CacheReadTokens: 1, CacheWriteTokens: 1},
			ScopeGeo, wantCost{"0.0000011", "0.0000055", "0.00000011", "0.000001375", "0.000008085"}},
		{"opus 4.5 global", Usage{ModelID: "global." + o45, Region: "us-east-1", Time: day("2025-12-15"), InputTokens: 999999, OutputTokens: 777777, CacheReadTokens: 55555, CacheWriteTokens: 3333},
			ScopeGlobal, wantCost{"4.999995", "19.444425", "0.0277775", "0.02083125", "24.49302875"}},
		{"opus 4.1", Usage{ModelID: "us." + o41, Region: "us-east-1", Time: day("2025-09-01"), InputTokens: 100, OutputTokens: 200, CacheReadTokens: 300, CacheWriteTokens: 400},
			ScopeGeo, wantCost{"0.0015", "0.015", "0.00045", "0.0075", "0.02445"}},
		{"3.5 sonnet v2 before extended access", Usage{ModelID: s35, Region: "us-west-2", Time: day("2025-11-30"), InputTokens: 1000000, OutputTokens: 1000000},
			ScopeInRegion, wantCost{"3", "15", "0", "0", "18"}},
		{"3.5 sonnet v2 extended access", Usage{ModelID: s35, Region: "us-west-2", Time: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), InputTokens: 1000000, OutputTokens: 1000000},
			ScopeInRegion, wantCost{"6", "30", "0", "0", "36"}},
		{"claude 3 haiku short request", Usage{ModelID: h3, Region: "us-east-1", Time: day("2025-01-01"), InputTokens: 12345, OutputTokens: 6789},
			ScopeInRegion, wantCost{"0.00308625", "0.00848625", "0", "0", "0.0115725"}},
		// Nova Pro (300K context) declares flat_long_context: standard rates over 200K.
		{"nova pro flat long context", Usage{ModelID: "us.amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2025-06-01"), LongContext: true, InputTokens: 250001, OutputTokens: 4321, CacheReadTokens: 20000},
			ScopeGeo, wantCost{"0.2000008", "0.0138272", "0.004", "0", "0.217828"}},
		{"llama 4 maverick flat long context", Usage{ModelID: "meta.llama4-maverick-17b-instruct-v1:0", Region: "us-east-1", Time: day("2025-06-01"), LongContext: true, InputTokens: 900000, OutputTokens: 1000},
			ScopeInRegion, wantCost{"0.216", "0.00097", "0", "0", "0.21697"}},
		// Service tiers: a call the log says Priority or Flex served is priced at that tier's
		// rates; "default" is standard.
		{"nova pro priority", Usage{ModelID: "us.amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "priority", InputTokens: 1000000, OutputTokens: 500000},
			ScopeGeo, wantCost{"1.4", "2.8", "0", "0", "4.2"}},
		{"nova pro flex", Usage{ModelID: "amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "flex", InputTokens: 2000000, OutputTokens: 250000},
			ScopeInRegion, wantCost{"0.8", "0.4", "0", "0", "1.2"}},
		{"nova pro default tier is standard", Usage{ModelID: "amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "default", InputTokens: 1000000, OutputTokens: 1000000},
			ScopeInRegion, wantCost{"0.8", "3.2", "0", "0", "4"}},
		{"nova micro cache writes cost nothing", Usage{ModelID: "us." + nova, Region: "us-east-1", Time: day("2026-01-10"), InputTokens: 1000000, CacheWriteTokens: 1000000},
			ScopeGeo, wantCost{"0.035", "0", "0", "0", "0.035"}},
		// Claude Haiku 5.5: long-context rates over 100K (input, cache reads and writes).
		{"haiku 5.5 at 100K", Usage{ModelID: "global." + h55, Region: "us-east-1", Time: day("2026-11-01"), InputTokens: 50000, OutputTokens: 1000, CacheReadTokens: 30000, CacheWriteTokens: 20000},
			ScopeGlobal, wantCost{"0.005", "0.0005", "0.0003", "0.0025", "0.0083"}},
		{"haiku 5.5 over 100K", Usage{ModelID: "global." + h55, Region: "us-east-1", Time: day("2026-11-01"), Over100K: true, InputTokens: 100001, OutputTokens: 2000, CacheReadTokens: 10000},
			ScopeGlobal, wantCost{"0.0500005", "0.005", "0.0005", "0", "0.0555005"}},
		{"haiku 5.5 geo over 100K", Usage{ModelID: "us." + h55, Region: "us-east-1", Time: day("2026-11-01"), Over100K: true, InputTokens: 100001, OutputTokens: 2000, CacheReadTokens: 10000},
			ScopeGeo, wantCost{"0.05500055", "0.0055", "0.00055", "0", "0.06105055"}},
		{"sonnet 4 between 100K and 200K is standard", Usage{ModelID: "us." + s4, Region: "us-east-1", Time: day("2025-09-01"), Over100K: true, InputTokens: 300000, OutputTokens: 5000, CacheReadTokens: 100000, CacheWriteTokens: 50000},
			ScopeGeo, wantCost{"0.9", "0.075", "0.03", "0.1875", "1.1925"}},
		{"nova micro sub-cent rates", Usage{ModelID: "us." + nova, Region: "us-east-1", Time: day("2025-06-01"), InputTokens: 1234567, OutputTokens: 7654321, CacheReadTokens: 1111111},
			ScopeGeo, wantCost{"0.043209845", "1.07160494", "0.00972222125", "0", "1.12453700625"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Cost(context.Background(), tt.u)
			if err != nil {
				t.Fatalf("Cost: %v", err)
			}
			if got.Scope != tt.wantScope {
				t.Errorf("scope: got %s, want %s", got.Scope, tt.wantScope)
			}
			checkCost(t, got, tt.want)
		})
	}
}

// The slow (decimal) path must give the same answers as the integer one.
func TestCostSlowPathMatches(t *testing.T) {
	rs := compileRates(&Rates{Input: dp("3.30"), Output: dp("16.50"), CacheRead: dp("0.33"), CacheWrite: dp("4.125"), CacheWrite1h: dp("6.60")})
	tokens := [nKinds]int64{1234567, 89012, 345678, 23456, 7890}
	sum, ok := rs.fastCost(tokens)
	if !ok {
		t.Fatal("fast path refused")
	}
	for i, n := range tokens {
		slow := rs.dec[costRates[i]].Mul(decimal.New(n, -6))
		if fast := decimal.New(sum[i], -12); !fast.Equal(slow) {
			t.Errorf("part %d: fast %s, slow %s", i, fast, slow)
		}
	}
	// Huge counts overflow int64 picodollars and fall back to decimals.
	if _, ok := rs.fastCost([nKinds]int64{1 << 62, 0, 0, 0, 0}); ok {
		t.Error("fast path accepted an overflowing product")
	}
	b := mustLoad(t)
	got, err := b.Cost(context.Background(), Usage{ModelID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	want := decimal.RequireFromString("4611686018427387904").Mul(decimal.RequireFromString("3.30")).Shift(-6)
	if !got.Total.Equal(want) {
		t.Errorf("overflow path: got %s, want %s", got.Total, want)
	}
}

func dp(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

func TestUnpriced(t *testing.T) {
	b := mustLoad(t)
	tests := []struct {
		name   string
		u      Usage
		reason string
	}{
		{"unknown model", Usage{ModelID: "anthropic.claude-unknown-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 5}, "not in the price book"},
		{"no substring match", Usage{ModelID: "us.anthropic.claude-opus-4-5", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 5}, "not in the price book"},
		{"no global price for an old model", Usage{ModelID: "global.anthropic.claude-3-haiku-20240307-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 5}, "no global price"},
		{"before launch", Usage{ModelID: "global.anthropic.claude-opus-4-5-20251101-v1:0", Region: "us-east-1", Time: day("2025-01-01"), InputTokens: 5}, "in effect on 2025-01-01"},
		{"GovCloud needs its own entry", Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-gov-west-1", Time: day("2026-01-01"), InputTokens: 5}, "GovCloud"},
		{"cache tokens without a cache rate", Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 5, CacheWriteTokens: 1}, "no cache-write rate"},
		{"negative tokens", Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-east-1", Time: day("2026-01-01"), OutputTokens: -1}, "negative output"},
		{"unresolvable app profile", Usage{ModelID: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x", Region: "us-east-1", Time: day("2026-01-01")}, "cannot be resolved"},
		{"long context on an entry without a tier or flat declaration", Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-east-1", Time: day("2025-01-01"), LongContext: true, InputTokens: 12345, OutputTokens: 6789},
			"no long_context rates and does not declare flat_long_context"},
		{"long context on nova micro (128K, not flat)", Usage{ModelID: "amazon.nova-micro-v1:0", Region: "us-east-1", Time: day("2025-06-01"), LongContext: true, InputTokens: 210000},
			"no long_context rates"},
		// Non-Claude entries come from the US East table: no price is stretched to other regions.
		{"nova pro in us-west-2", Usage{ModelID: "amazon.nova-pro-v1:0", Region: "us-west-2", Time: day("2025-06-01"), InputTokens: 5}, "no price for amazon.nova-pro-v1:0 in us-west-2"},
		{"nova lite geo from eu-west-1", Usage{ModelID: "eu.amazon.nova-lite-v1:0", Region: "eu-west-1", Time: day("2025-06-01"), InputTokens: 5}, "no price for amazon.nova-lite-v1:0 in eu-west-1"},
		{"llama 3.3 in ap-south-1", Usage{ModelID: "meta.llama3-3-70b-instruct-v1:0", Region: "ap-south-1", Time: day("2025-06-01"), InputTokens: 5}, "no price for meta.llama3-3-70b-instruct-v1:0 in ap-south-1"},
		{"deepseek r1 in us-west-2", Usage{ModelID: "us.deepseek.r1-v1:0", Region: "us-west-2", Time: day("2025-06-01"), InputTokens: 5}, "no price for deepseek.r1-v1:0 in us-west-2"},
		{"pixtral in eu-central-1", Usage{ModelID: "eu.mistral.pixtral-large-2502-v1:0", Region: "eu-central-1", Time: day("2025-06-01"), InputTokens: 5}, "in eu-central-1"},
		{"jamba in us-west-2", Usage{ModelID: "ai21.jamba-instruct-v1:0", Region: "us-west-2", Time: day("2025-06-01"), InputTokens: 5}, "in us-west-2"},
		{"priority on a model without a priority price", Usage{ModelID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "priority", InputTokens: 5}, "no priority-tier price"},
		{"reserved tier", Usage{ModelID: "amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "reserved", InputTokens: 5}, "Reserved tier"},
		{"a tier the book does not know", Usage{ModelID: "amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "turbo", InputTokens: 5}, "not one the price book knows"},
		{"cache reads under a tier", Usage{ModelID: "amazon.nova-pro-v1:0", Region: "us-east-1", Time: day("2026-01-10"), ServiceTier: "flex", InputTokens: 5, CacheReadTokens: 5}, "no cache-read rate"},
		{"haiku 5.5 over 100K with cache writes", Usage{ModelID: "global.anthropic.claude-haiku-5-5", Region: "us-east-1", Time: day("2026-11-01"), Over100K: true, InputTokens: 100001, CacheWriteTokens: 5}, "no cache-write rate"},
		{"claude 3 haiku in extended access", Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-east-1", Time: day("2026-06-10"), InputTokens: 5}, "price for anthropic.claude-3-haiku-20240307-v1:0 ended on 2026-06-10: the model enters public extended access that day"},
		{"custom model ARN", Usage{ModelID: "arn:aws:bedrock:us-east-1:123456789012:custom-model/m", Region: "us-east-1", Time: day("2026-01-01")}, "not in the price book"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Cost(context.Background(), tt.u)
			var ue *UnpricedError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want *UnpricedError", err)
			}
			if ue.ModelID != tt.u.ModelID || ue.Region != tt.u.Region {
				t.Errorf("error names %q in %q, want %q in %q", ue.ModelID, ue.Region, tt.u.ModelID, tt.u.Region)
			}
			if !strings.Contains(ue.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", ue.Reason, tt.reason)
			}
		})
	}
}

func TestOverrideAndDiscount(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "negotiated.json")
	os.WriteFile(path, []byte(`{"version":1,"models":{"my.private-model-v1:0":{"name":"Private"}},"entries":[
{"model":"anthropic.claude-sonnet-4-5-20250929-v1:0","scopes":["geo"],"from":"2025-01-01","input":"2.5","output":"10"},
{"model":"anthropic.claude-sonnet-4-5-20250929-v1:0","scopes":["geo"],"regions":["eu-west-1"],"from":"2025-01-01","input":"9","output":"9"},
{"model":"my.private-model-v1:0","scopes":["in-region"],"from":"2025-01-01","input":"1","output":"1"},
{"model":"anthropic.claude-3-haiku-20240307-v1:0","scopes":["in-region"],"regions":["us-gov-west-1"],"from":"2024-01-01","input":"0.30","output":"1.50"}
]}`), 0o644)
	b := mustLoad(t, WithOverrideFile(path))
	ctx := context.Background()
	const s45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"

	got, err := b.Cost(ctx, Usage{ModelID: "us." + s45, Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1000, OutputTokens: 1000})
	if err != nil {
		t.Fatal(err)
	}
	checkCost(t, got, wantCost{"0.0025", "0.01", "0", "0", "0.0125"})

	// A region-specific override wins over the override's all-regions entry.
	got, _ = b.Cost(ctx, Usage{ModelID: "eu." + s45, Region: "eu-west-1", Time: day("2026-01-01"), InputTokens: 1000000})
	checkCost(t, got, wantCost{"9", "0", "0", "0", "9"})

	// Scopes the override does not cover fall through to the book.
	got, _ = b.Cost(ctx, Usage{ModelID: "global." + s45, Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1000000})
	checkCost(t, got, wantCost{"3", "0", "0", "0", "3"})

	// New models and GovCloud prices come from the override.
	if _, err := b.Cost(ctx, Usage{ModelID: "my.private-model-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1}); err != nil {
		t.Errorf("private model: %v", err)
	}
	got, err = b.Cost(ctx, Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-gov-west-1", Time: day("2026-01-01"), InputTokens: 1000000})
	if err != nil {
		t.Fatalf("GovCloud override: %v", err)
	}
	checkCost(t, got, wantCost{"0.30", "0", "0", "0", "0.30"})

	// Discount: 12.5% off every part, exactly.
	d := mustLoad(t, WithDiscountPercent(decimal.RequireFromString("12.5")))
	got, err = d.Cost(ctx, Usage{ModelID: "us." + s45, Region: "us-east-1", Time: day("2026-01-10"), InputTokens: 1234567, OutputTokens: 89012, CacheReadTokens: 345678, CacheWriteTokens: 23456})
	if err != nil {
		t.Fatal(err)
	}
	checkCost(t, got, wantCost{"3.5648122125", "1.28511075", "0.0998145225", "0.0846615", "5.034398985"})

	for _, bad := range []string{"-1", "100.01"} {
		if _, err := Load(ctx, WithDiscountPercent(decimal.RequireFromString(bad))); err == nil {
			t.Errorf("discount %s: got no error", bad)
		}
	}
}

// A user price file that omits the long-context tier does not silently price long-context
// requests at standard rates: they are unpriced unless the entry declares flat_long_context.
func TestOverrideLongContextMustBeExplicit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prices.json")
	os.WriteFile(path, []byte(`{"version":1,"models":{"my.flat-model-v1:0":{"name":"Flat"}},"entries":[
{"model":"anthropic.claude-sonnet-4-20250514-v1:0","scopes":["geo"],"from":"2025-01-01","input":"2","output":"10"},
{"model":"my.flat-model-v1:0","scopes":["in-region"],"from":"2025-01-01","input":"1","output":"3","flat_long_context":true}
]}`), 0o644)
	b := mustLoad(t, WithOverrideFile(path))
	ctx := context.Background()
	const s4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
	tests := []struct {
		name   string
		u      Usage
		want   *wantCost // nil: unpriced
		reason string
	}{
		{"short request priced by the override", Usage{ModelID: s4, Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1000, OutputTokens: 100},
			&wantCost{"0.002", "0.001", "0", "0", "0.003"}, ""},
		{"long request: override has no tier", Usage{ModelID: s4, Region: "us-east-1", Time: day("2026-01-01"), LongContext: true, InputTokens: 300000, OutputTokens: 100},
			nil, "has no long_context rates and does not declare flat_long_context (" + path + ":2)"},
		{"long request: override declares flat", Usage{ModelID: "my.flat-model-v1:0", Region: "us-east-1", Time: day("2026-01-01"), LongContext: true, InputTokens: 300000, OutputTokens: 100},
			&wantCost{"0.3", "0.0003", "0", "0", "0.3003"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Cost(ctx, tt.u)
			if tt.want == nil {
				var ue *UnpricedError
				if !errors.As(err, &ue) || !strings.Contains(ue.Reason, tt.reason) {
					t.Fatalf("got %v (cost %s), want unpriced with a reason containing %q", err, got.Total, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Cost: %v", err)
			}
			checkCost(t, got, *tt.want)
		})
	}
}

// TestEmbeddedFlatLongContext lists the embedded entries that declare flat_long_context: the
// models with a context window over 200K tokens and one rate at any length.
func TestEmbeddedFlatLongContext(t *testing.T) {
	f, err := EmbeddedBook()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"amazon.nova-lite-v1:0": true, "amazon.nova-pro-v1:0": true, "amazon.nova-premier-v1:0": true,
		"meta.llama4-maverick-17b-instruct-v1:0": true, "ai21.jamba-instruct-v1:0": true,
		// 10M tokens at one rate.
		"meta.llama4-scout-17b-instruct-v1:0": true,
		// 1M-token windows at one rate (the 4.6 models from 2026-03-13, when 1M became GA at
		// standard prices).
		"anthropic.claude-opus-4-6-v1": true, "anthropic.claude-sonnet-4-6": true,
		"anthropic.claude-opus-4-7": true, "anthropic.claude-opus-4-8": true,
		"anthropic.claude-fable-5": true, "anthropic.claude-fable-5-1": true,
		"anthropic.claude-sonnet-5": true, "anthropic.claude-opus-5": true,
		"anthropic.claude-opus-5-5": true, "anthropic.claude-sonnet-5-5": true,
		"amazon.nova-2-lite-v1:0": true,
		// 256K windows at one rate.
		"mistral.mistral-large-3-675b-instruct": true, "ai21.jamba-1-5-large-v1:0": true, "ai21.jamba-1-5-mini-v1:0": true,
	}
	got := map[string]bool{}
	for _, e := range f.Entries {
		if e.FlatLongContext {
			got[e.Model] = true
		}
	}
	for m := range want {
		if !got[m] {
			t.Errorf("%s: no flat_long_context entry, want one", m)
		}
	}
	for m := range got {
		if !want[m] {
			t.Errorf("%s: declares flat_long_context, not expected", m)
		}
	}
}

func TestOverrideFileErrorsAreEager(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.json")
	os.WriteFile(path, []byte("{\"version\":1,\"entries\":[\n{\"model\":\"m\",\"scopes\":[\"geo\"],\"from\":\"2025-01-01\",\"input\":\"1\"}\n]}"), 0o644)
	_, err := Load(context.Background(), WithOverrideFile(path))
	if err == nil || !strings.Contains(err.Error(), path+":2") || !strings.Contains(err.Error(), "output: missing") {
		t.Fatalf("got %v, want an error naming %s:2 and the output field", err, path)
	}
	if _, err := Load(context.Background(), WithOverrideFile(filepath.Join(dir, "missing.json"))); err == nil {
		t.Fatal("missing override file: got no error")
	}
	pm := filepath.Join(dir, "pm.json")
	os.WriteFile(pm, []byte(`{"abc":"arn:aws:bedrock:us-east-1:1:application-inference-profile/x"}`), 0o644)
	if _, err := Load(context.Background(), WithProfileMapFile(pm)); err == nil {
		t.Fatal("profile map to an application profile: got no error")
	}
}

func TestCostConcurrent(t *testing.T) {
	b := mustLoad(t)
	ids := []string{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", "nope"}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				id := ids[(g+i)%len(ids)]
				_, err := b.Cost(context.Background(), Usage{ModelID: id, Region: "us-east-1", Time: day("2026-01-01"), InputTokens: int64(i)})
				if (err != nil) != (id == "nope") {
					t.Errorf("%s: %v", id, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestCostAllocations(t *testing.T) {
	b := mustLoad(t)
	u := Usage{ModelID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1234, OutputTokens: 567, CacheReadTokens: 89, CacheWriteTokens: 10}
	b.Cost(context.Background(), u)
	allocs := testing.AllocsPerRun(200, func() { b.Cost(context.Background(), u) })
	// The result's five decimals hold a big.Int each: the Int and its one-word slice.
	if allocs > 10 {
		t.Errorf("Cost allocates %.0f times per call, want at most 10 (the result's decimals)", allocs)
	}
}

func BenchmarkCost(b *testing.B) {
	book, err := Load(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	u := Usage{ModelID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1234, OutputTokens: 567, CacheReadTokens: 89, CacheWriteTokens: 10}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := book.Cost(context.Background(), u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRefreshedFileLayering(t *testing.T) {
	dir := t.TempDir()
	write := func(name, rate string) string {
		p := filepath.Join(dir, name)
		body := `{"version":1,"refreshed":"2026-12-01","entries":[{"model":"anthropic.claude-3-haiku-20240307-v1:0","scopes":["in-region"],"from":"2024-03-13","input":"` + rate + `","output":"1","source":"test","checked":"2026-12-01"}]}`
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	refreshed, override := write("refreshed.json", "7"), write("override.json", "9")
	corrupt := filepath.Join(dir, "corrupt.json")
	os.WriteFile(corrupt, []byte("{not json"), 0o644)
	u := Usage{ModelID: "anthropic.claude-3-haiku-20240307-v1:0", Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1000000}
	tests := []struct {
		name      string
		opts      []Option
		wantCost  string
		wantKinds []string
		wantWarn  bool
	}{
		{"embedded only", nil, "0.25", []string{"embedded"}, false},
		{"refreshed over embedded", []Option{WithRefreshedFile(refreshed)}, "7", []string{"refreshed", "embedded"}, false},
		{"override over refreshed", []Option{WithRefreshedFile(refreshed), WithOverrideFile(override)}, "9", []string{"override", "refreshed", "embedded"}, false},
		{"missing refreshed file", []Option{WithRefreshedFile(filepath.Join(dir, "none.json"))}, "0.25", []string{"embedded"}, false},
		{"corrupt refreshed file", []Option{WithRefreshedFile(corrupt)}, "0.25", []string{"embedded"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := mustLoad(t, tc.opts...)
			c, err := b.Cost(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			if c.Total.String() != tc.wantCost {
				t.Errorf("cost: got %s, want %s", c.Total, tc.wantCost)
			}
			var kinds []string
			for _, bk := range b.Books() {
				kinds = append(kinds, bk.Kind)
			}
			if diff := cmp.Diff(tc.wantKinds, kinds); diff != "" {
				t.Errorf("books (-want +got):\n%s", diff)
			}
			if w := b.Warnings(); (len(w) > 0) != tc.wantWarn || (tc.wantWarn && !strings.Contains(w[0], corrupt)) {
				t.Errorf("warnings: got %q, want one naming the file: %v", w, tc.wantWarn)
			}
		})
	}
}

// TestBatchRates: batch inference rates are in the book for explain, never for logged calls.
func TestBatchRates(t *testing.T) {
	b := mustLoad(t)
	ex, err := b.ExplainTier(context.Background(), "us.anthropic.claude-sonnet-4-6", "us-east-1", TierBatch, day("2026-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.Entry.Input.String() + "/" + ex.Entry.Output.String(); got != "1.65/8.25" {
		t.Errorf("sonnet 4.6 geo batch: got %s, want 1.65/8.25", got)
	}
	if b.HasTiers("anthropic.claude-sonnet-4-6") {
		t.Error("a model with batch rates only counts as one with Priority or Flex prices")
	}
	if !b.HasTiers("amazon.nova-pro-v1:0") {
		t.Error("Nova Pro has Priority and Flex prices")
	}
	_, err = b.Cost(context.Background(), Usage{ModelID: "us.anthropic.claude-sonnet-4-6", Region: "us-east-1", Time: day("2026-04-01"), ServiceTier: TierBatch, InputTokens: 5})
	var ue *UnpricedError
	if !errors.As(err, &ue) {
		t.Errorf("a logged call of tier batch: got %v, want unpriced", err)
	}
}
