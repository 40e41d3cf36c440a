package docfigures

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/cli"
	"github.com/app-token/app-token/internal/config"
)

var update = flag.Bool("update", false, "measure the figures this machine can, record them in docs/figures.json and rewrite every quote of them")

// root is the repository's root, from this package's folder.
const root = "../.."

// sourcePath is the one source of the figures, from the root.
const sourcePath = "docs/figures.json"

// figure is one entry of docs/figures.json.
type figure struct {
	Value string `json:"value"`
	// What the figure is, and How it is had: the command that measures it,
	// or where the tree decides it.
	What string `json:"what"`
	How  string `json:"how"`
	// When (and on what) it was measured; empty for the tree's figures.
	When string `json:"when,omitempty"`
}

// tolerance is how far a size measured here may be from the recorded one
// before the test asks for go generate: other changes move the binary by
// kilobytes, and rounding by 0.05 MB.
const tolerance = 0.03

// Every figure the docs quote is the source's, and the source is what the
// tree says and what this machine measures.
func TestDocFigures(t *testing.T) {
	figures := readSource(t)
	for key, want := range treeFigures(t) {
		f, ok := figures[key]
		switch {
		case !ok:
			t.Errorf("%s has no %s", sourcePath, key)
		case f.Value != want && *update:
			f.Value = want
			figures[key] = f
		case f.Value != want:
			t.Errorf("%s says %s is %q, the tree %q: run go generate ./internal/docfigures", sourcePath, key, f.Value, want)
		}
	}
	when := measuredWhen(t)
	for key, bytes := range measuredSizes(t) {
		f, ok := figures[key]
		if !ok {
			t.Errorf("%s has no %s", sourcePath, key)
			continue
		}
		if *update {
			f.Value, f.When = fmt.Sprintf("%.1f MB", float64(bytes)/1e6), when
			figures[key] = f
			continue
		}
		recorded, err := megabytes(f.Value)
		if err != nil {
			t.Errorf("%s: %s: %v", sourcePath, key, err)
		} else if math.Abs(float64(bytes)-recorded)/recorded > tolerance {
			t.Errorf("%s says %s is %s, but it measures %.2f MB here: run go generate ./internal/docfigures", sourcePath, key, f.Value, float64(bytes)/1e6)
		}
	}
	for key, f := range figures {
		if f.Value == "" || f.What == "" || f.How == "" {
			t.Errorf("%s: %s needs a value, what it is and how it is had", sourcePath, key)
		}
	}
	quoted := checkQuotes(t, figures)
	for key := range figures {
		if !quoted[key] {
			t.Errorf("%s holds %s, which no page quotes: quote it (<!--fig:%s-->…<!--/fig-->) or remove it", sourcePath, key, key)
		}
	}
	checkTable(t, figures)
	if *update {
		writeSource(t, figures)
	}
}

func readSource(t *testing.T) map[string]figure {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, sourcePath))
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string]figure{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&figures); err != nil {
		t.Fatalf("%s: %v", sourcePath, err)
	}
	return figures
}

func writeSource(t *testing.T, figures map[string]figure) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(figures); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, sourcePath), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeFigures are the figures the tree decides, read where it decides them.
func treeFigures(t *testing.T) map[string]string {
	return map[string]string{
		"go-version":          match(t, "go.mod", `(?m)^go (\d+\.\d+)`),
		"official-action-yml": match(t, "internal/permissions/official-action.yml", `(?m)^# version: .*?\((v\d+\.\d+),`),
		"max-repositories":    strconv.Itoa(config.MaxRepositories),
		"image-budget":        match(t, "test/container/run.sh", `\(\(size <= (\d+) \* 1000 \* 1000\)\)`) + " MB",
	}
}

// match returns the first group of expr in the file at path, from the root.
func match(t *testing.T, path, expr string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(expr).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s no longer matches %s: where does its figure live now?", path, expr)
	}
	return string(m[1])
}

// dockerfileBuild is how the Dockerfile builds the binary; the sizes are
// measured on the same build.
const dockerfileBuild = "go build -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w -buildid='"

