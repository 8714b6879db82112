package athena

import (
	"strings"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// What the SQL reads from the response body: the cache-TTL split and the service tier.
//
// The cache-TTL split of a response body, in SQL. The Glue table's output.outputbodyjson
// column is a string: the SerDe renders the logged body (an object, or an array of stream
// events) back to JSON text. The split is the first member of that text, in document order,
// that states one in the exact shape invocationlog's decoder accepts (see its
// keyCacheDetails): a regular expression finds the leftmost such member, and two more read
// its 1-hour and 5-minute counts. Every piece of the pattern is valid in Trino's (Java) and
// DuckDB's (RE2) regular expressions and has no '?', so that nothing can take it for a
// parameter. Member names match case-insensitively, as the SerDe matches them; white space
// is allowed wherever JSON allows it, although the SerDe renders none.

// ws is JSON white space.
const ws = `[ \t\n\r]*`

// ci is a pattern for name with its ASCII letters in either case.
func ci(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteString("[" + string(r) + string(r-'a'+'A') + "]")
		case r >= 'A' && r <= 'Z':
			b.WriteString("[" + string(r-'A'+'a') + string(r) + "]")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// member is a pattern for `"name":` with any white space.
func member(name string) string { return `"` + ci(name) + `"` + ws + `:` + ws }

// digits is a token count: a whole number written in digits.
const digits = `[0-9]+`

// detailEntry is one cacheDetails entry of the given TTL, its two members in either order.
func detailEntry(ttl string) string {
	t := member("ttl") + `"` + ttl + `"`
	n := member("inputTokens") + digits
	return `\{` + ws + t + ws + `,` + ws + n + ws + `\}|\{` + ws + n + ws + `,` + ws + t + ws + `\}`
}

// cacheSplitPattern matches the first member that states a split, from the '{' or ','
// before its name to the end of its value.
var cacheSplitPattern = func() string {
	e1, e5 := "("+detailEntry("1h")+")", "("+detailEntry("5m")+")"
	details := member("cacheDetails") + `\[` + ws + "(" +
		e1 + "|" + e5 + "|" + e1 + ws + "," + ws + e5 + "|" + e5 + ws + "," + ws + e1 + "|)" + ws + `\]`
	k5, k1 := member("ephemeral_5m_input_tokens")+digits, member("ephemeral_1h_input_tokens")+digits
	creation := member("cache_creation") + `\{` + ws + "(" +
		k5 + ws + "," + ws + k1 + "|" + k1 + ws + "," + ws + k5 + "|" + k5 + "|" + k1 + ")" + ws + `\}`
	return `[{,]` + ws + "(" + details + "|" + creation + ")"
}()

// ttlCountPattern matches, inside a split, the member stating the count of one TTL: the
// cache_creation member, or the cacheDetails entry of that TTL (whose inputTokens
// countPattern then reads).
func ttlCountPattern(ttl string) string {
	return member("ephemeral_"+ttl+"_input_tokens") + digits + `|` + detailEntry(ttl)
}

// countPattern reads the count of a ttlCountPattern match (group 2).
var countPattern = `"(` + ci("inputTokens") + `|` + ci("ephemeral_") + `[0-9a-z]+` + ci("_input_tokens") + `)"` + ws + `:` + ws + `(` + digits + `)`

// Per-record columns of the split (see buildSQLText): ttl_split is the matched text or
// NULL; ttl_1h and ttl_5m its counts (0 when the split has none of that TTL, NULL when a
// count does not fit a bigint).
const (
	colTTLSplit = "ttl_split"
	colTTL1h    = "ttl_1h"
	colTTL5m    = "ttl_5m"
)

// splitSQL is the ttl_split expression over the table's body column. regexp_extract returns
// NULL (Trino) or ” (DuckDB) when nothing matches; both become NULL.
func splitSQL() string {
	return `NULLIF(regexp_extract(coalesce("output"."outputbodyjson", ''), '` + cacheSplitPattern + `'), '')`
}

// ttlCountSQL is the ttl_1h or ttl_5m expression over ttl_split.
func ttlCountSQL(ttl string) string {
	return `try(CAST(coalesce(NULLIF(regexp_extract(regexp_extract(` + colTTLSplit + `, '` + ttlCountPattern(ttl) + `'), '` +
		countPattern + `', 2), ''), '0') AS bigint))`
}

// splitKnown is the condition that a record's split accounts for its cache writes exactly,
// as analytics' cacheTTL requires.
func splitKnown(cacheWrite string) string {
	return colTTLSplit + " IS NOT NULL AND try(" + colTTL1h + " + " + colTTL5m + ") = " + cacheWrite
}

// bodyMeasureSQL is the per-record value of each body measure of analytics.MeasureDefs.
func bodyMeasureSQL(name string) (string, bool) {
	cw := shortOf("cache_write_tokens")
	for _, m := range analytics.MeasureDefs {
		if m.Name == name && m.Guardrail > 0 {
			return m.Short, true // a column of the calls CTE (guardrailSQL)
		}
	}
	switch name {
	case "cache_write_1h_tokens":
		return "CASE WHEN " + splitKnown(cw) + " THEN " + colTTL1h + " ELSE 0 END", true
	case "cache_write_ttl_unknown_tokens":
		return "CASE WHEN " + splitKnown(cw) + " THEN 0 ELSE " + cw + " END", true
	}
	return "", false
}

// serviceTierPattern matches the first "serviceTier" member in the shape the decoder
// accepts (see invocationlog's keyServiceTier); group 1 is the tier.
var serviceTierPattern = `[{,]` + ws + member("serviceTier") + `\{` + ws + member("type") + `"(` +
	strings.Join(invocationlog.ServiceTiers, "|") + `)"` + ws + `\}`

// serviceTierSQL is the service_tier expression over the table's body column: the tier, or
// ” when the body states none.
func serviceTierSQL() string {
	return `coalesce(NULLIF(regexp_extract(coalesce("output"."outputbodyjson", ''), '` + serviceTierPattern + `', 1), ''), '')`
}

// sumDigitsSuffix ends the reduce() that sums a regexp_extract_all list of digit strings
// (guardrailSQL). The DuckDB test shim rewrites exactly this text, as DuckDB's reduce has
// another signature.
const sumDigitsSuffix = `, BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)`

// guardrailPattern matches one member stating a guardrail policy's units (see
// invocationlog's GuardrailPolicies rule); group 1 is the count.
func guardrailPattern(field string) string {
	return `[{,]` + ws + member(field) + `([0-9]+)` + ws + `[,}]`
}

// guardrailSQL is the per-record units of one guardrail policy: the sum of every count the
// body states for it; 0 when it states none, or when a count or the sum does not fit a
// bigint (try()).
func guardrailSQL(field string) string {
	return `coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '` + guardrailPattern(field) + `', 1)` +
		sumDigitsSuffix + `), 0)`
}
