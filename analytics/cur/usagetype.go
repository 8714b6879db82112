package cur

import (
	"regexp"
	"strings"
)

// Token kinds a Bedrock line item bills (Usage.Kind).
const (
	KindInput        = "input"
	KindOutput       = "output"
	KindCacheRead    = "cache_read"
	KindCacheWrite   = "cache_write_5m"
	KindCacheWrite1h = "cache_write_1h"
)

// Kinds lists the token kinds in display order.
var Kinds = []string{KindInput, KindOutput, KindCacheRead, KindCacheWrite, KindCacheWrite1h}

// Scopes as the bill can tell them apart. AWS bills in-region calls and geographic
// cross-region profiles under one regional usage type (one rate), and global profiles under
// their own; so reconcile compares the logs' in-region and geo calls together as "regional".
const (
	ScopeRegional = "regional"
	ScopeGlobal   = "global"
)

// Tiers as usage types name them ("" is standard on-demand).
const (
	TierStandard = ""
	TierBatch    = "batch"
	TierPriority = "priority"
	TierFlex     = "flex"
	TierReserved = "reserved"
)

// Usage is what a Bedrock usage type says, read exactly or not at all.
type Usage struct {
	RegionCode string // the usage type's prefix: USE1, EUC1, …
	Region     string // its region, when the prefix is a known one
	// Model is the model as the usage type names it: "Claude4.6Sonnet", "NovaLite",
	// "anthropic.claude-opus-4-8" (mantle); empty for Marketplace usage types, which name it
	// in the product name instead.
	Model       string
	Marketplace bool // a "{REG}-MP:{REG}_…-Units" usage type
	Mantle      bool // traffic through the bedrock-mantle endpoint, never in invocation logs
	// Token usage: Kind, Scope, Tier, LongContext. Tokens is false for everything else
	// (provisioned throughput, guardrails, images, storage), which reconcile lists apart.
	Tokens      bool
	Kind        string
	Scope       string
	Tier        string
	LongContext bool
}

// regionCodes are the billing prefixes of usage types. Sources: a Bedrock cost tool's
// mapping table and AWS's billing prefix convention (see analytics/cur/README in the closing
// note of the change; the product_region_code column, when set, always wins).
var regionCodes = map[string]string{
	"USE1": "us-east-1", "USE2": "us-east-2", "USW1": "us-west-1", "USW2": "us-west-2",
	"CAN1": "ca-central-1", "EUC1": "eu-central-1", "EUW1": "eu-west-1", "EUW2": "eu-west-2",
	"EUW3": "eu-west-3", "EUN1": "eu-north-1", "APN1": "ap-northeast-1", "APN2": "ap-northeast-2",
	"APN3": "ap-northeast-3", "APS1": "ap-southeast-1", "APS2": "ap-southeast-2", "APS3": "ap-south-1",
	"SAE1": "sa-east-1", "UGW1": "us-gov-west-1", "UGE1": "us-gov-east-1",
}

// RegionOfCode maps a usage-type prefix to its region ("" when unknown).
func RegionOfCode(code string) string { return regionCodes[strings.ToUpper(code)] }

// CodeOfRegion is the usage-type prefix of a region ("" when unknown).
func CodeOfRegion(region string) string {
	for code, r := range regionCodes {
		if r == region {
			return code
		}
	}
	return ""
}

var (
	// {REG}-MP:{REG}_{Component}-Units (Marketplace editions, such as Anthropic's).
	reMarketplace = regexp.MustCompile(`^([A-Z]{2,4}\d)-MP:[A-Z]{2,4}\d_(.+?)(-Units)?$`)
	// CamelCase components: InputTokenCount, CacheWrite1hInputTokenCount_Global_Batch, …
	reMPCamel = regexp.MustCompile(`^(CacheRead|CacheWrite1h|CacheWrite)?(Input|Output)TokenCount((?:_[A-Za-z]+)*)$`)
	// snake_case components: input_tokens_global_standard, cache_write_tokens_1h_standard, …
	reMPSnake = regexp.MustCompile(`^(input|output|cache_read|cache_write)_tokens((?:_[a-z0-9]+)*)$`)
	// {REG}-{Model}-{kind}[-suffix…] (first-party billing, and mantle: {REG}-{model id}-mantle-…).
	reFirstParty = regexp.MustCompile(`^([A-Z]{2,4}\d)-(.+?)-(mantle-)?(input-tokens|output-tokens|cache-read-input-token-count|cache-write-input-token-count|cache-write-1h-input-token-count|cache-read-tokens|cache-write-tokens|cache-write-1h-tokens)((?:-[a-z0-9]+)*)$`)
)

