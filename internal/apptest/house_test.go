package apptest_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

// notDrawn are the packages docs/development.md's house leaves out: test
// support, and the figures only the docs' tests read.
var notDrawn = append(slices.Clone(testSupport), module+"/internal/docfigures")

// room is one row of the house: a package, its floor and what it imports.
type room struct {
	floor   int
	imports []string
}

// readHouse reads the table under "## The house" in docs/development.md,
// keyed by import path.
func readHouse(t *testing.T) map[string]room {
	t.Helper()
	root, err := apptest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "development.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## The house\n")
	if !ok {
		t.Fatal(`docs/development.md has no "## The house" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	house := map[string]room{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 {
			continue
		}
		floor, err := strconv.Atoi(strings.TrimSpace(cells[1]))
		if err != nil {
			continue // the header and its rule
		}
		name := strings.Trim(strings.Fields(cells[2])[0], "`")
		path := module
		if name != "." {
			path = module + "/" + name
		}
		var imports []string
		for _, imp := range strings.Split(cells[4], ",") {
			if imp = strings.TrimSpace(imp); imp != "" {
				imports = append(imports, module+"/internal/"+imp)
			}
		}
		if _, dup := house[path]; dup {
			t.Errorf("the house draws %s twice", name)
		}
		house[path] = room{floor, imports}
	}
	if len(house) < 20 {
		t.Fatalf("read %d rooms from the house, not the table", len(house))
	}
	return house
}

// The house in docs/development.md is the code's: every shipped package
// drawn once, its internal imports exactly those listed, each on a lower
// floor than its importer (no import runs back up).
func TestTheHouseIsDrawnAsBuilt(t *testing.T) {
	house := readHouse(t)
	built := map[string][]string{}
	for _, line := range goList(t, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module, "./internal/...") {
		pkg, imports, _ := strings.Cut(line, " ")
		if slices.Contains(notDrawn, pkg) {
			continue
		}
		var internal []string
		for _, imp := range strings.Fields(imports) {
			if strings.HasPrefix(imp, module+"/internal/") {
				internal = append(internal, imp)
			}
		}
		built[pkg] = internal
	}
	for pkg, imports := range built {
		r, ok := house[pkg]
		if !ok {
			t.Errorf("%s is not drawn in docs/development.md's house: add its row", pkg)
			continue
		}
		slices.Sort(imports)
		drawn := slices.Sorted(slices.Values(r.imports))
		if !slices.Equal(imports, drawn) {
			t.Errorf("%s imports %v; the house draws %v", pkg, short(imports), short(drawn))
		}
		for _, imp := range imports {
			if below, ok := house[imp]; ok && below.floor >= r.floor {
				t.Errorf("%s (floor %d) imports %s (floor %d): an import runs up or across", pkg, r.floor, imp, below.floor)
			}
		}
	}
	for pkg := range house {
		if _, ok := built[pkg]; !ok {
			t.Errorf("the house draws %s, which is not a shipped package", pkg)
		}
	}
}

func short(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = strings.TrimPrefix(p, module+"/internal/")
	}
	return out
}
