package mint

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Scope is what GitHub's answer says a token reaches, checked against the
// request and written for people. Front doors show only this, never the
// request: if the two differed, the answer is the truth.
type Scope struct {
	// Repositories is "octo-org/app, octo-org/infra" or "all repositories of octo-org".
	Repositories string
	// RepositoryNames are the owner/name entries GitHub's answer lists,
	// those in GitHub's alphabet only.
	RepositoryNames []string
	// Permissions is "contents:write, metadata:read"; "" for none.
	Permissions string
	// PermissionsJSON is the granted permissions as a JSON object; "" when
	// GitHub's answer holds names that cannot be shown.
	PermissionsJSON string
	// Warnings are what is worth telling about the answer.
	Warnings []*setting.Error
}

// maxShown bounds the repositories named in one log line or summary.
const maxShown = 10

// check holds GitHub's answer to the request. A token that reaches more than
// was asked for (or, asking for everything, more than the installation
// has) is an error, and the caller revokes it. Names outside GitHub's
// alphabets are not shown, with a warning.
func check(req config.Request, inst *ghclient.Installation, tok *ghclient.Token) (Scope, error) {
	var sc Scope
	limit := permissions.Set(inst.Permissions)
	if len(req.Permissions) > 0 {
		limit = req.Permissions
	}
	granted := permissions.Set(tok.Permissions)
	if over := permissions.Exceeds(granted, limit); len(over) > 0 {
		return sc, wider("permissions " + strings.Join(over, ", "))
	}
	sc.Permissions, sc.PermissionsJSON = granted.String(), mustJSON(granted)
	for name, level := range granted {
		if !ghtext.IsPermission(name, level) {
			sc.Permissions, sc.PermissionsJSON = "(not shown)", ""
			sc.Warnings = append(sc.Warnings, setting.Errorf("GitHub's answer names permissions outside GitHub's alphabet, so %s and the log does not show them; check %s and any proxy in between",
				setting.Words{Action: "the permissions output is empty", CLI: "--json leaves them out"}, setting.Input(setting.APIURL)))
			break
		}
	}

	names, invalid, err := reached(req, inst, tok)
	if err != nil {
		return sc, err
	}
	sc.RepositoryNames = names
	if invalid > 0 {
		sc.Warnings = append(sc.Warnings, setting.Errorf("GitHub's answer names %d repositories outside GitHub's alphabet; they are not shown", invalid))
	}
	if req.Enterprise != "" && len(names) == 0 {
		sc.Repositories = "the enterprise " + req.Enterprise
	} else if len(names) > 0 {
		sc.Repositories = shortList(names)
	} else if req.Repositories != nil || tok.RepositorySelection == "selected" {
		sc.Repositories = "the selected repositories of " + inst.Account.Login
	} else {
		sc.Repositories = "all repositories of " + inst.Account.Login
	}
	return sc, nil
}

// reached returns the repositories GitHub's answer lists, as owner/name,
// and how many it lists that are not names at all. A repository of another
// account, or one not asked for, is an error; so is "all" when the request
// named repositories.
func reached(req config.Request, inst *ghclient.Installation, tok *ghclient.Token) (names []string, invalid int, err error) {
	asked := req.Repositories
	if asked != nil && tok.RepositorySelection != "selected" {
		return nil, 0, wider("every repository of the installation")
	}
	for _, r := range tok.Repositories {
		if !ghtext.IsFullName(r.FullName) {
			invalid++
			continue
		}
		owner, name, _ := strings.Cut(r.FullName, "/")
		if !strings.EqualFold(owner, inst.Account.Login) ||
			(asked != nil && !slices.ContainsFunc(asked, func(a string) bool { return strings.EqualFold(a, name) })) {
			return nil, 0, wider("repository " + r.FullName)
		}
		names = append(names, r.FullName)
	}
	if asked != nil && invalid > 0 {
		return nil, 0, wider("repositories that are not names")
	}
	return names, invalid, nil
}

func wider(what string) error {
	return setting.Errorf("GitHub's answer grants the token %s, beyond what was asked: refusing to hand out a wider token; check %s and any proxy in between", what, setting.Input(setting.APIURL))
}

// Describe renders the permissions for a log line.
func (sc Scope) Describe() string {
	if sc.Permissions == "" {
		return "no permissions"
	}
	return "permissions " + sc.Permissions
}

// shortList renders names for one line, at most maxShown of them.
func shortList(names []string) string {
	if len(names) <= maxShown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxShown], ", "), len(names)-maxShown)
}

// mustJSON marshals a map of strings, which cannot fail.
func mustJSON(v map[string]string) string {
	b, _ := json.Marshal(v)
	return string(b)
}
