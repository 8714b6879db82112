package archtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTrackedBytes is the largest file the repository may track.
const maxTrackedBytes = 5 << 20

// binaryMagic are the first bytes of executable formats: ELF, Mach-O (both byte orders,
// 32 and 64 bit, universal), PE (MZ) and WebAssembly.
var binaryMagic = [][]byte{
	[]byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe},
	[]byte("MZ"),
	[]byte("\x00asm"),
}

// TestTrackedFiles fails when git tracks an executable binary or a file over 5 MiB: build
// output belongs in bin/ (ignored), test data is generated or kept small.
func TestTrackedFiles(t *testing.T) {
	root := repoRoot(t)
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git work tree (git ls-files: %v); the check needs one", err)
	}
	var problems []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		problem, err := checkTracked(filepath.Join(root, name))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet committed
			}
			t.Fatal(err)
		}
		if problem != "" {
			problems = append(problems, name+": "+problem)
		}
	}
	if len(problems) > 0 {
		t.Errorf("tracked files that do not belong in the repository (git rm --cached them):\n%s", strings.Join(problems, "\n"))
	}
}

func TestCheckTracked(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"script.sh", []byte("#!/bin/sh\necho hi\n"), ""},
		{"elf", []byte("\x7fELF\x02\x01\x01rest"), "an executable binary"},
		{"macho", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, "an executable binary"},
		{"big.json", bytes.Repeat([]byte("x"), maxTrackedBytes+1), fmt.Sprintf("%d bytes, over the %d-byte limit", maxTrackedBytes+1, maxTrackedBytes)},
		{"limit.json", bytes.Repeat([]byte("x"), maxTrackedBytes), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, tc.content, 0o755); err != nil {
				t.Fatal(err)
			}
			got, err := checkTracked(p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("checkTracked(%s) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// checkTracked says what is wrong with a tracked file, or "".
func checkTracked(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil || !info.Mode().IsRegular() {
		return "", err
	}
	if info.Size() > maxTrackedBytes {
		return fmt.Sprintf("%d bytes, over the %d-byte limit", info.Size(), maxTrackedBytes), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := f.Read(head)
	for _, m := range binaryMagic {
		if bytes.HasPrefix(head[:n], m) {
			return "an executable binary", nil
		}
	}
	return "", nil
}

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
