package mint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Installation finds the installation and checks, before anything is
// minted, that it can serve the request: on the account the request names,
// not suspended, and granted every permission asked for. With
// installation-id it is read by ID, so these checks hold there too.
func (m *Minter) Installation(ctx context.Context) (*ghclient.Installation, error) {
	cfg := m.cfg
	var (
		inst *ghclient.Installation
		err  error
	)
	switch {
	case cfg.Enterprise != "":
		if inst, err = m.enterpriseInstallation(ctx); err != nil {
			return nil, err
		}
		return inst, m.serves(inst)
	case cfg.InstallationID != 0:
		inst, err = m.gh.GetInstallation(ctx, cfg.InstallationID)
		if ghclient.KindOf(err) == ghapi.NotFound {
			return nil, setting.Errorf("installation %d was not found for App %s: check %s (the number at the end of the installation's settings URL) or leave it empty to look it up", cfg.InstallationID, cfg.Issuer, setting.Input(setting.InstallationID))
		}
	case cfg.Repositories != nil:
		inst, err = m.gh.FindRepositoryInstallation(ctx, cfg.Owner, cfg.Repositories[0])
	default:
		inst, err = m.gh.FindAccountInstallation(ctx, cfg.Owner)
	}
	if ghclient.KindOf(err) == ghapi.NotFound {
		return nil, m.notInstalled(ctx)
	}
	if err != nil {
		return nil, Explain(ctx, fmt.Sprintf("find the App's installation on %s", cfg.Owner), err, cfg)
	}
	if err := m.sameAccount(inst); err != nil {
		return nil, err
	}
	return inst, m.serves(inst)
}

// serves checks, before anything is minted, that the installation found for
// the request can serve it: not suspended, and granted every permission
// asked for (GitHub would refuse the whole request with one vague 422).
func (m *Minter) serves(inst *ghclient.Installation) error {
	account, kind, owner := inst.Account.Login, "installation", inst.Account.Login
	if m.cfg.Enterprise != "" {
		kind, owner = "enterprise installation", "the enterprise "+account
	}
	if inst.SuspendedAt != nil {
		return suspended(inst.ID, account)
	}
	if len(m.cfg.Permissions) > 0 {
		if err := permissions.CheckGranted(m.cfg.Permissions, inst.Permissions, account); err != nil {
			return setting.Errorf("the %s cannot grant the requested permissions: %s. Request less in %s, or have an owner of %s grant the App more (and accept its permission update)", kind, err, setting.Permissions, owner)
		}
	}
	return nil
}

// sameAccount refuses an installation on another account than the request
// names: with installation-id it would mint on that other account, and the
// log would name the wrong one.
func (m *Minter) sameAccount(inst *ghclient.Installation) error {
	got := inst.Account.Login
	if ghtext.IsLogin(got) && strings.EqualFold(got, m.cfg.Owner) {
		return nil
	}
	if !ghtext.IsLogin(got) {
		got = "an account name GitHub does not use"
	}
	what := "the token is asked for " + m.cfg.RepositoryList()
	if m.cfg.InstallationID != 0 {
		return setting.Errorf("%s %d is the App's installation on %s, but %s: set %s (and %s) to that account's, or fix %s",
			setting.InstallationID, inst.ID, got, what, setting.Owner, setting.Repositories, setting.InstallationID)
	}
	return setting.Errorf("GitHub answered the lookup for %s with installation %d on %s: refusing to mint on another account; check %s and any proxy in between",
		m.cfg.Owner, inst.ID, got, setting.Input(setting.APIURL))
}

// notInstalled tells apart "not installed on the account" from "installed
// but not on that repository" with one more lookup, on the error path only.
func (m *Minter) notInstalled(ctx context.Context) error {
	cfg := m.cfg
	inst, err := m.gh.FindAccountInstallation(ctx, cfg.Owner)
	if ghclient.KindOf(err) == ghapi.NotFound || (err == nil && cfg.Repositories == nil) {
		return setting.Errorf("the App (%s %s) is not installed on %s: install it on that account (the App's page, Install App), or set %s to the account that has it",
			cfg.IssuerSetting, cfg.Issuer, cfg.Owner, setting.Owner)
	}
	if err != nil {
		return Explain(ctx, fmt.Sprintf("find the App's installation on %s", cfg.Owner), err, cfg)
	}
	return setting.Errorf("the App's installation %d on %s cannot reach repository %s/%s: add the repository to the installation's repository access, or check the name in %s",
		inst.ID, cfg.Owner, cfg.Owner, cfg.Repositories[0], setting.Repositories)
}

func suspended(id int64, owner string) error {
	return fmt.Errorf("the App's installation %d on %s is suspended: an owner of %s must unsuspend it (Settings → GitHub Apps → Configure → Unsuspend)", id, owner, owner)
}

// mint asks for the token and explains GitHub's refusals.
func (m *Minter) mint(ctx context.Context, id int64) (*ghclient.Token, error) {
	cfg := m.cfg
	tok, err := m.gh.CreateToken(ctx, id, ghclient.TokenRequest{Repositories: cfg.Repositories, Permissions: cfg.Permissions})
	if err == nil {
		return tok, nil
	}
	var apiErr *ghclient.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Kind == ghapi.RepositoriesUnreachable:
			return nil, m.unreachable(ctx, id)
		case apiErr.Kind == ghapi.PermissionsNotGranted:
			return nil, setting.Errorf("GitHub refused the %s (%s): the installation %d on %s was not granted all of them. Request less, or have an owner grant the App more (and accept its permission update)",
				setting.Permissions, cfg.Permissions.String(), id, cfg.Owner)
		case apiErr.Kind == ghapi.Suspended:
			return nil, suspended(id, cfg.Owner)
		}
	}
	return nil, Explain(ctx, fmt.Sprintf("mint a token for installation %d", id), err, cfg)
}

// unreachable names the repositories the installation cannot reach, checked
// one by one on this error path only (at most maxReachChecks of them).
func (m *Minter) unreachable(ctx context.Context, id int64) error {
	const maxReachChecks = 50
	var missing []string
	checked := 0
	for _, repo := range m.cfg.Repositories {
		if checked == maxReachChecks {
			break
		}
		checked++
		inst, err := m.gh.FindRepositoryInstallation(ctx, m.cfg.Owner, repo)
		if ghclient.KindOf(err) == ghapi.NotFound || (err == nil && inst.ID != id) {
			missing = append(missing, m.cfg.Owner+"/"+repo)
		}
	}
	which := "some of the repositories"
	if len(missing) > 0 {
		which = joinList(missing)
	}
	more := ""
	if rest := len(m.cfg.Repositories) - checked; rest > 0 {
		more = fmt.Sprintf(" (%d more were not checked)", rest)
	}
	return setting.Errorf("the App's installation %d cannot reach %s%s: add them to the installation's repository access, or fix the names in %s",
		id, which, more, setting.Input(setting.Repositories))
}
