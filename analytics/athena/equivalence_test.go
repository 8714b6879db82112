package athena

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

const testAccount = "111122223333"

// logFile is one file to write under the log layout.
type logFile struct {
	region string
	hour   time.Time // delivery hour folder
	name   string    // may start with "data/"
	lines  []string
}

func writeLogs(t *testing.T, root string, files []logFile) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(invocationlog.HourPrefix("bedrock-logs/", testAccount, f.region, f.hour)+f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for _, l := range f.lines {
			zw.Write([]byte(l + "\n"))
		}
		zw.Close()
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type recOpt struct {
	ts        string
	region    string
	arn       string
	model     string
	op        string
	in, out   int64
	cr, cw    int64
	errorCode string
	meta      map[string]string
	body      string // outputBodyJson as JSON text; empty for a plain stream body
}

func recordLine(t *testing.T, o recOpt) string {
	t.Helper()
	m := map[string]any{
		"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": o.ts,
		"accountId": testAccount, "identity": map[string]any{"arn": o.arn}, "region": o.region,
		"requestId": fmt.Sprintf("req-%s-%d", o.ts, o.in), "operation": o.op, "modelId": o.model,
		"input": map[string]any{
			"inputContentType": "application/json", "inputTokenCount": o.in,
			"cacheReadInputTokenCount": o.cr, "cacheWriteInputTokenCount": o.cw,
			"inputBodyJson": map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}},
		},
		"output": map[string]any{"outputContentType": "application/json", "outputTokenCount": o.out,
			"outputBodyJson": []any{map[string]any{"type": "message_start"}, "[DONE]"}},
	}
	if o.body != "" {
		m["output"].(map[string]any)["outputBodyJson"] = json.RawMessage(o.body)
	}
	if o.errorCode != "" {
		m["errorCode"] = o.errorCode
	}
	if o.meta != nil {
		m["requestMetadata"] = o.meta
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	testARNs = []string{
		"arn:aws:sts::111122223333:assumed-role/ChatbotApp-BedrockRole/session-1",
		"arn:aws:sts::111122223333:assumed-role/ChatbotApp-BedrockRole/O'Brien",
		"arn:aws:sts::111122223333:assumed-role/DataAnalysisApp-BedrockRole/etl-42",
		"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane.doe@example.com",
		"arn:aws:iam::111122223333:user/alice@example.com",
		"arn:aws:iam::111122223333:user/dev/team/bob",
		"arn:aws:sts::111122223333:federated-user/carol",
		"arn:aws:iam::111122223333:root",
		"not-an-arn",
		// Role ARNs (kind iam-role): their App is the role name, the last path element.
		"arn:aws:iam::111122223333:role/BatchInference-BedrockRole",
		"arn:aws:iam::111122223333:role/service-role/pipelines/ChatbotApp-BedrockRole",
		"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Dev_0123456789abcdef",
	}
	testModels = []string{
		"anthropic.claude-3-haiku-20240307-v1:0",
		"us.anthropic.claude-3-haiku-20240307-v1:0",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
		"arn:aws:bedrock:us-east-1:111122223333:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
		"arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
		"amazon.titan-text-express-v1",
	}
	testOps = []string{"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"}
)

