package broker_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/broker"
)

// docs/broker.md and docs/trust-policies.md say how long a policy is
// remembered and how many are, as this package has it.
func TestDocsSayTheCacheBounds(t *testing.T) {
	t.Parallel()
	minutes := int(broker.MaxCacheTTL.Minutes())
	size := fmt.Sprintf("%d,%03d", broker.DefaultCacheSize/1000, broker.DefaultCacheSize%1000)
	for file, promises := range map[string][]string{
		"../../docs/broker.md": {
			fmt.Sprintf("remembered for %d minutes, %s of each at most", minutes, size),
			fmt.Sprintf("takes effect within %d\nminutes", minutes), "revoked at once (within 10 s",
		},
		"../../docs/trust-policies.md": {fmt.Sprintf("for at most %d minutes", minutes)},
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range promises {
			if !strings.Contains(string(b), p) {
				t.Errorf("%s does not say %q", file, p)
			}
		}
	}
}
