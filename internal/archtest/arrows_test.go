package archtest

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bedrock-usage/bedrock-usage"

// pkg is what `go list -json` says of a package.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-deps=false", module+"/...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// TestImportArrows keeps the dependency arrows pointing one way (see ARCHITECTURE.md).
func TestImportArrows(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	sdk := func(dep string) bool {
		return strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(dep, "github.com/aws/smithy-go")
	}
	cdk := func(dep string) bool {
		return strings.HasPrefix(dep, "github.com/aws/aws-cdk-go") || strings.HasPrefix(dep, "github.com/aws/jsii-runtime-go") ||
			strings.HasPrefix(dep, "github.com/aws/constructs-go") || strings.HasPrefix(dep, "github.com/cdklabs/")
	}
	engines := func(dep string) bool {
		return dep == module+"/analytics/local" || dep == module+"/analytics/athena" || dep == module+"/analytics/engine"
	}
	rules := []struct {
		name   string
		from   func(string) bool
		banned func(string) bool
	}{
		{"the core (analytics) and the pure price book reach no AWS SDK",
			func(p string) bool {
				return p == module+"/analytics" || p == module+"/analytics/pricing" || p == module+"/analytics/invocationlog"
			},
			sdk},
		{"renderers name no engine and reach no AWS SDK",
			func(p string) bool { return p == module+"/analytics/render" },
			func(d string) bool { return engines(d) || sdk(d) }},
		{"the bill's reconciliation (cur) reads Parquet and calls no AWS, names no engine and no renderer",
			func(p string) bool { return p == module+"/analytics/cur" },
			func(d string) bool { return engines(d) || sdk(d) || d == module+"/analytics/render" }},
		{"doctor's checks (health) name no engine and no renderer",
			func(p string) bool { return p == module+"/health" },
			func(d string) bool { return engines(d) || d == module+"/analytics/render" }},
		{"nothing but the CDK app imports infra",
			func(p string) bool { return p != module+"/cmd/cdkapp" && p != module+"/infra" },
			func(d string) bool { return d == module+"/infra" }},
		{"only infra and the CDK app reach CDK or jsii",
			func(p string) bool { return p != module+"/cmd/cdkapp" && p != module+"/infra" },
			cdk},
		{"engines do not import each other, the CLI or the renderers",
			func(p string) bool { return p == module+"/analytics/local" || p == module+"/analytics/athena" },
			func(d string) bool {
				return strings.HasPrefix(d, module+"/cmd/") || d == module+"/analytics/render" ||
					d == module+"/analytics/local" || d == module+"/analytics/athena"
			}},
	}
	deps := func(p string) []string {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", p)
		cmd.Dir = repoRoot(t)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		return strings.Fields(string(out))
	}
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, r := range rules {
		for _, p := range names {
			if !r.from(p) {
				continue
			}
			for _, d := range deps(p) {
				if d != p && r.banned(d) {
					t.Errorf("%s: %s imports %s", r.name, p, d)
				}
			}
		}
	}
}

// TestOnlyEnginesGoNamesEngines: the CLI offers the engines registered with package engine;
// one file, cmd/bedrock-usage/engines.go, imports the engine packages, and no other command
// code or library package names one.
func TestOnlyEnginesGoNamesEngines(t *testing.T) {
	pkgs := listPackages(t)
	fset := token.NewFileSet()
	for _, p := range pkgs {
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			file, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				v := strings.Trim(imp.Path.Value, `"`)
				if v != module+"/analytics/local" && v != module+"/analytics/athena" {
					continue
				}
				if p.ImportPath == module+"/cmd/bedrock-usage" && f == "engines.go" {
					continue
				}
				t.Errorf("%s/%s imports the engine %s: register engines in cmd/bedrock-usage/engines.go and use package engine", p.ImportPath, f, v)
			}
		}
	}
}
