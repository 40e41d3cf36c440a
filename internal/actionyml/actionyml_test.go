package actionyml

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

var update = flag.Bool("update", false, "rewrite action.yml and docs/inputs.md's tables")

const (
	actionPath = "../../action.yml"
	nativePath = "../../" + NativeActionPath
	inputsPath = "../../docs/inputs.md"
)

// TestGeneratedFilesAreCurrent fails when action.yml, native/action.yml or docs/inputs.md's tables
// differ from what the declarations render; -update rewrites them.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	t.Parallel()
	want := string(ActionYML())
	readme, err := os.ReadFile(inputsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Splice(string(readme), InputsBegin, InputsEnd, InputsTable())
	if err == nil {
		doc, err = Splice(doc, OutputsBegin, OutputsEnd, OutputsTable())
	}
	if err != nil {
		t.Fatalf("docs/inputs.md: %v", err)
	}
	files := map[string]string{actionPath: want, nativePath: string(NativeActionYML())}
	if *update {
		files[inputsPath] = doc
		for path, content := range files {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for path, want := range files {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is out of date: run `go generate ./internal/actionyml`", path)
		}
	}
	if string(readme) != doc && !*update {
		t.Errorf("docs/inputs.md's input/output tables are out of date: run `go generate ./internal/actionyml`")
	}
}

// TestActionYMLMatchesThePermissionTable reads action.yml as the runner
// would see its inputs and checks one permission-* input per table entry,
// and no other.
func TestActionYMLMatchesThePermissionTable(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(actionPath)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  (permission-[a-z0-9-]+):$`).FindAllStringSubmatch(string(data), -1) {
		declared[m[1]] = true
	}
	specs := permissions.All()
	if len(declared) != len(specs) {
		t.Errorf("action.yml declares %d permission inputs, the table has %d", len(declared), len(specs))
	}
	for _, s := range specs {
		if !declared["permission-"+strings.ReplaceAll(s.Name, "_", "-")] {
			t.Errorf("action.yml lacks permission-%s", strings.ReplaceAll(s.Name, "_", "-"))
		}
	}
	for _, need := range []string{"  using: docker\n", "  image: Dockerfile\n", "  post-entrypoint: /app-token-post\n", "  post-if: always()\n",
		"  github-api-url:\n", `    default: "${{ github.api_url }}"`} {
		if !strings.Contains(string(data), need) {
			t.Errorf("action.yml lacks %q", need)
		}
	}
}

// The native action declares exactly the container action's inputs and
// outputs, and runs the entry for both phases, revoking always.
func TestNativeActionMatchesTheContainerAction(t *testing.T) {
	t.Parallel()
	container, native := string(ActionYML()), string(NativeActionYML())
	cut := func(s string) string {
		head, _, _ := strings.Cut(s, "runs:\n")
		_, rest, _ := strings.Cut(head, "description:")
		return rest
	}
	if cut(container) != cut(native) {
		t.Error("native/action.yml's inputs or outputs differ from action.yml's")
	}
	for _, need := range []string{"  using: node24\n", "  main: main.js\n", "  post: post.js\n", "  post-if: always()\n"} {
		if !strings.Contains(native, need) {
			t.Errorf("native/action.yml lacks %q", need)
		}
	}
}
