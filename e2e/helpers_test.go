package e2e_test

// Helpers the tests here share.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/runnertest"
)

// maxErrorLine bounds an annotation: GitHub's message is cut at 1 KiB, the
// action's own words around it take the rest.
const maxErrorLine = 1536

// shortLines fails unless every annotation is one line of at most maxErrorLine bytes.
func shortLines(t *testing.T, res *runnertest.Result) {
	t.Helper()
	for _, msg := range slices.Concat(res.Errors, res.Warnings) {
		if len(msg) > maxErrorLine || strings.ContainsAny(msg, "\r\n") {
			t.Errorf("annotation of %d bytes, want one line of at most %d: %.300q", len(msg), maxErrorLine, msg)
		}
	}
}

func warned(t *testing.T, res *runnertest.Result, want ...string) {
	t.Helper()
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return apptest.ContainsAll(w, want...) }) {
		t.Errorf("warnings = %q, want one with %q", res.Warnings, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nativeEntry is the native action as the runner starts it: node running
// native/main.js, which runs bin/app-token-linux-ARCH as `action main` and
// passes SIGINT and SIGTERM on.
func nativeEntry(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is needed for the native entry")
		}
		t.Skip("node is needed for the native entry")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"entry.js", "main.js"} {
		src, err := os.ReadFile(repoFile(t, filepath.Join("native", f)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(apptest.Binary, filepath.Join(dir, "bin", "app-token-linux-"+runtime.GOARCH)); err != nil {
		t.Fatal(err)
	}
	// exec: the signal goes to node itself, as the runner sends it. bash,
	// not sh: dash drops variables whose names hold a hyphen
	// (INPUT_CLIENT-ID), which the runner passes on.
	entry := filepath.Join(dir, "run-main")
	script := "#!/bin/bash\nexec '" + node + "' '" + filepath.Join(dir, "main.js") + "'\n"
	if err := os.WriteFile(entry, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return entry
}

// native makes the step start as the native action's node entry starts
// the binary: `app-token action main` under GITHUB_ACTIONS=true.
func native(w *apptest.World) *apptest.World {
	w.T.Helper()
	w.Step.Binary = nativeEntry(w.T)
	return w
}
