package mint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Installation finds the installation for req and checks, before anything
// is minted, that it can serve req: on the account req names, not
// suspended, and granted every permission asked for. With installation-id
// it is read by ID, so these checks hold there too. A broker may keep what
// it returns and give it to Mint for later requests on that account.
func (a *App) Installation(ctx context.Context, req config.Request) (*ghclient.Installation, error) {
	var (
		inst *ghclient.Installation
		err  error
	)
	switch {
	case req.Enterprise != "":
		if inst, err = a.enterpriseInstallation(ctx, req); err != nil {
			return nil, err
		}
		return inst, a.serves(req, inst)
	case req.InstallationID != 0:
		inst, err = a.gh.GetInstallation(ctx, req.InstallationID)
		if ghclient.KindOf(err) == ghapi.NotFound {
			return nil, setting.Errorf("installation %d was not found for App %s: check %s (the number at the end of the installation's settings URL) or leave it empty to look it up", req.InstallationID, a.cfg.Issuer, setting.Input(setting.InstallationID))
		}
	case req.Repositories != nil:
		inst, err = a.gh.FindRepositoryInstallation(ctx, req.Owner, req.Repositories[0])
	default:
		inst, err = a.gh.FindAccountInstallation(ctx, req.Owner)
	}
	if ghclient.KindOf(err) == ghapi.NotFound {
		return nil, a.notInstalled(ctx, req)
	}
	if err != nil {
		return nil, Explain(ctx, fmt.Sprintf("find the App's installation on %s", req.Owner), err, a.cfg)
	}
	if err := a.sameAccount(req, inst); err != nil {
		return nil, err
	}
	return inst, a.serves(req, inst)
}

// serves checks, before anything is minted, that the installation found for
// the request can serve it: not suspended, and granted every permission
// asked for (GitHub would refuse the whole request with one vague 422).
func (a *App) serves(req config.Request, inst *ghclient.Installation) error {
	account, kind, owner := inst.Account.Login, "installation", inst.Account.Login
	if req.Enterprise != "" {
		kind, owner = "enterprise installation", "the enterprise "+account
	}
	if inst.SuspendedAt != nil {
		return suspended(inst.ID, account)
	}
	if len(req.Permissions) > 0 {
		if err := permissions.CheckGranted(req.Permissions, inst.Permissions, account); err != nil {
			return setting.Errorf("the %s cannot grant the requested permissions: %s. Request less in %s, or have an owner of %s grant the App more (and accept its permission update)", kind, err, setting.Permissions, owner)
		}
	}
	return nil
}

// sameAccount refuses an installation on another account than the request
// names: with installation-id it would mint on that other account, and the
// log would name the wrong one.
func (a *App) sameAccount(req config.Request, inst *ghclient.Installation) error {
	got := inst.Account.Login
	if ghtext.IsLogin(got) && strings.EqualFold(got, req.Owner) {
		return nil
	}
	if !ghtext.IsLogin(got) {
		got = "an account name GitHub does not use"
	}
	what := "the token is asked for " + req.RepositoryList()
	if req.InstallationID != 0 {
		return setting.Errorf("%s %d is the App's installation on %s, but %s: set %s (and %s) to that account's, or fix %s",
			setting.InstallationID, inst.ID, got, what, setting.Owner, setting.Repositories, setting.InstallationID)
	}
	return setting.Errorf("GitHub answered the lookup for %s with installation %d on %s: refusing to mint on another account; check %s and any proxy in between",
		req.Owner, inst.ID, got, setting.Input(setting.APIURL))
}

// notInstalled tells apart "not installed on the account" from "installed
// but not on that repository" with one more lookup, on the error path only.
func (a *App) notInstalled(ctx context.Context, req config.Request) error {
	inst, err := a.gh.FindAccountInstallation(ctx, req.Owner)
	if ghclient.KindOf(err) == ghapi.NotFound || (err == nil && req.Repositories == nil) {
		return setting.Errorf("the App (%s %s) is not installed on %s: install it on that account (the App's page, Install App), or set %s to the account that has it",
			a.cfg.IssuerSetting, a.cfg.Issuer, req.Owner, setting.Owner)
	}
	if err != nil {
		return Explain(ctx, fmt.Sprintf("find the App's installation on %s", req.Owner), err, a.cfg)
	}
	return setting.Errorf("the App's installation %d on %s cannot reach repository %s/%s: add the repository to the installation's repository access, or check the name in %s",
		inst.ID, req.Owner, req.Owner, req.Repositories[0], setting.Repositories)
}

func suspended(id int64, owner string) error {
	return fmt.Errorf("the App's installation %d on %s is suspended: an owner of %s must unsuspend it (Settings → GitHub Apps → Configure → Unsuspend)", id, owner, owner)
}

// mint asks for the token and explains GitHub's refusals.
func (a *App) mint(ctx context.Context, req config.Request, id int64) (*ghclient.Token, error) {
	tok, err := a.gh.CreateToken(ctx, id, ghclient.TokenRequest{Repositories: req.Repositories, Permissions: req.Permissions})
	if err == nil {
		return tok, nil
	}
	var apiErr *ghclient.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Kind == ghapi.RepositoriesUnreachable:
			return nil, a.unreachable(ctx, req, id, err)
		case apiErr.Kind == ghapi.PermissionsNotGranted:
			return nil, setting.Errorf("GitHub refused the %s (%s): the installation %d on %s was not granted all of them. Request less, or have an owner grant the App more (and accept its permission update)",
				setting.Permissions, req.Permissions.String(), id, req.Owner)
		case apiErr.Kind == ghapi.Suspended:
			return nil, suspended(id, req.Owner)
		}
	}
	return nil, Explain(ctx, fmt.Sprintf("mint a token for installation %d", id), err, a.cfg)
}

// unreachable names the repositories the installation cannot reach, checked
// one by one on this error path only (at most maxReachChecks of them). It
// keeps GitHub's answer as its cause, so a broker tells this refusal apart.
func (a *App) unreachable(ctx context.Context, req config.Request, id int64, cause error) error {
	const maxReachChecks = 50
	var missing []string
	checked := 0
	for _, repo := range req.Repositories {
		if checked == maxReachChecks {
			break
		}
		checked++
		inst, err := a.gh.FindRepositoryInstallation(ctx, req.Owner, repo)
		if ghclient.KindOf(err) == ghapi.NotFound || (err == nil && inst.ID != id) {
			missing = append(missing, req.Owner+"/"+repo)
		}
	}
	which := "some of the repositories"
	if len(missing) > 0 {
		which = joinList(missing)
	}
	more := ""
	if rest := len(req.Repositories) - checked; rest > 0 {
		more = fmt.Sprintf(" (%d more were not checked)", rest)
	}
	return setting.Errorf("the App's installation %d cannot reach %s%s: add them to the installation's repository access, or fix the names in %s",
		id, which, more, setting.Input(setting.Repositories)).With(cause)
}
