package e2e_test

// Revocation at every door that revokes (post, `app-token revoke`,
// dispatch's own): only what has a token's shape is sent, a token stdout
// does not take is revoked at once, GitHub's bad moments are retried within
// retry-attempts, and a young token's 401 is retried as replication lag,
// never at the cost of retry-attempts.

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// Revocation survives two 502s (post and `app-token revoke`, each form); when
// GitHub keeps failing, the one-line warning quotes GitHub's answer,
// scrubbed, and says until when the token stays valid.
func TestRevocationYouCanTrust(t *testing.T) {
	t.Parallel()
	twice := githubtest.Fault{Method: "DELETE", Path: apptest.RevokePath, Times: 2, Status: 502, Body: `{"message":"Bad gateway"}`}
	for _, form := range tokenForms {
		t.Run(form.name+"/post survives two 502s", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long))
			res := w.Main()
			apptest.Succeeded(t, res)
			w.Emu.AddFault(twice)
			post := w.Post(res.State)
			apptest.Succeeded(t, post)
			if !w.OnlyToken().Revoked || !strings.Contains(post.Log(), "Token revoked.") || len(post.Warnings) > 0 {
				t.Errorf("revoked %v, warnings %q; log:\n%s", w.OnlyToken().Revoked, post.Warnings, post.Log())
			}
		})
		t.Run(form.name+"/revoke survives two 502s", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long))
			_, tok, _ := w.CLI("", nil, "token", "--owner", "octocat")
			w.Emu.AddFault(twice)
			if code, _, stderr := w.CLI(tok, nil, "revoke"); code != 0 || !w.OnlyToken().Revoked || strings.Count(stderr, "502 Bad Gateway") != 2 {
				t.Errorf("exit %d, revoked %v, stderr %q", code, w.OnlyToken().Revoked, stderr)
			}
		})
		t.Run(form.name+"/GitHub keeps failing", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long)).With("retry-attempts", "2")
			res := w.Main()
			apptest.Succeeded(t, res)
			// The answer quotes the token whole, and its second half alone:
			// the leak check finds any 20-character piece of it.
			tok := w.OnlyToken().Token
			echo := githubtest.Fault{Method: "DELETE", Path: apptest.RevokePath, Times: -1, Status: 502,
				Body: `{"message":"upstream refused ` + githubtest.AuthPlaceholder + ` (` + tok[len(tok)/2:] + `)\nretry later"}`}
			w.Emu.AddFault(echo)
			post := w.Post(res.State)
			apptest.Succeeded(t, post)
			if len(post.Warnings) != 1 || !apptest.ContainsAll(post.Warnings[0], "could not revoke the token: revoke the token: GitHub answered 502 Bad Gateway: upstream refused", "retry later",
				"It stays valid until it expires at "+res.Outputs["expires-at"]) || strings.ContainsAny(post.Warnings[0], "\r\n") {
				t.Errorf("warnings %q", post.Warnings)
			}
			code, _, stderr := w.CLI(res.Outputs["token"], nil, "revoke", "--retry-attempts", "2")
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if code != 1 || !apptest.ContainsAll(last, "revoke the token: GitHub answered 502 Bad Gateway: upstream refused", "retry later", "stays valid until it expires, at most an hour after it was minted") {
				t.Errorf("revoke: exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// `revoke` sends only what has a token's shape: key text piped into it, or
// named by --token-env, is refused before any request.
func TestCLIRevokeSendsOnlyTokens(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	notTokens := append(keyShapes(),
		"ghs_"+strings.Repeat("a", 35),     // one short of the classic form
		"ghs_"+strings.Repeat("a", 35)+"-", // outside GitHub's alphabet
		"ghp_"+strings.Repeat("a", 36),     // a personal token
		strings.Repeat("a", 40),            // no prefix
		"ghs_"+strings.Repeat("a", 5000),   // longer than any token
	)
	for i, s := range notTokens {
		code, stdout, stderr := w.CLI(s, nil, "revoke")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "not an installation token") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("shape %d piped: exit %d, stdout %q, stderr %q; want exit 2 and one line", i, code, stdout, stderr)
		}
		code, _, stderr = w.CLI("", []string{"PASTED=" + s}, "revoke", "--token-env", "PASTED")
		if code != 2 || !strings.Contains(stderr, "not an installation token") {
			t.Errorf("shape %d by --token-env: exit %d, stderr %q", i, code, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// Both of GitHub's token forms are revoked whole.
func TestCLIRevokesBothTokenForms(t *testing.T) {
	t.Parallel()
	for _, long := range []bool{false, true} {
		w := apptest.NewWorld(t, func(c *githubtest.Config) { c.LongTokens = long })
		code, token, stderr := w.CLI("", nil, "token", "--owner", "octocat")
		if code != 0 {
			t.Fatalf("token: exit %d, stderr %q", code, stderr)
		}
		if long && len(token) < 400 {
			t.Fatalf("long token is %d characters", len(token))
		}
		if code, _, stderr := w.CLI(token, nil, "revoke"); code != 0 || !w.OnlyToken().Revoked {
			t.Errorf("long %t: revoke exit %d, stderr %q, revoked %t", long, code, stderr, w.OnlyToken().Revoked)
		}
	}
}

// The post phase sends only a token's shape too, whatever the saved state holds.
func TestPostSendsOnlyTokens(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, s := range keyShapes()[2:4] {
		res := w.Post(map[string]string{"token": s})
		if res.ExitCode != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "nothing was sent") {
			t.Errorf("post with %.10q…: exit %d, warnings %q", s, res.ExitCode, res.Warnings)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// A token stdout does not take is revoked at once: a full disk, or a pipe
// whose reader is gone (SIGPIPE would otherwise kill the process first).
func TestCLIRevokesUndeliveredToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stdout func(t *testing.T) *os.File
	}{
		{"full disk", func(t *testing.T) *os.File {
			f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skip("no /dev/full:", err)
			}
			return f
		}},
		{"closed pipe", func(t *testing.T) *os.File {
			r, wr, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			return wr
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			for _, args := range [][]string{{"token", "--owner", "octocat"}, {"token", "--owner", "octocat", "--json"}} {
				out := tc.stdout(t)
				cmd := exec.CommandContext(w.Ctx(), apptest.Binary, args...)
				cmd.Env = []string{"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID, "APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM, "GITHUB_API_URL=" + w.Srv.URL}
				var stderr strings.Builder
				cmd.Stdout, cmd.Stderr = out, &stderr
				err := cmd.Run()
				out.Close()
				toks := w.Emu.Tokens()
				tok := toks[len(toks)-1]
				lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
				last := lines[len(lines)-1]
				if cmd.ProcessState.ExitCode() != 1 || !tok.Revoked || !strings.Contains(last, "could not be written to stdout") || !strings.Contains(last, "revoked at once") {
					t.Errorf("%q: %v, exit %d, revoked %t, stderr %q", args, err, cmd.ProcessState.ExitCode(), tok.Revoked, stderr.String())
				}
				if strings.Contains(stderr.String(), tok.Token) {
					t.Errorf("token on stderr %q", stderr.String())
				}
			}
		})
	}
}

// A young token's revocation keeps retry-attempts for every failure but
// the lag's 401 (internal/action's TestYoungTokenPostKeepsRetryAttempts
// counts the tries in process), through the built binary at every door
// that revokes: the post phase, `app-token revoke`, and the revocation
// that ends `app-token dispatch` (which retries a young token's 401 as lag
// too).
func TestYoungTokenRevocationKeepsRetryAttemptsAtEveryDoor(t *testing.T) {
	t.Parallel()
	t.Run("post", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t).With("retry-attempts", "3")
		res := w.Main()
		apptest.Succeeded(t, res)
		w.Emu.AddFault(apptest.Revoke502)
		post := w.Post(res.State)
		apptest.Succeeded(t, post)
		if got := w.Emu.Count("DELETE", apptest.RevokePath); got != 3 || len(post.Warnings) != 1 || !strings.Contains(post.Warnings[0], "could not revoke the token") {
			t.Errorf("GitHub saw %d revocations, want 3; warnings %q", got, post.Warnings)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t)
		_, tok, _ := w.CLI("", nil, "token", "--owner", "octocat")
		w.Emu.AddFault(apptest.Revoke502)
		code, _, stderr := w.CLI(tok, nil, "revoke", "--retry-attempts", "3")
		if got := w.Emu.Count("DELETE", apptest.RevokePath); got != 3 || code != 1 || strings.Count(stderr, "(try ") != 2 {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, stderr %q", got, code, stderr)
		}
	})
	dispatch := []string{"dispatch", "--repository", "octo-org/app", "--event-type", "rebuild", "--retry-attempts", "3"}
	t.Run("dispatch", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t)
		w.Emu.AddFault(apptest.Revoke502)
		code, _, stderr := w.CLI("", nil, dispatch...)
		if got := w.Emu.Count("DELETE", apptest.RevokePath); got != 3 || code != 0 || !strings.Contains(stderr, "app-token: warning: could not revoke the token") {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, stderr %q", got, code, stderr)
		}
	})
	t.Run("dispatch meets the lag", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t)
		lag := apptest.Revoke401
		lag.Times = 2
		w.Emu.AddFault(lag)
		code, _, stderr := w.CLI("", nil, dispatch...)
		if got := w.Emu.Count("DELETE", apptest.RevokePath); got != 3 || code != 0 || !w.OnlyToken().Revoked || !strings.Contains(stderr, "; token revoked") {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, revoked %t, stderr %q", got, code, w.OnlyToken().Revoked, stderr)
		}
	})
}

// With the token check off (token-ready-seconds 0), a short job's post
// phase met GitHub's replication lag: the revocation's 401 read as "already
// revoked", and the token stayed valid for the hour. Within a minute of
// minting, that 401 is retried as lag.
func TestPostRevokesAYoungTokenThroughTheLag(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t, lagging).With("token-ready-seconds", "0")
	res := w.Main()
	apptest.Succeeded(t, res)
	post := w.Post(res.State)
	if !w.OnlyToken().Revoked || !strings.Contains(post.Log(), "Token revoked.") {
		t.Errorf("revoked %t; post log:\n%s", w.OnlyToken().Revoked, post.Log())
	}
}
