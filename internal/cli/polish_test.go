package cli

import (
	"strings"
	"testing"
)

// An unknown flag is refused with the nearest flag of that command, as the
// action names the nearest input: token takes --repositories, dispatch
// --repository, and each suggests its own to a user who typed the other's.
func TestUnknownFlagSuggestsTheNearest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "--owner", "octo-org", "--repository", "app"}, `unknown flag "--repository" (did you mean --repositories?)`},
		{[]string{"dispatch", "--repositories", "octo-org/app", "--event-type", "x"}, `unknown flag "--repositories" (did you mean --repository?)`},
		{[]string{"token", "--permisions", "contents: read"}, `(did you mean --permissions?)`},
		{[]string{"revoke", "--token-envv", "X"}, `(did you mean --token-env?)`},
		// A flag's start before the nearest spelling: --repo is not --ref.
		{[]string{"dispatch", "--repo", "octo-org/app", "--event-type", "x"}, `unknown flag "--repo" (did you mean --repository?)`},
		{[]string{"token", "--private-key", "x"}, `(did you mean --private-key-env or --private-key-file?)`},
		{[]string{"token", "--retry", "3"}, `(did you mean --retry-attempts or --retry-max-seconds?)`},
		// The action's input name: the flag that sets the same.
		{[]string{"token", "--github-api-url", "x"}, `(did you mean --api-url?)`},
	} {
		r := w.run("", tt.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and one line with %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	if calls := w.emu.Requests(); len(calls) != 0 {
		t.Errorf("the emulator saw %d requests, want none", len(calls))
	}
}

// -h writes every flag as the docs write it, with two dashes.
func TestHelpWritesFlagsWithTwoDashes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, cmd := range []string{"token", "revoke", "installations", "dispatch", "jwt"} {
		r := w.run("", cmd, "-h")
		if r.code != ExitOK {
			t.Fatalf("%s -h: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "  -") && !strings.HasPrefix(line, "  --") {
				t.Errorf("%s -h: %q has one dash", cmd, line)
			}
		}
		if !strings.Contains(r.stdout, "  --quiet\n") || !strings.Contains(r.stdout, "print nothing on stderr but errors and warnings") {
			t.Errorf("%s -h does not describe --quiet as docs/cli.md does:\n%s", cmd, r.stdout)
		}
	}
}

// The plain-http warning names where the URL came from, and --quiet, which
// the user gives knowing they talk to a local emulator, silences it.
func TestLoopbackWarningNamesItsSourceAndRespectsQuiet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("", "installations").ok(t)
	if !strings.Contains(r.stderr, "warning: GITHUB_API_URL (--api-url is not set): plain http to a loopback host") {
		t.Errorf("stderr %q does not say the URL came from GITHUB_API_URL", r.stderr)
	}
	r = w.run("", "installations", "--api-url", w.url).ok(t)
	if !strings.Contains(r.stderr, "warning: --api-url: plain http to a loopback host") {
		t.Errorf("stderr %q does not say the URL came from --api-url", r.stderr)
	}
	if r = w.run("", "installations", "--quiet").ok(t); r.stderr != "" {
		t.Errorf("--quiet: stderr %q, want nothing", r.stderr)
	}
}
