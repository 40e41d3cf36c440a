package mint

import (
	"context"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/awskms"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// KeylessSigner returns the App JWT signer for a config without a private
// key: the jwt input, checked (and masked) before anything is sent, or the
// kms-key input, whose credentials are fetched (and masked) now, so that a
// missing one fails before any call to GitHub. A config with a private key
// gets nil: its door parses the key (see New).
func KeylessSigner(ctx context.Context, cfg *config.Config, o Options) (ghtransport.Signer, error) {
	switch {
	case cfg.JWT != "":
		o.mask(appkey.JWTMask(cfg.JWT))
		j, err := appkey.CheckJWT(cfg.JWT, cfg.Issuer, cfg.IssuerSetting, o.now())
		if err != nil {
			return nil, err
		}
		if cfg.Issuer == "" {
			// The JWT names the App; messages about it name the input.
			cfg.Issuer, cfg.IssuerSetting = j.Issuer, setting.JWT
		}
		return appkey.Static{JWT: j.Raw}, nil
	case cfg.KMSKey != "":
		k, err := awskms.New(ctx, cfg.KMSKey, awskms.Options{
			Role: cfg.AWSRole, Getenv: o.Getenv, Mask: o.Mask,
			MaxAttempts: cfg.Retry.Attempts, Timeout: cfg.Retry.RequestTimeout, Now: o.Now,
		})
		if i := Interruption(ctx, "get the AWS credentials for the KMS key"); err != nil && i != nil {
			return nil, i
		}
		if err != nil {
			return nil, err
		}
		return appkey.NewRemoteSigner(cfg.Issuer, k.Sign, o.Now), nil
	}
	return nil, nil
}

// NewSigned returns a Minter for cfg whose App JWTs come from signer
// (KeylessSigner's); each one is masked before its first use.
func NewSigned(cfg *config.Config, signer ghtransport.Signer, o Options) *Minter {
	o.Roots = cfg.CACertificates
	o.Base = o.base() // one connection pool for every stack
	app, token := Transports(o, Policy(cfg.Retry), maskingSigner{signer, o.mask})
	_, fresh := Transports(o, freshPolicy(cfg.Retry), nil)
	_, young := Transports(o, youngPolicy(cfg.Retry), nil)
	return &Minter{cfg: cfg, opts: o, gh: ghclient.New(cfg.APIURL, app, token),
		fresh: ghclient.New(cfg.APIURL, app, fresh), young: ghclient.New(cfg.APIURL, app, young)}
}
