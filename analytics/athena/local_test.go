package athena

import (
	"context"
	"testing"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/local"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// localResult is the local engine's answer over root.
func localResult(t *testing.T, root string, q analytics.Query) *analytics.Result {
	t.Helper()
	src, err := local.New(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	res, err := src.Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// localRows is the local engine's rows over root.
func localRows(t *testing.T, root string, q analytics.Query) []analytics.Row {
	t.Helper()
	return localResult(t, root, q).AllRows()
}

// TestSQLOnDuckDBMatchesLocalEngine runs the engine's SQL on DuckDB over logs written by
// loggen (every modelId form, data/ body objects, files delivered into the next hour's
// folder, requestMetadata, failed and long-context calls) and compares the rows with the
// local engine's over the same folder.
func TestSQLOnDuckDBMatchesLocalEngine(t *testing.T) {
	root := t.TempDir()
	regions := []string{"us-east-1", "eu-central-1", "ap-northeast-1"}
	genSince, genUntil := mustTime(t, "2025-11-01T00:00:00Z"), mustTime(t, "2025-11-02T00:00:00Z")
	stats, err := loggen.Generate(context.Background(), loggen.Config{Out: root, Since: genSince, Until: genUntil, Seed: 42, Records: 6000, Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	if stats.BodyObjects == 0 {
		t.Errorf("loggen wrote no data/ body objects; want some, to cover the data/ filter")
	}
	src := newWithExecutor(Config{}, newDuckExecutor(t, root))
	tests := []struct {
		name string
		q    analytics.Query
	}{
		{"whole day", analytics.Query{Since: genSince, Until: genUntil, Regions: regions}},
		{"mid-hour range", analytics.Query{Since: mustTime(t, "2025-11-01T06:30:00Z"), Until: mustTime(t, "2025-11-01T17:45:30Z"), Regions: regions}},
		{"range reaching past the logs", analytics.Query{Since: mustTime(t, "2025-10-31T20:00:00Z"), Until: mustTime(t, "2025-11-02T03:00:00Z"), Regions: regions}},
		{"one region, one model, metadata", analytics.Query{Since: genSince, Until: genUntil, Regions: []string{"eu-central-1"},
			Models:       []string{"anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"},
			MetadataKeys: []string{"tenant_id", "team", "cost_center"}}},
		{"apps", analytics.Query{Since: genSince, Until: genUntil, Regions: regions,
			Apps: []string{"ChatbotApp-BedrockRole", "DataAnalysisApp-BedrockRole"}}},
		{"users of every kind", analytics.Query{Since: genSince, Until: genUntil, Regions: regions,
			Users: []string{"nightly-etl", "WebPortal", "BackendAPI", "kenji.tanaka@example.com"}}},
		{"app and user", analytics.Query{Since: genSince, Until: genUntil, Regions: regions,
			Apps: []string{"DataAnalysisApp-BedrockRole"}, Users: []string{"nightly-etl", "WebPortal"}}},
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
			loc := localResult(t, root, tc.q)
			want := loc.AllRows()
			diffLines(t, rowLines(res.AllRows()), rowLines(want))
			compareSkips(t, res.Skipped, loc.Skipped, "local engine")
			t.Logf("%d rows agree", len(res.AllRows()))
			if len(res.AllRows()) == 0 {
				t.Errorf("got no rows; want a non-empty answer to compare")
			}
			if tc.name == "whole day" {
				var calls int64
				for _, r := range res.AllRows() {
					calls += r.Calls
				}
				if calls != stats.Records {
					t.Errorf("calls over the whole generated range: got %d, want %d (loggen's record count)", calls, stats.Records)
				}
			}
		})
	}
}

// TestDataFolderInPrefix runs the SQL over logs whose key prefix holds a data/ folder
// (data/bedrock/AWSLogs/…): only the data/ folder right under an hour folder holds body
// objects, so every record is still counted, as the local engine counts it.
func TestDataFolderInPrefix(t *testing.T) {
	root := t.TempDir()
	regions := []string{"us-east-1", "eu-central-1"}
	since, until := mustTime(t, "2025-11-01T00:00:00Z"), mustTime(t, "2025-11-01T12:00:00Z")
	stats, err := loggen.Generate(context.Background(), loggen.Config{Out: root, Prefix: "data/bedrock/", Since: since, Until: until, Seed: 7, Records: 3000, Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	if stats.BodyObjects == 0 {
		t.Errorf("loggen wrote no data/ body objects; want some, to cover the data/ filter")
	}
	q := analytics.Query{Since: since, Until: until, Regions: regions}
	res, err := newWithExecutor(Config{}, newDuckExecutor(t, root)).Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %v", res.Failures)
	}
	loc := localResult(t, root, q)
	diffLines(t, rowLines(res.AllRows()), rowLines(loc.AllRows()))
	compareSkips(t, res.Skipped, loc.Skipped, "local engine")
	var calls int64
	for _, r := range res.AllRows() {
		calls += r.Calls
	}
	if calls != stats.Records {
		t.Errorf("calls: got %d, want %d (loggen's record count)", calls, stats.Records)
	}
}
