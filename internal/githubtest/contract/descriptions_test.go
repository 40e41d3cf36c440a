package contract

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readJSON decodes a committed description as plain JSON.
func readJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := files.ReadFile("descriptions/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// The committed descriptions are what refresh.sh writes, structurally:
// api.github.com, GHEC and one GHES, each from the same package version,
// holding exactly the paths of paths.txt that platform has, dereferenced,
// without examples, and with the permission table the project's own copy
// (internal/permissions/app-permissions.json) was built from.
func TestDescriptionsAreTheSubset(t *testing.T) {
	b, err := files.ReadFile("descriptions/paths.txt")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.HasPrefix(l, "#") {
			listed = append(listed, l)
		}
	}
	entries, _ := files.ReadDir("descriptions")
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, strings.TrimSuffix(e.Name(), ".json"))
		}
	}
	if got := Platforms(); !slices.Equal(slices.Sorted(slices.Values(got)), names) || len(got) != 3 ||
		!regexp.MustCompile(`^ghes-\d+\.\d+$`).MatchString(got[2]) {
		t.Fatalf("descriptions %v, platforms %v: want api.github.com, ghec and the newest GHES", names, got)
	}
	table := readPermissionTable(t)
	union := map[string]bool{}
	var version string
	for _, p := range Platforms() {
		doc := readJSON(t, p+".json")
		info := doc["info"].(map[string]any)
		src, _ := info["x-source"].(string)
		if !strings.Contains(src, "generated/"+p+".deref.json") || !strings.HasPrefix(src, "@octokit/openapi "+info["version"].(string)+",") {
			t.Errorf("%s: x-source %q does not name its package version and file", p, src)
		}
		if version != "" && info["version"] != version {
			t.Errorf("%s: version %v, others %s", p, info["version"], version)
		}
		version, _ = info["version"].(string)
		for path := range doc["paths"].(map[string]any) {
			if !slices.Contains(listed, path) {
				t.Errorf("%s: path %s is not in paths.txt", p, path)
			}
			union[path] = true
		}
		walkKeys(doc, func(key string) {
			switch key {
			case "$ref", "examples", "example", "x-github", "externalDocs":
				t.Errorf("%s: holds %q; refresh.sh drops it (or dereferences)", p, key)
			}
		})
		schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
		perms := slices.Sorted(maps.Keys(schemas["app-permissions"].(map[string]any)["properties"].(map[string]any)))
		if want := table[p]; !slices.Equal(perms, want) {
			t.Errorf("%s: app-permissions %v, the project's table has %v for it: run both refresh scripts with one version", p, perms, want)
		}
	}
	if got := slices.Sorted(maps.Keys(union)); !slices.Equal(got, slices.Sorted(slices.Values(listed))) {
		t.Errorf("paths across the descriptions %v, paths.txt %v", got, listed)
	}
}

func walkKeys(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f(k)
			walkKeys(e, f)
		}
	case []any:
		for _, e := range v {
			walkKeys(e, f)
		}
	}
}

