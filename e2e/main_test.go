// Package e2e_test holds the tests of the built binary: the action run as
// the runner runs it (the container's entry and the native node entry) and
// the command line run as a shell runs it, each against the emulated
// GitHub, with every byte either writes held to the leak checks. The
// shared world is internal/apptest; in-process tests of the action's
// phases live in internal/action. Files are named by subject.
package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest/contract"
)

// TestMain builds the binary once for every test here, makes the App's
// key, and holds every exchange with the emulator to GitHub's published
// API description.
func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "app-token-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := apptest.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := apptest.Setup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return contract.Main(m)
}

// repoFile is the path of a file of the repository (docs/cli.md), for the
// tests that read the docs or the native entry as shipped.
func repoFile(t testing.TB, rel string) string {
	t.Helper()
	root, err := apptest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, rel)
}
