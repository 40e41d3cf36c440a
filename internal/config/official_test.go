package config

import (
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

// A workflow written for the official action must work here: every input it
// declares is declared here (the action refuses undeclared ones), with the
// same default, and none that is optional there is required here.
func TestEveryOfficialInputIsDeclared(t *testing.T) {
	t.Parallel()
	official, err := permissions.OfficialInputs()
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]Input{}
	for _, in := range AllInputs() {
		ours[in.Name] = in
	}
	for _, o := range official {
		in, ok := ours[o.Name]
		switch {
		case !ok:
			t.Errorf("official input %s (%s) is not an input here", o.Name, permissions.OfficialVersion())
		case o.Default != "" && in.Default != o.Default:
			t.Errorf("input %s defaults to %q here, %q in the official action", o.Name, in.Default, o.Default)
		case in.Required && !o.Required:
			t.Errorf("input %s is required here, optional in the official action", o.Name)
		}
	}
}
