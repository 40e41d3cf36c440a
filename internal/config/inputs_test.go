package config

import (
	"testing"
)

// An empty retry input must mean what action.yml declares as its default, so
// a step run without the runner's defaults behaves as one run with them.
func TestEmptyRetryInputsMeanTheDeclaredDefaults(t *testing.T) {
	declared := map[string]string{}
	for _, in := range Inputs {
		switch in.Name {
		case InRetryAttempts, InRetrySeconds, InRequestTimeout:
			declared[in.Name] = in.Default
		}
	}
	if len(declared) != 3 {
		t.Fatalf("declared retry defaults: %v, want all three inputs", declared)
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
