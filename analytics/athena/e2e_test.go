package athena

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// TestEndToEndThroughFakeAthena runs the whole engine as the CLI wires it (clients from an
// AWS configuration, the SDK, Athena's JSON protocol) against fake Athena endpoints that
// execute the SQL they receive, with its execution parameters, on DuckDB over the fixture
// logs, and serve the result in pages and as a CSV file in S3. The answer must be the
// decoder's.
func TestEndToEndThroughFakeAthena(t *testing.T) {
	root := t.TempDir()
	fixtureLogs(t, root)
	duck := newDuckExecutor(t, root)

	backend := s3mem.New()
	s3srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3srv.Close)
	creds := credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", "")
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true, Credentials: creds, HTTPClient: s3srv.Client()})

	regions := []string{"us-east-1", "eu-central-1"}
	servers := map[string]*httptest.Server{}
	fakes := map[string]*fakeAthena{}
	for _, region := range regions {
		bucket := "bedrock-analytics-111122223333-" + region
		if err := backend.CreateBucket(bucket); err != nil {
			t.Fatal(err)
		}
		f, srv := newFakeAthena(t)
		servers[region], fakes[region] = srv, f
		f.pageSize = 100
		f.id = "qid-" + region
		f.outputLocation = "s3://" + bucket + "/athena-results/" + f.id + ".csv"
		f.onStart = func(f *fakeAthena, sqlText string, params []string) {
			var csv strings.Builder
			_, err := duck.execute(context.Background(), region, querySpec{sql: sqlText, params: params}, func(cols []Column, vals []*string) error {
				if f.cols == nil {
					f.cols = cols
					var hdr []string
					for _, c := range cols {
						hdr = append(hdr, `"`+c.Name+`"`)
					}
					csv.WriteString(strings.Join(hdr, ",") + "\n")
				}
				f.rows = append(f.rows, vals)
				fields := make([]string, len(vals))
				for i, v := range vals {
					if v != nil {
						fields[i] = `"` + strings.ReplaceAll(*v, `"`, `""`) + `"`
					}
				}
				csv.WriteString(strings.Join(fields, ",") + "\n")
				return nil
			})
			if err != nil {
				t.Errorf("fake athena in %s: duckdb: %v", region, err)
				return
			}
			f.scanned = 42 << 20
			if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("athena-results/" + f.id + ".csv"), Body: strings.NewReader(csv.String())}); err != nil {
				t.Errorf("fake athena: write result: %v", err)
			}
		}
	}
	load := func(_ context.Context, region string) (aws.Config, error) {
		srv := servers[region]
		return aws.Config{Region: "ignored", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client()}, nil
	}
	loadS3 := func(context.Context, string) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), Credentials: creds, HTTPClient: s3srv.Client()}, nil
	}
	q := analytics.Query{Since: mustTime(t, "2025-11-01T00:30:00Z"), Until: mustTime(t, "2025-11-01T11:00:00Z"), Regions: regions,
		Users: []string{"O'Brien", "alice@example.com", "session-1", "bob"}, MetadataKeys: []string{"team"}}
	for _, tc := range []struct {
		name  string
		large int
	}{
		{"result pages", 1_000_000},
		{"result CSV from S3", 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := map[string]int{}
			for _, r := range regions {
				fakes[r].mu.Lock()
				pages[r] = len(fakes[r].tokens)
				fakes[r].mu.Unlock()
			}
			src := New(Config{}, ClientsFromConfig(load), append(fastOptions(),
				WithPageSize(100), WithLargeResult(tc.large), WithS3(S3FromConfig(loadS3, func(o *s3.Options) { o.UsePathStyle = true })))...)
			res, err := src.Usage(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Failures) > 0 {
				t.Fatalf("failures: %v", res.Failures)
			}
			want, wantSkip := referenceUsage(t, root, q)
			diffLines(t, rowLines(res.AllRows()), rowLines(want))
			compareSkips(t, res.Skipped, wantSkip, "decoder")
			if len(want) < 150 {
				t.Errorf("reference has %d rows; want more than a page and more than the CSV threshold", len(want))
			}
			// Every page is read, or, once the rows read reach the threshold with more to
			// come, the CSV instead of the rest.
			usedCSV := false
			for _, r := range regions {
				f := fakes[r]
				f.mu.Lock()
				n := len(f.rows)
				f.mu.Unlock()
				wantCalls, seen := 0, 0
				for {
					wantCalls++
					pageRows := 100
					if wantCalls == 1 {
						pageRows-- // the header row
					}
					seen = min(seen+pageRows, n)
					if seen == n {
						break
					}
					if seen >= tc.large {
						usedCSV = true
						break
					}
				}
				// Distinct pages asked for: the SDK's own retries of a transport error may
				// repeat a call.
				f.mu.Lock()
				asked := map[string]bool{}
				for _, tok := range f.tokens[pages[r]:] {
					asked[tok] = true
				}
				if len(asked) != wantCalls {
					t.Errorf("%s: %d result rows read with pages %q, want %d pages", r, n, f.tokens[pages[r]:], wantCalls)
				}
				f.mu.Unlock()
			}
			if got, want := usedCSV, tc.large < 1000; got != want {
				t.Errorf("CSV read in some region: got %v, want %v", got, want)
			}
			if res.Scan.Int("queries") != 2 || res.Scan.Int("bytes_scanned") != 2*42<<20 || res.Scan.Money("query_cost_usd").String() != "0.00044040192" {
				t.Errorf("stats: got %d queries, %d bytes, $%s; want 2, %d, $0.00044040192", res.Scan.Int("queries"), res.Scan.Int("bytes_scanned"), res.Scan.Money("query_cost_usd"), 2*42<<20)
			}
		})
	}
}
