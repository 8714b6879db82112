package invocationlog

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const (
	elasticFixture = "../../internal/fixtures/elastic-integrations-test-aws-bedrock.ndjson"
	krFixture      = "../../internal/fixtures/kr-tech-blog-bedrock_log_example_masked.json"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeAll runs a decoder over r to its end.
func decodeAll(r io.Reader, name string, opts ...DecoderOption) ([]Record, *Decoder) {
	d := NewDecoder(r, name, opts...)
	var recs []Record
	var rec Record
	for d.Next(&rec) {
		recs = append(recs, rec)
	}
	return recs, d
}

// nonBlankLines splits NDJSON into its non-blank lines with their 1-based numbers.
func nonBlankLines(b []byte) (lines [][]byte, numbers []int64) {
	for i, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
			numbers = append(numbers, int64(i+1))
		}
	}
	return lines, numbers
}

func TestDecodeElasticFixture(t *testing.T) {
	raw := readFile(t, elasticFixture)
	lines, _ := nonBlankLines(raw)
	if len(lines) != 19 {
		t.Fatalf("fixture has %d lines, want 19", len(lines))
	}
	// Expectations from encoding/json, one line at a time, and the bodies as raw JSON.
	want := make([]refResult, len(lines))
	var wantIn, wantOut []json.RawMessage
	for i, l := range lines {
		want[i] = refDecodeLine(l)
		if want[i].reason != "" {
			t.Fatalf("reference skips line %d: %s", i+1, want[i].reason)
		}
		var bodies struct {
			Input struct {
				InputBodyJSON json.RawMessage `json:"inputBodyJson"`
			} `json:"input"`
			Output struct {
				OutputBodyJSON json.RawMessage `json:"outputBodyJson"`
			} `json:"output"`
		}
		if err := json.Unmarshal(l, &bodies); err != nil {
			t.Fatal(err)
		}
		wantIn = append(wantIn, bodies.Input.InputBodyJSON)
		wantOut = append(wantOut, bodies.Output.OutputBodyJSON)
	}
	tests := []struct {
		name   string
		data   []byte
		bodies bool
	}{
		{"plain", raw, false},
		{"gzip", gzipBytes(t, raw), false},
		{"plain with bodies", raw, true},
		{"gzip with bodies", gzipBytes(t, raw), true},
		{"one byte reads", raw, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(tt.data)
			if tt.name == "one byte reads" {
				r = iotest.OneByteReader(r)
			}
			var opts []DecoderOption
			if tt.bodies {
				opts = append(opts, WithBodies())
			}
			recs, d := decodeAll(r, "elastic.ndjson", opts...)
			if got := d.Skipped(); got.Total() != 0 {
				t.Errorf("skipped got %+v, want nothing", got)
			}
			if d.Err() != nil {
				t.Errorf("Err got %v, want nil", d.Err())
			}
			if int(d.Records()) != len(want) || len(recs) != len(want) {
				t.Fatalf("records got %d (Records() %d), want %d", len(recs), d.Records(), len(want))
			}
			if d.Lines() != 19 {
				t.Errorf("Lines got %d, want 19", d.Lines())
			}
			if d.Bytes() != int64(len(raw)) {
				t.Errorf("Bytes got %d, want %d", d.Bytes(), len(raw))
			}
			var in, out int64
			for i, rec := range recs {
				compareRecord(t, "line "+itoa(i+1), rec, want[i])
				in += rec.Input.InputTokenCount
				out += rec.Output.OutputTokenCount
				if !tt.bodies {
					if rec.Input.InputBodyJSON != nil || rec.Output.OutputBodyJSON != nil {
						t.Errorf("line %d: bodies kept without WithBodies", i+1)
					}
					continue
				}
				if !jsonEqual(rec.Input.InputBodyJSON, wantIn[i]) {
					t.Errorf("line %d: inputBodyJson differs (%d bytes, want %d)", i+1, len(rec.Input.InputBodyJSON), len(wantIn[i]))
				}
				if !jsonEqual(rec.Output.OutputBodyJSON, wantOut[i]) {
					t.Errorf("line %d: outputBodyJson differs (%d bytes, want %d)", i+1, len(rec.Output.OutputBodyJSON), len(wantOut[i]))
				}
			}
			// The sums the fixture carries (summed with python's json module).
			if in != 8481 || out != 1603 {
				t.Errorf("token sums got input %d output %d, want 8481 and 1603", in, out)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func TestDecodeElasticFixtureStreamBodies(t *testing.T) {
	// outputBodyJson of streaming calls is an array of events, with plain strings among them.
	raw := readFile(t, elasticFixture)
	recs, _ := decodeAll(bytes.NewReader(raw), "elastic.ndjson", WithBodies())
	arrays, done := 0, 0
	for _, r := range recs {
		if len(r.Output.OutputBodyJSON) > 0 && r.Output.OutputBodyJSON[0] == '[' {
			arrays++
			var evs []any
			if err := json.Unmarshal(r.Output.OutputBodyJSON, &evs); err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if s, ok := ev.(string); ok && strings.Contains(s, "DONE") {
					done++
				}
			}
		}
	}
	if arrays == 0 || done == 0 {
		t.Errorf("stream bodies got %d arrays with %d plain-string events, want some of each", arrays, done)
	}
}

func TestDecodeCloudWatchFixture(t *testing.T) {
	raw := readFile(t, krFixture)
	var doc struct {
		Events []struct {
			Message json.RawMessage `json:"message"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Events) != 5 {
		t.Fatalf("fixture has %d events, want 5", len(doc.Events))
	}
	want := make([]refResult, len(doc.Events))
	for i, ev := range doc.Events {
		want[i] = refDecodeLine(ev.Message)
	}
	// The same document with each message as a JSON string, as CloudWatch returns it.
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, ev := range generic["events"].([]any) {
		m := ev.(map[string]any)
		b, _ := json.Marshal(m["message"])
		m["message"] = string(b)
	}
	asStrings, _ := json.Marshal(generic)

	tests := []struct {
		name string
		data []byte
	}{
		{"message objects", raw},
		{"message strings", asStrings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, sk, err := DecodeCloudWatchEvents(bytes.NewReader(tt.data), "kr.json")
			if err != nil {
				t.Fatal(err)
			}
			if sk.Total() != 0 {
				t.Errorf("skipped got %+v, want nothing", sk)
			}
			if len(recs) != 5 {
				t.Fatalf("records got %d, want 5", len(recs))
			}
			tenants := 0
			for i, r := range recs {
				compareRecord(t, "event "+itoa(i+1), r, want[i])
				if r.RequestMetadata["tenant_id"] != "" {
					tenants++
				}
			}
			if tenants != 3 {
				t.Errorf("records with tenant_id got %d, want 3", tenants)
			}
		})
	}
}

func TestDecodeCloudWatchEventsErrors(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		wantErr     bool
		wantRecords int
		wantSkipped Skipped
	}{
		{name: "not json", doc: "nope", wantErr: true},
		{name: "no events", doc: `{"nextToken":"x"}`, wantErr: true},
		{name: "empty events", doc: `{"events":[]}`},
		{
			name:        "bad messages counted",
			doc:         `{"events":[{"message":"not json"},{"message":{"schemaType":"Other"}},{"timestamp":1},{"message":` + jsonQuote(minimalLine) + `}]}`,
			wantRecords: 1,
			wantSkipped: Skipped{MalformedLines: 2, OtherRecords: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, sk, err := DecodeCloudWatchEvents(strings.NewReader(tt.doc), "cw.json")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err got %v, want error %v", err, tt.wantErr)
			}
			if len(recs) != tt.wantRecords {
				t.Errorf("records got %d, want %d", len(recs), tt.wantRecords)
			}
			if sk.MalformedLines != tt.wantSkipped.MalformedLines || sk.OtherRecords != tt.wantSkipped.OtherRecords || sk.Total() != tt.wantSkipped.Total() {
				t.Errorf("skipped got %+v, want %+v", sk, tt.wantSkipped)
			}
		})
	}
}

func jsonQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

const minimalLine = `{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05Z","modelId":"m","input":{"inputTokenCount":1},"output":{"outputTokenCount":2}}`

func TestDecodeLines(t *testing.T) {
	type skip struct {
		reason SkipReason
		line   int64
		detail string // a substring of Detail
	}
	tests := []struct {
		name  string
		input string
		want  []Record // fields compared: Timestamp, ModelID, tokens, RequestMetadata, ARN, ErrorCode
		skips []skip
	}{
		{
			name:  "minimal",
			input: minimalLine + "\n",
			want:  []Record{{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}}},
		},
		{
			name:  "no final newline, CRLF, blank lines, BOM",
			input: "\xef\xbb\xbf" + minimalLine + "\r\n\r\n   \n\t\n" + minimalLine,
			want: []Record{
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
			},
		},
		{
			name: "fields in any order, white space, extra fields, floats",
			input: ` { "output" : { "outputTokenCount" : 7.0 , "x": [1, {"y": null}] } , "extra": {"a": [true, false]},` + "\t" +
				`"input":{"cacheWriteInputTokenCount":3e2,"cacheReadInputTokenCount":1.5E1,"inputTokenCount":12.000},` +
				`"timestamp":"2025-01-02T03:04:05.123456Z", "modelId" : "us.anthropic.x" ,"schemaType":"ModelInvocationLog"} `,
			want: []Record{{ModelID: "us.anthropic.x", Timestamp: ts("2025-01-02T03:04:05.123456Z"),
				Input:  Input{InputTokenCount: 12, CacheReadInputTokenCount: 15, CacheWriteInputTokenCount: 300},
				Output: Output{OutputTokenCount: 7}}},
		},
		{
			name: "timestamp forms",
			input: strings.ReplaceAll(minimalLine, "2025-01-02T03:04:05Z", "2025-01-02T03:04:05.5Z") + "\n" +
				strings.ReplaceAll(minimalLine, "2025-01-02T03:04:05Z", "2025-01-02T12:04:05+09:00") + "\n" +
				strings.ReplaceAll(minimalLine, "2025-01-02T03:04:05Z", "2025-01-02T03:04:05.123456789Z") + "\n",
			want: []Record{
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05.5Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05.123456789Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
			},
		},
		{
			name: "bad timestamps are malformed",
			input: strings.ReplaceAll(minimalLine, "2025-01-02T03:04:05Z", "2025-01-02T03:04:05") + "\n" +
				strings.ReplaceAll(minimalLine, `"timestamp":"2025-01-02T03:04:05Z",`, "") + "\n" +
				strings.ReplaceAll(minimalLine, `"2025-01-02T03:04:05Z"`, "1735787045") + "\n" +
				strings.ReplaceAll(minimalLine, "2025-01-02T03:04:05Z", "2025-02-30T03:04:05Z") + "\n",
			skips: []skip{
				{SkipMalformedLine, 1, `timestamp "2025-01-02T03:04:05" is not an ISO 8601 time`},
				{SkipMalformedLine, 2, "no timestamp"},
				{SkipMalformedLine, 3, "timestamp: want a string, got number"},
				{SkipMalformedLine, 4, "2025-02-30"},
			},
		},
		{
			name: "request metadata of every type",
			input: strings.ReplaceAll(minimalLine, `"modelId"`,
				`"requestMetadata":{"team":"a\"b","n":12.0,"b":true,"o":{"k":[1, 2]},"z":null},"modelId"`) + "\n",
			want: []Record{{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2},
				RequestMetadata: map[string]string{"team": `a"b`, "n": "12.0", "b": "true", "o": `{"k":[1, 2]}`}}},
		},
		{
			name: "escapes and nulls",
			input: `{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05Z","identity":{"arn":"arn:aws:iam::1:user\/a\u00e9"},` +
				`"modelId":null,"errorCode":"ThrottlingException","input":null,"output":{"outputTokenCount":null}}` + "\n",
			want: []Record{{Timestamp: ts("2025-01-02T03:04:05Z"), Identity: Identity{ARN: "arn:aws:iam::1:user/aé"}, ErrorCode: "ThrottlingException"}},
		},
		{
			name: "malformed lines mixed in",
			input: minimalLine + "\n" +
				minimalLine[:40] + "\n" +
				"not json at all\n" +
				minimalLine + " trailing\n" +
				`["an","array"]` + "\n" +
				"null\n" +
				minimalLine + "\n",
			want: []Record{
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
				{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}},
			},
			skips: []skip{
				{SkipMalformedLine, 2, "unexpected end of line"},
				{SkipMalformedLine, 3, "invalid character 'o' at byte 2 in literal null"},
				{SkipMalformedLine, 4, "after top-level value"},
				{SkipMalformedLine, 5, "not a JSON object"},
				{SkipMalformedLine, 6, "not a JSON object"},
			},
		},
		{
			name: "non-log records",
			input: `{"eventVersion":"1.08","eventSource":"bedrock.amazonaws.com"}` + "\n" +
				strings.ReplaceAll(minimalLine, "ModelInvocationLog", "ModelInvocationLogV2") + "\n" +
				`{"schemaType":42}` + "\n",
			skips: []skip{
				{SkipOtherRecord, 1, "no schemaType"},
				{SkipOtherRecord, 2, `schemaType "ModelInvocationLogV2"`},
				{SkipOtherRecord, 3, `schemaType ""`},
			},
		},
		{
			name: "wrong field types and bad counts",
			input: strings.ReplaceAll(minimalLine, `"modelId":"m"`, `"modelId":7`) + "\n" +
				strings.ReplaceAll(minimalLine, `"inputTokenCount":1`, `"inputTokenCount":-1`) + "\n" +
				strings.ReplaceAll(minimalLine, `"inputTokenCount":1`, `"inputTokenCount":1.5`) + "\n" +
				strings.ReplaceAll(minimalLine, `"inputTokenCount":1`, `"inputTokenCount":"1"`) + "\n" +
				strings.ReplaceAll(minimalLine, `"inputTokenCount":1`, `"inputTokenCount":99999999999999999999`) + "\n" +
				strings.ReplaceAll(minimalLine, `"input":{"inputTokenCount":1}`, `"input":[1]`) + "\n" +
				strings.ReplaceAll(minimalLine, `"modelId":"m"`, `"requestMetadata":"x"`) + "\n",
			skips: []skip{
				{SkipMalformedLine, 1, "modelId: want a string, got number"},
				{SkipMalformedLine, 2, "input.inputTokenCount: -1 is negative"},
				{SkipMalformedLine, 3, "1.5 is not a whole number"},
				{SkipMalformedLine, 4, "want a number, got string"},
				{SkipMalformedLine, 5, "too large"},
				{SkipMalformedLine, 6, "input: want an object, got array"},
				{SkipMalformedLine, 7, "requestMetadata: want an object, got string"},
			},
		},
		{
			name:  "invalid JSON inside a body is malformed",
			input: strings.ReplaceAll(minimalLine, `"input":{`, `"input":{"inputBodyJson":{"a":[1,2,}]},`) + "\n",
			skips: []skip{{SkipMalformedLine, 1, "invalid character '}' at byte 120 looking for beginning of value"}},
		},
		{
			name:  "control character in a string",
			input: strings.ReplaceAll(minimalLine, `"modelId":"m"`, "\"modelId\":\"m\tx\"") + "\n",
			skips: []skip{{SkipMalformedLine, 1, `invalid character '\t'`}},
		},
		{
			name:  "deep nesting",
			input: strings.ReplaceAll(minimalLine, `"input":{`, `"input":{"inputBodyJson":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+",") + "\n" + minimalLine + "\n",
			want:  []Record{{ModelID: "m", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}}},
			skips: []skip{{SkipMalformedLine, 1, "nesting deeper than 10000"}},
		},
		{
			name:  "repeated keys: the last wins",
			input: strings.ReplaceAll(minimalLine, `"modelId":"m"`, `"modelId":"a","input":{"cacheReadInputTokenCount":5},"modelId":"b"`) + "\n",
			want:  []Record{{ModelID: "b", Timestamp: ts("2025-01-02T03:04:05Z"), Input: Input{InputTokenCount: 1}, Output: Output{OutputTokenCount: 2}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, d := decodeAll(strings.NewReader(tt.input), "f.json")
			if len(recs) != len(tt.want) {
				t.Fatalf("records got %d, want %d; skipped %v", len(recs), len(tt.want), d.Skipped().Samples)
			}
			for i, got := range recs {
				w := tt.want[i]
				w.SchemaType = SchemaType
				g := got
				g.Input.InputBodyJSON, g.Output.OutputBodyJSON = nil, nil
				if !g.Timestamp.Equal(w.Timestamp) {
					t.Errorf("record %d: timestamp got %v, want %v", i, g.Timestamp, w.Timestamp)
				}
				g.Timestamp, w.Timestamp = time.Time{}, time.Time{}
				if !recordEqual(g, w) {
					t.Errorf("record %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			sk := d.Skipped()
			if int(sk.Total()) != len(tt.skips) || len(sk.Samples) != len(tt.skips) {
				t.Fatalf("skips got %d %v, want %d", sk.Total(), sk.Samples, len(tt.skips))
			}
			for i, s := range sk.Samples {
				w := tt.skips[i]
				if s.Reason != w.reason || s.Line != w.line || s.File != "f.json" || !strings.Contains(s.Detail, w.detail) {
					t.Errorf("skip %d got %v, want %s at f.json:%d with %q", i, s, w.reason, w.line, w.detail)
				}
			}
		})
	}
}

func recordEqual(a, b Record) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// gzippedFixture is the elastic fixture, gzipped, and a function that returns a copy of the
// gzip with the byte at i inverted: the broken files of the gzip fault tests.
func gzippedFixture(t *testing.T) (raw, gz []byte, flip func(i int) []byte) {
	t.Helper()
	raw = readFile(t, elasticFixture)
	gz = gzipBytes(t, raw)
	return raw, gz, func(i int) []byte {
		b := bytes.Clone(gz)
		b[i] ^= 0xff
		return b
	}
}

// TestDecodeGzipFaults checks that a broken gzip stream yields the records before the fault
// and counts as one unreadable file.
func TestDecodeGzipFaults(t *testing.T) {
	_, gz, flip := gzippedFixture(t)
	tests := []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{"whole", gz, false},
		{"two members", append(bytes.Clone(gz), gz...), false},
		{"truncated in the header", gz[:5], true},
		{"truncated early", gz[:len(gz)/4], true},
		{"truncated late", gz[:len(gz)-20], true},
		{"truncated trailer", gz[:len(gz)-4], true},
		{"corrupt checksum", flip(len(gz) - 6), true},
		{"corrupt data", flip(len(gz) / 2), true},
		{"trailing garbage", append(bytes.Clone(gz), "garbage"...), true},
		{"empty gzip", gzipBytes(t, nil), false},
		{"empty file", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Expected: the complete lines gzip itself yields before its error, through the
			// reference decoder.
			var yielded []byte
			if zr, err := gzip.NewReader(bytes.NewReader(tt.data)); err == nil {
				yielded, _ = io.ReadAll(zr)
			}
			if i := bytes.LastIndexByte(yielded, '\n'); i >= 0 && tt.wantErr {
				yielded = yielded[:i+1]
			}
			lines, _ := nonBlankLines(yielded)
			wantRecords, wantMalformed := 0, int64(0)
			for _, l := range lines {
				if refDecodeLine(l).reason == "" {
					wantRecords++
				} else {
					wantMalformed++
				}
			}
			if strings.HasPrefix(tt.name, "truncated ") && tt.name != "truncated in the header" && wantRecords == 0 {
				t.Fatalf("bad case: no records before the fault")
			}
			recs, d := decodeAll(bytes.NewReader(tt.data), "f.json.gz")
			if len(recs) != wantRecords {
				t.Errorf("records got %d, want %d", len(recs), wantRecords)
			}
			sk := d.Skipped()
			wantUnreadable := int64(0)
			if tt.wantErr {
				wantUnreadable = 1
			}
			if sk.UnreadableFiles != wantUnreadable || sk.MalformedLines != wantMalformed || sk.Total() != wantUnreadable+wantMalformed {
				t.Errorf("skipped got %+v, want %d unreadable file and %d malformed lines", sk, wantUnreadable, wantMalformed)
			}
			if (d.Err() != nil) != tt.wantErr {
				t.Errorf("Err got %v, want error %v", d.Err(), tt.wantErr)
			}
			if tt.wantErr && sk.Total() <= MaxSamples {
				last := sk.Samples[len(sk.Samples)-1]
				if last.File != "f.json.gz" || last.Reason != SkipUnreadableFile || last.Line != int64(bytes.Count(yielded, []byte("\n")))+1 {
					t.Errorf("skip got %v, want f.json.gz unreadable at line %d", last, bytes.Count(yielded, []byte("\n"))+1)
				}
			}
			// Next after the end keeps saying no, and counts nothing more.
			var rec Record
			if d.Next(&rec) || d.Skipped().Total() != sk.Total() {
				t.Errorf("Next after the end returned a record or counted more skips")
			}
		})
	}
}

type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestDecodeReadError(t *testing.T) {
	// A failing plain stream (a GET cut short): complete lines before it are kept.
	boom := errors.New("connection reset")
	input := minimalLine + "\n" + minimalLine + "\n" + minimalLine[:30]
	recs, d := decodeAll(&errReader{data: []byte(input), err: boom}, "s3://b/k.json")
	if len(recs) != 2 {
		t.Errorf("records got %d, want 2", len(recs))
	}
	sk := d.Skipped()
	if sk.UnreadableFiles != 1 || sk.Total() != 1 || !strings.Contains(sk.Samples[0].Detail, "connection reset") || sk.Samples[0].Line != 3 {
		t.Errorf("skipped got %+v, want one unreadable file at line 3 with the error", sk)
	}
	if !errors.Is(d.Err(), boom) {
		t.Errorf("Err got %v, want %v", d.Err(), boom)
	}
}

func TestDecodeLongLines(t *testing.T) {
	big := strings.Repeat("x", 3*bufSize+17)
	long := strings.ReplaceAll(minimalLine, `"input":{`, `"input":{"inputBodyJson":{"text":"`+big+`"},`)
	input := long + "\n" + minimalLine + "\n" + long // the last without a newline
	tests := []struct {
		name        string
		opts        []DecoderOption
		data        []byte
		wantRecords int
		wantSkips   int64
	}{
		{"plain", nil, []byte(input), 3, 0},
		{"gzip", nil, gzipBytes(t, []byte(input)), 3, 0},
		{"with bodies", []DecoderOption{WithBodies()}, []byte(input), 3, 0},
		{"over the limit", []DecoderOption{WithMaxLineBytes(bufSize * 2)}, []byte(input), 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, d := decodeAll(bytes.NewReader(tt.data), "long.json", tt.opts...)
			if len(recs) != tt.wantRecords {
				t.Errorf("records got %d, want %d", len(recs), tt.wantRecords)
			}
			sk := d.Skipped()
			if sk.MalformedLines != tt.wantSkips || sk.Total() != tt.wantSkips {
				t.Errorf("skipped got %+v, want %d malformed lines", sk, tt.wantSkips)
			}
			if tt.wantSkips > 0 && (sk.Samples[0].Line != 1 || sk.Samples[1].Line != 3 || !strings.Contains(sk.Samples[0].Detail, "longer than")) {
				t.Errorf("skips got %v, want lines 1 and 3 too long", sk.Samples)
			}
			if d.Lines() != 3 {
				t.Errorf("Lines got %d, want 3", d.Lines())
			}
			for i, r := range recs {
				if r.Input.InputTokenCount != 1 || r.ModelID != "m" {
					t.Errorf("record %d got %+v", i, r)
				}
			}
			if len(tt.opts) == 1 && tt.name == "with bodies" {
				if want := len(big) + len(`{"text":""}`); len(recs[0].Input.InputBodyJSON) != want {
					t.Errorf("body got %d bytes, want %d", len(recs[0].Input.InputBodyJSON), want)
				}
			}
		})
	}
}

func TestDecoderReset(t *testing.T) {
	raw := readFile(t, elasticFixture)
	d := NewDecoder(bytes.NewReader(gzipBytes(t, raw)), "a.json.gz")
	var rec Record
	var kept []Record
	for d.Next(&rec) {
		kept = append(kept, rec)
	}
	for i, in := range [][]byte{raw, gzipBytes(t, raw[:len(raw)/2]), []byte("bad\n")} {
		d.Reset(bytes.NewReader(in), "b")
		n := 0
		for d.Next(&rec) {
			n++
		}
		want := []int{19, bytes.Count(raw[:len(raw)/2], []byte("\n")), 0}[i]
		if n != want || d.Records() != int64(want) {
			t.Errorf("after Reset %d: records got %d (%d), want %d", i, n, d.Records(), want)
		}
		if i == 2 && (d.Skipped().MalformedLines != 1 || d.Skipped().Samples[0].File != "b") {
			t.Errorf("after Reset %d: skipped got %+v", i, d.Skipped())
		}
	}
	// Records decoded earlier are untouched by later decoding.
	lines, _ := nonBlankLines(raw)
	for i, r := range kept {
		compareRecord(t, "kept line "+itoa(i+1), r, refDecodeLine(lines[i]))
	}
}

func TestDecodeFixtureFilesOnDisk(t *testing.T) {
	// Every NDJSON fixture decodes without a skip, read from disk as the local engine does.
	files, err := filepath.Glob("../../internal/fixtures/*.ndjson")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, d := decodeAll(fh, f)
		fh.Close()
		lines, _ := nonBlankLines(readFile(t, f))
		if len(recs) != len(lines) || d.Skipped().Total() != 0 {
			t.Errorf("%s: records got %d, want %d; skipped %+v", f, len(recs), len(lines), d.Skipped())
		}
	}
}

func TestDecodeAllocations(t *testing.T) {
	// A reused decoder allocates little per record: the request id, the odd new interned
	// string, a metadata map on a third of the records. Bodies are never allocated.
	data := benchRecords(300)
	d := NewDecoder(nil, "allocs")
	var rec Record
	run := func() {
		d.Reset(bytes.NewReader(data), "allocs")
		for d.Next(&rec) {
		}
	}
	run()
	perRecord := testing.AllocsPerRun(5, run) / 300
	if perRecord > 4 {
		t.Errorf("allocations per record got %.2f, want at most 4", perRecord)
	}
	if d.Records() != 300 {
		t.Errorf("records got %d, want 300", d.Records())
	}
}

// TestMaxFileBytes: a file that expands past the cap keeps the records before it and is
// counted as unreadable, with the reason.
func TestMaxFileBytes(t *testing.T) {
	line := `{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","input":{"inputTokenCount":1},"output":{"outputTokenCount":1}}` + "\n"
	data := gzipBytes(t, []byte(strings.Repeat(line, 1000)))
	d := NewDecoder(bytes.NewReader(data), "bomb.json.gz", WithMaxFileBytes(int64(len(line))*10))
	var rec Record
	n := 0
	for d.Next(&rec) {
		n++
	}
	if n < 10 || n > 11 || d.Skipped().UnreadableFiles != 1 || !strings.Contains(d.Skipped().Samples[0].Detail, "bytes of log lines") {
		t.Errorf("got %d records, skipped %+v; want the 10 or 11 records before the cap and the file counted as unreadable", n, d.Skipped())
	}
}

// TestBlankLineRuns: runs of empty lines, however long and wherever the buffer splits them,
// are skipped at once yet still counted as lines, so the line numbers after them are right.
func TestBlankLineRuns(t *testing.T) {
	tests := []struct {
		name   string
		blanks int
	}{
		{"one", 1},
		{"a few", 3},
		{"past the read buffer", 3 << 20},
		{"an exact buffer's worth", 64 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := minimalLine + "\n" + strings.Repeat("\n", tc.blanks) + "not json\n" + strings.Repeat("\n", tc.blanks) + minimalLine
			for _, data := range [][]byte{[]byte(in), gzipBytes(t, []byte(in))} {
				recs, d := decodeAll(bytes.NewReader(data), "blank")
				sk := d.Skipped()
				if len(recs) != 2 || sk.MalformedLines != 1 || d.Err() != nil {
					t.Fatalf("got %d records, %d malformed, err %v; want 2, 1, nil", len(recs), sk.MalformedLines, d.Err())
				}
				if got, want := sk.Samples[0].Line, int64(tc.blanks+2); got != want {
					t.Errorf("malformed line reported at line %d, want %d", got, want)
				}
			}
		})
	}
}
