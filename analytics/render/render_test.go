package render

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

// fixedPricer prices two models at round test rates (USD per million tokens) and nothing
// else, so renderer goldens do not move when the real price book does.
type fixedPricer struct{}

var testRates = map[string][4]int64{ // input, output, cache read, cache write
	"anthropic.claude-3-haiku-20240307-v1:0":    {1, 5, 0, 0},
	"anthropic.claude-sonnet-4-5-20250929-v1:0": {3, 15, 1, 4},
}

// DisplayName names one of the two models, as a price book does.
func (fixedPricer) DisplayName(model string) string {
	if model == haiku {
		return "Claude 3 Haiku"
	}
	return ""
}

func (fixedPricer) Cost(_ context.Context, u pricing.Usage) (pricing.Cost, error) {
	base := invocationlog.BaseModelID(u.ModelID)
	r, ok := testRates[base]
	if !ok {
		return pricing.Cost{}, &pricing.UnpricedError{ModelID: u.ModelID, Region: u.Region, Reason: "not in the test book"}
	}
	m := func(tokens, rate int64) decimal.Decimal { return decimal.New(tokens*rate, -6) }
	c := pricing.Cost{
		Input: m(u.InputTokens, r[0]), Output: m(u.OutputTokens, r[1]),
		CacheRead: m(u.CacheReadTokens, r[2]), CacheWrite: m(u.CacheWriteTokens, r[3]), Model: base, Scope: pricing.ScopeInRegion,
	}
	c.Total = c.Input.Add(c.Output).Add(c.CacheRead).Add(c.CacheWrite)
	return c, nil
}

// GuardrailCost prices content filters and denied topics at $0.15 per 1,000 units.
func (fixedPricer) GuardrailCost(region string, _ time.Time, uses []pricing.GuardrailUse) (pricing.GuardrailCost, error) {
	var c pricing.GuardrailCost
	for _, u := range uses {
		switch {
		case u.Units == 0:
		case u.Policy == "content" || u.Policy == "topic":
			c.Total = c.Total.Add(decimal.New(u.Units*15, -5))
		default:
			return pricing.GuardrailCost{}, &pricing.UnpricedError{ModelID: "guardrail", Region: region, Reason: "not in the test book"}
		}
	}
	return c, nil
}

// withGuardrail adds guardrail content and topic units to a record.
func withGuardrail(r *invocationlog.Record, content, topic int64) *invocationlog.Record {
	r.Output.Guardrail[0], r.Output.Guardrail[2] = content, topic
	return r
}

func rec(ts, arn, model string, in, out, cr, cw int64, errCode string, meta map[string]string) *invocationlog.Record {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		panic(err)
	}
	return &invocationlog.Record{
		SchemaType: invocationlog.SchemaType, Timestamp: t, AccountID: "123456789012", Region: "us-east-1",
		Identity: invocationlog.Identity{ARN: arn}, Operation: invocationlog.OpConverse, ModelID: model,
		Input:     invocationlog.Input{InputTokenCount: in, CacheReadInputTokenCount: cr, CacheWriteInputTokenCount: cw},
		Output:    invocationlog.Output{OutputTokenCount: out},
		ErrorCode: errCode, RequestMetadata: meta,
	}
}

const (
	chatbot = "arn:aws:sts::123456789012:assumed-role/ChatbotApp-BedrockRole/session-a"
	docproc = "arn:aws:sts::123456789012:assumed-role/DocumentProcessorApp-BedrockRole/batch|1"
	mobile  = "arn:aws:iam::123456789012:user/apps/MobileApp"
	haiku   = "anthropic.claude-3-haiku-20240307-v1:0"
	sonnet  = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
)

func testReport(t *testing.T, groupBy ...string) *analytics.Report {
	t.Helper()
	return testReportWith(t, nil, groupBy...)
}

// filteredReport is testReport for one application (and a typo of its name) in one region,
// against a budget it is over.
func filteredReport(t *testing.T) *analytics.Report {
	rep := testReportWith(t, func(q *analytics.Query) {
		q.Regions = []string{"us-east-1"}
		q.Apps = []string{"ChatbotApp-BedrockRole", "ChatbotAp"}
	})
	rep.CheckBudget(decimal.RequireFromString("0.01"))
	return rep
}

