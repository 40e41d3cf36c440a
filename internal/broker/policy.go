package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/app-token/app-token/internal/trust"
)

// policy returns the compiled policy at path in owner/repo, from the cache
// or read from GitHub.
func (b *Broker) policy(ctx context.Context, owner, repo, path string, kind trust.Kind) (*trust.Compiled, error) {
	key := fmt.Sprintf("%s/%s/%s#%d", strings.ToLower(owner), strings.ToLower(repo), path, kind)
	return b.policies.get(ctx, key, func(ctx context.Context) (*trust.Compiled, error) {
		return b.readPolicy(ctx, owner, repo, path, kind)
	})
}

// readPolicy reads a policy with a token scoped to its one repository with
// contents: read, revoked as soon as the file is read, and compiles it.
func (b *Broker) readPolicy(ctx context.Context, owner, repo, path string, kind trust.Kind) (*trust.Compiled, error) {
	inst, err := b.installation(ctx, owner)
	if err != nil {
		return nil, err
	}
	req := config.Request{Owner: owner, Repositories: []string{repo}, Permissions: permissions.Set{"contents": "read"}}
	tok, err := b.mint(ctx, req, inst, "read the trust policy")
	if err != nil {
		return nil, err
	}
	data, err := b.cfg.App.Client().GetFile(ctx, tok.Token.Token, owner, repo, path, trust.MaxPolicyBytes)
	b.revoke(ctx, tok)
	where := quoted(owner + "/" + repo + "/" + path)
	if ghclient.KindOf(err) == ghapi.NotFound {
		return nil, &Error{Kind: NoPolicy, Rule: "policy_missing",
			Message: fmt.Sprintf("no trust policy %s: add it to the repository's default branch, or check the scope and identity", where)}
	}
	if large := (*ghclient.FileTooLargeError)(nil); errors.As(err, &large) {
		return nil, &Error{Kind: NoPolicy, Rule: "policy_invalid",
			Message: fmt.Sprintf("the trust policy %s is %d bytes, more than the %d a policy may have", where, large.Size, large.Limit)}
	}
	if err != nil {
		return nil, b.githubRefusal(ctx, "read the trust policy "+where, err)
	}
	compiled, err := trust.Load(data, kind)
	if err != nil {
		return nil, &Error{Kind: NoPolicy, Rule: "policy_invalid", Message: fmt.Sprintf("the trust policy %s cannot be used: %s", where, err)}
	}
	return compiled, nil
}

// revoke revokes the token a policy was read with, whatever became of the
// caller's request, within revokeTimeout. A failure is not the caller's to
// hear: the token reads one file, held only here, and lives an hour.
func (b *Broker) revoke(ctx context.Context, tok *mint.Token) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
	defer cancel()
	_ = b.cfg.App.RevokeYoung(rctx, tok.Token)
}

// installation returns the App's installation on owner, from the cache or
// looked up.
func (b *Broker) installation(ctx context.Context, owner string) (*ghclient.Installation, error) {
	return b.installs.get(ctx, strings.ToLower(owner), func(ctx context.Context) (*ghclient.Installation, error) {
		inst, err := b.cfg.App.Client().FindAccountInstallation(ctx, owner)
		if ghclient.KindOf(err) == ghapi.NotFound {
			return nil, &Error{Kind: NoPolicy, Rule: "not_installed",
				Message: fmt.Sprintf("the broker's App is not installed on %s: install it there, or ask for another scope", quoted(owner))}
		}
		if err != nil {
			return nil, b.githubRefusal(ctx, "find the App's installation on "+quoted(owner), err)
		}
		return inst, nil
	})
}

// mint mints req on inst, checking first what the installation must allow
// (the core checks it too, in words for other doors), and says GitHub's
// refusals as the broker's.
func (b *Broker) mint(ctx context.Context, req config.Request, inst *ghclient.Installation, op string) (*mint.Token, error) {
	if inst.SuspendedAt != nil {
		return nil, &Error{Kind: NoPolicy, Rule: "installation_suspended",
			Message: fmt.Sprintf("the broker's App is suspended on %s: an owner must unsuspend it", quoted(req.Owner))}
	}
	if err := permissions.CheckGranted(req.Permissions, inst.Permissions, req.Owner); err != nil {
		return nil, &Error{Kind: NoPolicy, Rule: "installation_permissions",
			Message: fmt.Sprintf("%s: the App's installation on %s was not granted them: %s", op, quoted(req.Owner), err)}
	}
	tok, err := b.cfg.App.Mint(ctx, req, inst)
	if err != nil {
		return nil, b.githubRefusal(ctx, op, err)
	}
	return tok, nil
}

// githubRefusal says a failed call to GitHub as the broker's refusal: a
// rate limit (with when to try again), a repository the installation does
// not reach, or GitHub failing. The caller's context ending is returned as
// is, for the door to answer as a timeout.
func (b *Broker) githubRefusal(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The transports end a try at the caller's deadline, a moment before
	// the context says so: that is the caller's time running out too.
	if deadline, ok := ctx.Deadline(); ok && errors.Is(err, context.DeadlineExceeded) && time.Until(deadline) < time.Second {
		return context.DeadlineExceeded
	}
	var api *ghclient.APIError
	if errors.As(err, &api) && api.RateLimited() {
		wait := api.RetryAfter
		if wait <= 0 {
			wait = api.RateLimitReset.Sub(b.cfg.Now())
		}
		wait = max(wait, time.Second).Round(time.Second)
		return &Error{Kind: RateLimited, Rule: "rate_limited", RetryAfter: wait,
			Message: fmt.Sprintf("%s: GitHub rate-limits the broker's App; try again in %s", op, wait)}
	}
	if ghclient.KindOf(err) == ghapi.RepositoriesUnreachable {
		return &Error{Kind: NoPolicy, Rule: "repository_unreachable",
			Message: fmt.Sprintf("%s: the App's installation cannot reach the repository; add it to the installation's repository access", op)}
	}
	return &Error{Kind: GitHubFailed, Rule: "github", Message: op + ": " + setting.Render(err, setting.CLI)}
}

// quoted is outside text as the broker's messages show it: quoted, on one
// line, cut at maxQuoted bytes. A repository path is no secret, so unlike
// secret.Quote it is shown whatever its length.
func quoted(s string) string { return strconv.Quote(secret.Printable(s, maxQuoted)) }

// maxQuoted bounds outside text in a message: an owner, a repository and a
// policy's path fit.
const maxQuoted = 300
