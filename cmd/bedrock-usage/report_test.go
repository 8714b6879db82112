package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
	"github.com/bedrock-usage/bedrock-usage/internal/fixtures"
)

// sums are totals computed from raw files with plain encoding/json, independently of the
// decoder and engine under test.
type sums struct {
	Calls, Failed, Input, Output, CacheRead, CacheWrite float64
}

// eachRecordLine calls fn with every line of every log file under dir, read with the
// standard library alone (no decoder under test).
func eachRecordLine(t *testing.T, dir string, fn func(path string, line []byte) error) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz") || strings.Contains(path, "/data/") {
			return err
		}
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer fh.Close()
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			if err := fn(path, sc.Bytes()); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func independentSums(t *testing.T, dir string, since, until time.Time) sums {
	t.Helper()
	var s sums
	eachRecordLine(t, dir, func(path string, line []byte) error {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return err
		}
		if m["schemaType"] != "ModelInvocationLog" {
			return nil
		}
		ts, err := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
		if err != nil {
			return err
		}
		if ts.Before(since) || !ts.Before(until) {
			return nil
		}
		num := func(obj, key string) float64 {
			o, _ := m[obj].(map[string]any)
			v, _ := o[key].(float64)
			return v
		}
		s.Calls++
		if e, _ := m["errorCode"].(string); e != "" {
			s.Failed++
		}
		s.Input += num("input", "inputTokenCount")
		s.CacheRead += num("input", "cacheReadInputTokenCount")
		s.CacheWrite += num("input", "cacheWriteInputTokenCount")
		s.Output += num("output", "outputTokenCount")
		return nil
	})
	return s
}

func totalsOf(t *testing.T, out []byte) (sums, map[string]any) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	tot := doc["totals"].(map[string]any)
	f := func(k string) float64 { return tot[k].(float64) }
	return sums{f("calls"), f("failed_calls"), f("input_tokens"), f("output_tokens"), f("cache_read_tokens"), f("cache_write_tokens")}, doc
}

// generated writes a small generated log tree once per test binary.
var generatedDir string

func generate(t *testing.T) string {
	t.Helper()
	if generatedDir != "" {
		return generatedDir
	}
	dir, err := os.MkdirTemp("", "bedrock-usage-cli-test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = loggen.Generate(context.Background(), loggen.Config{
		Out: dir, Seed: 7, Records: 20000,
		Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	generatedDir = dir
	return dir
}

func TestMain(m *testing.M) {
	// The test binary can stand in for the command (signal tests run it as a process).
	// "argv" takes the arguments after "--" as they are (a shell wrapper's "$@").
	if args, ok := os.LookupEnv("BEDROCK_USAGE_TEST_RUN_MAIN"); ok {
		argv := strings.Fields(args)
		if args == "argv" {
			argv = os.Args[slices.Index(os.Args, "--")+1:]
		}
		os.Exit(run(argv, newFactory()))
	}
	code := m.Run()
	if generatedDir != "" {
		os.RemoveAll(generatedDir)
	}
	os.Exit(code)
}

func TestReportTotalsMatchIndependentSums(t *testing.T) {
	dir := generate(t)
	tests := []struct {
		name         string
		since, until string
		from, to     time.Time
	}{
		{"whole range", "2025-11-01", "2025-11-14", time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC)},
		{"mid-range instants", "2025-11-03T10:30:00Z", "2025-11-05T07:00:00Z", time.Date(2025, 11, 3, 10, 30, 0, 0, time.UTC), time.Date(2025, 11, 5, 7, 0, 0, 0, time.UTC)},
		{"one day", "2025-11-10", "2025-11-10", time.Date(2025, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 11, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli := newTestCLI(t)
			if code := cli.run("report", "--source", dir, "--since", tt.since, "--until", tt.until, "--format", "json"); code != 0 {
				t.Fatalf("exit %d: %s", code, cli.errOut)
			}
			got, doc := totalsOf(t, cli.out.Bytes())
			want := independentSums(t, dir, tt.from, tt.to)
			if got != want {
				t.Errorf("totals: got %+v, want %+v", got, want)
			}
			if want.Calls == 0 {
				t.Fatalf("the range holds no records; the test proves nothing")
			}
			if sk := doc["skipped"].(map[string]any); sk["malformed_lines"].(float64) != 0 || sk["unreadable_files"].(float64) != 0 {
				t.Errorf("skipped: got %v, want no malformed lines or unreadable files", sk)
			}
		})
	}
}

func TestReportFromS3(t *testing.T) {
	dir := generate(t)
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	cli := newTestCLI(t)
	cli.withEndpoint(srv.URL)
	cli.f.S3Options = []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}
	uploadTree(t, backend, "bedrock-logs-123456789012-us-east-1", "", dir)
	if code := cli.run("report", "--source", "s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/", "--since", "2025-11-02", "--until", "2025-11-04", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	got, _ := totalsOf(t, cli.out.Bytes())
	want := independentSums(t, dir, time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC))
	if got != want {
		t.Errorf("totals from S3: got %+v, want %+v", got, want)
	}
}

