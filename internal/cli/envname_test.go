package cli

import (
	"strings"
	"testing"
)

// A variable's name is 1 to 128 letters, digits and underscores, not
// starting with a digit; anything else is refused.
func TestCheckEnvName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"APP_KEY", true},
		{"_x", true},
		{"A" + strings.Repeat("b", maxEnvVarName-1), true},
		{"A" + strings.Repeat("b", maxEnvVarName), false},
		{"", false},
		{"1KEY", false},
		{"MY-KEY", false},
		{"KEY\n", false},
	} {
		if err := checkEnvName("--private-key-env", c.name); (err == nil) != c.ok {
			t.Errorf("checkEnvName(%.20q...) = %v, want ok %v", c.name, err, c.ok)
		}
	}
}
