package action

import (
	"fmt"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/mint"
)

// summary is the job summary's account of the token, from GitHub's answers:
// what it reaches and for how long, never the token itself.
func summary(cfg *config.Config, slug string, inst *ghclient.Installation, sc mint.Scope, expires string) string {
	return fmt.Sprintf("### GitHub App token\n\n| | |\n|---|---|\n| App | %s |\n| Installation | %d on %s |\n| Repositories | %s |\n| Permissions | %s |\n| Expires | %s%s |\n",
		orDash(slug), inst.ID, inst.Account.Login, sc.Repositories, orDash(sc.Permissions), expires, revokeNote(cfg))
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
