package local

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// skipCounts are the counts of a Skipped, to compare.
type skipCounts struct{ Malformed, Unreadable, NonLog, Other, UnlistedHours int64 }

func countsOf(s invocationlog.Skipped) skipCounts {
	return skipCounts{s.MalformedLines, s.UnreadableFiles, s.NonLogObjects, s.OtherRecords, s.UnlistedHours}
}

// hostileCase adds hostile input to a copy of a generated day of logs. add writes it below
// hour (an hour folder of the layout, in range) and returns the valid records it added, as
// NDJSON; skip is what it adds to the skipped counts.
type hostileCase struct {
	name string
	add  func(t *testing.T, hour string) (valid []byte)
	skip skipCounts
}

// TestHostileCorpus keeps the hostile-input set as a test corpus. Each case's report equals
// the report of the clean logs plus exactly the valid records the case adds (written there
// as a plain file of their own), with the expected skipped counts, every skipped file
// named, within a bound on what the run allocates, and under a deadline (a hang guard).
func TestHostileCorpus(t *testing.T) {
	since := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	until := since.Add(24 * time.Hour)
	clean := filepath.Join(t.TempDir(), "clean")
	if _, err := loggen.Generate(t.Context(), loggen.Config{Out: clean, Since: since, Until: until, Seed: 3, Records: 3000, Regions: []string{"us-east-1", "eu-central-1"}}); err != nil {
		t.Fatal(err)
	}
	hourRel := filepath.FromSlash("bedrock-logs/" + layoutDir("us-east-1", "2026-03-02T10:00:00Z"))
	if _, err := os.Stat(filepath.Join(clean, hourRel)); err != nil {
		t.Fatalf("the generated logs have no hour folder %s: %v", hourRel, err)
	}
	q := analytics.Query{Since: since, Until: until}

	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			hostile, expected := copyTree(t, clean), copyTree(t, clean)
			valid := tc.add(t, filepath.Join(hostile, hourRel))
			if len(valid) > 0 {
				if err := os.WriteFile(filepath.Join(expected, hourRel, "valid-records.json"), valid, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // a hang guard, not a speed check
			defer cancel()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got := usage(ctx, t, hostile, q)
			runtime.ReadMemStats(&after)
			want := usage(ctx, t, expected, q)

			if diff := cmp.Diff(want.AllRows(), got.AllRows()); diff != "" {
				t.Errorf("rows differ from the clean logs plus the valid records (-want +got):\n%s", diff)
			}
			wantSkip := countsOf(want.Skipped)
			wantSkip.Malformed += tc.skip.Malformed
			wantSkip.Unreadable += tc.skip.Unreadable
			wantSkip.NonLog += tc.skip.NonLog
			wantSkip.Other += tc.skip.Other
			if diff := cmp.Diff(wantSkip, countsOf(got.Skipped)); diff != "" {
				t.Errorf("skipped counts (-want +got):\n%s\nsamples: %v", diff, got.Skipped.Samples)
			}
			// Every unreadable file is named in Files, whatever the number of samples.
			named := int64(0)
			for _, f := range got.Skipped.Files {
				if f.Reason == invocationlog.SkipUnreadableFile {
					named++
				}
			}
			if named != got.Skipped.UnreadableFiles {
				t.Errorf("got %d unreadable files named, want all %d: %v", named, got.Skipped.UnreadableFiles, got.Skipped.Files)
			}
			// The run's allocations stay bounded: the 1 GiB bomb and the 9 MiB line are
			// streamed, never held (a 64 MiB line limit alone allocated 130–240 MB).
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("the run allocated %.1f MiB", float64(alloc)/(1<<20))
			if alloc > 128<<20 {
				t.Errorf("the run allocated %d MiB, want at most 128 MiB", alloc>>20)
			}
		})
	}
}

