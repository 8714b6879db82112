package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// TestMaxMemory: a report that does not fit under --max-memory fails with exit 1 and a
// message that says so, and writes no report; a bad value is a usage error.
func TestMaxMemory(t *testing.T) {
	dir := t.TempDir()
	if _, err := loggen.Generate(t.Context(), loggen.Config{
		Out: dir, Seed: 5, Records: 200,
		Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC),
	}); err != nil {
		t.Fatal(err)
	}
	base := []string{"report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-01"}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no limit", []string{"--max-memory", "-1"}, exitOK, ""},
		{"automatic", nil, exitOK, ""},
		{"over the limit", []string{"--max-memory", "1"}, exitError, "did not fit in memory"},
		{"bad value", []string{"--max-memory", "-2"}, exitUsage, "--max-memory must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report.json")
			// A test binary's live heap is well over 1 MiB once it has collected once.
			runtime.GC()
			cli := newTestCLI(t)
			code := cli.run(append(base, append(tt.args, "--output", out)...)...)
			if code != tt.wantCode {
				t.Fatalf("exit: got %d, want %d; stderr: %s", code, tt.wantCode, cli.errOut)
			}
			if !strings.Contains(cli.errOut.String(), tt.wantErr) {
				t.Errorf("stderr: got %q, want it to say %q", cli.errOut, tt.wantErr)
			}
			_, err := os.Stat(out)
			if wrote := err == nil; wrote != (tt.wantCode == exitOK) {
				t.Errorf("report written: got %v, want %v", wrote, tt.wantCode == exitOK)
			}
		})
	}
}