func testReportWith(t *testing.T, filter func(*analytics.Query), groupBy ...string) *analytics.Report {
	t.Helper()
	dims, meta, err := analytics.ParseDimensions(groupBy)
	if err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{
		Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC),
		MetadataKeys: meta,
	}
	if filter != nil {
		filter(&q)
	}
	agg := analytics.NewAggregator(q)
	for _, r := range []*invocationlog.Record{
		rec("2025-11-03T09:15:00Z", chatbot, haiku, 1200, 300, 0, 0, "", map[string]string{"tenant_id": "acme"}),
		rec("2025-11-03T09:40:00Z", chatbot, haiku, 800, 200, 0, 0, "", map[string]string{"tenant_id": "globex"}),
		rec("2025-11-03T10:05:00Z", chatbot, sonnet, 5000, 1000, 20000, 3000, "", nil),
		rec("2025-11-03T10:06:00Z", chatbot, sonnet, 4000, 0, 0, 0, "ThrottlingException", nil),
		withGuardrail(rec("2025-11-04T14:00:00Z", docproc, sonnet, 210000, 4000, 0, 0, "", map[string]string{"tenant_id": "acme"}), 2000, 1000),
		rec("2025-11-04T15:30:00Z", mobile, haiku, 100, 50, 0, 0, "", nil),
		rec("2025-11-04T16:00:00Z", mobile, "dummy-model-v1", 70, 30, 0, 0, "", nil),
		rec("2025-11-05T00:00:00Z", mobile, haiku, 999, 999, 0, 0, "", nil), // at until: out of range
	} {
		agg.Add(r)
	}
	res := &analytics.Result{Rows: agg.Rows(), Candidates: agg.Candidates(), Scan: analytics.Scan{Engine: "local", Summary: "Read {files} files ({bytes}), {records} records", Figures: []analytics.Figure{
		{Name: "files", N: 3}, {Name: "bytes", Kind: analytics.FigureBytes, N: 4096}, {Name: "records", N: 8}, {Name: "out_of_range", N: agg.OutOfRange}}}}
	res.Skipped.Add(invocationlog.Skip{Reason: invocationlog.SkipMalformedLine, File: "logs/a.json.gz", Line: 7, Detail: "unexpected end of JSON input"})
	res.Skipped.Add(invocationlog.Skip{Reason: invocationlog.SkipNonLogObject, File: "logs/data/x.json.gz", Detail: "body object"})
	rep, err := analytics.BuildReport(context.Background(), q, res, fixedPricer{}, analytics.ReportOptions{
		Source: "testdata", GeneratedAt: time.Date(2025, 11, 6, 8, 0, 0, 0, time.UTC), GroupBy: dims, MetadataKeys: meta,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// sessionsReport is testReport with calls from generated role session names (SDK defaults,
// instance ids) beside the named ones, grouped by user and model too, and folded by the
// built-in patterns.
// comparedReport is testReport compared with the two days before it, against a 10% limit
// on the increase, with an anomaly: the chatbot's sonnet calls are new, the mobile app's
// haiku calls grew, a vanished user called only in the baseline.
func comparedReport(t *testing.T) *analytics.Report {
	t.Helper()
	rep := testReport(t)
	q := analytics.Query{Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)}
	agg := analytics.NewAggregator(q)
	for _, r := range []*invocationlog.Record{
		rec("2025-11-01T09:15:00Z", chatbot, haiku, 1000, 100, 0, 0, "", nil),
		rec("2025-11-02T15:30:00Z", mobile, haiku, 50, 10, 0, 0, "", nil),
		rec("2025-11-02T16:00:00Z", "arn:aws:sts::123456789012:assumed-role/ChatbotApp-BedrockRole/session-gone", haiku, 400, 40, 0, 0, "", nil),
	} {
		agg.Add(r)
	}
	base, err := analytics.BuildReport(context.Background(), q, &analytics.Result{Rows: agg.Rows()}, fixedPricer{}, analytics.ReportOptions{Source: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	rep.Compare(base, "previous period")
	rep.CheckIncrease(decimal.NewFromInt(10))
	rule := analytics.DefaultAnomalyRule
	rep.Detection = &rule
	rep.Anomalies = []analytics.Anomaly{{Dimension: "model", Key: analytics.BaseModelID(sonnet), Date: "2025-11-04", Cost: decimal.RequireFromString("3.15"), Baseline: decimal.RequireFromString("0.2"), Score: 28.5}}
	return rep
}

// residencyReport has calls from eu-central-1 served in-region, in eu-west-1 (an EU
// profile) and in us-east-1 (a global profile): the last left the caller's geography.
func residencyReport(t *testing.T) *analytics.Report {
	t.Helper()
	q := analytics.Query{Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC)}
	agg := analytics.NewAggregator(q)
	for _, c := range []struct{ model, served string }{{haiku, ""}, {"eu." + haiku, "eu-west-1"}, {"global." + haiku, "us-east-1"}, {"global." + haiku, "us-east-1"}} {
		r := rec("2025-11-03T09:15:00Z", chatbot, c.model, 1000, 100, 0, 0, "", nil)
		r.Region, r.InferenceRegion = "eu-central-1", c.served
		agg.Add(r)
	}
	res := &analytics.Result{Rows: agg.Rows(), Scan: analytics.Scan{Engine: "local", Summary: "Read {files} files ({bytes}), {records} records", Figures: []analytics.Figure{
		{Name: "files", N: 1}, {Name: "bytes", Kind: analytics.FigureBytes, N: 512}, {Name: "records", N: 4}}}}
	rep, err := analytics.BuildReport(context.Background(), q, res, fixedPricer{}, analytics.ReportOptions{
		Source: "testdata", GeneratedAt: time.Date(2025, 11, 6, 8, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func sessionsReport(t *testing.T) *analytics.Report {
	t.Helper()
	dims, _, err := analytics.ParseDimensions([]string{"user", "model"})
	if err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC)}
	agg := analytics.NewAggregator(q)
	role := "arn:aws:sts::123456789012:assumed-role/WorkerApp-BedrockRole/"
	for _, r := range []*invocationlog.Record{
		rec("2025-11-03T09:15:00Z", chatbot, haiku, 1200, 300, 0, 0, "", nil),
		rec("2025-11-03T09:20:00Z", role+"botocore-session-1762160000", haiku, 1000, 100, 0, 0, "", nil),
		rec("2025-11-03T09:21:00Z", role+"botocore-session-1762160001", haiku, 2000, 200, 0, 0, "", nil),
		rec("2025-11-03T09:22:00Z", role+"botocore-session-1762160001", sonnet, 3000, 300, 0, 0, "", nil),
		rec("2025-11-03T10:00:00Z", role+"aws-go-sdk-1762164000123456789", sonnet, 4000, 400, 0, 0, "", nil),
		rec("2025-11-04T11:00:00Z", role+"i-0abc123def4567890", haiku, 500, 50, 0, 0, "", nil),
		rec("2025-11-04T12:00:00Z", role+"nightly-batch", haiku, 600, 60, 0, 0, "", nil),
	} {
		agg.Add(r)
	}
	res := &analytics.Result{Rows: agg.Rows(), Candidates: agg.Candidates(), Scan: analytics.Scan{Engine: "local", Summary: "Read {files} files ({bytes}), {records} records", Figures: []analytics.Figure{
		{Name: "files", N: 1}, {Name: "bytes", Kind: analytics.FigureBytes, N: 1024}, {Name: "records", N: 7}}}}
	rep, err := analytics.BuildReport(context.Background(), q, res, fixedPricer{}, analytics.ReportOptions{
		Source: "testdata", GeneratedAt: time.Date(2025, 11, 6, 8, 0, 0, 0, time.UTC), GroupBy: dims,
	})
	if err != nil {
		t.Fatal(err)
	}
	folded, err := analytics.CollapseSessions(rep, sessions.NewFolder(sessions.Defaults()))
	if err != nil {
		t.Fatal(err)
	}
	return folded
}

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), got)
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name, format string
		groupBy      []string
		opts         Options
	}{
		{"report.table.txt", "table", nil, Options{Top: 10}},
		{"report.md", "markdown", nil, Options{Top: 2}},
		{"report.csv", "csv", nil, Options{}},
		{"report.json", "json", nil, Options{}},
		{"groups.table.txt", "table", []string{"app", "metadata.tenant_id"}, Options{Top: 10}},
		{"groups.json", "json", []string{"app", "metadata.tenant_id"}, Options{}},
		{"by-model.csv", "csv", nil, Options{Views: []string{"by_model"}}},
		{"report.html", "html", nil, Options{Top: 10}},
		{"filtered.table.txt", "table", nil, Options{Top: 10}},
		{"filtered.md", "markdown", nil, Options{Top: 2}},
		{"filtered.json", "json", nil, Options{}},
		{"filtered.color.txt", "table", nil, Options{Top: 3, Color: true}},
		{"sessions.table.txt", "table", nil, Options{Top: 10, Views: []string{"by_app_user", "groups"}}},
		{"sessions.md", "markdown", nil, Options{Top: 3}},
		{"sessions.csv", "csv", nil, Options{Views: []string{"by_app_user", "groups"}}},
		{"sessions.json", "json", nil, Options{}},
		{"compared.table.txt", "table", nil, Options{Top: 10}},
		{"compared.md", "markdown", nil, Options{Top: 3}},
		{"compared.csv", "csv", nil, Options{Views: []string{"by_app_user", "daily"}}},
		{"compared.json", "json", nil, Options{}},
		{"compared.html", "html", nil, Options{Top: 10}},
		{"residency.table.txt", "table", nil, Options{Top: 10, Views: []string{"residency"}}},
		{"residency.md", "markdown", nil, Options{Top: 10, Views: []string{"residency"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := testReport(t, tt.groupBy...)
			switch {
			case strings.HasPrefix(tt.name, "filtered."):
				rep = filteredReport(t)
			case strings.HasPrefix(tt.name, "sessions."):
				rep = sessionsReport(t)
			case strings.HasPrefix(tt.name, "compared."):
				rep = comparedReport(t)
			case strings.HasPrefix(tt.name, "residency."):
				rep = residencyReport(t)
			}
			var buf bytes.Buffer
			if err := Render(&buf, rep, tt.format, tt.opts); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.name, buf.Bytes())
		})
	}
}

