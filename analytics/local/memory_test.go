package local

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// TestMemoryLimit: under a limit the live heap never reaches, the report is the one without
// a limit; under one it is already past, Usage returns a *MemoryError that says what to do,
// and no result.
func TestMemoryLimit(t *testing.T) {
	root := t.TempDir()
	files := testTree(t)
	writeTree(t, root, files)
	q := queryCases()[0].q

	t.Run("under the limit", func(t *testing.T) {
		src, err := New(t.Context(), root, WithMemoryLimit(64<<30))
		if err != nil {
			t.Fatal(err)
		}
		res, err := src.Usage(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, q, expect(files, q))
	})
	t.Run("over the limit", func(t *testing.T) {
		runtime.GC() // the live heap figure is that of the last collection
		src, err := New(t.Context(), root, WithMemoryLimit(1))
		if err != nil {
			t.Fatal(err)
		}
		res, err := src.Usage(t.Context(), q)
		var me *MemoryError
		if !errors.As(err, &me) {
			t.Fatalf("Usage over the limit: got %v, want a *MemoryError", err)
		}
		if res != nil {
			t.Errorf("Usage over the limit returned a result: %+v", res.Scan)
		}
		if me.Limit != 1 || me.Live <= me.Limit {
			t.Errorf("MemoryError: got limit %d, live %d; want limit 1 and live above it", me.Limit, me.Live)
		}
		for _, want := range []string{"did not fit in memory", "--max-memory", "--engine athena", root} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
}

// TestMemoryLimitStopsScan: a scan that never ends (an endless file) stops soon after the
// live heap passes the limit, with a *MemoryError, not a partial result.
func TestMemoryLimitStopsScan(t *testing.T) {
	root := t.TempDir()
	line := ndjson(t, []call{{ts: "2025-11-03T10:05:00Z", region: "us-east-1", user: "u", model: haiku, in: 1, out: 1}})
	if err := os.WriteFile(filepath.Join(root, "endless.ndjson"), line, 0o644); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	limit := liveHeap() + 64<<20
	src, err := New(t.Context(), root, WithMemoryLimit(limit))
	if err != nil {
		t.Fatal(err)
	}
	fl := src.lister.(*folderLister)
	efs := &endlessFS{FS: fl.fsys, line: line, reading: make(chan struct{})}
	fl.fsys = efs

	q := analytics.Query{Since: mustTime("2025-11-03T00:00:00Z"), Until: mustTime("2025-11-04T00:00:00Z")}
	errc := make(chan error, 1)
	go func() {
		_, err := src.Usage(t.Context(), q)
		errc <- err
	}()
	select {
	case <-efs.reading:
	case err := <-errc:
		t.Fatalf("Usage returned before reading the endless file: %v", err)
	}
	ballast := make([]byte, 128<<20) // the report's groups, as far as the limit can tell
	for i := range ballast {
		ballast[i] = 1
	}
	runtime.GC()
	select {
	case err := <-errc:
		var me *MemoryError
		if !errors.As(err, &me) {
			t.Fatalf("Usage past the limit: got %v, want a *MemoryError", err)
		}
		if me.FilesListed != 1 || me.FilesDone != 0 {
			t.Errorf("MemoryError: got %d of %d files done, want 0 of 1", me.FilesDone, me.FilesListed)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Usage did not stop within 10s of passing the memory limit")
	}
	runtime.KeepAlive(ballast)
}
