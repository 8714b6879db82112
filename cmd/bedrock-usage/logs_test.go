package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// readTree maps every file under dir (slash paths) to its bytes.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLogsGenerateWritesWhatTheLibraryWrites(t *testing.T) {
	c := newTestCLI(t)
	dir := t.TempDir()
	code := c.run("logs", "generate", "--out", dir, "--since", "2025-11-01", "--until", "2025-11-02",
		"--records", "500", "--seed", "3", "--region", "us-east-1,eu-central-1")
	if code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, c.errOut)
	}
	if c.out.Len() != 0 {
		t.Errorf("stdout %q, want nothing without --json", c.out)
	}
	line := c.errOut.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, "wrote 500 records") || !strings.Contains(line, filepath.Join(dir, "bedrock-logs")) {
		t.Errorf("stderr %q, want one summary line with the record count and the folder", line)
	}

	want := t.TempDir()
	st, err := loggen.Generate(context.Background(), loggen.Config{
		Out: want, Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC),
		Records: 500, Seed: 3, Regions: []string{"eu-central-1", "us-east-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, exp := readTree(t, dir), readTree(t, want)
	if len(got) != len(exp) {
		t.Fatalf("got %d files, want %d", len(got), len(exp))
	}
	for p, b := range exp {
		if !bytes.Equal(got[p], b) {
			t.Fatalf("%s differs from the library's output", p)
		}
	}
	if int64(len(got)) != st.Files+st.BodyObjects+1 {
		t.Errorf("got %d files, want %d log files, %d body objects and the permission check", len(got), st.Files, st.BodyObjects)
	}
}

func TestLogsGenerateJSON(t *testing.T) {
	tests := []struct {
		name              string
		args              []string
		wantSince, wantTo string
		wantPrefix        string
		wantRegions       int
	}{
		{"default range is the last 30 days", nil, "2025-10-21T12:00:00Z", "2025-11-20T12:00:00Z", "bedrock-logs/", 6},
		{"explicit range and prefix", []string{"--since", "2025-11-10T06:00:00Z", "--until", "2025-11-11", "--prefix", "logs", "--region", "ap-northeast-1"},
			"2025-11-10T06:00:00Z", "2025-11-12T00:00:00Z", "logs/", 1},
		{"no prefix", []string{"--since", "24h", "--prefix", ""}, "2025-11-19T12:00:00Z", "2025-11-20T12:00:00Z", "", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCLI(t)
			dir := t.TempDir()
			args := append([]string{"logs", "generate", "--out", dir, "--records", "300", "--json"}, tt.args...)
			if code := c.run(args...); code != exitOK {
				t.Fatalf("exit %d, stderr: %s", code, c.errOut)
			}
			if c.errOut.Len() != 0 {
				t.Errorf("stderr %q, want nothing with --json", c.errOut)
			}
			var s generateSummary
			if err := json.Unmarshal(c.out.Bytes(), &s); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, c.out)
			}
			if s.Schema != "bedrock-usage/logs-generate@1" || s.Records != 300 || s.Files == 0 || s.Bytes == 0 {
				t.Errorf("summary %+v, want schema bedrock-usage/logs-generate@1, 300 records, files and bytes", s)
			}
			if s.Since != tt.wantSince || s.Until != tt.wantTo {
				t.Errorf("range %s to %s, want %s to %s", s.Since, s.Until, tt.wantSince, tt.wantTo)
			}
			if s.Prefix != tt.wantPrefix || len(s.Regions) != tt.wantRegions {
				t.Errorf("prefix %q, %d regions; want %q, %d", s.Prefix, len(s.Regions), tt.wantPrefix, tt.wantRegions)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(tt.wantPrefix+"AWSLogs/123456789012/BedrockModelInvocationLogs"))); err != nil {
				t.Errorf("logs not under the prefix: %v", err)
			}
		})
	}
}

