package action

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/filecmd"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/setting"
	"github.com/sethvargo/go-githubactions"
)

// Main runs the main phase: read inputs, mint through the core, and hand
// the token to the workflow and to Post. Its error is one sentence that says
// what to fix; it never holds a secret.
func Main(ctx context.Context, a *githubactions.Action, d Deps) error {
	opts := d.options(a)
	// A JWT signed by an earlier step arrives unmasked (the runner masks
	// only secrets): hide it before anything can print it.
	opts.HideJWT(a.GetInput(setting.JWT.Input()))
	cfg, err := config.ReadInputs(a, config.InputNames(d.environ()))
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		a.Warningf("%s", Words(w))
	}
	for _, n := range cfg.Notices {
		a.Noticef("%s", Words(n))
	}

	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	// The core chooses the key source: jwt, kms-key, or the private key,
	// whose lines are hidden before anything can print them.
	m, err := mint.New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	tok, err := m.Mint(ctx)
	if err != nil {
		return err
	}
	for _, w := range tok.Scope.Warnings {
		a.Warningf("%s", Words(w))
	}

	w := filecmd.New(a)
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	// State first: if writing outputs fails, Post can still revoke. If state
	// cannot be saved, nothing would revoke the token: revoke it now.
	if err := saveAll(w.SaveState, [][2]string{
		{stateToken, tok.Token.Token},
		{stateExpiresAt, expires},
	}); err != nil {
		return m.Revoke(ctx, tok.Token, fmt.Errorf("save the token for the post phase, which revokes it: %v", err))
	}
	// Handed over only once GitHub accepts it: git, gh and checkout do
	// not retry a new token's 401.
	bot, warnings, err := m.ReadyWithIdentity(ctx, tok)
	if err != nil {
		return err
	}
	// The runner cancelling the job: a token handed over now would be a
	// success nobody sees, alive for the hour.
	if err := m.HandOver(ctx, tok.Token, "set the outputs"); err != nil {
		return err
	}
	for _, w := range warnings {
		a.Warningf("%s", Words(w))
	}
	if err := saveAll(w.SetOutput, [][2]string{
		{"token", tok.Token.Token},
		{"installation-id", strconv.FormatInt(tok.Installation.ID, 10)},
		{"app-slug", bot.Slug},
		{"expires-at", expires},
		{"permissions", tok.Scope.PermissionsJSON},
		{"bot-user-id", bot.ID},
		{"git-user-name", bot.Name},
		{"git-user-email", bot.Email},
	}); err != nil {
		return err
	}
	a.Infof("Minted an installation token for %s with %s; it expires at %s%s.",
		tok.Scope.Repositories, tok.Scope.Describe(), expires, revokeNote(cfg))
	if err := w.AddSummary(summary(cfg, bot.Slug, tok.Installation, tok.Scope, expires)); err != nil {
		a.Warningf("could not write the job summary: %v", err)
	}
	return nil
}

func saveAll(save func(name, value string) error, entries [][2]string) error {
	for _, e := range entries {
		if err := save(e[0], e[1]); err != nil {
			return err
		}
	}
	return nil
}

func revokeNote(cfg *config.Config) string {
	if cfg.SkipRevoke {
		return " (skip-token-revoke is set: it stays valid until then)"
	}
	return " and is revoked when the job ends"
}