func TestReportExitCodes(t *testing.T) {
	gen := generate(t)
	empty := t.TempDir()
	bad := t.TempDir()
	hour := filepath.Join(bad, "AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2025/11/03/10")
	if err := os.MkdirAll(hour, 0o755); err != nil {
		t.Fatal(err)
	}
	good := `{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2025-11-03T10:00:00Z","accountId":"123456789012","identity":{"arn":"arn:aws:iam::123456789012:user/ann"},"region":"us-east-1","requestId":"r1","operation":"Converse","modelId":"anthropic.claude-3-haiku-20240307-v1:0","input":{"inputTokenCount":10},"output":{"outputTokenCount":5}}`
	unknown := strings.Replace(good, "anthropic.claude-3-haiku-20240307-v1:0", "dummy-model-v1", 1)
	if err := os.WriteFile(filepath.Join(hour, "a.json"), []byte(good+"\n{not json\n"+unknown+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
		// stderr are parts the error output must hold.
		stderr []string
	}{
		{"ok", []string{"report", "--source", bad, "--since", "2025-11-03", "--until", "2025-11-03"}, exitOK, nil},
		{"a filter that matches nothing warns with the nearest value", []string{"report", "--source", bad, "--since", "2025-11-03", "--until", "2025-11-03", "--user", "annn"}, exitOK,
			[]string{`warning: user filter "annn" matched no call in the range; did you mean "ann"?`}},
		{"a filter that matches nothing fails under strict", []string{"report", "--source", bad, "--since", "2025-11-03", "--until", "2025-11-03", "--app", "Chatbot", "--strict"}, exitData,
			[]string{`app filter "Chatbot" matched no call`}},
		{"every failed gate is listed; data problems before the budget", []string{"report", "--source", bad, "--since", "2025-11-03", "--until", "2025-11-03", "--strict-pricing", "--budget", "0"}, exitData,
			[]string{"calls are unpriced: dummy-model-v1", "is over the budget of 0.00 USD"}},
		{"strict with a malformed line", []string{"report", "--source", bad, "--since", "2025-11-03", "--until", "2025-11-03", "--strict"}, exitData, nil},
		{"strict pricing with an unknown model", []string{"report", "--source", bad, "--since", "2025-11-03", "--until", "2025-11-03", "--strict-pricing"}, exitData, nil},
		{"over budget", []string{"report", "--source", gen, "--since", "2025-11-01", "--until", "2025-11-14", "--budget", "0.01"}, exitOverBudget, nil},
		{"under budget", []string{"report", "--source", gen, "--since", "2025-11-01", "--until", "2025-11-14", "--budget", "1000000000"}, exitOK, nil},
		{"bad format", []string{"report", "--source", bad, "--format", "yaml"}, exitUsage, nil},
		{"bad since", []string{"report", "--source", bad, "--since", "last tuesday"}, exitUsage, nil},
		{"since after until", []string{"report", "--source", bad, "--since", "2025-11-05", "--until", "2025-11-01"}, exitUsage, nil},
		{"unknown group-by", []string{"report", "--source", bad, "--group-by", "color"}, exitUsage, nil},
		{"no source", []string{"report"}, exitUsage, nil},
		{"unknown flag", []string{"report", "--colour"}, exitUsage, nil},
		{"missing folder", []string{"report", "--source", filepath.Join(bad, "nope")}, exitError, nil},
		{"athena with a source", []string{"report", "--engine", "athena", "--source", bad}, exitUsage, nil},
		{"print-sql with the local engine", []string{"report", "--source", bad, "--print-sql"}, exitUsage, nil},
		{"workgroup with the local engine", []string{"report", "--source", bad, "--workgroup", "wg"}, exitUsage, nil},
		{"region typo", []string{"report", "--source", bad, "--region", "us-east1"}, exitUsage, nil},
		{"no log files", []string{"report", "--source", empty, "--since", "2025-11-03"}, exitOK, nil},
		{"no log files, strict", []string{"report", "--source", empty, "--since", "2025-11-03", "--strict"}, exitData, nil},
		{"unknown engine", []string{"report", "--engine", "spark", "--source", bad}, exitUsage, nil},
		{"athena without AWS", []string{"report", "--engine", "athena", "--since", "1d", "--offline"}, exitError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli := newTestCLI(t)
			args := tt.args
			if !strings.Contains(strings.Join(args, " "), "--format") {
				args = append(args, "--format", "json")
			}
			if got := cli.run(args...); got != tt.want {
				t.Errorf("exit code: got %d, want %d; stderr: %s", got, tt.want, cli.errOut)
			}
			if tt.want != exitOK && !strings.Contains(cli.errOut.String(), "bedrock-usage: ") {
				t.Errorf("stderr: got %q, want an error message", cli.errOut)
			}
			for _, part := range tt.stderr {
				if !strings.Contains(cli.errOut.String(), part) {
					t.Errorf("stderr: got %q, want it to hold %q", cli.errOut, part)
				}
			}
		})
	}
}