func usage(ctx context.Context, t *testing.T, root string, q analytics.Query) *analytics.Result {
	t.Helper()
	src, err := New(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	res, err := src.Usage(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// copyTree hard-links (or copies) every file of root into a new folder.
func copyTree(t *testing.T, root string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "logs")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if os.Link(path, to) == nil {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// hostileRecord is a valid record at 10:mm of 2026-03-02 in us-east-1 for session user.
func hostileRecord(t *testing.T, mm int, user string, in int64) []byte {
	t.Helper()
	rec := map[string]any{
		"schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
		"timestamp": time.Date(2026, 3, 2, 10, mm, 0, 0, time.UTC).Format(time.RFC3339),
		"accountId": "123456789012", "region": "us-east-1", "requestId": "hostile-" + user, "operation": "Converse",
		"modelId":  "anthropic.claude-3-haiku-20240307-v1:0",
		"identity": map[string]any{"arn": "arn:aws:sts::123456789012:assumed-role/ChatbotApp-BedrockRole/" + user},
		"input":    map[string]any{"inputContentType": "application/json", "inputTokenCount": in},
		"output":   map[string]any{"outputContentType": "application/json", "outputTokenCount": in / 10},
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func gzipOf(t *testing.T, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	for _, p := range parts {
		if _, err := z.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links unavailable here: %v", err)
	}
}

// withCount is a valid record with raw JSON text for its input token count.
func withCount(t *testing.T, raw string) []byte {
	line := hostileRecord(t, 30, "counts", 1)
	return bytes.Replace(line, []byte(`"inputTokenCount":1`), []byte(`"inputTokenCount":`+raw), 1)
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "hostile session names are valid records",
			add: func(t *testing.T, hour string) []byte {
				var valid []byte
				for i, u := range []string{`=HYPERLINK("http://evil.example","x")`, "@SUM(1+1)", "+1+1", "-2", "\x1b[31mred\x1b[0m", "a\rb", "a\nb", "![img](http://evil.example/x.png)", "\u202eevil", "a|b"} {
					valid = append(valid, hostileRecord(t, i, u, int64(100+i))...)
				}
				write(t, filepath.Join(hour, "names.json.gz"), gzipOf(t, valid))
				return valid
			}},
		{name: "a truncated gzip keeps the records before the cut",
			add: func(t *testing.T, hour string) []byte {
				two := append(hostileRecord(t, 1, "t1", 11), hostileRecord(t, 2, "t2", 12)...)
				var buf bytes.Buffer
				z := gzip.NewWriter(&buf)
				z.Write(two)
				z.Flush() // the two records are decodable from here
				n := buf.Len()
				z.Write(hostileRecord(t, 3, "t3", 13))
				z.Close()
				write(t, filepath.Join(hour, "truncated.json.gz"), buf.Bytes()[:n+5])
				return two
			}, skip: skipCounts{Unreadable: 1}},
		{name: "garbage after a gzip member",
			add: func(t *testing.T, hour string) []byte {
				one := hostileRecord(t, 4, "g", 14)
				write(t, filepath.Join(hour, "garbage.json.gz"), append(gzipOf(t, one), "not a gzip member"...))
				return one
			}, skip: skipCounts{Unreadable: 1}},
		{name: "not gzip at all",
			add: func(t *testing.T, hour string) []byte {
				write(t, filepath.Join(hour, "plain-bytes.json.gz"), []byte("\x1f\x8bnot really gzip"))
				return nil
			}, skip: skipCounts{Unreadable: 1}},
		{name: "a gzip bomb of a GiB of NUL bytes",
			add: func(t *testing.T, hour string) []byte {
				var buf bytes.Buffer
				z, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
				chunk := make([]byte, 1<<20)
				for range 1 << 10 {
					z.Write(chunk)
				}
				z.Close()
				write(t, filepath.Join(hour, "bomb.json.gz"), buf.Bytes())
				return nil
			}, skip: skipCounts{Malformed: 1}},
		{name: "64 MiB of newlines",
			add: func(t *testing.T, hour string) []byte {
				one := hostileRecord(t, 5, "after-blank", 15)
				write(t, filepath.Join(hour, "newlines.json.gz"), gzipOf(t, bytes.Repeat([]byte("\n"), 64<<20), one))
				return one
			}},
		{name: "a 9 MiB line, then a valid record",
			add: func(t *testing.T, hour string) []byte {
				one := hostileRecord(t, 6, "after-long", 16)
				long := append([]byte(`{"schemaType":"ModelInvocationLog","x":"`), bytes.Repeat([]byte("a"), 9<<20)...)
				write(t, filepath.Join(hour, "long.json.gz"), gzipOf(t, long, []byte("\"}\n"), one))
				return one
			}, skip: skipCounts{Malformed: 1}},
		{name: "100k-deep nesting",
			add: func(t *testing.T, hour string) []byte {
				one := hostileRecord(t, 7, "after-deep", 17)
				deep := `{"schemaType":"ModelInvocationLog","requestMetadata":{"k":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}}\n"
				write(t, filepath.Join(hour, "deep.json"), append([]byte(deep), one...))
				return one
			}, skip: skipCounts{Malformed: 1}},
		{name: "NUL bytes in a line",
			add: func(t *testing.T, hour string) []byte {
				write(t, filepath.Join(hour, "nul.json"), append([]byte("\x00\x00"), hostileRecord(t, 8, "nul", 18)...))
				return nil
			}, skip: skipCounts{Malformed: 1}},
		{name: "counts that are negative, too large, fractional or not numbers",
			add: func(t *testing.T, hour string) []byte {
				var lines []byte
				for _, c := range []string{"-1", "1000000000001", "9223372036854775808", "1.5", "1e400", `"7"`, "true"} {
					lines = append(lines, withCount(t, c)...)
				}
				ok := withCount(t, "1000000000000") // the ceiling itself is valid
				write(t, filepath.Join(hour, "counts.json"), append(lines, ok...))
				return ok
			}, skip: skipCounts{Malformed: 7}},
		{name: "another schema type",
			add: func(t *testing.T, hour string) []byte {
				write(t, filepath.Join(hour, "other.json"), []byte(`{"schemaType":"SomethingElse","timestamp":"2026-03-02T10:00:00Z"}`+"\n"))
				return nil
			}, skip: skipCounts{Other: 1}},
		{name: "a BOM and CRLF line ends",
			add: func(t *testing.T, hour string) []byte {
				a, b := hostileRecord(t, 9, "crlf1", 19), hostileRecord(t, 10, "crlf2", 20)
				crlf := func(l []byte) []byte { return append(bytes.Clone(bytes.TrimSuffix(l, []byte("\n"))), "\r\n"...) }
				write(t, filepath.Join(hour, "bom.json"), append(append([]byte("\xef\xbb\xbf"), crlf(a)...), crlf(b)...))
				return append(a, b...)
			}},
		{name: "a symlinked hour folder is counted, not followed",
			add: func(t *testing.T, hour string) []byte {
				elsewhere := filepath.Join(t.TempDir(), "elsewhere")
				write(t, filepath.Join(elsewhere, "x.json"), hostileRecord(t, 11, "linked-dir", 21))
				symlink(t, elsewhere, filepath.Join(hour, "linked"))
				return nil
			}, skip: skipCounts{Unreadable: 1}},
		{name: "a symlink loop",
			add: func(t *testing.T, hour string) []byte {
				symlink(t, filepath.Join(hour, "loop.json.gz"), filepath.Join(hour, "loop.json.gz"))
				return nil
			}, skip: skipCounts{Unreadable: 1}},
		{name: "a broken symlink",
			add: func(t *testing.T, hour string) []byte {
				symlink(t, filepath.Join(hour, "nowhere.json.gz"), filepath.Join(hour, "broken.json.gz"))
				return nil
			}, skip: skipCounts{Unreadable: 1}},
		{name: "a symlink to a regular log file is read",
			add: func(t *testing.T, hour string) []byte {
				one := hostileRecord(t, 12, "linked-file", 22)
				target := filepath.Join(t.TempDir(), "target.json")
				write(t, target, one)
				symlink(t, target, filepath.Join(hour, "linked-file.json"))
				return one
			}},
		{name: "a symlink to /dev/zero is not opened",
			add: func(t *testing.T, hour string) []byte {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero here")
				}
				symlink(t, "/dev/zero", filepath.Join(hour, "zero.json.gz"))
				return nil
			}, skip: skipCounts{Unreadable: 1}},
		{name: "non-log objects, a body object holding a record among them",
			add: func(t *testing.T, hour string) []byte {
				write(t, filepath.Join(hour, "notes.txt"), []byte("hello"))
				write(t, filepath.Join(hour, "data", "body.json.gz"), gzipOf(t, hostileRecord(t, 13, "body", 23)))
				return nil
			}, skip: skipCounts{NonLog: 2}},
		{name: "duplicate keys",
			add: func(t *testing.T, hour string) []byte {
				line := bytes.Replace(hostileRecord(t, 14, "dup", 24), []byte(`"inputTokenCount":24`), []byte(`"inputTokenCount":5,"inputTokenCount":24`), 1)
				write(t, filepath.Join(hour, "dup.json"), line)
				return line
			}},
	}
}
