package main

import "testing"

// Under the runner with no arguments the binary is the container action,
// exactly as before; `action main|post` is the native action; anything
// else is the command line.
func TestActionPhase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		argv0       string
		args        []string
		underRunner bool
		phase       string
		action      bool
	}{
		{"/app-token", nil, true, "main", true},
		{"/app-token-post", nil, true, "post", true},
		{"/app-token", []string{"action", "post"}, true, "post", true},
		{`C:\a\app-token-windows-amd64.exe`, []string{"action", "main"}, true, "main", true},
		{"/app-token", []string{"token", "--owner", "x"}, true, "", false},
		{"/app-token", []string{"action", "revoke"}, true, "", false},
		{"/app-token", nil, false, "", false},
		{"/app-token-post", nil, false, "", false},
		{"/app-token", []string{"action", "main"}, false, "", false},
	} {
		phase, ok := actionPhase(tc.argv0, tc.args, tc.underRunner)
		if phase != tc.phase || ok != tc.action {
			t.Errorf("actionPhase(%q, %q, %t) = %q, %t; want %q, %t", tc.argv0, tc.args, tc.underRunner, phase, ok, tc.phase, tc.action)
		}
	}
}