func TestReportPrintSQL(t *testing.T) {
	cli := newTestCLI(t) // its AWS configuration always fails: --print-sql must not need it
	code := cli.run("report", "--engine", "athena", "--print-sql", "--since", "2025-11-01", "--until", "2025-11-02",
		"--region", "us-east-1,eu-central-1", "--user", "O'Brien", "--offline")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	out := cli.out.String()
	for _, want := range []string{
		"-- region us-east-1:", "-- region eu-central-1:",
		`"dt" BETWEEN '2025/11/01/00' AND '2025/11/03/00'`, "'O''Brien'",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--print-sql output lacks %q:\n%s", want, out)
		}
	}
	if got := strings.Count(out, "GROUP BY"); got != 2 {
		t.Errorf("got %d queries, want one per region (2)", got)
	}
}

func TestReportWarnsWhenNoLogsFound(t *testing.T) {
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", t.TempDir(), "--format", "json"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	if !strings.Contains(cli.errOut.String(), "warning: no log files found in") {
		t.Errorf("stderr: got %q, want a warning that no log files were found", cli.errOut)
	}
}

// TestReportAthenaAccountFromSTS runs the Athena engine against a fake endpoint: the account
// comes from sts:GetCallerIdentity and names the result location of each query.
func TestReportAthenaAccountFromSTS(t *testing.T) {
	var mu sync.Mutex
	var stsCalls int
	var starts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(string(body), "Action=GetCallerIdentity") {
			stsCalls++
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
				`<Arn>arn:aws:sts::210987654321:assumed-role/BedrockUsage-Reporting/ci</Arn><UserId>AROAEXAMPLE:ci</UserId>`+
				`<Account>210987654321</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
			return
		}
		if r.Header.Get("X-Amz-Target") == "AmazonAthena.StartQueryExecution" {
			starts = append(starts, string(body))
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"InvalidRequestException","Message":"this fake runs no queries"}`)
	}))
	defer srv.Close()
	cli := newTestCLI(t)
	cli.withEndpoint(srv.URL)
	code := cli.run("report", "--engine", "athena", "--since", "2025-11-01", "--until", "2025-11-01", "--region", "us-east-1", "--offline", "--format", "json")
	if code != exitError {
		t.Errorf("exit: got %d, want %d (the only region failed)", code, exitError)
	}
	if !strings.Contains(cli.errOut.String(), "this fake runs no queries") {
		t.Errorf("stderr: got %q, want Athena's message", cli.errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if stsCalls != 1 {
		t.Errorf("GetCallerIdentity calls: got %d, want 1", stsCalls)
	}
	if len(starts) == 0 || !strings.Contains(starts[0], "s3://bedrock-analytics-210987654321-us-east-1/") {
		t.Errorf("StartQueryExecution: got %q, want the result location of account 210987654321", starts)
	}
}

func TestVerdict(t *testing.T) {
	cost := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	tests := []struct {
		name     string
		opts     reportOptions
		rep      analytics.Report
		budget   string
		wantCode int
	}{
		{"clean", reportOptions{}, analytics.Report{Scan: analytics.Scan{Engine: "local"}}, "", exitOK},
		{"failed region", reportOptions{}, analytics.Report{Failures: []string{"eu-central-1: boom"}, Scan: analytics.Scan{Engine: "athena"}}, "", exitOK},
		{"failed region, strict", reportOptions{Strict: true}, analytics.Report{Failures: []string{"eu-central-1: boom"}, Scan: analytics.Scan{Engine: "athena"}}, "", exitData},
		{"over budget", reportOptions{Budget: "5"}, analytics.Report{Totals: analytics.Totals{Cost: cost("5.01")}, Scan: analytics.Scan{Engine: "local"}}, "5", exitOverBudget},
		{"at budget", reportOptions{Budget: "5"}, analytics.Report{Totals: analytics.Totals{Cost: cost("5")}, Scan: analytics.Scan{Engine: "local"}}, "5", exitOK},
		{"data problems win over budget", reportOptions{Budget: "5", StrictPricing: true}, analytics.Report{Totals: analytics.Totals{Cost: cost("9"), UnpricedCalls: 2}, Scan: analytics.Scan{Engine: "local"}}, "5", exitData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli := newTestCLI(t)
			tt.opts.IO = cli.f.IO
			budget := decimal.Zero
			if tt.budget != "" {
				budget = cost(tt.budget)
			}
			err := verdict(&tt.opts, &tt.rep, budget, nil)
			got := exitOK
			var ee *exitErr
			if errors.As(err, &ee) {
				got = ee.code
			} else if err != nil {
				got = exitError
			}
			if got != tt.wantCode {
				t.Errorf("got exit %d (%v), want %d", got, err, tt.wantCode)
			}
			if len(tt.rep.Failures) > 0 && !tt.opts.Strict && !strings.Contains(cli.errOut.String(), "warning: 1 part(s) of the query failed") {
				t.Errorf("stderr: got %q, want a warning about the failed region", cli.errOut)
			}
		})
	}
}

