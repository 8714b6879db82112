//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondInterruptExits runs the dashboard as a process: the first SIGINT asks it to
// stop, the second makes it exit at once with status 130. The server is held from stopping
// by nothing here, so the test sends the two signals back to back and checks the status of
// whichever path ended it: 0 (it stopped cleanly first) or 130.
func TestSecondInterruptExits(t *testing.T) {
	dir := generate(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BEDROCK_USAGE_TEST_RUN_MAIN=serve --source "+dir+" --addr 127.0.0.1:0 --since 2025-11-01 --until 2025-11-14")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	ready := make(chan bool, 1)
	var lines []string
	go func() {
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), "Serving the Bedrock usage dashboard") {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the server did not start: %q", lines)
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		code := cmd.ProcessState.ExitCode()
		if code != 0 && code != 130 {
			t.Errorf("exit %d (%v), want 0 or 130", code, err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("two interrupts did not end the process")
	}
}
