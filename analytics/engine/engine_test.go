package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	_ "github.com/bedrock-usage/bedrock-usage/analytics/athena"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	_ "github.com/bedrock-usage/bedrock-usage/analytics/local"
)

func TestRegistered(t *testing.T) {
	if diff := cmp.Diff([]string{"local", "athena"}, engine.Names()); diff != "" {
		t.Errorf("engines (-want +got):\n%s", diff)
	}
	if got := engine.DefaultName(); got != "local" {
		t.Errorf("default engine: got %q, want local", got)
	}
}

func TestBindSelect(t *testing.T) {
	tests := []struct {
		name    string
		engine  string
		args    []string
		explain bool
		wantErr string
	}{
		{"local with its flag", "local", []string{"--source", "x"}, true, ""},
		{"athena with its flags", "athena", []string{"--workgroup", "wg", "--print-sql"}, true, ""},
		{"athena flag with local", "local", []string{"--workgroup", "wg"}, true, "--workgroup is for --engine athena"},
		{"local flag with athena", "athena", []string{"--source", "x"}, true, "--source is for --engine local"},
		{"unknown engine", "spark", nil, true, `--engine "spark": use one of local, athena`},
		{"--workers is ignored by athena, as before", "athena", []string{"--workers", "4"}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			b := engine.Bind(fs, tc.explain)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			_, err := b.Select(tc.engine, func(n string) bool { return fs.Changed(n) })
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Select: %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("Select: got %v, want %q", err, tc.wantErr)
			case err != nil && !errors.Is(err, engine.ErrUsage):
				t.Errorf("Select: %v does not match ErrUsage", err)
			}
		})
	}
	// Without explain, --print-sql is not a flag at all (serve).
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	engine.Bind(fs, false)
	if fs.Lookup("print-sql") != nil {
		t.Error("--print-sql bound without explain")
	}
}

func TestLocalOpenNeedsASource(t *testing.T) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	b := engine.Bind(fs, false)
	cfg, err := b.Select("local", fs.Changed)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = cfg.Open(context.Background(), engine.Env{Getenv: func(string) string { return "" }})
	if !errors.Is(err, engine.ErrUsage) {
		t.Errorf("Open without --source: got %v, want a usage error", err)
	}
	var _ analytics.Source // the seam returns core sources
}
