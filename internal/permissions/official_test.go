package permissions

import (
	"slices"
	"strings"
	"testing"
)

// Every permission-* input of the official action is a permission here,
// taking every level its description names; those GitHub's table lacks are
// marked as the official action's.
func TestOfficialPermissionsJoinTheTable(t *testing.T) {
	t.Parallel()
	ins, err := OfficialInputs()
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) < 50 || OfficialVersion() == "" {
		t.Fatalf("official-action.yml holds %d inputs, version %q", len(ins), OfficialVersion())
	}
	n := 0
	for _, in := range ins {
		name, ok := strings.CutPrefix(in.Name, "permission-")
		if !ok {
			continue
		}
		n++
		spec, ok := Lookup(strings.ReplaceAll(name, "-", "_"))
		if !ok {
			t.Errorf("%s is not a permission here", in.Name)
			continue
		}
		if spec.InputName() != in.Name {
			t.Errorf("%s is input %s here", in.Name, spec.InputName())
		}
		// A level the official action takes must be taken here; GitHub's
		// table may know more (copilot seats: read came later).
		for _, l := range []string{"read", "write", "admin"} {
			if strings.Contains(in.Description, "'"+l+"'") && !spec.Allows(l) {
				t.Errorf("%s: the official action takes %s, this action only %v", in.Name, l, spec.Levels)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d permission inputs in official-action.yml", n)
	}
	spec, ok := Lookup("team_discussions")
	if !ok || !slices.Equal(spec.Levels, []string{"read", "write"}) || !slices.Equal(spec.Platforms, []string{OfficialPlatform}) ||
		strings.Contains(spec.Description, "Can be set to") {
		t.Errorf("team_discussions = %+v, %v", spec, ok)
	}
}
