package broker_test

import (
	"testing"

	"github.com/app-token/app-token/internal/broker"
)

// Each kind has its machine word, the door's audit and metric label; a
// kind the table lacks is "unknown", never a panic.
func TestKindWords(t *testing.T) {
	t.Parallel()
	for k, want := range map[broker.Kind]string{
		0: "unknown", broker.BadRequest: "bad_request", broker.BadToken: "bad_token", broker.Denied: "denied",
		broker.NoPolicy: "no_policy", broker.RateLimited: "rate_limited", broker.GitHubFailed: "github_failed",
		broker.IssuerUnavailable: "issuer_unavailable", broker.IssuerUnavailable + 1: "unknown", 255: "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d) is %q, want %q", k, got, want)
		}
	}
}
