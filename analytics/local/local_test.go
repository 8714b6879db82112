package local

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

func TestFolder(t *testing.T) {
	root := t.TempDir()
	files := append(testTree(t), looseFiles(t)...)
	writeTree(t, root, files)
	src, err := New(t.Context(), root, WithWorkers(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range queryCases() {
		t.Run(tc.name, func(t *testing.T) {
			res, err := src.Usage(t.Context(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			check(t, res, tc.q, expect(files, tc.q))
		})
	}
}

// recordingFS records the folders listed and the files opened, and fails to open the
// files in fail.
type recordingFS struct {
	fs.FS
	fail map[string]bool

	mu     sync.Mutex
	dirs   []string
	opened []string
}

func (r *recordingFS) Open(name string) (fs.File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	f, err := r.FS.Open(name)
	if err == nil {
		if st, serr := f.Stat(); serr == nil && !st.IsDir() {
			r.opened = append(r.opened, name)
		}
	}
	return f, err
}

func (r *recordingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	r.mu.Lock()
	r.dirs = append(r.dirs, name)
	r.mu.Unlock()
	return fs.ReadDir(r.FS, name)
}

// recordFolder swaps the source's folder for a recording one.
func recordFolder(t *testing.T, src *Source, fail ...string) *recordingFS {
	t.Helper()
	fl, ok := src.lister.(*folderLister)
	if !ok {
		t.Fatalf("lister: got %T, want *folderLister", src.lister)
	}
	r := &recordingFS{FS: fl.fsys, fail: map[string]bool{}}
	for _, f := range fail {
		r.fail[f] = true
	}
	fl.fsys = r
	return r
}

// TestFolderPrunes proves that out-of-range year, month, day and hour folders and unwanted
// regions are not even listed, and that only the log files of the hours needed are opened.
func TestFolderPrunes(t *testing.T) {
	root := t.TempDir()
	files := append(testTree(t), looseFiles(t)...)
	writeTree(t, root, files)
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z"), Regions: []string{"us-east-1"}}
	src, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	rec := recordFolder(t, src)
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, q, expect(files, q))

	reg := "AWSLogs/" + testAccount + "/BedrockModelInvocationLogs/"
	wantDirs := []string{
		".", "AWSLogs", "AWSLogs/" + testAccount, "AWSLogs/" + testAccount + "/BedrockModelInvocationLogs",
		reg + "us-east-1", reg + "us-east-1/2025", reg + "us-east-1/2025/11", reg + "us-east-1/2025/11/03",
		reg + "us-east-1/2025/11/03/10", reg + "us-east-1/2025/11/03/11", reg + "us-east-1/2025/11/03/11/data",
		reg + "us-east-1/2025/11/03/12", "extra",
	}
	slices.Sort(rec.dirs)
	slices.Sort(wantDirs)
	if !slices.Equal(rec.dirs, wantDirs) {
		t.Errorf("folders listed:\n got %q\nwant %q", rec.dirs, wantDirs)
	}
	var wantOpened []string
	for _, f := range files {
		if strings.Contains(f.rel, "us-east-1/2025/11/03/1") && !f.body && !strings.Contains(f.rel, "/13/") || f.rel == "extra/loose.ndjson" {
			wantOpened = append(wantOpened, f.rel)
		}
	}
	slices.Sort(rec.opened)
	slices.Sort(wantOpened)
	if !slices.Equal(rec.opened, wantOpened) {
		t.Errorf("files opened:\n got %q\nwant %q", rec.opened, wantOpened)
	}
}

func TestSingleFile(t *testing.T) {
	root := t.TempDir()
	calls := []call{
		{ts: "2025-11-03T10:45:00Z", region: "us-west-2", user: "BackendAPI", model: haiku, in: 1500, out: 150},
		{ts: "2025-11-03T23:00:00Z", region: "us-west-2", app: "ChatbotApp-BedrockRole", user: "dave", model: haiku, in: 1, out: 2, cr: 3, cw: 4},
		{ts: "2025-11-04T00:00:00Z", region: "us-west-2", user: "BackendAPI", model: haiku, in: 1600, out: 160},
	}
	tests := []struct {
		name string
		rel  string
		data []byte
	}{
		{"plain ndjson", "calls.ndjson", nil},
		{"gzipped, any name", "export.bin", gz(t, ndjson(t, calls))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := []file{{rel: tc.rel, calls: calls, data: tc.data}}
			writeTree(t, root, files)
			src, err := New(t.Context(), filepath.Join(root, tc.rel))
			if err != nil {
				t.Fatal(err)
			}
			q := analytics.Query{Since: mustTime("2025-11-03T00:00:00Z"), Until: mustTime("2025-11-04T00:00:00Z")}
			res, err := src.Usage(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			// A file named on its own is read whatever its name: expect it as NDJSON.
			w := expect([]file{{rel: "named.ndjson", calls: calls, data: files[0].data}}, q)
			if want := (analytics.Measures{Calls: 2, InputTokens: 1501, OutputTokens: 152, CacheReadTokens: 3, CacheWriteTokens: 4, CacheWriteUnknownTTLTokens: 4}); w.totals != want {
				t.Fatalf("test expectation: got %+v, want %+v", w.totals, want)
			}
			check(t, res, q, w)
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name, root, want string
	}{
		{"missing folder", filepath.Join(t.TempDir(), "nope"), "no such file"},
		{"no bucket", "s3://", "no bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(t.Context(), tc.root, WithS3Client(nopS3{}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New(%q): got error %v, want one containing %q", tc.root, err, tc.want)
			}
		})
	}
}

type nopS3 struct{ S3API }

func TestInvalidQuery(t *testing.T) {
	src, err := New(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Usage(t.Context(), analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T10:00:00Z")})
	if err == nil {
		t.Errorf("Usage with an empty range: got no error, want one")
	}
}

// TestCancel cancels a run while a worker is in the middle of an endless file: Usage must
// return ctx.Err() promptly.
func TestCancel(t *testing.T) {
	root := t.TempDir()
	line := ndjson(t, []call{{ts: "2025-11-03T10:05:00Z", region: "us-east-1", user: "u", model: haiku, in: 1, out: 1}})
	if err := os.WriteFile(filepath.Join(root, "endless.ndjson"), line, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	fl := src.lister.(*folderLister)
	efs := &endlessFS{FS: fl.fsys, line: line, reading: make(chan struct{})}
	fl.fsys = efs

	ctx, cancel := context.WithCancel(t.Context())
	q := analytics.Query{Since: mustTime("2025-11-03T00:00:00Z"), Until: mustTime("2025-11-04T00:00:00Z")}
	errc := make(chan error, 1)
	go func() {
		_, err := src.Usage(ctx, q)
		errc <- err
	}()
	select {
	case <-efs.reading:
	case err := <-errc:
		t.Fatalf("Usage returned before reading the endless file: %v", err)
	}
	cancel()
	cancelled := time.Now()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Usage after cancel: got %v, want context.Canceled", err)
		}
		if d := time.Since(cancelled); d > time.Second {
			t.Errorf("Usage returned %v after cancel, want well under a second", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Usage did not return within 10s of cancel")
	}
}

// endlessFS serves every file as the same line repeated forever.
type endlessFS struct {
	fs.FS
	line    []byte
	once    sync.Once
	reading chan struct{}
}

func (e *endlessFS) Open(name string) (fs.File, error) {
	f, err := e.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return f, err
	}
	f.Close()
	return &endlessFile{fs: e}, nil
}

type endlessFile struct {
	fs  *endlessFS
	off int
}

func (f *endlessFile) Stat() (fs.FileInfo, error) { return nil, errors.New("no stat") }
func (f *endlessFile) Close() error               { return nil }
func (f *endlessFile) Read(p []byte) (int, error) {
	f.fs.once.Do(func() { close(f.fs.reading) })
	n := 0
	for n < len(p) {
		c := copy(p[n:], f.fs.line[f.off:])
		n += c
		f.off = (f.off + c) % len(f.fs.line)
	}
	return n, nil
}

func TestProgress(t *testing.T) {
	root := t.TempDir()
	files := testTree(t)
	writeTree(t, root, files)
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	w := expect(files, q)

	var out bytes.Buffer
	src, err := New(t.Context(), root, WithProgress(&out))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Usage(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, "\r") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress %q: want \\r-redrawn line ended by a newline", s)
	}
	if strings.Count(s, "\n") != 1 {
		t.Errorf("progress %q: got %d newlines, want 1", s, strings.Count(s, "\n"))
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\r")
	last := strings.TrimSpace(lines[len(lines)-1])
	wantPrefix := "reading logs: " + itoa(w.files) + "/" + itoa(w.files) + " files  " + itoa(w.records) + " records"
	if !strings.HasPrefix(last, wantPrefix) {
		t.Errorf("final progress line: got %q, want prefix %q", last, wantPrefix)
	}

	// Without WithProgress nothing is written anywhere: the source has no writer to use.
	quiet, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	if quiet.progOut != nil {
		t.Errorf("progress writer without WithProgress: got %v, want nil", quiet.progOut)
	}
}

func itoa(n int64) string { return strings.TrimSpace(humanCount(n)) }

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name                 string
		found, done, records int64
		bytes                int64
		listed               bool
		elapsed              time.Duration
		want                 string
	}{
		{"listing", 10, 3, 950, 2_000_000, false, time.Second, "reading logs: 3/10+ files  950 records  2.0 MB  2.0 MB/s"},
		{"listed", 10, 10, 1_234_567, 50_000_000, true, 2 * time.Second, "reading logs: 10/10 files  1.23M records  50.0 MB  25.0 MB/s"},
		{"thousands", 1, 0, 12_345, 0, true, 0, "reading logs: 0/1 files  12.3k records  0.0 MB  0.0 MB/s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := new(counters)
			st.found.Store(tc.found)
			st.done.Store(tc.done)
			st.records.Store(tc.records)
			st.bytes.Store(tc.bytes)
			st.listed.Store(tc.listed)
			if got := progressLine(st, tc.elapsed); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPrunerHours: the pruner keeps exactly the delivery hours invocationlog.Hours lists.
func TestPrunerHours(t *testing.T) {
	tests := []struct{ since, until string }{
		{"2025-11-03T10:00:00Z", "2025-11-03T12:00:00Z"},
		{"2025-11-03T10:30:00Z", "2025-11-03T10:31:00Z"},
		{"2025-11-03T10:59:59Z", "2025-11-03T11:00:00Z"},
		{"2025-12-31T23:00:00Z", "2026-01-01T00:00:01Z"},
	}
	for _, tc := range tests {
		q := analytics.Query{Since: mustTime(tc.since), Until: mustTime(tc.until)}
		hs := invocationlog.Hours(q.Since, q.Until)
		p := newPruner(q)
		if !p.lo.Equal(hs[0]) || !p.hi.Equal(hs[len(hs)-1].Add(time.Hour)) {
			t.Errorf("%s..%s: pruner keeps [%s, %s), want [%s, %s)", tc.since, tc.until, p.lo, p.hi, hs[0], hs[len(hs)-1].Add(time.Hour))
		}
	}
}

func TestPrunerKeepDir(t *testing.T) {
	p := newPruner(analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z"), Regions: []string{"us-east-1"}})
	reg := "/logs/AWSLogs/1/BedrockModelInvocationLogs/us-east-1"
	tests := []struct {
		dir  string
		want bool
	}{
		{"/logs", true},
		{"/logs/AWSLogs", true},
		{"/logs/AWSLogs/1", true},
		{"/logs/AWSLogs/1/BedrockModelInvocationLogs", true},
		{"/logs/AWSLogs/1/CloudTrail", false},
		{"/logs/AWSLogs/1/BedrockModelInvocationLogs/eu-west-1", false},
		{reg, true},
		{reg + "/2025", true},
		{reg + "/2024", false},
		{reg + "/2025/11", true},
		{reg + "/2025/10", false},
		{reg + "/2025/11/03", true},
		{reg + "/2025/11/04", false},
		{reg + "/2025/11/03/09", false},
		{reg + "/2025/11/03/10", true},
		{reg + "/2025/11/03/12", true}, // the hour after the range
		{reg + "/2025/11/03/13", false},
		{reg + "/2025/11/03/12/data", true},
		{reg + "/backup", true}, // not the layout: read and filter by timestamp
		{reg + "/2025/1", true},
		{reg + "/2025/11/03/99", true},
	}
	for _, tc := range tests {
		if got := p.keepDir(tc.dir); got != tc.want {
			t.Errorf("keepDir(%q): got %v, want %v", tc.dir, got, tc.want)
		}
	}
}

// TestUnreadableFile: a file that cannot be opened is counted with its name, the rest is kept.
func TestUnreadableFile(t *testing.T) {
	root := t.TempDir()
	files := testTree(t)
	writeTree(t, root, files)
	src, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	recordFolder(t, src, files[0].rel)
	q := analytics.Query{Since: mustTime("2025-11-03T10:00:00Z"), Until: mustTime("2025-11-03T12:00:00Z")}
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	w := expect(files[1:], q)
	w.unreadable++
	check(t, res, q, w)
	name := filepath.Join(root, filepath.FromSlash(files[0].rel))
	found := false
	for _, s := range res.Skipped.Samples {
		if s.Reason == invocationlog.SkipUnreadableFile && s.File == name {
			found = true
		}
	}
	if !found {
		t.Errorf("samples %v: want an unreadable_file sample for %s", res.Skipped.Samples, name)
	}
}
