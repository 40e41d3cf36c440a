package mint

import (
	"context"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
)

// RevokeToken revokes token, the one way every door does. A token GitHub
// no longer accepts (401: already revoked, or expired) is reported as gone,
// not as an error: the caller wanted it dead, and it is, so a cleanup that
// runs twice succeeds twice. Any other failure is explained.
func RevokeToken(ctx context.Context, gh *ghclient.Client, token string, cfg *config.Config) (gone bool, err error) {
	err = gh.RevokeToken(ctx, token)
	switch {
	case ghclient.KindOf(err) == ghapi.Unauthorized:
		return true, nil
	case err != nil:
		return false, Explain(ctx, "revoke the token", err, cfg)
	}
	return false, nil
}
