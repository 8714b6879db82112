//go:build linux

package scalebench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// The environment of `make bench`:
//
//	BEDROCK_USAGE_BENCH=1          runs BenchmarkScale (otherwise it skips)
//	BEDROCK_USAGE_BENCH_DIR        where the corpora are kept (default: the user cache folder)
//	BEDROCK_USAGE_BENCH_SCALE      multiplies every corpus's record count (default 1)
//	BEDROCK_USAGE_BENCH_10M=1      adds the 10M one-session-per-call corpus (about 5 GB)
//	BEDROCK_USAGE_BENCH_ONLY       runs only the corpora whose names contain it
const (
	childEnv      = "BEDROCK_USAGE_BENCH_CHILD"
	childFilesEnv = "BEDROCK_USAGE_BENCH_FILES"
)

var (
	since = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	until = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
)

// TestMain runs a measured child when the benchmark starts this binary as one.
func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := runChild(mode, os.Getenv(childFilesEnv), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "scalebench child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// sums are what every contender that reads the records reports, so they can be compared.
type sums struct {
	Groups int64 `json:"groups"`
	Calls  int64 `json:"calls"`
	Input  int64 `json:"input_tokens"`
	Output int64 `json:"output_tokens"`
	Bytes  int64 `json:"bytes,omitempty"` // gunzip: bytes of JSON
}

func runChild(mode, listFile string, out io.Writer) error {
	files, err := readList(listFile)
	if err != nil {
		return err
	}
	var s sums
	switch mode {
	case "duckdb":
		s, err = duckdbSums(context.Background(), files)
	case "gunzip":
		s.Bytes, err = gunzipAll(files)
	default:
		err = fmt.Errorf("unknown child %q", mode)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(s)
}

// duckdbQuery is the query a user would write with DuckDB: read_json with the five columns
// it needs given, GROUP BY caller, model and day.
const duckdbQuery = `SELECT count(*), sum(calls), sum(in_tok), sum(out_tok) FROM (
  SELECT identity.arn AS principal, modelId, date_trunc('day', "timestamp") AS day,
         count(*) AS calls, sum(input.inputTokenCount) AS in_tok, sum(output.outputTokenCount) AS out_tok
  FROM read_json(?, format = 'newline_delimited', compression = 'gzip',
       columns = {"timestamp": 'TIMESTAMP', identity: 'STRUCT(arn VARCHAR)', modelId: 'VARCHAR',
                  input: 'STRUCT(inputTokenCount BIGINT)', output: 'STRUCT(outputTokenCount BIGINT)'})
  GROUP BY ALL)`

func duckdbSums(ctx context.Context, files []string) (sums, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return sums{}, err
	}
	defer db.Close()
	var s sums
	var in, out sql.NullInt64
	if err := db.QueryRowContext(ctx, duckdbQuery, files).Scan(&s.Groups, &s.Calls, &in, &out); err != nil {
		return sums{}, fmt.Errorf("duckdb: %w", err)
	}
	s.Input, s.Output = in.Int64, out.Int64
	return s, nil
}

// gunzipAll decompresses every file on all cores with the Go inflater the engine uses and
// discards the output: the floor under any pure-Go reader of these files.
func gunzipAll(files []string) (int64, error) {
	var next, total atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var zr gzip.Reader
			br := bufio.NewReaderSize(nil, 256<<10)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				fh, err := os.Open(files[i])
				if err != nil {
					errs <- err
					return
				}
				br.Reset(fh)
				var n int64
				if err = zr.Reset(br); err == nil {
					n, err = io.Copy(io.Discard, &zr)
				}
				fh.Close()
				if err != nil {
					errs <- fmt.Errorf("%s: %w", files[i], err)
					return
				}
				total.Add(n)
			}
		})
	}
	wg.Wait()
	close(errs)
	return total.Load(), <-errs
}

// A corpus is a generated month of logs.
type corpus struct {
	name string
	what string
	cfg  loggen.Config
	// target is the bar for this corpus, printed under its figures.
	target string
}

