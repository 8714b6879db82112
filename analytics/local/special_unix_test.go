//go:build unix

package local

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// TestSpecialFiles: a folder source reads a symbolic link to a log file, counts a link to a
// folder, a broken link and a FIFO as skipped with their paths, and never blocks on the FIFO.
func TestSpecialFiles(t *testing.T) {
	root := t.TempDir()
	const hour = "2025-11-03T10:00:00Z"
	c := call{ts: "2025-11-03T10:05:00Z", region: "us-east-1", app: "App", user: "u", model: haiku, in: 10, out: 1}
	writeTree(t, root, []file{logFile(t, "us-east-1", hour, "real.json.gz", c)})
	dir := filepath.Join(root, filepath.FromSlash(layoutDir("us-east-1", hour)))
	elsewhere := t.TempDir()
	writeTree(t, elsewhere, []file{{rel: "target.json.gz", data: gz(t, ndjson(t, []call{c}))}})
	for name, target := range map[string]string{
		"link.json.gz":   filepath.Join(elsewhere, "target.json.gz"),
		"folder.json.gz": elsewhere,
		"broken.json.gz": filepath.Join(elsewhere, "missing"),
		"loop":           dir,
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.json.gz"), 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	src, err := New(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var res *analytics.Result
	go func() {
		defer close(done)
		res, err = src.Usage(t.Context(), analytics.Query{Since: mustTime(hour), Until: mustTime("2025-11-03T11:00:00Z")})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run blocked (on the FIFO?)")
	}
	if err != nil {
		t.Fatal(err)
	}
	var calls int64
	for _, r := range res.AllRows() {
		calls += r.Calls
	}
	if calls != 2 {
		t.Errorf("got %d calls, want 2 (the file and the link to one)", calls)
	}
	want := map[string]string{"folder.json.gz": "link to a folder", "broken.json.gz": "cannot be followed", "loop": "link to a folder", "pipe.json.gz": "not a regular file"}
	if res.Skipped.UnreadableFiles != int64(len(want)) {
		t.Errorf("got %d unreadable files, want %d: %+v", res.Skipped.UnreadableFiles, len(want), res.Skipped.Samples)
	}
	for name, why := range want {
		found := false
		for _, s := range res.Skipped.Samples {
			if s.Reason == invocationlog.SkipUnreadableFile && strings.HasSuffix(s.File, name) && strings.Contains(s.Detail, why) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no skip saying %q in %+v", name, why, res.Skipped.Samples)
		}
	}
}
