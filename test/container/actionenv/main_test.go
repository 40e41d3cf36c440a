package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func records(b []byte) []string {
	s := string(b)
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\x00") {
		return []string{"missing final NUL: " + s}
	}
	return strings.Split(strings.TrimSuffix(s, "\x00"), "\x00")
}

func TestRunInputs(t *testing.T) {
	action := writeFile(t, "action.yml", `inputs:
  app-id:
    required: true
  private-key:
    required: true
  github-api-url:
    default: ${{ github.api_url }}
runs:
  using: docker
`)
	key := writeFile(t, "key.pem", "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n")
	var out bytes.Buffer
	err := run([]string{"inputs", "-action", action, "-with", "app-id=123456",
		"-with-file", "private-key=" + key, "-context", "github.api_url=http://127.0.0.1:8787"}, &out)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := []string{
		"INPUT_APP-ID=123456",
		"INPUT_PRIVATE-KEY=-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n",
		"INPUT_GITHUB-API-URL=http://127.0.0.1:8787",
	}
	if got := records(out.Bytes()); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestRunFileCmdAndGet(t *testing.T) {
	state := writeFile(t, "save_state", "token<<ghadelimiter_9\nghs_abc\nghadelimiter_9\nexpires=soon\n")
	var out bytes.Buffer
	if err := run([]string{"filecmd", "-file", state, "-prefix", "STATE_"}, &out); err != nil {
		t.Fatalf("filecmd: %v", err)
	}
	if got, want := records(out.Bytes()), []string{"STATE_token=ghs_abc", "STATE_expires=soon"}; !reflect.DeepEqual(got, want) {
		t.Errorf("filecmd got %q, want %q", got, want)
	}

	out.Reset()
	if err := run([]string{"get", "-file", state, "-name", "token"}, &out); err != nil {
		t.Fatalf("get: %v", err)
	}
	if out.String() != "ghs_abc" {
		t.Errorf("get printed %q, want the bare value", out.String())
	}

	out.Reset()
	err := run([]string{"get", "-file", state, "-name", "missing"}, &out)
	if !errors.Is(err, errAbsent) || out.Len() != 0 {
		t.Errorf("get of an absent name: err = %v, output %q; want errAbsent and nothing printed", err, out.String())
	}
}

func TestRunRefusesBadUse(t *testing.T) {
	action := writeFile(t, "action.yml", "inputs:\n  a:\n    default: x\n")
	tests := map[string][]string{
		"no subcommand":    nil,
		"unknown":          {"nope"},
		"flag without =":   {"inputs", "-action", action, "-with", "a"},
		"flag twice":       {"inputs", "-action", action, "-with", "a=1", "-with", "a=2"},
		"undeclared input": {"inputs", "-action", action, "-with", "b=1"},
		"missing action":   {"inputs", "-action", filepath.Join(t.TempDir(), "none.yml")},
		"filecmd no file":  {"filecmd"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(args, &out); err == nil {
				t.Errorf("run(%q) succeeded, printed %q", args, out.String())
			}
		})
	}
}

func TestWriteRecordsRefusesNUL(t *testing.T) {
	var out bytes.Buffer
	if err := writeRecords(&out, []string{"INPUT_A=x\x00y"}); err == nil || strings.Contains(err.Error(), "x\x00y") {
		t.Errorf("err = %v, want a refusal that does not quote the value", err)
	}
}

func TestRunExecAddsRecordsToTheEnvironment(t *testing.T) {
	recs := writeFile(t, "inputs", "INPUT_PRIVATE-KEY=line1\nline2\x00INPUT_APP-ID=7\x00")
	state := writeFile(t, "state", "STATE_token=ghs_x\x00")
	var gotPath string
	var gotArgv, gotEnv []string
	fake := func(path string, argv, env []string) error {
		gotPath, gotArgv, gotEnv = path, argv, env
		return nil
	}
	if err := runExec([]string{"-env", recs, "-env", state, "--", "true", "a b"}, fake); err != nil {
		t.Fatalf("runExec: %v", err)
	}
	if filepath.Base(gotPath) != "true" || !filepath.IsAbs(gotPath) {
		t.Errorf("path = %q, want the absolute path of true", gotPath)
	}
	if !reflect.DeepEqual(gotArgv, []string{"true", "a b"}) {
		t.Errorf("argv = %q", gotArgv)
	}
	tail := gotEnv[len(gotEnv)-3:]
	want := []string{"INPUT_PRIVATE-KEY=line1\nline2", "INPUT_APP-ID=7", "STATE_token=ghs_x"}
	if !reflect.DeepEqual(tail, want) {
		t.Errorf("env ends with %q, want %q", tail, want)
	}
	if len(gotEnv) != len(os.Environ())+3 {
		t.Errorf("env has %d entries, want the process environment plus 3", len(gotEnv))
	}
}

func TestRunExecRefusesBadRecords(t *testing.T) {
	bad := writeFile(t, "bad", "=secret-value\x00")
	never := func(string, []string, []string) error { t.Fatal("exec called"); return nil }
	err := runExec([]string{"-env", bad, "--", "true"}, never)
	if err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("err = %v, want a refusal that does not quote the record", err)
	}
	if err := runExec([]string{"-env", bad}, never); err == nil {
		t.Error("exec without a command succeeded")
	}
}

func TestRunRuns(t *testing.T) {
	action := writeFile(t, "action.yml", "runs:\n  using: docker\n  post-entrypoint: /p\n  entrypoint: /m\n")
	var out bytes.Buffer
	if err := run([]string{"runs", "-action", action}, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := []string{"entrypoint=/m", "post-entrypoint=/p", "using=docker"}
	if got := records(out.Bytes()); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q (sorted by key)", got, want)
	}
}
