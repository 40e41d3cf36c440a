package e2e_test

// A token's life as its users live it, through the built binary as the
// runner and a shell run it: it works on its very first use after the step,
// whichever form GitHub issues it in it is handled whole, a failed bot lookup
// is only a warning, and post ends it (revoke_test.go: the revocation).

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// tokenForms are the two forms of installation token GitHub issues: the
// classic 40 characters, and the newer stateless one of about 520.
var tokenForms = []struct {
	name string
	long bool
}{{"classic", false}, {"stateless", true}}

func withForm(long bool) apptest.Option {
	return func(c *githubtest.Config) { c.LongTokens = long }
}

// lagging emulates GitHub's replication lag: every new token is refused
// (401 Bad credentials) for its first 1.5 s.
func lagging(c *githubtest.Config) { c.TokenLag = 1500 * time.Millisecond }

// firstUse makes the call a later step's git or gh would make first, with
// no retry, and returns GitHub's status.
func firstUse(w *apptest.World, token string) int {
	w.T.Helper()
	req, _ := http.NewRequestWithContext(w.Ctx(), "GET", w.Srv.URL+"/installation/repositories", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.Srv.Client().Do(req)
	if err != nil {
		w.T.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The token output works on the very first call after the step ends, though
// GitHub refuses every new token for a while: the action, `app-token token`
// and `dispatch` wait until it works before handing it over or sending.
func TestTokenWorksOnFirstUse(t *testing.T) {
	t.Parallel()
	for _, form := range tokenForms {
		t.Run(form.name+"/action", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long), lagging)
			res := w.Main()
			apptest.Succeeded(t, res)
			if code := firstUse(w, res.Outputs["token"]); code != 200 {
				t.Fatalf("first use of the token output: %d", code)
			}
			if w.OnlyToken().Lagged == 0 || !strings.Contains(res.Log(), apptest.CheckPath+": 401 Unauthorized (a new token may not have reached every GitHub server yet)") {
				t.Errorf("the lag was not met (%d refusals); log:\n%s", w.OnlyToken().Lagged, res.Log())
			}
			if res.Outputs["bot-user-id"] != "41898283" || len(apptest.UnexpectedWarnings(res)) > 0 {
				t.Errorf("bot-user-id %q, warnings %q", res.Outputs["bot-user-id"], res.Warnings)
			}
		})
		t.Run(form.name+"/token command", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long), lagging)
			code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octocat")
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if code := firstUse(w, strings.TrimSpace(stdout)); code != 200 || w.OnlyToken().Lagged == 0 {
				t.Errorf("first use of the printed token: %d after %d refusals", code, w.OnlyToken().Lagged)
			}
		})
		t.Run(form.name+"/dispatch", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long), lagging)
			code, _, stderr := w.CLI("", nil, "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild")
			if code != 0 || len(w.Emu.Dispatches()) != 1 || !w.OnlyToken().Revoked || w.OnlyToken().Lagged == 0 {
				t.Errorf("exit %d, %d dispatches, revoked %v, %d refusals; stderr %q", code, len(w.Emu.Dispatches()), w.OnlyToken().Revoked, w.OnlyToken().Lagged, stderr)
			}
		})
	}
	t.Run("refused beyond the bound", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t, func(c *githubtest.Config) { c.TokenLag = time.Hour }).With("token-ready-seconds", "1")
		res := w.Main()
		apptest.FailedWith(t, res, "GitHub minted the token but kept refusing it (401 Bad credentials)", "raise token-ready-seconds")
		if res.Outputs["token"] != "" {
			t.Error("a token GitHub refuses was handed over")
		}
		code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octocat", "--token-ready-seconds", "1")
		if code != 1 || stdout != "" || !strings.Contains(stderr, "raise --token-ready-seconds") {
			t.Errorf("token command: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
}

// Both forms are output, saved, masked, printed and revoked whole, and no
// piece of either is readable where a server echoed it (the leak check
// looks for every 20-character piece of every token).
func TestTokenFormsAreHandledWhole(t *testing.T) {
	t.Parallel()
	for _, form := range tokenForms {
		t.Run(form.name+"/action", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long))
			// The bot lookup's server echoes the Authorization header.
			w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.BotPath, Times: -1, Status: 403,
				Body: `{"message":"token ` + githubtest.AuthPlaceholder + ` may not read users"}`})
			res := w.Main()
			apptest.Succeeded(t, res)
			tok := w.OnlyToken().Token
			if long := len(tok) > 40; long != form.long {
				t.Fatalf("the emulator issued %d characters", len(tok))
			}
			if res.Outputs["token"] != tok || res.State["token"] != tok || !slices.Contains(res.Masks, tok) {
				t.Errorf("token of %d characters: output whole %v, state whole %v, masked whole %v", len(tok),
					res.Outputs["token"] == tok, res.State["token"] == tok, slices.Contains(res.Masks, tok))
			}
			if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "may not read users") }) {
				t.Errorf("the echoing answer was not shown (scrubbed); warnings %q", res.Warnings)
			}
			post := w.Post(res.State)
			apptest.Succeeded(t, post)
			if !w.OnlyToken().Revoked {
				t.Error("not revoked")
			}
		})
		t.Run(form.name+"/command line", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t, withForm(form.long))
			code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octocat", "--json")
			tok := w.OnlyToken().Token
			if code != 0 || !strings.Contains(stdout, `"token":"`+tok+`"`) {
				t.Fatalf("token --json: exit %d, stderr %q", code, stderr)
			}
			if code, _, stderr := w.CLI("", []string{"TOK=" + tok}, "revoke", "--token-env", "TOK"); code != 0 || !w.OnlyToken().Revoked {
				t.Fatalf("revoke: exit %d, stderr %q", code, stderr)
			}
			w.CLI("", nil, "token", "--owner", "octocat")
			second := w.Emu.Tokens()[1].Token
			if code, _, stderr := w.CLI(second+"\n", nil, "revoke"); code != 0 || !w.Emu.Tokens()[1].Revoked {
				t.Fatalf("revoke from stdin: exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// The check runs at the same time as the bot lookup: the emulator holds the
// bot lookup's answer until the check has arrived. Made one after the
// other, the lookup would wait in vain (and the test says so).
func TestCheckRunsAlongsideTheBotLookup(t *testing.T) {
	t.Parallel()
	var emu *githubtest.Server
	released := make(chan bool, 1)
	w := apptest.NewWorld(t, func(c *githubtest.Config) {
		c.After = func(time.Duration) <-chan time.Time {
			fire := make(chan time.Time, 1)
			go func() {
				deadline := time.Now().Add(5 * time.Second)
				for time.Now().Before(deadline) {
					if slices.ContainsFunc(emu.Requests(), func(r githubtest.Request) bool { return r.Path == apptest.CheckPath }) {
						released <- true
						fire <- time.Now()
						return
					}
					time.Sleep(time.Millisecond)
				}
				released <- false
				fire <- time.Now()
			}()
			return fire
		}
	})
	emu = w.Emu
	emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.BotPath, Delay: time.Hour})
	res := w.Main()
	apptest.Succeeded(t, res)
	if !<-released {
		t.Error("the bot lookup was answered only after waiting 5 s for the check: they ran one after the other")
	}
	if res.Outputs["bot-user-id"] != "41898283" {
		t.Errorf("outputs %v", res.Outputs)
	}
}

