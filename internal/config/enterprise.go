package config

import (
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/setting"
)

// readEnterprise reads the enterprise input (as in the official action since
// v3.2) and reports whether it is set. An enterprise installation's tokens
// cannot name repositories, and its account is the enterprise itself, so
// owner, repositories and installation-id are refused with it, before any
// call: mixing them would leave it unclear which installation mints.
func (c *Config) readEnterprise(s Source, bad *problems) bool {
	slug := strings.TrimSpace(s.Setting(setting.Enterprise))
	if slug == "" {
		return false
	}
	var clash []any
	for _, id := range []setting.ID{setting.Owner, setting.Repositories, setting.InstallationID} {
		if s.Setting(id) != "" {
			clash = append(clash, id)
		}
	}
	if !ghtext.IsLogin(slug) {
		bad.addf("%s is %s, which is not an enterprise slug (letters, digits and dashes, as in https://github.com/enterprises/SLUG)", setting.Input(setting.Enterprise), quote(slug))
	} else if len(clash) > 0 {
		bad.addf("%s cannot be combined with "+strings.Repeat(" or %s", len(clash))[4:]+": an enterprise installation's token reaches the enterprise, not an account's repositories; use one step for the enterprise and another for repositories",
			append([]any{setting.Input(setting.Enterprise)}, clash...)...)
	}
	c.Enterprise, c.Owner = slug, slug
	return true
}
