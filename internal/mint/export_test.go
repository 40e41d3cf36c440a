package mint

import (
	"net/http"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtransport"
)

// Transports builds the transport stacks over o.Base, for tests.
func Transports(o Options, p ghtransport.Policy, src ghtransport.JWTSource) (app, token http.RoundTripper) {
	return transports(o, p, src)
}

// NewMinterFrom is New with the JWTs from src, whatever it is (a test's
// counting source), for tests.
func NewMinterFrom(cfg *config.Config, src ghtransport.JWTSource, o Options) *Minter {
	return &Minter{App: newApp(cfg.App, src, o), req: cfg.Request}
}
