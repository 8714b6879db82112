package local

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// bodyCase is one call whose response body states a split (or not), written once with the
// body in the record and once with the body offloaded to a data/ object.
type bodyCase struct {
	name     string
	cw       int64
	body     string // "" for a call whose body object is missing
	plain    bool   // the object is not gzipped
	corrupt  bool   // the object is a broken gzip stream
	resolved bool   // --fetch-bodies resolves its TTL
}

func bodyCases() []bodyCase {
	return []bodyCase{
		{name: "converse 1h", cw: 300, resolved: true, body: `{"usage":{"inputTokens":5,"cacheDetails":[{"ttl":"1h","inputTokens":300}]}}`},
		{name: "invoke split", cw: 300, resolved: true, body: `{"usage":{"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200}}}`},
		{name: "stream, not gzipped", cw: 50, resolved: true, plain: true, body: `[{"type":"message_start","message":{"usage":{"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":50}}}},{"type":"message_stop"}]`},
		{name: "split that does not add up", cw: 300, body: `{"usage":{"cacheDetails":[{"ttl":"1h","inputTokens":299}]}}`},
		{name: "no split", cw: 300, body: `{"usage":{"input_tokens":5}}`},
		{name: "missing object", cw: 70},
		{name: "corrupt object", cw: 80, corrupt: true, body: `{}`},
	}
}

// bodyTrees returns the tree with every body in its record (the reference) and the tree with
// every body offloaded, plus a call without cache writes whose body is offloaded (never
// fetched).
func bodyTrees(t *testing.T, cases []bodyCase) (inline, offloaded []file) {
	t.Helper()
	const hour = "2025-11-03T10:00:00Z"
	dir := layoutDir("us-east-1", hour)
	var inRecs, offRecs []invocationlog.Record
	var objects []file
	for i, c := range cases {
		cl := call{ts: fmt.Sprintf("2025-11-03T10:%02d:00Z", i), region: "us-east-1", app: "App", user: fmt.Sprintf("case-%d", i), model: sonnet, in: 10, out: 1, cw: c.cw}
		r := cl.record()
		r.RequestID = fmt.Sprintf("req-%d", i)
		in := r
		if c.body != "" && !c.corrupt {
			in.Output.OutputBodyJSON = json.RawMessage(c.body)
		} else {
			in.Output.OutputBodyJSON = nil
		}
		inRecs = append(inRecs, in)
		key := dir + "data/" + invocationlog.BodyObjectName(r.RequestID, true)
		r.Output.OutputBodyJSON = nil
		r.Output.OutputBodyS3Path = "s3://" + testBucket + "/bedrock-logs/" + key
		offRecs = append(offRecs, r)
		switch {
		case c.body == "":
		case c.corrupt:
			data := gz(t, []byte(c.body))
			objects = append(objects, file{rel: key, body: true, data: data[:len(data)-6]})
		case c.plain:
			objects = append(objects, file{rel: key, body: true, data: []byte(c.body)})
		default:
			objects = append(objects, file{rel: key, body: true, data: gz(t, []byte(c.body))})
		}
	}
	// A call without cache writes: its body object is never read.
	quiet := call{ts: "2025-11-03T10:59:00Z", region: "us-east-1", app: "App", user: "quiet", model: sonnet, in: 10, out: 1}.record()
	quiet.Output.OutputBodyJSON, quiet.Output.OutputBodyS3Path = nil, "s3://"+testBucket+"/bedrock-logs/"+dir+"data/never.json.gz"
	inQuiet := quiet
	inQuiet.Output.OutputBodyS3Path = ""
	inRecs, offRecs = append(inRecs, inQuiet), append(offRecs, quiet)
	encode := func(recs []invocationlog.Record) []byte {
		var b strings.Builder
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		return gz(t, []byte(b.String()))
	}
	inline = []file{{rel: dir + "part-0.json.gz", region: "us-east-1", hour: hour, data: encode(inRecs)}}
	offloaded = append([]file{{rel: dir + "part-0.json.gz", region: "us-east-1", hour: hour, data: encode(offRecs)}}, objects...)
	return inline, offloaded
}

