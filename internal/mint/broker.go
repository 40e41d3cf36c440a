package mint

import (
	"context"
	"errors"
	"time"

	"github.com/app-token/app-token/internal/brokerclient"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/setting"
)

// broker is a Minter's token broker: the core asks it instead of signing
// as the App, and holds its grant to the request like any token.
type broker struct {
	cfg    config.Broker
	client *brokerclient.Client
}

// noKey is the App's key source when a broker holds the key: a call as the
// App is a bug, refused rather than sent unsigned.
type noKey struct{}

func (noKey) Sign(context.Context) (string, error) {
	return "", errors.New("with a broker the job holds no App key: nothing calls GitHub as the App")
}

func (noKey) SetClockOffset(time.Duration) {}

// newBrokered is New for a config that names a broker: an App with no key
// (its token calls revoke, check and look up the bot) and the broker.
func newBrokered(cfg *config.Config, o Options) *Minter {
	// One connection pool, trusting ca-certificates, for GitHub and the
	// broker alike.
	o = o.withBase(cfg.App.CACertificates)
	a := newApp(cfg.App, noKey{}, o)
	b := &broker{cfg: cfg.Broker, client: &brokerclient.Client{
		URL: cfg.Broker.URL, Base: o.Base, Getenv: o.Var, Timeout: cfg.Retry.RequestTimeout,
		Name: setting.Input(setting.BrokerURL),
	}}
	return &Minter{App: a, req: cfg.Request, broker: b}
}

// bearer is the OIDC token the broker is shown: the variable the door
// names, sent as given (the broker judges its audience), or the runner's
// for the broker's audience; masked whole before use.
func (b *broker) bearer(ctx context.Context, o Options) (string, error) {
	if name := b.cfg.TokenEnv; name != "" {
		v := o.Var(name)
		if v == "" {
			return "", setting.Errorf("the variable %s named by --oidc-token-env is empty: set it to the OIDC token your CI gives the job (docs/broker.md)", name)
		}
		if !brokerclient.IsJWT(v) {
			return "", setting.Errorf("the variable %s named by --oidc-token-env does not hold an OIDC token (a JWT of at most 16 KiB; not shown)", name)
		}
		o.mask(v)
		return v, nil
	}
	return b.client.RunnerToken(ctx, b.cfg.Audience, o.mask)
}

// mintByBroker exchanges the OIDC token for a token on req's scope, masks
// it, and holds the grant to req: a token wider than asked is revoked and
// refused, as GitHub's own answer would be.
func (m *Minter) mintByBroker(ctx context.Context, req config.Request) (*Token, error) {
	bearer, err := m.broker.bearer(ctx, m.opts)
	if err != nil {
		return nil, err
	}
	scope, narrow := req.BrokerScope()
	a, err := m.broker.client.Exchange(ctx, brokerclient.Request{
		Bearer: bearer, Scope: scope, Identity: m.broker.cfg.Identity,
		Repositories: narrow, Permissions: req.Permissions,
	})
	if err != nil {
		return nil, err
	}
	// The shape is checked before the mask, so a hostile answer cannot
	// smuggle a workflow command into it.
	if !ghtext.IsInstallationToken(a.Token) {
		return nil, setting.Errorf("%s: the broker's answer holds no installation token (ghs_…); is it a token broker?", setting.Input(setting.BrokerURL))
	}
	m.opts.mask(a.Token)
	tok, inst := grantOf(a, req, m.opts.Time())
	m.opts.Outstanding.add(tok)
	sc, err := check(req, inst, tok)
	if err != nil {
		return nil, m.revoke(ctx, m.young, tok, err)
	}
	if a.RepositorySelection == "" {
		sc.Warnings = append(sc.Warnings, setting.Errorf("the broker's answer does not say which repositories or permissions the token reaches (an octo-sts broker answers only the token), so they could not be checked"))
	}
	return &Token{Token: tok, Scope: sc, Installation: inst}, nil
}

// grantOf reads the broker's answer as GitHub's: the token and the
// installation it names, on req's owner. Without permissions asked, the
// policy's grant is the limit, which only the broker knows; an answer that
// says nothing of its repositories (octo-sts's) names none.
func grantOf(a *brokerclient.Answer, req config.Request, now time.Time) (*ghclient.Token, *ghclient.Installation) {
	tok := &ghclient.Token{Token: a.Token, ExpiresAt: a.ExpiresAt, Permissions: a.Permissions, RepositorySelection: a.RepositorySelection}
	if tok.ExpiresAt.IsZero() {
		tok.ExpiresAt = now.Add(TokenLifetime)
	}
	if tok.RepositorySelection == "" {
		tok.RepositorySelection = "selected"
	}
	for _, r := range a.Repositories {
		full := r
		if ghtext.IsRepo(r) {
			full = req.Owner + "/" + r
		}
		tok.Repositories = append(tok.Repositories, struct {
			Name     string `json:"name"`
			FullName string `json:"full_name"`
		}{FullName: full})
	}
	inst := &ghclient.Installation{ID: a.InstallationID, AppSlug: a.AppSlug, Permissions: a.Permissions}
	inst.Account.Login = req.Owner
	return tok, inst
}
