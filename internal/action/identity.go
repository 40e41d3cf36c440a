package action

import (
	"context"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/sethvargo/go-githubactions"
)

// bot holds the App's git identity outputs; empty when the lookup failed.
type bot struct{ slug, id, name, email string }

// botIdentity looks up the App's bot user for git commits. It never fails
// the step: the token is already minted, so a lookup problem is a warning.
// The slug comes from GitHub and ends up in outputs that workflows paste
// into `git config` commands, so it must be a slug and nothing more.
func (m *minter) botIdentity(ctx context.Context, a *githubactions.Action, inst *ghclient.Installation, token string) bot {
	slug := inst.AppSlug
	if !ghtext.IsSlug(slug) {
		a.Warningf("GitHub's answer gives the App a slug that is not one (lower-case letters, digits and dashes), so app-slug and the git identity outputs are empty")
		return bot{}
	}
	login := slug + "[bot]"
	u, err := m.gh.GetUser(ctx, login, token)
	if err != nil {
		a.Warningf("could not look up the App's bot user %s, so bot-user-id and the git identity outputs are empty: %v", login, explain(ctx, "get user "+login, err, m.cfg))
		return bot{slug: slug}
	}
	if u.ID <= 0 || !strings.EqualFold(u.Login, login) {
		a.Warningf("GitHub's answer for the bot user %s is not that user, so bot-user-id and the git identity outputs are empty", login)
		return bot{slug: slug}
	}
	id := strconv.FormatInt(u.ID, 10)
	return bot{slug: slug, id: id, name: login, email: id + "+" + login + "@users.noreply.github.com"}
}
