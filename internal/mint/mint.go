// Package mint is the one minting core behind every front door (the
// action's phases, the command line, and next the token broker): from a
// checked config to a token GitHub really scoped as asked. It chooses
// where the App's JWTs come from, finds the installation and checks it can
// serve the request before anything is minted, mints, and holds GitHub's
// answer to the request, revoking a token wider than asked. It is the only
// place that turns the conditions of ghclient, ghtransport and awskms into
// advice (Explain), in door-neutral data (setting.Errorf) each door
// renders. Front doors only read their settings and show the result.
//
// Two shapes, one flow:
//
//   - NewApp(ctx, config.App, Options) is the App: its key source chosen
//     (private-key parsed and its lines masked, jwt checked and masked,
//     kms-key with or without a role), its JWTs masked before first use and
//     reused while valid (ghtransport.ReuseJWT), one client. It is
//     long-lived and serves many requests: App.Mint(ctx, config.Request,
//     installation) per token, the installation given when the caller
//     knows it (a broker's cached lookup) or looked up. It also signs a
//     JWT for a door that only prints one (SignJWT).
//   - New(ctx, *config.Config, Options) is NewApp bound to the config's
//     Request, for one-shot doors: m.Mint(ctx), then m.Ready or
//     m.ReadyWithIdentity, m.HandOver (or m.Abandon, m.Revoke,
//     m.RevokeYoung), m.Client() for what the door does with the token.
//
// The outside world reaches the core one way: Options (env.Env's
// transport, clock, sleeper and environment; a log line; a mask and a
// scrubber). The doors keep their own structs, action.Deps and cli.Env,
// both embedding env.Env, only for what the core never sees: the action's
// list of the runner's INPUT_* variables and the redactor its scrubbing
// log writer shares, the log itself being the runner's
// *githubactions.Action; the command line's stdin, stdout, stderr and
// version. Each door turns its world into Options in one function
// (action's Deps.options, cli's command.options), so a clock or transport
// injected at a door is the one every call uses. The doors import neither
// appkey nor awskms (TestDoorsLeaveTheKeyToTheCore).
package mint

