package invocationlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
)

// benchRecords builds n realistic NDJSON records: Converse and streaming calls with
// multi-KB bodies (escaped text, stream event arrays ending in a plain string), cache
// counts and request metadata on part of them, as Bedrock writes them.
func benchRecords(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields(`the quick brown fox jumps over the lazy dog while a model reads "quoted" text
		and writes answers with newlines, tabs and unicode like café and 東京 into its logs`)
	text := func(size int) string {
		var b strings.Builder
		for b.Len() < size {
			b.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(12) == 0 {
				b.WriteString("\n")
			} else {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	models := []string{"anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"global.anthropic.claude-opus-4-5-20251101-v1:0", "arn:aws:bedrock:us-east-1:111122223333:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0"}
	arns := []string{"arn:aws:sts::111122223333:assumed-role/ChatbotApp-BedrockRole/session-17",
		"arn:aws:iam::111122223333:user/MobileApp", "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com"}
	var buf bytes.Buffer
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i := range n {
		in := map[string]any{
			"messages":          []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": text(1500 + rng.IntN(4000))}}}},
			"anthropic_version": "bedrock-2023-05-31", "max_tokens": 2000, "temperature": 0.7,
		}
		answer := text(500 + rng.IntN(2500))
		var out any
		op := "Converse"
		if i%2 == 1 {
			op = "InvokeModelWithResponseStream"
			var evs []any
			evs = append(evs, map[string]any{"type": "message_start", "message": map[string]any{"id": fmt.Sprintf("msg_%d", i), "usage": map[string]any{"input_tokens": 100}}})
			for len(answer) > 0 {
				k := min(len(answer), 20+rng.IntN(40))
				evs = append(evs, map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": answer[:k]}})
				answer = answer[k:]
			}
			evs = append(evs, map[string]any{"type": "message_stop"}, "[DONE]")
			out = evs
		} else {
			out = map[string]any{"output": map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": answer}}}},
				"stopReason": "end_turn", "usage": map[string]any{"inputTokens": 1000, "outputTokens": 300}}
		}
		rec := map[string]any{
			"schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
			"timestamp": t0.Add(time.Duration(i) * 1700 * time.Millisecond).Format(time.RFC3339),
			"accountId": "111122223333", "identity": map[string]any{"arn": arns[i%len(arns)]},
			"region": "us-east-1", "requestId": fmt.Sprintf("%08x-95a1-4c3c-892f-b51372320d5e", i),
			"operation": op, "modelId": models[i%len(models)],
			"input": map[string]any{"inputContentType": "application/json", "inputBodyJson": in,
				"inputTokenCount": 900 + rng.IntN(2000), "cacheReadInputTokenCount": rng.IntN(3) * 1024, "cacheWriteInputTokenCount": rng.IntN(2) * 512},
			"output": map[string]any{"outputContentType": "application/json", "outputBodyJson": out, "outputTokenCount": 100 + rng.IntN(800)},
		}
		if i%3 == 0 {
			rec["requestMetadata"] = map[string]any{"tenant_id": fmt.Sprintf("tenant-%d", i%7), "team": "search"}
		}
		if i%4 == 3 {
			rec["inferenceRegion"] = "us-west-2"
		}
		b, err := json.Marshal(rec)
		if err != nil {
			panic(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// jsonBaseline decodes like the first version of the decoder: a line at a time, each into a
// full Record with encoding/json, bodies dropped afterwards, gunzipped by compress/gzip.
func jsonBaseline(r io.Reader) (records int64, err error) {
	br := bufio.NewReaderSize(r, bufSize)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, err
		}
		br = bufio.NewReaderSize(zr, bufSize)
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var rec Record
			if json.Unmarshal(line, &rec) == nil && rec.SchemaType == SchemaType {
				rec.Input.InputBodyJSON, rec.Output.OutputBodyJSON = nil, nil
				records++
			}
		}
		if err == io.EOF {
			return records, nil
		}
		if err != nil {
			return records, err
		}
	}
}

const benchN = 2000

var benchData = struct {
	plain, gz []byte
}{}

func benchInput(b *testing.B) (plain, gz []byte) {
	if benchData.plain == nil {
		benchData.plain = benchRecords(benchN)
		benchData.gz = gzipBytes(b, benchData.plain)
	}
	return benchData.plain, benchData.gz
}

func runDecoderBench(b *testing.B, data []byte, uncompressed int64, opts ...DecoderOption) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	d := NewDecoder(nil, "bench", opts...)
	var rec Record
	var n int64
	for b.Loop() {
		d.Reset(bytes.NewReader(data), "bench")
		for d.Next(&rec) {
			n++
		}
		if d.Records() != benchN || d.Skipped().Total() != 0 {
			b.Fatalf("records %d, skipped %+v", d.Records(), d.Skipped())
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n)/sec, "records/s")
	b.ReportMetric(float64(uncompressed)*float64(b.N)/sec/1e6, "MB(json)/s")
}

func runBaselineBench(b *testing.B, data []byte, uncompressed int64) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		got, err := jsonBaseline(bytes.NewReader(data))
		if err != nil || got != benchN {
			b.Fatalf("records %d, err %v", got, err)
		}
		n += got
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n)/sec, "records/s")
	b.ReportMetric(float64(uncompressed)*float64(b.N)/sec/1e6, "MB(json)/s")
}

// BenchmarkDecode decodes plain NDJSON; its encoding/json sub-benchmark is the baseline.
// MB/s is of the input given (plain here), MB(json)/s of uncompressed JSON.
func BenchmarkDecode(b *testing.B) {
	plain, _ := benchInput(b)
	b.Run("fast", func(b *testing.B) { runDecoderBench(b, plain, int64(len(plain))) })
	b.Run("fast-bodies", func(b *testing.B) { runDecoderBench(b, plain, int64(len(plain)), WithBodies()) })
	b.Run("encoding-json", func(b *testing.B) { runBaselineBench(b, plain, int64(len(plain))) })
}

// BenchmarkDecodeGzip decodes gzipped NDJSON (as Bedrock writes it); MB/s is of gzip input.
func BenchmarkDecodeGzip(b *testing.B) {
	plain, gz := benchInput(b)
	b.Run("fast", func(b *testing.B) { runDecoderBench(b, gz, int64(len(plain))) })
	b.Run("encoding-json", func(b *testing.B) { runBaselineBench(b, gz, int64(len(plain))) })
	// Raw decompression alone, with the library the decoder uses and with the standard one.
	gunzip := func(newReader func(io.Reader) (io.Reader, error)) func(b *testing.B) {
		return func(b *testing.B) {
			b.SetBytes(int64(len(gz)))
			for b.Loop() {
				zr, err := newReader(bytes.NewReader(gz))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(plain))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB(json)/s")
		}
	}
	b.Run("gunzip-only", gunzip(func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) }))
	b.Run("gunzip-stdlib", gunzip(func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }))
}
