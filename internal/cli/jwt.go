package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/setting"
)

// runJWT prints one App JWT, signed with the key file or the KMS key, and
// nothing else on stdout, so another CI system can pass it to the action's
// jwt input or call GitHub's App endpoints itself. It calls no GitHub
// endpoint; with --kms-key it makes one KMS call.
func runJWT(ctx context.Context, c *command, args []string) error {
	fs := flag.NewFlagSet("jwt", flag.ContinueOnError)
	app := newSignerFlags(c, fs)
	if err := c.parse(fs, args, "["+appSynopsis+"] ["+signerSynopsis+"]"+appNote); err != nil {
		return err
	}
	if err := app.load(c); err != nil {
		return err
	}
	cfg, err := c.readConfig(config.ReadSigner(app.in))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, mint.Deadline(cfg.Retry))
	defer cancel()
	// The core chooses the key (the KMS key, or the private key, whose
	// lines are hidden before anything can print them) and masks the JWT.
	signer, err := c.app(ctx, cfg.App)
	if err != nil {
		return err
	}
	jwt, err := signer.SignJWT(ctx)
	if err != nil {
		return err
	}
	c.notef("signed an App JWT for %s; it expires in nine minutes", words(setting.Errorf("%s %s", cfg.IssuerSetting, cfg.Issuer)))
	_, err = fmt.Fprintln(c.env.Stdout, jwt)
	return err
}