// usageOf runs the local engine over files written to a folder below a bucket-like prefix.
func usageOf(t *testing.T, files []file, opts ...Option) *analytics.Result {
	t.Helper()
	root := t.TempDir()
	writeTree(t, root+"/bedrock-logs", files)
	src, err := New(t.Context(), root, opts...)
	if err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T11:00:00Z")}
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// byUser is each user's cache-write measures.
func byUser(rows []analytics.Row) map[string][3]int64 {
	m := map[string][3]int64{}
	for _, r := range rows {
		v := m[r.User]
		m[r.User] = [3]int64{v[0] + r.CacheWriteTokens, v[1] + r.CacheWrite1hTokens, v[2] + r.CacheWriteUnknownTTLTokens}
	}
	return m
}

func TestFetchBodies(t *testing.T) {
	cases := bodyCases()
	inline, offloaded := bodyTrees(t, cases)
	ref := byUser(usageOf(t, inline).AllRows())

	t.Run("without --fetch-bodies every offloaded write is of unknown TTL", func(t *testing.T) {
		got := byUser(usageOf(t, offloaded).AllRows())
		for user, v := range got {
			if v[1] != 0 || v[2] != v[0] {
				t.Errorf("%s: got cw %d, 1h %d, unknown %d, want all unknown", user, v[0], v[1], v[2])
			}
		}
	})
	t.Run("fetched bodies give what inline bodies give", func(t *testing.T) {
		res := usageOf(t, offloaded, WithFetchBodies(0))
		if diff := cmp.Diff(ref, byUser(res.AllRows())); diff != "" {
			t.Errorf("per user [cw 1h unknown] (-inline +fetched):\n%s", diff)
		}
		var resolved int64
		for _, c := range cases {
			if c.resolved {
				resolved++
			}
		}
		want := map[string]int64{"bodies_fetched": int64(len(cases)) - 2, "bodies_resolved": resolved,
			"bodies_unresolved": 2, "bodies_failed": 2, "bodies_over_limit": 0}
		for name, n := range want {
			if got := res.Scan.Int(name); got != n {
				t.Errorf("%s: got %d, want %d", name, got, n)
			}
		}
		if !strings.Contains(res.Scan.Summary, "first failure: s3://"+testBucket+"/bedrock-logs/") {
			t.Errorf("summary %q does not name the first failed object", res.Scan.Summary)
		}
		for _, c := range cases {
			if c.resolved && ref["case-"+fmt.Sprint(slices.IndexFunc(cases, func(x bodyCase) bool { return x.name == c.name }))][1] == 0 {
				t.Errorf("%s: the reference resolved no 1-hour writes; the case is not testing anything", c.name)
			}
		}
	})
	t.Run("the limit leaves the rest of unknown TTL", func(t *testing.T) {
		res := usageOf(t, offloaded, WithFetchBodies(2))
		if got, want := res.Scan.Int("bodies_over_limit"), int64(len(cases)-2); got != want {
			t.Errorf("over limit: got %d, want %d", got, want)
		}
		var fetched, unknown, cw int64
		for _, r := range res.AllRows() {
			unknown += r.CacheWriteUnknownTTLTokens
			cw += r.CacheWriteTokens
		}
		fetched = res.Scan.Int("bodies_fetched") + res.Scan.Int("bodies_failed")
		if fetched != 2 || unknown == 0 || unknown == cw {
			t.Errorf("got %d objects read, %d of %d writes unknown; want 2 read and some but not all unknown", fetched, unknown, cw)
		}
	})
}

func TestFetchBodiesS3(t *testing.T) {
	cases := bodyCases()
	inline, offloaded := bodyTrees(t, cases)
	ref := byUser(usageOf(t, inline).AllRows())
	fk := newFakeS3(t)
	fk.upload(t, "bedrock-logs/", offloaded)
	src, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs/", WithS3Client(fk.client()), WithFetchBodies(0))
	if err != nil {
		t.Fatal(err)
	}
	res, err := src.Usage(t.Context(), analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T11:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ref, byUser(res.AllRows())); diff != "" {
		t.Errorf("per user [cw 1h unknown] (-inline +fetched from S3):\n%s", diff)
	}
	var gets int
	for _, r := range fk.requests() {
		if r.method == "GET" && strings.Contains(r.key, "/data/") {
			gets++
			if strings.Contains(r.key, "never") {
				t.Errorf("read %s, the body of a call without cache writes", r.key)
			}
		}
	}
	if gets != len(cases) {
		t.Errorf("got %d GETs of body objects, want one per call with cache writes (%d)", gets, len(cases))
	}
}
