package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADMEWorkflows runs the bedrock-usage commands of the README's CI workflows as written
// (only the S3 source swapped for generated logs and the clock set inside them), so a
// documented workflow cannot rot: every flag parses, every range is valid, and the local
// ones produce the files the next step reads. Commands through Athena are parsed and
// checked, not run (they need AWS).
func TestREADMEWorkflows(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := workflowCommands(string(readme))
	if len(cmds) < 2 {
		t.Fatalf("found %d bedrock-usage commands in the README's workflows, want at least 2: %q", len(cmds), cmds)
	}
	logs := generate(t)
	for _, args := range cmds {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			work := t.TempDir()
			cli := newTestCLI(t)
			cli.f.Now = func() time.Time { return time.Date(2025, 11, 10, 12, 0, 0, 0, time.UTC) } // yesterday has logs
			var outputs []string
			for i := 0; i < len(args); i++ {
				switch {
				case strings.HasPrefix(args[i], "s3://"):
					args[i] = logs
				case args[i] == "--output" && i+1 < len(args):
					args[i+1] = filepath.Join(work, args[i+1])
					outputs = append(outputs, args[i+1])
				}
			}
			if strings.Contains(strings.Join(args, " "), "--engine athena") {
				var got *reportOptions
				cmd := NewCmdReport(cli.f, func(_ context.Context, o *reportOptions) error { got = o; return nil })
				cmd.SetArgs(args[2:])
				if err := cmd.Execute(); err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := got.reportRequest.query(cli.f.Now()); err != nil {
					t.Fatalf("the request does not parse: %v", err)
				}
				return
			}
			if code := cli.run(args[1:]...); code != exitOK {
				t.Fatalf("exit %d: %s", code, cli.errOut)
			}
			for _, o := range outputs {
				if b, err := os.ReadFile(o); err != nil || len(b) == 0 {
					t.Errorf("%s: %v, %d bytes; want the report", o, err, len(b))
				}
			}
		})
	}
}

// workflowCommands are the bedrock-usage invocations in the README's YAML blocks, split into
// words as a shell would (plain words and double quotes), up to a redirection or list
// operator; continued lines are joined.
func workflowCommands(readme string) [][]string {
	var out [][]string
	for _, block := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(readme, -1) {
		text := strings.ReplaceAll(block[1], "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			i := strings.Index(line, "bedrock-usage ")
			if i < 0 || strings.Contains(line[:i], "install") || strings.Contains(line[:i], "#") {
				continue
			}
			var args []string
			for _, w := range strings.Fields(line[i:]) {
				if w == ">>" || w == ">" || w == "||" || w == "|" || w == "&&" {
					break
				}
				args = append(args, strings.Trim(w, `"`))
			}
			if len(args) > 1 && args[1] == "report" {
				out = append(out, args)
			}
		}
	}
	return out
}
