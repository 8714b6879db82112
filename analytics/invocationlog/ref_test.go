package invocationlog

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// This file holds an independent reference for the decoder: each line is read with
// encoding/json into map[string]any and the record's fields picked out by hand. Tests and
// fuzz targets compare the fast decoder with it.

// refResult is what the reference makes of one line.
type refResult struct {
	reason SkipReason // "" for a record
	rec    Record
	// meta holds requestMetadata values decoded as JSON values (string, json.Number, bool,
	// map, slice), to compare non-string values, which the decoder keeps as JSON text.
	meta map[string]any
}

// refDecodeLine decodes one non-blank line with encoding/json.
func refDecodeLine(line []byte) refResult {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return refResult{reason: SkipMalformedLine}
	}
	if _, err := dec.Token(); err != io.EOF {
		// Trailing data, including a token cut short ("unexpected EOF" after the object
		// is trailing data too, not the end of the input).
		return refResult{reason: SkipMalformedLine}
	}
	if m == nil {
		return refResult{reason: SkipMalformedLine} // null
	}
	var res refResult
	bad := false
	str := func(v any) string {
		switch v := v.(type) {
		case nil:
			return ""
		case string:
			return v
		}
		bad = true
		return ""
	}
	obj := func(v any) map[string]any {
		switch v := v.(type) {
		case nil:
			return nil
		case map[string]any:
			return v
		}
		bad = true
		return nil
	}
	count := func(v any) int64 {
		switch v := v.(type) {
		case nil:
			return 0
		case json.Number:
			if n, err := v.Int64(); err == nil {
				if n < 0 || n > MaxCount {
					bad = true
				}
				return n
			}
			f, err := v.Float64()
			if err != nil || f < 0 || f != math.Floor(f) || f > MaxCount {
				bad = true
				return 0
			}
			return int64(f)
		}
		bad = true
		return 0
	}
	r := &res.rec
	st, hasST := m["schemaType"]
	r.SchemaType = str(st)
	if !hasST || r.SchemaType != SchemaType {
		if s, ok := st.(string); !ok || s != SchemaType {
			return refResult{reason: SkipOtherRecord}
		}
	}
	r.SchemaVersion = str(m["schemaVersion"])
	r.AccountID = str(m["accountId"])
	r.Identity.ARN = str(obj(m["identity"])["arn"])
	r.Region = str(m["region"])
	r.RequestID = str(m["requestId"])
	r.Operation = str(m["operation"])
	r.ModelID = str(m["modelId"])
	r.ErrorCode = str(m["errorCode"])
	r.InferenceRegion = str(m["inferenceRegion"])
	in := obj(m["input"])
	r.Input.InputContentType = str(in["inputContentType"])
	r.Input.InputTokenCount = count(in["inputTokenCount"])
	r.Input.CacheReadInputTokenCount = count(in["cacheReadInputTokenCount"])
	r.Input.CacheWriteInputTokenCount = count(in["cacheWriteInputTokenCount"])
	r.Input.InputBodyS3Path = str(in["inputBodyS3Path"])
	out := obj(m["output"])
	r.Output.OutputContentType = str(out["outputContentType"])
	r.Output.OutputTokenCount = count(out["outputTokenCount"])
	r.Output.OutputBodyS3Path = str(out["outputBodyS3Path"])
	r.Output.Guardrail = refGuardrail(out["outputBodyJson"])
	for k, v := range obj(m["requestMetadata"]) {
		if v == nil {
			continue
		}
		if res.meta == nil {
			res.meta = map[string]any{}
		}
		res.meta[k] = v
	}
	ts, ok := m["timestamp"].(string)
	if !ok {
		bad = true
	} else if t, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		bad = true
	} else {
		r.Timestamp = t.UTC()
	}
	if bad {
		return refResult{reason: SkipMalformedLine}
	}
	return res
}

// refGuardrail sums the guardrail policy units of a decoded body: every member named as a
// GuardrailPolicies field (in any case) whose value is a number in digits, at any depth; a
// count or sum beyond int64 makes the policy's units 0.
func refGuardrail(body any) GuardrailUnits {
	var sums [NGuardrailPolicies]float64
	var u GuardrailUnits
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				for i, p := range GuardrailPolicies {
					if n, ok := x.(json.Number); ok && strings.EqualFold(k, p.Field) && strings.Trim(n.String(), "0123456789") == "" {
						f, _ := n.Float64()
						sums[i] += f
						if c, err := n.Int64(); err == nil {
							u[i] += c
						}
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(body)
	for i := range sums {
		if sums[i] >= math.MaxInt64 {
			u[i] = 0
		}
	}
	return u
}

// metaValue decodes a requestMetadata value the decoder returned, for comparison with the
// reference: non-string values are kept as JSON text.
func metaValue(t *testing.T, got string, want any) any {
	t.Helper()
	if _, ok := want.(string); ok {
		return got
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Errorf("metadata value %q is not JSON text: %v", got, err)
	}
	return v
}

// compareRecord reports differences between a decoded record and the reference's, bodies
// aside.
func compareRecord(t *testing.T, where string, got Record, want refResult) {
	t.Helper()
	g, w := got, want.rec
	g.Input.InputBodyJSON, g.Output.OutputBodyJSON = nil, nil
	gm := g.RequestMetadata
	g.RequestMetadata, w.RequestMetadata = nil, nil
	if !g.Timestamp.Equal(w.Timestamp) || g.Timestamp.Location() != time.UTC {
		t.Errorf("%s: timestamp got %v, want %v (UTC)", where, g.Timestamp, w.Timestamp)
	}
	g.Timestamp, w.Timestamp = time.Time{}, time.Time{}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s: record (-want +got):\n%s", where, diff)
	}
	if len(gm) != len(want.meta) {
		t.Errorf("%s: requestMetadata got %v, want %v", where, gm, want.meta)
		return
	}
	for k, wv := range want.meta {
		gv, ok := gm[k]
		if !ok {
			t.Errorf("%s: requestMetadata[%q] missing, want %v", where, k, wv)
			continue
		}
		if diff := cmp.Diff(wv, metaValue(t, gv, wv)); diff != "" {
			t.Errorf("%s: requestMetadata[%q] = %q (-want +got):\n%s", where, k, gv, diff)
		}
	}
}
