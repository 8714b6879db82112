package local

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// genLogs writes generated logs of one region into a new folder.
func genLogs(t *testing.T, region string, seed int64, records int) string {
	t.Helper()
	dir := t.TempDir()
	_, err := loggen.Generate(t.Context(), loggen.Config{Out: dir, Seed: seed, Records: records, Regions: []string{region},
		Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 8, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// treeFiles are the files under root, for fakeS3.upload.
func treeFiles(t *testing.T, root string) []file {
	t.Helper()
	var out []file
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, file{rel: filepath.ToSlash(rel), data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func answer(t *testing.T, src analytics.Source, q analytics.Query) *analytics.Result {
	t.Helper()
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func calls(rows []analytics.Row) (n int64) {
	for _, r := range rows {
		n += r.Calls
	}
	return n
}

// TestMultiSources: several sources read as one add up to the sum of their reports; the same
// logs in a bucket and in a folder count once, with every record a duplicate; a source that
// fails is a failed part and the others still answer.
func TestMultiSources(t *testing.T) {
	q := analytics.Query{Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 8, 0, 0, 0, 0, time.UTC)}
	east, eu := genLogs(t, "us-east-1", 1, 3000), genLogs(t, "eu-central-1", 2, 2000)
	single := func(root string) []analytics.Row {
		src, err := New(t.Context(), root)
		if err != nil {
			t.Fatal(err)
		}
		return answer(t, src, q).AllRows()
	}
	eastRows, euRows := single(east), single(eu)

	t.Run("two regions", func(t *testing.T) {
		m, err := NewMulti(t.Context(), []string{east, eu})
		if err != nil {
			t.Fatal(err)
		}
		res := answer(t, m, q)
		want := append(append([]analytics.Row(nil), eastRows...), euRows...)
		analytics.SortRows(want)
		if diff := cmp.Diff(want, res.AllRows()); diff != "" {
			t.Errorf("rows differ from both sources' own rows (-want +got):\n%s", diff)
		}
		if got := res.Scan.Int("duplicates"); got != 0 || res.Scan.Int("sources") != 2 || len(res.Failures) != 0 {
			t.Errorf("got %d duplicates, %d sources, failures %v; want 0, 2, none", got, res.Scan.Int("sources"), res.Failures)
		}
		// A source is asked again and again (the dashboard): every answer is the whole one,
		// also two at once, never the first answer's "duplicates".
		var wg sync.WaitGroup
		again := make([]*analytics.Result, 2)
		for i := range again {
			wg.Go(func() { again[i], _ = m.Usage(t.Context(), q) })
		}
		wg.Wait()
		for i, r := range again {
			if r == nil {
				t.Fatalf("answer %d failed", i)
			}
			if diff := cmp.Diff(want, r.AllRows()); diff != "" || r.Scan.Int("duplicates") != 0 {
				t.Errorf("answer %d again: %d duplicates, rows (-want +got):\n%s", i, r.Scan.Int("duplicates"), diff)
			}
		}
	})

	t.Run("the same logs in a bucket and a folder", func(t *testing.T) {
		fk := newFakeS3(t)
		fk.upload(t, "bedrock-logs/", treeFiles(t, east))
		m, err := NewMulti(t.Context(), []string{"s3://" + testBucket + "/bedrock-logs/", east}, WithS3Client(fk.client()))
		if err != nil {
			t.Fatal(err)
		}
		res := answer(t, m, q)
		if diff := cmp.Diff(eastRows, res.AllRows()); diff != "" {
			t.Errorf("rows differ from one copy's (-want +got):\n%s", diff)
		}
		if got, want := res.Scan.Int("duplicates"), calls(eastRows); got != want {
			t.Errorf("got %d duplicates, want %d (every call of one copy)", got, want)
		}
		if got, want := res.Scan.Int("records"), 2*calls(eastRows); got < want {
			t.Errorf("read %d records, want at least %d: both copies read in full", got, want)
		}
	})

	t.Run("a source that is not there", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		m, err := NewMulti(t.Context(), []string{east, missing})
		if err != nil {
			t.Fatal(err)
		}
		res := answer(t, m, q)
		if diff := cmp.Diff(eastRows, res.AllRows()); diff != "" {
			t.Errorf("rows differ from the readable source's (-want +got):\n%s", diff)
		}
		if len(res.Failures) != 1 || res.Failures[0].Region != missing || !strings.Contains(res.Failures[0].Error(), "no such file") {
			t.Errorf("got failures %v, want the missing folder", res.Failures)
		}
	})

	t.Run("every source fails", func(t *testing.T) {
		if _, err := NewMulti(t.Context(), []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}); err == nil {
			t.Error("got no error, want one when no source can be opened")
		}
	})
}

func TestDedupKeys(t *testing.T) {
	d := NewDedup()
	const id = "0f5a8c4e-6b1d-4e3a-9c2f-1a2b3c4d5e6f"
	tests := []struct {
		name  string
		hour  int32
		id    string
		first bool
	}{
		{"a new call", 10, id, true},
		{"the same call again", 10, id, false},
		{"the same id in another hour", 11, id, true},
		{"the id in capitals is another id", 10, strings.ToUpper(id), true},
		{"and is remembered too", 10, strings.ToUpper(id), false},
		{"an id that is not a UUID", 10, "req-1", true},
		{"again", 10, "req-1", false},
	}
	for _, tt := range tests {
		if got := d.first(tt.hour, tt.id); got != tt.first {
			t.Errorf("%s: got first %v, want %v", tt.name, got, tt.first)
		}
	}
	if got := d.Duplicates(); got != 3 {
		t.Errorf("got %d duplicates, want 3", got)
	}
}
