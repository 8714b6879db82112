package infra

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCLIDoesNotLinkCDK: the bedrock-usage binary must build and run without Node, so it
// may not depend on CDK, jsii or constructs; nor may the logging custom resource's Lambda
// handler (a static binary on provided.al2023). The CDK app must (or the check proves nothing).
func TestCLIDoesNotLinkCDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	forbidden := []string{"github.com/aws/aws-cdk-go", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go", "github.com/cdklabs/"}
	for _, tt := range []struct {
		pkg     string
		wantCDK bool
	}{
		{"./cmd/bedrock-usage", false},
		{"./analytics/...", false},
		{"./loggingconfig/...", false},
		{"./cmd/logging-handler", false},
		{"./cmd/cdkapp", true},
	} {
		t.Run(tt.pkg, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", tt.pkg)
			cmd.Dir = ".."
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tt.pkg, err)
			}
			var hits []string
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					if strings.HasPrefix(dep, f) {
						hits = append(hits, dep)
					}
				}
			}
			if got := len(hits) > 0; got != tt.wantCDK {
				t.Errorf("%s depends on CDK/jsii: got %v (%d packages, e.g. %v), want %v", tt.pkg, got, len(hits), first(hits, 3), tt.wantCDK)
			}
		})
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
