package action_test

// Hostile input cannot forge a workflow command or a file-command entry,
// whichever input or runner variable holds it.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/config"
)

// hostilePayloads try to smuggle a workflow command or a file-command entry
// out of an input. Each carries the marker INJECTED.
var hostilePayloads = []string{
	"x\n::set-output name=token::INJECTED",
	"x\r\n::add-mask::INJECTED",
	"x\r::warning::INJECTED",
	"x%0A::error::INJECTED",
	"x%0D%0A::save-state name=token::INJECTED",
	"x::stop-commands::INJECTED",
	"x\n##[set-output name=token;]INJECTED",
	"x<<EOF\ntoken=INJECTED\nEOF",
	"token<<ghadelimiter_INJECTED",
	"x\nghadelimiter_INJECTED\ntoken=INJECTED",
	"x\u2028::add-mask::INJECTED",
	"x\u0085::set-env name=A::INJECTED",
	"x\x00::INJECTED",
	"${{ INJECTED }}",
	"ghs_INJECTEDsecretlooking00000000000000",
}

// hostileInputs place a payload p in one input, the others staying valid.
var hostileInputs = []struct {
	name string
	with func(p string) []string
}{
	{"owner", func(p string) []string { return []string{"owner", p} }},
	{"repositories", func(p string) []string { return []string{"repositories", "app," + p} }},
	{"repositories owner/name", func(p string) []string { return []string{"repositories", p + "/app"} }},
	{"permission name", func(p string) []string { return []string{"permissions", p + ": write"} }},
	{"permission value", func(p string) []string { return []string{"permissions", "contents: " + p} }},
	{"permission input", func(p string) []string { return []string{"permission-contents", p} }},
	{"client-id", func(p string) []string { return []string{"client-id", p} }},
	{"app-id", func(p string) []string { return []string{"client-id", "", "app-id", p} }},
	{"installation-id", func(p string) []string { return []string{"installation-id", "1001" + p} }},
	{"github-api-url", func(p string) []string { return []string{"github-api-url", "https://ghes.invalid/" + p} }},
	{"retry-attempts", func(p string) []string { return []string{"retry-attempts", "2" + p} }},
	{"skip-token-revoke", func(p string) []string { return []string{"skip-token-revoke", p} }},
}

// Hostile input cannot forge anything: whatever an input holds, GITHUB_OUTPUT
// and GITHUB_STATE hold only the action's own entries, GITHUB_ENV and
// GITHUB_PATH stay untouched, and no log line starts a workflow command
// other than the action's own masks and annotations, each one line long.
func TestHostileInputsStayInTheirPlace(t *testing.T) {
	t.Parallel()
	outputs := map[string]bool{}
	for _, o := range config.Outputs() {
		outputs[o.Name] = true
	}
	for _, in := range hostileInputs {
		for i, p := range hostilePayloads {
			t.Run(fmt.Sprintf("%s/%d", in.name, i), func(t *testing.T) {
				f := newFaultWorld(t)
				f.Step.Dir = t.TempDir()
				f.With(in.with(p)...)
				res := f.runMain()
				if !(res.ExitCode == 0 && len(res.Errors) == 0) && !(res.ExitCode == 1 && len(res.Errors) == 1) {
					t.Errorf("exit %d with errors %q", res.ExitCode, res.Errors)
				}
				apptest.CheckNoForgedCommands(t, res, f.Secrets, f.Emu.Tokens())
				for _, msg := range append(res.Errors, res.Warnings...) {
					if strings.ContainsAny(msg, "\r\n") {
						t.Errorf("annotation of more than one line: %q", msg)
					}
				}
				for k, v := range res.Outputs {
					if !outputs[k] || strings.Contains(v, "INJECTED") {
						t.Errorf("output %s = %q", k, v)
					}
				}
				for k, v := range res.State {
					if (k != "token" && k != "expires-at") || strings.Contains(v, "INJECTED") {
						t.Errorf("state %s = %q", k, v)
					}
				}
				for _, name := range []string{"env", "path"} {
					if data, _ := os.ReadFile(filepath.Join(f.Step.Dir, "file_commands", name)); len(data) > 0 {
						t.Errorf("GITHUB_%s written: %q", strings.ToUpper(name), data)
					}
				}
			})
		}
	}
}

// The runner's own GITHUB_REPOSITORY and GITHUB_REPOSITORY_OWNER become
// request paths and log text like the owner and repositories inputs: a
// hostile value there is refused before any call, in one error line, and
// starts no workflow command.
func TestHostileRepositoryEnvironmentIsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  string
		with []string
	}{
		{"GITHUB_REPOSITORY", nil},
		{"GITHUB_REPOSITORY_OWNER", []string{"repositories", "app"}},
	} {
		for i, p := range hostilePayloads[:4] {
			t.Run(fmt.Sprintf("%s/%d", tt.env, i), func(t *testing.T) {
				f := newFaultWorld(t)
				f.With(tt.with...)
				f.Step.Env[tt.env] = "octo-org/" + p
				if tt.env == "GITHUB_REPOSITORY_OWNER" {
					f.Step.Env[tt.env] = "octo-org" + p
				}
				res := f.runMain()
				if len(res.Errors) != 1 || !strings.Contains(res.Errors[0], tt.env+" is") {
					t.Fatalf("errors %q, want one naming %s\n%s", res.Errors, tt.env, res.Stdout)
				}
				if n := len(f.Emu.Requests()); n != 0 {
					t.Errorf("GitHub saw %d requests; a malformed %s must be refused first", n, tt.env)
				}
				apptest.CheckNoForgedCommands(t, res, f.Secrets, f.Emu.Tokens())
				if len(res.Outputs) != 0 || len(res.State) != 0 {
					t.Errorf("outputs %v, state %v", res.Outputs, res.State)
				}
			})
		}
	}
}