// fixtureLogs writes a deterministic set of log files: random records between 2025-10-31
// 22:00 and 2025-11-01 13:00 in two regions, delivered into their own hour's folder or the
// next one, plus edge cases.
func fixtureLogs(t *testing.T, root string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 2025))
	start := mustTime(t, "2025-10-31T22:00:00Z")
	byFile := map[string]*logFile{}
	add := func(region string, delivery time.Time, name, line string) {
		key := region + delivery.Format(time.RFC3339) + name
		f := byFile[key]
		if f == nil {
			f = &logFile{region: region, hour: delivery, name: name}
			byFile[key] = f
		}
		f.lines = append(f.lines, line)
	}
	metas := []map[string]string{nil, {"team": "search"}, {"team": "ads", "Project": "Apollo"}, {"Project": "Zeus"}, {"team": "search", "cost-center": "cc-1"}}
	for i := range 1500 {
		ts := start.Add(time.Duration(rng.Int64N(int64(15 * time.Hour))))
		region := []string{"us-east-1", "eu-central-1"}[rng.IntN(2)]
		o := recOpt{
			ts: ts.Format(time.RFC3339), region: region,
			arn: testARNs[rng.IntN(len(testARNs))], model: testModels[rng.IntN(len(testModels))],
			op: testOps[rng.IntN(len(testOps))], in: rng.Int64N(5000), out: rng.Int64N(2000),
			meta: metas[rng.IntN(len(metas))],
		}
		if rng.IntN(4) == 0 {
			o.cr, o.cw = rng.Int64N(3000), rng.Int64N(1000)
		}
		o.body = cacheBody(rng, o.op, o.cw)
		if rng.IntN(20) == 0 {
			o.in, o.cr = 150_000+rng.Int64N(100_000), 60_000 // long context, mostly
		}
		if rng.IntN(15) == 0 {
			o.errorCode, o.out = []string{"ThrottlingException", "ValidationException"}[rng.IntN(2)], 0
		}
		if i%50 == 0 {
			o.ts = ts.Format("2006-01-02T15:04:05.000Z") // milliseconds
		}
		delivery := ts.Truncate(time.Hour)
		if ts.Minute() >= 50 && rng.IntN(2) == 0 {
			delivery = delivery.Add(time.Hour)
		}
		add(region, delivery, fmt.Sprintf("part-%d.json.gz", rng.IntN(3)), recordLine(t, o))
	}
	h := func(s string) time.Time { return mustTime(t, s) }
	base := recOpt{region: "us-east-1", arn: testARNs[1], model: testModels[0], op: "Converse", in: 10, out: 20}
	with := func(f func(*recOpt)) string { o := base; f(&o); return recordLine(t, o) }
	// A record at 10:59:59 delivered into the 11 o'clock folder.
	add("us-east-1", h("2025-11-01T11:00:00Z"), "late.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T10:59:59Z"; o.in = 7001 }))
	// Records exactly at the common range bounds.
	add("us-east-1", h("2025-11-01T11:00:00Z"), "edge.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T11:00:00Z"; o.in = 7002 }))
	add("us-east-1", h("2025-11-01T00:00:00Z"), "edge.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T00:00:00Z"; o.in = 7003 }))
	add("us-east-1", h("2025-11-01T10:00:00Z"), "edge.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T10:45:00Z"; o.in = 7004 }))
	add("us-east-1", h("2025-11-01T00:00:00Z"), "edge.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T00:29:59.999Z"; o.in = 7005 }))
	// Long-context threshold: exactly 200,000 is not over it; 200,001 is.
	add("us-east-1", h("2025-11-01T05:00:00Z"), "tier.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T05:10:00Z"; o.in, o.cr, o.cw = 100_000, 50_000, 50_000 }))
	add("us-east-1", h("2025-11-01T05:00:00Z"), "tier.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T05:11:00Z"; o.in, o.cr, o.cw = 100_000, 50_000, 50_001 }))
	// The 100K threshold: exactly 100,000 is not over it; 100,001 is (a caller of their own,
	// so that the two rows stay apart from the 200K pair).
	const thresholdARN = "arn:aws:sts::111122223333:assumed-role/EdgeApp/threshold"
	add("us-east-1", h("2025-11-01T05:00:00Z"), "tier.json.gz", with(func(o *recOpt) {
		o.ts = "2025-11-01T05:12:00Z"
		o.arn = thresholdARN
		o.in, o.cr, o.cw = 50_000, 25_000, 25_000
	}))
	add("us-east-1", h("2025-11-01T05:00:00Z"), "tier.json.gz", with(func(o *recOpt) {
		o.ts = "2025-11-01T05:13:00Z"
		o.arn = thresholdARN
		o.in, o.cr, o.cw = 50_000, 25_000, 25_001
	}))
	// A record of another region's logging written under us-east-1, and a non-UTC offset.
	add("us-east-1", h("2025-11-01T06:00:00Z"), "odd.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T06:20:00Z"; o.region = "us-west-2" }))
	add("us-east-1", h("2025-11-01T06:00:00Z"), "odd.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T08:20:00+02:00" }))
	// Metadata keys that differ in case.
	add("us-east-1", h("2025-11-01T07:00:00Z"), "meta.json.gz", with(func(o *recOpt) {
		o.ts = "2025-11-01T07:20:00Z"
		o.meta = map[string]string{"Project": "Hermes", "team": "O'Neil"}
	}))
	// Bad input: another record type, records without or with a null schemaType (other
	// records to the decoder), not an object, a truncated line (last in its file: see the
	// DuckDB shim).
	add("eu-central-1", h("2025-11-01T03:00:00Z"), "bad.json.gz", `{"schemaType":"SomethingElse","timestamp":"2025-11-01T03:05:00Z","accountId":"111122223333","region":"eu-central-1","input":{"inputTokenCount":999999}}`)
	add("eu-central-1", h("2025-11-01T03:00:00Z"), "bad.json.gz", `{"timestamp":"2025-11-01T03:06:00Z","accountId":"111122223333","region":"eu-central-1","input":{"inputTokenCount":999999}}`)
	add("eu-central-1", h("2025-11-01T03:00:00Z"), "bad.json.gz", `{"schemaType":"ModelInvocationLog","timestamp":`)
	add("us-east-1", h("2025-11-01T08:00:00Z"), "bad.json.gz", `{"schemaType":null,"timestamp":"2025-11-01T08:06:00Z","region":"us-east-1","modelId":"amazon.titan-text-express-v1"}`)
	add("us-east-1", h("2025-11-01T08:00:00Z"), "bad.json.gz", `[1,2]`)
	// Counts at and beyond the ceiling: 10^12 is a record; 10^12+1 and a negative count are
	// malformed lines in both engines.
	add("us-east-1", h("2025-11-01T09:00:00Z"), "counts.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T09:10:00Z"; o.in = invocationlog.MaxCount }))
	add("us-east-1", h("2025-11-01T09:00:00Z"), "counts.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T09:11:00Z"; o.out = invocationlog.MaxCount + 1 }))
	add("us-east-1", h("2025-11-01T09:00:00Z"), "counts.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T09:12:00Z"; o.cw = -5 }))
	// A body object under data/ holding what looks like a record: never counted.
	add("us-east-1", h("2025-11-01T04:00:00Z"), "data/body-1.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T04:01:00Z"; o.in = 888888 }))
	// A file after the last delivery hour of the ranges below: never read.
	add("us-east-1", h("2025-11-01T12:00:00Z"), "after.json.gz", with(func(o *recOpt) { o.ts = "2025-11-01T10:30:00Z"; o.in = 777777 }))

	var files []logFile
	for _, f := range byFile {
		files = append(files, *f)
	}
	writeLogs(t, root, files)
}

