package action

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/mint"
	"github.com/sethvargo/go-githubactions"
)

// Post runs the post phase: revoke the token Main saved, unless the workflow
// asked to keep it or it has already expired. Nothing here fails the job: the
// token dies within the hour anyway, so every problem is a warning.
func Post(ctx context.Context, a *githubactions.Action, d Deps) error {
	cfg, urlErr := config.ReadPost(config.FromInputs(a))
	if cfg.SkipRevoke {
		a.Infof("skip-token-revoke is set: the token stays valid until it expires.")
		return nil
	}
	token := a.Getenv("STATE_" + stateToken)
	if token == "" {
		a.Infof("No token to revoke: the main step saved none (it failed before minting, or the runner, like act, passed no saved state to this phase).")
		return nil
	}
	// The runner masks nothing across phases by itself: mask again before any line is written.
	d.masker(a, new(sync.Mutex))(token)
	until := "it expires within an hour of minting"
	// Unknown expiry: as if just minted, so a 401 is retried as lag.
	exp := d.Time().Add(mint.TokenLifetime)
	if e, err := time.Parse(time.RFC3339, a.Getenv("STATE_"+stateExpiresAt)); err == nil {
		exp = e
		if !d.Time().Before(exp) {
			a.Infof("The token expired at %s; nothing to revoke.", exp.UTC().Format(time.RFC3339))
			return nil
		}
		until = "it stays valid until it expires at " + exp.UTC().Format(time.RFC3339)
	}

	if !ghtext.IsInstallationToken(token) {
		a.Warningf("the saved state holds no installation token (ghs_…), so nothing was sent to GitHub; a token, if one was minted, expires within the hour.")
		return nil
	}
	if urlErr != nil {
		a.Warningf("could not revoke the token: %s. %s.", Words(urlErr), capitalize(until))
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	// Transient failures (5xx, dropped connections, secondary rate limits)
	// are retried within the retry inputs' bounds by the transport.
	gh := mint.RevokeClient(cfg.App, d.options(a), exp, d.Time())
	if err := gh.RevokeToken(ctx, token); err != nil {
		if mint.AlreadyRevoked(err) {
			a.Infof("GitHub no longer accepts the token (already revoked or expired); nothing to revoke.")
			return nil
		}
		a.Warningf("could not revoke the token: %s. %s.", Words(mint.Explain(ctx, "revoke the token", err, cfg.App)), capitalize(until))
		return nil
	}
	a.Infof("Token revoked.")
	return nil
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
