package cli

import (
	"context"
	"flag"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// runRevoke revokes an installation token read from stdin, or from the
// environment variable --token-env names. A token GitHub no longer accepts
// (already revoked, or expired) counts as revoked: the caller wanted it
// dead, and it is, so a cleanup trap can run twice.
func runRevoke(ctx context.Context, c *command, args []string) error {
	fs := flag.NewFlagSet("revoke", flag.ContinueOnError)
	in := newSettings(c, fs, setting.RetryFlags, setting.APIFlags)
	tokenEnv := fs.String("token-env", "", "read the token from the environment variable `NAME` instead of stdin")
	if err := c.parse(fs, args, "[--token-env NAME]\n\nReads the token from stdin unless --token-env names a variable that holds it."); err != nil {
		return err
	}
	token, err := c.readToken(*tokenEnv)
	if err != nil {
		return err
	}
	cfg, err := c.readConfig(config.ReadAPI(in))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	// Transient failures (5xx, dropped connections, secondary rate limits)
	// are retried within the retry flags' bounds by the transport.
	err = mint.TokenClient(cfg.App, c.options()).RevokeToken(ctx, token)
	switch {
	case mint.AlreadyRevoked(err):
		c.notef("GitHub no longer accepts the token (already revoked or expired); nothing to revoke")
		return nil
	case err != nil:
		// Only the token was given, not when it expires.
		return setting.Errorf("%s. The token stays valid until it expires, at most an hour after it was minted (the expires_at that `app-token token --json` prints)", mint.Explain(ctx, "revoke the token", err, cfg.App))
	}
	c.notef("token revoked")
	return nil
}

// readToken reads a token and hides it before anything can print it. Only
// a token's shape is accepted, so a key or a file pasted by mistake is
// never sent to GitHub.
func (c *command) readToken(envName string) (string, error) {
	var raw string
	if envName != "" {
		if err := checkEnvName("--token-env", envName); err != nil {
			return "", err
		}
		raw = c.env.Var(envName)
		if raw == "" {
			return "", usagef("--token-env: environment variable %s %s: set it to the token `app-token token` printed", secret.Quote(envName), c.unset(envName))
		}
	} else {
		var err error
		if raw, err = readSecret(c.env.Stdin, "the token on stdin", "stdin"); err != nil {
			return "", err
		}
	}
	token := strings.TrimSpace(raw)
	c.redactor.Add(token)
	if !ghtext.IsInstallationToken(token) {
		return "", usagef("what was read is not an installation token (ghs_ and 36 or more letters, digits, '_' and '.'): pass the token `app-token token` printed")
	}
	return token, nil
}
