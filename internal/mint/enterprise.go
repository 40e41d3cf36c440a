package mint

import (
	"context"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/permissions"
)

// enterpriseInstallation finds the App's installation on the enterprise the
// enterprise input names, with the checks installation makes for accounts:
// on that enterprise, not suspended, granted every permission asked for.
// From here on the enterprise's slug stands in the installation's login
// (an enterprise account has none), so logs and the summary name it.
func (m *Minter) enterpriseInstallation(ctx context.Context) (*ghclient.Installation, error) {
	cfg := m.cfg
	inst, err := m.gh.GetEnterpriseInstallation(ctx, cfg.Enterprise)
	if ghclient.StatusOf(err) == 404 {
		return nil, fmt.Errorf("the App (%s %s) is not installed on the enterprise %s: install it on the enterprise account (the App's page, Install App, then the enterprise), or check input enterprise against https://github.com/enterprises/SLUG",
			cfg.IssuerInput, cfg.Issuer, cfg.Enterprise)
	}
	if err != nil {
		return nil, Explain(ctx, fmt.Sprintf("find the App's installation on the enterprise %s", cfg.Enterprise), err, cfg)
	}
	if got := inst.Account.Slug; !strings.EqualFold(got, cfg.Enterprise) {
		return nil, fmt.Errorf("GitHub answered the lookup for the enterprise %s with installation %d on another account: refusing to mint there; check input github-api-url and any proxy in between",
			cfg.Enterprise, inst.ID)
	}
	inst.Account.Login = cfg.Enterprise
	if inst.SuspendedAt != nil {
		return nil, suspended(inst.ID, cfg.Enterprise)
	}
	if len(cfg.Permissions) > 0 {
		if err := permissions.CheckGranted(cfg.Permissions, inst.Permissions, cfg.Enterprise); err != nil {
			return nil, fmt.Errorf("the enterprise installation cannot grant the requested permissions: %v. Request less, or have an owner of the enterprise %s grant the App more (and accept its permission update)", err, cfg.Enterprise)
		}
	}
	return inst, nil
}