// TestNewCmdReportFlags parses flags into the options without running the report.
func TestNewCmdReportFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want reportRequest
		fmt  string
	}{
		{"defaults", nil, reportRequest{Top: 10}, ""},
		{"filters and range", []string{"--since", "7d", "--region", "us-east-1,eu-central-1", "--app", "A", "--group-by", "metadata.team", "--top", "3", "-f", "csv"},
			reportRequest{Since: "7d", Regions: []string{"us-east-1,eu-central-1"}, Apps: []string{"A"}, GroupBy: []string{"metadata.team"}, Top: 3}, "csv"},
		{"a value is kept whole (no CSV parsing): quotes and line breaks reach the checks", []string{"--user", `"a,b"`, "--user", "c\nd"},
			reportRequest{Users: []string{`"a,b"`, "c\nd"}, Top: 10}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli := newTestCLI(t)
			var got *reportOptions
			cmd := NewCmdReport(cli.f, func(_ context.Context, o *reportOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.reportRequest); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if got.Format != tc.fmt || got.Engine != "local" {
				t.Errorf("format %q engine %q, want %q local", got.Format, got.Engine, tc.fmt)
			}
		})
	}
}

// TestReportPricesCacheWritesByTTL writes three calls whose logged bodies state their cache
// TTLs in each of the three shapes Bedrock logs, and one without a body, and checks the
// report's cost against rates written here (Claude Sonnet 4.5, global: input $3, cache write
// $3.75 for 5 minutes and $6 for 1 hour, per million tokens).
func TestReportPricesCacheWritesByTTL(t *testing.T) {
	dir := t.TempDir()
	hour := filepath.Join(dir, "AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/02/10")
	if err := os.MkdirAll(hour, 0o755); err != nil {
		t.Fatal(err)
	}
	rec := func(id, op string, cw int64, body string) string {
		b := ""
		if body != "" {
			b = `,"outputBodyJson":` + body
		}
		return fmt.Sprintf(`{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-03-02T10:00:00Z","accountId":"123456789012","identity":{"arn":"arn:aws:iam::123456789012:user/ann"},"region":"us-east-1","requestId":"%s","operation":"%s","modelId":"global.anthropic.claude-sonnet-4-5-20250929-v1:0","input":{"inputTokenCount":100000,"cacheWriteInputTokenCount":%d},"output":{"outputTokenCount":0%s}}`, id, op, cw, b)
	}
	lines := []string{
		rec("converse", "Converse", 50000, `{"usage":{"cacheWriteInputTokens":50000,"cacheDetails":[{"ttl":"1h","inputTokens":30000},{"ttl":"5m","inputTokens":20000}]}}`),
		rec("invoke", "InvokeModel", 50000, `{"usage":{"cache_creation_input_tokens":50000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":50000}}}`),
		rec("stream", "InvokeModelWithResponseStream", 50000, `[{"type":"message_start","message":{"usage":{"cache_creation":{"ephemeral_5m_input_tokens":50000,"ephemeral_1h_input_tokens":0}}}},"[DONE]"]`),
		rec("nobody", "Converse", 50000, ""),
	}
	if err := os.WriteFile(filepath.Join(hour, "a.json"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2026-03-02", "--until", "2026-03-02", "--format", "json", "--offline"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	var doc struct {
		Totals struct {
			Cost     string `json:"cost_usd"`
			OneHour  int64  `json:"cache_write_1h_tokens"`
			Unknown  int64  `json:"cache_write_ttl_unknown_tokens"`
			Writes   int64  `json:"cache_write_tokens"`
			MaxExtra string `json:"cache_write_ttl_unknown_max_extra_usd"`
			Unpriced int64  `json:"unpriced_calls"`
		} `json:"totals"`
	}
	if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// Input 0.4 MTok × $3; 1-hour writes 0.03 + 0.05 MTok × $6; 5-minute writes 0.02 + 0.05
	// MTok × $3.75, and the write without a body (0.05 MTok) at the 5-minute rate too, up to
	// 0.05 MTok × ($6 − $3.75) more. (Every call stays under the 200K long-context tier.)
	wantCost := decimal.RequireFromString("1.2").Add(decimal.RequireFromString("0.48")).Add(decimal.RequireFromString("0.2625")).Add(decimal.RequireFromString("0.1875"))
	if got := decimal.RequireFromString(doc.Totals.Cost); !got.Equal(wantCost) {
		t.Errorf("cost: got %s, want %s", got, wantCost)
	}
	if doc.Totals.OneHour != 80000 || doc.Totals.Unknown != 50000 || doc.Totals.Writes != 200000 || doc.Totals.Unpriced != 0 {
		t.Errorf("totals: got %+v, want 80,000 1-hour, 50,000 unknown of 200,000 writes, none unpriced", doc.Totals)
	}
	if got := decimal.RequireFromString(doc.Totals.MaxExtra); !got.Equal(decimal.RequireFromString("0.1125")) {
		t.Errorf("unknown-TTL range: got %s, want 0.1125", got)
	}
}

func TestReportPricesServiceTiers(t *testing.T) {
	dir := t.TempDir()
	hour := filepath.Join(dir, "AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/02/10")
	if err := os.MkdirAll(hour, 0o755); err != nil {
		t.Fatal(err)
	}
	rec := func(id, op, model, body string) string {
		b := ""
		if body != "" {
			b = `,"outputBodyJson":` + body
		}
		return fmt.Sprintf(`{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-03-02T10:00:00Z","accountId":"123456789012","identity":{"arn":"arn:aws:iam::123456789012:user/ann"},"region":"us-east-1","requestId":"%s","operation":"%s","modelId":"%s","input":{"inputTokenCount":100000},"output":{"outputTokenCount":1000000%s}}`, id, op, model, b)
	}
	lines := []string{
		rec("p", "Converse", "amazon.nova-pro-v1:0", `{"output":{"message":{"content":[]}},"usage":{"inputTokens":1000000},"serviceTier":{"type":"priority"}}`),
		rec("f", "ConverseStream", "amazon.nova-pro-v1:0", `[{"metadata":{"usage":{"inputTokens":1000000},"serviceTier":{"type":"flex"}}}]`),
		rec("d", "Converse", "amazon.nova-pro-v1:0", `{"serviceTier":{"type":"default"}}`),
		rec("i", "InvokeModel", "amazon.nova-pro-v1:0", `{"output":{"message":{}}}`), // InvokeModel logs no tier
		rec("m", "InvokeModel", "amazon.nova-micro-v1:0", ""),                        // a model without tier prices
		rec("r", "Converse", "amazon.nova-pro-v1:0", `{"serviceTier":{"type":"reserved"}}`),
	}
	if err := os.WriteFile(filepath.Join(hour, "a.json"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2026-03-02", "--until", "2026-03-02", "--format", "json", "--offline", "--group-by", "service_tier"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	var doc struct {
		Totals struct {
			Cost     string           `json:"cost_usd"`
			Unpriced int64            `json:"unpriced_calls"`
			Tiers    map[string]int64 `json:"service_tiers"`
		} `json:"totals"`
		Groups []struct {
			Tier string `json:"service_tier"`
			Cost string `json:"cost_usd"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// 0.1 MTok in and 1 MTok out each: priority 0.14 + 5.60, flex 0.04 + 1.60, default and
	// the InvokeModel call (no tier logged) at standard 0.08 + 3.20 each, Nova Micro 0.0035 +
	// 0.14; the Reserved call is unpriced.
	want := map[string]string{"priority": "5.74", "flex": "1.64", "default": "3.28", "not_stated": "3.4235"}
	for _, g := range doc.Groups {
		if w, ok := want[g.Tier]; ok && !decimal.RequireFromString(g.Cost).Equal(decimal.RequireFromString(w)) {
			t.Errorf("%s: got cost %s, want %s", g.Tier, g.Cost, w)
		}
		delete(want, g.Tier)
	}
	if len(want) > 0 {
		t.Errorf("no group line for %v", want)
	}
	if got, wantTotal := decimal.RequireFromString(doc.Totals.Cost), decimal.RequireFromString("14.0835"); !got.Equal(wantTotal) || doc.Totals.Unpriced != 1 {
		t.Errorf("totals: got %s with %d unpriced calls, want %s with the Reserved call unpriced", got, doc.Totals.Unpriced, wantTotal)
	}
	wantTiers := map[string]int64{"priority": 1, "flex": 1, "default": 1, "reserved": 1, "not_stated": 2, "not_stated_on_tiered_models": 1}
	if diff := cmp.Diff(wantTiers, doc.Totals.Tiers); diff != "" {
		t.Errorf("service_tiers (-want +got):\n%s", diff)
	}
	// The table says so.
	if code := cli.run("report", "--source", dir, "--since", "2026-03-02", "--until", "2026-03-02", "--format", "table", "--offline"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	if out := cli.out.String(); !strings.Contains(out, "Service tiers (calls): 1 priority, 1 default, 1 flex, 1 reserved, 2 not stated; 1 call of models with Priority or Flex prices state no tier") {
		t.Errorf("table lacks the service-tier line:\n%s", out)
	}
}

// TestReportPricesGuardrails reports the published Elastic records, five of which carry a
// guardrail trace, and checks the guardrail units and cost against an independent walk of
// the same records with encoding/json: units priced at the book's us-east-1 rates from
// 2024-12-10, earlier ones unpriced.
func TestReportPricesGuardrails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, fixtures.ElasticName), fixtures.Elastic(), 0o644); err != nil {
		t.Fatal(err)
	}
	rates := map[string]string{"topicPolicyUnits": "0.15", "contentPolicyUnits": "0.15", "wordPolicyUnits": "0",
		"sensitiveInformationPolicyUnits": "0.10", "sensitiveInformationPolicyFreeUnits": "0", "contextualGroundingPolicyUnits": "0.10"}
	cut := time.Date(2024, 12, 10, 0, 0, 0, 0, time.UTC)
	var units, unpriced int64
	wantCost := decimal.Zero
	for line := range strings.SplitSeq(string(fixtures.Elastic()), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r struct {
			Timestamp time.Time `json:"timestamp"`
			Output    struct {
				Body any `json:"outputBodyJson"`
			} `json:"output"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if n, ok := x.(float64); ok && strings.HasSuffix(k, "Units") {
						units += int64(n)
						if r.Timestamp.Before(cut) {
							unpriced += int64(n)
						} else {
							wantCost = wantCost.Add(decimal.RequireFromString(rates[k]).Mul(decimal.NewFromFloat(n)).Div(decimal.NewFromInt(1000)))
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
		walk(r.Output.Body)
	}
	if units == 0 || unpriced == 0 || wantCost.IsZero() {
		t.Fatalf("the fixture has %d units, %d before the price (cost %s): the test checks nothing", units, unpriced, wantCost)
	}
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2024-01-01", "--until", "2026-12-01", "--format", "json", "--offline"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	var doc struct {
		Totals map[string]any `json:"totals"`
	}
	if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var gotUnits int64
	for k, v := range doc.Totals {
		if strings.HasPrefix(k, "guardrail_") && strings.HasSuffix(k, "_units") && k != "guardrail_unpriced_units" {
			gotUnits += int64(v.(float64))
		}
	}
	if gotUnits != units || int64(doc.Totals["guardrail_unpriced_units"].(float64)) != unpriced {
		t.Errorf("got %d units, %v unpriced, want %d and %d", gotUnits, doc.Totals["guardrail_unpriced_units"], units, unpriced)
	}
	if got := decimal.RequireFromString(doc.Totals["guardrail_cost_usd"].(string)); !got.Equal(wantCost) {
		t.Errorf("guardrail cost: got %s, want %s", got, wantCost)
	}
	total := decimal.RequireFromString(doc.Totals["cost_usd"].(string)).Add(wantCost)
	if got := decimal.RequireFromString(doc.Totals["total_cost_usd"].(string)); !got.Equal(total) {
		t.Errorf("total cost: got %s, want model %s + guardrails %s", got, doc.Totals["cost_usd"], wantCost)
	}
	// --strict-pricing fails on the unpriced units.
	if code := cli.run("report", "--source", dir, "--since", "2024-01-01", "--until", "2026-12-01", "--format", "json", "--offline", "--strict-pricing"); code != exitData || !strings.Contains(cli.errOut.String(), "guardrail units are unpriced") {
		t.Errorf("--strict-pricing: exit %d, stderr %q; want exit %d naming the unpriced guardrail units", code, cli.errOut, exitData)
	}
}

// TestReportOutputIsAtomic: --output replaces the file whole, through a temporary file in
// its folder, leaving nothing else behind.
func TestReportOutputIsAtomic(t *testing.T) {
	dir := generate(t)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "report.json")
	if err := os.WriteFile(out, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--format", "json", "--output", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil || !json.Valid(b) || !strings.Contains(string(b), `"schema"`) {
		t.Errorf("output %q (%v), want the JSON report", b, err)
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 1 {
		t.Errorf("the output folder holds %d entries, want only the report", len(entries))
	}
}

// TestEndedPriceIsOneUnpricedLine: calls of a model whose price ended (public extended
// access) on several days make one line of the unpriced list, saying why.
func TestEndedPriceIsOneUnpricedLine(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for _, day := range []string{"2026-08-01", "2026-08-02", "2026-08-03"} {
		lines = append(lines, fmt.Sprintf(`{"schemaType":"ModelInvocationLog","timestamp":"%sT10:00:00Z","accountId":"123456789012","identity":{"arn":"arn:aws:iam::123456789012:user/ann"},"region":"us-east-1","operation":"Converse","modelId":"us.anthropic.claude-sonnet-4-20250514-v1:0","input":{"inputTokenCount":10},"output":{"outputTokenCount":1}}`, day))
	}
	if err := os.WriteFile(filepath.Join(dir, "calls.json"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2026-08-01", "--until", "2026-08-03", "--format", "json", "--offline"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	var doc struct {
		Unpriced []struct {
			Reason string `json:"reason"`
			Calls  int64  `json:"calls"`
		} `json:"unpriced"`
	}
	if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Unpriced) != 1 || doc.Unpriced[0].Calls != 3 || !strings.Contains(doc.Unpriced[0].Reason, "ended on 2026-07-14") {
		t.Errorf("unpriced %+v, want one line of 3 calls saying the price ended on 2026-07-14", doc.Unpriced)
	}
}

// TestListFlagValues: list flags split at commas (not at escaped ones), say when an --app or
// --user value was split, and refuse values with line breaks or control characters rather
// than cutting them.
func TestListFlagValues(t *testing.T) {
	tests := []struct {
		name      string
		req       reportRequest
		wantUsers []string
		wantApps  []string
		wantNotes int
		wantErr   string
	}{
		{"plain values", reportRequest{Users: []string{"ann", "bob"}}, []string{"ann", "bob"}, nil, 0, ""},
		{"a comma splits, with a note", reportRequest{Users: []string{"ann,bob"}}, []string{"ann", "bob"}, nil, 1, ""},
		{"an escaped comma stays in the name", reportRequest{Users: []string{`ann\,bob`}, Apps: []string{`A\\B`}}, []string{"ann,bob"}, []string{`A\B`}, 0, ""},
		{"repeats and empties dropped", reportRequest{Apps: []string{"A,,A", " B "}}, nil, []string{"A", "B"}, 0, ""},
		{"a line break is refused", reportRequest{Users: []string{"a\nb"}}, nil, nil, 0, "--user"},
		{"a carriage return is refused", reportRequest{Apps: []string{"A\r"}}, nil, nil, 0, "--app"},
		{"an escape character is refused", reportRequest{Models: []string{"m\x1b[31m"}}, nil, nil, 0, "--model"},
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, _, _, err := tc.req.query(now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "control character") {
					t.Fatalf("got error %v, want a usage error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantUsers, q.Users); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantApps, q.Apps); diff != "" {
				t.Errorf("apps (-want +got):\n%s", diff)
			}
			if got := tc.req.splitNotes(); len(got) != tc.wantNotes {
				t.Errorf("got notes %q, want %d", got, tc.wantNotes)
			}
		})
	}
}

// TestReportOutputs: --output follows each file's extension unless --format is given, one
// scan writes several files, and a name whose format cannot be told is a usage error before
// any scan.
func TestReportOutputs(t *testing.T) {
	dir := generate(t)
	tests := []struct {
		name  string
		files []string
		extra []string
		// want maps each file to the start of what it must hold.
		want map[string]string
		code int
	}{
		{"one scan, four files", []string{"r.json", "s.md", "t.csv", "u.HTML"}, nil,
			map[string]string{"r.json": "{", "s.md": "## Bedrock usage", "t.csv": "view,", "u.HTML": "<!doctype html>"}, exitOK},
		{"a table file", []string{"r.txt"}, nil, map[string]string{"r.txt": "Bedrock usage"}, exitOK},
		{"--format overrides the extension", []string{"r.md"}, []string{"--format", "json"}, map[string]string{"r.md": "{"}, exitOK},
		{"an unknown extension", []string{"r.yaml"}, nil, nil, exitUsage},
		{"an unknown extension with --format", []string{"r.yaml"}, []string{"--format", "csv"}, map[string]string{"r.yaml": "view,"}, exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14"}
			for _, f := range tc.files {
				args = append(args, "--output", filepath.Join(out, f))
			}
			cli := newTestCLI(t)
			if code := cli.run(append(args, tc.extra...)...); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, cli.errOut)
			}
			if cli.out.Len() != 0 {
				t.Errorf("standard output: got %d bytes, want none (the report went to files)", cli.out.Len())
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != len(tc.want) {
				t.Errorf("got %d files, want %d", len(entries), len(tc.want))
			}
			for f, prefix := range tc.want {
				b, err := os.ReadFile(filepath.Join(out, f))
				if err != nil || !strings.HasPrefix(string(b), prefix) {
					t.Errorf("%s: got %.40q (%v), want it to begin with %q", f, b, err, prefix)
				}
			}
		})
	}
}

// TestReportCalendarRanges: --since and --until take calendar periods in the --timezone, the
// JSON states the zone, and the daily view lists every day of the period in it.
func TestReportCalendarRanges(t *testing.T) {
	dir := generate(t)
	tests := []struct {
		name             string
		args             []string
		since, until, tz string
		days             int
		code             int
	}{
		{"a month without calls lists its days", []string{"--since", "2025-10"}, "2025-10-01T00:00:00Z", "2025-11-01T00:00:00Z", "UTC", 31, exitOK},
		{"an ISO week in Berlin", []string{"--since", "2025-W45", "--timezone", "Europe/Berlin"}, "2025-11-02T23:00:00Z", "2025-11-09T23:00:00Z", "Europe/Berlin", 7, exitOK},
		{"two days in New York", []string{"--since", "2025-11-03", "--until", "2025-11-04", "--timezone", "America/New_York"}, "2025-11-03T05:00:00Z", "2025-11-05T05:00:00Z", "America/New_York", 2, exitOK},
		{"an unknown zone", []string{"--since", "2025-11", "--timezone", "Mars/Olympus"}, "", "", "", 0, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli := newTestCLI(t)
			code := cli.run(append([]string{"report", "--source", dir, "--format", "json"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, cli.errOut)
			}
			if code != exitOK {
				return
			}
			var doc struct {
				Period struct {
					Since    string `json:"since"`
					Until    string `json:"until"`
					TimeZone string `json:"time_zone"`
				} `json:"period"`
				Daily []struct {
					Date    string `json:"date"`
					Partial bool   `json:"partial"`
				} `json:"daily"`
			}
			if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := []string{doc.Period.Since, doc.Period.Until, doc.Period.TimeZone}, []string{tc.since, tc.until, tc.tz}; !slices.Equal(got, want) {
				t.Errorf("period: got %q, want %q", got, want)
			}
			if len(doc.Daily) != tc.days {
				t.Errorf("got %d days in the daily view, want %d (every day of the period)", len(doc.Daily), tc.days)
			}
			for _, d := range doc.Daily {
				if d.Partial {
					t.Errorf("day %s is marked partial; the period covers whole days", d.Date)
				}
			}
		})
	}
}

// TestRenderSavedReport: render writes a saved JSON report in each format exactly as report
// would have, from a file or standard input, and refuses what is not a report.
func TestRenderSavedReport(t *testing.T) {
	dir := generate(t)
	saved := filepath.Join(t.TempDir(), "report.json")
	args := []string{"report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--budget", "1000", "--app", "ChatbotApp-BedrockRole"}
	cli := newTestCLI(t)
	if code := cli.run(append(args, "--output", saved)...); code != exitOK {
		t.Fatalf("report exit %d: %s", code, cli.errOut)
	}
	for _, format := range []string{"markdown", "table", "csv", "html", "json"} {
		t.Run(format, func(t *testing.T) {
			cli := newTestCLI(t)
			if code := cli.run(append(args, "--format", format)...); code != exitOK {
				t.Fatalf("report exit %d: %s", code, cli.errOut)
			}
			want := cli.out.String()
			if code := cli.run("render", saved, "--format", format); code != exitOK {
				t.Fatalf("render exit %d: %s", code, cli.errOut)
			}
			if diff := cmp.Diff(want, cli.out.String()); diff != "" {
				t.Errorf("render differs from report (-report +render):\n%s", diff)
			}
		})
	}
	t.Run("from standard input", func(t *testing.T) {
		cli := newTestCLI(t)
		data, err := os.ReadFile(saved)
		if err != nil {
			t.Fatal(err)
		}
		cli.f.IO.In = bytes.NewReader(data)
		if code := cli.run("render", "-", "--format", "markdown"); code != exitOK || !strings.HasPrefix(cli.out.String(), "## Bedrock usage") {
			t.Errorf("exit %d, output %.60q: %s", code, cli.out, cli.errOut)
		}
	})
	t.Run("not a report", func(t *testing.T) {
		cli := newTestCLI(t)
		if code := cli.run("render", filepath.Join(dir, "..", filepath.Base(dir))); code != exitError {
			t.Errorf("exit %d, want %d: %s", code, exitError, cli.errOut)
		}
	})
}

// TestReportSort: --sort orders the lines of every view but the time views by the measure,
// largest first, and is checked before any scan.
func TestReportSort(t *testing.T) {
	dir := generate(t)
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--format", "json", "--sort", "input_tokens"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	var doc map[string][]map[string]any
	_ = json.Unmarshal(cli.out.Bytes(), &doc) // the non-array members fail to fit and are left out
	for _, view := range []string{"by_principal", "by_app_user", "by_model", "by_region"} {
		lines := doc[view]
		if len(lines) < 2 {
			t.Fatalf("%s: %d lines, want several", view, len(lines))
		}
		for i := 1; i < len(lines); i++ {
			if a, b := lines[i-1]["input_tokens"].(float64), lines[i]["input_tokens"].(float64); a < b {
				t.Errorf("%s: line %d has %v input tokens after %v: want largest first", view, i, b, a)
			}
		}
	}
	if days := doc["daily"]; len(days) < 2 || days[0]["date"].(string) > days[1]["date"].(string) {
		t.Errorf("daily: want date order whatever --sort says")
	}
	if code := cli.run("report", "--source", dir, "--sort", "colour"); code != exitUsage || !strings.Contains(cli.errOut.String(), "input_tokens") {
		t.Errorf("--sort colour: exit %d, stderr %q; want a usage error listing the measures", code, cli.errOut)
	}
}

// TestCompletion: flag values complete from the lists the flags accept.
func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report", "--format", ""}, "markdown"},
		{[]string{"report", "--group-by", "app,"}, "app,metadata."},
		{[]string{"report", "--since", ""}, "last-month"},
		{[]string{"render", "x.json", "--sort", ""}, "total_cost"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cli := newTestCLI(t)
			if code := cli.run(append([]string{"__complete"}, tc.args...)...); code != exitOK {
				t.Fatalf("exit %d: %s", code, cli.errOut)
			}
			if !slices.Contains(strings.Split(cli.out.String(), "\n"), tc.want) {
				t.Errorf("completions %q lack %q", cli.out, tc.want)
			}
		})
	}
}

