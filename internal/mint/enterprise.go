package mint

import (
	"context"
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/setting"
)

// enterpriseInstallation finds the App's installation on the enterprise the
// request names and checks GitHub's answer is that enterprise's;
// Installation then checks it can serve the request, as for accounts.
// From here on the enterprise's slug stands in the installation's login
// (an enterprise account has none), so logs and the summary name it.
func (a *App) enterpriseInstallation(ctx context.Context, req config.Request) (*ghclient.Installation, error) {
	inst, err := a.gh.GetEnterpriseInstallation(ctx, req.Enterprise)
	if ghclient.KindOf(err) == ghapi.NotFound {
		return nil, setting.Errorf("the App (%s %s) is not installed on the enterprise %s: install it on the enterprise account (the App's page, Install App, then the enterprise), or check %s against https://github.com/enterprises/SLUG",
			a.cfg.IssuerSetting, a.cfg.Issuer, req.Enterprise, setting.Input(setting.Enterprise))
	}
	if err != nil {
		return nil, Explain(ctx, fmt.Sprintf("find the App's installation on the enterprise %s", req.Enterprise), err, a.cfg)
	}
	if got := inst.Account.Slug; !strings.EqualFold(got, req.Enterprise) {
		return nil, setting.Errorf("GitHub answered the lookup for the enterprise %s with installation %d on another account: refusing to mint there; check %s and any proxy in between",
			req.Enterprise, inst.ID, setting.Input(setting.APIURL))
	}
	inst.Account.Login = req.Enterprise
	return inst, nil
}
