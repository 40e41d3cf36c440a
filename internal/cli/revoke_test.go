package cli

import "testing"

// A token from `token` is revoked from stdin or from a variable; a second
// revoke of the same token is not an error (cleanup traps may run twice).
func TestRevoke(t *testing.T) {
	t.Parallel()
	for name, from := range map[string]string{"stdin": "", "env": "MY_TOKEN"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			minted := w.run("", "token", "--owner", "octocat").ok(t).stdout
			args, stdin := []string{"revoke"}, minted
			if from != "" {
				w.env[from] = minted
				args, stdin = append(args, "--token-env", from), ""
			}
			r := w.run(stdin, args...).ok(t)
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if !w.emu.Tokens()[0].Revoked {
				t.Fatal("the token was not revoked")
			}
			r = w.run(stdin, args...).ok(t)
			if want := "no longer accepts"; !contains(r.stderr, want) {
				t.Errorf("second revoke: stderr %q lacks %q", r.stderr, want)
			}
		})
	}
}

func TestRevokeBadInput(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"nothing on stdin": {"", nil, "empty"},
		"not a token":      {"two words\n", nil, "not an installation token"},
		"a key":            {appPEM, nil, "not an installation token"},
		"unset variable":   {"", []string{"--token-env", "NOPE"}, `"NOPE" is not set`},
		"empty variable":   {"", []string{"--token-env", "EMPTY"}, `"EMPTY" is empty`},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.env["EMPTY"] = ""
			w.run(tc.stdin, append([]string{"revoke"}, tc.args...)...).failed(t, ExitUsage, tc.want)
			if n := len(w.emu.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