// TestReportTableFitsTerminal: on a narrow terminal the table cuts its text columns with
// "…"; written to a file, or without a known width, it cuts nothing.
func TestReportTableFitsTerminal(t *testing.T) {
	dir := generate(t)
	args := []string{"report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--format", "table"}
	for _, width := range []int{0, 70} {
		cli := newTestCLI(t)
		cli.f.IO.Width = width
		if code := cli.run(args...); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		if got, want := regexp.MustCompile(`[A-Za-z0-9-]…`).MatchString(cli.out.String()), width > 0; got != want {
			t.Errorf("width %d: cut cells %v, want %v:\n%s", width, got, want, cli.out)
		}
	}
}

// TestCompletionFromSeenValues: --app, --region and --model complete with the values the
// last report saw.
func TestCompletionFromSeenValues(t *testing.T) {
	dir := generate(t)
	cli := newTestCLI(t)
	if code := cli.run("report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--format", "json"); code != exitOK {
		t.Fatalf("exit %d: %s", code, cli.errOut)
	}
	for flag, want := range map[string]string{"--app": "ChatbotApp-BedrockRole", "--region": "us-east-1", "--model": "anthropic.claude-3-haiku-20240307-v1:0"} {
		if code := cli.run("__complete", "report", flag, ""); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		if !slices.Contains(strings.Split(cli.out.String(), "\n"), want) {
			t.Errorf("%s completes %q, want it to offer %q", flag, cli.out, want)
		}
	}
}
