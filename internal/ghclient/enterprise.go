package ghclient

import (
	"context"
	"net/url"
)

// GetEnterpriseInstallation finds the App's installation on an enterprise
// account (its slug, as in https://github.com/enterprises/SLUG). The
// installation's account is the enterprise: Account.Slug names it and
// Account.Login is empty.
//
// GitHub API docs: GET /enterprises/{enterprise}/installation
func (c *Client) GetEnterpriseInstallation(ctx context.Context, enterprise string) (*Installation, error) {
	var inst Installation
	err := c.do(ctx, c.app, "GET", "enterprises/"+url.PathEscape(enterprise)+"/installation", "", nil, &inst)
	return &inst, err
}
