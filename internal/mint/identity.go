package mint

import (
	"context"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/config"
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
	login, ok := botLogin(inst)
	if !ok {
		return bot(ctx, inst, nil, nil, a.cfg)
	}
	u, err := a.gh.GetUser(ctx, login, token)
	return bot(ctx, inst, u, err, a.cfg)
}

// botLogin is the login of the App's bot user, when inst names a slug.
func botLogin(inst *ghclient.Installation) (string, bool) {
	return inst.AppSlug + "[bot]", ghtext.IsSlug(inst.AppSlug)
}

// bot reads the answer to GET /users/{slug}[bot] (u, err) into a Bot.
func bot(ctx context.Context, inst *ghclient.Installation, u *ghclient.User, err error, app config.App) (Bot, error) {
	login, ok := botLogin(inst)
	if !ok {
		return Bot{}, setting.Errorf("GitHub's answer gives the App a slug that is not one (lower-case letters, digits and dashes), so app-slug and the git identity outputs are empty")
	}
	slug := inst.AppSlug
	if err != nil {
		return Bot{Slug: slug}, setting.Errorf("could not look up the App's bot user %s, so bot-user-id and the git identity outputs are empty: %s", login, Explain(ctx, "get user "+login, err, app))
	}
	if u.ID <= 0 || !strings.EqualFold(u.Login, login) {
		return Bot{Slug: slug}, setting.Errorf("GitHub's answer for the bot user %s is not that user, so bot-user-id and the git identity outputs are empty", login)
	}
	id := strconv.FormatInt(u.ID, 10)
	return Bot{Slug: slug, ID: id, Name: login, Email: id + "+" + login + "@users.noreply.github.com"}, nil
}

// ReadyWithIdentity checks that GitHub accepts tok (see Ready) and looks
// up the App's bot identity (see Identity) with one call: the check is
// the lookup, made with tok (see check). On the connection the lookup and
// the mint used, the main phase's calls take a round trip each and no
// second connection is opened. Warnings are the check's and the lookup's;
// an error means the token was of no use (and was revoked).
func (a *App) ReadyWithIdentity(ctx context.Context, tok *Token) (Bot, []error, error) {
	if a.cfg.Retry.TokenReady <= 0 {
		// No check: the lookup alone, whose 401 is a warning like any.
		b, err := a.Identity(ctx, tok.Installation, tok.Token.Token)
		return b, nonNil(err), nil
	}
	u, callErr, warning, err := a.check(ctx, tok)
	if err != nil {
		return Bot{}, nil, err
	}
	b, botErr := bot(ctx, tok.Installation, u, callErr, a.cfg)
	return b, nonNil(warning, botErr), nil
}

func nonNil(errs ...error) []error {
	var out []error
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
