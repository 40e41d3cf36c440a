package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
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

// The action's inputs are the table's rows that have an input, in its
// order, each with the table's description (range included) and default:
// what action.yml and docs/inputs.md show (internal/actionyml).
func TestInputsAreTheTable(t *testing.T) {
	t.Parallel()
	var want []Input
	for _, id := range setting.All() {
		if s := id.Spec(); s.Input != "" {
			def := s.Default
			if s.ActionDefault != "" {
				def = s.ActionDefault
			}
			want = append(want, Input{Name: s.Input, Description: s.Describe(setting.Action), Default: def})
		}
	}
	if got := Inputs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Inputs() =\n%+v\nwant\n%+v", got, want)
	}
	for _, in := range Inputs() {
		if in.Name == InAPIURL && in.Default != "${{ github.api_url }}" {
			t.Errorf("github-api-url's default is %q, want the runner's API URL", in.Default)
		}
		if in.Name == InRetryAttempts && (in.Default != "4" || !strings.HasSuffix(in.Description, " 1 to 10.")) {
			t.Errorf("retry-attempts: default %q, description %q", in.Default, in.Description)
		}
	}
}

// config enforces each Number's range and default as the table declares
// them, which is what action.yml and the command line's help say: the
// bounds are taken, one beyond either is refused naming both, and an unset
// setting is its default.
func TestNumbersEnforceTheTable(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, id := range setting.All() {
		def, lo, hi, ok := id.Bounds()
		if !ok {
			continue
		}
		checked++
		value := func(c *Config) int {
			return map[setting.ID]int{
				setting.RetryAttempts:  c.Retry.Attempts,
				setting.RetrySeconds:   int(c.Retry.Budget / time.Second),
				setting.RequestTimeout: int(c.Retry.RequestTimeout / time.Second),
				setting.TokenReady:     int(c.Retry.TokenReady / time.Second),
			}[id]
		}
		for v, want := range map[string]int{"": def, strconv.Itoa(lo): lo, strconv.Itoa(hi): hi} {
			c, err := read(t, map[string]string{id.Input(): v})
			if err != nil || value(c) != want {
				t.Errorf("%s: %q: %v, want %d", id, v, err, want)
			}
		}
		for _, v := range []int{lo - 1, hi + 1} {
			_, err := read(t, map[string]string{id.Input(): strconv.Itoa(v)})
			if want := fmt.Sprintf("input %s must be a whole number from %d to %d, got \"%d\"", id.Input(), lo, hi, v); err == nil || err.Error() != want {
				t.Errorf("%s: %d: %v, want %q", id, v, err, want)
			}
		}
	}
	if checked < 4 {
		t.Errorf("%d numbers checked, want the 4 retry and wait settings at least", checked)
	}
}
