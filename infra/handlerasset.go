package infra

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// handlerPackage is the logging custom resource's Lambda binary, relative to the module root.
const handlerPackage = "./cmd/logging-handler"

// modulePath identifies this repository's go.mod.
const modulePath = "github.com/bedrock-usage/bedrock-usage"

var handlerBuild struct {
	once sync.Once
	dir  string
	err  error
}

// LoggingHandlerAsset builds cmd/logging-handler for Lambda (provided.al2023 on arm64: a
// static binary named bootstrap) once per process, into a temporary folder that becomes the
// function's asset, and returns the folder; CleanupAssets removes it after synthesis. The
// build is reproducible (-trimpath, no build ID, no VCS stamp), so the asset hash changes
// only with the handler's code, its dependencies or the Go toolchain. A failed build panics:
// synthesis cannot go on without the function's code.
func LoggingHandlerAsset() string {
	b := &handlerBuild
	b.once.Do(func() { b.dir, b.err = buildHandler() })
	if b.err != nil {
		panic(fmt.Sprintf("building the logging custom resource handler: %v", b.err))
	}
	return b.dir
}

// CleanupAssets removes the folders LoggingHandlerAsset built (CDK has copied them into the
// cloud assembly by then).
func CleanupAssets() {
	if handlerBuild.dir != "" {
		os.RemoveAll(handlerBuild.dir)
	}
}

func buildHandler() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the Go toolchain is needed at synth time: %w", err)
	}
	dir, err := os.MkdirTemp("", "bedrock-usage-logging-handler-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(gobin, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", filepath.Join(dir, "bootstrap"), handlerPackage)
	cmd.Dir = root
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CGO_ENABLED", "GOOS", "GOARCH", "GOARM64", "GOFLAGS":
			continue // set below: the binary must not depend on the caller's environment
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOARM64=v8.0", "GOFLAGS=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("go build %s: %w\n%s", handlerPackage, err, out.String())
	}
	return dir, nil
}

// moduleRoot finds this repository's go.mod from the working directory upwards (the CDK app
// runs at the root, the tests in infra/).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", modulePath)
		}
		dir = parent
	}
}
