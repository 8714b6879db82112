package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// testNow is the fixed clock of CLI tests.
var testNow = time.Date(2025, 11, 20, 12, 0, 0, 0, time.UTC)

// testCLI is an in-process CLI with captured streams.
type testCLI struct {
	f           *factory
	out, errOut *bytes.Buffer
}

func newTestCLI(t *testing.T) *testCLI {
	t.Helper()
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	cache := t.TempDir()
	env := map[string]string{
		"BEDROCK_USAGE_PROFILE_CACHE":    filepath.Join(cache, "profiles.json"),
		"BEDROCK_USAGE_REFRESHED_PRICES": filepath.Join(cache, "prices-refreshed.json"),
		"XDG_CONFIG_HOME":                filepath.Join(cache, "config"), // no user's bedrock-usage.yaml
		"BEDROCK_USAGE_SEEN_CACHE":       filepath.Join(cache, "seen.json"),
	}
	return &testCLI{
		out: out, errOut: errOut,
		f: &factory{
			IO:  &iostreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
			Now: func() time.Time { return testNow },
			AWSConfig: func(ctx context.Context, region string) (aws.Config, error) {
				return aws.Config{}, errors.New("this test has no AWS")
			},
			Env: func(k string) string { return env[k] },
		},
	}
}

// withEndpoint points every AWS client of the CLI at url with static credentials.
func (c *testCLI) withEndpoint(url string) {
	c.f.AWSConfig = func(ctx context.Context, region string) (aws.Config, error) {
		if region == "" {
			region = "us-east-1"
		}
		return aws.Config{
			Region:       region,
			Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
			BaseEndpoint: aws.String(url),
		}, nil
	}
}

// run runs the CLI and returns its exit code.
func (c *testCLI) run(args ...string) int {
	c.out.Reset()
	c.errOut.Reset()
	return run(args, c.f)
}

// TestUsageErrors: what cobra reports untyped is still a usage error (exit 2).
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"unknown command", []string{"nope"}, exitUsage},
		{"unknown subcommand", []string{"pricing", "nope"}, exitUsage},
		{"mutually exclusive flags", []string{"pricing", "list", "--all", "--at", "2026-01-01"}, exitUsage},
		{"extra argument", []string{"pricing", "list", "x"}, exitUsage},
		{"a line break in a list flag", []string{"report", "--source", ".", "--user", "a\nb"}, exitUsage},
		{"parent alone shows its help", []string{"pricing"}, exitOK},
		{"no command shows the help", nil, exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli := newTestCLI(t)
			if got := cli.run(tc.args...); got != tc.want {
				t.Errorf("exit %d, want %d; stderr %s", got, tc.want, cli.errOut)
			}
		})
	}
}

// TestVersionString: --version names the module version, the commit and its date, from the
// linker flags of `make build` or else from the build information Go records.
func TestVersionString(t *testing.T) {
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name                  string
		version, commit, date string
		info                  *debug.BuildInfo
		want                  string
	}{
		{"no information", "", "", "", nil, "devel"},
		{"go install of a release", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"a clone built with go build", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "2026-12-03T10:00:00Z", "false")},
			"devel (commit 0123456789ab, 2026-12-03T10:00:00Z)"},
		{"with local changes", "", "", "", &debug.BuildInfo{Settings: vcs("0123456789abcdef0123", "2026-12-03T10:00:00Z", "true")},
			"devel (commit 0123456789ab-dirty, 2026-12-03T10:00:00Z)"},
		{"linker flags win", "v1.5.0-3-gabc", "abc1234", "2026-12-04T00:00:00Z", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs("ffff", "2020-01-01T00:00:00Z", "false")},
			"v1.5.0-3-gabc (commit abc1234, 2026-12-04T00:00:00Z)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			version, commit, date = tc.version, tc.commit, tc.date
			t.Cleanup(func() { version, commit, date = "", "", "" })
			if got := versionString(tc.info); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMissingCredentials: an AWS call that cannot get credentials ends in one line that says
// what to do, not the SDK's error chain. The S3 client signs before it sends, so nothing
// leaves the machine.
func TestMissingCredentials(t *testing.T) {
	cli := newTestCLI(t)
	cli.f.AWSConfig = func(ctx context.Context, region string) (aws.Config, error) {
		return aws.Config{
			Region:       "us-east-1",
			BaseEndpoint: aws.String("http://127.0.0.1:9"), // never reached
			Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errors.New("no EC2 IMDS role found, operation error ec2imds: GetMetadata, canceled")
			})),
		}, nil
	}
	code := cli.run("report", "--source", "s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/", "--offline", "--format", "json")
	if code != exitError {
		t.Fatalf("exit %d, want %d: %s", code, exitError, cli.errOut)
	}
	got := cli.errOut.String()
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, "no usable AWS credentials (no EC2 IMDS role found") || !strings.Contains(got, "aws sso login") || strings.Contains(got, "operation error S3") {
		t.Errorf("stderr: got %q, want one line naming the cause and what to do", got)
	}
}

// TestColorTerminal: colour only on a terminal, and never with NO_COLOR or TERM=dumb.
func TestColorTerminal(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"a terminal", true, map[string]string{"TERM": "xterm-256color"}, true},
		{"a pipe", false, nil, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false},
		{"a dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := colorTerminal(tc.tty, func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
