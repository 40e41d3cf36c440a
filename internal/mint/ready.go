package mint

import (
	"context"
	"errors"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// Right after minting, the GitHub server that answers may not know the new
// token yet and says 401 Bad credentials for a few seconds (Octokit retries
// such 401s for about 5 s, octokit/auth-app.js#161). Tools the token is
// handed to (git, gh, actions/checkout) do not retry, so a front door checks
// the token works before handing it over.
const (
	// readyFirstWait is the first backoff after a 401; it doubles up to
	// readyMaxWait, jittered, within Retry.TokenReady.
	readyFirstWait = 250 * time.Millisecond
	readyMaxWait   = 2 * time.Second
	// readyMaxTries bounds the tries; the time bound usually ends first.
	readyMaxTries = 20
)

// lagRetries retries a new token's 401 with the check's short backoff
// within the bound, readyMaxTries tries in all.
func lagRetries(within time.Duration) ghtransport.Lag {
	return ghtransport.Lag{Tries: readyMaxTries - 1, Within: within, BaseDelay: readyFirstWait, MaxDelay: readyMaxWait}
}

// freshPolicy is for the token check, made with a token before it is
// known to work: a 401 is retried with a short backoff within
// Retry.TokenReady (Policy.Lag). The check is also the bot lookup, so any
// other failure keeps the retry settings' bounds (retry-attempts,
// retry-max-seconds), as that lookup always did. With the check off
// (TokenReady 0) it is Policy.
func freshPolicy(r config.Retry) ghtransport.Policy {
	p := Policy(r)
	if r.TokenReady > 0 {
		p.Lag = lagRetries(r.TokenReady)
	}
	return p
}

// youngPolicy is for revoking a token minted moments ago: its 401 may be
// the lag, not a revoked token, and is retried as the check retries it,
// for Retry.TokenReady and at least lagBound (so with the check off too);
// every other failure keeps the retry settings' bounds (retry-attempts,
// retry-max-seconds), as for any revocation.
func youngPolicy(r config.Retry) ghtransport.Policy {
	p := Policy(r)
	p.Lag = lagRetries(max(r.TokenReady, lagBound))
	return p
}

// Ready checks that GitHub accepts tok before a door hands it over, with
// one call made with the token itself (see check), retried while GitHub
// answers 401 within Retry.TokenReady. When GitHub still refuses it, the
// token is of no use: it is revoked and the error says what happened. A
// check that could not finish for another reason (GitHub unreachable or
// failing) proves nothing against the token: that comes back as warning,
// and the token may be handed over.
func (a *App) Ready(ctx context.Context, tok *Token) (warning, err error) {
	if a.cfg.Retry.TokenReady <= 0 {
		return nil, nil
	}
	_, _, warning, err = a.check(ctx, tok)
	return warning, err
}

// check makes the token check: GET /users/{slug}[bot] with the new token
// (the call that also gives the App's git identity, so one call and one
// round trip do both), or GET /installation/repositories when GitHub's
// answer named no slug. GitHub answers 401 Bad credentials to a token it
// does not know on every endpoint, public ones included, so an answer
// other than 401 proves it accepts the token (accepted). It returns the
// call's own outcome (u, callErr) for the identity, and the check's
// verdict as Ready words it.
func (a *App) check(ctx context.Context, tok *Token) (u *ghclient.User, callErr, warning, err error) {
	bound := a.cfg.Retry.TokenReady
	start := a.opts.Time()
	if login, ok := botLogin(tok.Installation); ok {
		u, callErr = a.fresh.GetUser(ctx, login, tok.Token.Token)
	} else {
		callErr = a.fresh.CheckToken(ctx, tok.Token.Token)
	}
	switch {
	case accepted(callErr):
		return u, callErr, nil, nil
	case interrupted(ctx):
		// Ctrl-C, the runner cancelling the job: nobody takes the token
		// (an unchecked one was handed over with exit 0).
		return u, callErr, nil, a.abandon(ctx, tok.Token, "check that GitHub accepts the new token")
	case ctx.Err() != nil:
		// The step's deadline: the token is of no use either.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), Deadline(a.cfg.Retry))
		defer cancel()
		return u, callErr, nil, a.revoke(rctx, a.young, tok.Token, setting.Errorf("the deadline ran out while checking that GitHub accepts the new token"))
	case ghclient.KindOf(callErr) == ghapi.Unauthorized:
		why := setting.Errorf("GitHub minted the token but kept refusing it (401 Bad credentials) for %s, and %s allows %s: it may be having trouble (https://www.githubstatus.com); retry %s later, or raise %s",
			a.opts.Time().Sub(start).Round(100*time.Millisecond), setting.Input(setting.TokenReady), bound, setting.Words{Action: "the job", CLI: "the command"}, setting.TokenReady)
		return u, callErr, nil, a.revoke(ctx, a.gh, tok.Token, why)
	}
	return u, callErr, setting.Errorf("could not check that GitHub accepts the new token, so it is handed over unchecked: %s", Explain(ctx, "check the token", callErr, a.cfg)), nil
}

// accepted reports whether the check's outcome shows that GitHub knows the
// token: a success; a 404, which GitHub gives only once it has taken the
// credential (an unknown one gets 401 first); or a success whose body was
// refused (its status was 2xx). A redirect, a 5xx or no answer proves
// nothing.
func accepted(err error) bool {
	var bad *ghclient.BadAnswerError
	switch {
	case err == nil, ghclient.KindOf(err) == ghapi.NotFound:
		return true
	case errors.As(err, &bad):
		switch bad.Problem {
		case ghclient.Empty, ghclient.WrongJSONKind, ghclient.InvalidJSON, ghclient.UnexpectedJSON:
			return true
		}
	}
	return false
}

// AlreadyRevoked reports whether err is GitHub's 401 to revoking a token:
// GitHub no longer accepts it (revoked before, or expired), which is what
// revoking wanted. The one place every door reads it.
func AlreadyRevoked(err error) bool {
	return ghclient.KindOf(err) == ghapi.Unauthorized
}
