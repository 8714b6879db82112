package athena

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

var testNow = time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)

func testQuery(t *testing.T) analytics.Query {
	return analytics.Query{Since: mustTime(t, "2025-11-01T00:00:00Z"), Until: mustTime(t, "2025-11-02T00:00:00Z"), Regions: []string{"us-east-1"}}
}

// athenaCols are the usage query's columns as Athena's ColumnInfo types them.
var athenaCols = wantColumns(0)

func strs(vals ...string) []*string {
	out := make([]*string, len(vals))
	for i, v := range vals {
		out[i] = aws.String(v)
	}
	return out
}

const (
	obrienARN = "arn:aws:sts::111122223333:assumed-role/ChatbotApp-BedrockRole/O'Brien"
	bobARN    = "arn:aws:iam::111122223333:user/dev/bob"
)

// twoRows and wantTwoRows are a result and the usage rows it means, worked out by hand.
var twoRows = [][]*string{
	strs("2025-11-01 10:00:00.000", "us-east-1", "111122223333", obrienARN, "us.anthropic.claude-3-haiku-20240307-v1:0", "Converse", "", "us-west-2", "false", "false", "", "record", "3", "300", "90", "10", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"),
	strs("2025-11-01 09:00:00.000", "us-east-1", "111122223333", bobARN, "amazon.titan-text-express-v1", "InvokeModel", "ValidationException", "", "true", "true", "priority", "record", "1", "250000", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"),
}

var wantTwoRows = []analytics.Row{
	{Key: analytics.Key{Hour: time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC), Region: "us-east-1", Account: "111122223333",
		Principal: "bob", PrincipalKind: "iam-user", User: "bob", Model: "amazon.titan-text-express-v1",
		Operation: "InvokeModel", ErrorCode: "ValidationException", LongContext: true, Over100K: true, ServiceTier: "priority"},
		Measures: analytics.Measures{Calls: 1, InputTokens: 250000}},
	{Key: analytics.Key{Hour: time.Date(2025, 11, 1, 10, 0, 0, 0, time.UTC), Region: "us-east-1", Account: "111122223333",
		Principal: "ChatbotApp-BedrockRole", PrincipalKind: "assumed-role", App: "ChatbotApp-BedrockRole", User: "O'Brien",
		Model: "us.anthropic.claude-3-haiku-20240307-v1:0", Operation: "Converse", InferenceRegion: "us-west-2"},
		Measures: analytics.Measures{Calls: 3, InputTokens: 300, OutputTokens: 90, CacheReadTokens: 10}},
}

func fastOptions() []Option {
	return []Option{
		WithPolling(time.Millisecond, 4*time.Millisecond),
		WithNow(func() time.Time { return testNow }),
	}
}

func newFakeSource(cfg Config, fakes map[string]*fakeAthena, srvs map[string]*httptest.Server, opts ...Option) *Source {
	clientFor := func(_ context.Context, region string) (API, error) {
		f, ok := fakes[region]
		if !ok {
			return nil, fmt.Errorf("no fake for %s", region)
		}
		return f.client(srvs[region]), nil
	}
	return New(cfg, clientFor, append(fastOptions(), opts...)...)
}

func oneFake(t *testing.T, opts ...Option) (*fakeAthena, *Source) {
	f, srv := newFakeAthena(t)
	return f, newFakeSource(Config{}, map[string]*fakeAthena{"us-east-1": f}, map[string]*httptest.Server{"us-east-1": srv}, opts...)
}

func TestRunnerSuccess(t *testing.T) {
	f, src := oneFake(t)
	f.states = []string{"QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"}
	f.cols, f.rows, f.scanned = athenaCols, twoRows, 123_456_789
	q := testQuery(t)
	q.Users = []string{"O'Brien", "bob"}
	res, err := src.Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTwoRows, res.AllRows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// 123,456,789 bytes = 117.74 MB, billed as 118 MB = 123,731,968 bytes at $5 per 10^12.
	if got := res.Scan; got.Engine != Engine || got.Int("queries") != 1 || got.Int("bytes_scanned") != 123_456_789 || got.Money("query_cost_usd").String() != "0.00061865984" {
		t.Errorf("scan: got %+v, want athena, 1 query, 123456789 bytes, cost 0.00061865984", got)
	}
	if got, want := f.count("GetQueryExecution"), 4; got != want {
		t.Errorf("GetQueryExecution calls: got %d, want %d", got, want)
	}
	if len(f.starts) != 1 {
		t.Fatalf("StartQueryExecution calls: got %d, want 1", len(f.starts))
	}
	wantSQL, wantParams, _ := src.SQL(q)
	in := f.starts[0]
	var gotParams []string
	for _, p := range in["ExecutionParameters"].([]any) {
		gotParams = append(gotParams, p.(string))
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"QueryString", in["QueryString"], wantSQL},
		{"ExecutionParameters", gotParams, wantParams},
		{"WorkGroup", in["WorkGroup"], "bedrock-usage"},
		{"QueryExecutionContext", in["QueryExecutionContext"], map[string]any{"Catalog": "AwsDataCatalog", "Database": "bedrock_analytics"}},
		{"ResultReuseConfiguration", in["ResultReuseConfiguration"], map[string]any{"ResultReuseByAgeConfiguration": map[string]any{"Enabled": true, "MaxAgeInMinutes": float64(60)}}},
		{"ResultConfiguration", in["ResultConfiguration"], nil},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("StartQueryExecution %s (-want +got):\n%s", c.name, diff)
		}
	}
	if tok, _ := in["ClientRequestToken"].(string); len(tok) < 32 {
		t.Errorf("ClientRequestToken: got %q, want a 32+ character token", tok)
	}
	if !slices.Contains(gotParams, "'O''Brien'") {
		t.Errorf("parameters %q: want the quoted user 'O''Brien'", gotParams)
	}
}

