package mint_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/app-token/app-token/internal/"

// goList runs go list with args and returns its output's lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// The doors leave the key to the core: the shipped code of internal/action
// and internal/cli imports neither appkey nor awskms, so every key source
// (and next the broker's door) is reached through mint alone, never
// chosen or built by a door.
func TestDoorsLeaveTheKeyToTheCore(t *testing.T) {
	t.Parallel()
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../action", "../cli") {
		door, imports, _ := strings.Cut(line, " ")
		if !strings.Contains(" "+imports+" ", " "+module+"mint ") {
			t.Errorf("%s does not import the core: this test checks nothing", door)
		}
		for _, imp := range strings.Fields(imports) {
			if imp == module+"appkey" || imp == module+"awskms" {
				t.Errorf("%s imports %s: the key source is the core's to choose (mint.New, mint.NewApp)", door, imp)
			}
		}
	}
}

// The client under the core speaks no door's language: ghclient and
// ghtransport link nothing that knows a door or a setting; their errors
// are data, and mint.Explain says them in a door's words.
func TestClientSpeaksNoDoorsLanguage(t *testing.T) {
	t.Parallel()
	forbidden := []string{"setting", "config", "mint", "action", "cli"}
	for _, pkg := range []string{"../ghclient", "../ghtransport"} {
		for _, dep := range goList(t, "-deps", pkg) {
			for _, f := range forbidden {
				if dep == module+f {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		}
	}
	if deps := strings.Join(goList(t, "-deps", "."), " "); !strings.Contains(deps, module+"setting") {
		t.Error("mint does not link internal/setting: this test checks nothing")
	}
}