func corpora() []corpus {
	scale := 1.0
	if s := os.Getenv("BEDROCK_USAGE_BENCH_SCALE"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			scale = f
		}
	}
	n := func(records int) int { return max(1000, int(float64(records)*scale)) }
	cs := []corpus{
		{name: "realistic", what: "realistic bodies, about 5 KB a record",
			cfg:    loggen.Config{Records: n(300_000), BodyText: 4500},
			target: "CPU ≤ 0.5× DuckDB (≤ 0.33× with -tags libdeflate, wall ≤ 2× libdeflate-gunzip); peak RSS ≤ 200 MiB"},
		{name: "sessions-1M", what: "one role session per call",
			cfg:    loggen.Config{Records: n(1_000_000), SessionPerCall: true},
			target: "peak RSS ≤ 512 MiB; wall ≤ 2× DuckDB; exact totals"},
	}
	if os.Getenv("BEDROCK_USAGE_BENCH_10M") != "" {
		cs = append(cs, corpus{name: "sessions-10M", what: "one role session per call",
			cfg: loggen.Config{Records: n(10_000_000), SessionPerCall: true}, target: "completes"})
	}
	if only := os.Getenv("BEDROCK_USAGE_BENCH_ONLY"); only != "" {
		var keep []corpus
		for _, c := range cs {
			if strings.Contains(c.name, only) {
				keep = append(keep, c)
			}
		}
		cs = keep
	}
	return cs
}

// generate returns the corpus's folder, generating it on first use.
func (c corpus) generate(b *testing.B) string {
	root := os.Getenv("BEDROCK_USAGE_BENCH_DIR")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "bedrock-usage", "bench")
	}
	dir := filepath.Join(root, fmt.Sprintf("%s-%d-v1", c.name, c.cfg.Records))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	cfg := c.cfg
	cfg.Out, cfg.Since, cfg.Until, cfg.Seed = dir, since, until, 1
	fmt.Fprintf(os.Stderr, "bench: generating the %s corpus (%d records, %s) into %s, once\n", c.name, cfg.Records, c.what, dir)
	start := time.Now()
	st, err := loggen.Generate(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "bench: %d records, %d files, %d MB in %s\n", st.Records, st.Files, st.Bytes>>20, time.Since(start).Round(time.Second))
	if err := os.WriteFile(filepath.Join(dir, ".complete"), []byte(strconv.FormatInt(st.Records, 10)), 0o644); err != nil {
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

func writeList(b *testing.B, files []string) string {
	p := filepath.Join(b.TempDir(), "files")
	if err := os.WriteFile(p, []byte(strings.Join(files, "\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

func readList(p string) ([]string, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return strings.Split(string(data), "\n"), nil
}

// A measurement is one contender's run, from the kernel's accounting of its processes.
type measurement struct {
	name      string
	wall, cpu time.Duration
	rssKiB    int64 // the largest peak RSS of its processes
	err       error
	note      string
}

// measure runs cmds (at once) and accounts for them together: wall time until the last ends,
// CPU time summed, peak RSS the largest.
func measure(name string, cmds ...*exec.Cmd) measurement {
	m := measurement{name: name}
	start := time.Now()
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		var stderr bytes.Buffer
		if c.Stderr == nil {
			c.Stderr = &stderr
		}
		wg.Go(func() {
			if err := c.Run(); err != nil {
				errs[i] = fmt.Errorf("%s: %w: %s", filepath.Base(c.Path), err, lastLine(stderr.String()))
			}
		})
	}
	wg.Wait()
	m.wall = time.Since(start)
	for _, c := range cmds {
		if c.ProcessState == nil {
			continue
		}
		m.cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.rssKiB = max(m.rssKiB, ru.Maxrss)
		}
	}
	m.err = errors.Join(errs...)
	return m
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// buildCLI builds the CLI into dir, with the given build tags; the error says why a build
// (the libdeflate one without the library) is not possible.
func buildCLI(dir string, tags string) (string, error) {
	bin := filepath.Join(dir, "bedrock-usage")
	args := []string{"build", "-o", bin}
	if tags != "" {
		bin += "-" + tags
		args = []string{"build", "-tags", tags, "-o", bin}
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), append(args, "./cmd/bedrock-usage")...)
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, lastLine(string(out)))
	}
	return bin, nil
}

// reportTotals reads the totals of a JSON report and counts its application × user lines,
// streaming: a report of ten million users is gigabytes, never decoded whole.
func reportTotals(path string) (sums, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return sums{}, 0, err
	}
	defer f.Close()
	fail := func(err error) (sums, int64, error) { return sums{}, 0, fmt.Errorf("%s: %w", path, err) }
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if _, err := dec.Token(); err != nil { // {
		return fail(err)
	}
	var totals struct {
		Calls        int64 `json:"calls"`
		InputTokens  int64 `json:"input_tokens"`
		OutputTokens int64 `json:"output_tokens"`
	}
	var users int64
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		switch key {
		case "totals":
			err = dec.Decode(&totals)
		case "by_app_user":
			if _, err = dec.Token(); err != nil { // [
				return fail(err)
			}
			for dec.More() {
				var line json.RawMessage
				if err = dec.Decode(&line); err != nil {
					return fail(err)
				}
				users++
			}
			_, err = dec.Token() // ]
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return fail(err)
		}
	}
	return sums{Calls: totals.Calls, Input: totals.InputTokens, Output: totals.OutputTokens}, users, nil
}