func TestRunnerStartOptions(t *testing.T) {
	tests := []struct {
		name          string
		cfg           Config
		until         time.Time
		wantReuse     bool
		wantOutputLoc any
	}{
		{"recent range: no reuse", Config{}, testNow.Add(-time.Hour), false, nil},
		{"range ended two hours ago: reuse", Config{}, testNow.Add(-2 * time.Hour), true, nil},
		{"account sets the result location", Config{Account: "111122223333", Workgroup: "wg", Database: "db_x", Table: "t_y"}, testNow, false,
			map[string]any{"OutputLocation": "s3://bedrock-analytics-111122223333-us-east-1/athena-results/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeAthena(t)
			f.cols = athenaCols
			src := newFakeSource(tc.cfg, map[string]*fakeAthena{"us-east-1": f}, map[string]*httptest.Server{"us-east-1": srv})
			q := analytics.Query{Since: tc.until.Add(-24 * time.Hour), Until: tc.until, Regions: []string{"us-east-1"}}
			if _, err := src.Usage(context.Background(), q); err != nil {
				t.Fatal(err)
			}
			in := f.starts[0]
			if _, got := in["ResultReuseConfiguration"]; got != tc.wantReuse {
				t.Errorf("result reuse: got %v, want %v", got, tc.wantReuse)
			}
			if diff := cmp.Diff(tc.wantOutputLoc, in["ResultConfiguration"]); diff != "" {
				t.Errorf("result configuration (-want +got):\n%s", diff)
			}
			if tc.cfg.Workgroup != "" {
				if in["WorkGroup"] != tc.cfg.Workgroup || !strings.Contains(in["QueryString"].(string), `FROM "db_x"."t_y"`) {
					t.Errorf("workgroup %v and SQL %v: want the configured workgroup, database and table", in["WorkGroup"], in["QueryString"])
				}
			}
		})
	}
}

