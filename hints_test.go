package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// What a newcomer types by mistake at the command line gets a hint that
// points at what they meant, in the command line's words, before any call
// to GitHub, and never echoes the key.
func TestCLIHintsForNewcomers(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(AppPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		env           []string
		args          []string
		want, notWant []string
	}{
		{"--repo on dispatch means --repository", nil,
			[]string{"dispatch", "--repo", "octo-org/docs", "--event-type", "rebuild"},
			[]string{`unknown flag "--repo" (did you mean --repository?)`}, []string{"--ref"}},
		{"--repo on token means --repositories", nil,
			[]string{"token", "--repo", "octo-org/docs"},
			[]string{`unknown flag "--repo" (did you mean --repositories?)`}, nil},
		{"--private-key points at the two ways to pass a key, without echoing it", nil,
			[]string{"token", "--owner", "octo-org", "--private-key", AppPEM},
			[]string{`unknown flag "--private-key"`, "--private-key-file", "--private-key-env"}, nil},
		{"the action's input name gets its flag", nil,
			[]string{"token", "--owner", "octo-org", "--github-api-url", "https://api.github.com"},
			[]string{`(did you mean --api-url?)`}, nil},
		{"a path in APP_TOKEN_PRIVATE_KEY", []string{"APP_TOKEN_PRIVATE_KEY=" + keyFile},
			[]string{"token", "--owner", "octo-org"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path, not the key", "--private-key-file PATH"}, []string{"not a PEM", keyFile}},
		{"a relative path", []string{"APP_TOKEN_PRIVATE_KEY=my-app.2024-01-01.private-key.pem"},
			[]string{"installations"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path", "--private-key-file PATH"}, nil},
		{"a home path, unexpanded", []string{`APP_TOKEN_PRIVATE_KEY=~/keys/app`},
			[]string{"installations"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path"}, nil},
		{"a Windows path", []string{`APP_TOKEN_PRIVATE_KEY=C:\Users\Jane Doe\app.pem`},
			[]string{"installations"},
			[]string{"APP_TOKEN_PRIVATE_KEY holds a file path"}, nil},
		{"a path in the variable --private-key-env names", []string{"MY_KEY=" + keyFile},
			[]string{"token", "--owner", "octo-org", "--private-key-env", "MY_KEY"},
			[]string{`--private-key-env: environment variable "MY_KEY" holds a file path`}, []string{"APP_TOKEN_PRIVATE_KEY"}},
		{"--private-key-env names a variable that is not set", nil,
			[]string{"token", "--owner", "octo-org", "--private-key-env", "NOPE"},
			[]string{`--private-key-env: environment variable "NOPE" is not set`}, []string{"empty", "APP_TOKEN_PRIVATE_KEY"}},
		{"--private-key-env names an empty variable", []string{"EMPTY_KEY="},
			[]string{"token", "--owner", "octo-org", "--private-key-env", "EMPTY_KEY"},
			[]string{`environment variable "EMPTY_KEY" is empty`}, []string{"APP_TOKEN_PRIVATE_KEY"}},
		{"no key at all", []string{"APP_TOKEN_PRIVATE_KEY"},
			[]string{"installations"},
			[]string{"no private key: APP_TOKEN_PRIVATE_KEY is not set", "--private-key-file PATH"}, []string{"empty"}},
		{"--jwt-env names a variable that is not set", nil,
			[]string{"token", "--owner", "octo-org", "--jwt-env", "NOPE"},
			[]string{`--jwt-env: environment variable "NOPE" is not set`}, []string{"empty"}},
		{"--token-env names a variable that is not set", nil,
			[]string{"revoke", "--token-env", "NOPE"},
			[]string{`--token-env: environment variable "NOPE" is not set`}, []string{"empty"}},
		{"repositories of two accounts, in the command line's words", nil,
			[]string{"token", "--owner", "octo-org", "--repositories", "octocat/blog"},
			[]string{"mint one token per account"}, []string{"step"}},
	} {
		code, stdout, stderr := w.CLI("", tc.env, tc.args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line", tc.name, code, stdout, stderr)
		}
		for _, s := range tc.want {
			if !strings.Contains(stderr, s) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, stderr, s)
			}
		}
		for _, s := range tc.notWant {
			if strings.Contains(stderr, s) {
				t.Errorf("%s: stderr %q holds %q", tc.name, stderr, s)
			}
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
	// The remedy the hint gives works.
	if code, stdout, stderr := w.CLI("", []string{"APP_TOKEN_PRIVATE_KEY"}, "token", "--owner", "octo-org", "--private-key-file", keyFile); code != 0 || !strings.HasPrefix(stdout, "ghs_") {
		t.Errorf("--private-key-file %s: exit %d, stderr %q", keyFile, code, stderr)
	}
}

// The path hint never takes the key for a path: every form of the key
// (and every line of it) in APP_TOKEN_PRIVATE_KEY is read as key text.
func TestCLIKeyIsNeverTakenForAPath(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	for i, shape := range keyShapes() {
		_, _, stderr := w.CLI("", []string{"APP_TOKEN_PRIVATE_KEY=" + shape}, "installations", "--quiet")
		if strings.Contains(stderr, "file path") {
			t.Errorf("key shape %d was taken for a path: %q", i, stderr)
		}
	}
}

// actionWords are what only the action says: a step, a job, its YAML.
var actionWords = regexp.MustCompile(`\b(step|steps|job|jobs|job's)\b|with:|\$\{\{|configure-aws-credentials|aws-role-to-assume`)

// cliWords are what only the command line says: its flags and commands.
var cliWords = regexp.MustCompile(`(^|[^-])--[a-z]|\bapp-token [a-z]+\b|\bthis command\b`)
