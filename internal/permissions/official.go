package permissions

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// officialYAML is the inputs: block of the official action's action.yml
// (actions/create-github-app-token), which its users migrate from. Every
// input it declares must exist here with the same meaning (a test checks),
// and its permission-* inputs join GitHub's table: a workflow written for
// it must not lose a permission, such as team_discussions, that GitHub's
// description no longer lists. refresh-official.sh rebuilds it.
//
//go:embed official-action.yml
var officialYAML string

// OfficialInput is one input the official action declares.
type OfficialInput struct {
	Name, Description, Default string
	Required                   bool
}

// OfficialVersion is the version line official-action.yml records.
func OfficialVersion() string {
	for _, line := range strings.Split(officialYAML, "\n") {
		if v, ok := strings.CutPrefix(line, "# version: "); ok {
			return v
		}
	}
	return ""
}

// OfficialInputs returns the official action's inputs in the file's order.
// The file is the one refresh-official.sh writes: two-space names, four-space
// keys with plain or double-quoted values, # comments.
func OfficialInputs() ([]OfficialInput, error) {
	var ins []OfficialInput
	for i, line := range strings.Split(officialYAML, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#") || line == "inputs:":
		case strings.HasPrefix(line, "    ") && len(ins) > 0:
			key, value, _ := strings.Cut(trimmed, ":")
			value = strings.TrimSpace(value)
			if strings.HasPrefix(value, `"`) {
				v, err := strconv.Unquote(value)
				if err != nil {
					return nil, fmt.Errorf("official-action.yml line %d: %v", i+1, err)
				}
				value = v
			}
			in := &ins[len(ins)-1]
			switch key {
			case "description":
				in.Description = value
			case "default":
				in.Default = value
			case "required":
				in.Required = value == "true"
			}
		case strings.HasPrefix(line, "  ") && strings.HasSuffix(trimmed, ":"):
			ins = append(ins, OfficialInput{Name: strings.TrimSuffix(trimmed, ":")})
		default:
			return nil, fmt.Errorf("official-action.yml line %d is not an input: %q", i+1, line)
		}
	}
	return ins, nil
}

// officialLevels reads "Can be set to 'read', 'write', or 'admin'." from a
// permission input's description.
var officialLevels = regexp.MustCompile(`\s*Can be set to (.*)\.$`)

// officialOnly returns a Spec for each permission-* input of the official
// action whose permission table lacks, with the levels its description
// names. Platforms says where it comes from.
func officialOnly(table map[string]bool) ([]Spec, error) {
	ins, err := OfficialInputs()
	if err != nil {
		return nil, err
	}
	var out []Spec
	for _, in := range ins {
		name, ok := strings.CutPrefix(in.Name, "permission-")
		if !ok {
			continue
		}
		name = strings.ReplaceAll(name, "-", "_")
		if table[name] {
			continue
		}
		m := officialLevels.FindStringSubmatch(in.Description)
		if m == nil {
			return nil, fmt.Errorf("official input %s names no levels", in.Name)
		}
		var levels []string
		for _, l := range []string{"read", "write", "admin"} {
			if strings.Contains(m[1], "'"+l+"'") {
				levels = append(levels, l)
			}
		}
		out = append(out, Spec{
			Name: name, Levels: levels,
			Description: strings.TrimSpace(strings.TrimSuffix(in.Description, m[0])),
			Platforms:   []string{OfficialPlatform},
		})
	}
	return out, nil
}

// OfficialPlatform marks a permission known only from the official action's
// inputs, not from GitHub's description: GitHub may refuse it.
const OfficialPlatform = "actions/create-github-app-token"
