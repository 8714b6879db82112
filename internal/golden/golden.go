// Package golden is the one golden-file helper of the repository's tests: a test renders
// something (a report, SQL, a CloudFormation template) and compares it with a reviewed file
// under testdata/; UPDATE_GOLDEN=1 rewrites the files instead, so a change shows up as a
// diff in the pull request.
package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update reports whether the run rewrites golden files (UPDATE_GOLDEN set).
func Update() bool { return os.Getenv("UPDATE_GOLDEN") != "" }

// Assert compares got with the golden file at path (relative to the test's package), or
// writes it when Update. Scrub functions run on both sides first, to blank values that
// change from run to run.
func Assert(t testing.TB, path string, got []byte, scrub ...func([]byte) []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	for _, s := range scrub {
		got, want = s(got), s(want)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from its golden file (-want +got; UPDATE_GOLDEN=1 rewrites it after review):\n%s", path, diff)
	}
}
