package mint

import (
	"context"
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
// Retry.TokenReady; so is any transient failure, as the check proves
// nothing until it gets an answer. With the check off (TokenReady 0) it is
// Policy.
func freshPolicy(r config.Retry) ghtransport.Policy {
	p := Policy(r)
	if r.TokenReady <= 0 {
		return p
	}
	p.MaxTries, p.MaxElapsed = readyMaxTries, r.TokenReady
	p.BaseDelay, p.MaxDelay = readyFirstWait, readyMaxWait
	p.Lag = lagRetries(r.TokenReady)
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

// Ready checks that GitHub accepts tok, with one cheap call made with the
// token itself, retried while GitHub answers 401 within Retry.TokenReady.
// When GitHub still refuses it, the token is of no use: it is revoked and
// the error says what happened. A check that could not finish for another
// reason (GitHub unreachable or failing) proves nothing against the
// token: that comes back as warning, and the token may be handed over.
func (a *App) Ready(ctx context.Context, tok *ghclient.Token) (warning, err error) {
	bound := a.cfg.Retry.TokenReady
	if bound <= 0 {
		return nil, nil
	}
	start := a.opts.Time()
	err = a.fresh.CheckToken(ctx, tok.Token)
	switch {
	case err == nil:
		return nil, nil
	case interrupted(ctx):
		// Ctrl-C, the runner cancelling the job: nobody takes the token
		// (an unchecked one was handed over with exit 0).
		return nil, a.abandon(ctx, tok, "check that GitHub accepts the new token")
	case ctx.Err() != nil:
		// The step's deadline: the token is of no use either.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), Deadline(a.cfg.Retry))
		defer cancel()
		return nil, a.revoke(rctx, a.young, tok, setting.Errorf("the deadline ran out while checking that GitHub accepts the new token"))
	case ghclient.KindOf(err) == ghapi.Unauthorized:
		why := setting.Errorf("GitHub minted the token but kept refusing it (401 Bad credentials) for %s, and %s allows %s: it may be having trouble (https://www.githubstatus.com); retry %s later, or raise %s",
			a.opts.Time().Sub(start).Round(100*time.Millisecond), setting.Input(setting.TokenReady), bound, setting.Words{Action: "the job", CLI: "the command"}, setting.TokenReady)
		return nil, a.revoke(ctx, a.gh, tok, why)
	}
	return setting.Errorf("could not check that GitHub accepts the new token, so it is handed over unchecked: %s", Explain(ctx, "check the token", err, a.cfg)), nil
}

// AlreadyRevoked reports whether err is GitHub's 401 to revoking a token:
// GitHub no longer accepts it (revoked before, or expired), which is what
// revoking wanted. The one place every door reads it.
func AlreadyRevoked(err error) bool {
	return ghclient.KindOf(err) == ghapi.Unauthorized
}
