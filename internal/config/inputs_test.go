package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

// An empty retry input must mean what action.yml declares as its default, so
// a step run without the runner's defaults behaves as one run with them.
func TestEmptyRetryInputsMeanTheDeclaredDefaults(t *testing.T) {
	t.Parallel()
	declared := map[string]string{}
	for _, in := range Inputs() {
		switch in.Name {
		case InRetryAttempts, InRetrySeconds, InRequestTimeout, InTokenReady:
			declared[in.Name] = in.Default
		}
	}
	if len(declared) != 4 {
		t.Fatalf("declared retry defaults: %v, want all four inputs", declared)
	}
	empty, err := read(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	given, err := read(t, declared)
	if err != nil {
		t.Fatalf("the declared defaults %v are refused: %v", declared, err)
	}
	if empty.Retry != given.Retry {
		t.Errorf("empty inputs read as %+v, the declared defaults %v as %+v", empty.Retry, declared, given.Retry)
	}
}

func TestPermissionInputsCarryTheirLevels(t *testing.T) {
	t.Parallel()
	specs := permissions.All()
	for i, in := range PermissionInputs() {
		if len(in.Levels) == 0 || !slices.Equal(in.Levels, specs[i].Levels) {
			t.Errorf("%s: levels %q, want %q", in.Name, in.Levels, specs[i].Levels)
		}
		if !strings.HasSuffix(in.Description, " Can be set to: "+JoinLevels(in.Levels)+".") {
			t.Errorf("%s: description %q does not end with its levels", in.Name, in.Description)
		}
	}
	if got, want := JoinLevels([]string{"read", "write", "admin"}), "'read', 'write' or 'admin'"; got != want {
		t.Errorf("JoinLevels = %q, want %q", got, want)
	}
}
