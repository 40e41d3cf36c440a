package cli

import (
	"context"
	"errors"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/idtoken"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/serve"
)

// newExchanger is a placeholder until internal/broker's exchange lands.
func newExchanger(_ *mint.App, _ *idtoken.Verifier, _ string, _ *serve.Metrics) (serve.Exchanger, error) {
	return notYet{}, nil
}

type notYet struct{}

func (notYet) Exchange(context.Context, broker.Request) (*broker.Grant, error) {
	return nil, errors.New("no exchange yet")
}
