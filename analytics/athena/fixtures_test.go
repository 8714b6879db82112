package athena

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/internal/fixtures"
)

// TestSQLOnDuckDBRealRecords runs the SQL over real invocation log records published by
// others (testdata/elastic-…ndjson and the records of testdata/kr-tech-blog-….json, copied
// unchanged from ../shared/fixtures/invocation-logs): stream event arrays, guardrail
// interventions, extra fields, a redacted identity, requestMetadata. Each record is filed
// under its region and hour; the rows must be the decoder's.
func TestSQLOnDuckDBRealRecords(t *testing.T) {
	var lines [][]byte
	nd := fixtures.Elastic()
	for l := range bytes.SplitSeq(nd, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	raw := fixtures.KR()
	var cw struct {
		Events []struct {
			Message json.RawMessage `json:"message"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &cw); err != nil {
		t.Fatal(err)
	}
	for _, e := range cw.Events {
		var b bytes.Buffer
		if err := json.Compact(&b, e.Message); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b.Bytes())
	}

	byFolder := map[[2]string]*logFile{}
	for _, l := range lines {
		var head struct {
			Timestamp time.Time `json:"timestamp"`
			Region    string    `json:"region"`
		}
		if err := json.Unmarshal(l, &head); err != nil {
			t.Fatalf("fixture line %.80s: %v", l, err)
		}
		hour := head.Timestamp.UTC().Truncate(time.Hour)
		k := [2]string{head.Region, hour.Format(time.RFC3339)}
		if byFolder[k] == nil {
			byFolder[k] = &logFile{region: head.Region, hour: hour, name: "fixture.json.gz"}
		}
		byFolder[k].lines = append(byFolder[k].lines, string(l))
	}
	var files []logFile
	for _, f := range byFolder {
		files = append(files, *f)
	}
	root := t.TempDir()
	writeLogs(t, root, files)

	q := analytics.Query{
		Since: mustTime(t, "2024-04-01T00:00:00Z"), Until: mustTime(t, "2026-09-01T00:00:00Z"),
		Regions: []string{"us-east-1", "us-west-2", "ap-south-1"}, MetadataKeys: []string{"tenant_id"},
	}
	res, err := newWithExecutor(Config{}, newDuckExecutor(t, root)).Usage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %v", res.Failures)
	}
	want, _ := referenceUsage(t, root, q)
	diffLines(t, rowLines(res.AllRows()), rowLines(want))
	var calls int64
	for _, r := range res.AllRows() {
		calls += r.Calls
	}
	if calls != int64(len(lines)) {
		t.Errorf("calls: got %d, want %d (every fixture record)", calls, len(lines))
	}
}
