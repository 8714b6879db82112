package infra

import (
	"fmt"
	"path/filepath"
	"regexp"
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
func TestGoldenTemplates(t *testing.T) {
	s := app(t, "default")
	update := golden.Update()
	for _, name := range s.names() {
		t.Run(name, func(t *testing.T) {
			golden.Assert(t, filepath.Join("testdata", name+".template.json"), s.raw[name], scrubAssetHashes)
		})
	}
	if update {
		return
	}
	// No stale golden file: each one belongs to a stack of the app.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
	for _, f := range files {
		stack := strings.TrimSuffix(filepath.Base(f), ".template.json")
		if _, ok := s.raw[stack]; !ok {
			t.Errorf("golden file %s has no stack in the app; delete it", f)
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
