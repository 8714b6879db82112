package infra

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

// assetKeyRE matches the S3 key of the logging handler's code asset: the hash of the binary
// built at synth time, which depends on the Go toolchain as well as on the code.
var assetKeyRE = regexp.MustCompile(`"S3Key": "[0-9a-f]{64}\.zip"`)

// scrubAssetHashes replaces the asset hashes of a template by a placeholder, so that the
// golden comparison is exact everywhere else whatever the toolchain.
func scrubAssetHashes(b []byte) []byte {
	return assetKeyRE.ReplaceAll(b, []byte(`"S3Key": "<asset hash>.zip"`))
}

// TestGoldenTemplates compares each stack of the default app (cdk.json, account
// 123456789012) with infra/testdata/{stack}.template.json, so that a change to the
// infrastructure shows in a pull request as a change to these files. UPDATE_GOLDEN=1
// rewrites them. The logging handler's asset hash (see scrubAssetHashes) is the one exception:
// it is compared as a placeholder, while the files keep the hash of the toolchain that wrote
// them.
//
// The stacks that bedrock-usage:cur changes (the account stack, for the reporting role's
// grants, and the home region's stack, which holds the export) have a second golden file in
// infra/testdata/cur/, synthesized from cdk.json with the export on, so that a reviewer sees
// what switching it on deploys; every other stack of that app must equal the default one.
func TestGoldenTemplates(t *testing.T) {
	s, cur := app(t, "default"), app(t, "cur")
	update := golden.Update()
	curStacks := []string{AccountStackName, RegionalStackName(cur.cfg.HomeRegion)}
	for _, name := range s.names() {
		t.Run(name, func(t *testing.T) {
			golden.Assert(t, filepath.Join("testdata", name+".template.json"), s.raw[name], scrubAssetHashes)
		})
	}
	for _, name := range cur.names() {
		t.Run("cur/"+name, func(t *testing.T) {
			if slices.Contains(curStacks, name) {
				golden.Assert(t, filepath.Join("testdata", "cur", name+".template.json"), cur.raw[name], scrubAssetHashes)
			} else if got, want := string(scrubAssetHashes(cur.raw[name])), string(scrubAssetHashes(s.raw[name])); got != want {
				t.Errorf("bedrock-usage:cur changed %s, a stack without the export:\n%s", name, diffHint(want, got))
			}
		})
	}
	if update {
		return
	}
	// No stale golden file: each one belongs to a stack of its app.
	for dir, stacks := range map[string][]string{"testdata": s.names(), filepath.Join("testdata", "cur"): curStacks} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		for _, f := range files {
			if stack := strings.TrimSuffix(filepath.Base(f), ".template.json"); !slices.Contains(stacks, stack) {
				t.Errorf("golden file %s has no stack in the app; delete it", f)
			}
		}
	}
}

// diffHint shows the first differing line of two texts with a few lines of context.
func diffHint(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (golden %d lines, synthesized %d lines)\n", i+1, len(wl), len(gl))
	from := max(0, i-3)
	for j := from; j < i; j++ {
		fmt.Fprintf(&b, "   %s\n", wl[j])
	}
	for j := i; j < min(len(wl), i+4); j++ {
		fmt.Fprintf(&b, " - %s\n", wl[j])
	}
	for j := i; j < min(len(gl), i+4); j++ {
		fmt.Fprintf(&b, " + %s\n", gl[j])
	}
	return b.String()
}
