package sysmem

import (
	"runtime"
	"testing"
)

// TestTotal: on Linux the memory is read (from /proc/meminfo or the cgroup).
func TestTotal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Total reads /proc and /sys/fs/cgroup, which only Linux has")
	}
	if got := Total(); got < 64<<20 {
		t.Errorf("Total: got %d bytes, want at least 64 MiB on a machine that runs these tests", got)
	}
}
