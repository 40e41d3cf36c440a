package mint

import (
	"context"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/setting"
)

// Bot is the App's git identity: what `git config user.name` and
// `user.email` need to commit as the App. Fields are empty when unknown.
type Bot struct{ Slug, ID, Name, Email string }

// Identity looks up the App's bot user for git commits. Its error is a
// warning: the token is already minted, and a Bot with what is known comes
// back with it. The slug comes from GitHub and ends up where workflows
// paste it into `git config` commands, so it must be a slug and nothing more.
func (a *App) Identity(ctx context.Context, inst *ghclient.Installation, token string) (Bot, error) {
	return a.identity(ctx, inst, token, nil)
}

// identity is Identity; works, when set, waits for the token check and
// says whether GitHub accepts the token now: a 401 met before then was the
// new token not yet known, and the lookup is made once more.
func (a *App) identity(ctx context.Context, inst *ghclient.Installation, token string, works func() bool) (Bot, error) {
	slug := inst.AppSlug
	if !ghtext.IsSlug(slug) {
		return Bot{}, setting.Errorf("GitHub's answer gives the App a slug that is not one (lower-case letters, digits and dashes), so app-slug and the git identity outputs are empty")
	}
	login := slug + "[bot]"
	u, err := a.gh.GetUser(ctx, login, token)
	if ghclient.KindOf(err) == ghapi.Unauthorized && works != nil && works() {
		u, err = a.gh.GetUser(ctx, login, token)
	}
	if err != nil {
		return Bot{Slug: slug}, setting.Errorf("could not look up the App's bot user %s, so bot-user-id and the git identity outputs are empty: %s", login, Explain(ctx, "get user "+login, err, a.cfg))
	}
	if u.ID <= 0 || !strings.EqualFold(u.Login, login) {
		return Bot{Slug: slug}, setting.Errorf("GitHub's answer for the bot user %s is not that user, so bot-user-id and the git identity outputs are empty", login)
	}
	id := strconv.FormatInt(u.ID, 10)
	return Bot{Slug: slug, ID: id, Name: login, Email: id + "+" + login + "@users.noreply.github.com"}, nil
}

// ReadyWithIdentity checks that GitHub accepts tok (see Ready) while it
// looks up the App's bot identity on tok's installation (see Identity), so
// the common case pays one round trip for both. Warnings are the check's
// and the lookup's; an error means the token was of no use (and was
// revoked).
func (a *App) ReadyWithIdentity(ctx context.Context, tok *Token) (Bot, []error, error) {
	var (
		bot    Bot
		botErr error
		works  bool
	)
	checked, looked := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(looked)
		bot, botErr = a.identity(ctx, tok.Installation, tok.Token.Token, func() bool { <-checked; return works })
	}()
	warning, err := a.Ready(ctx, tok.Token)
	// Checked and accepted; with the check off nothing is known.
	works = err == nil && warning == nil && a.cfg.Retry.TokenReady > 0
	close(checked)
	<-looked
	var warnings []error
	for _, w := range []error{warning, botErr} {
		if w != nil {
			warnings = append(warnings, w)
		}
	}
	return bot, warnings, err
}
