package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtransport"
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
	signer, err := c.signer(ctx, cfg)
	if err != nil {
		return err
	}
	var jwt string
	if cs, ok := signer.(ghtransport.ContextSigner); ok {
		jwt, err = cs.SignContext(ctx)
	} else {
		jwt, err = signer.Sign()
	}
	if i := mint.Interruption(ctx, "sign the App JWT with the KMS key"); err != nil && i != nil {
		return i
	}
	if err != nil {
		return err
	}
	c.redactor.Add(jwt)
	c.notef("signed an App JWT for %s; it expires in nine minutes", words(setting.Errorf("%s %s", cfg.IssuerSetting, cfg.Issuer)))
	_, err = fmt.Fprintln(c.env.Stdout, jwt)
	return err
}

// signer returns what signs cfg's App JWTs: the KMS key, or the private
// key, whose lines are hidden before anything can print them.
func (c *command) signer(ctx context.Context, cfg *config.Config) (ghtransport.Signer, error) {
	signer, err := mint.KeylessSigner(ctx, cfg, c.options())
	if err != nil || signer != nil {
		return signer, err
	}
	key, err := appkey.Parse(cfg.PrivateKey)
	if err != nil {
		return nil, &usageError{err}
	}
	c.redactor.Add(key.Mask...)
	c.redactor.Add(key.Body...)
	cfg.PrivateKey = ""
	return appkey.NewSigner(cfg.Issuer, key.RSA, c.env.Now), nil
}
