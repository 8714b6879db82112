package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// sessionLogs writes logs where every application-role call has its own generated session
// name, and counts the distinct role sessions in them with the standard library alone.
func sessionLogs(t *testing.T) (dir string, roleSessions int) {
	t.Helper()
	dir = t.TempDir()
	_, err := loggen.Generate(context.Background(), loggen.Config{
		Out: dir, Seed: 11, Records: 3000, SessionPerCall: true,
		Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	role := regexp.MustCompile(`^arn:aws:sts::\d+:assumed-role/([^/]+)/(.+)$`)
	seen := map[string]bool{}
	eachRecordLine(t, dir, func(_ string, line []byte) error {
		var r struct {
			Identity struct{ ARN string }
		}
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		// Identity Center sessions are people (their e-mail address): never folded.
		if m := role.FindStringSubmatch(r.Identity.ARN); m != nil && !strings.HasPrefix(m[1], "AWSReservedSSO_") {
			seen[m[1]+"/"+m[2]] = true
		}
		return nil
	})
	return dir, len(seen)
}

// generatedName is a session name of one of the shapes loggen writes, as a cell of a table,
// CSV, HTML or JSON (not within a path, as the skipped body objects' names are).
var generatedName = regexp.MustCompile(`(?:^|[\s|>,"])(?:botocore-session-\d{10}|aws-go-sdk-\d{19}|i-0[0-9a-f]{16}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})(?:$|[\s|<,"])`)

// foldedName is the botocore fold, as every format writes it (Markdown escapes the *).
var foldedName = regexp.MustCompile(`botocore-session-\\?\*`)

// TestCollapseSessions: the formats people read fold generated session names by default and
// say how many sessions they fold, as many as the logs hold; JSON and CSV keep every session
// unless asked; --collapse-sessions and the configuration file decide for every format.
func TestCollapseSessions(t *testing.T) {
	dir, roleSessions := sessionLogs(t)
	if roleSessions < 1000 {
		t.Fatalf("the logs hold %d role sessions, want one per call", roleSessions)
	}
	base := []string{"report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-02", "--top", "0"}
	folded := func(t *testing.T, out string) bool {
		t.Helper()
		raw := generatedName.MatchString(out)
		fold := foldedName.MatchString(out)
		if raw == fold {
			t.Fatalf("the output has generated names %v and folded ones %v; want one or the other", raw, fold)
		}
		return fold
	}
	cfg := filepath.Join(t.TempDir(), "bedrock-usage.yaml")
	if err := os.WriteFile(cfg, []byte("report:\n  collapse-sessions: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want bool
	}{
		{"table", []string{"--format", "table"}, true},
		{"markdown", []string{"--format", "markdown"}, true},
		{"html", []string{"--format", "html"}, true},
		{"json", []string{"--format", "json"}, false},
		{"csv", []string{"--format", "csv"}, false},
		{"json when asked", []string{"--format", "json", "--collapse-sessions"}, true},
		{"csv when asked", []string{"--format", "csv", "--collapse-sessions"}, true},
		{"table told not to", []string{"--format", "table", "--collapse-sessions=false"}, false},
		{"table, off in the configuration file", []string{"--format", "table", "--config", cfg}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli := newTestCLI(t)
			if code := cli.run(append(base, tt.args...)...); code != exitOK {
				t.Fatalf("exit %d: %s", code, cli.errOut)
			}
			if got := folded(t, cli.out.String()); got != tt.want {
				t.Errorf("folded %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("the JSON counts every role session", func(t *testing.T) {
		cli := newTestCLI(t)
		if code := cli.run(append(base, "--format", "json", "--collapse-sessions", "--until", "2025-11-03")...); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		var doc struct {
			Collapsed struct {
				Sessions int64
				Patterns []struct{ Name string }
			} `json:"collapsed_sessions"`
			Totals    struct{ Calls int64 }
			ByAppUser []struct {
				App, User string
				Calls     int64
				Folded    int64 `json:"folded_sessions"`
			} `json:"by_app_user"`
		}
		if err := json.Unmarshal(cli.out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var sum, calls int64
		for _, l := range doc.ByAppUser {
			sum += l.Folded
			calls += l.Calls
		}
		if doc.Collapsed.Sessions != int64(roleSessions) || sum != int64(roleSessions) {
			t.Errorf("got %d sessions folded (%d on the lines), want the %d role sessions of the logs", doc.Collapsed.Sessions, sum, roleSessions)
		}
		if calls != doc.Totals.Calls || len(doc.ByAppUser) > 100 {
			t.Errorf("by_app_user: %d lines with %d calls, want a few lines with all %d calls", len(doc.ByAppUser), calls, doc.Totals.Calls)
		}
		if len(doc.Collapsed.Patterns) == 0 || doc.Collapsed.Patterns[0].Name != "botocore-session-*" {
			t.Errorf("patterns: got %+v, want the built-in ones", doc.Collapsed.Patterns)
		}
	})

	t.Run("one scan, each file as its format wants", func(t *testing.T) {
		out := t.TempDir()
		cli := newTestCLI(t)
		if code := cli.run(append(base, "--output", filepath.Join(out, "r.json"), "--output", filepath.Join(out, "r.md"))...); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		for file, want := range map[string]bool{"r.json": false, "r.md": true} {
			b, err := os.ReadFile(filepath.Join(out, file))
			if err != nil {
				t.Fatal(err)
			}
			if got := folded(t, string(b)); got != want {
				t.Errorf("%s: folded %v, want %v", file, got, want)
			}
		}
	})

	t.Run("a configured pattern", func(t *testing.T) {
		cli := newTestCLI(t)
		if code := cli.run(append(base, "--format", "table", "--session-pattern", "SDK defaults=botocore-session-[0-9]+|aws-go-sdk-[0-9]+")...); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		if out := cli.out.String(); !strings.Contains(out, "SDK defaults (") || strings.Contains(out, "aws-go-sdk-*") {
			t.Errorf("the configured pattern did not fold first:\n%s", out)
		}
	})

	t.Run("a bad pattern is a usage error", func(t *testing.T) {
		cli := newTestCLI(t)
		if code := cli.run(append(base, "--session-pattern", "broken=(")...); code != exitUsage || !strings.Contains(cli.errOut.String(), "--session-pattern") {
			t.Errorf("exit %d, want %d: %s", code, exitUsage, cli.errOut)
		}
	})

	t.Run("render folds a saved report", func(t *testing.T) {
		saved := filepath.Join(t.TempDir(), "r.json")
		cli := newTestCLI(t)
		if code := cli.run(append(base, "--output", saved)...); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		if code := cli.run("render", saved, "--format", "table", "--top", "0"); code != exitOK {
			t.Fatalf("render exit %d: %s", code, cli.errOut)
		}
		if !folded(t, cli.out.String()) {
			t.Errorf("render did not fold")
		}
	})
}

// TestServeCollapsesSessions: the page and the Markdown fold, the JSON and CSV do not, and
// collapse-sessions= says otherwise per request.
func TestServeCollapsesSessions(t *testing.T) {
	dir, _ := sessionLogs(t)
	cli := newTestCLI(t)
	var opts *serveOptions
	cmd := NewCmdServe(cli.f, func(_ context.Context, o *serveOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"--source", dir, "--since", "2025-11-01", "--until", "2025-11-02", "--top", "0"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	d, err := newDashboard(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := d.handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tests := []struct {
		path string
		code int
		fold bool
	}{
		{"/", 200, true},
		{"/report.md", 200, true},
		{"/report.json", 200, false},
		{"/report.csv", 200, false},
		{"/report.json?collapse-sessions=1", 200, true},
		{"/?collapse-sessions=0", 200, false},
		{"/?collapse-sessions=maybe", 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.code, b)
			}
			if tt.code != 200 {
				return
			}
			if got := foldedName.Match(b); got != tt.fold || got == generatedName.Match(b) {
				t.Errorf("folded %v (generated names %v), want folded %v", got, generatedName.Match(b), tt.fold)
			}
		})
	}
}
