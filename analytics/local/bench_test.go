package local

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// BenchmarkScan is what `make bench` runs: about 1 GB of gzipped generated logs (generated
// once and kept in the user cache folder, or BEDROCK_USAGE_BENCH_DIR; BEDROCK_USAGE_BENCH_MB
// sets the size), read by the local engine and, as the baseline measured in the same run, by
// a plain parallel gunzip of the same files with the same gzip library. Figures are reported
// as ratios to that baseline and as CPU time, because these machines are shared and noisy.

var (
	benchSince = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	benchUntil = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
)

// benchData returns the folder of generated logs, generating it on first use.
func benchData(b *testing.B) string {
	b.Helper()
	target := int64(1 << 30)
	if s := os.Getenv("BEDROCK_USAGE_BENCH_MB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("BEDROCK_USAGE_BENCH_MB=%q: want a number of megabytes", s)
		}
		target = n << 20
	}
	root := os.Getenv("BEDROCK_USAGE_BENCH_DIR")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "bedrock-usage", "bench")
	}
	dir := filepath.Join(root, fmt.Sprintf("logs-%dMB", target>>20))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir
	}
	// The bytes per record fall as files fill up, so size by trial: generate, measure the
	// log files, scale, at most three times.
	records := int(target / 500)
	var st loggen.Stats
	for try := 0; ; try++ {
		os.RemoveAll(dir)
		fmt.Fprintf(os.Stderr, "bench: generating %d records (aiming at %d MB of gzipped log files) into %s, once\n", records, target>>20, dir)
		start := time.Now()
		var err error
		st, err = loggen.Generate(b.Context(), loggen.Config{Out: dir, Since: benchSince, Until: benchUntil, Seed: 1, Records: records})
		if err != nil {
			b.Fatal(err)
		}
		_, size := benchFiles(b, dir)
		fmt.Fprintf(os.Stderr, "bench: %d records, %d files, %d MB of log files in %s\n", st.Records, st.Files, size>>20, time.Since(start).Round(time.Second))
		if try == 2 || (size > target*9/10 && size < target*11/10) {
			break
		}
		records = int(float64(records) * float64(target) / float64(size))
	}
	if err := os.WriteFile(filepath.Join(dir, ".complete"), []byte(strconv.FormatInt(st.Records, 10)), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchFiles(b *testing.B, dir string) ([]string, int64) {
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
// any decoder, with the gzip library and buffer sizes the engine uses.
func gunzipAll(ctx context.Context, files []string) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var zr gzip.Reader
			br := bufio.NewReaderSize(nil, 256<<10)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				fh, err := os.Open(files[i])
				if err != nil {
					errs <- err
					return
				}
				br.Reset(fh)
				if err = zr.Reset(br); err == nil {
					_, err = io.Copy(io.Discard, &zr)
				}
				fh.Close()
				if err != nil {
					errs <- fmt.Errorf("%s: %w", files[i], err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// peakHeap samples the heap in use until stop is called and returns its maximum.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

func BenchmarkScan(b *testing.B) {
	if os.Getenv("BEDROCK_USAGE_BENCH") == "" {
		b.Skip("set BEDROCK_USAGE_BENCH=1 (make bench) to run the 1 GB scan benchmark")
	}
	dir := benchData(b)
	files, size := benchFiles(b, dir)
	q := analytics.Query{Since: benchSince, Until: benchUntil}
	var gunzipWall, engineWall, gunzipCPU, engineCPU time.Duration
	var peak uint64
	var res *analytics.Result
	for b.Loop() {
		cpu0, start := cpuTime(), time.Now()
		if err := gunzipAll(b.Context(), files); err != nil {
			b.Fatal(err)
		}
		gunzipWall += time.Since(start)
		gunzipCPU += cpuTime() - cpu0

		src, err := New(b.Context(), dir)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := peakHeap()
		cpu0, start = cpuTime(), time.Now()
		res, err = src.Usage(b.Context(), q)
		engineWall += time.Since(start)
		engineCPU += cpuTime() - cpu0
		peak = max(peak, stop())
		if err != nil {
			b.Fatal(err)
		}
		if p := res.Skipped.Problems(); p != 0 {
			b.Fatalf("the generated logs had %d problems: %v", p, res.Skipped.Samples)
		}
	}
	mb := float64(size) / 1e6 * float64(b.N)
	records := float64(res.Scan.Int("records")) * float64(b.N)
	engineMBs, gunzipMBs := mb/engineWall.Seconds(), mb/gunzipWall.Seconds()
	b.ReportMetric(records/engineWall.Seconds(), "records/s")
	b.ReportMetric(engineMBs, "engine-gzMB/s")
	b.ReportMetric(gunzipMBs, "gunzip-gzMB/s")
	b.ReportMetric(engineMBs/gunzipMBs, "engine/gunzip")
	if engineCPU > 0 && gunzipCPU > 0 {
		b.ReportMetric(float64(engineCPU.Nanoseconds())/records, "cpu-ns/record")
		b.ReportMetric(gunzipCPU.Seconds()/engineCPU.Seconds(), "engine/gunzip-cpu")
	}
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(len(res.Rows)), "groups")
	b.ReportMetric(float64(peak)/float64(max(1, len(res.Rows))), "heap-B/group")
	fmt.Fprintf(os.Stderr, "\nScan of %d files, %.0f MB of gzip, %d records, %d groups, %d CPUs (one run, same files):\n"+
		"  local engine   %8.1f MB/s of gzip  %9.0f records/s  %6.1f µs CPU/record\n"+
		"  raw gunzip     %8.1f MB/s of gzip  (the baseline)\n"+
		"  engine/gunzip  %8.2f wall, %.2f CPU\n"+
		"  peak heap      %8.1f MB, %.0f bytes per usage group (memory follows the groups, not the input)\n\n",
		len(files), float64(size)/1e6, res.Scan.Int("records"), len(res.Rows), runtime.GOMAXPROCS(0),
		engineMBs, records/engineWall.Seconds(), float64(engineCPU.Microseconds())/records,
		gunzipMBs, engineMBs/gunzipMBs, safeRatio(gunzipCPU, engineCPU),
		float64(peak)/1e6, float64(peak)/float64(max(1, len(res.Rows))))
}

func safeRatio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return a.Seconds() / b.Seconds()
}