// cacheBody is a response body for op that states the split of cw cache-write tokens in
// the shape that operation's body has, or (one time in four) a body that states none or
// states it in a shape both engines must pass over.
func cacheBody(rng *rand.Rand, op string, cw int64) string {
	oneHour := rng.Int64N(cw + 1)
	if rng.IntN(5) == 0 {
		oneHour = cw // all 1-hour writes
	}
	five := cw - oneHour
	if rng.IntN(8) == 0 {
		five++ // a split that does not account for the record's writes: unknown
	}
	if rng.IntN(4) == 0 {
		return []string{
			``, // the plain stream body of recordLine
			`{"output":{"message":{"content":[{"text":"no usage"}]}}}`,
			fmt.Sprintf(`{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":%d},{"ttl":"1h","inputTokens":%d}]}}`, oneHour, five),
			fmt.Sprintf(`{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":%d,"extra":true},{"ttl":"5m","inputTokens":%d}]}}`, oneHour, five),
			fmt.Sprintf(`{"usage":{"cache_creation":{"ephemeral_5m_input_tokens":%d.0,"ephemeral_1h_input_tokens":%d}}}`, five, oneHour),
			fmt.Sprintf(`{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":"%d"}}}`, oneHour),
			fmt.Sprintf(`{"content":[{"type":"text","text":"{\"cacheDetails\":[{\"ttl\":\"1h\",\"inputTokens\":%d}]}"}]}`, cw),
			`{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":99999999999999999999999}}}`,
		}[rng.IntN(8)]
	}
	details := func() string {
		e1 := fmt.Sprintf(`{"ttl":"1h","inputTokens":%d}`, oneHour)
		e5 := fmt.Sprintf(`{"inputTokens":%d,"ttl":"5m"}`, five)
		switch {
		case oneHour == 0 && five == 0 && rng.IntN(2) == 0:
			return `[]`
		case oneHour == 0:
			return "[" + e5 + "]"
		case five == 0:
			return "[" + e1 + "]"
		case rng.IntN(2) == 0:
			return "[" + e5 + "," + e1 + "]"
		}
		return "[" + e1 + "," + e5 + "]"
	}
	creation := fmt.Sprintf(`{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":%d}`, five, oneHour)
	if rng.IntN(3) == 0 {
		creation = fmt.Sprintf(`{"ephemeral_1h_input_tokens":%d,"ephemeral_5m_input_tokens":%d}`, oneHour, five)
	}
	tier := []string{"", "", `,"serviceTier":{"type":"priority"}`, `,"serviceTier":{"type":"flex"}`, `,"serviceTier":{"type":"default"}`, `,"serviceTier":{"type":"turbo"}`}[rng.IntN(6)]
	if rng.IntN(3) == 0 {
		// A guardrail trace: the input's assessment and one or two outputs', as Converse
		// writes them.
		usage := func() string {
			return fmt.Sprintf(`{"topicPolicyUnits":%d,"contentPolicyUnits":%d,"wordPolicyUnits":%d,"sensitiveInformationPolicyUnits":%d,"sensitiveInformationPolicyFreeUnits":%d,"contextualGroundingPolicyUnits":%d,"contentPolicyImageUnits":%d,"automatedReasoningPolicyUnits":%d}`,
				rng.IntN(3), rng.IntN(4), rng.IntN(2), rng.IntN(3), rng.IntN(2), rng.IntN(2), rng.IntN(2), rng.IntN(2))
		}
		outs := `[{"g1":{"invocationMetrics":{"usage":` + usage() + `}}}]`
		if rng.IntN(2) == 0 {
			outs = `[{"g1":{"invocationMetrics":{"usage":` + usage() + `}}},{"g1":{"invocationMetrics":{"usage":` + usage() + `}}}]`
		}
		tier += `,"trace":{"guardrail":{"inputAssessment":{"g1":{"invocationMetrics":{"guardrailProcessingLatency":300,"usage":` + usage() + `}}},"outputAssessments":` + outs + `}}`
	}
	switch op {
	case "Converse":
		return fmt.Sprintf(`{"output":{"message":{"role":"assistant","content":[{"text":"hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":5,"outputTokens":2,"cacheWriteInputTokens":%d,"cacheDetails":%s},"metrics":{"latencyMs":120}%s}`, cw, details(), tier)
	case "ConverseStream":
		return fmt.Sprintf(`[{"messageStart":{"role":"assistant"}},{"contentBlockDelta":{"delta":{"text":"hi"},"contentBlockIndex":0}},{"messageStop":{"stopReason":"end_turn"}},{"metadata":{"usage":{"inputTokens":5,"outputTokens":2,"CacheDetails":%s},"metrics":{"latencyMs":80}%s}}]`, details(), tier)
	case "InvokeModel":
		return fmt.Sprintf(`{"id":"msg_1","type":"message","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":5,"cache_creation_input_tokens":%d,"cache_creation":%s,"output_tokens":2}}`, cw, creation)
	}
	return fmt.Sprintf(`[{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":5,"cache_creation":%s}}},{"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}},{"type":"message_delta","usage":{"output_tokens":2}},{"type":"message_stop"}]`, creation)
}

