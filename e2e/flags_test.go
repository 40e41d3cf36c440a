package e2e_test

// The command line's flags and exit codes: a flag given empty or twice is
// refused before any call, and a mistyped command or the action's
// permission-<name> spelling gets the nearest.

import (
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

// A subcommand is the command line even under the runner (a `run:` step);
// token then revoke round-trips through stdin; exit codes are as documented.
func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	underRunner := []string{"GITHUB_ACTIONS=true"}
	code, token, stderr := w.CLI("", underRunner, "token", "--owner", "octocat")
	if code != 0 || token != w.OnlyToken().Token+"\n" {
		t.Fatalf("token: exit %d, stdout %q, stderr %q", code, token, stderr)
	}
	if code, _, stderr := w.CLI(token, nil, "revoke"); code != 0 || !w.Emu.Tokens()[0].Revoked {
		t.Fatalf("revoke: exit %d, stderr %q, revoked %t", code, stderr, w.Emu.Tokens()[0].Revoked)
	}
	for _, tc := range []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{nil, nil, 2, "Commands:"},
		{nil, []string{"token", "--owner", "octo-org", "--permissions", "contents: writ"}, 2, `"contents" cannot be "writ"`},
		{[]string{"APP_TOKEN_PRIVATE_KEY="}, []string{"installations"}, 2, "no private key"},
		{nil, []string{"token", "--owner", "stranger-org"}, 1, "not installed on stranger-org"},
		{nil, []string{"dispatch", "--repository", "octo-org/website", "--event-type", "x"}, 1, "cannot reach repository octo-org/website"},
	} {
		code, stdout, stderr := w.CLI("", tc.env, tc.args...)
		if code != tc.code || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("app-token %s: exit %d, stdout %q, stderr %q; want exit %d and %q on stderr", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.want)
		}
	}
}

// An empty flag never means "everything": the command line refuses it, as
// the action refuses empty inputs, and sends nothing.
func TestCLIRefusesEmptyFlags(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "--owner", "octocat", "--permissions", ""}, "--permissions is empty"},
		{[]string{"token", "--owner", "octocat", "--permissions="}, "--permissions is empty"},
		{[]string{"token", "--owner", "octo-org", "--repositories", ""}, "--repositories is empty"},
		{[]string{"token", "--owner", "octo-org", "--repositories", " "}, "--repositories is empty"},
		{[]string{"token", "--owner", ""}, "--owner is empty"},
		{[]string{"token", "--owner", "octocat", "--installation-id", ""}, "--installation-id is empty"},
		{[]string{"token", "--owner", "octocat", "--api-url", ""}, "--api-url is empty"},
		{[]string{"token", "--owner", "octocat", "--client-id", ""}, "--client-id is empty"},
		{[]string{"token", "--owner", "octocat", "--app-id", ""}, "--app-id is empty"},
		{[]string{"token", "--owner", "octocat", "--private-key-env", ""}, "--private-key-env is empty"},
		{[]string{"token", "--owner", "octocat", "--private-key-file", ""}, "--private-key-file is empty"},
		{[]string{"token", "--owner", "octocat", "--retry-attempts", ""}, "--retry-attempts is empty"},
		{[]string{"installations", "--api-url", ""}, "--api-url is empty"},
		{[]string{"revoke", "--token-env", ""}, "--token-env is empty"},
		{[]string{"dispatch", "--repository", "octo-org/docs", "--event-type", "x", "--payload", ""}, "--payload is empty"},
		{[]string{"dispatch", "--repository", "octo-org/docs", "--workflow", "ci.yml", "--ref", ""}, "--ref is empty"},
	} {
		code, stdout, stderr := w.CLI("", nil, tc.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("app-token %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// valueFlags lists every flag of a command that takes a value, as its -h
// shows them: a flag added later is covered without touching the tests.
func valueFlags(t *testing.T, w *apptest.World, command string) (flags, nameFlags []string) {
	t.Helper()
	_, help, _ := w.CLI("", nil, command, "-h")
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && strings.HasPrefix(f[0], "--") {
			flags = append(flags, f[0])
			if f[1] == "NAME" {
				nameFlags = append(nameFlags, f[0])
			}
		}
	}
	if len(flags) < 4 {
		t.Fatalf("%s -h lists %q", command, flags)
	}
	return flags, nameFlags
}

// Every flag of every command, given empty, is refused before any call;
// every flag that takes a variable's NAME refuses the key in its place
// without printing a piece of it.
func TestCLIEveryFlag(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	frags := keyFragments()
	b64 := keyShapes()[0]
	for _, command := range []string{"token", "revoke", "installations", "dispatch"} {
		flags, nameFlags := valueFlags(t, w, command)
		for _, f := range flags {
			code, _, stderr := w.CLI("", nil, command, f, "")
			if code != 2 || !strings.Contains(stderr, f+" is empty") {
				t.Errorf("%s %s '': exit %d, stderr %q", command, f, code, stderr)
			}
		}
		for _, f := range nameFlags {
			args := []string{command, f, b64}
			if command == "dispatch" {
				args = append(args, "--repository", "octo-org/docs", "--event-type", "x")
			}
			code, stdout, stderr := w.CLI("", nil, args...)
			if code != 2 || !strings.Contains(stderr, "takes the NAME of an environment variable") {
				t.Errorf("%s %s <key>: exit %d, stderr %q", command, f, code, stderr)
			}
			if frag := leakedFragment(frags, stdout+stderr); frag != "" {
				t.Errorf("%s %s <key>: printed %q", command, f, frag)
			}
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// A flag given twice is refused, not "last one wins": `--owner a --owner b`
// minted for b, `--repositories x --repositories y` for y alone.
func TestCLIFlagGivenTwiceIsRefused(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, args := range [][]string{
		{"token", "--owner", "octo-org", "--owner", "octocat"},
		{"token", "--owner", "octo-org", "--repositories", "app", "--repositories", "infra"},
		{"token", "--repositories", "octo-org/app", "--permissions", "contents: read", "--permissions", "issues: write"},
		{"token", "--repositories", "octo-org/app", "--permissions=contents: read", "--permissions=contents: write"},
	} {
		code, stdout, stderr := w.CLI("", nil, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "is given more than once") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line", args, code, stdout, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// A mistyped command gets the nearest one, and the action's
// permission-<name> spelling gets the --permissions block it means; a key
// typed as either is still not shown.
func TestCLISuggestsCommandsAndThePermissionsBlock(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tokn"}, `unknown command "tokn" (did you mean token?)`},
		{[]string{"revok"}, `(did you mean revoke?)`},
		{[]string{"token", "--permission-contents", "read"}, `(did you mean --permissions 'contents: LEVEL'?)`},
		{[]string{"token", "--permission-pull-requests=write"}, `(did you mean --permissions 'pull_requests: LEVEL'?)`},
		{[]string{aKeyLine()}, "not shown"},
		{[]string{"token", "--permission-" + aKeyLine()}, "not shown"},
	} {
		code, stdout, stderr := w.CLI("", nil, c.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Contains(stderr, aKeyLine()[:20]) {
			t.Errorf("%.30q: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}
