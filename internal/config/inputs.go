package config

import (
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Input declares one action input. Inputs and PermissionInputs are the
// single source of action.yml's inputs and docs/inputs.md's table (see
// internal/actionyml), so documentation, metadata and parsing cannot drift
// apart.
type Input struct {
	Name        string
	Description string
	Default     string
	Required    bool
	// Levels lists, for a permission-* input, the levels GitHub accepts
	// (shared with the permission table: read only).
	Levels []string
}

// Output declares one action output, for action.yml and docs/inputs.md.
type Output struct {
	Name        string
	Description string
}

// Inputs lists the inputs that are not per-permission, in the order
// action.yml shows them: every setting the action has, from the one table
// in internal/setting (its description, range and default). A fresh slice
// each call: nobody can change the declarations for everyone.
func Inputs() []Input {
	var ins []Input
	for _, id := range setting.All() {
		s := id.Spec()
		if s.Input == "" {
			continue // the command line's only
		}
		def := s.Default
		if s.ActionDefault != "" {
			def = s.ActionDefault
		}
		ins = append(ins, Input{Name: s.Input, Description: s.Describe(setting.Action), Default: def})
	}
	return ins
}

// Outputs lists the action's outputs, a fresh slice each call.
func Outputs() []Output {
	return []Output{
		{Name: "token", Description: "The installation access token (masked in logs)."},
		{Name: "installation-id", Description: "The ID of the installation the token belongs to."},
		{Name: "app-slug", Description: "The App's slug."},
		{Name: "expires-at", Description: "When the token expires, RFC 3339 (one hour after minting). GitHub cannot extend a token: a job that runs longer uses the action again in a later step."},
		{Name: "permissions", Description: "JSON object of the permissions GitHub granted the token."},
		{Name: "bot-user-id", Description: "The user ID of the App's bot account (empty if the lookup failed)."},
		{Name: "git-user-name", Description: "<app-slug>[bot], for git config user.name (empty if the lookup failed)."},
		{Name: "git-user-email", Description: "<bot-user-id>+<app-slug>[bot]@users.noreply.github.com, for git config user.email (empty if the lookup failed)."},
	}
}

// PermissionInputs returns one input per App permission, generated from
// GitHub's table: `permission-pull-requests` sets `pull_requests`.
func PermissionInputs() []Input {
	specs := permissions.All()
	ins := make([]Input, len(specs))
	for i, s := range specs {
		desc := s.Description + " Can be set to: " + JoinLevels(s.Levels) + "."
		ins[i] = Input{Name: s.InputName(), Description: desc, Levels: s.Levels}
	}
	return ins
}

// AllInputs returns every declared input: the fixed ones, then one per permission.
func AllInputs() []Input {
	return append(Inputs(), PermissionInputs()...)
}

// JoinLevels lists levels as the docs show them: 'read' or 'write'.
func JoinLevels(levels []string) string {
	out := ""
	for i, l := range levels {
		if i > 0 && i == len(levels)-1 {
			out += " or "
		} else if i > 0 {
			out += ", "
		}
		out += "'" + l + "'"
	}
	return out
}
