package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// TestReportSeveralSources: --source given twice reads both into one report; the same logs
// twice count once, with the duplicates said; a source that fails is listed and the rest
// still reported, and fails the run under --strict.
func TestReportSeveralSources(t *testing.T) {
	gen := func(region string, seed int64) string {
		dir := t.TempDir()
		if _, err := loggen.Generate(t.Context(), loggen.Config{Out: dir, Seed: seed, Records: 2000, Regions: []string{region},
			Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 8, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	east, eu := gen("us-east-1", 1), gen("eu-central-1", 2)
	copyOfEast := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copyOfEast, os.DirFS(east)); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Source string
		Totals struct {
			Calls int64
			Cost  string `json:"total_cost_usd"`
		}
		Scan     map[string]any
		Failures []string
	}
	cli := newTestCLI(t)
	report := func(sources ...string) doc {
		t.Helper()
		args := []string{"report", "--format", "json", "--offline", "--since", "2025-11-01", "--until", "2025-11-07"}
		for _, s := range sources {
			args = append(args, "--source", s)
		}
		if code := cli.run(args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", sources, code, cli.errOut)
		}
		var d doc
		if err := json.Unmarshal(cli.out.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := report(east), report(eu)
	both := report(east, eu)
	if both.Totals.Calls != a.Totals.Calls+b.Totals.Calls || both.Scan["sources"] != 2.0 || both.Scan["duplicates"] != 0.0 || both.Source != east+", "+eu {
		t.Errorf("two regions: got %d calls, scan %v, source %q; want %d calls (%d + %d), 2 sources, no duplicates", both.Totals.Calls, both.Scan, both.Source, a.Totals.Calls+b.Totals.Calls, a.Totals.Calls, b.Totals.Calls)
	}
	twice := report(east, copyOfEast)
	if twice.Totals.Calls != a.Totals.Calls || twice.Totals.Cost != a.Totals.Cost || twice.Scan["duplicates"] != float64(a.Totals.Calls) {
		t.Errorf("the same logs twice: got %d calls, %s USD, %v duplicates; want %d, %s, %d", twice.Totals.Calls, twice.Totals.Cost, twice.Scan["duplicates"], a.Totals.Calls, a.Totals.Cost, a.Totals.Calls)
	}
	if code := cli.run("report", "--offline", "--format", "table", "--since", "2025-11-01", "--until", "2025-11-07", "--source", east, "--source", copyOfEast); code != exitOK || !strings.Contains(cli.out.String(), "from 2 sources, "+thousands(a.Totals.Calls)+" duplicates dropped") {
		t.Errorf("the table does not say how many duplicates were dropped (exit %d):\n%s", code, cli.out)
	}

	missing := filepath.Join(t.TempDir(), "nope")
	part := report(east, missing)
	if part.Totals.Calls != a.Totals.Calls || len(part.Failures) != 1 || !strings.HasPrefix(part.Failures[0], missing+": ") || !strings.Contains(cli.errOut.String(), "warning: 1 part(s) of the query failed") {
		t.Errorf("a missing source: got %d calls, failures %q, stderr %q; want %d calls, the missing folder listed and warned of", part.Totals.Calls, part.Failures, cli.errOut, a.Totals.Calls)
	}
	if code := cli.run("report", "--offline", "--format", "json", "--since", "2025-11-01", "--until", "2025-11-07", "--source", east, "--source", missing, "--strict"); code != exitData {
		t.Errorf("a missing source under --strict: exit %d, want %d", code, exitData)
	}
}

// thousands writes n with comma separators, as the table does.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// uploadTree puts every file under dir into bucket under prefix.
func uploadTree(t *testing.T, backend *s3mem.Backend, bucket, prefix, dir string) {
	t.Helper()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		_, err = backend.PutObject(bucket, prefix+filepath.ToSlash(rel), map[string]string{}, bytes.NewReader(b), int64(len(b)), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReportAllRegions: --all-regions reads each region's bucket from its logging
// configuration (a bucket of the user's own naming in us-east-1), falls back to the CDK
// app's bucket where logging is off (eu-central-1, with the account from STS), and lists a
// region whose bucket cannot be read (ap-northeast-1, where the configuration read is
// denied and no bucket exists) as a failed part. Bedrock, STS and S3 are one protocol-level
// fake behind the real SDK clients.
func TestReportAllRegions(t *testing.T) {
	gen := func(region string, seed int64) string {
		dir := t.TempDir()
		if _, err := loggen.Generate(t.Context(), loggen.Config{Out: dir, Seed: seed, Records: 1500, Regions: []string{region}, Prefix: "",
			Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 8, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	east, eu := gen("us-east-1", 1), gen("eu-central-1", 2)
	backend := s3mem.New()
	uploadTree(t, backend, "team-bedrock-logs", "invocations/", east)
	uploadTree(t, backend, "bedrock-logs-123456789012-eu-central-1", "bedrock-logs/", eu)
	s3h := gofakes3.New(backend).Server()
	var mu sync.Mutex
	var stsCalls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/logging/modelinvocations" {
			// the region the request was signed for
			_, scope, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
			parts := strings.Split(scope, "/")
			region := ""
			if len(parts) > 2 {
				region = parts[2]
			}
			w.Header().Set("Content-Type", "application/json")
			switch region {
			case "us-east-1":
				fmt.Fprint(w, `{"loggingConfig":{"s3Config":{"bucketName":"team-bedrock-logs","keyPrefix":"invocations"},"textDataDeliveryEnabled":true}}`)
			case "eu-central-1":
				fmt.Fprint(w, `{}`)
			default:
				w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"message":"not allowed in `+region+`"}`)
			}
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/" {
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), "Action=GetCallerIdentity") {
				mu.Lock()
				stsCalls++
				mu.Unlock()
				w.Header().Set("Content-Type", "text/xml")
				fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
					`<Arn>arn:aws:sts::123456789012:assumed-role/BedrockUsage-Reporting/ci</Arn><UserId>AROAEXAMPLE:ci</UserId>`+
					`<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		s3h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	cli := newTestCLI(t)
	cli.withEndpoint(srv.URL)
	cli.f.S3Options = []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}
	type doc struct {
		Source   string
		Totals   struct{ Calls int64 }
		Failures []string
		Notes    []string
	}
	report := func(args ...string) (doc, int) {
		t.Helper()
		code := cli.run(append([]string{"report", "--format", "json", "--offline", "--since", "2025-11-01", "--until", "2025-11-07"}, args...)...)
		var d doc
		if err := json.Unmarshal(cli.out.Bytes(), &d); err != nil {
			t.Fatalf("%v: exit %d, %v: %s", args, code, err, cli.errOut)
		}
		return d, code
	}
	a, _ := report("--source", east)
	b, _ := report("--source", eu)
	got, code := report("--all-regions", "--region", "us-east-1,eu-central-1,ap-northeast-1")
	if code != exitOK || got.Totals.Calls != a.Totals.Calls+b.Totals.Calls {
		t.Errorf("got exit %d, %d calls; want 0 and %d (%d in us-east-1, %d in eu-central-1): %s", code, got.Totals.Calls, a.Totals.Calls+b.Totals.Calls, a.Totals.Calls, b.Totals.Calls, cli.errOut)
	}
	wantNotes := []string{
		"us-east-1: s3://team-bedrock-logs/invocations/ (logging configuration)",
		"eu-central-1: s3://bedrock-logs-123456789012-eu-central-1/bedrock-logs/ (the CDK app's bucket (model invocation logging is off))",
		"ap-northeast-1: s3://bedrock-logs-123456789012-ap-northeast-1/bedrock-logs/ (the CDK app's bucket (the logging configuration could not be read: ",
	}
	if len(got.Notes) != 3 {
		t.Fatalf("got notes %q, want one per region", got.Notes)
	}
	for i, w := range wantNotes {
		if !strings.HasPrefix(got.Notes[i], w) {
			t.Errorf("note %d: got %q, want it to begin %q", i, got.Notes[i], w)
		}
	}
	if !strings.Contains(got.Notes[2], "not allowed in ap-northeast-1") {
		t.Errorf("note %q does not carry Bedrock's message", got.Notes[2])
	}
	if len(got.Failures) != 1 || !strings.HasPrefix(got.Failures[0], "s3://bedrock-logs-123456789012-ap-northeast-1/bedrock-logs/: ") {
		t.Errorf("got failures %q, want the unreadable ap-northeast-1 bucket", got.Failures)
	}
	mu.Lock()
	if stsCalls != 1 {
		t.Errorf("GetCallerIdentity calls: got %d, want 1", stsCalls)
	}
	mu.Unlock()
	if code := cli.run("report", "--offline", "--all-regions", "--source", east); code != exitUsage {
		t.Errorf("--all-regions with --source: exit %d, want %d", code, exitUsage)
	}
}
