package local

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// plainRec is one generated record as read by plainRead.
type plainRec struct {
	ts            time.Time
	region, model string
	m             analytics.Measures
}

// plainFiles is what plainRead found.
type plainFiles struct {
	recs   []plainRec // every record of every log file
	bodies int64      // files under data/
	other  int64      // files that are not *.json.gz
}

// plainRead decodes every generated log file with gzip and encoding/json into maps (not with
// the decoder under test).
func plainRead(t *testing.T, root string) plainFiles {
	t.Helper()
	var s plainFiles
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.Contains(filepath.ToSlash(path), "/data/"):
			s.bodies++
			return nil
		case !strings.HasSuffix(path, ".json.gz"):
			s.other++
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			ts, err := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			num := func(obj, key string) int64 {
				o, _ := m[obj].(map[string]any)
				n, ok := o[key].(json.Number)
				if !ok {
					return 0
				}
				v, err := n.Int64()
				if err != nil {
					t.Fatalf("%s: %s.%s: %v", path, obj, key, err)
				}
				return v
			}
			s.recs = append(s.recs, plainRec{ts: ts, region: m["region"].(string), model: m["modelId"].(string), m: analytics.Measures{
				Calls:            1,
				InputTokens:      num("input", "inputTokenCount"),
				OutputTokens:     num("output", "outputTokenCount"),
				CacheReadTokens:  num("input", "cacheReadInputTokenCount"),
				CacheWriteTokens: num("input", "cacheWriteInputTokenCount"),
				// The generated bodies state no cache TTL.
				CacheWriteUnknownTTLTokens: num("input", "cacheWriteInputTokenCount"),
			}})
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return zr.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// plainSums are the records of [since, until) summed in total, by region and by model.
type plainSums struct {
	total          analytics.Measures
	byReg, byModel map[string]analytics.Measures
}

func (p plainFiles) sum(since, until time.Time) plainSums {
	s := plainSums{byReg: map[string]analytics.Measures{}, byModel: map[string]analytics.Measures{}}
	for _, r := range p.recs {
		if r.ts.Before(since) || !r.ts.Before(until) {
			continue
		}
		s.total.Add(r.m)
		for to, k := range map[*map[string]analytics.Measures]string{&s.byReg: r.region, &s.byModel: r.model} {
			v := (*to)[k]
			v.Add(r.m)
			(*to)[k] = v
		}
	}
	return s
}

// TestGenerated checks the engine's totals over ~20k generated records against sums computed
// independently from the generated files.
func TestGenerated(t *testing.T) {
	root := t.TempDir()
	since, until := mustTime("2025-11-01T00:00:00Z"), mustTime("2025-11-04T00:00:00Z")
	gen, err := loggen.Generate(t.Context(), loggen.Config{Out: root, Since: since, Until: until, Seed: 7, Records: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	plain := plainRead(t, root)
	src, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		since, until time.Time
		// whole is true when the range reads every generated file.
		whole bool
	}{
		{"whole range", since, until, true},
		{"partial hours", mustTime("2025-11-01T13:30:00Z"), mustTime("2025-11-02T07:15:00Z"), false},
		{"one hour", mustTime("2025-11-02T10:00:00Z"), mustTime("2025-11-02T11:00:00Z"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := plain.sum(tc.since, tc.until)
			res, err := src.Usage(t.Context(), analytics.Query{Since: tc.since, Until: tc.until})
			if err != nil {
				t.Fatal(err)
			}
			var tot analytics.Measures
			byReg, byModel := map[string]analytics.Measures{}, map[string]analytics.Measures{}
			for _, r := range res.AllRows() {
				tot.Add(r.Measures)
				m := byReg[r.Region]
				m.Add(r.Measures)
				byReg[r.Region] = m
				m = byModel[r.Model]
				m.Add(r.Measures)
				byModel[r.Model] = m
			}
			if tot != want.total {
				t.Errorf("totals: got %+v, want %+v", tot, want.total)
			}
			if tot.Calls == 0 {
				t.Errorf("no calls in range: the test proves nothing")
			}
			for _, c := range []struct {
				name      string
				got, want map[string]analytics.Measures
			}{{"region", byReg, want.byReg}, {"model", byModel, want.byModel}} {
				if len(c.got) != len(c.want) {
					t.Errorf("%ss: got %d, want %d", c.name, len(c.got), len(c.want))
				}
				for k, w := range c.want {
					if c.got[k] != w {
						t.Errorf("%s %s: got %+v, want %+v", c.name, k, c.got[k], w)
					}
				}
			}
			if p := res.Skipped.Problems(); p != 0 {
				t.Errorf("skipped problems: got %d (%v), want 0", p, res.Skipped.Samples)
			}
			if tc.whole {
				for _, c := range []struct {
					name      string
					got, want int64
				}{
					{"Stats.Records", res.Scan.Int("records"), int64(len(plain.recs))},
					{"Stats.Records vs loggen", res.Scan.Int("records"), gen.Records},
					{"Stats.Files", res.Scan.Int("files"), gen.Files},
					{"Skipped.NonLogObjects", res.Skipped.NonLogObjects, plain.bodies + plain.other},
					{"calls vs loggen", tot.Calls, gen.Records},
				} {
					if c.got != c.want {
						t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
					}
				}
			}
		})
	}
}

// TestGeneratedS3 uploads a generated tree to the fake S3 server and checks that the S3 path
// returns exactly the rows, skips and counts the folder path returns.
func TestGeneratedS3(t *testing.T) {
	root := t.TempDir()
	since, until := mustTime("2025-11-01T00:00:00Z"), mustTime("2025-11-02T00:00:00Z")
	if _, err := loggen.Generate(t.Context(), loggen.Config{Out: root, Since: since, Until: until, Seed: 11, Records: 5_000}); err != nil {
		t.Fatal(err)
	}
	fk := newFakeS3(t)
	var files []file
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path)
		files = append(files, file{rel: filepath.ToSlash(rel), data: data})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fk.upload(t, "", files)

	folder, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := New(t.Context(), "s3://"+testBucket+"/bedrock-logs/", WithS3Client(fk.client()))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []analytics.Query{
		{Since: since, Until: until},
		{Since: mustTime("2025-11-01T09:20:00Z"), Until: mustTime("2025-11-01T17:00:00Z"), Regions: []string{"us-east-1", "eu-central-1"}},
	} {
		want, err := folder.Usage(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bucket.Usage(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.AllRows()) == 0 {
			t.Fatalf("%v: no rows: the test proves nothing", q)
		}
		if !slices.Equal(got.AllRows(), want.AllRows()) {
			t.Errorf("%s..%s: S3 rows differ from folder rows (%d vs %d)", q.Since, q.Until, len(got.AllRows()), len(want.AllRows()))
		}
		// The permission-check object sits above AWSLogs/: the folder walk sees it, S3 does not list it.
		want.Skipped.NonLogObjects--
		for _, c := range []struct {
			name      string
			got, want int64
		}{
			{"Stats.Files", got.Scan.Int("files"), want.Scan.Int("files")},
			{"Stats.Bytes", got.Scan.Int("bytes"), want.Scan.Int("bytes")},
			{"Stats.Records", got.Scan.Int("records"), want.Scan.Int("records")},
			{"Stats.OutOfRange", got.Scan.Int("out_of_range"), want.Scan.Int("out_of_range")},
			{"Skipped.NonLogObjects", got.Skipped.NonLogObjects, want.Skipped.NonLogObjects},
			{"Skipped.Problems", got.Skipped.Problems(), 0},
		} {
			if c.got != c.want {
				t.Errorf("%s..%s: %s: got %d, want %d", q.Since, q.Until, c.name, c.got, c.want)
			}
		}
	}
}
