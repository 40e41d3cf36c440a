package config

import (
	"strconv"

	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Input declares one action input. The list below is the single source of
// action.yml's inputs and docs/inputs.md's table (see internal/actionyml),
// so documentation, metadata and parsing cannot drift apart.
type Input struct {
	Name        string
	Description string
	Default     string
	Required    bool
	// Levels lists, for a permission-* input, the levels GitHub accepts
	// (shared with the permission table: read only).
	Levels []string
}

// Output declares one action output, for action.yml and docs/inputs.md.
type Output struct {
	Name        string
	Description string
}

// The retry defaults, declared once: Inputs shows them in action.yml and the
// README, and readRetry falls back to them for an empty input.
const (
	defaultRetryAttempts         = 4
	defaultRetrySeconds          = 60
	defaultRequestTimeoutSeconds = 20
	// About twice the 5 s Octokit retries a new token's 401 for.
	defaultTokenReadySeconds = 10
)

// Inputs lists the inputs that are not per-permission, in the order
// action.yml shows them. A fresh slice each call: nobody can change the
// declarations for everyone.
func Inputs() []Input {
	return []Input{
		{Name: setting.ClientID.Input(), Description: "The GitHub App's client ID (recommended, e.g. Iv23li...). Set this or app-id."},
		{Name: setting.AppID.Input(), Description: "The GitHub App's numeric ID, for older GitHub Enterprise Server releases. Set this or client-id; when both are set, client-id wins."},
		{Name: setting.PrivateKey.Input(), Description: "The App's private key: the .pem file from the App's settings page. PKCS#1 or PKCS#8 PEM, also with literal \\n escapes, or base64 of the PEM. Set this, jwt or kms-key."},
		{Name: setting.JWT.Input(), Description: "Instead of private-key: an App JWT signed elsewhere (Google Cloud KMS, Azure Key Vault, Vault transit, an HSM; see docs/keyless.md). RS256, at most ten minutes to live, its iss the client-id or app-id when given. Masked before use."},
		{Name: setting.KMSKey.Input(), Description: "Instead of private-key: the App's key in AWS KMS, as awskms:///KEY where KEY is a key ID, alias/NAME, a key ARN or an alias ARN (awskms://ENDPOINT/KEY for a private endpoint). Each App JWT is signed with KMS Sign, so the key never reaches the runner. Needs client-id or app-id; AWS credentials from the SDK's standard chain (e.g. aws-actions/configure-aws-credentials) or aws-role-to-assume."},
		{Name: setting.AWSRole.Input(), Description: "With kms-key: the ARN of an IAM role to assume with the job's OIDC token (needs `permissions: id-token: write`). Its temporary credentials stay inside this step: no output, environment variable or later step sees them."},
		{Name: setting.Owner.Input(), Description: "The account that installed the App. Defaults to the current repository's owner. With owner and no repositories, the token reaches every repository of the installation."},
		{Name: setting.Repositories.Input(), Description: "Repositories the token may reach, comma- or newline-separated, as name or owner/name. Defaults to the current repository when owner is empty too. At most 500."},
		{Name: setting.Permissions.Input(), Description: "Permissions as in a workflow's permissions: block, one `name: level` per line (e.g. `contents: write`). Merged with the permission-* inputs. Omit all to get everything the installation has."},
		{Name: setting.Enterprise.Input(), Description: "An enterprise's slug (as in https://github.com/enterprises/SLUG): mint for the App's installation on that enterprise account, for enterprise_* permissions. Not combinable with owner, repositories or installation-id."},
		{Name: setting.InstallationID.Input(), Description: "The installation's numeric ID, instead of looking it up from owner or repositories. Its account must be the one the token is for (owner, or the current repository's owner): another account is refused before anything is minted."},
		{Name: setting.SkipRevoke.Input(), Default: "false", Description: "If true, the token is not revoked when the job ends (it still expires after an hour)."},
		{Name: setting.APIURL.Input(), Default: "${{ github.api_url }}", Description: "The GitHub REST API URL. For GitHub Enterprise Server: https://HOST/api/v3 (or https://HOST)."},
		{Name: setting.CACertificates.Input(), Description: "One or more PEM certificates (-----BEGIN CERTIFICATE-----) trusted for every call, in addition to the system's: for GitHub Enterprise Server behind a private CA. The container cannot see the runner host's trust store or NODE_EXTRA_CA_CERTS."},
		{Name: setting.RetryAttempts.Input(), Default: strconv.Itoa(defaultRetryAttempts), Description: "Attempts per API call on transient failures (5xx, dropped connections, rate limits), 1 to 10."},
		{Name: setting.RetrySeconds.Input(), Default: strconv.Itoa(defaultRetrySeconds), Description: "Time budget in seconds for one API call including retries and rate-limit waits."},
		{Name: setting.RequestTimeout.Input(), Default: strconv.Itoa(defaultRequestTimeoutSeconds), Description: "Timeout in seconds for a single HTTP request to GitHub."},
		{Name: setting.TokenReady.Input(), Default: strconv.Itoa(defaultTokenReadySeconds), Description: "For up to this many seconds, a new token that GitHub refuses (401, for a few seconds after minting) is checked again with one cheap call before it is handed over; the step fails, and revokes it, if GitHub still refuses it. 0 to 120; 0 skips the check."},
	}
}

// Outputs lists the action's outputs, a fresh slice each call.
func Outputs() []Output {
	return []Output{
		{Name: "token", Description: "The installation access token (masked in logs)."},
		{Name: "installation-id", Description: "The ID of the installation the token belongs to."},
		{Name: "app-slug", Description: "The App's slug."},
		{Name: "expires-at", Description: "When the token expires, RFC 3339 (one hour after minting). GitHub cannot extend a token: a job that runs longer uses the action again in a later step."},
		{Name: "permissions", Description: "JSON object of the permissions GitHub granted the token."},
		{Name: "bot-user-id", Description: "The user ID of the App's bot account (empty if the lookup failed)."},
		{Name: "git-user-name", Description: "<app-slug>[bot], for git config user.name (empty if the lookup failed)."},
		{Name: "git-user-email", Description: "<bot-user-id>+<app-slug>[bot]@users.noreply.github.com, for git config user.email (empty if the lookup failed)."},
	}
}

// PermissionInputs returns one input per App permission, generated from
// GitHub's table: `permission-pull-requests` sets `pull_requests`.
func PermissionInputs() []Input {
	specs := permissions.All()
	ins := make([]Input, len(specs))
	for i, s := range specs {
		desc := s.Description + " Can be set to: " + JoinLevels(s.Levels) + "."
		ins[i] = Input{Name: s.InputName(), Description: desc, Levels: s.Levels}
	}
	return ins
}

// AllInputs returns every declared input: the fixed ones, then one per permission.
func AllInputs() []Input {
	return append(Inputs(), PermissionInputs()...)
}

// JoinLevels lists levels as the docs show them: 'read' or 'write'.
func JoinLevels(levels []string) string {
	out := ""
	for i, l := range levels {
		if i > 0 && i == len(levels)-1 {
			out += " or "
		} else if i > 0 {
			out += ", "
		}
		out += "'" + l + "'"
	}
	return out
}
