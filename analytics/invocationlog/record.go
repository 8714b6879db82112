// Package invocationlog describes Amazon Bedrock model invocation log records: the record
// type, a streaming decoder over gzipped or plain NDJSON, the S3 key layout Bedrock writes,
// identity-ARN parsing and the Glue column list. It is the one place the log schema is
// written; the engines, the log generator and the CDK app all import it.
package invocationlog

import (
	"encoding/json"
	"time"
)

// SchemaType is the value of schemaType on every invocation log record.
const SchemaType = "ModelInvocationLog"

// The operations Bedrock logs.
const (
	OpInvokeModel                   = "InvokeModel"
	OpInvokeModelWithResponseStream = "InvokeModelWithResponseStream"
	OpConverse                      = "Converse"
	OpConverseStream                = "ConverseStream"
)

// LongContextThreshold is the number of input tokens (cache reads and writes included) above
// which a request is billed at long-context rates by models that have them.
const LongContextThreshold = 200_000

// LongContextThreshold100K is the lower long-context threshold of some models (Claude Haiku
// 5.5: a request whose input, cache reads and writes included, is over 100K tokens is
// billed at higher rates for every token). The grain carries both.
const LongContextThreshold100K = 100_000

// Record is one model invocation log record. Bodies (InputBodyJSON, OutputBodyJSON) are only
// filled when the decoder is asked for them; reports never need them.
type Record struct {
	SchemaType      string            `json:"schemaType"`
	SchemaVersion   string            `json:"schemaVersion"`
	Timestamp       time.Time         `json:"timestamp"`
	AccountID       string            `json:"accountId"`
	Identity        Identity          `json:"identity"`
	Region          string            `json:"region"`
	RequestID       string            `json:"requestId"`
	Operation       string            `json:"operation"`
	ModelID         string            `json:"modelId"`
	Input           Input             `json:"input"`
	Output          Output            `json:"output"`
	ErrorCode       string            `json:"errorCode,omitempty"`
	InferenceRegion string            `json:"inferenceRegion,omitempty"`
	RequestMetadata map[string]string `json:"requestMetadata,omitempty"`
}

// Identity is the caller of a logged request.
type Identity struct {
	ARN string `json:"arn"`
}

// Input is the request side of a record.
type Input struct {
	InputContentType          string          `json:"inputContentType,omitempty"`
	InputBodyJSON             json.RawMessage `json:"inputBodyJson,omitempty"`
	InputTokenCount           int64           `json:"inputTokenCount"`
	CacheReadInputTokenCount  int64           `json:"cacheReadInputTokenCount,omitempty"`
	CacheWriteInputTokenCount int64           `json:"cacheWriteInputTokenCount,omitempty"`
	InputBodyS3Path           string          `json:"inputBodyS3Path,omitempty"`
}

// Output is the response side of a record. OutputBodyJSON is an object, or for streaming
// operations an array of stream events (which may include plain strings such as "[DONE]").
type Output struct {
	OutputContentType string          `json:"outputContentType,omitempty"`
	OutputBodyJSON    json.RawMessage `json:"outputBodyJson,omitempty"`
	OutputTokenCount  int64           `json:"outputTokenCount"`
	OutputBodyS3Path  string          `json:"outputBodyS3Path,omitempty"`

	// CacheTTL is the split of the request's cache writes by time to live, when the logged
	// response body states it (read by the decoder, not a field of the record).
	CacheTTL CacheTTL `json:"-"`
	// ServiceTier is the tier the response body says served the call (one of ServiceTiers),
	// or "" when it says none (read by the decoder, not a field of the record).
	ServiceTier string `json:"-"`
	// Guardrail are the guardrail policy units the response body's trace states (read by the
	// decoder, not a field of the record).
	Guardrail GuardrailUnits `json:"-"`
}

// CacheTTL is what a response body says of its cache writes: Converse and ConverseStream
// bodies carry usage.cacheDetails ([{"ttl":"5m"|"1h","inputTokens":N}]); Anthropic
// InvokeModel bodies usage.cache_creation.{ephemeral_5m_input_tokens,
// ephemeral_1h_input_tokens}, and InvokeModelWithResponseStream bodies the same in the
// message_start event.
type CacheTTL struct {
	// Known is true when the body stated the split.
	Known bool
	// OneHour and FiveMinutes are the cache-write tokens of each TTL.
	OneHour, FiveMinutes int64
}

// Failed reports whether the call failed (the record carries an errorCode).
func (r *Record) Failed() bool { return r.ErrorCode != "" }
