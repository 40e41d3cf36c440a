package cli

import (
	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/idtoken"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/serve"
)

// newExchanger is the broker's exchange over a: tokens verified by v, its
// caches counted by the metrics.
func newExchanger(a *mint.App, v *idtoken.Verifier, audience string, m *serve.Metrics) (serve.Exchanger, error) {
	return broker.New(broker.Config{App: a, Verifier: v, Audience: audience, Observer: m})
}
