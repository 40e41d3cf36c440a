package permissions

import "slices"

// The official action's inputs (actions/create-github-app-token), which
// its users migrate from, come from official-action.yml, a copy of its
// action.yml's inputs: block. go generate turns that copy into Go tables
// (official_gen.go), so the binary reads no YAML and no English: every input
// it declares must exist here with the same meaning (a test checks), and its
// permission-* inputs join GitHub's table, so a workflow written for it does
// not lose a permission, such as team_discussions, that GitHub's description
// no longer lists. refresh-official.sh rebuilds the copy;
// TestOfficialTableIsCurrent fails when the generated tables drift from it.
//
//go:generate go test -run ^TestOfficialTableIsCurrent$ -update .

// OfficialInput is one input the official action declares.
type OfficialInput struct {
	Name, Description, Default string
	Required                   bool
}

// OfficialVersion is the version line official-action.yml records.
func OfficialVersion() string { return officialVersion }

// OfficialInputs returns the official action's inputs in the file's order.
func OfficialInputs() ([]OfficialInput, error) { return slices.Clone(officialInputs), nil }

// officialOnly returns a Spec for each permission-* input of the official
// action that GitHub's table lacks, with the levels its description names
// (read out at generation time). Platforms says where it comes from.
func officialOnly(table map[string]bool) ([]Spec, error) {
	var out []Spec
	for _, p := range officialPermissions {
		if table[p.Name] {
			continue
		}
		p.Levels = slices.Clone(p.Levels)
		p.Platforms = []string{OfficialPlatform}
		out = append(out, p)
	}
	return out, nil
}

// OfficialPlatform marks a permission known only from the official action's
// inputs, not from GitHub's description: GitHub may refuse it.
const OfficialPlatform = "actions/create-github-app-token"