func TestRunnerPages(t *testing.T) {
	f, src := oneFake(t, WithPageSize(3))
	f.pageSize = 3
	f.cols = athenaCols
	var want []analytics.Row
	for i := range 8 { // header + 2 rows, 3, 3: three pages
		f.rows = append(f.rows, strs(fmt.Sprintf("2025-11-01 %02d:00:00.000", i), "us-east-1", "111122223333", bobARN, "amazon.titan-text-express-v1", "InvokeModel", "", "", "false", "false", "", "record", "1", fmt.Sprint(i), "2", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"))
		want = append(want, analytics.Row{
			Key: analytics.Key{Hour: time.Date(2025, 11, 1, i, 0, 0, 0, time.UTC), Region: "us-east-1", Account: "111122223333",
				Principal: "bob", PrincipalKind: "iam-user", User: "bob", Model: "amazon.titan-text-express-v1", Operation: "InvokeModel"},
			Measures: analytics.Measures{Calls: 1, InputTokens: int64(i), OutputTokens: 2},
		})
	}
	res, err := src.Usage(context.Background(), testQuery(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, res.AllRows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got, want := f.count("GetQueryResults"), 3; got != want {
		t.Errorf("GetQueryResults calls: got %d, want %d", got, want)
	}
	if !slices.Equal(f.maxResults, []float64{3, 3, 3}) {
		t.Errorf("MaxResults: got %v, want [3 3 3]", f.maxResults)
	}
}

func TestRunnerFailedQuery(t *testing.T) {
	f, src := oneFake(t)
	f.states = []string{"RUNNING", "FAILED"}
	f.reason = "HIVE_BAD_DATA: Error parsing field value for field 4"
	f.scanned = 5_000_000
	res, err := src.Usage(context.Background(), testQuery(t))
	if err == nil {
		t.Fatalf("got result %+v, want an error", res)
	}
	var qe *QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("got %v, want a *QueryError in the chain", err)
	}
	want := QueryError{Region: "us-east-1", QueryExecutionID: "qid-1", State: "FAILED", Reason: f.reason, ErrorType: 1301, ErrorCategory: 2}
	if *qe != want {
		t.Errorf("got %+v, want %+v", *qe, want)
	}
	if !strings.Contains(err.Error(), "HIVE_BAD_DATA") {
		t.Errorf("error %q does not carry Athena's reason", err)
	}
	if got := f.count("GetQueryResults"); got != 0 {
		t.Errorf("GetQueryResults calls after FAILED: got %d, want 0", got)
	}
}

func TestRunnerThrottledStart(t *testing.T) {
	f, src := oneFake(t)
	f.startThrottles = 2
	f.cols, f.rows = athenaCols, twoRows
	res, err := src.Usage(context.Background(), testQuery(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTwoRows, res.AllRows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got := len(f.starts); got != 3 {
		t.Fatalf("StartQueryExecution calls: got %d, want 3 (two throttled)", got)
	}
	if a, b, c := f.starts[0]["ClientRequestToken"], f.starts[1]["ClientRequestToken"], f.starts[2]["ClientRequestToken"]; a != b || b != c {
		t.Errorf("client request tokens %v %v %v: want the same token on every retry", a, b, c)
	}

	// Throttled past the retry budget: the region fails with the throttling error.
	f2, src2 := oneFake(t)
	f2.startThrottles = 100
	_, err = src2.Usage(context.Background(), testQuery(t))
	if err == nil || !strings.Contains(err.Error(), "TooManyRequestsException") {
		t.Errorf("got %v, want a TooManyRequestsException error", err)
	}
	if got := len(f2.starts); got != 5 {
		t.Errorf("StartQueryExecution calls: got %d, want 5 (the retry budget)", got)
	}
}

func TestRunnerPollErrors(t *testing.T) {
	// Throttled status calls are retried.
	f, src := oneFake(t)
	f.pollThrottles = 3
	f.states = []string{"RUNNING", "SUCCEEDED"}
	f.cols, f.rows = athenaCols, twoRows
	res, err := src.Usage(context.Background(), testQuery(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTwoRows, res.AllRows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got := f.count("GetQueryExecution"); got != 5 {
		t.Errorf("GetQueryExecution calls: got %d, want 5 (3 throttled)", got)
	}

	// Any other error fails the region and stops the query.
	f2, src2 := oneFake(t)
	f2.pollError = "InternalServerException"
	_, err = src2.Usage(context.Background(), testQuery(t))
	if err == nil || !strings.Contains(err.Error(), "InternalServerException") {
		t.Errorf("got %v, want an InternalServerException error", err)
	}
	if !slices.Equal(f2.stopped, []string{"qid-1"}) {
		t.Errorf("StopQueryExecution: got %v, want [qid-1]", f2.stopped)
	}
}

func TestRunnerCancelStopsQuery(t *testing.T) {
	f, src := oneFake(t)
	f.states = []string{"RUNNING"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onPoll = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	_, err := src.Usage(ctx, testQuery(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.stopped, []string{"qid-1"}) {
		t.Errorf("StopQueryExecution: got %v, want [qid-1]", f.stopped)
	}
}

func TestRunnerTimeoutStopsQuery(t *testing.T) {
	f, src := oneFake(t, WithQueryTimeout(20*time.Millisecond))
	f.states = []string{"RUNNING"}
	_, err := src.Usage(context.Background(), testQuery(t))
	if !errors.Is(err, ErrQueryTimeout) {
		t.Errorf("got %v, want ErrQueryTimeout", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.stopped, []string{"qid-1"}) {
		t.Errorf("StopQueryExecution: got %v, want [qid-1]", f.stopped)
	}
}

func TestRunnerFailingRegion(t *testing.T) {
	good, goodSrv := newFakeAthena(t)
	good.cols, good.rows, good.scanned = athenaCols, twoRows, 1000
	bad, badSrv := newFakeAthena(t)
	bad.states = []string{"FAILED"}
	bad.reason = "Access denied when writing to location: s3://bedrock-analytics-111122223333-eu-central-1/athena-results/"
	limited, limitedSrv := newFakeAthena(t)
	limited.states = []string{"RUNNING", "CANCELLED"}
	limited.reason = "Query cancelled: it scanned more than the workgroup's per-query limit"
	limited.scanned = 2_000_000_000
	// eu-central-1 fails, us-west-2 is cancelled by the workgroup's scan limit, us-east-1
	// answers, ap-northeast-1 has no client at all.
	src := newFakeSource(Config{},
		map[string]*fakeAthena{"us-east-1": good, "eu-central-1": bad, "us-west-2": limited},
		map[string]*httptest.Server{"us-east-1": goodSrv, "eu-central-1": badSrv, "us-west-2": limitedSrv})
	q := testQuery(t)
	q.Regions = []string{"us-east-1", "eu-central-1", "ap-northeast-1", "us-west-2"}
	res, err := src.Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTwoRows, res.AllRows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	var regions []string
	for _, f := range res.Failures {
		regions = append(regions, f.Region)
	}
	if want := []string{"ap-northeast-1", "eu-central-1", "us-west-2"}; !slices.Equal(regions, want) {
		t.Fatalf("failed regions: got %v, want %v", regions, want)
	}
	var qe *QueryError
	if !errors.As(res.Failures[1], &qe) || qe.Reason != bad.reason {
		t.Errorf("eu-central-1 failure %v: want a QueryError with Athena's reason", res.Failures[1])
	}
	if !errors.As(res.Failures[2], &qe) || qe.State != "CANCELLED" || qe.Reason != limited.reason {
		t.Errorf("us-west-2 failure %v: want a CANCELLED QueryError with Athena's reason", res.Failures[2])
	}
	// Three queries ran. The failed one is not charged; the answered one pays the 10 MB
	// minimum (10,485,760 bytes); the cancelled one pays for its 2,000,000,000 bytes, billed as
	// 1,908 MB = 2,000,683,008 bytes. At $5 per 10^12 bytes: 0.0000524288 + 0.01000341504.
	if res.Scan.Int("queries") != 3 || res.Scan.Int("bytes_scanned") != 2_000_001_000 || res.Scan.Money("query_cost_usd").String() != "0.01005584384" {
		t.Errorf("stats: got %d queries, %d bytes, costing %s; want 3, 2000001000, 0.01005584384", res.Scan.Int("queries"), res.Scan.Int("bytes_scanned"), res.Scan.Money("query_cost_usd"))
	}
}

func TestRunnerBadResultValues(t *testing.T) {
	tests := []struct {
		name    string
		cols    []Column
		row     []*string
		wantErr string
	}{
		{"bad bigint", athenaCols, strs("2025-11-01 10:00:00.000", "us-east-1", "1", "a", "m", "op", "", "", "false", "false", "", "record", "three", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"), `column calls: bigint value "three"`},
		{"bad timestamp", athenaCols, strs("yesterday", "us-east-1", "1", "a", "m", "op", "", "", "false", "false", "", "record", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"), `column hour: timestamp value "yesterday"`},
		{"unknown line kind", athenaCols, strs("2025-11-01 10:00:00.000", "us-east-1", "1", "a", "m", "op", "", "", "false", "false", "", "gremlins", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"), `column line_kind: got "gremlins"`},
		{"missing column", athenaCols[:16], strs("2025-11-01 10:00:00.000", "us-east-1", "1", "a", "m", "op", "", "", "false", "false", "", "record", "1", "0", "0", "0"), `no column "cache_write_tokens"`},
		{"unexpected type", append(append(slices.Clone(athenaCols[:8]), Column{colLongContext, "array(varchar)"}), athenaCols[9:]...),
			strs("2025-11-01 10:00:00.000", "us-east-1", "1", "a", "m", "op", "", "", "[x]", "false", "", "record", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"), `column type "array(varchar)"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, src := oneFake(t)
			f.cols, f.rows = tc.cols, [][]*string{tc.row}
			_, err := src.Usage(context.Background(), testQuery(t))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestRunnerLargeResultFromS3 reads a result larger than the threshold from the CSV file in
// S3 (gofakes3) instead of paging on.
func TestRunnerLargeResultFromS3(t *testing.T) {
	backend := s3mem.New()
	s3srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3srv.Close)
	if err := backend.CreateBucket("bedrock-analytics-111122223333-us-east-1"); err != nil {
		t.Fatal(err)
	}
	s3c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", ""), HTTPClient: s3srv.Client(),
	})

	f, src := oneFake(t, WithPageSize(3), WithLargeResult(4),
		WithS3(func(context.Context, string) (ObjectGetter, error) { return s3c, nil }))
	f.pageSize = 3
	f.cols = athenaCols
	f.outputLocation = "s3://bedrock-analytics-111122223333-us-east-1/athena-results/qid-1.csv"
	var csv strings.Builder
	csv.WriteString(`"hour","region","account","arn","model","operation","error_code","inference_region","long_context","over_100k","service_tier","line_kind","calls","input_tokens","output_tokens","cache_read_tokens","cache_write_tokens","cache_write_1h_tokens","cache_write_ttl_unknown_tokens","guardrail_content_units","guardrail_content_image_units","guardrail_topic_units","guardrail_word_units","guardrail_pii_units","guardrail_pii_free_units","guardrail_grounding_units","guardrail_automated_reasoning_units"` + "\n")
	var want []analytics.Row
	for i := range 9 {
		row := strs(fmt.Sprintf("2025-11-01 %02d:00:00.000", i), "us-east-1", "111122223333", obrienARN, "anthropic.claude-3-haiku-20240307-v1:0", "ConverseStream", "", "", "false", "false", "", "record", "2", fmt.Sprint(100+i), "7", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0")
		f.rows = append(f.rows, row)
		var q []string
		for _, v := range row {
			q = append(q, `"`+strings.ReplaceAll(*v, `"`, `""`)+`"`)
		}
		csv.WriteString(strings.Join(q, ",") + "\n")
		want = append(want, analytics.Row{
			Key: analytics.Key{Hour: time.Date(2025, 11, 1, i, 0, 0, 0, time.UTC), Region: "us-east-1", Account: "111122223333",
				Principal: "ChatbotApp-BedrockRole", PrincipalKind: "assumed-role", App: "ChatbotApp-BedrockRole", User: "O'Brien",
				Model: "anthropic.claude-3-haiku-20240307-v1:0", Operation: "ConverseStream"},
			Measures: analytics.Measures{Calls: 2, InputTokens: int64(100 + i), OutputTokens: 7},
		})
	}
	// A group whose records had no readable timestamp: hour is NULL, an unquoted empty field.
	csv.WriteString(`,"us-east-1","111122223333","` + obrienARN + `","m","Converse","","","false","false","","record","4","1","1","0","0","0","0","0","0","0","0","0","0","0","0"` + "\n")
	if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("bedrock-analytics-111122223333-us-east-1"), Key: aws.String("athena-results/qid-1.csv"),
		Body: strings.NewReader(csv.String()),
	}); err != nil {
		t.Fatal(err)
	}

	res, err := src.Usage(context.Background(), testQuery(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, res.AllRows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got := res.Skipped.MalformedLines; got != 4 {
		t.Errorf("malformed lines: got %d, want 4 (the NULL-hour group's calls)", got)
	}
	// Pages of 2 and 3 rows reach the threshold of 4; then the CSV is read.
	if got, want := f.count("GetQueryResults"), 2; got != want {
		t.Errorf("GetQueryResults calls: got %d, want %d", got, want)
	}
}

func TestQueryErrorHint(t *testing.T) {
	tests := []struct {
		name, reason, want string
	}{
		{"table without the body column", "COLUMN_NOT_FOUND: line 23:94: Column 'outputbodyjson' cannot be resolved", "run cdk deploy"},
		{"another failure", "HIVE_BAD_DATA: Error parsing field value", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &QueryError{Region: "us-east-1", QueryExecutionID: "q", State: "FAILED", Reason: tc.reason}
			got := e.Error()
			if tc.want == "" {
				if e.Hint() != "" {
					t.Errorf("got hint %q, want none", e.Hint())
				}
				return
			}
			if !strings.Contains(got, tc.want) || !strings.Contains(got, tc.reason) {
				t.Errorf("got %q, want the reason and %q", got, tc.want)
			}
		})
	}
}
