package local

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

const (
	testAccount = "123456789012"
	haiku       = "anthropic.claude-3-haiku-20240307-v1:0"
	sonnet      = "anthropic.claude-sonnet-4-5-20250929-v1:0"
)

// call is one record the tests write, with the attributes the expectations need written out
// by hand (not derived by the code under test).
type call struct {
	ts     string
	region string
	app    string // role name; empty for an IAM user
	user   string // session or IAM user name
	model  string
	errC   string
	meta   map[string]string

	in, out, cr, cw int64
}

func (c call) time() time.Time {
	t, err := time.Parse(time.RFC3339, c.ts)
	if err != nil {
		panic(err)
	}
	return t
}

func (c call) record() invocationlog.Record {
	arn := "arn:aws:iam::" + testAccount + ":user/" + c.user
	if c.app != "" {
		arn = "arn:aws:sts::" + testAccount + ":assumed-role/" + c.app + "/" + c.user
	}
	return invocationlog.Record{
		SchemaType:      invocationlog.SchemaType,
		SchemaVersion:   "1.0",
		Timestamp:       c.time(),
		AccountID:       testAccount,
		Identity:        invocationlog.Identity{ARN: arn},
		Region:          c.region,
		RequestID:       "req-" + c.ts,
		Operation:       invocationlog.OpConverse,
		ModelID:         c.model,
		Input:           invocationlog.Input{InputTokenCount: c.in, CacheReadInputTokenCount: c.cr, CacheWriteInputTokenCount: c.cw, InputBodyJSON: json.RawMessage(`{"messages":[{"role":"user","content":"hi"}]}`)},
		Output:          invocationlog.Output{OutputTokenCount: c.out, OutputBodyJSON: json.RawMessage(`[{"x":1},"[DONE]"]`)},
		ErrorCode:       c.errC,
		RequestMetadata: c.meta,
	}
}

// file is one object of a test tree.
type file struct {
	rel    string // path below the root, slash-separated
	region string // folder region ("" outside the layout)
	hour   string // delivery hour folder, RFC 3339 ("" outside the layout)
	body   bool   // under data/: never read
	calls  []call // records it holds, all readable
	data   []byte
	// kept are the records of a damaged file that must still be counted.
	damaged bool
}

func layoutDir(region, hour string) string {
	t, err := time.Parse(time.RFC3339, hour)
	if err != nil {
		panic(err)
	}
	return "AWSLogs/" + testAccount + "/BedrockModelInvocationLogs/" + region + "/" + t.Format("2006/01/02/15") + "/"
}

