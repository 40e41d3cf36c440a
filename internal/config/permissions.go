package config

import (
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// readPermissions merges the permissions a door set one by one (the
// action's permission-* inputs) with the permissions block.
func (c *Config) readPermissions(s Source, fromInputs permissions.Set, bad *problems) {
	raw := s.Setting(setting.Permissions)
	block, err := permissions.ParseBlock(raw)
	if err != nil {
		bad.addf("%s: %s", setting.Input(setting.Permissions), err)
		return
	}
	if raw != "" && len(block) == 0 {
		bad.addf("%s is set but names no permission (an empty `{}` or only comments): to ask for every permission the installation has, leave %s out; to narrow the token, write one `name: level` per line, e.g. `contents: read`",
			setting.Input(setting.Permissions), setting.Permissions)
		return
	}
	merged, err := permissions.Merge(fromInputs, block)
	if err != nil {
		bad.addf("%s", err)
		return
	}
	forwarded, err := permissions.Validate(merged)
	if err != nil {
		bad.addf("%s: %s", setting.Permissions, err)
		return
	}
	// One notice, however many names: each is GitHub's to judge.
	switch len(forwarded) {
	case 0:
	case 1:
		c.Notices = append(c.Notices, setting.Errorf("permission %s is not in %s copy of GitHub's permission table; it is sent to GitHub as written (GitHub refuses the token if it does not know it)",
			forwarded[0], setting.Words{Action: "this action's", CLI: "app-token's"}))
	default:
		c.Notices = append(c.Notices, setting.Errorf("permissions %s are not in %s copy of GitHub's permission table; they are sent to GitHub as written (GitHub refuses the token if it does not know them)",
			setting.JoinCapped(forwarded, 0, ", "), setting.Words{Action: "this action's", CLI: "app-token's"}))
	}
	c.Permissions = merged
}
