package local_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/local"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// The scan benchmark behind `make bench`: about 1 GB of gzipped generated logs (made once
// and kept in the user cache folder, or BEDROCK_USAGE_BENCH_DIR), read by the local engine
// and, as the baseline measured in the same run, by a plain parallel gunzip of the same files.
// Figures are reported as ratios to that baseline, because these machines are shared.

var (
	benchSince = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	benchUntil = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
)

func benchTarget() int64 {
	if s := os.Getenv("BEDROCK_USAGE_BENCH_MB"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n << 20
		}
	}
	return 1 << 30
}

// benchData returns the folder of generated logs, generating it on first use.
func benchData(b *testing.B) string {
	b.Helper()
	target := benchTarget()
	root := os.Getenv("BEDROCK_USAGE_BENCH_DIR")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "bedrock-usage", "bench")
	}
	dir := filepath.Join(root, fmt.Sprintf("logs-%dMB", target>>20))
	marker := filepath.Join(dir, ".complete")
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	// Size a sample first to know how many records make the target.
	sample := b.TempDir()
	st, err := loggen.Generate(context.Background(), loggen.Config{Out: sample, Since: benchSince, Until: benchUntil, Seed: 1, Records: 20000})
	if err != nil {
		b.Fatal(err)
	}
	records := int(target / max(1, st.Bytes/st.Records))
	fmt.Fprintf(os.Stderr, "bench: generating %d records (~%d MB gzip) into %s, once\n", records, target>>20, dir)
	start := time.Now()
	st, err = loggen.Generate(context.Background(), loggen.Config{Out: dir, Since: benchSince, Until: benchUntil, Seed: 1, Records: records})
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "bench: generated %d records, %d files, %d MB in %s\n", st.Records, st.Files, st.Bytes>>20, time.Since(start).Round(time.Second))
	if err := os.WriteFile(marker, []byte(strconv.FormatInt(st.Records, 10)), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func logFiles(b *testing.B, dir string) ([]string, int64) {
	var files []string
	var size int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !invocationlog.IsLogFile(p) {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, p)
		size += info.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return files, size
}

// gunzipAll decompresses every file on all cores and discards the output: the floor under
// any decoder.
func gunzipAll(b *testing.B, files []string) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				fh, err := os.Open(files[i])
				if err != nil {
					b.Error(err)
					return
				}
				zr, err := gzip.NewReader(fh)
				if err == nil {
					_, err = io.Copy(io.Discard, zr)
				}
				fh.Close()
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// peakHeap samples the in-use heap while fn runs.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

func BenchmarkScan(b *testing.B) {
	if os.Getenv("BEDROCK_USAGE_BENCH") == "" {
		b.Skip("set BEDROCK_USAGE_BENCH=1 (make bench) to run the 1 GB scan benchmark")
	}
	dir := benchData(b)
	files, size := logFiles(b, dir)
	q := analytics.Query{Since: benchSince, Until: benchUntil}
	var gunzipDur, engineDur time.Duration
	var peak uint64
	var res *analytics.Result
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		gunzipAll(b, files)
		gunzipDur += time.Since(start)

		src, err := local.New(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		p := peakHeap(func() {
			res, err = src.Usage(context.Background(), q)
		})
		engineDur += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, p)
	}
	b.StopTimer()
	n := float64(b.N)
	mb := float64(size) / (1 << 20)
	gunzipMBs := mb * n / gunzipDur.Seconds()
	engineMBs := mb * n / engineDur.Seconds()
	b.ReportMetric(float64(res.Stats.Records)*n/engineDur.Seconds(), "records/s")
	b.ReportMetric(engineMBs, "engine-gzMB/s")
	b.ReportMetric(gunzipMBs, "gunzip-gzMB/s")
	b.ReportMetric(engineMBs/gunzipMBs, "engine/gunzip")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(res.Rows)), "groups")
	fmt.Fprintf(os.Stderr, "\nscan of %d files, %.0f MB gzip, %d records, %d groups, %d CPUs:\n"+
		"  local engine  %8.1f MB/s of gzip  %10.0f records/s\n"+
		"  raw gunzip    %8.1f MB/s of gzip  (baseline, same files, same run)\n"+
		"  engine/gunzip %8.2f\n"+
		"  peak heap     %8.1f MB (%.3f of the gzip input)\n",
		len(files), mb, res.Stats.Records, len(res.Rows), runtime.GOMAXPROCS(0),
		engineMBs, float64(res.Stats.Records)*n/engineDur.Seconds(), gunzipMBs, engineMBs/gunzipMBs,
		float64(peak)/(1<<20), float64(peak)/float64(size))
	if sk := res.Skipped; sk.Problems() > 0 {
		b.Errorf("the generated logs had %d problems: %v", sk.Problems(), strings.Join(func() []string {
			var s []string
			for _, k := range sk.Samples {
				s = append(s, k.String())
			}
			return s
		}(), "; "))
	}
}