// readPermissionTable returns, per platform, the permission names
// internal/permissions/app-permissions.json says it has.
func readPermissionTable(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../permissions/app-permissions.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Permissions map[string]struct{ Platforms []string }
	}
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, p := range table.Permissions {
		for _, pl := range p.Platforms {
			out[pl] = append(out[pl], name)
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

// Every correction still finds, in every description, what it corrects.
func TestCorrectionsStillApply(t *testing.T) {
	ds, err := descriptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Platforms() {
		if s := ds[p].stale; len(s) > 0 {
			t.Errorf("drop or narrow these corrections (and their lines in docs/api-contract.md): %q", s)
		}
	}
}

// The differences between platforms that matter to app-token, as the
// descriptions state them: only GHEC finds an enterprise's installation;
// only GHEC and GHES know the enterprise permissions; GHES has no
// workflow-dispatch answer with a body (200).
func TestPlatformDifferences(t *testing.T) {
	ds, err := descriptions()
	if err != nil {
		t.Fatal(err)
	}
	ghes := Platforms()[2]
	has := func(p, method, path string) bool { o, _ := ds[p].find(method, path); return o != nil }
	for p, want := range map[string]bool{"api.github.com": false, "ghec": true, ghes: false} {
		if got := has(p, "GET", "/enterprises/acme/installation"); got != want {
			t.Errorf("%s has the enterprise installation endpoint: %v, want %v", p, got, want)
		}
	}
	table := readPermissionTable(t)
	for _, name := range []string{"enterprise_organization_installations", "enterprise_organization_installation_repositories", "enterprise_administration"} {
		if slices.Contains(table["api.github.com"], name) || !slices.Contains(table["ghec"], name) {
			t.Errorf("%s: want a GHEC permission api.github.com lacks", name)
		}
	}
	dispatch := func(p string) []string {
		o, _ := ds[p].find("POST", "/repos/o/r/actions/workflows/ci.yml/dispatches")
		return slices.Sorted(maps.Keys(o.op.Responses.Map()))
	}
	if got := dispatch("api.github.com"); !slices.Contains(got, "200") {
		t.Errorf("api.github.com workflow dispatch answers %v, want 200 among them", got)
	}
	if got := dispatch(ghes); slices.Contains(got, "200") {
		t.Errorf("%s workflow dispatch answers %v, want no 200", ghes, got)
	}
}

// The contents API's {path} is x-multi-segment in every description: it
// takes the rest of the path, slashes and all, while another operation's
// last parameter still takes one segment only.
func TestMultiSegmentPath(t *testing.T) {
	ds, err := descriptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Platforms() {
		for path, want := range map[string]string{
			"/repos/o/r/contents/README.md":                     "README.md",
			"/repos/o/r/contents/.github/chainguard/x.sts.yaml": ".github/chainguard/x.sts.yaml",
		} {
			o, params := ds[p].find("GET", path)
			if o == nil || o.op.OperationID != "repos/get-content" || params["path"] != want || params["repo"] != "r" {
				t.Errorf("%s: GET %s: %v %v, want repos/get-content with path %q", p, path, o, params, want)
			}
		}
		if o, _ := ds[p].find("GET", "/users/octo/cat"); o != nil {
			t.Errorf("%s: a one-segment parameter took two: %v", p, o)
		}
		if o, _ := ds[p].find("GET", "/repos/o/r/contents/"); o != nil {
			t.Errorf("%s: an empty path matched %v", p, o)
		}
	}
}

// The OpenAPI library is for tests only: neither the action nor the
// emulator's command links it, while this package does (else this test
// could not fail).
func TestNotInTheBinaries(t *testing.T) {
	deps := func(args ...string) string {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	const lib = "github.com/getkin/kin-openapi"
	for _, bin := range []string{"github.com/app-token/app-token", "github.com/app-token/app-token/cmd/github-emulator"} {
		if d := deps(bin); strings.Contains(d, lib) || strings.Contains(d, "/githubtest/contract") {
			t.Errorf("%s links the contract check or %s", bin, lib)
		}
	}
	if d := deps("github.com/app-token/app-token/internal/githubtest/contract"); !strings.Contains(d, lib) {
		t.Errorf("the contract package does not link %s: this test checks nothing", lib)
	}
}

// Every test package that serves the emulator holds it to the contract
// (calls Main from its TestMain), so a new one cannot slip past the check.
func TestEveryEmulatorTestIsChecked(t *testing.T) {
	root := "../../.."
	serves, checked := map[string]bool{"internal/githubtest": true}, map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir // another module (test/container) or tooling
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if bytes.Contains(b, []byte("githubtest.Start(")) || bytes.Contains(b, []byte("githubtest.New(")) {
			serves[dir] = true
		}
		if bytes.Contains(b, []byte("contract.Main(")) {
			checked[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	delete(serves, "internal/githubtest/contract") // checks exchanges itself
	for dir := range serves {
		if !checked[dir] {
			t.Errorf("%s starts the emulator but its TestMain does not call contract.Main", dir)
		}
	}
	if len(checked) < 4 {
		t.Errorf("only %v call contract.Main: the walk missed the test files", checked)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
