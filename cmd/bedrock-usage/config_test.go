package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// TestConfigPrecedence: a flag's value comes from the command line, else the environment,
// else the command's section of the configuration file, else its top level, else the
// default; values from the file or the environment do not count as typed for the checks of
// which flags go together.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "team.yaml")
	write := func(body string) {
		if err := os.WriteFile(cfgPath, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`
source: ./logs
timezone: Europe/Berlin
budget: 100
region: [us-east-1, eu-west-1]
report:
  budget: 200
  strict: true
serve:
  addr: 127.0.0.1:9999
`)
	type got struct {
		Source, TimeZone, Budget string
		Regions                  []string
		Strict                   bool
		SourceTyped              bool
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want got
	}{
		{"file: the command's section wins over the top level", nil, nil,
			got{"[./logs]", "Europe/Berlin", "200", []string{"us-east-1", "eu-west-1"}, true, false}},
		{"environment over file", nil, map[string]string{"BEDROCK_USAGE_BUDGET": "50", "BEDROCK_USAGE_TIMEZONE": "UTC"},
			got{"[./logs]", "UTC", "50", []string{"us-east-1", "eu-west-1"}, true, false}},
		{"flag over environment", []string{"--budget", "25", "--region", "ap-south-1", "--source", "other"}, map[string]string{"BEDROCK_USAGE_BUDGET": "50"},
			got{"[other]", "Europe/Berlin", "25", []string{"ap-south-1"}, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli := newTestCLI(t)
			base := cli.f.Env
			cli.f.Env = func(k string) string {
				if v, ok := tc.env[k]; ok {
					return v
				}
				return base(k)
			}
			var g got
			root := newRootCmd(cli.f)
			for _, c := range root.Commands() {
				if c.Name() == "report" {
					root.RemoveCommand(c)
				}
			}
			var rc *cobra.Command
			rc = NewCmdReport(cli.f, func(_ context.Context, o *reportOptions) error {
				g = got{rc.Flags().Lookup("source").Value.String(), o.TimeZone, o.Budget, o.Regions, o.Strict, o.changed("source")}
				return nil
			})
			root.AddCommand(rc)
			root.SetArgs(append([]string{"report", "--config", cfgPath}, tc.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("config show names each value's source", func(t *testing.T) {
		cli := newTestCLI(t)
		if code := cli.run("config", "show", "--config", cfgPath, "--json"); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		var rows []struct{ Flag, Value, From string }
		if err := json.Unmarshal(cli.out.Bytes(), &rows); err != nil {
			t.Fatal(err)
		}
		from := map[string]string{}
		for _, r := range rows {
			from[r.Flag] = r.Value + " ← " + r.From
		}
		for flag, want := range map[string]string{
			"budget":   "200 ← file " + cfgPath + " (report)",
			"timezone": "Europe/Berlin ← file " + cfgPath,
			"top":      "10 ← default",
		} {
			if from[flag] != want {
				t.Errorf("--%s: got %q, want %q", flag, from[flag], want)
			}
		}
	})

	t.Run("a misspelt key of a command's section is an error", func(t *testing.T) {
		write("report:\n  budgte: 5\n")
		cli := newTestCLI(t)
		if code := cli.run("report", "--config", cfgPath); code != exitUsage || !strings.Contains(cli.errOut.String(), "report has no flag --budgte") {
			t.Errorf("exit %d, stderr %q; want a usage error naming the key", code, cli.errOut)
		}
	})

	t.Run("a top-level key that is no flag is an error", func(t *testing.T) {
		write("timezon: UTC\n")
		cli := newTestCLI(t)
		if code := cli.run("report", "--config", cfgPath); code != exitUsage || !strings.Contains(cli.errOut.String(), "timezon is no flag of any command") {
			t.Errorf("exit %d, stderr %q; want a usage error naming the key", code, cli.errOut)
		}
	})

	t.Run("a file in the working directory is found", func(t *testing.T) {
		work := t.TempDir()
		if err := os.WriteFile(filepath.Join(work, configFileName), []byte("timezone: Asia/Tokyo\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(work)
		cli := newTestCLI(t)
		if code := cli.run("config", "show", "--json"); code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		if !strings.Contains(cli.out.String(), `"value": "Asia/Tokyo"`) {
			t.Errorf("config show: got %s, want the time zone from ./%s", cli.out, configFileName)
		}
	})
}
