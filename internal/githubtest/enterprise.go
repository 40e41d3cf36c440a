package githubtest

import (
	"net/http"
	"strings"
)

// AccountEnterprise is the AccountType of an installation on an enterprise
// account. Its Account is the enterprise's slug; GitHub finds it only at
// /enterprises/{enterprise}/installation (never under /users/ or /orgs/), shows
// its account with a slug and no login, and its tokens reach no repository.
const AccountEnterprise = "Enterprise"

// enterpriseOf is an enterprise account as an installation shows it.
func enterpriseOf(a *account) accountJSON {
	return accountJSON{
		Slug: a.login, Name: a.login, ID: a.id, NodeID: "EMU_E_" + itoa(a.id),
		HTMLURL:   "https://github.com/enterprises/" + a.login,
		AvatarURL: "https://avatars.githubusercontent.com/b/" + itoa(a.id) + "?v=4",
		CreatedAt: created, UpdatedAt: created,
	}
}

// enterpriseInstallation answers GET /enterprises/{enterprise}/installation,
// an endpoint only GHEC has: GitHub Enterprise Server answers 404 as for
// any path it does not know.
func (s *Server) enterpriseInstallation(w http.ResponseWriter, r *http.Request) {
	if platformOf(r) == PlatformGHES {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	if !s.requireJWT(w, r) {
		return
	}
	var found *installation
	for _, in := range s.world.installs {
		if in.account.typ == AccountEnterprise && strings.EqualFold(in.account.login, r.PathValue("enterprise")) {
			found = in
			break
		}
	}
	s.answerInstallation(w, r, found)
}
