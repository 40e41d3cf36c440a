package mint

import (
	"context"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/ghclient"
)

// enterpriseInstallation finds the App's installation on the enterprise the
// enterprise input names and checks GitHub's answer is that enterprise's;
// Installation then checks it can serve the request, as for accounts.
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
	return inst, nil
}
