package cli

import (
	"strings"
	"testing"
)

func TestUsageAndExitCodes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{nil, ExitUsage, "", "Commands:"},
		{[]string{"help"}, ExitOK, "dispatch", ""},
		{[]string{"--help"}, ExitOK, "installations", ""},
		{[]string{"tokn"}, ExitUsage, "", `unknown command "tokn"`},
		{[]string{"token", "-h"}, ExitOK, "--permissions", ""},
		{[]string{"dispatch", "--help"}, ExitOK, "--event-type", ""},
		{[]string{"version"}, ExitOK, "app-token", ""},
	} {
		r := w.run("", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("app-token %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}

// A panic is one line on stderr and exit 1, never a stack trace.
func TestPanicIsOneLine(t *testing.T) {
	t.Parallel()
	var errb strings.Builder
	code := Run(t.Context(), []string{"version"}, Env{Stderr: &errb}) // no stdout: writing to it panics
	if code != ExitFailed || !strings.HasPrefix(errb.String(), "app-token crashed: ") || strings.Count(errb.String(), "\n") != 1 || strings.Contains(errb.String(), "goroutine") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