// ParseUsageType reads a Bedrock usage type. ok is false for a usage type of a shape it does
// not know, or with a word it does not understand: such line items are listed as not
// understood, never matched by a guess. A usage type of a known shape that is not token
// usage (provisioned throughput) is ok with Tokens false.
func ParseUsageType(ut string) (Usage, bool) {
	if m := reMarketplace.FindStringSubmatch(ut); m != nil {
		u := Usage{RegionCode: m[1], Region: RegionOfCode(m[1]), Marketplace: true, Scope: ScopeRegional}
		comp := m[2]
		if strings.Contains(strings.ToLower(comp), "reserved") {
			u.Tier = TierReserved // reserved/provisioned throughput: billed per time, not per token
			return u, true
		}
		if c := reMPCamel.FindStringSubmatch(comp); c != nil {
			u.Tokens = true
			u.Kind = camelKind(c[1], c[2])
			return u, u.Kind != "" && u.suffixes(strings.Split(strings.ToLower(strings.TrimPrefix(c[3], "_")), "_"))
		}
		if c := reMPSnake.FindStringSubmatch(comp); c != nil {
			u.Tokens = true
			words := strings.Split(strings.TrimPrefix(c[2], "_"), "_")
			u.Kind = snakeKind(c[1], &words)
			return u, u.Kind != "" && u.suffixes(words)
		}
		return u, false
	}
	if m := reFirstParty.FindStringSubmatch(ut); m != nil {
		u := Usage{RegionCode: m[1], Region: RegionOfCode(m[1]), Model: m[2], Mantle: m[3] != "", Tokens: true, Scope: ScopeRegional}
		switch m[4] {
		case "input-tokens":
			u.Kind = KindInput
		case "output-tokens":
			u.Kind = KindOutput
		case "cache-read-input-token-count", "cache-read-tokens":
			u.Kind = KindCacheRead
		case "cache-write-input-token-count", "cache-write-tokens":
			u.Kind = KindCacheWrite
		case "cache-write-1h-input-token-count", "cache-write-1h-tokens":
			u.Kind = KindCacheWrite1h
		}
		return u, u.suffixes(strings.Split(strings.TrimPrefix(m[5], "-"), "-"))
	}
	// Bedrock usage billed by time or by other units: provisioned throughput (model units
	// per hour), guardrail text units, images. Known not to be tokens; not read further.
	if m := reRegionPrefix.FindStringSubmatch(ut); m != nil {
		l := strings.ToLower(ut)
		for _, w := range []string{"provisioned", "modelunit", "guardrail", "image", "video", "customization", "storage"} {
			if strings.Contains(l, w) {
				return Usage{RegionCode: m[1], Region: RegionOfCode(m[1])}, true
			}
		}
	}
	return Usage{}, false
}

var reRegionPrefix = regexp.MustCompile(`^([A-Z]{2,4}\d)-`)

func camelKind(cache, dir string) string {
	switch {
	case cache == "CacheRead" && dir == "Input":
		return KindCacheRead
	case cache == "CacheWrite" && dir == "Input":
		return KindCacheWrite
	case cache == "CacheWrite1h" && dir == "Input":
		return KindCacheWrite1h
	case cache == "" && dir == "Input":
		return KindInput
	case cache == "" && dir == "Output":
		return KindOutput
	}
	return ""
}

// snakeKind reads the kind of a snake_case component; a leading "1h" word of a cache write
// is part of the kind and is taken off words.
func snakeKind(kind string, words *[]string) string {
	switch kind {
	case "input":
		return KindInput
	case "output":
		return KindOutput
	case "cache_read":
		return KindCacheRead
	}
	if w := *words; len(w) > 0 && w[0] == "1h" {
		*words = w[1:]
		return KindCacheWrite1h
	}
	return KindCacheWrite
}

// suffixes applies the words after the kind (scope, tier, long context); false when one is
// not understood.
func (u *Usage) suffixes(words []string) bool {
	for i := 0; i < len(words); i++ {
		switch w := words[i]; w {
		case "":
		case "global":
			u.Scope = ScopeGlobal
		case "regional", "geo", "cris", "in", "region":
			// "regional", "cross-region" (a geographic profile: billed as regional),
			// "in-region"
		case "cross":
			if i+1 < len(words) && words[i+1] == "region" {
				i++
			}
		case "standard", "ondemand", "on":
		case "demand":
		case "batch":
			u.Tier = TierBatch
		case "flex":
			u.Tier = TierFlex
		case "priority":
			u.Tier = TierPriority
		case "long", "context", "lctx", "longcontext":
			u.LongContext = true
		default:
			return false
		}
	}
	return true
}