// referenceUsage is the answer computed without SQL: every log file in the range's delivery
// hours decoded with invocationlog.NewDecoder and fed to analytics.Aggregator, as the local
// engine does.
func referenceUsage(t *testing.T, root string, q analytics.Query) ([]analytics.Row, invocationlog.Skipped) {
	t.Helper()
	regions := q.Regions
	if len(regions) == 0 {
		regions = DefaultRegions
	}
	agg := analytics.NewAggregator(q)
	var skipped invocationlog.Skipped
	for _, region := range regions {
		for _, hour := range invocationlog.Hours(q.Since, q.Until) {
			dir := filepath.Join(root, filepath.FromSlash(invocationlog.HourPrefix("bedrock-logs/", testAccount, region, hour)))
			entries, err := os.ReadDir(dir)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if e.IsDir() || !invocationlog.IsLogFile(e.Name()) {
					continue
				}
				f, err := os.Open(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				dec := invocationlog.NewDecoder(f, e.Name())
				var rec invocationlog.Record
				for dec.Next(&rec) {
					agg.Add(&rec)
				}
				skipped.Merge(dec.Skipped())
				f.Close()
			}
		}
	}
	return agg.Rows(), skipped
}

func rowLines(rows []analytics.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s %s %s %s|%s|%s|%s %s %s %q long=%v meta=%q over100k=%v tier=%q: calls=%d in=%d out=%d cr=%d cw=%d cw1h=%d cwu=%d guardrail=%v",
			r.Hour.Format(time.RFC3339), r.Region, r.Account, r.Principal, r.PrincipalKind, r.App, r.User,
			r.Model, r.Operation, r.ErrorCode, r.LongContext, strings.ReplaceAll(r.Meta, analytics.MetaSep, "|"), r.Over100K, r.ServiceTier,
			r.Calls, r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens,
			r.CacheWrite1hTokens, r.CacheWriteUnknownTTLTokens, r.GuardrailValues())
	}
	return out
}

// compareSkips checks the skip counts Athena can see (it never sees data/ body objects nor
// unreadable files, which fail the query instead).
func compareSkips(t *testing.T, got, want invocationlog.Skipped, what string) {
	t.Helper()
	if got.MalformedLines != want.MalformedLines || got.OtherRecords != want.OtherRecords {
		t.Errorf("skipped: got %d malformed lines and %d other records, want %d and %d (%s)",
			got.MalformedLines, got.OtherRecords, want.MalformedLines, want.OtherRecords, what)
	}
}

func diffLines(t *testing.T, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	gs, ws := map[string]bool{}, map[string]bool{}
	for _, g := range got {
		gs[g] = true
	}
	for _, w := range want {
		ws[w] = true
	}
	n := 0
	for _, g := range got {
		if !ws[g] && n < 10 {
			t.Errorf("extra row: %s", g)
			n++
		}
	}
	for _, w := range want {
		if !gs[w] && n < 20 {
			t.Errorf("missing row: %s", w)
			n++
		}
	}
	t.Errorf("got %d rows, want %d", len(got), len(want))
}

