package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// fakeRegion is what the doctor's fake AWS answers in one region.
type fakeRegion struct {
	logging     string // the GetModelInvocationLoggingConfiguration body
	location    string // the bucket's LocationConstraint
	policy      string // the bucket policy ("" for none)
	pab         [4]bool
	invocations float64 // AWS/Bedrock Invocations of the last 24 hours
	recent      float64 // of them, in the last two hours
	mantle      float64
	table       bool
	// throttle makes the first GetTable call answer ThrottlingException (the SDK's retryer
	// must try again); tableCalls counts the calls.
	throttle   bool
	tableCalls int
	// tableBucket is the bucket the table reads.
	tableBucket string
}

// signedRegion is the region a request was signed for.
func signedRegion(r *http.Request) string {
	_, scope, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if parts := strings.Split(scope, "/"); len(parts) > 2 {
		return parts[2]
	}
	return ""
}

// fakeAWS answers Bedrock (REST-JSON), CloudWatch (RPC v2 CBOR), Glue and Athena (JSON 1.1),
// STS (query) and S3 (gofakes3, with the policy, public access block and location of each
// bucket from its region's fakeRegion) on one endpoint, by protocol.
func fakeAWS(t *testing.T, backend *s3mem.Backend, regions map[string]*fakeRegion, buckets map[string]string, now time.Time) *httptest.Server {
	t.Helper()
	s3h := gofakes3.New(backend).Server()
	var mu sync.Mutex
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		reg := regions[signedRegion(r)]
		jsonErr := func(code, msg string) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":%q,"Message":%q}`, code, msg)
		}
		switch target := r.Header.Get("X-Amz-Target"); {
		case r.URL.Path == "/logging/modelinvocations":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, reg.logging)
			return
		case strings.HasSuffix(r.URL.Path, "/operation/GetMetricData"):
			ts := func(d time.Duration) cbor.Value {
				return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(now.Add(-d).Unix()))}
			}
			result := func(id string, v float64, at time.Duration) cbor.Value {
				return cbor.Map{"Id": cbor.String(id), "Label": cbor.String(id), "StatusCode": cbor.String("Complete"),
					"Timestamps": cbor.List{ts(at)}, "Values": cbor.List{cbor.Float64(v)}}
			}
			w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
			w.Header().Set("Content-Type", "application/cbor")
			w.Write(cbor.Encode(cbor.Map{"MetricDataResults": cbor.List{
				result("runtime", reg.invocations, 3*time.Hour), result("recent", reg.recent, 30*time.Minute), result("mantle", reg.mantle, 5*time.Hour)}}))
			return
		case target == "AWSGlue.GetTable":
			reg.tableCalls++
			if reg.throttle && reg.tableCalls == 1 {
				jsonErr("ThrottlingException", "Rate exceeded")
				return
			}
			if !reg.table {
				jsonErr("EntityNotFoundException", "Table bedrock_invocation_logs not found")
				return
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			fmt.Fprintf(w, `{"Table":{"Name":"bedrock_invocation_logs","DatabaseName":"bedrock_analytics","Parameters":{"projection.enabled":"true","storage.location.template":"s3://%s/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/%s/${dt}/"},"StorageDescriptor":{"Location":"s3://%[1]s/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/%[2]s/"}}}`, reg.tableBucket, signedRegion(r))
			return
		case target == "AmazonAthena.GetWorkGroup":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			fmt.Fprint(w, `{"WorkGroup":{"Name":"bedrock-usage","State":"ENABLED","Configuration":{"ResultConfiguration":{"OutputLocation":"s3://bedrock-analytics-123456789012-`+signedRegion(r)+`/athena-results/"}}}}`)
			return
		case r.Method == http.MethodPost && r.URL.Path == "/":
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), "Action=GetCallerIdentity") {
				w.Header().Set("Content-Type", "text/xml")
				fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/BedrockUsage-Reporting/ci</Arn><UserId>AROA:ci</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		// S3, path-style: /bucket?policy and friends from the bucket's region.
		bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		b := regions[buckets[bucket]]
		q := r.URL.Query()
		xmlErr := func(code string) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `<Error><Code>%s</Code><Message>%s</Message></Error>`, code, code)
		}
		switch {
		case b != nil && q.Has("policy"):
			if b.policy == "" {
				xmlErr("NoSuchBucketPolicy")
				return
			}
			fmt.Fprint(w, b.policy)
			return
		case b != nil && q.Has("publicAccessBlock"):
			fmt.Fprintf(w, `<PublicAccessBlockConfiguration><BlockPublicAcls>%v</BlockPublicAcls><IgnorePublicAcls>%v</IgnorePublicAcls><BlockPublicPolicy>%v</BlockPublicPolicy><RestrictPublicBuckets>%v</RestrictPublicBuckets></PublicAccessBlockConfiguration>`, b.pab[0], b.pab[1], b.pab[2], b.pab[3])
			return
		case q.Has("location"):
			if b == nil {
				xmlErr("NoSuchBucket")
				return
			}
			fmt.Fprintf(w, `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s</LocationConstraint>`, b.location)
			return
		}
		s3h.ServeHTTP(w, r)
	}))
}

