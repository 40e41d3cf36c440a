package config

import (
	"net/url"

	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// App is what the App is and how to reach GitHub as it, checked: the same
// for every token it mints. mint.NewApp turns it into a long-lived App (a
// broker keeps one for all its exchanges); a one-shot door has it in its
// Config.
type App struct {
	// Issuer is the JWT issuer: the client ID or the App ID as given.
	Issuer string
	// IssuerSetting is the setting the issuer came from, for error messages:
	// the client ID, the App ID, or the JWT signed elsewhere.
	IssuerSetting setting.ID
	// PrivateKey is the raw private-key setting; mint parses it (appkey).
	PrivateKey string
	// JWT is the raw jwt setting, an App JWT signed elsewhere; KMSKey names
	// the App's key in AWS KMS, and AWSRole the role assumed to use it.
	// At most one of PrivateKey, JWT and KMSKey is set.
	JWT, KMSKey, AWSRole string
	// APIURL is GitHub's REST API base, always ending in "/"; nil for a
	// door that only signs (ReadSigner).
	APIURL *url.URL
	// CACertificates are PEM certificates to trust besides the system's.
	CACertificates []byte
	// Retry bounds the retrying of each API call.
	Retry Retry
}

// Request is what one token is for, checked: the account, the
// repositories and the permissions. A broker builds one per exchange from
// its trust policy; a one-shot door has it in its Config.
type Request struct {
	// Owner is the account that installed the App.
	Owner string
	// Repositories are repository names (no owner) the token is limited to;
	// nil means every repository the installation reaches.
	Repositories []string
	// Permissions requested; empty means everything the installation has.
	Permissions permissions.Set
	// InstallationID, when non-zero, skips the installation lookup.
	InstallationID int64
	// Enterprise, when set, is the enterprise slug whose installation mints
	// the token; Owner is then that slug and Repositories nil.
	Enterprise string
}