// TestSQLOnDuckDBMatchesDecoder runs the engine's SQL on DuckDB over generated log files and
// compares the rows with the ones the decoder and aggregator compute from the same files.
func TestSQLOnDuckDBMatchesDecoder(t *testing.T) {
	root := t.TempDir()
	fixtureLogs(t, root)
	exec := newDuckExecutor(t, root)
	src := newWithExecutor(Config{}, exec)
	both := []string{"us-east-1", "eu-central-1"}
	since, until := mustTime(t, "2025-11-01T00:00:00Z"), mustTime(t, "2025-11-01T11:00:00Z")
	tests := []struct {
		name     string
		q        analytics.Query
		wantSome []string // substrings some row must contain
		wantNone []string // substrings no row may contain
	}{
		{name: "whole hours", q: analytics.Query{Since: since, Until: until, Regions: both},
			wantSome: []string{"2025-11-01T10:00:00Z us-east-1 111122223333 ChatbotApp-BedrockRole|assumed-role|ChatbotApp-BedrockRole|O'Brien anthropic.claude-3-haiku-20240307-v1:0 Converse \"\" long=false meta=\"\" over100k=", "long=true"},
			wantNone: []string{"in=888888", "in=777777", "in=999999"}},
		{name: "mid-hour range", q: analytics.Query{Since: mustTime(t, "2025-11-01T00:30:00Z"), Until: mustTime(t, "2025-11-01T10:45:00Z"), Regions: both}},
		{name: "whole range, default regions", q: analytics.Query{Since: mustTime(t, "2025-10-31T20:00:00Z"), Until: mustTime(t, "2025-11-01T14:00:00Z")},
			wantSome: []string{" us-west-2 ", "in=777777"}},
		{name: "filters with a quote", q: analytics.Query{Since: since, Until: until, Regions: both,
			Apps: []string{"ChatbotApp-BedrockRole"}, Users: []string{"O'Brien", "session-1"},
			Models: []string{"anthropic.claude-3-haiku-20240307-v1:0"}},
			// Application inference profiles pass a model filter until pricing resolves them.
			wantSome: []string{"O'Brien", "us.anthropic.claude-3-haiku-20240307-v1:0", "eu.anthropic.claude-3-haiku", ":application-inference-profile/a1b2c3d4e5f6 "}},
		{name: "model filter only", q: analytics.Query{Since: since, Until: until, Regions: both,
			Models: []string{"amazon.titan-text-express-v1", "anthropic.claude-3-5-sonnet-20240620-v1:0"}},
			wantSome: []string{" amazon.titan-text-express-v1 ", ":foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0 ", ":application-inference-profile/a1b2c3d4e5f6 "},
			wantNone: []string{"haiku"}},
		{name: "apps of IAM role callers", q: analytics.Query{Since: since, Until: until, Regions: both,
			Apps: []string{"BatchInference-BedrockRole", "ChatbotApp-BedrockRole"}},
			wantSome: []string{"|iam-role|BatchInference-BedrockRole|", "|iam-role|ChatbotApp-BedrockRole|", "|assumed-role|ChatbotApp-BedrockRole|"},
			wantNone: []string{"AWSReservedSSO"}},
		{name: "Identity Center role ARN as app matches nothing", q: analytics.Query{Since: since, Until: until, Regions: both,
			Apps: []string{"AWSReservedSSO_Dev_0123456789abcdef"}}},
		{name: "user filter on IAM and Identity Center users", q: analytics.Query{Since: since, Until: until, Regions: both,
			Users: []string{"alice@example.com", "bob", "jane.doe@example.com", "root", "carol"}}},
		{name: "empty app filter value (callers that are not roles)", q: analytics.Query{Since: since, Until: until, Regions: both, Apps: []string{""}},
			wantSome: []string{"|iam-user|", "|identity-center|", "|unknown|", "|federated-user|", "|root|"}},
		{name: "Identity Center role as app matches nothing", q: analytics.Query{Since: since, Until: until, Regions: both,
			Apps: []string{"AWSReservedSSO_Admin_0123456789abcdef"}}},
		{name: "region filter", q: analytics.Query{Since: since, Until: until, Regions: []string{"eu-central-1"}}},
		{name: "metadata keys", q: analytics.Query{Since: since, Until: until, Regions: both, MetadataKeys: []string{"team", "Project", "absent"}},
			wantSome: []string{`meta="O'Neil|Hermes|"`, `meta="ads|Apollo|"`, `meta="||"`}},
		{name: "long-context edge", q: analytics.Query{Since: mustTime(t, "2025-11-01T05:10:00Z"), Until: mustTime(t, "2025-11-01T05:14:00Z"), Regions: both},
			wantSome: []string{"long=false meta=\"\" over100k=true tier=\"\": calls=1 in=100000 out=20 cr=50000 cw=50000", "long=true meta=\"\" over100k=true tier=\"\": calls=1 in=100000 out=20 cr=50000 cw=50001",
				"long=false meta=\"\" over100k=false tier=\"\": calls=1 in=50000 out=20 cr=25000 cw=25000", "long=false meta=\"\" over100k=true tier=\"\": calls=1 in=50000 out=20 cr=25000 cw=25001"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := src.Usage(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Failures) > 0 {
				t.Fatalf("failures: %v", res.Failures)
			}
			want, wantSkip := referenceUsage(t, root, tc.q)
			got := rowLines(res.AllRows())
			diffLines(t, got, rowLines(want))
			t.Logf("%d rows agree", len(res.AllRows()))
			// And the local engine agrees on the same files, skips included.
			loc := localResult(t, root, tc.q)
			diffLines(t, got, rowLines(loc.AllRows()))
			compareSkips(t, res.Skipped, wantSkip, "decoder")
			compareSkips(t, res.Skipped, loc.Skipped, "local engine")
			all := strings.Join(got, "\n")
			for _, s := range tc.wantSome {
				if !strings.Contains(all, s) {
					t.Errorf("no row contains %q", s)
				}
			}
			for _, s := range tc.wantNone {
				if strings.Contains(all, s) {
					t.Errorf("a row contains %q", s)
				}
			}
			if tc.name == "whole hours" {
				if len(got) < 100 {
					t.Errorf("got %d rows, want a non-trivial answer (>= 100)", len(got))
				}
				var oneHour, unknown int64
				for _, r := range res.AllRows() {
					oneHour += r.CacheWrite1hTokens
					unknown += r.CacheWriteUnknownTTLTokens
				}
				if oneHour == 0 || unknown == 0 {
					t.Errorf("got %d 1-hour and %d unknown-TTL cache writes, want some of each", oneHour, unknown)
				}
				tiers := map[string]bool{}
				var guard analytics.Measures
				for _, r := range res.AllRows() {
					tiers[r.ServiceTier] = true
					guard.Add(analytics.Measures{Guardrail: r.Guardrail})
				}
				if guard.Guardrail == nil {
					guard.Guardrail = new(invocationlog.GuardrailUnits)
				}
				for i, n := range guard.Guardrail {
					if n == 0 {
						t.Errorf("no %s guardrail units in the answer, want some", invocationlog.GuardrailPolicies[i].Field)
					}
				}
				if !tiers["priority"] || !tiers["flex"] || !tiers["default"] || !tiers[""] || tiers["turbo"] {
					t.Errorf("got service tiers %v, want priority, flex, default and none (never turbo)", tiers)
				}
			}
		})
	}
}