// bedrockPolicy is the bucket policy the CDK app writes (conditions optional).
func bedrockPolicy(bucket string, conditions bool) string {
	cond := ""
	if conditions {
		cond = `,"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:bedrock:*:123456789012:*"}}`
	}
	return `{"Version":"2012-10-17","Statement":[{"Sid":"AllowBedrockLogs","Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/*"` + cond + `}]}`
}

// TestDoctor runs doctor against a fake account with one healthy region, one with logging
// off (and traffic CloudWatch sees, some of it through bedrock-mantle) and one whose bucket
// is half open and silent, through the real SDK clients; each check's verdict is the one
// worked out by hand, and the exit code follows the worst.
func TestDoctor(t *testing.T) {
	now := time.Now().UTC()
	logs := t.TempDir()
	if _, err := loggen.Generate(t.Context(), loggen.Config{Out: logs, Seed: 5, Records: 400, Regions: []string{"us-east-1"},
		Since: now.Add(-3 * time.Hour), Until: now}); err != nil {
		t.Fatal(err)
	}
	until := now.Truncate(time.Hour)
	logged := independentSums(t, logs, until.Add(-24*time.Hour), until).Calls
	east, tokyo := deployment.LogBucketName("123456789012", "us-east-1"), deployment.LogBucketName("123456789012", "ap-northeast-1")
	backend := s3mem.New()
	uploadTree(t, backend, east, "", logs)
	if err := backend.CreateBucket(tokyo); err != nil {
		t.Fatal(err)
	}
	on := `{"loggingConfig":{"s3Config":{"bucketName":"%s","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":%v,"cloudWatchConfig":{"logGroupName":"bedrock-invocations"}}}`
	regions := map[string]*fakeRegion{
		"us-east-1": {logging: fmt.Sprintf(on, east, true), policy: bedrockPolicy(east, true), pab: [4]bool{true, true, true, true},
			invocations: logged, recent: 5, table: true, throttle: true, tableBucket: east},
		"eu-central-1": {logging: `{}`, invocations: 50, recent: 3, mantle: 12, table: false},
		"ap-northeast-1": {logging: fmt.Sprintf(on, tokyo, false), location: "ap-northeast-1", policy: bedrockPolicy(tokyo, false), pab: [4]bool{true, true, false, true},
			invocations: 10, recent: 10, table: true, tableBucket: "another-bucket"},
	}
	srv := fakeAWS(t, backend, regions, map[string]string{east: "us-east-1", tokyo: "ap-northeast-1"}, now)
	defer srv.Close()
	cli := newTestCLI(t)
	cli.withEndpoint(srv.URL)
	cli.f.S3Options = []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}
	cli.f.Now = func() time.Time { return now }

	code := cli.run("doctor", "--region", "us-east-1,eu-central-1,ap-northeast-1", "--format", "json")
	var doc struct {
		Schema  string
		Account string
		Checks  []struct{ Region, Check, Status, Detail, Fix string }
		Summary map[string]int
	}
	if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
		t.Fatalf("exit %d, %v: %s %s", code, err, cli.out, cli.errOut)
	}
	got := map[string]string{}
	for _, c := range doc.Checks {
		got[c.Region+" "+c.Check] = c.Status
		if c.Status != "ok" && c.Fix == "" {
			t.Errorf("%s %s is %s without a fix: %s", c.Region, c.Check, c.Status, c.Detail)
		}
	}
	want := map[string]string{
		"us-east-1 logging": "ok", "us-east-1 data types": "ok", "us-east-1 bucket": "ok", "us-east-1 bucket policy": "ok",
		"us-east-1 public access": "ok", "us-east-1 logs arriving": "ok", "us-east-1 traffic vs logs": "ok",
		"us-east-1 bedrock-mantle": "ok", "us-east-1 glue table": "ok", "us-east-1 athena workgroup": "ok",

		"eu-central-1 logging": "fail", "eu-central-1 traffic vs logs": "fail", "eu-central-1 bedrock-mantle": "warn",
		"eu-central-1 glue table": "fail", "eu-central-1 athena workgroup": "ok",

		"ap-northeast-1 logging": "ok", "ap-northeast-1 data types": "warn", "ap-northeast-1 bucket": "ok",
		"ap-northeast-1 bucket policy": "warn", "ap-northeast-1 public access": "fail", "ap-northeast-1 logs arriving": "fail",
		"ap-northeast-1 traffic vs logs": "warn", "ap-northeast-1 bedrock-mantle": "ok", "ap-northeast-1 glue table": "warn",
		"ap-northeast-1 athena workgroup": "ok",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checks (-want +got):\n%s\n%s", diff, cli.out)
	}
	if regions["us-east-1"].tableCalls != 2 {
		t.Errorf("GetTable calls in us-east-1: got %d, want 2 (a throttled call retried)", regions["us-east-1"].tableCalls)
	}
	if code != exitData || doc.Schema != DoctorSchema || doc.Account != "123456789012" || doc.Summary["fail"] != 5 {
		t.Errorf("got exit %d, schema %q, account %q, summary %v; want %d, %s, 123456789012, 5 failures", code, doc.Schema, doc.Account, doc.Summary, exitData, DoctorSchema)
	}
	for _, c := range doc.Checks {
		if c.Region == "us-east-1" && c.Check == "traffic vs logs" && !strings.Contains(c.Detail, fmt.Sprintf("the logs %.0f", logged)) {
			t.Errorf("traffic detail %q does not give the logged count %.0f", c.Detail, logged)
		}
	}

	// The healthy region alone passes; its table names every check.
	if code := cli.run("doctor", "--region", "us-east-1", "--format", "table"); code != exitOK || !strings.Contains(cli.out.String(), "10 ok, 0 warn, 0 fail") {
		t.Errorf("us-east-1 alone: exit %d:\n%s%s", code, cli.out, cli.errOut)
	}
	// A region that only warns passes, unless --strict.
	regions["ap-northeast-1"].pab = [4]bool{true, true, true, true}
	regions["ap-northeast-1"].recent = 0
	if code := cli.run("doctor", "--region", "ap-northeast-1", "--format", "json"); code != exitOK {
		t.Errorf("warnings only: exit %d, want 0: %s", code, cli.errOut)
	}
	if code := cli.run("doctor", "--region", "ap-northeast-1", "--format", "json", "--strict"); code != exitData || !strings.Contains(cli.errOut.String(), "(--strict)") {
		t.Errorf("warnings under --strict: exit %d, want %d: %s", code, exitData, cli.errOut)
	}
}
