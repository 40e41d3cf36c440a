package runnertest

import (
	"context"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"
)

// A phase sees what the runner would hand it: every declared input under its
// hyphenated name, defaults filled in (github.api_url evaluated), and state
// as STATE_<name>.
func TestInProcessEnvironmentIsTheRunners(t *testing.T) {
	t.Parallel()
	step := &Step{With: map[string]string{"private-key": "k", "permission-pull-requests": "write"},
		Env: map[string]string{"GITHUB_API_URL": "https://ghes.example.com/api/v3"}}
	seen := map[string]string{}
	res, err := step.InProcess(context.Background(), func(_ context.Context, a *githubactions.Action) error {
		for _, k := range []string{"INPUT_PRIVATE-KEY", "INPUT_PERMISSION-PULL-REQUESTS", "INPUT_PERMISSION-CONTENTS",
			"INPUT_GITHUB-API-URL", "INPUT_SKIP-TOKEN-REVOKE", "STATE_token", "GITHUB_REPOSITORY"} {
			seen[k] = a.Getenv(k)
		}
		a.AddMask("s3cret")
		a.Infof("value s3cret here")
		a.Warningf("careful")
		return nil
	}, map[string]string{"token": "t"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"INPUT_PRIVATE-KEY": "k", "INPUT_PERMISSION-PULL-REQUESTS": "write", "INPUT_PERMISSION-CONTENTS": "",
		"INPUT_GITHUB-API-URL": "https://ghes.example.com/api/v3", "INPUT_SKIP-TOKEN-REVOKE": "false", "STATE_token": "t", "GITHUB_REPOSITORY": "octo-org/app"}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s = %q, want %q", k, seen[k], v)
		}
	}
	if len(res.Masks) != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Log(), "value *** here") || strings.Contains(res.Log(), "s3cret") {
		t.Errorf("masks %q, warnings %q, log:\n%s", res.Masks, res.Warnings, res.Log())
	}
	if leaks := res.Leaks(nil, "s3cret"); len(leaks) != 1 {
		t.Errorf("Leaks = %q, want the one unmasked stdout line", leaks)
	}
}

// The runner passes every `with:` entry, declared or not (it only warns),
// so a misspelt input reaches the action, which must refuse it.
func TestUndeclaredInputIsPassed(t *testing.T) {
	t.Parallel()
	step := &Step{With: map[string]string{"privat-key": "k", "permission-contens": "write"}}
	seen := map[string]string{}
	_, err := step.InProcess(context.Background(), func(_ context.Context, a *githubactions.Action) error {
		for _, k := range []string{"INPUT_PRIVAT-KEY", "INPUT_PERMISSION-CONTENS", "INPUT_PRIVATE-KEY"} {
			seen[k] = a.Getenv(k)
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if seen["INPUT_PRIVAT-KEY"] != "k" || seen["INPUT_PERMISSION-CONTENS"] != "write" || seen["INPUT_PRIVATE-KEY"] != "" {
		t.Errorf("phase saw %q", seen)
	}
}

// A token may be the output and the state named "token", and shown in the
// command that masks it; a secret (a key line, a JWT) nowhere but a mask.
func TestLeaksKnowsWhereATokenMayBe(t *testing.T) {
	t.Parallel()
	res := &Result{
		Stdout:  "::add-mask::TOK\n::add-mask::JWT\nMinted.\n",
		Outputs: map[string]string{"token": "TOK", "app-slug": "bot"},
		State:   map[string]string{"token": "TOK"},
	}
	if leaks := res.Leaks([]string{"TOK"}, "JWT"); len(leaks) != 0 {
		t.Errorf("Leaks = %q, want none", leaks)
	}
	res.Stdout += "echo TOK JWT\n"
	res.Stderr = "JWT"
	res.Summary = "TOK"
	res.Outputs["token"] = "JWT"
	res.Outputs["app-slug"] = "TOK"
	res.State["expires-at"] = "TOK"
	res.State["token"] = "TOK JWT"
	want := []string{"job summary", "output app-slug", "output token", "state expires-at", "state token", "stderr",
		`stdout line "echo <SECRET> JWT"`, `stdout line "echo TOK <SECRET>"`}
	if leaks := res.Leaks([]string{"TOK"}, "JWT"); strings.Join(leaks, "; ") != strings.Join(want, "; ") {
		t.Errorf("Leaks =\n%q\nwant\n%q", leaks, want)
	}
}

// A step node runs (the official action's dist/main.cjs and post.cjs) gets
// its script as an argument, each phase its own, and the post phase its
// state, with everything else as for a binary; the file-command files
// exist when it starts, as the runner makes them (@actions/core refuses to
// write to a missing one).
func TestArgsRunAScriptPerPhase(t *testing.T) {
	t.Parallel()
	const exist = `for f in "$GITHUB_OUTPUT" "$GITHUB_STATE" "$GITHUB_ENV" "$GITHUB_PATH" "$GITHUB_STEP_SUMMARY"; do test -f "$f" || echo "::error::missing $f"; done; `
	step := &Step{Binary: "/bin/sh", With: map[string]string{"owner": "octo-org"},
		Args:     []string{"-c", exist + `echo "::notice::main $INPUT_OWNER"; echo "token=t1" >> "$GITHUB_STATE"`},
		PostArgs: []string{"-c", exist + `echo "::notice::post $STATE_token"`}}
	main, err := step.Main(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	post, err := step.Post(context.Background(), main.State)
	if err != nil {
		t.Fatal(err)
	}
	if main.ExitCode != 0 || post.ExitCode != 0 || strings.Join(main.Notices, "|") != "main octo-org" || strings.Join(post.Notices, "|") != "post t1" ||
		len(main.Errors)+len(post.Errors) > 0 {
		t.Errorf("main: exit %d, notices %q, errors %q; post: exit %d, notices %q, errors %q; want main octo-org, post t1, no error",
			main.ExitCode, main.Notices, main.Errors, post.ExitCode, post.Notices, post.Errors)
	}
}
