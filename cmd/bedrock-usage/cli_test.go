package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
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
