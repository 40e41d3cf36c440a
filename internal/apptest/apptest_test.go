package apptest_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

const module = "github.com/app-token/app-token"

// testSupport are the packages only tests (and the demo and the emulator's
// command, which ship nowhere) may import.
var testSupport = []string{
	module + "/internal/apptest",
	module + "/internal/githubtest",
	module + "/internal/githubtest/contract",
	module + "/internal/runnertest",
	module + "/internal/nettest",
}

// goList runs go list with args from the module's root, a line an entry.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	root, err := apptest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// The binary that ships links no test support, and no package's own code
// (its tests aside) imports this one: it is the tests' world only.
func TestShippedCodeImportsNoTestSupport(t *testing.T) {
	deps := goList(t, "-deps", module)
	if len(deps) < 20 || !slices.Contains(deps, module+"/internal/mint") {
		t.Fatalf("go list -deps %s lists %d packages, not the binary's", module, len(deps))
	}
	for _, d := range deps {
		if slices.Contains(testSupport, d) {
			t.Errorf("the app-token binary links %s, which is test support", d)
		}
	}
	for _, line := range goList(t, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...") {
		pkg, imports, _ := strings.Cut(line, " ")
		if slices.Contains(strings.Fields(imports), module+"/internal/apptest") {
			t.Errorf("%s imports internal/apptest outside its tests", pkg)
		}
	}
}