// TestUnparseableTimestampCounted checks that a record whose timestamp does not parse is
// reported as skipped, as the decoder reports it, instead of vanishing.
func TestUnparseableTimestampCounted(t *testing.T) {
	root := t.TempDir()
	good := recordLine(t, recOpt{ts: "2025-11-01T01:00:00Z", region: "us-east-1", arn: testARNs[0], model: testModels[0], op: "Converse", in: 5, out: 6})
	bad := strings.Replace(good, `"timestamp":"2025-11-01T01:00:00Z"`, `"timestamp":"yesterday"`, 1)
	writeLogs(t, root, []logFile{{region: "us-east-1", hour: mustTime(t, "2025-11-01T01:00:00Z"), name: "a.json.gz", lines: []string{good, bad, bad}}})
	q := analytics.Query{Since: mustTime(t, "2025-11-01T00:00:00Z"), Until: mustTime(t, "2025-11-01T02:00:00Z"), Regions: []string{"us-east-1"}}
	res, err := newWithExecutor(Config{}, newDuckExecutor(t, root)).Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	_, wantSkip := referenceUsage(t, root, q)
	if got, want := res.Skipped.MalformedLines, wantSkip.MalformedLines; got != want || got != 2 {
		t.Errorf("malformed lines: got %d, want %d (decoder) and 2", got, want)
	}
	if got := len(res.AllRows()); got != 1 || res.AllRows()[0].Calls != 1 {
		t.Errorf("rows: got %v, want one row of one call", rowLines(res.AllRows()))
	}
}

// TestSkippedLinesCounted checks that lines which are not usage records are counted as the
// local engine counts them, in every file of the delivery hours read, whatever the range and
// the filters: other record types (another, no or a null schemaType) as other records;
// lines that are not JSON objects, truncated lines and timestamps that do not parse as
// malformed lines.
func TestSkippedLinesCounted(t *testing.T) {
	root := t.TempDir()
	good := recOpt{ts: "2025-11-01T01:00:00Z", region: "us-east-1", arn: testARNs[0], model: testModels[0], op: "Converse", in: 5, out: 6}
	goodLine := recordLine(t, good)
	badTS := strings.Replace(goodLine, `"timestamp":"2025-11-01T01:00:00Z"`, `"timestamp":"yesterday"`, 1)
	other := strings.Replace(goodLine, `"schemaType":"ModelInvocationLog"`, `"schemaType":"ModelInvocationLogTest"`, 1)
	nullSchema := strings.Replace(goodLine, `"schemaType":"ModelInvocationLog"`, `"schemaType":null`, 1)
	noSchema := strings.Replace(goodLine, `"schemaType":"ModelInvocationLog",`, ``, 1)
	if other == goodLine || nullSchema == goodLine || noSchema == goodLine || badTS == goodLine {
		t.Fatal("fixture lines not derived from the good record")
	}
	// The range is [00:00, 02:00); the 02 folder is its delivery hour, read for late records,
	// and its skipped lines count too (the local engine counts every file it reads).
	late := strings.Replace(other, `"timestamp":"2025-11-01T01:00:00Z"`, `"timestamp":"2025-11-01T02:30:00Z"`, 1)
	writeLogs(t, root, []logFile{
		{region: "us-east-1", hour: mustTime(t, "2025-11-01T01:00:00Z"), name: "a.json.gz",
			lines: []string{goodLine, other, nullSchema, noSchema, `[1,2]`, `"text"`, badTS, `{"schemaType":"ModelInvocationLog","timestamp":`}},
		{region: "us-east-1", hour: mustTime(t, "2025-11-01T02:00:00Z"), name: "b.json.gz", lines: []string{late, `not json`}},
		// Outside the delivery hours: never read by either engine.
		{region: "us-east-1", hour: mustTime(t, "2025-11-01T03:00:00Z"), name: "c.json.gz", lines: []string{other, `not json`}},
	})
	src := newWithExecutor(Config{}, newDuckExecutor(t, root))
	since, until := mustTime(t, "2025-11-01T00:00:00Z"), mustTime(t, "2025-11-01T02:00:00Z")
	us := []string{"us-east-1"}
	tests := []struct {
		name     string
		q        analytics.Query
		wantRows int
	}{
		{"no filter", analytics.Query{Since: since, Until: until, Regions: us}, 1},
		{"filters no skipped line matches", analytics.Query{Since: since, Until: until, Regions: us,
			Apps: []string{"NoSuchApp"}, Users: []string{"nobody"}, Models: []string{"no.such-model-v1:0"}}, 0},
		{"range after every record", analytics.Query{Since: mustTime(t, "2025-11-01T01:30:00Z"), Until: until, Regions: us}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := src.Usage(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.AllRows()); got != tc.wantRows {
				t.Errorf("rows: got %v, want %d", rowLines(res.AllRows()), tc.wantRows)
			}
			loc := localResult(t, root, tc.q)
			diffLines(t, rowLines(res.AllRows()), rowLines(loc.AllRows()))
			compareSkips(t, res.Skipped, loc.Skipped, "local engine")
			// Worked out by hand: other, null and no schemaType in a.json.gz, the late other
			// record in b.json.gz; [1,2], "text", the bad timestamp and the truncated line in
			// a.json.gz, "not json" in b.json.gz.
			if got := res.Skipped.OtherRecords; got != 4 {
				t.Errorf("other records: got %d, want 4", got)
			}
			if got := res.Skipped.MalformedLines; got != 5 {
				t.Errorf("malformed lines: got %d, want 5", got)
			}
			if len(res.Skipped.Samples) == 0 {
				t.Errorf("got no skip samples, want some")
			}
		})
	}
}

