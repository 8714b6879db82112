package invocationlog

import (
	"encoding/json"
	"fmt"
	"io"
)

// DecodeCloudWatchEvents decodes invocation log records from a CloudWatch Logs answer
// (GetLogEvents or FilterLogEvents, as the AWS CLI prints it): a JSON document with an
// "events" array whose items carry the record in "message", either as a JSON string (as
// CloudWatch returns it) or as an object. Each event counts as one line (its 1-based index)
// for skip reports, with the same rules as the NDJSON Decoder. The error is for a document
// that is not such an answer at all.
func DecodeCloudWatchEvents(r io.Reader, name string, opts ...DecoderOption) ([]Record, Skipped, error) {
	var doc struct {
		Events []struct {
			Message json.RawMessage `json:"message"`
		} `json:"events"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, Skipped{}, fmt.Errorf("%s: not a CloudWatch Logs events document: %w", name, err)
	}
	if doc.Events == nil {
		return nil, Skipped{}, fmt.Errorf("%s: not a CloudWatch Logs events document: no events array", name)
	}
	d := NewDecoder(nil, name, opts...)
	d.intern = make(map[string]string, 64)
	recs := make([]Record, 0, len(doc.Events))
	for i, ev := range doc.Events {
		d.line = int64(i + 1)
		msg := []byte(ev.Message)
		if len(msg) > 0 && msg[0] == '"' {
			var s string
			if err := json.Unmarshal(msg, &s); err != nil {
				d.skip(SkipMalformedLine, fmt.Sprintf("message: %v", err))
				continue
			}
			msg = []byte(s)
		}
		if isBlank(msg) {
			d.skip(SkipMalformedLine, "event has no message")
			continue
		}
		var rec Record
		if d.decodeLine(msg, &rec) {
			recs = append(recs, rec)
		}
	}
	return recs, d.skipped, nil
}