func (m measurement) ratio(of func(measurement) time.Duration, base measurement) string {
	if m.err != nil || base.err != nil || of(base) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", of(m).Seconds()/of(base).Seconds())
}

func cpuOf(m measurement) time.Duration  { return m.cpu }
func wallOf(m measurement) time.Duration { return m.wall }

// BenchmarkScale is `make bench`. Each corpus is read, in one run, by the CLI (pure Go, and
// with -tags libdeflate when that builds), by DuckDB, by a Go gunzip and by libdeflate-gunzip,
// each as its own process; the totals of the CLI and of DuckDB must equal loggen's.
func BenchmarkScale(b *testing.B) {
	if os.Getenv("BEDROCK_USAGE_BENCH") == "" {
		b.Skip("set BEDROCK_USAGE_BENCH=1 (make bench) to run the scale benchmark: it generates gigabytes of logs")
	}
	binDir := b.TempDir()
	pure, err := buildCLI(binDir, "")
	if err != nil {
		b.Fatal(err)
	}
	fast, fastErr := buildCLI(binDir, "libdeflate")
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, c := range corpora() {
			dir := c.generate(b)
			files, size := logFiles(b, dir)
			list := writeList(b, files)
			want, _ := os.ReadFile(filepath.Join(dir, ".complete"))
			records, _ := strconv.ParseInt(string(want), 10, 64)

			child := func(mode string, out *bytes.Buffer) *exec.Cmd {
				cmd := exec.Command(self, "-test.run=^$")
				cmd.Env = append(os.Environ(), childEnv+"="+mode, childFilesEnv+"="+list)
				cmd.Stdout = out
				return cmd
			}
			report := func(bin string) (*exec.Cmd, string) {
				out := filepath.Join(b.TempDir(), "report.json")
				return exec.Command(bin, "report", "--source", dir, "--since", since.Format(time.DateOnly), "--until", until.Format(time.DateOnly),
					"--offline", "--format", "json", "--output", out), out
			}

			var duckOut, gzOut bytes.Buffer
			duck := measure("DuckDB read_json GROUP BY", child("duckdb", &duckOut))
			gz := measure("Go gunzip, 2 streams", child("gunzip", &gzOut))
			cmd, pureJSON := report(pure)
			engine := measure("bedrock-usage", cmd)
			rows := []measurement{engine}
			var fastJSON string
			if fastErr == nil {
				cmd, fastJSON = report(fast)
				rows = append(rows, measure("bedrock-usage -tags libdeflate", cmd))
			} else {
				rows = append(rows, measurement{name: "bedrock-usage -tags libdeflate", err: fastErr})
			}
			lib := measurement{name: "libdeflate-gunzip, 2 streams"}
			if _, err := exec.LookPath("libdeflate-gunzip"); err != nil {
				lib.err = errors.New("not installed (Debian: apt-get install libdeflate-tools)")
			} else {
				half := (len(files) + 1) / 2
				var cmds []*exec.Cmd
				for _, part := range [][]string{files[:half], files[half:]} {
					cmds = append(cmds, exec.Command("sh", "-c", `xargs -0 libdeflate-gunzip -c > /dev/null`))
					cmds[len(cmds)-1].Stdin = strings.NewReader(strings.Join(part, "\x00"))
				}
				lib = measure(lib.name, cmds...)
			}
			rows = append(rows, duck, gz, lib)

			// Nothing lost: the CLI's totals and DuckDB's equal what loggen wrote.
			var ds sums
			if duck.err == nil {
				if err := json.Unmarshal(duckOut.Bytes(), &ds); err != nil {
					b.Fatalf("duckdb child: %v", err)
				}
				if ds.Calls != records {
					b.Errorf("%s: DuckDB counted %d calls, loggen wrote %d", c.name, ds.Calls, records)
				}
			}
			var gs sums
			_ = json.Unmarshal(gzOut.Bytes(), &gs)
			var users int64
			for _, p := range []string{pureJSON, fastJSON} {
				if p == "" {
					continue
				}
				got, u, err := reportTotals(p)
				if err != nil {
					b.Errorf("%s: %v", c.name, err)
					continue
				}
				users = u
				if got.Calls != records || (duck.err == nil && (got.Input != ds.Input || got.Output != ds.Output)) {
					b.Errorf("%s: the report's totals %+v differ from DuckDB's %+v (loggen: %d calls)", c.name, got, ds, records)
				}
			}

			fmt.Fprintf(os.Stderr, "\n%s: %d records (%s), %d files, %.0f MB of gzip, %.0f MB of JSON, %d application × user lines, %d DuckDB groups, %d CPUs\n",
				c.name, records, c.what, len(files), float64(size)/1e6, float64(gs.Bytes)/1e6, users, ds.Groups, runtime.GOMAXPROCS(0))
			fmt.Fprintf(os.Stderr, "  %-32s %8s %8s %9s %11s %11s %12s\n", "", "CPU s", "wall s", "peak RSS", "CPU/DuckDB", "wall/DuckDB", "wall/libdefl")
			for _, m := range rows {
				if m.err != nil {
					fmt.Fprintf(os.Stderr, "  %-32s %s\n", m.name, m.err)
					continue
				}
				fmt.Fprintf(os.Stderr, "  %-32s %8.2f %8.2f %5.0f MiB %11s %11s %12s\n", m.name, m.cpu.Seconds(), m.wall.Seconds(), float64(m.rssKiB)/1024,
					m.ratio(cpuOf, duck), m.ratio(wallOf, duck), m.ratio(wallOf, lib))
			}
			fmt.Fprintf(os.Stderr, "  target: %s\n", c.target)
			if engine.err != nil {
				b.Errorf("%s: %v", c.name, engine.err)
				continue
			}
			if duck.err == nil {
				b.ReportMetric(engine.cpu.Seconds()/duck.cpu.Seconds(), c.name+"-cpu/duckdb")
				b.ReportMetric(engine.wall.Seconds()/duck.wall.Seconds(), c.name+"-wall/duckdb")
			}
			b.ReportMetric(float64(engine.rssKiB)/1024, c.name+"-peak-RSS-MiB")
			b.ReportMetric(float64(engine.cpu.Nanoseconds())/float64(records)/1e3, c.name+"-cpu-µs/record")
		}
	}
}
