// Package mint is the one minting core behind every front door (the
// action's phases, the command line): from a checked config.Config and the
// App's key to a token GitHub really scoped as asked. It finds the
// installation and checks it can serve the request before anything is
// minted, mints, and holds GitHub's answer to the request, revoking a token
// wider than asked. Front doors only read their inputs and show the result.
//
// The outside world reaches the core one way: Options (HTTP transport,
// clock, sleeper, environment for proxies, a log line, a mask). The doors
// keep their own structs, action.Deps and cli.Env, only for what the core
// never sees: the action's process environment (to list the runner's
// INPUT_* variables) and the redactor its scrubbing log writer shares, the
// log itself being the runner's *githubactions.Action; the command line's
// stdin, stdout, stderr and version. Each door turns its world into Options
// in one function (action's Deps.options, cli's command.options), so a
// clock or transport injected at a door is the one every call uses.
package mint

import (
	"context"
	"crypto/rsa"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// Options are the outside world the core uses (see the package doc). The
// zero value means the real one, with no logging and no masking.
type Options struct {
	// Base is the innermost HTTP transport; nil means ghtransport.NewBase
	// over Getenv (so HTTPS_PROXY and NO_PROXY apply).
	Base http.RoundTripper
	// Getenv reads the environment for the proxy settings; nil means none.
	Getenv func(string) string
	// Roots are PEM certificates the default Base trusts besides the
	// system's (the ca-certificates input); New and TokenClient take them
	// from the config.
	Roots []byte
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives one line per retry or clock correction.
	Log func(line string)
	// Mask is called with every secret the core holds (each App JWT before
	// its first use, the token before anything can print it), so the front
	// door can hide it from its output. It may be called concurrently.
	Mask func(secret string)
	// Outstanding learns each token minted until it is revoked or handed
	// over, so a run ended at once (a second Ctrl-C) can say until when it
	// stays valid; nil keeps no record.
	Outstanding *Outstanding
}

func (o Options) mask(s string) {
	if o.Mask != nil {
		o.Mask(s)
	}
}

// Policy turns the retry settings into the transports' policy.
func Policy(r config.Retry) ghtransport.Policy {
	return ghtransport.Policy{MaxTries: r.Attempts, MaxElapsed: r.Budget, TryTimeout: r.RequestTimeout}
}

// Deadline is the most one run may take: three calls' worth of retry
// budget and the wait for a new token to work, so a hanging GitHub fails
// the step instead of the job.
func Deadline(r config.Retry) time.Duration {
	return 3*max(r.Budget, r.RequestTimeout) + r.TokenReady
}

// Transports builds the two transport stacks: base → body limit → retry for
// calls with a token, and base → body limit → App JWT → retry for calls as
// the App, so every try (even one after a long rate-limit wait) carries a
// JWT with at least the policy's JWTMargin to live, and no answer is read
// past ghtransport.MaxAnswer. The App stack's calls share one JWT while it
// has that much left (ghtransport.ReuseJWT): a run signs once. A nil
// signer gives no App stack.
func Transports(o Options, p ghtransport.Policy, signer ghtransport.Signer) (app, token http.RoundTripper) {
	base := http.RoundTripper(&ghtransport.LimitBody{Base: o.base()})
	retry := func(base http.RoundTripper, p ghtransport.Policy) *ghtransport.Retry {
		return &ghtransport.Retry{Base: base, Policy: p, Sleep: o.Sleep, Now: o.Now, Log: o.Log}
	}
	token = retry(base, p)
	if signer != nil {
		reuse := &ghtransport.ReuseJWT{Signer: signer, Margin: p.JWTMargin(), Now: o.Now}
		app = retry(&ghtransport.AppJWT{Base: base, Signer: reuse, Now: o.Now, Log: o.Log}, p)
	}
	return app, token
}

// base is the innermost transport: Options.Base, or the real one.
func (o Options) base() http.RoundTripper {
	if o.Base != nil {
		return o.Base
	}
	t := ghtransport.NewBase(o.Getenv)
	// config checked the certificates already: this cannot fail.
	_ = ghtransport.AddRoots(t, o.Roots)
	return t
}

// TokenClient returns a client for calls made with an installation token
// only (revoking one), for a front door that holds no key.
func TokenClient(cfg *config.Config, o Options) *ghclient.Client {
	return tokenClient(cfg, o, Policy(cfg.Retry))
}

func tokenClient(cfg *config.Config, o Options, p ghtransport.Policy) *ghclient.Client {
	o.Roots = cfg.CACertificates
	_, token := Transports(o, p, nil)
	return ghclient.New(cfg.APIURL, nil, token)
}

// TokenLifetime is how long GitHub's installation tokens live.
const TokenLifetime = time.Hour

// lagWindow is how long after minting a 401 may be GitHub's replication
// lag rather than a revoked token; lagBound is how long such a 401 is
// retried when the token check was off (Retry.TokenReady 0), as its
// default is.
const (
	lagWindow = time.Minute
	lagBound  = 10 * time.Second
)

// RevokeClient is TokenClient for revoking a token that expires at
// expires: within a minute of its minting GitHub may not know it yet, and
// its 401 is retried as in the token check before the token counts as
// already revoked (with the check off, the post phase of a short job met
// the lag, said "nothing to revoke" and left the token valid). Every other
// failure keeps the retry settings' bounds (youngPolicy).
func RevokeClient(cfg *config.Config, o Options, expires, now time.Time) *ghclient.Client {
	p := Policy(cfg.Retry)
	if now.Sub(expires.Add(-TokenLifetime)) < lagWindow {
		p = youngPolicy(cfg.Retry)
	}
	return tokenClient(cfg, o, p)
}

// Minter mints tokens for one checked request.
type Minter struct {
	cfg  *config.Config
	opts Options
	gh   *ghclient.Client
	// fresh carries the token check, made before the token is known to
	// work (see Ready): it retries GitHub's 401 within Retry.TokenReady.
	fresh *ghclient.Client
	// young revokes a token just minted (youngPolicy).
	young *ghclient.Client
}

// New returns a Minter for cfg that signs App JWTs with key.
func New(cfg *config.Config, key *rsa.PrivateKey, o Options) *Minter {
	return NewSigned(cfg, appkey.NewSigner(cfg.Issuer, key, o.Now), o)
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Client is the GitHub client the Minter calls through, for front doors
// that go on to use the token (a dispatch, say).
func (m *Minter) Client() *ghclient.Client { return m.gh }

// maskingSigner masks every App JWT before its first use: a server or proxy
// that echoes the Authorization header would otherwise print a credential
// that can mint tokens for every installation of the App for ten minutes.
// Transports puts the ReuseJWT outside it, so each JWT is masked once, as
// it is signed, however many calls then carry it.
type maskingSigner struct {
	ghtransport.Signer
	mask func(string)
}

func (s maskingSigner) Sign() (string, error) {
	return s.SignContext(context.Background())
}

// SignContext passes the request's context on to a signer that makes a
// call of its own (KMS).
func (s maskingSigner) SignContext(ctx context.Context) (string, error) {
	var jwt string
	var err error
	if cs, ok := s.Signer.(ghtransport.ContextSigner); ok {
		jwt, err = cs.SignContext(ctx)
	} else {
		jwt, err = s.Signer.Sign()
	}
	if err == nil {
		s.mask(jwt)
	}
	return jwt, err
}

// Token is a minted token with what GitHub's answer says it reaches.
type Token struct {
	*ghclient.Token
	Scope Scope
}

// Mint mints a token on inst (from Installation), masks it, and holds
// GitHub's answer to the request: a token that reaches more than was asked
// is revoked at once and returned as an error.
func (m *Minter) Mint(ctx context.Context, inst *ghclient.Installation) (*Token, error) {
	tok, err := m.mint(ctx, inst.ID)
	if err != nil {
		return nil, err
	}
	// The shape is checked before the mask, so a hostile answer cannot
	// smuggle a workflow command into it.
	if !ghtext.IsInstallationToken(tok.Token) {
		return nil, setting.Errorf("mint a token for installation %d: GitHub's answer holds no usable token; is %s GitHub's API?", inst.ID, setting.Input(setting.APIURL))
	}
	m.opts.mask(tok.Token)
	m.opts.Outstanding.add(tok)
	sc, err := m.check(inst, tok)
	if err != nil {
		// Just minted: GitHub may not know it everywhere yet.
		return nil, m.revoke(ctx, m.young, tok, err)
	}
	return &Token{Token: tok, Scope: sc}, nil
}

// RevokeYoung revokes a token minted moments ago, once a door is done
// with it (dispatch): its 401 is retried as lag, every other failure
// within the retry settings (youngPolicy). The door words the outcome.
func (m *Minter) RevokeYoung(ctx context.Context, tok *ghclient.Token) error {
	err := m.young.RevokeToken(ctx, tok.Token)
	if err == nil || AlreadyRevoked(err) {
		m.opts.Outstanding.Settle(tok)
	}
	return err
}

// Revoke revokes a token that must not be handed out, and returns why,
// saying whether the revocation worked.
func (m *Minter) Revoke(ctx context.Context, tok *ghclient.Token, why error) error {
	return m.revoke(ctx, m.gh, tok, why)
}

func (m *Minter) revoke(ctx context.Context, gh *ghclient.Client, tok *ghclient.Token, why error) error {
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	if interrupted(ctx) {
		// why still says what went wrong; the revocation is the short,
		// quiet one of an interrupted run.
		e := interruption(ctx, "Meanwhile")
		e.Token = m.revokeBriefly(ctx, tok)
		return setting.Errorf("%s. %s", why, e)
	}
	err := gh.RevokeToken(ctx, tok.Token)
	if err == nil || AlreadyRevoked(err) {
		m.opts.Outstanding.Settle(tok)
	}
	switch {
	case AlreadyRevoked(err):
		return setting.Errorf("%s. GitHub refused to revoke the token too (401 Bad credentials); should it ever work, it expires at %s", why, expires)
	case err != nil:
		return setting.Errorf("%s. Revoking the token failed too (%s); it stays valid until it expires at %s", why, Explain(ctx, "revoke the token", err, m.cfg), expires)
	}
	return setting.Errorf("%s. The token was revoked at once", why)
}