// TestEmptyObjectCountedAsMalformed pins the one documented difference in skip counting:
// a JSON object holding none of the table's keys ({}) is all NULL to the SerDe, like a line
// it cannot parse, so Athena counts it as a malformed line where the decoder counts another
// record. Both are problems (--strict fails on either).
func TestEmptyObjectCountedAsMalformed(t *testing.T) {
	root := t.TempDir()
	writeLogs(t, root, []logFile{{region: "us-east-1", hour: mustTime(t, "2025-11-01T01:00:00Z"), name: "a.json.gz", lines: []string{`{}`, `{"unknownKey":1}`}}})
	q := analytics.Query{Since: mustTime(t, "2025-11-01T00:00:00Z"), Until: mustTime(t, "2025-11-01T02:00:00Z"), Regions: []string{"us-east-1"}}
	res, err := newWithExecutor(Config{}, newDuckExecutor(t, root)).Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	loc := localResult(t, root, q)
	if got, want := res.Skipped.MalformedLines, int64(2); got != want {
		t.Errorf("athena malformed lines: got %d, want %d", got, want)
	}
	if got, want := loc.Skipped.OtherRecords, int64(2); got != want {
		t.Errorf("local other records: got %d, want %d", got, want)
	}
	if got, want := res.Skipped.Problems(), loc.Skipped.Problems(); got != want {
		t.Errorf("problems: got %d, want %d (local engine)", got, want)
	}
}