func ndjson(t testing.TB, calls []call) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, c := range calls {
		if err := enc.Encode(c.record()); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// logFile is a gzipped log file in the layout.
func logFile(t testing.TB, region, hour, name string, calls ...call) file {
	return file{rel: layoutDir(region, hour) + name, region: region, hour: hour, calls: calls, data: gz(t, ndjson(t, calls))}
}

// testTree is the hand-built tree the folder and S3 tests share. The query range they use is
// 2025-11-03 10:00 to 12:00, so the delivery hours read are 10, 11 and 12.
func testTree(t testing.TB) []file {
	t.Helper()
	alice := func(ts, region, model string, in, out int64) call {
		return call{ts: ts, region: region, app: "ChatbotApp-BedrockRole", user: "alice", model: model, in: in, out: out}
	}
	var files []file
	files = append(files,
		logFile(t, "us-east-1", "2025-11-03T10:00:00Z", "a.json.gz",
			alice("2025-11-03T10:05:00Z", "us-east-1", haiku, 100, 10),
			call{ts: "2025-11-03T10:30:00Z", region: "us-east-1", user: "MobileApp", model: "us." + haiku, in: 200, out: 20, cr: 5, cw: 7, meta: map[string]string{"team": "red"}},
		),
		// Next-hour delivery: 10:59 sits in folder 11.
		logFile(t, "us-east-1", "2025-11-03T11:00:00Z", "b.json.gz",
			alice("2025-11-03T10:59:00Z", "us-east-1", sonnet, 300, 30),
			call{ts: "2025-11-03T11:20:00Z", region: "us-east-1", app: "DataAnalysisApp-BedrockRole", user: "bob", model: sonnet, in: 400, out: 40, errC: "ThrottlingException", meta: map[string]string{"team": "blue"}},
		),
		// Folder 12: 11:59 is in range, 12:01 is not (read, counted out of range).
		logFile(t, "us-east-1", "2025-11-03T12:00:00Z", "c.json.gz",
			alice("2025-11-03T11:59:00Z", "us-east-1", haiku, 500, 50),
			alice("2025-11-03T12:01:00Z", "us-east-1", haiku, 600, 60),
		),
		// Out-of-range folders holding in-range timestamps: must never be opened.
		logFile(t, "us-east-1", "2025-11-03T13:00:00Z", "d.json.gz", alice("2025-11-03T11:30:00Z", "us-east-1", haiku, 7000, 700)),
		logFile(t, "us-east-1", "2025-11-03T09:00:00Z", "e.json.gz", alice("2025-11-03T10:10:00Z", "us-east-1", haiku, 8000, 800)),
		logFile(t, "us-east-1", "2025-11-02T11:00:00Z", "f.json.gz", alice("2025-11-03T10:10:00Z", "us-east-1", haiku, 9000, 900)),
		logFile(t, "us-east-1", "2025-10-03T11:00:00Z", "g.json.gz", alice("2025-11-03T10:10:00Z", "us-east-1", haiku, 9100, 910)),
		logFile(t, "us-east-1", "2024-11-03T11:00:00Z", "h.json.gz", alice("2025-11-03T10:10:00Z", "us-east-1", haiku, 9200, 920)),
		logFile(t, "eu-central-1", "2025-11-03T11:00:00Z", "i.json.gz",
			call{ts: "2025-11-03T11:10:00Z", region: "eu-central-1", app: "ChatbotApp-BedrockRole", user: "carol", model: "eu." + sonnet, in: 1000, out: 100, cr: 50, cw: 60, meta: map[string]string{"team": "red"}},
			call{ts: "2025-11-03T11:11:00Z", region: "eu-central-1", user: "WebPortal", model: haiku, in: 1100, out: 110},
		),
	)
	// A body object under data/ holding a valid record: counted as non-log, never decoded.
	body := logFile(t, "us-east-1", "2025-11-03T11:00:00Z", "x.json.gz", alice("2025-11-03T11:05:00Z", "us-east-1", haiku, 99999, 9999))
	body.rel = layoutDir("us-east-1", "2025-11-03T11:00:00Z") + "data/x.json.gz"
	body.body = true
	files = append(files, body)

	// A gzip stream followed by garbage: its records are kept, the file counted unreadable.
	bad := logFile(t, "us-east-1", "2025-11-03T11:00:00Z", "corrupt.json.gz", alice("2025-11-03T11:40:00Z", "us-east-1", haiku, 1200, 120))
	bad.data = append(bad.data, []byte("garbage, not a gzip member")...)
	bad.damaged = true
	files = append(files, bad)

	// Plain NDJSON with a malformed line in the middle.
	m1 := alice("2025-11-03T11:41:00Z", "us-east-1", haiku, 1300, 130)
	m2 := alice("2025-11-03T11:42:00Z", "us-east-1", haiku, 1400, 140)
	mal := file{rel: layoutDir("us-east-1", "2025-11-03T11:00:00Z") + "malformed.json", region: "us-east-1", hour: "2025-11-03T11:00:00Z", calls: []call{m1, m2}, damaged: true}
	mal.data = append(append(ndjson(t, []call{m1}), []byte("{\"schemaType\": \"ModelInvocationLog\", broken\n")...), ndjson(t, []call{m2})...)
	files = append(files, mal)
	return files
}

// looseFiles are files outside the layout (folder sources only), filtered by timestamp.
func looseFiles(t testing.TB) []file {
	return []file{
		{rel: "extra/loose.ndjson", calls: []call{
			{ts: "2025-11-03T10:45:00Z", region: "ap-northeast-1", user: "BackendAPI", model: haiku, in: 1500, out: 150},
			{ts: "2025-11-04T10:45:00Z", region: "ap-northeast-1", user: "BackendAPI", model: haiku, in: 1600, out: 160},
		}},
		{rel: "amazon-bedrock-logs-permission-check", data: []byte("permission check")},
		// Another service's logs under AWSLogs/{account}/: never read.
		{rel: "AWSLogs/" + testAccount + "/CloudTrail/us-east-1/2025/11/03/ct.json.gz", data: gz(t, []byte(`{"Records":[]}`+"\n"))},
	}
}

func (f *file) fill(t testing.TB) {
	if f.data == nil {
		f.data = ndjson(t, f.calls)
	}
}

func writeTree(t testing.TB, root string, files []file) {
	t.Helper()
	for i := range files {
		f := &files[i]
		f.fill(t)
		p := filepath.Join(root, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// want is what a query over a tree must return, computed here from the calls as written.
type want struct {
	totals     analytics.Measures
	byGroup    map[string]analytics.Measures // region|user|model|hour
	files      int64
	bytes      int64
	records    int64
	outOfRange int64
	nonLog     int64
	unreadable int64
	malformed  int64
}

// expect applies the query to the tree by hand: which folders a range reads (its hours
// and the next), which files are log files, then the range and filters on each call.
func expect(files []file, q analytics.Query) want {
	w := want{byGroup: map[string]analytics.Measures{}}
	first := q.Since.UTC().Truncate(time.Hour)
	last := q.Until.UTC().Add(-time.Nanosecond).Truncate(time.Hour).Add(time.Hour)
	for _, f := range files {
		cloudTrail := strings.Contains(f.rel, "/CloudTrail/")
		isLog := strings.HasSuffix(f.rel, ".json.gz") || strings.HasSuffix(f.rel, ".json") || strings.HasSuffix(f.rel, ".ndjson")
		if cloudTrail {
			continue
		}
		if f.hour != "" {
			h, _ := time.Parse(time.RFC3339, f.hour)
			if h.Before(first) || h.After(last) {
				continue
			}
			if len(q.Regions) > 0 && !slices.Contains(q.Regions, f.region) {
				continue
			}
		}
		if f.body || !isLog {
			w.nonLog++
			continue
		}
		w.files++
		w.bytes += int64(len(f.data))
		if f.damaged {
			if strings.HasSuffix(f.rel, ".gz") {
				w.unreadable++
			} else {
				w.malformed++
			}
		}
		for _, c := range f.calls {
			w.records++
			ts := c.time()
			if ts.Before(q.Since) || !ts.Before(q.Until) {
				w.outOfRange++
				continue
			}
			if len(q.Regions) > 0 && !slices.Contains(q.Regions, c.region) {
				continue
			}
			if len(q.Apps) > 0 && !slices.Contains(q.Apps, c.app) {
				continue
			}
			if len(q.Users) > 0 && !slices.Contains(q.Users, c.user) {
				continue
			}
			base := strings.TrimPrefix(strings.TrimPrefix(c.model, "us."), "eu.")
			if len(q.Models) > 0 && !slices.Contains(q.Models, c.model) && !slices.Contains(q.Models, base) {
				continue
			}
			m := analytics.Measures{Calls: 1, InputTokens: c.in, OutputTokens: c.out, CacheReadTokens: c.cr, CacheWriteTokens: c.cw, CacheWriteUnknownTTLTokens: c.cw} // no bodies: every write of unknown TTL
			w.totals.Add(m)
			g := groupKey(c.region, c.user, c.model, ts.Truncate(time.Hour), metaOf(c.meta, q.MetadataKeys))
			gm := w.byGroup[g]
			gm.Add(m)
			w.byGroup[g] = gm
		}
	}
	return w
}

func metaOf(meta map[string]string, keys []string) string {
	var v []string
	for _, k := range keys {
		v = append(v, meta[k])
	}
	return strings.Join(v, ",")
}

func groupKey(region, user, model string, hour time.Time, meta string) string {
	return region + "|" + user + "|" + model + "|" + hour.UTC().Format(time.RFC3339) + "|" + meta
}

// check compares a result with the expectation.
func check(t *testing.T, res *analytics.Result, q analytics.Query, w want) {
	t.Helper()
	var tot analytics.Measures
	got := map[string]analytics.Measures{}
	for _, r := range res.AllRows() {
		tot.Add(r.Measures)
		g := groupKey(r.Region, r.User, r.Model, r.Hour, strings.Join(r.MetaValues(len(q.MetadataKeys)), ","))
		m := got[g]
		m.Add(r.Measures)
		got[g] = m
	}
	if tot != w.totals {
		t.Errorf("totals: got %+v, want %+v", tot, w.totals)
	}
	for g, m := range w.byGroup {
		if got[g] != m {
			t.Errorf("group %s: got %+v, want %+v", g, got[g], m)
		}
	}
	for g, m := range got {
		if _, ok := w.byGroup[g]; !ok {
			t.Errorf("unexpected group %s: %+v", g, m)
		}
	}
	st := res.Scan
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"Stats.Files", st.Int("files"), w.files},
		{"Stats.Bytes", st.Int("bytes"), w.bytes},
		{"Stats.Records", st.Int("records"), w.records},
		{"Stats.OutOfRange", st.Int("out_of_range"), w.outOfRange},
		{"Skipped.NonLogObjects", res.Skipped.NonLogObjects, w.nonLog},
		{"Skipped.UnreadableFiles", res.Skipped.UnreadableFiles, w.unreadable},
		{"Skipped.MalformedLines", res.Skipped.MalformedLines, w.malformed},
		{"Skipped.OtherRecords", res.Skipped.OtherRecords, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if st.Engine != Engine {
		t.Errorf("Scan.Engine: got %q, want %q", st.Engine, Engine)
	}
	if !slices.IsSortedFunc(res.AllRows(), func(a, b analytics.Row) int { return analytics.CompareKeys(a.Key, b.Key) }) {
		t.Errorf("rows are not in SortRows order")
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// queryCases are the queries both the folder and the S3 tests run.
func queryCases() []struct {
	name string
	q    analytics.Query
} {
	base := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	with := func(f func(*analytics.Query)) analytics.Query {
		q := base
		f(&q)
		return q
	}
	return []struct {
		name string
		q    analytics.Query
	}{
		{"range 10-12", base},
		{"range 10-11 reads folder 11 for 10:59", with(func(q *analytics.Query) { q.Until = mustTime("2025-11-03T11:00:00Z") })},
		{"range 11:30-11:45", with(func(q *analytics.Query) {
			q.Since, q.Until = mustTime("2025-11-03T11:30:00Z"), mustTime("2025-11-03T11:45:00Z")
		})},
		{"whole day", with(func(q *analytics.Query) {
			q.Since, q.Until = mustTime("2025-11-03T00:00:00Z"), mustTime("2025-11-04T00:00:00Z")
		})},
		{"region eu-central-1", with(func(q *analytics.Query) { q.Regions = []string{"eu-central-1"} })},
		{"app ChatbotApp", with(func(q *analytics.Query) { q.Apps = []string{"ChatbotApp-BedrockRole"} })},
		{"user alice", with(func(q *analytics.Query) { q.Users = []string{"alice"} })},
		{"model haiku base id", with(func(q *analytics.Query) { q.Models = []string{haiku} })},
		{"metadata team", with(func(q *analytics.Query) { q.MetadataKeys = []string{"team"} })},
	}
}