func TestLogsGenerateProfileMap(t *testing.T) {
	c := newTestCLI(t)
	dir := t.TempDir()
	mapFile := filepath.Join(t.TempDir(), "profiles.json")
	if code := c.run("logs", "generate", "--out", dir, "--since", "2025-11-01", "--until", "2025-11-10", "--records", "2000", "--account", "111122223333", "--profile-map", mapFile); code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, c.errOut)
	}
	data, err := os.ReadFile(mapFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pricing.ParseProfileMap(mapFile, data)
	if err != nil {
		t.Fatalf("the pricing package rejects the profile map: %v", err)
	}
	want := loggen.ProfileMap(loggen.Config{Account: "111122223333"})
	if len(m) != len(want) {
		t.Errorf("got %d profiles, want %d", len(m), len(want))
	}
	for arn, src := range want {
		if m[arn] != src {
			t.Errorf("%s maps to %q, want %q", arn, m[arn], src)
		}
		if !strings.Contains(arn, ":111122223333:") {
			t.Errorf("%s is not in account 111122223333", arn)
		}
	}
}

func TestLogsGenerateErrors(t *testing.T) {
	full := t.TempDir()
	if c := newTestCLI(t); c.run("logs", "generate", "--out", full, "--since", "2d", "--records", "50") != exitOK {
		t.Fatalf("setup: %s", c.errOut)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no folder", []string{}, exitUsage, "--out is required"},
		{"zero records", []string{"--out", "x", "--records", "0"}, exitUsage, "--records"},
		{"bad since", []string{"--out", "x", "--since", "last tuesday"}, exitUsage, "--since"},
		{"since after until", []string{"--out", "x", "--since", "2025-11-10", "--until", "2025-11-01"}, exitUsage, "not before"},
		{"bad account", []string{"--out", "x", "--account", "1234"}, exitUsage, "12-digit"},
		{"bad region", []string{"--out", "x", "--region", "us-east-1/.."}, exitUsage, "not a region"},
		{"absolute prefix", []string{"--out", "x", "--prefix", "/etc/"}, exitUsage, "relative key prefix"},
		{"unknown flag", []string{"--out", "x", "--bogus"}, exitUsage, "unknown flag"},
		{"folder holds logs", []string{"--out", full, "--since", "2d", "--records", "50"}, exitUsage, "--force"},
		{"folder holds logs, forced", []string{"--out", full, "--since", "2d", "--records", "50", "--force"}, exitOK, "wrote 50 records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCLI(t)
			code := c.run(append([]string{"logs", "generate"}, tt.args...)...)
			if code != tt.code || !strings.Contains(c.errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, c.errOut, tt.code, tt.want)
			}
		})
	}
}

func TestLogsHelpReadsLikeDocumentation(t *testing.T) {
	for _, args := range [][]string{{"logs", "--help"}, {"logs", "generate", "--help"}} {
		c := newTestCLI(t)
		if code := c.run(args...); code != exitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
		help := c.out.String()
		if !strings.Contains(help, "Usage:") || len(strings.Fields(help)) < 40 {
			t.Errorf("%v: help is too thin:\n%s", args, help)
		}
		if args[len(args)-2] == "generate" && (!strings.Contains(help, "Examples:") || !strings.Contains(help, "--profile-map")) {
			t.Errorf("%v: help has no examples:\n%s", args, help)
		}
	}
}

func TestLogsGenerateShowsProgressOnATerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	opts := &logsGenerateOptions{
		IO:  &iostreams{Out: &out, ErrOut: &errOut, ErrTTY: true},
		Now: func() time.Time { return testNow },
		Out: t.TempDir(), Since: "2d", Seed: 1, Records: 400, Account: "123456789012", Prefix: "bedrock-logs/",
	}
	if err := logsGenerateRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	got := errOut.String()
	if !strings.Contains(got, "generating logs: 400 of 400 records (100%)") {
		t.Errorf("stderr %q, want the final progress line", got)
	}
	if !strings.HasSuffix(got, "\n") || !strings.Contains(got[strings.LastIndex(got, "\r"):], "wrote 400 records") {
		t.Errorf("stderr %q, want the progress line cleared and the summary last", got)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q, want nothing", out.String())
	}
}
