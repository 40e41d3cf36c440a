// Command github-emulator serves the project's GitHub App API emulator
// (internal/githubtest) on a local port, for the README demo and the container
// end-to-end tests, which cannot reach GitHub.
//
// It generates an App key at start and trusts only that key; -key-out hands
// the private half to the scripts, and -info-out tells them where to connect
// once the server listens:
//
//	github-emulator -addr 127.0.0.1:0 -key-out key.pem -info-out emu.env
//
// For aws-role-to-assume it also serves the runner's OIDC token endpoint
// (EMULATOR_ID_TOKEN_URL in the info file, for ACTIONS_ID_TOKEN_REQUEST_URL)
// and AWS STS's AssumeRoleWithWebIdentity (EMULATOR_STS_URL, for
// AWS_ENDPOINT_URL_STS), which admits the role -role names for OIDC tokens
// that endpoint issued with audience sts.amazonaws.com.
//
// For a token broker under test it serves an OpenID Connect issuer at
// EMULATOR_OIDC_ISSUER (discovery and JWKS; the runner's job tokens are
// its), mints ID tokens of any shape, valid or hostile, for loopback
// clients at EMULATOR_OIDC_MINT_URL (POST a JSON body, see oidc.go), and
// with -files DIR serves DIR/OWNER/REPO/PATH through the contents API.
//
// GET /_emulator/state shows issued tokens (by SHA-256, never their value),
// recorded dispatches, the request count, what the OIDC endpoint and STS
// received, the contents API's reads and the issuer's fetches. GET
// /_emulator/secrets gives the runner's request token and the OIDC tokens,
// AWS credentials and installation tokens handed out, for leak checks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintf(os.Stderr, "github-emulator: %v\n", err)
		os.Exit(1)
	}
}
