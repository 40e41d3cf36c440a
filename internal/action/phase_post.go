package action

import (
	"context"
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
	d.masker(a)(token)
	if exp, err := time.Parse(time.RFC3339, a.Getenv("STATE_"+stateExpiresAt)); err == nil && !d.now().Before(exp) {
		a.Infof("The token expired at %s; nothing to revoke.", exp.UTC().Format(time.RFC3339))
		return nil
	}

	if !ghtext.IsInstallationToken(token) {
		a.Warningf("the saved state holds no installation token (ghs_…), so nothing was sent to GitHub; a token, if one was minted, expires within the hour.")
		return nil
	}
	if urlErr != nil {
		a.Warningf("could not revoke the token: %s. It expires within the hour.", Words(urlErr))
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	gone, err := mint.RevokeToken(ctx, mint.TokenClient(cfg, d.options(a)), token, cfg)
	switch {
	case err != nil:
		a.Warningf("could not revoke the token; it expires within the hour: %s", Words(err))
		return nil
	case gone:
		a.Infof("GitHub no longer accepts the token (already revoked or expired); nothing to revoke.")
		return nil
	}
	a.Infof("Token revoked.")
	return nil
}
