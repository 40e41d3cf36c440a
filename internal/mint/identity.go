package mint

import (
	"context"
	"strconv"
	"strings"

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
func (m *Minter) Identity(ctx context.Context, inst *ghclient.Installation, token string) (Bot, error) {
	slug := inst.AppSlug
	if !ghtext.IsSlug(slug) {
		return Bot{}, setting.Errorf("GitHub's answer gives the App a slug that is not one (lower-case letters, digits and dashes), so app-slug and the git identity outputs are empty")
	}
	login := slug + "[bot]"
	u, err := m.gh.GetUser(ctx, login, token)
	if err != nil {
		return Bot{Slug: slug}, setting.Errorf("could not look up the App's bot user %s, so bot-user-id and the git identity outputs are empty: %s", login, Explain(ctx, "get user "+login, err, m.cfg))
	}
	if u.ID <= 0 || !strings.EqualFold(u.Login, login) {
		return Bot{Slug: slug}, setting.Errorf("GitHub's answer for the bot user %s is not that user, so bot-user-id and the git identity outputs are empty", login)
	}
	id := strconv.FormatInt(u.ID, 10)
	return Bot{Slug: slug, ID: id, Name: login, Email: id + "+" + login + "@users.noreply.github.com"}, nil
}
