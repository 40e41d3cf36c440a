package brokerclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/setting"
)

// The runner's variables for the job's OIDC token, set only for a job
// with `permissions: id-token: write`.
const (
	EnvTokenURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvTokenValue = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// maxIDToken bounds an OIDC token taken from the runner or a variable.
const maxIDToken = 16 << 10

// RunnerToken asks the GitHub Actions runner for the job's OIDC token for
// audience. mask hears the runner's request token before it is sent and
// the OIDC token before it is returned, each whole.
func (c *Client) RunnerToken(ctx context.Context, audience string, mask func(string)) (string, error) {
	raw, bearer := c.Getenv(EnvTokenURL), c.Getenv(EnvTokenValue)
	if raw == "" || bearer == "" {
		return "", setting.Errorf("%s: the job's OIDC token cannot be requested (%s and %s are not set): %s", c.Name, EnvTokenURL, EnvTokenValue, setting.Words{
			Action: "give the job `permissions: id-token: write`",
			CLI:    "inside GitHub Actions, give the job `permissions: id-token: write`; elsewhere, pass the variable holding your CI's OIDC token as --oidc-token-env NAME",
		})
	}
	mask(bearer)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", setting.Errorf("%s: %s is not an https URL; it is the runner's, do not set it yourself", c.Name, EnvTokenURL)
	}
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", setting.Errorf("%s: cannot request the job's OIDC token: bad %s", c.Name, EnvTokenURL)
	}
	r.Header.Set("Authorization", "Bearer "+bearer)
	r.Header.Set("Accept", "application/json")
	status, body, err := c.do(r, "the runner's OIDC token endpoint")
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", setting.Errorf("%s: the runner refused the job's OIDC token (HTTP %d): does the job have `permissions: id-token: write`?", c.Name, status)
	}
	var answer struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(body, &answer) != nil || !IsJWT(answer.Value) {
		return "", setting.Errorf("%s: the runner's answer holds no OIDC token", c.Name)
	}
	mask(answer.Value)
	return answer.Value, nil
}

// IsJWT reports whether s is shaped as a compact JWT (three base64url
// parts) of at most 16 KiB, so that nothing else is masked or sent on.
func IsJWT(s string) bool {
	if len(s) > maxIDToken || strings.Count(s, ".") != 2 {
		return false
	}
	for _, c := range s {
		if !(c == '.' || c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