import (
	"context"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// Options are the outside world the core uses (see the package doc). The
// zero value means the real one, with no logging and no masking.
type Options struct {
	// Env: Base is the innermost HTTP transport (nil: ghtransport.NewBase
	// over Getenv, trusting the App's CACertificates besides the system's);
	// Getenv reads the environment for the proxy settings and, for kms-key,
	// AWS's (nil: none); Now is the local clock; Sleep waits between
	// retries.
	env.Env
	// Log receives one line per retry or clock correction.
	Log func(line string)
	// Mask is called with every secret the core holds, before anything can
	// print it: each App JWT before its first use, the token, a jwt
	// setting, the lines a private key had to be decoded to be read, the
	// kms-key's credentials. The door hides each from its output. It may
	// be called concurrently.
	Mask func(secret string)
	// Scrub learns text only the door's own scrubber must hide, never
	// announced: the private key's body lines in every form found (the
	// runner already masks the setting as given, and announcing every form
	// would print as many lines). Nil means Mask.
	Scrub func(text string)
	// Outstanding learns each token minted until it is revoked or handed
	// over, so a run ended at once (a second Ctrl-C) can say until when it
	// stays valid; nil keeps no record.
	Outstanding *Outstanding
	// Tap, when set, wraps the base transport under every GitHub stack
	// (under the retries, so each request sent passes it once): a server
	// counts its GitHub calls there without building the base itself.
	Tap func(http.RoundTripper) http.RoundTripper
}

func (o Options) mask(s string) {
	if o.Mask != nil {
		o.Mask(s)
	}
}

func (o Options) scrub(s string) {
	if o.Scrub != nil {
		o.Scrub(s)
		return
	}
	o.mask(s)
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

// transports builds the two transport stacks over o.Base: base → body
// limit → retry for calls with a token, and base → body limit → App JWT →
// retry for calls as the App (none when src is nil), so every try (even
// one after a long rate-limit wait) asks src for a JWT with at least the
// policy's JWTMargin to live, and no answer is read past
// ghtransport.MaxAnswer.
func transports(o Options, p ghtransport.Policy, src ghtransport.JWTSource) (app, token http.RoundTripper) {
	base := http.RoundTripper(&ghtransport.LimitBody{Base: o.Base})
	retry := func(base http.RoundTripper) *ghtransport.Retry {
		return &ghtransport.Retry{Base: base, Policy: p, Sleep: o.Sleep, Now: o.Now, Log: o.Log}
	}
	token = retry(base)
	if src != nil {
		app = retry(&ghtransport.AppJWT{Base: base, Source: src, Now: o.Now, Log: o.Log})
	}
	return app, token
}

// withBase gives o its innermost transport: Options.Base, or the real one
// trusting roots (the ca-certificates setting) besides the system's.
func (o Options) withBase(roots []byte) Options {
	if o.Base == nil {
		t := ghtransport.NewBase(o.Getenv)
		// config checked the certificates already: this cannot fail.
		_ = ghtransport.AddRoots(t, roots)
		o.Base = t
	}
	return o
}

// TokenClient returns a client for calls made with an installation token
// only (revoking one), for a front door that holds no key.
func TokenClient(app config.App, o Options) *ghclient.Client {
	return tokenClient(app, o, Policy(app.Retry))
}

func tokenClient(app config.App, o Options, p ghtransport.Policy) *ghclient.Client {
	_, token := transports(o.withBase(app.CACertificates), p, nil)
	return ghclient.New(app.APIURL, nil, token)
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
func RevokeClient(app config.App, o Options, expires, now time.Time) *ghclient.Client {
	p := Policy(app.Retry)
	if now.Sub(expires.Add(-TokenLifetime)) < lagWindow {
		p = youngPolicy(app.Retry)
	}
	return tokenClient(app, o, p)
}

// App is one GitHub App as the core reaches it: its key source chosen, its
// JWTs masked before their first use and shared while they live, its
// transports and clients built once over one connection pool. Long-lived
// and safe for concurrent use: a broker keeps one for all its exchanges.
type App struct {
	cfg  config.App
	opts Options
	// signer signs a fresh JWT, masked; jwt shares one (ReuseJWT over
	// signer) among the App's calls.
	signer, jwt ghtransport.JWTSource
	gh          *ghclient.Client
	// fresh carries the token check, made before the token is known to
	// work (see Ready): it retries GitHub's 401 within Retry.TokenReady.
	fresh *ghclient.Client
	// young revokes a token just minted (youngPolicy).
	young *ghclient.Client
}

// NewApp returns the App app describes, its key source chosen (see
// keySource): the one constructor every door uses, directly (a broker) or
// through New. An App read without an API URL (config.ReadSigner) only
// signs: SignJWT.
func NewApp(ctx context.Context, app config.App, o Options) (*App, error) {
	if app.KMSKey != "" && app.APIURL != nil && o.Base == nil {
		// The AWS credentials and the KMS signature come before the first
		// call to GitHub: its TCP and TLS handshakes go meanwhile.
		o = o.withBase(app.CACertificates)
		ghtransport.Preconnect(ctx, o.Base.(*http.Transport), app.APIURL)
	}
	src, err := keySource(ctx, &app, o)
	if err != nil {
		return nil, err
	}
	return newApp(app, src, o), nil
}

// newApp builds the App over src, whatever it is.
func newApp(app config.App, src ghtransport.JWTSource, o Options) *App {
	o = o.withBase(app.CACertificates) // one connection pool for every stack
	if o.Tap != nil {
		o.Base = o.Tap(o.Base)
	}
	p := Policy(app.Retry)
	a := &App{cfg: app, opts: o, signer: maskingSource{src, o.mask}}
	// Outside the mask: each JWT is masked once, as it is signed, however
	// many calls then carry it.
	a.jwt = &ghtransport.ReuseJWT{Source: a.signer, Margin: p.JWTMargin(), Now: o.Now}
	if app.APIURL == nil {
		return a
	}
	appT, token := transports(o, p, a.jwt)
	_, fresh := transports(o, freshPolicy(app.Retry), nil)
	_, young := transports(o, youngPolicy(app.Retry), nil)
	a.gh = ghclient.New(app.APIURL, appT, token)
	a.fresh, a.young = ghclient.New(app.APIURL, appT, fresh), ghclient.New(app.APIURL, appT, young)
	return a
}

// Client is the GitHub client the App calls through, for front doors that
// go on to use the token (a dispatch, say) or call as the App (listing its
// installations).
func (a *App) Client() *ghclient.Client { return a.gh }

// FirstUse is the client for a door's first call with a token just
// minted, made instead of the check (Ready): its 401 is retried as
// GitHub's lag within Retry.TokenReady, as the check's is; GitHub
// refuses a request it answers 401, so even a POST is safe to send again.
// With the check off it is Client.
func (a *App) FirstUse() *ghclient.Client { return a.fresh }

// SignJWT signs a fresh App JWT, masked before it is returned, for a door
// that prints one (the command line's jwt) rather than calling GitHub.
func (a *App) SignJWT(ctx context.Context) (string, error) {
	jwt, err := a.signer.Sign(ctx)
	if i := Interruption(ctx, "sign the App JWT with the KMS key"); err != nil && i != nil {
		return "", i
	}
	return jwt, err
}

// New returns the Minter of a one-shot door: NewApp for cfg's App, bound
// to cfg's Request. cfg.App is completed as the App sees it (the issuer a
// jwt names; the private key's raw text dropped), so the door's later
// messages name the App.
func New(ctx context.Context, cfg *config.Config, o Options) (*Minter, error) {
	if cfg.Broker.URL != nil {
		return newBrokered(cfg, o), nil
	}
	app, err := NewApp(ctx, cfg.App, o)
	if err != nil {
		return nil, err
	}
	cfg.App = app.cfg
	return &Minter{App: app, req: cfg.Request}, nil
}

// Minter is an App bound to one Request: the door-facing flow of a
// one-shot door. Every App method is its own; Mint takes no request.
type Minter struct {
	*App
	req config.Request
	// broker, when set, mints instead of the App's key.
	broker *broker
}

// Mint finds the installation for the Minter's request and mints a token
// on it (see App.Mint).
func (m *Minter) Mint(ctx context.Context) (*Token, error) {
	if m.broker != nil {
		return m.mintByBroker(ctx, m.req)
	}
	return m.App.Mint(ctx, m.req, nil)
}

// maskingSource masks every App JWT before its first use: a server or
// proxy that echoes the Authorization header would otherwise print a
// credential that can mint tokens for every installation of the App for
// ten minutes.
type maskingSource struct {
	ghtransport.JWTSource
	mask func(string)
}

func (s maskingSource) Sign(ctx context.Context) (string, error) {
	jwt, err := s.JWTSource.Sign(ctx)
	if err == nil {
		s.mask(jwt)
	}
	return jwt, err
}

// Token is a minted token with what GitHub's answer says it reaches, and
// the installation it was minted on.
type Token struct {
	*ghclient.Token
	Scope        Scope
	Installation *ghclient.Installation
}

// Mint mints a token for req and masks it: on inst when given (a broker's
// cached lookup, checked again to be on req's account and to serve req),
// else on the installation Installation finds. It holds GitHub's answer to
// req: a token that reaches more than was asked is revoked at once and
// returned as an error.
func (a *App) Mint(ctx context.Context, req config.Request, inst *ghclient.Installation) (*Token, error) {
	var err error
	if inst == nil {
		inst, err = a.Installation(ctx, req)
	} else if err = a.sameAccount(req, inst); err == nil {
		err = a.serves(req, inst)
	}
	if err != nil {
		return nil, err
	}
	tok, err := a.mint(ctx, req, inst.ID)
	if err != nil {
		return nil, err
	}
	// The shape is checked before the mask, so a hostile answer cannot
	// smuggle a workflow command into it.
	if !ghtext.IsInstallationToken(tok.Token) {
		return nil, setting.Errorf("mint a token for installation %d: GitHub's answer holds no usable token; is %s GitHub's API?", inst.ID, setting.Input(setting.APIURL))
	}
	a.opts.mask(tok.Token)
	a.opts.Outstanding.add(tok)
	sc, err := check(req, inst, tok)
	if err != nil {
		// Just minted: GitHub may not know it everywhere yet.
		return nil, a.revoke(ctx, a.young, tok, err)
	}
	return &Token{Token: tok, Scope: sc, Installation: inst}, nil
}

// RevokeYoung revokes a token minted moments ago, once a door is done
// with it (dispatch): its 401 is retried as lag, every other failure
// within the retry settings (youngPolicy). The door words the outcome.
func (a *App) RevokeYoung(ctx context.Context, tok *ghclient.Token) error {
	err := a.young.RevokeToken(ctx, tok.Token)
	if err == nil || AlreadyRevoked(err) {
		a.opts.Outstanding.Settle(tok)
	}
	return err
}

// Revoke revokes a token that must not be handed out, and returns why,
// saying whether the revocation worked.
func (a *App) Revoke(ctx context.Context, tok *ghclient.Token, why error) error {
	return a.revoke(ctx, a.gh, tok, why)
}

func (a *App) revoke(ctx context.Context, gh *ghclient.Client, tok *ghclient.Token, why error) error {
	expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
	if interrupted(ctx) {
		// why still says what went wrong; the revocation is the short,
		// quiet one of an interrupted run.
		e := interruption(ctx, "Meanwhile")
		e.Token = a.revokeBriefly(ctx, tok)
		return setting.Errorf("%s. %s", why, e)
	}
	err := gh.RevokeToken(ctx, tok.Token)
	if err == nil || AlreadyRevoked(err) {
		a.opts.Outstanding.Settle(tok)
	}
	switch {
	case AlreadyRevoked(err):
		return setting.Errorf("%s. GitHub refused to revoke the token too (401 Bad credentials); should it ever work, it expires at %s", why, expires)
	case err != nil:
		return setting.Errorf("%s. Revoking the token failed too (%s); it stays valid until it expires at %s", why, Explain(ctx, "revoke the token", err, a.cfg), expires)
	}
	return setting.Errorf("%s. The token was revoked at once", why)
}