// The bot lookup never fails the step.
func TestBotLookupFailureIsAWarning(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: "/users/*", Times: -1, Status: 404, Body: `{"message":"Not Found"}`})
	res := w.Main()
	apptest.Succeeded(t, res)
	if res.Outputs["token"] == "" || res.Outputs["bot-user-id"] != "" || res.Outputs["git-user-email"] != "" {
		t.Errorf("outputs = %v", res.Outputs)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "could not look up the App's bot user release-bot[bot]")
	}) {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestPostPhase(t *testing.T) {
	t.Parallel()
	t.Run("skip-token-revoke keeps the token", func(t *testing.T) {
		w := apptest.NewWorld(t).With("skip-token-revoke", "true")
		res := w.Main()
		apptest.Succeeded(t, res)
		post := w.Post(res.State)
		apptest.Succeeded(t, post)
		if w.OnlyToken().Revoked || slices.Contains(w.Calls(), "DELETE /installation/token") {
			t.Error("token revoked despite skip-token-revoke")
		}
	})
	t.Run("expired token is not sent", func(t *testing.T) {
		w := apptest.NewWorld(t)
		res := w.Main()
		apptest.Succeeded(t, res)
		res.State["expires-at"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		post := w.Post(res.State)
		apptest.Succeeded(t, post)
		if slices.Contains(w.Calls(), "DELETE /installation/token") || !strings.Contains(post.Log(), "expired") {
			t.Errorf("calls %q, log:\n%s", w.Calls(), post.Log())
		}
	})
	t.Run("failed revocation is a warning", func(t *testing.T) {
		w := apptest.NewWorld(t).With("retry-attempts", "1")
		res := w.Main()
		apptest.Succeeded(t, res)
		w.Emu.AddFault(githubtest.Fault{Method: "DELETE", Path: "/installation/token", Times: -1, Status: 500})
		post := w.Post(res.State)
		apptest.Succeeded(t, post)
		if len(post.Warnings) != 1 || !strings.Contains(post.Warnings[0], "could not revoke the token") {
			t.Errorf("warnings = %q", post.Warnings)
		}
	})
	t.Run("already revoked", func(t *testing.T) {
		w := apptest.NewWorld(t)
		res := w.Main()
		apptest.Succeeded(t, res)
		apptest.Succeeded(t, w.Post(res.State))
		again := w.Post(res.State)
		apptest.Succeeded(t, again)
		if len(again.Warnings) != 0 || !strings.Contains(again.Log(), "no longer accepts the token") {
			t.Errorf("second post: warnings %q, log:\n%s", again.Warnings, again.Log())
		}
	})
}

// If the token cannot be saved for the post phase, nothing would revoke it:
// it is revoked at once and the step fails.
func TestUnsavedTokenIsRevoked(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Step.Env["GITHUB_STATE"] = filepath.Join(t.TempDir(), "missing", "state")
	res := w.Main()
	apptest.FailedWith(t, res, "save the token for the post phase", "The token was revoked at once")
	if !w.OnlyToken().Revoked {
		t.Error("the unsaved token is still alive")
	}
	if res.Outputs["token"] != "" {
		t.Error("the token was handed out")
	}
}