// TestCacheSplitEdgeCases holds the SQL's reading of the cache-TTL split (regular
// expressions over the body's text) to the decoder's (a walk over the body) on bodies at
// the edges of the rule: each body is one record of its own user, so every row is one
// record, and the test also states which bodies must resolve.
func TestCacheSplitEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		known bool // the split accounts for the record's 300 cache-write tokens
	}{
		{"converse", `{"usage":{"inputTokens":5,"cacheDetails":[{"ttl":"1h","inputTokens":200},{"ttl":"5m","inputTokens":100}]}}`, true},
		{"invoke", `{"usage":{"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":300}}}`, true},
		{"one key", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":300}}}`, true},
		{"deep", `[{"a":[{"b":{"c":{"d":{"cacheDetails":[{"ttl":"5m","inputTokens":300}]}}}}]}]`, true},
		{"names in any case", `{"USAGE":{"cachedetails":[{"TTL":"1h","INPUTTOKENS":300}]}}`, true},
		{"white space", `{ "usage" : { "cacheDetails" : [ { "inputTokens" : 300 , "ttl" : "1h" } ] } }`, true},
		{"first valid one wins", `{"x":{"cacheDetails":[{"ttl":"2h","inputTokens":300}]},"usage":{"cache_creation":{"ephemeral_1h_input_tokens":300}},"y":{"cacheDetails":[]}}`, true},
		{"inside a passed-over value", `{"cache_creation":{"x":{"cacheDetails":[{"ttl":"1h","inputTokens":300}]}}}`, true},
		{"sum off by one", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":200},{"ttl":"5m","inputTokens":101}]}}`, false},
		{"empty array", `{"usage":{"cacheDetails":[]}}`, false},
		{"a TTL twice", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":200},{"ttl":"1h","inputTokens":100}]}}`, false},
		{"three entries", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":200},{"ttl":"5m","inputTokens":100},{"ttl":"5m","inputTokens":0}]}}`, false},
		{"extra member", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":300,"note":"x"}]}}`, false},
		{"count as a string", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":"300"}}}`, false},
		{"count with a fraction", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":300.0}}}`, false},
		{"negative count", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":-300}}}`, false},
		{"count beyond int64", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":99999999999999999999,"ephemeral_5m_input_tokens":300}}}`, false},
		{"sum beyond int64", `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":9223372036854775807},{"ttl":"5m","inputTokens":9223372036854775807}]}}`, false},
		{"another member in cache_creation", `{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":300,"ephemeral_24h_input_tokens":0}}}`, false},
		{"text that quotes a split", `{"content":[{"text":"{\"cacheDetails\":[{\"ttl\":\"1h\",\"inputTokens\":300}]}"}]}`, false},
		{"a key that ends in the name", `{"x\"cacheDetails":[{"ttl":"1h","inputTokens":300}]}`, false},
		{"no body", ``, false},
		{"tier and split", `{"serviceTier":{"type":"priority"},"usage":{"cacheDetails":[{"ttl":"5m","inputTokens":300}]}}`, true},
		{"tier in a stream event", `[{"metadata":{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":300}]},"serviceTier":{"type":"flex"}}}]`, true},
		{"tier of another shape, then a valid one", `{"a":{"serviceTier":{"type":"flex","x":1}},"b":{"ServiceTier":{"TYPE":"reserved"}}}`, false},
		{"tier value in another case", `{"serviceTier":{"type":"Priority"}}`, false},
	}
	guardrail := []struct {
		name, body string
		want       invocationlog.GuardrailUnits
	}{
		{"guardrail units summed", `{"trace":{"guardrail":{"inputAssessment":{"g":{"invocationMetrics":{"usage":{"topicPolicyUnits":1,"contentPolicyUnits":2}}}},"outputAssessments":[{"g":{"invocationMetrics":{"usage":{"contentPolicyUnits":3,"ContextualGroundingPolicyUnits":4}}}}]}}}`,
			invocationlog.GuardrailUnits{5, 0, 1, 0, 0, 0, 4, 0}},
		{"invoke model trace", `{"amazon-bedrock-guardrailAction":"INTERVENED","amazon-bedrock-trace":{"guardrail":{"input":{"g":{"invocationMetrics":{"usage":{ "wordPolicyUnits" : 7 , "sensitiveInformationPolicyUnits":2,"sensitiveInformationPolicyFreeUnits":1}}}}}}}`,
			invocationlog.GuardrailUnits{0, 0, 0, 7, 2, 1, 0, 0}},
		{"guardrail counts not in digits", `{"usage":{"contentPolicyUnits":1.5,"topicPolicyUnits":"2","wordPolicyUnits":-1,"contentPolicyImageUnits":3}}`,
			invocationlog.GuardrailUnits{0, 3, 0, 0, 0, 0, 0, 0}},
		{"guardrail count beyond int64", `{"a":{"contentPolicyUnits":99999999999999999999},"b":{"contentPolicyUnits":1},"c":{"topicPolicyUnits":1}}`,
			invocationlog.GuardrailUnits{0, 0, 1, 0, 0, 0, 0, 0}},
		{"guardrail sum beyond int64", `[{"automatedReasoningPolicyUnits":9223372036854775807},{"automatedReasoningPolicyUnits":1}]`,
			invocationlog.GuardrailUnits{}},
		{"guardrail units quoted in text", `{"content":[{"text":"{\"contentPolicyUnits\":9}"}]}`, invocationlog.GuardrailUnits{}},
	}
	for _, g := range guardrail {
		tests = append(tests, struct {
			name  string
			body  string
			known bool
		}{g.name, g.body, false})
	}
	wantGuardrail := map[string]invocationlog.GuardrailUnits{}
	for _, g := range guardrail {
		wantGuardrail[g.name] = g.want
	}
	wantTier := map[string]string{"tier and split": "priority", "tier in a stream event": "flex", "tier of another shape, then a valid one": "reserved"}
	root := t.TempDir()
	hour := mustTime(t, "2025-11-01T10:00:00Z")
	var lines []string
	for i, tc := range tests {
		o := recOpt{ts: "2025-11-01T10:05:00Z", region: "us-east-1", model: testModels[0], op: "Converse",
			arn: fmt.Sprintf("arn:aws:sts::111122223333:assumed-role/EdgeApp/case-%02d", i), in: 10, out: 1, cw: 300, body: tc.body}
		lines = append(lines, recordLine(t, o))
	}
	writeLogs(t, root, []logFile{{region: "us-east-1", hour: hour, name: "edge.json.gz", lines: lines}})
	q := analytics.Query{Since: hour, Until: hour.Add(time.Hour), Regions: []string{"us-east-1"}}
	res, err := newWithExecutor(Config{}, newDuckExecutor(t, root)).Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	loc := localResult(t, root, q)
	diffLines(t, rowLines(res.AllRows()), rowLines(loc.AllRows()))
	if len(res.AllRows()) != len(tests) {
		t.Fatalf("got %d rows, want one per case (%d)", len(res.AllRows()), len(tests))
	}
	for _, r := range res.AllRows() {
		var i int
		if _, err := fmt.Sscanf(r.User, "case-%d", &i); err != nil {
			t.Fatalf("row of user %q", r.User)
		}
		tc := tests[i]
		if got := r.GuardrailValues(); got != wantGuardrail[tc.name] {
			t.Errorf("%s: got guardrail units %v, want %v", tc.name, got, wantGuardrail[tc.name])
		}
		if r.ServiceTier != wantTier[tc.name] {
			t.Errorf("%s: got tier %q, want %q", tc.name, r.ServiceTier, wantTier[tc.name])
		}
		if got := r.CacheWriteUnknownTTLTokens == 0; got != tc.known {
			t.Errorf("%s: got known %v (1h %d, unknown %d), want %v", tc.name, got, r.CacheWrite1hTokens, r.CacheWriteUnknownTTLTokens, tc.known)
		}
	}
}
