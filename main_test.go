package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/action"
	"github.com/sethvargo/go-githubactions"
)

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

// A phase that panics is one ::error:: line and exit 1: no stack, and no
// secret the panic value held.
func TestRunReportsAPanicInOneLine(t *testing.T) {
	t.Parallel()
	const token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
	for name, phase := range map[string]func(context.Context, *githubactions.Action, action.Deps) error{
		"panic": func(context.Context, *githubactions.Action, action.Deps) error {
			panic("cannot use " + token + "\nsecond line " + strings.Repeat("x", 500))
		},
		"panic after masking": func(_ context.Context, a *githubactions.Action, d action.Deps) error {
			d.Redactor.Add("s3cr3t-value-of-the-run")
			panic(fmt.Errorf("wrapped: %s", "s3cr3t-value-of-the-run"))
		},
		"nil map": func(context.Context, *githubactions.Action, action.Deps) error {
			var m map[string]int
			m["x"]++
			return nil
		},
	} {
		var out bytes.Buffer
		code := run(phase, &out)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "::error::app-token crashed: ") || len(lines[0]) > 400 {
			t.Errorf("%s: exit %d, output %q; want exit 1 and one short ::error:: line", name, code, out.String())
		}
		for _, bad := range []string{token, "s3cr3t", "goroutine", ".go:"} {
			if strings.Contains(out.String(), bad) {
				t.Errorf("%s: output holds %q: %q", name, bad, out.String())
			}
		}
	}
	var out bytes.Buffer
	if code := run(func(context.Context, *githubactions.Action, action.Deps) error { return errors.New("no") }, &out); code != 1 || out.String() != "::error::no\n" {
		t.Errorf("an error: exit %d, output %q", code, out.String())
	}
	out.Reset()
	if code := run(func(context.Context, *githubactions.Action, action.Deps) error { return nil }, &out); code != 0 || out.String() != "" {
		t.Errorf("success: exit %d, output %q", code, out.String())
	}
}
