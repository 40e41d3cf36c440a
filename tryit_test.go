package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// docs/cli.md's "Try it against the emulator" works as written: its shell
// blocks, run in order from the checkout, build the command line and the
// emulator, list the installations, mint, revoke and dispatch.
func TestTryItAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	doc, err := os.ReadFile("docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	script := trySection(t, string(doc))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The reader stops the emulator with `kill %1`; so does the script, and
	// the whole process group goes when the test ends either way.
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"+script+"\nkill %1\n")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	if err != nil {
		t.Fatalf("the section's commands failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"octo-org", "octocat", "frozen-org"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("installations do not list %s:\n%s", want, stdout.String())
		}
	}
	for _, want := range []string{"minted an installation token for octo-org/app", "token revoked", "sent repository_dispatch \"rebuild\" to octo-org/docs; token revoked"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// trySection returns the shell blocks of the section, joined in order.
func trySection(t *testing.T, doc string) string {
	t.Helper()
	start := strings.Index(doc, "## Try it against the emulator\n")
	if start < 0 {
		t.Fatal(`docs/cli.md has no "## Try it against the emulator" section`)
	}
	section := doc[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 2 {
		t.Fatalf("the section has %d shell blocks, want the setup and the four commands", len(blocks))
	}
	return strings.Join(blocks, "\n")
}
