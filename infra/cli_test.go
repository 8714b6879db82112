package infra

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeSynthAndDiffOffline runs `make synth` and `make diff` the way a reviewer does,
// with the pinned CDK CLI and no AWS credentials: synth must write the golden templates
// byte for byte but for the logging handler's asset hash (see scrubAssetHashes), and diff
// must find no difference in any stack (so CI's Go toolchain must be the one that wrote the
// golden files). It takes about a minute and
// needs node_modules (npm ci), so it runs only with BEDROCK_USAGE_CDK_CLI=1.
func TestMakeSynthAndDiffOffline(t *testing.T) {
	if os.Getenv("BEDROCK_USAGE_CDK_CLI") == "" {
		t.Skip("set BEDROCK_USAGE_CDK_CLI=1 to run the CDK CLI (make synth, make diff)")
	}
	out := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") && k != "AWS_CA_BUNDLE" || k == "CDK_DEFAULT_ACCOUNT" {
			continue // no credentials: the placeholder account is used
		}
		env = append(env, kv)
	}
	env = append(env, "CDK_OUT="+out, "AWS_EC2_METADATA_DISABLED=true")
	run := func(target string) string {
		cmd := exec.Command("make", "--no-print-directory", target)
		cmd.Dir, cmd.Env = "..", env
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		if err := cmd.Run(); err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, b.String())
		}
		return b.String()
	}

	run("synth")
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
	if len(golden) == 0 {
		t.Fatal("no golden templates")
	}
	for _, g := range golden {
		want, _ := os.ReadFile(g)
		got, err := os.ReadFile(filepath.Join(out, filepath.Base(g)))
		if err != nil {
			t.Errorf("make synth wrote no %s: %v", filepath.Base(g), err)
			continue
		}
		if !bytes.Equal(scrubAssetHashes(got), scrubAssetHashes(want)) {
			t.Errorf("make synth: %s differs from the golden file:\n%s", filepath.Base(g), diffHint(string(want), string(got)))
		}
	}

	diff := run("diff")
	if got, want := strings.Count(diff, "There were no differences"), len(golden); got != want {
		t.Errorf("make diff: got %d stacks without differences, want %d:\n%s", got, want, diff)
	}
}
