package filecmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/runnertest"
	"github.com/sethvargo/go-githubactions"
)

func newAction(t *testing.T) (*githubactions.Action, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, state := filepath.Join(dir, "output"), filepath.Join(dir, "state")
	env := map[string]string{"GITHUB_OUTPUT": out, "GITHUB_STATE": state, "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary")}
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }), githubactions.WithWriter(&bytes.Buffer{}))
	return a, out, state
}

func readParsed(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := runnertest.ParseFileCommands(string(data))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWriterRoundTrips(t *testing.T) {
	t.Parallel()
	a, out, state := newAction(t)
	w := New(a)
	hostile := "line1\n_GitHubActionsFileCommandDelimeter_\nevil=1\nEOF"
	if err := w.SetOutput("token", "ghs_abc"); err != nil {
		t.Fatal(err)
	}
	if err := w.SetOutput("permissions", hostile); err != nil {
		t.Fatal(err)
	}
	if err := w.SaveState("token", "ghs_abc"); err != nil {
		t.Fatal(err)
	}
	got := readParsed(t, out)
	if len(got) != 2 || got["token"] != "ghs_abc" || got["permissions"] != hostile {
		t.Errorf("outputs = %q", got)
	}
	if s := readParsed(t, state); s["token"] != "ghs_abc" || len(s) != 1 {
		t.Errorf("state = %q", s)
	}
	raw, _ := os.ReadFile(out)
	if bytes.Count(raw, []byte("ghadelimiter_")) != 4 {
		t.Errorf("each entry needs its own random delimiter:\n%s", raw)
	}
}

func TestWriterRefuses(t *testing.T) {
	t.Parallel()
	a, _, _ := newAction(t)
	w := New(a)
	w.Delimiter = func() string { return "FIXED" }
	if err := w.SetOutput("x", "a\nFIXED\nb=1"); err == nil || !strings.Contains(err.Error(), "delimiter") {
		t.Errorf("value with the delimiter: err = %v", err)
	}
	if err := w.SetOutput(strings.Repeat("a", 100), "v"); err != nil {
		t.Errorf("name of 100: %v", err)
	}
	for _, name := range []string{"", "a<<b", "a=b", "a\nb", "a b", strings.Repeat("a", 101)} {
		if err := w.SetOutput(name, "v"); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	noEnv := githubactions.New(githubactions.WithGetenv(func(string) string { return "" }), githubactions.WithWriter(&bytes.Buffer{}))
	if err := New(noEnv).SetOutput("token", "v"); err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT is not set") {
		t.Errorf("missing GITHUB_OUTPUT: err = %v", err)
	}
	bad := map[string]string{"GITHUB_STATE": filepath.Join(t.TempDir(), "missing-dir", "state")}
	unwritable := githubactions.New(githubactions.WithGetenv(func(k string) string { return bad[k] }), githubactions.WithWriter(&bytes.Buffer{}))
	if err := New(unwritable).SaveState("token", "secret-value"); err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("unwritable file: err = %v (must be an error without the value)", err)
	}
}

// FuzzFormat: whatever name and value come in, an accepted entry reads back
// as exactly that one name and value, so no value can add or change another.
func FuzzFormat(f *testing.F) {
	f.Add("token", "ghs_abc", "ghadelimiter_1")
	f.Add("permissions", "{\"contents\":\"write\"}\nEOF\nx=1", "EOF")
	f.Add("a", "x\nghadelimiter_1\ny=2", "ghadelimiter_1")
	f.Add("name", "multi\r\nline\r\n", "D")
	f.Fuzz(func(t *testing.T, name, value, delim string) {
		entry, err := Format(name, value, delim)
		if err != nil {
			return
		}
		if strings.Contains(value, "\r") {
			return // the runner reads \r\n as a line end; values we write never hold \r
		}
		got, err := runnertest.ParseFileCommands(entry + "\n")
		if err != nil {
			t.Fatalf("Format(%q, %q, %q) wrote an entry Parse rejects: %v", name, value, delim, err)
		}
		if len(got) != 1 || got[name] != value {
			t.Fatalf("Format(%q, %q, %q) reads back as %q", name, value, delim, got)
		}
	})
}

func TestAddSummary(t *testing.T) {
	t.Parallel()
	a, out, _ := newAction(t)
	w := New(a)
	if err := w.AddSummary("### Token\n| a | b |"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(filepath.Dir(out), "summary"))
	if err != nil || !strings.Contains(string(got), "### Token\n| a | b |") {
		t.Errorf("summary = %q, %v", got, err)
	}
	noEnv := githubactions.New(githubactions.WithGetenv(func(string) string { return "" }), githubactions.WithWriter(&bytes.Buffer{}))
	if err := New(noEnv).AddSummary("x"); err == nil || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY is not set") {
		t.Errorf("err = %v", err)
	}
}
