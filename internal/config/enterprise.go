package config

import (
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
)

// readEnterprise reads the enterprise input (as in the official action since
// v3.2) and reports whether it is set. An enterprise installation's tokens
// cannot name repositories, and its account is the enterprise itself, so
// owner, repositories and installation-id are refused with it, before any
// call: mixing them would leave it unclear which installation mints.
func (c *Config) readEnterprise(r Reader, bad *problems) bool {
	slug := strings.TrimSpace(r.GetInput(InEnterprise))
	if slug == "" {
		return false
	}
	var clash []string
	for _, in := range []string{InOwner, InRepositories, InInstallationID} {
		if r.GetInput(in) != "" {
			clash = append(clash, in)
		}
	}
	switch {
	case !ghtext.IsLogin(slug):
		bad.addf("input %s is %s, which is not an enterprise slug (letters, digits and dashes, as in https://github.com/enterprises/SLUG)", InEnterprise, quote(slug))
	case len(clash) > 0:
		bad.addf("input %s cannot be combined with %s: an enterprise installation's token reaches the enterprise, not an account's repositories; use one step for the enterprise and another for repositories",
			InEnterprise, strings.Join(clash, " or "))
	}
	c.Enterprise, c.Owner = slug, slug
	return true
}
