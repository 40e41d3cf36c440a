package mint

import (
	"context"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/awskms"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// keySource chooses where app's JWTs come from, as its settings say, and
// hides what must be hidden before anything can print it:
//
//   - jwt: masked, then checked (appkey.CheckJWT) before anything is sent;
//     without a client ID or App ID, the JWT's iss names the App;
//   - kms-key, with aws-role-to-assume or not: the credentials are fetched
//     (and masked) now, so a missing one fails before any call to GitHub;
//   - private-key: parsed (appkey.Parse); the lines it had to be decoded
//     to read are masked, every form of its body scrubbed, and its raw
//     text dropped from app.
//
// app is completed as the App sees it. A value that is not a key or an App
// JWT is a *KeyError; KMS errors are awskms's; an interruption while the
// credentials are fetched is an *Interrupted.
func keySource(ctx context.Context, app *config.App, o Options) (ghtransport.JWTSource, error) {
	if app.JWT != "" {
		o.HideJWT(app.JWT)
		j, err := appkey.CheckJWT(app.JWT, app.Issuer, app.IssuerSetting, o.Time())
		if err != nil {
			return nil, &KeyError{err}
		}
		if app.Issuer == "" {
			// The JWT names the App; messages about it name the setting.
			app.Issuer, app.IssuerSetting = j.Issuer, setting.JWT
		}
		return j, nil
	}
	if app.KMSKey != "" {
		k, err := awskms.New(ctx, app.KMSKey, awskms.Options{
			Env: o.Env, Role: app.AWSRole, Mask: o.Mask,
			MaxAttempts: app.Retry.Attempts, Timeout: app.Retry.RequestTimeout,
		})
		if i := Interruption(ctx, "get the AWS credentials for the KMS key"); err != nil && i != nil {
			return nil, i
		}
		if err != nil {
			return nil, err
		}
		return appkey.NewJWTSigner(app.Issuer, k, o.Now), nil
	}
	key, err := appkey.Parse(app.PrivateKey)
	if err != nil {
		return nil, &KeyError{err}
	}
	for _, line := range key.Mask {
		o.mask(line)
	}
	for _, line := range key.Body {
		o.scrub(line)
	}
	app.PrivateKey = "" // parsed: nothing later needs the raw text
	return appkey.NewJWTSigner(app.Issuer, key, o.Now), nil
}

// HideJWT masks the value of the jwt setting, as it will be read, before
// any setting is: a JWT signed by an earlier step arrives unmasked (the
// runner masks only secrets), and a mistake reported about another
// setting must not print it. A value too long to be a JWT is refused
// unread, and not masked (its mask would print a line as long).
func (o Options) HideJWT(raw string) {
	if v := appkey.JWTMask(raw); v != "" {
		o.mask(v)
	}
}

// KeyError is a key source refused before anything was sent anywhere: the
// value of private-key or jwt itself is wrong (not a key, not an App JWT of
// this App). Its fix is in that setting, as with a config error: the
// command line exits as for a usage mistake.
type KeyError struct{ Err error }

func (e *KeyError) Error() string                { return e.Err.Error() }
func (e *KeyError) Render(d setting.Door) string { return setting.Render(e.Err, d) }
func (e *KeyError) Unwrap() error                { return e.Err }
