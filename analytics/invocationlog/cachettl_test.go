package invocationlog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecoderCacheTTL(t *testing.T) {
	const head = `{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","modelId":"m","input":{"inputTokenCount":5,"cacheWriteInputTokenCount":300},"output":{"outputTokenCount":1,"outputBodyJson":`
	tests := []struct {
		name string
		body string
		want CacheTTL
	}{
		{"converse cacheDetails", `{"output":{"message":{"content":[{"text":"hi"}]}},"usage":{"inputTokens":5,"cacheWriteInputTokens":300,"cacheDetails":[{"ttl":"1h","inputTokens":200},{"ttl":"5m","inputTokens":100}]}}`,
			CacheTTL{Known: true, OneHour: 200, FiveMinutes: 100}},
		{"invoke model cache_creation", `{"id":"msg","content":[{"type":"text","text":"x"}],"usage":{"input_tokens":5,"cache_creation_input_tokens":300,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":300}}}`,
			CacheTTL{Known: true, OneHour: 300}},
		{"stream message_start", `[{"type":"message_start","message":{"usage":{"input_tokens":5,"cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":0}}}},{"type":"content_block_delta","delta":{"text":"x"}},{"type":"message_stop"},"[DONE]"]`,
			CacheTTL{Known: true, FiveMinutes: 300}},
		{"no split", `{"usage":{"input_tokens":5,"cache_creation_input_tokens":300}}`, CacheTTL{}},
		{"unknown ttl string", `{"usage":{"cacheDetails":[{"ttl":"2h","inputTokens":300}]}}`, CacheTTL{}},
		{"count of the wrong type", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":"300"}}}`, CacheTTL{}},
		{"at any depth", `{"a":{"b":{"c":{"d":{"cache_creation":{"ephemeral_1h_input_tokens":1}}}}}}`, CacheTTL{Known: true, OneHour: 1}},
		{"names in any case, white space", `{"Usage": {"CacheDetails" : [ {"TTL" : "5m" , "InputTokens" : 7} ]}}`, CacheTTL{Known: true, FiveMinutes: 7}},
		{"empty cacheDetails", `{"usage":{"cacheDetails":[]}}`, CacheTTL{Known: true}},
		{"keys in either order", `{"usage":{"cacheDetails":[{"inputTokens":3,"ttl":"1h"},{"ttl":"5m","inputTokens":4}]}}`, CacheTTL{Known: true, OneHour: 3, FiveMinutes: 4}},
		{"an entry with another member", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":3,"x":1}]}}`, CacheTTL{}},
		{"a TTL twice", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":3},{"ttl":"1h","inputTokens":4}]}}`, CacheTTL{}},
		{"three entries", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":3},{"ttl":"5m","inputTokens":4},{"ttl":"5m","inputTokens":0}]}}`, CacheTTL{}},
		{"a count not in digits", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":3.0}}}`, CacheTTL{}},
		{"a count too large", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":99999999999999999999}}}`, CacheTTL{}},
		{"cache_creation with another member", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":3,"ephemeral_24h_input_tokens":1}}}`, CacheTTL{}},
		{"empty cache_creation", `{"usage":{"cache_creation":{}}}`, CacheTTL{}},
		{"first valid one wins", `{"a":{"cacheDetails":[{"ttl":"2h","inputTokens":1}]},"usage":{"cache_creation":{"ephemeral_5m_input_tokens":5}},"b":{"cacheDetails":[]}}`, CacheTTL{Known: true, FiveMinutes: 5}},
		{"a split inside a passed-over value", `{"cache_creation":{"x":{"cacheDetails":[{"ttl":"1h","inputTokens":2}]}}}`, CacheTTL{Known: true, OneHour: 2}},
		{"not a member name", `{"usage":["cacheDetails",{"k":"\"cacheDetails\":[]"}]}`, CacheTTL{}},
		{"a string body", `"text"`, CacheTTL{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := decodeOne(t, head+tc.body+`}}`)
			if diff := cmp.Diff(tc.want, rec.Output.CacheTTL); diff != "" {
				t.Errorf("CacheTTL (-want +got):\n%s", diff)
			}
		})
	}
	// A malformed body still makes the line malformed, as before.
	d := NewDecoder(strings.NewReader(head+`{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":1}}`+"\n"), "t")
	var rec Record
	if d.Next(&rec) || d.Skipped().MalformedLines != 1 {
		t.Errorf("truncated body: got a record or %+v, want one malformed line", d.Skipped())
	}
}

// TestBodyNestingLimit: a body nested near the limit gets the same verdict whether it is the
// request body (skipped whole) or the response body (walked for the cache-TTL split).
func TestBodyNestingLimit(t *testing.T) {
	for _, n := range []int{9990, 9998, 9999, 10000, 10001, 10002, 10005} {
		nested := strings.Repeat("[", n) + strings.Repeat("]", n)
		verdict := func(field string) bool {
			var line string
			if field == "input" {
				line = `{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","input":{"inputTokenCount":1,"inputBodyJson":` + nested + `},"output":{"outputTokenCount":1}}`
			} else {
				line = `{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","input":{"inputTokenCount":1},"output":{"outputTokenCount":1,"outputBodyJson":` + nested + `}}`
			}
			var rec Record
			return NewDecoder(strings.NewReader(line+"\n"), "t").Next(&rec)
		}
		if in, out := verdict("input"), verdict("output"); in != out {
			t.Errorf("nesting %d: request body accepted %v, response body accepted %v", n, in, out)
		}
	}
}

func TestDecoderServiceTier(t *testing.T) {
	const head = `{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","modelId":"m","input":{"inputTokenCount":5},"output":{"outputTokenCount":1,"outputBodyJson":`
	tests := []struct {
		name, body, want string
	}{
		{"converse", `{"output":{"message":{"content":[{"text":"hi"}]}},"usage":{"inputTokens":5},"serviceTier":{"type":"priority"}}`, "priority"},
		{"converse stream metadata", `[{"messageStart":{"role":"assistant"}},{"metadata":{"usage":{"inputTokens":5},"serviceTier":{"type":"flex"}}}]`, "flex"},
		{"default", `{"serviceTier":{"type":"default"}}`, "default"},
		{"name in any case", `{"ServiceTier":{"Type":"reserved"}}`, "reserved"},
		{"unknown tier", `{"serviceTier":{"type":"platinum"}}`, ""},
		{"value not in lower case", `{"serviceTier":{"type":"Priority"}}`, ""},
		{"another member", `{"serviceTier":{"type":"flex","x":1}}`, ""},
		{"a string", `{"serviceTier":"flex"}`, ""},
		{"first valid one wins", `{"a":{"serviceTier":{"type":"x"}},"serviceTier":{"type":"flex"},"b":{"serviceTier":{"type":"priority"}}}`, "flex"},
		{"with a cache split after it", `{"serviceTier":{"type":"priority"},"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":1}]}}`, "priority"},
		{"none", `{"usage":{"input_tokens":5}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := decodeOne(t, head+tc.body+`}}`)
			if rec.Output.ServiceTier != tc.want {
				t.Errorf("got tier %q, want %q", rec.Output.ServiceTier, tc.want)
			}
		})
	}
	// The cache split after a tier is still found.
	d := NewDecoder(strings.NewReader(`{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","input":{"inputTokenCount":5,"cacheWriteInputTokenCount":1},"output":{"outputTokenCount":1,"outputBodyJson":{"serviceTier":{"type":"priority"},"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":1}]}}}}`+"\n"), "t")
	var rec Record
	if !d.Next(&rec) || !rec.Output.CacheTTL.Known || rec.Output.CacheTTL.OneHour != 1 {
		t.Errorf("got split %+v, want the 1-hour write after the tier", rec.Output.CacheTTL)
	}
}

// decodeOne decodes a line that must be one record.
func decodeOne(t *testing.T, line string) Record {
	t.Helper()
	d := NewDecoder(strings.NewReader(line+"\n"), "t")
	var rec Record
	if !d.Next(&rec) {
		t.Fatalf("no record; skipped %+v", d.Skipped())
	}
	return rec
}