// TestJSONContract checks the documented keys and that every view adds up to the totals.
func TestJSONContract(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, testReport(t)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if got, want := doc["schema"], "bedrock-usage/report@1"; got != want {
		t.Errorf("schema: got %v, want %v", got, want)
	}
	for _, k := range []string{"period", "totals", "by_principal", "by_app_user", "by_model", "by_region", "daily", "hourly", "skipped"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	totals := doc["totals"].(map[string]any)
	// Independently: the 7 in-range records above.
	wantCalls, wantIn, wantCost := 7.0, 1200.0+800+5000+4000+210000+100+70, decimal.RequireFromString("0")
	// haiku: (1200+800+100)*1 + (300+200+50)*5 ; sonnet: (5000+4000+210000)*3 + (1000+4000)*15 + 20000*1 + 3000*4
	wantCost = decimal.New((2100*1+550*5)+(219000*3+5000*15+20000*1+3000*4), -6)
	if got := totals["calls"]; got != wantCalls {
		t.Errorf("totals.calls: got %v, want %v", got, wantCalls)
	}
	if got := totals["input_tokens"]; got != wantIn {
		t.Errorf("totals.input_tokens: got %v, want %v", got, wantIn)
	}
	if got := decimal.RequireFromString(totals["cost_usd"].(string)); !got.Equal(wantCost) {
		t.Errorf("totals.cost_usd: got %s, want %s", got, wantCost)
	}
	if got, want := totals["unpriced_calls"], 1.0; got != want {
		t.Errorf("totals.unpriced_calls: got %v, want %v", got, want)
	}
	if got, want := totals["failed_calls"], 1.0; got != want {
		t.Errorf("totals.failed_calls: got %v, want %v", got, want)
	}
	for _, view := range []string{"by_principal", "by_app_user", "by_model", "by_region", "daily", "hourly"} {
		var calls float64
		cost := decimal.Zero
		for _, l := range doc[view].([]any) {
			m := l.(map[string]any)
			calls += m["calls"].(float64)
			c, ok := m["cost_usd"].(string)
			if !ok {
				// Only a line whose every call is unpriced has no cost.
				if m["cost_usd"] != nil || m["unpriced_calls"] != m["calls"] {
					t.Errorf("%s: cost_usd %v with %v of %v calls unpriced", view, m["cost_usd"], m["unpriced_calls"], m["calls"])
				}
				continue
			}
			cost = cost.Add(decimal.RequireFromString(c))
		}
		if calls != wantCalls || !cost.Equal(wantCost) {
			t.Errorf("%s adds up to %v calls and %s USD, want %v and %s", view, calls, cost, wantCalls, wantCost)
		}
	}
	if got := doc["skipped"].(map[string]any)["malformed_lines"]; got != 1.0 {
		t.Errorf("skipped.malformed_lines: got %v, want 1", got)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	err := Render(&bytes.Buffer{}, testReport(t), "yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("got %v, want an unknown-format error", err)
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"formula", "=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"plus", "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"minus text", "-2+3+cmd", "'-2+3+cmd"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"carriage return", "\rx", "'\rx"},
		{"negative number", "-5", "-5"},
		{"signed decimal", "+1.25", "+1.25"},
		{"plain", "ChatbotApp-BedrockRole", "ChatbotApp-BedrockRole"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SafeCell(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// A report whose session name is a formula writes it neutralised.
	var b strings.Builder
	w := NewCSVWriter(&b)
	rec := []string{"=1+1", "ok"}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got := b.String(); got != "'=1+1,ok\n" || rec[0] != "=1+1" {
		t.Errorf("got %q (record now %q), want the cell neutralised and the caller's record untouched", got, rec)
	}
}

func TestNamesCannotEscape(t *testing.T) {
	tests := []struct{ name, in, wantTable, wantMD string }{
		{"ANSI colour", "bob\x1b[31mred", `bob\u001b[31mred`, `bob\\u001b\[31mred`},
		{"carriage return", "ann\rmallory", `ann\u000dmallory`, `ann\\u000dmallory`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`, `abc\\u202edcba`},
		{"markdown link", "[click](http://evil)", "[click](http://evil)", `\[click\](http://evil)`},
		{"markdown image", "![x](http://evil/p.png)", "![x](http://evil/p.png)", `\!\[x\](http://evil/p.png)`},
		{"table cell break", "a|b", "a|b", `a\|b`},
		{"plain", "ChatbotApp-BedrockRole", "ChatbotApp-BedrockRole", "ChatbotApp-BedrockRole"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := printable(tc.in); got != tc.wantTable {
				t.Errorf("table: got %q, want %q", got, tc.wantTable)
			}
			if got := mdEscape(tc.in); got != tc.wantMD {
				t.Errorf("markdown: got %q, want %q", got, tc.wantMD)
			}
		})
	}
}

// TestParseJSONRoundTrip: a saved JSON report read back renders every format as the report
// itself did, and writes the same JSON again.
func TestParseJSONRoundTrip(t *testing.T) {
	reports := map[string]func(*testing.T) *analytics.Report{
		"report":    func(t *testing.T) *analytics.Report { return testReport(t) },
		"groups":    func(t *testing.T) *analytics.Report { return testReport(t, "app", "metadata.tenant_id") },
		"filtered":  filteredReport,
		"sessions":  sessionsReport,
		"compared":  comparedReport,
		"residency": residencyReport,
	}
	for name, build := range reports {
		t.Run(name, func(t *testing.T) {
			rep := build(t)
			var saved bytes.Buffer
			if err := JSON(&saved, rep); err != nil {
				t.Fatal(err)
			}
			back, err := ParseJSON(bytes.NewReader(saved.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{"json", "table", "markdown", "csv", "html"} {
				var want, got bytes.Buffer
				opts := Options{Top: 3}
				if err := Render(&want, rep, format, opts); err != nil {
					t.Fatal(err)
				}
				if err := Render(&got, back, format, opts); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want.String(), got.String()); diff != "" {
					t.Errorf("%s rendered from the saved JSON differs (-direct +from JSON):\n%s", format, diff)
				}
			}
		})
	}
}

func TestParseJSONRefusesOtherDocuments(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not JSON", "nope", "not a JSON report"},
		{"another schema", `{"schema":"something/else@1"}`, "not a bedrock-usage/report@1 report"},
		{"a report without totals", `{"schema":"bedrock-usage/report@1","period":{"since":"2025-11-01T00:00:00Z","until":"2025-11-02T00:00:00Z"}}`, "the JSON report: no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseJSON(strings.NewReader(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestFitWidth: the widest text column is cut (ending in "…") until lines fit, never a
// number, and never below the narrowest text column kept.
func TestFitWidth(t *testing.T) {
	rows := func() [][]string {
		return [][]string{
			{"APP", "USER", "CALLS", "COST"},
			{"ChatbotApp-BedrockRole", "botocore-session-1700000000-abcdef", "1,234", "$5.00"},
			{"A", "b", "7", "$0.01"},
		}
	}
	tests := []struct {
		name  string
		limit int
		want  [][]string
	}{
		{"no limit", 0, rows()},
		{"wide enough", 200, rows()},
		{"the widest text column is cut", 50, [][]string{
			{"APP", "USER", "CALLS", "COST"},
			{"ChatbotApp-BedrockRole", "botocore-se…", "1,234", "$5.00"},
			{"A", "b", "7", "$0.01"},
		}},
		{"then the next, down to the minimum", 20, [][]string{
			{"APP", "USER", "CALLS", "COST"},
			{"ChatbotApp-…", "botocore-se…", "1,234", "$5.00"},
			{"A", "b", "7", "$0.01"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rows()
			var buf bytes.Buffer
			writeAligned(&buf, r, 2, tc.limit)
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
			if tc.limit >= 50 {
				for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
					if n := len([]rune(l)); n > tc.limit {
						t.Errorf("line %q is %d columns, want at most %d", l, n, tc.limit)
					}
				}
			}
		})
	}
}