// caBundle is the image's other file: the build stage's Debian bundle,
// this machine's when it is Debian too.
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// measuredSizes builds the binary for linux/amd64 as the Dockerfile does
// and returns, in bytes: the binary, the image's files (the binary and the
// CA bundle; the post phase's name is a symlink), and the gzip'd tar of
// them that a runner pulls.
func measuredSizes(t *testing.T) map[string]int64 {
	t.Helper()
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dockerfile, []byte(dockerfileBuild)) {
		t.Fatalf("the Dockerfile no longer builds with %s: measure the binary as it does", dockerfileBuild)
	}
	certs, err := os.ReadFile(caBundle)
	if err != nil {
		t.Skipf("no CA bundle at %s to measure the image with: %v", caBundle, err)
	}
	bin := filepath.Join(t.TempDir(), "app-token")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", bin, ".")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var layer countingWriter
	gz := gzip.NewWriter(&layer)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		data []byte
		link string
	}{{"app-token", binary, ""}, {"app-token-post", nil, "app-token"}, {"etc/ssl/certs/ca-certificates.crt", certs, ""}} {
		h := &tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if f.link != "" {
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.link
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return map[string]int64{
		"binary-size": int64(len(binary)),
		"image-size":  int64(len(binary) + len(certs)),
		"image-pull":  layer.n,
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// measuredWhen says when and on what a size was measured.
func measuredWhen(t *testing.T) string {
	commit := "this tree"
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = "the tree at " + strings.TrimSpace(string(out))
	}
	return time.Now().UTC().Format("2006-01-02") + ", " + commit + ", linux/amd64"
}

// megabytes reads "11.5 MB".
func megabytes(v string) (float64, error) {
	n, ok := strings.CutSuffix(v, " MB")
	f, err := strconv.ParseFloat(n, 64)
	if !ok || err != nil || f <= 0 {
		return 0, fmt.Errorf("%q is not a size like 11.5 MB", v)
	}
	return f * 1e6, nil
}

// quote is a figure quoted on a page.
var quote = regexp.MustCompile(`<!--fig:([a-z0-9-]+)-->(.*?)<!--/fig-->`)

// pages are the pages that may quote figures, from the root.
func pages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

// checkQuotes checks every quote on every page against the source (with
// -update, rewrites it) and returns the figures quoted.
func checkQuotes(t *testing.T, figures map[string]figure) map[string]bool {
	t.Helper()
	quoted := map[string]bool{}
	for _, page := range pages(t) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, page)
		out := quote.ReplaceAllStringFunc(string(b), func(q string) string {
			m := quote.FindStringSubmatch(q)
			f, ok := figures[m[1]]
			quoted[m[1]] = true
			switch {
			case !ok:
				t.Errorf("%s quotes %s, which %s does not hold", name, m[1], sourcePath)
			case m[2] != f.Value && !*update:
				t.Errorf("%s quotes %s as %q; %s says %q: run go generate ./internal/docfigures", name, m[1], m[2], sourcePath, f.Value)
			case ok:
				return "<!--fig:" + m[1] + "-->" + f.Value + "<!--/fig-->"
			}
			return q
		})
		if *update && out != string(b) {
			if err := os.WriteFile(page, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return quoted
}

// The table of every figure, with how and when, in docs/performance.md.
const (
	tablePage  = "docs/performance.md"
	tableBegin = "<!-- figures:begin (generated by go generate ./internal/docfigures from docs/figures.json) -->\n"
	tableEnd   = "<!-- figures:end -->"
)

// checkTable checks (with -update, writes) the table of every figure.
func checkTable(t *testing.T, figures map[string]figure) {
	t.Helper()
	path := filepath.Join(root, tablePage)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	start, end := strings.Index(page, tableBegin), strings.Index(page, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("%s has no %q … %q", tablePage, tableBegin, tableEnd)
	}
	var table strings.Builder
	table.WriteString("| Figure | Value | What it is | How it is had | When |\n|---|---|---|---|---|\n")
	for _, key := range slices.Sorted(maps.Keys(figures)) {
		f := figures[key]
		when := f.When
		if when == "" {
			when = "(read from the tree)"
		}
		fmt.Fprintf(&table, "| `%s` | %s | %s | %s | %s |\n", key, f.Value, f.What, f.How, when)
	}
	want := page[:start] + tableBegin + table.String() + page[end:]
	if want == page {
		return
	}
	if !*update {
		t.Errorf("%s's table of figures differs from %s: run go generate ./internal/docfigures", tablePage, sourcePath)
		return
	}
	if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
}

// docs/development.md's map of the tree names every command of the command
// line (`app-token help` lists them) where it says internal/cli holds one
// file each.
func TestDevelopmentNamesEveryCommand(t *testing.T) {
	var help bytes.Buffer
	if code := cli.Run(context.Background(), []string{"help"}, cli.Env{Stdout: &help, Stderr: io.Discard}); code != cli.ExitOK {
		t.Fatalf("app-token help: exit %d", code)
	}
	_, list, _ := strings.Cut(help.String(), "Commands:\n")
	row := match(t, "docs/development.md", "(?m)^\\| `internal/cli` \\|(.*)$")
	n := 0
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(line, "  ") || f[0] == "version" {
			continue
		}
		n++
		if !strings.Contains(row, "`"+f[0]+"`") {
			t.Errorf("docs/development.md's internal/cli row does not name the command %s: %q", f[0], row)
		}
	}
	if n < 5 {
		t.Fatalf("app-token help lists %d commands:\n%s", n, help.String())
	}
}
