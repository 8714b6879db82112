package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// exampleWorkflow is the GitHub Actions workflow the repository ships as an example.
const exampleWorkflow = "../../examples/github-actions/bedrock-cost.yml"

type workflow struct {
	On   map[string]any
	Env  map[string]string
	Jobs map[string]struct {
		Steps []struct {
			ID, Name, If, Run, Uses string
			Env                     map[string]string
		}
	}
}

// TestExampleWorkflow runs the example workflow's report step, as GitHub's runner would
// (bash -eo pipefail, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, the workflow's env), with
// this package's test binary standing in for bedrock-usage, on generated logs of the last
// three weeks: its exit code is the one the report's own verdicts call for, and the summary
// is published whatever the gates say.
func TestExampleWorkflow(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("the workflow's steps run in bash, which this machine does not have")
	}
	raw, err := os.ReadFile(exampleWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatalf("%s: %v", exampleWorkflow, err)
	}
	for _, ev := range []string{"schedule", "pull_request"} {
		if _, ok := wf.On[ev]; !ok {
			t.Errorf("the workflow does not run on %s", ev)
		}
	}
	var script string
	var commented bool
	for _, st := range wf.Jobs["report"].Steps {
		if st.ID == "report" {
			script = st.Run
		}
		if strings.Contains(st.Run, "gh pr comment") && strings.Contains(st.Run, "--body-file summary.md") && strings.Contains(st.If, "pull_request") {
			commented = true
		}
	}
	if script == "" {
		t.Fatal(`no step with id "report" in job "report"`)
	}
	if !commented {
		t.Error("no step posts summary.md as a pull-request comment on pull requests")
	}

	logs := t.TempDir()
	now := time.Now().UTC()
	if _, err := loggen.Generate(context.Background(), loggen.Config{Out: logs, Seed: 3, Records: 6000, Since: now.AddDate(0, 0, -21), Until: now}); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	wrapper := "#!/bin/sh\nBEDROCK_USAGE_TEST_RUN_MAIN=argv exec " + strconv.Quote(self) + " -- \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "bedrock-usage"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		env      map[string]string
		wantCode int // -1: whatever the report's verdicts call for
	}{
		{"as shipped", nil, -1},
		{"over budget", map[string]string{"BUDGET_USD": "0.01"}, exitOverBudget},
		{"no gate can fail", map[string]string{"BUDGET_USD": "1000000", "MAX_INCREASE_PCT": "1000000000", "BEDROCK_USAGE_ANOMALY_THRESHOLD": "1000000000"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work, home := t.TempDir(), t.TempDir()
			summary, output := filepath.Join(home, "step-summary.md"), filepath.Join(home, "github-output")
			env := []string{
				"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
				"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
				"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_OUTPUT=" + output,
				"BEDROCK_USAGE_OFFLINE=true", // no AWS here: application profiles come from no API
			}
			for k, v := range wf.Env {
				if _, over := tt.env[k]; !over {
					env = append(env, k+"="+v)
				}
			}
			for k, v := range tt.env {
				env = append(env, k+"="+v)
			}
			env = append(env, "BEDROCK_USAGE_SOURCE="+logs)
			cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
			cmd.Dir, cmd.Env = work, env
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}

			var rep struct {
				Budget     struct{ Over bool }
				Comparison *struct {
					MaxIncrease struct{ Over bool } `json:"max_increase"`
				}
				Detection *struct{} `json:"anomaly_detection"`
				Anomalies []struct{}
			}
			doc, err := os.ReadFile(filepath.Join(work, "report.json"))
			if err != nil {
				t.Fatalf("no report.json (exit %d): %v\n%s", code, err, out)
			}
			if err := json.Unmarshal(doc, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Comparison == nil || rep.Detection == nil {
				t.Fatalf("report.json has comparison %v and anomaly detection %v, want both", rep.Comparison != nil, rep.Detection != nil)
			}
			want := tt.wantCode
			if want < 0 {
				want = exitOK
				if rep.Budget.Over || rep.Comparison.MaxIncrease.Over || len(rep.Anomalies) > 0 {
					want = exitOverBudget
				}
			}
			if code != want {
				t.Errorf("the step exited %d, want %d (budget over %v, increase over %v, %d anomalies):\n%s", code, want, rep.Budget.Over, rep.Comparison.MaxIncrease.Over, len(rep.Anomalies), out)
			}
			if got, _ := os.ReadFile(output); strings.TrimSpace(string(got)) != "status="+strconv.Itoa(code) {
				t.Errorf("GITHUB_OUTPUT holds %q, want status=%d", got, code)
			}
			md, _ := os.ReadFile(filepath.Join(work, "summary.md"))
			published, _ := os.ReadFile(summary)
			if len(md) == 0 || string(published) != string(md) || !strings.HasPrefix(string(md), "## Bedrock usage, ") || !strings.Contains(string(md), "Against the previous period") {
				t.Errorf("the job summary (%d bytes) is not summary.md (%d bytes) with its comparison:\n%s", len(published), len(md), published)
			}
		})
	}
}
