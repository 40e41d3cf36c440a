package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/idtoken"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/trust"
)

// Verifier verifies a caller's OIDC token: *idtoken.Verifier in
// production. Its refusals are *idtoken.Error.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*idtoken.Token, error)
}

// Config is what a Broker exchanges with.
type Config struct {
	// App mints the tokens, reads the policies and revokes what it read
	// them with.
	App *mint.App
	// Verifier verifies the caller's OIDC token before anything is asked
	// of GitHub.
	Verifier Verifier
	// Audience is the broker's (its --audience): every token's aud must
	// include it, as every policy's check says.
	Audience string
	// Observer hears the caches' hits and misses; nil: none.
	Observer Observer
	// Now is the clock the caches' lifetimes are measured by; nil:
	// time.Now.
	Now func() time.Time
	// CacheTTL is how long installation lookups and policies (found,
	// missing or invalid) are remembered: 0 means MaxCacheTTL, more is
	// refused.
	CacheTTL time.Duration
	// CacheSize bounds the entries of each cache; 0 means DefaultCacheSize.
	CacheSize int
}

const (
	// MaxCacheTTL is the longest a policy or a lookup is remembered: a
	// policy changed or removed in a repository takes effect within it.
	MaxCacheTTL = 5 * time.Minute
	// DefaultCacheSize bounds each cache: a few hundred bytes an entry, so
	// about a MiB each, and more owners and policies than one App serves
	// within five minutes.
	DefaultCacheSize = 4096
	// loadTimeout bounds one shared lookup (installation, or a policy's
	// read with its token minted and revoked), whoever waits for it.
	loadTimeout = 30 * time.Second
	// revokeTimeout bounds revoking the token a policy was read with.
	revokeTimeout = 10 * time.Second
)

// Broker exchanges verified OIDC tokens for installation tokens, as the
// trust policy of the repository they reach says. Safe for concurrent use;
// one lives as long as the server.
type Broker struct {
	cfg      Config
	installs *cache[*ghclient.Installation]
	policies *cache[*trust.Compiled]
}

// New checks cfg and returns a Broker. It asks nothing of anyone.
func New(cfg Config) (*Broker, error) {
	// if chains rather than switches here and below: a case's condition
	// lies outside every coverage block, and mutation testing would call
	// it untested.
	if cfg.App == nil {
		return nil, errors.New("broker: no App")
	}
	if cfg.Verifier == nil {
		return nil, errors.New("broker: no OIDC verifier")
	}
	if cfg.Audience == "" {
		return nil, errors.New("broker: no audience")
	}
	if cfg.CacheTTL < 0 || cfg.CacheTTL > MaxCacheTTL {
		return nil, fmt.Errorf("broker: a cache lifetime of %s is not between 0 and %s", cfg.CacheTTL, MaxCacheTTL)
	}
	if cfg.CacheSize < 0 {
		return nil, fmt.Errorf("broker: a cache size of %d is negative", cfg.CacheSize)
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = MaxCacheTTL
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = deaf{}
	}
	return &Broker{
		cfg:      cfg,
		installs: newCache[*ghclient.Installation](InstallationCache, cfg.CacheSize, cfg.CacheTTL, cfg.Now, cfg.Observer),
		policies: newCache[*trust.Compiled](PolicyCache, cfg.CacheSize, cfg.CacheTTL, cfg.Now, cfg.Observer),
	}, nil
}

// deaf is the Observer of a broker given none.
type deaf struct{}

func (deaf) CacheLookup(Cache, bool) {}

// Exchange checks req, verifies its OIDC token, reads the policy it names
// and holds the token to it, and mints exactly what the policy grants,
// narrowed by req. Every refusal is an *Error; an error of another type is
// the caller's context ending (the door answers it as such).
func (b *Broker) Exchange(ctx context.Context, req Request) (*Grant, error) {
	audit := Audit{Identity: req.Identity, Scope: req.Scope}
	scope, err := checkRequest(req)
	if err != nil {
		return nil, err.with(audit)
	}
	// Nothing is asked of GitHub before the token verifies.
	tok, verr := b.cfg.Verifier.Verify(ctx, req.Bearer)
	if verr != nil {
		return nil, tokenRefusal(verr).with(audit)
	}
	audit = auditOf(audit, tok)
	g, err2 := b.exchange(ctx, req, scope, tok)
	if refusal := (*Error)(nil); errors.As(err2, &refusal) {
		return nil, refusal.with(audit)
	}
	if err2 != nil {
		return nil, err2
	}
	g.Audit = audit
	return g, nil
}

// exchange is Exchange once the token verified.
func (b *Broker) exchange(ctx context.Context, req Request, scope trust.Scope, tok *idtoken.Token) (*Grant, error) {
	repo, path, kind, err := scope.Locate(req.Identity)
	if err != nil {
		return nil, requestRefusal(err)
	}
	policy, err := b.policy(ctx, scope.Owner, repo, path, kind)
	if err != nil {
		return nil, err
	}
	if err := policy.Check(trust.Claims(tok.Claims), b.cfg.Audience); err != nil {
		return nil, deniedRefusal(err)
	}
	want, err := policy.Grant(scope, trust.Request{Permissions: req.Permissions, Repositories: req.Repositories})
	if err != nil {
		return nil, grantRefusal(err, policy, scope, req)
	}
	inst, err := b.installation(ctx, scope.Owner)
	if err != nil {
		return nil, err
	}
	mreq := config.Request{Owner: scope.Owner, Repositories: want.Repositories, Permissions: want.Permissions}
	if want.AllRepositories {
		mreq.Repositories = nil
	}
	minted, err := b.mint(ctx, mreq, inst, "mint the token")
	if err != nil {
		return nil, err
	}
	g := &Grant{
		Token: minted.Token.Token, ExpiresAt: minted.Token.ExpiresAt,
		InstallationID: minted.Installation.ID, AppSlug: minted.Installation.AppSlug,
		Permissions: minted.Token.Permissions, AllRepositories: want.AllRepositories,
		Reason: "repository_policy",
	}
	if kind == trust.Owner {
		g.Reason = "owner_policy"
	}
	for _, r := range minted.Token.Repositories {
		g.Repositories = append(g.Repositories, r.Name)
	}
	return g, nil
}

// auditOf adds what a verified token says to audit: only claims that are
// strings, as GitHub Actions sends them.
func auditOf(audit Audit, tok *idtoken.Token) Audit {
	text := func(name string) string {
		s, _ := tok.Claims[name].(string)
		return s
	}
	audit.Issuer, audit.Subject = tok.Issuer, tok.Subject
	audit.Repository, audit.RunID = text("repository"), text("run_id")
	audit.WorkflowRef = text("job_workflow_ref")
	if audit.WorkflowRef == "" {
		audit.WorkflowRef = text("workflow_ref")
	}
	return audit
}
